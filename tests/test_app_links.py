"""`o` opens a post's own address, `L` lists its links to open or copy; over SSH, where no
browser of the user's can open, the address is copied instead and the toast says so."""

from __future__ import annotations

from pathlib import Path

import pytest
from apphelpers import (
    running,
    toasts,
    user_dirs,  # noqa: F401  (fixture)
)
from conftest import REAL, FakePyperclip
from textual.widgets import OptionList

from tui.clipboard import Clipboard
from tui.widgets.links import LinkPicker

pytestmark = pytest.mark.usefixtures("user_dirs")

PAGE = REAL / "tme-s-page" / "DEXTNewPairsBot.html"
FIRST = "https://t.me/DEXTNewPairsBot/208649"
LINK = "https://www.dextools.io/app/ether/pair-explorer/0x181cb8501164405bf07b1716334e5295285ed90d"


async def test_o_opens_the_posts_own_address_in_the_browser() -> None:
    opened: list[str] = []
    async with running([PAGE]) as (app, pilot):
        app.browse = lambda url: opened.append(url) is None
        await pilot.press("o")
        await pilot.pause()
        assert opened == [FIRST]
        assert toasts(app)[-1] == "Opened the post's address in the browser."


async def test_over_ssh_o_copies_the_address_and_says_so() -> None:
    clip = FakePyperclip()
    async with running([PAGE], backend=clip) as (app, pilot):
        app.copier = Clipboard("auto", osc52=app.copy_to_clipboard,
                               env={"SSH_CONNECTION": "1 2 3 4"}, backend=clip)
        app.browse = lambda url: pytest.fail("no browser over SSH")  # type: ignore[assignment]
        await pilot.press("o")
        await pilot.pause()
        assert "Over SSH no browser of yours can open it" in toasts(app)[-1]


async def test_capital_l_lists_the_links_to_open_or_copy() -> None:
    clip = FakePyperclip()
    opened: list[str] = []
    async with running([PAGE], backend=clip) as (app, pilot):
        app.browse = lambda url: opened.append(url) is None
        await pilot.press("L")
        await pilot.pause()
        assert isinstance(app.screen, LinkPicker)
        options = app.screen.query_one(OptionList)
        prompts = [str(options.get_option_at_index(i).prompt)
                   for i in range(options.option_count)]
        assert prompts[0].startswith("The post's own address") and FIRST in prompts[0]
        assert LINK in prompts[1]
        await pilot.press("down", "c")
        await pilot.pause()
        assert clip.copied == [LINK]
        await pilot.press("L", "enter")
        await pilot.pause()
        assert opened == [FIRST]


async def test_a_web_copy_has_no_address_of_its_own_and_o_says_so(tmp_path: Path) -> None:
    async with running() as (app, pilot):
        await pilot.press("o")
        await pilot.pause()
        assert "does not carry the post's own address" in toasts(app)[-1]
