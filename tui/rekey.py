"""Bookmarks and notes made before posts were keyed by message move to the post they were made on.

Before, every post's id came from its text (`tui.identity.Identity.legacy_id`), and posts of
exports with equal texts were merged into the first of them. Now a message is `<chat>/<id>`. A
record still keyed by an old id that no post has any more is matched, through the index's
`legacy` table, to the first post in reading order that had that id (the post the old reader
showed, and the one the user bookmarked), and re-keyed there in one write: no note lost, no
record doubled. A bookmark or note moves only to a post of the chat its snapshot names: one made
on a web copy (no chat) stays with the web copy, even when an export of the same words opens.
It runs every time an archive opens and costs nothing once every record is moved (records of
archives that are not open are left alone until theirs is).
"""

from __future__ import annotations

import re
from typing import Protocol

from tui.library import Library
from tui.model import Bookmark, Note, PostSnapshot

#: Ids that may name a post by another name than its own: a text's hash (before ids came from
#: messages), or `~<title hash>/<id>` (a message of an HTML export opened without its JSON).
_OLD_ID = re.compile(r"^(?:[0-9a-f]{16}|~[0-9a-f]{12}/-?\d+)$")


class KeyedRecords(Protocol):
    """What the migration needs of the store (`tui.storage.Store` has it)."""

    def bookmarked_ids(self) -> set[str]: ...

    def bookmarks(self) -> list[Bookmark]: ...

    def notes(self, post_id: str | None = None) -> list[Note]: ...

    def note_counts(self) -> dict[str, int]: ...

    def read_ids(self, archive_key: str) -> set[str]: ...

    def rekey(self, moves: dict[str, PostSnapshot]) -> int: ...


def old_keys(store: KeyedRecords, library: Library) -> set[str]:
    """Record keys of the old form that no post of this library has."""
    keys = store.bookmarked_ids() | set(store.note_counts()) | store.read_ids(library.archive_key)
    old = {key for key in keys if _OLD_ID.match(key)}
    return old - library.present(old)  # looked up 500 at a time: 10,000 read marks of a web
    # copy (whose ids are all of that form) one by one were most of a reopen


def rekey_records(store: KeyedRecords, library: Library) -> int:
    """Move the records of old ids to their posts in `library`; how many moved."""
    stale = old_keys(store, library)
    if not stale:
        return 0
    records: list[Bookmark | Note] = [*store.bookmarks(), *store.notes()]
    chats = {record.post_id: record.snapshot.channel
             for record in records if record.post_id in stale}  # fmt: skip
    moves: dict[str, PostSnapshot] = {}
    for old, at in library.legacy_matches(stale).items():
        post = library[at]
        if old not in chats or chats[old] == post.channel:  # read marks are this archive's
            moves[old] = post.snapshot()
    return store.rekey(moves)
