"""Snapshot tests: how the reader looks, grouped by feature (as Posting's are).

Regenerate with `pytest tests/test_snapshots.py --snapshot-update` and look at every changed
SVG before committing it (`rsvg-convert -w 1400 x.svg -o x.png`).

The environment is pinned: a fresh database in tmp_path (no remembered theme, filter or read
marks), the textual-dark theme, no cursor blink, no toasts at capture time; `build_app`
holds the read-mark timers, so no row dims mid-capture however slow the machine.
"""

from __future__ import annotations

from collections.abc import Awaitable, Callable
from pathlib import Path
from typing import Any

import pytest
from apphelpers import (
    build_app,
    search_box,
    user_dirs,  # noqa: F401  (fixture)
)
from test_markup_injection import injection_dump
from textual.pilot import Pilot

from tui.app import ReaderApp

pytestmark = pytest.mark.usefixtures("user_dirs")

SnapCompare = Callable[..., bool]
Step = Callable[[ReaderApp, Pilot[Any]], Awaitable[None]]


def settled(*steps: Step) -> Callable[[Pilot[Any]], Awaitable[None]]:
    """A run_before that waits for the posts, pins the look, runs `steps`, then drops toasts."""

    async def run_before(pilot: Pilot[Any]) -> None:
        app = pilot.app
        assert isinstance(app, ReaderApp)
        app.theme = "textual-dark"
        search_box(app).cursor_blink = False
        await app.workers.wait_for_complete()
        await pilot.pause()
        for step in steps:
            await step(app, pilot)
        await pilot.pause()
        app.clear_notifications()
        await pilot.pause()

    return run_before


class TestMainScreen:
    def test_80x24_list_above_the_post(self, snap_compare: SnapCompare) -> None:
        assert snap_compare(build_app(), terminal_size=(80, 24), run_before=settled())

    def test_140x40_sidebar_list_and_post(self, snap_compare: SnapCompare) -> None:
        assert snap_compare(build_app(), terminal_size=(140, 40), run_before=settled())

    def test_120x40_titles_on_two_lines(self, snap_compare: SnapCompare) -> None:
        assert snap_compare(build_app(), terminal_size=(120, 40), run_before=settled())

    def test_200x60_wide(self, snap_compare: SnapCompare) -> None:
        assert snap_compare(build_app(), terminal_size=(200, 60), run_before=settled())

    def test_opened_post_with_a_selection(self, snap_compare: SnapCompare) -> None:
        async def select(app: ReaderApp, pilot: Pilot[Any]) -> None:
            await pilot.press("j", "enter", "down", "shift+down")

        assert snap_compare(build_app(), terminal_size=(140, 40), run_before=settled(select))


class TestHelp:
    def test_help_screen(self, snap_compare: SnapCompare) -> None:
        async def help_screen(app: ReaderApp, pilot: Pilot[Any]) -> None:
            await pilot.press("question_mark")

        assert snap_compare(build_app(), terminal_size=(120, 60),
                            run_before=settled(help_screen))


class TestSearch:
    def test_search_highlights_matches_in_the_post(self, snap_compare: SnapCompare) -> None:
        async def search(app: ReaderApp, pilot: Pilot[Any]) -> None:
            await pilot.press("slash")
            search_box(app).value = "china"
            await pilot.pause()
            await pilot.press("enter")

        assert snap_compare(build_app(), terminal_size=(140, 40), run_before=settled(search))


class TestMarkupInjection:
    def test_brackets_and_escapes_are_shown_as_written(
        self, snap_compare: SnapCompare, tmp_path: Path
    ) -> None:
        app = build_app([injection_dump(tmp_path)])
        assert snap_compare(app, terminal_size=(120, 30), run_before=settled())
