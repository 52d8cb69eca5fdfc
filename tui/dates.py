"""Dates written in post text, which line of a post gives its date, and missing years.

Web-preview copies carry no timestamps, so a post's date is read from its opening lines
(`📍 Samarkand, September 15, 2022`, `(Moscow, April 29, 2023)`, `On January 10, …`). A date
mentioned in passing further down is never the post's date. A missing year is inferred from
the dated posts around it and flagged; a day is never invented.
"""

from __future__ import annotations

import calendar
import re
from bisect import bisect_left
from collections.abc import Sequence
from dataclasses import dataclass, replace
from itertools import islice

from tui.model import PostDate

_EN_MONTHS = {
    "january": 1, "jan": 1, "february": 2, "feb": 2, "march": 3, "mar": 3, "april": 4,
    "apr": 4, "may": 5, "june": 6, "jun": 6, "july": 7, "jul": 7, "august": 8, "aug": 8,
    "september": 9, "sept": 9, "sep": 9, "october": 10, "oct": 10, "november": 11, "nov": 11,
    "december": 12, "dec": 12,
}  # fmt: skip
_RU_MONTHS = {
    "январ": 1, "феврал": 2, "март": 3, "апрел": 4, "ма": 5, "июн": 6, "июл": 7, "август": 8,
    "сентябр": 9, "октябр": 10, "ноябр": 11, "декабр": 12,
}  # fmt: skip
_RU_ENDINGS = {"я", "ь", "а", "е", "й"}

_EN = r"(?P<{n}>" + "|".join(sorted(_EN_MONTHS, key=len, reverse=True)) + r")\.?"
_RU = r"(?P<{n}>январ[ья]|феврал[ья]|марта?|апрел[ья]|ма[яй]|июн[ья]|июл[ья]|августа?|" \
    r"сентябр[ья]|октябр[ья]|ноябр[ья]|декабр[ья])"
_DAY = r"(?P<{n}>[0-3]?\d)(?:\s*[-–—]\s*[0-3]?\d)?"
_YEAR = r"(?P<{n}>(?:19|20)\d\d)"

_PATTERNS: list[tuple[str, re.Pattern[str]]] = [
    # 15.09.2022, 15/09/2022: day first, always
    ("num", re.compile(
        r"(?<![\d.])(?P<d>[0-3]?\d)[./](?P<m>[01]?\d)[./](?P<y>(?:19|20)\d\d)(?!\d)")),
    # 2022-09-15
    ("iso", re.compile(r"(?<!\d)(?P<y>(?:19|20)\d\d)-(?P<m>[01]\d)-(?P<d>[0-3]\d)(?!\d)")),
    # September 15, 2022 / Sept. 15 / February 21-22, 2024
    ("en_mdy", re.compile(
        r"\b" + _EN.format(n="m") + r"\s+" + _DAY.format(n="d") + r"(?!\d)(?:st|nd|rd|th)?"
        + r"(?:,?\s+" + _YEAR.format(n="y") + r")?(?!\d)", re.IGNORECASE)),
    # 15 September 2022 / 4-8 September
    ("en_dmy", re.compile(
        r"(?<!\d)" + _DAY.format(n="d") + r"(?:st|nd|rd|th)?\s+(?:of\s+)?" + _EN.format(n="m")
        + r"(?:,?\s+" + _YEAR.format(n="y") + r")?(?![\w])", re.IGNORECASE)),
    # 15 сентября 2022 года
    ("ru_dmy", re.compile(
        r"(?<!\d)" + _DAY.format(n="d") + r"\s+" + _RU.format(n="m")
        + r"(?:\s+" + _YEAR.format(n="y") + r"(?:\s*(?:года|г\.))?)?(?!\w)", re.IGNORECASE)),
    # September 2022 (month precision; only accepted on a dateline)
    ("en_my", re.compile(r"\b" + _EN.format(n="m") + r",?\s+" + _YEAR.format(n="y") + r"(?!\d)",
                         re.IGNORECASE)),
    ("ru_my", re.compile(r"(?<!\w)" + _RU.format(n="m") + r"\s+" + _YEAR.format(n="y")
                         + r"(?!\d)", re.IGNORECASE)),
]  # fmt: skip


