"""Saved t.me/s pages as an input: the real pages in tests/fixtures/real/tme-s-page/, and a
page beside its hand copy (the bundled sample's shape)."""

from __future__ import annotations

import json
from datetime import datetime
from pathlib import Path

import pytest
from conftest import REAL, load_posts, write_dump
from tmeserver import FakeChannel, FakePost, render_page

from tui.ingest import find_dumps
from tui.ingest.tme_page import read_page
from tui.model import Link

PAGES = REAL / "tme-s-page"


def test_the_saved_real_page_gives_its_posts_with_exact_times_and_addresses() -> None:
    warnings: list[str] = []
    posts = load_posts([PAGES / "DEXTNewPairsBot.html"], warnings.append)
    assert warnings == []
    assert [(p.datetime, p.url) for p in posts] == [
        ("2023-11-09T17:35:20+00:00", "https://t.me/DEXTNewPairsBot/208649"),
        ("2023-11-09T17:42:39+00:00", "https://t.me/DEXTNewPairsBot/208652"),
    ]
    first = posts[0]
    assert first.channel == "DEXT Live New Pairs Bot [Ethereum Blockchain]"
    assert first.date is not None and first.date.iso() == "2023-11-09"
    # A pretty-printed page breaks lines inside sentences: those are spaces; <br> breaks lines;
    # `&#036;` is a dollar sign.
    assert first.text.split("\n")[:6] == [
        "New pair at Uniswap v2", "", "YUMMY (YUMMY/WETH)", "", "Initial Liquidity: $3,027", "",
    ]  # fmt: skip
    link = "https://www.dextools.io/app/ether/pair-explorer/0x181cb8501164405bf07b1716334e5295285ed90d"
    assert first.text.endswith("DEXTools:\n" + link)
    assert [lk.url for lk in first.links] == [link]


def test_durov_page_signature_media_views_and_the_link_to_older_posts() -> None:
    page = read_page((PAGES / "durov.html").read_text(encoding="utf-8"))
    assert page.kind == "preview" and page.username == "durov" and page.title == "Pavel Durov"
    ids = [p.message_id for p in page.posts]
    assert ids == [i for i in range(523, 544) if i != 530]
    assert page.before == 523
    first = page.posts[0]
    assert first.datetime == "2026-06-09T19:33:51+00:00"
    assert first.author == "Pavel Durov" and first.views == "12.5M"
    assert first.lines == ("⌚️ A fully native Telegram app for Apple Watch is out.",)
    assert first.media == ("video",)
    media = [kind for p in page.posts for kind in p.media]
    assert media.count("photo") == 3 and media.count("video") == 5
    # Reactions, "VIEW IN TELEGRAM", the views counter: none of it is post text.
    text = "\n".join(line for p in page.posts for line in p.lines)
    assert "VIEW IN TELEGRAM" not in text and "12.5M" not in text and "55.2K" not in text


def test_telegram_news_page() -> None:
    page = read_page((PAGES / "telegram.html").read_text(encoding="utf-8"))
    assert [p.message_id for p in page.posts] == list(range(435, 455))
    assert page.title == "Telegram News" and page.before == 435
    assert all(p.lines for p in page.posts)


@pytest.mark.parametrize(
    ("name", "exists", "preview"),
    [("tdlibchat.html", True, False), ("landing-durov.html", True, True),
     ("landing-nonexistent.html", False, False)],
)  # fmt: skip
def test_landing_pages_are_told_apart_from_previews(name: str, exists: bool, preview: bool) -> None:
    page = read_page((PAGES / name).read_text(encoding="utf-8"))
    assert (page.kind, page.posts, page.landing_exists, page.landing_preview) == (
        "landing", (), exists, preview
    )


def test_a_folder_of_saved_pages_opens_and_skips_the_landing_pages() -> None:
    warnings: list[str] = []
    posts = load_posts([PAGES], warnings.append)
    assert len(posts) == 2 + 20 + 20
    assert len({p.url for p in posts}) == 42
    assert sorted(w.split(":")[0].rsplit("/", 1)[-1] for w in warnings) == [
        "landing-durov.html", "landing-nonexistent.html", "tdlibchat.html"
    ]  # fmt: skip
    kinds = {d.path.name: d.kind for d in find_dumps(PAGES, warnings.append)}
    assert kinds["durov.html"] == kinds["DEXTNewPairsBot.html"] == "tme_page"


def test_the_same_message_in_two_overlapping_pages_is_one_post(tmp_path: Path) -> None:
    channel = FakeChannel("chan", "Chan")
    channel.add(30)
    older = write_dump(tmp_path, render_page(channel, channel.posts[0:20], None), "a.html")
    newer = write_dump(tmp_path, render_page(channel, channel.posts[10:30], 11), "b.html")
    posts = load_posts([older, newer], lambda _m: None)
    assert [p.url for p in posts] == [f"https://t.me/chan/{i}" for i in range(1, 31)]
    assert [p.occurrences for p in posts] == [1] * 10 + [2] * 10 + [1] * 10


