"""Which posts a filter lets through, from one decision per distinct value, at C speed.

The heads keep each post's date, hashtags and kind as a code into a table of the distinct
values (`tui.library.Interned`): a filter decides each distinct value once (a million posts
have about 20,000 dates), and then every post must be picked by its code. Done in Python,
`allowed[code]` a post, that costs about 80 ms at a million posts, which is most of a search
within a year. Here the codes are split into byte planes (`Planes`: the lowest byte of every
code in one `bytes`, the next byte in another, …), and `flags` answers with whole-plane
operations only: `bytes.translate` and the bitwise operators of Python integers, each a C
loop over the plane.

How: the allowed codes are grouped by their high bytes (a code's group is `code >> 8`). Eight
groups are decided at once, each given one bit of a byte: a table on the low plane sets bit k
where the low byte is one of group k's allowed low bytes, and a table on each higher plane
sets bit k where that byte is group k's. A post is allowed where the AND of those bytes is not
zero. A year of a million posts is a few groups (its dates were met together); a hashtag that
tens of thousands of tag lists hold spreads over all of them, and then one pass through the
per-value table (`bytes(map(...))`, the straightforward way) is cheaper and is taken. The
answer is the same either way (tested against the straightforward way on random codes).
Pure: the standard library only.
"""

from __future__ import annotations

import sys
from array import array
from collections import deque
from collections.abc import Sequence
from itertools import compress, repeat

#: At most this many whole-plane translations before the per-post table lookup is cheaper
#: (a translation is about 1 ms at a million posts; the lookup about 60).
MOST_PASSES = 24
_NONZERO = bytes([0] + [1] * 255)


class Planes:
    """The bytes of a column of codes, one `bytes` per byte of the codes, lowest first; the
    planes that are zero for every post (codes below 65,536 need two) are left out."""

    __slots__ = ("count", "planes")

    def __init__(self, codes: array[int]) -> None:
        self.count = len(codes)
        raw = codes.tobytes()
        size = codes.itemsize
        order = range(size) if sys.byteorder == "little" else range(size - 1, -1, -1)
        planes = [raw[at::size] for at in order]
        while len(planes) > 1 and planes[-1].count(0) == self.count:
            planes.pop()
        self.planes: list[bytes] = planes


def flags(planes: Planes, allowed: bytes, codes: Sequence[int]) -> bytes:
    """One byte a post: 1 where the post's code is allowed, else 0. `allowed` holds a byte
    a distinct value, by code (1: allowed); a code past its end is not allowed. `codes` are
    the codes the planes were made of (for the per-post lookup, when that is cheaper)."""
    count = planes.count
    high = len(planes.planes) - 1
    # The groups of 256 codes with an allowed one. A group whose high bytes need a plane
    # that is zero for every post holds no post.
    reachable = [group for group in range(min((len(allowed) + 255) >> 8, 1 << (8 * high)))
                 if allowed.find(1, group << 8, (group + 1) << 8) >= 0]  # fmt: skip
    if not reachable:
        return bytes(count)
    if (len(reachable) + 7) // 8 * (high + 1) > MOST_PASSES:
        # A list of booleans is the quickest table for `compress` (it tests each as it is).
        lookup = list(map(bool, allowed))
        out = bytearray(count)
        try:
            picked = compress(range(count), map(lookup.__getitem__, codes))
            deque(map(out.__setitem__, picked, repeat(1)), maxlen=0)
        except IndexError:  # a code past the table (a damaged index): not allowed
            size = len(allowed)
            return bytes(allowed[code] if code < size else 0 for code in codes)
        return bytes(out)
    low = planes.planes[0]
    if not high:  # every code below 256: one translation
        return low.translate(allowed[:256].ljust(256, b"\0"))
    found = 0
    for start in range(0, len(reachable), 8):
        lows = bytearray(256)
        highs = [bytearray(256) for _ in range(high)]
        for bit, group in enumerate(reachable[start : start + 8]):
            mask = 1 << bit
            for value in compress(range(256), allowed[group << 8 : (group + 1) << 8]):
                lows[value] |= mask
            for plane in range(high):
                highs[plane][(group >> (8 * plane)) & 0xFF] |= mask
        hit = int.from_bytes(low.translate(lows), "big")
        for plane, table in enumerate(highs, 1):
            if not hit:
                break
            hit &= int.from_bytes(planes.planes[plane].translate(table), "big")
        found |= hit
    return found.to_bytes(count, "big").translate(_NONZERO)


def both(first: bytes, second: bytes) -> bytes:
    """The posts flagged in both (one byte a post, 0 or 1)."""
    return (int.from_bytes(first, "big") & int.from_bytes(second, "big")).to_bytes(
        len(first), "big")


__all__ = ["MOST_PASSES", "Planes", "both", "flags"]
