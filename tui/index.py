"""A persistent index of an archive, so large archives open in seconds and reopen at once.

`open_library()` is the one entry point for the app and the CLI. Each input file is parsed
once into a segment of the cache (`tui.segments`: its records after the per-file dates pass,
its texts and warnings), and the archive index is merged from the segments in reading order.
Later opens read the archive index instead of parsing again, for as long as every input
keeps its path, size, modification time and content and the parsers keep their version;
when a file is added or changed, only that file is parsed and the segments merged again.
Every file here is only a cache: a stale, foreign, truncated or damaged one is deleted and
built again, never trusted and never a crash.

The same code builds the index in an in-memory database when the cache folder cannot be
written, so the app, `export` and `notes export` always read posts one way: the merge rule of
`tui.identity`, the reading order built here, the search of `tui.library.Library`. No Textual
here.

Schema (SCHEMA_VERSION):
    meta(key, value)          schema, fingerprint (the inputs' segment keys), posts
    posts(pos, id, …, body)   one row per post in reading order; `body` -> texts.rowid
    texts(rowid, text)        the text of every post, copied from the segments
    search                    FTS5, contentless, rowid = pos, columns text and source
    search_bits(prefix, …)    bitmaps of the posts under the common word starts (see
                              `tui.search_bits`), covering the first meta `search_bits` posts
    legacy(legacy, pos)       ids posts had before ids came from messages (see tui.rekey)
    warnings(n, message)      what the parsers said, replayed on every reopen
    heads(n, ids, ends, …)    the posts' heads, a chunk of posts a row (see `_HeadsWriter`):
                              ids in one UTF-8 blob with where each ends, dates, tags and
                              kinds as codes into the tables of distinct values; read with
                              `frombytes`, nothing per post; titles stay in `posts`
    head_values(col, code, …) those tables (each value's text and how many posts have it),
                              what the build numbers values by
    head_tables(n, col, …)    the same tables packed (a UTF-8 blob and where each value ends)
    posts_by_id               the index on posts(id) that ids are looked up by
    facets(name, data)        what the reader needs per distinct value, computed at build
                              time: the date tree, month counts, tag counts and labels,
                              channel counts, posts per period
    fold_*                    what the merger finds posts by (`tui.merging`), with the meta
                              `records`, `last` (the greatest sort key) and `chats`: enough to
                              append a new file's posts without merging again (`_append`)
"""

from __future__ import annotations

import hashlib
import json
import marshal
import os
import shutil
import sqlite3
import threading
import time
from array import array
from collections.abc import Callable, Iterable, Iterator, Sequence
from contextlib import contextmanager
from dataclasses import dataclass, replace
from itertools import accumulate
from pathlib import Path
from typing import TYPE_CHECKING, Any, Protocol

from tui.identity import Merger, adopted_chats, identify, with_chat
from tui.index_health import (
    check_index,
    checked_mark,
    connect_whole,
    content_fingerprint,
    file_stamp,
    is_checked,
    mark_checked,
    settle_seconds,
)
from tui.ingest import (
    KINDS,
    PARSER_VERSION,
    Dump,
    IngestError,
    Known,
    Warn,
    find_dumps,
    iter_raw_posts,
)
from tui.library import (
    SEARCH_TABLE,
    Decoded,
    Heads,
    Index,
    Interned,
    Library,
    Strings,
    Table,
    When,
    counted_date_tree,
    counted_month_counts,
    encode_node,
    join_tags,
    periods_of,
    split_tags,
)
from tui.merging import FOLD_SCHEMA, IndexState
from tui.model import Post, PostDate
from tui.pathkeys import distinct_files, path_key
from tui.search_bits import SEARCH_BITS_TABLE, check_search_bits, write_search_bits
from tui.segments import (
    CHUNK,
    POST_BOUNDS,
    POST_DATE,
    POST_STAMP,
    SEGMENT_SCHEMA,
    Placed,
    Segment,
    SegmentDamaged,
    SortKey,
    encode_post,
    encode_record,
    in_merge_order,
    load_segment,
    open_segment,
    segment_name,
    sweep,
    temporary_name,
    touch,
    write_records,
)

if TYPE_CHECKING:  # the worker processes are only for a build: a reopen needs none
    from tui import parse_pool

#: Bump when the tables change: older index files are rebuilt.
SCHEMA_VERSION = "13"

Progress = Callable[[int, int], None]
Seen = Callable[[list[Post]], None]
#: Given the library of an archive as it was indexed before it grew (see `open_library`).
Interim = Callable[[Library], None]

#: Share of the progress bar the parse takes; the search index takes the rest.
PARSE_SHARE = 0.9
PROGRESS_EVERY_S = 0.05  # at most this often, so reporting costs nothing next to parsing
BATCH = 1000
#: Posts per chunk of heads (and of rows written at a time) while merging.
HEADS_CHUNK = 5000
#: Distinct values of a column the build remembers the codes of (see _HeadsWriter); the rest
#: are looked up in the index. Also the values a row of `head_tables` holds.
TABLE_LIMIT = 50_000
FIRST_SEEN = 50  # the first batch `seen` gets is small, so a reader sees posts at once
#: Append a new file's posts to the archive index when that gives what a merge would
#: (measured by `python -m tests.bench.bench_grow`).
APPEND = True
_BUILD_PRAGMAS = "PRAGMA journal_mode=OFF; PRAGMA synchronous=OFF; PRAGMA cache_size=-4096;"
#: The archive index's page cache while merging (KiB), at most: the merger's lookup tables
#: take inserts at random places, so a cache that holds them (about 60 bytes a post: a
#: million posts, 60 MB) is 30% less CPU for the merge of 100,000 posts than the parse's
#: 4 MB. Sized to the archive (`_merge_cache_kib`): a small archive's cache would otherwise
#: fill with its whole index (`export` of a 49 MB HTML export: 131 MB peak, not 76 MB).
MERGE_CACHE_KIB = 65536


