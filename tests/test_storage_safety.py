"""The library never loses a word: kills mid-write, two processes, damaged files, full disks.

The subprocess tests drive `tests/helpers/storage_writer.py`, which prints each write only
after the store returned from it, i.e. after the user was told it was saved.
"""

from __future__ import annotations

import errno
import json
import os
import random
import subprocess
import sys
import threading
from collections.abc import Callable, Iterator
from pathlib import Path

import pytest
from conftest import snap

from tui.storage import StorageError, Store, atomic
from tui.storage.atomic import temp_prefix

WRITER = Path(__file__).resolve().parent / "helpers" / "storage_writer.py"
LOCK_HOLDER = Path(__file__).resolve().parent / "helpers" / "lock_holder.py"
KILL_ROUNDS = 8

# Every test here runs twice: with flock, and with `fcntl` made unavailable (the portable lock,
# as on Windows), in this process and in the writers it starts (see conftest.lock_mode).
pytestmark = pytest.mark.usefixtures("lock_mode")



def temp_files(db: Path) -> list[Path]:
    return sorted(db.parent.glob(temp_prefix(db) + "*"))


class Writer:
    """A storage_writer.py process whose acknowledged writes are collected as they come."""

    def __init__(
        self, db: Path, tag: str, count: int, archive: str, go: Path | None = None,
        stop_at: str | None = None,
    ):
        args = [sys.executable, str(WRITER), str(db), tag, str(count), archive]
        if go is not None:
            args += ["--go", str(go)]
        if stop_at is not None:
            args += ["--stop-at", stop_at]
        self.errors = db.with_name(f"{tag}.stderr")
        with open(self.errors, "w") as errors:
            self.process = subprocess.Popen(args, stdout=subprocess.PIPE, stderr=errors, text=True)
        self.lines: list[str] = []
        self.ready = False
        self.stopped = False
        self.lock = ""
        self.ended = False
        self._changed = threading.Condition()
        self._reader = threading.Thread(target=self._read, daemon=True)
        self._reader.start()

    def _read(self) -> None:
        assert self.process.stdout is not None
        for line in self.process.stdout:
            with self._changed:
                if line.strip() == "ready":
                    self.ready = True
                elif line.strip() == "stopped":
                    self.stopped = True
                elif line.startswith("lock "):
                    self.lock = line.split()[1]  # the lock the writer uses
                else:
                    self.lines.append(line.rstrip("\n"))
                self._changed.notify_all()
        with self._changed:
            self.ended = True
            self._changed.notify_all()

    def wait_until(self, what: str, condition: Callable[[], bool]) -> None:
        """Block until the writer's output makes `condition` true; the timeout only turns a
        hung writer into a failure, it is not what the test waits for."""
        with self._changed:
            done = self._changed.wait_for(lambda: condition() or self.ended, timeout=120)
        assert done and condition(), f"writer never got to: {what}\n{self.errors.read_text()}"

    def wait_ready(self) -> None:
        self.wait_until("ready", lambda: self.ready)

    def kill(self) -> None:
        self.process.kill()  # SIGKILL on POSIX, TerminateProcess on Windows: no clean-up runs
        self.process.wait(60)
        self._reader.join(60)

    def finish(self) -> None:
        self.process.wait(120)
        self._reader.join(60)
        assert self.process.returncode == 0, self.errors.read_text()

    def acknowledged(self, kind: str) -> set[str]:
        return {line.split(" ", 1)[1] for line in self.lines if line.startswith(kind + " ")}


def stored_note_heads(store: Store) -> set[str]:
    return {note.body.splitlines()[0] for note in store.notes()}


# --- 1. a kill at any moment leaves a whole file -------------------------------------------


