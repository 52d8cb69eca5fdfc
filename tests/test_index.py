"""The on-disk index: same posts as a fresh parse, reopened from the cache, rebuilt when the
inputs change or the file is damaged, and searched by word prefixes."""

from __future__ import annotations

import os
import sqlite3
from collections.abc import Iterator
from pathlib import Path

import pytest
from conftest import ROOT, SAMPLE, load_posts, write_dump

import tui.index as index
from tests.bench.generate import overlapping_webcopies, write_result_json, write_webcopy
from tui.ingest import IngestError
from tui.library import Filter, Library, date_tree, month_counts
from tui.model import RawPost

FIXTURES = ROOT / "tests" / "fixtures"


@pytest.fixture
def cache(tmp_path: Path) -> Path:
    return tmp_path / "cache"


@pytest.fixture
def parses(monkeypatch: pytest.MonkeyPatch) -> list[Path]:
    """Every dump the index builder parses, in order."""
    seen: list[Path] = []
    real = index.iter_raw_posts

    def counting(dump: index.Dump, warn: index.Warn) -> Iterator[RawPost]:
        seen.append(dump.path)
        return real(dump, warn)

    monkeypatch.setattr(index, "iter_raw_posts", counting)
    return seen


def index_files(cache: Path) -> list[Path]:
    return sorted(cache.glob("index-*.sqlite"))


# -- the same posts as load_posts -----------------------------------------------------------------
@pytest.mark.parametrize("name", ["sample", "mixed", "desktop_json", "desktop_html",
                                  "desktop_text"])  # fmt: skip
def test_index_gives_exactly_the_posts_a_fresh_parse_gives(name: str, cache: Path) -> None:
    path = SAMPLE if name == "sample" else FIXTURES / name
    expected = load_posts([path], lambda _m: None)
    library = index.open_library([path], lambda _m: None, cache=cache)
    reopened = index.open_library([path], lambda _m: None, cache=cache)
    assert list(library) == expected
    assert [reopened[i] for i in range(len(reopened))] == expected


def test_cross_file_duplicates_fold_as_a_fresh_parse_folds_them(tmp_path: Path,
                                                                cache: Path) -> None:  # fmt: skip
    folder = tmp_path / "copies"
    overlapping_webcopies(folder, total=150, files=3, overlap=15)
    write_result_json(folder / "result.json", total=40)
    expected = load_posts([folder], lambda _m: None)
    library = index.open_library([folder], lambda _m: None, cache=cache)
    assert list(library) == expected
    dates = [post.date for post in expected]
    # kept in the index, not recomputed
    assert library.date_tree() == date_tree(dates, [post.date_bounds for post in expected])
    assert library.month_counts() == month_counts(dates)
    assert any(post.occurrences > 1 for post in expected)  # the case under test is present
    assert any(post.date_inferred for post in expected)
    assert any(post.date is None and post.date_bounds for post in expected)


def test_an_index_in_memory_answers_as_the_one_on_disk(cache: Path) -> None:
    memory = index.open_library([SAMPLE], lambda _m: None, in_memory=True)
    indexed = index.open_library([SAMPLE], lambda _m: None, cache=cache)
    assert memory.index_path is None and indexed.index_path is not None
    assert len(indexed) == len(memory)
    assert indexed.ids() == memory.ids()
    assert indexed.archive_key == memory.archive_key
    assert indexed.tags() == memory.tags()
    assert indexed.date_tree() == memory.date_tree()
    assert indexed.month_counts() == memory.month_counts()
    for i in range(len(memory)):
        assert indexed.index_of(memory[i].id) == i
    assert indexed[-1] == memory[-1]
    for query in QUERIES:
        assert indexed.search(query) == memory.search(query)


# -- reopening from the cache ---------------------------------------------------------------------
def test_second_open_reads_the_index_and_parses_nothing(cache: Path, parses: list[Path]) -> None:
    first = index.open_library([SAMPLE], lambda _m: None, cache=cache)
    assert parses == [SAMPLE]
    second = index.open_library([SAMPLE], lambda _m: None, cache=cache)
    assert parses == [SAMPLE]
    assert list(second) == list(first)
    assert len(index_files(cache)) == 1


