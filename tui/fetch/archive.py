"""A fetched channel on disk: `<channels>/<name>/`, one HTML file per page as it was received,
and `.state.json` saying which message ids the pages cover.

The pages are the source: the reader opens the folder like any folder of saved pages, and a
better parser later reads them again. Every file is written as the storage writes the
database (tui/storage/atomic.py: hidden temporary file, fsync, rename), so a killed fetch
leaves whole pages or none; the state is written
after the page it describes, so a page the state does not know is simply fetched again.

Coverage is kept as id intervals. A page asked for with `?before=B` holds every post with an
id below B down to its lowest (deleted ids are gaps t.me skips), so it covers [lowest, B-1];
the newest page covers [lowest, highest]; a page without a link to older posts reaches the
start of the channel, so it covers down to 0.
"""

from __future__ import annotations

import errno
import json
from collections.abc import Callable, Iterator
from contextlib import ExitStack, contextmanager
from dataclasses import dataclass
from datetime import UTC, datetime
from pathlib import Path
from typing import Any

from tui.fetch.errors import FetchError
from tui.ingest.tme_page import Page
from tui.storage.atomic import InterProcessLock, temp_prefix, write_atomically

STATE_NAME = ".state.json"
STATE_VERSION = 1
#: The temporary files of `write_atomically`, whatever file they were for (hidden, so the
#: reader never takes one for a page).
ORPHANS = temp_prefix(Path("*")) + "*"


def _now() -> str:
    return datetime.now(UTC).replace(microsecond=0).isoformat()


@dataclass(frozen=True, slots=True)
class Summary:
    """What `fetch --list` says of one archive."""

    name: str
    title: str | None
    posts: int
    first: str | None
    last: str | None
    updated: str | None
    complete: bool


class Archive:
    """One channel's folder. Open it with `Archive.open` (creates the folder) or read it
    without writing with `Archive.read`."""

    def __init__(self, folder: Path, state: dict[str, Any]) -> None:
        self.folder = folder
        self.state = state
        self.pages: dict[str, dict[str, Any]] = state.setdefault("pages", {})
        self.covered: list[list[int]] = state.setdefault("covered", [])
        self.known_ids: set[int] = {i for meta in self.pages.values() for i in meta["ids"]}

    @classmethod
    def read(cls, folder: Path) -> Archive:
        path = folder / STATE_NAME
        try:
            state = json.loads(path.read_text(encoding="utf-8"))
        except FileNotFoundError:
            state = {}
        except (OSError, ValueError) as exc:
            message = f"{path}: cannot be read ({exc}); move it away to start over"
            raise FetchError(message) from None
        if not isinstance(state, dict) or state.get("version", STATE_VERSION) != STATE_VERSION:
            raise FetchError(f"{path}: not a state file this tgreader knows")
        state["version"] = STATE_VERSION
        return cls(folder, state)

    @classmethod
    @contextmanager
    def open(cls, folder: Path) -> Iterator[Archive]:
        """The archive, locked against a second fetch of the same channel (the storage's
        inter-process lock, not waited for), with the temporary files of a killed run
        removed."""
        folder.mkdir(parents=True, exist_ok=True)
        lock = InterProcessLock(folder / STATE_NAME, timeout_s=0.0)
        with ExitStack() as stack:
            stack.callback(lock.close)
            try:
                stack.enter_context(lock.held())
            except OSError as exc:
                if exc.errno != errno.EAGAIN:
                    raise
                raise FetchError(f"{folder}: another fetch of this channel is running") from None
            for orphan in folder.glob(ORPHANS):
                orphan.unlink(missing_ok=True)
            yield cls.read(folder)

    # --- coverage ---------------------------------------------------------------------

    def covered_from(self, message_id: int) -> int | None:
        """The lowest id down to which everything from `message_id` is covered; None when
        `message_id` itself is not."""
        for low, high in self.covered:
            if low <= message_id <= high:
                return low
        return None

    @property
    def floor(self) -> int | None:
        """The lowest id a bounded fetch (`--since`, `--limit`) wanted; older is not fetched."""
        value = self.state.get("floor")
        return value if isinstance(value, int) else None

    def set_floor(self, message_id: int) -> None:
        floor = self.floor
        self.state["floor"] = message_id if floor is None else min(floor, message_id)
        self._save_state()

    def _cover(self, low: int, high: int) -> None:
        spans = sorted([*self.covered, [low, high]])
        merged: list[list[int]] = []
        for span in spans:
            if merged and span[0] <= merged[-1][1] + 1:
                merged[-1][1] = max(merged[-1][1], span[1])
            else:
                merged.append(list(span))
        self.covered[:] = merged

    # --- pages ------------------------------------------------------------------------

    def save_page(self, body: bytes, page: Page, before: int | None) -> int:
        """Store a page as received and what it covers; the number of posts new to the
        archive. A page without posts stores no file, only that nothing is below `before`."""
        ids = sorted(post.message_id for post in page.posts)
        reaches_start = page.before is None
        if not ids:
            if before is not None:
                self._cover(0, before - 1)
            self._note(page)
            self._save_state()
            return 0
        name = f"{ids[0]:010d}-{ids[-1]:010d}.html"
        write_atomically(self.folder / name, body)
        stamps = sorted(post.datetime for post in page.posts if post.datetime)
        self.pages[name] = {
            "before": before,
            "ids": ids,
            "first": stamps[0] if stamps else None,
            "last": stamps[-1] if stamps else None,
        }
        self._cover(0 if reaches_start else ids[0], ids[-1] if before is None else before - 1)
        fresh = len(set(ids) - self.known_ids)
        self.known_ids.update(ids)
        self._note(page)
        self._save_state()
        return fresh

    def _note(self, page: Page) -> None:
        if page.title:
            self.state["title"] = page.title
        if page.username:
            self.state["username"] = page.username

    def finish(self) -> None:
        """Record the end of a run that went as far as it meant to."""
        self.state["updated"] = _now()
        self._save_state()

    def _save_state(self) -> None:
        data = json.dumps(self.state, ensure_ascii=False, separators=(",", ":"), sort_keys=True)
        write_atomically(self.folder / STATE_NAME, data.encode("utf-8"))

    def summary(self) -> Summary:
        firsts = [m["first"] for m in self.pages.values() if m.get("first")]
        lasts = [m["last"] for m in self.pages.values() if m.get("last")]
        return Summary(
            name=str(self.state.get("username") or self.folder.name),
            title=self.state.get("title"),
            posts=len(self.known_ids),
            first=min(firsts) if firsts else None,
            last=max(lasts) if lasts else None,
            updated=self.state.get("updated"),
            complete=bool(self.covered) and self.covered[0][0] == 0,
        )


def list_archives(root: Path, warn: Callable[[str], None]) -> list[Summary]:
    """Every fetched channel under `root`, by name; one warning for a state it cannot read."""
    if not root.is_dir():
        return []
    out: list[Summary] = []
    for folder in sorted(root.iterdir()):
        if folder.is_dir() and (folder / STATE_NAME).is_file():
            try:
                out.append(Archive.read(folder).summary())
            except FetchError as exc:
                warn(f"{exc} (not listed)")
    return out
