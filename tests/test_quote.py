"""Choosing paragraphs and the text a reader pastes: selection, passages, citations, whole posts."""

from __future__ import annotations

from dataclasses import replace

import pytest

from tui.model import Link, Post, PostDate
from tui.quote import ParagraphSelection, citation, passage, whole_post

LAVROV = (
    "🎙 Foreign Minister Sergey Lavrov’s answers to questions\n"
    "📍 Samarkand, September 15, 2022\n"
    "💬 Sergey Lavrov: Our assessments of the international situation fully align.\n"
    "🇷🇺🇨🇳 Россия и Китай — стратегическое партнёрство."
)


def make_post(
    text: str = LAVROV,
    *,
    source: str | None = "Russian MFA 🇷🇺",
    channel: str | None = None,
    title: str = "",
    date: PostDate | None = None,
    date_bounds: tuple[str | None, str | None] | None = None,
    links: tuple[Link, ...] = (),
) -> Post:
    return Post(
        id="p1",
        source=source,
        title=title,
        text=text,
        date=date if date is not None else (None if date_bounds else PostDate(2022, 9, 15)),
        date_bounds=date_bounds,
        links=links,
        channel=channel,
    )


class TestParagraphSelection:
    def test_starts_on_the_first_paragraph_with_nothing_extended(self) -> None:
        selection = ParagraphSelection()
        assert selection.range() == (0, 1)
        assert not selection.active

    def test_move_steps_and_stops_at_both_ends(self) -> None:
        selection = ParagraphSelection().move(2, 4)
        assert selection.cursor == 2
        assert selection.move(10, 4).cursor == 3
        assert selection.move(-10, 4).cursor == 0

    def test_move_collapses_an_extended_selection(self) -> None:
        selection = ParagraphSelection(cursor=1).extend(2, 5).move(1, 5)
        assert not selection.active
        assert selection.range() == (4, 5)

    def test_extend_down_covers_anchor_to_cursor(self) -> None:
        selection = ParagraphSelection(cursor=1).extend(1, 5).extend(1, 5)
        assert selection.active
        assert selection.anchor == 1
        assert selection.range() == (1, 4)
        assert selection.size() == 3

    def test_extend_up_past_the_anchor_flips_the_range(self) -> None:
        selection = ParagraphSelection(cursor=2).extend(1, 5).extend(-3, 5)
        assert selection.range() == (0, 3)

    def test_extend_stops_at_the_last_paragraph(self) -> None:
        selection = ParagraphSelection(cursor=3).extend(5, 4)
        assert selection.range() == (3, 4)

    def test_v_then_movement_starts_at_the_cursor(self) -> None:
        selection = ParagraphSelection(cursor=2).extend(0, 5)
        assert selection.active
        assert selection.range() == (2, 3)
        assert selection.extend(-1, 5).range() == (1, 3)

    def test_clear_keeps_the_cursor(self) -> None:
        selection = ParagraphSelection(cursor=1).extend(2, 5).clear()
        assert not selection.active
        assert selection.range() == (3, 4)

    def test_empty_post_keeps_cursor_at_zero(self) -> None:
        assert ParagraphSelection().move(1, 0).cursor == 0
        assert ParagraphSelection().extend(-1, 0).range() == (0, 1)

    def test_selection_is_an_immutable_value(self) -> None:
        selection = ParagraphSelection()
        selection.move(1, 3)
        assert selection.cursor == 0
        assert ParagraphSelection(1, 0) == ParagraphSelection(0).extend(1, 3)


class TestPassage:
    def test_joins_chosen_paragraphs_unchanged(self) -> None:
        post = make_post()
        assert passage(post, 2, 4) == (
            "💬 Sergey Lavrov: Our assessments of the international situation fully align.\n"
            "🇷🇺🇨🇳 Россия и Китай — стратегическое партнёрство."
        )

    def test_range_past_the_end_gives_what_exists(self) -> None:
        assert passage(make_post(), 3, 9) == "🇷🇺🇨🇳 Россия и Китай — стратегическое партнёрство."

    def test_reversed_range_is_refused(self) -> None:
        with pytest.raises(ValueError, match="invalid paragraph range"):
            passage(make_post(), 3, 1)


