"""The posts of a session as the widgets read them: filters, search, the date tree, counts.

One implementation, over the index that `tui.index.open_library` builds (in a file in the
cache folder, or in memory when that folder cannot be written): the same merge, the same
search semantics and the same order whichever it is. In memory stay what filtering and the
post list need (id, title, date, bounds, tags, media flag, source); a post's text, links and
places are read from SQLite when it is shown, through a small LRU. Search runs on FTS5 (and
the bitmaps of its common word starts, `tui.search_bits`):
case- and accent-insensitive, each word a prefix, every word required. No Textual here.
"""

from __future__ import annotations

import hashlib
import json
import re
import sqlite3
import sys
import threading
import unicodedata
from array import array
from collections import Counter, OrderedDict, deque
from collections.abc import Callable, Iterable, Iterator, Sequence
from dataclasses import dataclass, field, replace
from functools import lru_cache
from itertools import compress, repeat
from pathlib import Path
from typing import Any, Generic, Protocol, TypeVar

from tui.filter_bits import Planes, flags
from tui.filter_bits import both as _both
from tui.model import Link, Media, Origin, Post, PostDate
from tui.search_bits import (
    SEARCH_TOKENIZE,
    fts_terms,
    matching_bits,
    phrase,
    picked,
    positions_of,
    read_bits,
)
from tui.wording import MONTH_ABBR, UNDATED, bounds_range, period_text

TEXT_CACHE = 512
#: Filters whose posts are kept (a search typed within a year asks for the year again at
#: every keystroke): a million posts' year is its flags (1 MB) and its positions.
FILTER_CACHE = 4
BLOCK = 32
BATCH = 1000
IN_CLAUSE = 500  # ids looked up per query
#: Between the hashtags of a post where they are kept as one string.
TAG_SEP = "\x1f"
_EXACT = "\x1e"
T = TypeVar("T")
_TOKEN = re.compile(r"[^\W_]+")

#: The search table, in every index (and in the one a reader reads while indexing): how text
#: is split into words and folded is part of what a search means, so it is said once.
SEARCH_TABLE = f"""
CREATE VIRTUAL TABLE search USING fts5(
    text, source, content='', columnsize=0, detail=none,
    tokenize='{SEARCH_TOKENIZE}'
);
"""


@lru_cache(maxsize=4096)
def _fold_char(ch: str) -> str:
    decomposed = unicodedata.normalize("NFKD", ch)
    return "".join(c for c in decomposed if not unicodedata.combining(c)).casefold()


def fold(text: str) -> str:
    """Case- and accent-insensitive form used by search: `Türkiye` and `turkiye` meet."""
    if text.isascii():
        return text.lower()
    return "".join(_fold_char(ch) for ch in text)


def query_words(query: str) -> list[str]:
    return [w for w in fold(query).split() if w]


def find_matches(text: str, words: Sequence[str]) -> list[tuple[int, int]]:
    """(start, end) spans in `text` of every occurrence of any folded word, sorted."""
    if not words or not text:
        return []
    folded_chars: list[str] = []
    owner: list[int] = []
    for index, ch in enumerate(text):
        f = _fold_char(ch) if not ch.isascii() else ch.lower()
        folded_chars.append(f)
        owner.extend([index] * len(f))
    folded = "".join(folded_chars)
    spans: list[tuple[int, int]] = []
    for word in words:
        for m in re.finditer(re.escape(word), folded):
            spans.append((owner[m.start()], owner[m.end() - 1] + 1))
    spans.sort()
    merged: list[tuple[int, int]] = []
    for start, end in spans:
        if merged and start <= merged[-1][1]:
            merged[-1] = (merged[-1][0], max(end, merged[-1][1]))
        else:
            merged.append((start, end))
    return merged


@dataclass(frozen=True, slots=True)
class Filter:
    """What the post list shows. Every part narrows it; empty parts do nothing."""

    tag: str | None = None  # a case-folded tag key
    period: str | None = None  # "2023", "2023-04", "2023-04-14" or "undated"
    query: str = ""
    collection: str | None = None  # "bookmarks", "notes" or "unread"
    channel: str | None = None  # a channel's name, when the open files hold several

    @property
    def empty(self) -> bool:
        return not (self.tag or self.period or self.query.strip() or self.collection
                    or self.channel)

    def cleared_innermost(self) -> Filter:
        """Esc peels one layer: the search first, then the collection, the tag, the date,
        the channel."""
        if self.query.strip():
            return replace(self, query="")
        if self.collection:
            return replace(self, collection=None)
        if self.tag:
            return replace(self, tag=None)
        if self.period:
            return replace(self, period=None)
        return replace(self, channel=None)


@dataclass(frozen=True, slots=True)
class TagCount:
    key: str
    label: str
    count: int


@dataclass(slots=True)
class DateNode:
    """A year, month or day in the date tree, with how many posts it holds."""

    period: str
    label: str
    count: int = 0
    children: dict[str, DateNode] = field(default_factory=dict)


