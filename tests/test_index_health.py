"""A damaged index or an input edited behind the index's back is noticed, rebuilt, and said once.

The index keys itself on each input's path, size, modification time and a hash of its first
and last 64 KiB; it checks itself with SQLite's quick_check and its row counts when opened.
"""

from __future__ import annotations

import os
import sqlite3
from pathlib import Path
from typing import Any

import pytest
from conftest import SAMPLE, write_dump

from tui import index, index_health, segments
from tui.index_health import SAMPLE_BYTES, check_index, checked_mark, content_fingerprint


def built_index(cache: Path, dump: Path = SAMPLE) -> Path:
    index.open_library([dump], lambda _m: None, cache=cache)
    [path] = sorted(cache.glob("index-*.sqlite"))
    return path


# -- the content check ------------------------------------------------------------------------
@pytest.mark.parametrize("where", ["start", "end", "small file"])
def test_an_edit_that_keeps_the_size_changes_the_fingerprint(tmp_path: Path, where: str) -> None:
    size = 100 if where == "small file" else 3 * SAMPLE_BYTES
    path = tmp_path / "dump.txt"
    path.write_bytes(b"a" * size)
    before = content_fingerprint(path)
    at = 0 if where != "end" else size - 1
    path.write_bytes(b"a" * at + b"b" + b"a" * (size - at - 1))
    assert content_fingerprint(path) != before
    path.write_bytes(b"a" * size)
    assert content_fingerprint(path) == before


def test_an_input_edited_with_its_size_and_time_kept_is_read_again(tmp_path: Path) -> None:
    dump = write_dump(tmp_path, "Forwarded from X\nFirst text\n")
    cache = tmp_path / "cache"
    assert [p.text for p in index.open_library([dump], lambda _m: None, cache=cache)] == [
        "First text"]
    stat = dump.stat()
    dump.write_text("Forwarded from X\nOther text\n", encoding="utf-8")  # same size
    os.utime(dump, ns=(stat.st_atime_ns, stat.st_mtime_ns))  # and its time put back
    assert dump.stat().st_size == stat.st_size
    assert [p.text for p in index.open_library([dump], lambda _m: None, cache=cache)] == [
        "Other text"]


# -- damage -----------------------------------------------------------------------------------
def _delete_rows(path: Path, table: str) -> None:
    conn = sqlite3.connect(path)
    conn.execute(f"DELETE FROM {table} WHERE rowid IN (SELECT rowid FROM {table} LIMIT 2)")
    conn.commit()
    conn.execute("VACUUM")
    conn.close()


def _zero_a_page(path: Path) -> None:
    conn = sqlite3.connect(path)
    page_size = conn.execute("PRAGMA page_size").fetchone()[0]
    # a page of the texts table (its root page), not the first pages that name the tables
    root = conn.execute("SELECT rootpage FROM sqlite_master WHERE name = 'texts'").fetchone()[0]
    conn.close()
    with path.open("r+b") as fh:
        fh.seek((root - 1) * page_size)
        fh.write(b"\x00" * page_size)


def _random_bytes(path: Path) -> None:
    """Random bytes over two whole pages of the texts table, as a bad disk block leaves them."""
    import random

    conn = sqlite3.connect(path)
    page_size = conn.execute("PRAGMA page_size").fetchone()[0]
    root = conn.execute("SELECT rootpage FROM sqlite_master WHERE name = 'texts'").fetchone()[0]
    conn.close()
    with path.open("r+b") as fh:
        fh.seek((root - 1) * page_size)
        fh.write(random.Random(14).randbytes(2 * page_size))


DAMAGE = {
    "rows deleted from posts": lambda p: _delete_rows(p, "posts"),
    "rows deleted from texts": lambda p: _delete_rows(p, "texts"),
    "a zeroed page": _zero_a_page,
    "random bytes": _random_bytes,
}


@pytest.mark.parametrize("how", DAMAGE, ids=list(DAMAGE))
def test_check_index_finds_the_damage(tmp_path: Path, how: str) -> None:
    path = built_index(tmp_path / "cache")
    conn = sqlite3.connect(f"file:{path}?mode=ro", uri=True)
    posts = conn.execute("SELECT count(*) FROM posts").fetchone()[0]
    assert check_index(conn, posts) is None
    conn.close()
    DAMAGE[how](path)
    conn = sqlite3.connect(f"file:{path}?mode=ro", uri=True)
    assert check_index(conn, posts) is not None
    conn.close()


@pytest.mark.parametrize("how", DAMAGE, ids=list(DAMAGE))
def test_a_damaged_index_is_rebuilt_and_the_user_told_once(tmp_path: Path, how: str) -> None:
    cache = tmp_path / "cache"
    expected = list(index.open_library([SAMPLE], lambda _m: None, cache=cache))
    [path] = sorted(cache.glob("index-*.sqlite"))
    DAMAGE[how](path)
    said: list[str] = []
    library = index.open_library([SAMPLE], said.append, cache=cache)
    assert list(library) == expected
    assert all("could not be read" not in post.text for post in library)
    assert library.search("lavrov")
    assert len(said) == 1 and "damaged" in said[0] and str(path) in said[0]
    again: list[str] = []
    index.open_library([SAMPLE], again.append, cache=cache)
    assert again == []  # said once: the rebuilt index is whole


