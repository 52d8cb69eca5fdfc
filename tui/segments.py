"""One input file parsed once: its records, their texts and its warnings, kept as a segment.

A segment is a small SQLite file in the cache's `segments/` folder (or a database in memory
where the cache cannot be written) holding what the per-file parse of `tui.index` gives: the
file's records in file order after the per-file dates pass (each with its sort key, its post
without text, its text's number and what identity compares it on), the texts, and the
warnings the parser said. The archive index is merged from segments, so an archive that
grows parses only its new or changed files.

A segment is only a cache: a file that is not whole, or not the one its name promises, is
deleted and parsed again, never trusted. It is written under a temporary name and renamed
into place once complete, so a killed build leaves nothing to trust. No Textual here.

Schema (SEGMENT_FORMAT):
    meta(key, value)      format, key (what the file was parsed from), records, chats, first
                          (the first record's sort key, JSON: where the segment joins a merge)
    texts(rowid, text)    record n's text has rowid n (1-based, in file order)
    records(n, data)      the records in merge order, marshalled in chunks
    warnings(n, message)  what the parser said about the file
"""

from __future__ import annotations

import heapq
import json
import marshal
import os
import sqlite3
import sys
import time
from collections.abc import Iterable, Iterator, Sequence
from dataclasses import dataclass
from itertools import compress
from pathlib import Path
from typing import Any

from tui.identity import note_chat
from tui.index_health import check_segment, checked_mark, connect_whole, is_checked, mark_checked
from tui.model import Link, Media, Origin, Post, PostDate, RawPost

#: Bump when what a segment holds changes: older segments are parsed again.
SEGMENT_FORMAT = "2"
#: Records per marshalled chunk: one read per chunk while merging, and what a segment being
#: merged holds in memory (see `in_merge_order`).
CHUNK = 250
#: Segments and archive indexes nobody opened for this long are deleted.
UNUSED_DAYS = 30
#: How often a cache file in use is touched for the sweep, in seconds.
TOUCH_EVERY = 86400

#: Page cache of each open segment while it is checked or read (KiB); released once read.
READ_CACHE_KIB = 256

SortKey = tuple[int, int, int, str]

SEGMENT_SCHEMA = f"""
CREATE TABLE meta(key TEXT PRIMARY KEY, value TEXT NOT NULL) WITHOUT ROWID;
CREATE TABLE texts(rowid INTEGER PRIMARY KEY, text TEXT NOT NULL);
CREATE TABLE records(n INTEGER PRIMARY KEY, data BLOB NOT NULL);
CREATE TABLE warnings(n INTEGER PRIMARY KEY, message TEXT NOT NULL);
INSERT INTO meta VALUES ('format', '{SEGMENT_FORMAT}');
"""


class SegmentDamaged(Exception):
    """A segment that passed its checks could not be read back; it has been deleted."""

    def __init__(self, path: Path | None, reason: str) -> None:
        self.path = path
        super().__init__(f"{path}: {reason}")


@dataclass(slots=True)
class Placed:
    """One record, placed: its sort key, the post without its text, the number of its text
    (in its segment, or in the archive once merged), and what identity compares it on."""

    key: SortKey
    post: Post
    body: int
    text_id: str
    legacy_id: str


def segment_name(key: str) -> str:
    import hashlib

    return f"seg-{hashlib.blake2b(key.encode('utf-8'), digest_size=16).hexdigest()}.sqlite"


def write_records(conn: sqlite3.Connection, key: str, records: Iterable[tuple[Any, ...]],
                  warnings: Sequence[str]) -> None:  # fmt: skip
    """Everything but the texts (written while parsing), inside the parse's transaction.
    `records` (`encode_placed` tuples, in merge order) are read once, a chunk at a time: a
    file of a million records is never held."""
    found: dict[str, set[str]] = {}
    count = 0
    n = 0
    first: Any = None
    chunk: list[tuple[Any, ...]] = []
    for record in records:
        if first is None:
            first = record[0]
        chunk.append(record)
        note_chat(found, record[_CHANNEL], record[_CHAT], record[_MESSAGE_ID])
        if len(chunk) >= CHUNK:
            conn.execute("INSERT INTO records VALUES (?, ?)", (n, marshal.dumps(chunk)))
            count, n, chunk = count + len(chunk), n + 1, []
    if chunk:
        conn.execute("INSERT INTO records VALUES (?, ?)", (n, marshal.dumps(chunk)))
        count += len(chunk)
    conn.executemany("INSERT INTO warnings(message) VALUES (?)", ((m,) for m in warnings))
    chats = {title: sorted(ids) for title, ids in found.items()}
    conn.executemany("INSERT INTO meta VALUES (?, ?)", [
        ("key", key), ("records", str(count)),
        ("chats", json.dumps(chats, ensure_ascii=False, sort_keys=True)),
        ("first", json.dumps(first, ensure_ascii=False)),
    ])  # fmt: skip


