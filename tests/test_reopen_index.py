"""`reopen_library`: the index of these very inputs, read from the cache without building
anything, and without sniffing again the files it was built from while they are unchanged."""

from __future__ import annotations

import os
from pathlib import Path
from typing import Any

import pytest
from conftest import SAMPLE, write_dump

from tui import index, ingest
from tui.ingest import formats


@pytest.fixture
def sniffed(monkeypatch: pytest.MonkeyPatch) -> list[str]:
    """The name of every file sniffed for its kind."""
    said: list[str] = []
    real = ingest.sniff

    def counted(path: Path, head: bytes) -> Any:
        said.append(path.name)
        return real(path, head)

    monkeypatch.setattr(ingest, "sniff", counted)
    return said


def folder_of_dumps(tmp_path: Path) -> Path:
    folder = tmp_path / "dumps"
    folder.mkdir()
    for name in ("a", "b"):
        write_dump(folder, f"Forwarded from X\n{name} text\n", name=f"{name}.txt")
    return folder


def test_nothing_is_built_when_there_is_no_index(tmp_path: Path) -> None:
    cache = tmp_path / "cache"
    assert index.reopen_library([SAMPLE], lambda _m: None, cache) is None
    assert not cache.exists() or not any(cache.iterdir())


@pytest.mark.parametrize("where", ["file", "folder"])
def test_a_reopen_sniffs_no_file_it_was_built_from(tmp_path: Path, sniffed: list[str],
                                                  where: str) -> None:  # fmt: skip
    dump = SAMPLE if where == "file" else folder_of_dumps(tmp_path)
    cache = tmp_path / "cache"
    said: list[str] = []
    built = index.open_library([dump], said.append, cache=cache)
    sniffed.clear()
    again: list[str] = []
    reopened = index.reopen_library([dump], again.append, cache)
    assert reopened is not None and list(reopened) == list(built) and again == said
    assert sniffed == []


def test_a_file_edited_with_its_size_and_time_kept_is_sniffed_and_not_reused(
        tmp_path: Path, sniffed: list[str]) -> None:  # fmt: skip
    folder = folder_of_dumps(tmp_path)
    cache = tmp_path / "cache"
    index.open_library([folder], lambda _m: None, cache=cache)
    edited = folder / "b.txt"
    stat = edited.stat()
    edited.write_text("Forwarded from X\nc text\n", encoding="utf-8")  # same size
    os.utime(edited, ns=(stat.st_atime_ns, stat.st_mtime_ns))  # and its time put back
    sniffed.clear()
    assert index.reopen_library([folder], lambda _m: None, cache) is None  # to be built
    assert sniffed == ["b.txt"]
    assert sorted(p.text for p in index.open_library([folder], lambda _m: None,
                                                     cache=cache)) == ["a text", "c text"]
    assert sniffed == ["b.txt", "b.txt"]  # the build too sniffs the changed file only


def test_a_file_added_to_an_indexed_folder_is_the_only_one_sniffed(
        tmp_path: Path, sniffed: list[str]) -> None:  # fmt: skip
    folder = folder_of_dumps(tmp_path)
    cache = tmp_path / "cache"
    index.open_library([folder], lambda _m: None, cache=cache)
    write_dump(folder, "Forwarded from X\nd text\n", name="d.txt")
    sniffed.clear()
    library = index.open_library([folder], lambda _m: None, cache=cache)
    assert sorted(p.text for p in library) == ["a text", "b text", "d text"]
    assert sniffed == ["d.txt"]


def test_the_kinds_a_reopen_trusts_are_those_sniffed() -> None:
    assert ingest.KINDS == {kind for kind, _looks_like in formats.SNIFFERS} == set(
        formats.PARSERS)
