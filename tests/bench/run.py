"""The benchmark: `python -m tests.bench.run [--sizes 10000,100000] [--data DIR]`.

Generates synthetic archives (web copy and result.json, see generate.py) once into DIR
(default: $TMPDIR/tgreader-bench), measures each figure in a fresh subprocess
(bench_probe.py) and prints a Markdown table. Figures only; nothing here asserts a time.
"""

from __future__ import annotations

import argparse
import json
import os
import shutil
import statistics
import subprocess
import sys
import tempfile
import time
from pathlib import Path
from typing import Any

from tests.bench.bench_probe import QUERIES, quantile
from tests.bench.generate import write_result_json, write_webcopy

ROOT = Path(__file__).resolve().parents[2]


def probe(*args: str, env: dict[str, str]) -> dict[str, Any]:
    done = subprocess.run([sys.executable, "-m", "tests.bench.bench_probe", *args], cwd=ROOT,
                          env=env, capture_output=True, text=True, timeout=1800)  # fmt: skip
    if done.returncode != 0:
        raise SystemExit(f"probe {args[0]} failed:\n{done.stderr}")
    result: dict[str, Any] = json.loads(done.stdout.strip().splitlines()[-1])
    return result


def grep_seconds(path: Path) -> list[float]:
    """`grep -c -i` of each query's words over the file (one grep per query, its first word:
    grep has no AND, so it is given the easier task)."""
    times: list[float] = []
    for query in QUERIES:
        start = time.perf_counter()
        subprocess.run(["grep", "-c", "-i", "-F", query.split()[0], str(path)],
                       capture_output=True, check=False)  # fmt: skip
        times.append(time.perf_counter() - start)
    return times


def ensure(path: Path, size: int, kind: str) -> Path:
    marker = path.with_suffix(path.suffix + ".done")
    if not (path.exists() and marker.exists()):
        print(f"  generating {path.name} …", file=sys.stderr)
        if kind == "json":
            write_result_json(path, size)
        else:
            write_webcopy(path, size)
        marker.write_text("ok")
    return path


def measure(size: int, data: Path) -> dict[str, Any]:
    webcopy = ensure(data / f"webcopy-{size}.txt", size, "webcopy")
    result_json = ensure(data / f"result-{size}.json", size, "json")
    env = dict(os.environ)
    work = Path(tempfile.mkdtemp(prefix="tgreader-bench-"))
    env["TGREADER_DB"] = str(work / "library.json")
    row: dict[str, Any] = {"size": size}
    try:
        for name, path in (("webcopy", webcopy), ("json", result_json)):
            cache = work / f"cache-{name}"
            env["TGREADER_CACHE"] = str(cache)
            print(f"  {size} {name}: read, ingest, reopen …", file=sys.stderr)
            row[name] = {
                "bytes": path.stat().st_size,
                "read": probe("read", str(path), env=env),
                "ingest": probe("ingest", str(path), str(cache), env=env),
                "reopen": probe("reopen", str(path), str(cache), env=env),
            }
        env["TGREADER_CACHE"] = str(work / "cache-webcopy")
        print(f"  {size}: the app (from the cache), an empty app, grep …", file=sys.stderr)
        row["app"] = probe("app", str(webcopy), env=env)
        row["empty"] = probe("empty", env=env)
        row["grep"] = grep_seconds(webcopy)
    finally:
        shutil.rmtree(work, ignore_errors=True)
    return row


def table(rows: list[dict[str, Any]]) -> str:
    def ms(seconds: float) -> str:
        return f"{seconds * 1000:.1f} ms" if seconds < 1 else f"{seconds:.2f} s"

    def mb(count: float) -> str:
        return f"{count / 1e6:.0f} MB"

    lines: list[tuple[str, list[str]]] = []

    def add(label: str, cell: Any) -> None:
        lines.append((label, [cell(r) for r in rows]))

    add("posts", lambda r: f"{r['webcopy']['ingest']['posts']:,}")
    for name, title in (("webcopy", "web copy"), ("json", "result.json")):
        add(f"{title}: file size", lambda r, n=name: mb(r[n]["bytes"]))
        add(f"{title}: read_text().splitlines()", lambda r, n=name: ms(r[n]["read"]["seconds"]))
        add(f"{title}: first ingest (ratio to read)", lambda r, n=name: (
            f"{ms(r[n]['ingest']['seconds'])} "
            f"({r[n]['ingest']['seconds'] / r[n]['read']['seconds']:.1f}×)"))  # fmt: skip
        add(f"{title}: ingest peak RSS",
            lambda r, n=name: f"{r[n]['ingest']['peak_rss_mb']:.0f} MB")  # fmt: skip
        add(f"{title}: reopen from the index", lambda r, n=name: ms(r[n]["reopen"]["seconds"]))
    add("empty Textual app: first paint", lambda r: ms(r["empty"]["first_paint"]))
    add("tgreader reopen: first paint (Δ empty)", lambda r: (
        f"{ms(r['app']['first_paint'])} "
        f"(+{ms(r['app']['first_paint'] - r['empty']['first_paint'])})"))  # fmt: skip
    add("next post (j) to repaint p50 / p95", lambda r: (
        f"{ms(r['app']['repaint_p50'])} / {ms(r['app']['repaint_p95'])}"))  # fmt: skip
    add(f"search p50 / p95 ({len(QUERIES)} queries)", lambda r: (
        f"{ms(r['app']['search_p50'])} / {ms(r['app']['search_p95'])}"))  # fmt: skip
    add("grep -c -i p50 / p95, same words", lambda r: (
        f"{ms(statistics.median(r['grep']))} / {ms(quantile(r['grep'], 0.95))}"))  # fmt: skip
    add("app peak RSS (file size)", lambda r: (
        f"{r['app']['peak_rss_mb']:.0f} MB ({mb(r['webcopy']['bytes'])})"))  # fmt: skip
    head = "| | " + " | ".join(f"N = {r['size']:,}" for r in rows) + " |"
    rule = "| --- |" + " --- |" * len(rows)
    body = [f"| {label} | " + " | ".join(cells) + " |" for label, cells in lines]
    return "\n".join([head, rule, *body])


def main(argv: list[str] | None = None) -> int:
    parser = argparse.ArgumentParser(prog="python -m tests.bench.run", description=__doc__)
    parser.add_argument("--sizes", default="10000,100000",
                        help="posts per archive, comma-separated")  # fmt: skip
    parser.add_argument("--data", type=Path, default=Path(tempfile.gettempdir()) / "tgreader-bench",
                        help="where generated archives are kept between runs")  # fmt: skip
    args = parser.parse_args(argv)
    args.data.mkdir(parents=True, exist_ok=True)
    rows = [measure(int(size), args.data) for size in args.sizes.split(",")]
    print(f"tgreader benchmark · {os.cpu_count()} CPUs · Python {sys.version.split()[0]}")
    print(table(rows))
    return 0


if __name__ == "__main__":
    raise SystemExit(main())