# A post of the bundled sample's channel as its page shows it, and as a reader copied it by
# hand from the same page (tui/ingest/webcopy.py): `Media is too big` / `VIEW IN TELEGRAM` for
# the video, the body twice, `Read in full` for the link.
BODY = [
    "⚡️Main Foreign Policy Outcomes of 2022⚡️",
    "The year 2022 saw history-making events & a turning point for Russia’s foreign policy.",
    "✅ International cooperation within the framework of the #EAEU, #SCO & #BRICS made headway.",
]


def test_a_hand_copy_of_a_page_merges_with_its_post_and_gains_id_time_and_address(
    tmp_path: Path,
) -> None:
    channel = FakeChannel("sco_news", "SCO News")
    channel.posts.append(FakePost(
        77, "2022-12-30T09:15:00+00:00", "\n".join(BODY), forwarded_from="Russian MFA 🇷🇺",
        link=("Read in full", "https://mid.ru/en/outcomes-2022"), too_big=True,
    ))  # fmt: skip
    page = write_dump(tmp_path, render_page(channel, channel.posts, None), "page.html")
    copy = write_dump(tmp_path, "\n".join([
        "Forwarded from Russian MFA 🇷🇺", "Media is too big", "VIEW IN TELEGRAM",
        *BODY, "Read in full", *BODY[1:], "Read in full",
    ]) + "\n", "copy.txt")  # fmt: skip

    alone = load_posts([copy], lambda _m: None)
    from_page = load_posts([page], lambda _m: None)
    assert [p.text for p in alone] == [p.text for p in from_page] == ["\n".join(BODY)]

    merged = load_posts([copy, page], lambda _m: None)
    assert len(merged) == 1
    post = merged[0]
    assert post.occurrences == 2
    assert post.source == "Russian MFA 🇷🇺" and post.has_media
    assert post.datetime == "2022-12-30T09:15:00+00:00"
    assert post.url == "https://t.me/sco_news/77"
    assert "https://mid.ru/en/outcomes-2022" in [lk.url for lk in post.links]


@pytest.mark.parametrize("name", sorted(p.name for p in PAGES.glob("*.html")))
def test_lxml_and_the_standard_library_read_a_page_alike(name: str) -> None:
    markup = (PAGES / name).read_text(encoding="utf-8")
    assert read_page(markup, "lxml") == read_page(markup, "stdlib")


@pytest.mark.parametrize("tokenizer", ["lxml", "stdlib"])
def test_hostile_markup_crashes_nothing(tmp_path: Path, tokenizer: str) -> None:
    nasty = (
        '<div class="tgme_widget_message" data-post="x_chan/1">'
        + "<div>" * 5000
        + '<div class="tgme_widget_message_text">\x1b[31mred</b></i></a>'
        + "</span>" * 300
        + '<time datetime="not a time">'
        + '<div class="tgme_widget_message" data-post="../../etc/2">'
    )
    page = read_page(nasty, tokenizer)
    assert not page.complete
    assert [(p.message_id, p.lines) for p in page.posts] == [(1, ("\x1b[31mred",))]
    warnings: list[str] = []
    posts = load_posts([write_dump(tmp_path, nasty, "nasty.html")], warnings.append)
    assert [p.text for p in posts] == ["\x1b[31mred"]  # kept as data; screens escape it
    assert len(warnings) == 1 and "cut short" in warnings[0]


def test_a_page_and_a_desktop_export_of_the_channel_give_each_message_once(
    tmp_path: Path,
) -> None:
    channel = FakeChannel("chan", "Test Chan", chat_id=777000111)
    channel.add(3)
    page = write_dump(tmp_path, render_page(channel, channel.posts, None), "page.html")
    export = {
        "name": "Test Chan", "type": "public_channel", "id": 777000111,
        "messages": [
            {"id": p.message_id, "type": "message", "date": p.datetime[:19],
             "date_unixtime": str(int(datetime.fromisoformat(p.datetime).timestamp())),
             "from": "Test Chan", "from_id": "channel777000111", "text": p.text}
            for p in channel.posts
        ],
    }  # fmt: skip
    result = write_dump(tmp_path, json.dumps(export), "result.json")
    posts = load_posts([result, page], lambda _m: None)
    assert [(p.message_id, p.occurrences, p.url) for p in posts] == [
        (i, 2, f"https://t.me/chan/{i}") for i in (1, 2, 3)
    ]
    assert {p.chat for p in posts} == {"777000111"}  # the export's id, read from data-view


def test_the_channel_id_comes_from_data_view_only_when_it_names_the_message() -> None:
    page = read_page((PAGES / "durov.html").read_text(encoding="utf-8"))
    assert {p.chat_id for p in page.posts} == {1006503122}
    forged = render_page(FakeChannel("chan", "Chan"), [], None).replace(
        "</section>",
        '<div class="tgme_widget_message" data-post="chan/5" data-view="bm90IGpzb24">'
        '<div class="tgme_widget_message_text">hi</div></div></section>',
    )
    assert [p.chat_id for p in read_page(forged).posts] == [None]


