"""Reopening an archive whose index is in the cache: the first screen drawn already shows the
posts (the index is read before it, with no screen of progress and no load worker), and the
reader's place comes back as it was left."""

from __future__ import annotations

from pathlib import Path

import pytest
from apphelpers import (
    SAMPLE_TITLES,
    SIZE,
    build_app,
    cursor_title,
    harness,
    pane_title,
    running,
    user_dirs,
)
from conftest import write_dump

from tui.widgets.post_list import PostList

__all__ = ["user_dirs"]  # the fixture, used by name
pytestmark = pytest.mark.usefixtures("user_dirs")


async def test_a_reopen_shows_the_posts_on_the_first_screen() -> None:
    async with running() as (app, pilot):
        await pilot.press("q")
    app = build_app()
    async with app.run_test(size=SIZE, message_hook=harness(app).messages) as pilot:
        # Nothing waited for: the posts were there before the app's first screen.
        assert app.library is not None and len(app.query_one("#posts", PostList).rows) == 9
        assert not [worker for worker in app.workers if worker.group == "load"]
        await pilot.pause()
        assert SAMPLE_TITLES[0] in pane_title(app) and SAMPLE_TITLES[0] in cursor_title(app)


def many_posts(folder: Path, count: int) -> Path:
    return write_dump(folder, "".join(f"Forwarded from Test channel\nPost number {n:03d}\n"
                                      f"Its text, number {n}.\n\n" for n in range(count)))


@pytest.mark.parametrize("newest_first", [False, True])
async def test_the_post_last_read_far_down_comes_back_at_the_foot_of_the_list(
        tmp_path: Path, newest_first: bool) -> None:  # fmt: skip
    dump = many_posts(tmp_path, 300)
    async with running([dump]) as (app, pilot):
        if newest_first:
            await pilot.press("s")
        await pilot.press(*"jjjjj", "pagedown", "pagedown", "pagedown", "enter")
        await pilot.pause()
        wanted = cursor_title(app)
        await pilot.press("q")
    async with running([dump]) as (app, pilot):
        posts = app.query_one("#posts", PostList)
        assert cursor_title(app) == wanted == pane_title(app)
        # Where a restored place has always been shown: scrolled just enough to be in view.
        height, row = posts.scrollable_content_region.height, posts.row_height
        assert posts.cursor * row - int(posts.scroll_offset.y) == height - row
        assert posts.cursor * row > height  # far enough down to need the scroll
