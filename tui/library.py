"""The posts of a session: indexes by date and tag, filters, search. No Textual here.

The widgets ask this module what to show; they never walk the posts themselves, so the
backing store can change (memory now, an on-disk index for large archives) without them.
"""

from __future__ import annotations

import hashlib
import re
import unicodedata
from collections import Counter
from collections.abc import Iterable, Iterator, Sequence
from dataclasses import dataclass, field, replace
from functools import lru_cache
from itertools import chain

from tui.model import MONTH_ABBR, Post, PostDate, bounds_phrase, human_iso

UNDATED = "undated"


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
    collection: str | None = None  # "bookmarks" or "notes"

    @property
    def empty(self) -> bool:
        return not (self.tag or self.period or self.query.strip() or self.collection)

    def cleared_innermost(self) -> Filter:
        """Esc peels one layer: the search first, then the collection, the tag, the date."""
        if self.query.strip():
            return replace(self, query="")
        if self.collection:
            return replace(self, collection=None)
        if self.tag:
            return replace(self, tag=None)
        return replace(self, period=None)


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


class Library:
    """An ordered, read-only collection of posts with the lookups the reader needs."""

    def __init__(self, posts: Sequence[Post], inputs: Iterable[str] = ()) -> None:
        self._posts = list(posts)
        self._folded: dict[int, str] = {}
        names = sorted(inputs)
        self.archive_key = hashlib.blake2b(
            "\n".join(names).encode("utf-8"), digest_size=8
        ).hexdigest()
        self._set_heads(
            [post.id for post in self._posts],
            [post.date for post in self._posts],
            [post.date_bounds for post in self._posts],
            [post.hashtags for post in self._posts],
        )

    def _set_heads(
        self,
        ids: list[str],
        dates: list[PostDate | None],
        bounds: list[tuple[str | None, str | None] | None],
        hashtags: list[tuple[str, ...]],
    ) -> None:
        """What filters and facets need, one list per field (a library on an index gives
        these without building a Post for each of its posts)."""
        self._ids = ids
        self._dates = dates
        self._bounds = bounds
        self._by_id = dict(zip(ids, range(len(ids)), strict=True))
        self._tag_labels: dict[str, str] = {}
        self._post_tags: list[frozenset[str]] = []
        # Posts share a few hundred tag combinations: fold each combination once (100,000
        # posts open twice as fast). A label is still the spelling of the first post with it.
        keys_of: dict[tuple[str, ...], frozenset[str]] = {}
        for tags in hashtags:
            keys = keys_of.get(tags)
            if keys is None:
                for tag in tags:
                    self._tag_labels.setdefault(tag.casefold(), tag)
                keys = keys_of[tags] = frozenset(t.casefold() for t in tags)
            self._post_tags.append(keys)
        self._tag_counts: Counter[str] = Counter(chain.from_iterable(self._post_tags))

    # -- access -------------------------------------------------------------------------------
    def __len__(self) -> int:
        return len(self._ids)

    def __getitem__(self, index: int) -> Post:
        return self._posts[index]

    def __iter__(self) -> Iterator[Post]:
        return iter(self._posts)

    def index_of(self, post_id: str) -> int | None:
        return self._by_id.get(post_id)

    def title_of(self, index: int) -> str:
        """A post's title without reading its whole text (the palette scans every title)."""
        return self._posts[index].title

    def tags_of(self, index: int) -> tuple[str, ...]:
        return self._posts[index].hashtags

    def date_of(self, index: int) -> PostDate | None:
        return self._dates[index]

    def ids(self) -> set[str]:
        return set(self._by_id)

    # -- facets -------------------------------------------------------------------------------
    def tags(self) -> list[TagCount]:
        """Tags by count, then name."""
        counts = [TagCount(k, self._tag_labels[k], n) for k, n in self._tag_counts.items()]
        return sorted(counts, key=lambda t: (-t.count, t.label.casefold()))

    def tag_label(self, key: str) -> str:
        return self._tag_labels.get(key, key)

    def tag_key(self, tag: str) -> str | None:
        key = tag.lstrip("#").casefold()
        return key if key in self._tag_labels else None

    def date_tree(self) -> list[DateNode]:
        """Years -> months -> days with counts; an `undated` node last when there are any."""
        years: dict[str, DateNode] = {}
        undated = DateNode(UNDATED, "Undated")
        for date, date_bounds in zip(self._dates, self._bounds, strict=True):
            if date is None or date.year is None:
                undated.count += 1
                bounds = date_bounds or (None, None)
                key = f"{bounds[0] or ''}..{bounds[1] or ''}"
                child = undated.children.get(key)
                if child is None:
                    label = _bounds_label(bounds[0], bounds[1])
                    child = undated.children[key] = DateNode(UNDATED + ":" + key, label)
                child.count += 1
                continue
            y = f"{date.year:04d}"
            year = years.setdefault(y, DateNode(y, y))
            year.count += 1
            if date.month is None:
                continue
            m = f"{y}-{date.month:02d}"
            month = year.children.setdefault(m, DateNode(m, MONTH_ABBR[date.month - 1]))
            month.count += 1
            if date.day is None:
                continue
            d = f"{m}-{date.day:02d}"
            day = month.children.setdefault(d, DateNode(d, f"{date.day:02d}"))
            day.count += 1
        nodes = [years[k] for k in sorted(years)]
        for year in nodes:
            year.children = dict(sorted(year.children.items()))
            for month in year.children.values():
                month.children = dict(sorted(month.children.items()))
        if undated.count:
            nodes.append(undated)
        return nodes

    def month_counts(self) -> list[tuple[str, int]]:
        """Posts per month from the first dated month to the last, gaps included as 0."""
        counter: Counter[tuple[int, int]] = Counter()
        for date in self._dates:
            if date and date.year and date.month:
                counter[(date.year, date.month)] += 1
        if not counter:
            return []
        (y, m), last = min(counter), max(counter)
        out: list[tuple[str, int]] = []
        while (y, m) <= last:
            out.append((f"{y:04d}-{m:02d}", counter.get((y, m), 0)))
            y, m = (y + 1, 1) if m == 12 else (y, m + 1)
        return out

    # -- filtering and search -----------------------------------------------------------------
    def folded_text(self, index: int) -> str:
        folded = self._folded.get(index)
        if folded is None:
            post = self._posts[index]
            folded = self._folded[index] = fold(post.text + "\n" + (post.source or ""))
        return folded

    def search(self, query: str, within: Iterable[int] | None = None) -> list[int]:
        """Posts holding every word of the query, case- and accent-insensitively."""
        words = query_words(query)
        candidates = range(len(self._posts)) if within is None else within
        if not words:
            return list(candidates)
        return [i for i in candidates if all(w in self.folded_text(i) for w in words)]

    def matching(
        self,
        flt: Filter,
        bookmarked: set[str] | frozenset[str] = frozenset(),
        noted: set[str] | frozenset[str] = frozenset(),
    ) -> list[int]:
        """Indices of the posts the filter lets through, in reading order."""
        if flt.tag is None and flt.period is None and flt.collection is None:
            # Search alone (or nothing): no need to walk every post before searching them all.
            if flt.query.strip():
                return self.search(flt.query)
            return list(range(len(self._ids)))
        out: list[int] = []
        for i, post_id in enumerate(self._ids):
            if flt.tag is not None and flt.tag not in self._post_tags[i]:
                continue
            if flt.period is not None and not _in_period(self._dates[i], self._bounds[i],
                                                         flt.period):  # fmt: skip
                continue
            if flt.collection == "bookmarks" and post_id not in bookmarked:
                continue
            if flt.collection == "notes" and post_id not in noted:
                continue
            out.append(i)
        if flt.query.strip():
            out = self.search(flt.query, out)
        return out

    def describe(self, flt: Filter) -> str:
        """The active filter in a few words: `#SCO · 2023 · “lavrov”`."""
        parts: list[str] = []
        if flt.collection:
            parts.append("★ bookmarks" if flt.collection == "bookmarks" else "✎ notes")
        if flt.tag:
            parts.append("#" + self.tag_label(flt.tag))
        if flt.period:
            parts.append(_period_text(flt.period))
        if flt.query.strip():
            parts.append(f"“{flt.query.strip()}”")
        return " · ".join(parts)


def _bounds_label(after: str | None, before: str | None) -> str:
    if after and before:
        return f"{human_iso(after)} – {human_iso(before)}"
    return bounds_phrase(after, before) or "no dated posts near"


def _period_text(period: str) -> str:
    if period.startswith(UNDATED):
        rest = period[len(UNDATED) + 1 :]
        if not rest:
            return "undated"
        after, _, before = rest.partition("..")
        return "undated " + _bounds_label(after or None, before or None)
    return human_iso(period)


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