def _post_markup(post_id: int, inner: str, extra_class: str = "") -> str:
    return (
        f'<div class="tgme_widget_message_wrap"><div class="tgme_widget_message {extra_class}" '
        f'data-post="shapes/{post_id}"><div class="tgme_widget_message_bubble">{inner}'
        '<div class="tgme_widget_message_footer"><div class="tgme_widget_message_info">'
        '<span class="tgme_widget_message_views">5</span><span class="tgme_widget_message_meta">'
        f'<a class="tgme_widget_message_date" href="https://t.me/shapes/{post_id}">'
        f'<time datetime="2024-05-0{post_id}T08:00:00+00:00">08:00</time></a></span>'
        "</div></div></div></div></div>"
    )


SHAPES = [
    # A reply: the quoted message is not this post's text.
    _post_markup(1, '<a class="tgme_widget_message_reply" href="https://t.me/shapes/0">'
                 '<div class="tgme_widget_message_author"><span>Shapes</span></div>'
                 '<div class="tgme_widget_message_metatext">the earlier post</div></a>'
                 '<div class="tgme_widget_message_text">My answer &lt;b&gt;here&lt;/b&gt; '
                 '<tg-spoiler>hidden</tg-spoiler> <tg-emoji emoji-id="1"><i class="emoji">'
                 '<b>🔥</b></i></tg-emoji><br/><a href="https://example.org/x" '
                 "onclick=\"return confirm('Open?');\">more</a></div>"),
    # A poll: the question and the answers, as a Desktop export gives them.
    _post_markup(2, '<div class="tgme_widget_message_poll js-poll">'
                 '<div class="tgme_widget_message_poll_question">Which one?</div>'
                 '<div class="tgme_widget_message_poll_type">Anonymous poll</div>'
                 '<div class="tgme_widget_message_poll_option"><div class="tgme_widget_message_'
                 'poll_option_percent">60%</div><div class="tgme_widget_message_poll_option_text">'
                 "Yes</div></div><div class=\"tgme_widget_message_poll_option\"><div class=\""
                 'tgme_widget_message_poll_option_text">No</div></div></div>'),
    # A document with a caption; its file name is not text.
    _post_markup(3, '<a class="tgme_widget_message_document_wrap" href="https://t.me/shapes/3">'
                 '<div class="tgme_widget_message_document"><div class="tgme_widget_message_'
                 'document_title">report.pdf</div><div class="tgme_widget_message_document_extra">'
                 '1.2 MB</div></div></a><div class="tgme_widget_message_text">The report</div>'),
    _post_markup(4, '<a class="tgme_widget_message_voice_player"><audio class="tgme_widget_'
                 'message_voice" src="x.ogg"></audio><time class="tgme_widget_message_voice_'
                 'duration">0:07</time></a>'),
    _post_markup(5, '<div class="tgme_widget_message_sticker_wrap"><i class="tgme_widget_'
                 'message_sticker"></i></div>'),
    # A service message ("Channel photo updated") is not a post.
    _post_markup(6, '<div class="message_media_not_supported_label">Channel photo updated</div>',
                 "service_message"),
    # An unknown block with words in the text: the words stay.
    _post_markup(7, '<div class="tgme_widget_message_text"><x-new-thing class="tgme_new">'
                 "Words in markup nobody knows yet</x-new-thing></div>"),
]


def test_every_post_shape_keeps_its_text_and_flags_its_media(tmp_path: Path) -> None:
    page = render_page(FakeChannel("shapes", "Shapes"), [], None).replace(
        "</section>", "".join(SHAPES) + "</section>"
    )
    for tokenizer in ("lxml", "stdlib"):
        posts = {p.message_id: p for p in read_page(page, tokenizer).posts}
        assert sorted(posts) == [1, 2, 3, 4, 5, 7]
        assert posts[1].lines == ("My answer <b>here</b> hidden 🔥", "more")
        assert posts[1].links == (Link("more", "https://example.org/x"),)
        assert (posts[2].lines, posts[2].media) == (("Which one?", "- Yes", "- No"), ("poll",))
        assert (posts[3].lines, posts[3].media) == (("The report",), ("document",))
        assert (posts[4].lines, posts[4].media) == ((), ("voice",))
        assert (posts[5].lines, posts[5].media) == ((), ("sticker",))
        assert posts[7].lines == ("Words in markup nobody knows yet",)
    warnings: list[str] = []
    loaded = load_posts([write_dump(tmp_path, page, "shapes.html")], warnings.append)
    assert len(loaded) == 6
    assert [p.media.kind if p.media else None for p in loaded] == [
        None, "poll", "document", "voice", "sticker", None
    ]  # fmt: skip
    assert warnings == []


def test_views_come_through_to_the_export(tmp_path: Path) -> None:
    from tui.exporting import export_posts
    from tui.index import open_library

    library = open_library([PAGES / "durov.html"], lambda _m: None, cache=tmp_path)
    records = json.loads(export_posts(iter(library), "json"))
    assert [r["views"] for r in records[:2]] == ["12.5M", "14.7M"]
    assert records[0]["url"] == "https://t.me/durov/523"
