"""Copying from the reading pane: the paragraph highlight, selections, y / Y / c, the toasts,
and the OSC 52 path when there is no system clipboard."""

from __future__ import annotations

from pathlib import Path

import pytest
from apphelpers import (
    FakePyperclip,
    notifications,
    open_post,
    pane,
    running,
    screen_text,
    status,
    toasts,
    user_dirs,  # noqa: F401  (fixture)
)
from conftest import write_dump

from tui.app import ReaderApp
from tui.clipboard import Clipboard

pytestmark = pytest.mark.usefixtures("user_dirs")

CYRILLIC = """\
Forwarded from МИД России 🇷🇺
Заявление 🇷🇺🇨🇳 «о сотрудничестве»
Москва приветствует партнёров — 👍🏽 #ШОС
Второй абзац: ёлка, Ёж, «кавычки».
"""


def highlighted(app: ReaderApp) -> list[str]:
    """The paragraphs drawn with the highlight or selection background, in order."""
    reader = pane(app)
    post = reader.post
    assert post is not None
    body = reader.body_text(post)
    marks = {reader.get_component_rich_style(name, partial=True).bgcolor
             for name in ("reading--cursor", "reading--selection")}
    return [p for p in post.paragraphs()
            if any(span.style.bgcolor in marks  # type: ignore[union-attr]
                   and body.plain[span.start:span.end] == p for span in body.spans)]


async def test_arrows_move_the_highlight_and_y_copies_that_paragraph() -> None:
    clip = FakePyperclip()
    async with running(backend=clip) as (app, pilot):
        await pilot.press("enter")
        assert highlighted(app) == [app.library[0].paragraphs()[0]]  # type: ignore[index]
        await pilot.press("down", "y")
        assert highlighted(app) == ["📍 Samarkand, September 15, 2022"]
        assert clip.copied == ["📍 Samarkand, September 15, 2022"]
        assert toasts(app)[-1] == "Copied 1 paragraph (31 chars) to the clipboard"


async def test_shift_arrows_and_v_extend_and_esc_clears_before_any_filter() -> None:
    clip = FakePyperclip()
    async with running(backend=clip) as (app, pilot):
        app.apply_tag("sco")
        await open_post(app, pilot)
        await pilot.press("down", "shift+down", "shift+down", "y")
        assert clip.copied[-1] == (
            "📍 Samarkand, September 15, 2022\n❓ How did the talks with China go?\n"
            "💬 Sergey #Lavrov: As usual, fine. Our talks are always business-like, concrete "
            "discussions of the tasks facing the relevant ministries and agencies. That was the "
            "case this time as well.")
        assert len(highlighted(app)) == 3
        assert toasts(app)[-1].startswith("Copied 3 paragraphs (")
        await pilot.press("escape")  # drops the selection, keeps the #SCO filter
        assert status(app).startswith("9 posts · #SCO · 9 shown")
        assert len(highlighted(app)) == 1
        await pilot.press("y")
        assert clip.copied[-1].startswith("💬 Sergey #Lavrov: As usual, fine.")
        await pilot.press("up", "v", "down", "down", "y")  # after v the arrows extend
        assert clip.copied[-1].startswith("❓ How did the talks with China go?\n💬 Sergey")
        assert clip.copied[-1].endswith("\n❓ Were you able to discuss the tense international "
                                        "situation? In what context?")


async def test_shift_y_copies_a_citation_with_an_honest_date() -> None:
    clip = FakePyperclip()
    async with running(backend=clip) as (app, pilot):
        await open_post(app, pilot)
        await pilot.press("down", "Y")
        assert clip.copied[-1] == (
            "“📍 Samarkand, September 15, 2022” — Russian MFA 🇷🇺, Telegram, 15 September 2022")
        assert toasts(app)[-1].startswith("Copied citation (")
        await pilot.press("]", "Y")
        assert clip.copied[-1] == (
            "“⚡️Main Foreign Policy Outcomes of 2022⚡️” — Russian MFA 🇷🇺, Telegram, undated, "
            "between 15 September 2022 and 14 April 2023")
        app.query_one("#posts").focus()
        await pilot.press("G", "k", "k", "Y")  # ≈10 Jan 2024: the year is a guess
        assert clip.copied[-1].startswith("“🇷🇺🇨🇳📞 On January 10, Foreign Minister")
        assert clip.copied[-1].endswith(
            "” — Russian MFA 🇷🇺, Telegram, 10 January 2024 (date inferred)")


