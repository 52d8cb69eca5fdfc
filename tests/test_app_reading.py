"""What the reading pane shows while the list is filtered: nothing when nothing matches, the
search matches one by one, and the reader's own post back when the filter is cleared."""

from __future__ import annotations

from pathlib import Path
from typing import Any

import pytest
from apphelpers import (
    SAMPLE_TITLES,
    clear_toasts,
    cursor_title,
    focus_reaches,
    open_post,
    pane,
    pane_title,
    running,
    screen_text,
    search_box,
    shown_count,
    toasts,
    user_dirs,  # noqa: F401  (fixture)
)
from conftest import FakePyperclip, write_dump
from textual.pilot import Pilot

from tui.app import NOTHING_SHOWN, ReaderApp
from tui.widgets.post_list import PostList

pytestmark = pytest.mark.usefixtures("user_dirs")

FILLER = "\n".join(f"Filler paragraph number {n} about nothing in particular." for n in range(60))
LONG_POST = f"""\
Forwarded from Test channel
A long post with two far matches
📍 Moscow, March 3, 2023
{FILLER}
The first needle sits here, alpha.
{FILLER}
The second needle sits here, omega.
Forwarded from Test channel
A short post
📍 Moscow, March 4, 2023
Nothing to find.
"""


async def type_search(app: ReaderApp, pilot: Pilot[Any], *values: str) -> None:
    """`/`, then each value in turn without waiting between them (as fast typing does)."""
    await pilot.press("slash")
    for value in values:
        search_box(app).value = value
    await pilot.pause()


async def test_a_search_with_no_result_shows_no_post_and_keys_say_so() -> None:
    async with running() as (app, pilot):
        await pilot.press("G")
        await pilot.pause()
        assert SAMPLE_TITLES[-1] in pane_title(app)
        # `z` matches a post; `zzzq` none. The move to the `z` post must not come back.
        await type_search(app, pilot, "z", "zz", "zzzq")
        await pilot.press("enter")
        await pilot.pause()
        assert shown_count(app) == 0
        assert pane_title(app) == ""
        assert "No post to show" in screen_text(app)
        for key in "baeyYc":
            clear_toasts(app)
            await pilot.press(key)
            await pilot.pause()
            assert toasts(app) == [NOTHING_SHOWN], key
        assert app.bookmarked == set()


async def test_clearing_a_filter_returns_to_the_post_the_reader_had() -> None:
    async with running() as (app, pilot):
        await pilot.press("G", "k")
        await pilot.pause()
        before = cursor_title(app)
        assert SAMPLE_TITLES[-2] in before
        await type_search(app, pilot, "z", "zz", "zzzq")
        await pilot.press("enter", "escape")
        await pilot.pause()
        assert cursor_title(app) == before
        assert pane_title(app) == before
        # Also through a search that hid the post but matched others.
        await type_search(app, pilot, "Concept")
        await pilot.press("enter")
        await pilot.pause()
        assert SAMPLE_TITLES[2] in pane_title(app)
        await pilot.press("escape")
        await pilot.pause()
        assert pane_title(app) == before


async def test_enter_in_the_search_box_scrolls_the_pane_to_the_first_match(
    tmp_path: Path,
) -> None:
    async with running([write_dump(tmp_path, LONG_POST)], size=(120, 30)) as (app, pilot):
        await type_search(app, pilot, "needle")
        assert "alpha" not in screen_text(app)
        await pilot.press("enter")
        await pilot.pause()
        assert isinstance(app.focused, PostList)
        assert "The first needle sits here, alpha." in screen_text(app)


async def test_angle_brackets_go_from_match_to_match_from_the_list(tmp_path: Path) -> None:
    async with running([write_dump(tmp_path, LONG_POST)], size=(120, 30)) as (app, pilot):
        await type_search(app, pilot, "needle")
        await pilot.press("enter")
        await focus_reaches(app, pilot, PostList)
        await pilot.press("greater_than_sign")
        await pilot.pause()
        assert isinstance(app.focused, PostList)
        assert "The second needle sits here, omega." in screen_text(app)
        await pilot.press("less_than_sign")
        await pilot.pause()
        assert "alpha" in screen_text(app) and "omega" not in screen_text(app)


