"""`B`: every bookmark and note, with its note text and quoted passage, also for posts whose
file is not open; Enter opens the post, or shows what was kept of it with a way to open its
file; typing filters the list."""

from __future__ import annotations

import shutil
from pathlib import Path

import pytest
from apphelpers import (
    SAMPLE,
    SAMPLE_TITLES,
    list_rows,
    open_post,
    pane_title,
    running,
    screen_text,
    status,
    user_dirs,  # noqa: F401  (fixture)
)
from textual.widgets import Input, OptionList, TextArea

from tui.library import periods_of
from tui.widgets.post_list import PostList
from tui.widgets.records import RecordsScreen, SnapshotScreen

pytestmark = pytest.mark.usefixtures("user_dirs")


def records(screen: RecordsScreen) -> list[str]:
    options = screen.query_one("#records", OptionList)
    return [str(options.get_option_at_index(i).prompt) for i in range(options.option_count)]


async def test_records_of_posts_not_open_show_notes_and_open_their_file(tmp_path: Path) -> None:
    sample = tmp_path / "sample.txt"
    shutil.copy(SAMPLE, sample)
    async with running([sample]) as (app, pilot):
        await open_post(app, pilot)
        await pilot.press("j", "v", "a")  # quote the second paragraph
        await pilot.pause()
        app.screen.query_one(TextArea).insert("Samarkand, worth citing")
        await pilot.press("ctrl+s", "b")
        await pilot.pause()
    other = tmp_path / "other.txt"
    other.write_text("Forwarded from Elsewhere\nAnother channel's post\n", encoding="utf-8")
    async with running([other]) as (app, pilot):
        await pilot.press("B")
        await pilot.pause()
        screen = app.screen
        assert isinstance(screen, RecordsScreen)
        text = screen_text(app)
        assert "Bookmarks and notes: 1 post, 1 not in the open files" in text
        [row] = records(screen)
        assert SAMPLE_TITLES[0] in row
        assert "▌ 📍 Samarkand, September 15, 2022" in row
        assert "✎ Samarkand, worth citing" in row
        options = screen.query_one("#records", OptionList)
        assert options.highlighted == 0 and app.focused is options
        await pilot.press("enter")
        await pilot.pause()
        assert isinstance(app.screen, SnapshotScreen)
        shown = screen_text(app)
        assert "Samarkand, worth citing" in shown and "o opens its file" in shown
        await pilot.press("o")
        await app.workers.wait_for_complete()
        await pilot.pause()
        await pilot.pause()
        assert SAMPLE_TITLES[0] in pane_title(app)
        assert app.paths == [other, sample]


async def test_typing_in_the_records_list_filters_by_note_and_quote(tmp_path: Path) -> None:
    async with running() as (app, pilot):
        await pilot.press("b", "j", "a")
        await pilot.pause()
        app.screen.query_one(TextArea).insert("a remark about outcomes")
        await pilot.press("ctrl+s")
        await pilot.pause()
        await pilot.press("B")
        await pilot.pause()
        screen = app.screen
        assert isinstance(screen, RecordsScreen)
        assert len(records(screen)) == 2
        await pilot.press("r", "e", "m", "a", "r", "k")
        await pilot.pause()
        [row] = records(screen)
        assert "a remark about outcomes" in row
        await pilot.press("escape")
        await pilot.pause()
        assert not isinstance(app.screen, RecordsScreen)


async def test_search_also_finds_posts_by_their_notes_and_says_so() -> None:
    async with running() as (app, pilot):
        await pilot.press("j", "j", "a")
        await pilot.pause()
        app.screen.query_one(TextArea).insert("compare with the zebra memo")
        await pilot.press("ctrl+s")
        await pilot.pause()
        await pilot.press("slash")
        app.query_one("#search", Input).value = "zebra memo"
        await pilot.pause()
        [row] = list_rows(app)
        assert "found in your note · " in row and SAMPLE_TITLES[2] in row
        assert status(app).startswith("9 posts · “zebra memo” · 1 shown")


async def test_a_post_found_by_its_note_is_found_only_within_the_filter() -> None:
    async with running() as (app, pilot):
        await pilot.press("j", "j", "a")
        await pilot.pause()
        app.screen.query_one(TextArea).insert("compare with the zebra memo")
        await pilot.press("ctrl+s")
        await pilot.pause()
        noted = app.current_post()
        library = app.library
        assert noted is not None and library is not None
        year = periods_of(noted.date)[0]  # its year, or undated
        other = next(node.period for node in library.date_tree() if node.period != year)
        await pilot.press("slash")
        app.query_one("#search", Input).value = "zebra memo"
        await pilot.pause()
        app.apply_period(year)
        await pilot.pause()
        [row] = list_rows(app)
        assert "found in your note · " in row and noted.title in row
        app.apply_period(other)
        await pilot.pause()
        assert list_rows(app) == []
        app.apply_period(year)
        app.query_one("#search", Input).value = "the"  # a word of the note and of posts
        await pilot.pause()
        rows = app.query_one("#posts", PostList).rows
        assert len(rows) > 1 and library.index_of(noted.id) in rows
        assert sorted(rows) in (rows, rows[::-1]) and len(set(rows)) == len(rows)