@pytest.mark.parametrize(
    "moment", ["random", "mid journal line", "mid temp file", "before replace"]
)
def test_sigkill_mid_write_never_loses_an_acknowledged_write(
    tmp_path: Path, moment: str, monkeypatch: pytest.MonkeyPatch
) -> None:
    """Each round kills a writer once it has acknowledged some writes: at a random point of
    the writes that follow, or (deterministically, by stopping the writer there) halfway
    through a journal line, halfway through writing the temporary file of a whole-file save,
    or between the complete temporary file and the rename. Whatever the moment, the file is
    whole JSON and every acknowledged write is in it."""
    db = tmp_path / "library.json"
    # Writers fold their journal into the file every few saves, so both kinds of save happen.
    monkeypatch.setenv("TGREADER_TEST_COMPACT_BYTES", "1024")
    rng = random.Random(20261127)
    notes: set[str] = set()
    bookmarks: set[str] = set()
    reads: set[str] = set()
    stop_at = {
        "random": None,
        "mid journal line": "append",
        "mid temp file": "write",
        "before replace": "replace",
    }[moment]
    for round_no in range(KILL_ROUNDS):
        writer = Writer(db, f"r{round_no}", 1_000_000, "archive", stop_at=stop_at)
        if stop_at is None:
            acks = rng.randint(1, 12)
            writer.wait_until(f"{acks} writes", lambda: len(writer.lines) >= acks)  # noqa: B023
        else:
            writer.wait_until("its stop", lambda: writer.stopped)  # noqa: B023
        writer.kill()
        notes |= writer.acknowledged("note")
        bookmarks |= writer.acknowledged("bm")
        reads |= writer.acknowledged("read")
        if stop_at == "append":
            torn = db.with_name(db.name + ".journal").read_bytes()
            assert torn and not torn.endswith(b"\n"), "the kill left no cut line to ignore"
        elif stop_at is not None:
            assert temp_files(db), "the kill left no temporary file to clean up"

        json.loads(db.read_bytes())  # whole JSON, not a cut file
        store = Store.open(db)
        assert store.open_warning is None
        assert notes <= stored_note_heads(store)
        assert bookmarks <= store.bookmarked_ids()
        assert reads <= store.read_ids("archive")
        assert temp_files(db) == []
        store.close()
    assert len(notes) + len(bookmarks) + len(reads) >= KILL_ROUNDS  # writes did happen


# --- 2. two processes, two stores ------------------------------------------------------------


def test_two_processes_writing_at_once_keep_each_others_changes(
    tmp_path: Path, lock_mode: str
) -> None:
    db = tmp_path / "library.json"
    go = tmp_path / "go"
    writers = [Writer(db, tag, 150, "shared", go) for tag in ("left", "right")]
    for writer in writers:
        writer.wait_ready()
    go.touch()
    for writer in writers:
        writer.finish()

    store = Store.open(db)
    for writer in writers:
        assert writer.lock == ("flock" if lock_mode == "flock" else "lockf")
        assert len(writer.acknowledged("note")) == 50
        assert writer.acknowledged("note") <= stored_note_heads(store)
        assert writer.acknowledged("bm") <= store.bookmarked_ids()
        assert writer.acknowledged("read") <= store.read_ids("shared")
    assert len(store.notes()) == 100
    assert len(store.bookmarks()) == 100
    assert len(store.read_ids("shared")) == 100


