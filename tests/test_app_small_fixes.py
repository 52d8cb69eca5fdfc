"""The small things of issue 13.9: wording of same-day bounds, counts with separators, the
palette's undated entries, a one-month chart, the search placeholder at 80 columns, warnings
once per change of the inputs, and the note editor's cursor."""

from __future__ import annotations

from pathlib import Path

import pytest
from apphelpers import (
    many_posts_dump,
    palette_choose,
    running,
    screen_text,
    status,
    toasts,
    user_dirs,  # noqa: F401  (fixture)
)
from conftest import write_dump
from textual.widgets import Sparkline, TextArea

from tui.widgets.dialogs import LinesScreen, NoteEditor
from tui.wording import bounds

pytestmark = pytest.mark.usefixtures("user_dirs")

SAME_DAY = """\
Forwarded from Test channel
Dated one
📍 Moscow, March 3, 2023
Body.
Forwarded from Test channel
No date in this one
Body.
Forwarded from Test channel
Dated two
📍 Moscow, March 3, 2023
Body.
"""


def test_bounds_on_the_same_day_are_said_once() -> None:
    assert bounds("2023-03-03", "2023-03-03") == "on 3 Mar 2023, as the posts around it"


async def test_tree_counts_have_thousands_separators(tmp_path: Path) -> None:
    async with running([many_posts_dump(tmp_path, 1200)]) as (app, pilot):
        assert "Undated (1,200)" in screen_text(app)
        assert "1,200 posts" in status(app)


async def test_palette_names_undated_groups_after_undated_and_a_month_shows_no_block(
    tmp_path: Path,
) -> None:
    async with running([write_dump(tmp_path, SAME_DAY)]) as (app, pilot):
        assert app.query_one(Sparkline).display is False
        assert "Posts in Mar 23: 2" in screen_text(app)
        await palette_choose(app, pilot, "Undated,", "Go to: Undated, on 3 Mar 2023")
        assert "1 shown" in status(app)


async def test_the_search_placeholder_fits_at_80_columns() -> None:
    async with running(size=(80, 24)) as (app, pilot):
        await pilot.press("slash")
        await pilot.pause()
        assert "Search (Enter reads, Esc closes)" in screen_text(app)


async def test_warnings_toast_once_per_change_of_the_inputs_and_stay_listed(
    tmp_path: Path,
) -> None:
    folder = tmp_path / "archive"
    folder.mkdir()
    write_dump(folder, SAME_DAY, "posts.txt")
    write_dump(folder, "milk\neggs\n", "shopping.txt")
    async with running([folder]) as (app, pilot):
        assert any("shopping.txt" in t for t in toasts(app))
    async with running([folder]) as (app, pilot):
        assert not any("shopping.txt" in t for t in toasts(app))
        app.action_show_warnings()
        await pilot.pause()
        assert isinstance(app.screen, LinesScreen)
        assert "shopping.txt" in screen_text(app)
    write_dump(folder, "bread\n", "more.txt")
    async with running([folder]) as (app, pilot):
        assert any("more.txt" in t for t in toasts(app))


async def test_a_note_opened_for_editing_puts_the_cursor_at_its_end() -> None:
    async with running() as (app, pilot):
        await pilot.press("a")
        await pilot.pause()
        app.screen.query_one(TextArea).insert("first line\nsecond")
        await pilot.press("ctrl+s", "e", "enter")
        await pilot.pause()
        assert isinstance(app.screen, NoteEditor)
        editor = app.screen.query_one(TextArea)
        assert editor.cursor_location == (1, 6)