#: When a post was written: its date and, for an undated post, the dates around it.
When = tuple[PostDate | None, tuple[str | None, str | None] | None]
#: Where a post comes from: its source, its channel, whether it has media.
Kind = tuple[str | None, str | None, bool]


class Strings:
    """Many short strings (post ids) in one UTF-8 buffer: a million ids take their bytes and
    eight more each, not a Python string object each."""

    __slots__ = ("_data", "_ends")

    def __init__(self) -> None:
        self._data = bytearray()
        self._ends = array("q")

    def __len__(self) -> int:
        return len(self._ends)

    def __getitem__(self, index: int) -> str:
        ends = self._ends
        if index < 0:
            index += len(ends)
        start = ends[index - 1] if index > 0 else 0
        return self._data[start : ends[index]].decode("utf-8", "replace")

    def __iter__(self) -> Iterator[str]:
        data, start = self._data, 0
        for end in self._ends:
            yield data[start:end].decode("utf-8", "replace")
            start = end

    def append(self, value: str) -> None:
        self._data += value.encode("utf-8")
        self._ends.append(len(self._data))

    def extend_packed(self, blob: bytes, ends: bytes) -> None:
        """Strings stored as one UTF-8 blob and where each ends in the whole buffer (an
        `array("q")`'s bytes): no Python work per string."""
        added = array("q")
        added.frombytes(ends)
        if added and (added[-1] != len(self._data) + len(blob)
                      or added[0] < len(self._data)):  # fmt: skip
            raise sqlite3.DatabaseError("index heads: the ids do not add up")
        if not added and blob:
            raise sqlite3.DatabaseError("index heads: the ids do not add up")
        self._ends.extend(added)
        self._data += blob


class Table(Protocol[T]):
    """The distinct values of a column of heads: a list, or `Strings`."""

    def __len__(self) -> int: ...
    def __getitem__(self, index: int, /) -> T: ...
    def __iter__(self) -> Iterator[T]: ...
    def append(self, value: T, /) -> None: ...


class Decoded(Generic[T]):
    """A table of values as the index stores them, each decoded when first asked for: a
    million posts have some twenty thousand distinct dates, and a reopen shows a few."""

    __slots__ = ("_raw", "_values", "_decode")

    def __init__(self, raw: list[Any], decode: Callable[[Any], T]) -> None:
        self._raw, self._decode = raw, decode
        self._values: list[T | None] = [None] * len(raw)

    def __len__(self) -> int:
        return len(self._values)

    def __getitem__(self, index: int) -> T:
        value = self._values[index]
        if value is None:
            value = self._values[index] = self._decode(self._raw[index])
        return value

    def __iter__(self) -> Iterator[T]:
        for index in range(len(self._values)):
            yield self[index]

    def append(self, value: T) -> None:
        self._raw.append(None)
        self._values.append(value)


class Interned(Generic[T]):
    """One small number per post into a table of the distinct values: a million posts share a
    few thousand dates, a few sources and channels, and far fewer tag lists than posts."""

    __slots__ = ("values", "codes", "_code")

    def __init__(self, values: Table[T] | None = None) -> None:
        self.values: Table[T] = [] if values is None else values
        self.codes = array("I")
        self._code: dict[T, int] | None = None

    def __len__(self) -> int:
        return len(self.codes)

    def __getitem__(self, index: int) -> T:
        return self.values[self.codes[index]]

    def append(self, value: T) -> None:
        if self._code is None:
            self._code = {value: code for code, value in enumerate(self.values)}
        code = self._code.get(value)
        if code is None:
            code = self._code[value] = len(self.values)
            self.values.append(value)
        self.codes.append(code)

    def extend_packed(self, codes: bytes, verify: bool = True) -> None:
        """Posts stored as codes into this table (an `array("I")`'s bytes); `verify`: that
        each is in the table (a pass over them, a tenth of a second for a million posts:
        skipped where the index was checked already)."""
        added = array("I")
        added.frombytes(codes)
        if verify and added and max(added) >= len(self.values):
            raise sqlite3.DatabaseError("index heads: a code out of its table")
        self.codes.extend(added)

    def counts(self, start: int = 0) -> list[int]:
        """How many posts from `start` on have each value, by code."""
        found = Counter(self.codes[start:] if start else self.codes)
        return [found.get(code, 0) for code in range(len(self.values))]


@dataclass(slots=True)
class Heads:
    """Every post without its title, text, links or places: what filters, facets and the list
    need, in a few bytes a post (ids in one buffer; dates, hashtags and kinds as numbers into
    tables of the distinct values). Titles are read from the index with the rows that show
    them."""

    ids: Strings = field(default_factory=Strings)
    whens: Interned[When] = field(default_factory=Interned)
    tags: Interned[str] = field(default_factory=lambda: Interned(Strings()))  # `join_tags`
    kinds: Interned[Kind] = field(default_factory=Interned)

    def __len__(self) -> int:
        return len(self.ids)

    def append(self, post_id: str, when: When, tags: tuple[str, ...], kind: Kind) -> None:
        self.ids.append(post_id)
        self.whens.append(when)
        self.tags.append(join_tags(tags))
        self.kinds.append(kind)


