"""`s` flips the list to newest first (remembered); `t` goes to the post nearest a date."""

from __future__ import annotations

import pytest
from apphelpers import (
    SAMPLE_TITLES,
    cursor_title,
    running,
    status,
    user_dirs,  # noqa: F401  (fixture)
)
from textual.widgets import Input

from tui.widgets.prompt import PromptScreen

pytestmark = pytest.mark.usefixtures("user_dirs")


async def test_s_shows_newest_first_and_it_is_remembered() -> None:
    async with running() as (app, pilot):
        await pilot.press("s", "g")
        await pilot.pause()
        assert SAMPLE_TITLES[-1] in cursor_title(app)
        assert status(app).endswith("9 shown · newest first")
    async with running() as (app, pilot):
        await pilot.press("g")
        await pilot.pause()
        assert SAMPLE_TITLES[-1] in cursor_title(app)
        await pilot.press("s", "g")
        await pilot.pause()
        assert SAMPLE_TITLES[0] in cursor_title(app)


@pytest.mark.parametrize(("typed", "title"), [
    ("2023-04", SAMPLE_TITLES[3]),  # 14 Apr 2023
    ("29 Apr 2023", SAMPLE_TITLES[4]),
    ("jul 2024", SAMPLE_TITLES[8]),  # 4 Jul 2024
    ("apr 29", SAMPLE_TITLES[4]),  # no year: the nearest year that has it
])
async def test_t_goes_to_the_post_nearest_a_date(typed: str, title: str) -> None:
    async with running() as (app, pilot):
        await pilot.press("t")
        await pilot.pause()
        assert isinstance(app.screen, PromptScreen)
        app.screen.query_one(Input).value = typed
        await pilot.press("enter")
        await pilot.pause()
        assert title in cursor_title(app)
