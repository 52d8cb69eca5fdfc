"""Post text is data: markup-looking brackets and terminal escapes in a post are shown as
written, everywhere the app shows post text, and never act (no style, no click action, no
quitting, no raw ESC on the terminal)."""

from __future__ import annotations

from pathlib import Path

import pytest
from apphelpers import (
    FakePyperclip,
    date_labels,
    focus_reaches,
    list_rows,
    open_post,
    palette_type,
    pane_text,
    running,
    screen_text,
    search_box,
    status,
    tag_options,
    toasts,
    user_dirs,  # noqa: F401  (fixture)
)
from conftest import write_dump
from rich.cells import cell_len
from textual.widgets import TextArea

from tui.app import ReaderApp
from tui.widgets.dialogs import NoteEditor, NotesScreen, TagPicker
from tui.widgets.help import HelpScreen
from tui.widgets.post_list import PostList

pytestmark = pytest.mark.usefixtures("user_dirs")

ESC = "\x1b"
TITLE = f"[bold]Loud[/] [/link] [@click=app.quit]x[/] #tag {ESC}[31mred{ESC}[0m"
SHOWN_TITLE = "[bold]Loud[/] [/link] [@click=app.quit]x[/] #tag ^[[31mred^[[0m"
BODY = "Body [red]not red[/red] and [link=https://example.org]no link[/link] #tag2 [/]"
INJECTION = f"""\
Forwarded from [b]Evil[/b] channel
{TITLE}
📍 Moscow, March 3, 2023
{BODY}
Forwarded from Plain channel
A harmless neighbour
"""


def injection_dump(tmp_path: Path) -> Path:
    return write_dump(tmp_path, INJECTION, "injection.txt")


def no_raw_escape(app: ReaderApp) -> str:
    text = screen_text(app)
    assert ESC not in text, "a raw ESC reached the screen"
    return text


async def test_list_pane_tree_and_tags_show_the_brackets_literally(tmp_path: Path) -> None:
    async with running([injection_dump(tmp_path)]) as (app, pilot):
        assert app.is_running
        assert SHOWN_TITLE in list_rows(app)[0]
        shown = pane_text(app)
        assert SHOWN_TITLE in shown and BODY in shown and "[b]Evil[/b] channel" in shown
        text = no_raw_escape(app)
        assert "[bold]Loud[/] [/link] [@click=app.quit]x[/]" in text  # list row and pane
        assert "^[[31mred^[[0m" in text
        # On screen, wherever the pane wraps the line, every bracket is still there.
        for piece in ("Body [red]not red[/red] and", "[link=https://example.org]no",
                      "link[/link]", "#tag2 [/]"):
            assert piece in text, piece
        assert "#tag 1" in tag_options(app) and "#tag2 1" in tag_options(app)
        assert any(label.startswith("2023") for label in date_labels(app))
        assert status(app) == "2 posts · 2 shown"


async def test_clicking_the_fake_click_markup_does_not_quit(tmp_path: Path) -> None:
    async with running([injection_dump(tmp_path)]) as (app, pilot):
        lines = no_raw_escape(app).splitlines()
        clicked = 0
        for y, line in enumerate(lines):
            if "[@click=app.quit]x[/]" in line:
                x = cell_len(line[: line.index("[@click=app.quit]x[/]")]) + 2
                clicked += await pilot.click(offset=(x, y))
                await pilot.pause()
        assert clicked and app.is_running


async def test_palette_help_picker_search_and_notes_show_the_text_literally(
    tmp_path: Path,
) -> None:
    async with running([injection_dump(tmp_path)], backend=FakePyperclip()) as (app, pilot):
        await palette_type(app, pilot, "loud")
        text = no_raw_escape(app)
        assert "[bold]Loud[/] [/link] [@click=app.quit]x[/] #tag ^[[31mred" in text
        await pilot.press("escape")

        await pilot.press("question_mark")
        await pilot.pause()
        assert isinstance(app.screen, HelpScreen)
        assert "tgreader — keys" in no_raw_escape(app)
        await pilot.press("escape")

        await pilot.press("number_sign")
        await pilot.pause()
        assert isinstance(app.screen, TagPicker)
        assert "#tag2" in no_raw_escape(app)
        await pilot.press("escape")

        await pilot.press("slash")
        search_box(app).value = "[bold]"
        await pilot.pause()
        assert status(app).startswith("2 posts · “[bold]” · 1 shown")
        await pilot.press("enter")
        await focus_reaches(app, pilot, PostList)
        await open_post(app, pilot)
        await pilot.press("J", "J", "a")  # select the whole post, note it
        await pilot.pause()
        assert isinstance(app.screen, NoteEditor)
        editor = no_raw_escape(app)
        assert "New note on: [bold]Loud[/] [/link]" in editor
        assert "▌ Body [red]not red[/red]" in editor
        app.screen.query_one(TextArea).insert("My [i]note[/i] [@click=app.quit]q[/]")
        await pilot.press("ctrl+s", "e")
        await pilot.pause()
        assert isinstance(app.screen, NotesScreen)
        notes = no_raw_escape(app)
        assert "My [i]note[/i] [@click=app.quit]q[/]" in notes
        assert "▌ [bold]Loud[/] [/link] [@click=app.quit]x[/] #tag ^[[31mred" in notes
        await pilot.press("escape")
        await pilot.pause()
        assert "My [i]note[/i] [@click=app.quit]q[/]" in pane_text(app)
        await pilot.press("B")  # every bookmark and note, by title
        await pilot.pause()
        assert "[bold]Loud[/] [/link] [@click=app.quit]x[/] #tag ^[[31mred" in no_raw_escape(app)
        assert app.is_running


async def test_copying_gives_back_the_original_text_escape_and_all(tmp_path: Path) -> None:
    clip = FakePyperclip()
    async with running([injection_dump(tmp_path)], backend=clip) as (app, pilot):
        await open_post(app, pilot)
        await pilot.press("y")
        assert clip.copied == [TITLE]
        assert all(ESC not in message for message in toasts(app))
