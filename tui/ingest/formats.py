"""The registry of dump formats: how each is recognised by content, and which parser reads it.

Order matters: the first sniffer that says yes wins, so the strictest come first. The two
exports are recognised by their structure (a JSON object with `messages`/`chats`, a page
with Telegram's header and history blocks), t.me preview pages by their widget markup,
copied messages by a `Name, [date]` first line;
the web copy, which only needs one `Forwarded from` line somewhere, comes last.
"""

from __future__ import annotations

from collections.abc import Callable, Iterator
from pathlib import Path

from tui.ingest import desktop_html, desktop_json, desktop_text, tme_page, webcopy
from tui.model import RawPost

Parser = Callable[[Path, Callable[[str], None]], Iterator[RawPost]]

SNIFFERS: list[tuple[str, Callable[[str], bool]]] = [
    ("desktop_json", desktop_json.looks_like),
    ("desktop_html", desktop_html.looks_like),
    ("tme_page", tme_page.looks_like),
    ("desktop_text", desktop_text.looks_like),
    ("webcopy", webcopy.looks_like),
]

PARSERS: dict[str, Parser] = {
    "desktop_json": desktop_json.parse,
    "desktop_html": desktop_html.parse,
    "tme_page": tme_page.parse,
    "desktop_text": desktop_text.parse,
    "webcopy": webcopy.parse,
}
