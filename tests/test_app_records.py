"""Bookmarks and notes as the reader makes them: badges, counts, the editor, the notes list,
collections in the sidebar, and a save that fails without losing the text."""

from __future__ import annotations

from pathlib import Path
from typing import Any

import pytest
from apphelpers import (
    clear_toasts,
    collections,
    list_rows,
    open_post,
    pane_text,
    pane_title,
    running,
    screen_text,
    status,
    toasts,
    user_dirs,  # noqa: F401  (fixture)
)
from textual.pilot import Pilot
from textual.widgets import OptionList, TextArea

from tui.app import ReaderApp
from tui.storage import StorageError, Store
from tui.widgets.dialogs import ConfirmScreen, NoteEditor, NotesScreen
from tui.widgets.post_list import PostList

pytestmark = pytest.mark.usefixtures("user_dirs")

CLEARS = "   (Esc clears the last filter)"



async def choose_collection(app: ReaderApp, pilot: Pilot[Any], index: int) -> None:
    options = app.query_one("#collections", OptionList)
    options.focus()
    options.highlighted = index
    await pilot.press("enter")
    await pilot.pause()


async def write_note(app: ReaderApp, pilot: Pilot[Any], text: str) -> None:
    """In the open editor, put `text` as pasting does (Pilot spends 0.1 s on each key;
    test_esc_on_a_draft_asks_before_discarding_it types for real)."""
    assert isinstance(app.screen, NoteEditor)
    app.screen.query_one(TextArea).insert(text)
    await pilot.pause()


def store(app: ReaderApp) -> Store:
    assert app.store is not None
    return app.store


async def test_b_toggles_a_bookmark_with_badge_header_count_and_toast() -> None:
    async with running() as (app, pilot):
        await pilot.press("j", "b")
        await pilot.pause()
        assert "★" in list_rows(app)[1] and "★" not in list_rows(app)[0]
        assert "★ bookmarked" in pane_text(app)
        assert collections(app)[0] == "★ Bookmarks 1"
        assert "Bookmarked." in toasts(app)
        assert [b.post_id for b in store(app).bookmarks()] == [app.library[1].id]  # type: ignore[index]
        await pilot.press("b")
        await pilot.pause()
        assert "★" not in list_rows(app)[1] and "★ bookmarked" not in pane_text(app)
        assert collections(app)[0] == "★ Bookmarks 0"
        assert "Bookmark removed." in toasts(app)
        assert store(app).bookmarks() == []


async def test_a_note_with_a_selected_passage_quotes_it_and_shows_under_the_post() -> None:
    async with running() as (app, pilot):
        await open_post(app, pilot)
        await pilot.press("down", "down", "v", "shift+down", "a")
        await pilot.pause()
        assert isinstance(app.screen, NoteEditor)
        editor_text = screen_text(app)
        assert "New note on: 🎙 Foreign Minister Sergey Lavrov’s answers" in editor_text
        assert "▌ ❓ How did the talks with China go?" in editor_text
        assert "▌ 💬 Sergey #Lavrov: As usual, fine." in editor_text
        await write_note(app, pilot, "Compare with the 2023 visit — «важно» 🇷🇺")
        await pilot.press("ctrl+s")
        await pilot.pause()
        assert not isinstance(app.screen, NoteEditor)
        assert "Note saved." in toasts(app)
        [note] = store(app).notes(app.library[0].id)  # type: ignore[index]
        assert note.body == "Compare with the 2023 visit — «важно» 🇷🇺"
        assert note.quote is not None and note.quote.text.startswith(
            "❓ How did the talks with China go?\n💬 Sergey #Lavrov: As usual, fine.")
        shown = pane_text(app)
        assert "── Notes (1)" in shown
        assert "Compare with the 2023 visit — «важно» 🇷🇺" in shown
        assert "✎" in list_rows(app)[0]
        assert collections(app)[1] == "✎ Notes 1"


async def test_a_note_without_selection_quotes_nothing_and_empty_notes_are_refused() -> None:
    async with running() as (app, pilot):
        await pilot.press("a")
        await pilot.pause()
        assert "▌" not in screen_text(app)
        await pilot.press("ctrl+s")
        await pilot.pause()
        assert isinstance(app.screen, NoteEditor)
        assert "An empty note is not saved." in screen_text(app)
        await pilot.press("escape")  # nothing typed: closes without asking
        await pilot.pause()
        assert not isinstance(app.screen, (NoteEditor, ConfirmScreen))
        assert store(app).notes() == []


