"""The one rule for untrusted text on a terminal, in a link and in an export cell."""

from __future__ import annotations

import pytest
from hypothesis import given
from hypothesis import strategies as st
from textual.content import Content

from tui.safetext import (
    BIDI_CONTROLS,
    csv_cell,
    is_visible,
    link_target,
    markup_literal,
    visible,
)

ESC = "\x1b"


def test_controls_are_shown_in_caret_notation_and_never_dropped() -> None:
    assert visible(f"a{ESC}[31mb\x07c\x7f") == "a^[[31mb^Gc^?"
    assert visible("tab\tand\nnewline stay") == "tab\tand\nnewline stay"
    assert visible("\x9b2J \x85") == "<U+009B>2J <U+0085>"


@pytest.mark.parametrize("char", list(BIDI_CONTROLS))
def test_every_bidi_control_is_shown_by_its_code_point(char: str) -> None:
    assert visible(f"a{char}b") == f"a<U+{ord(char):04X}>b"


def test_ordinary_text_of_every_script_is_left_alone() -> None:
    text = "Привет, مرحبا, שלום, 你好 🙂 [bold]x[/] #tag — «quote»"
    assert visible(text) == text and is_visible(text)


@given(st.text())
def test_nothing_live_survives_and_every_character_is_accounted_for(text: str) -> None:
    shown = visible(text)
    assert is_visible(shown)
    assert not any(0x80 <= ord(c) <= 0x9F or c in BIDI_CONTROLS or c == ESC for c in shown)
    assert len(shown) >= len(text)


@pytest.mark.parametrize(
    ("url", "target"),
    [
        ("https://example.org/a?b=c;d", "https://example.org/a?b=c;d"),
        ("http://example.org", "http://example.org"),
        ("HTTPS://EXAMPLE.ORG", "HTTPS://EXAMPLE.ORG"),
        ("tg://resolve?domain=x", "tg://resolve?domain=x"),
        ("mailto:a@example.org", "mailto:a@example.org"),
        ("t.me/channel/5", "https://t.me/channel/5"),
        (f"https://x.org/{ESC}\\{ESC}]52;c;cHduZWQ={ESC}\\", None),
        ("https://x.org/\x07", None),
        ("https://x.org/\x9c", None),
        ("https://x.org/\u202egpj.exe", None),
        ("https://x.org/\n", None),
        ("javascript:alert(1)", None),
        ("file:///etc/passwd", None),
        ("data:text/html,x", None),
        ("example.org", None),
        ("https:", None),
        ("", None),
        (None, None),
    ],
)
def test_only_clean_web_telegram_and_mail_addresses_are_clickable(
    url: str | None, target: str | None
) -> None:
    assert link_target(url) == target


@pytest.mark.parametrize("start", ["=", "+", "-", "@", "\t", "\r"])
def test_a_csv_cell_that_a_spreadsheet_would_run_gets_a_quote_first(start: str) -> None:
    cell = csv_cell(start + "HYPERLINK(\"http://x\")")
    assert cell.startswith("'") and ESC not in cell


def test_a_plain_csv_cell_is_unchanged_but_its_controls_are_shown() -> None:
    assert csv_cell("2+2=4, said he") == "2+2=4, said he"
    assert csv_cell(f"x{ESC}]52;c;x\x07") == "x^[]52;c;x^G"


@given(st.text(alphabet=st.sampled_from("[]\\/@=$#a b\x1b\u202e")) | st.text())
def test_markup_literal_is_shown_as_written_by_textuals_markup_parser(text: str) -> None:
    assert Content.from_markup(markup_literal(text)).plain == visible(text)
