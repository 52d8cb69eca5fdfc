"""An index file not yet checked (just built, appended to, or touched since its check) can be
opened before its page check, which then runs behind the screen: the app shows the posts
first, and a damage the check finds is said once and the index built again.

The check itself is SQLite's page check and the row counts (tests/test_index_health.py); here,
who runs it and when.
"""

from __future__ import annotations

import threading
from pathlib import Path
from typing import Any

import pytest
from apphelpers import SAMPLE_TITLES, harness, pane_text, running, toasts, user_dirs
from conftest import SAMPLE
from test_index_health import DAMAGE
from textual.notifications import Notify

from tui import index, index_health
from tui.index_health import checked_mark, is_checked
from tui.widgets.post_list import PostList

__all__ = ["user_dirs"]  # the fixture, used by name


@pytest.fixture
def checks(monkeypatch: pytest.MonkeyPatch) -> list[str]:
    """Every page check of an index, as it runs."""
    said: list[str] = []
    real = index.check_index

    def counted(*args: Any) -> Any:
        said.append("index")
        return real(*args)

    monkeypatch.setattr(index, "check_index", counted)
    return said


def fresh_index(cache: Path) -> tuple[list[Any], Path]:
    """The sample's index just built (so not yet marked checked), and its posts."""
    posts = list(index.open_library([SAMPLE], lambda _m: None, cache=cache))
    [path] = sorted(cache.glob("index-*.sqlite"))
    assert not is_checked(path)  # written a moment ago: its times may not tell yet
    return posts, path


def test_a_reopen_can_leave_the_check_for_later(tmp_path: Path, checks: list[str],
                                                monkeypatch: pytest.MonkeyPatch) -> None:
    cache = tmp_path / "cache"
    expected, path = fresh_index(cache)
    checks.clear()
    library = index.open_library([SAMPLE], lambda _m: None, cache=cache, check_later=True)
    assert list(library) == expected and library.unchecked is not None
    assert checks == []  # no page read to check it yet
    monkeypatch.setattr(index_health, "SETTLED_NS", 0)
    assert index.check_deferred(library, threading.Event()) is None
    assert checks == ["index"] and is_checked(path) and library.unchecked is None
    assert index.check_deferred(library, threading.Event()) is None  # once
    again = index.open_library([SAMPLE], lambda _m: None, cache=cache, check_later=True)
    assert again.unchecked is None and checks == ["index"]  # the mark vouches for it


def test_a_check_left_for_later_waits_for_the_file_to_settle(
        tmp_path: Path, checks: list[str], monkeypatch: pytest.MonkeyPatch) -> None:  # fmt: skip
    cache = tmp_path / "cache"
    _expected, path = fresh_index(cache)
    checks.clear()
    monkeypatch.setattr(index_health, "SETTLED_NS", 10**18)  # never settles
    library = index.open_library([SAMPLE], lambda _m: None, cache=cache, check_later=True)
    stop = threading.Event()
    stop.set()  # quitting: the wait for the file to settle ends at once, and nothing is said
    assert index.check_deferred(library, stop) is None
    assert checks == [] and not checked_mark(path).exists() and path.is_file()


@pytest.mark.parametrize("how", DAMAGE, ids=list(DAMAGE))
def test_damage_found_by_the_later_check_is_said_and_the_index_built_again(
        tmp_path: Path, how: str, monkeypatch: pytest.MonkeyPatch) -> None:  # fmt: skip
    cache = tmp_path / "cache"
    expected, path = fresh_index(cache)
    DAMAGE[how](path)
    monkeypatch.setattr(index_health, "SETTLED_NS", 0)
    said: list[str] = []
    library = index.open_library([SAMPLE], said.append, cache=cache, check_later=True)
    assert said == []
    damage = index.check_deferred(library, threading.Event())
    assert damage is not None and "damaged" in damage and str(path) in damage
    assert not path.exists() and not checked_mark(path).exists()
    rebuilt = index.open_library([SAMPLE], said.append, cache=cache, check_later=True)
    assert list(rebuilt) == expected and said == []
    assert all("could not be read" not in post.text for post in rebuilt)


async def test_the_app_shows_the_posts_then_rebuilds_a_damaged_index(
        user_dirs: Path, monkeypatch: pytest.MonkeyPatch) -> None:  # fmt: skip
    cache = user_dirs.parent.parent / "cache"  # where user_dirs points TGREADER_CACHE
    _expected, path = fresh_index(cache)
    DAMAGE["random bytes"](path)
    monkeypatch.setattr(index_health, "SETTLED_NS", 0)
    async with running() as (app, pilot):
        messages = harness(app).messages

        def damage_said(message: object) -> bool:
            return isinstance(message, Notify) and "damaged" in message.notification.message

        await messages.wait_for(damage_said, 0, "the damage found behind the screen is said")
        await app.workers.wait_for_complete()  # the index built again
        await pilot.pause()
        library = app.library
        assert library is not None
        titles = [library[i].title for i in app.query_one("#posts", PostList).rows]
        assert len(titles) == len(SAMPLE_TITLES)
        assert all(want in title for want, title in zip(SAMPLE_TITLES, titles, strict=True))
        assert "could not be read" not in pane_text(app)
        assert len([t for t in toasts(app) if "damaged" in t]) == 1
        assert path.is_file()  # the new index
