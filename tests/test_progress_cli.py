"""CLI progress: a transient Rich bar on stderr while a person watches, nothing in a pipe."""

from __future__ import annotations

import io
import re
from pathlib import Path

import pytest
from conftest import SAMPLE, TtyStderr

from tui.cli import main
from tui.progress_cli import byte_progress, status_line

ERASE_LINE = "\x1b[2K"


def test_nothing_is_drawn_when_stderr_is_not_a_terminal() -> None:
    piped = io.StringIO()
    with byte_progress("indexing", piped) as progress:
        assert progress is None
    with status_line("@chan", piped) as say:
        assert say is None
    assert piped.getvalue() == ""


def test_the_bar_shows_what_and_how_much_then_leaves_no_trace() -> None:
    terminal = TtyStderr()
    with byte_progress("indexing", terminal) as progress:
        assert progress is not None
        progress(60 << 20, 120 << 20)
    shown = terminal.text()
    assert "tgreader: indexing" in shown
    assert re.search(r"62\.9/125\.8 MB", shown), shown  # Rich counts decimal megabytes
    assert shown.endswith(ERASE_LINE)  # transient: the bar's line is wiped at the end


def test_a_status_line_draws_every_state_it_is_given() -> None:
    terminal = TtyStderr()
    with status_line("@chan: asking", terminal) as say:
        assert say is not None
        say("@chan: 1 page, 20 new posts")
        say("@chan: 2 pages, 40 new posts")
    shown = terminal.text()
    assert "tgreader: @chan: 1 page, 20 new posts" in shown
    assert "tgreader: @chan: 2 pages, 40 new posts" in shown


def test_a_hostile_name_is_shown_as_text_never_as_markup_or_escapes() -> None:
    terminal = TtyStderr()
    with status_line("[bold red]x[/] \x1b]52;c;AAAA\x07 [link=file:///etc]y[/link]", terminal):
        pass
    shown = terminal.text()
    assert "[bold red]x[/]" in shown and "[link=file:///etc]y[/link]" in shown
    assert "\x1b]52" not in shown and "\x07" not in shown and "^[]52;c;AAAA^G" in shown


def test_export_in_a_pipe_writes_only_the_posts(capsys: pytest.CaptureFixture[str]) -> None:
    assert main(["export", str(SAMPLE), "--format", "jsonl"]) == 0
    out, err = capsys.readouterr()
    assert len(out.splitlines()) == 9 and err == ""


def test_export_on_a_terminal_shows_the_indexing_bar_on_stderr_only(
    capsys: pytest.CaptureFixture[str], monkeypatch: pytest.MonkeyPatch, tmp_path: Path
) -> None:
    terminal = TtyStderr()
    monkeypatch.setattr("sys.stderr", terminal)
    monkeypatch.setenv("TGREADER_CACHE", str(tmp_path))  # a first open: the index is built
    assert main(["export", str(SAMPLE), "--format", "jsonl"]) == 0
    assert len(capsys.readouterr().out.splitlines()) == 9
    assert "tgreader: indexing" in terminal.text()
