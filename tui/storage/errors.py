"""The exceptions the store raises, each worded as one line a user can act on."""

from __future__ import annotations

import os
from pathlib import Path


def describe_os_error(error: OSError) -> str:
    """`no space left on device` rather than `[Errno 28] No space left on device: '/x'`.

    The path is named once by the caller's sentence, so the errno text is all we want here.
    """
    reason = error.strerror or (os.strerror(error.errno) if error.errno else "") or str(error)
    reason = " ".join(reason.split())
    return reason[:1].lower() + reason[1:] if reason else "unknown error"


class StorageError(Exception):
    """Saving or opening the user's library failed. `str(error)` is one line naming the file.

    The store raises it before changing anything it holds in memory, so the caller still has
    what it tried to save (the note text in the editor, the pending reading state) and may
    simply try again later.
    """

    def __init__(self, message: str, path: Path | None = None) -> None:
        super().__init__(" ".join(message.split()))
        self.path = path

    @classmethod
    def cannot_save(
        cls, what: str, path: Path, error: OSError | DamagedDatabaseError
    ) -> StorageError:
        """`cannot save note to /x/library.json: read-only file system`."""
        reason = describe_os_error(error) if isinstance(error, OSError) else str(error)
        return cls(f"cannot save {what} to {path}: {reason}", path)


class NoteNotFoundError(StorageError):
    """The note was deleted (perhaps by another tgreader window) before it could be updated."""


class DamagedDatabaseError(Exception):
    """The database file is not something tgreader wrote: bad JSON, binary junk, wrong shape.

    Internal: `Store.open` answers it by moving the file aside; later it becomes a StorageError.
    `str(error)` is a short reason such as `not valid JSON: extra data at line 3, column 1`.
    """
