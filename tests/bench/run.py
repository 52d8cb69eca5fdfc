"""The benchmark: `python -m tests.bench.run [--sizes 10000,100000,1000000] [--data DIR]`.

For each size it generates (once, kept in DIR, default $TMPDIR/tgreader-bench) the same posts
as a web copy, a Telegram Desktop HTML export in pages of 1,000 messages and a result.json
(generate.py), then measures each format, every figure in a fresh process:

- the floor: reading the files and splitting them into lines, nothing else;
- the full index: `open_library()` with an empty cache (its time, its ratio to the floor and
  its peak memory);
- first open and reopen on a real terminal (pty_probe.py): seconds from starting tgreader to
  the first post on screen, right after the empty Textual app's seconds to its first screen;
- reading (headless, bench_probe.py): `j` until the next post is painted, 50 searches, the
  app's peak memory; and `grep -c -i` of the same words over the web copy.

At the sizes in --added-at, one page is added to an indexed HTML export folder and tgreader
is reopened on a terminal: seconds to the first post, and to the new page's last post (`G`).
Once per run, `tgreader export` of a ~49 MB HTML export (bench_export.py) gives its peak RSS.

Figures are saved as they come in (DIR/results.json, or --results), so what a long run
finished is kept when it is stopped; `--table` prints the tables from that file alone.
Figures only: nothing here asserts a time; the targets are listed as met or missed.
"""

from __future__ import annotations

import argparse
import datetime as dt
import json
import os
import platform
import shutil
import sqlite3
import statistics
import subprocess
import sys
import tempfile
import time
from collections.abc import Callable
from pathlib import Path
from typing import Any

from tests.bench import bench_export, pty_probe
from tests.bench.bench_probe import QUERIES, files_of, quantile
from tests.bench.generate import FORMATS, ensure_archives, html_page_name, write_html_export

ROOT = Path(__file__).resolve().parents[2]
TITLES = {"webcopy": "web copy", "html": "HTML export", "json": "result.json"}
MB = 1 << 20


# -- measuring -------------------------------------------------------------------------------
def probe(*args: str, env: dict[str, str], timeout: float) -> dict[str, Any]:
    """One bench_probe measurement in a fresh process; {"error": …} when it fails."""
    try:
        done = subprocess.run([sys.executable, "-m", "tests.bench.bench_probe", *args], cwd=ROOT,
                              env=env, capture_output=True, text=True, timeout=timeout)  # fmt: skip
    except subprocess.TimeoutExpired:
        return {"error": f"probe {args[0]}: not done in {timeout:.0f} s"}
    if done.returncode != 0:
        tail = done.stderr.strip().splitlines()[-1:] or [f"exit {done.returncode}"]
        return {"error": f"probe {args[0]}: {tail[0]}"}
    result: dict[str, Any] = json.loads(done.stdout.strip().splitlines()[-1])
    return result


def grep_seconds(path: Path) -> list[float]:
    """`grep -c -i` of each query's first word over the files (grep has no AND, so it is
    given the easier task)."""
    times: list[float] = []
    for query in QUERIES:
        start = time.perf_counter()
        subprocess.run(["grep", "-c", "-i", "-F", query.split()[0], *map(str, files_of(path))],
                       capture_output=True, check=False)  # fmt: skip
        times.append(time.perf_counter() - start)
    return times


def on_disk(path: Path) -> dict[str, int]:
    lengths = [f.stat().st_size for f in files_of(path)]
    return {"bytes": sum(lengths), "files": len(lengths), "largest": max(lengths)}


