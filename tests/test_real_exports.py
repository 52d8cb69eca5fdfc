"""Acceptance on the real exports people published (tests/fixtures/real, see SOURCES.md there).

Every expectation is computed here from the raw JSON and HTML with the standard library, never
by tgreader: one post per non-service message, each message's text, time and links as the
export has them, and the JSON and HTML of one channel opened together giving each post once.
Each archive is read once per module (the one load path, an index in memory).
"""

from __future__ import annotations

import json
import re
from collections import Counter
from pathlib import Path
from typing import Any

import pytest
from conftest import REAL, message_text

from tui.index import open_library
from tui.library import Library
from tui.model import Link, Post

JSON_EXPORTS = {
    "salaf": REAL / "upon-the-path-of-salaf" / "result.json",
    "trantor": REAL / "trantor-library" / "result.json",
    "guzel": REAL / "guzel-perezalivy-small" / "result.json",
    "ensia": REAL / "ensia-impact-account" / "result.json",
}
HTML_EXPORTS = {
    "salaf": REAL / "upon-the-path-of-salaf" / "messages.html",
    "trantor": REAL / "trantor-library" / "messages.html",
}
FOLDERS = {"salaf": REAL / "upon-the-path-of-salaf", "trantor": REAL / "trantor-library"}


# -- what the export says, read without tgreader --------------------------------------------------
def chats_of(path: Path) -> list[dict[str, Any]]:
    data = json.loads(path.read_text(encoding="utf-8"))
    if "messages" in data:
        return [data]
    return [chat for key in ("chats", "left_chats") for chat in data.get(key, {}).get("list", [])]


def messages_of(path: Path) -> dict[tuple[str, int], dict[str, Any]]:
    """Non-service messages by (chat id, message id)."""
    return {(str(chat["id"]), m["id"]): m for chat in chats_of(path)
            for m in chat["messages"] if m["type"] == "message"}  # fmt: skip


def links_of(message: dict[str, Any]) -> list[Link]:
    """The message's link entities, as addresses a reader can open."""
    out: list[Link] = []
    for entity in message.get("text_entities", []):
        kind, text = entity["type"], entity["text"]
        if kind == "text_link":
            out.append(Link(text, entity["href"]))
        elif kind == "link":
            out.append(Link(text, text if re.match(r"^[a-zA-Z][\w+.-]*:", text)
                            else "https://" + text))  # fmt: skip
        elif kind == "mention":
            out.append(Link(text, "https://t.me/" + text[1:]))
        elif kind == "email":
            out.append(Link(text, "mailto:" + text))
        elif kind == "phone":
            out.append(Link(text, "tel:" + text))
    return out


def html_message_count(path: Path) -> int:
    """Non-service messages of an HTML export page: `<div class="message default …" id=…>`."""
    return len(re.findall(r'<div class="message default[^"]*" id="message-?\d+"',
                          path.read_text(encoding="utf-8")))  # fmt: skip


# -- what tgreader shows, once per archive --------------------------------------------------------
_opened: dict[Path, Library] = {}


def library(path: Path) -> Library:
    if path not in _opened:
        warnings: list[str] = []
        _opened[path] = open_library([path], warnings.append, in_memory=True)
    return _opened[path]


@pytest.fixture(scope="module", autouse=True)
def _close_libraries() -> Any:
    yield
    for opened in _opened.values():
        opened.close()
    _opened.clear()


def by_message(posts: list[Post]) -> dict[int, Post]:
    found: dict[int, Post] = {}
    for post in posts:
        assert post.message_id is not None, post
        assert post.message_id not in found, f"message {post.message_id} shown twice"
        found[post.message_id] = post
    return found


# -- JSON exports ---------------------------------------------------------------------------------
@pytest.mark.parametrize("name", list(JSON_EXPORTS))
def test_one_post_per_message_of_a_json_export(name: str) -> None:
    path = JSON_EXPORTS[name]
    expected = messages_of(path)
    posts = list(library(path))
    assert len(posts) == len(expected)
    assert {(p.chat, p.message_id) for p in posts} == set(expected)


