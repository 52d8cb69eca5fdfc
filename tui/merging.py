"""Where the merger keeps its posts while an archive index is built: in the index itself.

Merging a million records must not hold a million posts. `IndexState` is the
`tui.identity.MergeState` of an index being built: what a post is found by (its message id,
its source and text key, the ids taken) lives in tables of the index, kept there so a new
file can later be appended by carrying on the same merge (`tui.index._append`); the posts
being folded live in a temporary table, read back in reading order once every record is in
(`posts`). Python holds only a bounded batch of recent changes (`FLUSH` posts), written
with one statement per table per batch. No Textual here.

Tables (in the index):
    fold_messages(id, pos)        the post each message id is in
    fold_texts(key, source, pos)  the posts of each source and text key, in order
    fold_taken(id)                every id a post has had (new posts get `~2`, `~3`, … past them)
    temp.merging(pos, data)       the posts being merged, marshalled with the number of the
                                  text each keeps and the ids their records had before
"""

from __future__ import annotations

import marshal
import sqlite3
from collections.abc import Iterator, Sequence

from tui.model import Post
from tui.segments import decode_post, encode_post

FOLD_SCHEMA = """
CREATE TABLE fold_messages(id TEXT PRIMARY KEY, pos INTEGER NOT NULL) WITHOUT ROWID;
CREATE TABLE fold_texts(key TEXT NOT NULL, source TEXT, pos INTEGER NOT NULL);
CREATE INDEX fold_texts_key ON fold_texts(key, source);
CREATE TABLE fold_taken(id TEXT PRIMARY KEY) WITHOUT ROWID;
"""
#: Posts changed in memory before they are written out in one go.
FLUSH = 2000


class _Pending:
    """A post changed since the last flush: the post, the text it keeps, its records' old
    ids (in the order they came)."""

    __slots__ = ("post", "body", "legacy")

    def __init__(self, post: Post, body: int, legacy: list[str]) -> None:
        self.post = post
        self.body = body
        self.legacy = legacy


class IndexState:
    """A `tui.identity.MergeState` in the index `conn` is building, for posts from `start`
    on (`start` posts are in the index already: an append)."""

    def __init__(self, conn: sqlite3.Connection, start: int = 0) -> None:
        self.conn = conn
        self.start = start
        self._count = start
        self._pending: dict[int, _Pending] = {}
        self._messages: dict[str, int] = {}
        self._texts: dict[tuple[str | None, str], list[int]] = {}
        self._text_rows: list[tuple[str, str | None, int]] = []
        self._taken: set[str] = set()
        conn.execute("CREATE TEMP TABLE merging(pos INTEGER PRIMARY KEY, data BLOB NOT NULL)")

    # -- tui.identity.MergeState ------------------------------------------------------------------
    def count(self) -> int:
        return self._count

    def post(self, at: int) -> Post:
        return self._entry(at).post

    def put(self, at: int, post: Post) -> None:
        if at == self._count:
            self._pending[at] = _Pending(post, 0, [])
            self._count += 1
        else:
            self._entry(at).post = post
        if len(self._pending) >= FLUSH:
            self.flush()

    def by_message(self, pid: str) -> int | None:
        at = self._messages.get(pid)
        if at is not None:
            return at
        row = self.conn.execute("SELECT pos FROM fold_messages WHERE id = ?", (pid,)).fetchone()
        return None if row is None else int(row[0])

    def set_message(self, pid: str, at: int) -> None:
        self._messages[pid] = at

    def with_text(self, source: str | None, key: str) -> Sequence[int]:
        found = [pos for (pos,) in self.conn.execute(
            "SELECT pos FROM fold_texts WHERE key = ? AND source IS ? ORDER BY rowid",
            (key, source))]  # fmt: skip
        return found + self._texts.get((source, key), [])

    def add_text(self, source: str | None, key: str, at: int) -> None:
        self._texts.setdefault((source, key), []).append(at)
        self._text_rows.append((key, source, at))

    def taken(self, pid: str) -> bool:
        if pid in self._taken:
            return True
        return self.conn.execute("SELECT 1 FROM fold_taken WHERE id = ?", (pid,)).fetchone() \
            is not None  # fmt: skip

    def take(self, pid: str) -> None:
        self._taken.add(pid)

    # -- what the index adds ----------------------------------------------------------------------
    def keep(self, at: int, body: int) -> None:
        """New post `at` keeps text number `body` (its first record's)."""
        self._entry(at).body = body

    def note_legacy(self, at: int, legacy_id: str) -> None:
        """A record of post `at` had the id `legacy_id` before ids came from messages."""
        legacy = self._entry(at).legacy
        if legacy_id not in legacy:
            legacy.append(legacy_id)

    def could_fold(self, post: Post, key: str) -> bool:
        """Whether `tui.identity.Merger.add` might fold this record into one of the posts
        already in the index (before `start`): appending is then not what a merge gives.
        Cautious: a message id taken, or this source and text among those posts (with no
        message id, for a record that has one)."""
        if self.start == 0:
            return False
        if post.message_id is not None:
            if self.conn.execute("SELECT 1 FROM fold_messages WHERE id = ? AND pos < ?",
                                 (post.id, self.start)).fetchone():  # fmt: skip
                return True
            return bool(key) and self.conn.execute(
                "SELECT 1 FROM fold_texts t JOIN posts p ON p.pos = t.pos WHERE t.key = ? AND "
                "t.source IS ? AND t.pos < ? AND p.message_id IS NULL LIMIT 1",
                (key, post.source, self.start)).fetchone() is not None  # fmt: skip
        return bool(key) and self.conn.execute(
            "SELECT 1 FROM fold_texts WHERE key = ? AND source IS ? AND pos < ? LIMIT 1",
            (key, post.source, self.start)).fetchone() is not None  # fmt: skip

    def flush(self) -> None:
        """Write out what changed since the last flush."""
        conn = self.conn
        conn.executemany("INSERT OR REPLACE INTO temp.merging VALUES (?, ?)", (
            (at, marshal.dumps((encode_post(entry.post), entry.body, entry.legacy)))
            for at, entry in self._pending.items()))  # fmt: skip
        conn.executemany("INSERT OR REPLACE INTO fold_messages VALUES (?, ?)",
                         self._messages.items())  # fmt: skip
        conn.executemany("INSERT INTO fold_texts VALUES (?, ?, ?)", self._text_rows)
        conn.executemany("INSERT OR IGNORE INTO fold_taken VALUES (?)",
                         ((pid,) for pid in self._taken))  # fmt: skip
        self._pending.clear()
        self._messages.clear()
        self._texts.clear()
        self._text_rows.clear()
        self._taken.clear()

    def posts(self) -> Iterator[tuple[int, Post, int, list[str]]]:
        """Every post merged, in reading order: its position, the post, the text it keeps and
        its records' old ids."""
        self.flush()
        for at, data in self.conn.execute("SELECT pos, data FROM temp.merging ORDER BY pos"):
            encoded, body, legacy = marshal.loads(data)
            yield at, decode_post(encoded), body, legacy

    def close(self) -> None:
        self.conn.execute("DROP TABLE temp.merging")

    def _entry(self, at: int) -> _Pending:
        entry = self._pending.get(at)
        if entry is not None:
            return entry
        if at < self.start:  # pragma: no cover - `could_fold` keeps appends off old posts
            raise KeyError(at)
        row = self.conn.execute("SELECT data FROM temp.merging WHERE pos = ?", (at,)).fetchone()
        encoded, body, legacy = marshal.loads(row[0])
        entry = self._pending[at] = _Pending(decode_post(encoded), body, legacy)
        return entry