class Segment:
    """An open segment, whole and built from the file it is named after."""

    def __init__(self, conn: sqlite3.Connection, path: Path | None) -> None:
        self.conn = conn
        self.path = path
        if path is not None:
            small_cache(conn)
        meta = dict(conn.execute("SELECT key, value FROM meta"))
        self.key: str = meta["key"]
        self.count = int(meta["records"])
        self.chats: dict[str, list[str]] = json.loads(meta["chats"])
        if not isinstance(self.chats, dict):
            raise ValueError("segment chats are not a table")
        first = json.loads(meta["first"])
        #: The first record's sort key (records are in merge order); None when there are none.
        self.first_key: SortKey | None = None if first is None else _sort_key(first)
        if (self.first_key is None) != (self.count == 0):
            raise ValueError("segment's first record does not match its count")
        self.release()
        self.warnings = [m for (m,) in conn.execute("SELECT message FROM warnings ORDER BY n")]

    def placed(self, base: int) -> Iterator[Placed]:
        """The records in merge order, their text numbers moved up by `base`."""
        seen = 0
        try:
            for (data,) in self.conn.execute("SELECT data FROM records ORDER BY n"):
                for record in marshal.loads(data):
                    item = decode_placed(record)
                    item.body += base
                    seen += 1
                    yield item
        except (sqlite3.DatabaseError, ValueError, TypeError, EOFError, IndexError) as exc:
            raise self._damaged(f"its records cannot be read ({exc})") from None
        if seen != self.count:
            raise self._damaged(f"it lists {self.count} records but holds {seen}")
        self.release()

    def texts(self) -> Iterator[tuple[int, str]]:
        try:
            yield from self.conn.execute("SELECT rowid, text FROM texts ORDER BY rowid")
        except sqlite3.DatabaseError as exc:
            raise self._damaged(f"its texts cannot be read ({exc})") from None
        self.release()

    def copy_texts(self, conn: sqlite3.Connection, base: int, keep: bytearray) -> None:
        """Insert into `conn`'s `texts` the texts whose numbers (moved up by `base`) are set
        in `keep`. A segment on disk is attached to `conn` and copied by SQLite, the texts
        never made Python strings (four times faster); `conn` must not be in a transaction
        (ATTACH cannot be), and each segment's copy is one."""
        if self.path is None:
            conn.executemany("INSERT INTO texts(rowid, text) VALUES (?, ?)",
                             ((base + n, text) for n, text in self.texts() if keep[base + n]))
            return
        wanted = keep[base + 1 : base + self.count + 1]
        conn.execute("ATTACH DATABASE ? AS segment", (str(self.path),))
        try:
            if wanted.count(0):
                conn.execute("CREATE TEMP TABLE IF NOT EXISTS kept(n INTEGER PRIMARY KEY)")
                conn.execute("DELETE FROM temp.kept")
                conn.executemany("INSERT INTO temp.kept VALUES (?)",
                                 ((n,) for n in compress(range(1, self.count + 1), wanted)))
                copied = conn.execute(
                    "INSERT INTO texts(rowid, text) SELECT k.n + ?, s.text FROM temp.kept k "
                    "JOIN segment.texts s ON s.rowid = k.n ORDER BY k.n", (base,)).rowcount
            else:
                copied = conn.execute(
                    "INSERT INTO texts(rowid, text) SELECT rowid + ?, text FROM segment.texts "
                    "WHERE rowid BETWEEN 1 AND ? ORDER BY rowid", (base, self.count)).rowcount
        except sqlite3.DatabaseError:
            for _ in self.texts():  # raises SegmentDamaged when the fault is the segment's
                pass
            raise
        finally:
            conn.execute("DETACH DATABASE segment")
        if copied != len(wanted) - wanted.count(0):
            raise self._damaged(f"it lacks texts ({copied} of {len(wanted) - wanted.count(0)})")
        self.release()

    def release(self) -> None:
        """Let the pages this segment read leave memory: an archive of a thousand files
        holds a thousand segments open while it is merged, each read in its turn."""
        if self.path is not None:
            self.conn.execute("PRAGMA shrink_memory")

    def close(self) -> None:
        self.conn.close()

    def _damaged(self, reason: str) -> SegmentDamaged:
        self.close()
        if self.path is not None:
            remove(self.path)
        return SegmentDamaged(self.path, reason)


