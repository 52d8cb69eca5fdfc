"""The library as the app uses it: bookmarks, notes, reading state, UI state, paths."""

from __future__ import annotations

import json
import threading
from pathlib import Path

import pytest
from conftest import snap
from tinydb import TinyDB

from tui import paths
from tui.model import Quote
from tui.storage import AtomicJSONStorage, NoteNotFoundError, StorageError, Store

# Every test here runs twice: with flock, and with `fcntl` made unavailable (see conftest).
pytestmark = pytest.mark.usefixtures("lock_mode")




@pytest.fixture
def store(db: Path) -> Store:
    return Store.open(db)


def on_disk(db: Path) -> dict[str, dict[str, dict[str, object]]]:
    loaded: dict[str, dict[str, dict[str, object]]] = json.loads(db.read_text("utf-8"))
    return loaded


# --- paths ---------------------------------------------------------------------------------


def test_paths_follow_the_environment_and_touch_nothing(
    tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    monkeypatch.setenv("TGREADER_DB", str(tmp_path / "x" / "my.json"))
    monkeypatch.setenv("TGREADER_CACHE", str(tmp_path / "cache"))
    assert paths.db_path() == tmp_path / "x" / "my.json"
    assert paths.cache_dir() == tmp_path / "cache"
    assert list(tmp_path.iterdir()) == []


def test_paths_default_to_the_platform_folders(monkeypatch: pytest.MonkeyPatch) -> None:
    monkeypatch.setenv("TGREADER_DB", "")  # empty means unset
    monkeypatch.delenv("TGREADER_CACHE", raising=False)
    assert paths.db_path().name == "library.json"
    assert "tgreader" in paths.db_path().parent.parts[-2:]
    assert "tgreader" in paths.cache_dir().parts[-2:]


def test_open_creates_missing_folders(tmp_path: Path) -> None:
    db = tmp_path / "a" / "b" / "library.json"
    Store.open(db).add_note(snap("p"), "x")
    assert db.exists()


# --- bookmarks ------------------------------------------------------------------------------


def test_toggle_bookmark_turns_on_and_off_and_persists(store: Store, db: Path) -> None:
    assert store.toggle_bookmark(snap("p1")) is True
    assert store.is_bookmarked("p1")
    assert Store.open(db).bookmarked_ids() == {"p1"}
    assert store.toggle_bookmark(snap("p1")) is False
    assert not store.is_bookmarked("p1")
    assert Store.open(db).bookmarked_ids() == set()


def test_bookmarks_are_oldest_first_and_outlive_their_file(store: Store, db: Path) -> None:
    for post_id in ("c", "a", "b"):
        store.toggle_bookmark(snap(post_id, title=f"Title {post_id}"))
    store.toggle_bookmark(snap("a"))
    store.toggle_bookmark(snap("a", title="Title a"))  # re-bookmarked: now the newest
    reopened = Store.open(db)  # none of these posts is "open": only their snapshots remain
    assert [b.post_id for b in reopened.bookmarks()] == ["c", "b", "a"]
    assert reopened.bookmarks()[0].snapshot == snap("c", title="Title c")


# --- notes ----------------------------------------------------------------------------------

AWKWARD_BODY = "Line one\n\n  indented `code` # not a heading\n> not a quote\nкириллица 😀\t\r\n"


def test_notes_keep_every_character_and_their_quote(store: Store, db: Path) -> None:
    quote = Quote("The passage,\nverbatim.", 2, 4)
    note = store.add_note(snap("p1"), AWKWARD_BODY, quote)
    (again,) = Store.open(db).notes("p1")
    assert again == note
    assert again.body == AWKWARD_BODY and again.quote == quote
    assert "кириллица" in db.read_text("utf-8")  # readable in an editor, not \\u-escaped


def test_a_lone_surrogate_in_a_note_is_saved_not_refused(store: Store, db: Path) -> None:
    body = "broken emoji \ud83d here"
    store.add_note(snap("p1"), body)
    assert Store.open(db).notes()[0].body == body


def test_notes_are_listed_in_creation_order_per_post_and_counted(store: Store) -> None:
    first = store.add_note(snap("p1"), "first")
    store.add_note(snap("p2"), "second")
    third = store.add_note(snap("p1"), "third")
    assert [n.body for n in store.notes()] == ["first", "second", "third"]
    assert [n.body for n in store.notes("p1")] == ["first", "third"]
    assert store.notes("nope") == []
    assert store.note_counts() == {"p1": 2, "p2": 1}
    store.update_note(first.id, "first, revised")
    assert [n.body for n in store.notes("p1")] == ["first, revised", "third"]
    store.delete_note(third.id)
    store.delete_note(third.id)  # already gone: fine
    assert store.note_counts() == {"p1": 1, "p2": 1}


def test_update_note_changes_body_and_updated_time_only(store: Store, db: Path) -> None:
    note = store.add_note(snap("p1"), "draft", Quote("q", 0, 1))
    updated = store.update_note(note.id, "final")
    assert (updated.id, updated.created, updated.quote) == (note.id, note.created, note.quote)
    assert updated.updated >= note.created
    assert Store.open(db).notes() == [updated]


def test_updating_a_deleted_note_says_so_in_one_line(store: Store) -> None:
    note = store.add_note(snap("p1"), "x")
    store.delete_note(note.id)
    with pytest.raises(NoteNotFoundError) as caught:
        store.update_note(note.id, "the text the user still has")
    assert isinstance(caught.value, StorageError)
    assert "\n" not in str(caught.value) and "deleted" in str(caught.value)


def test_unchanged_edits_and_snapshots_do_not_rewrite_the_file(store: Store, db: Path) -> None:
    note = store.add_note(snap("p1"), "same")
    store.toggle_bookmark(snap("p1"))
    before = db.stat().st_ino
    store.update_note(note.id, "same")
    store.refresh_snapshots([snap("p1"), snap("unrelated")])
    store.flush()  # nothing pending
    assert db.stat().st_ino == before  # every save replaces the file, so no save happened


def test_refresh_snapshots_updates_bookmarks_and_notes(store: Store, db: Path) -> None:
    store.toggle_bookmark(snap("p1", title="Old title", date=None))
    store.add_note(snap("p1", title="Old title", date=None), "n")
    store.add_note(snap("p2", title="Other"), "untouched")
    fresh = snap("p1", title="Cleaned-up title", date="2024-01-10")
    store.refresh_snapshots([fresh])
    reopened = Store.open(db)
    assert reopened.bookmarks()[0].snapshot == fresh
    assert reopened.notes("p1")[0].snapshot == fresh
    assert reopened.notes("p2")[0].snapshot.title == "Other"


# --- reading state and UI state ---------------------------------------------------------------


def test_mark_read_is_visible_at_once_and_saved_by_flush(store: Store, db: Path) -> None:
    store.mark_read("archive-a", "p1")
    store.mark_read("archive-a", "p2")
    assert store.read_ids("archive-a") == {"p1", "p2"}
    assert store.read_ids("archive-b") == set()
    assert Store.open(db).read_ids("archive-a") == set()  # not written yet
    store.flush()
    assert Store.open(db).read_ids("archive-a") == {"p1", "p2"}


def test_reading_state_is_one_record_per_archive(store: Store, db: Path) -> None:
    for i in range(1000):
        store.mark_read("big", f"post-{i:04d}")
        if i % 250 == 0:
            store.flush()
    store.mark_read("small", "x")
    store.close()
    reading = on_disk(db)["reading"]
    assert sorted(str(doc["archive"]) for doc in reading.values()) == ["big", "small"]
    (big,) = (doc for doc in reading.values() if doc["archive"] == "big")
    assert big["ids"] == " ".join(f"post-{i:04d}" for i in range(1000))  # compact, sorted


def test_mark_read_refuses_ids_that_would_not_survive_the_file(store: Store) -> None:
    with pytest.raises(ValueError):
        store.mark_read("a", "two words")
    with pytest.raises(ValueError):
        store.mark_read("a", "")
    assert store.read_ids("a") == set()


def test_ui_state_is_per_archive_plus_global_and_merges(store: Store, db: Path) -> None:
    store.set_ui_state(theme="dark")
    store.set_ui_state("a", last_post="p1", filter={"tag": "#SCO"})
    store.set_ui_state("a", last_post="p2")
    assert store.ui_state() == {"theme": "dark"}
    assert store.ui_state("a") == {"last_post": "p2", "filter": {"tag": "#SCO"}}
    store.ui_state("a")["filter"]["tag"] = "changed by the caller"
    assert store.ui_state("a")["filter"] == {"tag": "#SCO"}
    store.close()
    reopened = Store.open(db)
    assert reopened.ui_state() == {"theme": "dark"}
    assert reopened.ui_state("a") == {"last_post": "p2", "filter": {"tag": "#SCO"}}
    assert reopened.ui_state("b") == {}


def test_ui_state_refuses_values_that_cannot_be_saved(store: Store) -> None:
    with pytest.raises(ValueError, match="plain JSON"):
        store.set_ui_state("a", when=object())
    with pytest.raises(ValueError):
        store.set_ui_state("a", ratio=float("nan"))
    assert store.ui_state("a") == {}


# --- two stores, threads, TinyDB compatibility -------------------------------------------------


def test_two_stores_in_one_process_interleave_without_losing_anything(db: Path) -> None:
    left, right = Store.open(db), Store.open(db)
    left.add_note(snap("p1"), "from left")
    right.add_note(snap("p2"), "from right")
    assert [n.body for n in left.notes()] == ["from left", "from right"]  # sees the other
    left.toggle_bookmark(snap("p1"))
    right.toggle_bookmark(snap("p2"))
    left.mark_read("a", "p1")
    right.mark_read("a", "p2")
    right.set_ui_state("a", theme="light")
    left.set_ui_state("a", last_post="p1")
    left.flush()
    right.flush()
    note = right.notes("p1")[0]
    right.update_note(note.id, "edited from right")
    assert left.notes("p1")[0].body == "edited from right"

    fresh = Store.open(db)
    assert [n.body for n in fresh.notes()] == ["edited from right", "from right"]
    assert fresh.bookmarked_ids() == {"p1", "p2"}
    assert fresh.read_ids("a") == {"p1", "p2"}
    assert fresh.ui_state("a") == {"theme": "light", "last_post": "p1"}


def test_flushing_from_a_thread_while_the_ui_writes(store: Store, db: Path) -> None:
    stop = threading.Event()
    errors: list[BaseException] = []

    def flusher() -> None:
        try:
            while not stop.is_set():
                store.flush()
        except BaseException as error:  # pragma: no cover - reported below
            errors.append(error)

    thread = threading.Thread(target=flusher)
    thread.start()
    try:
        for i in range(60):
            store.mark_read("a", f"r{i}")
            store.add_note(snap(f"p{i}"), f"note {i}")
            if i % 2:
                store.toggle_bookmark(snap(f"p{i}"))
            assert f"r{i}" in store.read_ids("a")
    finally:
        stop.set()
        thread.join()
    assert errors == []
    store.close()
    reopened = Store.open(db)
    assert len(reopened.notes()) == 60
    assert len(reopened.bookmarks()) == 30
    assert reopened.read_ids("a") == {f"r{i}" for i in range(60)}


def test_atomic_storage_works_as_a_plain_tinydb_storage(db: Path) -> None:
    with TinyDB(db, storage=AtomicJSONStorage) as tiny:
        tiny.insert({"body": "hello"})
    with TinyDB(db, storage=AtomicJSONStorage) as tiny:
        assert [doc["body"] for doc in tiny.all()] == ["hello"]


def test_a_file_replaced_behind_our_back_is_reread_before_the_next_save(
    store: Store, db: Path
) -> None:
    store.add_note(snap("p1"), "ours")
    # Another program (no lock, no change counter) rewrites the file, e.g. restoring a copy.
    with TinyDB(db, storage=AtomicJSONStorage) as tiny:
        tiny.table("bookmarks").insert(
            {
                "post_id": "p9",
                "created": "2024-01-01T00:00:00+00:00",
                "snapshot": {"post_id": "p9", "source": None, "title": "Restored", "date": None},
            }
        )
    store.add_note(snap("p2"), "ours too")
    reopened = Store.open(db)
    assert reopened.bookmarked_ids() == {"p9"}
    assert [n.body for n in reopened.notes()] == ["ours", "ours too"]
