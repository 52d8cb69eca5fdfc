"""The benchmark's tooling keeps working: its synthetic archives read back as exactly the posts
generated, in every format, and the whole benchmark runs end to end at a tiny size.

The benchmark itself (`python -m tests.bench.run`) prints figures and asserts no time; these
tests only check that what it measures is what it says it measures."""

from __future__ import annotations

import json
import re
from pathlib import Path

import pytest

from tests.bench import run
from tests.bench.generate import FORMATS, ensure_archives, posts, write_html_export
from tui.index import open_library

POSTS = 200
NUMBER = re.compile(r"\(No\. (\d+)\)")


@pytest.fixture(scope="module")
def archives(tmp_path_factory: pytest.TempPathFactory) -> dict[str, Path]:
    return ensure_archives(tmp_path_factory.mktemp("bench") / "archives", POSTS)


@pytest.mark.parametrize("name", list(FORMATS))
def test_each_format_reads_back_as_the_posts_generated(archives: dict[str, Path], name: str,
                                                       tmp_path: Path) -> None:  # fmt: skip
    warnings: list[str] = []
    library = open_library([archives[name]], warnings.append, cache=tmp_path)
    generated = {p.number + 1: p for p in posts(7, POSTS)}
    read = {}
    for position in range(len(library)):
        found = NUMBER.search(library[position].text)
        assert found is not None, library[position].text
        read[int(found[1])] = library[position]
    assert warnings == []
    assert len(library) == POSTS and sorted(read) == sorted(generated)
    for number, p in generated.items():
        assert p.body[-1] in read[number].text  # the body once, whatever the format
        if name != "webcopy":  # exports carry the sender (joined messages continue the last)
            assert read[number].sender == p.source


def test_html_export_is_paged_like_telegram_desktop(tmp_path: Path) -> None:
    # the first 2,100 posts of 10,000: several a day, so one sender's posts run on (joined)
    write_html_export(tmp_path / "html", 10_000, stop=2100)
    pages = tmp_path / "html"
    names = sorted(path.name for path in pages.iterdir())
    assert names == ["messages.html", "messages2.html", "messages3.html"]
    second = (pages / "messages2.html").read_text(encoding="utf-8")
    assert second.count('class="message default clearfix') == 1000
    assert 'href="messages.html">\nPrevious messages' in second
    assert 'href="messages3.html">\nNext messages' in second
    assert 'class="message default clearfix joined"' in second
    assert 'class="message service"' in second


@pytest.mark.slow
def test_the_benchmark_runs_end_to_end_at_a_tiny_size(tmp_path: Path,
                                                      capsys: pytest.CaptureFixture[str]) -> None:
    """One format, 200 posts: the floor, the index, the reopen timed on a real terminal next to
    the empty app, reading and searching, grep, and one page added to an indexed folder."""
    code = run.main(["--sizes", str(POSTS), "--formats", "webcopy", "--first-open-at", "none",
                     "--added-at", str(POSTS), "--export-posts", "0", "--data", str(tmp_path),
                     "--patience", "120"])  # fmt: skip
    printed = capsys.readouterr().out
    assert code == 0
    saved = json.loads((tmp_path / "results.json").read_text())["sizes"][str(POSTS)]
    web, added = saved["webcopy"], saved["added"]
    assert web["index"]["posts"] == POSTS and web["read"]["lines"] > POSTS
    for pair in (web["reopen"], added["reopen"]):
        assert pair["empty"]["error"] is None and pair["app"]["error"] is None, pair
        assert pair["app"]["exit"] == 0 and pair["app"]["quit_seconds"] is not None
    assert len(web["reading"]["hits"]) == len(web["grep"]) == 50
    assert "new_page_last_post" in added["reopen"]["app"]["steps"]  # the new page is read
    assert added["after"]["posts"] == 2 * POSTS  # the page adds as many
    assert f"| {POSTS} | web copy | 0.6 MB (1 files) |" in printed
    assert "not seen" not in printed and "error" not in printed
