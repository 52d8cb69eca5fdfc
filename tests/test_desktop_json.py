"""Telegram Desktop's result.json: every message's text, its exact time, tags, links, media."""

from __future__ import annotations

import json
from pathlib import Path
from typing import Any

import pytest
from conftest import ROOT, load_posts, message_text, one_error_line, write_dump

from tui.ingest import IngestError, find_dumps
from tui.ingest.desktop_json import parse, repair_escapes
from tui.model import Link, PostDate, RawPost

FIXTURES = ROOT / "tests" / "fixtures"
CHANNEL = FIXTURES / "desktop_json" / "channel" / "result.json"
OLD = FIXTURES / "desktop_json" / "old" / "result.json"
ACCOUNT = FIXTURES / "desktop_json" / "account" / "result.json"
BROKEN = FIXTURES / "broken"


def read(path: Path) -> list[RawPost]:
    warnings: list[str] = []
    posts = list(parse(path, warnings.append))
    assert warnings == []
    return posts


def fixture_messages(path: Path) -> list[dict[str, Any]]:
    """The fixture's own messages, decoded independently of the parser (escapes fixed by hand)."""
    text = path.read_text(encoding="utf-8").replace("\\x0b", "\\u000b")
    return [m for m in json.loads(text)["messages"] if m["type"] == "message"]


@pytest.mark.parametrize("path", [CHANNEL, OLD], ids=["channel", "old"])
def test_every_message_text_survives(path: Path) -> None:
    messages = fixture_messages(path)
    posts = read(path)
    assert ["\n".join(p.lines) for p in posts] == [message_text(m) for m in messages]
    assert [p.message_id for p in posts] == [m["id"] for m in messages]


def test_service_messages_are_not_posts() -> None:
    ids = [p.message_id for p in read(CHANNEL)]
    assert 1 not in ids and 8 not in ids  # channel created, message pinned
    assert ids == [2, 3, 4, 5, 6, 7, 9]


def test_exact_time_with_the_exporters_offset() -> None:
    first = read(CHANNEL)[0]
    assert first.date == PostDate(2022, 9, 15)
    assert not first.date.inferred
    assert first.datetime == "2022-09-15T07:58:12+03:00"


def test_old_export_without_unixtime_keeps_local_time_without_offset() -> None:
    first = read(OLD)[0]
    assert first.datetime == "2021-03-01T18:20:05"
    assert first.date == PostDate(2021, 3, 1)


def test_hashtags_and_links_come_from_entities() -> None:
    post = read(CHANNEL)[1]
    assert post.hashtags == ("SCO", "Lavrov")
    assert post.links == (
        Link("full statement", "https://mid.ru/en/foreign_policy/news/1830000/"),
        Link("mid.ru/en", "https://mid.ru/en"),
        Link("@MFARussia", "https://t.me/MFARussia"),  # a mention, as the HTML export links it
    )
    assert post.lines[0] == "Talks at the #SCO summit: fully aligned."


def test_email_is_mailto_and_phone_is_tel(tmp_path: Path) -> None:
    entities = [{"type": "email", "text": "press@mid.ru"}, {"type": "plain", "text": " "},
                {"type": "phone", "text": "+7 499 244"}]  # fmt: skip
    path = tmp_path / "result.json"
    path.write_text(json.dumps({"name": "C", "type": "public_channel", "id": 1, "messages": [
        {"id": 1, "type": "message", "date": "2024-01-02T03:04:05",
         "text": entities, "text_entities": entities}]}), encoding="utf-8")  # fmt: skip
    [post] = read(path)
    assert post.links == (Link("press@mid.ru", "mailto:press@mid.ru"),
                          Link("+7 499 244", "tel:+7 499 244"))  # fmt: skip


def test_string_text_without_entities_leaves_tags_to_the_text() -> None:
    old = read(OLD)
    assert old[0].hashtags is None  # "... with a #tag": identity reads it from the text
    assert old[1].hashtags == ("entities",)
    assert old[1].links == (Link("links", "https://example.org/old"),)


