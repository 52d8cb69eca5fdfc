"""Archives that grow: each input is parsed once into a segment, the archive index is merged
from segments, and adding or changing one file parses only that file.

The archive merged from reused segments must be the archive built from scratch, row for row;
a damaged, foreign or half-written segment is parsed again, never trusted; the cache sweeps
what nobody uses.
"""

from __future__ import annotations

import heapq
import os
import shutil
import sqlite3
import time
from array import array
from collections.abc import Iterator
from pathlib import Path
from types import SimpleNamespace

import pytest
from conftest import REAL, ROOT, SAMPLE, load_posts, write_dump
from hypothesis import given, settings
from hypothesis import strategies as st

import tui.index as index
from tests.bench.generate import overlapping_webcopies, write_html_export, write_webcopy
from tui.ingest import IngestError
from tui.library import Library
from tui.model import RawPost
from tui.segments import in_merge_order

FIXTURES = ROOT / "tests" / "fixtures"
TABLES = ("posts", "texts", "legacy", "heads", "head_values", "head_tables", "facets", "warnings",
          "meta")


@pytest.fixture
def parses(monkeypatch: pytest.MonkeyPatch) -> list[str]:
    """The name of every input the index parses, in order."""
    seen: list[str] = []
    real = index.iter_raw_posts

    def counting(dump: index.Dump, warn: index.Warn) -> Iterator[RawPost]:
        seen.append(dump.path.name)
        return real(dump, warn)

    monkeypatch.setattr(index, "iter_raw_posts", counting)
    return seen


def rows(library: Library) -> dict[str, list[tuple[object, ...]]]:
    """Every row of the archive index's tables but the search index's own (which is checked
    by searching): how many posts its bitmaps cover (meta `search_bits`) is left out too, as
    an index appended to keeps the bitmaps of the posts it held (see `tui.search_bits`)."""
    assert library.index_path is not None
    conn = sqlite3.connect(library.index_path)
    try:
        return {table: conn.execute(f"SELECT * FROM {table} ORDER BY 1").fetchall()
                if table != "meta" else
                conn.execute("SELECT * FROM meta WHERE key != 'search_bits' ORDER BY 1").fetchall()
                for table in TABLES}  # fmt: skip
    finally:
        conn.close()


def opened(paths: list[Path], cache: Path, said: list[str] | None = None) -> Library:
    return index.open_library(paths, (said if said is not None else []).append, cache=cache)


def segment_files(cache: Path) -> list[Path]:
    return sorted((cache / index.SEGMENTS).glob("seg-*.sqlite"))


def copy_of(folder: Path, where: Path) -> Path:
    shutil.copytree(folder, where)
    return where


# -- the same archive, from reused segments or from scratch ---------------------------------------
ARCHIVES = {
    "sample": [SAMPLE],
    "mixed": [FIXTURES / "mixed"],
    "salaf (html + json)": [REAL / "upon-the-path-of-salaf"],
    "trantor (html + json)": [REAL / "trantor-library"],
    "three account exports": [REAL / "ensia-impact-account" / "result.json",
                              REAL / "guzel-perezalivy-small" / "result.json",
                              REAL / "upon-the-path-of-salaf" / "result.json"],
    "t.me pages": [REAL / "tme-s-page" / "durov.html", REAL / "tme-s-page" / "telegram.html"],
}  # fmt: skip


@pytest.mark.parametrize("name", [pytest.param(name, marks=pytest.mark.slow)
                                  if name.startswith("trantor") else name
                                  for name in ARCHIVES])  # fmt: skip
