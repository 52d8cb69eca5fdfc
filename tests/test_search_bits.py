"""Search through the index's bitmaps gives exactly FTS5's answer (`tui.search_bits`).

The oracle is the search table itself, asked the way search always asked it: every token of
every query word a prefix (`"tok"*`), ANDed, in rowid order. Each archive here is small, so
most word starts get a bitmap (more than 1/32 of the posts hold them) and the rarest do not:
both ways are taken.
"""

from __future__ import annotations

import json
import re
import sqlite3
import unicodedata
from pathlib import Path

import pytest
from conftest import SAMPLE
from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st

import tui.index as index
from tests.bench.generate import write_webcopy
from tui.library import Filter, Library

REAL = Path("/work/shared/data/real")
TOKEN = re.compile(r"[^\W_]+")


def fts5_answer(library: Library, query: str, within: list[int] | None = None) -> list[int]:
    """What FTS5 alone answers for the query's words, as `Library.search` always asked it."""
    tokens = [token for word in unicodedata.normalize("NFC", query).split()
              for token in TOKEN.findall(word.replace("ё", "е").replace("Ё", "Е"))]  # fmt: skip
    assert tokens, query
    assert library.index_path is not None
    conn = sqlite3.connect(f"file:{library.index_path}?mode=ro", uri=True)
    try:
        found = [row for (row,) in conn.execute(
            "SELECT rowid FROM search WHERE search MATCH ? ORDER BY rowid",
            (" AND ".join(f'"{token}"*' for token in tokens),))]  # fmt: skip
    finally:
        conn.close()
    return found if within is None else [pos for pos in found if pos in set(within)]


def bitmaps(library: Library) -> tuple[int, int]:
    """How many word starts have a bitmap, and how many posts the bitmaps cover."""
    assert library.index_path is not None
    conn = sqlite3.connect(f"file:{library.index_path}?mode=ro", uri=True)
    try:
        starts = conn.execute("SELECT count(*) FROM search_bits").fetchone()[0]
        covered = conn.execute("SELECT value FROM meta WHERE key = 'search_bits'").fetchone()
        return starts, int(covered[0]) if covered else 0
    finally:
        conn.close()


def word_starts(library: Library, lengths: tuple[int, ...] = (1, 2, 4)) -> list[str]:
    """Starts of the words in the posts, as typed: in their own case and accents."""
    found: set[str] = set()
    for post in library:
        for word in TOKEN.findall(post.text):
            found.update(word[:n] for n in lengths)
    return sorted(found)


def open_archive(paths: list[Path], cache: Path) -> Library:
    return index.open_library(paths, lambda _m: None, cache=cache)


@pytest.mark.parametrize("name", ["sample", "ensia-impact-account", "guzel-perezalivy-small",
                                  "upon-the-path-of-salaf", "tme-s-page"])  # fmt: skip
def test_bitmap_search_answers_as_fts5_on_real_archives(name: str, tmp_path: Path) -> None:
    source = SAMPLE if name == "sample" else REAL / name
    library = open_archive([source], tmp_path / "cache")
    starts, covered = bitmaps(library)
    assert starts > 0 and covered == len(library)
    queries = word_starts(library)[:400] + ["zzzznothing", "лавров", "ЛАВР", "café", "CAFE"]
    for query in queries:
        assert library.search(query) == fts5_answer(library, query), query
    pairs = [f"{a} {b}" for a, b in zip(queries[::7], queries[3::11], strict=False)]
    for query in pairs:
        assert library.search(query) == fts5_answer(library, query), query


def test_a_search_within_a_filter_answers_as_fts5(tmp_path: Path) -> None:
    library = open_archive([SAMPLE], tmp_path / "cache")
    year = library.date_tree()[0].period
    inside = library.matching(Filter(period=year))
    assert 0 < len(inside) < len(library)
    for query in ("lavrov", "l", "с", "sco brics", "zzzznothing", "мид"):
        expected = fts5_answer(library, query, inside)
        assert library.matching(Filter(period=year, query=query)) == expected
        assert library.search(query, set(inside)) == expected
        assert library.search(query, iter(inside)) == expected
    assert library.search("lavrov", within=[]) == []


