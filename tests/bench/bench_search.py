"""Search at scale: the index's bitmaps (`tui.search_bits`) against FTS5 alone and `grep -c -i`.

    python -m tests.bench.bench_search INDEX [--archive FILE] [--upgrade] [--rounds N]

INDEX is an archive index (`index-*.sqlite` in the cache folder). Every query of
`bench_probe.QUERIES` is searched through `Library.matching(Filter(query=q))` with the
bitmaps, and again with FTS5 alone (the same index, its bitmaps ignored): the hits must be
identical, query by query (the benchmark stops otherwise). Then the same queries within a
filter (the first year of the date tree: `matching(Filter(period=…, query=q))`). Times are
CPU seconds of this process (the machine is shared; wall seconds are printed too). With
`--archive`, `grep -c -i` of each query's first word over that file is timed as well (its
CPU: user + system of the child).

`--upgrade` first writes the bitmaps into INDEX in place, as a build does at its end (for an
index built before they existed: copy it first, this changes the file), and prints what that
cost and how much it added to the file.
"""

from __future__ import annotations

import argparse
import os
import resource
import sqlite3
import statistics
import subprocess
import sys
import time
from pathlib import Path

from tests.bench.bench_probe import QUERIES, quantile


def upgrade(path: Path) -> None:
    from tui.index import SCHEMA_VERSION
    from tui.search_bits import SEARCH_BITS_TABLE, write_search_bits

    size = path.stat().st_size
    conn = sqlite3.connect(path, isolation_level=None)
    conn.execute("BEGIN")
    conn.execute("DROP TABLE IF EXISTS search_bits")
    conn.executescript(SEARCH_BITS_TABLE.replace("CREATE TABLE", "CREATE TABLE IF NOT EXISTS"))
    conn.execute("BEGIN")
    posts = int(conn.execute("SELECT value FROM meta WHERE key = 'posts'").fetchone()[0])
    cpu, wall = time.process_time(), time.perf_counter()
    write_search_bits(conn, posts)
    cpu, wall = time.process_time() - cpu, time.perf_counter() - wall
    conn.execute("UPDATE meta SET value = ? WHERE key = 'schema'", (SCHEMA_VERSION,))
    conn.execute("COMMIT")
    stored, shared, bytes_ = conn.execute(
        "SELECT count(bits), count(same), ifnull(sum(length(bits)), 0) FROM search_bits"
    ).fetchone()
    conn.close()
    print(f"upgrade: {posts:,} posts; bitmaps written in {cpu:.2f} s CPU ({wall:.2f} s wall): "
          f"{stored:,} bitmaps + {shared:,} shared starts, {bytes_ / 1e6:.1f} MB; file "
          f"{size / 1e6:,.1f} -> {path.stat().st_size / 1e6:,.1f} MB")


def open_index(path: Path, bitmaps: bool) -> object:
    from tui.index import _load
    from tui.index_health import connect_whole
    from tui.library import Library

    conn = connect_whole(path, "index")
    meta = dict(conn.execute("SELECT key, value FROM meta"))
    index = _load(conn, path, meta)
    if not bitmaps:
        index.search_bits = 0
    return Library(index)


def timed(library: object, filters: list[object]) -> tuple[list[float], list[float], list[int]]:
    cpu: list[float] = []
    wall: list[float] = []
    hits: list[int] = []
    for flt in filters:
        c, w = time.process_time(), time.perf_counter()
        found = library.matching(flt)  # type: ignore[attr-defined]
        cpu.append(time.process_time() - c)
        wall.append(time.perf_counter() - w)
        hits.append(hash(tuple(found)) ^ len(found))
    return cpu, wall, hits


def line(name: str, cpu: list[float], wall: list[float]) -> str:
    return (f"{name:<26} CPU p50 {statistics.median(cpu) * 1000:8.1f} ms  "
            f"p95 {quantile(cpu, 0.95) * 1000:8.1f} ms   wall p50 "
            f"{statistics.median(wall) * 1000:8.1f} ms  p95 {quantile(wall, 0.95) * 1000:8.1f} ms")


def grep_times(archive: Path) -> tuple[list[float], list[float]]:
    cpu: list[float] = []
    wall: list[float] = []
    for query in QUERIES:
        word = query.split()[0]
        before = resource.getrusage(resource.RUSAGE_CHILDREN)
        w = time.perf_counter()
        # Its output read (to /dev/null, GNU grep stops at the first match)
        subprocess.run(["grep", "-c", "-i", "--", word, str(archive)], check=False,
                       capture_output=True, env={**os.environ, "LC_ALL": "C.UTF-8"})
        wall.append(time.perf_counter() - w)
        after = resource.getrusage(resource.RUSAGE_CHILDREN)
        cpu.append(after.ru_utime - before.ru_utime + after.ru_stime - before.ru_stime)
    return cpu, wall


def main(argv: list[str]) -> None:
    from tui.library import Filter

    parser = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    parser.add_argument("index", type=Path)
    parser.add_argument("--archive", type=Path)
    parser.add_argument("--upgrade", action="store_true")
    parser.add_argument("--rounds", type=int, default=1)
    args = parser.parse_args(argv)
    if args.upgrade:
        upgrade(args.index)
    fast = open_index(args.index, True)
    plain = open_index(args.index, False)
    periods = [node.period for node in fast.date_tree()]  # type: ignore[attr-defined]
    print(f"{len(fast):,} posts; {len(QUERIES)} queries; within: period {periods[0]}")  # type: ignore[arg-type]
    searches = [Filter(query=q) for q in QUERIES]
    within = [Filter(period=periods[0], query=q) for q in QUERIES]
    for name, filters in (("search", searches), ("search within a year", within)):
        results = {}
        for which, library in (("bitmaps", fast), ("FTS5 alone", plain)):
            cpu: list[float] = []
            wall: list[float] = []
            for _round in range(args.rounds):
                c, w, hits = timed(library, filters)
                cpu += c
                wall += w
            results[which] = hits
            print(line(f"{name}, {which}", cpu, wall))
        if results["bitmaps"] != results["FTS5 alone"]:
            bad = [q for q, a, b in zip(QUERIES, results["bitmaps"], results["FTS5 alone"],
                                        strict=True) if a != b]  # fmt: skip
            sys.exit(f"DIFFERENT HITS for {bad}")
        print(f"{name}: hits identical for all {len(filters)} queries")
    alone = [Filter(period=periods[0])] * len(QUERIES)
    cpu, wall, _hits = timed(fast, alone)
    print(line("the year's filter alone", cpu, wall))
    counts = [len(fast.matching(f)) for f in searches]  # type: ignore[attr-defined]
    print("hits:", ", ".join(f"{q} {n:,}" for q, n in zip(QUERIES, counts, strict=True)))
    if args.archive is not None:
        cpu, wall = grep_times(args.archive)
        print(line("grep -c -i (first word)", cpu, wall))


if __name__ == "__main__":
    main(sys.argv[1:])
