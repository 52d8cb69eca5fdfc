"""A TinyDB storage that cannot leave a cut file behind, and the lock that serialises writers.

TinyDB's stock JSONStorage truncates the file and rewrites it in place, so a crash or a kill
in the middle leaves half a database (tinydb issues #467 and #144). Here a save is either one
line appended to the journal beside the file (see `journal.py`: what makes a save in a big
library take milliseconds) or, when the journal has grown or at close, the whole state written
to a temporary file in the same folder, flushed and fsynced, and then `os.replace`d over the
database, so a reader or a restarted app sees either the old file or the new one, never a mix.
A killed writer can leave its temporary file behind; `clean_orphans` removes those, under the
lock, when the store next opens.
"""

from __future__ import annotations

import errno
import json
import os
import secrets
import time
from collections.abc import Iterator
from contextlib import contextmanager, nullcontext
from pathlib import Path
from typing import Any

from tinydb import Storage

from tui.storage import journal, portable
from tui.storage.errors import DamagedDatabaseError
from tui.storage.journal import is_doc_id
from tui.storage.portable import fsync_dir

Tables = dict[str, dict[str, Any]]
Signature = tuple[int, int, int, int]

LOCK_TIMEOUT_S = 10.0

_backend: portable.LockBackend | None = None


def lock_backend() -> portable.LockBackend:
    """The platform's lock, chosen once, on first use (so importing needs no `fcntl`)."""
    global _backend
    if _backend is None:
        _backend = portable.pick_lock_backend()
    return _backend


def use_lock_backend(backend: portable.LockBackend | None) -> None:
    """Use `backend` for the locks made from now on (None: choose again on next use). For a
    platform without flock (and for tests that play one)."""
    global _backend
    _backend = backend


def temp_prefix(db: Path) -> str:
    """Hidden, and named after the database so orphans of *this* database can be found."""
    return f".{db.name}.tmp-"


def signature(st: os.stat_result) -> Signature:
    """Identity of one version of the file: `os.replace` gives every version a new inode."""
    return (st.st_dev, st.st_ino, st.st_mtime_ns, st.st_size)


def clean_orphans(db: Path) -> list[Path]:
    """Delete temporary files left by writers that were killed. Call only under the lock, or a
    live writer's file could vanish before its rename."""
    removed: list[Path] = []
    try:
        candidates = list(db.parent.glob(temp_prefix(db) + "*"))
    except OSError:
        return removed
    for orphan in candidates:
        try:
            orphan.unlink()
            removed.append(orphan)
        except OSError:
            pass
    return removed


def check_shape(data: object) -> Tables:
    """TinyDB's layout: {table name: {numeric doc id: {field: value}}}. Anything else is not
    a file tgreader wrote, and must be kept, not "repaired" by overwriting."""
    if not isinstance(data, dict):
        raise DamagedDatabaseError(f"unexpected structure: a JSON {type(data).__name__}")
    for name, table in data.items():
        if not isinstance(table, dict):
            raise DamagedDatabaseError(f"unexpected structure: table {name!r} is not an object")
        for doc_id, doc in table.items():
            if not is_doc_id(doc_id) or not isinstance(doc, dict):
                shown = doc_id if len(doc_id) <= 40 else f"{doc_id[:20]}… ({len(doc_id):,} chars)"
                raise DamagedDatabaseError(
                    f"unexpected structure: record {shown!r} of table {name!r}"
                )
    return data


def json_error_place(error: json.JSONDecodeError) -> str:
    """`unterminated string starting at line 1, column 7`: the json module's messages that end
    in "at" ("Unterminated string starting at") name the place themselves, so the place must
    not be introduced by another "at"."""
    message = error.msg[:1].lower() + error.msg[1:]
    joiner = " " if message.endswith(" at") else " at "
    return f"{message}{joiner}line {error.lineno}, column {error.colno}"


def decode(raw: bytes) -> Tables | None:
    """Parse the file's bytes; None for an empty file (nothing to lose, nothing to keep)."""
    if not raw.strip():
        return None
    try:
        text = raw.decode("utf-8")
    except UnicodeDecodeError:
        raise DamagedDatabaseError("not a text file") from None
    try:
        data = json.loads(text)
    except json.JSONDecodeError as error:
        raise DamagedDatabaseError(f"not valid JSON: {json_error_place(error)}") from None
    except RecursionError:
        raise DamagedDatabaseError("not valid JSON: nested too deeply") from None
    except ValueError:  # a number past Python's int limit (4,300 digits)
        raise DamagedDatabaseError("not valid JSON: a number too long to read") from None
    return check_shape(data)


