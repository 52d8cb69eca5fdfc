"""The machine's other cores parse an archive's files while this process parses its own.

A first open of an archive of many files (a Desktop HTML export is a page per 1,000
messages) spends most of its time parsing, file after file, each into its own segment
(`tui.segments`). Where the machine has more than one core for us and there is enough to
parse that a worker process pays for its start (about 0.3 s of CPU to start Python and
import the readers; `python -m tests.bench.bench_parallel` measures where that pays), worker
processes parse files from the end of the archive backwards while the build parses from the
front, each file into its segment file and nothing more: the build then reads each worker's
segment as it reads one from an earlier run, so posts are shown, warned about, merged and
stored exactly as a build on one core does (the tests compare them).

Who parses a file is decided when its parse starts, under one lock: a worker's task for a
file the build has already begun returns at once, and the build waits only for a file a
worker is in the middle of. `cancel` reaches the workers through a shared event that they
check at every post (as the build does), so `q` during indexing stops them within a post,
their temporary files removed; an `IngestError` in a worker comes back as the same one line.

Workers are started with `spawn` (never `fork`: the app has threads), so they import
nothing of the app: only `tui.index` and the readers. No Textual here.
"""

from __future__ import annotations

import multiprocessing
import os
import signal
import sys
import threading
from collections.abc import Callable, Sequence
from concurrent.futures import Future, ProcessPoolExecutor
from concurrent.futures import TimeoutError as FutureTimeout
from concurrent.futures.process import BrokenProcessPool
from pathlib import Path
from typing import Any

from tui.ingest import Dump, IngestError

#: Bytes still to parse, besides the file the build starts with, from which worker
#: processes are started (measured by tests/bench/bench_parallel.py: below this a worker's
#: start costs more than its share of the parse saves).
MIN_BYTES = 6_000_000
#: How often the build looks at `cancel` while it waits for a worker's file (seconds).
WAIT_STEP_S = 0.05
#: The longest a claim waits for the lock on the claims (seconds); past it, a process that
#: died holding it is assumed and the file left to whoever comes next (the build, at worst).
CLAIM_WAIT_S = 10.0

Outcome = tuple[bool, list[str], tuple[str, str, int | None] | None]

# In a worker: the build's stop event and the claims on the files (set by `_start_worker`).
_stop: Any = None
_claims: Any = None


def usable_cores() -> int:
    """The cores this process may run on (its affinity where the system tells it)."""
    try:
        return len(os.sched_getaffinity(0))
    except AttributeError:  # pragma: no cover - macOS and Windows have no affinity call
        return os.cpu_count() or 1


def workers_for(sizes: Sequence[int]) -> int:
    """How many worker processes to start for files of these sizes still to parse, in
    reading order: none on one core, for one file, or for too little to parse."""
    cores = usable_cores()
    if cores < 2 or len(sizes) < 2 or sum(sizes[1:]) < MIN_BYTES:
        return 0
    return min(cores - 1, len(sizes) - 1)