def test_warnings_are_said_again_on_a_reopen(tmp_path: Path, cache: Path) -> None:
    dump = write_dump(tmp_path, "stray line\nForwarded from X\nHello there\n")
    first: list[str] = []
    index.open_library([dump], first.append, cache=cache)
    again: list[str] = []
    index.open_library([dump], again.append, cache=cache)
    assert first and again == first


@pytest.mark.parametrize("change", ["size", "mtime", "parser"])
def test_index_is_rebuilt_when_an_input_or_the_parser_changes(
    change: str, tmp_path: Path, cache: Path, parses: list[Path], monkeypatch: pytest.MonkeyPatch
) -> None:
    dump = write_webcopy(tmp_path / "copy.txt", total=30)
    index.open_library([dump], lambda _m: None, cache=cache)
    if change == "size":
        with dump.open("a", encoding="utf-8") as fh:
            fh.write("Forwarded from Russian MFA\nA post added later (Moscow, May 1, 2030)\n")
    elif change == "mtime":
        stat = dump.stat()
        os.utime(dump, ns=(stat.st_atime_ns, stat.st_mtime_ns + 5_000_000_000))
    else:
        monkeypatch.setattr(index, "PARSER_VERSION", "next")
    library = index.open_library([dump], lambda _m: None, cache=cache)
    assert parses == [dump, dump]
    assert list(library) == load_posts([dump], lambda _m: None)
    assert len(library) == (31 if change == "size" else 30)
    assert len(index_files(cache)) == 1


