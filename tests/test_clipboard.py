"""Where copied text goes and what the toast says, with a fake pyperclip and a tiny Textual app.

No test touches the real clipboard: pyperclip is replaced by `FakePyperclip` (conftest), and
the OSC 52 path is checked through what a throwaway Textual app was handed to send.
"""

from __future__ import annotations

from collections.abc import Callable
from typing import Any

import pyperclip
import pytest
from conftest import FakePyperclip
from textual.app import App

from tui.clipboard import INSTALL_HINT, Clipboard, CopyResult, resolve_mode

TEXT = "“Наши оценки полностью совпадают” — Russian MFA 🇷🇺, Telegram, 15 September 2022"
SSH_ENV = {"SSH_TTY": "/dev/pts/3", "SSH_CONNECTION": "10.0.0.2 52144 10.0.0.1 22"}
LOCAL_ENV = {"DISPLAY": ":0"}


class Terminal:
    """Records the app's OSC 52 sender calls, optionally failing like a broken driver."""

    def __init__(self, error: Exception | None = None) -> None:
        self.error = error
        self.received: list[str] = []

    def __call__(self, text: str) -> None:
        if self.error is not None:
            raise self.error
        self.received.append(text)


def no_clipboard_error() -> pyperclip.PyperclipException:
    """The exception pyperclip 1.11 raises from `copy` when it has no backend."""
    try:
        pyperclip.init_no_clipboard()[0]("x")
    except pyperclip.PyperclipException as error:
        return error
    raise AssertionError("pyperclip's no-clipboard stub did not raise")


class TestResolveMode:
    def test_defaults_to_auto(self) -> None:
        assert resolve_mode(None, {}) == "auto"

    def test_environment_chooses_when_no_flag(self) -> None:
        assert resolve_mode(None, {"TGREADER_CLIPBOARD": "osc52"}) == "osc52"

    def test_flag_wins_over_environment(self) -> None:
        assert resolve_mode("system", {"TGREADER_CLIPBOARD": "osc52"}) == "system"

    def test_case_and_spaces_do_not_matter_and_empty_is_unset(self) -> None:
        assert resolve_mode(" OSC52 ", {}) == "osc52"
        assert resolve_mode("", {"TGREADER_CLIPBOARD": "System"}) == "system"
        assert resolve_mode(None, {"TGREADER_CLIPBOARD": ""}) == "auto"

    def test_bad_flag_names_the_flag_and_the_choices(self) -> None:
        with pytest.raises(ValueError) as caught:
            resolve_mode("xclip", {})
        message = str(caught.value)
        assert message == "--clipboard must be one of auto, system, osc52, not 'xclip'"

    def test_bad_environment_value_names_the_variable(self) -> None:
        with pytest.raises(ValueError, match=r"^TGREADER_CLIPBOARD must be one of .*'tmux'$"):
            resolve_mode(None, {"TGREADER_CLIPBOARD": "tmux"})

    def test_bad_environment_value_is_ignored_when_the_flag_decides(self) -> None:
        assert resolve_mode("auto", {"TGREADER_CLIPBOARD": "tmux"}) == "auto"


