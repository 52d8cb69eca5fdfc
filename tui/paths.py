"""Where tgreader keeps the user's data, and the environment variables that move it.

Nothing else lives here. The functions only compute paths; they never touch the disk, so
importing or calling them is free. Whoever writes a file creates its folder first (the store
does so when it opens), which keeps a read-only or unusual home from failing at import.
"""

from __future__ import annotations

import os
from pathlib import Path

from platformdirs import user_cache_path, user_data_path

APP_NAME = "tgreader"
DB_ENV = "TGREADER_DB"
CACHE_ENV = "TGREADER_CACHE"
CHANNELS_ENV = "TGREADER_CHANNELS"


def _from_env(name: str) -> Path | None:
    """The path in `$name`, with `~` expanded; None when unset or empty (empty means unset)."""
    value = os.environ.get(name)
    return Path(value).expanduser() if value else None


def db_path() -> Path:
    """The bookmarks-and-notes database: `$TGREADER_DB`, else `<user data>/library.json`."""
    return _from_env(DB_ENV) or user_data_path(APP_NAME) / "library.json"


def cache_dir() -> Path:
    """Where rebuildable files (the index of large archives) go: `$TGREADER_CACHE`, else the
    platform's user cache folder. Safe to delete; nothing in it is the user's own work."""
    return _from_env(CACHE_ENV) or user_cache_path(APP_NAME)


def channels_dir() -> Path:
    """Where `tgreader fetch` keeps channel archives, one folder per channel:
    `$TGREADER_CHANNELS`, else `<user data>/channels`. The user's own data: never cleaned."""
    return _from_env(CHANNELS_ENV) or user_data_path(APP_NAME) / "channels"
