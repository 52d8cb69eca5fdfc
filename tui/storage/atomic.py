"""A TinyDB storage that cannot leave a cut file behind, and the lock that serialises writers.

TinyDB's stock JSONStorage truncates the file and rewrites it in place, so a crash or a kill
in the middle leaves half a database (tinydb issues #467 and #144). Here every write goes to a
temporary file in the same folder, is flushed and fsynced, and then `os.replace`d over the
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

from tui.storage import portable
from tui.storage.errors import DamagedDatabaseError
from tui.storage.portable import fsync_dir

Tables = dict[str, dict[str, Any]]
Signature = tuple[int, int, int, int]

LOCK_TIMEOUT_S = 10.0
MAX_DOC_ID_DIGITS = 18  # fits in 63 bits; TinyDB counts from 1

_backend: portable.LockBackend | None = None


def lock_backend() -> portable.LockBackend:
    """The platform's lock, chosen once, on first use (so importing needs no `fcntl`)."""
    global _backend
    if _backend is None:
        _backend = portable.pick_lock_backend()
    return _backend


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


def is_doc_id(doc_id: str) -> bool:
    """A doc id as TinyDB writes it: a plain decimal number. `"٣"` or `"03"` would read as a
    second record 3, and a 5,000-digit one is past what Python's int() accepts."""
    return (
        0 < len(doc_id) <= MAX_DOC_ID_DIGITS
        and doc_id.isascii()
        and doc_id.isdigit()
        and (doc_id == "0" or doc_id[0] != "0")
    )


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
            encoded = _encode_value(table)
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


class AtomicJSONStorage(Storage):
    """TinyDB storage with crash-safe writes, and locked transactions for the store above it.

    Used plainly (`TinyDB(path, storage=AtomicJSONStorage)`) it parses the file on `read` and
    replaces it atomically on `write`. Inside `transaction()` (which takes the inter-process
    lock, when the storage has one) it starts from the file as it is now, every later `read`
    returns the state with the changes made so far, and the `write`s are held until the
    transaction ends, when the batch is written once. So a change spanning several TinyDB
    calls lands on disk all at once or not at all, and a failed one leaves no trace.

    This is not CachingMiddleware: nothing is written later than the transaction. What it
    keeps between transactions is the state it last read or wrote, and it reuses that only
    when the lock's change counter and the file's signature prove nobody wrote since.
    """

    def __init__(self, path: str | Path, lock: InterProcessLock | None = None) -> None:
        super().__init__()
        self.path = Path(path)
        self.lock = lock
        self._in_transaction = False
        self._state: Tables = {}  # inside a transaction: the current state
        self._dirty = False
        self._kept: Tables | None = None  # the state after the last transaction
        self._kept_as: tuple[int, Signature | None] | None = None  # (counter, file) it matches
        self._encoded: dict[str, tuple[object, bytes]] = {}  # table name -> (table, its JSON)
        #: Signature of the file as last read or written by this storage.
        self.last_signature: Signature | None = None

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

    def read(self) -> Tables | None:
        if self._in_transaction:
            return self._state
        return self._read_file()

    def write(self, data: dict[str, dict[str, Any]]) -> None:
        if self._in_transaction:
            self._state = data
            self._dirty = True
            return
        self.last_signature = write_atomically(self.path, encode(data))

    def _file_signature(self) -> Signature | None:
        try:
            return signature(os.stat(self.path))
        except FileNotFoundError:
            return None

    def _start(self, generation: int | None) -> Tables:
        """The file's current state: the kept copy if provably current, else parsed afresh."""
        if generation is not None and self._kept is not None:
            on_disk = self._file_signature()
            if self._kept_as == (generation, on_disk):
                self.last_signature = on_disk
                return self._kept
        self._kept = self._kept_as = None
        return self._read_file() or {}

    @contextmanager
    def transaction(self) -> Iterator[None]:
        """Lock, start from the file as it is, batch the writes, write once at the end;
        on any error write nothing and forget the in-memory copy."""
        if self._in_transaction:
            raise RuntimeError("transactions do not nest")
        with self.lock.held() if self.lock is not None else nullcontext():
            generation = self.lock.generation() if self.lock is not None else None
            try:
                self._state = self._start(generation)
                self._in_transaction, self._dirty = True, False
                yield
                if self._dirty:
                    if self.lock is not None:
                        generation = self.lock.bump()
                    payload = encode(self._state, self._encoded)
                    self.last_signature = write_atomically(self.path, payload)
                if generation is not None:
                    self._kept, self._kept_as = self._state, (generation, self.last_signature)
            except BaseException:
                self._kept = self._kept_as = None
                self._encoded.clear()
                raise
            finally:
                self._in_transaction, self._state, self._dirty = False, {}, False

    @property
    def dirty(self) -> bool:
        """Inside a transaction: whether anything was written so far."""
        return self._dirty

    def current(self) -> Tables:
        """Inside a transaction: the state as changed so far."""
        return self._state
