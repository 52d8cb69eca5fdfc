"""Unread: `u` toggles, `N` jumps to the next unread post, the Unread collection lists them."""

from __future__ import annotations

import pytest
from apphelpers import (
    SAMPLE_TITLES,
    collections,
    cursor_title,
    date_labels,
    focus_reaches,
    running,
    status,
    tag_options,
    toasts,
    user_dirs,  # noqa: F401  (fixture)
)
from textual.widgets import OptionList

from tui.app import ReaderApp
from tui.widgets.post_list import PostList
from tui.widgets.reading_pane import ReadingPane

pytestmark = pytest.mark.usefixtures("user_dirs")


def read_flags(app: ReaderApp) -> list[bool]:
    posts = app.query_one("#posts", PostList)
    return [posts.source.flags(index).read for index in posts.rows]



async def test_u_marks_an_opened_post_unread_and_it_stays_so_after_a_restart() -> None:
    async with running() as (app, pilot):
        await pilot.press("enter")  # opening marks it read
        await pilot.pause()
        assert read_flags(app)[0] is True
        assert collections(app)[2] == "● Unread 8"
        await pilot.press("u")
        await pilot.pause()
        assert read_flags(app)[0] is False
        assert toasts(app)[-1] == "Marked unread."
        assert collections(app)[2] == "● Unread 9"
    async with running() as (app, pilot):
        assert read_flags(app)[0] is False
        await pilot.press("u")
        await pilot.pause()
        assert read_flags(app)[0] is True


async def test_capital_n_goes_to_the_next_unread_post_and_the_collection_lists_them() -> None:
    async with running() as (app, pilot):
        for _ in range(3):
            await pilot.press("enter")  # open the post: focus goes to the reading pane
            await focus_reaches(app, pilot, ReadingPane)
            await pilot.press("shift+tab")  # back to the list
            await focus_reaches(app, pilot, PostList)
            await pilot.press("j")  # the next post
        await pilot.press("g", "N")
        await pilot.pause()
        assert SAMPLE_TITLES[3] in cursor_title(app)
        options = app.query_one("#collections", OptionList)
        options.focus()
        options.highlighted = 2
        await pilot.press("enter")
        await pilot.pause()
        assert status(app).startswith("9 posts · ● unread · 6 shown")


async def test_dates_and_tags_count_their_unread_posts_once_some_are_read() -> None:
    async with running() as (app, pilot):
        assert "#SCO 9" in tag_options(app)  # nothing read yet: no clutter
        assert "2022 (1)" in date_labels(app)
        await pilot.press("enter")  # read the 2022 post (#SCO, #Lavrov)
        await pilot.pause()
        assert "#SCO 9 · 8 new" in tag_options(app)
        assert "#Lavrov 1 · read" in tag_options(app)
        assert "2022 (1 · read)" in date_labels(app)
        await pilot.press("u")
        await pilot.pause()
        assert "#SCO 9" in tag_options(app) and "2022 (1)" in date_labels(app)
