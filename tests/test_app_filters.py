"""Filtering the list: dates, hashtags, search, Esc, and what comes back after a restart."""

from __future__ import annotations

from pathlib import Path
from typing import Any

import pytest
from apphelpers import (
    FakePyperclip,
    cursor_title,
    focus_reaches,
    harness,
    list_rows,
    open_post,
    pane,
    pane_title,
    running,
    screen_text,
    search_box,
    status,
    user_dirs,  # noqa: F401  (fixture)
)
from conftest import write_dump
from rich.cells import cell_len
from textual.pilot import Pilot
from textual.widgets import OptionList, Tree

from tui.app import ReaderApp
from tui.widgets.dialogs import TagPicker
from tui.widgets.post_list import PostList

pytestmark = pytest.mark.usefixtures("user_dirs")

CLEARS = "   (Esc clears the last filter)"

TURKIYE = """\
Forwarded from Test channel
Talks in Ankara #Diplomacy
📍 Ankara, March 3, 2023
The minister met his counterpart from Türkiye.
Relations with TÜRKIYE were discussed at length.
Forwarded from Test channel
Turkey and the weather
📍 Moscow, March 4, 2023
Nothing about the country named above.
"""


async def choose_date(app: ReaderApp, pilot: Pilot[Any], *labels: str) -> None:
    """Walk the date tree by node labels (`"2023"`, `"Apr"`, `"14"`) and press Enter on the
    last one, as a user does with the arrow keys."""
    tree: Tree[str] = app.query_one("#dates", Tree)
    node = tree.root
    for label in labels:
        node.expand()
        await pilot.pause()
        node = next(c for c in node.children if str(c.label).split(" (")[0] == label)
    tree.focus()
    tree.move_cursor(node)
    await pilot.press("enter")
    await pilot.pause()


async def choose_tag(app: ReaderApp, pilot: Pilot[Any], label: str) -> None:
    options = app.query_one("#tags", OptionList)
    prompts = [str(options.get_option_at_index(i).prompt) for i in range(options.option_count)]
    options.focus()
    options.highlighted = next(i for i, p in enumerate(prompts) if p.split(" ")[0] == label)
    await pilot.press("enter")
    await pilot.pause()


async def search(app: ReaderApp, pilot: Pilot[Any], words: str) -> None:
    """`/`, then the words (set at once: Pilot spends a tenth of a second per key)."""
    await pilot.press("slash")
    search_box(app).value = words
    await pilot.pause()


async def test_choosing_a_year_month_or_day_filters_the_list() -> None:
    async with running() as (app, pilot):
        await choose_date(app, pilot, "2023")
        assert status(app) == "9 posts · 2023 · 2 shown" + CLEARS
        assert [r.split("  ")[0] for r in list_rows(app)] == ["14 Apr 2023", "29 Apr 2023"]
        await choose_date(app, pilot, "2023", "Apr", "14")
        assert status(app) == "9 posts · 14 Apr 2023 · 1 shown" + CLEARS
        assert "FM Sergey Lavrov’s remarks" in pane_title(app)
        await choose_date(app, pilot, "Undated")
        assert status(app) == "9 posts · undated · 3 shown" + CLEARS
        assert all(r.startswith("undated") for r in list_rows(app))


async def test_choosing_a_hashtag_filters_the_list() -> None:
    async with running() as (app, pilot):
        await choose_tag(app, pilot, "#CSTO")
        assert status(app) == "9 posts · #CSTO · 3 shown" + CLEARS
        assert app.library is not None
        for index in app.query_one(PostList).rows:
            assert "CSTO" in app.library[index].hashtags
        assert "CSTO" in pane(app).post.hashtags  # type: ignore[union-attr]


async def test_tag_date_and_search_combine_and_esc_peels_them_one_at_a_time() -> None:
    async with running() as (app, pilot):
        await choose_tag(app, pilot, "#BRICS")
        await choose_date(app, pilot, "2024")
        assert status(app) == "9 posts · #BRICS · 2024 · 2 shown" + CLEARS
        await search(app, pilot, "janeiro")
        assert status(app) == "9 posts · #BRICS · 2024 · “janeiro” · 1 shown" + CLEARS
        assert "took part in the G20" in pane_title(app)
        assert "“janeiro”" in screen_text(app)
        await pilot.press("enter")  # leave the search box, keep the search
        assert app.focused is app.query_one(PostList)
        await pilot.press("escape")
        assert status(app) == "9 posts · #BRICS · 2024 · 2 shown" + CLEARS
        assert not search_box(app).display
        await pilot.press("escape")
        assert status(app) == "9 posts · 2024 · 3 shown" + CLEARS
        await pilot.press("escape")
        assert status(app) == "9 posts · 9 shown"
        await pilot.press("escape")  # nothing left to clear: nothing happens
        assert status(app) == "9 posts · 9 shown" and app.is_running


async def test_esc_in_the_search_box_closes_it_and_drops_the_search() -> None:
    async with running() as (app, pilot):
        await choose_tag(app, pilot, "#SCO")
        await search(app, pilot, "lavrov greetings")
        assert status(app).startswith("9 posts · #SCO · “lavrov greetings” · 1 shown")
        await pilot.press("escape")
        assert not search_box(app).display and search_box(app).value == ""
        assert status(app) == "9 posts · #SCO · 9 shown" + CLEARS
        assert app.focused is app.query_one(PostList)


async def test_number_sign_picks_one_of_the_posts_hashtags() -> None:
    async with running() as (app, pilot):
        await pilot.press("enter", "number_sign")
        await pilot.pause()
        assert isinstance(app.screen, TagPicker)
        text = screen_text(app)
        assert "#SCO" in text and "#Lavrov" in text
        await pilot.press("down", "enter")
        await pilot.pause()
        assert status(app) == "9 posts · #Lavrov · 1 shown" + CLEARS