_DIGIT = re.compile(r"\d")
#: A cheap test, per language, that a line may name a month, before the patterns that need
#: one are tried; run on the lower-cased line: case-insensitive alternations are most of a
#: large import. A line tries only the patterns of the languages it may name a month in;
#: letters `re` matches case-insensitively that `lower()` does not give (long s, Cyrillic
#: narrow forms) make it try both.
_EN_HINT = re.compile(r"\b(?:jan|feb|mar|apr|may|jun|jul|aug|sep|oct|nov|dec)")
_RU_HINT = re.compile(r"\b(?:январ|феврал|март|апрел|ма[яй]|июн|июл|август|сентябр|октябр"
                      r"|ноябр|декабр)")  # fmt: skip
_CASE_EXTRAS = re.compile("[\u017f\u1c80-\u1c88]")


#: What every match of some patterns holds, found at C speed (a pattern that opens with a
#: look-behind is tried at every character of the line; these open with a digit, which the
#: regex engine finds by itself): a day, a separator and a month; a year, a dash and a
#: month; a year.
_NEEDS = {
    "num": re.compile(r"\d[./]\d"),
    "iso": re.compile(r"\d-\d"),
    "en_my": re.compile(r"(?:19|20)\d\d"),
    "ru_my": re.compile(r"(?:19|20)\d\d"),
}


@dataclass(frozen=True, slots=True)
class DateMatch:
    date: PostDate
    start: int
    end: int


def _month(word: str) -> int | None:
    word = word.lower().rstrip(".")
    if word in _EN_MONTHS:
        return _EN_MONTHS[word]
    for stem, number in _RU_MONTHS.items():
        if word.startswith(stem) and (word == stem or word[len(stem) :] in _RU_ENDINGS):
            return number
    return None


def _valid(year: int | None, month: int, day: int | None) -> bool:
    if not 1 <= month <= 12:
        return False
    if day is None:
        return True
    limit = calendar.monthrange(year if year is not None else 2000, month)[1]
    return 1 <= day <= limit


def find_dates(line: str) -> list[DateMatch]:
    """Every date written in `line`, in order, overlapping matches resolved to the first found."""
    found: list[DateMatch] = []
    if not _DIGIT.search(line):
        return found
    lowered = line.lower()
    english = _EN_HINT.search(lowered) is not None
    russian = _RU_HINT.search(lowered) is not None
    if (english or russian) and _CASE_EXTRAS.search(line):
        english = russian = True
    named = {"en": english, "ru": russian}
    # Spans already taken, sorted and disjoint: a match is checked against its neighbours by
    # bisection (checking every span taken made a line of 50,000 dates take minutes).
    starts: list[int] = []
    ends: list[int] = []
    for kind, pattern in _PATTERNS:
        if kind not in ("num", "iso") and not named[kind[:2]]:
            continue  # the month-name patterns are the slow ones; most lines have no month
        need = _NEEDS.get(kind)
        if need is not None and need.search(line) is None:
            continue  # what every match of the pattern holds is not in the line
        added: list[DateMatch] = []
        for m in pattern.finditer(line):
            at = bisect_left(starts, m.end())  # spans from `at` on start after this match
            if at and ends[at - 1] > m.start():
                continue
            groups = m.groupdict()
            month = int(groups["m"]) if kind in ("num", "iso") else _month(groups["m"])
            if month is None:
                continue
            year = int(groups["y"]) if groups.get("y") else None
            day = int(groups["d"]) if groups.get("d") else None
            if not _valid(year, month, day):
                continue
            added.append(DateMatch(PostDate(year, month, day), m.start(), m.end()))
        if added:  # one pattern's matches never overlap each other: merge them in at once
            found = sorted(found + added, key=lambda d: d.start)
            starts = [d.start for d in found]
            ends = [d.end for d in found]
    return found