class Bench:
    """One run: where it works, the environment the measured processes get, and where the
    figures are saved."""

    def __init__(self, data: Path, results: Path, patience: float) -> None:
        self.data, self.results_path, self.patience = data, results, patience
        self.work = Path(tempfile.mkdtemp(prefix="work-", dir=data))
        self.results: dict[str, Any] = (json.loads(results.read_text())
                                        if results.exists() else {})  # fmt: skip
        self.results.setdefault("sizes", {})
        self.env = {**os.environ, "TERM": "xterm-256color", "COLORTERM": "truecolor",
                    "TGREADER_DB": str(self.work / "library.json"),
                    "TGREADER_CONFIG": str(self.work / "no-config.toml")}  # fmt: skip

    def with_cache(self, cache: Path) -> dict[str, str]:
        return {**self.env, "TGREADER_CACHE": str(cache)}

    def save(self, size: int, key: str, figures: Any) -> None:
        row = self.results["sizes"].setdefault(str(size), {})
        row[key] = figures
        row[key + "_when"] = stamp()
        self.results_path.write_text(json.dumps(self.results, indent=1))

    def paired(self, paths: list[Path], cache: Path,
               more: tuple[pty_probe.Step, ...] = ()) -> dict[str, Any]:  # fmt: skip
        """The empty app's first screen, then tgreader's first post, one right after the other."""
        env = self.with_cache(cache)
        return {"empty": pty_probe.empty_app(env),
                "app": pty_probe.first_post(paths, env, self.patience, more)}  # fmt: skip

    def measure_format(self, size: int, name: str, path: Path, first_open: bool,
                       whole: bool) -> None:  # fmt: skip
        log(f"{size:,} {TITLES[name]}: read, index, first open, reopen, reading")
        figures: dict[str, Any] = on_disk(path)
        cache = self.work / f"cache-{size}-{name}"

        def keep(key: str, measured: Any) -> None:  # saved at once: a stopped run keeps it
            figures[key] = measured
            self.save(size, name, figures)

        keep("read", probe("read", str(path), env=self.env, timeout=self.patience))
        keep("index", probe("ingest", str(path), str(cache), env=self.env,
                            timeout=self.patience))  # fmt: skip
        if first_open:
            cold = self.work / "cache-cold"
            posts = None if fails(figures["index"]) else figures["index"]["posts"]
            more = (pty_probe.Step("whole_index", lambda screen: indexed(screen, posts)),)
            keep("first_open", self.paired([path], cold, more if whole and posts else ()))
            shutil.rmtree(cold, ignore_errors=True)
        keep("reopen", self.paired([path], cache))
        keep("reading", probe("app", str(path), env=self.with_cache(cache),
                              timeout=self.patience))  # fmt: skip
        if name == "webcopy":
            keep("grep", grep_seconds(path))

    def measure_added(self, size: int, html: Path) -> None:
        """An indexed HTML export folder gets one more page: reopen to the first post, and to
        the new page's last post. The page is added to the archive's own folder, indexed when
        the HTML export was measured (else indexed here), and taken away afterwards."""
        log(f"{size:,} HTML export + one page: index, add, reopen")
        cache = self.work / f"cache-{size}-html"
        figures: dict[str, Any] = {"before": on_disk(html)}
        measured = self.results["sizes"].get(str(size), {}).get("html", {}).get("index")
        if cache.exists() and measured and not fails(measured):
            figures["index"] = measured
        else:
            figures["index"] = probe("ingest", str(html), str(cache), env=self.env,
                                     timeout=self.patience)  # fmt: skip
        added = min(1000, size)  # a page of the export, or less for a tiny one
        scratch = self.work / "new-page"
        write_html_export(scratch, size, per_file=added, start=size, stop=size + added)
        new_page = html / html_page_name(figures["before"]["files"])
        try:
            (scratch / html_page_name(0)).rename(new_page)
            last = f"(No. {size + added})"  # the new page's last post, the newest of all
            figures["new_page"] = {"name": new_page.name, "bytes": new_page.stat().st_size,
                                   "posts": added}  # fmt: skip
            figures["reopen"] = self.paired([html], cache, (
                pty_probe.Step("new_page_last_post", lambda screen: last in screen, "G",
                               every=1.0),
            ))  # fmt: skip
            figures["after"] = probe("reopen", str(html), str(cache), env=self.env,
                                     timeout=self.patience)  # fmt: skip
        finally:
            new_page.unlink(missing_ok=True)
        self.save(size, "added", figures)

    def measure_export(self, posts: int) -> None:
        log(f"export of a {posts:,}-post HTML export")
        html = bench_export.inputs(self.data / "export", posts)["HTML export"]
        total, largest = bench_export.sizes(html)
        figures: dict[str, Any] = {"posts": posts, "bytes": total, "largest": largest,
                                   "formats": {}}  # fmt: skip
        cache = self.work / "cache-export"
        for number, fmt in enumerate(bench_export.FORMATS):  # the index is built by the first
            try:
                runs = {"cold": bench_export.measure(fmt, cache, html)} if number == 0 else {}
                runs["warm"] = bench_export.measure(fmt, cache, html)
                figures["formats"][fmt] = runs
            except SystemExit as exc:
                figures["formats"][fmt] = {"error": str(exc).splitlines()[0]}
        shutil.rmtree(cache, ignore_errors=True)
        self.results["export"] = figures
        self.results["export_when"] = stamp()
        self.results_path.write_text(json.dumps(self.results, indent=1))


