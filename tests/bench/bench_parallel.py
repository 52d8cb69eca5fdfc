"""Where parsing an archive's files on two cores pays: `python -m tests.bench.bench_parallel`.

For the first 1, 2, 4, … files of a generated HTML export (pages of 270 messages, 0.7 MB
each, as `bench_html` generates), the first index (`open_library` with an empty cache) is
built on one core and with worker processes (`tui.parse_pool`), back to back, and the two
libraries compared post for post. Prints, for each: the wall time of each build and of its
parse phase (`_segments`: what the workers share), the CPU time of this process and of the
workers it started (their start included), and the ratios. On a quiet machine of two cores
the wall-time ratio is the speed-up; on a busy one (where the other core is taken) only the
CPU split means something: how much of the parse left this process, and what the workers
paid to start. Figures only; nothing here asserts a time.
"""

from __future__ import annotations

import os
import resource
import sys
import tempfile
import time
from collections.abc import Iterator
from contextlib import contextmanager
from pathlib import Path

import tui.index as index
from tests.bench.bench_html import generated
from tui import parse_pool


def children_cpu() -> float:
    usage = resource.getrusage(resource.RUSAGE_CHILDREN)
    return usage.ru_utime + usage.ru_stime


@contextmanager
def parse_phase(into: list[float]) -> Iterator[None]:
    """Times `index._segments` (the parse of every file into its segment)."""
    real = index._segments

    def timed(*args, **kwargs):  # type: ignore[no-untyped-def]
        start = time.perf_counter()
        try:
            return real(*args, **kwargs)
        finally:
            into.append(time.perf_counter() - start)

    index._segments = timed  # type: ignore[assignment]
    try:
        yield
    finally:
        index._segments = real  # type: ignore[assignment]


def build(folder: Path, workers: bool) -> tuple[list[object], float, float, float, float]:
    """(posts, wall, parse-phase wall, own CPU, workers' CPU) of one first index."""
    parse_pool.MIN_BYTES = 0 if workers else 1 << 62
    phase: list[float] = []
    with tempfile.TemporaryDirectory() as cache, parse_phase(phase):
        cpu, child, wall = time.process_time(), children_cpu(), time.perf_counter()
        posts = list(index.open_library([folder], lambda _m: None, cache=Path(cache)))
        return (posts, time.perf_counter() - wall, phase[0], time.process_time() - cpu,
                children_cpu() - child)  # fmt: skip


def main() -> None:
    source = generated(21_600)
    pages = sorted(source.glob("messages*.html"),
                   key=lambda p: int(p.stem.removeprefix("messages") or 1))
    counts = [int(a) for a in sys.argv[1].split(",")] if len(sys.argv) > 1 else [
        2, 4, 8, 16, 40, 80]
    print(f"cores usable: {parse_pool.usable_cores()}; load average "
          f"{os.getloadavg()[0]:.1f} at the start")
    print("| files | MB | one core: wall (parse) | workers: wall (parse) | wall ratio (parse) "
          "| CPU here: one core; with workers | workers' CPU | same posts |")
    print("|---|---|---|---|---|---|---|---|")
    with tempfile.TemporaryDirectory() as scratch:
        for count in counts:
            folder = Path(scratch) / f"export-{count}"
            folder.mkdir()
            for page in pages[:count]:
                (folder / page.name).symlink_to(page)
            size = sum(p.stat().st_size for p in pages[:count])
            one = build(folder, workers=False)
            two = build(folder, workers=True)
            print(f"| {count} | {size / 1e6:.1f} | {one[1]:.2f} s ({one[2]:.2f} s) "
                  f"| {two[1]:.2f} s ({two[2]:.2f} s) | {one[1] / two[1]:.2f}x "
                  f"({one[2] / two[2]:.2f}x) | {one[3]:.2f} s; {two[3]:.2f} s | {two[4]:.2f} s "
                  f"| {'yes' if one[0] == two[0] else 'NO'} |", flush=True)


if __name__ == "__main__":
    main()
