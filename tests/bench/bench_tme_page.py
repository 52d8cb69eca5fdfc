"""How fast t.me/s pages are read: `python -m tests.bench.bench_tme_page [PAGES]`.

Prints, for the real saved pages (tests/fixtures/real/tme-s-page/) and a synthetic archive of
PAGES pages (default 500, 20 posts each, in the markup of tests/tmeserver.py):
- read_page (the whole reader: tokenizer plus the post logic) with lxml and with html.parser,
  back to back, best of 20 in CPU time (which a loaded machine disturbs less than the clock),
  per page, and the ratio;
- the bare parsers, doing nothing with what they see: the standard library's html.parser
  and, when lxml is importable, lxml's streaming parser (`HTMLParser(target=…)`) and libxml2
  building the page's tree and freeing it (`etree.fromstring`). The bare figures bound what
  any reader on top of each could do.
- load_posts over the synthetic archive folder (sniffing, parsing, merge), posts per second.
Figures only; nothing here asserts a time.
"""

from __future__ import annotations

import statistics
import sys
import tempfile
import time
from html.parser import HTMLParser
from pathlib import Path

from tui.ingest.tme_page import read_page

ROOT = Path(__file__).resolve().parents[2]
REAL = ROOT / "tests" / "fixtures" / "real" / "tme-s-page"


def best_of(runs: int, work: object) -> float:
    """The least CPU time of `runs` runs of `work`."""
    times = []
    for _ in range(runs):
        started = time.process_time()
        work()  # type: ignore[operator]
        times.append(time.process_time() - started)
    return min(times)


class _Bare(HTMLParser):
    def handle_starttag(self, tag: str, attrs: list[tuple[str, str | None]]) -> None:
        pass


def bare_stdlib(markup: str) -> None:
    parser = _Bare(convert_charrefs=True)
    parser.feed(markup)
    parser.close()


def bare_lxml(markup: str) -> None:
    from lxml import etree  # type: ignore[import-not-found]

    class Target:
        def start(self, tag: str, attrib: dict[str, str]) -> None:
            pass

        def end(self, tag: str) -> None:
            pass

        def data(self, data: str) -> None:
            pass

        def close(self) -> None:
            pass

    parser = etree.HTMLParser(target=Target())
    parser.feed(markup)
    parser.close()


def bare_tree(markup: str) -> None:
    from lxml import etree  # type: ignore[import-not-found]

    etree.fromstring(markup.encode(), etree.HTMLParser(no_network=True, encoding="utf-8"))


def _ms(seconds: float | None) -> str:
    return f"{seconds * 1000:.1f} ms" if seconds is not None else "lxml not installed"


def _mbs(size: int, seconds: float | None) -> str:
    return f"{size / seconds / 1e6:.1f} MB/s" if seconds else "lxml not installed"


def synthetic(pages: int, folder: Path) -> list[str]:
    sys.path.insert(0, str(ROOT / "tests"))
    from tmeserver import FakeChannel, render_page

    channel = FakeChannel("bench", "Bench Channel")
    channel.add(pages * 20)
    out = []
    for i in range(pages):
        markup = render_page(channel, channel.posts[i * 20 : (i + 1) * 20], i * 20 + 1 or None)
        (folder / f"{i:06d}.html").write_text(markup, encoding="utf-8")
        out.append(markup)
    return out


def main() -> None:
    pages = int(sys.argv[1]) if len(sys.argv) > 1 else 500
    try:
        import lxml  # type: ignore[import-not-found]  # noqa: F401

        have_lxml = True
    except ImportError:
        have_lxml = False
    print("| input | bytes | read_page, lxml | read_page, html.parser | ratio | bare lxml "
          "| bare html.parser | bare lxml tree |")
    print("|---|---|---|---|---|---|---|---|")
    for path in sorted(REAL.glob("*.html")):
        markup = path.read_text(encoding="utf-8")
        size = len(markup.encode("utf-8"))
        with_lxml = best_of(20, lambda m=markup: read_page(m, "lxml")) if have_lxml else None
        with_stdlib = best_of(20, lambda m=markup: read_page(m, "stdlib"))
        bare = best_of(20, lambda m=markup: bare_stdlib(m))
        lx = best_of(20, lambda m=markup: bare_lxml(m)) if have_lxml else None
        tree = best_of(20, lambda m=markup: bare_tree(m)) if have_lxml else None
        ratio = f"{with_stdlib / with_lxml:.1f}x" if with_lxml else "-"
        print(f"| {path.name} | {size:,} | {_ms(with_lxml)} | {_ms(with_stdlib)} | {ratio} "
              f"| {_mbs(size, lx)} | {_mbs(size, bare)} | {_ms(tree)} |", flush=True)
    with tempfile.TemporaryDirectory() as tmp:
        folder = Path(tmp)
        markups = synthetic(pages, folder)
        size = sum(len(m.encode("utf-8")) for m in markups)
        per_page = [best_of(3, lambda m=m: read_page(m)) for m in markups[:50]]
        print(f"\nsynthetic: {pages} pages, {pages * 20:,} posts, {size / 1e6:.1f} MB; "
              f"read_page median {statistics.median(per_page) * 1000:.2f} ms/page")
        from tui.index import open_library

        started = time.perf_counter()
        posts = open_library([folder], lambda _m: None, in_memory=True)
        took = time.perf_counter() - started
        print(f"open_library(folder, in memory): {len(posts):,} posts in {took:.2f} s "
              f"({len(posts) / took:,.0f} posts/s)")


if __name__ == "__main__":
    main()
