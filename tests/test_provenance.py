"""Each post knows its own provenance: message id, chat, address, sender, signature, media."""

from __future__ import annotations

import json
import shutil
from pathlib import Path

import pytest
from conftest import REAL

from tui.exporting import export_posts
from tui.ingest.desktop_html import parse as parse_html
from tui.ingest.desktop_json import parse as parse_json
from tui.model import Media, Post, PostDate
from tui.quote import citation

SALAF = REAL / "upon-the-path-of-salaf"
TRANTOR = REAL / "trantor-library"
ACCOUNT = REAL / "ensia-impact-account" / "result.json"


def quiet(message: str) -> None:
    raise AssertionError(message)


def test_json_posts_carry_chat_id_sender_and_signature() -> None:
    raw = json.loads((TRANTOR / "result.json").read_text(encoding="utf-8"))
    messages = [m for m in raw["messages"] if m["type"] == "message"]
    posts = list(parse_json(TRANTOR / "result.json", quiet))
    assert [p.message_id for p in posts] == [m["id"] for m in messages]
    assert {p.chat for p in posts} == {str(raw["id"])}
    assert [p.sender for p in posts] == [m.get("from") or None for m in messages]
    assert [p.author for p in posts] == [m.get("author") for m in messages]
    assert all(p.url is None for p in posts)  # the export does not know the public username


def test_account_export_gives_each_chat_its_own_id_and_every_sender() -> None:
    raw = json.loads(ACCOUNT.read_text(encoding="utf-8"))
    chats = raw["chats"]["list"]
    expected = [(str(chat["id"]), m["id"], m.get("from"))
                for chat in chats for m in chat["messages"] if m["type"] == "message"]
    posts = list(parse_json(ACCOUNT, quiet))
    assert [(p.chat, p.message_id, p.sender) for p in posts] == expected
    assert len({p.sender for p in posts}) > 10  # a group chat: many people, each credited


def test_media_kind_file_and_whether_the_file_is_there(tmp_path: Path) -> None:
    shutil.copy(TRANTOR / "result.json", tmp_path / "result.json")
    raw = json.loads((tmp_path / "result.json").read_text(encoding="utf-8"))
    with_photo = next(m for m in raw["messages"] if m["type"] == "message"
                      and str(m.get("photo", "")).startswith("photos/"))
    (tmp_path / with_photo["photo"]).parent.mkdir(parents=True)
    (tmp_path / with_photo["photo"]).write_bytes(b"\xff\xd8")
    posts = {p.message_id: p for p in parse_json(tmp_path / "result.json", quiet)}
    assert posts[with_photo["id"]].media == Media("photo", with_photo["photo"], True)
    absent = next(m for m in raw["messages"] if m["type"] == "message"
                  and str(m.get("photo", "")).startswith("photos/")
                  and m["id"] != with_photo["id"])  # fmt: skip
    assert posts[absent["id"]].media == Media("photo", absent["photo"], False)
    video = next(m for m in raw["messages"] if m.get("media_type") == "video_file")
    assert posts[video["id"]].media is not None
    assert posts[video["id"]].media.kind == "video_file"
    text_only = next(m for m in raw["messages"] if m["type"] == "message"
                     and not {"photo", "file", "media_type"} & m.keys())  # fmt: skip
    assert posts[text_only["id"]].media is None


def test_a_file_left_out_of_the_export_has_no_file_name() -> None:
    raw = json.loads((SALAF / "result.json").read_text(encoding="utf-8"))
    left_out = next(m for m in raw["messages"] if str(m.get("file", "")).startswith("(File"))
    posts = {p.message_id: p for p in parse_json(SALAF / "result.json", quiet)}
    media = posts[left_out["id"]].media
    assert media is not None and media.file is None and not media.present
    assert media.kind == left_out.get("media_type", "file")


def test_html_posts_carry_sender_signature_and_the_same_media_kinds_as_json() -> None:
    from_json = {p.message_id: p for p in parse_json(TRANTOR / "result.json", quiet)}
    from_html = list(parse_html(TRANTOR / "messages.html", quiet))
    assert from_html
    for post in from_html:
        twin = from_json[post.message_id]
        assert post.author == twin.author
        assert (post.media is None) == (twin.media is None), post.message_id
        if post.media is not None and twin.media is not None:
            assert (post.media.kind, post.media.file) == (twin.media.kind, twin.media.file)


def test_export_carries_provenance_fields() -> None:
    post = Post(id="durov/523", source="Pavel Durov", title="t", text="t",
                date=PostDate(2026, 6, 9), message_id=523, chat="durov",
                url="https://t.me/durov/523", sender="Pavel Durov", author="Pavel",
                media=Media("photo"))  # fmt: skip
    record = json.loads(export_posts([post], "json"))[0]
    assert {k: record[k] for k in ("message_id", "chat", "url", "from", "author", "media")} == {
        "message_id": 523, "chat": "durov", "url": "https://t.me/durov/523",
        "from": "Pavel Durov", "author": "Pavel",
        "media": {"kind": "photo", "file": None, "present": False},
    }  # fmt: skip
    assert citation(post, "t").endswith(", https://t.me/durov/523")


async def test_the_reading_pane_shows_sender_signature_address_and_media(
    tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    from apphelpers import pane, running

    monkeypatch.setenv("TGREADER_DB", str(tmp_path / "library.json"))
    path = tmp_path / "result.json"
    path.write_text(json.dumps({"name": "Group", "type": "private_supergroup", "id": 9,
                                "messages": [
        {"id": 4, "type": "message", "date": "2024-01-02T03:04:05", "from": "Alice",
         "forwarded_from": "News", "author": "Bob", "photo": "photos/p.jpg", "text": "Hi"},
    ]}), encoding="utf-8")  # fmt: skip
    async with running([path]) as (app, pilot):
        await pilot.press("enter")
        shown = pane(app).plain_text()
        assert "News" in shown and "sent by Alice" in shown and "signed Bob" in shown
        assert "message 4" in shown  # a private chat has no public address
        assert "photo: photos/p.jpg (not in the export folder)" in shown
