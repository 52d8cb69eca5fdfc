"""The user's library: bookmarks, notes, reading state and UI state, in one TinyDB file.

Three promises shape this module:

* Never lose a word. Every write is atomic: one journal line, or the whole file replaced (see
  `atomic.py` and `journal.py`); a file that is not what we wrote
  is moved aside, never overwritten; a failed save raises `StorageError` before anything in
  memory changes, so the caller still holds the text it tried to save.
* Two tgreader windows on one file don't undo each other: every change takes the file lock,
  re-reads the file inside it, applies the change to what it read and writes it back.
* Never stall the screen. Reads come from an immutable in-memory view and never wait for a
  write in progress; reading state and UI state are buffered and written by `flush()`, which
  is safe to call from a worker thread.
"""

from __future__ import annotations

import copy
import errno
import json
import os
import secrets
import threading
from collections.abc import Callable, Iterable, Iterator, Mapping, MutableMapping
from contextlib import ExitStack
from dataclasses import dataclass, field, replace
from datetime import datetime
from pathlib import Path
from types import TracebackType
from typing import Any, TypeVar

from tinydb import Query, TinyDB
from tinydb.table import Table

from tui.model import Bookmark, Note, PostSnapshot, Quote
from tui.storage import records
from tui.storage.atomic import (
    AtomicJSONStorage,
    InterProcessLock,
    Tables,
    clean_orphans,
)
from tui.storage.errors import (
    DamagedDatabaseError,
    NoteNotFoundError,
    StorageError,
    describe_os_error,
)
from tui.storage.journal import Change
from tui.storage.portable import fsync_dir

T = TypeVar("T")
UiKey = str | None

#: An archive's read marks are joined into one record when they are in this many.
READING_PIECES = 16


def now_iso() -> str:
    """Local time with its offset, to the second: what a reader wants to see in an export."""
    return datetime.now().astimezone().isoformat(timespec="seconds")


class _TrackedDocs(MutableMapping[int, Any]):
    """A table's documents as TinyDB's updaters see them (int ids), over the stored dict
    (str ids), remembering each touched document's value before, so the storage can journal
    just the documents that changed instead of rewriting the file."""

    def __init__(self, raw: dict[str, Any]) -> None:
        self.raw = raw
        self.before: dict[str, dict[str, Any] | None] = {}

    def _remember(self, key: str) -> None:
        if key not in self.before:
            old = self.raw.get(key)
            self.before[key] = dict(old) if old is not None else None  # updates are in place

    def __getitem__(self, doc_id: int) -> Any:
        key = str(doc_id)
        doc = self.raw[key]
        self._remember(key)
        return doc

    def __setitem__(self, doc_id: int, doc: Any) -> None:
        key = str(doc_id)
        self._remember(key)
        self.raw[key] = doc

    def __delitem__(self, doc_id: int) -> None:
        key = str(doc_id)
        self._remember(key)
        del self.raw[key]

    def __contains__(self, doc_id: object) -> bool:
        return str(doc_id) in self.raw

    def __iter__(self) -> Iterator[int]:
        return iter([int(key) for key in self.raw])

    def __len__(self) -> int:
        return len(self.raw)

    def changes(self, table: str) -> list[Change]:
        found: list[Change] = []
        for key, before in self.before.items():
            after = self.raw.get(key)
            if before != after:
                found.append((table, key, before, after))
        return found


class _FreshIdTable(Table):
    """A TinyDB table that works out the next doc id from the file every time, and tells the
    storage which documents each change touched.

    The stock table remembers its next id in memory, so after another process inserted a
    document it would hand out that document's id again and overwrite it on insert. Its
    updates also convert every document id of the table twice, for each change.
    """

    def _get_next_id(self) -> int:
        storage = self._storage
        if isinstance(storage, AtomicJSONStorage):
            return storage.next_doc_id(self.name)
        return max((int(doc_id) for doc_id in self._read_table()), default=0) + 1

    def _update_table(self, updater: Callable[[dict[int, Mapping[Any, Any]]], None]) -> None:
        storage = self._storage
        tables = storage.read() or {}
        raw = tables.get(self.name)
        if raw is None:
            raw = {}
        docs = _TrackedDocs(raw)
        updater(docs)  # type: ignore[arg-type]  # a MutableMapping does what TinyDB needs
        tables[self.name] = raw
        if isinstance(storage, AtomicJSONStorage):
            storage.note_changes(docs.changes(self.name))
        storage.write(tables)
        self.clear_cache()


