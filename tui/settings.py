"""The reader's settings, resolved once: flags > environment > config file > defaults.

`resolve()` builds one frozen `Settings` that the CLI hands to whatever it runs (the app
through `make_app`, export, notes export); nothing below the CLI reads the environment or the
config file again. The config file is TOML (`tui.paths.config_path()`), for example:

    theme = "nord"
    clipboard = "osc52"          # auto | system | osc52
    db = "~/notes/tgreader.json" # relative paths are relative to the config file
    cache = "~/.cache/tgreader"
    channels = "~/archives"      # where `tgreader fetch` keeps channels

    [keymap]                     # binding id = keys, e.g. "app.records" = "ctrl+r"

A missing file is the defaults. A bad value costs only itself: one line naming the file and
the key goes to `Settings.problems`, and that setting keeps its default. A bad flag or
environment value is the user's typing of the moment, so it is fatal (ValueError, one line).
"""

from __future__ import annotations

import os
import tomllib
from collections.abc import Callable, Mapping
from dataclasses import dataclass, field
from pathlib import Path
from types import MappingProxyType
from typing import Any

from tui import paths
from tui.clipboard import ENV_VAR as CLIPBOARD_ENV
from tui.clipboard import MODES, Mode, resolve_mode
from tui.wording import SAVE_AS_UTF8

EMPTY: Mapping[str, str] = MappingProxyType({})


@dataclass(frozen=True)
class Settings:
    db: Path
    cache: Path
    channels: Path
    clipboard: Mode = "auto"
    theme: str | None = None  # None: the theme last chosen in the app, else Textual's default
    keymap: Mapping[str, str] = field(default_factory=lambda: EMPTY)  # binding id -> keys
    config: Path | None = None  # the file the values came from, when there was one
    problems: tuple[str, ...] = ()  # one line each, for the user: what was ignored and why


class BadValue(Exception):
    """A config value of the wrong kind; the message says what was expected."""


# -- reading the config file ----------------------------------------------------------------------
def _text(value: object) -> str:
    if not isinstance(value, str) or not value.strip():
        raise BadValue(f"must be a non-empty string, not {value!r}")
    return value.strip()


def _clipboard(value: object) -> Mode:
    mode = _text(value).lower()
    if mode not in MODES:
        raise BadValue(f"must be one of {', '.join(MODES)}, not {value!r}")
    return mode


def _keymap(value: object) -> Mapping[str, str]:
    if not isinstance(value, dict):
        raise BadValue(f"must be a table of binding id = keys, not {value!r}")
    for binding_id, keys in value.items():
        if not isinstance(keys, str) or not keys.strip():
            raise BadValue(f"{binding_id!r} must be keys as a string, like \"ctrl+r\", "
                           f"not {keys!r}")
    return MappingProxyType({str(k): v.strip() for k, v in value.items()})


# Each key of the file and how its value is checked. A new setting is one line here, one
# field of `Settings`, and its place in `resolve`.
CHECKS: dict[str, Callable[[object], object]] = {
    "db": _text,
    "cache": _text,
    "channels": _text,
    "clipboard": _clipboard,
    "theme": _text,
    "keymap": _keymap,
}


def read_config(path: Path) -> tuple[dict[str, Any], list[str]]:
    """The checked values of the config file at `path` and one line per problem with it.
    A missing file is an empty config; nothing here raises."""
    try:
        raw = path.read_bytes()
    except FileNotFoundError:
        return {}, []
    except OSError as exc:
        return {}, [f"{path}: cannot be read ({exc.strerror or exc}); using the defaults"]
    try:
        data = tomllib.loads(raw.decode("utf-8"))
    except UnicodeDecodeError:
        return {}, [f"{path}: not UTF-8; {SAVE_AS_UTF8} (using the defaults for now)"]
    except tomllib.TOMLDecodeError as exc:
        why = str(exc)
        return {}, [f"{path}: not valid TOML: {why[:1].lower()}{why[1:]}; using the defaults"]
    values: dict[str, Any] = {}
    problems: list[str] = []
    for key, value in data.items():
        check = CHECKS.get(key)
        if check is None:
            known = ", ".join(CHECKS)
            problems.append(f"{path}: unknown setting {key!r} (ignored; known: {known})")
            continue
        try:
            values[key] = check(value)
        except BadValue as exc:
            problems.append(f"{path}: {key}: {exc} (using the default)")
    return values, problems


# -- resolving ------------------------------------------------------------------------------------
def _config_file_path(value: str, config: Path) -> Path:
    path = Path(value).expanduser()
    return path if path.is_absolute() else config.parent / path


def resolve(
    *,
    db: str | Path | None = None,
    clipboard: str | None = None,
    env: Mapping[str, str] | None = None,
    config: Path | None = None,
) -> Settings:
    """The settings from the flags given here, the environment `env` (default: this
    process's), and the config file (`config`, default `paths.config_path(env)`).

    Raises ValueError with one line for a bad `--clipboard` or `$TGREADER_CLIPBOARD`.
    """
    env = os.environ if env is None else env
    config = config if config is not None else paths.config_path(env)
    values, problems = read_config(config)

    def from_file(key: str) -> Path | None:
        return _config_file_path(values[key], config) if key in values else None

    return Settings(
        db=(Path(db).expanduser() if db else None) or paths.env_path(paths.DB_ENV, env)
        or from_file("db") or paths.default_db_path(),
        cache=paths.env_path(paths.CACHE_ENV, env) or from_file("cache")
        or paths.default_cache_dir(),
        channels=paths.env_path(paths.CHANNELS_ENV, env) or from_file("channels")
        or paths.default_channels_dir(),
        clipboard=resolve_mode(clipboard, env) if _given(clipboard, env.get(CLIPBOARD_ENV))
        else values.get("clipboard", "auto"),
        theme=values.get("theme"),
        keymap=values.get("keymap", EMPTY),
        config=config if config.exists() else None,
        problems=tuple(problems),
    )


def _given(*values: str | None) -> bool:
    """Set and not empty: an empty flag or variable counts as unset."""
    return any(value is not None and value.strip() for value in values)
