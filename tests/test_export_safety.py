"""Exports of a hostile archive: nothing in any format acts on a terminal, no CSV cell runs as a
spreadsheet formula, and Markdown renders every post's words exactly as written (checked by
rendering with markdown-it, the CommonMark parser that Rich uses)."""

from __future__ import annotations

import csv
import io
import json
import re
from pathlib import Path

import hostile
import pytest
from conftest import load_posts, write_dump
from hypothesis import given
from hypothesis import strategies as st
from markdown_it import MarkdownIt
from markdown_it.token import Token

from tui.cli import main
from tui.model import PostSnapshot, Quote
from tui.notes_export import export_notes
from tui.safetext import markdown_inline, markdown_verbatim, visible
from tui.storage import Store

LIVE = re.compile("[\x1b\x07\x7f-\x9f\u061c\u200e\u200f\u202a-\u202e\u2066-\u2069]")


def render(markdown: str) -> list[Token]:
    return MarkdownIt("commonmark").enable(["table", "strikethrough"]).parse(markdown)


def inline_text(token: Token) -> str:
    """What an inline token shows, as plain text."""
    return "".join(child.content for child in token.children or ())


def headings(tokens: list[Token]) -> list[str]:
    return [inline_text(tokens[i + 1]) for i, t in enumerate(tokens) if t.type == "heading_open"]


@pytest.fixture
def archive(tmp_path: Path) -> Path:
    return hostile.write_archive(tmp_path / "archive")


def export(archive: Path, fmt: str, capsys: pytest.CaptureFixture[str]) -> str:
    assert main(["export", str(archive), "--format", fmt]) == 0
    captured = capsys.readouterr()
    assert not LIVE.search(captured.err), captured.err  # the warning names the hostile file
    return captured.out


@pytest.mark.parametrize("fmt", ["json", "jsonl", "csv", "md"])
def test_no_format_prints_a_live_control_character(
    archive: Path, fmt: str, capsys: pytest.CaptureFixture[str]
) -> None:
    out = export(archive, fmt, capsys)
    assert "cHduZWQ=" in out  # the hostile posts are there
    assert not LIVE.search(out), LIVE.findall(out)


def test_json_still_gives_back_every_character_exactly(
    archive: Path, capsys: pytest.CaptureFixture[str]
) -> None:
    records = json.loads(export(archive, "json", capsys))
    posts = load_posts([archive], lambda _: None)
    assert [r["text"] for r in records] == [p.text for p in posts]
    assert records[0]["links"][0]["url"] == hostile.BREAKOUT_URL


def test_markdown_shows_each_post_exactly_as_written(
    archive: Path, capsys: pytest.CaptureFixture[str]
) -> None:
    posts = load_posts([archive], lambda _: None)
    tokens = render(export(archive, "md", capsys))
    fences = [t.content for t in tokens if t.type == "fence"]
    assert fences == [visible(p.text) + "\n" for p in posts]
    assert headings(tokens) == ["Posts"] + [
        f"{n}. {' '.join(visible(p.title).split())}" for n, p in enumerate(posts, 1)
    ]
    kinds = {t.type for t in tokens} | {c.type for t in tokens for c in t.children or ()}
    assert not kinds & {"html_block", "html_inline", "em_open", "blockquote_open", "s_open"}
    links = [c.attrs["href"] for t in tokens for c in t.children or () if c.type == "link_open"]
    assert links == [hostile.SAFE_URL]  # the one clean web address; the others are text
    shown = "\n".join(inline_text(t) for t in tokens if t.type == "inline")
    assert "#[@click=app.quit]tag" in shown and "javascript:alert(1)" in shown


def test_a_post_of_markdown_is_text_in_the_digest(
    tmp_path: Path, capsys: pytest.CaptureFixture[str]
) -> None:
    body = "- item\n> quote\n*stars* and _under_\n<b>bold</b> &amp; [x](https://x.example)\n" \
        "    indented\n# hash\n````\n```\n\n\n---\nend"
    dump = write_dump(tmp_path, f"Forwarded from X\nTitle *not em*\n{body}\n")
    posts = load_posts([dump], lambda _: None)
    assert main(["export", str(dump), "--format", "md"]) == 0
    tokens = render(capsys.readouterr().out)
    assert [t.content for t in tokens if t.type == "fence"] == [posts[0].text + "\n"]
    assert headings(tokens) == ["Posts", "1. Title *not em*"]
    assert [t.type for t in tokens].count("hr") == 0 and "bullet_list_open" not in {
        t.type for t in tokens
    }


@pytest.mark.parametrize("start", ["=", "+", "-", "@", "\t"])
def test_csv_cells_that_a_spreadsheet_would_run_start_with_a_quote(
    tmp_path: Path, start: str, capsys: pytest.CaptureFixture[str]
) -> None:
    formula = f'{start}HYPERLINK("http://evil.example","x")'
    document = {"name": f"{start}chan", "type": "public_channel", "id": 1, "messages": [
        {"id": 1, "type": "message", "date": "2023-03-01T10:00:00", "from": f"{start}chan",
         "text": [formula, " ", {"type": "hashtag", "text": "#t"}]},
    ]}  # fmt: skip
    (tmp_path / "result.json").write_text(json.dumps(document), encoding="utf-8")
    assert main(["export", str(tmp_path / "result.json"), "--format", "csv"]) == 0
    (row,) = csv.DictReader(io.StringIO(capsys.readouterr().out))
    assert not [cell for cell in row.values() if cell.startswith(("=", "+", "-", "@", "\t"))]
    assert row["text"] == "'" + formula + " #t"
    assert row["source"] == f"'{start}chan" or start == "\t"  # a name's tab is trimmed
    assert row["hashtags"] == "#t" and row["date"] == "2023-03-01"


def test_notes_markdown_escapes_the_posts_words_and_shows_the_notes_controls(
    tmp_path: Path,
) -> None:
    store = Store.open(tmp_path / "library.json")
    snapshot = PostSnapshot(post_id="p1", source=hostile.FORWARDED, title=hostile.TITLE,
                            date="2023-03-01", channel=hostile.CHANNEL)  # fmt: skip
    quote = "- item\n> quote\n" + hostile.SECOND
    store.add_note(snapshot, hostile.NOTE_BODY, Quote(quote, 0, 1))
    text = export_notes(store, "md")
    assert not LIVE.search(text), LIVE.findall(text)
    tokens = render(text)
    assert headings(tokens)[1:3] == [
        " ".join(visible(hostile.CHANNEL).split()), " ".join(visible(hostile.TITLE).split())
    ]
    assert [t.content for t in tokens if t.type == "fence"] == [visible(quote) + "\n"]
    assert visible(hostile.NOTE_BODY) in text
    assert not LIVE.search(export_notes(store, "json"))
    assert json.loads(export_notes(store, "json"))["posts"][0]["notes"][0]["body"] == \
        hostile.NOTE_BODY


@given(st.text())
def test_any_text_renders_verbatim_in_its_fence(text: str) -> None:
    (fence,) = [t for t in render(markdown_verbatim(text)) if t.type == "fence"]
    assert fence.content == visible(text) + "\n"


@given(st.text().filter(str.strip))
def test_any_title_renders_as_written_in_a_heading(text: str) -> None:
    assert headings(render("## " + markdown_inline(text))) == [" ".join(visible(text).split())]
