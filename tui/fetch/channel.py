"""Fetch a channel's web preview into its archive: newest page first, then `?before=` to
older ones, stopping where the archive already has everything below, at a `--since` date, a
`--limit` of new posts, or the start of the channel.

Incremental and resumable by the archive's coverage: a second run fetches the newest page,
sees that everything below it is already there and stops; a run that was killed left whole
pages and a state that names them, so the next run skips what they cover and goes on below.
"""

from __future__ import annotations

import re
from collections.abc import Callable
from dataclasses import dataclass
from datetime import date, datetime
from pathlib import Path
from urllib.parse import urlsplit

from tui.fetch.archive import STATE_NAME, Archive
from tui.fetch.client import Client, Politeness
from tui.fetch.client import Page as Response
from tui.fetch.errors import FetchError
from tui.ingest.tme_page import Page, read_page

DEFAULT_BASE_URL = "https://t.me"
_USERNAME = re.compile(r"^[A-Za-z][A-Za-z0-9_]{2,63}$")


def channel_name(given: str) -> str:
    """`@name`, `name`, `t.me/name`, `https://t.me/s/name?before=…`, `t.me/name/123` ->
    `name`. Raises FetchError for anything that is not a public username."""
    text = given.strip()
    if "/" in text:
        parts = urlsplit(text if "://" in text else "https://" + text).path.split("/")
        parts = [p for p in parts if p]
        if parts[:1] == ["s"]:
            parts = parts[1:]
        text = parts[0] if parts else ""
    text = text.removeprefix("@")
    if not _USERNAME.match(text):
        raise FetchError(f"{given!r} is not a public channel name (@name or a t.me link)")
    return text


@dataclass(frozen=True, slots=True)
class Progress:
    """How far a fetch has got: pages received, posts new to the archive, the oldest post
    time reached (ISO 8601)."""

    pages: int
    new_posts: int
    oldest: str | None


@dataclass(frozen=True, slots=True)
class Result:
    pages: int
    new_posts: int
    oldest: str | None
    title: str | None


def _whole(response: Response) -> str | None:
    """A page that stops before `</html>` was cut in transit (or by the server): retry it."""
    tail = response.body[-4096:].lower()
    return None if b"</html>" in tail else "the page arrived cut short"


def _check_shape(name: str, response: Response, page: Page) -> None:
    """One line for a page that is not a post list of this channel."""
    if page.kind == "landing" or (response.redirected and page.kind != "preview"):
        if not page.landing_exists:
            raise FetchError(f"@{name}: no such channel on {urlsplit(response.url).netloc}")
        raise FetchError(
            f"@{name} has no public preview (a private channel, a group or a person): "
            f"{response.url} shows its page instead of its posts"
        )
    if page.kind != "preview":
        raise FetchError(
            f"{response.url}: not a t.me preview page (unexpected shape); "
            "nothing already saved was lost"
        )


def _older_than(stamp: str | None, since: date) -> bool:
    if not stamp:
        return False
    try:
        return datetime.fromisoformat(stamp).date() < since
    except ValueError:
        return False


def fetch_channel(
    name: str,
    archive: Archive,
    client: Client,
    *,
    since: date | None = None,
    limit: int | None = None,
    progress: Callable[[Progress], None] | None = None,
) -> Result:
    """Bring the archive up to date. Raises FetchError (with the pages fetched so far kept)."""
    bounded = since is not None or limit is not None
    floor = None if bounded else archive.floor
    before: int | None = None
    pages = new_posts = 0
    oldest: str | None = None
    title: str | None = None
    while True:
        path = f"/s/{name}" + (f"?before={before}" if before is not None else "")
        response = client.get(path, check=_whole)
        page = read_page(response.text())
        _check_shape(name, response, page)
        new_posts += archive.save_page(response.body, page, before)
        pages += 1
        title = title or page.title
        stamps = [post.datetime for post in page.posts if post.datetime]
        if stamps:
            oldest = min([*stamps, *([oldest] if oldest else [])])
        if progress is not None:
            progress(Progress(pages, new_posts, oldest))
        if not page.posts or page.before is None:
            break  # the start of the channel
        lowest = min(post.message_id for post in page.posts)
        if (limit is not None and new_posts >= limit) or (
            since is not None and _older_than(min(stamps, default=None), since)
        ):
            archive.set_floor(lowest)
            break
        below = min(page.before, lowest)
        covered_to = archive.covered_from(below - 1)
        if covered_to is not None:
            if covered_to == 0:
                break  # everything older is in the archive
            below = covered_to
        if floor is not None and below <= floor:
            break  # as far back as an earlier bounded fetch wanted
        before = below
    archive.finish()
    return Result(pages, new_posts, oldest, title)


def fetch_into(
    folder: Path,
    name: str,
    base_url: str = DEFAULT_BASE_URL,
    politeness: Politeness | None = None,
    *,
    since: date | None = None,
    limit: int | None = None,
    progress: Callable[[Progress], None] | None = None,
) -> Result:
    """Fetch `name` into the archive at `folder` (created if need be), remembering where it
    came from so `update_archive` can bring it up to date later."""
    with Archive.open(folder) as archive, Client(base_url, politeness) as client:
        archive.state["channel"] = name
        archive.state["base_url"] = base_url
        return fetch_channel(name, archive, client, since=since, limit=limit, progress=progress)


def fetched_channel(folder: Path) -> tuple[str, str] | None:
    """(channel name, base URL) when `folder` is an archive `tgreader fetch` made; else None."""
    if not (folder / STATE_NAME).is_file():
        return None
    try:
        state = Archive.read(folder).state
    except FetchError:
        return None
    name, base_url = state.get("channel"), state.get("base_url")
    if not isinstance(name, str) or not isinstance(base_url, str):
        return None
    if not _USERNAME.match(name) or urlsplit(base_url).scheme not in ("http", "https"):
        return None  # a state file edited by hand or by someone else: offer nothing
    return name, base_url
