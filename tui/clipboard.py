"""How copied text reaches the reader's clipboard: the system clipboard or the terminal's.

pyperclip drives the system clipboard (xclip, xsel, wl-copy, pbcopy). On a headless machine or
over SSH it has nothing to drive, or worse: with a stale `DISPLAY` xclip fails while
`pyperclip.copy` returns normally, copying nothing. The terminal's own clipboard, reached with
an OSC 52 escape sequence, works over SSH in terminals that allow it; the app supplies the
sender (Textual's `App.copy_to_clipboard`) so this module never imports Textual.

OSC 52 is write-only: nothing tells the app whether the terminal took the text, so every
OSC 52 toast says that the terminal must allow clipboard access.

Facts about pyperclip 1.11 that shape the code: with no backend `copy` raises
`PyperclipException`; `is_available()` can say True right after a failed copy, so availability
is probed with `determine_clipboard()`, whose copy function is falsy when there is no backend.
"""

from __future__ import annotations

import os
from collections.abc import Callable, Mapping
from dataclasses import dataclass
from typing import Any, Literal, Protocol, cast, get_args

Mode = Literal["auto", "system", "osc52"]
Method = Literal["system", "osc52", "none"]

MODES: tuple[Mode, ...] = get_args(Mode)
ENV_VAR = "TGREADER_CLIPBOARD"
SSH_ENV_VARS = ("SSH_TTY", "SSH_CONNECTION", "SSH_CLIENT")
INSTALL_HINT = (
    "install xclip or xsel (X11) or wl-clipboard (Wayland), or use a terminal with OSC 52"
)
OSC52_CAVEAT = "your terminal must allow clipboard access"


class ClipboardBackend(Protocol):
    """The part of the `pyperclip` module this module uses; tests pass a fake."""

    def copy(self, text: str) -> None: ...

    def determine_clipboard(self) -> tuple[Any, Any]: ...


def resolve_mode(cli_value: str | None, env: Mapping[str, str]) -> Mode:
    """The clipboard mode: the `--clipboard` flag, else `TGREADER_CLIPBOARD`, else auto.

    Values are case-insensitive; an empty value counts as unset. A wrong value raises
    ValueError with a one-line message the CLI can print as it is.
    """
    for origin, value in (("--clipboard", cli_value), (ENV_VAR, env.get(ENV_VAR))):
        if value is None or not value.strip():
            continue
        mode = value.strip().lower()
        if mode not in MODES:
            raise ValueError(f"{origin} must be one of {', '.join(MODES)}, not {value.strip()!r}")
        return mode
    return "auto"


def in_ssh_session(env: Mapping[str, str]) -> bool:
    """True when the app runs over SSH, where the system clipboard is the remote machine's."""
    return any(env.get(name) for name in SSH_ENV_VARS)


@dataclass(frozen=True, slots=True)
class CopyResult:
    """What happened to a copy: whether it (probably) worked, how, and the toast to show."""

    ok: bool
    method: Method
    message: str


