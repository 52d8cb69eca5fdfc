"""What a user waits for, timed on a real terminal: a command started on a pseudo-terminal
(tests/ptyterm.py reads its screen frame by frame), the seconds until given words are on
screen, then `q` and the seconds until it has quit, and its peak memory.

The benchmark (`python -m tests.bench.run`) times tgreader this way next to the empty Textual
app (`tests/bench/empty_app.py`), one right after the other, so the two share the machine's
load. Figures only: a step that never comes is reported as not seen, not asserted.
"""

from __future__ import annotations

import os
import select
import signal
import sys
import time
from collections.abc import Callable, Mapping, Sequence
from dataclasses import dataclass
from pathlib import Path
from typing import Any

import tests.ptyterm as ptyterm
from tests.bench.empty_app import READY
from tests.ptyterm import TerminalStream

ROOT = Path(__file__).resolve().parents[2]
SIZE = (140, 40)
#: Every generated post's title ends "(No. N)": on screen, a post is.
FIRST_POST = "(No. "


@dataclass(frozen=True)
class Step:
    """Type `keys` (if any), then wait until `ready(screen)`; `name` keys the figure. With
    `every`, the keys are typed again every `every` seconds until then (`G` again, in case the
    list was still growing when it was first pressed)."""

    name: str
    ready: Callable[[str], bool]
    keys: str = ""
    every: float | None = None


class _Memory:
    """Peak resident memory of a process and its children, sampled from /proc now and then
    (the process's own peak comes exactly from wait4 when it ends)."""

    def __init__(self, pid: int) -> None:
        self.pid = pid
        self.peak_kb = 0
        self._next = 0.0

    def sample(self) -> None:
        now = time.monotonic()
        if now < self._next:
            return
        self._next = now + 0.05
        self.peak_kb = max(self.peak_kb, sum(_rss_kb(pid) for pid in _tree(self.pid)))


class _Again:
    """Types a step's keys at once, then again every `step.every` seconds."""

    def __init__(self, term: TerminalStream, step: Step) -> None:
        self.term, self.step = term, step
        self.next: float | None = 0.0 if step.keys else None

    def press(self) -> None:
        now = time.monotonic()
        if self.next is not None and now >= self.next:
            self.term.press(self.step.keys)
            self.next = now + self.step.every if self.step.every else None


def _tree(pid: int) -> list[int]:
    pids, todo = [], [pid]
    while todo:
        current = todo.pop()
        pids.append(current)
        for task in Path(f"/proc/{current}/task").glob("*/children"):
            try:
                todo += [int(child) for child in task.read_text().split()]
            except OSError:
                pass
    return pids


def _rss_kb(pid: int) -> int:
    try:
        for line in Path(f"/proc/{pid}/status").read_text().splitlines():
            if line.startswith("VmRSS:"):
                return int(line.split()[1])
    except OSError:
        pass
    return 0


def run(argv: Sequence[str], env: Mapping[str, str], steps: Sequence[Step],
        patience: float = 1800.0, quit_patience: float = 60.0) -> dict[str, Any]:  # fmt: skip
    """Run `argv` on a pseudo-terminal; the seconds from its start to each step (None once one
    is not seen within `patience`), the seconds `q` took to end it, and its peak RSS."""
    ptyterm.PATIENCE = patience
    start = time.perf_counter()
    term = TerminalStream(list(argv), env, size=SIZE, cwd=ROOT)
    memory = _Memory(term.process.pid)
    result: dict[str, Any] = {"steps": {}, "error": None}
    try:
        for step in steps:
            again = _Again(term, step)
            try:
                term.wait_until(lambda screen, s=step, a=again: memory.sample() or a.press()
                                or s.ready(screen), step.name)  # fmt: skip
            except AssertionError as exc:
                result["error"] = f"{step.name}: not seen ({str(exc).splitlines()[0]})"
                result["screen"] = term.screen.text
                break
            result["steps"][step.name] = time.perf_counter() - start
        result.update(_quit(term, memory, quit_patience))
    finally:
        term.close()
    return result


def _quit(term: TerminalStream, memory: _Memory, patience: float) -> dict[str, Any]:
    """Press `q` and wait for the process to end (killed after `patience`)."""
    pid = term.process.pid
    if term.process.returncode is not None:  # it ended by itself (and has been waited for)
        return {"quit_seconds": None, "exit": term.process.returncode,
                "peak_rss_mb": memory.peak_kb / 1024}  # fmt: skip
    pressed = time.perf_counter()
    try:
        term.press("q")
    except OSError:  # the process has already closed its terminal
        pass
    killed = False
    while True:
        done, status, usage = os.wait4(pid, os.WNOHANG)
        if done:
            break
        if time.perf_counter() - pressed > patience:
            os.killpg(pid, signal.SIGKILL)  # the session we started, nothing else
            done, status, usage = os.wait4(pid, 0)
            killed = True
            break
        memory.sample()
        _drain(term, 0.05)
    term.process.returncode = os.waitstatus_to_exitcode(status)
    return {
        "quit_seconds": None if killed else time.perf_counter() - pressed,
        "exit": term.process.returncode,
        "peak_rss_mb": max(usage.ru_maxrss, memory.peak_kb) / 1024,
    }


def _drain(term: TerminalStream, seconds: float) -> None:
    """Read (and drop) what the process writes for up to `seconds`, so it never blocks on a
    full terminal while it quits. Read here, not through the screen, whose error path would
    wait for the process and lose its resource usage."""
    if term.closed:
        time.sleep(seconds)
        return
    ready, _, _ = select.select([term.master], [], [], seconds)
    if ready:
        try:
            if not os.read(term.master, 1 << 16):
                term.closed = True
        except OSError:  # EIO: the other side is closed
            term.closed = True


def tgreader_argv(*paths: Path) -> list[str]:
    return [sys.executable, "-m", "tui", *map(str, paths)]


def empty_app(env: Mapping[str, str], patience: float = 120.0) -> dict[str, Any]:
    """The empty Textual app: seconds to its first screen, and its peak RSS."""
    return run([sys.executable, "-m", "tests.bench.empty_app"], env,
               [Step("first_paint", lambda screen: READY in screen)], patience)  # fmt: skip


def first_post(paths: Sequence[Path], env: Mapping[str, str], patience: float = 1800.0,
               more: Sequence[Step] = ()) -> dict[str, Any]:  # fmt: skip
    """tgreader on `paths`: seconds to the first post on screen (then to each of `more`)."""
    steps = [Step("first_post", lambda screen: FIRST_POST in screen), *more]
    return run(tgreader_argv(*paths), env, steps, patience)
