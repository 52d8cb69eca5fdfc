"""A persistent index of an archive, so large archives open in seconds and reopen at once.

`open_library()` is the one entry point for the app and the CLI. The first open streams the
inputs, post by post, into an SQLite file in the cache folder; later opens read that file
instead of parsing again, for as long as every input keeps its path, size and modification
time and the parsers keep their version. The file is only a cache: a stale, foreign, truncated
or damaged one is deleted and built again, never trusted and never a crash.

In memory stays what filtering and the post list need (id, title, date, bounds, tags, media
flag, source). A post's text, links and places are read from SQLite when the post is shown,
through a small LRU; search runs on an FTS5 index (case- and accent-insensitive, each word a
prefix, every word required). No Textual here.

Schema (SCHEMA_VERSION):
    meta(key, value)          schema, fingerprint (inputs, sizes, mtimes, parser version)
    posts(pos, id, …, body)   one row per post in reading order; `body` -> texts.rowid
    texts(rowid, text)        every copy's text, written while the inputs stream in
    search                    FTS5, contentless, rowid = pos, columns text and source
    warnings(n, message)      what the parsers said, replayed on every reopen
    heads(n, data)            the posts' heads, marshalled: one read instead of 100,000 rows
    facets(name, data)        the date tree and month counts, computed once at build time
"""

from __future__ import annotations

import hashlib
import heapq
import json
import marshal
import os
import re
import sqlite3
import threading
import time
import unicodedata
import uuid
from collections import OrderedDict
from collections.abc import Callable, Iterable, Iterator, Sequence
from dataclasses import dataclass, replace
from pathlib import Path
from typing import Any

from tui.dates import date_bounds, date_from_opening, infer_years
from tui.identity import identity
from tui.ingest import PARSER_VERSION, Dump, IngestError, Warn, find_dumps, iter_raw_posts
from tui.library import DateNode, Library, query_words
from tui.model import Link, Media, Origin, Post, PostDate

#: Bump when the tables change: older index files are rebuilt.
SCHEMA_VERSION = "5"

Progress = Callable[[int, int], None]
SortKey = tuple[int, int, int, str]

