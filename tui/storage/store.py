"""The user's library: bookmarks, notes, reading state and UI state, in one TinyDB file.

Three promises shape this module:

* Never lose a word. Every write is atomic (see `atomic.py`); a file that is not what we wrote
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
from collections.abc import Callable, Iterable, Iterator, Mapping
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
    Signature,
    Tables,
    clean_orphans,
    signature,
)
from tui.storage.errors import (
    DamagedDatabaseError,
    NoteNotFoundError,
    StorageError,
    describe_os_error,
)
from tui.storage.portable import fsync_dir

T = TypeVar("T")
UiKey = str | None


def now_iso() -> str:
    """Local time with its offset, to the second: what a reader wants to see in an export."""
    return datetime.now().astimezone().isoformat(timespec="seconds")


class _FreshIdTable(Table):
    """A TinyDB table that works out the next doc id from the file every time.

    The stock table remembers its next id in memory, so after another process inserted a
    document it would hand out that document's id again and overwrite it on insert.
    """

    def _get_next_id(self) -> int:
        return max((int(doc_id) for doc_id in self._read_table()), default=0) + 1


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

    def with_note(self, note: Note) -> _View:
        """Added or replaced (an update keeps the note's place in creation order)."""
        notes = dict(self.notes)
        notes[note.id] = note
        return self._reindexed(notes, {note.post_id})

    def without_note(self, note_id: str) -> _View:
        if note_id not in self.notes:
            return self
        notes = dict(self.notes)
        gone = notes.pop(note_id)
        return self._reindexed(notes, {gone.post_id})

    def _reindexed(self, notes: dict[str, Note], post_ids: set[str]) -> _View:
        by_post = dict(self.notes_by_post)
        for post_id in post_ids:
            kept = tuple(note for note in notes.values() if note.post_id == post_id)
            if kept:
                by_post[post_id] = kept
            else:
                by_post.pop(post_id, None)
        return replace(self, notes=notes, notes_by_post=by_post)

    def with_bookmark(self, post_id: str, bookmark: Bookmark | None) -> _View:
        bookmarks = dict(self.bookmarks)
        bookmarks.pop(post_id, None)
        if bookmark is not None:
            bookmarks[post_id] = bookmark
        return replace(self, bookmarks=bookmarks)

    def with_state(
        self, read: Mapping[str, frozenset[str]], ui: Mapping[UiKey, Mapping[str, Any]]
    ) -> _View:
        return replace(self, read={**self.read, **read}, ui={**self.ui, **ui})


def build_view(tables: Tables, strict: bool) -> _View:
    """The view of a file's contents. Strict (at open) raises on any record we did not write;
    lenient (a file another process just wrote) skips it, leaving it untouched in the file."""

    def parsed(name: str, parse: Callable[[Mapping[str, Any]], T]) -> Iterator[T]:
        for doc in records.ordered_docs(tables, name):
            try:
                yield parse(doc)
            except DamagedDatabaseError:
                if strict:
                    raise

    bookmarks = {
        bookmark.post_id: bookmark
        for bookmark in parsed(records.BOOKMARKS, records.bookmark_from_doc)
    }
    notes = {note.id: note for note in parsed(records.NOTES, records.note_from_doc)}
    by_post: dict[str, list[Note]] = {}
    for note in notes.values():
        by_post.setdefault(note.post_id, []).append(note)
    read: dict[str, frozenset[str]] = {}
    for archive, ids in parsed(records.READING, records.reading_from_doc):
        read[archive] = read.get(archive, frozenset()) | ids
    ui: dict[UiKey, dict[str, Any]] = {}
    ignored: list[str] = []
    for archive_key, values in parsed(records.UI_STATE, records.ui_from_doc):
        kept, dropped = records.checked_ui(values)
        ui.setdefault(archive_key, {}).update(kept)
        ignored += [name if archive_key is not None else f"{name} (global)" for name in dropped]
    return _View(
        bookmarks=bookmarks,
        notes=notes,
        notes_by_post={post_id: tuple(found) for post_id, found in by_post.items()},
        read=read,
        ui=ui,
        ignored_ui=tuple(dict.fromkeys(ignored)),
    )


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
    and note changes are written before the method returns (one atomic file write each) and
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
        self._view_signature: Signature | None = None
        self._pending_read: dict[str, set[str]] = {}
        self._pending_ui: dict[UiKey, dict[str, Any]] = {}
        self._inflight_read: dict[str, set[str]] = {}  # taken by a flush, not yet on disk
        self._inflight_ui: dict[UiKey, dict[str, Any]] = {}
        self._ids_parsed: dict[str, tuple[str, frozenset[str]]] = {}  # see _parsed_ids

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
                pass  # read-only folder: no lock file, but reading is safe without one
            else:
                clean_orphans(path)
            store._load_or_move_aside()
        return store

    def _load_or_move_aside(self) -> None:
        try:
            tables = self._storage.read() or {}
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
            self._set_view(view, self._storage.last_signature)
            if view.ignored_ui:
                self.open_warning = (
                    f"the notes file {self.path} holds saved view settings of the wrong type "
                    f"({', '.join(view.ignored_ui)}); they were ignored"
                )
            return
        try:
            aside = _damaged_name(self.path)
            os.rename(self.path, aside)
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
        self._set_view(_View(), None)

    # --- the view, and keeping it current ---------------------------------------------------

    def _set_view(self, view: _View, file_signature: Signature | None) -> None:
        # Called only with _write_lock held, and the in-flight buffers are only non-empty
        # while flush() holds that lock, so clearing them here is the flush's commit point.
        with self._state_lock:
            self._view = view
            self._view_signature = file_signature
            self._inflight_read = {}
            self._inflight_ui = {}

    def _current(self) -> _View:
        """The view, refreshed first if another process replaced the file (one `stat`). If a
        write is in progress here, answer from the view we have rather than wait for it."""
        view = self._view
        try:
            on_disk: Signature | None = signature(os.stat(self.path))
        except OSError:
            return view
        if on_disk == self._view_signature or not self._write_lock.acquire(blocking=False):
            return view
        try:
            if on_disk != self._view_signature:
                try:
                    fresh = build_view(self._storage.read() or {}, strict=False)
                except (OSError, DamagedDatabaseError):
                    # Keep what we have; the next save reports the problem. Remember this
                    # version so a damaged file isn't re-parsed on every call.
                    with self._state_lock:
                        self._view_signature = on_disk
                else:
                    self._set_view(fresh, self._storage.last_signature)
            return self._view
        finally:
            self._write_lock.release()

    # --- transactions -----------------------------------------------------------------------

    def _table(self, name: str) -> Table:
        # No query cache: another process may change the file between two queries.
        return self._db.table(name, cache_size=0)

    def _commit(
        self, what: str, change: Callable[[], T], apply: Callable[[_View, T], _View] | None
    ) -> T:
        """Run `change` (TinyDB calls) on a fresh read of the file, under both locks, and write
        the result once. Then update the view: with `apply` when the file was the version our
        view came from, else by rebuilding it, so changes by other processes show up too.
        On failure nothing is written and the view is untouched."""
        with self._write_lock:
            try:
                # The transaction locks the file and starts from its current contents.
                with self._storage.transaction():
                    seen_version = self._storage.last_signature
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
                    final = self._storage.current()
            except OSError as error:
                raise StorageError.cannot_save(what, self.path, error) from error
            except DamagedDatabaseError as error:
                raise StorageError(
                    f"cannot save {what} to {self.path}: the file was damaged by another "
                    f"program ({error}); restart tgreader to set it aside",
                    self.path,
                ) from error
            if apply is None or seen_version != self._view_signature:
                view = build_view(final, strict=False)
            else:
                view = apply(self._view, result)
            self._set_view(view, self._storage.last_signature)
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
            if table.remove(Query().post_id == post_id):
                return None
            created = now_iso()
            table.insert(records.bookmark_to_doc(snapshot, created))
            return Bookmark(post_id=post_id, created=created, snapshot=snapshot)

        bookmark = self._commit(
            "bookmark", change, lambda view, made: view.with_bookmark(post_id, made)
        )
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
            taken = {
                doc.get("id") for doc in self._storage.current().get(records.NOTES, {}).values()
            }
            note_id = secrets.token_hex(6)
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

        return self._commit("note", change, lambda view, note: view.with_note(note))

    def update_note(self, note_id: str, body: str) -> Note:
        """Replace a note's body. Raises `NoteNotFoundError` (a StorageError) if it is gone."""

        def change() -> Note:
            table = self._table(records.NOTES)
            found = table.search(Query().id == note_id)
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

        return self._commit("note", change, lambda view, note: view.with_note(note))

    def delete_note(self, note_id: str) -> None:
        """Remove a note; deleting one that is already gone is not an error."""
        self._commit(
            "note",
            lambda: self._table(records.NOTES).remove(Query().id == note_id),
            lambda view, _removed: view.without_note(note_id),
        )

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

        def change() -> None:
            for post_id, snapshot in changed.items():
                doc = {"snapshot": records.snapshot_to_doc(snapshot)}
                self._table(records.BOOKMARKS).update(doc, Query().post_id == post_id)
                self._table(records.NOTES).update(doc, Query().post_id == post_id)

        self._commit("bookmarks and notes", change, None)

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

        return self._commit("bookmarks and notes", change, None)

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
        """Whether `flush()` has anything to write (lets a timer skip waking a thread)."""
        with self._state_lock:
            return bool(self._pending_read or self._pending_ui)

    def flush(self) -> None:
        """Write buffered reading and UI state; one file write, nothing if nothing is pending.

        Safe from a worker thread, and it does not hold up readers. If it fails the marks stay
        buffered (the next flush retries) and `StorageError` says why.
        """
        with self._write_lock:
            with self._state_lock:
                if not self._pending_read and not self._pending_ui:
                    return
                read_batch, self._pending_read = self._pending_read, {}
                ui_batch, self._pending_ui = self._pending_ui, {}
                self._inflight_read, self._inflight_ui = read_batch, ui_batch
            try:
                self._commit(
                    "reading state",
                    lambda: self._merge_state(read_batch, ui_batch),
                    lambda view, merged: view.with_state(*merged),
                )
            except BaseException:
                with self._state_lock:
                    for key, ids in read_batch.items():
                        self._pending_read.setdefault(key, set()).update(ids)
                    for ui_key, values in ui_batch.items():
                        self._pending_ui[ui_key] = {**values, **self._pending_ui.get(ui_key, {})}
                    self._inflight_read, self._inflight_ui = {}, {}
                raise

    def _merge_state(
        self, read_batch: Mapping[str, set[str]], ui_batch: Mapping[UiKey, dict[str, Any]]
    ) -> tuple[dict[str, frozenset[str]], dict[UiKey, dict[str, Any]]]:
        """Union our marks with what the file holds (another window may have marked others);
        ONE record per archive, new ids appended to the joined string in sorted batches."""
        reading = self._table(records.READING)
        merged_read: dict[str, frozenset[str]] = {}
        for key, ids in read_batch.items():
            found = reading.search(Query().archive == key)
            if len(found) == 1 and isinstance(found[0].get("ids"), str):
                joined: str = found[0]["ids"]
                on_file = self._parsed_ids(key, joined)
            else:  # none yet, or not in our format: rewrite as one record
                joined, on_file = "", frozenset()
                for doc in found:
                    try:
                        on_file |= records.reading_ids(doc)
                    except DamagedDatabaseError:
                        pass  # read marks, not the user's words: ours replace unreadable ones
                joined = " ".join(sorted(on_file))
            new = sorted(ids - on_file)
            merged_read[key] = on_file.union(new) if new else on_file
            if new or len(found) != 1 or found[0].get("ids") != joined:
                joined = " ".join(filter(None, [joined, *new]))  # append: no re-sort
                reading.remove(doc_ids=[doc.doc_id for doc in found])
                reading.insert(records.reading_doc(key, joined))
                self._parsed_ids(key, joined, merged_read[key])
        ui_table = self._table(records.UI_STATE)
        merged_ui: dict[UiKey, dict[str, Any]] = {}
        for ui_key, values in ui_batch.items():
            found = ui_table.search(Query().archive == ui_key)
            merged: dict[str, Any] = {}
            for doc in found:
                if isinstance(doc.get("values"), dict):
                    merged.update(records.checked_ui(doc["values"])[0])  # drop bad ones
            merged.update(values)
            merged_ui[ui_key] = merged
            if found:
                ui_table.remove(doc_ids=[doc.doc_id for doc in found])
            ui_table.insert({"archive": ui_key, "values": merged})
        return merged_read, merged_ui

    def _parsed_ids(
        self, archive_key: str, joined: str, parsed: frozenset[str] | None = None
    ) -> frozenset[str]:
        """The set of a joined id string, split once: while the string on file is the very
        object we last wrote or split, its set is known, so a flush of one new id doesn't
        split and hash 100,000 others."""
        if parsed is None:
            known = self._ids_parsed.get(archive_key)
            if known is not None and known[0] is joined:
                return known[1]
            parsed = frozenset(joined.split())
        self._ids_parsed[archive_key] = (joined, parsed)
        return parsed

    # --- closing ----------------------------------------------------------------------------

    def close(self) -> None:
        """Flush buffered state and release the lock file. Raises StorageError if the flush
        fails, so the app can tell the user before quitting."""
        with self._write_lock:
            try:
                self.flush()
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
