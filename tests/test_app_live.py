"""Reading while the index is built: posts show as soon as the first are parsed, the list grows,
search and filters work on what is indexed so far and say so, the final order comes without
losing the reader's place, and `q` quits at once leaving no index behind.

The build is held at a chosen post by a gate (a threading.Event) in the parser the index
reads, so "while indexing" is a state the test controls, never a time it hopes for.
"""

from __future__ import annotations

import asyncio
import threading
from collections.abc import Iterator
from pathlib import Path
from typing import Any

import pytest
from apphelpers import (
    build_app,
    harness,
    list_rows,
    pane,
    screen_text,
    search_box,
    shown_count,
    status,
    user_dirs,  # noqa: F401  (fixture)
)
from conftest import SAMPLE, load_posts
from textual.message import Message
from textual.pilot import Pilot

import tui.index as index
from tests.bench.generate import write_webcopy
from tui.app import ReaderApp
from tui.ingest import Dump, Warn
from tui.model import RawPost
from tui.provisional import ProvisionalLibrary
from tui.safetext import visible
from tui.widgets.post_list import PostList

pytestmark = pytest.mark.usefixtures("user_dirs")

SAMPLE_POSTS = 9
HELD_AT = SAMPLE_POSTS + index.FIRST_SEEN + 10  # the sample, then one batch of the copy


@pytest.fixture
def gate(monkeypatch: pytest.MonkeyPatch) -> Iterator[threading.Event]:
    """Parsing stops before post HELD_AT (counted over all files) until the gate opens."""
    opened = threading.Event()
    real = index.iter_raw_posts
    parsed = 0

    def held(dump: Dump, warn: Warn) -> Iterator[RawPost]:
        nonlocal parsed
        for raw in real(dump, warn):
            if parsed == HELD_AT:
                opened.wait()
            parsed += 1
            yield raw

    monkeypatch.setattr(index, "iter_raw_posts", held)
    yield opened
    opened.set()  # never leave a build thread waiting behind a failed test


@pytest.fixture
def archive(tmp_path: Path) -> list[Path]:
    return [SAMPLE, write_webcopy(tmp_path / "copy.txt", 300)]


def grew(message: Message) -> bool:
    return isinstance(message, ReaderApp.IndexGrew)


async def wait_indexing(app: ReaderApp, pilot: Pilot[Any]) -> None:
    """Until the reader shows the posts parsed before the gate."""
    messages = harness(app).messages
    while not (isinstance(app.library, ProvisionalLibrary) and len(app.library) == HELD_AT
               - (HELD_AT - SAMPLE_POSTS) % index.FIRST_SEEN):  # fmt: skip
        await messages.wait_for(grew, messages.mark(), "posts shown while indexing")
        await pilot.pause()


def cursor_id(app: ReaderApp) -> str:
    posts = app.query_one("#posts", PostList)
    assert app.library is not None and posts.current is not None
    return app.library.id_of(posts.current)


def on_screen_row(app: ReaderApp) -> int:
    posts = app.query_one("#posts", PostList)
    return posts.cursor * posts.row_height - int(posts.scroll_offset.y)