def indexed(screen: str, posts: int | None) -> bool:
    """The status line counts every post and no longer says it is indexing."""
    return any(f"{posts:,} posts" in line and "index" not in line.lower()
               for line in screen.splitlines())  # fmt: skip


def stamp() -> str:
    """When, and at which commit ($TGREADER_BENCH_COMMIT names it for a copy without git)."""
    commit = os.environ.get("TGREADER_BENCH_COMMIT") or subprocess.run(
        ["git", "rev-parse", "--short", "HEAD"], cwd=ROOT, capture_output=True, text=True,
        check=False).stdout.strip()  # fmt: skip
    return f"{dt.datetime.now(dt.UTC):%Y-%m-%d %H:%M} UTC, {commit or 'no commit'}"


def log(message: str) -> None:
    print(f"[{dt.datetime.now(dt.UTC):%H:%M:%S}] {message}", file=sys.stderr, flush=True)


# -- the tables ------------------------------------------------------------------------------
def secs(seconds: float | None) -> str:
    if seconds is None:
        return "—"
    return f"{seconds * 1000:.0f} ms" if seconds < 1 else f"{seconds:.2f} s"


def mb(count: float) -> str:
    return f"{count / MB:,.0f} MB" if count >= 10 * MB else f"{count / MB:.1f} MB"


def fails(figures: Any) -> str | None:
    """Why a measurement has no figure, if it has none."""
    if not isinstance(figures, dict):
        return "not measured"
    return figures.get("error")


def pair_cell(pair: dict[str, Any] | None, step: str = "first_post") -> str:
    """tgreader's seconds to `step`, and how much later than the empty app's first screen."""
    if pair is None:
        return "not measured"
    app, empty = pair["app"], pair["empty"]
    seen = app["steps"].get(step)
    base = empty["steps"].get("first_paint")
    if seen is None:
        return f"not seen ({app.get('error') or 'no figure'})"
    if base is None:
        return f"{secs(seen)} (empty app: not seen)"
    return f"{secs(seen)} (+{secs(seen - base)}, {seen / base:.1f}×)"


def whole_cell(pair: dict[str, Any] | None) -> str:
    if pair is None:
        return "not measured"
    seen = pair["app"]["steps"].get("whole_index")
    if seen is None:
        return "not measured" if "first_post" in pair["app"]["steps"] and not pair["app"][
            "error"] else "not seen"
    return secs(seen)