# The dateline rule's parts are public: a property test rebuilds the rule from them naively.
DATELINE_MARKS = ("📍", "🗓", "📅", "📆", "🕐")
LEADING_SYMBOLS = re.compile(r"^[\W_]*", re.UNICODE)
ON_DATE = re.compile(r"^(?:on|from)\s+$", re.IGNORECASE)
CITY_DATE = re.compile(r"^\(?[^,()]{1,60},\s*$")


def _is_dateline(line: str, match: DateMatch) -> bool:
    """Is `match` the date a dateline gives, not a date mentioned in passing?"""
    return LineShape(line).is_dateline(match)


class LineShape:
    """What `_is_dateline` asks of a line, measured once: asking again for each of a line's
    dates costs no more than the date itself (a line of 50,000 dates stays linear)."""

    def __init__(self, line: str) -> None:
        self.line = line
        self.marked = line.lstrip().startswith(DATELINE_MARKS)
        leading = LEADING_SYMBOLS.match(line)
        self.first_word = leading.end() if leading else 0
        on = _ON_LEAD_END.match(line)
        self.on_end = on.end() if on else -1
        self.tail_start = len(line.rstrip(" .,:;)"))

    def is_dateline(self, match: DateMatch) -> bool:
        line = self.line
        if self.marked:
            return True
        no_lead = self.first_word >= match.start
        no_after = match.end >= self.tail_start
        if no_lead and no_after:
            return True  # the whole line is the date
        if self.on_end == match.start:
            return True  # "On January 10, the Minister …"
        if _city_before(line, match.start):
            return True  # "(Moscow, April 29, 2023)"
        if not no_after or no_lead:
            return False
        return CITY_DATE.match(line[self.first_word : match.start]) is not None
        # "Samarkand, September 15, 2022"


#: The lead of an `On <date>` line, up to where its date must start.
_ON_LEAD_END = re.compile(r"[\W_]*(?:on|from)\s+", re.IGNORECASE)


def _city_before(line: str, start: int) -> bool:
    """Does `(City, ` end right before `start` (blanks between allowed)? Looks back no further
    than a city name can reach."""
    end = start
    while end and line[end - 1].isspace():
        end -= 1
    if not end or line[end - 1] != ",":
        return False
    opening = line.rfind("(", max(0, end - 62), end)
    return opening >= 0 and CITY_DATE.match(line[opening:start]) is not None


OPENING_LINES = 3
_ON_LEAD = re.compile(r"^[\W_]*(?:on|from)\s", re.IGNORECASE)


def _may_be_dateline(line: str) -> bool:
    """A cheap superset of `_is_dateline`'s shapes, tried before looking for dates at all:
    a marked line, a short one (a line that is a date, `City, date`), `(City, date)`, or
    `On <date>`. Every other line would only give dates in passing."""
    stripped = line.strip()
    return (
        stripped.startswith(DATELINE_MARKS)
        or len(stripped) <= 80
        or "(" in stripped
        or _ON_LEAD.match(stripped) is not None
    )


def date_from_opening(lines: Sequence[str]) -> PostDate | None:
    """The post's date from its opening lines, or None.

    The title (first line) may give a date to the day anywhere in it; the next two lines only
    as a dateline (`📍 City, date`, `(City, date)`, `On <date>, …`, or a line that is a date).
    A month without a day (`September 2022`) counts only as a dateline.
    """
    opening = islice((line for line in lines if line.strip()), OPENING_LINES)
    for index, line in enumerate(opening):
        if index and not _may_be_dateline(line):
            continue  # a long line of prose: no date in it could be a dateline
        shape = LineShape(line)
        for match in find_dates(line):
            dateline = shape.is_dateline(match)
            if match.date.day is None and not dateline:
                continue
            if index == 0 or dateline:
                return match.date
    return None


