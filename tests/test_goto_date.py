"""Go to date: the forms a reader types, and the nearest post."""

from __future__ import annotations

from datetime import date

import pytest

from tui.goto_date import nearest, nearest_to, parse_day
from tui.model import PostDate


@pytest.mark.parametrize(("typed", "day"), [
    ("2023-04", date(2023, 4, 1)),
    ("2023-04-14", date(2023, 4, 14)),
    ("14 Apr 2023", date(2023, 4, 14)),
    ("apr 14", date(2020, 4, 14)),
    ("April 2023", date(2023, 4, 1)),
    ("14 april", date(2020, 4, 14)),
    ("2023", date(2023, 1, 1)),
    ("Sept 3, 2022", date(2022, 9, 3)),
])
def test_forms_a_reader_types(typed: str, day: date) -> None:
    assert parse_day(typed, default_year=2020) == day


@pytest.mark.parametrize("typed", ["", "yesterday", "14", "31 Feb 2023", "2023-13", "ap 1"])
def test_what_names_no_day_is_none(typed: str) -> None:
    assert parse_day(typed, default_year=2020) is None


def test_nearest_skips_undated_posts_and_prefers_the_first_of_equals() -> None:
    dates = {0: PostDate(2022, 9, 15), 1: None, 2: PostDate(2023, 4, 14), 3: PostDate(2023, 4, 14),
             4: PostDate(2024, 7, 4)}
    assert nearest([0, 1, 2, 3, 4], dates.get, date(2023, 4, 1)) == 2
    assert nearest([0, 1, 2, 3, 4], dates.get, date(2030, 1, 1)) == 4
    assert nearest([1], dates.get, date(2030, 1, 1)) is None


def test_without_a_year_the_day_in_whichever_year_comes_nearest() -> None:
    dates = {0: PostDate(2022, 9, 15), 1: PostDate(2023, 4, 14), 2: PostDate(2024, 7, 4)}
    rows = [0, 1, 2]
    assert nearest_to("apr 14", rows, dates.get) == 1
    assert nearest_to("jul", rows, dates.get) == 2
    assert nearest_to("2022-01", rows, dates.get) == 0
    with pytest.raises(ValueError):
        nearest_to("someday", rows, dates.get)
    assert nearest_to("apr 14", [], dates.get) is None
