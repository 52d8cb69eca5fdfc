"""Telegram Desktop's HTML export: exact text, joined runs, forwarded names, pages in order."""

from __future__ import annotations

import calendar
import html
import re
from pathlib import Path

import pytest
from conftest import ROOT, load_posts, one_error_line, write_dump
from hypothesis import given, settings
from hypothesis import strategies as st

from tui.ingest import IngestError, find_dumps
from tui.ingest.desktop_html import parse, parse_title
from tui.model import Link, PostDate, RawPost

CHANNEL = ROOT / "tests" / "fixtures" / "desktop_html" / "channel"
PAGE1 = CHANNEL / "messages.html"
PAGE2 = CHANNEL / "messages2.html"
BROKEN = ROOT / "tests" / "fixtures" / "broken"


def read(path: Path) -> list[RawPost]:
    warnings: list[str] = []
    posts = list(parse(path, warnings.append))
    assert warnings == []
    return posts


def fixture_texts(path: Path) -> list[str]:
    """Each `.text` block of the page, decoded by a regex rather than the parser under test."""
    blocks = re.findall(r'<div class="text">\n(.*?)\n *</div>', path.read_text("utf-8"), re.S)
    return [html.unescape(re.sub(r"<[^>]+>", "", b.replace("<br>", "\n"))) for b in blocks]


@pytest.mark.parametrize("path", [PAGE1, PAGE2], ids=["messages", "messages2"])
def test_every_message_text_survives(path: Path) -> None:
    texts = ["\n".join(p.lines) for p in read(path)]
    with_text = [t for t in texts if t and not t.startswith("Which summit")]  # poll: no .text
    assert with_text == fixture_texts(path)


def test_text_is_exact_entities_breaks_and_spaces() -> None:
    first = read(PAGE1)[0]
    assert first.lines == (
        "📍 Samarkand, September 15, 2022",
        "Talks at the #SCO summit: fully aligned.",
        "",
        "Read the full statement & compare 1 < 2 > 0 — “quotes” @MFARussia  double  space",
    )


def test_service_messages_are_skipped() -> None:
    assert [p.message_id for p in read(PAGE1)] == [2, 3, 4, 5, 7]


def test_exact_time_from_the_title_with_offset() -> None:
    first = read(PAGE1)[0]
    assert first.date == PostDate(2022, 9, 15) and not first.date.inferred
    assert first.datetime == "2022-09-15T07:58:12+03:00"
    assert read(PAGE2)[1].datetime == "2022-09-18T09:15:00"  # older export: no UTC offset


@pytest.mark.parametrize(
    ("title", "iso"),
    [
        ("15.09.2022 07:58:12 UTC+03:00", "2022-09-15T07:58:12+03:00"),
        ("01.02.2023 23:00:00 UTC-05:30", "2023-02-01T23:00:00-05:30"),
        ("10.11.2016 16:30:34", "2016-11-10T16:30:34"),
    ],
)
def test_titles_are_day_first(title: str, iso: str) -> None:
    parsed = parse_title(title)
    assert parsed is not None and parsed[1] == iso


def expected_title(day: int, month: int, year: int, hour: int, minute: int, second: int,
                   offset: str) -> tuple[PostDate, str] | None:  # fmt: skip
    """What a title written the export's way means, from the calendar and the clock."""
    if not (1 <= month <= 12 and 1 <= day <= calendar.monthrange(year, month)[1]):
        return None
    if hour > 23 or minute > 59 or second > 59:
        return None
    return PostDate(year, month, day), (
        f"{year:04d}-{month:02d}-{day:02d}T{hour:02d}:{minute:02d}:{second:02d}{offset}")


@settings(max_examples=300, deadline=None)
@given(day=st.integers(0, 32), month=st.integers(0, 13), year=st.integers(0, 9999),
       hour=st.integers(0, 24), minute=st.integers(0, 60), second=st.integers(0, 60),
       sign=st.sampled_from("+-"), oh=st.integers(0, 99), om=st.integers(0, 99))  # fmt: skip
def test_a_title_written_the_exports_way_reads_as_the_calendar_says(
        day: int, month: int, year: int, hour: int, minute: int, second: int, sign: str,
        oh: int, om: int) -> None:  # fmt: skip
    offset = f"{sign}{oh:02d}:{om:02d}"
    title = f"{day:02d}.{month:02d}.{year:04d} {hour:02d}:{minute:02d}:{second:02d} UTC{offset}"
    assert parse_title(title) == expected_title(day, month, year, hour, minute, second, offset)
    # the same title spelled otherwise (spaces around, no seconds) reads the same way
    assert parse_title(f" {title} ") == parse_title(title)
    short = f"{day}.{month}.{year:04d} {hour}:{minute:02d} UTC{sign}{oh}:{om:02d}"
    assert parse_title(short) == expected_title(day, month, year, hour, minute, 0, offset)


