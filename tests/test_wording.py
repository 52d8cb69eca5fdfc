"""One wording for dates: every screen, export, citation and notes export says a post's date,
an inferred year and an undated post's bounds the same way (tui/wording.py)."""

from __future__ import annotations

import json

import pytest
from apphelpers import (
    list_rows,
    pane_text,
    running,
    user_dirs,  # noqa: F401  (fixture)
)

from tui.exporting import export_posts
from tui.model import Post, PostDate, PostSnapshot
from tui.quote import citation
from tui.wording import (
    bounds_range,
    citation_date,
    date_label,
    not_utf8,
    period_text,
    short_date,
)

EXACT = PostDate(2022, 9, 15)
GUESSED = PostDate(2024, 1, 10, year_inferred=True)


def post(date: PostDate | None, bounds: tuple[str | None, str | None] | None = None) -> Post:
    return Post(id="p", source="MFA", title="T", text="T", date=date, date_bounds=bounds)


@pytest.mark.parametrize(
    ("date", "bounds", "short", "label", "cited"),
    [
        (EXACT, None, "15 Sep 2022", "15 Sep 2022", "15 September 2022"),
        (PostDate(2022, 9), None, "Sep 2022", "Sep 2022", "September 2022"),
        (PostDate(2022), None, "2022", "2022", "2022"),
        (GUESSED, None, "≈10 Jan 2024", "≈ 10 Jan 2024 · year inferred",
         "10 January 2024 (date inferred)"),
        (None, ("2022-09-15", "2023-04-14"), "undated",
         "undated · between 15 Sep 2022 and 14 Apr 2023",
         "undated, between 15 September 2022 and 14 April 2023"),
        (None, ("2022-09-15", None), "undated", "undated · after 15 Sep 2022",
         "undated, after 15 September 2022"),
        (None, (None, "2023-04-14"), "undated", "undated · before 14 Apr 2023",
         "undated, before 14 April 2023"),
        (None, None, "undated", "undated", "undated"),
        # While indexing: the text gave a day and month, the year is still being looked for.
        (PostDate(None, 1, 10), None, "10 Jan ?", "10 Jan ? · year not known yet (indexing)",
         "10 January (year not known yet)"),
    ],
    ids=["day", "month", "year", "inferred", "between", "after", "before", "unknown",
         "indexing"],
)
def test_the_three_forms_of_a_post_date(
    date: PostDate | None, bounds: tuple[str | None, str | None] | None,
    short: str, label: str, cited: str,
) -> None:
    assert (short_date(post(date, bounds)), date_label(post(date, bounds)),
            citation_date(post(date, bounds))) == (short, label, cited)  # fmt: skip


def test_a_bookmark_snapshot_is_worded_like_its_post() -> None:
    for date in (EXACT, GUESSED):
        snapshot = post(date).snapshot()
        assert isinstance(snapshot, PostSnapshot)
        assert date_label(snapshot) == date_label(post(date))
        assert short_date(snapshot) == short_date(post(date))
    assert date_label(PostSnapshot("p", None, "T", None)) == "undated"


def test_bounds_and_periods_in_the_date_tree_and_the_status_line() -> None:
    assert bounds_range("2022-09-15", "2023-04-14") == "15 Sep 2022 – 14 Apr 2023"
    assert bounds_range(None, None) == "no dated posts near"
    assert period_text("2023-04") == "Apr 2023"
    assert period_text("undated:2022-09-15..") == "undated after 15 Sep 2022"


def test_exports_and_citations_use_the_same_words() -> None:
    guessed = post(GUESSED)
    [record] = json.loads(export_posts([guessed], "json"))
    assert (record["date"], record["date_inferred"]) == ("2024-01-10", True)
    assert "**Date:** ≈ 10 Jan 2024 · year inferred" in export_posts([guessed], "md")
    assert citation(guessed, "T").endswith("MFA, Telegram, 10 January 2024 (date inferred)")


def test_not_utf8_names_the_byte_and_says_what_to_do() -> None:
    with pytest.raises(UnicodeDecodeError) as caught:
        b"ok \xe9".decode("utf-8")
    assert not_utf8(caught.value) == (
        "not UTF-8 (byte 0xe9); save the file as UTF-8 and open it again")


@pytest.mark.usefixtures("user_dirs")
async def test_the_list_and_the_reading_pane_agree_on_an_inferred_year() -> None:
    async with running() as (app, pilot):
        await pilot.press("G", "k", "k")  # the sample's 10 January 2024: its year is a guess
        assert list_rows(app)[6].startswith("≈10 Jan 2024")
        assert "≈ 10 Jan 2024 · year inferred" in pane_text(app)