def test_a_word_in_every_post_finds_every_post(tmp_path: Path) -> None:
    texts = [f"Common ground, item {n}: {'lavrov' if n % 3 else 'zakharova'}" for n in range(200)]
    library = open_archive([_json_export(tmp_path / "export", texts)], tmp_path / "cache")
    assert bitmaps(library)[0] > 0
    for query in ("common", "COMMON c", "c", "item common"):
        assert library.search(query) == list(range(len(library))) == fts5_answer(library, query)
    assert library.search("lavrov") == fts5_answer(library, "lavrov")


_WORDS = ["lavrov", "Lavrova", "Лавров", "лавры", "ёлка", "Елка", "ЁЖ", "café", "CAFE",
          "cafe\u0301", "Türkiye", "turk", "İstanbul", "straße", "STRASSE", "ǅemal", "ﬁnal", "½",
          "x", "a", "z9", "10", "Сергей", "сергеи", "mid", "MИД", "g20", "wang-yi", "e\u0301cole",
          "école"]
_CHARS = "abcxyzéèêàçñüößабвгдеёжзийклмнопрстуфхцчшщъыьэюяАБЁЙ0123456789 -_.,'#@"


def _json_export(folder: Path, texts: list[str]) -> Path:
    folder.mkdir(parents=True, exist_ok=True)
    messages = [{"id": n + 1, "type": "message", "date": f"2022-01-{1 + n % 28:02d}T10:00:00",
                 "date_unixtime": str(1641031200 + n * 60), "from": "Chan", "from_id": "channel7",
                 "text": text, "text_entities": [{"type": "plain", "text": text}]}
                for n, text in enumerate(texts)]  # fmt: skip
    path = folder / "result.json"
    path.write_text(json.dumps({"name": "Chan", "type": "public_channel", "id": 7,
                                "messages": messages}, ensure_ascii=False), "utf-8")  # fmt: skip
    return path


_text = st.lists(st.one_of(st.sampled_from(_WORDS), st.text(_CHARS, min_size=1, max_size=6)),
                 min_size=1, max_size=8).map(" ".join)  # fmt: skip
_query = st.lists(st.one_of(st.sampled_from(_WORDS).flatmap(
    lambda w: st.integers(1, len(w)).map(lambda n: w[:n])),
    st.text(_CHARS.replace(" ", ""), min_size=1, max_size=3)), min_size=1, max_size=3)


@settings(max_examples=25, deadline=None,
          suppress_health_check=[HealthCheck.function_scoped_fixture, HealthCheck.too_slow])
@given(st.lists(_text, min_size=1, max_size=120), st.lists(_query, min_size=1, max_size=12))
def test_bitmap_search_answers_as_fts5_on_random_texts(
    tmp_path_factory: pytest.TempPathFactory, texts: list[str], queries: list[list[str]]
) -> None:
    folder = tmp_path_factory.mktemp("random")
    library = open_archive([_json_export(folder / "export", texts)], folder / "cache")
    for words in queries:
        query = " ".join(word for word in words if TOKEN.findall(word))  # no symbols-only word
        if not query:
            continue
        assert library.search(query) == fts5_answer(library, query), query


def test_posts_appended_after_the_bitmaps_are_found_too(tmp_path: Path) -> None:
    folder = tmp_path / "archive"
    folder.mkdir()
    write_webcopy(folder / "a.txt", 400, stop=390)
    cache = tmp_path / "cache"
    open_archive([folder], cache)
    write_webcopy(folder / "b.txt", 400, start=390)  # the last 10 posts: appended
    grown = open_archive([folder], cache)
    starts, covered = bitmaps(grown)
    assert starts > 0 and 0 < covered < len(grown)
    for query in ["lavrov", "l", "sco", "samarkand", "лавр", "с", "zzzznothing", "un charter"]:
        assert grown.search(query) == fts5_answer(grown, query), query
    assert any(pos >= covered for pos in grown.search("l"))


def test_a_damaged_bitmap_rebuilds_the_index(tmp_path: Path) -> None:
    cache = tmp_path / "cache"
    library = open_archive([SAMPLE], cache)
    expected = library.search("lavrov")
    path = library.index_path
    library.close()
    assert path is not None
    conn = sqlite3.connect(path)
    conn.execute("UPDATE search_bits SET bits = x'00' WHERE bits IS NOT NULL")
    conn.commit()
    conn.close()
    said: list[str] = []
    reopened = index.open_library([SAMPLE], said.append, cache=cache)
    assert any("damaged" in message for message in said)
    assert reopened.search("lavrov") == expected == fts5_answer(reopened, "lavrov")
