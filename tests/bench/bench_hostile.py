"""Hostile inputs that were quadratic: `python -m tests.bench.bench_hostile [--scale 1.0]`.

Writes each input of issue 14's list, runs `tgreader export --format json` on it in a fresh
subprocess (a fresh index cache each time) and prints a Markdown table of the wall and CPU
seconds and the CPU seconds per MB. `--scale 10` multiplies every size by ten: a linear parser
then takes about ten times as long, a quadratic one a hundred. Figures only; nothing here
asserts a time (the hang detectors are in tests/test_hostile_input.py).
"""

from __future__ import annotations

import argparse
import os
import resource
import subprocess
import sys
import tempfile
import time
from collections.abc import Callable
from pathlib import Path

ROOT = Path(__file__).resolve().parents[2]

H = (
    '{"name":"X","type":"public_channel","id":1,"messages":[{"id":1,"type":"message",'
    '"date":"2022-09-15T07:58:12",'
)
HTML_HEAD = (
    '<html><head></head><body><div class="page_header"><div class="text bold">Chan</div>'
    '</div><div class="history">\n'
)


def _html(body: str) -> str:
    return (
        HTML_HEAD + '<div class="message default clearfix" id="message1"><div class="body">'
        '<div class="pull_right date details" title="15.09.2022 07:58:12 UTC+03:00">07:58'
        f'</div><div class="from_name">Chan</div><div class="text">\n{body}\n        </div>'
        "</div></div>\n</div></body></html>\n"
    )


#: name: (file suffix, content for a scale factor)
CASES: dict[str, tuple[str, Callable[[float], str]]] = {
    "web copy, 1M blank lines": (
        ".txt", lambda k: "Forwarded from X\n" + "\n" * int(1_000_000 * k) + "Body\n"),
    "web copy, 300k equal lines then two": (
        ".txt", lambda k: "Forwarded from X\n" + "a\n" * int(300_000 * k) + "b\na\n"),
    "web copy, title with 50k dates": (
        ".txt", lambda k: "Forwarded from X\n" + "May 2022, " * int(50_000 * k) + "\nBody\n"),
    "copied text, 1M blank lines": (
        ".txt", lambda k: "X, [15.09.2022 07:58]\n" + "\n" * int(1_000_000 * k) + "there\n"),
    "copied text, 300k (http://x) in a line": (
        ".txt", lambda k: "X, [15.09.2022 07:58]\n" + "(http://x)" * int(300_000 * k) + "\n"),
    "JSON, 25M \\n escapes in a string": (
        ".json", lambda k: H + '"text":"' + "\\n" * int(25_000_000 * k) + 'x"}]}'),
    "HTML, 50k nested <div>": (
        ".html", lambda k: _html("<div>" * int(50_000 * k) + "hi" + "</div>" * int(50_000 * k))),
}


def measure(path: Path, timeout: float) -> tuple[float, float, str]:
    """(wall seconds, CPU seconds, outcome) of one export in a fresh subprocess."""
    before = resource.getrusage(resource.RUSAGE_CHILDREN)
    start = time.perf_counter()
    with tempfile.TemporaryDirectory(prefix="tgreader-bench-cache-") as cache:
        env = {**os.environ, "TGREADER_CACHE": cache}
        try:
            done = subprocess.run(
                [sys.executable, "-m", "tui", "export", "--format", "json", str(path)],
                cwd=ROOT, env=env, capture_output=True, timeout=timeout,
            )
            outcome = "ok" if done.returncode == 0 else f"exit {done.returncode}"
        except subprocess.TimeoutExpired:
            outcome = f"over {timeout:.0f} s"
    wall = time.perf_counter() - start
    after = resource.getrusage(resource.RUSAGE_CHILDREN)
    cpu = (after.ru_utime - before.ru_utime) + (after.ru_stime - before.ru_stime)
    return wall, cpu, outcome


def main(argv: list[str] | None = None) -> int:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--scale", type=float, default=1.0, help="multiply every size")
    parser.add_argument("--timeout", type=float, default=300, help="seconds per input")
    parser.add_argument("--only", help="run the cases whose name holds this text")
    args = parser.parse_args(argv)
    print("| input | MB | wall s | CPU s | CPU s/MB | outcome |")
    print("|---|---:|---:|---:|---:|---|")
    with tempfile.TemporaryDirectory(prefix="tgreader-hostile-") as folder:
        for name, (suffix, build) in CASES.items():
            if args.only and args.only not in name:
                continue
            path = Path(folder) / f"input{suffix}"
            path.write_text(build(args.scale), encoding="utf-8")
            megabytes = path.stat().st_size / 1e6
            wall, cpu, outcome = measure(path, args.timeout)
            print(f"| {name} | {megabytes:.1f} | {wall:.1f} | {cpu:.1f} | "
                  f"{cpu / megabytes:.2f} | {outcome} |", flush=True)
            path.unlink()
    return 0


if __name__ == "__main__":
    raise SystemExit(main())