def tables(results: dict[str, Any]) -> str:
    sizes = sorted(results["sizes"], key=int)
    out: list[str] = []
    rows: list[list[str]] = []
    for size in sizes:
        for name in FORMATS:
            f = results["sizes"][size].get(name)
            if f is None:
                continue
            index, read = f.get("index"), f.get("read")
            ratio = ("" if fails(index) or fails(read) else
                     f" ({index['seconds'] / read['seconds']:.1f}×)")  # fmt: skip
            rows.append([
                f"{int(size):,}", TITLES[name], f"{mb(f['bytes'])} ({f['files']:,} files)",
                fails(read) or secs(read["seconds"]),
                fails(index) or f"{secs(index['seconds'])}{ratio}",
                fails(index) or f"{index['peak_rss_mb']:.0f} MB",
                pair_cell(f.get("first_open")), whole_cell(f.get("first_open")),
                pair_cell(f.get("reopen")),
                "; ".join(f"{f[k]['app']['peak_rss_mb']:.0f} MB" for k in ("first_open", "reopen")
                          if f.get(k)),
            ])  # fmt: skip
    out.append(markdown(["posts", "format", "on disk", "read + split lines", "full index "
                         "(× read)", "index peak RSS", "first open: first post (vs empty app)",
                         "first open: every post in (app)",
                         "reopen: first post (vs empty app)", "app RSS: first open; reopen"],
                        rows))  # fmt: skip
    rows = []
    for size in sizes:
        for name in FORMATS:
            f = results["sizes"][size].get(name)
            if f is None:
                continue
            reading = f.get("reading")
            grep = f.get("grep")
            grep_cell = (f"{secs(statistics.median(grep))} / {secs(quantile(grep, 0.95))}"
                         if grep else "")  # fmt: skip
            if fails(reading):
                rows.append([f"{int(size):,}", TITLES[name], str(fails(reading)), "", grep_cell,
                             ""])  # fmt: skip
                continue
            rows.append([
                f"{int(size):,}", TITLES[name],
                f"{secs(reading['repaint_p50'])} / {secs(reading['repaint_p95'])}",
                f"{secs(reading['search_p50'])} / {secs(reading['search_p95'])}", grep_cell,
                f"{reading['peak_rss_mb']:.0f} MB ({mb(f['bytes'])} on disk)",
            ])  # fmt: skip
    out.append(markdown(["posts", "format", "next post (j) p50 / p95",
                         f"search p50 / p95 ({len(QUERIES)} queries)",
                         "grep -c -i p50 / p95, same words", "app peak RSS, reading"], rows))
    rows = []
    for size in sizes:
        f = results["sizes"][size].get("added")
        if f is None:
            continue
        after = f["after"]
        rows.append([
            f"{int(size):,} + {f['new_page']['posts']:,}",
            f"{f['before']['files']:,} page{'s' * (f['before']['files'] != 1)} + "
            f"{f['new_page']['name']}",
            fails(f["index"]) or secs(f["index"]["seconds"]),
            pair_cell(f["reopen"]), pair_cell(f["reopen"], "new_page_last_post"),
            fails(after) or f"{after['posts']:,}",
        ])  # fmt: skip
    if rows:
        out.append(markdown(["posts", "HTML export folder", "first index",
                             "reopen with the new page: first post (vs empty app)",
                             "the new page's last post on screen (G)", "posts after"], rows))
    export = results.get("export")
    if export:
        target = 2 * export["largest"] + 100 * MB
        rows = [[fmt, *(f"{mb(fig[k]['peak'])}, {fig[k]['seconds']:.1f} s" if k in fig
                        else fig.get("error", "—") for k in ("cold", "warm"))]
                for fmt, fig in export["formats"].items()]  # fmt: skip
        out.append(f"`tgreader export` of a {export['posts']:,}-post HTML export, "
                   f"{mb(export['bytes'])}, largest page {mb(export['largest'])} (target: peak "
                   f"RSS <= 2 × largest + 100 MB = {mb(target)}):\n\n"
                   + markdown(["format", "cold (the index built, once): peak RSS, time",
                               "warm (index reused): peak RSS, time"], rows))  # fmt: skip
    out.append("Targets:\n\n" + "\n".join(f"- {line}" for line in targets(results)))
    return "\n\n".join([f"Measured {when(results)}; {results.get('machine', '')}.", *out])


def when(results: dict[str, Any]) -> str:
    """The dates and commits the figures were measured at."""
    stamps = {value for row in results["sizes"].values() for key, value in row.items()
              if key.endswith("_when")}  # fmt: skip
    if results.get("export_when"):
        stamps.add(results["export_when"])
    ordered = sorted(stamps)
    if not ordered:
        return "never"
    return ordered[0] if len(ordered) == 1 else f"from {ordered[0]} to {ordered[-1]}"


