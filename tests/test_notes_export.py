"""Notes export: what a researcher reads in the Markdown notebook and a tool reads in the JSON."""

from __future__ import annotations

import json
from dataclasses import replace
from datetime import UTC, datetime
from pathlib import Path

import pytest

from tui.model import PostSnapshot, Quote
from tui.notes_export import export_notes
from tui.storage import Store

EXPORTED = datetime(2026, 11, 27, 20, 30, tzinfo=UTC)

SUMMIT = PostSnapshot(
    post_id="p-summit",
    source="russian_mfa_sco.txt",
    title="SCO summit opens in Astana",
    date="2024-01-10",
    date_inferred=True,
    channel="MFA Russia",
)
MINISTERS = PostSnapshot(
    post_id="p-ministers",
    source="russian_mfa_sco.txt",
    title="Foreign ministers meet",
    date="2023-05-04",
    channel="MFA Russia",
)
UNDATED = PostSnapshot(
    post_id="p-undated", source="other.txt", title="A post with no date", date=None
)
BODY = "My reading:\n\n- point one\n  # not a heading of ours\n\nEnd."


@pytest.fixture
def store(tmp_path: Path) -> Store:
    store = Store.open(tmp_path / "library.json")
    store.toggle_bookmark(MINISTERS)  # bookmark without notes
    store.add_note(SUMMIT, BODY, Quote("First paragraph quoted.\n\nThird one.", 1, 4))
    store.add_note(SUMMIT, "Second thought, no quote.")
    store.toggle_bookmark(SUMMIT)
    store.add_note(UNDATED, "Where is the date?")
    return store


def md(store: Store, open_ids: set[str] | None = None) -> str:
    return export_notes(store, "md", open_ids, exported_at=EXPORTED)


def test_markdown_is_a_notebook_with_a_heading_per_post_grouped(store: Store) -> None:
    text = md(store)
    assert text.startswith("# tgreader notes\n")
    assert "3 posts · 2 bookmarks · 3 notes" in text
    # grouped by channel, then by source; within a group in date order
    order = [
        text.index("## MFA Russia"),
        text.index("### Foreign ministers meet"),
        text.index("### SCO summit opens in Astana"),
        text.index("## other.txt"),
        text.index("### A post with no date"),
    ]
    assert order == sorted(order)


def test_markdown_shows_dates_honestly(store: Store) -> None:
    text = md(store)
    assert "- Date: ≈ 10 Jan 2024 · year inferred" in text  # as the reading pane says it
    assert "- Date: 4 May 2023" in text
    assert "- Date: undated" in text


def test_markdown_quotes_as_blocks_and_bodies_verbatim(store: Store) -> None:
    text = md(store)
    assert (
        "> ```text\n> First paragraph quoted.\n>\n> Third one.\n> ```\n>\n> — paragraphs 2–4\n"
        in text
    )
    assert "\n" + BODY + "\n" in text
    assert "Second thought, no quote." in text
    created = store.notes()[0].created
    assert f"#### Note · created {created[:10]} {created[11:16]}" in text


def test_markdown_lists_bookmarks_without_notes(store: Store) -> None:
    text = md(store)
    section = text[text.index("### Foreign ministers meet") : text.index("### SCO summit")]
    assert "- Bookmarked: " in section
    assert "#### Note" not in section
    assert "- Source: russian_mfa_sco.txt" in section


def test_posts_outside_the_open_files_are_marked_only_when_known(store: Store) -> None:
    assert "Not in the open files" not in md(store)
    text = md(store, open_ids={"p-summit"})
    assert text.count("- Not in the open files") == 2
    summit = text[text.index("### SCO summit") : text.index("## other.txt")]
    assert "Not in the open files" not in summit


def test_json_is_a_stable_list_of_posts_with_their_notes(store: Store) -> None:
    data = json.loads(export_notes(store, "json", {"p-summit"}, exported_at=EXPORTED))
    assert (data["format"], data["version"]) == ("tgreader-notes", 1)
    assert data["exported"] == "2026-11-27T20:30:00+00:00"
    by_id = {post["post_id"]: post for post in data["posts"]}
    assert [post["post_id"] for post in data["posts"]] == ["p-ministers", "p-summit", "p-undated"]
    summit = by_id["p-summit"]
    assert summit["bookmarked"] is True and summit["in_open_files"] is True
    assert summit["date_label"] == "≈ 10 Jan 2024 · year inferred"
    assert (summit["date"], summit["date_inferred"]) == ("2024-01-10", True)
    assert [note["body"] for note in summit["notes"]] == [BODY, "Second thought, no quote."]
    assert summit["notes"][0]["quote"] == {
        "text": "First paragraph quoted.\n\nThird one.",
        "start": 1,
        "end": 4,
    }
    assert by_id["p-ministers"]["notes"] == [] and by_id["p-ministers"]["bookmarked"] is True
    assert by_id["p-undated"]["bookmarked"] is False
    assert by_id["p-undated"]["in_open_files"] is False
    assert set(summit) == {
        "post_id", "title", "channel", "source", "date", "date_inferred", "date_label",
        "url", "origin", "in_open_files", "bookmarked", "bookmarked_at", "notes",
    }  # fmt: skip


def test_a_note_cites_the_posts_address_or_else_its_file_and_line(tmp_path: Path) -> None:
    store = Store.open(tmp_path / "library.json")
    store.add_note(replace(MINISTERS, url="https://t.me/MFARussia/15000",
                           origin="result.json:80"), "with an address")  # fmt: skip
    store.add_note(replace(UNDATED, origin="other.txt:12"), "a web copy")
    text = md(store)
    assert "- Address: <https://t.me/MFARussia/15000>" in text
    assert "result.json:80" not in text
    assert "- Found in: other.txt:12" in text
    reopened = Store.open(tmp_path / "library.json")  # kept in the database as written
    data = json.loads(export_notes(reopened, "json"))
    assert {(p["url"], p["origin"]) for p in data["posts"]} == {
        ("https://t.me/MFARussia/15000", "result.json:80"), (None, "other.txt:12")}


def test_json_without_open_ids_does_not_guess(store: Store) -> None:
    data = json.loads(export_notes(store, "json"))
    assert {post["in_open_files"] for post in data["posts"]} == {None}


def test_an_empty_library_exports_cleanly(tmp_path: Path) -> None:
    store = Store.open(tmp_path / "library.json")
    text = md(store)
    assert "No bookmarks or notes yet." in text and "0 posts · 0 bookmarks · 0 notes" in text
    assert json.loads(export_notes(store, "json"))["posts"] == []


def test_an_unknown_format_is_refused(store: Store) -> None:
    with pytest.raises(ValueError, match="'md' or 'json'"):
        export_notes(store, "html")  # type: ignore[arg-type]
