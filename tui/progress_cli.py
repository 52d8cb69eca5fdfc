"""Progress on the command line: a Rich bar on stderr while a person watches, nothing in a pipe.

Used by `tgreader export` (building an index), `tgreader fetch` (pages fetched) and anything
else the CLI runs for a while. The bar is transient: it is gone when the work ends, so the
terminal keeps only the results and the warnings. When stderr is not a terminal (a script, a
redirect, CI) these helpers yield None and write nothing, so callers pass the result straight
on as their optional `progress` callback.
"""

from __future__ import annotations

import sys
from collections.abc import Callable, Iterator
from contextlib import contextmanager
from typing import TextIO

from rich.console import Console
from rich.progress import (
    BarColumn,
    DownloadColumn,
    Progress,
    ProgressColumn,
    SpinnerColumn,
    TextColumn,
    TimeRemainingColumn,
)

from tui.safetext import visible

ByteProgress = Callable[[int, int], None]  # (done bytes, total bytes)
StatusLine = Callable[[str], None]  # what is happening now, in a few words


def _watched(stream: TextIO | None) -> TextIO | None:
    stream = sys.stderr if stream is None else stream
    try:
        return stream if stream.isatty() else None
    except (AttributeError, ValueError):  # a closed or odd stream: nobody is watching
        return None


def _progress(stream: TextIO, *columns: ProgressColumn) -> Progress:
    console = Console(file=stream, stderr=stream is sys.stderr, highlight=False, markup=False)
    return Progress(*columns, console=console, transient=True)


@contextmanager
def byte_progress(what: str, stream: TextIO | None = None) -> Iterator[ByteProgress | None]:
    """A bar for work measured in bytes: `tgreader: indexing ━━━━━━━╺━━━ 120/292 MB 0:00:03`.

    Yields the callback to hand on (None when nobody watches). `what` is shown as plain text
    (never markup, control characters made visible): it can hold a file name."""
    watched = _watched(stream)
    if watched is None:
        yield None
        return
    with _progress(watched, TextColumn("tgreader: {task.fields[what]}", markup=False), BarColumn(),
                   DownloadColumn(), TimeRemainingColumn()) as progress:  # fmt: skip
        task = progress.add_task("", total=None, what=visible(what))

        def update(done: int, total: int) -> None:
            progress.update(task, completed=done, total=max(total, 1))

        yield update


@contextmanager
def status_line(what: str, stream: TextIO | None = None) -> Iterator[StatusLine | None]:
    """A spinner and one line that the work rewrites as it goes, for work with no known end:
    `⠋ tgreader: @name: 3 pages, 60 new posts`. Yields None when nobody watches."""
    watched = _watched(stream)
    if watched is None:
        yield None
        return
    with _progress(watched, SpinnerColumn(),
                   TextColumn("tgreader: {task.fields[what]}", markup=False)) as progress:
        task = progress.add_task("", total=None, what=visible(what))

        def say(now: str) -> None:  # seldom (a page a second): every state is drawn
            progress.update(task, what=visible(now), refresh=True)

        yield say