class ParsePool:
    """Worker processes parsing the files of one build into their segment files.

    `submit` the files a worker may take, then `take(n)` each file in reading order: True
    when the build is to parse it itself, False when a worker has it (then `result(n)`
    waits for its segment file, or raises its error)."""

    def __init__(self, workers: int) -> None:
        context = multiprocessing.get_context("spawn")
        _start_tracker()
        self._stop = context.Event()
        self._claims: Any = None
        self._context = context
        self._workers = workers
        self._executor: ProcessPoolExecutor | None = None
        self._futures: dict[int, Future[Outcome]] = {}

    def submit(self, jobs: Sequence[tuple[int, Dump, str, Path]]) -> None:
        """Hand over (number, dump, segment key, segment folder) jobs; workers take them
        last first, meeting the build that goes first to last."""
        if not jobs:
            return
        self._claims = self._context.Array("b", max(n for n, *_ in jobs) + 1)
        self._executor = ProcessPoolExecutor(
            self._workers, mp_context=self._context, initializer=_start_worker,
            initargs=(self._stop, self._claims))  # fmt: skip
        for number, dump, key, folder in reversed(jobs):
            self._futures[number] = self._executor.submit(_parse_file, number, dump, key, folder)

    def take(self, number: int) -> bool:
        """Whether the build parses file `number` itself (no worker began it)."""
        if number not in self._futures:
            return True
        return _claim(self._claims, number)

    def result(self, number: int, check: Callable[[], None]
               ) -> tuple[list[str], IngestError | None] | None:  # fmt: skip
        """Once a worker has parsed file `number` into its segment: the warnings it said and
        the IngestError that stopped it, if one did; None when no worker parsed it after all
        (the build parses it). `check` is called while waiting (it raises when the build is
        cancelled); a worker that died raises BrokenProcessPool."""
        future = self._futures[number]
        while True:
            check()
            try:
                parsed, said, error = future.result(timeout=WAIT_STEP_S)
            except FutureTimeout:
                continue
            if not parsed:
                return None
            if error is None:
                return said, None
            path, message, line = error
            return said, IngestError(path, message, line=line)

    def close(self, stopped: bool) -> None:
        """End the workers: at once when the build `stopped` (each at its next post, its
        temporary file removed), else once idle. Returns when they are gone."""
        if stopped:
            self._stop.set()
        if self._executor is not None:
            self._executor.shutdown(wait=True, cancel_futures=True)
            self._executor = None


def _claim(claims: Any, number: int) -> bool:
    """Whether this process takes file `number` (nobody took it before)."""
    lock = claims.get_lock()
    if not lock.acquire(timeout=CLAIM_WAIT_S):  # pragma: no cover - its holder died
        return False
    try:
        if claims[number]:
            return False
        claims[number] = 1
        return True
    finally:
        lock.release()


_TRACKER_LOCK = threading.Lock()


def _start_tracker() -> None:
    """Start multiprocessing's resource tracker (every pool needs it) with a stderr it can
    hand to its process. In the app, Textual has replaced `sys.stderr` with a capture whose
    `fileno()` is -1, which the tracker's start refuses; it gets the null device instead (so
    nothing it might say reaches the terminal either)."""
    from multiprocessing import resource_tracker

    with _TRACKER_LOCK:
        try:
            usable = sys.stderr is None or sys.stderr.fileno() >= 0
        except (AttributeError, OSError, ValueError):
            usable = True  # the tracker leaves a stderr without a descriptor alone
        if usable:
            resource_tracker.ensure_running()
            return
        captured = sys.stderr
        with open(os.devnull, "w") as null:
            sys.stderr = null
            try:
                resource_tracker.ensure_running()
            finally:
                sys.stderr = captured


def _start_worker(stop: Any, claims: Any) -> None:
    global _stop, _claims
    _stop, _claims = stop, claims
    # Ctrl+C goes to the whole process group: the build stops its workers itself.
    signal.signal(signal.SIGINT, signal.SIG_IGN)
    # A worker never writes to the terminal (the app draws there): its standard output and
    # error go to the null device; what it has to say comes back to the build.
    null = os.open(os.devnull, os.O_WRONLY)
    os.dup2(null, 1)
    os.dup2(null, 2)
    os.close(null)


def _parse_file(number: int, dump: Dump, key: str, folder: Path) -> Outcome:
    """In a worker: parse one file into its segment file, unless the build began it or
    stopped. (whether it parsed the file, the warnings said, the IngestError's path,
    message and line or None)."""
    from tui.index import Cancelled, parse_segment_file

    said: list[str] = []
    if _stop.is_set() or not _claim(_claims, number):
        return False, said, None
    try:
        parse_segment_file(dump, key, folder, said.append, _stop)
    except IngestError as exc:
        return True, said, (exc.path, exc.message, exc.line)
    except Cancelled:
        return False, said, None
    return True, said, None


__all__ = ["MIN_BYTES", "BrokenProcessPool", "ParsePool", "usable_cores", "workers_for"]
