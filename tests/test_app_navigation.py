"""Moving around the reader with the keyboard: the list, the panes, help, sidebar, palette."""

from __future__ import annotations

from pathlib import Path

import pytest
from apphelpers import (
    SAMPLE_TITLES,
    cursor_title,
    many_posts_dump,
    palette_choose,
    palette_prompts,
    palette_type,
    pane,
    pane_title,
    running,
    screen_text,
    search_box,
    status,
    user_dirs,  # noqa: F401  (fixture)
)
from textual import events
from textual.widgets import Input, Tree

from tui.widgets.help import HelpScreen
from tui.widgets.post_list import PostList

pytestmark = pytest.mark.usefixtures("user_dirs")


def showing(number: int) -> str:
    """A few words of the title of the sample's post `number` (0-based, reading order)."""
    return SAMPLE_TITLES[number]


async def test_arrows_vim_keys_and_ends_move_the_list_and_the_pane_follows() -> None:
    async with running() as (app, pilot):
        assert showing(0) in pane_title(app)
        await pilot.press("down")
        assert showing(1) in pane_title(app)
        await pilot.press("j", "j")
        assert showing(3) in cursor_title(app) and showing(3) in pane_title(app)
        await pilot.press("k")
        assert showing(2) in pane_title(app)
        await pilot.press("up", "up", "up")  # stops at the first post
        assert showing(0) in pane_title(app)
        await pilot.press("G")
        assert showing(8) in pane_title(app)
        await pilot.press("j")  # already at the end: stays
        assert showing(8) in pane_title(app)
        await pilot.press("g")
        assert showing(0) in pane_title(app)
        await pilot.press("end")
        assert showing(8) in pane_title(app)
        await pilot.press("home")
        assert showing(0) in pane_title(app)


async def test_page_keys_move_a_screenful_and_keep_the_cursor_on_screen(tmp_path: Path) -> None:
    async with running([many_posts_dump(tmp_path, 100)]) as (app, pilot):
        posts = app.query_one(PostList)
        height = posts.scrollable_content_region.height // posts.row_height  # in rows
        assert 5 < height < 45
        await pilot.press("pagedown")
        first_page = posts.cursor
        assert first_page == height - 1
        assert pane_title(app) == f"Post {first_page:02d}"
        await pilot.press("pagedown")
        assert posts.cursor == 2 * (height - 1)
        title = pane_title(app)
        assert title in screen_text(app), "the row under the cursor scrolled off screen"
        await pilot.press("pageup", "pageup", "pageup")
        assert pane_title(app) == "Post 00"
        assert "Post 00" in screen_text(app)


async def test_enter_opens_the_post_in_the_reading_pane_and_marks_it_read() -> None:
    async with running() as (app, pilot):
        await pilot.press("j", "enter")
        await pilot.pause()
        assert app.focused is pane(app)
        assert showing(1) in pane_title(app)
        assert app.store is not None and app.library is not None
        read = app.store.read_ids(app.library.archive_key)
        assert app.library[1].id in read and app.library[0].id not in read


async def test_next_and_previous_post_work_from_the_reading_pane_and_the_sidebar() -> None:
    async with running() as (app, pilot):
        await pilot.press("enter")
        assert app.focused is pane(app)
        await pilot.press("right_square_bracket")
        assert showing(1) in pane_title(app)
        await pilot.press("n")
        assert showing(2) in pane_title(app)
        await pilot.press("p")
        assert showing(1) in pane_title(app)
        await pilot.press("left_square_bracket")
        assert showing(0) in pane_title(app)
        app.query_one("#dates", Tree).focus()
        await pilot.pause()
        await pilot.press("n", "n")
        assert showing(2) in pane_title(app)
        await pilot.press("p")
        assert showing(1) in pane_title(app)


async def test_tab_and_shift_tab_cycle_through_the_panes() -> None:
    async with running() as (app, pilot):
        assert app.focused is app.query_one("#posts")
        order = []
        for _ in range(5):
            await pilot.press("tab")
            order.append(app.focused.id if app.focused else None)
        assert order == ["reader", "dates", "collections", "tags", "posts"]
        await pilot.press("shift+tab")
        assert app.focused is not None and app.focused.id == "tags"


async def test_slash_opens_the_search_box_and_typing_letters_there_does_not_trigger_keys(
) -> None:
    async with running() as (app, pilot):
        await pilot.press("slash")
        box = search_box(app)
        assert box.display and app.focused is box
        await pilot.press(*"iraq?n]b")  # q quits, ? helps, n/] move, b bookmarks elsewhere
        await pilot.pause()
        assert app.is_running
        assert box.value == "iraq?n]b"
        assert not isinstance(app.screen, HelpScreen)
        assert app.bookmarked == set()
        assert "0 shown" in status(app)


async def test_keys_typed_in_one_burst_after_slash_go_to_the_search_box() -> None:
    """A paste, a script or keys queued while the app is busy: every key is already on its
    way before "/" is acted on. They must be typed into the box, not taken as commands (the
    q of "/zzq" used to quit the reader, the b of "/libr" to bookmark the post)."""
    async with running() as (app, pilot):
        for char in "/libraq":
            app.post_message(events.Key("slash" if char == "/" else char, char))
        await pilot.pause()
        assert app.is_running
        box = search_box(app)
        assert box.display and app.focused is box
        assert box.value == "libraq"
        assert app.bookmarked == set()