@dataclass(slots=True)
class Index:
    """An open index: the connection, the heads and the facets computed when it was built.
    `path` is None for an index in memory."""

    conn: sqlite3.Connection
    path: Path | None
    heads: Heads
    warnings: list[str]
    facets: dict[str, Any]
    #: Posts [0, this) have the search index's bitmaps (`tui.search_bits`); 0: none.
    search_bits: int = 0
    #: The file's stamp (`tui.index_health.file_stamp`) when it was opened before its check
    #: (`tui.index.check_deferred` does it); None: checked.
    unchecked: str | None = None


class Library:
    """An ordered, read-only collection of posts with the lookups the reader needs.

    Built by `tui.index.open_library`. Posts are read from the index when asked for (titles
    too); in memory are only the heads (ids, dates, tags, sources, channels: `Heads`), a few
    dozen bytes a post, so a million posts fit beside the app. Ids are found through the
    index's own index on them.
    """

    def __init__(self, index: Index, inputs: Iterable[str] = ()) -> None:
        names = sorted(inputs)
        self.archive_key = hashlib.blake2b(
            "\n".join(names).encode("utf-8"), digest_size=8
        ).hexdigest()
        heads = self._heads = index.heads
        self._ids = heads.ids
        facets = index.facets
        # What the index computed per distinct value when it was built: nothing per post here.
        self._tag_list: list[TagCount] | None = [
            TagCount(key, label, count) for key, label, count in facets.get("tags", ())]
        self._tag_labels: dict[str, str] = {t.key: t.label for t in self._tag_list}
        self._tag_counts: dict[str, int] = {t.key: t.count for t in self._tag_list}
        self._channel_list = [TagCount(name, name, count)
                              for name, count in facets.get("channels", ())]  # fmt: skip
        self._period_counts: dict[str, int] = dict(facets.get("periods", ()))
        self._tag_keys: list[tuple[str, ...]] = []  # folded tag keys by tags code, when asked
        self._shared_keys: dict[tuple[str, ...], tuple[str, ...]] = {}
        self._tag_lists: dict[str, array[int]] = {}  # tag key -> codes of the lists with it
        self._tag_listed = 0  # tag lists [0, this) are in `_tag_lists`
        self._conn = index.conn
        self.index_path = index.path
        self.unchecked = index.unchecked  # see `tui.index.check_deferred`
        self.read_damage = False  # a read failed: the index file was deleted, to be rebuilt
        self._covered = index.search_bits
        self._every: list[int] | None = None  # every position, for the bitmaps' answers
        # What each column's table of distinct values holds, in the forms filters test:
        # the dates as `iso + "-"` ("" undated), by code; and the codes' byte planes.
        self._dated: list[str] = []
        self._planes: dict[str, Planes] = {}
        self._narrow: OrderedDict[tuple[Any, ...], tuple[bytes, list[int]]] = OrderedDict()
        self._lock = threading.Lock()
        self._full: OrderedDict[int, Post] = OrderedDict()
        self._date_tree = facets["date_tree"]
        self._month_counts = facets["month_counts"]

    def _keys_of_codes(self) -> list[tuple[str, ...]]:
        """The folded tag keys of each tag list, by its code: decided once, when a tag filter
        first needs them (a million posts hold a few hundred thousand tag lists), and for the
        lists added since (a library read while indexing grows)."""
        keys_by_code = self._tag_keys
        shared = self._shared_keys
        values = self._heads.tags.values
        start = len(keys_by_code)
        if start < len(values):
            # From the first list: read in one pass over the packed strings.
            lists = iter(values) if not start else map(values.__getitem__,
                                                       range(start, len(values)))
            for keys in map(tag_keys, lists):
                keys_by_code.append(shared.setdefault(keys, keys))
        return keys_by_code

    # -- access -------------------------------------------------------------------------------
    def __len__(self) -> int:
        return len(self._ids)

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
        """Every post in reading order, read from the index in batches (for export)."""
        for start in range(0, len(self._ids), BATCH):
            for _at, post in self._read(start, min(start + BATCH, len(self._ids))):
                yield post

    def index_of(self, post_id: str) -> int | None:
        """Where the post with this id is (the last of them, in a library read while indexing
        that has not folded copies yet)."""
        rows = self._fetch_all("SELECT max(pos) FROM posts WHERE id = ? AND pos < ?",
                               (post_id, len(self)))  # fmt: skip
        found = rows[0][0] if rows else None
        return found if isinstance(found, int) else None

    def positions(self, post_ids: Iterable[str]) -> list[int]:
        """Every position holding one of these ids, in reading order."""
        return sorted(pos for _post_id, pos in self._id_rows(post_ids))

    def present(self, post_ids: Iterable[str]) -> set[str]:
        """Those of these ids that posts here have."""
        return {post_id for post_id, _pos in self._id_rows(post_ids)}

    def _id_rows(self, post_ids: Iterable[str]) -> Iterator[tuple[str, int]]:
        wanted = sorted(set(post_ids))
        for start in range(0, len(wanted), IN_CLAUSE):
            part = wanted[start : start + IN_CLAUSE]
            yield from self._fetch_all(
                f"SELECT id, pos FROM posts WHERE id IN ({', '.join('?' * len(part))}) "
                "AND pos < ?", (*part, len(self)))  # fmt: skip

    def title_of(self, index: int) -> str:
        """A post's title without reading its whole text."""
        cached = self._full.get(index)
        if cached is not None:
            return cached.title
        rows = self._fetch_all("SELECT title FROM posts WHERE pos = ?", (index,))
        return rows[0][0] if rows and isinstance(rows[0][0], str) else _DAMAGED

    def titles(self) -> Iterator[tuple[int, str]]:
        """(index, title) of every post in reading order, read in batches (the palette scans
        them all)."""
        for start in range(0, len(self), BATCH):
            stop = min(start + BATCH, len(self))
            found = dict(self._fetch_all("SELECT pos, title FROM posts WHERE pos >= ? AND "
                                         "pos < ?", (start, stop)))  # fmt: skip
            for at in range(start, stop):
                title = found.get(at)
                yield at, title if isinstance(title, str) else _DAMAGED

    def channel_of(self, index: int) -> str | None:
        return self._heads.kinds[index][1]

    def channels(self) -> list[TagCount]:
        """The channels of the open posts by count (key and label: the channel's name)."""
        return list(self._channel_list)

    def tags_of(self, index: int) -> tuple[str, ...]:
        return split_tags(self._heads.tags[index])

    def id_of(self, index: int) -> str:
        return self._ids[index]

    def unread_counts(self, read: set[str]) -> tuple[Counter[str], Counter[str]]:
        """Unread posts per tag key and per period (`2023`, `2023-04`, `2023-04-14`,
        `undated`): what the sidebar shows beside each count. The counts of every post come
        from the index; only the read posts are looked at here."""
        return self.unread_counts_at(self.positions(read) if read else [])

    def unread_counts_at(self, read: Iterable[int]) -> tuple[Counter[str], Counter[str]]:
        """`unread_counts` with the read posts given by their places."""
        heads = self._heads
        read_tags: Counter[int] = Counter()
        read_whens: Counter[int] = Counter()
        for pos in read:
            read_tags[heads.tags.codes[pos]] += 1
            read_whens[heads.whens.codes[pos]] += 1
        by_tag: Counter[str] = Counter(self._tag_counts)
        for code, count in read_tags.items():
            for key in tag_keys(heads.tags.values[code]):
                by_tag[key] -= count
        by_period: Counter[str] = Counter(self._periods())
        for code, count in read_whens.items():
            for period in periods_of(heads.whens.values[code][0]):
                by_period[period] -= count
        return +by_tag, +by_period

    def _periods(self) -> dict[str, int]:
        """How many posts each period of the date tree holds (`periods_of`)."""
        return self._period_counts

    def date_of(self, index: int) -> PostDate | None:
        return self._heads.whens[index][0]

    def ids(self) -> set[str]:
        return set(self._ids)

    def legacy_matches(self, legacy_ids: Iterable[str]) -> dict[str, int]:
        """{old id: position} for ids that posts had when ids came from text alone (see
        `tui.identity`): the first post in reading order that had it, as the old reader
        showed it."""
        wanted = sorted(set(legacy_ids))
        found: dict[str, int] = {}
        for start in range(0, len(wanted), IN_CLAUSE):
            part = wanted[start : start + IN_CLAUSE]
            rows = self._fetch_all(
                f"SELECT legacy, MIN(pos) FROM legacy WHERE legacy IN "
                f"({', '.join('?' * len(part))}) GROUP BY legacy", tuple(part),
            )  # fmt: skip
            found.update((legacy, pos) for legacy, pos in rows)
        return found

    def _read(self, start: int, stop: int) -> Iterator[tuple[int, Post]]:
        """Posts [start, stop) whole; a post whose text cannot be read says so in its text."""
        rows = self._fetch_all(
            "SELECT p.pos, t.text, p.links, p.origins, p.datetime, p.message_id, p.chat, "
            "p.url, p.sender, p.author, p.media, p.views, p.title FROM posts p "
            "JOIN texts t ON t.rowid = p.body WHERE p.pos >= ? AND p.pos < ? ORDER BY p.pos",
            (start, stop),
        )
        found = {row[0]: row[1:] for row in rows}
        for at in range(start, stop):
            row = found.get(at)
            yield at, self._post(at, row if row else _DAMAGED_ROW)

    def _post(self, at: int, row: Sequence[object]) -> Post:
        """The whole post: its head plus what was read from the index."""
        (text, links, origins, stamp, message_id, chat, url, sender, author, media, views,
         title) = row  # fmt: skip
        assert isinstance(text, str) and isinstance(links, str) and isinstance(origins, str)
        heads = self._heads
        date, bounds = heads.whens[at]
        source, channel, has_media = heads.kinds[at]
        tags = split_tags(heads.tags[at])
        return Post(
            id=heads.ids[at],
            source=source,
            title=title if isinstance(title, str) else _DAMAGED,
            text=text,
            date=date,
            date_bounds=bounds,
            hashtags=tags,
            media=media_from_row(media) if has_media else None,
            links=tuple(Link(t, u) for t, u in json.loads(links)) if links != "[]" else (),
            origins=tuple(Origin(p, n) for p, n in json.loads(origins)),
            channel=channel,
            datetime=stamp if isinstance(stamp, str) else None,
            message_id=message_id if isinstance(message_id, int) else None,
            chat=_text_or_none(chat),
            url=_text_or_none(url),
            sender=_text_or_none(sender),
            author=_text_or_none(author),
            views=_text_or_none(views),
        )

    # -- facets -------------------------------------------------------------------------------
    def tags(self) -> list[TagCount]:
        """Tags by count, then name."""
        if self._tag_list is None:
            counts = [TagCount(k, self._tag_labels[k], n)
                      for k, n in self._tag_counts.items() if n]  # fmt: skip
            self._tag_list = sorted(counts, key=lambda t: (-t.count, t.label.casefold()))
        return list(self._tag_list)

    def tag_label(self, key: str) -> str:
        return self._tag_labels.get(key, key)

    def tag_key(self, tag: str) -> str | None:
        key = tag.lstrip("#").casefold()
        return key if key in self._tag_labels else None

    def date_tree(self) -> list[DateNode]:
        """Years -> months -> days with counts; an `undated` node last when there are any
        (computed when the index was built; a fresh copy)."""
        return [decode_node(encoded) for encoded in self._date_tree]

    def date_branches(self) -> list[DateBranch]:
        """The date tree's top level (years, the undated group), each node's children made
        only when asked for: what the sidebar shows at once."""
        return [DateBranch(encoded) for encoded in self._date_tree]

    def month_counts(self) -> list[tuple[str, int]]:
        """Posts per month from the first dated month to the last, gaps included as 0."""
        return [(month, count) for month, count in self._month_counts]

    # -- filtering and search -----------------------------------------------------------------
    def search(self, query: str, within: Iterable[int] | None = None) -> list[int]:
        """Posts holding every word of the query (each a word prefix: `lavr` finds Lavrov,
        `avrov` does not), case- and accent-insensitively, in reading order. Words of symbols
        only (emoji, punctuation) match anywhere in the text."""
        if not query_words(query):
            return list(range(len(self._ids))) if within is None else list(within)
        terms: list[str] = []
        symbols: list[str] = []
        tokens: list[str] = []
        for word in unicodedata.normalize("NFC", query).split():
            # Not folded here: FTS5 folds case and Latin accents the same way on both sides,
            # and folding Cyrillic й to и would miss every 'Сергей' in the index.
            found = _TOKEN.findall(fold_yo(word))
            if found:
                terms.append(" AND ".join(f'"{token}"*' for token in found))
                tokens.extend(found)
            else:
                symbols.append(word)
        hits = self._bitmap_search(tokens, within) if tokens and self._covered else None
        if hits is not None:
            within = None  # applied already
        elif terms:
            hits = self._fetch_column("SELECT rowid FROM search WHERE search MATCH ? "
                                      "ORDER BY rowid", (" AND ".join(terms),))  # fmt: skip
        else:
            hits = list(range(len(self._ids)))
        if symbols:  # emoji and punctuation have no case or accents: a plain substring test
            clause = " AND ".join("instr(t.text || char(10) || ifnull(p.source, ''), ?) > 0"
                                  for _ in symbols)  # fmt: skip
            keep = set(self._fetch_column(f"SELECT p.pos FROM posts p JOIN texts t ON "
                                          f"t.rowid = p.body WHERE {clause}", tuple(symbols)))
            hits = [pos for pos in hits if pos in keep]
        if within is None:
            return hits
        allowed = within if isinstance(within, (set, frozenset)) else set(within)
        return [pos for pos in hits if pos in allowed]

    def _bitmap_search(self, tokens: Sequence[str], within: Iterable[int] | None,
                       ) -> list[int] | None:  # fmt: skip
        """`search`'s answer for these word starts (within `within`) from the index's bitmaps
        (`tui.search_bits`): what FTS5 answers for `"token"* AND …`, at C speed. None when
        the bitmaps do not help (no token is a common word start, or a token is not one FTS5
        term): FTS5 answers alone then."""
        starts: list[str] = []
        for token in tokens:
            found = fts_terms(token)
            if len(found) != 1:
                return None
            starts.append(found[0])
        posts, covered = len(self._ids), self._covered
        if covered > posts:
            return None
        with self._lock:
            conn = self._conn
            try:
                stored = [read_bits(conn, start, covered) for start in starts]
                if all(bits is None for bits in stored):
                    return None
                hits = -1  # every post
                rare = [phrase(start, True) for start, bits in zip(starts, stored, strict=True)
                        if bits is None]  # fmt: skip
                if rare:  # few rows: FTS5 gives them quickly
                    hits = matching_bits(conn, [" AND ".join(rare)], posts)
                for start, bits in zip(starts, stored, strict=True):
                    if bits is None or not hits:
                        continue
                    bits <<= posts - covered
                    if posts > covered:  # appended after the bitmaps were written
                        bits |= matching_bits(conn, [phrase(start, True)], posts, covered)
                    hits &= bits
            except sqlite3.DatabaseError:
                self._drop_damaged()
                return []
        if within is not None:
            # `matching` gives its filter's posts in order; any other caller's, ordered here
            ordered = within if isinstance(within, _Ordered) else sorted(set(within))
            return picked(hits, posts, ordered)
        return positions_of(hits, posts, self._all())

    def _all(self) -> list[int]:
        """Every position, kept: picking from it (`compress`) makes no number object per
        post. Not to be changed: copied before it is handed out."""
        posts = len(self._ids)
        if self._every is None or len(self._every) != posts:
            self._every = list(range(posts))
        return self._every

    def matching(
        self,
        flt: Filter,
        bookmarked: set[str] | frozenset[str] = frozenset(),
        noted: set[str] | frozenset[str] = frozenset(),
        read: set[str] | frozenset[str] = frozenset(),
    ) -> list[int]:
        """Indices of the posts the filter lets through, in reading order."""
        if flt.tag is None and flt.period is None and flt.collection is None \
                and flt.channel is None:
            # Search alone (or nothing): no need to walk every post before searching them all.
            if flt.query.strip():
                return self.search(flt.query)
            return list(self._all())
        narrowed = self._narrowed(flt)  # None: every post
        if flt.collection in ("bookmarks", "notes"):
            marked = self.positions(bookmarked if flt.collection == "bookmarks" else noted)
            if narrowed is not None:
                passed = narrowed[0]
                marked = [i for i in marked if passed[i]]
            out = marked
        elif flt.collection == "unread":
            unread = bytearray(narrowed[0]) if narrowed is not None else \
                bytearray(b"\x01") * len(self)
            deque(map(unread.__setitem__, self.positions(read), repeat(0)), maxlen=0)
            out = list(compress(self._all(), unread))
        else:
            out = list(self._all()) if narrowed is None else list(narrowed[1])
        if flt.query.strip():
            out = self.search(flt.query, _Ordered(out))
        return out

    def _narrowed(self, flt: Filter) -> tuple[bytes, list[int]] | None:
        """The posts the filter's tag, period and channel let through: a byte a post (1: let
        through) and their positions in reading order (kept for the next call: not to be
        changed); None when the filter has none of the three. Each is decided once per
        distinct value (`_period_table`, `_tag_table`), then the posts are picked by their
        codes at C speed (`tui.filter_bits`)."""
        if flt.tag is None and flt.period is None and flt.channel is None:
            return None
        key = (flt.tag, flt.period, flt.channel, len(self))
        kept = self._narrow.get(key)
        if kept is not None:
            self._narrow.move_to_end(key)
            return kept
        heads = self._heads
        passed: bytes | None = None
        tests: list[tuple[str, Interned[Any], bytes]] = []
        if flt.period is not None:
            tests.append(("whens", heads.whens, self._period_table(flt.period)))
        if flt.channel is not None:
            channel = flt.channel
            tests.append(("kinds", heads.kinds, bytes(kind[1] == channel
                                                      for kind in heads.kinds.values)))
        if flt.tag is not None:  # last: its lists are many, its planes rarely help
            tests.append(("tags", heads.tags, self._tag_table(flt.tag)))
        kept_positions: list[int] | None = None
        for name, column, allowed in tests:
            if passed is None:
                passed = flags(self._planes_of(name, column), allowed, column.codes)
                continue
            kept_positions = list(compress(self._all(), passed))
            if len(kept_positions) * 4 < len(passed):  # few left: test only those
                size, codes = len(allowed), column.codes
                kept_positions = [pos for pos in kept_positions
                                  if (code := codes[pos]) < size and allowed[code]]
                narrowed = bytearray(len(passed))
                deque(map(narrowed.__setitem__, kept_positions, repeat(1)), maxlen=0)
                passed = bytes(narrowed)
            else:
                passed = _both(passed, flags(self._planes_of(name, column), allowed,
                                             column.codes))  # fmt: skip
                kept_positions = None
        assert passed is not None
        if kept_positions is None:
            kept_positions = list(compress(self._all(), passed))
        kept = self._narrow[key] = (passed, kept_positions)
        while len(self._narrow) > FILTER_CACHE:
            self._narrow.popitem(last=False)
        return kept

    def _planes_of(self, name: str, column: Interned[Any]) -> Planes:
        planes = self._planes.get(name)
        if planes is None or planes.count != len(column.codes):
            planes = self._planes[name] = Planes(column.codes)
        return planes

    def _tag_table(self, tag: str) -> bytes:
        """A byte a tag list, by code: 1 where the list holds this tag key."""
        keys_by_code = self._keys_of_codes()
        lists = self._tag_lists
        for code in range(self._tag_listed, len(keys_by_code)):
            for key in keys_by_code[code]:
                found = lists.get(key)
                if found is None:
                    found = lists[key] = array("I")
                found.append(code)
        self._tag_listed = len(keys_by_code)
        table = bytearray(len(keys_by_code))
        deque(map(table.__setitem__, lists.get(tag, ()), repeat(1)), maxlen=0)
        return bytes(table)

    def _period_table(self, period: str) -> bytes:
        """A byte a date (with its bounds), by code: 1 where it is in this period of the date
        tree."""
        values = self._heads.whens.values
        if period.startswith(UNDATED):
            return bytes(_in_period(date, bounds, period) for date, bounds in values)
        dated = self._dated
        for code in range(len(dated), len(values)):
            date = values[code][0]
            iso = date.iso() if date is not None else None
            dated.append("" if iso is None else iso + "-")
        return bytes(map(str.startswith, dated, repeat(period + "-")))

    def describe(self, flt: Filter) -> str:
        """The active filter in a few words: `#SCO · 2023 · “lavrov”`."""
        parts: list[str] = []
        if flt.channel:
            parts.append(flt.channel)
        if flt.collection:
            parts.append({"bookmarks": "★ bookmarks", "notes": "✎ notes"}.get(
                flt.collection, "● unread"))
        if flt.tag:
            parts.append("#" + self.tag_label(flt.tag))
        if flt.period:
            parts.append(period_text(flt.period))
        if flt.query.strip():
            parts.append(f"“{flt.query.strip()}”")
        return " · ".join(parts)

    # -- the index underneath -----------------------------------------------------------------
    def close(self) -> None:
        with self._lock:
            self._conn.close()

    def _fetch_column(self, sql: str, args: tuple[object, ...]) -> list[int]:
        """The first column of a query's rows (positions), without a tuple per row held at
        once: a search that matches a million posts."""
        with self._lock:
            try:
                return [row[0] for row in self._conn.execute(sql, args)]
            except sqlite3.DatabaseError:
                self._drop_damaged()
                return []

    def _drop_damaged(self) -> None:
        self.read_damage = True
        if self.index_path is not None:
            try:
                self.index_path.unlink()
            except FileNotFoundError:
                pass

    def _fetch_all(self, sql: str, args: tuple[object, ...]) -> list[tuple[Any, ...]]:
        """Rows of a query; a damaged index answers nothing and is deleted, to be rebuilt on
        the next open (the posts already in memory stay usable)."""
        with self._lock:
            try:
                return self._conn.execute(sql, args).fetchall()
            except sqlite3.DatabaseError:
                self._drop_damaged()
                return []


