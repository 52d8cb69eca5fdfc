"""Several channels open at once: the sidebar lists them with counts and filters by them, and
each row says its channel."""

from __future__ import annotations

import pytest
from apphelpers import (
    list_rows,
    running,
    status,
    user_dirs,  # noqa: F401  (fixture)
)
from conftest import REAL, SAMPLE
from textual.widgets import OptionList

pytestmark = pytest.mark.usefixtures("user_dirs")

PAGES = REAL / "tme-s-page"
DEXT = "DEXT Live New Pairs Bot [Ethereum Blockchain]"


async def test_the_sidebar_lists_channels_and_filters_by_one() -> None:
    async with running([PAGES / "DEXTNewPairsBot.html", PAGES / "durov.html", SAMPLE]) as (
        app, pilot,
    ):
        channels = app.query_one("#channels", OptionList)
        assert channels.display
        prompts = [str(channels.get_option_at_index(i).prompt)
                   for i in range(channels.option_count)]
        assert prompts == ["Pavel Durov 20", f"{DEXT} 2"]
        assert any(row.split("   ", 1)[-1].lstrip().startswith("Pavel Durov · ")
                   for row in list_rows(app))
        channels.focus()
        channels.highlighted = 1
        await pilot.press("enter")
        await pilot.pause()
        assert status(app).startswith(f"31 posts · {DEXT} · 2 shown")
        await pilot.press("escape")
        await pilot.pause()
        assert status(app).startswith("31 posts · 31 shown")


async def test_one_channel_shows_no_channel_list() -> None:
    async with running() as (app, pilot):
        assert not app.query_one("#channels", OptionList).display
        assert not any(" · " in row for row in list_rows(app))