#: Share of the progress bar the parse takes; the search index takes the rest.
PARSE_SHARE = 0.9
TEXT_CACHE = 512
BLOCK = 32
BATCH = 1000
_TOKEN = re.compile(r"[^\W_]+")
_TAG_SEP = "\x1f"

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
    media TEXT
);
CREATE TABLE warnings(n INTEGER PRIMARY KEY, message TEXT NOT NULL);
CREATE TABLE heads(n INTEGER PRIMARY KEY, data BLOB NOT NULL);
CREATE TABLE facets(name TEXT PRIMARY KEY, data BLOB NOT NULL);
CREATE VIRTUAL TABLE search USING fts5(
    text, source, content='', columnsize=0, detail=none,
    tokenize='unicode61 remove_diacritics 2'
);
INSERT INTO meta VALUES ('schema', '{SCHEMA_VERSION}');
"""


# -- the entry point ------------------------------------------------------------------------------
def open_library(
    paths: Sequence[Path],
    warn: Warn,
    progress: Progress | None = None,
    cache: Path | None = None,
) -> Library:
    """The library of the named files and folders, from the cache when it is still valid.

    `warn` receives every warning, on a reopen too (they are kept in the index). `progress`
    is called now and then with `(done_bytes, total_bytes)` while an index is built (never on
    a reopen): the parse moves it to 90% of the inputs' size, the search index to 100%.
    `cache` is the folder for index files (default `tui.paths.cache_dir()`).
    Raises IngestError on a fatal input, as `tui.assemble.load_posts` does.
    """
    if cache is None:
        from tui.paths import cache_dir

        cache = cache_dir()
    inputs = [str(Path(p).resolve()) for p in paths]
    dumps = [dump for path in paths for dump in find_dumps(Path(path), warn)]
    fingerprint = _fingerprint(dumps)
    target = cache / f"index-{_archive_name(inputs)}.sqlite"
    opened = _open_index(target, fingerprint)
    if opened is None:
        try:
            cache.mkdir(parents=True, exist_ok=True)
            built = _build(dumps, target, fingerprint, warn, progress, paths)
        except OSError as exc:  # a read-only or full cache folder: read into memory instead
            from tui.assemble import load_posts

            warn(f"{cache}: cannot keep an index here ({exc.strerror or exc}); "
                 "reading without one")  # fmt: skip
            return Library(load_posts(paths, warn), inputs)
        opened = _open_index(built, fingerprint)
        if opened is None:  # pragma: no cover - a file we just wrote and closed
            raise IngestError(built, "the index just built cannot be read back")
    else:
        for message in opened.warnings:
            warn(message)
    return IndexedLibrary(opened, inputs)


def _archive_name(inputs: Sequence[str]) -> str:
    return hashlib.blake2b("\n".join(sorted(inputs)).encode("utf-8"), digest_size=8).hexdigest()


def _fingerprint(dumps: Sequence[Dump]) -> str:
    """What the index was built from: any change here means it must be built again."""
    files = []
    for dump in dumps:
        stat = dump.path.stat()
        # The path as named too: posts remember their places in the spelling the user gave.
        files.append([str(dump.path.resolve()), str(dump.path), dump.kind, stat.st_size,
                      stat.st_mtime_ns])  # fmt: skip
    return json.dumps({"schema": SCHEMA_VERSION, "parser": PARSER_VERSION, "files": files},
                      ensure_ascii=False, separators=(",", ":"))  # fmt: skip


# -- opening an index -----------------------------------------------------------------------------
@dataclass(slots=True)
class _Opened:
    conn: sqlite3.Connection
    path: Path
    heads: _Heads
    warnings: list[str]
    facets: dict[str, Any]


@dataclass(slots=True)
class _Heads:
    """Every post without its text, links or places, one list per field: what filters, facets
    and the list need. Equal values share one object (dates, sources, tag tuples)."""

    ids: list[str]
    titles: list[str]
    sources: list[str | None]
    channels: list[str | None]
    dates: list[PostDate | None]
    bounds: list[tuple[str | None, str | None] | None]
    tags: list[tuple[str, ...]]
    media: list[bool]


def _open_index(path: Path, fingerprint: str) -> _Opened | None:
    """The index at `path` if it is whole and built from these inputs; None otherwise.

    Anything wrong with the file (garbage, cut short, another schema, stale) deletes it; the
    caller builds a new one. Only the small tables are read here, so a reopen stays fast.
    """
    if not path.is_file():
        return None
    conn: sqlite3.Connection | None = None
    try:
        expected = path.stat().st_size
        conn = sqlite3.connect(f"file:{path}?mode=ro", uri=True, check_same_thread=False)
        pages, page_size = (conn.execute("PRAGMA page_count").fetchone()[0],
                            conn.execute("PRAGMA page_size").fetchone()[0])  # fmt: skip
        if pages * page_size != expected:  # cut short (or grown) behind SQLite's back
            raise sqlite3.DatabaseError("index file size does not match its page count")
        meta = dict(conn.execute("SELECT key, value FROM meta"))
        if meta.get("schema") != SCHEMA_VERSION or meta.get("fingerprint") != fingerprint:
            conn.close()
            _remove(path)
            return None
        heads = _read_heads(conn)
        if str(len(heads.ids)) != meta.get("posts"):
            raise sqlite3.DatabaseError("index holds fewer posts than it says")
        warnings = [m for (m,) in conn.execute("SELECT message FROM warnings ORDER BY n")]
        facets = {name: marshal.loads(data) for name, data in conn.execute("SELECT * FROM facets")}
        if set(facets) != {"date_tree", "month_counts"}:
            raise sqlite3.DatabaseError("index lacks its facets")
    except (sqlite3.DatabaseError, ValueError, TypeError, KeyError, EOFError):
        if conn is not None:
            conn.close()
        _remove(path)
        return None
    return _Opened(conn, path, heads, warnings, facets)


def _remove(path: Path) -> None:
    try:
        path.unlink()
    except FileNotFoundError:
        pass


def _read_heads(conn: sqlite3.Connection) -> _Heads:
    """The heads, from a few marshalled blobs: no Post is built until one is shown."""
    heads = _Heads([], [], [], [], [], [], [], [])
    isos: list[str | None] = []
    inferred: list[bool] = []
    for (data,) in conn.execute("SELECT data FROM heads ORDER BY n"):
        columns: tuple[list[Any], ...] = (heads.ids, heads.titles, heads.sources,
                                          heads.channels, isos, inferred, heads.bounds,
                                          heads.tags, heads.media)  # fmt: skip
        for column, values in zip(columns, marshal.loads(data), strict=True):
            column.extend(values)
    dates: dict[tuple[str, bool], PostDate] = {}
    for iso, guessed in zip(isos, inferred, strict=True):
        if iso is None:
            heads.dates.append(None)
            continue
        date = dates.get((iso, guessed))
        if date is None:
            date = dates[(iso, guessed)] = PostDate.from_iso(iso, guessed)
        heads.dates.append(date)
    if len({len(column) for column in (heads.ids, heads.titles, heads.sources, heads.channels,
                                       heads.dates, heads.bounds, heads.tags,
                                       heads.media)}) != 1:  # fmt: skip
        raise sqlite3.DatabaseError("index heads do not line up")
    return heads


def _write_heads(conn: sqlite3.Connection, posts: Sequence[Post]) -> None:
    """The heads as marshalled columns in chunks (equal strings and tuples stored once)."""
    shared: dict[object, Any] = {}
    chunk = 20_000
    for n, start in enumerate(range(0, len(posts), chunk)):
        part = posts[start : start + chunk]
        columns = (
            [post.id for post in part],
            [post.title for post in part],
            [shared.setdefault(post.source, post.source) for post in part],
            [shared.setdefault(post.channel, post.channel) for post in part],
            [post.date_iso() for post in part],
            [post.date_inferred for post in part],
            [post.date_bounds for post in part],
            [shared.setdefault(post.hashtags, post.hashtags) for post in part],
            [post.has_media for post in part],
        )
        conn.execute("INSERT INTO heads VALUES (?, ?)", (n, marshal.dumps(columns)))


# -- the library on an index ----------------------------------------------------------------------
class IndexedLibrary(Library):
    """A Library whose posts' texts stay on disk until shown, and whose search is FTS5.

    Same public API as Library. Search differs in one way the reader may notice: a query word
    matches the start of a word (`lavr` finds Lavrov), not a fragment inside one (`avrov`
    does not); words of symbols only (emoji, punctuation) still match anywhere.
    """

    def __init__(self, opened: _Opened, inputs: Iterable[str]) -> None:
        super().__init__((), inputs)
        heads = self._heads = opened.heads
        self._set_heads(heads.ids, heads.dates, heads.bounds, heads.tags)
        self._conn = opened.conn
        self.index_path = opened.path
        self._lock = threading.Lock()
        self._full: OrderedDict[int, Post] = OrderedDict()
        self._date_tree = opened.facets["date_tree"]
        self._month_counts = opened.facets["month_counts"]

    def date_tree(self) -> list[DateNode]:
        """As Library.date_tree(), computed when the index was built (a fresh copy)."""
        return [_node(encoded) for encoded in self._date_tree]

    def month_counts(self) -> list[tuple[str, int]]:
        return [(month, count) for month, count in self._month_counts]

    def title_of(self, index: int) -> str:
        return self._heads.titles[index]

    def tags_of(self, index: int) -> tuple[str, ...]:
        return self._heads.tags[index]

    def __getitem__(self, index: int) -> Post:
        if index < 0:
            index += len(self._ids)
        post = self._full.get(index)
        if post is not None:
            self._full.move_to_end(index)
            return post
        if not 0 <= index < len(self._ids):
            raise IndexError("library index out of range")
        # Read the block around it: the list shows neighbours, and a walk over every post
        # (export, a scan by id) costs one query per block instead of one per post.
        start = index - index % BLOCK
        for at, post in self._read(start, min(start + BLOCK, len(self._ids))):
            self._full[at] = post
            self._full.move_to_end(at)
        while len(self._full) > TEXT_CACHE:
            self._full.popitem(last=False)
        return self._full[index]

    def __iter__(self) -> Iterator[Post]:
        """Every post in reading order, read from disk in batches (for export)."""
        for start in range(0, len(self._ids), BATCH):
            for _at, post in self._read(start, min(start + BATCH, len(self._ids))):
                yield post

    def _read(self, start: int, stop: int) -> Iterator[tuple[int, Post]]:
        """Posts [start, stop) whole; a post whose text cannot be read says so in its text."""
        rows = self._fetch_all(
            "SELECT p.pos, t.text, p.links, p.origins, p.datetime, p.message_id, p.chat, "
            "p.url, p.sender, p.author, p.media FROM posts p "
            "JOIN texts t ON t.rowid = p.body WHERE p.pos >= ? AND p.pos < ? ORDER BY p.pos",
            (start, stop),
        )
        found = {row[0]: row[1:] for row in rows}
        for at in range(start, stop):
            row = found.get(at)
            yield at, self._post(at, row if row else _DAMAGED_ROW)

    def _post(self, at: int, row: Sequence[object]) -> Post:
        """The whole post: its head plus what was read from disk."""
        text, links, origins, stamp, message_id, chat, url, sender, author, media = row
        assert isinstance(text, str) and isinstance(links, str) and isinstance(origins, str)
        heads = self._heads
        return Post(
            id=heads.ids[at],
            source=heads.sources[at],
            title=heads.titles[at],
            text=text,
            date=heads.dates[at],
            date_bounds=heads.bounds[at],
            hashtags=heads.tags[at],
            media=_media_from(media) if heads.media[at] else None,
            links=tuple(Link(t, u) for t, u in json.loads(links)) if links != "[]" else (),
            origins=tuple(Origin(p, n) for p, n in json.loads(origins)),
            channel=heads.channels[at],
            datetime=stamp if isinstance(stamp, str) else None,
            message_id=message_id if isinstance(message_id, int) else None,
            chat=_text_or_none(chat),
            url=_text_or_none(url),
            sender=_text_or_none(sender),
            author=_text_or_none(author),
        )

    def search(self, query: str, within: Iterable[int] | None = None) -> list[int]:
        """Posts holding every word of the query (each a word prefix), in reading order."""
        if not query_words(query):
            return list(range(len(self._ids))) if within is None else list(within)
        terms: list[str] = []
        symbols: list[str] = []
        for word in unicodedata.normalize("NFC", query).split():
            # Not folded here: FTS5 folds case and Latin accents the same way on both sides,
            # and folding Cyrillic й to и would miss every 'Сергей' in the index.
            tokens = _TOKEN.findall(_yo(word))
            if tokens:
                terms.append(" AND ".join(f'"{token}"*' for token in tokens))
            else:
                symbols.append(word)
        if terms:
            rows = self._fetch_all("SELECT rowid FROM search WHERE search MATCH ? ORDER BY rowid",
                                   (" AND ".join(terms),))  # fmt: skip
        else:
            rows = [(i,) for i in range(len(self._ids))]
        hits: list[int] = [pos for (pos,) in rows]
        if symbols:  # emoji and punctuation have no case or accents: a plain substring test
            clause = " AND ".join("instr(t.text || char(10) || ifnull(p.source, ''), ?) > 0"
                                  for _ in symbols)  # fmt: skip
            found = self._fetch_all(f"SELECT p.pos FROM posts p JOIN texts t ON t.rowid = p.body "
                                    f"WHERE {clause}", tuple(symbols))  # fmt: skip
            keep = {pos for (pos,) in found}
            hits = [pos for pos in hits if pos in keep]
        if within is None:
            return hits
        allowed = within if isinstance(within, (set, frozenset)) else set(within)
        return [pos for pos in hits if pos in allowed]

    def close(self) -> None:
        with self._lock:
            self._conn.close()

    def _fetch_all(self, sql: str, args: tuple[object, ...]) -> list[tuple[Any, ...]]:
        """Rows of a query; a damaged index answers nothing and is deleted, to be rebuilt on
        the next open (the posts already in memory stay usable)."""
        with self._lock:
            try:
                return self._conn.execute(sql, args).fetchall()
            except sqlite3.DatabaseError:
                _remove(self.index_path)
                return []


def _encode_node(node: DateNode) -> tuple[Any, ...]:
    return (node.period, node.label, node.count,
            [(key, _encode_node(child)) for key, child in node.children.items()])  # fmt: skip


def _node(encoded: Sequence[Any]) -> DateNode:
    period, label, count, children = encoded
    return DateNode(period, label, count, {key: _node(child) for key, child in children})


def _yo(text: str) -> str:
    """Russian writes ё as е as often as not; FTS5 keeps them apart, so both sides fold it."""
    return text.replace("ё", "е").replace("Ё", "Е")


def _sql_yo(expression: str) -> str:
    return f"replace(replace({expression}, 'ё', 'е'), 'Ё', 'Е')"


_DAMAGED = "(This post's text could not be read: the index is damaged. Reopen to rebuild it.)"
_DAMAGED_ROW = (_DAMAGED, "[]", "[]", None, None, None, None, None, None, None)


def _text_or_none(value: object) -> str | None:
    return value if isinstance(value, str) else None


def _media_to(media: Media | None) -> str | None:
    return None if media is None else json.dumps([media.kind, media.file, media.present],
                                                 ensure_ascii=False)  # fmt: skip


def _media_from(stored: object) -> Media:
    """A post's media as stored; a row that lost it still says there was something."""
    try:
        kind, named, present = json.loads(stored) if isinstance(stored, str) else [None] * 3
    except ValueError:
        return Media("media")
    if not isinstance(kind, str):
        return Media("media")
    return Media(kind, named if isinstance(named, str) else None, present is True)