def markdown(head: list[str], rows: list[list[str]]) -> str:
    lines = ["| " + " | ".join(head) + " |", "|" + " --- |" * len(head)]
    lines += ["| " + " | ".join(row) + " |" for row in rows]
    return "\n".join(lines)


def targets(results: dict[str, Any]) -> list[str]:
    """Each target of issue 12 against the figures: met, missed, or not measured."""
    lines: list[str] = []

    def check(label: str, value: float | None, limit: float, shown: Callable[[float], str],
              ) -> None:  # fmt: skip
        if value is None:
            lines.append(f"{label}: not measured")
        else:
            lines.append(f"{label}: {shown(value)}, target {shown(limit)}: "
                         f"{'**met**' if value <= limit else '**missed**'}")  # fmt: skip

    def delta(pair: dict[str, Any] | None, step: str = "first_post") -> float | None:
        if not pair:
            return None
        seen, base = pair["app"]["steps"].get(step), pair["empty"]["steps"].get("first_paint")
        return None if seen is None or base is None else seen - base

    sizes = results["sizes"]
    for name in ("webcopy", "html"):
        f = sizes.get("100000", {}).get(name)
        check(f"100,000 posts, {TITLES[name]}, first open: first post after the empty app",
              delta(f and f.get("first_open")), 1.0, lambda v: f"+{secs(v)}")
        ratio = None
        if f and not fails(f.get("index")) and not fails(f.get("read")):
            ratio = f["index"]["seconds"] / f["read"]["seconds"]
        check(f"100,000 posts, {TITLES[name]}, full index ÷ read + split", ratio, 3.0,
              lambda v: f"{v:.1f}×")
    added = sizes.get("100000", {}).get("added")
    check("100,000 posts + one page: reopen, first post after the empty app",
          delta(added and added["reopen"]), 1.0, lambda v: f"+{secs(v)}")
    if added:
        lines.append("100,000 posts + one page: the new page's posts in the list: " + (
            "**yes** (its last post shown after `G`)"
            if added["reopen"]["app"]["steps"].get("new_page_last_post") else "**no**"))
    for size in sorted({*sizes, "1000000"}, key=int):
        for name in FORMATS:
            f = sizes.get(size, {}).get(name)
            if f or size == "1000000":
                check(f"{int(size):,} posts, {TITLES[name]}: reopen, first post after the empty "
                      "app", delta(f and f.get("reopen")), 1.0, lambda v: f"+{secs(v)}")
    million = sizes.get("1000000", {})
    for name in FORMATS:
        f = million.get(name)
        reading = f and f.get("reading")
        ok = reading and not fails(reading)
        check(f"1,000,000 posts, {TITLES[name]}: next post p95",
              reading["repaint_p95"] if ok else None, 0.05, secs)  # type: ignore[index]
        check(f"1,000,000 posts, {TITLES[name]}: search p95",
              reading["search_p95"] if ok else None, 0.1, secs)  # type: ignore[index]
        check(f"1,000,000 posts, {TITLES[name]}: app peak RSS while reading",
              reading["peak_rss_mb"] if ok else None, 600, lambda v: f"{v:.0f} MB")  # type: ignore[index]
    web = million.get("webcopy")
    if web and web.get("grep") and not fails(web["reading"]):
        grep95 = quantile(web["grep"], 0.95)
        check("1,000,000 posts: search p95 ÷ grep -c -i p95", web["reading"]["search_p95"] / grep95,
              1.0, lambda v: f"{v:.2f}×")
    for size in sorted(sizes, key=int):
        for name in FORMATS:
            f = sizes[size].get(name)
            if not f:
                continue
            peaks = [f[k]["app"]["peak_rss_mb"] for k in ("first_open", "reopen") if f.get(k)]
            if f.get("reading") and not fails(f["reading"]):
                peaks.append(f["reading"]["peak_rss_mb"])
            check(f"{int(size):,} posts, {TITLES[name]}: app peak RSS ÷ size on disk",
                  max(peaks) * MB / f["bytes"] if peaks else None, 1.0, lambda v: f"{v:.2f}×")
    export = results.get("export")
    if export:
        peak = max((run["peak"] for fig in export["formats"].values()
                    for key, run in fig.items() if key in ("cold", "warm")), default=None)
        check(f"export of the {mb(export['bytes'])} HTML export: peak RSS (worst format)", peak,
              2 * export["largest"] + 100 * MB, mb)
    return lines


