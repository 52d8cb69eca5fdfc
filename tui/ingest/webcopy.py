"""Text copied from a channel's web preview (t.me/s/<channel>), like the bundled sample.

Each post opens with `Forwarded from <source>`; `Media is too big` + `VIEW IN TELEGRAM` stand
for a photo or video the copy left out; `Read in full` is a link whose address was lost; and
the body appears twice, the first copy usually with a title the second lacks.
"""

from __future__ import annotations

import re
from collections.abc import Callable, Iterator
from pathlib import Path

from tui.clean import clean_line, dedupe_body, norm_line
from tui.model import Link, Media, Origin, RawPost

FORWARDED = re.compile(r"^Forwarded from\s+(?P<source>.+)$")
MEDIA_LINES = {"media is too big", "view in telegram"}
READ_IN_FULL = re.compile(r"^(?:👉\s*)?read in full$", re.IGNORECASE)


#: Longer lines are never placeholders (the longest, padded, is well under this).
PLACEHOLDER_MAX = 64


def looks_like(head: str) -> bool:
    lines = head.splitlines()[:400]
    return any(FORWARDED.match(norm_line(line)) for line in lines) or any(
        norm_line(line).lower() in MEDIA_LINES for line in lines
    )


def build_post(
    path: Path, start: int, source: str | None, block: list[tuple[int, str]]
) -> RawPost:
    """One post from its lines: placeholders out (remembered as flags), doubled body dropped."""
    media: Media | None = None
    read_in_full = False
    body: list[str] = []
    for _lineno, line in block:
        key = norm_line(line) if len(line) <= PLACEHOLDER_MAX else ""
        if key.lower() in MEDIA_LINES:
            media = Media("media")  # the copy says only that something was there
        elif READ_IN_FULL.match(key):
            read_in_full = True
        else:
            body.append(clean_line(line))
    links = (Link("Read in full", None),) if read_in_full else ()
    return RawPost(
        origin=Origin(str(path), start),
        lines=tuple(dedupe_body(body)),
        source=source,
        media=media,
        links=links,
    )


def parse(path: Path, warn: Callable[[str], None]) -> Iterator[RawPost]:
    from tui.ingest import iter_lines

    source: str | None = None
    start = 1
    block: list[tuple[int, str]] = []
    seen_header = False
    for lineno, line in iter_lines(path):
        # Folding every line to test it is most of a large file's parse; a header must say so.
        match = FORWARDED.match(norm_line(line)) if "Forwarded" in line else None
        if match is None:
            block.append((lineno, line))
            continue
        if seen_header or any(norm_line(text) for _, text in block):
            if not seen_header:
                content = [n for n, text in block if norm_line(text)]
                warn(
                    f"{path}:{content[0]}: {len(content)} line(s) before the first "
                    "'Forwarded from' line; kept as a post with unknown source"
                )
            yield build_post(path, start, source, block)
        seen_header = True
        source = match.group("source").strip()
        start = lineno
        block = []
    if seen_header or any(norm_line(text) for _, text in block):
        if not seen_header:
            content = [n for n, text in block if norm_line(text)]
            warn(
                f"{path}:{content[0]}: not recognisably a Telegram dump (no 'Forwarded from' "
                f"line); its {len(content)} line(s) are kept as one post with unknown source"
            )
        yield build_post(path, start, source, block)
