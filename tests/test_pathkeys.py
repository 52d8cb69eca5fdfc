"""One file named twice is one input; one folder spelled in another case is one archive."""

from __future__ import annotations

import json
import os
from pathlib import Path

import pytest
from conftest import SAMPLE

from tui.cli import main
from tui.pathkeys import distinct_files, path_key


def test_one_file_under_two_names_is_read_once(
    tmp_path: Path, capsys: pytest.CaptureFixture[str]
) -> None:
    # A hard link stands in for `A.txt` beside `a.txt` on a case-insensitive disk (macOS,
    # Windows): two names, one file. Before, every post listed the file twice as its origin.
    lower = tmp_path / "a.txt"
    lower.write_bytes(SAMPLE.read_bytes())
    upper = tmp_path / "A.txt"
    os.link(lower, upper)

    assert main(["export", "--format", "jsonl", str(lower), str(upper)]) == 0
    posts = [json.loads(line) for line in capsys.readouterr().out.splitlines()]
    assert len(posts) == 9
    assert all(post["origins"] == [{"path": str(lower), "line": post["origin"]["line"]}]
               for post in posts)  # fmt: skip


def test_two_different_files_differing_only_in_case_stay_two(tmp_path: Path) -> None:
    lower, upper = tmp_path / "a.txt", tmp_path / "A.txt"
    lower.write_text("x")
    upper.write_text("x")
    assert distinct_files([lower, upper], lambda path: path) == [lower, upper]


def test_a_folder_spelled_in_another_case_keys_the_same_archive(tmp_path: Path) -> None:
    # On macOS `resolve()` keeps the spelling the user typed; the key takes the disk's, so the
    # reading state of `~/Channel Exports` is found when `~/channel exports` is opened. This
    # disk is case-sensitive, so the second spelling stands for what a macOS user may type.
    folder = tmp_path / "Channel Exports"
    folder.mkdir()
    (folder / "sco.txt").write_bytes(SAMPLE.read_bytes())
    typed = tmp_path / "channel exports"
    assert path_key(typed) == path_key(folder)
    assert path_key(folder).endswith("/Channel Exports")


def test_the_key_uses_forward_slashes_and_is_unchanged_for_plain_posix_paths() -> None:
    key = path_key(SAMPLE)
    assert "\\" not in key
    assert key == str(SAMPLE.resolve())  # reading state saved before this change still matches