def _merge_cache_kib(posts: int) -> int:
    """The merge's page cache for an archive of `posts` records: twice its lookup tables,
    between 8 MB and `MERGE_CACHE_KIB`."""
    return min(MERGE_CACHE_KIB, max(8192, posts * 128 // 1024))
#: Posts appended after the search bitmaps were written are searched in FTS5 alone; once
#: they are more than 1/REBITS of those covered, the bitmaps are written again.
REBITS = 8
#: The cache's folder of segments (one per input file, see `tui.segments`).
SEGMENTS = "segments"

_SCHEMA = f"""
CREATE TABLE meta(key TEXT PRIMARY KEY, value TEXT NOT NULL) WITHOUT ROWID;
CREATE TABLE texts(rowid INTEGER PRIMARY KEY, text TEXT NOT NULL);
CREATE TABLE posts(
    pos INTEGER PRIMARY KEY,
    id TEXT NOT NULL,
    source TEXT,
    channel TEXT,
    title TEXT NOT NULL,
    date TEXT,
    inferred INTEGER NOT NULL,
    has_bounds INTEGER NOT NULL,
    bound_after TEXT,
    bound_before TEXT,
    tags TEXT NOT NULL,
    has_media INTEGER NOT NULL,
    datetime TEXT,
    links TEXT NOT NULL,
    origins TEXT NOT NULL,
    body INTEGER NOT NULL,
    message_id INTEGER,
    chat TEXT,
    url TEXT,
    sender TEXT,
    author TEXT,
    media TEXT,
    views TEXT
);
CREATE TABLE legacy(legacy TEXT NOT NULL, pos INTEGER NOT NULL);
CREATE TABLE warnings(n INTEGER PRIMARY KEY, message TEXT NOT NULL);
CREATE TABLE heads(n INTEGER PRIMARY KEY, ids BLOB NOT NULL, ends BLOB NOT NULL,
                   whens BLOB NOT NULL, tags BLOB NOT NULL, kinds BLOB NOT NULL);
CREATE TABLE head_values(col INTEGER NOT NULL, code INTEGER NOT NULL, value TEXT NOT NULL,
                         posts INTEGER NOT NULL, PRIMARY KEY(col, code)) WITHOUT ROWID;
CREATE UNIQUE INDEX head_values_by_value ON head_values(col, value);
CREATE TABLE head_tables(n INTEGER PRIMARY KEY, col INTEGER NOT NULL, data BLOB NOT NULL,
                         ends BLOB NOT NULL);
CREATE TABLE facets(name TEXT PRIMARY KEY, data BLOB NOT NULL);
{SEARCH_TABLE}
{SEARCH_BITS_TABLE}
{FOLD_SCHEMA}
INSERT INTO meta VALUES ('schema', '{SCHEMA_VERSION}');
"""


class Cancelled(Exception):
    """The build was stopped through its `cancel` event; no index was left behind."""


class _Flag(Protocol):
    """A `threading.Event`, or in a worker process the build's `multiprocessing` one."""

    def is_set(self) -> bool: ...


@dataclass(slots=True)
class _Watch:
    """What a build tells as it goes (`seen`) and what can stop it (`cancel`)."""

    seen: Seen | None = None
    cancel: _Flag | None = None
    told: bool = False  # whether `seen` has had a batch (a build started again must not)
    interim: Interim | None = None

    def check(self) -> None:
        if self.cancel is not None and self.cancel.is_set():
            raise Cancelled("indexing was cancelled")

    def tell(self, posts: list[Post]) -> None:
        if self.seen is not None and posts:
            self.seen(posts)
            self.told = True

    def tell_all(self, posts: Iterable[Post]) -> None:
        """Tell `posts` BATCH at a time, stopping between batches when cancelled."""
        batch: list[Post] = []
        for post in posts:
            batch.append(post)
            if len(batch) >= BATCH:
                self.check()
                self.tell(batch)
                batch = []
        self.tell(batch)
        self.check()

    @contextmanager
    def guarding(self, conn: sqlite3.Connection) -> Iterator[None]:
        """A set `cancel` also stops a long statement (the search index is built in one):
        SQLite's progress handler aborts it, so cancelling never waits for it to end."""
        if self.cancel is None:
            yield
            return
        conn.set_progress_handler(self.cancel.is_set, 10_000)
        try:
            yield
        except sqlite3.OperationalError:
            self.check()  # interrupted by the handler: say so
            raise
        finally:
            conn.set_progress_handler(None, 0)


# -- the entry point ------------------------------------------------------------------------------
def open_library(
    paths: Sequence[Path],
    warn: Warn,
    progress: Progress | None = None,
    cache: Path | None = None,
    in_memory: bool = False,
    *,
    seen: Seen | None = None,
    cancel: threading.Event | None = None,
    check_later: bool = False,
    interim: Interim | None = None,
) -> Library:
    """The library of the named files and folders, from the cache when it is still valid.

    `warn` receives every warning, on a reopen too (they are kept in the index). `progress`
    is called now and then with `(done_bytes, total_bytes)` while an index is built (never on
    a reopen): the parse moves it to 90% of the inputs' size, the search index to 100%.
    `cache` is the folder for index files (default `tui.paths.cache_dir()`); where it cannot
    be written (or with `in_memory`), the same index is built in an in-memory database.
    Each input's parse is kept on its own (a segment, see `tui.segments`), so when a file is
    added or changed only that file is parsed and the archive index merged again.
    Raises IngestError on a fatal input, naming the file.

    While an index is built (never on a reopen), `seen` is called from the building thread
    with batches of posts, text included, file by file in file order: a file parsed now gives
    its posts as they are parsed, with what their own text says of their date (a year may be
    missing: the per-file dates pass comes later); a file whose segment is reused, or that a
    worker process parsed meanwhile (`tui.parse_pool`), gives its posts as that pass left
    them. The final library may fold, re-date and reorder them.
    When `cancel` is set, the build stops at the next post (or statement) and raises
    `Cancelled`, its temporary files removed: no half-built index is left or used.

    An index file not yet checked (just built or appended to, or written since its last
    check) is checked page by page before it is used: seconds at a million posts. With
    `check_later` that check is left to the caller, who shows the posts first and then calls
    `check_deferred` (the app does, off the UI thread): `Library.unchecked` says whether it
    has to. Its heads are checked at once either way.

    `interim`: when the archive grew (a file added after the files of its index) and its
    index is whole, it is called once, from the building thread, with a library over that
    index as it is (every post it held, in its final order with its dates; not the new
    files' posts) to read while the new files are parsed and appended; the callee closes
    it. `seen` is then not called at all: the new files' posts come with the library
    returned. Without `interim`, `seen` gets the posts of that index, then the new ones.
    """
    watch = _Watch(seen, cancel, interim=interim)
    cache, inputs, dumps, keys, fingerprint = _inputs(paths, warn, cache)
    if in_memory:
        return Library(_build_in_memory(dumps, keys, fingerprint, warn, progress, paths, watch),
                       inputs)  # fmt: skip
    target = cache / f"index-{_archive_name(inputs)}.sqlite"
    opened = _open_index(target, fingerprint, warn, check_later)
    if opened is None:
        try:
            built = _build(dumps, keys, target, fingerprint, warn, progress, paths, watch)
        except OSError as exc:  # a read-only or full cache folder: the same, in memory
            warn(f"{cache}: cannot keep an index here ({exc.strerror or exc}); "
                 "indexing in memory")  # fmt: skip
            if watch.told:  # the posts were shown already: not twice
                watch = _Watch(None, cancel)
            return Library(_build_in_memory(dumps, keys, fingerprint, warn, progress, paths,
                                            watch), inputs)  # fmt: skip
        opened = _open_index(built, fingerprint, check_later=check_later)
        if opened is None:  # appended to an index damaged unseen: merge everything
            opened = _open_index(_build(dumps, keys, target, fingerprint, warn, progress,
                                        paths, watch, append=False), fingerprint)  # fmt: skip
        if opened is None:  # pragma: no cover - a file we just wrote and closed
            raise IngestError(built, "the index just built cannot be read back")
    else:
        _reused(target, opened, warn)
    return Library(opened, inputs)


def reopen_library(paths: Sequence[Path], warn: Warn, cache: Path | None = None, *,
                   check_later: bool = False) -> Library | None:  # fmt: skip
    """What `open_library` returns when the cache holds the index of these very inputs,
    whole: read from its small tables, in a fraction of a second even at a million posts;
    None when it would have to build the index (or append to it), which is then not
    started. A caller that must not wait for a build (the app, before its first screen)
    tries this first."""
    cache, inputs, _dumps, _keys, fingerprint = _inputs(paths, warn, cache)
    target = cache / f"index-{_archive_name(inputs)}.sqlite"
    opened = _open_index(target, fingerprint, warn, check_later)
    if opened is None:
        return None
    _reused(target, opened, warn)
    return Library(opened, inputs)


def _inputs(paths: Sequence[Path], warn: Warn, cache: Path | None,
            ) -> tuple[Path, list[str], list[Dump], list[str], str]:  # fmt: skip
    """The cache folder, the inputs' keys, their files, each file's segment key, and the
    fingerprint of the archive index they make. A file the archive's index (as it is, stale
    or not) was built from and that is still as it was is not sniffed again
    (`_recorded_kinds`): a page added to an indexed folder sniffs that page only."""
    if cache is None:
        from tui.paths import cache_dir

        cache = cache_dir()
    inputs = [path_key(p) for p in paths]
    fingerprints: dict[Path, str] = {}
    known = _recorded_kinds(cache / f"index-{_archive_name(inputs)}.sqlite", fingerprints)
    found = [dump for path in paths for dump in find_dumps(Path(path), warn, known)]
    dumps = distinct_files(found, lambda dump: dump.path)  # one file named twice: read once
    keys = [_segment_key(dump, fingerprints.get(dump.path)) for dump in dumps]
    return cache, inputs, dumps, keys, _fingerprint(keys)


def _recorded_kinds(target: Path, fingerprints: dict[Path, str]) -> Known | None:
    """What each input of the index at `target` was sniffed as, for a file that is still as
    it was then (its path, size, time and content fingerprint are those of its segment key,
    so its first SNIFF_BYTES, all a sniff reads, are the same): on a reopen the sniffers,
    and the parsers they live in, need not be loaded. The fingerprints computed are kept
    in `fingerprints`, by path. None when the index cannot tell."""
    try:
        conn = sqlite3.connect(f"file:{target}?mode=ro", uri=True)
        try:
            row = conn.execute("SELECT value FROM meta WHERE key = 'fingerprint'").fetchone()
        finally:
            conn.close()
        recorded = {(key[2], key[3]): key
                    for key in map(json.loads, json.loads(row[0])["segments"])}  # fmt: skip
    except (sqlite3.Error, TypeError, ValueError, KeyError, IndexError):
        return None

    def known(path: Path) -> str | None:
        try:
            key = recorded.get((str(path.resolve()), str(path)))
            if not isinstance(key, list) or len(key) != 8 or key[:2] != [SCHEMA_VERSION,
                                                                         PARSER_VERSION]:
                return None
            kind = key[4]
            stat = path.stat()
            if kind not in KINDS or key[5:7] != [stat.st_size, stat.st_mtime_ns]:
                return None
            fingerprint = fingerprints[path] = content_fingerprint(path)
        except OSError:  # read as any file is, to say what is wrong with it
            return None
        return kind if fingerprint == key[7] else None

    return known


def _reused(target: Path, opened: Index, warn: Warn) -> None:
    """An index opened as it was: marked in use, its warnings said again."""
    touch(target)  # in use: the sweep of unused indexes spares it
    if opened.unchecked is not None:  # the file as it is now, touched or not
        opened.unchecked = _stamp_or_none(target)
    for message in opened.warnings:
        warn(message)


def _archive_name(inputs: Sequence[str]) -> str:
    return hashlib.blake2b("\n".join(sorted(inputs)).encode("utf-8"), digest_size=8).hexdigest()


def _segment_key(dump: Dump, fingerprint: str | None = None) -> str:
    """What one input's segment is parsed from: any change here means parsing it again.
    `fingerprint`: the file's `content_fingerprint`, when it was just computed."""
    stat = dump.path.stat()
    # The path as named too: posts remember their places in the spelling the user gave.
    # The content check catches an edit that kept the size and had its time put back.
    return json.dumps([SCHEMA_VERSION, PARSER_VERSION, str(dump.path.resolve()), str(dump.path),
                       dump.kind, stat.st_size, stat.st_mtime_ns,
                       fingerprint or content_fingerprint(dump.path)],
                      ensure_ascii=False, separators=(",", ":"))  # fmt: skip


def _fingerprint(keys: Sequence[str]) -> str:
    """What the archive index is built from: its inputs' segment keys, in order."""
    return json.dumps({"schema": SCHEMA_VERSION, "segments": list(keys)},
                      ensure_ascii=False, separators=(",", ":"))  # fmt: skip


# -- opening an index -----------------------------------------------------------------------------
def _open_index(path: Path, fingerprint: str, warn: Warn | None = None,
                check_later: bool = False) -> Index | None:  # fmt: skip
    """The index at `path` if it is whole and built from these inputs; None otherwise.

    Anything wrong with the file (garbage, cut short, another schema) deletes it (a stale one
    is kept for `_append`, and replaced by the index built next); the
    caller builds a new one. Only the small tables are read here, so a reopen stays fast.
    """
    if not path.is_file():
        return None
    conn: sqlite3.Connection | None = None
    try:
        conn = connect_whole(path, "index")
        meta = dict(conn.execute("SELECT key, value FROM meta"))
        if meta.get("schema") != SCHEMA_VERSION:
            conn.close()
            _remove(path)
            return None
        if meta.get("fingerprint") != fingerprint:  # stale: kept to append to (see _append)
            conn.close()
            return None
        checked = is_checked(path)
        loaded = _load(conn, path, meta, verify=not checked)
        if not checked and check_later:  # the caller checks it once the posts are shown
            loaded.unchecked = file_stamp(path)
        elif not checked:  # checked once, until the file is written again
            damage = _damage(path, int(meta["posts"]))
            if damage is not None:
                if warn is not None:  # said once: the index built next is whole
                    warn(f"{path}: the index was damaged ({damage}); building it again")
                raise sqlite3.DatabaseError(damage)
            mark_checked(path)
        return loaded
    except (sqlite3.DatabaseError, ValueError, TypeError, KeyError, EOFError):
        if conn is not None:
            conn.close()
        _remove(path)
        return None


def check_deferred(library: Library, cancel: threading.Event | None = None) -> str | None:
    """The check `open_library(check_later=True)` left to do on `library`'s index file: None
    when it passes (the file is then marked checked, once it has settled: the check waits
    for that, see `tui.index_health.mark_checked`), or when `cancel` is set before it ends;
    else what is wrong, after the file is deleted so that the next open builds it again.
    Reads the file on a connection of its own: call it off the UI thread."""
    path, opened = library.index_path, library.unchecked
    if path is None or opened is None:
        return None
    library.unchecked = None
    stopped = cancel.is_set if cancel is not None else lambda: False
    wait = settle_seconds(path)
    if wait and cancel is not None:
        cancel.wait(wait)
    damage = _damage(path, len(library)) if not stopped() and _still(path, opened) else None
    if stopped():
        return None
    if library.read_damage:  # a read failed meanwhile, and deleted the file
        return f"{path}: the index was damaged (a post could not be read); building it again"
    if not _still(path, opened):  # another build replaced it: checked when it is opened
        return None
    if damage is None:
        mark_checked(path, opened)
        return None
    _remove(path)
    return f"{path}: the index was damaged ({damage}); building it again"


def _stamp_or_none(path: Path) -> str | None:
    try:
        return file_stamp(path)
    except OSError:
        return None


def _still(path: Path, stamp: str) -> bool:
    try:
        return file_stamp(path) == stamp
    except OSError:
        return False


def _damage(path: Path, posts: int) -> str | None:
    """What `check_index` finds wrong with the index at `path`, on a connection of its own so
    the pages it reads are not left in the cache of the one that serves the texts (damage
    that comes later must still be seen there)."""
    probe = sqlite3.connect(f"file:{path}?mode=ro", uri=True)
    try:
        covered = dict(probe.execute("SELECT key, value FROM meta")).get("search_bits", "0")
        return check_index(probe, posts) or check_search_bits(probe, int(covered))
    except (sqlite3.DatabaseError, ValueError) as exc:
        return f"it cannot be read ({exc})"
    finally:
        probe.close()


def _load(conn: sqlite3.Connection, path: Path | None, meta: dict[str, str],
          verify: bool = True) -> Index:  # fmt: skip
    """The small tables of an index: its heads, warnings and facets (raises on damage; the
    heads' codes are checked against their tables when `verify`: not on an index whose check
    passed and that was not written since)."""
    facets = {name: marshal.loads(data) for name, data in conn.execute("SELECT * FROM facets")}
    if set(facets) != FACETS:
        raise sqlite3.DatabaseError("index lacks its facets")
    heads = _read_heads(conn, verify)
    if str(len(heads)) != meta.get("posts"):
        raise sqlite3.DatabaseError("index holds fewer posts than it says")
    warnings = [m for (m,) in conn.execute("SELECT message FROM warnings ORDER BY n")]
    covered = int(meta.get("search_bits", "0"))
    if not 0 <= covered <= len(heads):
        raise sqlite3.DatabaseError("index search bitmaps cover posts it does not hold")
    return Index(conn, path, heads, warnings, facets, covered)


def _remove(path: Path) -> None:
    for name in (path, checked_mark(path)):
        try:
            name.unlink()
        except FileNotFoundError:
            pass


#: The columns of heads coded into tables of distinct values (`head_values.col`).
_WHENS, _TAGS, _KINDS = 0, 1, 2
#: What `facets` holds.
FACETS = {"date_tree", "month_counts", "tags", "channels", "periods"}


def _read_heads(conn: sqlite3.Connection, verify: bool = True) -> Heads:
    """The heads: each column's bytes read into arrays (`frombytes`), the tables of distinct
    values packed the same way; a million posts' heads are a few dozen megabytes read at once,
    with nothing done per post in Python. No Post is built until one is shown."""
    tags = Strings()
    raw: dict[int, list[Any]] = {_WHENS: [], _KINDS: []}  # as `_write_facets` put them
    for col, data, ends in conn.execute("SELECT col, data, ends FROM head_tables ORDER BY n"):
        if col == _TAGS:
            tags.extend_packed(data, ends)
        else:
            raw[col].extend(marshal.loads(data))
    dates: dict[tuple[str, bool], PostDate] = {}

    def when(iso: str | None, guessed: bool, after: str | None, before: str | None,
             has_bounds: bool) -> When:  # fmt: skip
        date = None if iso is None else dates.get((iso, guessed))
        if date is None and iso is not None:
            date = dates[(iso, guessed)] = PostDate.from_iso(iso, guessed)
        return date, (after, before) if has_bounds else None

    # A checked index's dates are decoded as they are needed; an index not yet checked has
    # them all decoded now, where a damaged one is found (ValueError) and built again.
    dated: Table[When] = (Decoded(raw[_WHENS], lambda value: when(*value)) if not verify
                          else [when(*value) for value in raw[_WHENS]])  # fmt: skip
    heads = Heads(
        ids=Strings(),
        whens=Interned(dated),
        tags=Interned(tags),
        kinds=Interned([(source, channel, bool(media)) for source, channel, media in raw[_KINDS]]),
    )
    for ids, ends, whens, tags, kinds in conn.execute(
            "SELECT ids, ends, whens, tags, kinds FROM heads ORDER BY n"):  # fmt: skip
        heads.ids.extend_packed(ids, ends)
        heads.whens.extend_packed(whens, verify)
        heads.tags.extend_packed(tags, verify)
        heads.kinds.extend_packed(kinds, verify)
    if not len(heads.ids) == len(heads.whens) == len(heads.tags) == len(heads.kinds):
        raise sqlite3.DatabaseError("index heads do not line up")
    return heads


class _HeadsWriter:
    """Writes the heads a chunk of posts at a time, each chunk a row of `heads`: its posts'
    ids in one UTF-8 blob with where each ends (in the whole column), and their dates,
    hashtags and kinds as codes into the index's tables of distinct values (`head_values`:
    one table per column for the whole index, so a reopen reads the codes as they are). The
    codes of at most TABLE_LIMIT values per column are remembered, the rest looked up in the
    index, so the build holds a bounded table whatever the archive. `finish` adds up how
    many posts have each value and adds the index on ids that `Library.index_of` looks them
    up by, once the posts are in; `_write_facets` then writes what the reader needs from
    the tables."""

    def __init__(self, conn: sqlite3.Connection) -> None:
        self.conn = conn
        last = conn.execute("SELECT n, ends FROM heads ORDER BY n DESC LIMIT 1").fetchone()
        self.n = 0 if last is None else last[0] + 1
        ends = array("q")
        if last is not None:
            ends.frombytes(last[1])
        self.end = ends[-1] if ends else 0
        self.next = [conn.execute("SELECT ifnull(max(code) + 1, 0) FROM head_values "
                                  "WHERE col = ?", (col,)).fetchone()[0]
                     for col in (_WHENS, _TAGS, _KINDS)]  # fmt: skip
        self.first = list(self.next)  # the values each table held before
        self.known: list[dict[Any, int]] = [{}, {}, {}]  # by key (see `code`)
        self.whole = [not n for n in self.next]  # `known` holds every value of the table
        self.counts = [array("Q", bytes(8 * n)) for n in self.next]  # posts written, by code

    def code(self, col: int, key: Any) -> int:
        """The code of the value `key` stands for (a tuple; its text is made only when the
        value is not remembered: most posts share theirs with posts just before)."""
        known = self.known[col]
        code = known.get(key)
        if code is None:
            value = _TEXTS[col](key)
            row = None if self.whole[col] else self.conn.execute(
                "SELECT code FROM head_values WHERE col = ? AND value = ?",
                (col, value)).fetchone()  # fmt: skip
            if row is None:
                code = self.next[col]
                try:
                    self.conn.execute("INSERT INTO head_values VALUES (?, ?, ?, 0)",
                                      (col, code, value))  # fmt: skip
                    self.next[col] += 1
                    self.counts[col].append(0)
                except sqlite3.IntegrityError:  # two keys, one text (a tag holding the
                    # separator): the one value
                    code = self.conn.execute("SELECT code FROM head_values WHERE col = ? AND "
                                             "value = ?", (col, value)).fetchone()[0]
            else:
                code = row[0]
            if len(known) >= TABLE_LIMIT:
                known.clear()
                self.whole[col] = False
            known[key] = code
        self.counts[col][code] += 1
        return code

    def write(self, posts: Sequence[Post]) -> None:
        self.write_encoded([encode_post(post) for post in posts])

    def write_encoded(self, posts: Sequence[tuple[Any, ...]]) -> None:
        """`write` for posts as `encode_post` gives them (what the merge holds: no Post is
        built to be written)."""
        ids, ends = _packed([post[_ID].encode("utf-8") for post in posts], self.end)
        if ends:
            self.end = ends[-1]
        code = self.code
        iso = _iso_of
        whens = array("I", (code(_WHENS, (iso(p[POST_DATE]), _inferred(p[POST_DATE]),
                                          p[POST_BOUNDS])) for p in posts))  # fmt: skip
        tags = array("I", (code(_TAGS, p[_TAGS_AT]) for p in posts))
        kinds = array("I", (code(_KINDS, (p[_SOURCE], p[_CHANNEL], p[_MEDIA] is not None))
                            for p in posts))  # fmt: skip
        self.conn.execute("INSERT INTO heads VALUES (?, ?, ?, ?, ?, ?)",
                          (self.n, ids, ends.tobytes(), whens.tobytes(),
                           tags.tobytes(), kinds.tobytes()))  # fmt: skip
        self.n += 1

    def finish(self) -> None:
        self.conn.executemany(
            "UPDATE head_values SET posts = posts + ? WHERE col = ? AND code = ?",
            ((count, col, code) for col, counts in enumerate(self.counts)
             for code, count in enumerate(counts) if count))  # fmt: skip
        self.conn.execute("CREATE INDEX IF NOT EXISTS posts_by_id ON posts(id)")


#: Where `encode_post` puts what the heads and rows read (see also POST_DATE, POST_BOUNDS).
_ID, _SOURCE, _TITLE, _TAGS_AT, _MEDIA, _LINKS, _ORIGINS, _CHANNEL = 0, 1, 2, 5, 6, 7, 8, 9


def _inferred(date: tuple[Any, ...] | None) -> Any:
    """`Post.date_inferred` of an encoded post's date."""
    return date is not None and date[3]


_isos: dict[tuple[Any, ...], str | None] = {}


def _iso_of(date: tuple[Any, ...] | None) -> str | None:
    """`Post.date_iso()` of an encoded post's date (a few hundred distinct days: remembered)."""
    if date is None:
        return None
    iso = _isos.get(date, _isos)
    if iso is _isos:
        if len(_isos) > TABLE_LIMIT:
            _isos.clear()
        iso = _isos[date] = PostDate(*date).iso()
    return iso  # type: ignore[return-value]


def _when_text(when: tuple[str | None, bool, tuple[str | None, str | None] | None]) -> str:
    iso, inferred, bounds = when
    return _json([iso, inferred, bounds])


def _kind_text(kind: tuple[str | None, str | None, bool]) -> str:
    return _json(list(kind))


#: Each column's values as `head_values` keeps them (by `col`).
_TEXTS: tuple[Callable[[Any], str], ...] = (_when_text, join_tags, _kind_text)


def _unjson(col: int, value: str) -> tuple[Any, ...]:
    """A date (and bounds) or a kind as `_HeadsWriter` wrote it, as `_read_heads` reads it."""
    if col == _WHENS:
        iso, inferred, bounds = json.loads(value)
        return (iso, bool(inferred), *(bounds or (None, None)), bounds is not None)
    source, channel, media = json.loads(value)
    return source, channel, bool(media)


def _packed(strings: list[bytes], start: int) -> tuple[bytes, array[int]]:
    """Encoded strings as one blob, and where each ends in a buffer that held `start` bytes
    before it (what `Strings.extend_packed` reads)."""
    ends = array("q", accumulate(map(len, strings), initial=start))
    del ends[0]
    return b"".join(strings), ends


def _sql_yo(expression: str) -> str:
    """`fold_yo` in SQL, for the text the search index is built from."""
    return f"replace(replace({expression}, 'ё', 'е'), 'Ё', 'Е')"


# -- building an index ----------------------------------------------------------------------------
def _build(dumps: Sequence[Dump], keys: Sequence[str], target: Path, fingerprint: str,
           warn: Warn, progress: Progress | None, named: Sequence[Path],
           watch: _Watch, append: bool = True) -> Path:  # fmt: skip
    """Merge the inputs' segments (parsing those missing) into a new index beside `target`,
    then move it into place.

    Every file is written under a temporary name with no journal and no syncs (fast), and only
    renamed once complete, so a kill mid-build leaves no index or segment to trust. A segment
    found damaged while merging is deleted and its file parsed again.
    """
    sweep(target.parent, SCHEMA_VERSION)
    folder = target.parent / SEGMENTS
    folder.mkdir(parents=True, exist_ok=True)
    if append and APPEND:
        appended = _append(dumps, keys, target, fingerprint, folder, warn, progress, named,
                           watch)  # fmt: skip
        if appended is not None:
            return appended
        if watch.told:  # the new files' posts were shown: not twice
            watch.seen = None
    for _attempt in range(len(dumps) + 1):
        temp = temporary_name(target)
        said: list[str] = []
        segments: list[Segment] = []
        conn = sqlite3.connect(temp, isolation_level=None)
        try:
            conn.executescript(_BUILD_PRAGMAS)
            reporter = _Reporter(dumps, progress)
            segments = _segments(dumps, keys, folder, _teller(said, warn), reporter, named,
                                 watch, warn)
            with watch.guarding(conn):
                _fill(conn, segments, fingerprint, said, reporter, watch)
            conn.close()
            try:
                os.replace(temp, target)
            except OSError:  # another process holds the old file open (Windows): use ours
                return temp
            return target
        except SegmentDamaged as exc:
            conn.close()
            _remove(temp)
            warn(f"{exc}; reading its file again")
            if watch.told:  # what was shown stays shown: not twice
                watch.seen = None
        except BaseException:
            conn.close()
            _remove(temp)
            raise
        finally:
            for segment in segments:
                segment.close()
    raise IngestError(target, "the index cannot be built: its parts keep coming out damaged")


def _build_in_memory(dumps: Sequence[Dump], keys: Sequence[str], fingerprint: str, warn: Warn,
                     progress: Progress | None, named: Sequence[Path],
                     watch: _Watch) -> Index:  # fmt: skip
    """The same index in an in-memory database: where the cache folder cannot be written."""
    conn = sqlite3.connect(":memory:", isolation_level=None, check_same_thread=False)
    segments: list[Segment] = []
    try:
        said: list[str] = []
        reporter = _Reporter(dumps, progress)
        segments = _segments(dumps, keys, None, _teller(said, warn), reporter, named, watch)
        with watch.guarding(conn):
            _fill(conn, segments, fingerprint, said, reporter, watch)
        return _load(conn, None, dict(conn.execute("SELECT key, value FROM meta")))
    except BaseException:
        conn.close()
        raise
    finally:
        for segment in segments:
            segment.close()


def _teller(said: list[str], warn: Warn) -> Warn:
    """Warnings go to `warn` as they are said and into the index, to replay on a reopen."""

    def tell(message: str) -> None:
        said.append(message)
        warn(message)

    return tell


def _segments(dumps: Sequence[Dump], keys: Sequence[str], folder: Path | None, tell: Warn,
              reporter: _Reporter, named: Sequence[Path], watch: _Watch,
              warn: Warn | None = None, allow_empty: bool = False) -> list[Segment]:  # fmt: skip
    """Each input's segment, in order: reused from `folder` when it holds one for the file as
    it is now (its warnings said again), else parsed (into `folder`, or into memory). Inputs
    with no posts are skipped with a warning, or refused when named directly. A damaged
    segment is told to `warn` once (not kept with the archive's warnings). Where it pays,
    worker processes parse files into `folder` meanwhile (`tui.parse_pool`): their segments
    are then read as reused ones are, so the result is the same."""
    out: list[Segment] = []
    pool = _start_pool(dumps, keys, folder, reporter)
    stopped = True
    try:
        for number, (dump, key) in enumerate(zip(dumps, keys, strict=True)):
            segment = None
            if folder is not None:
                segment = open_segment(folder / segment_name(key), key, warn)
                if segment is not None:
                    for message in segment.warnings:
                        tell(message)
                    _show_segment(segment, watch)
            if segment is None and pool is not None and folder is not None:
                segment = _from_worker(pool, number, dump, key, folder, tell, reporter, watch)
            if segment is None:
                segment = _parse(dump, number, key, folder, tell, reporter, watch)
            if not segment.count:
                segment.close()
                if any(dump.path == Path(p) for p in named):
                    raise IngestError(dump.path, "holds no posts")
                tell(f"{dump.path}: holds no posts (skipped)")
                continue
            out.append(segment)
        stopped = False
    except BaseException:
        for segment in out:
            segment.close()
        raise
    finally:
        if pool is not None:
            pool.close(stopped)
    if not out and not allow_empty:
        raise IngestError(named[0] if named else ".", "holds no posts")
    return out


def _start_pool(dumps: Sequence[Dump], keys: Sequence[str], folder: Path | None,
                reporter: _Reporter) -> parse_pool.ParsePool | None:  # fmt: skip
    """Worker processes for the files with no segment yet, past the first (which this
    process parses at once, its posts shown as they come); None where they do not pay."""
    if folder is None:
        return None
    todo = [(number, dump, key)
            for number, (dump, key) in enumerate(zip(dumps, keys, strict=True))
            if not (folder / segment_name(key)).is_file()]  # fmt: skip
    from tui import parse_pool

    workers = parse_pool.workers_for([reporter.sizes[number] for number, _d, _k in todo])
    if not workers:
        return None
    pool = parse_pool.ParsePool(workers)
    try:
        pool.submit([(number, dump, key, folder) for number, dump, key in todo[1:]])
    except BaseException:
        pool.close(True)
        raise
    return pool


def _from_worker(pool: parse_pool.ParsePool, number: int, dump: Dump, key: str, folder: Path,
                 tell: Warn, reporter: _Reporter, watch: _Watch) -> Segment | None:  # fmt: skip
    """The segment a worker parsed file `number` into, its warnings told and its posts
    shown as a reused segment's; None when this process is to parse the file itself."""
    if pool.take(number):
        return None
    from tui.parse_pool import BrokenProcessPool

    try:
        outcome = pool.result(number, watch.check)
    except BrokenProcessPool:  # a worker died (killed, out of memory): parse here
        return None
    if outcome is None:
        return None
    said, error = outcome
    for message in said:
        tell(message)
    if error is not None:
        raise error
    final = folder / segment_name(key)
    segment = load_segment(sqlite3.connect(f"file:{final}?mode=ro", uri=True,
                                           check_same_thread=False), final)  # fmt: skip
    _show_segment(segment, watch)
    reporter.done(number)
    return segment


def parse_segment_file(dump: Dump, key: str, folder: Path, tell: Warn, stop: _Flag) -> None:
    """In a worker process (`tui.parse_pool`): parse one input into its segment file in
    `folder`, as `_parse` does in the build; stops (Cancelled) at the post after `stop`."""
    _parse(dump, 0, key, folder, tell, _Reporter([dump], None), _Watch(None, stop)).close()


def _show_segment(segment: Segment, watch: _Watch) -> None:
    """A reused segment's posts for `watch.seen`, in file order with their texts: an archive
    that grew shows what it held at once, while its new files are parsed and all merged."""
    if watch.seen is not None:
        watch.tell_all(_segment_posts(segment))


def _segment_posts(segment: Segment) -> Iterator[Post]:
    """A segment's posts in file order with their texts. Records in file order (all but some
    account exports) are read beside their texts, a chunk at a time; records sorted by time
    (an account export's several chats) are, from the first out of order, joined to their
    texts in memory."""
    texts = segment.texts()
    for number, item in enumerate(segment.placed(0), start=1):
        at, text = next(texts, (None, ""))
        if item.body != number or at != number:  # sorted by time: the rest by text number
            shown = number - 1
            heads = {item.body: item.post for item in segment.placed(0) if item.body > shown}
            for at, text in segment.texts():
                head = heads.pop(at, None) if at > shown else None
                if head is not None:
                    yield replace(head, text=text)
            return
        yield replace(item.post, text=text)


def _parse(dump: Dump, number: int, key: str, folder: Path | None, tell: Warn,
           reporter: _Reporter, watch: _Watch) -> Segment:  # fmt: skip
    """Parse one input into a new segment: in `folder` under a temporary name, renamed once
    whole; in memory when `folder` is None."""
    final = temp = None
    if folder is None:
        conn = sqlite3.connect(":memory:", isolation_level=None, check_same_thread=False)
    else:
        final = folder / segment_name(key)
        temp = temporary_name(final)
        conn = sqlite3.connect(temp, isolation_level=None, check_same_thread=False)
    try:
        conn.executescript(_BUILD_PRAGMAS + SEGMENT_SCHEMA)
        conn.execute("BEGIN")
        own: list[str] = []

        def said(message: str) -> None:
            own.append(message)
            tell(message)

        write_records(conn, key, _read_dump(conn, dump, number, 0, said, reporter, watch), own)
        conn.execute("COMMIT")
        if final is None or temp is None:
            return load_segment(conn, None)
        conn.close()
        os.replace(temp, final)
        return load_segment(sqlite3.connect(f"file:{final}?mode=ro", uri=True,
                                            check_same_thread=False), final)  # fmt: skip
    except BaseException:
        conn.close()
        if temp is not None:
            _remove(temp)
        raise


def _fill(conn: sqlite3.Connection, segments: Sequence[Segment], fingerprint: str,
          said: Sequence[str], reporter: _Reporter, watch: _Watch) -> None:  # fmt: skip
    """Merge the segments into `conn`: the posts in reading order with the texts they keep,
    their heads, facets, warnings and the search index, in one transaction."""
    conn.executescript(_SCHEMA)
    conn.execute(f"PRAGMA cache_size=-{_merge_cache_kib(sum(s.count for s in segments))}")
    conn.execute("BEGIN")
    bases = _bases(segments, 0)
    chats = _chats(segment.chats for segment in segments)
    watch.check()
    state = IndexState(conn, 0, sum(segment.count for segment in segments))
    merged = _merge(in_merge_order(segments, bases), adopted_chats([chats]), state, watch)
    _write_merged(conn, segments, bases, state, merged.records)
    _write_facets(conn)
    _write_meta(conn, fingerprint, state.count(), chats, merged, said, merged.last)
    conn.execute("COMMIT")
    reporter.finish()


def _bases(segments: Sequence[Segment], first: int) -> list[int]:
    """Where each segment's texts start in the archive's numbering (after `first` texts)."""
    bases: list[int] = []
    for segment in segments:
        bases.append(first)
        first += segment.count
    return bases


def _chats(parts: Iterable[dict[str, list[str]]]) -> dict[str, list[str]]:
    """The segments' chat ids by chat title, together."""
    found: dict[str, set[str]] = {}
    for part in parts:
        for title, ids in part.items():
            found.setdefault(title, set()).update(ids)
    return {title: sorted(ids) for title, ids in sorted(found.items())}


def _write_merged(conn: sqlite3.Connection, segments: Sequence[Segment], bases: Sequence[int],
                  state: IndexState, records: int) -> _HeadsWriter:  # fmt: skip
    """The merged posts (from `state.start` on): their rows, the texts they keep, their old
    ids, heads and search entries. Written a chunk of posts at a time, so memory holds one
    chunk and a byte per record (which texts are kept), whatever the archive's size. Returns
    the heads' writer (what `_add_facets` counts the new posts' values from)."""
    keep = bytearray(records + 1)
    chunk: list[tuple[Any, ...]] = []  # posts as `encode_post` gives them
    kept: list[int] = []
    legacy: list[tuple[str, int]] = []
    first = state.start
    heads = _HeadsWriter(conn)

    def write() -> None:
        _write_posts(conn, chunk, kept, first)
        heads.write_encoded(chunk)
        conn.executemany("INSERT INTO legacy VALUES (?, ?)", legacy)
        chunk.clear()
        kept.clear()
        legacy.clear()

    for at, post, body, olds in state.encoded_posts():
        keep[body] = 1
        chunk.append(post)
        kept.append(body)
        if olds != [post[_ID]]:
            legacy.extend((old, at) for old in olds if old != post[_ID])
        if len(chunk) >= HEADS_CHUNK:
            write()
            first = at + 1
    if chunk:
        write()
    heads.finish()
    state.close()
    conn.execute("COMMIT")  # segments on disk are attached to be copied: not in a transaction
    for segment, base in zip(segments, bases, strict=True):
        segment.copy_texts(conn, base, keep)
        segment.close()  # its pages leave memory now, not at the end
    conn.execute("BEGIN")
    del keep
    text, source = _sql_yo("t.text"), _sql_yo("ifnull(p.source, '')")
    conn.execute(f"INSERT INTO search(rowid, text, source) SELECT p.pos, {text}, {source} "
                 "FROM posts p JOIN texts t ON t.rowid = p.body WHERE p.pos >= ?",
                 (state.start,))  # fmt: skip
    if state.start == 0:
        conn.execute("INSERT INTO search(search) VALUES ('optimize')")
    posts = state.count()
    covered = int(conn.execute("SELECT ifnull(max(value), 0) FROM meta "
                               "WHERE key = 'search_bits'").fetchone()[0])  # fmt: skip
    if state.start == 0 or posts - covered > covered // REBITS:
        write_search_bits(conn, posts)
    return heads


def _write_facets(conn: sqlite3.Connection) -> None:
    """What the reader needs from the tables of distinct values (`head_values`), computed
    here once rather than on every open: the tables packed (`head_tables`), the date tree,
    month counts and posts per period, the tags' counts and labels (a label is the spelling of
    the first post with the tag), the channels' counts. A value at a time, never a post."""
    conn.execute("DELETE FROM facets")
    conn.execute("DELETE FROM head_tables")
    for col in (_WHENS, _TAGS, _KINDS):
        conn.executemany("INSERT INTO head_tables(col, data, ends) VALUES (?, ?, ?)",
                         ((col, data, ends) for data, ends in _table_rows(conn, col)))
    labels: dict[str, str] = {}
    counts: dict[str, int] = {}
    _count_tags(conn.execute("SELECT value, posts FROM head_values WHERE col = ? "
                             "ORDER BY code", (_TAGS,)), labels, counts)  # fmt: skip
    conn.executemany("INSERT INTO facets VALUES (?, ?)",
                     [*_date_facets(conn), _tag_facet(labels, counts), _channel_facet(conn)])


def _add_facets(conn: sqlite3.Connection, heads: _HeadsWriter) -> None:
    """`_write_facets` for an index `heads` appended posts to, from the values those posts
    have: the tags' counts and labels are the index's with theirs added, and the packed
    table of tag lists (a million posts hold 231,347) gets its new ones at the end of its
    last row; the dates' and kinds' (a few thousand values) are packed and counted again.
    The rows `_write_facets` writes; it writes them itself where a table needs a new row."""
    first = heads.first[_TAGS]
    tag_rows = conn.execute("SELECT n, data, ends FROM head_tables WHERE col = ? ORDER BY n",
                            (_TAGS,)).fetchall()  # fmt: skip
    new = [value for (value,) in conn.execute(
        "SELECT value FROM head_values WHERE col = ? AND code >= ? ORDER BY code",
        (_TAGS, first))]  # fmt: skip
    tables = {col: _table_rows(conn, col) for col in (_WHENS, _KINDS)}
    rows = {col: [n for (n,) in conn.execute("SELECT n FROM head_tables WHERE col = ? "
                                             "ORDER BY n", (col,))]
            for col in (_WHENS, _KINDS)}  # fmt: skip
    stored = conn.execute("SELECT data FROM facets WHERE name = 'tags'").fetchone()
    if (not tag_rows or first - TABLE_LIMIT * (len(tag_rows) - 1) + len(new) > TABLE_LIMIT
            or stored is None
            or any(len(tables[col]) != len(rows[col]) for col in tables)):  # fmt: skip
        _write_facets(conn)
        return
    for col, table in tables.items():
        conn.executemany("UPDATE head_tables SET data = ?, ends = ? WHERE n = ?",
                         ((data, ends, n) for (data, ends), n in zip(table, rows[col],
                                                                     strict=True)))  # fmt: skip
    if new:
        n, data, ends = tag_rows[-1]
        were = array("q")
        were.frombytes(ends)
        added, added_ends = _packed([value.encode("utf-8") for value in new],
                                    were[-1] if were else 0)  # fmt: skip
        conn.execute("UPDATE head_tables SET data = ?, ends = ? WHERE n = ?",
                     (data + added, ends + added_ends.tobytes(), n))  # fmt: skip
    labels = {key: label for key, label, _count in marshal.loads(stored[0])}
    counts = {key: count for key, _label, count in marshal.loads(stored[0])}
    run = heads.counts[_TAGS]
    _count_tags(((_tag_value(conn, code, first, new), count)
                 for code, count in enumerate(run) if count), labels, counts)  # fmt: skip
    conn.execute("DELETE FROM facets")
    conn.executemany("INSERT INTO facets VALUES (?, ?)",
                     [*_date_facets(conn), _tag_facet(labels, counts), _channel_facet(conn)])


def _tag_value(conn: sqlite3.Connection, code: int, first: int, new: Sequence[str]) -> str:
    """The tag list with this code (`new`: those from `first` on)."""
    if code >= first:
        return new[code - first]
    found: str = conn.execute("SELECT value FROM head_values WHERE col = ? AND code = ?",
                              (_TAGS, code)).fetchone()[0]  # fmt: skip
    return found


def _table_rows(conn: sqlite3.Connection, col: int) -> list[tuple[bytes, bytes]]:
    """One column's table of distinct values packed as `head_tables` keeps it, TABLE_LIMIT
    values a row: (data, ends)."""
    rows = conn.execute("SELECT value FROM head_values WHERE col = ? ORDER BY code", (col,))
    out: list[tuple[bytes, bytes]] = []
    end = 0
    while part := rows.fetchmany(TABLE_LIMIT):
        if col == _TAGS:  # the largest (a million posts: 231,347): as the ids are
            data, ends = _packed([value.encode("utf-8") for (value,) in part], end)
            end = ends[-1]
        else:  # decoded once here: (iso, inferred, after, before, bounded); (source,
            # channel, media)
            data, ends = marshal.dumps([_unjson(col, value) for (value,) in part]), array("q")
        out.append((data, ends.tobytes()))
    return out


def _count_tags(values: Iterable[tuple[str, int]], labels: dict[str, str],
                counts: dict[str, int]) -> None:  # fmt: skip
    """Add tag lists (and how many posts have each), in code order, to the tags' labels
    (the spelling first met) and counts."""
    for value, count in values:
        for tag in split_tags(value):
            labels.setdefault(tag.casefold(), tag)
        if count:
            for key in dict.fromkeys(tag.casefold() for tag in split_tags(value)):
                counts[key] = counts.get(key, 0) + count


def _tag_facet(labels: dict[str, str], counts: dict[str, int]) -> tuple[str, bytes]:
    tags = sorted(((key, labels[key], count) for key, count in counts.items()),
                  key=lambda t: (-t[2], t[1].casefold()))  # fmt: skip
    return "tags", marshal.dumps(tags)


def _date_facets(conn: sqlite3.Connection) -> list[tuple[str, bytes]]:
    """The date tree, month counts and posts per period, from the dates' table."""
    whens: list[tuple[When, int]] = []
    for value, count in conn.execute("SELECT value, posts FROM head_values WHERE col = ? "
                                     "ORDER BY code", (_WHENS,)):  # fmt: skip
        iso, guessed, bounds = json.loads(value)
        date = None if iso is None else PostDate.from_iso(iso, bool(guessed))
        whens.append(((date, (bounds[0], bounds[1]) if bounds else None), count))
    periods: dict[str, int] = {}
    for (date, _bounds), count in whens:
        for period in periods_of(date) if count else ():
            periods[period] = periods.get(period, 0) + count
    return [
        ("date_tree", marshal.dumps([encode_node(n) for n in counted_date_tree(whens)])),
        ("month_counts", marshal.dumps(counted_month_counts(
            (date, count) for (date, _bounds), count in whens))),
        ("periods", marshal.dumps(list(periods.items()))),
    ]  # fmt: skip


def _channel_facet(conn: sqlite3.Connection) -> tuple[str, bytes]:
    channels: dict[str, int] = {}
    for value, count in conn.execute("SELECT value, posts FROM head_values WHERE col = ?",
                                     (_KINDS,)):  # fmt: skip
        channel = json.loads(value)[1]
        if channel and count:
            channels[channel] = channels.get(channel, 0) + count
    return "channels", marshal.dumps(sorted(channels.items(),
                                            key=lambda c: (-c[1], c[0].casefold())))


def _write_meta(conn: sqlite3.Connection, fingerprint: str, posts: int,
                chats: dict[str, list[str]], merged: _Merged, said: Sequence[str],
                last: SortKey) -> None:  # fmt: skip
    """The warnings, and what the index was built from and holds, for reopening and
    appending."""
    conn.executemany("INSERT INTO warnings(message) VALUES (?)", ((m,) for m in said))
    records = merged.records
    conn.executemany("INSERT OR REPLACE INTO meta VALUES (?, ?)", [
        ("fingerprint", fingerprint), ("posts", str(posts)), ("records", str(records)),
        ("last", json.dumps(last, ensure_ascii=False)),
        ("chats", json.dumps(chats, ensure_ascii=False)),
    ])  # fmt: skip


# -- appending to an index ------------------------------------------------------------------------
class _NotAppendable(Exception):
    """A new file's records do not simply come after the archive's: merge everything."""


def _append(dumps: Sequence[Dump], keys: Sequence[str], target: Path, fingerprint: str,
            folder: Path, warn: Warn, progress: Progress | None, named: Sequence[Path],
            watch: _Watch) -> Path | None:  # fmt: skip
    """The archive index at `target` with the posts of files added after its inputs appended,
    when that is exactly what merging everything again would give: the old inputs unchanged
    and first, every new file's records sorting after every record already in, none able to
    fold into a post already in, and no chat title adopting another id. Then only the new
    posts are written and searched (the old ones are copied as they are). None when any of
    that fails; the new files' segments are kept for the full merge."""
    old = _appendable(target)
    if old is None:
        return None
    before = len(old.keys)
    if len(keys) <= before or list(keys[:before]) != old.keys:
        return None
    _show_index(target, watch, [path_key(p) for p in named])
    said = list(old.warnings)  # told only once the index is in place: never twice
    segments: list[Segment] = []
    temp = temporary_name(target)
    conn: sqlite3.Connection | None = None
    try:
        reporter = _Reporter(dumps[before:], progress)
        segments = _segments(dumps[before:], keys[before:], folder, said.append, reporter,
                             named, watch, warn, allow_empty=True)  # fmt: skip
        bases = _bases(segments, old.records)
        for segment in segments:
            if segment.first_key is not None and segment.first_key < old.last:
                return None
        titles = adopted_chats([old.chats])
        chats = _chats([old.chats, *(segment.chats for segment in segments)])
        if adopted_chats([chats]) != titles:
            return None
        placed = in_merge_order(segments, bases)
        shutil.copyfile(target, temp)
        conn = sqlite3.connect(temp, isolation_level=None)
        conn.executescript(_BUILD_PRAGMAS)
        posts = old.posts + sum(segment.count for segment in segments)
        conn.execute(f"PRAGMA cache_size=-{_merge_cache_kib(posts)}")
        conn.execute("BEGIN")
        with watch.guarding(conn):
            state = IndexState(conn, old.posts)  # the merge carries on where it stopped
            try:
                merged = _merge(placed, titles, state, watch)
            except _NotAppendable:
                conn.close()
                conn = None
                _remove(temp)
                return None
            merged.records = max(merged.records, old.records)
            _add_facets(conn, _write_merged(conn, segments, bases, state, merged.records))
            conn.execute("DELETE FROM warnings")
            _write_meta(conn, fingerprint, state.count(), chats, merged, said,
                        max(old.last, merged.last))  # fmt: skip
        conn.execute("COMMIT")
        conn.close()
        conn = None
        os.replace(temp, target)
    except (SegmentDamaged, sqlite3.DatabaseError):  # the full merge parses the file again
        # or builds the index anew
        if conn is not None:
            conn.close()
        _remove(temp)
        return None
    except BaseException:
        if conn is not None:
            conn.close()
        _remove(temp)
        raise
    finally:
        for segment in segments:
            segment.close()
    for message in said:
        warn(message)
    reporter.finish()
    return target


def _show_index(path: Path, watch: _Watch, inputs: Sequence[str]) -> None:
    """An archive that grew shows what it held at once, while its new files are parsed: the
    index at `path` as a library for `watch.interim` (read as a reopen reads it, nothing per
    post; checked first unless its check mark vouches for it), else its posts for
    `watch.seen`, in reading order with their texts."""
    if watch.seen is None and watch.interim is None:
        return
    conn = sqlite3.connect(f"file:{path}?mode=ro", uri=True, check_same_thread=False)
    handed = False
    try:
        checked = is_checked(path)
        # No path: a damaged page shows as such and is dealt with when merged, not deleted
        index = _load(conn, None, dict(conn.execute("SELECT key, value FROM meta")),
                      verify=not checked)  # fmt: skip
        if watch.interim is None:
            watch.tell_all(Library(index))
        elif checked or _damage(path, len(index.heads)) is None:
            watch.seen = None  # the new files' posts come with the library built
            watch.told = handed = True
            watch.interim(Library(index, inputs))  # it holds the connection from now on
    except (sqlite3.DatabaseError, ValueError, TypeError, KeyError, EOFError):
        pass
    finally:
        if not handed:
            conn.close()


@dataclass(slots=True)
class _Appendable:
    """What an archive index keeps so files can be appended to it."""

    keys: list[str]
    posts: int
    records: int
    last: SortKey
    chats: dict[str, list[str]]
    warnings: list[str]


def _appendable(target: Path) -> _Appendable | None:
    """What the archive index at `target` says about itself, or None (no such index, another
    schema, anything unreadable: it is merged from scratch then, and checked when opened)."""
    if not target.is_file():
        return None
    try:
        conn = sqlite3.connect(f"file:{target}?mode=ro", uri=True)
    except sqlite3.Error:
        return None
    try:
        meta = dict(conn.execute("SELECT key, value FROM meta"))
        if meta.get("schema") != SCHEMA_VERSION:
            return None
        last = tuple(json.loads(meta["last"]))
        return _Appendable(
            keys=list(json.loads(meta["fingerprint"])["segments"]), posts=int(meta["posts"]),
            records=int(meta["records"]), last=(int(last[0]), int(last[1]), int(last[2]),
                                                str(last[3])),
            chats=json.loads(meta["chats"]),
            warnings=[m for (m,) in conn.execute("SELECT message FROM warnings ORDER BY n")],
        )  # fmt: skip
    except (sqlite3.Error, ValueError, TypeError, KeyError, IndexError, EOFError):
        return None
    finally:
        conn.close()


class _Reporter:
    """Turns 'post N of this file started at line L' into progress over the inputs' bytes."""

    def __init__(self, dumps: Sequence[Dump], progress: Progress | None) -> None:
        self.progress = progress
        self.sizes = [d.path.stat().st_size for d in dumps]
        self.total = sum(self.sizes)
        self.before = 0
        self.lines = 1
        self.size = 0
        self.last = 0.0

    def start(self, dump: Dump, number: int) -> None:
        self.before = sum(self.sizes[:number])
        self.size = self.sizes[number]
        self.lines = _estimate_lines(dump.path, self.size) if self.progress else 1
        self.report(self.before)

    def at_line(self, line: int) -> None:
        now = time.monotonic()
        if self.progress is None or now - self.last < PROGRESS_EVERY_S:
            return
        self.last = now
        self.report(self.before + self.size * min(line, self.lines) // max(self.lines, 1))

    def report(self, done_bytes: int) -> None:
        if self.progress is not None:
            self.progress(int(done_bytes * PARSE_SHARE), self.total)

    def done(self, number: int) -> None:
        """File `number` was parsed elsewhere (a worker process): progress past it."""
        self.report(sum(self.sizes[: number + 1]))

    def finish(self) -> None:
        if self.progress is not None:
            self.progress(self.total, self.total)


def _estimate_lines(path: Path, size: int) -> int:
    """The file's lines, from its first MiB: counting them all would read a 300 MB file once
    more before its first post can be shown."""
    with path.open("rb") as fh:
        head = fh.read(1 << 20)
    if not head:
        return 1
    return max(1, head.count(b"\n") * max(size, len(head)) // len(head)) + 1


def _read_dump(conn: sqlite3.Connection, dump: Dump, number: int, bodies: int, warn: Warn,
               reporter: _Reporter, watch: _Watch) -> Iterator[tuple[Any, ...]]:  # fmt: skip
    """Parse one dump; its records, placed (`encode_placed` tuples), in merge order, read as
    the segment's records are written. Texts go to the segment as they stream in, the rest to
    a temporary table a chunk at a time: only each record's date (shared with equal ones)
    stays in memory for the dates pass, which needs a record's neighbours. Batches are shown
    to `watch.seen` (with their texts); a cancel is noticed at every post."""
    from tui.dates import date_bounds, date_from_opening, infer_years  # a build's only

    watch.check()
    reporter.start(dump, number)
    seen: list[Post] = []
    seen_size = FIRST_SEEN
    shared: dict[PostDate, PostDate] = {}
    text_dates: list[PostDate | None] = []
    batch: list[tuple[int, str]] = []
    staged: list[tuple[Any, ...]] = []
    stamped = True  # every record has a real timestamp
    conn.execute("CREATE TEMP TABLE IF NOT EXISTS staged(n INTEGER PRIMARY KEY, data BLOB)")
    conn.execute("DELETE FROM temp.staged")
    for raw in iter_raw_posts(dump, warn):
        text = "\n".join(raw.lines)
        batch.append((bodies + len(text_dates) + 1, text))
        if len(batch) >= BATCH:
            conn.executemany("INSERT INTO texts(rowid, text) VALUES (?, ?)", batch)
            batch = []
        watch.check()
        found = identify(raw, text)
        date = raw.date if raw.date is not None or raw.datetime else date_from_opening(raw.lines)
        text_dates.append(date if date is None else shared.setdefault(date, date))
        stamped = stamped and bool(raw.datetime)
        # Encoded as it is kept (the post itself is built only for `seen`)
        staged.append((found.text_id, found.legacy_id,
                       encode_record(found.id, found.title, found.hashtags, raw)))
        if len(staged) >= CHUNK:
            conn.execute("INSERT INTO temp.staged(data) VALUES (?)", (marshal.dumps(staged),))
            staged = []
        reporter.at_line(raw.origin.line)
        if watch.seen is not None:
            seen.append(Post(
                id=found.id, source=raw.source, title=found.title, text=text, date=date,
                hashtags=found.hashtags, media=raw.media, links=raw.links,
                origins=(raw.origin,), channel=raw.channel, datetime=raw.datetime,
                message_id=raw.message_id, chat=raw.chat, url=raw.url, sender=raw.sender,
                author=raw.author, views=raw.views,
            ))  # fmt: skip
            if len(seen) >= seen_size:
                watch.tell(seen)
                seen, seen_size = [], min(seen_size * 4, BATCH)
    if batch:
        conn.executemany("INSERT INTO texts(rowid, text) VALUES (?, ?)", batch)
    if staged:
        conn.execute("INSERT INTO temp.staged(data) VALUES (?)", (marshal.dumps(staged),))
    del staged, shared
    watch.tell(seen)
    watch.check()
    dates = infer_years(text_dates)
    del text_dates
    bounds = date_bounds(dates)
    if stamped and dates and not _in_order(key for key, _, _ in _keyed(conn, dates, bounds)):
        # Real timestamps (an account export holds several chats one after another):
        # order by time, so the merge across files can rely on each file's order.
        return _sorted(conn, _placed(conn, bodies, dates, bounds))
    return _placed(conn, bodies, dates, bounds)


def _staged(conn: sqlite3.Connection) -> Iterator[tuple[Any, ...]]:
    """The records `_read_dump` put aside, in file order."""
    for (data,) in conn.execute("SELECT data FROM temp.staged ORDER BY n"):
        yield from marshal.loads(data)


def _keyed(conn: sqlite3.Connection, dates: Sequence[PostDate | None],
           bounds: Sequence[tuple[str | None, str | None] | None],
           ) -> Iterator[tuple[SortKey, tuple[Any, ...], PostDate | None]]:  # fmt: skip
    """The staged records in file order with their sort keys and final dates: a record's key
    is its own date (and time), else that of the nearest dated record before it (undated
    records at the very start: the first dated one after them)."""
    carried: SortKey = (0, 0, 0, "")
    for record, date, bound in zip(_staged(conn), dates, bounds, strict=True):
        if date is not None and date.year is None:
            date = None  # a day and month with no year anywhere near: honestly undated
        if date is not None:
            carried = (*date.sort_key(), record[2][POST_STAMP] or "")
            yield carried, record, date
        elif bound is not None and bound[0] is not None:
            carried = (*PostDate.from_iso(bound[0]).sort_key(), carried[3])
            yield carried, record, date
        elif bound is not None and bound[1] is not None:
            # Undated posts that open a file belong just before its first dated post, not
            # before everything in every other file.
            yield (*PostDate.from_iso(bound[1]).sort_key(), ""), record, date
        else:
            yield carried, record, date


def _placed(conn: sqlite3.Connection, bodies: int, dates: Sequence[PostDate | None],
            bounds: Sequence[tuple[str | None, str | None] | None],
            ) -> Iterator[tuple[Any, ...]]:  # fmt: skip
    """The staged records with their dates, bounds and sort keys, in file order, as
    `encode_placed` gives them (never built as posts: written as they are)."""
    keyed = zip(_keyed(conn, dates, bounds), bounds, strict=True)
    for offset, ((key, (text_id, legacy_id, encoded), date), bound) in enumerate(keyed):
        post = list(encoded)
        if date is not None:
            post[POST_DATE] = (date.year, date.month, date.day, date.year_inferred)
        post[POST_BOUNDS] = bound
        yield (key, bodies + offset + 1, text_id, legacy_id, *post)
    conn.execute("DROP TABLE temp.staged")


def _in_order(keys: Iterable[SortKey]) -> bool:
    previous: SortKey | None = None
    for key in keys:
        if previous is not None and key < previous:
            return False
        previous = key
    return True


def _sorted(conn: sqlite3.Connection, records: Iterator[tuple[Any, ...]],
            ) -> Iterator[tuple[Any, ...]]:  # fmt: skip
    """`encode_placed` records in the order of their keys (stable), sorted on disk by SQLite:
    the order of Python's `sorted` (integers by value; timestamps as UTF-8, whose bytes sort
    as the characters do)."""
    conn.execute("CREATE TEMP TABLE sorting(y, m, d, stamp BLOB, seq INTEGER, data BLOB)")
    rows: list[tuple[Any, ...]] = []
    for seq, record in enumerate(records):
        y, m, d, stamp = record[0]
        rows.append((y, m, d, stamp.encode("utf-8", "surrogatepass"), seq,
                     marshal.dumps(record)))  # fmt: skip
        if len(rows) >= BATCH:
            conn.executemany("INSERT INTO temp.sorting VALUES (?, ?, ?, ?, ?, ?)", rows)
            rows = []
    conn.executemany("INSERT INTO temp.sorting VALUES (?, ?, ?, ?, ?, ?)", rows)
    for (data,) in conn.execute("SELECT data FROM temp.sorting ORDER BY y, m, d, stamp, seq"):
        yield marshal.loads(data)
    conn.execute("DROP TABLE temp.sorting")


@dataclass(slots=True)
class _Merged:
    """What a merge met besides its posts (those are in its `IndexState`): the greatest sort
    key and the number of records merged in all (`records`: the archive's last text number)."""

    last: SortKey
    records: int


def _merge(placed: Iterable[Placed], titles: dict[str, str], state: IndexState,
           watch: _Watch) -> _Merged:  # fmt: skip
    """Posts in reading order (`placed`: the files' records interleaved by date, each file in
    its own order, `tui.segments.in_merge_order`), records of
    one post folded by `tui.identity.Merger` into `state`, with the old ids (`legacy_id`) of
    their records, for moving old bookmarks and notes. `titles`: the chat ids adopted for
    chat titles (`tui.identity.adopted_chats`). When `state` starts after the posts already
    in an index, these posts are appended after those; a record that could fold into one of
    them raises _NotAppendable."""
    merger = Merger(state)
    last: SortKey = (0, 0, 0, "")
    records = 0
    for n, item in enumerate(placed):
        if n % BATCH == 0:
            watch.check()
        records = max(records, item.body)
        if item.key > last:
            last = item.key
        post = item.post
        alias: str | None = None
        if post.chat is None and post.message_id is not None and post.channel in titles:
            alias = post.id  # its id when its HTML export was opened alone
            post = with_chat(post, titles[post.channel])
        if state.could_fold(post, item.text_id):
            raise _NotAppendable(post.id)
        at, new = merger.add(post, item.text_id)
        if new:
            state.keep(at, item.body)
        state.note_legacy(at, item.legacy_id)
        if alias is not None:
            state.note_legacy(at, alias)
    watch.check()
    return _Merged(last, records)


_json = json.JSONEncoder(ensure_ascii=False).encode  # `json.dumps(…, ensure_ascii=False)`,
# without building an encoder for every call


def _write_posts(conn: sqlite3.Connection, posts: list[tuple[Any, ...]], kept: list[int],
                 start: int) -> None:  # fmt: skip
    """The rows of `posts` (as `encode_post` gives them) from position `start` on."""
    iso = _iso_of

    def rows() -> Iterator[tuple[object, ...]]:
        for pos, (post, body) in enumerate(zip(posts, kept, strict=True), start=start):
            (pid, source, title, date, bounds, tags, media, links, origins, channel, stamp,
             message_id, chat, url, sender, author, views) = post
            yield (
                pos, pid, source, channel, title, iso(date),
                int(_inferred(date)), int(bounds is not None),
                bounds[0] if bounds else None, bounds[1] if bounds else None,
                join_tags(tags), int(media is not None), stamp,
                _json(links) if links else "[]",  # [[text, url], …]: tuples are JSON lists
                _json(origins),  # [[path, line], …]
                body, message_id, chat, url, sender, author,
                None if media is None else _json(media), views,  # `media_to_row`'s form
            )  # fmt: skip

    conn.executemany(f"INSERT INTO posts VALUES ({', '.join('?' * 23)})", rows())


__all__ = ["SCHEMA_VERSION", "Cancelled", "open_library"]
