"""How tgreader says a date, an inferred year and the bounds of an undated post: one place.

Every screen, export, citation, palette entry and notes export words dates through here, so
a post never reads as more certain in one place than in another. Three forms:

- `short_date`: the list's date column, the palette, the records list: `15 Sep 2022`,
  `≈10 Jan 2024` (year inferred), `undated`.
- `date_label`: the reading pane, exports and notes: `15 Sep 2022`,
  `≈ 10 Jan 2024 · year inferred`, `undated · between 15 Sep 2022 and 14 Apr 2023`.
- `citation_date`: inside a citation's sentence, months in full: `15 September 2022`,
  `10 January 2024 (date inferred)`, `undated, between 15 September 2022 and 14 April 2023`.

A post (`Post`) knows its bounds; what a bookmark remembers (`PostSnapshot`) has the ISO date
and the inferred flag only. Both are accepted. Standard library and `tui.model` only.
"""

from __future__ import annotations

from tui.model import Post, PostDate, PostSnapshot

MONTH_ABBR = ("Jan", "Feb", "Mar", "Apr", "May", "Jun", "Jul", "Aug", "Sep", "Oct", "Nov", "Dec")
MONTH_NAMES = (
    "January", "February", "March", "April", "May", "June",
    "July", "August", "September", "October", "November", "December",
)  # fmt: skip

UNDATED = "undated"
INFERRED = "≈"  # marks a date whose year was taken from the posts around it
YEAR_PENDING = "?"  # a day and month whose year is still being looked for (while indexing)
SAVE_AS_UTF8 = "save the file as UTF-8 and open it again"

Dated = Post | PostSnapshot


# -- a calendar date ------------------------------------------------------------------------------
def day(date: PostDate, long: bool = False) -> str:
    """`15 Sep 2022`, `Sep 2022`, `2022` (as much as is known); `10 Jan` while the year is
    still unknown. With `long`, months in full (`15 September 2022`), as citations write."""
    parts: list[str] = []
    if date.day is not None:
        parts.append(str(date.day))
    if date.month is not None:
        parts.append((MONTH_NAMES if long else MONTH_ABBR)[date.month - 1])
    if date.year is not None:
        parts.append(str(date.year))
    return " ".join(parts)


def iso_day(value: str | None, long: bool = False) -> str:
    """`2022-09-15` -> `15 Sep 2022`; None -> `?` (an open end of a range)."""
    return day(PostDate.from_iso(value), long) if value else "?"


def month_short(period: str) -> str:
    """`2022-09` -> `Sep 22`: short enough for the sidebar's width."""
    year, month = period.split("-")[:2]
    return f"{MONTH_ABBR[int(month) - 1]} {year[2:]}"


# -- where an undated post falls ------------------------------------------------------------------
def bounds(after: str | None, before: str | None, long: bool = False) -> str:
    """`between X and Y`, `after X`, `before Y`, or `` when no dated post is near."""
    if after and before and after == before:
        return f"on {iso_day(after, long)}, as the posts around it"
    if after and before:
        return f"between {iso_day(after, long)} and {iso_day(before, long)}"
    if after:
        return f"after {iso_day(after, long)}"
    if before:
        return f"before {iso_day(before, long)}"
    return ""


def bounds_range(after: str | None, before: str | None) -> str:
    """A date tree node for undated posts: `15 Sep 2022 – 14 Apr 2023`, `after 15 Sep 2022`,
    `before …`, or `no dated posts near`."""
    if after and before and after == before:
        return f"on {iso_day(after)}"
    if after and before:
        return f"{iso_day(after)} – {iso_day(before)}"
    return bounds(after, before) or "no dated posts near"


def period_text(value: str) -> str:
    """A date filter as the status line says it: `2022`, `Sep 2022`, `15 Sep 2022`,
    `undated`, `undated 15 Sep 2022 – 14 Apr 2023` (the tree's `undated:AFTER..BEFORE`)."""
    if value.startswith(UNDATED):
        rest = value[len(UNDATED) + 1 :]
        if not rest:
            return UNDATED
        after, _, before = rest.partition("..")
        return f"{UNDATED} {bounds_range(after or None, before or None)}"
    return iso_day(value)


# -- a post's date, in its three forms ------------------------------------------------------------
def _date_of(item: Dated) -> PostDate | None:
    """The date to say: with a year, or (only while indexing) a day and month whose year the
    dates pass has not found yet. A date that is no more than a year-less day once indexed is
    no date: the index has dropped it by then."""
    if isinstance(item, PostSnapshot):
        return PostDate.from_iso(item.date, item.date_inferred) if item.date else None
    date = item.date
    return date if date is not None and (date.year is not None or date.month) else None


def _bounds_of(item: Dated) -> tuple[str | None, str | None]:
    if isinstance(item, PostSnapshot):
        return (None, None)
    return item.date_bounds or (None, None)


def short_day(date: PostDate | None) -> str:
    """The short form of a bare date: `15 Sep 2022`, `≈10 Jan 2024`, `undated`; `10 Jan ?`
    while indexing has not found its year yet."""
    if date is None or (date.year is None and not date.month):
        return UNDATED
    if date.year is None:
        return f"{day(date)} {YEAR_PENDING}"
    return INFERRED + day(date) if date.inferred else day(date)


def short_date(item: Dated) -> str:
    """`15 Sep 2022`, `≈10 Jan 2024` (year inferred), `undated`: for a narrow column."""
    return short_day(_date_of(item))


def date_label(item: Dated) -> str:
    """`15 Sep 2022`, `≈ 10 Jan 2024 · year inferred`, `undated · between … and …`: as honest
    as the archive allows, for the reading pane, exports and notes."""
    date = _date_of(item)
    if date is not None and date.year is None:
        return f"{day(date)} {YEAR_PENDING} · year not known yet (indexing)"
    if date is not None:
        return f"{INFERRED} {day(date)} · year inferred" if date.inferred else day(date)
    where = bounds(*_bounds_of(item))
    return f"{UNDATED} · {where}" if where else UNDATED


def citation_date(item: Dated) -> str:
    """`15 September 2022`, `10 January 2024 (date inferred)`, `undated, between … and …`: a
    citation must not claim more certainty than the archive gave."""
    date = _date_of(item)
    if date is not None and date.year is None:
        return f"{day(date, long=True)} (year not known yet)"
    if date is not None:
        return f"{day(date, long=True)} (date inferred)" if date.inferred else day(date, True)
    where = bounds(*_bounds_of(item), long=True)
    return f"{UNDATED}, {where}" if where else UNDATED


# -- files that are not UTF-8 ---------------------------------------------------------------------
def not_utf8(error: UnicodeDecodeError) -> str:
    """`not UTF-8 (byte 0xe9); save the file as UTF-8 and open it again`."""
    bad = error.object[error.start : error.start + 1].hex()
    return f"not UTF-8 (byte 0x{bad}); {SAVE_AS_UTF8}"