def test_media_is_a_flag_not_text() -> None:
    posts = {p.message_id: p for p in read(CHANNEL)}
    photo, sticker, video = posts[4], posts[7], posts[9]
    assert photo.has_media and photo.lines == ()
    assert sticker.has_media and sticker.lines == ()
    assert video.has_media and video.lines == ("Video: the ministers meet. #SCO",)
    assert not posts[2].has_media
    assert all("File not included" not in "\n".join(p.lines) for p in posts.values())


def test_poll_reads_as_question_and_answers() -> None:
    poll = next(p for p in read(CHANNEL) if p.message_id == 5)
    assert poll.lines == ("Which summit matters most?", "- SCO", "- BRICS")
    assert not poll.has_media


def test_forwarded_post_names_the_original_channel() -> None:
    posts = {p.message_id: p for p in read(CHANNEL)}
    assert posts[6].source == "Russian Embassy in India"
    assert posts[6].channel == "Russian MFA"
    assert posts[9].source == "Russian MFA"  # "from": null falls back to the channel


def test_control_escapes_are_repaired_and_escaped_backslashes_kept() -> None:
    post = next(p for p in read(CHANNEL) if p.message_id == 6)
    assert post.lines == ("Vertical\x0btab and a path C:\\x41\\new kept as written",)


@pytest.mark.parametrize(
    ("raw", "fixed"),
    [
        (rb'"a\x01b"', rb'"a\u0001b"'),
        (rb'"a\\x01b"', rb'"a\\x01b"'),  # an escaped backslash, then the letters x01
        (rb'"a\\\x01b"', rb'"a\\\u0001b"'),  # an escaped backslash, then a real escape
        (rb'"plain"', rb'"plain"'),
    ],
)
def test_repair_escapes(raw: bytes, fixed: bytes) -> None:
    assert repair_escapes(raw) == fixed


def test_full_account_export_offers_every_chat_with_its_name() -> None:
    posts = read(ACCOUNT)
    assert [(p.channel, p.lines) for p in posts] == [
        ("Russian MFA", ("Account export, first chat",)),
        ("Ann", ("Name comes after the messages in this chat",)),
        ("Left Channel", ("From a channel the account left",)),
    ]
    assert posts[1].source == "Ann"


def test_origin_points_at_the_message_in_the_file() -> None:
    lines = CHANNEL.read_text(encoding="utf-8").split("\n")
    for post in read(CHANNEL):
        assert lines[post.origin.line - 1].strip() == "{"
        assert f'"id": {post.message_id},' in lines[post.origin.line]


def test_recognised_by_content_not_name(tmp_path: Path) -> None:
    renamed = tmp_path / "backup.txt"
    renamed.write_bytes(CHANNEL.read_bytes())
    assert [d.kind for d in find_dumps(renamed, pytest.fail)] == ["desktop_json"]


def test_loads_into_clean_posts_with_exact_dates() -> None:
    warnings: list[str] = []
    posts = load_posts([CHANNEL], warnings.append)
    assert warnings == []
    assert all(p.date is not None and not p.date_inferred for p in posts)
    assert posts[0].datetime == "2022-09-15T07:58:12+03:00"
    assert posts[1].hashtags == ("SCO", "Lavrov")


@pytest.mark.parametrize(
    ("name", "message"),
    [
        ("missing_date.json", "missing_date.json:12: message 57 has no 'date'"),
        ("syntax.json", "syntax.json:11: not valid JSON at column 4: Expecting ',' delimiter"),
        ("truncated.json", "truncated.json:11: the file ends in the middle of the export"),
    ],
)
def test_broken_exports_name_the_place(name: str, message: str) -> None:
    with pytest.raises(IngestError) as caught:
        list(parse(BROKEN / name, pytest.fail))
    assert message in str(caught.value)
    assert "\n" not in str(caught.value)


