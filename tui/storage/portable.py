"""What differs between Linux, macOS and Windows when a file must be saved safely, in one place.

Nothing here imports a platform-only module at import time (`fcntl` and `msvcrt` are looked up
inside `pick_lock_backend`), so tgreader starts on any platform Python runs on:

* the inter-process lock: `fcntl.flock` where it exists, `msvcrt.locking` on Windows, and
  `os.lockf` on a POSIX Python without the `fcntl` module. All three lock a lock file that is
  opened without truncating it (it holds the change counter) and release when the process dies.
* durability: `F_FULLFSYNC` on macOS (its `fsync` stops at the drive's cache), a folder fsync
  only where a folder can be opened (not on Windows);
* replacing a file: Windows refuses `os.replace` while another program has the target open
  (a second tgreader reading it, a backup or antivirus tool), so that is retried briefly.
"""

from __future__ import annotations

import errno
import importlib
import os
import sys
import time
from collections.abc import Callable
from dataclasses import dataclass
from pathlib import Path
from types import ModuleType

#: Windows refuses to replace a file another program holds open; POSIX never does, so there a
#: PermissionError is a real one and is raised at once.
RETRY_REPLACE = os.name == "nt"
REPLACE_RETRY_S = 1.0

#: Flags that only some platforms have; 0 where absent, so `|` with them is always valid.
O_CLOEXEC: int = getattr(os, "O_CLOEXEC", 0)
O_BINARY: int = getattr(os, "O_BINARY", 0)  # Windows: no newline translation


@dataclass(frozen=True)
class LockBackend:
    """One way to take an exclusive, non-blocking lock on an open file descriptor.

    `try_lock` returns False when another process holds the lock; `unlock` releases it. Both
    act on the descriptor of the lock file; the lock dies with the process that holds it.
    """

    name: str
    try_lock: Callable[[int], bool]
    unlock: Callable[[int], None]


def _optional_module(name: str) -> ModuleType | None:
    try:
        return importlib.import_module(name)
    except ImportError:  # absent, or made unavailable with sys.modules[name] = None
        return None


def _flock_backend(fcntl: ModuleType) -> LockBackend:
    def try_lock(fd: int) -> bool:
        try:
            fcntl.flock(fd, fcntl.LOCK_EX | fcntl.LOCK_NB)
        except BlockingIOError:
            return False
        return True

    def unlock(fd: int) -> None:
        fcntl.flock(fd, fcntl.LOCK_UN)

    return LockBackend("flock", try_lock, unlock)


# Region locks (msvcrt and lockf) lock bytes from the current position: always the first byte.
_BUSY = {errno.EACCES, errno.EAGAIN, errno.EDEADLK}


def _region_backend(
    name: str, lock: Callable[[int, bool], None], release: Callable[[int], None]
) -> LockBackend:
    def try_lock(fd: int) -> bool:
        os.lseek(fd, 0, os.SEEK_SET)
        try:
            lock(fd, True)
        except OSError as error:
            if error.errno in _BUSY:
                return False
            raise
        return True

    def unlock(fd: int) -> None:
        os.lseek(fd, 0, os.SEEK_SET)
        release(fd)

    return LockBackend(name, try_lock, unlock)


def _msvcrt_backend(msvcrt: ModuleType) -> LockBackend:
    # LK_NBLCK fails at once with EACCES (or EDEADLOCK) if another process holds the byte.
    return _region_backend(
        "msvcrt",
        lambda fd, _: msvcrt.locking(fd, msvcrt.LK_NBLCK, 1),
        lambda fd: msvcrt.locking(fd, msvcrt.LK_UNLCK, 1),
    )


def lockf_backend() -> LockBackend:
    # POSIX record locks: like msvcrt's, per process (a second Store in the same process is not
    # kept out by them; its own threading lock does that), released when the process dies.
    return _region_backend(
        "lockf",
        lambda fd, _: os.lockf(fd, os.F_TLOCK, 1),
        lambda fd: os.lockf(fd, os.F_ULOCK, 1),
    )