def test_a_held_lock_makes_a_save_wait_then_fail_clearly(
    tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    db = tmp_path / "library.json"
    monkeypatch.setattr(atomic, "LOCK_TIMEOUT_S", 0.2)  # a holder that long is stuck
    store = Store.open(db)
    holder = subprocess.Popen(
        [sys.executable, str(LOCK_HOLDER), str(db)],
        stdin=subprocess.PIPE,
        stdout=subprocess.PIPE,
        text=True,
    )
    assert holder.stdin is not None and holder.stdout is not None
    try:
        assert holder.stdout.readline().startswith("held ")
        with pytest.raises(StorageError) as caught:
            store.add_note(snap("p1"), "kept by the caller")
        assert str(caught.value).startswith(f"cannot save note to {db}: another tgreader")
        assert store.notes() == []
    finally:
        holder.stdin.close()
        holder.wait(10)
    store.add_note(snap("p1"), "now it saves")
    assert [n.body for n in Store.open(db).notes()] == ["now it saves"]


# --- 4. damaged files are moved aside, never overwritten -------------------------------------

GOOD = (
    b'{"meta":{"1":{"schema":1}},"notes":{"1":{"id":"n1","post_id":"p1","body":"mine",'
    b'"created":"2024-01-01T00:00:00+00:00","updated":"2024-01-01T00:00:00+00:00",'
    b'"snapshot":{"post_id":"p1","source":null,"title":"T","date":null},'
    b'"quote":null,"tags":[]}}}'
)
DAMAGED = {
    "truncated": GOOD[: len(GOOD) // 2],
    "trailing garbage": GOOD + b"\n}garbage",
    "binary junk": bytes(range(256)) * 4,
    "not a dict": b'[{"id": "n1"}]',
    "table not an object": b'{"notes": [1, 2, 3]}',
    "record not an object": b'{"notes": {"1": "just text"}}',
    "record id not a number": b'{"notes": {"first": {}}}',
    "note missing its body": GOOD.replace(b'"body":"mine",', b""),
}


@pytest.mark.parametrize("content", DAMAGED.values(), ids=DAMAGED.keys())
def test_a_damaged_db_is_moved_aside_and_a_fresh_one_started(
    tmp_path: Path, content: bytes
) -> None:
    db = tmp_path / "library.json"
    db.write_bytes(content)

    store = Store.open(db)

    (aside,) = tmp_path.glob("library.json.damaged-*")
    assert aside.read_bytes() == content
    assert store.open_warning is not None
    assert "\n" not in store.open_warning
    assert str(db) in store.open_warning and str(aside) in store.open_warning
    store.add_note(snap("p2"), "a fresh start")
    assert [n.body for n in Store.open(db).notes()] == ["a fresh start"]
    assert aside.read_bytes() == content


def test_an_unreadable_db_is_moved_aside(tmp_path: Path) -> None:
    db = tmp_path / "library.json"
    db.mkdir()  # unreadable as a file, even for root
    (db / "inside").write_text("kept")
    store = Store.open(db)
    (aside,) = tmp_path.glob("library.json.damaged-*")
    assert (aside / "inside").read_text() == "kept"
    assert store.open_warning is not None and "unreadable" in store.open_warning


def test_a_second_damaged_file_does_not_replace_the_first(tmp_path: Path) -> None:
    db = tmp_path / "library.json"
    db.write_bytes(b"first {")
    Store.open(db).add_note(snap("p"), "x")
    db.write_bytes(b"second {")
    Store.open(db)
    kept = sorted(path.read_bytes() for path in tmp_path.glob("library.json.damaged-*"))
    assert kept == [b"first {", b"second {"]


def test_a_good_db_opens_without_warning_and_an_empty_file_is_a_new_library(
    tmp_path: Path,
) -> None:
    db = tmp_path / "library.json"
    db.write_bytes(GOOD)
    assert Store.open(db).open_warning is None
    assert [n.body for n in Store.open(db).notes()] == ["mine"]
    db.write_bytes(b"")
    store = Store.open(db)
    assert store.open_warning is None and store.notes() == []
    assert list(tmp_path.glob("*.damaged-*")) == []


def test_a_db_from_a_newer_tgreader_is_refused_not_rewritten(tmp_path: Path) -> None:
    db = tmp_path / "library.json"
    content = b'{"meta":{"1":{"schema":99}},"whatever":{}}'
    db.write_bytes(content)
    with pytest.raises(StorageError, match="newer tgreader"):
        Store.open(db)
    assert db.read_bytes() == content


def test_orphan_temp_files_are_removed_at_open_and_nothing_else(tmp_path: Path) -> None:
    db = tmp_path / "library.json"
    Store.open(db).add_note(snap("p"), "kept")
    orphan = tmp_path / f"{temp_prefix(db)}4242-deadbeef"
    orphan.write_bytes(b'{"half": ')
    neighbour = tmp_path / "notes-backup.json"
    neighbour.write_text("{}")
    Store.open(db)
    assert not orphan.exists()
    assert neighbour.exists()


# --- 4. full disk, read-only folder: a clear error, nothing half-applied ----------------------


@pytest.fixture
def filled(tmp_path: Path) -> Iterator[tuple[Store, Path]]:
    db = tmp_path / "library.json"
    store = Store.open(db)
    store.add_note(snap("p1"), "already saved")
    store.toggle_bookmark(snap("p1"))
    yield store, db


def _fail(code: int) -> OSError:
    return OSError(code, os.strerror(code))


@pytest.mark.parametrize("call", ["write", "fsync"])
def test_a_full_disk_raises_one_line_and_changes_nothing(
    filled: tuple[Store, Path], monkeypatch: pytest.MonkeyPatch, call: str
) -> None:
    store, db = filled
    before = db.read_bytes()

    def no_space(*args: object) -> int:
        raise _fail(errno.ENOSPC)

    monkeypatch.setattr(os, call, no_space)
    with pytest.raises(StorageError) as caught:
        store.add_note(snap("p2"), "the words the user typed")
    assert str(caught.value) == f"cannot save note to {db}: no space left on device"
    with pytest.raises(StorageError):
        store.toggle_bookmark(snap("p1"))
    with pytest.raises(StorageError):
        store.update_note(store.notes()[0].id, "edited")
    monkeypatch.undo()

    assert [n.body for n in store.notes()] == ["already saved"]
    assert store.is_bookmarked("p1")
    assert db.read_bytes() == before
    assert temp_files(db) == []
    store.add_note(snap("p2"), "the words the user typed")  # retry once there is room
    assert len(Store.open(db).notes()) == 2


def test_a_failed_flush_keeps_reading_state_for_the_next_flush(
    filled: tuple[Store, Path], monkeypatch: pytest.MonkeyPatch
) -> None:
    store, db = filled
    store.mark_read("a", "p1")
    store.set_ui_state("a", last_post="p1")

    def no_space(*args: object) -> None:
        raise _fail(errno.ENOSPC)

    monkeypatch.setattr(os, "fsync", no_space)
    with pytest.raises(StorageError, match="cannot save reading state to .*no space left"):
        store.flush()
    store.mark_read("a", "p2")
    assert store.read_ids("a") == {"p1", "p2"}
    monkeypatch.undo()

    store.flush()
    reopened = Store.open(db)
    assert reopened.read_ids("a") == {"p1", "p2"}
    assert reopened.ui_state("a") == {"last_post": "p1"}


def test_a_read_only_folder_raises_one_line_and_changes_nothing(
    filled: tuple[Store, Path], monkeypatch: pytest.MonkeyPatch
) -> None:
    store, db = filled
    real_open = os.open

    def read_only(path: str | os.PathLike[str], flags: int, *args: int, **kw: int) -> int:
        if flags & (os.O_WRONLY | os.O_RDWR) and not os.fspath(path).endswith(".lock"):
            raise _fail(errno.EROFS)  # the lock file was opened before: every other write
        return real_open(path, flags, *args, **kw)

    monkeypatch.setattr(os, "open", read_only)
    with pytest.raises(StorageError) as caught:
        store.add_note(snap("p2"), "text")
    assert str(caught.value) == f"cannot save note to {db}: read-only file system"
    assert [n.body for n in store.notes()] == ["already saved"]


@pytest.mark.skipif(
    os.name == "nt" or os.geteuid() == 0, reason="root (and Windows) write through folder modes"
)
def test_a_real_read_only_folder_still_opens_for_reading(tmp_path: Path) -> None:
    folder = tmp_path / "ro"
    folder.mkdir()
    db = folder / "library.json"
    db.write_bytes(GOOD)
    folder.chmod(0o555)
    try:
        store = Store.open(db)
        assert [n.body for n in store.notes()] == ["mine"]
        with pytest.raises(StorageError, match=f"cannot save note to {db}: permission denied"):
            store.add_note(snap("p2"), "text")
    finally:
        folder.chmod(0o755)
