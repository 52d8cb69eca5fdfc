"""Bad input: one line per problem naming the file, exit code 2 when fatal, nothing dropped."""

from __future__ import annotations

from pathlib import Path

import pytest
from conftest import export_json, load_posts, write_dump

from tui.cli import EXIT_BAD_INPUT

GOOD = "Forwarded from X\nTitle\n📍 Moscow, March 1, 2022\nBody\n"



def test_missing_path(capsys: pytest.CaptureFixture[str], tmp_path: Path) -> None:
    code, _, err = export_json(capsys, str(tmp_path / "nope.txt"))
    assert code == EXIT_BAD_INPUT
    assert err == [f"tgreader: {tmp_path / 'nope.txt'}: no such file or folder"]


def test_folder_without_dumps(capsys: pytest.CaptureFixture[str], tmp_path: Path) -> None:
    (tmp_path / "photo.jpg").write_bytes(b"\xff\xd8\xff")
    code, _, err = export_json(capsys, str(tmp_path))
    assert code == EXIT_BAD_INPUT
    assert len(err) == 1 and str(tmp_path) in err[0] and "no Telegram dumps" in err[0]
    assert "photo.jpg" in err[0]  # what was there and skipped is named in that one line


@pytest.mark.parametrize(
    ("data", "says"),
    [
        (b"", "empty file"),
        (b"  \n\n\t\n", "empty file"),
        (b"\x89PNG\r\n\x1a\n\x00\x00\x00\rIHDR", "binary file"),
        ("Forwarded from X\nТекст\n".encode("cp1251"), "not UTF-8"),
        ("Forwarded from X\nText\n".encode("utf-16"), "UTF-16"),
    ],
    ids=["empty", "blank-lines-only", "binary", "cp1251", "utf16"],
)
def test_unreadable_file_is_one_fatal_line(
    capsys: pytest.CaptureFixture[str], tmp_path: Path, data: bytes, says: str
) -> None:
    path = tmp_path / "dump.txt"
    path.write_bytes(data)
    code, _, err = export_json(capsys, str(path))
    assert code == EXIT_BAD_INPUT
    assert len(err) == 1, err
    assert err[0].startswith(f"tgreader: {path}") and says in err[0]


def test_not_utf8_names_the_line(capsys: pytest.CaptureFixture[str], tmp_path: Path) -> None:
    path = tmp_path / "dump.txt"
    path.write_bytes(GOOD.encode() + "Ещё\n".encode("cp1251"))
    _, _, err = export_json(capsys, str(path))
    assert err[0].startswith(f"tgreader: {path}:5: not UTF-8")


def test_text_before_first_forwarded_line_is_kept_with_one_warning(
    capsys: pytest.CaptureFixture[str], tmp_path: Path
) -> None:
    path = write_dump(tmp_path, "Copied on Monday\n" + GOOD)
    code, posts, err = export_json(capsys, str(path))
    assert code == 0
    assert len(err) == 1 and f"{path}:1:" in err[0] and "before the first" in err[0]
    assert posts[0]["text"] == "Copied on Monday" and posts[0]["source"] is None
    assert posts[1]["title"] == "Title"


def test_file_without_any_forwarded_line_is_read_with_one_warning(
    capsys: pytest.CaptureFixture[str], tmp_path: Path
) -> None:
    path = write_dump(tmp_path, "hello\nworld\n", "notes.txt")
    code, posts, err = export_json(capsys, str(path))
    assert code == 0
    assert len(err) == 1 and str(path) in err[0], err
    assert [p["text"] for p in posts] == ["hello\nworld"]


def test_bom_and_crlf_simply_work(capsys: pytest.CaptureFixture[str], tmp_path: Path) -> None:
    plain = write_dump(tmp_path, GOOD, "plain.txt")
    windows = write_dump(tmp_path, GOOD, "windows.txt", crlf=True, bom=True)
    _, posts_plain, _ = export_json(capsys, str(plain))
    code, posts_windows, err = export_json(capsys, str(windows))
    assert code == 0 and err == []
    assert [(p["source"], p["text"], p["date"]) for p in posts_windows] == [
        (p["source"], p["text"], p["date"]) for p in posts_plain
    ]


