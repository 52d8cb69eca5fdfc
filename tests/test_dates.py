"""Dates in post text: the formats read, which line gives the post's date, and missing years."""

from __future__ import annotations

import pytest

from tui.dates import date_bounds, date_from_opening, find_dates, infer_years
from tui.model import PostDate


def first_date(text: str) -> PostDate | None:
    found = find_dates(text)
    return found[0].date if found else None


class TestFormats:
    @pytest.mark.parametrize(
        ("text", "expected"),
        [
            ("September 15, 2022", PostDate(2022, 9, 15)),
            ("15 September 2022", PostDate(2022, 9, 15)),
            ("Sept. 15, 2022", PostDate(2022, 9, 15)),
            ("15.09.2022", PostDate(2022, 9, 15)),
            ("15 сентября 2022 года", PostDate(2022, 9, 15)),
            ("21–22 февраля 2024 г.", PostDate(2024, 2, 21)),
            ("February 21-22", PostDate(None, 2, 21)),
            ("4-8 September", PostDate(None, 9, 4)),
            ("On 10 мая", PostDate(None, 5, 10)),
        ],
    )
    def test_reads(self, text: str, expected: PostDate) -> None:
        assert first_date(text) == expected

    def test_numeric_dates_are_day_first(self) -> None:
        assert first_date("03.04.2023") == PostDate(2023, 4, 3)

    @pytest.mark.parametrize("text", ["31.02.2023", "September 31, 2022", "Feb 29, 2023"])
    def test_impossible_days_are_not_dates(self, text: str) -> None:
        assert first_date(text) is None

    def test_a_bare_year_is_not_a_date(self) -> None:
        assert find_dates("Main Foreign Policy Outcomes of 2022") == []


class TestOpeningLines:
    def test_date_in_title(self) -> None:
        lines = ["🎙 Lavrov answers a question (Astana, July 4, 2024)", "Question: …"]
        assert date_from_opening(lines) == PostDate(2024, 7, 4)

    def test_pin_dateline_on_line_two(self) -> None:
        lines = ["🎙 Lavrov’s remarks", "📍 Samarkand, April 14, 2023", "Text."]
        assert date_from_opening(lines) == PostDate(2023, 4, 14)

    def test_calendar_dateline(self) -> None:
        assert date_from_opening(["Title", "🗓 15.09.2022"]) == PostDate(2022, 9, 15)

    def test_city_and_date_in_parentheses_on_line_two(self) -> None:
        lines = ["Video address", "(Moscow, April 29, 2023)"]
        assert date_from_opening(lines) == PostDate(2023, 4, 29)

    def test_on_date_at_the_start_of_a_line(self) -> None:
        lines = ["🇷🇺🇨🇳📞 On January 10, Lavrov spoke with Wang Yi."]
        assert date_from_opening(lines) == PostDate(None, 1, 10)

    def test_russian_dateline(self) -> None:
        lines = ["Выступление С.В.Лаврова", "📍 Москва, 15 сентября 2022 года"]
        assert date_from_opening(lines) == PostDate(2022, 9, 15)

    def test_dates_in_passing_are_not_the_posts_date(self) -> None:
        lines = [
            "Main Foreign Policy Outcomes of 2022",
            "The year saw a statement that was adopted in January 2022.",
            "The Ministers spoke of the outcomes of cooperation in 2023.",
            "📍 Moscow, 15 September 2022",  # a dateline, but too far down
        ]
        assert date_from_opening(lines) is None

    def test_a_day_mentioned_mid_sentence_on_line_two_is_not_the_date(self) -> None:
        lines = ["Title", "The treaty signed on 15 September 2022 in Samarkand is in force."]
        assert date_from_opening(lines) is None


def yearless(month: int, day: int) -> PostDate:
    return PostDate(None, month, day)


class TestInferYears:
    def test_year_from_the_previous_post_rolls_over_new_year(self) -> None:
        out = infer_years([PostDate(2023, 4, 29), None, yearless(1, 10), yearless(2, 21),
                           PostDate(2024, 7, 4)])  # fmt: skip
        assert out[2] == PostDate(2024, 1, 10, year_inferred=True)
        assert out[3] == PostDate(2024, 2, 21, year_inferred=True)

    def test_yearless_date_before_any_dated_post_takes_the_next_posts_year(self) -> None:
        out = infer_years([yearless(12, 30), PostDate(2024, 1, 5)])
        assert out[0] == PostDate(2023, 12, 30, year_inferred=True)
        out = infer_years([yearless(3, 1), PostDate(2024, 5, 5)])
        assert out[0] == PostDate(2024, 3, 1, year_inferred=True)

    def test_yearless_date_with_no_dated_neighbour_keeps_no_year(self) -> None:
        assert infer_years([None, yearless(3, 8), None]) == [None, yearless(3, 8), None]

    def test_feb_29_only_lands_on_a_leap_year(self) -> None:
        out = infer_years([PostDate(2023, 4, 29), yearless(2, 29)])
        assert out[1] == PostDate(2024, 2, 29, year_inferred=True)

    def test_feb_29_with_no_leap_year_near_stays_yearless(self) -> None:
        out = infer_years([PostDate(2021, 3, 1), yearless(2, 29)])
        assert out[1] is not None and out[1].year is None

    def test_explicit_years_are_never_changed_or_flagged(self) -> None:
        dates = [PostDate(2022, 9, 15), PostDate(2023, 4, 14)]
        assert infer_years(dates) == dates


class TestBounds:
    def test_undated_posts_get_the_nearest_dated_neighbours(self) -> None:
        dates = [PostDate(2022, 9, 15), None, None, PostDate(2023, 4, 14), None]
        assert date_bounds(dates) == [
            None,
            ("2022-09-15", "2023-04-14"),
            ("2022-09-15", "2023-04-14"),
            None,
            ("2023-04-14", None),
        ]

    def test_no_dated_post_anywhere_means_no_bounds(self) -> None:
        assert date_bounds([None, None]) == [None, None]
