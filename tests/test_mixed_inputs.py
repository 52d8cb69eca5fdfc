"""Several formats in one session: a folder of a web copy, result.json and messages.html."""

from __future__ import annotations

import json
from pathlib import Path

import pytest
from conftest import ROOT, load_clean, tgreader

from tui.ingest import find_dumps

FIXTURES = ROOT / "tests" / "fixtures"
MIXED = FIXTURES / "mixed"
SHARED = "📍 Samarkand, September 15, 2022\nThe same statement, copied from three places.\n" \
    "Everyone keeps it."



def test_folder_sniffs_each_format_by_content() -> None:
    kinds = {d.path.name: d.kind for d in find_dumps(MIXED, pytest.fail)}
    assert kinds == {
        "webcopy.txt": "webcopy", "result.json": "desktop_json", "messages.html": "desktop_html",
    }


def test_one_library_with_cross_format_duplicates_collapsed() -> None:
    posts = load_clean(MIXED)
    assert [p.text for p in posts] == [
        SHARED,
        "Only the JSON export has this post",
        "Only the HTML export has this post",
        "Only the web copy has this post, dated December 29, 2022",
    ]
    shared = posts[0]
    assert sorted(Path(o.path).name for o in shared.origins) == [
        "messages.html", "result.json", "webcopy.txt",
    ]


def test_export_dates_stay_exact_beside_text_dates() -> None:
    posts = {p.text: p for p in load_clean(MIXED)}
    json_only = posts["Only the JSON export has this post"]
    html_only = posts["Only the HTML export has this post"]
    assert json_only.datetime == "2022-09-16T09:00:00+03:00" and not json_only.date_inferred
    assert html_only.datetime == "2022-09-17T18:30:00+03:00" and not html_only.date_inferred
    assert html_only.channel == "Russian MFA"


def test_files_and_folders_of_every_format_in_one_call() -> None:
    posts = load_clean(
        FIXTURES / "desktop_json" / "channel" / "result.json",
        FIXTURES / "desktop_html" / "channel",
        FIXTURES / "desktop_text" / "copied_iso.txt",
    )
    origins = {Path(o.path).name for p in posts for o in p.origins}
    assert origins == {"result.json", "messages.html", "messages2.html", "copied_iso.txt"}
    # the poll is in both exports, word for word: listed once
    polls = [p for p in posts if p.title == "Which summit matters most?"]
    assert len(polls) == 1 and polls[0].occurrences == 2
    dated = [p.datetime for p in posts if p.datetime]
    assert len(dated) == len(posts)


def test_cli_exports_the_mixed_folder() -> None:
    result = tgreader("export", "--format", "json", str(MIXED))
    assert result.returncode == 0, result.stderr
    records = json.loads(result.stdout)
    assert len(records) == 4
    assert records[0]["occurrences"] == 3