async def test_esc_on_a_draft_asks_before_discarding_it() -> None:
    async with running() as (app, pilot):
        await pilot.press("a")
        await pilot.press(*"qb?n")  # letters that are keys elsewhere are text here
        await write_note(app, pilot, " half a thought")
        await pilot.press("escape")
        await pilot.pause()
        assert isinstance(app.screen, ConfirmScreen)
        assert "Discard this note?" in screen_text(app)
        await pilot.press("n")  # keep writing
        await pilot.pause()
        assert isinstance(app.screen, NoteEditor)
        assert app.screen.query_one(TextArea).text == "qb?n half a thought"
        assert app.is_running and app.bookmarked == set()
        await pilot.press("escape", "y")
        await pilot.pause()
        assert not isinstance(app.screen, (NoteEditor, ConfirmScreen))
        assert store(app).notes() == []


async def test_e_lists_notes_to_edit_and_delete_after_asking() -> None:
    async with running() as (app, pilot):
        await pilot.press("e")
        assert "No notes on this post yet: press a to add one." in toasts(app)
        await pilot.press("a")
        await write_note(app, pilot, "first draft")
        await pilot.press("ctrl+s", "e")
        await pilot.pause()
        assert isinstance(app.screen, NotesScreen)
        assert "first draft" in screen_text(app)
        await pilot.press("enter")  # edit
        await pilot.pause()
        assert isinstance(app.screen, NoteEditor)
        area = app.screen.query_one(TextArea)
        assert area.text == "first draft"
        area.text = "second draft"
        await pilot.press("ctrl+s")
        await pilot.pause()
        [note] = store(app).notes()
        assert note.body == "second draft"
        assert "second draft" in pane_text(app) and "first draft" not in pane_text(app)
        await pilot.press("e", "d")
        await pilot.pause()
        assert isinstance(app.screen, ConfirmScreen)
        await pilot.press("n")  # changed my mind
        await pilot.pause()
        assert len(store(app).notes()) == 1
        await pilot.press("d", "y")
        await pilot.pause()
        assert store(app).notes() == []
        assert "Note deleted." in toasts(app)
        assert "── Notes" not in pane_text(app)
        assert "✎" not in list_rows(app)[0]


async def test_collections_filter_the_list_and_combine_with_other_filters() -> None:
    async with running() as (app, pilot):
        posts = app.query_one(PostList)
        await pilot.press("b")
        posts.move_to(3)
        await pilot.press("b")
        posts.move_to(8)
        await pilot.press("a")  # bookmarks on posts 0 and 3, a note on 8
        await write_note(app, pilot, "last post")
        await pilot.press("ctrl+s")
        await pilot.pause()
        await choose_collection(app, pilot, 0)
        assert status(app) == "9 posts · ★ bookmarks · 2 shown" + CLEARS
        assert all("★" in row for row in list_rows(app))
        app.apply_period("2023")
        await pilot.pause()
        assert status(app) == "9 posts · ★ bookmarks · 2023 · 1 shown" + CLEARS
        assert "FM Sergey Lavrov’s remarks" in pane_title(app)
        await choose_collection(app, pilot, 1)
        assert status(app) == "9 posts · ✎ notes · 2023 · 0 shown" + CLEARS
        assert "No posts match this filter. Esc clears it." in screen_text(app)
        app.query_one("#posts").focus()
        await pilot.press("escape")  # the collection goes first
        assert status(app) == "9 posts · 2023 · 2 shown" + CLEARS
        await pilot.press("escape")
        await choose_collection(app, pilot, 1)
        assert status(app) == "9 posts · ✎ notes · 1 shown" + CLEARS
        assert "last post" in pane_text(app)


async def test_unbookmarking_inside_the_bookmarks_collection_drops_the_row() -> None:
    async with running() as (app, pilot):
        await pilot.press("b", "j", "b")
        await choose_collection(app, pilot, 0)
        assert status(app).startswith("9 posts · ★ bookmarks · 2 shown")
        app.query_one("#posts").focus()
        await pilot.press("b")
        await pilot.pause()
        assert status(app).startswith("9 posts · ★ bookmarks · 1 shown")
        assert collections(app)[0] == "★ Bookmarks 1"