def date_tree(
    dates: Sequence[PostDate | None], bounds: Sequence[tuple[str | None, str | None] | None]
) -> list[DateNode]:
    """Years -> months -> days with counts; an `undated` node last when there are any."""
    return counted_date_tree((when, 1) for when in zip(dates, bounds, strict=True))


def counted_date_tree(whens: Iterable[tuple[When, int]]) -> list[DateNode]:
    """`date_tree` of posts given as (date and bounds, how many posts have them), in the
    order they first come."""
    years: dict[str, DateNode] = {}
    undated = DateNode(UNDATED, "Undated")
    for (date, date_bounds), count in whens:
        if not count:
            continue
        if date is None or date.year is None:
            undated.count += count
            after, before = date_bounds or (None, None)
            key = f"{after or ''}..{before or ''}"
            child = undated.children.get(key)
            if child is None:
                label = bounds_range(after, before)
                child = undated.children[key] = DateNode(UNDATED + ":" + key, label)
            child.count += count
            continue
        y = f"{date.year:04d}"
        year = years.setdefault(y, DateNode(y, y))
        year.count += count
        if date.month is None:
            continue
        m = f"{y}-{date.month:02d}"
        month = year.children.setdefault(m, DateNode(m, MONTH_ABBR[date.month - 1]))
        month.count += count
        if date.day is None:
            continue
        d = f"{m}-{date.day:02d}"
        day = month.children.setdefault(d, DateNode(d, f"{date.day:02d}"))
        day.count += count
    nodes = [years[k] for k in sorted(years)]
    for year in nodes:
        year.children = dict(sorted(year.children.items()))
        for month in year.children.values():
            month.children = dict(sorted(month.children.items()))
    if undated.count:
        nodes.append(undated)
    return nodes


