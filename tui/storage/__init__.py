"""The user's library on disk: bookmarks, notes, reading state, UI state (TinyDB, no Textual).

`Store` is the API the app uses; `AtomicJSONStorage` is the crash-safe TinyDB storage under it.
"""

from tui.storage.atomic import AtomicJSONStorage
from tui.storage.errors import NoteNotFoundError, StorageError
from tui.storage.store import Store

__all__ = ["AtomicJSONStorage", "NoteNotFoundError", "Store", "StorageError"]
