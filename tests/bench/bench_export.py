"""Peak memory of `tgreader export`: `python -m tests.bench.bench_export [--posts N] [--data DIR]`.

Generates (once, into DIR, default $TMPDIR/tgreader-bench-export) a Telegram Desktop HTML
export of N posts in pages of 1,000 messages (about 50 MB at the default 21,000) and a
result.json of the same posts, then runs `tgreader export` on each, in every format, each in a
fresh subprocess that reports its own peak RSS (getrusage): once with an empty cache (the
index is built) and once more (the index is reused). Prints a Markdown table with the target
of issue 12 (peak RSS <= 2x the largest input file + 100 MB). Figures only; nothing here
asserts.

    python -m tests.bench.bench_export --one FMT CACHE PATH   (one measurement, JSON out)
"""

from __future__ import annotations

import argparse
import json
import os
import resource
import shutil
import subprocess
import sys
import tempfile
import time
from pathlib import Path
from typing import Any

from tests.bench.generate import write_html_export, write_result_json

ROOT = Path(__file__).resolve().parents[2]
FORMATS = ("json", "jsonl", "csv", "md")


def one(fmt: str, cache: str, path: str) -> None:
    """Export `path` as `fmt` to a file, in this process; print seconds and peak RSS."""
    os.environ["TGREADER_CACHE"] = cache
    from tui.cli import main

    out = Path(cache) / f"out.{fmt}"
    start = time.perf_counter()
    code = main(["export", "-f", fmt, "-o", str(out), path])
    seconds = time.perf_counter() - start
    peak = resource.getrusage(resource.RUSAGE_SELF).ru_maxrss * 1024  # kB on Linux
    print(json.dumps({"code": code, "seconds": seconds, "peak": peak,
                      "out": out.stat().st_size if out.exists() else 0}))  # fmt: skip
    out.unlink(missing_ok=True)


def measure(fmt: str, cache: Path, path: Path) -> dict[str, Any]:
    done = subprocess.run([sys.executable, "-m", "tests.bench.bench_export", "--one", fmt,
                           str(cache), str(path)], cwd=ROOT, capture_output=True, text=True,
                          timeout=1800)  # fmt: skip
    if done.returncode != 0:
        raise SystemExit(f"export {fmt} {path} failed:\n{done.stderr}")
    result: dict[str, Any] = json.loads(done.stdout.strip().splitlines()[-1])
    return result


def inputs(data: Path, posts: int) -> dict[str, Path]:
    html_dir, result = data / f"html-{posts}", data / f"result-{posts}.json"
    marker = data / f"done-{posts}"
    if not marker.exists():
        print(f"  generating {posts} posts into {data} …", file=sys.stderr)
        shutil.rmtree(html_dir, ignore_errors=True)
        write_html_export(html_dir, posts)
        write_result_json(result, posts)
        marker.write_text("ok")
    return {"HTML export": html_dir, "result.json": result}


def sizes(path: Path) -> tuple[int, int]:
    """Total and largest file size of an input (a file or a folder of files)."""
    files = [path] if path.is_file() else [f for f in path.iterdir() if f.is_file()]
    lengths = [f.stat().st_size for f in files]
    return sum(lengths), max(lengths)


def main(argv: list[str] | None = None) -> int:
    parser = argparse.ArgumentParser(prog="python -m tests.bench.bench_export")
    parser.add_argument("--one", nargs=3, metavar=("FMT", "CACHE", "PATH"))
    parser.add_argument("--posts", type=int, default=21_000)
    parser.add_argument("--formats", default=",".join(FORMATS))
    parser.add_argument("--inputs", default="html,json", help="html, json or both")
    parser.add_argument("--data", type=Path,
                        default=Path(tempfile.gettempdir()) / "tgreader-bench-export")
    args = parser.parse_args(argv)
    if args.one:
        one(*args.one)
        return 0
    args.data.mkdir(parents=True, exist_ok=True)
    mb = 1 << 20
    print("| input | size | largest file | target | format | cold: peak RSS, s "
          "| warm: peak RSS, s | output |")
    print("|---|---|---|---|---|---|---|---|")
    for label, path in inputs(args.data, args.posts).items():
        if ("json" if path.suffix == ".json" else "html") not in args.inputs.split(","):
            continue
        total, largest = sizes(path)
        target = 2 * largest + 100 * mb
        for fmt in args.formats.split(","):
            cache = Path(tempfile.mkdtemp(prefix="tgreader-bench-cache-"))
            try:
                cold = measure(fmt, cache, path)
                warm = measure(fmt, cache, path)
            finally:
                shutil.rmtree(cache, ignore_errors=True)
            print(f"| {label} | {total / mb:.1f} MB | {largest / mb:.1f} MB "
                  f"| {target / mb:.0f} MB | {fmt} "
                  f"| {cold['peak'] / mb:.0f} MB, {cold['seconds']:.1f} "
                  f"| {warm['peak'] / mb:.0f} MB, {warm['seconds']:.1f} "
                  f"| {cold['out'] / mb:.1f} MB |", flush=True)  # fmt: skip
    return 0


if __name__ == "__main__":
    raise SystemExit(main())