async def test_posts_show_while_indexing_and_the_place_survives_the_final_order(
    archive: list[Path], gate: threading.Event
) -> None:
    app = build_app(archive)
    async with app.run_test(size=(140, 40), message_hook=harness(app).messages) as pilot:
        await wait_indexing(app, pilot)
        library = app.library
        assert isinstance(library, ProvisionalLibrary)
        shown = len(library)
        assert shown < SAMPLE_POSTS + 300
        assert len(list_rows(app)) == shown
        assert "Indexing" in status(app) and f"{shown:,} posts so far" in status(app)
        assert "in file order, dates provisional" in status(app)
        # Dates are what the text says: a year taken from the neighbours is not there yet.
        jan_10 = next(row for row in list_rows(app) if "On January 10" in row)
        assert jan_10.startswith("10 Jan ?")

        # Search works on the posts indexed so far, and says so.
        await pilot.press("slash", *"lavrov")
        await pilot.pause()
        found = app.query_one("#posts", PostList).rows
        assert found and found == library.search("lavrov")
        assert "“lavrov”" in status(app) and f"{len(found):,} shown so far" in status(app)
        await pilot.press("escape", "escape")
        await pilot.pause()
        assert len(list_rows(app)) == shown

        # The reader picks a post well down the list, scrolls, and bookmarks it.
        posts = app.query_one("#posts", PostList)
        posts.focus()
        await pilot.press(*["j"] * 45)
        await pilot.pause()
        reading = cursor_id(app)
        assert pane(app).post is not None and pane(app).post.id == reading  # type: ignore[union-attr]
        await pilot.press("b")
        await pilot.pause()
        row_before = on_screen_row(app)

        gate.set()
        await app.workers.wait_for_complete()
        await pilot.pause()
        await pilot.pause()
        final = app.library
        assert final is not None and not isinstance(final, ProvisionalLibrary)
        assert len(final) == SAMPLE_POSTS + 300
        assert "Indexing" not in status(app) and "so far" not in status(app)
        assert list(app.query_one("#posts", PostList).rows) == list(range(len(final)))
        # The same post, under the cursor, at the same height, in the pane, still bookmarked.
        assert cursor_id(app) == reading
        assert pane(app).post is not None and pane(app).post.id == reading  # type: ignore[union-attr]
        assert on_screen_row(app) == row_before
        assert reading in app.bookmarked and "★" in screen_text(app)
        # The dates pass has run: the year now shows, marked as inferred.
        jan_10 = next(row for row in list_rows(app) if "On January 10" in row)
        assert jan_10.startswith("≈10 Jan 20")
        await pilot.press("q")


async def test_q_while_indexing_quits_at_once_and_leaves_no_index(
    archive: list[Path], gate: threading.Event, tmp_path: Path
) -> None:
    app = build_app(archive)
    async with app.run_test(size=(140, 40), message_hook=harness(app).messages) as pilot:
        await wait_indexing(app, pilot)
        await pilot.press("q")
        await pilot.pause()
    # The app is gone while the build is still held at the gate: quitting did not wait for it.
    assert not gate.is_set() and not app.load_finished.is_set()
    gate.set()
    assert await asyncio.to_thread(app.load_finished.wait, 60)
    cache = tmp_path / "cache"
    # No index and no temporary file; at most the whole segment of the file read to its end.
    assert list(cache.glob("index-*")) == [] and list(cache.rglob("*.tmp")) == []
    assert len(list(cache.rglob("*.sqlite"))) <= 1
    library = index.open_library(archive, lambda _m: None, cache=cache)
    assert len(library) == SAMPLE_POSTS + 300  # the next open builds a whole one
    assert len(list(cache.glob("index-*.sqlite"))) == 1


async def test_a_search_typed_while_indexing_stays_and_covers_everything_after(
    archive: list[Path], gate: threading.Event
) -> None:
    app = build_app(archive)
    async with app.run_test(size=(140, 40), message_hook=harness(app).messages) as pilot:
        await wait_indexing(app, pilot)
        await pilot.press("slash", *"lavrov", "enter")
        await pilot.pause()
        partial = len(app.query_one("#posts", PostList).rows)
        gate.set()
        await app.workers.wait_for_complete()
        await pilot.pause()
        assert app.library is not None and not isinstance(app.library, ProvisionalLibrary)
        assert search_box(app).value == "lavrov"
        rows = app.query_one("#posts", PostList).rows
        assert rows == app.library.search("lavrov") and len(rows) > partial
        assert f"{len(rows):,} shown" in status(app) and "so far" not in status(app)
        await pilot.press("q")


