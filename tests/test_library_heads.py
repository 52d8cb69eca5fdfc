"""The library keeps only small heads in memory (ids packed, dates and kinds as numbers into
tables of distinct values) and reads titles from the index: every row must still show its
own title, and every filter, count and lookup answer what the per-post rules say, in the
final library, in the one read while indexing as it grows, and across the change between
them."""

from __future__ import annotations

import json
import random
import sqlite3
from collections import Counter
from collections.abc import Iterable
from contextlib import closing
from dataclasses import replace
from datetime import datetime, timedelta
from pathlib import Path

import pytest
from conftest import SAMPLE
from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st

import tui.index as index
from tests.bench.generate import write_webcopy
from tui.library import Filter, Library, date_tree, month_counts, periods_of
from tui.model import Post
from tui.provisional import ProvisionalLibrary
from tui.wording import UNDATED

Built = tuple[Library, list[Post], list[Post]]


@pytest.fixture(scope="module")
def built(tmp_path_factory: pytest.TempPathFactory) -> Built:
    """The sample (inferred years, undated posts) and a generated copy (many tags), indexed;
    the posts the build handed over as it parsed them (their titles straight from the
    parse); and the final posts."""
    folder = tmp_path_factory.mktemp("heads")
    paths = [SAMPLE, write_webcopy(folder / "copy.txt", 400)]
    seen: list[Post] = []
    index.open_library(paths, lambda _m: None, cache=folder / "cache", seen=seen.extend)
    library = index.open_library(paths, lambda _m: None, cache=folder / "cache")  # reopened
    return library, seen, list(library)


def lets_through(post: Post, flt: Filter, marked: set[str]) -> bool:
    """The filter's rule for one post, written out (search aside)."""
    if flt.tag is not None and flt.tag not in {t.casefold() for t in post.hashtags}:
        return False
    if flt.period is not None:
        if flt.period.startswith(UNDATED + ":"):
            after, before = post.date_bounds or (None, None)
            if post.date is not None or flt.period != f"{UNDATED}:{after or ''}..{before or ''}":
                return False
        elif flt.period not in periods_of(post.date):
            return False
    if flt.channel is not None and post.channel != flt.channel:
        return False
    if flt.collection == "bookmarks" and post.id not in marked:
        return False
    return not (flt.collection == "unread" and post.id in marked)


def filters(library: Library) -> Iterable[Filter]:
    yield Filter()
    for tag in library.tags()[:10]:
        yield Filter(tag=tag.key)
        yield Filter(tag=tag.key, query="lavrov")
    for year in library.date_tree():
        yield Filter(period=year.period)
        for month in list(year.children.values())[:2]:
            yield Filter(period=month.period)
            for day in list(month.children.values())[:2]:
                yield Filter(period=day.period, tag=library.tags()[0].key)
        if year.period == UNDATED:
            yield from (Filter(period=child.period) for child in year.children.values())
    for channel in library.channels():
        yield Filter(channel=channel.key)
        for year in library.date_tree()[:2]:
            yield Filter(channel=channel.key, period=year.period)
    for collection in ("bookmarks", "unread"):
        yield Filter(collection=collection)
        yield Filter(collection=collection, tag=library.tags()[1].key, query="sco")
        yield Filter(collection=collection, period=library.date_tree()[0].period)


def lets_through_all(library: Library, posts: list[Post], flt: Filter,
                     marked: set[str]) -> list[int]:  # fmt: skip
    """The posts the filter lets through, by its rule applied to each post in turn."""
    wanted = [i for i, post in enumerate(posts) if lets_through(post, flt, marked)]
    if flt.query:
        found = set(library.search(flt.query))
        wanted = [i for i in wanted if i in found]
    return wanted


def every_filter(library: Library) -> Iterable[Filter]:
    """`filters`, and every node of the date tree, each tag, and their pairs with a channel
    and a search."""
    yield from filters(library)
    tags = [tag.key for tag in library.tags()]
    channels = [channel.key for channel in library.channels()] or [None]
    periods: list[str] = []
    nodes = library.date_tree()
    while nodes:
        periods += [node.period for node in nodes]
        nodes = [child for node in nodes for child in node.children.values()]
    for n, period in enumerate(periods):
        yield Filter(period=period)
        yield Filter(period=period, tag=tags[n % len(tags)] if tags else None,
                     channel=channels[n % len(channels)])  # fmt: skip
    for n, tag in enumerate(tags):
        yield Filter(tag=tag, period=periods[n % len(periods)], query="the")
        yield Filter(tag=tag, channel=channels[n % len(channels)], collection="unread")