class TestCitation:
    QUOTE = "Our assessments of the international situation fully align."

    def test_exact_date_in_words(self) -> None:
        assert citation(make_post(), self.QUOTE) == (
            "“Our assessments of the international situation fully align.” "
            "— Russian MFA 🇷🇺, Telegram, 15 September 2022"
        )

    @pytest.mark.parametrize(
        ("date", "words"),
        [
            (PostDate(2023, 4), "April 2023"),
            (PostDate(2024), "2024"),
            (PostDate(2024, 1, 10, year_inferred=True), "10 January 2024 (date inferred)"),
        ],
    )
    def test_partial_and_inferred_dates(self, date: PostDate, words: str) -> None:
        assert citation(make_post(date=date), "x").endswith(f", Telegram, {words}")

    @pytest.mark.parametrize(
        ("bounds", "words"),
        [
            (None, "undated"),
            ((None, None), "undated"),
            (("2022-09-15", "2023-04-14"), "undated, between 15 September 2022 and 14 April 2023"),
            (("2022-09", None), "undated, after September 2022"),
            ((None, "2023-04-14"), "undated, before 14 April 2023"),
        ],
    )
    def test_undated_posts_say_so_with_their_bounds(
        self, bounds: tuple[str | None, str | None] | None, words: str
    ) -> None:
        post = Post(id="u", source="Russian MFA 🇷🇺", title="", text="x", date=None,
                    date_bounds=bounds)  # fmt: skip
        assert citation(post, "x") == f"“x” — Russian MFA 🇷🇺, Telegram, {words}"

    def test_the_posts_own_address_follows_the_date(self) -> None:
        post = replace(make_post(links=(Link("Read in full", "https://mid.ru/en/1"),)),
                       url="https://t.me/MFARussia/15000")  # fmt: skip
        assert citation(post, "x") == (
            "“x” — Russian MFA 🇷🇺, Telegram, 15 September 2022, https://t.me/MFARussia/15000"
        )

    def test_a_link_in_the_body_is_never_cited_as_the_posts_address(self) -> None:
        """Citing a third-party site as the post's address would misattribute the quote."""
        post = make_post(
            links=(Link("Read in full"), Link("Read in full", "https://mid.ru/en/1")),
        )
        assert citation(post, "x") == "“x” — Russian MFA 🇷🇺, Telegram, 15 September 2022"

    def test_link_without_address_adds_nothing(self) -> None:
        post = make_post(links=(Link("Read in full"),))
        assert citation(post, "x").endswith("15 September 2022")

    def test_falls_back_to_channel_then_unknown_source(self) -> None:
        assert "— @MFARussia, Telegram" in citation(
            make_post(source=None, channel="@MFARussia"), "x"
        )
        assert "— unknown source, Telegram" in citation(make_post(source=None), "x")

    def test_multi_paragraph_passage_keeps_line_breaks_and_every_word(self) -> None:
        post = make_post()
        text = passage(post, 0, 4)
        quoted = citation(post, text)
        assert quoted.startswith("“🎙 Foreign Minister")
        assert "2022\n💬 Sergey Lavrov" in quoted
        assert f"“{text}”" in quoted

    def test_long_passage_is_never_shortened(self) -> None:
        long_text = "Слово " * 2000
        quoted = citation(make_post(), long_text)
        assert long_text.strip() in quoted
        assert "…" not in quoted

    def test_blank_lines_around_the_passage_are_dropped(self) -> None:
        assert citation(make_post(), "\nx\n\n").startswith("“x” —")


class TestWholePost:
    def test_header_blank_line_text_then_addresses(self) -> None:
        post = make_post(links=(Link("Read in full", "https://mid.ru/en/1"),))
        assert whole_post(post) == (
            f"Russian MFA 🇷🇺 · 15 September 2022\n\n{LAVROV}\n\nRead in full: https://mid.ru/en/1"
        )

    def test_words_already_in_the_text_are_not_repeated(self) -> None:
        text = (
            "⚡️Main Foreign Policy Outcomes of 2022⚡️\nThe year 2022 saw events.\n👉 Read in full"
        )
        post = make_post(
            text=text,
            title="⚡️Main Foreign Policy Outcomes of 2022⚡️",
            links=(Link("Read in full"),),
        )
        copied = whole_post(post)
        assert copied == f"Russian MFA 🇷🇺 · 15 September 2022\n\n{text}"
        assert copied.count("Main Foreign Policy") == 1
        assert copied.count("Read in full") == 1

    def test_shortened_title_is_not_repeated(self) -> None:
        post = make_post(text="A long first line of the post\nmore", title="A long first…")
        assert whole_post(post).count("A long first") == 1

    def test_title_missing_from_the_text_leads_it(self) -> None:
        post = make_post(text="Body only.", title="Headline")
        assert whole_post(post).endswith("\n\nHeadline\nBody only.")

    def test_lost_link_not_in_the_text_is_listed_by_its_words(self) -> None:
        post = make_post(text="Body.", links=(Link("Full text"),))
        assert whole_post(post).endswith("\n\nBody.\n\nFull text")

    def test_address_already_in_the_text_is_not_repeated(self) -> None:
        url = "https://t.me/MFARussia/1"
        post = make_post(text=f"See {url}", links=(Link(url, url),))
        assert whole_post(post).count(url) == 1

    def test_undated_post_header_states_bounds(self) -> None:
        post = make_post(date_bounds=("2022-09-15", None))
        assert whole_post(post).startswith("Russian MFA 🇷🇺 · undated, after 15 September 2022\n")