async def test_slash_is_text_where_text_is_typed_and_searches_after_a_dialog_closes() -> None:
    async with running() as (app, pilot):
        await pilot.press("slash", *"a/b")
        assert search_box(app).value == "a/b"  # a "/" in the box is typed, not a new search
        await pilot.press("escape", "t")  # go to date: a prompt of its own
        await pilot.pause()
        prompt = app.screen.query_one(Input)
        await pilot.press(*"2023/01")
        assert prompt.value == "2023/01"
        await pilot.press("escape")
        await pilot.pause()
        await pilot.press("slash", "x")
        assert app.focused is search_box(app) and search_box(app).value == "x"


async def test_q_quits() -> None:
    async with running() as (app, pilot):
        await pilot.press("q")
        await pilot.pause()
        assert not app.is_running


async def test_help_lists_the_keys_and_closes_without_quitting() -> None:
    async with running(size=(120, 90)) as (app, pilot):
        for key in ("question_mark", "f1"):
            await pilot.press(key)
            await pilot.pause()
            assert isinstance(app.screen, HelpScreen)
            text = screen_text(app)
            for line in ("Next post, from anywhere", "Show or hide the sidebar", "Esc",
                         "Tab", "PgDn", "Shift+↓", "Copy the whole post", "Ctrl+S", "Ctrl+B"):
                assert line in text, line
            await pilot.press("q")  # closes help; does not quit the app
            await pilot.pause()
            assert app.is_running and not isinstance(app.screen, HelpScreen)


async def test_ctrl_b_hides_and_shows_the_sidebar_and_it_stays_so_next_time() -> None:
    async with running() as (app, pilot):
        sidebar = app.query_one("#sidebar")
        assert sidebar.display and "Hashtags" in screen_text(app)
        await pilot.press("ctrl+b")
        await pilot.pause()
        assert not sidebar.display and "Hashtags" not in screen_text(app)
        assert app.focused is app.query_one("#posts")
    async with running() as (app, pilot):
        assert not app.query_one("#sidebar").display
        await pilot.press("ctrl+b")
        await pilot.pause()
        assert app.query_one("#sidebar").display and "Hashtags" in screen_text(app)


async def test_palette_finds_posts_by_title_words_and_by_hashtags_beyond_the_filter() -> None:
    async with running() as (app, pilot):
        await palette_choose(app, pilot, "greetings", showing(5))
        assert showing(5) in pane_title(app) and showing(5) in cursor_title(app)
        await palette_choose(app, pilot, "russiaindia", "Excerpts from the Concept")  # a tag
        assert showing(2) in pane_title(app)
        app.apply_period("2024")
        await pilot.pause()
        assert "3 shown" in status(app)
        await palette_choose(app, pilot, "greetings", showing(5))  # hidden by the filter
        assert showing(5) in pane_title(app)
        assert status(app) == "9 posts · 9 shown"


async def test_palette_commands_filter_by_tag_and_go_to_a_year() -> None:
    async with running() as (app, pilot):
        await palette_type(app, pilot, "Filter: #Lavrov")
        prompts = palette_prompts(app)
        assert any("1 post tagged #Lavrov" in p for p in prompts), prompts
        await pilot.press("escape")
        await palette_choose(app, pilot, "Filter: #SCO", "Filter: #SCO")
        assert status(app).startswith("9 posts · #SCO · 9 shown")
        await palette_choose(app, pilot, "Go to: 2023", "Go to: 2023")
        assert status(app).startswith("9 posts · #SCO · 2023 · 2 shown")
        assert showing(3) in pane_title(app)


async def test_the_list_uses_every_row_and_paints_its_own_background() -> None:
    """At 80x24 the list once lost a row to a sideways scrollbar, and row titles were drawn
    on the terminal's default background instead of the list's."""
    async with running(size=(80, 24)) as (app, pilot):
        posts = app.query_one(PostList)
        assert posts.show_vertical_scrollbar  # 9 posts do not fit
        assert not posts.show_horizontal_scrollbar
        assert posts.scrollable_content_region.height == posts.size.height
        region = posts.region
        for y in range(region.y, region.bottom):
            unpainted = [x - region.x for x in range(region.x, region.right)
                         if app.screen.get_style_at(x, y).bgcolor is None]
            assert unpainted == [], f"row {y - region.y} has no background at {unpainted}"


async def test_shrinking_the_terminal_stacks_the_list_above_the_post_even_under_help() -> None:
    async with running() as (app, pilot):
        def stacked() -> bool:
            return app.query_one("#reader").region.y > app.query_one("#posts").region.y

        assert not stacked()  # wide: list and post side by side
        await pilot.resize_terminal(80, 24)
        await pilot.pause()
        assert stacked(), "still side by side after shrinking to 80 columns"
        await pilot.resize_terminal(140, 40)
        await pilot.pause()
        assert not stacked()
        await pilot.press("f1")
        await pilot.resize_terminal(80, 24)
        await pilot.press("escape")
        await pilot.pause()
        assert stacked(), "a resize under the help screen was lost"


async def test_clicking_a_row_opens_that_post() -> None:
    async with running() as (app, pilot):
        lines = app.query_one(PostList).row_height  # per row: two when the list is narrow
        assert await pilot.click("#posts", offset=(20, 3 * lines + lines - 1))
        await pilot.pause()
        assert showing(3) in pane_title(app)
        assert app.focused is pane(app)
