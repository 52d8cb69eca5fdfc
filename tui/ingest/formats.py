"""The registry of dump formats: how each is recognised by content, and which parser reads it.

Order matters: the first sniffer that says yes wins, so the strictest come first.
"""

from __future__ import annotations

from collections.abc import Callable, Iterator
from pathlib import Path

from tui.ingest import webcopy
from tui.model import RawPost

Parser = Callable[[Path, Callable[[str], None]], Iterator[RawPost]]

SNIFFERS: list[tuple[str, Callable[[str], bool]]] = [
    ("webcopy", webcopy.looks_like),
]

PARSERS: dict[str, Parser] = {
    "webcopy": webcopy.parse,
}
