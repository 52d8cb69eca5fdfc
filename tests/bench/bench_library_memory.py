"""What the reader's library holds in memory per post, on an index already built.

    python -m tests.bench.bench_library_memory ARCHIVE CACHE [--traced]

Reopens the archive's index in CACHE (`open_library()`; it must have been built, e.g. by
`python -m tests.bench.bench_probe ingest ARCHIVE CACHE`), then does what the app does when it
shows the library: the tag, date and unread counts of the sidebar, the whole list
(`matching()` with no filter), a tag, a month and a search. It prints, as JSON, with
`--traced` (tracemalloc on, which makes every step several times slower):

- `retained_bytes_per_post`: Python memory the open library keeps (tracemalloc, after the
  reopen, with the list of every row dropped), divided by its posts;
- `list_bytes_per_post`: what the list of every row adds on top (a Python list of ints);
- `peak_traced_mb`: tracemalloc's peak over all of it (SQLite's own memory is not traced);

and without it:

- `peak_rss_mb`: the process's peak RSS (SQLite and the interpreter included), and
  `baseline_rss_mb`, the same process's RSS before the reopen (imports done);
- `reopen_s` and the seconds of each step: CPU seconds of this process (the machine may be
  loaded; the wall clock would measure the load).

Figures only: nothing here asserts anything.
"""

from __future__ import annotations

import gc
import json
import resource
import sys
import time
import tracemalloc
from pathlib import Path
from typing import Any


def rss_mb() -> float:
    return resource.getrusage(resource.RUSAGE_SELF).ru_maxrss / 1024


def current_rss_mb() -> float:
    with open("/proc/self/statm") as fh:
        return int(fh.read().split()[1]) * resource.getpagesize() / (1 << 20)


def measure(archive: Path, cache: Path, traced: bool) -> dict[str, Any]:
    from tui.index import open_library
    from tui.library import Filter

    baseline = current_rss_mb()
    if traced:
        tracemalloc.start()
    start = time.process_time()
    library = open_library([archive], lambda _message: None, cache=cache)
    figures: dict[str, Any] = {"posts": len(library), "reopen_s": time.process_time() - start}
    gc.collect()
    retained = tracemalloc.get_traced_memory()[0]
    steps: dict[str, float] = {}

    def timed(name: str, what: Any) -> Any:
        began = time.process_time()
        result = what()
        steps[name] = time.process_time() - began
        return result

    timed("unread_counts", lambda: library.unread_counts(set()))
    tags = timed("tags", library.tags)
    tree = timed("date_tree", library.date_tree)
    timed("channels", library.channels)
    every = timed("matching_all", lambda: library.matching(Filter()))
    with_list = tracemalloc.get_traced_memory()[0]
    if tags:
        timed("matching_tag", lambda: library.matching(Filter(tag=tags[0].key)))
    if tree and tree[0].children:
        month = next(iter(tree[0].children))
        timed("matching_month", lambda: library.matching(Filter(period=month)))
    timed("search_lavrov", lambda: library.search("lavrov"))
    timed("index_of_last", lambda: library.index_of(library[len(library) - 1].id))
    posts = max(len(library), 1)
    del every
    if traced:
        figures.update(
            retained_bytes_per_post=retained / posts,
            list_bytes_per_post=(with_list - retained) / posts,
            peak_traced_mb=tracemalloc.get_traced_memory()[1] / (1 << 20),
        )
    else:
        figures.update(baseline_rss_mb=baseline, peak_rss_mb=rss_mb(), steps_s=steps)
    return figures


def main(argv: list[str]) -> None:
    print(json.dumps(measure(Path(argv[0]), Path(argv[1]), "--traced" in argv[2:]), indent=1))


if __name__ == "__main__":
    main(sys.argv[1:])
