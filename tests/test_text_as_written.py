"""Text exactly as written: a blank line is one blank line on screen, the paragraph cursor
never rests on one, and zero-width characters survive every path to the reader."""

from __future__ import annotations

import json
from pathlib import Path

import pytest
from apphelpers import pane, running, user_dirs  # noqa: F401
from conftest import FakePyperclip, load_posts, write_dump

pytestmark = pytest.mark.usefixtures("user_dirs")

TEXT = "First line\n\nSecond\u200b li\u200dne\n\n\nThird \u2060line"


def export(tmp_path: Path) -> Path:
    path = tmp_path / "result.json"
    path.write_text(json.dumps({"name": "C", "type": "public_channel", "id": 5, "messages": [
        {"id": 1, "type": "message", "date": "2024-01-02T03:04:05", "from": "C", "text": TEXT},
    ]}), encoding="utf-8")  # fmt: skip
    return path


def test_zero_width_characters_and_blank_lines_reach_the_post(tmp_path: Path) -> None:
    [from_json] = load_posts([export(tmp_path)], lambda m: None)
    web = write_dump(tmp_path, "Forwarded from C\n" + TEXT + "\n")
    [from_web] = load_posts([web], lambda m: None)
    assert from_json.text == TEXT == from_web.text


async def test_one_blank_line_is_one_blank_row_and_the_cursor_skips_it(tmp_path: Path) -> None:
    clip = FakePyperclip()
    async with running([export(tmp_path)], backend=clip) as (app, pilot):
        await pilot.press("enter")
        rows = pane(app).plain_text().split("\n")
        first = rows.index("First line")
        assert rows[first + 1 : first + 4] == ["", "Second\u200b li\u200dne", ""]
        assert rows[first + 4 : first + 6] == ["", "Third \u2060line"]
        await pilot.press("down", "y")
        assert clip.copied == ["Second\u200b li\u200dne"]
        await pilot.press("down", "y")
        assert clip.copied[-1] == "Third \u2060line"
        await pilot.press("up", "y")
        assert clip.copied[-1] == "Second\u200b li\u200dne"