def test_posts_remember_their_places_as_the_path_was_spelled(
    cache: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    monkeypatch.chdir(ROOT)
    relative = Path("data") / SAMPLE.name
    by_absolute = index.open_library([SAMPLE], lambda _m: None, cache=cache)
    by_relative = index.open_library([relative], lambda _m: None, cache=cache)
    assert by_absolute[0].origins[0].path == str(SAMPLE)
    assert by_relative[0].origins[0].path == str(relative)
    assert list(by_relative) == load_posts([relative], lambda _m: None)


def test_a_new_file_in_a_folder_rebuilds_the_index(tmp_path: Path, cache: Path) -> None:
    folder = tmp_path / "archive"
    overlapping_webcopies(folder, total=40, files=2, overlap=0)
    assert len(index.open_library([folder], lambda _m: None, cache=cache)) == 40
    write_dump(folder, "Forwarded from Someone\nBrand new post\n", name="extra.txt")
    assert len(index.open_library([folder], lambda _m: None, cache=cache)) == 41


# -- damaged indexes ------------------------------------------------------------------------------
def _damage(path: Path, how: str) -> None:
    data = path.read_bytes()
    if how == "garbage":
        path.write_bytes(b"this is not a database at all\n" * 200)
    elif how == "truncated":
        path.write_bytes(data[: len(data) // 2])
    elif how == "zeroed":
        path.write_bytes(data[:4096] + b"\x00" * (len(data) - 4096))
    elif how == "empty":
        path.write_bytes(b"")
    elif how == "other schema":
        path.unlink()
        conn = sqlite3.connect(path)
        conn.execute("CREATE TABLE notes(x)")
        conn.commit()
        conn.close()
    elif how == "old schema":
        conn = sqlite3.connect(path)
        conn.execute("UPDATE meta SET value = '0' WHERE key = 'schema'")
        conn.commit()
        conn.close()


@pytest.mark.parametrize("how", ["garbage", "truncated", "zeroed", "empty", "other schema",
                                 "old schema"])  # fmt: skip
@pytest.mark.parametrize("what", ["the archive index", "and the file's segment"])
def test_a_damaged_index_is_rebuilt_not_a_crash(how: str, what: str, cache: Path,
                                                parses: list[Path]) -> None:  # fmt: skip
    expected = load_posts([SAMPLE], lambda _m: None)
    parses.clear()  # the fresh parse above is not under test
    index.open_library([SAMPLE], lambda _m: None, cache=cache)
    [built] = index_files(cache)
    _damage(built, how)
    if what != "the archive index":
        [segment] = (cache / index.SEGMENTS).glob("seg-*.sqlite")
        _damage(segment, how if how != "old schema" else "other schema")
    library = index.open_library([SAMPLE], lambda _m: None, cache=cache)
    # the archive index is merged again from the file's segment; a damaged segment is not
    # trusted either: the file is parsed again
    assert parses == ([SAMPLE] if what == "the archive index" else [SAMPLE, SAMPLE])
    assert list(library) == expected
    assert library.search("lavrov")


def test_a_build_killed_midway_leaves_no_index_to_trust(
    tmp_path: Path, cache: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    dump = write_webcopy(tmp_path / "copy.txt", total=50)
    real = index.iter_raw_posts

    def dies(dump: index.Dump, warn: index.Warn) -> Iterator[RawPost]:
        for number, raw in enumerate(real(dump, warn)):
            if number == 20:
                raise KeyboardInterrupt
            yield raw

    monkeypatch.setattr(index, "iter_raw_posts", dies)
    with pytest.raises(KeyboardInterrupt):
        index.open_library([dump], lambda _m: None, cache=cache)
    assert [path for path in cache.rglob("*") if path.is_file()] == []
    monkeypatch.setattr(index, "iter_raw_posts", real)
    assert len(index.open_library([dump], lambda _m: None, cache=cache)) == 50


def test_a_fatal_input_raises_and_writes_no_index(tmp_path: Path, cache: Path) -> None:
    bad = tmp_path / "bad.txt"
    bad.write_bytes(b"Forwarded from X\n" + b"ok\n" * 70_000 + b"\xff\xfe broken\n")
    with pytest.raises(IngestError, match="not UTF-8"):
        index.open_library([bad], lambda _m: None, cache=cache)
    assert index_files(cache) == []


def test_an_index_damaged_while_open_shows_a_note_instead_of_crashing(cache: Path) -> None:
    library = index.open_library([SAMPLE], lambda _m: None, cache=cache)
    [built] = index_files(cache)
    with built.open("r+b") as fh:  # scribble over the pages in place, under the open reader
        fh.seek(4096)
        fh.write(b"\xde\xad" * ((built.stat().st_size - 4096) // 2))
    post = library[3]
    assert post.id == load_posts([SAMPLE], lambda _m: None)[3].id
    assert "damaged" in post.text
    assert index_files(cache) == []  # deleted: the next open rebuilds it


def test_an_unwritable_cache_still_opens_the_archive(tmp_path: Path) -> None:
    blocked = tmp_path / "file-not-folder"
    blocked.write_text("x")
    said: list[str] = []
    library = index.open_library([SAMPLE], said.append, cache=blocked / "cache")
    assert list(library) == load_posts([SAMPLE], lambda _m: None)
    assert any("cannot keep an index" in message for message in said)


# -- progress -------------------------------------------------------------------------------------
def test_progress_moves_forward_to_the_inputs_size(
    tmp_path: Path, cache: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    monkeypatch.setattr(index, "PROGRESS_EVERY_S", 0.0)  # every line reports
    dump = write_webcopy(tmp_path / "copy.txt", total=60)
    seen: list[tuple[int, int]] = []
    index.open_library([dump], lambda _m: None, progress=lambda d, t: seen.append((d, t)),
                       cache=cache)  # fmt: skip
    size = dump.stat().st_size
    assert seen[-1] == (size, size)
    assert all(total == size for _done, total in seen)
    done = [d for d, _t in seen]
    assert done == sorted(done) and len(set(done)) > 10
    seen.clear()
    index.open_library([dump], lambda _m: None, progress=lambda d, t: seen.append((d, t)),
                       cache=cache)  # fmt: skip
    assert seen == []  # a reopen has nothing to report


# -- search ---------------------------------------------------------------------------------------
@pytest.fixture
def sample_index(cache: Path) -> Library:
    return index.open_library([SAMPLE], lambda _m: None, cache=cache)


def titles(library: Library, rows: list[int]) -> list[str]:
    return [library[i].title for i in rows]


QUERIES = ["lavrov", "Lavrov", "LAVROV", "lavr", "sco", "Samarkand", "wang yi", "china lavrov",
           "brics 2024", "türkiye", "g20", "rio", "eurasia", "multipolar", "sco brics cis", "mfa"]


@pytest.mark.parametrize("query", QUERIES)
def test_search_finds_the_posts_where_every_word_starts_a_word(
    query: str, sample_index: Library
) -> None:
    expected = [i for i in range(len(sample_index))
                if _word_start_match(sample_index, i, query)]  # fmt: skip
    assert sample_index.search(query) == expected


def _word_start_match(library: Library, i: int, query: str) -> bool:
    """Every folded query word at the start of a word (`rio` does not find `priority`)."""
    import re

    from tui.library import fold

    haystack = fold(library[i].text + "\n" + (library[i].source or ""))
    words = fold(query).split()
    return all(re.search(r"(?<![^\W_])" + re.escape(word), haystack) for word in words)


def test_search_ignores_case_and_accents(sample_index: Library) -> None:
    turkiye = sample_index.search("Türkiye")
    assert turkiye and sample_index.search("TURKIYE") == turkiye == sample_index.search("turk")


def test_every_word_must_match_and_a_prefix_is_enough(sample_index: Library) -> None:
    lavrov = set(sample_index.search("lavr"))
    china = set(sample_index.search("chin"))
    both = sample_index.search("lavr chin")
    assert both == sorted(lavrov & china)
    assert 0 < len(both) < len(lavrov)
    assert sample_index.search("lavrov zzzznothing") == []
    assert sample_index.search("avrov") == []  # a fragment inside a word is not a word start


def test_search_stays_within_the_filter(sample_index: Library) -> None:
    everywhere = sample_index.matching(Filter(query="lavrov"))
    in_2024 = sample_index.matching(Filter(query="lavrov", period="2024"))
    tagged = sample_index.matching(Filter(tag="sco", query="lavrov"))
    assert in_2024 and set(in_2024) < set(everywhere)
    assert all(sample_index[i].date_iso().startswith("2024") for i in in_2024)  # type: ignore[union-attr]
    assert all("SCO" in sample_index[i].hashtags for i in tagged)
    assert sample_index.search("lavrov", within=[]) == []


def test_the_source_is_searched_too_and_symbols_match_as_written(sample_index: Library) -> None:
    assert len(sample_index.search("russian mfa")) == len(sample_index)
    flags = sample_index.search("🇷🇺🇨🇳")
    assert flags and all("🇷🇺🇨🇳" in sample_index[i].text for i in flags)
    assert sample_index.search("❗️") == [i for i in range(len(sample_index))
                                         if "❗️" in sample_index[i].text]  # fmt: skip


def test_cyrillic_prefixes_find_russian_posts(tmp_path: Path, cache: Path) -> None:
    dump = write_dump(tmp_path, "Forwarded from МИД России\nСергей Лавров провёл переговоры\n"
                      "Forwarded from МИД России\nВстреча в Ташкенте\n")  # fmt: skip
    library = index.open_library([dump], lambda _m: None, cache=cache)
    assert titles(library, library.search("лавр")) == ["Сергей Лавров провёл переговоры"]
    assert titles(library, library.search("ПРОВЕЛ")) == ["Сергей Лавров провёл переговоры"]
    assert titles(library, library.search("Сергей")) == ["Сергей Лавров провёл переговоры"]
    assert titles(library, library.search("провёл")) == ["Сергей Лавров провёл переговоры"]
    assert len(library.search("мид")) == 2