class Clipboard:
    """Copies text by the configured mode and explains the outcome; never raises.

    auto: over SSH the terminal's clipboard (OSC 52) first, since the system clipboard there
    is the remote one and may swallow text silently; elsewhere pyperclip first. Either way the
    other is the fallback. system: pyperclip only. osc52: OSC 52 only.
    """

    def __init__(
        self,
        mode: Mode = "auto",
        osc52: Callable[[str], None] | None = None,
        env: Mapping[str, str] | None = None,
        backend: ClipboardBackend | None = None,
    ) -> None:
        if mode not in MODES:
            raise ValueError(f"clipboard mode must be one of {', '.join(MODES)}, not {mode!r}")
        self.mode: Mode = mode
        self._osc52 = osc52
        self._env: Mapping[str, str] = os.environ if env is None else env
        self._backend = backend

    @property
    def over_ssh(self) -> bool:
        """Whether the app runs over SSH (where no browser of the user's can be opened)."""
        return in_ssh_session(self._env)

    def copy(self, text: str, what: str = "text") -> CopyResult:
        """Put `text` on a clipboard; `what` names it in the toast ("1 paragraph", "citation").

        Empty text is refused rather than copied, so a slip of the key does not wipe what the
        reader had on the clipboard.
        """
        if not text:
            return CopyResult(False, "none", f"Nothing to copy: the {what} is empty")
        label = f"{what} ({_chars(text)})"
        if self.mode == "system":
            return self._copy_system_only(text, label)
        if self.mode == "osc52":
            return self._copy_osc52_only(text, label)
        return self._copy_auto(text, label)

    def _copy_auto(self, text: str, label: str) -> CopyResult:
        if in_ssh_session(self._env) and self._osc52 is not None:
            osc52_error = self._send_osc52(text)
            if osc52_error is None:
                return _osc52_done(label)
            system_error = self._send_system(text)
            if system_error is None:
                return _system_done(label)
            return CopyResult(
                False,
                "none",
                f"Could not copy {label}: OSC 52 failed ({osc52_error}) and "
                f"{system_error} — {INSTALL_HINT}",
            )
        system_error = self._send_system(text)
        if system_error is None:
            return _system_done(label)
        if self._osc52 is None:
            return CopyResult(
                False, "none", f"Could not copy {label}: {system_error} — {INSTALL_HINT}"
            )
        osc52_error = self._send_osc52(text)
        if osc52_error is None:
            return _osc52_done(label)
        return CopyResult(
            False,
            "none",
            f"Could not copy {label}: {system_error} and OSC 52 failed ({osc52_error}) — "
            f"{INSTALL_HINT}",
        )

    def _copy_system_only(self, text: str, label: str) -> CopyResult:
        system_error = self._send_system(text)
        if system_error is None:
            return _system_done(label)
        return CopyResult(
            False,
            "none",
            f"Could not copy {label}: {system_error} — install xclip or xsel (X11) or "
            "wl-clipboard (Wayland), or run with --clipboard osc52",
        )

    def _copy_osc52_only(self, text: str, label: str) -> CopyResult:
        if self._osc52 is None:
            return CopyResult(
                False, "none", f"Could not copy {label}: OSC 52 is not available here"
            )
        osc52_error = self._send_osc52(text)
        if osc52_error is None:
            return _osc52_done(label)
        return CopyResult(False, "none", f"Could not copy {label}: OSC 52 failed ({osc52_error})")

    def _send_system(self, text: str) -> str | None:
        """Copy with pyperclip; None on success, else why it failed (for the toast)."""
        try:
            backend = self._backend if self._backend is not None else _pyperclip()
            copy_function, _paste = backend.determine_clipboard()
            if not copy_function:
                return "no system clipboard found"
            backend.copy(text)
        except Exception as error:  # any backend failure becomes a toast
            return f"system clipboard failed ({_first_line(error)})"
        return None

    def _send_osc52(self, text: str) -> str | None:
        """Hand the text to the app's OSC 52 sender; None on success, else the error."""
        assert self._osc52 is not None
        try:
            self._osc52(text)
        except Exception as error:  # never raise into a key handler
            return _first_line(error)
        return None


def _pyperclip() -> ClipboardBackend:
    """The real backend, imported late so a missing or broken pyperclip is only a toast."""
    import pyperclip

    return cast(ClipboardBackend, pyperclip)


def _system_done(label: str) -> CopyResult:
    return CopyResult(True, "system", f"Copied {label} to the clipboard")


def _osc52_done(label: str) -> CopyResult:
    return CopyResult(True, "osc52", f"Copied {label} via OSC 52 — {OSC52_CAVEAT}")


def _chars(text: str) -> str:
    count = len(text)
    return f"{count} char" if count == 1 else f"{count} chars"


def _first_line(error: BaseException) -> str:
    """An exception as one short phrase: pyperclip's messages run to several sentences."""
    lines = str(error).strip().splitlines()
    if not lines:
        return type(error).__name__
    first_sentence, _dot, _rest = lines[0].partition(". ")
    return first_sentence.rstrip(".")