def test_an_archive_merged_from_reused_segments_is_the_one_built_from_scratch(
    name: str, tmp_path: Path, parses: list[str]
) -> None:
    inputs = ARCHIVES[name]
    scratch_said: list[str] = []
    scratch = opened(inputs, tmp_path / "scratch", scratch_said)
    files = list(parses)
    # The other cache sees each file alone first (a folder's files one by one), then the
    # archive: merged from segments only, nothing parsed again.
    cache = tmp_path / "grown"
    for path in inputs:
        for dump in index.find_dumps(path, lambda _m: None):
            try:
                opened([dump.path], cache)
            except IngestError:  # a file with no posts, named alone
                pass
    parses.clear()
    said: list[str] = []
    grown = opened(inputs, cache, said)
    assert parses == []
    assert len(files) == len(segment_files(cache))
    assert rows(grown) == rows(scratch)
    assert said == scratch_said
    assert list(grown) == list(scratch)
    for word in ("the", "telegram", "http", "a b"):
        assert grown.search(word) == scratch.search(word)


# -- only what changed is parsed ------------------------------------------------------------------
def test_a_file_added_to_a_folder_is_the_only_one_parsed(tmp_path: Path,
                                                         parses: list[str]) -> None:  # fmt: skip
    folder = tmp_path / "archive"
    overlapping_webcopies(folder, total=90, files=3, overlap=10)
    cache = tmp_path / "cache"
    assert len(opened([folder], cache)) == 90
    assert len(parses) == 3
    parses.clear()
    write_dump(folder, "Forwarded from Someone\nBrand new post (Moscow, May 1, 2031)\n",
               name="zz-new.txt")  # fmt: skip
    library = opened([folder], cache)
    assert parses == ["zz-new.txt"]
    assert len(library) == 91
    assert library[len(library) - 1].text.startswith("Brand new post")
    assert list(library) == load_posts([folder], lambda _m: None)


def test_a_changed_file_is_the_only_one_parsed_again(tmp_path: Path, parses: list[str]) -> None:
    folder = tmp_path / "archive"
    overlapping_webcopies(folder, total=60, files=3, overlap=0)
    cache = tmp_path / "cache"
    opened([folder], cache)
    [changed, *_] = sorted(folder.iterdir())
    with changed.open("a", encoding="utf-8") as fh:
        fh.write("Forwarded from Russian MFA\nA post added later (Moscow, May 1, 2030)\n")
    parses.clear()
    library = opened([folder], cache)
    assert parses == [changed.name]
    assert list(library) == load_posts([folder], lambda _m: None)
    assert len(segment_files(cache)) == 4  # the old one stays until the sweep: a later open
    # of the file as it was (a restored copy) can still use it


def test_opening_a_then_a_and_b_reuses_a(tmp_path: Path, parses: list[str]) -> None:
    a = write_webcopy(tmp_path / "a.txt", total=30)
    b = write_webcopy(tmp_path / "b.txt", total=60, start=30)
    cache = tmp_path / "cache"
    expected = load_posts([a, b], lambda _m: None)
    parses.clear()
    opened([a], cache)
    assert parses == ["a.txt"]
    library = opened([a, b], cache)
    assert parses == ["a.txt", "b.txt"]
    assert list(library) == expected
    opened([b], cache)
    assert parses == ["a.txt", "b.txt"]  # and B alone reuses B's


def test_reused_html_pages_of_an_export_keep_their_order(tmp_path: Path,
                                                         parses: list[str]) -> None:  # fmt: skip
    folder = tmp_path / "export"
    pages = write_html_export(folder, 300, per_file=100)
    cache = tmp_path / "cache"
    last = pages[-1].read_bytes()
    pages[-1].unlink()
    opened([folder], cache)
    pages[-1].write_bytes(last)
    parses.clear()
    library = opened([folder], cache)
    assert parses == [pages[-1].name]
    assert list(library) == load_posts([folder], lambda _m: None)


# -- damaged, foreign and half-written segments ---------------------------------------------------
def _zero_texts(path: Path) -> None:
    conn = sqlite3.connect(path)
    page_size = conn.execute("PRAGMA page_size").fetchone()[0]
    root = conn.execute("SELECT rootpage FROM sqlite_master WHERE name = 'texts'").fetchone()[0]
    conn.close()
    with path.open("r+b") as fh:
        fh.seek((root - 1) * page_size)
        fh.write(b"\x00" * page_size)


def _rewrite(path: Path, sql: str) -> None:
    conn = sqlite3.connect(path)
    conn.execute(sql)
    conn.commit()
    conn.execute("VACUUM")
    conn.close()