def open_segment(path: Path, key: str, damaged: Any = None) -> Segment | None:
    """The segment at `path` if it is whole and was parsed from what `key` says; else None.

    Anything wrong with the file deletes it (the caller parses the input again); damage to a
    file that was whole is told to `damaged(message)`. A segment used is touched, so the
    sweep of unused ones (`sweep`) spares it.
    """
    if not path.is_file():
        return None
    conn: sqlite3.Connection | None = None
    try:
        conn = small_cache(connect_whole(path, "segment"))
        meta = dict(conn.execute("SELECT key, value FROM meta"))
        if meta.get("format") != SEGMENT_FORMAT or meta.get("key") != key:
            raise sqlite3.DatabaseError("another file's segment")
        if not is_checked(path):  # checked once, until the file is written again
            problem = check_segment(conn, int(meta["records"]))
            if problem is not None:
                if damaged is not None:
                    damaged(f"{path}: the index was damaged ({problem}); reading its file again")
                raise sqlite3.DatabaseError(problem)
            mark_checked(path)
        segment = Segment(conn, path)
    except (sqlite3.DatabaseError, ValueError, TypeError, KeyError):
        if conn is not None:
            conn.close()
        remove(path)
        return None
    touch(path)
    return segment


def small_cache(conn: sqlite3.Connection) -> sqlite3.Connection:
    """A segment's connection with a page cache of a few pages (`READ_CACHE_KIB`), set
    before anything is read: SQLite's default of 2 MB, filled by one check of each of a
    thousand segments, is 2 GB."""
    conn.execute(f"PRAGMA cache_size=-{READ_CACHE_KIB}")
    return conn


def load_segment(conn: sqlite3.Connection, path: Path | None) -> Segment:
    """A segment just written by this process (trusted without checks)."""
    return Segment(conn, path)


def touch(path: Path) -> None:
    """Mark a cache file in use, for the sweep: at most once a day (a touch writes the file's
    times, which also voids the mark of its passed check, `tui.index_health.mark_checked`)."""
    try:
        if time.time() - path.stat().st_mtime > TOUCH_EVERY:
            os.utime(path)
    except OSError:
        pass


def remove(path: Path) -> None:
    for name in (path, checked_mark(path)):
        try:
            name.unlink()
        except FileNotFoundError:
            pass


def temporary_name(final: Path) -> Path:
    import uuid

    return final.with_name(f".{final.name}.{os.getpid()}-{uuid.uuid4().hex[:8]}.tmp")


def sweep(cache: Path, schema: str, now: float | None = None) -> None:
    """Delete what the cache no longer needs: half-written files of killed runs (an hour old
    or more: younger ones may be another instance's build), segments and archive indexes
    unused for UNUSED_DAYS, and archive indexes of another schema. Never raises."""
    now = time.time() if now is None else now
    for folder, pattern in ((cache, "index-*.sqlite"), (cache / "segments", "seg-*.sqlite")):
        try:
            entries = list(folder.iterdir())
        except OSError:
            continue
        for entry in entries:
            name = entry.name
            try:
                age = now - entry.stat().st_mtime
                if name.startswith(".") and name.endswith(".tmp"):
                    if age > 3600:
                        entry.unlink()
                elif name.endswith(".checked"):  # the mark of a file gone
                    if not entry.with_name(name[: -len(".checked")]).exists():
                        entry.unlink()
                elif entry.match(pattern) and (age > UNUSED_DAYS * 86400 or (
                        pattern.startswith("index") and _schema_of(entry) not in (schema, None))):
                    entry.unlink()
            except OSError:
                pass


def _schema_of(path: Path) -> str | None:
    """The schema an archive index says it has ('' when it says nothing readable); None when
    it cannot be opened now (it may be being written: left alone)."""
    try:
        conn = sqlite3.connect(f"file:{path}?mode=ro", uri=True, timeout=0)
    except sqlite3.Error:
        return None
    try:
        row = conn.execute("SELECT value FROM meta WHERE key = 'schema'").fetchone()
        return str(row[0]) if row else ""
    except sqlite3.OperationalError as exc:
        return None if "locked" in str(exc) else ""
    except sqlite3.DatabaseError:
        return ""
    finally:
        conn.close()


