"""Bookmarks and notes written out: a Markdown research notebook, or JSON for other tools.

Built only from the stored records and their post snapshots, so it works when none of the
archives is open; `open_ids` (the posts of the files open now) lets it mark the rest.
"""

from __future__ import annotations

import json
import re
from collections.abc import Iterable
from dataclasses import dataclass, field
from datetime import datetime
from typing import Any, Literal, Protocol

from tui.model import Bookmark, Note, PostDate, PostSnapshot
from tui.safetext import json_text, markdown_inline, markdown_verbatim, visible
from tui.wording import date_label

Format = Literal["md", "json"]
JSON_FORMAT_NAME = "tgreader-notes"
JSON_FORMAT_VERSION = 1
OTHER_GROUP = "Other posts"
_PLAIN_ID = re.compile(r"[\w/~-]+", re.ASCII)  # content hashes, `<chat>/<message id>`
_PLAIN_ADDRESS = re.compile(r"https?://[^\s<>`\\]+", re.ASCII)


def _address(url: str) -> str:
    """A post's address as a Markdown autolink, or escaped text if it could not be one."""
    return f"<{url}>" if _PLAIN_ADDRESS.fullmatch(url) else markdown_inline(url)


class NotesSource(Protocol):
    """What the export reads: `Store` satisfies it, and so can a test's plain object."""

    def bookmarks(self) -> list[Bookmark]: ...

    def notes(self, post_id: str | None = None) -> list[Note]: ...


@dataclass
class _PostEntry:
    """One post as the export shows it: its latest snapshot, its bookmark, its notes."""

    snapshot: PostSnapshot
    bookmark: Bookmark | None = None
    notes: list[Note] = field(default_factory=list)

    @property
    def group(self) -> str:
        return self.snapshot.channel or self.snapshot.source or OTHER_GROUP


def _date_sort_key(snapshot: PostSnapshot) -> tuple[int, tuple[int, int, int]]:
    if not snapshot.date:
        return (1, (0, 0, 0))  # undated posts after dated ones
    try:
        return (0, PostDate.from_iso(snapshot.date).sort_key())
    except ValueError:
        return (1, (0, 0, 0))


def _collect(source: NotesSource) -> list[_PostEntry]:
    """Posts with a bookmark or a note, grouped (channel, else source) and in date order."""
    entries: dict[str, _PostEntry] = {}
    for bookmark in source.bookmarks():
        entries[bookmark.post_id] = _PostEntry(bookmark.snapshot, bookmark=bookmark)
    for note in source.notes():
        entry = entries.setdefault(note.post_id, _PostEntry(note.snapshot))
        entry.notes.append(note)
        entry.snapshot = note.snapshot  # the newest note's snapshot is the freshest
    return sorted(
        entries.values(),
        key=lambda entry: (
            entry.group == OTHER_GROUP,
            entry.group.casefold(),
            _date_sort_key(entry.snapshot),
            entry.snapshot.title.casefold(),
            entry.snapshot.post_id,
        ),
    )


def _in_open_files(post_id: str, open_ids: set[str] | None) -> bool | None:
    return None if open_ids is None else post_id in open_ids


def _when(stamp: str) -> str:
    """`2026-11-27 20:30` for an ISO time; anything else unchanged."""
    try:
        return datetime.fromisoformat(stamp).strftime("%Y-%m-%d %H:%M")
    except ValueError:
        return stamp


def _count(number: int, noun: str) -> str:
    return f"{number} {noun}" if number == 1 else f"{number} {noun}s"


def _paragraphs(start: int, end: int) -> str:
    if end - start <= 1:
        return f"paragraph {start + 1}"
    return f"paragraphs {start + 1}–{end}"


def _markdown_note(note: Note) -> list[str]:
    times = f"created {_when(note.created)}"
    if note.updated != note.created:
        times += f", updated {_when(note.updated)}"
    lines = [f"#### Note · {times}", ""]
    if note.quote is not None:  # the post's words, shown as written inside the quote
        block = markdown_verbatim(note.quote.text)
        lines.extend(f"> {line}" if line else ">" for line in block.split("\n"))
        lines.extend([">", f"> — {_paragraphs(note.quote.start, note.quote.end)}", ""])
    if note.body:
        # The user's own Markdown, not ours to reformat; only its control characters shown.
        lines.extend([visible(note.body), ""])
    return lines


