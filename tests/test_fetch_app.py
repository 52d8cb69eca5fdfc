"""A fetched channel in the reader: `Update @name` from the palette fetches in a worker while
reading goes on, and `Y` cites a fetched post with its own address. The server is the
loopback t.me of tests/tmeserver.py."""

from __future__ import annotations

from pathlib import Path

import pytest
from apphelpers import (
    FakePyperclip,
    cursor_title,
    harness,
    palette_choose,
    running,
    shown_count,
    toasts,
    user_dirs,  # noqa: F401  (fixture)
)
from textual.message import Message
from textual.worker import Worker, WorkerState
from tmeserver import TmeServer

from tui.fetch.channel import fetch_into
from tui.fetch.client import Politeness

pytestmark = pytest.mark.usefixtures("user_dirs")


def worker_done(message: Message, group: str) -> bool:
    return (isinstance(message, Worker.StateChanged) and message.state == WorkerState.SUCCESS
            and message.worker.group == group)


def fetched(tme: TmeServer, tmp_path: Path, posts: int) -> Path:
    tme.channel("chan", "Test Chan", posts)
    folder = tmp_path / "channels" / "chan"
    fetch_into(folder, "chan", tme.url, Politeness(delay=0.0, sleep=lambda _s: None))
    return folder


async def test_update_from_the_palette_adds_new_posts_and_keeps_the_place(
    tme: TmeServer, tmp_path: Path
) -> None:
    folder = fetched(tme, tmp_path, 30)
    async with running([folder]) as (app, pilot):
        assert shown_count(app) == 30
        await pilot.press("down", "down", "down")
        place = cursor_title(app)
        tme.channels["chan"].add(1, start=31)
        tme.forget()
        messages = harness(app).messages
        chosen = messages.mark()
        await palette_choose(app, pilot, "update", "Update @chan")
        await messages.wait_for(lambda m: worker_done(m, "fetch"), chosen, "the update")
        await messages.wait_for(lambda m: worker_done(m, "load"), chosen, "the reload")
        await pilot.pause()
        assert tme.paths() == ["/s/chan"]
        assert shown_count(app) == 31
        assert cursor_title(app) == place
        assert "@chan: 1 new post." in toasts(app)
        assert not app.query("#fetch-bar")


async def test_y_cites_a_fetched_post_with_title_date_and_address(
    tme: TmeServer, tmp_path: Path
) -> None:
    folder = fetched(tme, tmp_path, 3)
    clip = FakePyperclip()
    async with running([folder], backend=clip) as (app, pilot):
        await pilot.press("home", "enter", "Y")
        assert clip.copied[-1] == (
            "“Post number 1 of Test Chan” — Test Chan, Telegram, 1 January 2024, "
            "https://t.me/chan/1"
        )
