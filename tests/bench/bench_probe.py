"""One measurement per process, so each starts cold and reports its own peak memory.

`python -m tests.bench.bench_probe WHAT ARGS…` prints one JSON object. The benchmark
(`python -m tests.bench.run`) starts these; they are not tests and pytest does not collect them.

    read PATH           read and split into lines (a file, or every file of a folder), the
                        floor any reader pays; in 16 MB pieces, so memory stays flat
    ingest PATH CACHE   open_library() with an empty cache: parse and build the index
    reopen PATH CACHE   open_library() again: read the index
    app PATH            the reader, headless: first paint, next-post repaints, searches
    empty               an empty Textual app's first paint
"""

from __future__ import annotations

import time

STARTED = time.perf_counter()  # before any import: first paint counts the imports, as a user waits

import asyncio  # noqa: E402
import json  # noqa: E402
import resource  # noqa: E402
import statistics  # noqa: E402
import sys  # noqa: E402
from pathlib import Path  # noqa: E402
from typing import Any  # noqa: E402

#: 50 searches a reader of the channel might type: names, word starts, tags, Russian, pairs.
QUERIES = [
    "lavrov", "lavr", "zakharova", "zakh", "wang yi", "xi jinping", "putin", "lula", "sco",
    "brics", "cis", "csto", "eaeu", "g20", "un charter", "türkiye", "turkiye", "turk",
    "sanctions", "dollar", "currency", "ukraine crisis", "palestinian", "afghanistan",
    "eurasia", "multipolar", "sovereignty", "memorandum", "ratification", "consultations",
    "samarkand", "beijing", "astana", "tashkent", "rio de janeiro", "sergey lavrov",
    "china india", "trade sanctions", "bilateral talks", "security council", "café",
    "лавров", "лавр", "сотрудничество", "санкции", "евразия", "переговоры", "шос", "брикс",
    "многополярный",
]  # fmt: skip


def peak_rss_mb() -> float:
    return resource.getrusage(resource.RUSAGE_SELF).ru_maxrss / 1024  # KiB on Linux


def files_of(path: Path) -> list[Path]:
    """The file, or every file under the folder, in name order."""
    return [path] if path.is_file() else sorted(f for f in path.rglob("*") if f.is_file())


def probe_read(path: Path) -> dict[str, Any]:
    """What `Path.read_text().splitlines()` costs, a piece at a time: a 4 GB result.json
    decoded whole would need four times that in memory."""
    start = time.perf_counter()
    lines = 0
    for file in files_of(path):
        with file.open(encoding="utf-8") as fh:
            while piece := fh.read(1 << 24):
                lines += len(piece.splitlines())
    return {"seconds": time.perf_counter() - start, "lines": lines, "peak_rss_mb": peak_rss_mb()}


def probe_open(path: Path, cache: Path) -> dict[str, Any]:
    from tui.index import open_library

    start = time.perf_counter()
    library = open_library([path], lambda _message: None, cache=cache)
    return {"seconds": time.perf_counter() - start, "posts": len(library),
            "peak_rss_mb": peak_rss_mb()}  # fmt: skip


class PaintClock:
    """Wraps the app's display hook: when the screen was last painted, and the first paint
    once the post list shows. Headless apps skip writing escape codes, so the hook renders
    each update to a string, as writing it to a terminal would."""

    def __init__(self, app: Any, ready: Any) -> None:
        from textual._compositor import CompositorUpdate

        self.last = 0.0
        self.first_ready: float | None = None
        original = app._display

        def display(screen: Any, renderable: Any) -> None:
            original(screen, renderable)
            if renderable is None:
                return
            if isinstance(renderable, CompositorUpdate):
                renderable.render_segments(app.console)
            self.last = time.perf_counter()
            if self.first_ready is None and ready():
                self.first_ready = self.last

        app._display = display


async def probe_app(path: Path) -> dict[str, Any]:
    from tui.app import make_app
    from tui.library import Filter
    from tui.widgets.post_list import PostList
    from tui.widgets.reading_pane import ReadingPane

    app = make_app([path])

    def list_shows() -> bool:
        try:
            return app.library is not None and bool(app.query_one("#posts", PostList).rows)
        except Exception:
            return False

    clock = PaintClock(app, list_shows)
    async with app.run_test(size=(160, 48)) as pilot:
        while clock.first_ready is None:
            await asyncio.sleep(0.002)
        first_paint = clock.first_ready - STARTED
        posts = app.query_one("#posts", PostList)
        reader = app.query_one(ReadingPane)
        posts.focus()
        await pilot.pause()
        repaints: list[float] = []
        cpu: list[float] = []  # the process's CPU per press: what a loaded machine disturbs less
        for _ in range(40):
            library = app.library
            assert library is not None and posts.cursor + 1 < len(posts.rows)
            expected = library[posts.rows[posts.cursor + 1]].id
            pressed, started = time.perf_counter(), time.process_time()
            await pilot.press("j")
            await pilot.pause()
            cpu.append(time.process_time() - started)
            assert reader.post is not None and reader.post.id == expected
            repaints.append(clock.last - pressed)
        library = app.library
        assert library is not None
        searches: list[float] = []
        hits: list[int] = []
        for query in QUERIES:
            start = time.perf_counter()
            hits.append(len(library.matching(Filter(query=query))))
            searches.append(time.perf_counter() - start)
        await pilot.press("q")
    return {
        "first_paint": first_paint,
        "repaint_p50": statistics.median(repaints),
        "repaint_p95": quantile(repaints, 0.95),
        "repaint_cpu_p50": statistics.median(cpu),
        "repaint_cpu_p95": quantile(cpu, 0.95),
        "search_p50": statistics.median(searches),
        "search_p95": quantile(searches, 0.95),
        "hits": hits,
        "peak_rss_mb": peak_rss_mb(),
    }


async def probe_empty() -> dict[str, Any]:
    from textual.app import App

    app: App[None] = App()
    clock = PaintClock(app, lambda: True)
    async with app.run_test(size=(160, 48)):
        while clock.first_ready is None:
            await asyncio.sleep(0.002)
    assert clock.first_ready is not None
    return {"first_paint": clock.first_ready - STARTED, "peak_rss_mb": peak_rss_mb()}


def quantile(values: list[float], q: float) -> float:
    ordered = sorted(values)
    return ordered[min(len(ordered) - 1, round(q * (len(ordered) - 1)))]


def main(argv: list[str]) -> None:
    what = argv[0]
    if what == "read":
        result = probe_read(Path(argv[1]))
    elif what in ("ingest", "reopen"):
        result = probe_open(Path(argv[1]), Path(argv[2]))
    elif what == "app":
        result = asyncio.run(probe_app(Path(argv[1])))
    elif what == "empty":
        result = asyncio.run(probe_empty())
    else:
        raise SystemExit(f"unknown probe {what!r}")
    print(json.dumps(result))


if __name__ == "__main__":
    main(sys.argv[1:])