async def test_the_current_match_stays_marked_under_the_paragraph_highlight(
    tmp_path: Path,
) -> None:
    async with running([write_dump(tmp_path, LONG_POST)], size=(120, 30)) as (app, pilot):
        await type_search(app, pilot, "needle")
        await pilot.press("enter")  # out of the box
        await focus_reaches(app, pilot, PostList)
        await open_post(app, pilot)  # into the pane
        await pilot.pause()
        reader = pane(app)
        assert app.focused is reader
        for y in range(reader.size.height):
            segments = list(reader.render_line(y))
            if any("needle" in s.text for s in segments):
                break
        else:
            raise AssertionError("the first match is not on screen")
        match = next(s for s in segments if s.text == "needle")
        words = next(s for s in segments if "sits here" in s.text)
        around = next(s for s in segments if "first" in s.text)
        assert match.style is not None and words.style is not None
        assert match.style.bgcolor != words.style.bgcolor  # the match shows over the cursor
        assert words.style.bgcolor == around.style.bgcolor


WORDS = " ".join(f"word{n:03d}" for n in range(400))
LONG_PARAGRAPH = f"""\
Forwarded from Test channel
A post with one very long paragraph
📍 Moscow, March 3, 2023
BEGIN {WORDS} FINISH
After the long one.
Forwarded from Test channel
The next post
📍 Moscow, March 4, 2023
Short.
"""


def in_view(app: ReaderApp) -> str:
    """The reading pane's lines now on screen (cheaper than the whole screen, asked often)."""
    reader = pane(app)
    top = int(reader.scroll_offset.y)
    lines = reader.plain_text().split("\n")
    return "\n".join(lines[top : top + reader.scrollable_content_region.height])


async def test_j_scrolls_through_a_paragraph_taller_than_the_pane(tmp_path: Path) -> None:
    clip = FakePyperclip()
    async with running([write_dump(tmp_path, LONG_PARAGRAPH)], backend=clip,
                       size=(120, 30)) as (app, pilot):
        await open_post(app, pilot)
        await pilot.press("j")  # onto the long paragraph
        await pilot.pause()
        assert "BEGIN" in screen_text(app)
        seen = set()
        for _ in range(40):
            text = in_view(app)
            seen.update(w for w in text.split() if w.startswith("word"))
            if "FINISH" in text:
                break
            await pilot.press("j")
            await pilot.pause()
        else:
            raise AssertionError("j never reached the end of the long paragraph")
        assert seen >= {f"word{n:03d}" for n in range(400)}  # no line jumped over
        await pilot.press("y")
        assert clip.copied[-1].startswith("BEGIN")  # the cursor stayed on it meanwhile
        await pilot.press("j", "y")
        assert clip.copied[-1] == "After the long one."
        await pilot.press("k", "k")
        await pilot.pause()
        assert "FINISH" not in screen_text(app)  # k scrolls back up through it too


async def test_space_pages_the_post_from_the_list_and_then_goes_to_the_next(
    tmp_path: Path,
) -> None:
    async with running([write_dump(tmp_path, LONG_PARAGRAPH)], size=(120, 30)) as (app, pilot):
        assert isinstance(app.focused, PostList)
        await pilot.press("space")
        await pilot.pause()
        assert "BEGIN" not in screen_text(app)
        await pilot.press("shift+space")
        await pilot.pause()
        assert "BEGIN" in screen_text(app)
        for _ in range(10):
            if "After the long one." in screen_text(app):
                break
            await pilot.press("space")
            await pilot.pause()
        assert pane_title(app) == "A post with one very long paragraph"
        await pilot.press("space")
        await pilot.pause()
        assert pane_title(app) == "The next post"
        assert isinstance(app.focused, PostList)


async def test_up_and_down_in_the_search_box_walk_earlier_searches_kept_per_archive() -> None:
    async with running() as (app, pilot):
        for query in ("lavrov", "china"):
            await type_search(app, pilot, query)
            await pilot.press("enter")
            await pilot.pause()
    async with running() as (app, pilot):
        box = search_box(app)
        assert box.value == "china"  # the last search is restored with the filter
        await pilot.press("slash")
        box.value = "sco"
        await pilot.press("up")
        assert box.value == "china"
        await pilot.press("up")
        assert box.value == "lavrov"
        await pilot.press("down", "down")
        assert box.value == "sco"  # back to what was being typed