def machine() -> str:
    version = sqlite3.sqlite_version
    return (f"{os.cpu_count()} CPUs, load {os.getloadavg()[0]:.1f}, Python "
            f"{platform.python_version()}, SQLite {version}")  # fmt: skip


# -- the command ------------------------------------------------------------------------------
def main(argv: list[str] | None = None) -> int:
    parser = argparse.ArgumentParser(prog="python -m tests.bench.run", description=__doc__,
                                     formatter_class=argparse.RawDescriptionHelpFormatter)
    parser.add_argument("--sizes", default="10000,100000",
                        help="posts per archive, comma-separated (default 10000,100000)")
    parser.add_argument("--formats", default=",".join(FORMATS),
                        help="webcopy, html, json (default all)")  # fmt: skip
    parser.add_argument("--data", type=Path, default=Path(tempfile.gettempdir()) / "tgreader-bench",
                        help="where generated archives and results are kept between runs")
    parser.add_argument("--results", type=Path, help="default DATA/results.json")
    parser.add_argument("--fresh", action="store_true", help="forget earlier results")
    parser.add_argument("--added-at", default="100000",
                        help="sizes at which one page is added to an indexed folder ('' for none)")
    parser.add_argument("--first-open-at", default="all",
                        help="sizes at which the first open is timed on a terminal: all (the "
                             "default), none, or comma-separated sizes")  # fmt: skip
    parser.add_argument("--app-index-at", default="10000,100000",
                        help="sizes at which a first open on the terminal waits for the whole "
                             "index to be in (default 10000,100000)")  # fmt: skip
    parser.add_argument("--export-posts", type=int, default=20_000,
                        help="posts of the HTML export `export` is measured on "
                             "(default 20000, about 49 MB; 0: skip)")  # fmt: skip
    parser.add_argument("--patience", type=float, default=3600.0,
                        help="seconds any one step may take before it is reported as not done")
    parser.add_argument("--table", action="store_true", help="only print the saved figures")
    args = parser.parse_args(argv)
    args.data.mkdir(parents=True, exist_ok=True)
    results_path = args.results or args.data / "results.json"
    if args.fresh:
        results_path.unlink(missing_ok=True)
    if not args.table:
        run(args, results_path)
    results = json.loads(results_path.read_text())
    print(f"tgreader benchmark · {machine()}")
    print(tables(results))
    return 0


def run(args: argparse.Namespace, results_path: Path) -> None:
    bench = Bench(args.data, results_path, args.patience)
    try:
        bench.results["machine"] = machine()
        added_at = {int(size) for size in args.added_at.split(",") if size}
        first_open_at = ({int(size) for size in args.first_open_at.split(",")}
                         if args.first_open_at not in ("all", "none") else args.first_open_at)
        for size in (int(size) for size in args.sizes.split(",")):
            log(f"{size:,} posts: archives")
            archives = ensure_archives(args.data / f"archives-{size}", size)
            for name in args.formats.split(","):
                first_open = first_open_at == "all" or (first_open_at != "none"
                                                        and size in first_open_at)
                whole = size in {int(n) for n in args.app_index_at.split(",") if n}
                bench.measure_format(size, name, archives[name], first_open, whole)
            if size in added_at:
                bench.measure_added(size, archives["html"])
        if args.export_posts:
            bench.measure_export(args.export_posts)
    finally:
        shutil.rmtree(bench.work, ignore_errors=True)


if __name__ == "__main__":
    raise SystemExit(main())