@pytest.mark.parametrize("name", list(JSON_EXPORTS))
def test_json_text_time_sender_and_links_are_the_exports_own(name: str) -> None:
    path = JSON_EXPORTS[name]
    expected = messages_of(path)
    for post in library(path):
        assert post.chat is not None and post.message_id is not None
        message = expected[(post.chat, post.message_id)]
        assert post.text == message_text(message), post.id
        assert post.datetime is not None and post.datetime[:19] == message["date"], post.id
        assert post.sender == (message.get("from") or None), post.id
        assert list(post.links) == links_of(message), post.id
        assert post.occurrences == 1


@pytest.mark.parametrize("name", ["salaf", "trantor", "ensia"])
def test_messages_with_the_same_text_stay_apart(name: str) -> None:
    """Equal texts (captions, one-word replies, empty media posts) are different messages."""
    path = JSON_EXPORTS[name]
    written = Counter(message_text(m) for m in messages_of(path).values())
    repeated = {text: n for text, n in written.items() if n > 1}
    assert repeated  # the case under test is in this export
    shown = Counter(post.text for post in library(path))
    assert {text: shown[text] for text in repeated} == repeated


# -- HTML exports ---------------------------------------------------------------------------------
@pytest.mark.parametrize("name", list(HTML_EXPORTS))
def test_one_post_per_message_of_an_html_export(name: str) -> None:
    path = HTML_EXPORTS[name]
    assert len(library(path)) == html_message_count(path)


@pytest.mark.parametrize("name", list(HTML_EXPORTS))
def test_html_text_time_and_links_equal_the_json_export_of_the_same_channel(name: str) -> None:
    expected = {key[1]: m for key, m in messages_of(JSON_EXPORTS[name]).items()}
    posts = by_message(list(library(HTML_EXPORTS[name])))
    assert set(posts) == set(expected)
    for message_id, post in posts.items():
        message = expected[message_id]
        assert post.text == message_text(message), message_id
        assert post.datetime is not None and post.datetime[:19] == message["date"], message_id
        assert list(post.links) == links_of(message), message_id


# -- both formats in one folder -------------------------------------------------------------------
@pytest.mark.parametrize("name", list(FOLDERS))
def test_json_and_html_of_one_channel_give_each_post_once(name: str) -> None:
    expected = messages_of(JSON_EXPORTS[name])
    posts = list(library(FOLDERS[name]))
    assert len(posts) == len(expected) == html_message_count(HTML_EXPORTS[name])
    [chat] = {key[0] for key in expected}
    assert {(p.chat, p.message_id) for p in posts} == set(expected)
    for post in posts:
        assert sorted(Path(o.path).name for o in post.origins) == ["messages.html",
                                                                    "result.json"]  # fmt: skip
        assert post.id == f"{chat}/{post.message_id}"
        message = expected[(chat, post.message_id)]
        assert post.text == message_text(message)
        assert list(post.links) == links_of(message)


# -- saved t.me/s pages ---------------------------------------------------------------------------
PAGES = REAL / "tme-s-page"


@pytest.mark.parametrize("name", ["DEXTNewPairsBot", "durov", "telegram"])
def test_one_post_per_message_of_a_saved_page_with_its_own_address(name: str) -> None:
    path = PAGES / f"{name}.html"
    addresses = list(dict.fromkeys(re.findall(r'data-post="([^"/]+/\d+)"',
                                              path.read_text(encoding="utf-8"))))  # fmt: skip
    posts = list(library(path))
    assert [p.url for p in posts] == [f"https://t.me/{a}" for a in addresses]
    # keyed by the channel's permanent numeric id (the one exports carry), not its username
    assert [p.id for p in posts] == [f"{p.chat}/{a.split('/')[1]}" for p, a in
                                     zip(posts, addresses, strict=True)]  # fmt: skip
    assert all(p.chat is not None and p.chat.isdigit() for p in posts)


@pytest.mark.parametrize("name", ["landing-durov", "landing-nonexistent", "tdlibchat"])
def test_a_page_without_posts_is_one_clear_line(name: str) -> None:
    from tui.ingest import IngestError

    with pytest.raises(IngestError) as raised:
        open_library([PAGES / f"{name}.html"], lambda _m: None, in_memory=True)
    assert str(raised.value).startswith(str(PAGES / f"{name}.html"))