def month_counts(dates: Iterable[PostDate | None]) -> list[tuple[str, int]]:
    """Posts per month from the first dated month to the last, gaps included as 0."""
    return counted_month_counts((date, 1) for date in dates)


def counted_month_counts(dates: Iterable[tuple[PostDate | None, int]]) -> list[tuple[str, int]]:
    """`month_counts` of posts given as (date, how many posts have it)."""
    counter: Counter[tuple[int, int]] = Counter()
    for date, count in dates:
        if date and date.year and date.month:
            counter[(date.year, date.month)] += count
    if not +counter:
        return []
    (y, m), last = min(+counter), max(+counter)
    out: list[tuple[str, int]] = []
    while (y, m) <= last:
        out.append((f"{y:04d}-{m:02d}", counter.get((y, m), 0)))
        y, m = (y + 1, 1) if m == 12 else (y, m + 1)
    return out


def encode_node(node: DateNode) -> tuple[Any, ...]:
    return (node.period, node.label, node.count,
            [(key, encode_node(child)) for key, child in node.children.items()])  # fmt: skip


def decode_node(encoded: Sequence[Any]) -> DateNode:
    period, label, count, children = encoded
    return DateNode(period, label, count, {key: decode_node(child) for key, child in children})


class DateBranch:
    """A node of the date tree whose children are made when first asked for: the sidebar
    shows the years at once and a node's months or days when it is first opened (a million
    posts: 15,854 nodes, most never opened)."""

    __slots__ = ("_kids", "node")

    def __init__(self, source: DateNode | Sequence[Any]) -> None:
        if isinstance(source, DateNode):
            self.node = DateNode(source.period, source.label, source.count)
            self._kids: list[Any] = list(source.children.values())
        else:  # as encode_node left it
            period, label, count, children = source
            self.node = DateNode(period, label, count)
            self._kids = [child for _key, child in children]

    @property
    def has_children(self) -> bool:
        return bool(self._kids)

    def children(self) -> list[DateBranch]:
        return [DateBranch(kid) for kid in self._kids]