def test_a_title_in_other_digits_reads_in_ascii_digits() -> None:
    arabic = "١٥.٠٩.٢٠٢٢ ٠٧:٥٨:١٢ UTC+٠٣:٠٠"  # Arabic-Indic digits: numbers all the same
    assert parse_title(arabic) == (PostDate(2022, 9, 15), "2022-09-15T07:58:12+03:00")


def test_tags_links_media_and_polls() -> None:
    posts = {p.message_id: p for p in read(PAGE1)}
    assert posts[2].hashtags == ("SCO",)
    assert posts[2].links == (
        Link("full statement", "https://mid.ru/en/foreign_policy/news/1830000/"),
        Link("@MFARussia", "https://t.me/MFARussia"),
    )  # a mention is a link to the channel, as the JSON export's mention entity
    assert posts[3].has_media and posts[3].lines == ()
    assert posts[4].lines == ("Which summit matters most?", "- SCO", "- BRICS")
    assert not posts[4].has_media
    assert not any("Not included" in "\n".join(p.lines) for p in posts.values())


def test_forwarded_and_joined_senders() -> None:
    posts = {p.message_id: p for p in read(PAGE1)}
    assert posts[2].source == "Russian MFA"
    assert posts[3].source == "Russian MFA"  # joined: continues message 2's sender
    assert posts[5].source == "Russian Embassy in India"  # the original, not its date
    assert posts[7].source == "MFA Press Office"  # joined after the forward's sender
    assert {p.channel for p in posts.values()} == {"Russian MFA"}


def test_origin_is_the_line_of_the_message() -> None:
    lines = PAGE1.read_text(encoding="utf-8").split("\n")
    for post in read(PAGE1):
        assert f'id="message{post.message_id}"' in lines[post.origin.line - 1]


def test_folder_of_pages_is_one_channel_in_order() -> None:
    dumps = find_dumps(CHANNEL, pytest.fail)
    assert [d.path.name for d in dumps] == ["messages.html", "messages2.html"]
    posts = load_posts([CHANNEL], pytest.fail)
    assert [p.datetime for p in posts] == sorted(p.datetime or "" for p in posts)
    assert posts[-2].text == "Second page opens with a joined message"
    assert posts[-2].source == "Russian MFA"  # its run began on the previous page
    assert posts[-1].hashtags == ("BRICS",) and posts[-1].has_media


def test_unrelated_html_is_not_an_export(tmp_path: Path) -> None:
    page = write_dump(tmp_path, "<html><body><p>Forwarded from nobody</p></body></html>",
                      "page.html")
    with pytest.raises(IngestError, match="not a Telegram export: expected a page of "
                       "Telegram Desktop's HTML export"):  # fmt: skip
        find_dumps(page, lambda _m: None)


def test_message_without_date_is_fatal_and_named() -> None:
    with pytest.raises(IngestError, match=r"messages.html:10: message 12 has no date"):
        read(BROKEN / "messages.html")


def test_cli_reports_a_broken_page_in_one_line() -> None:
    assert one_error_line("export", str(BROKEN / "messages.html")) == (
        f"tgreader: {BROKEN / 'messages.html'}:10: message 12 has no date "
        "(no .date.details title)"
    )


def test_bot_note_is_not_part_of_the_name_and_crlf_pages_read_alike(tmp_path: Path) -> None:
    page = write_dump(
        tmp_path,
        '<html><body><div class="page_header"><div class="text bold">\nChan\n</div></div>\n'
        '<div class="history">\n<div class="message default clearfix" id="message5">\n'
        '<div class="body"><div class="pull_right date details" '
        'title="01.02.2023 10:00:00 UTC+01:00">10:00</div>\n<div class="from_name">\n'
        'Alice <span class="details">via @helperbot</span>\n</div>\n<div class="text">\n'
        "one<br/>two &amp;nbsp;&nbsp;x\n</div></div></div></div></body></html>\n",
        "messages.html", crlf=True,
    )
    (post,) = read(page)
    assert post.source == "Alice" and post.channel == "Chan"
    assert post.lines == ("one", "two &nbsp;\xa0x")