def _random_export(folder: Path, seed: int, count: int) -> Path:
    """A Desktop JSON export of a channel: posts over a few years in order, some days many
    posts, hashtags from a small pool in any case."""
    rnd = random.Random(seed)
    tags = ["#SCO", "#sco", "#BRICS", "#Лавров", "#лавров", "#Türkiye", "#un", "#G20", "#ШОС"]
    messages = []
    day = datetime(2019 + rnd.randrange(3), 1, 1)
    for n in range(count):
        day += timedelta(days=rnd.choice([0, 0, 1, 2, 40]))
        text = [{"type": "plain", "text": f"Post {n} the "}]
        text += [{"type": "hashtag", "text": tag} for tag in rnd.sample(tags, rnd.randrange(4))]
        messages.append({"id": n + 1, "type": "message", "date": day.isoformat(),
                         "from": "Chan", "from_id": "channel3", "text": text,
                         "text_entities": text})  # fmt: skip
    folder.mkdir(parents=True)
    path = folder / "result.json"
    path.write_text(json.dumps({"name": f"Chan {seed % 3}", "type": "public_channel", "id": 3,
                                "messages": messages}), encoding="utf-8")  # fmt: skip
    return path


@settings(max_examples=3, deadline=None,
          suppress_health_check=[HealthCheck.function_scoped_fixture, HealthCheck.too_slow])
@given(st.integers(0, 2**16), st.integers(260, 400), st.integers(1, 150), st.integers(2, 9))
def test_filters_on_random_libraries_let_through_what_their_rule_says(
    tmp_path_factory: pytest.TempPathFactory, seed: int, copied: int, exported: int,
    every: int,
) -> None:
    """Hand copies (inferred and unknown dates, between bounds) and an export (exact dates,
    tags in any case) of random sizes: more distinct dates than a byte can number, so every
    way `tui.filter_bits` picks posts is taken."""
    folder = tmp_path_factory.mktemp("random")
    paths = [write_webcopy(folder / "copy.txt", copied, seed=seed),
             _random_export(folder / "export", seed, exported)]  # fmt: skip
    library = index.open_library(paths, lambda _m: None, cache=folder / "cache")
    marked = {library.id_of(i) for i in range(0, len(library), every)}
    posts = list(library)
    for flt in every_filter(library):
        assert library.matching(flt, marked, set(), marked) == lets_through_all(
            library, posts, flt, marked), flt


def test_filters_on_the_real_exports_let_through_what_their_rule_says(tmp_path: Path) -> None:
    """Five real exports and pages opened together: channels, dates, hashtags as people wrote
    them."""
    real = Path("/work/shared/data/real")
    paths = [real / name for name in ("ensia-impact-account", "guzel-perezalivy-small",
                                      "tme-s-page", "upon-the-path-of-salaf")]  # fmt: skip
    library = index.open_library(paths, lambda _m: None, cache=tmp_path / "cache")
    assert len(library.channels()) > 2
    marked = {library.id_of(i) for i in range(0, len(library), 5)}
    posts = list(library)
    for flt in every_filter(library):
        assert library.matching(flt, marked, set(), marked) == lets_through_all(
            library, posts, flt, marked), flt


def test_every_filter_lets_through_what_its_rule_says_each_row_with_its_title(
    built: Built,
) -> None:
    library, seen, posts = built
    titles = {post.id: post.title for post in seen}
    assert [titles[post.id] for post in posts] == [post.title for post in posts]
    marked = {post.id for post in posts[::7]}
    tried = 0
    for flt in filters(library):
        rows = library.matching(flt, marked, set(), marked)
        wanted = [i for i, post in enumerate(posts) if lets_through(post, flt, marked)]
        if flt.query:
            found = set(library.search(flt.query))
            wanted = [i for i in wanted if i in found]
        assert rows == wanted, flt
        for i in rows:
            assert library.title_of(i) == library[i].title == titles[library.id_of(i)]
        tried += bool(rows)
    assert tried > 20
    assert dict(library.titles()) == {i: titles[post.id] for i, post in enumerate(posts)}


def test_counts_and_lookups_answer_as_the_posts_say(built: Built) -> None:
    library, _seen, posts = built
    tags = Counter(key for post in posts for key in {t.casefold() for t in post.hashtags})
    assert {t.key: t.count for t in library.tags()} == tags
    labels: dict[str, str] = {}  # a tag is named as the first post with it spells it
    for post in posts:
        for tag in post.hashtags:
            labels.setdefault(tag.casefold(), tag)
    assert {t.key: t.label for t in library.tags()} == labels
    assert [t.key for t in library.tags()] == sorted(tags, key=lambda k: (-tags[k],
                                                                          labels[k].casefold()))
    assert library.date_tree() == date_tree([p.date for p in posts],
                                            [p.date_bounds for p in posts])  # fmt: skip
    assert library.month_counts() == month_counts(post.date for post in posts)
    channels = Counter(post.channel for post in posts if post.channel)
    assert {c.key: c.count for c in library.channels()} == channels
    read = {post.id for post in posts[::3]}
    by_tag, by_period = library.unread_counts(read)
    unread = [post for post in posts if post.id not in read]
    assert by_tag == Counter(k for p in unread for k in {t.casefold() for t in p.hashtags})
    assert by_period == Counter(period for p in unread for period in periods_of(p.date))
    for i, post in enumerate(posts):
        assert library.index_of(post.id) == i and library.id_of(i) == post.id
        assert library.date_of(i) == post.date and library.tags_of(i) == post.hashtags
        assert library.channel_of(i) == post.channel
    assert library.ids() == {post.id for post in posts}
    assert library.index_of("no/such-post") is None
    some = [posts[5].id, posts[-1].id, "no/such-post"]
    assert library.positions(some) == [5, len(posts) - 1]
    assert library.present(some) == {posts[5].id, posts[-1].id}


