"""A notes file made by a stranger, a hand edit or another tool: no crash, no silent loss.

Symlinked files are written through the link; record ids and numbers past Python's int limit,
and saved view settings of the wrong type, are reported in one line, never a traceback."""

from __future__ import annotations

import json
from pathlib import Path
from typing import Any

import pytest
from apphelpers import running, shown_count, status, toasts
from apphelpers import user_dirs as user_dirs  # noqa: F401  (fixture)
from conftest import snap

from tui.storage import StorageError, Store

GOOD_NOTE = {
    "id": "n1",
    "post_id": "p1",
    "body": "mine",
    "created": "2024-01-01T00:00:00+00:00",
    "updated": "2024-01-01T00:00:00+00:00",
    "snapshot": {"post_id": "p1", "source": None, "title": "T", "date": None},
    "quote": None,
    "tags": [],
}



def test_a_symlinked_notes_file_is_written_through_the_link(tmp_path: Path) -> None:
    real = tmp_path / "synced" / "library.json"
    real.parent.mkdir()
    real.write_text(json.dumps({"notes": {"1": GOOD_NOTE}}))
    link = tmp_path / "config" / "library.json"
    link.parent.mkdir()
    link.symlink_to(real)

    store = Store.open(link)
    store.add_note(snap("p2"), "through the link")
    store.toggle_bookmark(snap("p2"))
    store.close()

    assert link.is_symlink() and link.resolve() == real
    assert [n.body for n in Store.open(real).notes()] == ["mine", "through the link"]
    assert Store.open(link).is_bookmarked("p2")
    assert list(link.parent.iterdir()) == [link]  # no lock or temp file beside the link


def test_a_symlink_loop_is_refused_in_one_line(tmp_path: Path) -> None:
    link = tmp_path / "library.json"
    link.symlink_to(tmp_path / "other.json")
    (tmp_path / "other.json").symlink_to(link)
    with pytest.raises(StorageError) as caught:
        Store.open(link)
    assert str(caught.value).startswith(f"cannot open notes at {link}: ")
    assert "\n" not in str(caught.value)


@pytest.mark.parametrize(
    ("content", "reason"),
    [
        ({"notes": {"9" * 5000: GOOD_NOTE}}, "unexpected structure: record '99999"),
        ({"notes": {"٣": GOOD_NOTE}}, "unexpected structure: record '٣'"),
        ({"notes": {"1": {**GOOD_NOTE, "views": int("9" * 4000)}}}, None),
    ],
    ids=["5000-digit doc id", "non-ASCII digit id", "4000-digit number"],
)
def test_huge_or_odd_numbers_in_the_notes_file_do_not_crash(
    tmp_path: Path, content: dict[str, Any], reason: str | None
) -> None:
    db = tmp_path / "library.json"
    raw = json.dumps(content, ensure_ascii=False).encode()
    if reason is None:  # a number longer than Python's int limit, as a stranger could write
        raw = raw.replace(b"9" * 4000, b"9" * 5000)
    db.write_bytes(raw)

    store = Store.open(db)

    (aside,) = tmp_path.glob("library.json.damaged-*")
    assert aside.read_bytes() == raw
    warning = store.open_warning or ""
    assert "\n" not in warning and len(warning) < 400
    assert (reason or "not valid JSON: a number too long to read") in warning
    store.add_note(snap("p"), "a fresh start")


def test_the_damage_message_says_at_once(tmp_path: Path) -> None:
    db = tmp_path / "library.json"
    db.write_bytes(b'{"notes": {"1": {"body": "cut off here')
    warning = Store.open(db).open_warning or ""
    assert "(not valid JSON: unterminated string starting at line 1, column 26)" in warning
    assert "at at" not in warning


BAD_STATE = {"period": 5, "query": ["x"], "tag": 7, "last_post": ["x"], "collection": "trash"}


def write_state(db: Path, archive: str | None, values: dict[str, Any]) -> None:
    db.write_text(json.dumps({"ui_state": {"1": {"archive": archive, "values": values}}}))


def test_saved_view_settings_of_a_wrong_type_are_ignored_with_a_warning(tmp_path: Path) -> None:
    db = tmp_path / "library.json"
    write_state(db, "a", {**BAD_STATE, "sidebar": True, "future_setting": [1, 2]})

    store = Store.open(db)

    assert store.ui_state("a") == {"sidebar": True, "future_setting": [1, 2]}
    warning = store.open_warning or ""
    assert warning == (
        f"the notes file {db} holds saved view settings of the wrong type "
        "(period, query, tag, last_post, collection); they were ignored"
    )
    assert list(tmp_path.glob("*.damaged-*")) == []  # nothing else was lost over it
    store.set_ui_state("a", query="kept")
    store.close()
    reopened = Store.open(db)
    assert reopened.open_warning is None  # the next save wrote them out
    assert reopened.ui_state("a") == {"sidebar": True, "future_setting": [1, 2], "query": "kept"}


async def test_the_app_starts_over_saved_state_of_the_wrong_type(user_dirs: Path) -> None:
    async with running() as (app, _pilot):
        assert app.library is not None
        key = app.library.archive_key
    write_state(user_dirs, key, BAD_STATE)
    store = Store.open(user_dirs)
    store.set_ui_state(None, theme=17, sidebar="no")
    store.close()

    async with running() as (app, _pilot):
        assert shown_count(app) == 9
        assert status(app).startswith("9 posts")
        (warning,) = [t for t in toasts(app) if "wrong type" in t]
        assert "period, query, tag, last_post, collection, theme (global), sidebar (global)" in (
            warning
        )