class TestAutoLocal:
    def test_system_clipboard_first(self) -> None:
        backend, terminal = FakePyperclip(), Terminal()
        result = Clipboard(osc52=terminal, env=LOCAL_ENV, backend=backend).copy(TEXT, "citation")
        assert backend.copied == [TEXT]
        assert terminal.received == []
        assert result == CopyResult(
            True, "system", f"Copied citation ({len(TEXT)} chars) to the clipboard"
        )

    def test_no_backend_falls_back_to_osc52_and_warns(self) -> None:
        backend, terminal = FakePyperclip(available=False), Terminal()
        result = Clipboard(osc52=terminal, env={}, backend=backend).copy("x", "1 paragraph")
        assert terminal.received == ["x"]
        assert backend.copied == []
        assert result.ok and result.method == "osc52"
        assert result.message == (
            "Copied 1 paragraph (1 char) via OSC 52 — your terminal must allow clipboard access"
        )

    def test_backend_raising_pyperclip_exception_falls_back_to_osc52(self) -> None:
        backend, terminal = FakePyperclip(error=no_clipboard_error()), Terminal()
        result = Clipboard(osc52=terminal, env={}, backend=backend).copy(TEXT)
        assert terminal.received == [TEXT]
        assert (result.ok, result.method) == (True, "osc52")

    def test_backend_raising_os_error_falls_back_to_osc52(self) -> None:
        backend = FakePyperclip(error=FileNotFoundError("xclip"))
        terminal = Terminal()
        result = Clipboard(osc52=terminal, env={}, backend=backend).copy(TEXT)
        assert (result.ok, result.method, terminal.received) == (True, "osc52", [TEXT])

    def test_nothing_available_says_why_and_what_to_install(self) -> None:
        result = Clipboard(env={}, backend=FakePyperclip(available=False)).copy(TEXT, "citation")
        assert result.ok is False
        assert result.method == "none"
        assert result.message.startswith("Could not copy citation")
        assert "no system clipboard found" in result.message
        assert result.message.endswith(INSTALL_HINT)

    def test_both_failing_reports_both_reasons(self) -> None:
        backend = FakePyperclip(error=no_clipboard_error())
        terminal = Terminal(error=RuntimeError("driver gone"))
        result = Clipboard(osc52=terminal, env={}, backend=backend).copy(TEXT)
        assert (result.ok, result.method) == (False, "none")
        assert "Pyperclip could not find a copy/paste mechanism for your system" in result.message
        assert "visit" not in result.message  # pyperclip's long help text stays out of the toast
        assert "OSC 52 failed (driver gone)" in result.message
        assert "\n" not in result.message

    def test_determine_clipboard_raising_is_a_failure_not_a_crash(self) -> None:
        backend = FakePyperclip()
        backend.determine_clipboard = _raise(OSError("no /proc"))  # type: ignore[method-assign]
        result = Clipboard(env={}, backend=backend).copy(TEXT)
        assert (result.ok, result.method) == (False, "none")
        assert "no /proc" in result.message


class TestAutoOverSsh:
    def test_prefers_osc52_and_leaves_the_remote_clipboard_alone(self) -> None:
        backend, terminal = FakePyperclip(), Terminal()
        result = Clipboard(osc52=terminal, env=SSH_ENV, backend=backend).copy(TEXT)
        assert terminal.received == [TEXT]
        assert backend.copied == []
        assert result.method == "osc52"
        assert "your terminal must allow clipboard access" in result.message

    @pytest.mark.parametrize("variable", ["SSH_TTY", "SSH_CONNECTION"])
    def test_either_variable_marks_an_ssh_session(self, variable: str) -> None:
        backend, terminal = FakePyperclip(), Terminal()
        Clipboard(osc52=terminal, env={variable: "x"}, backend=backend).copy(TEXT)
        assert terminal.received == [TEXT]

    def test_without_an_osc52_sender_uses_pyperclip(self) -> None:
        backend = FakePyperclip()
        result = Clipboard(env=SSH_ENV, backend=backend).copy(TEXT)
        assert backend.copied == [TEXT]
        assert result.method == "system"

    def test_osc52_failing_falls_back_to_pyperclip(self) -> None:
        backend, terminal = FakePyperclip(), Terminal(error=RuntimeError("closed"))
        result = Clipboard(osc52=terminal, env=SSH_ENV, backend=backend).copy(TEXT)
        assert backend.copied == [TEXT]
        assert (result.ok, result.method) == (True, "system")

    def test_both_failing_over_ssh_explains(self) -> None:
        terminal = Terminal(error=RuntimeError("closed"))
        result = Clipboard(
            osc52=terminal, env=SSH_ENV, backend=FakePyperclip(available=False)
        ).copy(TEXT)
        assert (result.ok, result.method) == (False, "none")
        assert "OSC 52 failed (closed)" in result.message
        assert result.message.endswith(INSTALL_HINT)