async def test_clicking_a_hashtag_in_the_post_text_filters_by_it() -> None:
    async with running() as (app, pilot):
        await pilot.press("j", "j")  # the Concept excerpts: #RussiaIndia sits in its text
        lines = screen_text(app).splitlines()
        y, line = next((y, ln) for y, ln in enumerate(lines) if "#RussiaIndia" in ln
                       and "▏" in ln)
        x = cell_len(line[: line.index("#RussiaIndia")]) + 3
        assert await pilot.click(offset=(x, y))
        await pilot.pause()
        assert status(app) == "9 posts · #RussiaIndia · 1 shown" + CLEARS


async def test_search_ignores_case_and_accents_and_highlights_the_matches(
    tmp_path: Path,
) -> None:
    async with running([write_dump(tmp_path, TURKIYE)]) as (app, pilot):
        await search(app, pilot, "turkiye")
        assert status(app) == "2 posts · “turkiye” · 1 shown" + CLEARS
        assert pane_title(app) == "Talks in Ankara #Diplomacy"
        body = pane(app).body_text(pane(app).post)  # type: ignore[arg-type]
        match = pane(app).get_component_rich_style("reading--match", partial=True)
        marked = [body.plain[s.start:s.end] for s in body.spans if s.style == match]
        assert marked == ["Türkiye", "TÜRKIYE"]


async def test_angle_brackets_jump_between_paragraphs_with_matches() -> None:
    clip = FakePyperclip()
    async with running(backend=clip) as (app, pilot):
        await search(app, pilot, "LAVROV")
        assert status(app).startswith("9 posts · “LAVROV” · 7 shown")
        await pilot.press("enter")  # out of the box
        await focus_reaches(app, pilot, PostList)
        await open_post(app, pilot)
        assert app.focused is pane(app)
        await pilot.press("greater_than_sign", "y")
        await pilot.press("greater_than_sign", "y")
        await pilot.press("greater_than_sign", "y")  # wraps to the title
        await pilot.press("less_than_sign", "y")
        first, second, third, back = clip.copied
        assert first.startswith("💬 Sergey #Lavrov: As usual, fine.")
        assert second.startswith("💬 Sergey Lavrov: Our assessments")
        assert third.startswith("🎙 Foreign Minister Sergey Lavrov’s answers")
        assert back == second


async def test_opened_posts_are_dimmed_and_stay_dimmed_after_a_restart() -> None:
    def dimmed(app: ReaderApp) -> list[bool]:
        posts = app.query_one(PostList)
        read = posts.get_component_rich_style("post-list--read")
        out = []
        for y in range(len(posts.rows)):
            # a row's first line: date, badges, then the title (rows take two lines when
            # the list is narrow)
            _date, _badges, title, *_rest = list(posts.render_line(y * posts.row_height))
            out.append(title.style is not None and title.style.color == read.color)
        return out

    async with running() as (app, pilot):
        await pilot.press("j", "j")
        await open_post(app, pilot)  # post 2
        await pilot.press("shift+tab")
        await focus_reaches(app, pilot, PostList)
        await pilot.press("j")  # back to the list, one down: row 2 is not the cursor
        assert dimmed(app)[:3] == [False, False, True]
    async with running() as (app, pilot):
        assert app.query_one(PostList).cursor == 3
        assert dimmed(app)[:3] == [False, False, True]


async def test_restart_brings_back_the_last_post_and_filter() -> None:
    async with running() as (app, pilot):
        await choose_tag(app, pilot, "#BRICS")
        await search(app, pilot, "lavrov")
        await pilot.press("enter")
        await focus_reaches(app, pilot, PostList)
        await pilot.press("j", "j")
        before = cursor_title(app)
        await pilot.press("q")
    async with running() as (app, pilot):
        assert status(app) == "9 posts · #BRICS · “lavrov” · 4 shown" + CLEARS
        assert search_box(app).display and search_box(app).value == "lavrov"
        assert pane_title(app) == before == cursor_title(app)


async def test_the_theme_choice_is_remembered() -> None:
    async with running() as (app, pilot):
        assert app.theme != "nord"
        app.theme = "nord"  # what the palette's "Change theme" does
        await pilot.pause()
    async with running() as (app, pilot):
        assert app.theme == "nord"


async def test_a_post_left_on_screen_for_a_while_is_marked_read_one_skipped_is_not() -> None:
    async with running() as (app, pilot):
        await pilot.press("j", "j")  # post 1 is passed over; stay on post 2
        timers = harness(app).read_timers
        assert len(timers.pending()) == 1  # moving on stopped the clocks of posts 0 and 1
        timers.run_out()
        await pilot.pause()
        assert app.store is not None and app.library is not None
        read = app.store.read_ids(app.library.archive_key)
        assert app.library[2].id in read
        assert app.library[1].id not in read and app.library[0].id not in read


async def test_restart_brings_back_a_date_and_collection_filter() -> None:
    async with running() as (app, pilot):
        await pilot.press("b")
        await choose_date(app, pilot, "2022")
        app.apply_collection("bookmarks")
        await pilot.pause()
        assert status(app) == "9 posts · ★ bookmarks · 2022 · 1 shown" + CLEARS
    async with running() as (app, pilot):
        assert status(app) == "9 posts · ★ bookmarks · 2022 · 1 shown" + CLEARS
        assert not search_box(app).display
        await pilot.press("escape", "escape")
        assert status(app) == "9 posts · 9 shown"
