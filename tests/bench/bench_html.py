"""How fast Telegram Desktop's HTML export is read: `python -m tests.bench.bench_html [POSTS]`.

The whole ingest of each input, file to raw posts (`find_dumps` + `iter_raw_posts`: sniffing,
reading, parsing, the posts' dates and media), once with html.parser (the reader before lxml,
still the fallback) and once with lxml, back to back and alternating, best of a few runs:
- every real export under tests/fixtures/real (and the small hand-made one);
- a generated export of POSTS messages (default 21,600: about 50 MB in 80 files, the size of
  the group chat export the issue measured), written once into $TMPDIR/tgreader-bench.
Prints MB/s (CPU time of this process, which a loaded machine disturbs less than the clock;
wall time beside it) and the ratio, and whether lxml read each input itself (no handover to
html.parser). Figures only; nothing here asserts a time.
"""

from __future__ import annotations

import os
import sys
import tempfile
import time
from collections.abc import Callable
from pathlib import Path

from tests.bench.generate import write_html_export
from tui.ingest import desktop_html, find_dumps, iter_raw_posts

ROOT = Path(__file__).resolve().parents[2]
FIXTURES = ROOT / "tests" / "fixtures"


def ingest(path: Path) -> int:
    """Raw posts of every dump under `path`, as the load path reads them."""
    count = 0
    for dump in find_dumps(path, lambda _m: None):
        for _post in iter_raw_posts(dump, lambda _m: None):
            count += 1
    return count


def with_reader(reader: str, work: Callable[[], int]) -> Callable[[], int]:
    def run() -> int:
        saved = desktop_html.TOKENIZER
        desktop_html.TOKENIZER = reader
        try:
            return work()
        finally:
            desktop_html.TOKENIZER = saved
    return run


def best_pair(old: Callable[[], int], new: Callable[[], int], runs: int
              ) -> tuple[float, float, float, float]:  # fmt: skip
    """(old CPU, new CPU, old wall, new wall) seconds, best of `runs`, alternating."""
    best = [float("inf")] * 4
    for _ in range(runs):
        for slot, work in ((0, old), (1, new)):
            cpu, wall = time.process_time(), time.perf_counter()
            work()
            best[slot] = min(best[slot], time.process_time() - cpu)
            best[slot + 2] = min(best[slot + 2], time.perf_counter() - wall)
    return best[0], best[1], best[2], best[3]


def read_by_lxml_itself(path: Path) -> bool:
    try:
        for dump in find_dumps(path, lambda _m: None):
            for _post in desktop_html.parse(dump.path, lambda _m: None, "lxml-only"):
                pass
    except desktop_html.HandOver:
        return False
    return True


def generated(posts: int) -> Path:
    folder = Path(os.environ.get("TMPDIR", tempfile.gettempdir())) / "tgreader-bench" / (
        f"html-{posts}-80")
    marker = folder / ".done"
    if not marker.exists():
        print(f"  generating {folder} …", file=sys.stderr)
        write_html_export(folder, posts, per_file=max(1, -(-posts // 80)))
        marker.write_text("ok")
    return folder


def main() -> None:
    posts = int(sys.argv[1]) if len(sys.argv) > 1 else 21_600
    if desktop_html.TOKENIZER != "lxml":
        raise SystemExit("lxml is not installed: nothing to compare")
    inputs = sorted((FIXTURES / "real").rglob("messages*.html"))
    inputs.append(FIXTURES / "desktop_html" / "channel")
    inputs.append(generated(posts))
    print("| input | MB | posts | html.parser | lxml | ratio (CPU) | ratio (wall) "
          "| lxml read it itself |")
    print("|---|---|---|---|---|---|---|---|")
    for path in inputs:
        files = sorted(path.glob("messages*.html")) if path.is_dir() else [path]
        size = sum(f.stat().st_size for f in files)
        count = ingest(path)
        runs = 3 if size > 20e6 else 7
        old, new, old_wall, new_wall = best_pair(
            with_reader("stdlib", lambda p=path: ingest(p)),
            with_reader("lxml", lambda p=path: ingest(p)), runs)
        name = str(path.relative_to(FIXTURES)) if path.is_relative_to(FIXTURES) else (
            f"generated, {len(files)} files")
        print(f"| {name} | {size / 1e6:.1f} | {count:,} | {size / old / 1e6:.1f} MB/s "
              f"| {size / new / 1e6:.1f} MB/s | {old / new:.1f}x | {old_wall / new_wall:.1f}x "
              f"| {'yes' if read_by_lxml_itself(path) else 'no'} |", flush=True)


if __name__ == "__main__":
    main()