def pick_lock_backend() -> LockBackend:
    """The best lock this Python has: flock, else msvcrt (Windows), else lockf."""
    fcntl = _optional_module("fcntl")
    if fcntl is not None and hasattr(fcntl, "flock"):
        return _flock_backend(fcntl)
    msvcrt = _optional_module("msvcrt")
    if msvcrt is not None and hasattr(msvcrt, "locking"):
        return _msvcrt_backend(msvcrt)
    if hasattr(os, "lockf"):
        return lockf_backend()
    raise ImportError("no file locking on this platform (need fcntl, msvcrt or os.lockf)")


def read_at(fd: int, size: int, offset: int) -> bytes:
    """`os.pread` where it exists (not on Windows)."""
    if hasattr(os, "pread"):
        return os.pread(fd, size, offset)
    os.lseek(fd, offset, os.SEEK_SET)
    return os.read(fd, size)


def write_at(fd: int, data: bytes, offset: int) -> None:
    """`os.pwrite` where it exists (not on Windows)."""
    if hasattr(os, "pwrite"):
        os.pwrite(fd, data, offset)
    else:
        os.lseek(fd, offset, os.SEEK_SET)
        os.write(fd, data)


def copy_mode(fd: int, tmp: Path, like: Path) -> None:
    """Give a new file the permissions of the one it replaces (keep a private db private).
    Windows has no `os.fchmod` (before 3.13) and only a read-only bit, which is not wanted."""
    if os.name == "nt":
        return
    try:
        mode = os.stat(like).st_mode & 0o777
    except FileNotFoundError:
        return
    if hasattr(os, "fchmod"):
        os.fchmod(fd, mode)
    else:  # pragma: no cover - every POSIX Python has fchmod
        os.chmod(tmp, mode)


def full_fsync(fd: int) -> None:
    """Flush a file to the disk itself. On macOS `fsync` only reaches the drive's cache and
    `F_FULLFSYNC` is what reaches the platter; some file systems (network, FUSE) refuse it,
    and then a plain fsync is the best there is."""
    if sys.platform == "darwin":
        fcntl = _optional_module("fcntl")
        full = getattr(fcntl, "F_FULLFSYNC", None) if fcntl is not None else None
        if fcntl is not None and full is not None:
            try:
                fcntl.fcntl(fd, full)
                return
            except OSError:
                pass
    os.fsync(fd)


def fsync_dir(folder: Path) -> None:
    """Make a rename durable. Windows cannot open a folder as a file (its renames are
    durable through NTFS's journal), and some file systems refuse to fsync one: the rename
    itself has happened then, so failing the whole save over it would report a loss that
    isn't."""
    if os.name == "nt" or not hasattr(os, "O_DIRECTORY"):
        return
    try:
        fd = os.open(folder, os.O_RDONLY | os.O_DIRECTORY)
    except OSError:
        return
    try:
        full_fsync(fd)
    except OSError:
        pass
    finally:
        os.close(fd)


class FileInUseError(PermissionError):
    """Windows kept refusing to replace the file: another program has it open."""


def replace(source: Path, target: Path) -> None:
    """`os.replace`, retried for up to `REPLACE_RETRY_S` where another program holding the
    target open makes it fail for a moment (Windows); then one clear error."""
    if not RETRY_REPLACE:
        os.replace(source, target)
        return
    deadline = time.monotonic() + REPLACE_RETRY_S
    pause = 0.005
    while True:
        try:
            os.replace(source, target)
            return
        except PermissionError as error:
            if time.monotonic() >= deadline:
                raise FileInUseError(
                    error.errno or errno.EACCES,
                    f"another program keeps the file open (still refused after "
                    f"{REPLACE_RETRY_S:g} s); close it and try again",
                ) from error
        time.sleep(pause)
        pause = min(pause * 2, 0.1)