def _sql(path: Path, statement: str) -> None:
    conn = sqlite3.connect(path)
    conn.execute(statement)
    conn.commit()
    conn.close()


#: Damage SQLite's own check does not see: heads that no longer match what they stand for.
HEADS_DAMAGE = {
    "a row of heads lost": "DELETE FROM heads WHERE n = 0",
    "a code out of its table": "UPDATE heads SET tags = x'ffffff7f' || substr(tags, 5)",
    "ids that do not add up": "UPDATE heads SET ids = substr(ids, 2)",
    "a table of values lost": "DELETE FROM head_tables WHERE col = 0",
    "the tag counts lost": "DELETE FROM facets WHERE name = 'tags'",
}


@pytest.mark.parametrize("how", HEADS_DAMAGE, ids=list(HEADS_DAMAGE))
def test_damaged_heads_are_rebuilt_with_the_same_posts_and_counts(tmp_path: Path,
                                                                 how: str) -> None:  # fmt: skip
    cache = tmp_path / "cache"
    built = index.open_library([SAMPLE], lambda _m: None, cache=cache)
    expected = (list(built), built.tags(), built.date_tree(), built.channels())
    [path] = sorted(cache.glob("index-*.sqlite"))
    _sql(path, HEADS_DAMAGE[how])
    library = index.open_library([SAMPLE], lambda _m: None, cache=cache)
    assert (list(library), library.tags(), library.date_tree(), library.channels()) == expected
    assert library.tags() and library.date_tree()


# -- a check that passed is not paid again --------------------------------------------------------
@pytest.fixture
def checks(monkeypatch: pytest.MonkeyPatch) -> list[str]:
    """Every full check of an index or a segment, by kind; files count as settled at once."""
    said: list[str] = []

    def counted(real: Any, kind: str) -> Any:
        def check(*args: Any) -> Any:
            said.append(kind)
            return real(*args)

        return check

    monkeypatch.setattr(index, "check_index", counted(index.check_index, "index"))
    monkeypatch.setattr(segments, "check_segment", counted(segments.check_segment, "segment"))
    monkeypatch.setattr(index_health, "SETTLED_NS", 0)
    return said


def test_a_reopen_trusts_a_check_that_passed_until_the_file_is_written(
        tmp_path: Path, checks: list[str]) -> None:  # fmt: skip
    cache = tmp_path / "cache"
    path = built_index(cache)
    assert checks == ["index"] and checked_mark(path).is_file()
    expected = list(index.open_library([SAMPLE], lambda _m: None, cache=cache))
    assert checks == ["index"]  # the reopen read no page to check it
    DAMAGE["random bytes"](path)
    os.utime(path, ns=(1, 1))  # the written file's times differ from the mark's, whatever tick
    said: list[str] = []
    assert list(index.open_library([SAMPLE], said.append, cache=cache)) == expected
    assert checks[:2] == ["index", "index"] and len(said) == 1 and "damaged" in said[0]


def test_a_file_written_a_moment_ago_is_not_marked(tmp_path: Path,
                                                   monkeypatch: pytest.MonkeyPatch) -> None:
    monkeypatch.setattr(index_health, "SETTLED_NS", 10**18)
    path = built_index(tmp_path / "cache")
    index.open_library([SAMPLE], lambda _m: None, cache=tmp_path / "cache")
    assert not checked_mark(path).exists()  # checked again next time: its times may not tell


def test_a_reused_segment_is_checked_once(tmp_path: Path, checks: list[str]) -> None:
    a, b, c = (write_dump(tmp_path, f"Forwarded from X\n{text} text\n", name=f"{text}.txt")
               for text in ("First", "Second", "Third"))  # fmt: skip
    cache = tmp_path / "cache"
    for inputs in ([a], [a, b], [a, b, c]):  # three archives, each merged from segments
        library = index.open_library(inputs, lambda _m: None, cache=cache)
    assert sorted(post.text for post in library) == ["First text", "Second text", "Third text"]
    assert checks.count("segment") == 2  # a's when first reused, then b's: each once


def test_marks_go_with_their_files(tmp_path: Path, checks: list[str]) -> None:
    cache = tmp_path / "cache"
    path = built_index(cache)
    mark = checked_mark(path)
    vouched = mark.read_text("ascii")
    path.write_bytes(b"not a database\n" * 300)
    index.open_library([SAMPLE], lambda _m: None, cache=cache)  # deleted, built again
    assert index_health.is_checked(path)  # the new file's own check
    assert mark.read_text("ascii") != vouched
    orphan = cache / "index-0000000000000000.sqlite.checked"
    orphan.write_text("1 2 3 4 5", "ascii")
    segments.sweep(cache, index.SCHEMA_VERSION)
    assert not orphan.exists() and path.is_file()
