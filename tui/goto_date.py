""""Go to date": what the reader typed (`2023-04`, `14 Apr 2023`, `apr 14`, `April 2023`,
`2023`) as a day, and the post nearest to it. No Textual here."""

from __future__ import annotations

import re
from collections.abc import Callable, Sequence
from datetime import date

from tui.model import PostDate
from tui.wording import MONTH_NAMES

_ISO = re.compile(r"^(\d{4})(?:-(\d{1,2})(?:-(\d{1,2}))?)?$")
_WORD = re.compile(r"\d+|[^\W\d_]+")


def _month(word: str) -> int | None:
    word = word.casefold()
    if len(word) < 3:
        return None
    for number, name in enumerate(MONTH_NAMES, start=1):
        if name.casefold().startswith(word):
            return number
    return None


def parse_day(text: str, default_year: int) -> date | None:
    """The first day the text names, or None when it names none. A missing year is
    `default_year`; a missing day is the 1st (and a missing month January)."""
    parts = _parse(text)
    if parts is None:
        return None
    year, month, day = parts
    try:
        return date(year or default_year, month or 1, day or 1)
    except ValueError:
        return None


def nearest_to(
    text: str, rows: Sequence[int], date_of: Callable[[int], PostDate | None]
) -> int | None:
    """The position in `rows` of the post nearest the day `text` names; with no year in the
    text, that day in whichever year of the posts comes nearest. Raises ValueError when the
    text names no day; None when no post there has a date."""
    parts = _parse(text)
    if parts is None:
        raise ValueError(text)
    year, month, day = parts
    years = [year] if year else sorted({d.year for d in map(date_of, rows)
                                        if d is not None and d.year is not None})
    best: tuple[int, int] | None = None
    for candidate in years:
        try:
            target = date(candidate, month or 1, day or 1)
        except ValueError:
            continue  # 29 Feb in a year without one
        found = _nearest(rows, date_of, target)
        if found is not None and (best is None or found[0] < best[0]):
            best = found
    if best is None and not years:
        return None
    if best is None:
        raise ValueError(text)
    return best[1]


def _parse(text: str) -> tuple[int | None, int | None, int | None] | None:
    """(year, month, day) as far as the text gives them, None when it names no day; the
    values are checked as a real day in some year."""
    text = text.strip()
    found = _ISO.match(text)
    year: int | None
    month: int | None = None
    day: int | None = None
    if found:
        year = int(found.group(1))
        month = int(found.group(2)) if found.group(2) else None
        day = int(found.group(3)) if found.group(3) else None
    else:
        year = None
        for word in _WORD.findall(text):
            if word.isdigit():
                number = int(word)
                if len(word) == 4:
                    year = number
                elif day is None and 1 <= number <= 31:
                    day = number
                else:
                    return None
            else:
                named = _month(word)
                if named is None or month is not None:
                    return None
                month = named
        if month is None and year is None:
            return None
        if month is None and day is not None:
            return None  # `14` alone, or `14 2023`: no month to put it in
    try:
        date(year or 2000, month or 1, day or 1)  # 2000: a leap year, so 29 Feb passes
    except ValueError:
        return None
    return year, month, day


def nearest(
    rows: Sequence[int], date_of: Callable[[int], PostDate | None], target: date
) -> int | None:
    """The position in `rows` of the dated post closest to `target` (the first of equals),
    or None when no post there has a date."""
    found = _nearest(rows, date_of, target)
    return None if found is None else found[1]


def _nearest(
    rows: Sequence[int], date_of: Callable[[int], PostDate | None], target: date
) -> tuple[int, int] | None:
    best: tuple[int, int] | None = None
    wanted = target.toordinal()
    for position, index in enumerate(rows):
        when = date_of(index)
        if when is None or when.year is None:
            continue
        try:
            day = date(when.year, when.month or 1, when.day or 1).toordinal()
        except ValueError:
            continue
        distance = abs(day - wanted)
        if best is None or distance < best[0]:
            best = (distance, position)
            if distance == 0:
                break
    return best