class _LibraryDB(TinyDB):
    table_class = _FreshIdTable


@dataclass(frozen=True)
class _View:
    """What the file held after the last read or write, as the shared records. Never mutated:
    a change builds a new view and swaps the reference, so readers need no lock."""

    bookmarks: Mapping[str, Bookmark] = field(default_factory=dict)  # post id -> oldest first
    notes: Mapping[str, Note] = field(default_factory=dict)  # note id -> creation order
    notes_by_post: Mapping[str, tuple[Note, ...]] = field(default_factory=dict)
    read: Mapping[str, frozenset[str]] = field(default_factory=dict)
    ui: Mapping[UiKey, Mapping[str, Any]] = field(default_factory=dict)
    #: UI state values dropped for a wrong type, as `period` (global: `theme (global)`).
    ignored_ui: tuple[str, ...] = ()


    def with_changes(self, changes: Iterable[Change], tables: Tables) -> _View:
        """The view after these document changes (from the journal or a transaction), without
        parsing the untouched documents again: what makes a save in a big library cheap."""
        notes: dict[str, Note] | None = None
        by_post: dict[str, tuple[Note, ...]] | None = None
        bookmarks: dict[str, Bookmark] | None = None
        read: dict[str, frozenset[str]] | None = None
        stale: set[str] = set()  # archives whose read marks must be gathered again
        state_changed = False
        for table, _doc_id, before, after in changes:
            if table == records.NOTES:
                if notes is None or by_post is None:
                    notes, by_post = dict(self.notes), dict(self.notes_by_post)
                old = _lenient(records.note_from_doc, before)
                new = _lenient(records.note_from_doc, after)
                if old is not None and (new is None or new.id != old.id):
                    _drop_note(notes, by_post, old)
                if new is not None:
                    _put_note(notes, by_post, new)
            elif table == records.BOOKMARKS:
                bookmarks = dict(self.bookmarks) if bookmarks is None else bookmarks
                old_mark = _lenient(records.bookmark_from_doc, before)
                new_mark = _lenient(records.bookmark_from_doc, after)
                if old_mark is not None:
                    bookmarks.pop(old_mark.post_id, None)
                if new_mark is not None:
                    bookmarks.pop(new_mark.post_id, None)
                    bookmarks[new_mark.post_id] = new_mark
            elif table == records.READING:
                read = dict(self.read) if read is None else read
                added = _lenient(records.reading_from_doc, after)
                if before is not None:  # records joined or removed: re-read that archive
                    archive = before.get("archive")
                    if isinstance(archive, str):
                        stale.add(archive)
                elif added is not None:
                    read[added[0]] = read.get(added[0], frozenset()) | added[1]
            elif table == records.UI_STATE:
                state_changed = True
        view = self
        if bookmarks is not None:
            view = replace(view, bookmarks=bookmarks)
        if notes is not None and by_post is not None:
            view = replace(view, notes=notes, notes_by_post=by_post)
        if read is not None:
            if stale:
                read.update(_read_of(tables, stale))
            view = replace(view, read=read)
        if state_changed:
            ui, ignored = _ui_of(tables, strict=False)
            view = replace(view, ui=ui, ignored_ui=ignored)
        return view


def _drop_note(
    notes: dict[str, Note], by_post: dict[str, tuple[Note, ...]], note: Note
) -> None:
    gone = notes.pop(note.id, None)
    if gone is None:
        return
    kept = tuple(n for n in by_post.get(gone.post_id, ()) if n.id != gone.id)
    if kept:
        by_post[gone.post_id] = kept
    else:
        by_post.pop(gone.post_id, None)


