"""Messages copied out of Telegram Desktop (select several, Ctrl+C) and pasted into a file.

Each message opens with a header `Sender, [15.09.2022 07:58]`; the date follows the copier's
locale (`[9/15/22 7:58 AM]`, `[15/09/2022 07:58]`, `[2022-09-15 07:58]`). Bracketed lines
stand for what the copy could not hold: `[Forwarded from X]`, `[In reply to X]`, `[ Photo ]`,
`[ Poll : Question ]` (answers follow as `- answer` lines). A text link reads `text (url)`.
"""

from __future__ import annotations

import re
from bisect import bisect_left
from collections.abc import Callable, Iterator
from dataclasses import dataclass
from pathlib import Path

from tui.model import Link, Media, Origin, PostDate, RawPost

Warn = Callable[[str], None]

HEADER = re.compile(r"^(?P<name>\S.*?), \[(?P<stamp>[^\[\]]+)\]:?\s*$")
_TIME = r"(?P<H>\d{1,2}):(?P<M>\d{2})(?::(?P<S>\d{2}))?(?:\s*(?P<ampm>[AaPp]\.?[Mm]\.?))?"
_STAMPS = {
    "dot": re.compile(r"^(?P<a>\d{1,2})\.(?P<b>\d{1,2})\.(?P<y>\d{2}|\d{4}),?\s+" + _TIME + "$"),
    "slash": re.compile(r"^(?P<a>\d{1,2})/(?P<b>\d{1,2})/(?P<y>\d{2}|\d{4}),?\s+" + _TIME + "$"),
    "iso": re.compile(r"^(?P<y>\d{4})-(?P<b>\d{1,2})-(?P<a>\d{1,2}),?\s+" + _TIME + "$"),
}
FORWARDED = re.compile(r"^\[Forwarded from (?P<source>.+)\]$")
REPLY = re.compile(r"^\[In reply to .+\]$")
PLACEHOLDER = re.compile(r"^\[ (?P<kind>[^\[\]:]+?)(?: : (?P<detail>.*?))? \]$")
URL_IN_PARENS = re.compile(r"\((?P<url>(?:https?|tg)://[^\s()]+)\)")
BARE_URL = re.compile(r"(?<![(\w])(?:https?|tg)://[^\s()<>]+[^\s()<>.,;:!?'\"]")
#: What ends the words that name a `words (url)` link.
_NAME_STOP = re.compile("[.!?:;•—()]")
_MONTHS = ("January", "February", "March", "April", "May", "June", "July", "August",
           "September", "October", "November", "December")  # fmt: skip


@dataclass(frozen=True, slots=True)
class Stamp:
    """A header's date and time, with which of its numbers might be the day."""

    kind: str
    first: int  # the first number (day in day-first locales, month in month-first ones)
    second: int
    year: int
    hour: int
    minute: int
    second_of_minute: int
    ampm: bool
    text: str

    def resolved(self, day_first: bool) -> tuple[PostDate, str] | None:
        day, month = (self.first, self.second) if day_first else (self.second, self.first)
        if not (1 <= month <= 12 and 1 <= day <= _days_in(self.year, month)):
            return None
        date = PostDate(self.year, month, day)
        iso = f"{date.iso()}T{self.hour:02d}:{self.minute:02d}:{self.second_of_minute:02d}"
        return date, iso

    @property
    def ambiguous(self) -> bool:
        return self.kind == "slash" and self.first <= 12 and self.second <= 12 and (
            self.first != self.second
        )


def _days_in(year: int, month: int) -> int:
    import calendar

    return calendar.monthrange(year, month)[1]


def read_stamp(text: str) -> Stamp | None:
    """A header's bracketed date and time, or None when it is not one."""
    text = text.strip().replace("\u202f", " ").replace("\xa0", " ")
    for kind, pattern in _STAMPS.items():
        m = pattern.match(text)
        if m is None:
            continue
        year = int(m["y"])
        if year < 100:
            year += 2000
        hour, minute = int(m["H"]), int(m["M"])
        ampm = m["ampm"] is not None
        if ampm:
            if not 1 <= hour <= 12:
                return None
            hour = hour % 12 + (12 if m["ampm"][0] in "Pp" else 0)
        if hour > 23 or minute > 59:
            return None
        first, second = int(m["a"]), int(m["b"])
        return Stamp(kind, first, second, year, hour, minute, int(m["S"] or 0), ampm, text)
    return None


def header(line: str) -> tuple[str, Stamp] | None:
    match = HEADER.match(line)
    if match is None:
        return None
    stamp = read_stamp(match["stamp"])
    if stamp is None or (stamp.kind != "slash" and stamp.resolved(True) is None):
        return None
    if stamp.resolved(True) is None and stamp.resolved(False) is None:
        return None
    return match["name"].strip(), stamp


def looks_like(head: str) -> bool:
    """The first non-blank line is a `Name, [date]` header with a date that can be read."""
    for line in head.splitlines():
        if line.strip():
            return header(line.strip("\ufeff")) is not None
    return False


@dataclass
class _Message:
    lineno: int
    sender: str
    stamp: Stamp
    body: list[str]