class TestForcedModes:
    def test_system_never_uses_osc52(self) -> None:
        terminal = Terminal()
        result = Clipboard(
            "system", osc52=terminal, env=SSH_ENV, backend=FakePyperclip(available=False)
        ).copy(TEXT, "whole post")
        assert terminal.received == []
        assert (result.ok, result.method) == (False, "none")
        assert result.message.startswith("Could not copy whole post")
        assert "install xclip or xsel (X11) or wl-clipboard (Wayland)" in result.message
        assert "--clipboard osc52" in result.message

    def test_system_over_ssh_still_uses_pyperclip(self) -> None:
        backend = FakePyperclip()
        result = Clipboard("system", osc52=Terminal(), env=SSH_ENV, backend=backend).copy(TEXT)
        assert backend.copied == [TEXT]
        assert result.method == "system"

    def test_system_backend_raising_is_explained(self) -> None:
        backend = FakePyperclip(error=no_clipboard_error())
        result = Clipboard("system", env={}, backend=backend).copy(TEXT)
        assert (result.ok, result.method) == (False, "none")
        assert "system clipboard failed" in result.message

    def test_osc52_never_touches_pyperclip(self) -> None:
        backend, terminal = FakePyperclip(), Terminal()
        result = Clipboard("osc52", osc52=terminal, env={}, backend=backend).copy(TEXT)
        assert backend.copied == []
        assert terminal.received == [TEXT]
        assert result.method == "osc52"

    def test_osc52_without_a_sender_fails_plainly(self) -> None:
        backend = FakePyperclip()
        result = Clipboard("osc52", env={}, backend=backend).copy(TEXT)
        assert backend.copied == []
        assert (result.ok, result.method) == (False, "none")
        assert "OSC 52 is not available" in result.message

    def test_osc52_sender_raising_is_reported(self) -> None:
        terminal = Terminal(error=RuntimeError("closed"))
        result = Clipboard("osc52", osc52=terminal, env={}).copy(TEXT)
        assert (result.ok, result.message) == (
            False,
            f"Could not copy text ({len(TEXT)} chars): OSC 52 failed (closed)",
        )

    def test_unknown_mode_is_refused_at_construction(self) -> None:
        with pytest.raises(ValueError, match="clipboard mode must be one of"):
            Clipboard("tmux")  # type: ignore[arg-type]


def test_empty_text_leaves_the_clipboard_alone() -> None:
    backend, terminal = FakePyperclip(), Terminal()
    result = Clipboard(osc52=terminal, env={}, backend=backend).copy("", "1 paragraph")
    assert backend.copied == [] and terminal.received == []
    assert (result.ok, result.method) == (False, "none")
    assert result.message == "Nothing to copy: the 1 paragraph is empty"


def test_char_count_counts_characters_not_bytes() -> None:
    result = Clipboard(env={}, backend=FakePyperclip()).copy("Россия 🇷🇺", "citation")
    assert "(9 chars)" in result.message


def _raise(error: Exception) -> Callable[[], Any]:
    def fail() -> Any:
        raise error

    return fail


class CopyApp(App[None]):
    """A throwaway app: only its `copy_to_clipboard` matters here."""


class TestOsc52ThroughTextual:
    """The text handed to Textual's `copy_to_clipboard` (which writes the OSC 52 sequence and
    keeps the text as `App.clipboard`) is the text copied, intact, or nothing at all."""

    async def _copy_in_app(
        self, clipboard_for: Callable[[App[None]], Clipboard]
    ) -> tuple[CopyResult, list[str]]:
        app = CopyApp()
        async with app.run_test():
            result = clipboard_for(app).copy(TEXT, "citation")
            sent = [app.clipboard] if app.clipboard else []
        return result, sent

    async def test_osc52_mode_sends_the_text_to_the_terminal(self) -> None:
        result, sent = await self._copy_in_app(
            lambda app: Clipboard("osc52", osc52=app.copy_to_clipboard, env={})
        )
        assert sent == [TEXT]
        assert result.ok and result.method == "osc52"

    async def test_auto_over_ssh_sends_osc52_not_pyperclip(self) -> None:
        backend = FakePyperclip()
        result, sent = await self._copy_in_app(
            lambda app: Clipboard(osc52=app.copy_to_clipboard, env=SSH_ENV, backend=backend)
        )
        assert sent == [TEXT]
        assert backend.copied == []
        assert result.method == "osc52"

    async def test_auto_headless_falls_back_to_osc52(self) -> None:
        backend = FakePyperclip(available=False)
        result, sent = await self._copy_in_app(
            lambda app: Clipboard(osc52=app.copy_to_clipboard, env={}, backend=backend)
        )
        assert sent == [TEXT]
        assert "your terminal must allow clipboard access" in result.message

    async def test_system_copy_writes_no_escape_sequence(self) -> None:
        backend = FakePyperclip()
        _result, sent = await self._copy_in_app(
            lambda app: Clipboard(osc52=app.copy_to_clipboard, env={}, backend=backend)
        )
        assert sent == []
        assert backend.copied == [TEXT]
