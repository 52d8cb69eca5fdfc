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
from typing import Any

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


class _MaybeSeen:
    """A Bloom filter: whether a key may have been added (a "no" is always right), in two
    bytes per key expected. Most records of an archive are new posts: their lookups end here
    instead of in the tables."""

    def __init__(self, expected: int) -> None:
        bits = 1 << max(16, (expected * 16).bit_length())
        self.mask = bits - 1
        self.bits = bytearray(bits >> 3)

    def add(self, key: object) -> None:
        h = hash(key)
        a, b = h & self.mask, (h >> 32) & self.mask
        self.bits[a >> 3] |= 1 << (a & 7)
        self.bits[b >> 3] |= 1 << (b & 7)

    def __contains__(self, key: object) -> bool:
        h = hash(key)
        a, b = h & self.mask, (h >> 32) & self.mask
        return bool(self.bits[a >> 3] & (1 << (a & 7)) and self.bits[b >> 3] & (1 << (b & 7)))


class _Everything:
    """What an append starts from: the tables hold keys no filter has seen."""

    def add(self, key: object) -> None:
        pass

    def __contains__(self, key: object) -> bool:
        return True


class IndexState:
    """A `tui.identity.MergeState` in the index `conn` is building, for posts from `start`
    on (`start` posts are in the index already: an append); `expected`: about how many
    records are coming."""

    def __init__(self, conn: sqlite3.Connection, start: int = 0, expected: int = 0) -> None:
        self.conn = conn
        self.start = start
        fresh = start == 0
        self._seen_messages = _MaybeSeen(expected) if fresh else _Everything()
        self._seen_texts = _MaybeSeen(expected) if fresh else _Everything()
        self._seen_taken = _MaybeSeen(expected) if fresh else _Everything()
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
        if pid not in self._seen_messages:
            return None
        at = self._messages.get(pid)
        if at is not None:
            return at
        row = self.conn.execute("SELECT pos FROM fold_messages WHERE id = ?", (pid,)).fetchone()
        return None if row is None else int(row[0])

    def set_message(self, pid: str, at: int) -> None:
        self._seen_messages.add(pid)
        self._messages[pid] = at

    def with_text(self, source: str | None, key: str) -> Sequence[int]:
        if (source, key) not in self._seen_texts:
            return ()
        found = [pos for (pos,) in self.conn.execute(
            "SELECT pos FROM fold_texts WHERE key = ? AND source IS ? ORDER BY rowid",
            (key, source))]  # fmt: skip
        return found + self._texts.get((source, key), [])

    def add_text(self, source: str | None, key: str, at: int) -> None:
        self._seen_texts.add((source, key))
        self._texts.setdefault((source, key), []).append(at)
        self._text_rows.append((key, source, at))

    def taken(self, pid: str) -> bool:
        if pid not in self._seen_taken:
            return False
        if pid in self._taken:
            return True
        return self.conn.execute("SELECT 1 FROM fold_taken WHERE id = ?", (pid,)).fetchone() \
            is not None  # fmt: skip

    def take(self, pid: str) -> None:
        self._seen_taken.add(pid)
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

    def encoded_posts(self) -> Iterator[tuple[int, tuple[Any, ...], int, list[str]]]:
        """`posts`, each post as `tui.segments.encode_post` gives it (never built)."""
        self.flush()
        for at, data in self.conn.execute("SELECT pos, data FROM temp.merging ORDER BY pos"):
            encoded, body, legacy = marshal.loads(data)
            yield at, encoded, body, legacy

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
