"""What a build tells while it runs (`seen`) and how it stops (`cancel`): the index side of
reading while it indexes."""

from __future__ import annotations

import threading
from collections.abc import Iterator
from pathlib import Path

import pytest
from conftest import SAMPLE

import tui.index as index
from tests.bench.generate import write_webcopy
from tui.library import Library
from tui.model import Post, RawPost


def leftovers(cache: Path) -> list[str]:
    """Every file under the cache folder (folders themselves do not count)."""
    return sorted(str(p) for p in cache.rglob("*") if p.is_file()) if cache.exists() else []


def test_seen_gets_every_parsed_post_with_its_text_in_file_order(tmp_path: Path) -> None:
    dump = write_webcopy(tmp_path / "copy.txt", 1_500)
    batches: list[list[Post]] = []
    library = index.open_library([dump], lambda _m: None, cache=tmp_path / "cache",
                                 seen=batches.append)  # fmt: skip
    seen = [post for batch in batches for post in batch]
    # The first batch is small (posts on screen at once), then batches grow.
    assert len(batches[0]) < len(batches[1]) <= index.BATCH
    assert [p.origins[0].line for p in seen] == sorted(p.origins[0].line for p in seen)
    final = {post.id: post for post in library}
    assert {post.id for post in seen} == set(final)
    for post in seen:
        assert post.text == final[post.id].text
        # A date is only what the text says: the year may still be missing, never guessed.
        if post.date is not None and final[post.id].date is not None:
            assert post.date.year in (None, final[post.id].date.year)  # type: ignore[union-attr]
            assert not post.date.year_inferred


def test_seen_is_not_called_on_a_reopen(tmp_path: Path) -> None:
    index.open_library([SAMPLE], lambda _m: None, cache=tmp_path)
    batches: list[list[Post]] = []
    index.open_library([SAMPLE], lambda _m: None, cache=tmp_path, seen=batches.append)
    assert batches == []


@pytest.mark.parametrize("in_memory", [False, True])
def test_cancel_stops_the_build_and_leaves_no_index(tmp_path: Path, in_memory: bool) -> None:
    dump = write_webcopy(tmp_path / "copy.txt", 1_500)
    cache = tmp_path / "cache"
    cancel = threading.Event()
    batches: list[list[Post]] = []

    def seen(posts: list[Post]) -> None:
        batches.append(posts)
        cancel.set()  # as `q` would, while the first batch is on screen

    with pytest.raises(index.Cancelled):
        index.open_library([dump], lambda _m: None, cache=cache, in_memory=in_memory,
                           seen=seen, cancel=cancel)  # fmt: skip
    assert len(batches) == 1  # stopped at the next batch boundary
    assert leftovers(cache) == []  # no index, no segment and no temporary file
    library = index.open_library([dump], lambda _m: None, cache=cache)
    assert len(library) == 1_500  # the next open builds a whole one
    if not in_memory:
        assert len(list(cache.glob("index-*.sqlite"))) == 1



def test_a_grown_archive_shows_the_posts_it_had_while_the_new_file_is_parsed(
    tmp_path: Path,
) -> None:
    """A then A + B: B is parsed, A's segment reused; `seen` gets A's posts (texts, dates as
    the dates pass left them) and B's, file by file, each once."""
    folder = tmp_path / "archive"
    folder.mkdir()
    first = write_webcopy(folder / "a.txt", 700, start=0, stop=400)
    cache = tmp_path / "cache"
    index.open_library([folder], lambda _m: None, cache=cache)
    write_webcopy(folder / "b.txt", 700, start=400, stop=700)
    batches: list[list[Post]] = []
    library = index.open_library([folder], lambda _m: None, cache=cache, seen=batches.append)
    seen = [post for batch in batches for post in batch]
    assert len(seen) == len(library) == 700
    final = {post.id: post for post in library}
    assert [p.origins[0].path for p in seen[:400]] == [str(first)] * 400
    for post in seen:
        assert post.text == final[post.id].text
    assert [p.date for p in seen[:400]] == [final[p.id].date for p in seen[:400]]


def _grown(tmp_path: Path) -> tuple[Path, Path]:
    """A folder indexed with a.txt (400 of 700 posts), then b.txt (the 300 newer) added."""
    folder = tmp_path / "archive"
    folder.mkdir()
    write_webcopy(folder / "a.txt", 300, start=0, stop=200)
    cache = tmp_path / "cache"
    index.open_library([folder], lambda _m: None, cache=cache)
    write_webcopy(folder / "b.txt", 300, start=200, stop=300)
    return folder, cache


def test_a_grown_archive_is_read_as_it_was_while_only_the_new_file_is_parsed(
    tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    """`interim` gets the index as it was (final order, dates and texts) before the new file
    is parsed; `seen` gets nothing; the library returned holds both, the old posts where
    they were."""
    folder, cache = _grown(tmp_path)
    events: list[str] = []
    real = index.iter_raw_posts

    def parsing(dump: index.Dump, warn: index.Warn) -> Iterator[RawPost]:
        events.append(f"parse {dump.path.name}")
        return real(dump, warn)

    monkeypatch.setattr(index, "iter_raw_posts", parsing)
    as_it_was: list[Post] = []

    def interim(library: Library) -> None:
        events.append("interim")
        as_it_was.extend(library)
        library.close()

    batches: list[list[Post]] = []
    library = index.open_library([folder], lambda _m: None, cache=cache,
                                 seen=batches.append, interim=interim)  # fmt: skip
    assert events == ["interim", "parse b.txt"]
    assert batches == []
    assert len(library) == 300
    assert as_it_was == list(library)[:200]


def test_an_archive_grown_by_an_earlier_file_is_read_as_it_was_while_all_is_merged(
    tmp_path: Path,
) -> None:
    folder = tmp_path / "archive"
    folder.mkdir()
    write_webcopy(folder / "a.txt", 300, start=100, stop=300)
    cache = tmp_path / "cache"
    index.open_library([folder], lambda _m: None, cache=cache)
    write_webcopy(folder / "b.txt", 300, start=0, stop=100)  # older posts: no append
    shown: list[int] = []

    def interim(library: Library) -> None:
        shown.append(len(library))
        library.close()

    batches: list[list[Post]] = []
    library = index.open_library([folder], lambda _m: None, cache=cache,
                                 seen=batches.append, interim=interim)  # fmt: skip
    assert shown == [200] and batches == []
    assert len(library) == 300
    assert library[0].origins[0].path.endswith("b.txt")  # merged: the older posts first


def test_interim_is_not_called_on_a_first_open_or_a_reopen(tmp_path: Path) -> None:
    handed: list[Library] = []
    index.open_library([SAMPLE], lambda _m: None, cache=tmp_path, interim=handed.append)
    index.open_library([SAMPLE], lambda _m: None, cache=tmp_path, interim=handed.append)
    assert handed == []