def join_tags(tags: Sequence[str]) -> str:
    """A post's hashtags as one string (the heads keep one per distinct list): joined by
    TAG_SEP; tags that could not be told apart so (an export's entity can hold anything: the
    separator, nothing) as JSON after _EXACT."""
    if any(not tag or TAG_SEP in tag or _EXACT in tag for tag in tags):
        return _EXACT + json.dumps(list(tags))
    return TAG_SEP.join(tags)


def split_tags(joined: str) -> tuple[str, ...]:
    """The hashtags `join_tags` joined."""
    if joined.startswith(_EXACT):
        return tuple(json.loads(joined[1:]))
    return tuple(joined.split(TAG_SEP)) if joined else ()


def tag_keys(joined: str) -> tuple[str, ...]:
    """The folded keys of a post's hashtags (`join_tags`), each once, in order."""
    if joined and not joined.startswith(_EXACT):  # folded whole: the separator stays itself
        return tuple(dict.fromkeys(map(sys.intern, joined.casefold().split(TAG_SEP))))
    return tuple(dict.fromkeys(sys.intern(tag.casefold()) for tag in split_tags(joined)))


class _Ordered(list[int]):
    """Positions known to be in order, each once (a filter's posts): a search within them
    needs no sorting."""

    __slots__ = ()


