"""Picking the posts a filter lets through by their codes (`tui.filter_bits`) answers what the
straightforward lookup, a post at a time, answers: codes of one, two and three bytes, allowed
codes in few groups (whole-plane translations) and in many (the per-post lookup), codes past
the table of values."""

from __future__ import annotations

import random
from array import array

from hypothesis import given, settings
from hypothesis import strategies as st

from tui.filter_bits import Planes, both, flags


def straightforward(codes: array[int], allowed: bytes) -> bytes:
    return bytes(allowed[code] if code < len(allowed) else 0 for code in codes)


@st.composite
def columns(draw: st.DrawFn) -> tuple[array[int], bytes]:
    """Codes of posts into a table of values, and which values a filter allows."""
    top = draw(st.sampled_from([1, 5, 255, 256, 300, 4_000, 70_000, 300_000]))
    posts = draw(st.integers(0, 600))
    rnd = random.Random(draw(st.integers(0, 2**32)))
    if draw(st.booleans()):  # values met together, as a channel's dates are
        codes = array("I", sorted(rnd.randrange(top) for _ in range(posts)))
    else:
        codes = array("I", (rnd.randrange(top) for _ in range(posts)))
    values = draw(st.sampled_from([top, max(1, top - 3), top + 7]))  # past some codes, or not
    share = draw(st.sampled_from([0.0, 0.001, 0.05, 0.5, 1.0]))
    allowed = bytes(rnd.random() < share for _ in range(values))
    if draw(st.booleans()) and allowed:  # a run of neighbouring values: a month's dates
        start = rnd.randrange(len(allowed))
        run = bytearray(allowed)
        run[start : start + rnd.randrange(1, 800)] = b"\x01" * len(run[start : start + 800])
        allowed = bytes(run[: len(allowed)])
    return codes, allowed


@settings(max_examples=120, deadline=None)
@given(columns())
def test_flags_answer_as_the_lookup_a_post_at_a_time(column: tuple[array[int], bytes]) -> None:
    codes, allowed = column
    assert flags(Planes(codes), allowed, codes) == straightforward(codes, allowed)


@settings(max_examples=40, deadline=None)
@given(columns(), st.integers(0, 2**32))
def test_both_flags_only_what_both_flag(column: tuple[array[int], bytes], seed: int) -> None:
    codes, allowed = column
    rnd = random.Random(seed)
    other = bytes(rnd.randrange(2) for _ in codes)
    assert both(flags(Planes(codes), allowed, codes), other) == bytes(
        a & b for a, b in zip(straightforward(codes, allowed), other, strict=True))


def test_a_million_posts_planes_leave_out_the_bytes_no_code_uses() -> None:
    assert len(Planes(array("I", [0, 3, 255])).planes) == 1
    assert len(Planes(array("I", [0, 19_493])).planes) == 2
    assert len(Planes(array("I", [231_346, 1])).planes) == 3
    assert len(Planes(array("I")).planes) == 1