# -- building an index ----------------------------------------------------------------------------
# A placed copy: its sort key, the post without its text, and the rowid of its text on disk.
Placed = tuple[SortKey, Post, int]


def _build(dumps: Sequence[Dump], target: Path, fingerprint: str, warn: Warn,
           progress: Progress | None, named: Sequence[Path]) -> Path:  # fmt: skip
    """Stream the dumps into a new index beside `target`, then move it into place.

    The file is written under a temporary name with no journal and no syncs (fast), and only
    renamed to `target` once complete, so a kill mid-build leaves no index to trust.
    """
    _sweep_temporaries(target)
    temp = target.with_name(f".{target.name}.{os.getpid()}-{uuid.uuid4().hex[:8]}.tmp")
    conn = sqlite3.connect(temp, isolation_level=None)
    try:
        conn.executescript("PRAGMA journal_mode=OFF; PRAGMA synchronous=OFF; "
                           "PRAGMA cache_size=-16384;")  # fmt: skip
        conn.executescript(_SCHEMA)
        conn.execute("BEGIN")
        said: list[str] = []

        def tell(message: str) -> None:
            said.append(message)
            warn(message)

        per_file: list[list[Placed]] = []
        reporter = _Reporter(dumps, progress)
        bodies = 0
        for number, dump in enumerate(dumps):
            placed = _read_dump(conn, dump, number, bodies, tell, reporter)
            bodies += len(placed)
            if not placed:
                if any(dump.path == Path(p) for p in named):
                    raise IngestError(dump.path, "holds no posts")
                tell(f"{dump.path}: holds no posts (skipped)")
                continue
            if all(post.datetime for _key, post, _body in placed):
                placed.sort(key=lambda item: item[0])  # as load_posts: exports go by time
            per_file.append(placed)
        if not per_file:
            raise IngestError(named[0] if named else ".", "holds no posts")
        posts, kept = _merge(per_file)
        _write_posts(conn, posts, kept, bodies)
        _write_heads(conn, posts)
        facts = Library(posts)
        conn.executemany("INSERT INTO facets VALUES (?, ?)", [
            ("date_tree", marshal.dumps([_encode_node(n) for n in facts.date_tree()])),
            ("month_counts", marshal.dumps(facts.month_counts())),
        ])  # fmt: skip
        conn.executemany("INSERT INTO warnings(message) VALUES (?)", ((m,) for m in said))
        text, source = _sql_yo("t.text"), _sql_yo("ifnull(p.source, '')")
        conn.execute(f"INSERT INTO search(rowid, text, source) SELECT p.pos, {text}, {source} "
                     "FROM posts p JOIN texts t ON t.rowid = p.body")  # fmt: skip
        conn.execute("INSERT INTO search(search) VALUES ('optimize')")
        conn.executemany("INSERT INTO meta VALUES (?, ?)",
                         [("fingerprint", fingerprint), ("posts", str(len(posts)))])  # fmt: skip
        conn.execute("COMMIT")
        conn.close()
        reporter.finish()
        try:
            os.replace(temp, target)
        except OSError:  # another process holds the old file open (Windows): use ours as is
            return temp
        return target
    except BaseException:
        conn.close()
        _remove(temp)
        raise