def in_merge_order(segments: Sequence[Segment], bases: Sequence[int]) -> Iterator[Placed]:
    """The records of all `segments` in merge order: by sort key, equal keys in the order of
    the segments, as `heapq.merge` gives them (each segment's own numbers moved up by its
    base). A segment's records are read only once its first key is reached, and it is let go
    once read: the pages of an export follow each other in time, so a merge of a thousand of
    them holds one or two chunks (`CHUNK` records each), not every segment's first chunk."""
    waiting = sorted((segment.first_key, n) for n, segment in enumerate(segments)
                     if segment.first_key is not None)  # fmt: skip
    waiting.reverse()  # popped from the end: the earliest first
    heap: list[tuple[SortKey, int, Placed, Iterator[Placed]]] = []
    while True:
        while waiting and (not heap or waiting[-1] < heap[0][:2]):
            _first, n = waiting.pop()
            records = segments[n].placed(bases[n])
            item = next(records, None)
            if item is not None:
                heapq.heappush(heap, (item.key, n, item, records))
        if not heap:
            return
        _key, n, item, records = heap[0]
        yield item
        following = next(records, None)
        if following is None:
            heapq.heappop(heap)
        else:
            heapq.heapreplace(heap, (following.key, n, following, records))


def _sort_key(value: Any) -> SortKey:
    if not (isinstance(value, list) and len(value) == 4 and isinstance(value[3], str)
            and all(isinstance(part, int) for part in value[:3])):  # fmt: skip
        raise ValueError(f"not a sort key: {value!r}")
    return (value[0], value[1], value[2], value[3])


# -- a record, marshalled --------------------------------------------------------------------------
def encode_placed(item: Placed) -> tuple[Any, ...]:
    return (item.key, item.body, item.text_id, item.legacy_id, *encode_post(item.post))


def decode_placed(record: Sequence[Any]) -> Placed:
    key, body, text_id, legacy_id = record[:4]
    post = decode_post(record[4:])
    if not isinstance(key, tuple) or not isinstance(body, int):
        raise TypeError("a record without its place")
    return Placed(key, post, body, text_id, legacy_id)


#: Where `encode_placed` puts what `note_chat` reads, the date and bounds, and the timestamp.
_CHANNEL, _MESSAGE_ID, _CHAT = 13, 15, 16
POST_DATE, POST_BOUNDS, POST_STAMP = 3, 4, 10  # in `encode_post`'s tuple


def encode_post(post: Post) -> tuple[Any, ...]:
    """A post without its text as marshallable values (`decode_post` gives it back)."""
    date, media = post.date, post.media
    return (
        post.id, post.source, post.title,
        None if date is None else (date.year, date.month, date.day, date.year_inferred),
        post.date_bounds, post.hashtags,
        None if media is None else (media.kind, media.file, media.present),
        tuple((link.text, link.url) for link in post.links),
        tuple((origin.path, origin.line) for origin in post.origins),
        post.channel, post.datetime, post.message_id, post.chat, post.url, post.sender,
        post.author, post.views,
    )  # fmt: skip


def encode_record(pid: str, title: str, hashtags: tuple[str, ...], raw: RawPost,
                  ) -> tuple[Any, ...]:  # fmt: skip
    """`encode_post` of the post a parser's record starts as (no text, date or bounds yet:
    the per-file dates pass adds them), without building the post."""
    media, origin = raw.media, raw.origin
    return (
        pid, raw.source, title, None, None, hashtags,
        None if media is None else (media.kind, media.file, media.present),
        tuple((link.text, link.url) for link in raw.links) if raw.links else (),
        ((origin.path, origin.line),),
        raw.channel, raw.datetime, raw.message_id, raw.chat, raw.url, raw.sender,
        raw.author, raw.views,
    )  # fmt: skip


def decode_post(encoded: Sequence[Any]) -> Post:
    (pid, source, title, date, bounds, tags, media, links, origins, channel, stamp, message_id,
     chat, url, sender, author, views) = encoded
    # A file's few senders and chats, shared (one string each in memory and in what is
    # marshalled from these posts later), not one copy per record. (Written out: this runs
    # for every record merged, and generators cost more than what they do here.)
    intern = sys.intern
    return Post(
        id=pid, source=None if source is None else intern(source), title=title, text="",
        date=None if date is None else PostDate(*date), date_bounds=bounds, hashtags=tags,
        media=None if media is None else Media(*media),
        links=tuple([Link(text, address) for text, address in links]) if links else (),
        origins=tuple([Origin(where, line) for where, line in origins]),
        channel=None if channel is None else intern(channel), datetime=stamp,
        message_id=message_id, chat=None if chat is None else intern(chat), url=url,
        sender=None if sender is None else intern(sender), author=author, views=views,
    )  # fmt: skip
