"""Bookmarks and notes made when post ids came from text survive the move to message ids.

Tested on a copy of a notes database written by main before the change
(tests/fixtures/store/README.md says how it was made).
"""

from __future__ import annotations

import json
import shutil
from pathlib import Path

import pytest
from apphelpers import running, user_dirs  # noqa: F401  (fixture)
from conftest import REAL, SAMPLE

from tui.index import open_library
from tui.library import Library
from tui.rekey import rekey_records
from tui.storage import Store

OLD_DB = Path(__file__).parent / "fixtures" / "store" / "library-main-ca17b3e.json"
SALAF = REAL / "upon-the-path-of-salaf" / "result.json"
ENSIA = REAL / "ensia-impact-account" / "result.json"


@pytest.fixture
def old_store(tmp_path: Path) -> Store:
    copy = tmp_path / "library.json"
    shutil.copy(OLD_DB, copy)
    return Store.open(copy)


def opened(path: Path) -> Library:
    return open_library([path], lambda _m: None, in_memory=True)


def snapshot_of_old(post_id: str) -> dict[str, object]:
    data = json.loads(OLD_DB.read_text(encoding="utf-8"))
    docs = list(data["bookmarks"].values()) + list(data["notes"].values())
    return next(doc["snapshot"] for doc in docs if doc["post_id"] == post_id)


def test_records_of_old_ids_move_to_their_messages_with_nothing_lost(old_store: Store) -> None:
    before_notes = {n.id: n for n in old_store.notes()}
    before_bookmarks = len(old_store.bookmarks())
    for path in (SAMPLE, SALAF, ENSIA):
        library = opened(path)
        rekey_records(old_store, library)
        assert rekey_records(old_store, library) == 0  # once moved, nothing more to do
    notes = {n.id: n for n in old_store.notes()}
    assert notes.keys() == before_notes.keys()
    for note_id, note in notes.items():
        old = before_notes[note_id]
        assert (note.body, note.quote, note.created, note.updated, note.tags) == (
            old.body, old.quote, old.created, old.updated, old.tags)  # fmt: skip
    assert len(old_store.bookmarks()) == before_bookmarks
    every_id = opened(SAMPLE).ids() | opened(SALAF).ids() | opened(ENSIA).ids()
    assert {b.post_id for b in old_store.bookmarks()} <= every_id
    assert {n.post_id for n in old_store.notes()} <= every_id


def test_a_record_lands_on_the_message_it_was_made_on(old_store: Store) -> None:
    library = opened(SALAF)
    rekey_records(old_store, library)
    channel_note = next(n for n in old_store.notes() if n.body == "a note on a channel post")
    post = library[library.index_of(channel_note.post_id) or 0]
    assert post.id == channel_note.post_id and post.message_id is not None
    assert post.id == f"{post.chat}/{post.message_id}"
    assert post.title == snapshot_of_old("b5b97340d08d5171")["title"]
    assert channel_note.snapshot == post.snapshot()
    assert old_store.is_bookmarked(post.id)
    # A note on a post the old reader made of two messages with one text goes to the first.
    merged = next(n for n in old_store.notes() if n.body == "note on a merged post")
    first = library[library.index_of(merged.post_id) or 0]
    # (main listed that post at lines 8038 and 8055 of the export: README of the fixture)
    assert first.origin is not None and first.origin.line == 8038 and first.occurrences == 1
    twins = [p for p in library if p.text == first.text]
    assert len(twins) == 2 and twins[0].id == first.id and twins[1].origin.line == 8055


def test_web_copy_records_keep_their_ids(old_store: Store) -> None:
    library = opened(SAMPLE)
    before = {b.post_id for b in old_store.bookmarks()}
    rekey_records(old_store, library)
    assert "79eda77a20ae5f99" in before and old_store.is_bookmarked("79eda77a20ae5f99")
    assert library.index_of("79eda77a20ae5f99") == 0


def test_the_store_format_goes_up_and_an_old_reader_would_refuse_it(old_store: Store) -> None:
    rekey_records(old_store, opened(SALAF))
    data = json.loads(old_store.path.read_text(encoding="utf-8"))
    assert [doc["schema"] for doc in data["meta"].values()] == [2]


def test_a_bookmark_already_on_the_new_id_is_not_doubled(old_store: Store) -> None:
    library = opened(SALAF)
    old_id = "b5b97340d08d5171"
    new = library[library.legacy_matches([old_id])[old_id]]
    old_store.toggle_bookmark(new.snapshot())  # bookmarked again after the upgrade
    rekey_records(old_store, library)
    assert [b.post_id for b in old_store.bookmarks()].count(new.id) == 1
    assert not old_store.is_bookmarked(old_id)


async def test_the_reader_moves_old_records_when_the_archive_opens(
    user_dirs: Path,  # noqa: F811  (the fixture's database path)
) -> None:
    user_dirs.parent.mkdir(parents=True, exist_ok=True)
    shutil.copy(OLD_DB, user_dirs)
    async with running([SALAF]) as (app, _pilot):
        assert app.library is not None
        bookmarked = [app.library.index_of(pid) for pid in app.bookmarked]
        noted = [app.library.index_of(pid) for pid in app.note_counts]
        assert sum(i is not None for i in bookmarked) == 1
        assert sum(i is not None for i in noted) == 2
        assert all(pid.startswith("3204528972/") for pid in app.bookmarked
                   if app.library.index_of(pid) is not None)  # fmt: skip
    after = Store.open(user_dirs)
    assert len(after.notes()) == 4 and len(after.bookmarks()) == 3


def test_a_web_copy_bookmark_does_not_move_to_an_export_of_the_same_words(
    tmp_path: Path,
) -> None:
    from conftest import write_dump

    from tui.model import PostSnapshot

    words = "Title\n📍 Moscow, March 1, 2022\nBody"
    web = write_dump(tmp_path, f"Forwarded from C\n{words}\n", "web.txt")
    export = tmp_path / "result.json"
    export.write_text(json.dumps({"name": "C", "type": "public_channel", "id": 3, "messages": [
        {"id": 8, "type": "message", "date": "2022-03-01T10:00:00", "from": "C", "text": words},
    ]}), encoding="utf-8")  # fmt: skip
    store = Store.open(tmp_path / "library.json")
    [copied] = list(opened(web))
    store.toggle_bookmark(PostSnapshot(copied.id, "C", "Title", "2022-03-01"))
    assert rekey_records(store, opened(export)) == 0
    assert store.is_bookmarked(copied.id)


def test_a_bookmark_made_on_an_html_export_alone_follows_it_beside_its_json(
    tmp_path: Path,
) -> None:
    html = opened(REAL / "upon-the-path-of-salaf" / "messages.html")
    post = next(p for p in html if p.message_id == 15)
    assert post.chat is None and post.id.startswith("~")  # the page names its chat by title
    store = Store.open(tmp_path / "library.json")
    store.toggle_bookmark(post.snapshot())
    store.add_note(post.snapshot(), "on the HTML")
    both = opened(REAL / "upon-the-path-of-salaf")
    assert rekey_records(store, both) == 2
    assert [b.post_id for b in store.bookmarks()] == ["3204528972/15"]
    assert [n.post_id for n in store.notes()] == ["3204528972/15"]