def rows_show_their_titles(app: ReaderApp) -> list[tuple[str, str]]:
    """Every row of the list ends with its own post's title (titles are read from the index,
    not held in memory); (id, title) of each row."""
    library = app.library
    assert library is not None
    posts = app.query_one("#posts", PostList)
    shown: list[tuple[str, str]] = []
    for at, row in zip(posts.rows, posts.row_texts(), strict=True):
        title = library[at].title
        assert library.title_of(at) == title and row.endswith(visible(title) or "(no text)")
        shown.append((library.id_of(at), title))
    return shown


async def test_every_row_shows_its_own_title_while_indexing_and_in_the_final_order(
    archive: list[Path], gate: threading.Event
) -> None:
    app = build_app(archive)
    async with app.run_test(size=(140, 40), message_hook=harness(app).messages) as pilot:
        await wait_indexing(app, pilot)
        indexing = rows_show_their_titles(app)
        assert len(indexing) == len(app.library or ())
        app.apply_tag("sco")  # a filter over what is indexed so far
        await pilot.pause()
        filtered = rows_show_their_titles(app)
        assert 0 < len(filtered) < len(indexing)
        gate.set()
        await app.workers.wait_for_complete()
        await pilot.pause()
        assert app.library is not None and not isinstance(app.library, ProvisionalLibrary)
        final_filtered = rows_show_their_titles(app)
        assert len(filtered) < len(final_filtered) < len(app.library)
        app.clear_filters()
        await pilot.pause()
        final = rows_show_their_titles(app)
        await pilot.press("q")
    # The titles the parse gives (read now: the gate held parsing until it opened).
    titles = {post.id: post.title for post in load_posts(archive, lambda _m: None)}
    assert [post_id for post_id, _title in final] == list(titles)
    for post_id, title in indexing + filtered + final_filtered + final:
        assert titles[post_id] == title


async def test_a_grown_archive_is_read_at_once_and_the_new_posts_join_under_the_reader(
    tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    """A file added to an indexed folder: the posts the index held show at once, in their
    final order, while the new file is indexed (held here by a gate); then its posts join
    with the reader's place kept."""
    folder = tmp_path / "archive"
    folder.mkdir()
    write_webcopy(folder / "a.txt", 200, start=0, stop=120)
    index.open_library([folder], lambda _m: None, cache=tmp_path / "cache")  # the app's cache
    write_webcopy(folder / "b.txt", 200, start=120, stop=200)
    held = threading.Event()
    real = index.iter_raw_posts

    def gated(dump: Dump, warn: Warn) -> Iterator[RawPost]:
        if dump.path.name == "b.txt":
            held.wait()
        return real(dump, warn)

    monkeypatch.setattr(index, "iter_raw_posts", gated)
    app = build_app([folder])
    try:
        async with app.run_test(size=(140, 40), message_hook=harness(app).messages) as pilot:
            messages = harness(app).messages
            await messages.wait_for(lambda m: isinstance(m, ReaderApp.IndexAsItWas), 0,
                                    "the index as it was")  # fmt: skip
            await pilot.pause()
            before = app.library
            assert before is not None and not isinstance(before, ProvisionalLibrary)
            assert len(before) == 120 and shown_count(app) == 120
            assert "Indexing the added files" in status(app)
            assert "120 posts so far" in status(app)
            posts = app.query_one("#posts", PostList)
            posts.focus()
            await pilot.press(*["j"] * 12)
            await pilot.pause()
            reading = cursor_id(app)
            row_before = on_screen_row(app)

            held.set()
            await app.workers.wait_for_complete()
            await pilot.pause()
            await pilot.pause()
            final = app.library
            assert final is not None and final is not before and len(final) == 200
            assert "Indexing" not in status(app) and "200 posts" in status(app)
            assert cursor_id(app) == reading and on_screen_row(app) == row_before
            assert pane(app).post is not None and pane(app).post.id == reading  # type: ignore[union-attr]
            await pilot.press("G")
            await pilot.pause()
            assert cursor_id(app) == final.id_of(199)
            await pilot.press("q")
    finally:
        held.set()