def infer_years(dates: Sequence[PostDate | None]) -> list[PostDate | None]:
    """Give yearless dates a year from the dated posts around them, in file order.

    The file is chronological, so the year chosen is the first one that puts the date on or
    after the previous dated post and, when possible, on or before the next one written with a
    year. Such dates are flagged `year_inferred`. A yearless date with no dated neighbour stays
    without a year (the caller treats it as undated).
    """
    out: list[PostDate | None] = list(dates)
    next_known: list[PostDate | None] = [None] * len(out)
    upcoming: PostDate | None = None
    for i in range(len(out) - 1, -1, -1):
        next_known[i] = upcoming
        d = out[i]
        if d is not None and d.year is not None:
            upcoming = d
    previous: PostDate | None = None
    shared: dict[PostDate, PostDate] = {}  # a million posts of a few hundred days: one each
    for i, d in enumerate(out):
        if d is None:
            continue
        if d.year is not None:
            previous = d
            continue
        assert d.month is not None
        nxt = next_known[i]
        year = _choose_year(d, previous, nxt)
        if year is None:
            continue
        resolved = replace(d, year=year, year_inferred=True)
        resolved = out[i] = shared.setdefault(resolved, resolved)
        previous = resolved
    return out


def _fits(year: int, d: PostDate) -> bool:
    assert d.month is not None
    return _valid(year, d.month, d.day)


def _choose_year(d: PostDate, previous: PostDate | None, nxt: PostDate | None) -> int | None:
    def key(year: int) -> tuple[int, int, int]:
        return (year, d.month or 0, d.day or 0)

    if previous is not None and previous.year is not None:
        start = previous.year
        candidates = [y for y in range(start, start + 2) if _fits(y, d)]
        after_prev = [y for y in candidates if key(y) >= previous.sort_key()]
        if nxt is not None and nxt.year is not None:
            between = [y for y in after_prev if key(y) <= _upper(nxt)]
            if between:
                return between[0]
        if after_prev:
            return after_prev[0]
        return None
    if nxt is not None and nxt.year is not None:
        candidates = [y for y in range(nxt.year, nxt.year - 2, -1) if _fits(y, d)]
        before_next = [y for y in candidates if key(y) <= _upper(nxt)]
        return before_next[0] if before_next else None
    return None


def _upper(d: PostDate) -> tuple[int, int, int]:
    """The latest day a date of this precision may stand for, as a sort key."""
    return (d.year or 0, d.month or 12, d.day or 31)


def date_bounds(
    dates: Sequence[PostDate | None],
) -> list[tuple[str | None, str | None] | None]:
    """For each undated post, the dates of the nearest dated posts before and after it."""
    n = len(dates)
    before: list[str | None] = [None] * n
    after: list[str | None] = [None] * n
    isos: dict[PostDate, str | None] = {}  # equal dates share one string (and equal bounds
    # one tuple): a million posts hold a pointer each
    last: str | None = None
    for i, d in enumerate(dates):
        before[i] = last
        if d is not None and d.year is not None:
            last = isos.get(d) or isos.setdefault(d, d.iso())
    last = None
    for i in range(n - 1, -1, -1):
        after[i] = last
        d = dates[i]
        if d is not None and d.year is not None:
            last = isos.get(d) or isos.setdefault(d, d.iso())
    out: list[tuple[str | None, str | None] | None] = []
    pairs: dict[tuple[str | None, str | None], tuple[str | None, str | None]] = {}
    for i, d in enumerate(dates):
        if d is not None and d.year is not None:
            out.append(None)
        elif before[i] is None and after[i] is None:
            out.append(None)
        else:
            pair = (before[i], after[i])
            out.append(pairs.setdefault(pair, pair))
    return out
