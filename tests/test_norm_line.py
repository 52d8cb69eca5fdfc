"""norm_line is every import's hot path; its fast form must fold lines exactly as the rule says."""

from __future__ import annotations

import re
import unicodedata

from hypothesis import given
from hypothesis import strategies as st

from tui.clean import norm_line

INVISIBLE = dict.fromkeys(map(ord, "\u200b\ufeff\u2060"), None)


def reference(line: str) -> str:
    """The rule as first written: NFC, invisibles dropped, `\\s+` runs to one space, trimmed."""
    folded = unicodedata.normalize("NFC", line).translate(INVISIBLE)
    return re.sub(r"\s+", " ", folded).strip()


TRICKY = (
    "\u00a0\u2009\u202f\u3000\u1680\u2028\u2029\x1c\x1d\x1e\x1f\x85\t\r\n\x0b\x0c "
    "\u200b\ufeff\u2060e\u0301Ё🇷🇺#"
)


@given(st.text(alphabet=st.sampled_from(TRICKY) | st.characters(), max_size=40))
def test_norm_line_matches_the_rule(line: str) -> None:
    assert norm_line(line) == reference(line)


def test_norm_line_folds_the_spaces_a_copy_carries() -> None:
    assert norm_line("\u200b Samarkand,\u00a0September\u2009 15\t2022 \r") == (
        "Samarkand, September 15 2022"
    )


LINE_CHARS = st.sampled_from(list("ab é\u0301\u00a0\u200b\t\r#Ж"))


@given(st.lists(st.text(alphabet=LINE_CHARS, max_size=12), max_size=6))
def test_text_key_equals_the_folded_lines_joined(lines: list[str]) -> None:
    """Post ids hash text_key: it must stay exactly the per-line folding, or bookmarks orphan."""
    from tui.clean import text_key

    text = "\n".join(lines)
    expected = "\n".join(k for k in (norm_line(line) for line in text.split("\n")) if k)
    assert text_key(text) == expected
