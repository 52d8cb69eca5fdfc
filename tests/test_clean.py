"""Line folding, body deduplication, hashtags and ids: text rules whose results a reader sees."""

from __future__ import annotations

import unicodedata

import pytest

from tui.clean import dedupe_body, hashtags, norm_line, post_id, text_key


class TestNormLine:
    def test_nbsp_trailing_spaces_and_cr_fold_away(self) -> None:
        assert norm_line("Sergey\u00a0Lavrov:  fine.  \r") == "Sergey Lavrov: fine."

    def test_nfc_and_nfd_spellings_compare_equal(self) -> None:
        nfd = unicodedata.normalize("NFD", "Türkiye, ёлка")
        assert nfd != "Türkiye, ёлка"
        assert norm_line(nfd) == norm_line("Türkiye, ёлка")

    def test_zero_width_space_does_not_make_lines_differ(self) -> None:
        assert norm_line("#SCO\u200b summit") == norm_line("#SCO summit")


class TestDedupeBody:
    def test_doubled_body_after_a_title_is_dropped(self) -> None:
        lines = ["Title", "📍 Samarkand, September 15, 2022", "Body one", "Body two",
                 "📍 Samarkand, September 15, 2022", "Body one", "Body two"]  # fmt: skip
        assert dedupe_body(lines) == lines[:4]

    def test_copies_that_differ_only_in_whitespace_and_normalisation_are_one(self) -> None:
        first = ["Title", "Türkiye\u00a0and Russia", "Second line"]
        second = [unicodedata.normalize("NFD", "Türkiye and Russia  "), "Second line\r"]
        assert dedupe_body(first + second) == first

    def test_qa_that_repeats_a_question_inside_one_copy_stays_whole(self) -> None:
        copy = ["Question:", "Will you go?", "Answer: yes.", "Question:", "And then?",
                "Answer: yes."]  # fmt: skip
        assert dedupe_body(["Interview", *copy, *copy]) == ["Interview", *copy]

    def test_a_post_that_is_not_doubled_keeps_every_line(self) -> None:
        lines = ["Question:", "Answer: yes.", "Question:", "Answer: no."]
        assert dedupe_body(lines) == lines

    def test_a_line_repeated_in_the_middle_is_not_a_doubled_body(self) -> None:
        lines = ["Title", "Same", "Other", "Same", "Last"]
        assert dedupe_body(lines) == lines

    def test_blank_lines_inside_copies_do_not_hide_the_repeat(self) -> None:
        lines = ["Title", "", "A", "", "B", "", "A", "B", ""]
        assert dedupe_body(lines) == ["Title", "", "A", "", "B"]


class TestHashtags:
    @pytest.mark.parametrize(
        ("text", "expected"),
        [
            ("role of the #SCO's potential", ("SCO",)),
            ("саммит #ШОС и #Россия_Индия", ("ШОС", "Россия_Индия")),
            ("item #1 and #2024", ()),
            ("mail a#b and x_#y", ()),
            ("Ends with #tag.", ("tag",)),
            ("(#BRICS, #G20)", ("BRICS", "G20")),
            ("#UNCharterIsOurRules", ("UNCharterIsOurRules",)),
        ],
    )
    def test_telegram_rule(self, text: str, expected: tuple[str, ...]) -> None:
        assert hashtags(text) == expected

    def test_order_of_first_appearance_grouped_case_insensitively(self) -> None:
        assert hashtags("#SCO #Lavrov #sco #BRICS #LAVROV") == ("SCO", "Lavrov", "BRICS")

    def test_keycap_emoji_is_not_a_tag(self) -> None:
        # "#️⃣" is '#' + VS16 + combining keycap: marks only, no letter or digit after '#'.
        assert hashtags("Press #\ufe0f\u20e3 then #call") == ("call",)


class TestIds:
    def test_id_depends_on_text_not_whitespace_spelling(self) -> None:
        a = text_key("Title\nBody\u00a0text  ")
        b = text_key("Title\r\n\nBody text")
        assert post_id(a) == post_id(b)

    def test_different_texts_get_different_ids(self) -> None:
        assert post_id(text_key("Title\nA")) != post_id(text_key("Title\nB"))


def test_a_second_copy_in_another_unicode_form_is_still_the_whole_repeat() -> None:
    """Found by the property test: `ё` precomposed in one copy and decomposed in the other
    must not leave the body doubled because a shorter byte-equal repeat (`0`, `0`) exists."""
    from tui.clean import dedupe_body

    first = ["ё", "0", "0"]
    second = ["е\u0308", "0", "0"]  # the same letters, decomposed
    assert dedupe_body(first + second) == first
