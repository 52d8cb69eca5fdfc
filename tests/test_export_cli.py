"""`tgreader export` end to end: every format parses, reading order, exit codes, stderr lines."""

from __future__ import annotations

import csv
import io
import json
import re
from collections.abc import Iterator
from pathlib import Path

import pytest
from conftest import load_posts, one_error_line, tgreader, write_dump
from markdown_it import MarkdownIt

from tui.exporting import export_posts
from tui.model import Post

REQUIRED = {"id", "source", "date", "date_inferred", "date_bounds", "title", "text",
            "hashtags", "has_media", "links", "occurrences", "origin"}  # fmt: skip


@pytest.fixture(scope="module")
def sample_json() -> list[dict]:
    done = tgreader("export", "data/russian_mfa_sco.txt", "--format", "json")
    assert done.returncode == 0 and done.stderr == ""
    return json.loads(done.stdout)


def test_json_has_the_documented_fields(sample_json: list[dict]) -> None:
    assert len(sample_json) == 9
    for record in sample_json:
        assert REQUIRED <= record.keys()
        assert isinstance(record["id"], str) and isinstance(record["occurrences"], int)
        assert record["origin"]["path"].endswith("russian_mfa_sco.txt")
        assert all(set(link) >= {"text", "url"} for link in record["links"])
    first = sample_json[0]
    assert first["title"] == first["text"].split("\n")[0]
    assert first["hashtags"] == ["SCO", "Lavrov"] and first["has_media"] is True
    assert sample_json[1]["links"] == [{"text": "Read in full", "url": None}]
    assert sample_json[1]["date"] is None
    assert sample_json[1]["date_bounds"] == ["2022-09-15", "2023-04-14"]
    assert (sample_json[6]["date"], sample_json[6]["date_inferred"]) == ("2024-01-10", True)
    assert [r["origin"]["line"] for r in sample_json] == [1, 15, 43, 67, 85, 105, 115, 131, 147]


def test_default_is_the_bundled_sample_as_json(sample_json: list[dict]) -> None:
    done = tgreader("export")
    assert done.returncode == 0
    assert [r["id"] for r in json.loads(done.stdout)] == [r["id"] for r in sample_json]


def test_jsonl_and_csv_carry_the_same_posts(sample_json: list[dict]) -> None:
    jsonl = tgreader("export", "data/russian_mfa_sco.txt", "-f", "jsonl")
    assert [json.loads(line) for line in jsonl.stdout.splitlines()] == sample_json
    done = tgreader("export", "data/russian_mfa_sco.txt", "--format", "csv")
    rows = list(csv.DictReader(io.StringIO(done.stdout)))
    assert [r["id"] for r in rows] == [r["id"] for r in sample_json]
    assert [r["text"] for r in rows] == [r["text"] for r in sample_json]
    assert rows[0]["hashtags"] == "#SCO #Lavrov"


def test_markdown_is_one_section_per_post_with_date_source_and_tags(
    sample_json: list[dict],
) -> None:
    done = tgreader("export", "data/russian_mfa_sco.txt", "--format", "md")
    assert done.returncode == 0
    sections = re.split(r"^## ", done.stdout, flags=re.MULTILINE)[1:]
    assert len(sections) == 9
    assert "**Date:** 15 Sep 2022" in sections[0]
    assert "**Source:** Russian MFA 🇷🇺" in sections[0]
    assert "**Tags:** \\#SCO \\#Lavrov" in sections[0]  # escaped: a post's words, not markup
    assert "undated · between 15 Sep 2022 and 14 Apr 2023" in sections[1]
    assert "year inferred" in sections[6]


def test_bad_input_exits_2_with_one_line_and_no_traceback(tmp_path: Path) -> None:
    (tmp_path / "empty.txt").write_bytes(b"")
    assert "missing.txt" in one_error_line("export", str(tmp_path / "missing.txt"))
    assert "empty.txt" in one_error_line("export", str(tmp_path / "empty.txt"))
    done = tgreader("export", str(tmp_path))  # a folder whose only file is empty
    assert done.returncode == 2 and done.stdout == "" and "Traceback" not in done.stderr
    assert len(done.stderr.splitlines()) == 2, done.stderr  # the file skipped, then the folder
    done = tgreader("export", "data/russian_mfa_sco.txt", "--format", "xml")  # argparse usage
    assert done.returncode == 2 and done.stdout == "" and "Traceback" not in done.stderr


def test_reading_order_across_two_files(tmp_path: Path) -> None:
    def post(title: str, date: str) -> str:
        return f"Forwarded from X\n{title}\n📍 Moscow, {date}\n"

    later = write_dump(tmp_path, post("A", "1 March 2022") + post("C", "1 May 2022"), "a.txt")
    earlier = write_dump(tmp_path, post("B", "1 April 2022") + post("D", "1 June 2022"), "b.txt")
    done = tgreader("export", str(later), str(earlier), "-f", "jsonl")
    assert [json.loads(line)["title"] for line in done.stdout.splitlines()] == list("ABCD")


def test_markdown_post_text_cannot_open_a_section(tmp_path: Path) -> None:
    text = (
        "Forwarded from X\nFirst\n## Not a heading\n---\nunderlined?\n===\n# also not\n"
        "Forwarded from X\nSecond\n"
    )
    posts = load_posts([write_dump(tmp_path, text)], lambda _: None)
    tokens = MarkdownIt("commonmark").parse(export_posts(posts, "md"))
    headings = [tokens[i + 1].content for i, t in enumerate(tokens) if t.type == "heading_open"]
    assert headings == ["Posts", "1. First", "2. Second"]
    assert [t.type for t in tokens].count("hr") == 1  # only the separator between the two


class _Watched(io.StringIO):
    """An output that notes how many posts had been read at each write."""

    def __init__(self, read: list[int]) -> None:
        super().__init__()
        self.read = read
        self.seen: list[tuple[int, str]] = []

    def write(self, text: str) -> int:
        self.seen.append((self.read[0], text))
        return super().write(text)


@pytest.mark.parametrize("fmt", ["json", "jsonl", "csv", "md"])
def test_export_streams_each_post_before_reading_the_next(tmp_path: Path, fmt: str) -> None:
    """Memory follows one post, not the archive: each post is written out, in reading order,
    before the next one is read, and the streamed text is the whole export, unchanged."""
    from tui.exporting import write_posts

    text = "".join(f"Forwarded from X\nPost {n}\n📍 Moscow, {n} March 2022\n" for n in range(1, 6))
    posts = load_posts([write_dump(tmp_path, text)], lambda _: None)
    read = [0]

    def one_by_one() -> Iterator[Post]:
        for post in posts:
            read[0] += 1
            yield post

    out = _Watched(read)
    write_posts(one_by_one(), fmt, out)
    assert out.getvalue() == export_posts(posts, fmt)
    for number in range(1, len(posts) + 1):
        written = "".join(chunk for count, chunk in out.seen if count <= number)
        assert f"Post {number}" in written and f"Post {number + 1}" not in written


def test_output_file_holds_what_stdout_prints(tmp_path: Path) -> None:
    target = tmp_path / "out.md"
    to_file = tgreader("export", "data/russian_mfa_sco.txt", "-f", "md", "-o", str(target))
    to_stdout = tgreader("export", "data/russian_mfa_sco.txt", "-f", "md")
    assert to_file.returncode == 0 and to_file.stdout == ""
    assert target.read_text(encoding="utf-8") == to_stdout.stdout