def fold_yo(text: str) -> str:
    """Russian writes ё as е as often as not; FTS5 keeps them apart, so both sides fold it."""
    return text.replace("ё", "е").replace("Ё", "Е")


def media_to_row(media: Media | None) -> str | None:
    return None if media is None else json.dumps([media.kind, media.file, media.present],
                                                 ensure_ascii=False)  # fmt: skip


def links_to_row(links: Sequence[Link]) -> str:
    return json.dumps([[link.text, link.url] for link in links], ensure_ascii=False)


def origins_to_row(origins: Sequence[Origin]) -> str:
    return json.dumps([[o.path, o.line] for o in origins], ensure_ascii=False)


def media_from_row(stored: object) -> Media:
    """A post's media as stored; a row that lost it still says there was something."""
    try:
        kind, named, present = json.loads(stored) if isinstance(stored, str) else [None] * 3
    except ValueError:
        return Media("media")
    if not isinstance(kind, str):
        return Media("media")
    return Media(kind, named if isinstance(named, str) else None, present is True)


def _text_or_none(value: object) -> str | None:
    return value if isinstance(value, str) else None


_DAMAGED = "(This post's text could not be read: the index is damaged. Reopen to rebuild it.)"
_DAMAGED_ROW = (_DAMAGED, "[]", "[]", None, None, None, None, None, None, None, None, _DAMAGED)


def periods_of(date: PostDate | None) -> list[str]:
    """The date tree's nodes a post with this date counts in."""
    iso = date.iso() if date is not None else None
    if iso is None:
        return [UNDATED]
    parts = iso.split("-")
    return ["-".join(parts[: n + 1]) for n in range(len(parts))]


def _in_period(
    date: PostDate | None, date_bounds: tuple[str | None, str | None] | None, period: str
) -> bool:
    if period.startswith(UNDATED):
        if date is not None and date.year is not None:
            return False
        rest = period[len(UNDATED) + 1 :]
        if not rest:
            return True
        bounds = date_bounds or (None, None)
        return rest == f"{bounds[0] or ''}..{bounds[1] or ''}"
    iso = date.iso() if date else None
    return iso is not None and (iso == period or iso.startswith(period + "-"))


__all__ = ["Filter", "Library", "TagCount", "DateNode", "fold", "find_matches"]
