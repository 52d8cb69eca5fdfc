"""One message, one post: records merge only when they are the same message (or, without a
message id, the same source, text and day)."""

from __future__ import annotations

import json
from pathlib import Path

from conftest import load_posts, write_dump


def group_chat(path: Path, messages: list[dict[str, object]]) -> Path:
    path.write_text(json.dumps({"name": "Group", "type": "private_supergroup", "id": 777,
                                "messages": messages}), encoding="utf-8")  # fmt: skip
    return path


def test_twenty_people_saying_the_same_word_are_twenty_posts(tmp_path: Path) -> None:
    messages: list[dict[str, object]] = [
        {"id": n, "type": "message", "date": f"2024-03-01T10:{n:02d}:00", "from": f"Person {n}",
         "from_id": f"user{n}", "text": "Да", "text_entities": [{"type": "plain", "text": "Да"}]}
        for n in range(1, 21)
    ]  # fmt: skip
    posts = load_posts([group_chat(tmp_path / "result.json", messages)], lambda m: None)
    assert [(p.sender, p.datetime) for p in posts] == [
        (f"Person {n}", f"2024-03-01T10:{n:02d}:00") for n in range(1, 21)
    ]
    assert [p.id for p in posts] == [f"777/{n}" for n in range(1, 21)]
    assert all(p.occurrences == 1 and p.text == "Да" for p in posts)


def test_two_photos_with_one_caption_and_two_dots_stay_apart(tmp_path: Path) -> None:
    messages: list[dict[str, object]] = [
        {"id": 1, "type": "message", "date": "2024-03-01T10:00:00", "from": "A",
         "photo": "photos/1.jpg", "text": "Caption"},
        {"id": 2, "type": "message", "date": "2024-03-01T10:01:00", "from": "A",
         "photo": "photos/2.jpg", "text": "Caption"},
        {"id": 3, "type": "message", "date": "2024-03-01T10:02:00", "from": "A", "text": "."},
        {"id": 4, "type": "message", "date": "2024-03-02T11:00:00", "from": "A", "text": "."},
    ]  # fmt: skip
    posts = load_posts([group_chat(tmp_path / "result.json", messages)], lambda m: None)
    assert [(p.message_id, p.datetime) for p in posts] == [
        (1, "2024-03-01T10:00:00"), (2, "2024-03-01T10:01:00"), (3, "2024-03-01T10:02:00"),
        (4, "2024-03-02T11:00:00"),
    ]  # fmt: skip
    assert [p.media.file if p.media else None for p in posts[:2]] == ["photos/1.jpg",
                                                                     "photos/2.jpg"]  # fmt: skip


def test_a_web_copy_of_one_post_forwarded_twice_is_one_post(tmp_path: Path) -> None:
    post = "Forwarded from X\nTitle\n📍 Moscow, March 1, 2022\nBody\n"
    [merged] = load_posts([write_dump(tmp_path, post + post)], lambda m: None)
    assert merged.occurrences == 2 and [o.line for o in merged.origins] == [1, 5]


def test_a_web_copy_joins_the_exported_message_it_copies(tmp_path: Path) -> None:
    export = group_chat(tmp_path / "result.json", [
        {"id": 9, "type": "message", "date": "2022-03-01T10:00:00", "from": "X",
         "text": "Title\n📍 Moscow, March 1, 2022\nBody"},
        {"id": 10, "type": "message", "date": "2022-03-05T10:00:00", "from": "X",
         "text": "Title\n📍 Moscow, March 1, 2022\nBody"},
    ])  # fmt: skip
    web = write_dump(tmp_path, "Forwarded from X\nTitle\n📍 Moscow, March 1, 2022\nBody\n",
                     "web.txt")  # fmt: skip
    posts = load_posts([web, export], lambda m: None)
    assert [(p.id, p.occurrences) for p in posts] == [("777/9", 2), ("777/10", 1)]
