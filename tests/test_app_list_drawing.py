"""What the post list and the reading pane draw as the reader moves: the highlighted row is
the post shown, a row's marks are drawn as soon as they change, and a post leaves nothing of
itself behind the next one (the list keeps drawn lines, the pane redraws only rows that had
or have text: a move redraws only what changed). Read back from the app's own screenshot,
which is the drawing the terminal gets, not what a widget would draw if asked again."""

from __future__ import annotations

import re
from pathlib import Path

import pytest
from apphelpers import (
    many_posts_dump,
    pane,
    pane_title,
    running,
    screen_text,
    user_dirs,  # noqa: F401  (fixture)
)
from conftest import write_dump

from tui.app import ReaderApp
from tui.widgets.post_list import PostList

pytestmark = pytest.mark.usefixtures("user_dirs")

# A background rectangle of the SVG screenshot: one per run of cells of one colour, at
# y = 1.5 + 24.4 × the line.
SVG_RECT = re.compile(r'<rect fill="(#[0-9a-f]{6})" x="[\d.]+" y="([\d.]+)" width="[\d.]+"')


def highlighted_lines(app: ReaderApp) -> set[int]:
    """The screen lines where the list's cursor colour is drawn."""
    posts = app.query_one("#posts", PostList)
    colour = posts.get_component_rich_style("post-list--cursor").bgcolor
    assert colour is not None and colour.triplet is not None
    wanted = colour.triplet.hex
    return {round((float(y) - 1.5) / 24.4) for fill, y in SVG_RECT.findall(app.export_screenshot())
            if fill == wanted}


def highlighted_titles(app: ReaderApp) -> list[str]:
    """The post titles on the highlighted lines of the list, as drawn."""
    region = app.query_one("#posts", PostList).region
    lines = screen_text(app).splitlines()
    found = [re.search(r"Post \d\d", lines[n][region.x : region.right])
             for n in sorted(highlighted_lines(app)) if region.y <= n < region.bottom]
    return [match.group() for match in found if match]


async def test_the_highlighted_row_is_the_post_shown_after_the_list_scrolled(
    tmp_path: Path,
) -> None:
    dump = many_posts_dump(tmp_path, 40)
    async with running([dump], size=(140, 16)) as (app, pilot):
        posts = app.query_one("#posts", PostList)
        rows_on_screen = posts.scrollable_content_region.height // posts.row_height
        for _ in range(rows_on_screen + 5):  # past the bottom: the list scrolls
            await pilot.press("j")
        await pilot.pause()
        assert posts.scroll_offset.y > 0
        assert highlighted_titles(app) == [pane_title(app)]
        for _ in range(3):  # up inside the scrolled list: the cursor's rows are redrawn
            await pilot.press("k")
        await pilot.pause()
        assert pane_title(app) == f"Post {rows_on_screen + 5 - 3:02d}"
        assert highlighted_titles(app) == [pane_title(app)]


async def test_a_bookmark_is_drawn_on_its_row_at_once(tmp_path: Path) -> None:
    dump = many_posts_dump(tmp_path, 12)

    def row_of(app: ReaderApp, title: str) -> str:
        """The list's row of that post, as drawn."""
        region = app.query_one("#posts", PostList).region
        lines = screen_text(app).splitlines()[region.y : region.bottom]
        return next(cut for line in lines
                    if title in (cut := line[region.x : region.right]))

    async with running([dump], size=(140, 24)) as (app, pilot):
        await pilot.press("j", "j")
        await pilot.pause()
        assert "★" not in row_of(app, "Post 02")
        await pilot.press("b")  # bookmark the post shown
        await pilot.pause()
        assert "★" in row_of(app, "Post 02")
        await pilot.press("j", "k", "b")  # away and back (the row drawn again), then unmark
        await pilot.pause()
        assert "★" not in row_of(app, "Post 02")
        assert highlighted_titles(app) == ["Post 02"]


async def test_a_short_post_after_a_long_one_leaves_nothing_of_it_on_screen(
    tmp_path: Path,
) -> None:
    """The pane redraws only the rows that held text or hold it now: below a short post
    shown after a long one, every row must be blank again (and the long one whole again
    when the reader goes back to it)."""
    long_body = [f"Paragraph {n:02d} of the long post." for n in range(60)]
    dump = write_dump(tmp_path, "\n".join([
        "Forwarded from Test channel", "Long post", *long_body,
        "Forwarded from Test channel", "Short post", "Its only line.",
    ]) + "\n", "long-short.txt")

    def pane_lines(app: ReaderApp) -> list[str]:
        region = pane(app).region
        lines = screen_text(app).splitlines()[region.y : region.bottom]
        return [line[region.x : region.right] for line in lines]

    async with running([dump], size=(140, 30)) as (app, pilot):
        assert "Long post" in pane_title(app)
        assert sum("of the long post" in line for line in pane_lines(app)) > 10
        await pilot.press("j")
        await pilot.pause()
        assert "Short post" in pane_title(app)
        shown = pane_lines(app)
        assert not any("of the long post" in line for line in shown)
        assert any("Its only line." in line for line in shown)
        await pilot.press("k")
        await pilot.pause()
        assert sum("of the long post" in line for line in pane_lines(app)) > 10