DAMAGE = {
    "garbage": lambda p: p.write_bytes(b"not a database\n" * 300),
    "truncated": lambda p: p.write_bytes(p.read_bytes()[: p.stat().st_size // 2]),
    "empty": lambda p: p.write_bytes(b""),
    "a zeroed page": _zero_texts,
    "texts lost": lambda p: _rewrite(p, "DELETE FROM texts WHERE rowid = 2"),
    "records garbled": lambda p: _rewrite(p, "UPDATE records SET data = x'00ff00ff'"),
    "records lost": lambda p: _rewrite(p, "DELETE FROM records"),
    "another format": lambda p: _rewrite(p, "UPDATE meta SET value = '0' WHERE key = 'format'"),
}


@pytest.mark.parametrize("how", DAMAGE)
def test_a_damaged_segment_is_parsed_again_never_trusted(how: str, tmp_path: Path,
                                                         parses: list[str]) -> None:  # fmt: skip
    folder = tmp_path / "archive"
    overlapping_webcopies(folder, total=60, files=2, overlap=0)
    cache = tmp_path / "cache"
    expected = list(opened([folder], cache))
    [first, second] = segment_files(cache)
    DAMAGE[how](first)
    # a file of older posts: the archive is merged again from every segment
    write_dump(folder, "Forwarded from Someone\nAn old post (Moscow, May 1, 2001)\n",
               name="zz-old.txt")  # fmt: skip
    parses.clear()
    said: list[str] = []
    library = opened([folder], cache, said)
    assert len(parses) == 2 and "zz-old.txt" in parses  # the damaged one's file, and the new
    assert list(library)[1:] == expected
    assert all("could not be read" not in post.text for post in library)
    assert len(said) <= 1 and all("damaged" in message for message in said)
    parses.clear()
    again: list[str] = []
    assert list(opened([folder], cache, again)) == list(library)
    assert parses == [] and again == []


def test_a_segment_copied_over_another_files_is_not_used(tmp_path: Path,
                                                         parses: list[str]) -> None:  # fmt: skip
    a = write_webcopy(tmp_path / "a.txt", total=20)
    b = write_webcopy(tmp_path / "b.txt", total=40, start=20)
    expected = load_posts([a, b], lambda _m: None)
    parses.clear()
    cache = tmp_path / "cache"
    opened([a], cache)
    [segment_a] = segment_files(cache)
    opened([b], cache)
    [segment_b] = [s for s in segment_files(cache) if s != segment_a]
    shutil.copyfile(segment_a, segment_b)  # b's name, a's posts
    for library in (opened([a, b], tmp_path / "other"), opened([a, b], cache)):
        assert list(library) == expected
    assert parses.count("b.txt") == 3


def test_a_build_killed_midway_leaves_no_segment_to_trust(
    tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    folder = tmp_path / "archive"
    overlapping_webcopies(folder, total=60, files=2, overlap=0)
    cache = tmp_path / "cache"
    real = index.iter_raw_posts

    def dies(dump: index.Dump, warn: index.Warn) -> Iterator[RawPost]:
        for number, raw in enumerate(real(dump, warn)):
            if dump.path.name.endswith("2.txt") and number == 10:
                raise KeyboardInterrupt
            yield raw

    monkeypatch.setattr(index, "iter_raw_posts", dies)
    with pytest.raises(KeyboardInterrupt):
        opened([folder], cache)
    assert len(segment_files(cache)) == 1  # the first file's, whole; nothing else, no temporary
    assert [p for p in cache.rglob("*") if p.is_file()] == segment_files(cache)
    monkeypatch.setattr(index, "iter_raw_posts", real)
    assert list(opened([folder], cache)) == load_posts([folder], lambda _m: None)


# -- the sweep ------------------------------------------------------------------------------------
def _age(path: Path, days: float) -> None:
    then = time.time() - days * 86400
    os.utime(path, (then, then))


def test_unused_segments_and_old_indexes_are_swept_and_nothing_in_use(
    tmp_path: Path, parses: list[str]
) -> None:
    cache = tmp_path / "cache"
    a = write_webcopy(tmp_path / "a.txt", total=20)
    b = write_webcopy(tmp_path / "b.txt", total=40, start=20)
    opened([a], cache)
    [index_a] = sorted(cache.glob("index-*.sqlite"))
    [segment_a] = segment_files(cache)
    # a's files, unused for long; another instance's half-built files, young and old; an
    # index of an older schema, used yesterday
    _age(index_a, 40)
    _age(segment_a, 40)
    segments = cache / index.SEGMENTS
    young = write_dump(segments, "x", name=".seg-x.sqlite.123-abcd.tmp")
    old = write_dump(segments, "x", name=".seg-y.sqlite.123-abcd.tmp")
    _age(old, 2 / 24)
    previous = cache / "index-0123456789abcdef.sqlite"
    conn = sqlite3.connect(previous)
    conn.executescript("CREATE TABLE meta(key, value); INSERT INTO meta VALUES ('schema', '7');")
    conn.close()
    opened([b], cache)
    assert not index_a.exists() and not segment_a.exists()
    assert young.exists() and not old.exists() and not previous.exists()
    # what was used recently stays, and using an index or segment keeps it
    [segment_b] = segment_files(cache)
    [index_b] = sorted(cache.glob("index-*.sqlite"))
    _age(index_b, 20)
    _age(segment_b, 20)
    opened([b], cache)  # a reopen touches its index
    opened([a, b], cache)  # a merge touches the segments it uses
    assert time.time() - index_b.stat().st_mtime < 3600
    assert time.time() - segment_b.stat().st_mtime < 3600


def test_an_unwritable_cache_still_opens_a_folder(tmp_path: Path) -> None:
    folder = tmp_path / "archive"
    overlapping_webcopies(folder, total=60, files=3, overlap=10)
    blocked = tmp_path / "file-not-folder"
    blocked.write_text("x")
    said: list[str] = []
    library = index.open_library([folder], said.append, cache=blocked / "cache")
    assert library.index_path is None
    assert list(library) == list(opened([folder], tmp_path / "cache"))
    assert sum("cannot keep an index" in message for message in said) == 1


# -- appending a file whose posts come after ------------------------------------------------------
def heads(library: Library) -> list[object]:
    """The heads' columns, whatever chunks they were written in: each chunk holds its posts'
    ids as one UTF-8 blob with where each ends, and their dates, tags and kinds as numbers
    into the index's tables of values, here replaced by the values they stand for."""
    assert library.index_path is not None
    conn = sqlite3.connect(library.index_path)
    try:
        values = {(col, code): value for col, code, value in conn.execute(
            "SELECT col, code, value FROM head_values")}  # fmt: skip
        blobs: list[bytes] = []
        columns: list[list[object]] = [[], [], [], []]
        for ids, ends, *coded in conn.execute(
                "SELECT ids, ends, whens, tags, kinds FROM heads ORDER BY n"):  # fmt: skip
            blobs.append(ids)
            columns[0].extend(array("q", ends))
            for col, codes in enumerate(coded):
                columns[col + 1].extend(values[(col, code)] for code in array("I", codes))
        return [b"".join(blobs), *columns]
    finally:
        conn.close()


def _later(folder: Path) -> Path:
    return write_dump(folder, "Forwarded from Someone\nBrand new post (Moscow, May 1, 2031)\n"
                      "Forwarded from Someone\nAnd one more (Moscow, May 2, 2031)\n",
                      name="zz-new.txt")  # fmt: skip


def _earlier(folder: Path) -> Path:
    return write_dump(folder, "Forwarded from Someone\nAn old post (Moscow, May 1, 2001)\n",
                      name="zz-old.txt")  # fmt: skip


def _overlapping(folder: Path) -> Path:
    last = sorted(folder.glob("*.txt"))[-1]
    lines = last.read_text(encoding="utf-8").splitlines(keepends=True)
    return write_dump(folder, "".join(lines[len(lines) // 2 :]) + "Forwarded from Someone\n"
                      "Brand new post (Moscow, May 1, 2031)\n", name="zz-overlap.txt")  # fmt: skip


GROWTH = {"a later file": _later, "an earlier file": _earlier,
          "a file that overlaps the last": _overlapping}  # fmt: skip


@pytest.mark.parametrize("how", GROWTH)
def test_a_file_appended_or_merged_gives_the_archive_a_full_merge_gives(
    how: str, tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    folder = tmp_path / "archive"
    overlapping_webcopies(folder, total=90, files=3, overlap=10)
    cache = tmp_path / "cache"
    opened([folder], cache)
    GROWTH[how](folder)
    said: list[str] = []
    grown = opened([folder], cache, said)
    monkeypatch.setattr(index, "APPEND", False)
    merged_said: list[str] = []
    merged = opened([folder], tmp_path / "merged", merged_said)
    assert {t: r for t, r in rows(grown).items() if t != "heads"} == {
        t: r for t, r in rows(merged).items() if t != "heads"}
    assert heads(grown) == heads(merged)
    assert said == merged_said
    assert list(grown) == list(merged)
    assert grown.date_tree() == merged.date_tree() and grown.tags() == merged.tags()
    for word in ("lavrov", "brand new", "moscow", "шос"):
        assert grown.search(word) == merged.search(word)
    reopened = opened([folder], cache)
    assert list(reopened) == list(merged)


def test_an_html_page_appended_to_an_export_with_its_json_twin(
    tmp_path: Path, parses: list[str], monkeypatch: pytest.MonkeyPatch
) -> None:
    folder = copy_of(REAL / "upon-the-path-of-salaf", tmp_path / "salaf")
    cache = tmp_path / "cache"
    page = folder / "messages.html"
    kept = page.read_bytes()
    page.unlink()
    opened([folder], cache)
    page.write_bytes(kept)
    parses.clear()
    grown = opened([folder], cache)
    assert parses == ["messages.html"]
    monkeypatch.setattr(index, "APPEND", False)
    merged = opened([folder], tmp_path / "merged")
    assert list(grown) == list(merged)
    assert rows(grown)["legacy"] == rows(merged)["legacy"]


def test_files_appended_one_after_another_stay_what_a_full_merge_gives(
    tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    folder = tmp_path / "export"
    pages = write_html_export(folder, 400, per_file=100)
    aside = tmp_path / "aside"
    aside.mkdir()
    for page in pages[1:]:
        page.rename(aside / page.name)
    cache = tmp_path / "cache"
    opened([folder], cache)
    for page in pages[1:]:
        (aside / page.name).rename(page)
        grown = opened([folder], cache)
    monkeypatch.setattr(index, "APPEND", False)
    merged = opened([folder], tmp_path / "merged")
    assert list(grown) == list(merged)
    assert heads(grown) == heads(merged)
    # the tables of values and the facets (tags new with each page) are those of a merge
    assert {t: r for t, r in rows(grown).items() if t != "heads"} == {
        t: r for t, r in rows(merged).items() if t != "heads"}
    assert grown.tags() == merged.tags() and len(grown.tags()) > 1
    assert grown.date_tree() == merged.date_tree()
    assert grown.search("lavrov") == merged.search("lavrov")


@pytest.mark.parametrize("how", ["garbage", "a zeroed page", "texts lost"])
def test_an_index_damaged_before_a_file_is_appended_is_merged_again(
    how: str, tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    folder = tmp_path / "archive"
    overlapping_webcopies(folder, total=60, files=2, overlap=0)
    cache = tmp_path / "cache"
    first = opened([folder], cache)
    assert first.index_path is not None
    first.close()
    damage = {"garbage": DAMAGE["garbage"], "a zeroed page": _zero_texts,
              "texts lost": lambda p: _rewrite(p, "DELETE FROM texts WHERE rowid = 2")}  # fmt: skip
    damage[how](first.index_path)
    _later(folder)
    grown = opened([folder], cache)
    monkeypatch.setattr(index, "APPEND", False)
    assert list(grown) == list(opened([folder], tmp_path / "merged"))
    assert all("could not be read" not in post.text for post in grown)


class _Pages:
    """Stand-ins for segments (`first_key` and `placed` are all a merge reads): records with
    the given sort keys, and a count of the segments being read at each moment."""

    def __init__(self, keys: list[list[tuple[int, int, int, str]]]) -> None:
        self.keys = keys
        self.reading = 0
        self.most = 0

    def segments(self) -> list[object]:
        pages = self

        class Page:
            def __init__(self, n: int) -> None:
                self.n = n
                self.first_key = pages.keys[n][0] if pages.keys[n] else None

            def placed(self, base: int) -> Iterator[SimpleNamespace]:
                pages.reading += 1
                pages.most = max(pages.most, pages.reading)
                for at, key in enumerate(pages.keys[self.n]):
                    yield SimpleNamespace(key=key, body=base + at, page=self.n)
                pages.reading -= 1

        return [Page(n) for n in range(len(self.keys))]


_KEY = st.tuples(st.integers(0, 3), st.integers(0, 2), st.integers(0, 2), st.sampled_from("ab"))


@settings(max_examples=300, deadline=None)
@given(st.lists(st.lists(_KEY, max_size=6), max_size=6), st.booleans())
def test_segments_merge_in_the_order_a_merge_of_all_at_once_gives(
    keys: list[list[tuple[int, int, int, str]]], each_sorted: bool
) -> None:
    """Records come out by sort key, equal keys in file order, each file in its own order
    (even a file whose own records are out of order), as `heapq.merge` of every file gives."""
    if each_sorted:
        keys = [sorted(page) for page in keys]
    segments = _Pages(keys).segments()
    bases = list(range(0, 100 * len(keys), 100))
    expected = heapq.merge(*(s.placed(b) for s, b in zip(segments, bases, strict=True)),  # type: ignore[attr-defined]
                           key=lambda item: item.key)  # fmt: skip
    got = in_merge_order(segments, bases)  # type: ignore[arg-type]
    assert [(i.key, i.page, i.body) for i in got] == [(i.key, i.page, i.body) for i in expected]


def test_pages_that_follow_each_other_are_read_one_or_two_at_a_time() -> None:
    """A thousand pages of an export, each later than the one before: the merge reads a
    page only once the one before is nearly done (it held every page's first chunk of
    records, and a page cache each, at once: 2.4 GB for a million messages)."""
    keys = [[(2020 + n // 365, 1, 1, f"{n:04d}-{m:02d}") for m in range(20)] for n in range(1000)]
    pages = _Pages(keys)
    merged = list(in_merge_order(pages.segments(), [0] * len(keys)))  # type: ignore[arg-type]
    assert len(merged) == 20_000
    assert pages.most <= 2


def test_a_record_is_kept_as_the_post_it_starts_as() -> None:
    """What the parse keeps of each record (`encode_record`) is what keeping the post it
    starts as gives (`encode_post`): media, links, chats and senders of real exports too."""
    from tui.identity import identify
    from tui.ingest import find_dumps, iter_raw_posts
    from tui.model import Post
    from tui.segments import encode_post, encode_record

    checked = 0
    for path in (SAMPLE, REAL / "trantor-library", REAL / "upon-the-path-of-salaf"):
        for dump in find_dumps(path, lambda _message: None):
            for raw in iter_raw_posts(dump, lambda _message: None):
                found = identify(raw, "\n".join(raw.lines))
                post = Post(id=found.id, source=raw.source, title=found.title, text="",
                            date=None, hashtags=found.hashtags, media=raw.media,
                            links=raw.links, origins=(raw.origin,), channel=raw.channel,
                            datetime=raw.datetime, message_id=raw.message_id, chat=raw.chat,
                            url=raw.url, sender=raw.sender, author=raw.author,
                            views=raw.views)  # fmt: skip
                assert encode_record(found.id, found.title, found.hashtags, raw) == \
                    encode_post(post)  # fmt: skip
                checked += 1
    assert checked > 100
