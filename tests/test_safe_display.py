"""Hostile text in the places the pty test (test_terminal_stream) cannot feed or cannot
pinpoint, checked quickly with Pilot: the command palette's entries are literal text (a tag
`#[/]` raised MarkupError and the app exited), and pasted text, such as a post copied with
`y`, goes into the search box and the note editor with its control characters shown."""

from __future__ import annotations

from pathlib import Path

import hostile
import pytest
from apphelpers import (
    palette_choose,
    palette_prompts,
    palette_type,
    running,
    search_box,
    status,
    user_dirs,  # noqa: F401  (fixture)
)
from textual import events
from textual.widgets import TextArea

from tui.safetext import is_visible, visible
from tui.widgets.dialogs import NoteEditor

pytestmark = pytest.mark.usefixtures("user_dirs")


SHOWN = [
    ("[/]", "Filter: #[/]"),
    ("click", "Filter: #[@click=app.quit]tag"),
    ("c1", "Filter: #c1<U+009B>4242m"),
    ("loud", "Loud ^[]52;c;cHduZWQ=^G ^[[4242;1mred^[[0m <U+009B>4242m <U+202E>txt.exe"),
]


async def test_palette_entries_are_literal_and_a_markup_tag_filters(tmp_path: Path) -> None:
    archive = hostile.write_archive(tmp_path / "archive")
    async with running([archive]) as (app, pilot):
        for query, shown in SHOWN:
            await palette_type(app, pilot, query)
            prompts = palette_prompts(app)
            assert any(shown in prompt for prompt in prompts), prompts
            assert all(is_visible(prompt) for prompt in prompts)
            await pilot.press("escape")
            await pilot.pause()
        assert app.is_running
        await palette_choose(app, pilot, "click", "Filter: #[@click=app.quit]tag")
        assert app.is_running
        assert status(app).startswith("3 posts · #[@click=app.quit]tag · 1 shown")


async def test_pasted_control_characters_are_shown_not_sent(tmp_path: Path) -> None:
    archive = hostile.write_archive(tmp_path / "archive")
    async with running([archive]) as (app, pilot):
        await pilot.press("slash")
        app.post_message(events.Paste(hostile.TITLE))
        await pilot.pause()
        assert search_box(app).value == visible(hostile.TITLE)
        await pilot.press("escape", "a")
        await pilot.pause()
        assert isinstance(app.screen, NoteEditor)
        app.post_message(events.Paste(hostile.NOTE_BODY))
        await pilot.pause()
        assert app.screen.query_one(TextArea).text == visible(hostile.NOTE_BODY)