def test_bad_file_in_a_folder_is_skipped_by_name(
    capsys: pytest.CaptureFixture[str], tmp_path: Path
) -> None:
    write_dump(tmp_path, GOOD, "a.txt")
    (tmp_path / "b.txt").write_bytes("Forwarded from X\nТекст\n".encode("cp1251"))
    code, posts, err = export_json(capsys, str(tmp_path))
    assert code == 0 and len(posts) == 1
    assert len(err) == 1 and str(tmp_path / "b.txt") in err[0] and "skipped" in err[0]


def test_two_missing_paths_stop_at_the_first(
    capsys: pytest.CaptureFixture[str], tmp_path: Path
) -> None:
    code, _, err = export_json(capsys, str(tmp_path / "x.txt"), str(tmp_path / "y.txt"))
    assert code == EXIT_BAD_INPUT and len(err) == 1 and "x.txt" in err[0]


def test_an_unrecognised_text_file_in_a_folder_is_named_not_silently_skipped(
    tmp_path: Path,
) -> None:
    
    folder = tmp_path / "dumps"
    folder.mkdir()
    (folder / "channel.txt").write_text("Forwarded from C\nHello\n", encoding="utf-8")
    (folder / "shopping.txt").write_text("milk\neggs\n", encoding="utf-8")
    warnings: list[str] = []
    posts = load_posts([folder], warnings.append)
    assert [p.text for p in posts] == ["Hello"]
    assert warnings == [f"{folder / 'shopping.txt'}: not recognisably a Telegram dump (skipped)"]


def test_a_binary_file_without_a_text_name_in_a_folder_is_named_not_silently_skipped(
    tmp_path: Path,
) -> None:
    folder = tmp_path / "dumps"
    (folder / "photos").mkdir(parents=True)
    (folder / "channel.txt").write_text("Forwarded from C\nHello\n", encoding="utf-8")
    (folder / "archive.bin").write_bytes(b"\x00\x01\x02binary")
    (folder / "README").write_bytes(b"\x89PNG\r\n")
    (folder / "photos" / "photo_1.jpg").write_bytes(b"\xff\xd8\xff")
    warnings: list[str] = []
    posts = load_posts([folder], warnings.append)
    assert [p.text for p in posts] == ["Hello"]
    # One line names the files beside the dumps; media inside subfolders are expected.
    assert len(warnings) == 1
    assert "skipped 2 file(s)" in warnings[0] and "README" in warnings[0]
    assert "archive.bin" in warnings[0] and "photo_1.jpg" not in warnings[0]


@pytest.mark.parametrize(
    ("name", "data", "expected"),
    [
        ("page.html", "<!DOCTYPE html><html><body><p>Hello</p></body></html>", "HTML export"),
        ("page.txt", "<html><head><title>x</title></head><body>Hi</body></html>", "HTML export"),
        ("data.json", '{"items": [1, 2, 3]}', "JSON export"),
        ("config.txt", '{"name": "x", "value": 1}', "JSON export"),
    ],
    ids=["html", "html-named-txt", "json", "json-named-txt"],
)
def test_a_file_that_is_not_a_telegram_export_is_refused(
    capsys: pytest.CaptureFixture[str], tmp_path: Path, name: str, data: str, expected: str
) -> None:
    path = tmp_path / name
    path.write_text(data, encoding="utf-8")
    code, records, err = export_json(capsys, str(path))
    assert code == EXIT_BAD_INPUT and records == []
    assert err == [f"tgreader: {path}: not a Telegram export: expected " + err[0].split(
        "expected ", 1)[1]]  # fmt: skip
    assert expected in err[0]