async def test_a_failed_save_reopens_the_editor_with_every_word(
    monkeypatch: pytest.MonkeyPatch,
) -> None:
    async with running() as (app, pilot):
        def full_disk(*args: object, **kwargs: object) -> None:
            raise StorageError("cannot save note to /x/library.json: no space left on device")

        add_note = store(app).add_note
        monkeypatch.setattr(store(app), "add_note", full_disk)
        await open_post(app, pilot)
        await pilot.press("v", "a")
        await write_note(app, pilot, "A long note I would hate to lose.\nSecond line.")
        await pilot.press("ctrl+s")
        await pilot.pause()
        assert isinstance(app.screen, NoteEditor)
        assert app.screen.query_one(TextArea).text == (
            "A long note I would hate to lose.\nSecond line.")
        text = screen_text(app)
        assert "no space left on device" in text
        assert "▌ 🎙 Foreign Minister Sergey Lavrov’s answers" in text  # the quote is kept too
        await pilot.press("escape")  # the text is saved nowhere: Esc must ask
        await pilot.pause()
        assert isinstance(app.screen, ConfirmScreen)
        await pilot.press("n")
        await pilot.pause()
        monkeypatch.setattr(store(app), "add_note", add_note)  # the disk has room again
        await pilot.press("ctrl+s")
        await pilot.pause()
        [note] = store(app).notes()
        assert note.body == "A long note I would hate to lose.\nSecond line."
        assert note.quote is not None


async def test_without_a_library_b_a_and_e_say_why_instead_of_swallowing_input(
    tmp_path: Path, monkeypatch: pytest.MonkeyPatch,
) -> None:
    (tmp_path / "not-a-folder").write_text("x")
    monkeypatch.setenv("TGREADER_DB", str(tmp_path / "not-a-folder" / "library.json"))
    async with running() as (app, pilot):
        assert app.store is None
        for key in ("b", "a", "e"):
            clear_toasts(app)
            await pilot.press(key)
            await pilot.pause()
            assert not isinstance(app.screen, NoteEditor), "a note typed here would be lost"
            [message] = toasts(app)
            assert message.startswith("Bookmarks and notes are off this session: cannot open")
        assert "★" not in list_rows(app)[0]


async def test_collection_counts_are_what_choosing_them_shows_in_another_archive(
    tmp_path: Path,
) -> None:
    async with running() as (app, pilot):  # the sample: two bookmarks, one note
        await pilot.press("b", "j", "b", "a")
        await write_note(app, pilot, "on the sample")
        await pilot.press("ctrl+s")
        await pilot.pause()
        assert collections(app)[:2] == ["★ Bookmarks 2", "✎ Notes 1"]
    other = tmp_path / "other.txt"
    other.write_text("Forwarded from Elsewhere\nAnother channel's post\n", encoding="utf-8")
    async with running([other]) as (app, pilot):
        assert collections(app)[:2] == ["★ Bookmarks 0", "✎ Notes 0"]
        await choose_collection(app, pilot, 0)
        assert status(app).startswith("1 post · ★ bookmarks · 0 shown")


async def test_a_note_deleted_in_another_window_while_edited_is_saved_as_a_new_one(
    user_dirs: Path,  # noqa: F811  (the fixture's database path)
) -> None:
    async with running() as (app, pilot):
        await pilot.press("a")
        await write_note(app, pilot, "original")
        await pilot.press("ctrl+s", "e", "enter")  # edit it
        await pilot.pause()
        app.screen.query_one(TextArea).text = "my long edited thoughts"
        with Store.open(user_dirs) as other_window:
            [note] = other_window.notes()
            other_window.delete_note(note.id)
        await pilot.press("ctrl+s")
        await pilot.pause()
        assert isinstance(app.screen, NoteEditor)
        assert "deleted in another window" in screen_text(app)
        await pilot.press("ctrl+s")
        await pilot.pause()
        assert not isinstance(app.screen, NoteEditor)
        [saved] = store(app).notes()
        assert saved.body == "my long edited thoughts" and saved.id != note.id