def test_a_library_read_while_indexing_shows_each_published_title_and_only_those(
    built: Built,
) -> None:
    _library, seen, _posts = built
    provisional = ProvisionalLibrary()
    batches = [seen[:40], seen[40:300], seen[300:]]
    published: list[Post] = []
    for batch in batches:
        provisional.add(batch)
        waiting = batch[-1]
        if not published or waiting.id not in {post.id for post in published}:
            assert provisional.index_of(waiting.id) is None  # stored, not yet published
            assert provisional.matching(Filter(collection="bookmarks"), {waiting.id}) == []
        assert provisional.publish() == len(batch)
        published += batch
        assert len(provisional) == len(published)
        assert [title for _i, title in provisional.titles()] == [p.title for p in published]
        assert [provisional[i].title for i in range(len(published))] == [
            p.title for p in published]
        for i in (0, len(published) // 2, len(published) - 1):
            assert provisional.title_of(i) == published[i].title
            assert provisional.id_of(i) == published[i].id
            assert provisional.date_of(i) == published[i].date
        tag = provisional.tags()[0].key
        rows = provisional.matching(Filter(tag=tag))
        assert rows == [i for i, p in enumerate(published)
                        if tag in {t.casefold() for t in p.hashtags}]  # fmt: skip
        assert all(provisional.title_of(i) == published[i].title for i in rows)
    # A post met twice (copies in two files, not folded yet) is found at its last place.
    provisional.add(seen[:10])
    provisional.publish()
    assert provisional.index_of(seen[3].id) == len(seen) + 3
    assert provisional.positions([seen[3].id]) == [3, len(seen) + 3]
    provisional.close()


def test_heads_written_in_many_small_tables_read_back_the_same(
    built: Built, tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    """The build remembers a bounded number of distinct values (the rest it looks up in the
    index) and writes the heads and the tables of values in pieces: heads written so, in
    many small pieces, give the same posts, counts and filters."""
    library, _seen, posts = built
    monkeypatch.setattr(index, "HEADS_CHUNK", 7)
    monkeypatch.setattr(index, "TABLE_LIMIT", 5)
    paths = [SAMPLE, write_webcopy(tmp_path / "copy.txt", 400)]
    index.open_library(paths, lambda _m: None, cache=tmp_path / "cache")
    small = index.open_library(paths, lambda _m: None, cache=tmp_path / "cache")  # reopened
    assert small.index_path is not None
    with closing(sqlite3.connect(small.index_path)) as conn:
        assert conn.execute("SELECT count(*) FROM heads").fetchone()[0] > 10
        assert conn.execute("SELECT count(*) FROM head_tables").fetchone()[0] > 10
    assert [replace(p, origins=()) for p in small] == [replace(p, origins=()) for p in posts]
    assert small.tags() == library.tags() and small.channels() == library.channels()
    assert small.unread_counts({posts[1].id}) == library.unread_counts({posts[1].id})
    for flt in filters(library):
        assert small.matching(flt) == library.matching(flt)


def test_hashtags_a_hostile_export_spells_alike_open_and_reopen(tmp_path: Path) -> None:
    """An export's hashtag entities can hold anything: one holding the separator the index
    joins a post's tags with, an empty one, tags that join to the same text. Every post is
    there on the first open and on the reopen, its text whole."""

    def message(n: int, *tags: str) -> dict[str, object]:
        parts: list[dict[str, str]] = [{"type": "plain", "text": f"Post {n} "}]
        parts += [{"type": "hashtag", "text": tag} for tag in tags]
        return {"id": n, "type": "message", "date": f"2022-09-1{n}T07:58:12", "from": "Chan",
                "from_id": "channel1", "text": parts, "text_entities": parts}  # fmt: skip

    export = tmp_path / "result.json"
    export.write_text(json.dumps({"name": "Chan", "type": "public_channel", "id": 1,
                                  "messages": [message(1, "#a\x1fb"), message(2, "#a", "#b"),
                                               message(3, "#"), message(4, "#a")]}),
                      encoding="utf-8")  # fmt: skip
    cache = tmp_path / "cache"
    first = index.open_library([export], lambda _m: None, cache=cache)
    again = index.open_library([export], lambda _m: None, cache=cache)
    assert [post.hashtags for post in first] == [("a\x1fb",), ("a", "b"), (), ("a",)]
    for library in (first, again):
        assert [post.text.split()[:2] for post in library] == [["Post", str(n)]
                                                               for n in range(1, 5)]
        assert [post.hashtags for post in library] == [("a\x1fb",), ("a", "b"), (), ("a",)]
        assert {t.key: t.count for t in library.tags()} == {"a": 2, "b": 1, "a\x1fb": 1}
        assert library.matching(Filter(tag="a")) == [1, 3]
        assert library.matching(Filter(tag="a\x1fb")) == [0]
