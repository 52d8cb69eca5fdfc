"""The journal: a save appends one line instead of rewriting a big file, and no crash, cut
line or replay can lose or invent a change (see tui/storage/journal.py)."""

from __future__ import annotations

import errno
import json
import os
from pathlib import Path

import pytest
from conftest import snap

from tui.storage import StorageError, Store, atomic

pytestmark = pytest.mark.usefixtures("lock_mode")



def journal_of(db: Path) -> Path:
    return db.with_name(db.name + ".journal")


def bodies(db: Path) -> list[str]:
    return [note.body for note in Store.open(db).notes()]



def test_a_save_appends_one_line_and_close_folds_the_journal_into_the_file(db: Path) -> None:
    store = Store.open(db)
    store.add_note(snap("p1"), "first")  # no file yet: written whole
    before = db.read_bytes()
    store.add_note(snap("p2"), "second")
    store.toggle_bookmark(snap("p2"))
    assert db.read_bytes() == before  # the big file is left alone
    lines = journal_of(db).read_bytes().splitlines()
    assert len(lines) == 2 and "second" in lines[0].decode("utf-8")
    assert bodies(db) == ["first", "second"]

    store.close()
    assert journal_of(db).read_bytes() == b""
    on_disk = json.loads(db.read_bytes())  # one self-contained file after a clean exit
    assert sorted(doc["body"] for doc in on_disk["notes"].values()) == ["first", "second"]


def test_a_cut_last_line_is_ignored_then_cut_off_by_the_next_save(db: Path) -> None:
    store = Store.open(db)
    store.add_note(snap("p1"), "first")
    store.add_note(snap("p2"), "second")
    store.close()
    Store.open(db).add_note(snap("p3"), "third")
    whole = journal_of(db).read_bytes()
    for torn in (b'[["notes","9",{"id":"x","bo', b'[["notes","9",{"id\x00\x00\x00\n'):
        journal_of(db).write_bytes(whole + torn)  # a writer killed (or a power cut) mid-line
        store = Store.open(db)
        assert store.open_warning is None
        assert [n.body for n in store.notes()] == ["first", "second", "third"]
        store.add_note(snap("p4"), "fourth")
        assert bodies(db) == ["first", "second", "third", "fourth"]
        assert torn not in journal_of(db).read_bytes()
        store.delete_note(store.notes()[-1].id)


def test_a_damaged_line_before_good_ones_moves_both_files_aside(db: Path) -> None:
    store = Store.open(db)
    store.add_note(snap("p1"), "first")
    store.add_note(snap("p2"), "second")
    store.add_note(snap("p3"), "third")
    lines = journal_of(db).read_bytes().splitlines(keepends=True)
    damaged = b"garbage\n" + lines[1]
    journal_of(db).write_bytes(damaged)
    base = db.read_bytes()

    reopened = Store.open(db)

    warning = reopened.open_warning or ""
    assert "the journal is damaged at byte 0" in warning and "\n" not in warning
    (aside,) = db.parent.glob("library.json.damaged-*[0-9]")
    assert aside.read_bytes() == base
    assert aside.with_name(aside.name + ".journal").read_bytes() == damaged
    assert reopened.notes() == []


def test_a_compaction_killed_before_emptying_the_journal_replays_without_harm(db: Path) -> None:
    store = Store.open(db)
    store.add_note(snap("p1"), "kept")
    gone = store.add_note(snap("p2"), "deleted later")
    edited = store.add_note(snap("p3"), "draft")
    store.update_note(edited.id, "edited")
    store.delete_note(gone.id)
    store.toggle_bookmark(snap("p1"))
    store.toggle_bookmark(snap("p3"))
    store.toggle_bookmark(snap("p3"))
    store.mark_read("a", "p1")
    store.flush()
    lines = journal_of(db).read_bytes()
    store.close()  # the file now holds every line...
    journal_of(db).write_bytes(lines)  # ...but the journal was not emptied (killed there)

    for _ in range(2):
        again = Store.open(db)
        assert [n.body for n in again.notes()] == ["kept", "edited"]
        assert again.bookmarked_ids() == {"p1"}
        assert again.read_ids("a") == {"p1"}
        again.close()


def test_another_window_reads_only_the_new_lines(
    db: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    left, right = Store.open(db), Store.open(db)
    left.add_note(snap("p1"), "from left")
    assert [n.body for n in right.notes()] == ["from left"]  # first sight: the file is new
    parsed: list[int] = []
    real_decode = atomic.decode
    monkeypatch.setattr(atomic, "decode", lambda raw: parsed.append(len(raw)) or real_decode(raw))

    left.add_note(snap("p2"), "again from left")
    assert [n.body for n in right.notes("p2")] == ["again from left"]
    right.add_note(snap("p3"), "from right")
    left.toggle_bookmark(snap("p3"))
    assert right.is_bookmarked("p3")
    assert [n.body for n in left.notes()] == ["from left", "again from left", "from right"]
    assert parsed == []  # neither window read the whole file again


def test_a_failed_append_leaves_the_journal_as_it_was(
    db: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    store = Store.open(db)
    store.add_note(snap("p1"), "first")
    store.add_note(snap("p2"), "second")
    before = journal_of(db).read_bytes()

    def no_space(fd: int) -> None:
        raise OSError(errno.ENOSPC, os.strerror(errno.ENOSPC))

    monkeypatch.setattr(os, "fsync", no_space)  # written, but not to the disk: not saved
    with pytest.raises(StorageError, match="no space left on device"):
        store.add_note(snap("p3"), "not saved")
    monkeypatch.undo()
    assert journal_of(db).read_bytes() == before  # so it cannot turn up later
    assert bodies(db) == ["first", "second"]
    store.add_note(snap("p3"), "saved on retry")
    assert bodies(db) == ["first", "second", "saved on retry"]


def test_read_marks_are_small_lines_and_one_record_per_archive_after_close(db: Path) -> None:
    store = Store.open(db)
    store.add_note(snap("p1"), "the file exists")
    for i in range(2000):
        store.mark_read("big", f"post-{i:04d}")
    store.flush()
    size = journal_of(db).stat().st_size
    for i in range(40):
        store.mark_read("big", f"more-{i:02d}")
        store.flush()
        assert journal_of(db).stat().st_size - size < 400 or i % 16 == 15  # few ids a line
        size = journal_of(db).stat().st_size
    assert len(Store.open(db).read_ids("big")) == 2040
    store.close()
    reading = json.loads(db.read_bytes())["reading"]
    assert [doc["archive"] for doc in reading.values()] == ["big"]


@pytest.mark.skipif(os.name == "nt", reason="POSIX permission bits")
def test_the_journal_is_as_private_as_the_file(db: Path) -> None:
    store = Store.open(db)
    store.add_note(snap("p1"), "first")
    db.chmod(0o600)
    store.add_note(snap("p2"), "private words")
    assert journal_of(db).stat().st_mode & 0o777 == 0o600