def _markdown(entries: Iterable[_PostEntry], open_ids: set[str] | None, exported: str) -> str:
    entries = list(entries)
    bookmark_count = sum(1 for entry in entries if entry.bookmark is not None)
    note_count = sum(len(entry.notes) for entry in entries)
    lines = ["# tgreader notes", ""]
    lines.append(
        f"Exported {exported} · {_count(len(entries), 'post')} · "
        f"{_count(bookmark_count, 'bookmark')} · {_count(note_count, 'note')}"
    )
    lines.append("")
    if not entries:
        lines.extend(["No bookmarks or notes yet.", ""])
    group: str | None = None
    for entry in entries:
        if entry.group != group:
            group = entry.group
            lines.extend([f"## {markdown_inline(group)}", ""])
        snapshot = entry.snapshot
        lines.extend([f"### {markdown_inline(snapshot.title) or '(untitled)'}", ""])
        lines.append(f"- Date: {date_label(snapshot)}")
        if snapshot.source:
            lines.append(f"- Source: {markdown_inline(snapshot.source)}")
        post_id = snapshot.post_id
        lines.append(f"- Post: `{post_id}`" if _PLAIN_ID.fullmatch(post_id)
                     else f"- Post: {markdown_inline(post_id)}")
        if snapshot.url:
            lines.append(f"- Address: {_address(snapshot.url)}")
        elif snapshot.origin:
            lines.append(f"- Found in: {markdown_inline(snapshot.origin)}")
        if entry.bookmark is not None:
            lines.append(f"- Bookmarked: {_when(entry.bookmark.created)}")
        if _in_open_files(snapshot.post_id, open_ids) is False:
            lines.append("- Not in the open files")
        lines.append("")
        for note in entry.notes:
            lines.extend(_markdown_note(note))
    return "\n".join(lines).rstrip("\n") + "\n"


def _json(entries: Iterable[_PostEntry], open_ids: set[str] | None, exported: str) -> str:
    posts: list[dict[str, Any]] = []
    for entry in entries:
        snapshot = entry.snapshot
        posts.append(
            {
                "post_id": snapshot.post_id,
                "title": snapshot.title,
                "channel": snapshot.channel,
                "source": snapshot.source,
                "date": snapshot.date,
                "date_inferred": snapshot.date_inferred,
                "date_label": date_label(snapshot),
                "url": snapshot.url,
                "origin": snapshot.origin,
                "in_open_files": _in_open_files(snapshot.post_id, open_ids),
                "bookmarked": entry.bookmark is not None,
                "bookmarked_at": entry.bookmark.created if entry.bookmark else None,
                "notes": [
                    {
                        "id": note.id,
                        "body": note.body,
                        "created": note.created,
                        "updated": note.updated,
                        "quote": (
                            None
                            if note.quote is None
                            else {
                                "text": note.quote.text,
                                "start": note.quote.start,
                                "end": note.quote.end,
                            }
                        ),
                        "tags": list(note.tags),
                    }
                    for note in entry.notes
                ],
            }
        )
    document = {
        "format": JSON_FORMAT_NAME,
        "version": JSON_FORMAT_VERSION,
        "exported": exported,
        "posts": posts,
    }
    return json_text(json.dumps(document, ensure_ascii=False, indent=2)) + "\n"


def export_notes(
    store: NotesSource,
    fmt: Format,
    open_ids: set[str] | None = None,
    exported_at: datetime | None = None,
) -> str:
    """Every bookmark and note, with its post's source, date, title, quote and body.

    `fmt` is "md" (a notebook to read) or "json" (a stable structure: posts, each with its
    bookmark flag and notes). With `open_ids`, posts outside those files are marked; with
    None, nothing is marked. `exported_at` pins the export time (tests, reproducible files).
    """
    when = (exported_at or datetime.now().astimezone()).isoformat(timespec="seconds")
    entries = _collect(store)
    if fmt == "md":
        return _markdown(entries, open_ids, _when(when))
    if fmt == "json":
        return _json(entries, open_ids, when)
    raise ValueError(f"unknown notes export format {fmt!r}; use 'md' or 'json'")
