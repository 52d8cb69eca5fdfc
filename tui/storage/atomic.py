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
import fcntl
import json
import os
import secrets
import time
from collections.abc import Iterator
from contextlib import contextmanager
from pathlib import Path
from typing import Any

from tinydb import Storage

from tui.storage.errors import DamagedDatabaseError

Tables = dict[str, dict[str, Any]]
Signature = tuple[int, int, int, int]

LOCK_TIMEOUT_S = 10.0


def temp_prefix(db: Path) -> str:
    """Hidden, and named after the database so orphans of *this* database can be found."""
    return f".{db.name}.tmp-"


def signature(st: os.stat_result) -> Signature:
    """Identity of one version of the file: `os.replace` gives every version a new inode."""
    return (st.st_dev, st.st_ino, st.st_mtime_ns, st.st_size)


def fsync_dir(folder: Path) -> None:
    """Make a rename durable. Some filesystems refuse to fsync a folder; the rename itself has
    already happened then, so failing the whole save over it would report a loss that isn't."""
    try:
        fd = os.open(folder, os.O_RDONLY | os.O_DIRECTORY)
    except OSError:
        return
    try:
        os.fsync(fd)
    except OSError:
        pass
    finally:
        os.close(fd)


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
            if not doc_id.isdigit() or not isinstance(doc, dict):
                raise DamagedDatabaseError(
                    f"unexpected structure: record {doc_id!r} of table {name!r}"
                )
    return data


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
        raise DamagedDatabaseError(
            f"not valid JSON: {error.msg.lower()} at line {error.lineno}, column {error.colno}"
        ) from None
    except RecursionError:
        raise DamagedDatabaseError("not valid JSON: nested too deeply") from None
    return check_shape(data)


def encode(data: Tables) -> bytes:
    """Compact UTF-8 JSON, readable in an editor for any script. A lone surrogate (possible in
    text pasted from odd sources) cannot be UTF-8 encoded, so then fall back to \\u escapes
    rather than refuse to save the user's words."""
    try:
        return json.dumps(data, ensure_ascii=False, separators=(",", ":")).encode("utf-8")
    except UnicodeEncodeError:
        return json.dumps(data, separators=(",", ":")).encode("ascii")


def write_atomically(path: Path, payload: bytes) -> Signature:
    """Temp file in the same folder, fsync, `os.replace`, fsync the folder.

    Returns the signature of the new file. On any failure the temp file is removed and the
    database is exactly as it was.
    """
    tmp = path.with_name(f"{temp_prefix(path)}{os.getpid()}-{secrets.token_hex(4)}")
    fd = os.open(tmp, os.O_WRONLY | os.O_CREAT | os.O_EXCL, 0o666)
    try:
        try:
            try:
                os.fchmod(fd, os.stat(path).st_mode & 0o777)  # keep a private db private
            except FileNotFoundError:
                pass
            view = memoryview(payload)
            while view:
                written = os.write(fd, view)
                if written <= 0:  # pragma: no cover - os.write raises instead on Linux
                    raise OSError(errno.ENOSPC, os.strerror(errno.ENOSPC))
                view = view[written:]
            os.fsync(fd)
            new_signature = signature(os.fstat(fd))
        finally:
            os.close(fd)
        os.replace(tmp, path)
    except BaseException:
        try:
            tmp.unlink()
        except OSError:
            pass
        raise
    fsync_dir(path.parent)
    return new_signature


class AtomicJSONStorage(Storage):
    """TinyDB storage with crash-safe writes, and transactions for the store above it.

    Outside a transaction it behaves like any storage: `read` parses the file, `write`
    replaces it atomically. Inside `transaction()` the first `read` parses the file and later
    reads return that same state with the changes made so far, and every `write` is held
    until the transaction ends, when the whole batch is written once. So a change that spans
    several TinyDB calls lands on disk all at once or not at all. This is not a write-behind
    cache like CachingMiddleware: nothing outlives the transaction, and the transaction is
    meant to be run under the inter-process lock.
    """

    def __init__(self, path: str | Path) -> None:
        super().__init__()
        self.path = Path(path)
        self._in_transaction = False
        self._state: Tables | None = None  # inside a transaction: the current state
        self._dirty = False
        #: Signature of the file as last read or written by this storage.
        self.last_signature: Signature | None = None

    def read(self) -> Tables | None:
        if self._in_transaction and self._state is not None:
            return self._state
        try:
            with open(self.path, "rb") as handle:
                st = os.fstat(handle.fileno())
                raw = handle.read()
        except FileNotFoundError:
            self.last_signature = None
            data: Tables | None = None
        else:
            data = decode(raw)
            self.last_signature = signature(st)
        if self._in_transaction:
            self._state = data if data is not None else {}
        return data

    def write(self, data: dict[str, dict[str, Any]]) -> None:
        if self._in_transaction:
            self._state = data
            self._dirty = True
            return
        self.last_signature = write_atomically(self.path, encode(data))

    @contextmanager
    def transaction(self) -> Iterator[None]:
        """Read fresh, batch the writes, write once at the end; discard everything on error."""
        if self._in_transaction:
            raise RuntimeError("transactions do not nest")
        self._in_transaction, self._state, self._dirty = True, None, False
        try:
            yield
            if self._dirty and self._state is not None:
                self.last_signature = write_atomically(self.path, encode(self._state))
        finally:
            self._in_transaction, self._state, self._dirty = False, None, False

    @property
    def dirty(self) -> bool:
        """Inside a transaction: whether anything was written so far."""
        return self._dirty

    def current(self) -> Tables:
        """Inside a transaction: the state as changed so far (read fresh if not read yet)."""
        data = self.read()
        return data if data is not None else {}


class InterProcessLock:
    """`fcntl.flock` on a sidecar file (`library.json.lock`), so two tgreader processes take
    turns: each re-reads the database inside the lock before changing it.

    The lock file itself is never deleted (deleting it would let two processes lock two
    different files). A process that dies releases its lock with it. A holder that is
    stopped (Ctrl-Z) must not freeze the other window for ever, hence the timeout.
    """

    def __init__(self, db: Path, timeout_s: float = LOCK_TIMEOUT_S) -> None:
        self.path = db.with_name(db.name + ".lock")
        self.timeout_s = timeout_s
        self._fd: int | None = None

    def _descriptor(self) -> int:
        if self._fd is None:
            self._fd = os.open(self.path, os.O_RDWR | os.O_CREAT | os.O_CLOEXEC, 0o666)
        return self._fd

    @contextmanager
    def held(self) -> Iterator[None]:
        fd = self._descriptor()
        deadline = time.monotonic() + self.timeout_s
        pause = 0.001
        while True:
            try:
                fcntl.flock(fd, fcntl.LOCK_EX | fcntl.LOCK_NB)
                break
            except BlockingIOError:
                if time.monotonic() >= deadline:
                    raise OSError(
                        errno.EAGAIN, f"another tgreader has held {self.path.name} too long"
                    ) from None
                time.sleep(pause)
                pause = min(pause * 2, 0.05)
        try:
            yield
        finally:
            fcntl.flock(fd, fcntl.LOCK_UN)

    def close(self) -> None:
        if self._fd is not None:
            os.close(self._fd)
            self._fd = None