def _put_note(notes: dict[str, Note], by_post: dict[str, tuple[Note, ...]], note: Note) -> None:
    """Added at the end (creation order), or replaced where it was (an update)."""
    old = notes.get(note.id)
    if old is not None and old.post_id != note.post_id:
        _drop_note(notes, by_post, old)
        old = None
    notes[note.id] = note
    siblings = by_post.get(note.post_id, ())
    if old is None:
        by_post[note.post_id] = (*siblings, note)
    else:
        by_post[note.post_id] = tuple(note if n.id == note.id else n for n in siblings)


def _lenient(parse: Callable[[Mapping[str, Any]], T], doc: Mapping[str, Any] | None) -> T | None:
    """A record another process wrote, or None if absent or not ours (left as it is)."""
    if doc is None:
        return None
    try:
        return parse(doc)
    except DamagedDatabaseError:
        return None


def build_view(tables: Tables, strict: bool) -> _View:
    """The view of a file's contents. Strict (at open) raises on any record we did not write;
    lenient (a file another process just wrote) skips it, leaving it untouched in the file."""
    bookmarks = {
        bookmark.post_id: bookmark
        for bookmark in _parsed(tables, records.BOOKMARKS, records.bookmark_from_doc, strict)
    }
    notes = {
        note.id: note for note in _parsed(tables, records.NOTES, records.note_from_doc, strict)
    }
    by_post: dict[str, list[Note]] = {}
    for note in notes.values():
        by_post.setdefault(note.post_id, []).append(note)
    read = _read_of(tables, strict=strict)
    ui, ignored = _ui_of(tables, strict)
    return _View(
        bookmarks=bookmarks,
        notes=notes,
        notes_by_post={post_id: tuple(found) for post_id, found in by_post.items()},
        read=read,
        ui=ui,
        ignored_ui=ignored,
    )


def _parsed(
    tables: Tables, name: str, parse: Callable[[Mapping[str, Any]], T], strict: bool
) -> Iterator[T]:
    for doc in records.ordered_docs(tables, name):
        try:
            yield parse(doc)
        except DamagedDatabaseError:
            if strict:
                raise


def _read_of(
    tables: Tables, archives: set[str] | None = None, strict: bool = False
) -> dict[str, frozenset[str]]:
    """Reading state: the union of each archive's records (of `archives`, or all)."""
    read: dict[str, frozenset[str]] = {archive: frozenset() for archive in archives or ()}
    for archive, ids in _parsed(tables, records.READING, records.reading_from_doc, strict):
        if archives is None or archive in archives:
            read[archive] = read.get(archive, frozenset()) | ids
    return read


def _ui_of(tables: Tables, strict: bool) -> tuple[dict[UiKey, dict[str, Any]], tuple[str, ...]]:
    """UI state, with the values of a wrong type dropped, and named."""
    ui: dict[UiKey, dict[str, Any]] = {}
    ignored: list[str] = []
    for archive_key, values in _parsed(tables, records.UI_STATE, records.ui_from_doc, strict):
        kept, dropped = records.checked_ui(values)
        ui.setdefault(archive_key, {}).update(kept)
        ignored += [name if archive_key is not None else f"{name} (global)" for name in dropped]
    return ui, tuple(dict.fromkeys(ignored))


def _damaged_name(path: Path) -> Path:
    """`library.json.damaged-20261127T203000`, with a counter if that name is taken: moving a
    damaged file aside must never overwrite an earlier damaged file either."""
    stamp = datetime.now().strftime("%Y%m%dT%H%M%S")
    target = path.with_name(f"{path.name}.damaged-{stamp}")
    counter = 1
    while target.exists() or target.is_symlink():
        counter += 1
        target = path.with_name(f"{path.name}.damaged-{stamp}-{counter}")
    return target


