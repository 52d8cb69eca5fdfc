"""The library a reader reads while the index is still being built.

On a first open, `tui.index.open_library(seen=…)` hands over each batch of parsed posts; they
go into a `ProvisionalLibrary`, a real `Library` over a database of the same shape (posts,
texts, the same search table), so search, filters and the list work on what is indexed so far
exactly as they will on the final library. It differs in three ways, all said on screen:
posts are in file order (the final library interleaves files by date), a date is only what
the post's own text says (a year may still be missing; neighbours fill it in later), and
copies of one post in several files are not folded yet.

The database is SQLite's private temporary file (`connect("")`): it lives on disk, not in
memory, and is gone when it is closed, so a large archive's texts are not held in memory a
second time while the real index is being built. Its search table is only filled once the
reader searches (then kept up as posts come): most first opens are never searched before
the index is done, and filling it costs the build a fifth of its time. No Textual here.
"""

from __future__ import annotations

import sqlite3
from bisect import bisect_left
from collections import Counter
from collections.abc import Iterable, Sequence
from typing import Any

from tui.library import (
    SEARCH_TABLE,
    DateBranch,
    DateNode,
    Heads,
    Index,
    Kind,
    Library,
    TagCount,
    When,
    counted_date_tree,
    counted_month_counts,
    fold_yo,
    links_to_row,
    media_to_row,
    origins_to_row,
    periods_of,
    split_tags,
)
from tui.model import Post

_SCHEMA = f"""
CREATE TABLE texts(rowid INTEGER PRIMARY KEY, text TEXT NOT NULL);
CREATE TABLE posts(
    pos INTEGER PRIMARY KEY, body INTEGER NOT NULL, source TEXT, links TEXT NOT NULL,
    origins TEXT NOT NULL, datetime TEXT, message_id INTEGER, chat TEXT, url TEXT,
    sender TEXT, author TEXT, media TEXT, views TEXT, id TEXT NOT NULL, title TEXT NOT NULL
);
CREATE INDEX posts_by_id ON posts(id);
CREATE TABLE legacy(legacy TEXT NOT NULL, pos INTEGER NOT NULL);
{SEARCH_TABLE}
"""

_Head = tuple[str, When, tuple[str, ...], Kind]


