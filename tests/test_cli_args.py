"""`export` and `notes export` take options and paths in any order; `notes` alone says what to
type. Run in-process through `main(argv)`, as a user types them."""

from __future__ import annotations

import json
from pathlib import Path

import pytest
from conftest import SAMPLE

from tui.cli import main


@pytest.fixture
def db_in_env(tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> Path:
    path = tmp_path / "library.json"
    monkeypatch.setenv("TGREADER_DB", str(path))
    return path


def test_notes_export_takes_a_path_after_its_options(
    db_in_env: Path, capsys: pytest.CaptureFixture[str]
) -> None:
    assert main(["notes", "export", "--format", "md", str(SAMPLE)]) == 0
    out = capsys.readouterr()
    assert out.out.startswith("# tgreader notes") and out.err == ""


def test_notes_export_options_after_the_path_and_json(
    db_in_env: Path, capsys: pytest.CaptureFixture[str]
) -> None:
    assert main(["notes", "export", str(SAMPLE), "-f", "json"]) == 0
    assert isinstance(json.loads(capsys.readouterr().out), dict | list)


def test_notes_alone_says_what_to_type(db_in_env: Path, capsys: pytest.CaptureFixture[str]) -> None:
    assert main(["notes"]) == 2
    err = capsys.readouterr().err
    assert "tgreader notes export" in err and "required" not in err


def test_export_takes_options_between_paths(
    tmp_path: Path, capsys: pytest.CaptureFixture[str]
) -> None:
    out = tmp_path / "posts.jsonl"
    assert main(["export", "-o", str(out), str(SAMPLE), "--format", "jsonl"]) == 0
    assert len(out.read_text(encoding="utf-8").splitlines()) == 9