class Store:
    """Bookmarks, notes, reading state and UI state of one user, kept in one TinyDB file.

    Open it with `Store.open(paths.db_path())`. All public methods are thread-safe. Reads
    (`is_bookmarked`, `notes`, `read_ids`, ...) never block on a write in progress. Bookmark
    and note changes are written before the method returns (one journal line each) and
    raise `StorageError` without changing anything if that fails. Reading state and UI state
    change in memory at once and reach the file on `flush()` / `close()`.
    """

    def __init__(self, path: Path) -> None:
        """Use `Store.open`, which also cleans up and checks the file."""
        self.path = path
        self.open_warning: str | None = None
        self._lock = InterProcessLock(path)
        self._storage = AtomicJSONStorage(path, self._lock)
        self._db = _LibraryDB(storage=lambda: self._storage)
        self._write_lock = threading.RLock()  # one transaction at a time in this process
        self._state_lock = threading.Lock()  # guards the view swap and the buffers below
        self._view = _View()
        self._view_version: object = None  # the storage's file version the view shows
        self._pending_read: dict[str, set[str]] = {}
        self._pending_ui: dict[UiKey, dict[str, Any]] = {}
        self._inflight_read: dict[str, set[str]] = {}  # taken by a flush, not yet on disk
        self._inflight_ui: dict[UiKey, dict[str, Any]] = {}

    @property
    def lock(self) -> InterProcessLock:
        """The lock that keeps other processes out while this store writes (its backend and
        timeout can be changed; its generation counts the writes of every process)."""
        return self._lock

    # --- opening -------------------------------------------------------------------------

    @classmethod
    def open(cls, path: Path) -> Store:
        """Open (or start) the library at `path`, creating its folder if needed.

        Temporary files left by a killed writer are removed. A file that cannot be read or
        is not a tgreader library is moved aside to `<name>.damaged-<time>`, `open_warning`
        says where, and an empty library is started. In a read-only folder a good file still
        opens for reading; saving then raises `StorageError`.
        """
        path = Path(path).expanduser().absolute()
        try:
            if path.is_symlink():
                # Replacing the link with a file would leave the real file behind, silently
                # no longer receiving notes: save to what it points at instead.
                path = path.resolve()
        except (OSError, RuntimeError) as error:  # a symlink loop
            reason = describe_os_error(error) if isinstance(error, OSError) else str(error)
            raise StorageError(f"cannot open notes at {path}: {reason.lower()}", path) from None
        try:
            path.parent.mkdir(parents=True, exist_ok=True)
        except OSError as error:
            raise StorageError(
                f"cannot open notes at {path}: {describe_os_error(error)}", path
            ) from error
        store = cls(path)
        with store._write_lock, ExitStack() as stack:
            try:
                stack.enter_context(store._lock.held())
            except OSError:
                locked = False  # read-only folder: no lock file, but reading is safe
            else:
                locked = True
                clean_orphans(path)
            store._load_or_move_aside(locked)
        return store

    def _load_or_move_aside(self, locked: bool) -> None:
        try:
            tables = self._storage.load(locked)
            view = build_view(tables, strict=True)
        except DamagedDatabaseError as error:
            reason = str(error)
        except OSError as error:
            reason = f"unreadable: {describe_os_error(error)}"
        else:
            schema = records.schema_of(tables)
            if schema > records.SCHEMA:
                raise StorageError(
                    f"cannot open notes at {self.path}: it was written by a newer tgreader "
                    f"(format {schema}); update tgreader to use it",
                    self.path,
                )
            self._set_view(view)
            if view.ignored_ui:
                self.open_warning = (
                    f"the notes file {self.path} holds saved view settings of the wrong type "
                    f"({', '.join(view.ignored_ui)}); they were ignored"
                )
            return
        try:
            aside = _damaged_name(self.path)
            if os.path.lexists(self.path):
                os.rename(self.path, aside)
            if os.path.lexists(self._storage.journal):  # the changes since: kept beside it
                os.rename(self._storage.journal, aside.with_name(aside.name + ".journal"))
            fsync_dir(self.path.parent)
        except OSError as error:
            raise StorageError(
                f"cannot open notes at {self.path}: it is damaged ({reason}) and could not be "
                f"moved aside: {describe_os_error(error)}",
                self.path,
            ) from error
        self.open_warning = (
            f"the notes file {self.path} was damaged ({reason}); it was kept as {aside} "
            "and a new, empty one was started"
        )
        self._storage.load(locked)  # nothing left: an empty library
        self._set_view(_View())

    # --- the view, and keeping it current ---------------------------------------------------

    def _set_view(self, view: _View) -> None:
        # Called only with _write_lock held, and the in-flight buffers are only non-empty
        # while flush() holds that lock, so clearing them here is the flush's commit point.
        with self._state_lock:
            self._view = view
            self._view_version = self._storage.kept_version()
            self._inflight_read = {}
            self._inflight_ui = {}

    def _follow(self, fallback: _View | None = None) -> None:
        """Bring the view to the storage's state after a transaction or refresh: by the
        changes it lists when it has them, else by parsing everything."""
        changes = self._storage.changes
        kept = self._storage.kept_version() is not None
        if changes is not None and kept:
            base = fallback if fallback is not None else self._view
            self._set_view(base.with_changes(changes, self._storage.current_or_kept()))
        else:
            self._set_view(build_view(self._storage.current_or_kept(), strict=False))

    def _current(self) -> _View:
        """The view, refreshed first if another process saved since (two `stat`s). If a
        write is in progress here or in another process, answer from the view we have
        rather than wait for it."""
        view = self._view
        try:
            on_disk = self._storage.file_version()
        except OSError:
            return view
        if on_disk == self._view_version or not self._write_lock.acquire(blocking=False):
            return view
        try:
            if on_disk != self._view_version:
                try:
                    looked = self._storage.refresh()
                except (OSError, DamagedDatabaseError):
                    # Keep what we have; the next save reports the problem. Remember this
                    # version so a damaged file isn't re-parsed on every call.
                    with self._state_lock:
                        self._view_version = on_disk
                else:
                    if looked:
                        self._follow()
            return self._view
        finally:
            self._write_lock.release()

    # --- transactions -----------------------------------------------------------------------

    def _doc_ids(self, table: str, name: str, values: set[str]) -> list[int]:
        """Inside a transaction: the doc ids of the table's records whose field `name` is one
        of `values`. A plain scan of the stored dicts: a TinyDB Query over 50,000 notes costs
        more than the save it serves."""
        docs = self._storage.current().get(table, {})
        found = []
        for doc_id, doc in docs.items():
            value = doc.get(name)
            if isinstance(value, str) and value in values:
                found.append(int(doc_id))
        return found

    def _table(self, name: str) -> Table:
        # No query cache: another process may change the file between two queries.
        return self._db.table(name, cache_size=0)

    def _commit(self, what: str, change: Callable[[], T], compact: bool = False) -> T:
        """Run `change` (TinyDB calls) on the state on disk now, under both locks, and save
        the result at once (a journal line, or the whole file with `compact`). Then bring the
        view along, with other processes' changes read on the way. On failure nothing is
        written and the view is untouched."""
        with self._write_lock:
            try:
                # The transaction locks the file and starts from its current contents.
                with self._storage.transaction(compact=compact):
                    schema = records.schema_of(self._storage.current())
                    if schema > records.SCHEMA:
                        raise OSError(
                            errno.EPERM, f"it was written by a newer tgreader (format {schema})"
                        )
                    result = change()
                    if self._storage.dirty and not self._storage.current().get(records.META):
                        self._table(records.META).insert({"schema": records.SCHEMA})
                    elif self._storage.dirty and schema < records.SCHEMA:
                        # What this version writes (post ids of messages) needs it to read.
                        self._table(records.META).truncate()
                        self._table(records.META).insert({"schema": records.SCHEMA})
            except OSError as error:
                raise StorageError.cannot_save(what, self.path, error) from error
            except DamagedDatabaseError as error:
                raise StorageError(
                    f"cannot save {what} to {self.path}: the file was damaged by another "
                    f"program ({error}); restart tgreader to set it aside",
                    self.path,
                ) from error
            self._follow()
            return result

    # --- bookmarks --------------------------------------------------------------------------

    def is_bookmarked(self, post_id: str) -> bool:
        return post_id in self._current().bookmarks

    def bookmarks(self) -> list[Bookmark]:
        """Oldest first. Each carries its post's snapshot, so it lists without the post."""
        return list(self._current().bookmarks.values())

    def bookmarked_ids(self) -> set[str]:
        return set(self._current().bookmarks)

    def toggle_bookmark(self, snapshot: PostSnapshot) -> bool:
        """Bookmark the post, or remove its bookmark; returns whether it is now bookmarked.

        Decided against the file, not the view: if another window just bookmarked it, this
        removes that bookmark, which is what the user pressing the key here sees as toggling.
        """
        post_id = snapshot.post_id

        def change() -> Bookmark | None:
            table = self._table(records.BOOKMARKS)
            if table.remove(doc_ids=self._doc_ids(records.BOOKMARKS, "post_id", {post_id})):
                return None
            created = now_iso()
            table.insert(records.bookmark_to_doc(snapshot, created))
            return Bookmark(post_id=post_id, created=created, snapshot=snapshot)

        bookmark = self._commit("bookmark", change)
        return bookmark is not None

    # --- notes ------------------------------------------------------------------------------

    def notes(self, post_id: str | None = None) -> list[Note]:
        """All notes, or one post's, in creation order."""
        view = self._current()
        if post_id is None:
            return list(view.notes.values())
        return list(view.notes_by_post.get(post_id, ()))

    def note_counts(self) -> dict[str, int]:
        return {post_id: len(found) for post_id, found in self._current().notes_by_post.items()}

    def add_note(self, snapshot: PostSnapshot, body: str, quote: Quote | None = None) -> Note:
        """Save a new note on the post; `quote` is the passage it is about, kept verbatim."""

        def change() -> Note:
            table = self._table(records.NOTES)
            taken = self._view.notes  # 48 random bits: a clash with a note not seen yet
            note_id = secrets.token_hex(6)  # is less likely than a disk error
            while note_id in taken:  # pragma: no cover - 48 random bits
                note_id = secrets.token_hex(6)
            stamp = now_iso()
            note = Note(
                id=note_id,
                post_id=snapshot.post_id,
                body=body,
                created=stamp,
                updated=stamp,
                snapshot=snapshot,
                quote=quote,
            )
            table.insert(records.note_to_doc(note))
            return note

        return self._commit("note", change)

    def update_note(self, note_id: str, body: str) -> Note:
        """Replace a note's body. Raises `NoteNotFoundError` (a StorageError) if it is gone."""

        def change() -> Note:
            table = self._table(records.NOTES)
            found = table.get(doc_ids=self._doc_ids(records.NOTES, "id", {note_id}))
            if not found:
                raise NoteNotFoundError(
                    f"cannot save note to {self.path}: it was deleted (perhaps in another "
                    "tgreader window); copy the text into a new note",
                    self.path,
                )
            note = records.note_from_doc(found[0])
            if note.body == body:
                return note
            note = replace(note, body=body, updated=now_iso())
            table.update({"body": note.body, "updated": note.updated}, doc_ids=[found[0].doc_id])
            return note

        return self._commit("note", change)

    def delete_note(self, note_id: str) -> None:
        """Remove a note; deleting one that is already gone is not an error."""
        def change() -> None:
            self._table(records.NOTES).remove(
                doc_ids=self._doc_ids(records.NOTES, "id", {note_id})
            )

        self._commit("note", change)

    def refresh_snapshots(self, snapshots: Iterable[PostSnapshot]) -> None:
        """Bring stored snapshots up to date with posts as they read now (a title cleaned up,
        a year resolved). Compared in memory first: when nothing changed, nothing is written."""
        view = self._current()
        changed: dict[str, PostSnapshot] = {}
        for snapshot in snapshots:
            post_id = snapshot.post_id
            bookmark = view.bookmarks.get(post_id)
            if (bookmark is not None and bookmark.snapshot != snapshot) or any(
                note.snapshot != snapshot for note in view.notes_by_post.get(post_id, ())
            ):
                changed[post_id] = snapshot
        if not changed:
            return

        def refreshed(doc: MutableMapping[str, Any]) -> None:
            doc["snapshot"] = records.snapshot_to_doc(changed[doc["post_id"]])

        def change() -> None:
            for name in (records.BOOKMARKS, records.NOTES):
                found = self._doc_ids(name, "post_id", set(changed))
                if found:
                    self._table(name).update(refreshed, doc_ids=found)

        self._commit("bookmarks and notes", change)

    def rekey(self, moves: Mapping[str, PostSnapshot]) -> int:
        """Move bookmarks, notes and read marks from old post ids to new ones, in one write:
        `moves` maps an old id to the snapshot of the post it now names (its `post_id` is the
        new id). A bookmark whose post already has one under the new id is dropped, so no
        post is bookmarked twice; notes keep their ids, bodies, quotes and times. Returns how
        many records moved; an empty `moves` writes nothing."""
        view = self._current()
        wanted = {
            old: snapshot for old, snapshot in moves.items()
            if old != snapshot.post_id and (old in view.bookmarks or old in view.notes_by_post
                                             or any(old in ids for ids in view.read.values()))
        }  # fmt: skip
        if not wanted:
            return 0

        def change() -> int:
            moved = 0
            bookmarks = self._table(records.BOOKMARKS)
            notes = self._table(records.NOTES)
            for old, snapshot in wanted.items():
                new = snapshot.post_id
                doc = {"post_id": new, "snapshot": records.snapshot_to_doc(snapshot)}
                if bookmarks.contains(Query().post_id == new):
                    moved += len(bookmarks.remove(Query().post_id == old))
                else:
                    moved += len(bookmarks.update(doc, Query().post_id == old))
                moved += len(notes.update(doc, Query().post_id == old))
            reading = self._table(records.READING)
            for document in reading.all():
                ids = records.reading_ids(document)
                if ids & wanted.keys():
                    renamed = " ".join(sorted(wanted[i].post_id if i in wanted else i
                                              for i in ids))  # fmt: skip
                    reading.update({"ids": renamed}, doc_ids=[document.doc_id])
            return moved

        return self._commit("bookmarks and notes", change)

    # --- reading state and UI state (buffered) ----------------------------------------------

    def read_ids(self, archive_key: str) -> set[str]:
        """Posts of the archive marked read, including marks not flushed yet."""
        self._current()
        with self._state_lock:
            ids = set(self._view.read.get(archive_key, ()))
            ids.update(self._inflight_read.get(archive_key, ()))
            ids.update(self._pending_read.get(archive_key, ()))
        return ids

    def mark_read(self, archive_key: str, post_id: str) -> None:
        """Instant: recorded in memory; `flush()` writes it. Post ids are stored joined by
        spaces, so one with whitespace is refused (tgreader's ids are hex digests)."""
        if not post_id or post_id.split() != [post_id]:
            raise ValueError(f"a post id cannot be empty or contain whitespace: {post_id!r}")
        with self._state_lock:
            if post_id in self._view.read.get(archive_key, ()):
                return
            self._pending_read.setdefault(archive_key, set()).add(post_id)

    def ui_state(self, archive_key: str | None = None) -> dict[str, Any]:
        """A copy of the archive's UI state (or the global one with no key)."""
        self._current()
        with self._state_lock:
            merged = {
                **self._view.ui.get(archive_key, {}),
                **self._inflight_ui.get(archive_key, {}),
                **self._pending_ui.get(archive_key, {}),
            }
        return copy.deepcopy(merged)

    def set_ui_state(self, archive_key: str | None = None, **values: Any) -> None:
        """Merge `values` into the archive's UI state (global with no key). Values must be
        JSON (checked here, so a bad value fails at the call, not at a later flush). Like
        `mark_read` it is buffered: it is often called on every cursor move."""
        try:
            copied = json.loads(json.dumps(values, allow_nan=False))
        except (TypeError, ValueError) as error:
            raise ValueError(f"UI state must be plain JSON values: {error}") from error
        with self._state_lock:
            self._pending_ui.setdefault(archive_key, {}).update(copied)

    def has_pending(self) -> bool:
        """Whether `flush()` has anything to write (lets a timer skip waking a thread): state
        not saved yet, or a journal grown long enough to fold into the file."""
        with self._state_lock:
            if self._pending_read or self._pending_ui:
                return True
        try:
            return self._storage.compaction_due()
        except OSError:
            return False

    def flush(self) -> None:
        """Write buffered reading and UI state; one journal line, nothing if nothing is
        pending. When the journal has grown long, the whole file is written instead (so the
        saves the user waits for stay short, this is best called from a worker thread).

        Safe from a worker thread, and it does not hold up readers. If it fails the marks stay
        buffered (the next flush retries) and `StorageError` says why.
        """
        self._flush(tidy=False)

    def _flush(self, tidy: bool) -> None:
        with self._write_lock:
            with self._state_lock:
                read_batch, self._pending_read = self._pending_read, {}
                ui_batch, self._pending_ui = self._pending_ui, {}
                self._inflight_read, self._inflight_ui = read_batch, ui_batch
            try:
                # At close, leave one self-contained file (what a backup copies).
                compact = self._storage.compaction_due() or (
                    tidy and (self._untidy() or self._storage.has_journal())
                )
                if not read_batch and not ui_batch and not compact:
                    return
                self._commit(
                    "reading state" if read_batch or ui_batch else "notes",
                    lambda: self._merge_state(read_batch, ui_batch, tidy),
                    compact=compact,
                )
            except BaseException:
                with self._state_lock:
                    for key, ids in read_batch.items():
                        self._pending_read.setdefault(key, set()).update(ids)
                    for ui_key, values in ui_batch.items():
                        self._pending_ui[ui_key] = {**values, **self._pending_ui.get(ui_key, {})}
                    self._inflight_read, self._inflight_ui = {}, {}
                raise

    def _untidy(self) -> bool:
        """Whether some archive's read marks are in more than one record."""
        archives = [
            doc.get("archive")
            for doc in self._storage.current_or_kept().get(records.READING, {}).values()
        ]
        return len(archives) != len(set(archives))

    def _merge_state(
        self, read_batch: Mapping[str, set[str]], ui_batch: Mapping[UiKey, dict[str, Any]],
        tidy: bool,
    ) -> None:
        """Add our marks to what the file holds (another window may have marked others).
        New read marks go in a new record of their own (a journal line of a few ids, not of
        100,000); an archive's records are joined into one, sorted, when they reach
        READING_PIECES, and at close (`tidy`)."""
        reading = self._table(records.READING)
        docs = self._storage.current().get(records.READING, {})
        pieces: dict[str, list[str]] = {}
        for doc_id, doc in docs.items():
            archive = doc.get("archive")
            if isinstance(archive, str):
                pieces.setdefault(archive, []).append(doc_id)
        for key in set(read_batch) | (set(pieces) if tidy else set()):
            ids = read_batch.get(key, set())
            mine = pieces.get(key, [])
            if len(mine) + 1 > READING_PIECES or (tidy and len(mine) + bool(ids) > 1):
                on_file: set[str] = set(ids)
                for doc_id in mine:
                    try:
                        on_file |= records.reading_ids(docs[doc_id])
                    except DamagedDatabaseError:
                        pass  # read marks, not the user's words: ours replace unreadable ones
                reading.remove(doc_ids=[int(doc_id) for doc_id in mine])
                reading.insert(records.reading_doc(key, " ".join(sorted(on_file))))
                continue
            new = sorted(ids - self._view.read.get(key, frozenset()))
            if new:
                reading.insert(records.reading_doc(key, " ".join(new)))
        ui_table = self._table(records.UI_STATE)
        for ui_key, values in ui_batch.items():
            found = ui_table.search(Query().archive == ui_key)
            merged: dict[str, Any] = {}
            for doc in found:
                if isinstance(doc.get("values"), dict):
                    merged.update(records.checked_ui(doc["values"])[0])  # drop bad ones
            merged.update(values)
            if found:
                ui_table.remove(doc_ids=[doc.doc_id for doc in found])
            ui_table.insert({"archive": ui_key, "values": merged})

    # --- closing ----------------------------------------------------------------------------

    def close(self) -> None:
        """Flush buffered state and release the lock file. Raises StorageError if the flush
        fails, so the app can tell the user before quitting."""
        with self._write_lock:
            try:
                self._flush(tidy=True)
            finally:
                self._lock.close()

    def __enter__(self) -> Store:
        return self

    def __exit__(
        self,
        kind: type[BaseException] | None,
        error: BaseException | None,
        trace: TracebackType | None,
    ) -> None:
        self.close()
