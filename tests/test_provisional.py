"""The library read while indexing: the same search and filters as the final library, over
the posts indexed so far."""

from __future__ import annotations

from pathlib import Path

import pytest
from conftest import SAMPLE

import tui.index as index
from tests.bench.generate import write_webcopy
from tui.library import Filter, Library
from tui.model import Post
from tui.provisional import ProvisionalLibrary

QUERIES = ["lavrov", "lavr", "sco", "türkiye", "turkiye", "лавров", "wang yi", "café", "🇷🇺",
           "security council", "zzzz"]  # fmt: skip


def built(paths: list[Path], cache: Path) -> tuple[Library, ProvisionalLibrary]:
    provisional = ProvisionalLibrary([str(p) for p in paths])
    final = index.open_library(paths, lambda _m: None, cache=cache, seen=provisional.add)
    provisional.publish()
    return final, provisional


def ids(library: Library, rows: list[int]) -> set[str]:
    return {library.id_of(i) for i in rows}


@pytest.fixture(scope="module")
def libraries(tmp_path_factory: pytest.TempPathFactory) -> tuple[Library, ProvisionalLibrary]:
    folder = tmp_path_factory.mktemp("provisional")
    return built([write_webcopy(folder / "copy.txt", 1_500)], folder / "cache")


def test_every_post_is_there_with_its_text(libraries: tuple[Library, ProvisionalLibrary]) -> None:
    final, provisional = libraries
    assert len(provisional) == len(final)
    for post in provisional:
        at = final.index_of(post.id)
        assert at is not None and final[at].text == post.text
        assert final[at].links == post.links and final[at].origins == post.origins


@pytest.mark.parametrize("query", QUERIES)
def test_search_finds_what_the_final_library_finds(
    libraries: tuple[Library, ProvisionalLibrary], query: str
) -> None:
    final, provisional = libraries
    assert ids(provisional, provisional.search(query)) == ids(final, final.search(query))


def test_tag_and_channel_filters_agree(libraries: tuple[Library, ProvisionalLibrary]) -> None:
    final, provisional = libraries
    assert provisional.tags() == final.tags()
    for tag in final.tags()[:5]:
        flt = Filter(tag=tag.key, query="russia")
        assert ids(provisional, provisional.matching(flt)) == ids(final, final.matching(flt))


def test_a_year_the_text_does_not_give_is_not_guessed(tmp_path: Path) -> None:
    """The sample has `On April 29 …` posts whose year comes from their neighbours: before the
    dates pass they have a day and month and no year, never an inferred one."""
    final, provisional = built([SAMPLE], tmp_path)
    by_id = {post.id: post for post in final}
    guessed = [p for p in provisional if by_id[p.id].date_inferred]
    assert guessed, "the sample has posts whose year is inferred"
    for post in guessed:
        assert post.date is not None and post.date.year is None and not post.date_inferred


def test_only_published_posts_are_listed_or_found(tmp_path: Path) -> None:
    provisional = ProvisionalLibrary()
    batches: list[list[Post]] = []
    index.open_library([SAMPLE], lambda _m: None, cache=tmp_path, seen=batches.append)
    provisional.add(batches[0])
    assert len(provisional) == 0 and provisional.search("lavrov") == []
    assert provisional.publish() == len(batches[0])
    assert provisional.publish() == 0
    assert len(provisional) == len(batches[0])
    found = provisional.search("lavrov")
    assert found and max(found) < len(provisional)
    assert provisional.date_tree() and provisional.month_counts()
    provisional.close()
