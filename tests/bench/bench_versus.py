"""Reading against an older checkout, and on two cores: `python -m tests.bench.bench_versus OLD`.

OLD is a checkout of an earlier commit (`git worktree add /tmp/old f2c4911`). Each reading
runs in its own Python process, as a worker does (`PYTHONPATH` picks whose `tui`), file to
raw posts (`parse` of the format's reader, sniffing left out), and says what its CPU went to:
starting Python, importing the reader, reading. Printed, best of RUNS (default 5), the two
checkouts taking turns:
- each saved t.me page of tests/fixtures/real/tme-s-page and a synthetic archive of t.me
  pages (tests/tmeserver.py's markup), read in one process: CPU of the reading alone;
- the generated 80-file Desktop HTML export of bench_html (21,600 messages, 55 MB): OLD in
  one process; this checkout in one process, and in two processes side by side, one taking
  the files from the first on, the other from the last back, until they meet (as
  `tui.parse_pool` shares them: a file is read by whoever claims it first), the wall time
  until both are done.
The ratios are OLD's figure over this checkout's. A wall time needs a quiet machine (both
processes each on a core of its own); on a busy one, read the CPU: the two-core wall a quiet
machine would give is about the larger of the two processes' CPU. Figures only.
"""

from __future__ import annotations

import json
import os
import subprocess
import sys
import tempfile
import time
from pathlib import Path

from tests.bench.bench_html import generated

ROOT = Path(__file__).resolve().parents[2]
REAL_PAGES = ROOT / "tests" / "fixtures" / "real" / "tme-s-page"

#: Run in a fresh process: argv = reader module, repeats, claims folder ("-": none), files.
#: Prints its CPU at the start of the script (Python's own start), after the import, and the
#: least of `repeats` readings. With a claims folder it reads only the files it claims first
#: (a file created there for each), in the order given.
_CHILD = r"""
import json, os, sys, time
started = time.process_time()
import importlib
reader = importlib.import_module(sys.argv[1])
imported = time.process_time()
from pathlib import Path
claims = sys.argv[3]
paths = [Path(p) for p in sys.argv[4:]]

def mine(path):
    if claims == "-":
        return True
    try:
        os.close(os.open(os.path.join(claims, path.name), os.O_CREAT | os.O_EXCL))
    except FileExistsError:
        return False
    return True

best, posts = 1e9, 0
for _ in range(int(sys.argv[2])):
    t = time.process_time()
    posts = sum(1 for p in paths if mine(p) for _ in reader.parse(p, lambda _m: None))
    best = min(best, time.process_time() - t)
print(json.dumps({"start": started, "import": imported - started, "read": best,
                  "posts": posts, "total": time.process_time()}))
"""


def child(checkout: Path, module: str, repeats: int, paths: list[Path], claims: str = "-"
          ) -> subprocess.Popen[str]:  # fmt: skip
    env = dict(os.environ, PYTHONPATH=str(checkout))
    return subprocess.Popen([sys.executable, "-c", _CHILD, module, str(repeats), claims,
                             *map(str, paths)], stdout=subprocess.PIPE, text=True, env=env,
                            cwd=checkout)  # fmt: skip


def result(process: subprocess.Popen[str]) -> dict[str, float]:
    out, _ = process.communicate()
    if process.returncode:
        raise SystemExit(f"a reading failed (exit {process.returncode})")
    figures: dict[str, float] = json.loads(out.splitlines()[-1])
    return figures


def one(checkout: Path, module: str, repeats: int, paths: list[Path]) -> dict[str, float]:
    wall = time.perf_counter()
    figures = result(child(checkout, module, repeats, paths))
    figures["wall"] = time.perf_counter() - wall
    return figures


def two(checkout: Path, module: str, paths: list[Path]) -> tuple[float, list[dict[str, float]]]:
    """(the wall time until every file is read by one of two processes, each process's
    figures): one goes from the first file on, the other from the last back."""
    with tempfile.TemporaryDirectory() as claims:
        wall = time.perf_counter()
        processes = [child(checkout, module, 1, paths, claims),
                     child(checkout, module, 1, paths[::-1], claims)]
        figures = [result(process) for process in processes]
        took = time.perf_counter() - wall
    if sum(f["posts"] for f in figures) != one_posts(checkout, module, paths):
        raise SystemExit("the two processes did not read every post once")
    return took, figures


