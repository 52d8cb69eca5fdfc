"""Shared fixtures for the pure-layer tests: the bundled sample and a way to write small dumps."""

from __future__ import annotations

import json
import subprocess
import sys
from collections.abc import Callable, Iterator, Sequence
from pathlib import Path
from typing import Any

import pyperclip
import pytest
from tmeserver import TmeServer, serve

from tui.model import Post, PostSnapshot

ROOT = Path(__file__).resolve().parent.parent
SAMPLE = ROOT / "data" / "russian_mfa_sco.txt"


class FakePyperclip:
    """Stands in for the pyperclip module and records what it was asked to copy.

    `available=False` makes `determine_clipboard` answer as pyperclip does on a headless
    machine (falsy functions); `error` makes `copy` raise it.
    """

    def __init__(self, available: bool = True, error: Exception | None = None) -> None:
        self.available = available
        self.error = error
        self.copied: list[str] = []

    def determine_clipboard(self) -> tuple[Any, Any]:
        if not self.available:
            unavailable: tuple[Any, Any] = pyperclip.init_no_clipboard()
            return unavailable
        return (self.copy, lambda: self.copied[-1])

    def copy(self, text: str) -> None:
        if self.error is not None:
            raise self.error
        self.copied.append(text)


class TtyStderr:
    """A stderr that says it is a terminal and keeps what is written to it (for the progress
    shown only to a person watching)."""

    def __init__(self) -> None:
        self.written: list[str] = []

    def isatty(self) -> bool:
        return True

    def write(self, text: str) -> int:
        self.written.append(text)
        return len(text)

    def flush(self) -> None:
        pass

    def text(self) -> str:
        return "".join(self.written)


def tgreader(*args: str) -> subprocess.CompletedProcess[str]:
    """`python -m tui ARGS` as a user runs it, from the repository's root."""
    return subprocess.run(
        [sys.executable, "-m", "tui", *args],
        cwd=ROOT, capture_output=True, text=True, encoding="utf-8", timeout=120,
    )  # fmt: skip


def one_error_line(*args: str) -> str:
    """Run `tgreader ARGS`, which must fail on bad input the promised way: exit 2, nothing on
    stdout, no traceback, exactly one line on stderr. Returns that line."""
    done = tgreader(*args)
    assert done.returncode == 2, done.stderr
    assert done.stdout == "" and "Traceback" not in done.stderr, done.stderr
    lines = done.stderr.splitlines()
    assert len(lines) == 1, lines
    return lines[0]


@pytest.fixture
def sample_path() -> Path:
    """The bundled web copy of the Russian MFA channel (9 posts, each body doubled)."""
    return SAMPLE


def write_dump(
    tmp_path: Path, text: str, name: str = "dump.txt", *, crlf: bool = False, bom: bool = False
) -> Path:
    """Write `text` (with `\\n` line ends) to tmp_path/name as UTF-8 and return the path."""
    if crlf:
        text = text.replace("\n", "\r\n")
    data = ("\ufeff" if bom else "") + text
    path = tmp_path / name
    path.write_bytes(data.encode("utf-8"))
    return path


@pytest.fixture(autouse=True)
def _index_cache(tmp_path_factory: pytest.TempPathFactory, monkeypatch: pytest.MonkeyPatch) -> None:
    """Indexes that opening an archive builds go to a temporary folder, never the user's cache
    (subprocesses inherit it through the environment)."""
    monkeypatch.setenv("TGREADER_CACHE", str(tmp_path_factory.getbasetemp() / "index-cache"))


@pytest.fixture(autouse=True)
def _no_user_config(tmp_path_factory: pytest.TempPathFactory,
                    monkeypatch: pytest.MonkeyPatch) -> None:
    """The user's own config file never changes a test: settings come from a file that does
    not exist unless a test writes it."""
    monkeypatch.setenv("TGREADER_CONFIG", str(tmp_path_factory.getbasetemp() / "no-config.toml"))

# Real exports and saved pages that people published, copied byte for byte from
# shared/data/real (see its SOURCES.md, copied beside them), so the suite needs nothing outside
# the repository.
REAL = ROOT / "tests" / "fixtures" / "real"


@pytest.fixture
def db(tmp_path: Path) -> Path:
    """Where a test's notes file goes."""
    return tmp_path / "library.json"


@pytest.fixture
def tme(monkeypatch: pytest.MonkeyPatch) -> Iterator[TmeServer]:
    """A t.me look-alike on 127.0.0.1 (tests never leave the machine); no proxy may catch a
    loopback request."""
    for var in ("HTTP_PROXY", "HTTPS_PROXY", "ALL_PROXY", "http_proxy", "https_proxy",
                "all_proxy"):  # fmt: skip
        monkeypatch.delenv(var, raising=False)
    monkeypatch.setenv("NO_PROXY", "127.0.0.1,localhost")
    with serve() as server:
        yield server


def snap(post_id: str, title: str = "A post", date: str | None = "2024-01-10") -> PostSnapshot:
    """A snapshot of a post of the sample file, for storage tests."""
    return PostSnapshot(post_id=post_id, source="sample.txt", title=title, date=date)


def load_posts(paths: Sequence[Path], warn: Callable[[str], None]) -> list[Post]:
    """Every post of the named files and folders, read the way the app, `export` and `notes
    export` read them (the one load path, here on an index in memory)."""
    from tui.index import open_library

    return list(open_library(list(paths), warn, in_memory=True))


def load_clean(*paths: Path) -> list[Post]:
    """`load_posts` of files that must load without a single warning."""
    warnings: list[str] = []
    posts = load_posts(list(paths), warnings.append)
    assert warnings == []
    return posts


def export_json(capsys: pytest.CaptureFixture[str], *args: str) -> tuple[int, list[Any], list[str]]:
    """`tgreader export --format json ARGS` in-process: exit code, posts, stderr lines."""
    from tui.cli import main

    code = main(["export", "--format", "json", *args])
    out, err = capsys.readouterr()
    assert "Traceback" not in err
    return code, (json.loads(out) if code == 0 else []), err.splitlines()


def message_text(message: dict[str, Any]) -> str:
    """A Telegram Desktop JSON message's text as a reader sees it, read from the raw message
    without tgreader: the text's parts joined, then a poll's question and `- answer` lines."""
    raw = message["text"]
    text = raw if isinstance(raw, str) else "".join(
        part if isinstance(part, str) else part["text"] for part in raw
    )
    if "poll" in message:
        answers = [f"- {a['text']}" for a in message["poll"]["answers"]]
        text = "\n".join(filter(None, [text, message["poll"]["question"], *answers]))
    return text


@pytest.fixture(params=["flock", "no-fcntl"])
def lock_mode(request: pytest.FixtureRequest, monkeypatch: pytest.MonkeyPatch) -> str:
    """Run a storage test twice: with the platform's lock (flock here), and as on a Python
    without `fcntl` (Windows has none): the module made unavailable in this process and in
    the writer subprocesses (through TGREADER_TEST_NO_FCNTL), so the portable lock is used."""
    if request.param == "no-fcntl":
        import sys

        from tui.storage import atomic, portable

        monkeypatch.setitem(sys.modules, "fcntl", None)  # type: ignore[arg-type]
        atomic.use_lock_backend(portable.pick_lock_backend())
        request.addfinalizer(lambda: atomic.use_lock_backend(None))
        assert atomic.lock_backend().name != "flock"
        monkeypatch.setenv("TGREADER_TEST_NO_FCNTL", "1")
    else:
        monkeypatch.delenv("TGREADER_TEST_NO_FCNTL", raising=False)
    return str(request.param)
