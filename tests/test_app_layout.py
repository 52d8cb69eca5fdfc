"""How the screen shares its width: at 100-140 columns the titles get the room they need."""

from __future__ import annotations

import pytest
from apphelpers import (
    footer_showing,
    pane,
    running,
    user_dirs,  # noqa: F401  (fixture)
)
from textual.widgets import OptionList

from tui.widgets.post_list import PostList
from tui.widgets.sidebar import DateTree, Sidebar

pytestmark = pytest.mark.usefixtures("user_dirs")


def visible_rows(posts: PostList) -> list[str]:
    """What each row of the list shows on screen, its lines joined, without date and badges."""
    height = posts.row_height
    lines = ["".join(s.text for s in posts.render_line(y)).rstrip()
             for y in range(posts.scrollable_content_region.height)]
    rows = [" ".join(part.strip() for part in lines[i:i + height])
            for i in range(0, len(posts.rows) * height, height)]
    return [row[17:].strip() for row in rows]


@pytest.mark.parametrize("width", [100, 110, 120, 140])
async def test_every_row_of_the_sample_can_be_told_apart_by_its_visible_title(
    width: int,
) -> None:
    async with running(size=(width, 40)) as (app, pilot):
        posts = app.query_one("#posts", PostList)
        shown = visible_rows(posts)
        assert len(shown) == 9
        assert len(set(shown)) == 9, shown
        for text in shown:  # each is the start of a real title, as far as it goes
            assert text


async def test_at_120_columns_the_sidebar_gives_way_to_the_list_and_the_post() -> None:
    async with running(size=(120, 40)) as (app, pilot):
        sidebar = app.query_one(Sidebar).size.width
        assert sidebar <= 26
        assert app.query_one("#posts", PostList).size.width >= 40
        assert pane(app).size.width >= 50


async def test_tab_into_the_sidebar_shows_a_cursor_at_once_and_the_footer_follows_focus(
) -> None:
    async with running(size=(140, 40)) as (app, pilot):
        await footer_showing(app, pilot, "⏎ Open")
        await pilot.press("enter")  # into the reading pane
        assert "⏎ Open" not in await footer_showing(app, pilot, "v Select")
        await pilot.press("tab")
        await pilot.pause()
        tree = app.query_one(DateTree)
        assert app.focused is tree
        assert tree.cursor_node is not None and tree.cursor_node.data == "2022"
        await footer_showing(app, pilot, "⏎ Show these dates")
        tags = app.query_one("#tags", OptionList)
        tags.focus()
        await pilot.pause()
        assert tags.highlighted == 0
        await footer_showing(app, pilot, "⏎ Filter by it")