def _split(path: Path) -> Iterator[_Message]:
    """Messages by header; a header counts only at the start or after a blank line, so a
    body line that merely looks like one stays text."""
    from tui.ingest import iter_lines

    current: _Message | None = None
    previous_blank = True
    for lineno, line in iter_lines(path):
        found = header(line) if previous_blank else None
        if found is not None:
            if current is not None:
                yield current
            current = _Message(lineno, found[0], found[1], [])
        elif current is not None:
            current.body.append(line.rstrip())
        elif line.strip():
            from tui.ingest import IngestError

            raise IngestError(path, "text before the first 'Name, [date]' header", line=lineno)
        previous_blank = not line.strip()
    if current is not None:
        yield current


def _day_first(path: Path, messages: list[_Message], warn: Warn) -> bool:
    """Which reading of `a/b/y` dates this file uses, decided once for the whole file.

    Headers whose first number is over 12 prove day-first, second number over 12 month-first;
    with no proof, a 12-hour clock (AM/PM) suggests the US order, else day first is assumed.
    """
    slashes = [m for m in messages if m.stamp.kind == "slash"]
    ambiguous = [m for m in slashes if m.stamp.ambiguous]
    day_proof = next((m for m in slashes if m.stamp.first > 12), None)
    month_proof = next((m for m in slashes if m.stamp.second > 12), None)
    if day_proof is not None and month_proof is not None:
        from tui.ingest import IngestError

        raise IngestError(
            path, f"dates disagree: [{day_proof.stamp.text}] (line {day_proof.lineno}) is day "
            f"first, [{month_proof.stamp.text}] is month first", line=month_proof.lineno,
        )
    if day_proof is not None:
        day_first, why = True, f"like [{day_proof.stamp.text}] on line {day_proof.lineno}"
    elif month_proof is not None:
        day_first, why = False, f"like [{month_proof.stamp.text}] on line {month_proof.lineno}"
    elif any(m.stamp.ampm for m in slashes):
        day_first, why = False, "a guess from the AM/PM clock; no date in the file settles it"
    else:
        day_first, why = True, "a guess; no date in the file settles it"
    if ambiguous:
        first = ambiguous[0]
        chosen = first.stamp.resolved(day_first)
        assert chosen is not None
        date = chosen[0]
        assert date.month is not None
        reading = f"{date.day} {_MONTHS[date.month - 1]} {date.year}"
        more = f" ({len(ambiguous)} such dates)" if len(ambiguous) > 1 else ""
        order = "day first" if day_first else "month first"
        warn(
            f"{path}:{first.lineno}: date [{first.stamp.text}] could be day or month first"
            f"{more}; read {order} ({reading}), {why}"
        )
    return day_first


def parse(path: Path, warn: Warn) -> Iterator[RawPost]:
    """Posts in copy order; every header's date is exact (to the minute), never inferred."""
    from tui.ingest import IngestError

    messages = list(_split(path))
    day_first = _day_first(path, messages, warn)
    for message in messages:
        resolved = message.stamp.resolved(day_first or message.stamp.kind != "slash")
        if resolved is None:
            raise IngestError(path, f"impossible date [{message.stamp.text}]",
                              line=message.lineno)
        date, iso = resolved
        yield _post(path, message, date, iso)


def _post(path: Path, message: _Message, date: PostDate, iso: str) -> RawPost:
    source = message.sender
    media: Media | None = None
    lines: list[str] = []
    body = list(message.body)
    while body and not body[-1].strip():
        body.pop()
    for line in body:
        forwarded = FORWARDED.match(line)
        if forwarded and not lines:
            source = forwarded["source"].strip()
            continue
        if REPLY.match(line) and not lines:
            continue
        placeholder = PLACEHOLDER.match(line)
        if placeholder:
            if placeholder["kind"].strip().lower() == "poll":
                lines.append((placeholder["detail"] or "").strip())
            else:
                media = Media(placeholder["kind"].strip().lower())
            continue
        lines.append(line)
    start = 0
    while start < len(lines) and not lines[start].strip():
        start += 1
    del lines[:start]
    return RawPost(
        origin=Origin(str(path), message.lineno),
        lines=tuple(lines),
        source=source,
        media=media,
        sender=message.sender,
        links=tuple(links_in(lines)),
        date=date,
        datetime=iso,
    )


def links_in(lines: list[str]) -> Iterator[Link]:
    """`words (url)` gives a link named by the words since the last punctuation; a bare
    address is its own name."""
    for line in lines:
        if "://" not in line:
            continue
        marks = [m.start() for m in _NAME_STOP.finditer(line)]
        for match in URL_IN_PARENS.finditer(line):
            end = match.start()
            while end and line[end - 1].isspace():
                end -= 1
            # the last punctuation before the words: found by bisection, not by searching
            # the whole line back from every link (minutes on a line of 300,000 links)
            cut = marks[bisect_left(marks, end) - 1] if marks and marks[0] < end else -1
            name = line[cut + 1 : end].strip() or match["url"]
            yield Link(name, match["url"])
        for match in BARE_URL.finditer(line):
            yield Link(match.group(), match.group())