class ProvisionalLibrary(Library):
    """Posts indexed so far, in file order. `add` is called by the building thread; `publish`
    by the thread that reads the library (the app's), which sees only published posts."""

    def __init__(self, inputs: Iterable[str] = ()) -> None:
        conn = sqlite3.connect("", isolation_level=None, check_same_thread=False)
        conn.executescript("PRAGMA journal_mode=OFF; PRAGMA synchronous=OFF;" + _SCHEMA)
        heads = Heads()
        facets: dict[str, Any] = {"date_tree": [], "month_counts": []}
        super().__init__(Index(conn, None, heads, [], facets), inputs)
        conn.create_function("fold_yo", 1, fold_yo, deterministic=True)
        self._pending: list[_Head] = []
        self._stored = 0
        self._searchable = 0  # posts [0, this) are in the search table
        self._searched = False  # once searched, the search table is kept up with each batch
        self._closed = False
        self._labelled = 0  # tag lists whose tags have their labels

    def add(self, posts: Sequence[Post]) -> None:
        """Store a batch (texts to disk, heads kept until `publish`). From any thread; once
        closed (the reader has quit, or has the final library), batches are dropped."""
        with self._lock:
            if self._closed:
                return
            start = self._stored
            rows = list(enumerate(posts, start))
            conn = self._conn
            conn.execute("BEGIN")
            conn.executemany("INSERT INTO texts(rowid, text) VALUES (?, ?)",
                             ((pos + 1, post.text) for pos, post in rows))  # fmt: skip
            conn.executemany(
                "INSERT INTO posts VALUES (?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?)",
                ((pos, pos + 1, post.source, links_to_row(post.links),
                  origins_to_row(post.origins), post.datetime, post.message_id, post.chat,
                  post.url, post.sender, post.author, media_to_row(post.media), post.views,
                  post.id, post.title)
                 for pos, post in rows),
            )  # fmt: skip
            self._stored += len(posts)
            if self._searched:  # searched already: keep the search table up
                self._index_for_search()
            conn.execute("COMMIT")
            # Read while indexing, a date is only what the post's own text says: no bounds.
            self._pending.extend(
                (post.id, (post.date, None), post.hashtags,
                 (post.source, post.channel, post.has_media))
                for post in posts
            )  # fmt: skip

    def publish(self) -> int:
        """Make the posts added since the last call part of the library; how many there were.
        Only from the thread that reads the library."""
        with self._lock:
            pending, self._pending = self._pending, []
        if not pending:
            return 0
        start = len(self._ids)
        for head in pending:
            self._heads.append(*head)
        self._count_tags(start)
        return len(pending)

    def _count_tags(self, start: int) -> None:
        """Count the tags of the heads from `start` on (the posts just published). A label
        is the spelling of the first post with it."""
        values = self._heads.tags.values
        for code in range(self._labelled, len(values)):
            for tag in split_tags(values[code]):
                self._tag_labels.setdefault(tag.casefold(), tag)
        self._labelled = len(values)
        keys = self._keys_of_codes()
        counts = self._tag_counts
        for code, count in enumerate(self._heads.tags.counts(start)):
            if count:
                for key in keys[code]:
                    counts[key] = counts.get(key, 0) + count
        self._tag_list = None  # sorted again when asked

    def channels(self) -> list[TagCount]:
        kinds = self._heads.kinds
        counts: Counter[str | None] = Counter()
        for (_source, channel, _media), count in zip(kinds.values, kinds.counts(),
                                                     strict=True):  # fmt: skip
            counts[channel] += count
        return sorted((TagCount(name, name, n) for name, n in counts.items() if name and n),
                      key=lambda c: (-c.count, c.label.casefold()))

    def _periods(self) -> dict[str, int]:
        whens = self._heads.whens
        counts: Counter[str] = Counter()
        for (date, _bounds), count in zip(whens.values, whens.counts(), strict=True):
            if count:
                for period in periods_of(date):
                    counts[period] += count
        return counts

    def _index_for_search(self) -> None:
        """Put the stored posts not in the search table yet into it (under the lock)."""
        self._conn.execute(
            "INSERT INTO search(rowid, text, source) SELECT p.pos, fold_yo(t.text), "
            "fold_yo(ifnull(p.source, '')) FROM posts p JOIN texts t ON t.rowid = p.body "
            "WHERE p.pos >= ?", (self._searchable,))  # fmt: skip
        self._searchable = self._stored

    def close(self) -> None:
        with self._lock:
            self._closed = True
        super().close()

    def search(self, query: str, within: Iterable[int] | None = None) -> list[int]:
        """`Library.search`, over the published posts only (the database may hold a batch
        more); on FTS5 alone, without the final index's bitmaps (`tui.search_bits`): a few
        thousand posts come in at a time, and FTS5 answers them quickly."""
        with self._lock:
            self._searched = True
            if not self._closed and self._searchable < self._stored:
                self._conn.execute("BEGIN")
                self._index_for_search()
                self._conn.execute("COMMIT")
        hits = super().search(query, within)
        return hits[: bisect_left(hits, len(self))] if within is None else hits

    def date_tree(self) -> list[DateNode]:
        whens = self._heads.whens
        return counted_date_tree(zip(whens.values, whens.counts(), strict=True))

    def date_branches(self) -> list[DateBranch]:
        return [DateBranch(node) for node in self.date_tree()]

    def month_counts(self) -> list[tuple[str, int]]:
        whens = self._heads.whens
        return counted_month_counts((date, count) for (date, _bounds), count
                                    in zip(whens.values, whens.counts(), strict=True))


__all__ = ["ProvisionalLibrary"]
