"""Property: for any web-copy dump, no content line is silently dropped, and no post's text
holds a line more often than its first copy does."""

from __future__ import annotations

import re
import tempfile
import unicodedata
from collections import Counter
from pathlib import Path

from conftest import load_posts
from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st

from tui.clean import norm_line

ALPHABET = list("abcXYZ019 .,:;'()-_#@/ёжШОСü💬📍🇷") + ["\u00a0", "\t", "\u0301", "\u200b"]
PLACEHOLDER = re.compile(r"(?:media is too big|view in telegram|(?:👉\s*)?read in full)", re.I)


def is_content(line: str) -> bool:
    key = norm_line(line)
    return bool(key) and not key.startswith("Forwarded from") and not PLACEHOLDER.fullmatch(key)


content_line = st.text(st.sampled_from(ALPHABET), min_size=1, max_size=12).filter(is_content)
# A few fixed lines make repeats (Q&A, equal bodies across posts) likely.
line = st.one_of(content_line, st.sampled_from(["Question:", "Answer: yes.", "#SCO", "A"]))


def respell(text: str, how: int) -> str:
    """The same line as a second copy might spell it: NFD, NBSP, trailing blanks."""
    return [text, unicodedata.normalize("NFD", text), text.replace(" ", "\u00a0"),
            text + "  \t"][how]  # fmt: skip


@st.composite
def post(draw: st.DrawFn) -> tuple[list[str], list[str]]:
    """(lines of the post as written, its first copy's content lines)."""
    title = draw(st.lists(line, max_size=1))
    body = draw(st.lists(line, min_size=1, max_size=5))
    media = ["Media is too big", "VIEW IN TELEGRAM"] if draw(st.booleans()) else []
    more = ["👉 Read in full"] if draw(st.booleans()) else []
    written = [f"Forwarded from {draw(content_line).strip() or 'X'}", *media, *title, *body, *more]
    if draw(st.booleans()):  # the web preview's second copy of the body
        how = draw(st.integers(0, 3))
        written += [respell(b, how) for b in body] + more
    if draw(st.booleans()):
        written.insert(draw(st.integers(1, len(written))), "")
    return written, [*title, *body]


@st.composite
def dump(draw: st.DrawFn) -> tuple[list[str], list[list[str]]]:
    preamble = draw(st.lists(line, max_size=2))
    posts = draw(st.lists(post(), min_size=1, max_size=5))
    lines = list(preamble)
    firsts = [preamble] if any(is_content(p) for p in preamble) else []
    for written, first in posts:
        lines += written
        firsts.append(first)
    return lines, firsts


@settings(max_examples=200, deadline=None, suppress_health_check=[HealthCheck.filter_too_much])
@given(dump(), st.booleans(), st.booleans())
def test_no_content_line_is_dropped(
    generated: tuple[list[str], list[list[str]]], crlf: bool, bom: bool
) -> None:
    lines, firsts = generated
    eol = "\r\n" if crlf else "\n"
    with tempfile.TemporaryDirectory() as tmp:
        path = Path(tmp) / "dump.txt"
        path.write_bytes((("\ufeff" if bom else "") + eol.join(lines) + eol).encode("utf-8"))
        posts = load_posts([path], lambda _: None)

    kept = {norm_line(t) for p in posts for t in p.paragraphs()}
    for text in lines:
        if is_content(text):
            assert norm_line(text) in kept, text

    # No post's text holds a line more often than the first copy it was read from.
    allowed = [Counter(norm_line(t) for t in first) for first in firsts]
    for p in posts:
        counts = Counter(norm_line(t) for t in p.paragraphs() if is_content(t))
        assert any(not counts - a for a in allowed), p.text
        assert not any(PLACEHOLDER.fullmatch(norm_line(t)) for t in p.paragraphs())