def _sweep_temporaries(target: Path) -> None:
    """Delete half-built indexes of this archive left by killed runs (an hour old or more)."""
    cutoff = time.time() - 3600
    for leftover in target.parent.glob(f".{target.name}.*.tmp"):
        try:
            if leftover.stat().st_mtime < cutoff:
                leftover.unlink()
        except OSError:
            pass


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
        self.lines = _count_lines(dump.path) if self.progress else 1
        self.report(self.before)

    def at_line(self, line: int) -> None:
        now = time.monotonic()
        if self.progress is None or now - self.last < 0.05:
            return
        self.last = now
        self.report(self.before + self.size * min(line, self.lines) // max(self.lines, 1))

    def report(self, done_bytes: int) -> None:
        if self.progress is not None:
            self.progress(int(done_bytes * PARSE_SHARE), self.total)

    def finish(self) -> None:
        if self.progress is not None:
            self.progress(self.total, self.total)


def _count_lines(path: Path) -> int:
    lines = 1
    with path.open("rb") as fh:
        while chunk := fh.read(1 << 20):
            lines += chunk.count(b"\n")
    return lines


def _read_dump(conn: sqlite3.Connection, dump: Dump, number: int, bodies: int, warn: Warn,
               reporter: _Reporter) -> list[Placed]:  # fmt: skip
    """One dump's posts in file order, placed: texts go to disk as they stream in, the rest
    stays in memory for the dates pass.

    Mirrors `tui.assemble.file_posts`, post by post instead of on a list of whole posts
    (tests hold the two to the same output).
    """
    reporter.start(dump, number)
    heads: list[Post] = []
    text_dates: list[PostDate | None] = []
    batch: list[tuple[int, str]] = []
    for raw in iter_raw_posts(dump, warn):
        text = "\n".join(raw.lines)
        batch.append((bodies + len(heads) + 1, text))
        if len(batch) >= BATCH:
            conn.executemany("INSERT INTO texts(rowid, text) VALUES (?, ?)", batch)
            batch = []
        pid, tags, title = identity(raw, text)
        text_dates.append(
            raw.date if raw.date is not None or raw.datetime else date_from_opening(raw.lines)
        )
        heads.append(Post(
            id=pid, source=raw.source, title=title, text="", date=None, hashtags=tags,
            media=raw.media, links=raw.links,
            origins=(raw.origin,), channel=raw.channel, datetime=raw.datetime,
            message_id=raw.message_id, chat=raw.chat, url=raw.url, sender=raw.sender,
            author=raw.author,
        ))  # fmt: skip
        reporter.at_line(raw.origin.line)
    if batch:
        conn.executemany("INSERT INTO texts(rowid, text) VALUES (?, ?)", batch)
    dates = infer_years(text_dates)
    bounds = date_bounds(dates)
    out: list[Placed] = []
    carried: SortKey = (0, 0, 0, "")
    for offset, (head, date, bound) in enumerate(zip(heads, dates, bounds, strict=True)):
        body = bodies + offset + 1
        if date is not None and date.year is None:
            date = None  # a day and month with no year anywhere near: honestly undated
        post = replace(head, date=date, date_bounds=bound)
        own = (*date.sort_key(), head.datetime or "") if date is not None else None
        if own is not None:
            carried = own
        elif bound is not None and bound[0] is not None:
            carried = (*PostDate.from_iso(bound[0]).sort_key(), carried[3])
        elif bound is not None and bound[1] is not None:
            out.append(((*PostDate.from_iso(bound[1]).sort_key(), ""), post, body))
            continue
        out.append((own or carried, post, body))
    return out


def _merge(per_file: list[list[Placed]]) -> tuple[list[Post], list[int]]:
    """Posts in reading order with the text each keeps, copies folded into the first by
    `tui.identity.combine` (as `tui.assemble.merge` does)."""
    from tui.identity import combine

    first: dict[str, int] = {}
    posts: list[Post] = []
    kept: list[int] = []
    for _key, post, body in heapq.merge(*per_file, key=lambda item: item[0]):
        at = first.get(post.id)
        if at is None:
            first[post.id] = len(posts)
            posts.append(post)
            kept.append(body)
            continue
        posts[at] = combine(posts[at], post)
    return posts, kept


def _write_posts(conn: sqlite3.Connection, posts: list[Post], kept: list[int],
                 bodies: int) -> None:  # fmt: skip
    def rows() -> Iterator[tuple[object, ...]]:
        for pos, (post, body) in enumerate(zip(posts, kept, strict=True)):
            bounds = post.date_bounds
            yield (
                pos, post.id, post.source, post.channel, post.title, post.date_iso(),
                int(post.date_inferred), int(bounds is not None),
                bounds[0] if bounds else None, bounds[1] if bounds else None,
                _TAG_SEP.join(post.hashtags), int(post.has_media), post.datetime,
                json.dumps([[link.text, link.url] for link in post.links], ensure_ascii=False),
                json.dumps([[o.path, o.line] for o in post.origins], ensure_ascii=False),
                body, post.message_id, post.chat, post.url, post.sender, post.author,
                _media_to(post.media),
            )  # fmt: skip

    conn.executemany(f"INSERT INTO posts VALUES ({', '.join('?' * 22)})", rows())
    if len(kept) < bodies:  # copies folded into an earlier one: their texts are not needed
        keep = set(kept)
        dropped = ((body,) for body in range(1, bodies + 1) if body not in keep)
        conn.executemany("DELETE FROM texts WHERE rowid = ?", dropped)


__all__ = ["IndexedLibrary", "SCHEMA_VERSION", "open_library"]