def _encode_value(value: object) -> bytes:
    try:
        return json.dumps(value, ensure_ascii=False, separators=(",", ":")).encode("utf-8")
    except UnicodeEncodeError:
        return json.dumps(value, separators=(",", ":")).encode("ascii")


ENCODE_CHUNK = 500


def _encode_table(table: dict[str, Any]) -> bytes:
    """A table's JSON, encoded a few hundred records at a time: one json.dumps call over
    50,000 notes holds the GIL for a quarter of a second, and the screen with it, when a
    worker thread writes the file whole."""
    if len(table) <= ENCODE_CHUNK:
        return _encode_value(table)
    items = list(table.items())
    parts = [
        _encode_value(dict(items[start : start + ENCODE_CHUNK]))[1:-1]
        for start in range(0, len(items), ENCODE_CHUNK)
    ]
    return b"{" + b",".join(parts) + b"}"


def encode(data: Tables, reuse: dict[str, tuple[object, bytes]] | None = None) -> bytes:
    """Compact UTF-8 JSON, readable in an editor for any script. A lone surrogate (possible in
    text pasted from odd sources) cannot be UTF-8 encoded, so then fall back to \\u escapes
    rather than refuse to save the user's words.

    With `reuse`, each table's encoding is remembered against the table object, and a table
    that is the same object next time is not encoded again: TinyDB builds a new dict for a
    table whenever it changes one, so flushing reading state need not re-encode 10,000 notes.
    """
    parts: list[bytes] = []
    for name, table in data.items():
        remembered = reuse.get(name) if reuse is not None else None
        if remembered is not None and remembered[0] is table:
            encoded = remembered[1]
        else:
            encoded = _encode_table(table)
            if reuse is not None:
                reuse[name] = (table, encoded)
        parts.append(_encode_value(name) + b":" + encoded)
    if reuse is not None:
        for name in set(reuse) - set(data):
            del reuse[name]
    return b"{" + b",".join(parts) + b"}"


def write_atomically(path: Path, payload: bytes) -> Signature:
    """Temp file in the same folder, fsync, `os.replace`, fsync the folder.

    Returns the signature of the new file. On any failure the temp file is removed and the
    database is exactly as it was.
    """
    tmp = path.with_name(f"{temp_prefix(path)}{os.getpid()}-{secrets.token_hex(4)}")
    fd = os.open(tmp, os.O_WRONLY | os.O_CREAT | os.O_EXCL | portable.O_BINARY, 0o666)
    try:
        try:
            portable.copy_mode(fd, tmp, path)
            view = memoryview(payload)
            while view:
                written = os.write(fd, view)
                if written <= 0:  # pragma: no cover - os.write raises instead on Linux
                    raise OSError(errno.ENOSPC, os.strerror(errno.ENOSPC))
                view = view[written:]
            portable.full_fsync(fd)
            new_signature = signature(os.fstat(fd))
        finally:
            os.close(fd)
        portable.replace(tmp, path)
    except BaseException:
        try:
            tmp.unlink()
        except OSError:
            pass
        raise
    fsync_dir(path.parent)
    return new_signature


