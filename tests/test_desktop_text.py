"""Messages copied from Telegram Desktop: headers in any common locale, bracketed stand-ins."""

from __future__ import annotations

from pathlib import Path

import pytest
from conftest import ROOT, one_error_line, write_dump

from tui.ingest import IngestError, find_dumps
from tui.ingest.desktop_text import parse, read_stamp
from tui.model import Link, PostDate, RawPost

FIXTURES = ROOT / "tests" / "fixtures" / "desktop_text"
BROKEN = ROOT / "tests" / "fixtures" / "broken"


def read(path: Path) -> tuple[list[RawPost], list[str]]:
    warnings: list[str] = []
    return list(parse(path, warnings.append)), warnings


def test_every_message_text_survives() -> None:
    posts, warnings = read(FIXTURES / "copied_dots.txt")
    assert warnings == []
    assert [p.lines for p in posts] == [
        (
            "🎙 Foreign Minister Sergey Lavrov’s answers on the sidelines of the #SCO Summit",
            "📍 Samarkand, September 15, 2022",
            "",
            "❓ How did the talks with China go?",
            "💬 Sergey #Lavrov: As usual, fine.",
        ),
        (
            "Caption with a #SCO tag. Read the full statement "
            "(https://mid.ru/en/foreign_policy/news/1830000/)",
        ),
        ("Which summit matters most?", "- SCO", "- BRICS"),
        (
            "Thanks! See https://example.org/b.",
            "Bob, [16.09.2022 09:06] is text here: no blank line before it",
        ),
        (),
    ]


def test_headers_give_exact_times_and_senders() -> None:
    posts, _ = read(FIXTURES / "copied_dots.txt")
    assert [(p.datetime, p.source, p.origin.line) for p in posts] == [
        ("2022-09-15T07:58:00", "Russian MFA 🇷🇺", 1),  # [Forwarded from …] wins
        ("2022-09-15T08:10:00", "Russian MFA", 9),
        ("2022-09-16T09:00:00", "Russian MFA", 13),
        ("2022-09-16T09:05:30", "Alice", 18),
        ("2022-09-17T23:59:00", "Russian MFA", 23),
    ]
    assert posts[0].date == PostDate(2022, 9, 15)
    assert not posts[0].date.inferred


def test_media_stand_ins_are_flags_and_links_keep_addresses() -> None:
    posts, _ = read(FIXTURES / "copied_dots.txt")
    assert [p.has_media for p in posts] == [False, True, False, False, True]
    assert posts[1].links == (
        Link("Read the full statement", "https://mid.ru/en/foreign_policy/news/1830000/"),
    )
    assert posts[3].links == (Link("https://example.org/b", "https://example.org/b"),)


def test_us_locale_with_am_pm() -> None:
    posts, warnings = read(FIXTURES / "copied_us.txt")
    assert [p.datetime for p in posts] == [
        "2022-09-15T07:58:00", "2022-09-15T13:05:00", "2022-10-01T00:00:00",
    ]
    # 10/1/22 alone could be 10 January; 9/15/22 settles the file as month first
    assert len(warnings) == 1
    assert "copied_us.txt:7:" in warnings[0] and "1 October 2022" in warnings[0]


def test_ambiguous_dates_follow_an_unambiguous_header_and_say_so() -> None:
    posts, warnings = read(FIXTURES / "copied_ambiguous.txt")
    assert [p.date for p in posts] == [
        PostDate(2022, 6, 5), PostDate(2022, 6, 7), PostDate(2022, 6, 25),
    ]
    assert warnings == [
        f"{FIXTURES / 'copied_ambiguous.txt'}:1: date [05/06/2022 10:00] could be day or month "
        "first (2 such dates); read day first (5 June 2022), like [25/06/2022 09:00] on line 7"
    ]


def test_ambiguous_dates_with_nothing_to_settle_them_are_a_stated_guess() -> None:
    posts, warnings = read(FIXTURES / "copied_unsettled.txt")
    assert posts[0].date == PostDate(2022, 6, 5)
    assert len(warnings) == 1 and "a guess" in warnings[0] and ":1:" in warnings[0]


def test_iso_and_slash_headers_in_one_file() -> None:
    posts, warnings = read(FIXTURES / "copied_iso.txt")
    assert warnings == []
    assert [p.datetime for p in posts] == ["2022-09-15T07:58:00", "2022-09-15T08:00:00"]


@pytest.mark.parametrize(
    ("stamp", "day_first", "expected"),
    [
        ("15.09.2022 07:58", True, "2022-09-15T07:58:00"),
        ("15.09.22 07:58:09", True, "2022-09-15T07:58:09"),
        ("9/15/22 7:58 PM", False, "2022-09-15T19:58:00"),
        ("9/15/22, 12:01 AM", False, "2022-09-15T00:01:00"),
        ("15/09/2022 07:58", True, "2022-09-15T07:58:00"),
        ("2022-09-15 07:58", True, "2022-09-15T07:58:00"),
        ("9/15/22 7:58\u202fAM", False, "2022-09-15T07:58:00"),  # narrow no-break space
    ],
)
def test_locale_stamps(stamp: str, day_first: bool, expected: str) -> None:
    parsed = read_stamp(stamp)
    assert parsed is not None
    resolved = parsed.resolved(day_first)
    assert resolved is not None and resolved[1] == expected


@pytest.mark.parametrize("stamp", ["32.01.2022 10:00", "15.09.2022 25:00", "13/13/22 10:00"])
def test_impossible_stamps_are_not_headers(stamp: str) -> None:
    parsed = read_stamp(stamp)
    assert parsed is None or (parsed.resolved(True) is None and parsed.resolved(False) is None)


def test_recognised_by_content(tmp_path: Path) -> None:
    path = write_dump(tmp_path, "Channel, [1.2.2023 10:00]\nHello\n", "notes.md", crlf=True)
    assert [d.kind for d in find_dumps(path, pytest.fail)] == ["desktop_text"]
    posts, _ = read(path)
    assert posts[0].lines == ("Hello",) and posts[0].datetime == "2023-02-01T10:00:00"


def test_conflicting_orders_are_fatal_and_named() -> None:
    with pytest.raises(IngestError, match=r"copied_conflict.txt:4: dates disagree"):
        read(BROKEN / "copied_conflict.txt")


def test_cli_reports_conflicting_dates_in_one_line() -> None:
    line = one_error_line("export", str(BROKEN / "copied_conflict.txt"))
    assert "copied_conflict.txt:4: dates disagree" in line
