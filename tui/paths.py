"""Where tgreader keeps the user's data and config, and the environment variables that move them.

Nothing else lives here. The functions only compute paths; they never touch the disk, so
importing or calling them is free. Whoever writes a file creates its folder first (the store
does so when it opens), which keeps a read-only or unusual home from failing at import.
The app and the CLI get their paths from `tui.settings`, which also weighs the flags and the
config file; the functions here are the environment's and the platform's part of that.
"""

from __future__ import annotations

import os
from collections.abc import Mapping
from pathlib import Path

from platformdirs import user_cache_path, user_config_path, user_data_path

APP_NAME = "tgreader"
DB_ENV = "TGREADER_DB"
CACHE_ENV = "TGREADER_CACHE"
CHANNELS_ENV = "TGREADER_CHANNELS"
CONFIG_ENV = "TGREADER_CONFIG"


def env_path(name: str, env: Mapping[str, str] | None = None) -> Path | None:
    """The path in `$name` (of `env`, default this process's environment), with `~` expanded;
    None when unset or empty (empty means unset)."""
    value = (os.environ if env is None else env).get(name)
    return Path(value).expanduser() if value else None


def default_db_path() -> Path:
    return user_data_path(APP_NAME) / "library.json"


def default_cache_dir() -> Path:
    return user_cache_path(APP_NAME)


def db_path(env: Mapping[str, str] | None = None) -> Path:
    """The bookmarks-and-notes database: `$TGREADER_DB`, else `<user data>/library.json`."""
    return env_path(DB_ENV, env) or default_db_path()


def cache_dir(env: Mapping[str, str] | None = None) -> Path:
    """Where rebuildable files (the index of large archives) go: `$TGREADER_CACHE`, else the
    platform's user cache folder. Safe to delete; nothing in it is the user's own work."""
    return env_path(CACHE_ENV, env) or default_cache_dir()


def default_channels_dir() -> Path:
    return user_data_path(APP_NAME) / "channels"


def channels_dir(env: Mapping[str, str] | None = None) -> Path:
    """Where `tgreader fetch` keeps channel archives, one folder per channel:
    `$TGREADER_CHANNELS`, else `<user data>/channels`. The user's own data: never cleaned."""
    return env_path(CHANNELS_ENV, env) or default_channels_dir()


def config_path(env: Mapping[str, str] | None = None) -> Path:
    """The settings file: `$TGREADER_CONFIG`, else `<user config>/config.toml`."""
    return env_path(CONFIG_ENV, env) or user_config_path(APP_NAME) / "config.toml"
