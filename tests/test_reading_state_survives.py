"""The post last read and its read mark survive a session that ends without `q`.

Moving writes nothing on the key's path: reading state is written by a worker within a second
(SAVE_EVERY_SECONDS). So a closed terminal window or a lost SSH connection (SIGHUP) and a
SIGTERM lose nothing (the app saves, then exits as `q` does), and a kill loses at most the
last second of reading: once that second is over, the reopened reader is back on the post.
The app runs on a real pseudo-terminal, as a user runs it; the reopen runs headless.
"""

from __future__ import annotations

import os
import signal
import sys
from pathlib import Path

import pytest
from apphelpers import (
    SAMPLE_TITLES,
    collections,
    pane_title,
    running,
    user_dirs,  # noqa: F401  (fixture)
)
from conftest import SAMPLE, load_posts
from ptyterm import TerminalStream

from tui.index import open_library
from tui.storage import Store

pytestmark = [pytest.mark.usefixtures("user_dirs"), pytest.mark.slow]

SECOND = SAMPLE_TITLES[1]  # "Main Foreign Policy Outcomes of 2022"


def start_reader(tmp_path: Path) -> TerminalStream:
    """tgreader on the sample, in a terminal, with its first screen up."""
    env = {**os.environ, "TERM": "xterm-256color", "COLORTERM": "truecolor",
           "TGREADER_CONFIG": str(tmp_path / "no-config.toml")}  # fmt: skip
    term = TerminalStream([sys.executable, "-m", "tui", str(SAMPLE)], env, size=(140, 40))
    term.wait_for(SAMPLE_TITLES[0][:30], " shown")
    return term


def to_second_post(term: TerminalStream) -> None:
    """j: the second post, in the list and in the pane."""
    term.press("j")
    term.wait_until(lambda screen: screen.count(SECOND[:28]) >= 2, "the second post in the pane")


async def test_closing_the_terminal_keeps_the_post_last_read_and_its_read_mark(
    tmp_path: Path,
) -> None:
    term = start_reader(tmp_path)
    try:
        to_second_post(term)
        term.press("\r")  # Enter reads it: marked read at once, the pane takes the keys
        term.wait_for("Select")  # the pane's keys in the footer: Enter was handled
        term.process.send_signal(signal.SIGHUP)  # the terminal window is closed
        term.wait_exit()
    finally:
        term.close()
    async with running() as (app, _pilot):
        assert SECOND in pane_title(app)
        assert any("Unread 8" in line for line in collections(app))


async def test_a_killed_reader_reopens_on_the_post_read_a_second_before(
    tmp_path: Path, user_dirs: Path,  # noqa: F811  (fixture)
) -> None:
    key = open_library([SAMPLE], lambda _: None, in_memory=True).archive_key
    second_id = load_posts([SAMPLE], lambda _: None)[1].id

    def saved() -> bool:
        with Store.open(user_dirs) as store:  # a second instance reads what is on disk
            return store.ui_state(key).get("last_post") == second_id

    term = start_reader(tmp_path)
    try:
        to_second_post(term)
        term.wait_until(lambda _screen: saved(), "the post last read written to disk")
        term.process.send_signal(signal.SIGKILL)
        term.process.wait()
    finally:
        term.close()
    async with running() as (app, _pilot):
        assert SECOND in pane_title(app)
