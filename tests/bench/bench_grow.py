"""An archive that grows: `python -m tests.bench.bench_grow [--posts N] [--files F] [--kind K]`.

Generates (once, into DIR, default $TMPDIR/tgreader-bench-grow) a folder of N posts in F
files (web copies, or pages of an HTML export with `--kind html`) and one more file of newer
posts, then measures, each in a fresh subprocess (bench_probe.py), back to back:

* the folder's first open (every file parsed, the index built),
* the open after the new file was added (only it is parsed), twice from the same cache: with
  its posts appended to the archive index (`tui.index.APPEND`, the default) and with the
  archive merged again from the segments,
* a full build of the grown folder with an empty cache (what every open cost before),
* the reopen of the grown folder from its index,
* the reader on the grown folder (from the cache): first paint, and an empty Textual app's.

Prints a Markdown table with the ratio of the open after growing to the full build. Figures
only; nothing here asserts (the machine may be shared: compare back to back).
"""

from __future__ import annotations

import argparse
import json
import os
import shutil
import subprocess
import sys
import tempfile
from pathlib import Path
from typing import Any

from tests.bench.generate import write_html_export, write_webcopy

ROOT = Path(__file__).resolve().parents[2]


def one(mode: str, folder: str, cache: str) -> None:
    """Open `folder` in this process, appending or merging; print seconds and peak RSS."""
    import resource
    import time

    import tui.index

    tui.index.APPEND = mode == "append"
    start = time.perf_counter()
    library = tui.index.open_library([Path(folder)], lambda _message: None, cache=Path(cache))
    print(json.dumps({"seconds": time.perf_counter() - start, "posts": len(library),
                      "peak_rss_mb": resource.getrusage(resource.RUSAGE_SELF).ru_maxrss / 1024}))


def opening(mode: str, folder: Path, cache: Path, env: dict[str, str]) -> dict[str, Any]:
    done = subprocess.run([sys.executable, "-m", "tests.bench.bench_grow", "--one", mode,
                           str(folder), str(cache)], cwd=ROOT, env=env, capture_output=True,
                          text=True, timeout=3600)  # fmt: skip
    if done.returncode != 0:
        raise SystemExit(f"open ({mode}) failed:\n{done.stderr}")
    result: dict[str, Any] = json.loads(done.stdout.strip().splitlines()[-1])
    return result


def probe(*args: str, env: dict[str, str]) -> dict[str, Any]:
    done = subprocess.run([sys.executable, "-m", "tests.bench.bench_probe", *args], cwd=ROOT,
                          env=env, capture_output=True, text=True, timeout=3600)  # fmt: skip
    if done.returncode != 0:
        raise SystemExit(f"probe {args[0]} failed:\n{done.stderr}")
    result: dict[str, Any] = json.loads(done.stdout.strip().splitlines()[-1])
    return result


def generate(data: Path, posts: int, files: int, kind: str) -> tuple[Path, Path]:
    """The folder (without the new file) and the new file, kept aside; made once."""
    folder, extra = data / f"{kind}-{posts}-{files}", data / f"{kind}-{posts}-{files}-new"
    marker = data / f"{folder.name}.done"
    if marker.exists():
        return folder, next(extra.iterdir())
    print(f"  generating {posts:,} posts in {files} {kind} files into {data} …", file=sys.stderr)
    shutil.rmtree(folder, ignore_errors=True)
    shutil.rmtree(extra, ignore_errors=True)
    folder.mkdir(parents=True)
    extra.mkdir(parents=True)
    total, per_file = posts + posts // files, posts // files
    if kind == "html":
        pages = write_html_export(folder, total, per_file=per_file)
        new = extra / pages[-1].name
        pages[-1].rename(new)
    else:
        for number, start in enumerate(range(0, total, per_file)):
            write_webcopy(folder / f"part{number + 1:03d}.txt", total, start=start,
                          stop=start + per_file)  # fmt: skip
        last = sorted(folder.iterdir())[-1]
        new = extra / last.name
        last.rename(new)
    marker.write_text("ok")
    return folder, new


def main(argv: list[str] | None = None) -> int:
    parser = argparse.ArgumentParser(prog="python -m tests.bench.bench_grow")
    parser.add_argument("--posts", type=int, default=100_000)
    parser.add_argument("--files", type=int, default=20)
    parser.add_argument("--kind", choices=("webcopy", "html"), default="webcopy")
    parser.add_argument("--data", type=Path,
                        default=Path(tempfile.gettempdir()) / "tgreader-bench-grow")
    parser.add_argument("--no-app", action="store_true", help="skip the reader's first paint")
    parser.add_argument("--one", nargs=3, metavar=("MODE", "FOLDER", "CACHE"))
    args = parser.parse_args(argv)
    if args.one:
        one(*args.one)
        return 0
    args.data.mkdir(parents=True, exist_ok=True)
    source, new = generate(args.data, args.posts, args.files, args.kind)
    work = Path(tempfile.mkdtemp(prefix="tgreader-bench-grow-"))
    env = dict(os.environ, TGREADER_DB=str(work / "library.json"))
    try:
        folder = work / "archive"
        shutil.copytree(source, folder)
        grown, merged = work / "cache-grown", work / "cache-merged"
        first = opening("append", folder, grown, env)
        shutil.copytree(grown, merged)
        shutil.copy2(new, folder / new.name)
        after = opening("append", folder, grown, env)
        remerged = opening("merge", folder, merged, env)
        full = opening("append", folder, work / "cache-scratch", env)
        reopen = opening("append", folder, grown, env)
        app = empty = None
        if not args.no_app:
            env["TGREADER_CACHE"] = str(grown)
            app = probe("app", str(folder), env=env)
            empty = probe("empty", env=env)
    finally:
        shutil.rmtree(work, ignore_errors=True)
    size = sum(f.stat().st_size for f in source.iterdir()) + new.stat().st_size
    print(f"{args.kind}: {after['posts']:,} posts in {args.files + 1} files, "
          f"{size / 1e6:.0f} MB · {os.cpu_count()} CPUs")
    print("| step | seconds | peak RSS |")
    print("|---|---|---|")
    for label, row in (("first open (all parsed)", first),
                       ("one file added: open, its posts appended", after),
                       ("one file added: open, segments merged again", remerged),
                       ("the same folder, empty cache (all parsed)", full),
                       ("reopen from the index", reopen)):  # fmt: skip
        print(f"| {label} | {row['seconds']:.2f} | {row['peak_rss_mb']:.0f} MB |")
    print(f"\none file added, appended vs merged again: "
          f"{after['seconds'] / remerged['seconds']:.2f}x the time; "
          f"vs a full build: {after['seconds'] / full['seconds']:.2f}x (merged again: "
          f"{remerged['seconds'] / full['seconds']:.2f}x)")
    if app is not None and empty is not None:
        print(f"reader first paint {app['first_paint']:.2f} s, empty Textual app "
              f"{empty['first_paint']:.2f} s (+{app['first_paint'] - empty['first_paint']:.2f} s)")
    return 0


if __name__ == "__main__":
    raise SystemExit(main())