class InterProcessLock:
    """An exclusive lock on a sidecar file (`library.json.lock`), so two tgreader processes take
    turns changing the database (`flock`, `msvcrt.locking` or `lockf`: see `portable`).

    The lock file also holds a change counter: every writer bumps it, under the lock, before
    replacing the database. A process that finds the counter (and the file's signature) as it
    left them knows nobody else wrote since, so its in-memory copy *is* what a re-read would
    return, and it can skip parsing megabytes on every save.

    The lock file itself is never deleted (deleting it would let two processes lock two
    different files). A process that dies releases its lock with it. A holder that is
    stopped (Ctrl-Z) must not freeze the other window for ever, hence the timeout.
    """

    def __init__(
        self,
        db: Path,
        timeout_s: float | None = None,
        backend: portable.LockBackend | None = None,
    ) -> None:
        self.path = db.with_name(db.name + ".lock")
        self.timeout_s = LOCK_TIMEOUT_S if timeout_s is None else timeout_s
        self.backend = backend or lock_backend()
        self._fd: int | None = None

    def _descriptor(self) -> int:
        if self._fd is None:
            # Never O_TRUNC: the counter in the file must survive every open.
            flags = os.O_RDWR | os.O_CREAT | portable.O_CLOEXEC | portable.O_BINARY
            self._fd = os.open(self.path, flags, 0o666)
        return self._fd

    @contextmanager
    def held(self) -> Iterator[None]:
        fd = self._descriptor()
        deadline = time.monotonic() + self.timeout_s
        pause = 0.001
        while not self.backend.try_lock(fd):
            if time.monotonic() >= deadline:
                raise OSError(errno.EAGAIN, f"another tgreader has held {self.path.name} too long")
            time.sleep(pause)
            pause = min(pause * 2, 0.05)
        try:
            yield
        finally:
            self.backend.unlock(fd)

    @contextmanager
    def held_if_free(self) -> Iterator[bool]:
        """Take the lock only if nobody holds it now; yields whether it was taken."""
        fd = self._descriptor()
        if not self.backend.try_lock(fd):
            yield False
            return
        try:
            yield True
        finally:
            self.backend.unlock(fd)

    def generation(self) -> int:
        """The change counter (call with the lock held)."""
        raw = portable.read_at(self._descriptor(), 8, 0)
        return int.from_bytes(raw, "little") if len(raw) == 8 else 0

    def bump(self) -> int:
        """Announce a change before making it (call with the lock held): a writer killed after
        this costs the others one needless re-read, never a missed one."""
        generation = (self.generation() + 1) % 2**63
        portable.write_at(self._descriptor(), generation.to_bytes(8, "little"), 0)
        return generation

    def close(self) -> None:
        if self._fd is not None:
            os.close(self._fd)
            self._fd = None


#: Compact (write the database whole, empty the journal) once the journal holds this share of
#: the database's size, and at least this many bytes: in a background flush at `COMPACT_AT`,
#: inline in a user's save only past `COMPACT_INLINE_AT` (if no flush ran meanwhile).
COMPACT_MIN_BYTES = 1 << 20
COMPACT_AT = 0.25
COMPACT_INLINE_AT = 1.0