def test_wrong_text_type_is_skipped_with_a_warning_naming_the_message(tmp_path: Path) -> None:
    path = write_dump(
        tmp_path,
        '{"name": "C", "messages": [\n{"id": 3, "type": "message", "date": '
        '"2022-01-01T00:00:00", "text": 5, "text_entities": [{"type": "plain", "text": "hi"}]}'
        ',\n{"id": 4, "type": "message", "date": "2022-01-01T00:00:00", "text": "ok"}]}',
        "result.json",
    )
    warnings: list[str] = []
    posts = list(parse(path, warnings.append))
    assert [p.lines for p in posts] == [("hi",), ("ok",)]
    assert len(warnings) == 1
    assert "result.json:2: message 3: skipped 1 field(s)" in warnings[0]
    assert "text (int)" in warnings[0]


def test_cli_reports_a_broken_export_in_one_line() -> None:
    assert one_error_line("export", str(BROKEN / "missing_date.json")) == (
        f"tgreader: {BROKEN / 'missing_date.json'}:12: message 57 has no 'date'"
    )


def test_unusable_unixtime_is_a_warning_not_a_guess(tmp_path: Path) -> None:
    path = write_dump(
        tmp_path,
        '{"name": "C", "type": "public_channel", "messages": [\n{"id": 3, "type": "message", '
        '"date": "2022-01-01T10:00:00", "date_unixtime": "soon", "text": "hi"}]}',
        "result.json",
    )
    warnings: list[str] = []
    posts = list(parse(path, warnings.append))
    assert posts[0].datetime == "2022-01-01T10:00:00"
    assert len(warnings) == 1 and "result.json:2: message 3 has an unusable date_unixtime" in (
        warnings[0]
    )


# -- streaming: the file is read a few MB at a time; chunk edges must change nothing --------
STREAMED = sorted((ROOT / "tests" / "fixtures" / "desktop_json").glob("*/result.json"))
BROKEN_JSON = sorted((ROOT / "tests" / "fixtures" / "broken").glob("*.json"))


def _parse_all(path: Path) -> list[RawPost] | str:
    try:
        return list(parse(path, lambda _message: None))
    except IngestError as exc:
        return str(exc)


@pytest.mark.parametrize("chunk", [1, 2, 3, 5, 17, 64])
@pytest.mark.parametrize("path", STREAMED + BROKEN_JSON, ids=lambda p: f"{p.parent.name}/{p.name}")
def test_tiny_chunks_give_the_same_posts_and_errors(
    path: Path, chunk: int, monkeypatch: pytest.MonkeyPatch
) -> None:
    """Escapes, multi-byte characters and values cut at any byte read as if whole."""
    import tui.ingest.desktop_json as desktop_json

    whole = _parse_all(path)
    monkeypatch.setattr(desktop_json, "CHUNK_BYTES", chunk)
    monkeypatch.setattr(desktop_json, "KEEP_CHARS", 16)
    assert _parse_all(path) == whole


def test_escapes_and_emoji_across_chunk_edges(
    tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    import tui.ingest.desktop_json as desktop_json

    texts = ["a\\x41b 🇷🇺 Сергей", "path C:\\\\x41 stays", "\\x07bell", "ok"]
    messages = [
        {"id": n, "type": "message", "date": f"2023-05-0{n + 1}T10:00:00", "from": "C",
         "text": "@@" + str(n)}
        for n in range(len(texts))
    ]
    raw = json.dumps({"name": "C", "type": "public_channel", "id": 1, "messages": messages})
    for n, text in enumerate(texts):  # raw escapes, as a real export writes them
        raw = raw.replace(f'"@@{n}"', f'"{text}"')
    path = tmp_path / "result.json"
    path.write_text(raw, encoding="utf-8")
    whole = [p.lines for p in parse(path, lambda _m: None)]
    assert whole[0] == ("aAb 🇷🇺 Сергей",)
    assert whole[1] == ("path C:\\x41 stays",)
    for chunk in range(1, 12):
        monkeypatch.setattr(desktop_json, "CHUNK_BYTES", chunk)
        assert [p.lines for p in parse(path, lambda _m: None)] == whole
