"""What differs on Windows and macOS, proved here as far as Linux can: no `fcntl` at import,
the msvcrt lock's calls, F_FULLFSYNC, and replacing a file another program holds open."""

from __future__ import annotations

import errno
import os
import subprocess
import sys
from pathlib import Path
from types import SimpleNamespace

import pytest
from conftest import snap

from tui.storage import StorageError, Store, atomic, portable

ROOT = Path(__file__).resolve().parent.parent
LOCK_HOLDER = ROOT / "tests" / "helpers" / "lock_holder.py"


def run_python(code: str) -> subprocess.CompletedProcess[str]:
    """Run `code` in a fresh Python (so its sys.modules starts clean); it must succeed."""
    result = subprocess.run(
        [sys.executable, "-c", code], cwd=ROOT, capture_output=True, text=True, timeout=60
    )
    assert result.returncode == 0, result.stderr
    return result



def test_the_whole_app_imports_and_saves_without_fcntl(tmp_path: Path) -> None:
    code = (
        "import sys; sys.modules['fcntl'] = None\n"
        "import tui.app, tui.cli, tui.storage\n"
        "from pathlib import Path\n"
        "from tui.model import PostSnapshot\n"
        "from tui.storage.atomic import lock_backend\n"
        f"store = tui.storage.Store.open(Path({str(tmp_path / 'library.json')!r}))\n"
        "store.add_note(PostSnapshot('p', 'src', 'T', None), 'saved without fcntl')\n"
        "store.close()\n"
        "print(lock_backend().name, 'fcntl' in sys.modules and sys.modules['fcntl'] is None)\n"
    )
    result = run_python(code)
    assert result.stdout.split() == ["lockf", "True"]
    assert [n.body for n in Store.open(tmp_path / "library.json").notes()] == [
        "saved without fcntl"
    ]


def fake_msvcrt() -> SimpleNamespace:
    """Windows' msvcrt.locking, played by lockf: both lock bytes from the current position,
    per process, and refuse at once with EACCES when another process holds them."""
    calls: list[tuple[int, int]] = []

    def locking(fd: int, mode: int, nbytes: int) -> None:
        calls.append((mode, os.lseek(fd, 0, os.SEEK_CUR)))
        try:
            os.lockf(fd, os.F_TLOCK if mode == 2 else os.F_ULOCK, nbytes)
        except OSError as error:
            raise OSError(errno.EACCES, "Permission denied") from error

    return SimpleNamespace(LK_NBLCK=2, LK_UNLCK=0, locking=locking, calls=calls)


def test_without_fcntl_windows_msvcrt_lock_is_chosen_and_keeps_others_out(
    tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    msvcrt = fake_msvcrt()
    monkeypatch.setitem(sys.modules, "fcntl", None)  # type: ignore[arg-type]
    monkeypatch.setitem(sys.modules, "msvcrt", msvcrt)  # type: ignore[arg-type]
    backend = portable.pick_lock_backend()
    assert backend.name == "msvcrt"
    db = tmp_path / "library.json"
    store = Store.open(db)
    store.lock.backend = backend
    store.add_note(snap("p1"), "first")
    assert msvcrt.calls and all(offset == 0 for _mode, offset in msvcrt.calls)

    env = {**os.environ, "TGREADER_TEST_NO_FCNTL": "1"}  # the holder uses lockf, like us
    holder = subprocess.Popen(
        [sys.executable, str(LOCK_HOLDER), str(db)],
        stdin=subprocess.PIPE,
        stdout=subprocess.PIPE,
        text=True,
        env=env,
    )
    assert holder.stdin is not None and holder.stdout is not None
    try:
        assert holder.stdout.readline().split() == ["held", "lockf"]
        store.lock.timeout_s = 0.1
        with pytest.raises(StorageError, match="another tgreader has held"):
            store.add_note(snap("p2"), "waits")
    finally:
        holder.stdin.close()
        holder.wait(10)
    store.add_note(snap("p2"), "second")
    assert [n.body for n in Store.open(db).notes()] == ["first", "second"]
    # The counter in the lock file survived every open: the lock never truncates it.
    assert store.lock.generation() >= 2


def test_on_macos_a_save_asks_for_f_fullfsync(
    tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    full_syncs: list[int] = []
    fake_fcntl = SimpleNamespace(F_FULLFSYNC=51, fcntl=lambda fd, op: full_syncs.append(op))
    monkeypatch.setattr(sys, "platform", "darwin")
    monkeypatch.setitem(sys.modules, "fcntl", fake_fcntl)  # type: ignore[arg-type]
    atomic.use_lock_backend(portable.lockf_backend())  # flock lives in the fake fcntl
    try:
        Store.open(tmp_path / "library.json").add_note(snap("p"), "durable")
    finally:
        atomic.use_lock_backend(None)
    assert 51 in full_syncs


def test_replacing_a_file_held_open_elsewhere_is_retried_then_fails_in_one_line(
    tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    db = tmp_path / "library.json"
    store = Store.open(db)
    real_replace = os.replace
    refusals = {"left": 3}

    def busy_replace(source: object, target: object) -> None:
        if refusals["left"] > 0:
            refusals["left"] -= 1
            raise PermissionError(errno.EACCES, "Access is denied")
        real_replace(source, target)  # type: ignore[arg-type]

    monkeypatch.setattr(portable, "RETRY_REPLACE", True)
    monkeypatch.setattr(portable, "REPLACE_RETRY_S", 0.3)
    monkeypatch.setattr(os, "replace", busy_replace)
    store.add_note(snap("p1"), "saved on the fourth try")
    assert refusals["left"] == 0

    store.add_note(snap("p2"), "saved in the journal")  # appended: nothing replaced

    refusals["left"] = 10**9  # the other program never lets go
    with pytest.raises(StorageError) as caught:
        store.close()  # which writes the file whole, with the journal folded in
    message = str(caught.value)
    assert message.startswith(f"cannot save notes to {db}: another program keeps the file open")
    assert "\n" not in message
    monkeypatch.undo()
    assert [n.body for n in Store.open(db).notes()] == [
        "saved on the fourth try",
        "saved in the journal",
    ]
    assert list(tmp_path.glob(".library.json.tmp-*")) == []


def test_no_module_of_tui_needs_a_posix_only_module_at_import() -> None:
    code = (
        "import importlib, pkgutil, sys\n"
        "for name in ('fcntl', 'termios', 'tty', 'pty', 'pwd', 'grp', 'resource', 'syslog'):\n"
        "    sys.modules[name] = None\n"
        "import tui\n"
        "names = [m.name for m in pkgutil.walk_packages(tui.__path__, 'tui.')]\n"
        "for name in names:\n"
        "    if name != 'tui.__main__':  # runs the app\n"
        "        importlib.import_module(name)\n"
        "print(len(names))\n"
    )
    result = run_python(code)
    assert int(result.stdout) > 20