class AtomicJSONStorage(Storage):
    """TinyDB storage with crash-safe writes, and locked transactions for the store above it.

    Used plainly (`TinyDB(path, storage=AtomicJSONStorage)`) it reads the file plus its
    journal on `read` and replaces the file atomically (emptying the journal) on `write`.
    Inside `transaction()` (which takes the inter-process lock, when the storage has one) it
    starts from the state on disk now, every later `read` returns the state with the changes
    made so far, and the `write`s are held until the transaction ends. Then the changes go to
    disk at once: as one journal line when they were told with `note_changes` (what the store's
    tables do), else as a whole new file. So a change spanning several TinyDB calls lands on
    disk all at once or not at all, and a failed one leaves no trace.

    Between transactions it keeps the state it last read or wrote, and uses it again when the
    lock's change counter and the files' signatures show nobody wrote since; when another
    process only appended to the journal, it reads just the new lines (`changes` lists them).
    """

    def __init__(self, path: str | Path, lock: InterProcessLock | None = None) -> None:
        super().__init__()
        self.path = Path(path)
        self.journal = journal.journal_path(self.path)
        self.lock = lock
        self._in_transaction = False
        self._state: Tables = {}  # inside a transaction: the current state
        self._dirty = False
        self._told: list[journal.Change] = []  # changes told by note_changes
        self._untold = False  # a write not described by note_changes: write the file whole
        self._kept: Tables | None = None  # the state after the last transaction or refresh
        self._kept_as: tuple[int | None, Signature | None, tuple[int, int] | None, int] | None
        self._kept_as = None  # (counter, file signature, journal identity, journal end)
        self._encoded: dict[str, tuple[object, bytes]] = {}  # table name -> (table, its JSON)
        self._max_ids: dict[str, int] = {}  # table -> highest doc id in the kept state
        #: Signature of the file as last read or written by this storage.
        self.last_signature: Signature | None = None
        #: What the last transaction or `refresh` changed, oldest first: other processes'
        #: changes it read, then its own. None: it read everything afresh (list unknown).
        self.changes: list[journal.Change] | None = None

    # --- reading --------------------------------------------------------------------------

    def _read_file(self) -> Tables | None:
        try:
            with open(self.path, "rb") as handle:
                st = os.fstat(handle.fileno())
                raw = handle.read()
        except FileNotFoundError:
            self.last_signature = None
            return None
        data = decode(raw)
        self.last_signature = signature(st)
        return data

    def _read_all(self, generation: int | None) -> Tables:
        """The file and every journal line after it; keeps the result."""
        tables = self._read_file()
        lines, end, journal_id, _size = journal.read_from(self.journal, 0)
        if tables is None and lines:
            tables = {}
        state = tables or {}
        for ops in lines:
            journal.apply(state, ops)  # each line was checked when parsed
        self._kept = state
        self._kept_as = (generation, self.last_signature, journal_id, end)
        self._encoded.clear()
        self._max_ids.clear()
        self.changes = None
        return state

    def load(self, locked: bool) -> Tables:
        """Read the file and its journal afresh and keep the state (`locked`: the caller
        holds the lock, so the change counter can vouch for the kept state later)."""
        generation = self.lock.generation() if locked and self.lock is not None else None
        return self._read_all(generation)

    def read(self) -> Tables | None:
        if self._in_transaction:
            return self._state
        if not self.path.exists() and not self.journal.exists():
            self.last_signature = None
            return None
        state = self._read_all(None)
        self._kept = self._kept_as = None  # plain use: TinyDB may change what it was given
        return state

    def file_version(self) -> tuple[Signature | None, tuple[int, int] | None, int]:
        """The file's signature and the journal's identity and size, as on disk now (stats)."""
        try:
            on_disk: Signature | None = signature(os.stat(self.path))
        except FileNotFoundError:
            on_disk = None
        return (on_disk, *journal.identity(self.journal))

    def kept_version(self) -> tuple[Signature | None, tuple[int, int] | None, int] | None:
        """`file_version` as it was when the kept state was read or written."""
        if self._kept_as is None:
            return None
        return self._kept_as[1], self._kept_as[2], self._kept_as[3]

    def _start(self, generation: int | None) -> Tables:
        """The state on disk now: the kept one if provably current, the kept one plus the
        journal's new lines if only those were added, else read afresh."""
        kept, kept_as = self._kept, self._kept_as
        if kept is not None and kept_as is not None:
            on_disk, journal_id, size = self.file_version()
            kept_generation, kept_file, kept_journal, kept_end = kept_as
            if on_disk == kept_file and (journal_id, size) == (kept_journal, kept_end):
                if generation is None or generation == kept_generation:
                    self.last_signature = on_disk
                    self.changes = []
                    self._kept_as = (generation, on_disk, journal_id, size)
                    return kept
            same_journal = journal_id == kept_journal or (kept_journal is None and not kept_end)
            if on_disk == kept_file and same_journal and size >= kept_end:
                lines, end, journal_id, size = journal.read_from(self.journal, kept_end)
                changes: list[journal.Change] = []
                for ops in lines:
                    changes += journal.apply(kept, ops)
                self._saw(changes)
                self.last_signature = on_disk
                self._kept_as = (generation, on_disk, journal_id, end)
                self.changes = changes
                return kept
        return self._read_all(generation)

    def refresh(self) -> bool:
        """Catch up with other processes' saves, if the lock is free right now (never wait:
        the screen calls this). Returns False if it could not look; `changes` says what
        changed. Not inside a transaction."""
        if self.lock is None:
            self._start(None)
            return True
        with self.lock.held_if_free() as held:
            if not held:
                return False
            self._start(self.lock.generation())
            return True

    # --- writing --------------------------------------------------------------------------

    def note_changes(self, changes: list[journal.Change]) -> None:
        """Inside a transaction, just before `write`: what that write changes, document by
        document (before and after). Without it, the transaction writes the file whole."""
        self._told += changes
        self._next_write_told = True
        self._saw(changes)

    def _saw(self, changes: list[journal.Change]) -> None:
        """Tables changed in place: their remembered JSON is stale, their highest id may grow."""
        for table, doc_id, _before, after in changes:
            self._encoded.pop(table, None)
            if after is not None and table in self._max_ids:
                self._max_ids[table] = max(self._max_ids[table], int(doc_id))

    def next_doc_id(self, table: str) -> int:
        """Inside a transaction: the id for a new document of the table. The highest id is
        found once per full read and then followed, not recomputed over 50,000 ids per save.
        (After a removal of the last document its id is not reused: no harm.)"""
        highest = self._max_ids.get(table)
        if highest is None:
            docs = self.current_or_kept().get(table, {})
            highest = max((int(doc_id) for doc_id in docs), default=0)
            self._max_ids[table] = highest
        return highest + 1

    _next_write_told = False

    def write(self, data: dict[str, dict[str, Any]]) -> None:
        if self._in_transaction:
            self._state = data
            self._dirty = True
            if not self._next_write_told:
                self._untold = True
            self._next_write_told = False
            return
        self._compact(data)
        self._kept = self._kept_as = None

    def _compact(self, data: Tables) -> None:
        """The whole state as the file, atomically; then the journal, now in it, emptied."""
        payload = encode(data, self._encoded)
        self.last_signature = write_atomically(self.path, payload)
        journal.empty(self.journal)

    def has_journal(self) -> bool:
        """Whether the journal holds anything (the file alone is not the whole state)."""
        return journal.identity(self.journal)[1] > 0

    def compaction_due(self, ratio: float | None = None) -> bool:
        """Whether the journal has grown to `ratio` (default COMPACT_AT) of the file."""
        ratio = COMPACT_AT if ratio is None else ratio
        on_disk, _journal_id, size = self.file_version()
        if size == 0:
            return False
        base = on_disk[3] if on_disk is not None else 0
        return size >= max(COMPACT_MIN_BYTES, base * ratio)

    @contextmanager
    def transaction(self, compact: bool = False) -> Iterator[None]:
        """Lock, start from the state on disk, batch the writes, write once at the end;
        on any error write nothing and forget the in-memory copy. With `compact` (or when
        the journal has grown past `COMPACT_INLINE_AT`), write the file whole."""
        if self._in_transaction:
            raise RuntimeError("transactions do not nest")
        with self.lock.held() if self.lock is not None else nullcontext():
            generation = self.lock.generation() if self.lock is not None else None
            try:
                self._state = self._start(generation)
                others = self.changes
                self._in_transaction, self._dirty = True, False
                self._told, self._untold, self._next_write_told = [], False, False
                yield
                if self._dirty or compact:
                    if self.lock is not None:
                        generation = self.lock.bump()
                    end = self._write_changes(compact)
                    _, journal_id, _size = self.file_version()
                    self._kept, self._kept_as = self._state, (
                        generation, self.last_signature, journal_id, end
                    )
                if others is None or self._untold:
                    self.changes = None
                    self._max_ids.clear()
                else:
                    self.changes = others + self._told
            except BaseException:
                self._kept = self._kept_as = None
                self._encoded.clear()
                self._max_ids.clear()
                raise
            finally:
                self._in_transaction, self._state, self._dirty = False, {}, False
                self._told = []

    def _write_changes(self, compact: bool) -> int:
        """Append the told changes as one journal line, or write the file whole (when asked,
        when a write was not told, when there is no file yet, or when the journal is long).
        Returns where the journal now ends."""
        kept_as = self._kept_as
        whole = (
            compact
            or self._untold
            # The format version lives in the file itself, where a tgreader from before the
            # journal (which would not read it) sees it and refuses a newer file.
            or any(change[0] == "meta" for change in self._told)
            or kept_as is None
            or self.last_signature is None
            or self.compaction_due(COMPACT_INLINE_AT)
        )
        if whole:
            self._compact(self._state)
            return 0
        assert kept_as is not None
        ops = [(table, doc_id, after) for table, doc_id, _before, after in self._told]
        if not ops:
            return kept_as[3]
        return journal.append(self.journal, kept_as[3], journal.encode_line(ops), self.path)

    def current_or_kept(self) -> Tables:
        """Inside a transaction the state so far; outside, the state last read or written."""
        if self._in_transaction:
            return self._state
        return self._kept if self._kept is not None else {}

    @property
    def dirty(self) -> bool:
        """Inside a transaction: whether anything was written so far."""
        return self._dirty

    def current(self) -> Tables:
        """Inside a transaction: the state as changed so far."""
        return self._state