_POSTS: dict[tuple[Path, str], float] = {}


def one_posts(checkout: Path, module: str, paths: list[Path]) -> float:
    """How many posts one process reads in `paths` (counted once)."""
    if (checkout, module) not in _POSTS:
        _POSTS[checkout, module] = one(checkout, module, 1, paths)["posts"]
    return _POSTS[checkout, module]


def pages(folder: Path, count: int) -> list[Path]:
    sys.path.insert(0, str(ROOT / "tests"))
    from tmeserver import FakeChannel, render_page

    channel = FakeChannel("bench", "Bench Channel")
    channel.add(count * 20)
    out = []
    for i in range(count):
        path = folder / f"{i:06d}.html"
        path.write_text(render_page(channel, channel.posts[i * 20:(i + 1) * 20], i * 20 + 1),
                        encoding="utf-8")
        out.append(path)
    return out


def main() -> None:
    if len(sys.argv) < 2:
        raise SystemExit(__doc__)
    old = Path(sys.argv[1]).resolve()
    runs = int(sys.argv[2]) if len(sys.argv) > 2 else 5
    print(f"load average {os.getloadavg()[0]:.1f}; best of {runs}; CPU in ms unless said\n")
    print("| t.me pages | OLD read | now read | ratio |")
    print("|---|---|---|---|")
    tme = "tui.ingest.tme_page"
    with tempfile.TemporaryDirectory() as tmp:
        inputs = [(p.name, [p]) for p in sorted(REAL_PAGES.glob("*.html"))]
        inputs.append(("synthetic, 200 pages of 20 posts", pages(Path(tmp), 200)))
        for name, paths in inputs:
            repeats = 30 if len(paths) == 1 else 3
            was = [one(old, tme, repeats, paths)["read"] for _ in range(runs // 2 + 1)]
            now = [one(ROOT, tme, repeats, paths)["read"] for _ in range(runs // 2 + 1)]
            print(f"| {name} | {min(was) * 1e3:.2f} | {min(now) * 1e3:.2f} "
                  f"| {min(was) / min(now):.2f}x |", flush=True)
    export = sorted(generated(21_600).glob("messages*.html"))
    html = "tui.ingest.desktop_html"
    best_old: dict[str, float] | None = None
    best_one: dict[str, float] | None = None
    best_two: tuple[float, list[dict[str, float]]] | None = None
    for _ in range(runs):
        figures = one(old, html, 1, export)
        if best_old is None or figures["wall"] < best_old["wall"]:
            best_old = figures
        figures = one(ROOT, html, 1, export)
        if best_one is None or figures["wall"] < best_one["wall"]:
            best_one = figures
        pair = two(ROOT, html, export)
        if best_two is None or pair[0] < best_two[0]:
            best_two = pair
    assert best_old is not None and best_one is not None and best_two is not None
    print(f"\nDesktop HTML export, {len(export)} files "
          f"({sum(p.stat().st_size for p in export) / 1e6:.1f} MB), s:\n")
    print("| reading | Python's start (CPU) | import (CPU) | reading (CPU) | all (CPU) | wall "
          "| OLD's wall over it |")
    print("|---|---|---|---|---|---|---|")
    rows = [("OLD, one process", best_old, best_old["wall"]),
            ("now, one process", best_one, best_one["wall"])]
    rows += [(f"now, process {n} of two ({f['posts']:,.0f} posts)", f, best_two[0])
             for n, f in enumerate(best_two[1], 1)]
    for name, f, wall in rows:
        print(f"| {name} | {f['start']:.3f} | {f['import']:.3f} | {f['read']:.3f} "
              f"| {f['total']:.3f} | {wall:.2f} | {best_old['wall'] / wall:.2f}x |")
    slower = max(f["total"] for f in best_two[1])
    print(f"\nOLD's CPU over the busier of the two processes' (the quiet machine's two-core "
          f"ratio): {best_old['total'] / slower:.2f}x; over one process's CPU: "
          f"{best_old['total'] / best_one['total']:.2f}x")


if __name__ == "__main__":
    main()
