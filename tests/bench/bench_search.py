"""Search at scale: the index's bitmaps (`tui.search_bits`) against FTS5 alone and `grep -c -i`.

    python -m tests.bench.bench_search INDEX [--archive FILE] [--upgrade] [--rounds N]
                                             [--within KIND] [--check]

INDEX is an archive index (`index-*.sqlite` in the cache folder). Every query of
`bench_probe.QUERIES` is searched through `Library.matching(Filter(query=q))` with the
bitmaps, and again with FTS5 alone (the same index, its bitmaps ignored): the hits must be
identical, query by query (the benchmark stops otherwise). Then the same queries within a
filter (`--within`: the first `year` of the date tree by default, or its first `month` or
`day`, the first `undated` node, the most used `tag`, the first `channel`:
`matching(Filter(period=…, query=q))`). Then filters alone, each of several values once in
turn (more than the library keeps, so none is answered from a kept filter): every year, twelve
months, twelve days, the ten most used tags, every channel, a year with a tag, the unread
posts; `--check` compares each one's posts with the filter's rule applied to every post
through the public API (slow at a million posts: a few seconds a filter). Times are
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


def within_filter(library: object, kind: str, query: str) -> object:
    from tui.library import Filter

    tree = library.date_tree()  # type: ignore[attr-defined]
    dated = [node for node in tree if node.children and not node.period.startswith("undated")]
    if kind == "year":
        return Filter(period=dated[0].period, query=query)
    if kind == "month":
        return Filter(period=next(iter(dated[0].children)), query=query)
    if kind == "day":
        month = next(iter(dated[0].children.values()))
        return Filter(period=next(iter(month.children)), query=query)
    if kind == "undated":
        return Filter(period=tree[-1].period, query=query)
    if kind == "tag":
        return Filter(tag=library.tags()[0].key, query=query)  # type: ignore[attr-defined]
    return Filter(channel=library.channels()[0].key, query=query)  # type: ignore[attr-defined]


def filters_alone(library: object) -> dict[str, list[object]]:
    """Several values of each kind of filter, to be asked once each in turn."""
    from tui.library import Filter

    tree = library.date_tree()  # type: ignore[attr-defined]
    months = [month for year in tree if not year.period.startswith("undated")
              for month in year.children.values()]  # fmt: skip
    tags = [tag.key for tag in library.tags()[:10]]  # type: ignore[attr-defined]
    kinds: dict[str, list[object]] = {
        "every year (and undated)": [Filter(period=node.period) for node in reversed(tree)],
        "twelve months": [Filter(period=month.period) for month in months[:12]],
        "twelve days": [Filter(period=day) for month in months[:12]
                        for day in list(month.children)[:1]],  # fmt: skip
        "ten tags": [Filter(tag=tag) for tag in tags],
        "a year with a tag": [Filter(period=tree[n % len(tree)].period, tag=tag)
                              for n, tag in enumerate(tags)],  # fmt: skip
        "channels": [Filter(channel=c.key) for c in library.channels()],  # type: ignore[attr-defined]
        "unread (none read)": [Filter(collection="unread")],
    }
    return {name: flts for name, flts in kinds.items() if flts}


def by_rule(library: object, flt: object) -> list[int]:
    """The posts the filter lets through, its rule applied to each post (public API)."""
    from tui.library import periods_of

    period, tag, channel = flt.period, flt.tag, flt.channel  # type: ignore[attr-defined]
    out = []
    for i in range(len(library)):  # type: ignore[arg-type]
        if period is not None and period not in periods_of(library.date_of(i)):  # type: ignore[attr-defined]
            continue
        if tag is not None and tag not in {t.casefold() for t in library.tags_of(i)}:  # type: ignore[attr-defined]
            continue
        if channel is not None and library.channel_of(i) != channel:  # type: ignore[attr-defined]
            continue
        out.append(i)
    return out


def main(argv: list[str]) -> None:
    from tui.library import Filter

    parser = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    parser.add_argument("index", type=Path)
    parser.add_argument("--archive", type=Path)
    parser.add_argument("--upgrade", action="store_true")
    parser.add_argument("--rounds", type=int, default=1)
    parser.add_argument("--within", default="year",
                        choices=["year", "month", "day", "undated", "tag", "channel"])
    parser.add_argument("--check", action="store_true")
    args = parser.parse_args(argv)
    if args.upgrade:
        upgrade(args.index)
    fast = open_index(args.index, True)
    plain = open_index(args.index, False)
    within = [within_filter(fast, args.within, q) for q in QUERIES]
    print(f"{len(fast):,} posts; {len(QUERIES)} queries; within: {within[0]}")  # type: ignore[arg-type]
    searches = [Filter(query=q) for q in QUERIES]
    for name, filters in (("search", searches), (f"search within a {args.within}", within)):
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
    alone = [within_filter(fast, args.within, "")] * len(QUERIES)
    cpu, wall, _hits = timed(fast, alone)
    print(line(f"the {args.within}'s filter alone, again", cpu, wall))
    for name, flts in filters_alone(fast).items():
        cpu, wall, _hits = timed(fast, flts)
        print(line(f"{name} ({len(flts)})", cpu, wall))
        if args.check:
            for flt in flts:
                if flt.collection is None and fast.matching(flt) != by_rule(fast, flt):  # type: ignore[attr-defined]
                    sys.exit(f"DIFFERENT POSTS for {flt}")
            print(f"{name}: the same posts as the rule, post by post")
    counts = [len(fast.matching(f)) for f in searches]  # type: ignore[attr-defined]
    print("hits:", ", ".join(f"{q} {n:,}" for q, n in zip(QUERIES, counts, strict=True)))
    if args.archive is not None:
        cpu, wall = grep_times(args.archive)
        print(line("grep -c -i (first word)", cpu, wall))


if __name__ == "__main__":
    main(sys.argv[1:])