async def test_c_copies_the_whole_post_with_emoji_flags_and_cyrillic_unchanged(
    tmp_path: Path,
) -> None:
    clip = FakePyperclip()
    async with running([write_dump(tmp_path, CYRILLIC)], backend=clip) as (app, pilot):
        await pilot.press("c")
        assert clip.copied == [
            "МИД России 🇷🇺 · undated\n\n"
            "Заявление 🇷🇺🇨🇳 «о сотрудничестве»\n"
            "Москва приветствует партнёров — 👍🏽 #ШОС\n"
            "Второй абзац: ёлка, Ёж, «кавычки»."
        ]
        assert toasts(app)[-1].startswith("Copied whole post (")
        await open_post(app, pilot)
        await pilot.press("down", "y", "Y")
        assert clip.copied[1] == "Москва приветствует партнёров — 👍🏽 #ШОС"
        assert clip.copied[2] == (
            "“Москва приветствует партнёров — 👍🏽 #ШОС” — МИД России 🇷🇺, Telegram, undated")


async def test_without_a_system_clipboard_the_text_goes_out_by_osc_52() -> None:
    async with running(backend=FakePyperclip(available=False)) as (app, pilot):
        await open_post(app, pilot)
        await pilot.press("down", "y")
        assert app.clipboard == "📍 Samarkand, September 15, 2022"  # sent to the terminal
        assert toasts(app)[-1] == (
            "Copied 1 paragraph (31 chars) via OSC 52 — your terminal must allow clipboard access")


async def test_a_copy_that_cannot_work_says_so_and_how_to_fix_it() -> None:
    async with running(backend=FakePyperclip(available=False), mode="system") as (app, pilot):
        await pilot.press("c")
        message = toasts(app)[-1]
        assert message.startswith("Could not copy whole post (")
        assert "install xclip or xsel" in message and "--clipboard osc52" in message
        assert notifications(app)[-1].severity == "error"


async def test_over_ssh_the_terminal_clipboard_comes_first() -> None:
    clip = FakePyperclip()
    async with running(backend=clip) as (app, pilot):
        app.copier = Clipboard("auto", osc52=app.copy_to_clipboard,
                               env={"SSH_TTY": "/dev/pts/3"}, backend=clip)
        await pilot.press("c")
        assert clip.copied == []  # the remote machine's clipboard is not the reader's
        assert app.clipboard.startswith("Russian MFA")  # sent to the terminal
        assert "via OSC 52" in toasts(app)[-1]


async def test_the_highlighted_paragraph_is_scrolled_into_view() -> None:
    clip = FakePyperclip()
    async with running(backend=clip, size=(80, 24)) as (app, pilot):
        await pilot.press("j", "enter", "G", "y")  # the last paragraph of a long post
        last = clip.copied[-1]
        assert last.startswith("We have successfully developed ties")
        assert "are interested in maintaining a constructive dialogue with Russia." in (
            screen_text(app))
        await pilot.press("g")
        assert "Main Foreign Policy Outcomes of 2022" in screen_text(app).split("▔")[-1]


async def test_a_mouse_selection_in_the_reading_pane_gives_the_text_drawn_there() -> None:
    """Textual's own text selection (drag, then Ctrl+C) still works on the drawn rows."""
    from textual.geometry import Offset
    from textual.selection import Selection

    async with running() as (app, pilot):
        reader = pane(app)
        rows = reader.plain_text().split("\n")
        line = next(i for i, row in enumerate(rows) if row.startswith("📍 Samarkand"))
        chosen = reader.get_selection(Selection(Offset(2, line), Offset(11, line)))
        assert chosen == ("Samarkand", "\n")
        whole = reader.get_selection(Selection(None, None))
        assert whole is not None and "How did the talks with China go?" in whole[0]
