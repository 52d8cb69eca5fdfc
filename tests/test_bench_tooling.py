"""The benchmark's tooling keeps working: its synthetic archives read back as exactly the posts
generated, in every format, and the whole benchmark runs end to end at a tiny size.

The benchmark itself (`python -m tests.bench.run`) prints figures and asserts no time; these
tests only check that what it measures is what it says it measures."""

from __future__ import annotations

import re
from pathlib import Path

import pytest

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
