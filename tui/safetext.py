"""Untrusted text made safe to show or to write out: the one place that decides how.

Posts, tags, file names, URLs and notes come from strangers. On a terminal, a control character
(ESC, BEL, the C1 range U+0080-009F) can move the cursor, retitle the window, or write the
clipboard (OSC 52); a bidi control (U+202E and friends) can make text read differently from what
it is. Everything drawn on the terminal goes through `visible`, which shows such characters as
inert marks (`^[`, `<U+202E>`) and never drops one, so the reader still sees that it is there.

Links become clickable only through `link_target`. Exports use `csv_cell`, `markdown_inline`,
`markdown_verbatim` and `json_text`. Pure: stdlib only (the text layers and the CLI use it too).
"""

from __future__ import annotations

import re

# Bidi controls: embeddings and overrides (U+202A-202E), isolates (U+2066-2069), the marks
# LRM/RLM (U+200E/F) and the Arabic letter mark (U+061C).
BIDI_CONTROLS = "\u061c\u200e\u200f\u202a\u202b\u202c\u202d\u202e\u2066\u2067\u2068\u2069"

# C0 controls but tab and newline, DEL, C1 controls, bidi controls.
_UNSAFE = re.compile(f"[\x00-\x08\x0b-\x1f\x7f-\x9f{BIDI_CONTROLS}]")
# Any C0/C1 control, DEL, or bidi control: nothing of this belongs in an address.
_UNSAFE_IN_URL = re.compile(f"[\x00-\x1f\x7f-\x9f{BIDI_CONTROLS}]")

CLICKABLE_SCHEMES = ("http", "https", "tg", "mailto")


def _mark(match: re.Match[str]) -> str:
    code = ord(match.group())
    if code < 0x20:
        return "^" + chr(code + 0x40)
    if code == 0x7F:
        return "^?"
    return f"<U+{code:04X}>"


def visible(text: str) -> str:
    """Text safe to put on a terminal: control characters are shown in caret notation (`^[`
    for ESC), C1 and bidi controls as `<U+009B>`, `<U+202E>`. Tabs and newlines stay."""
    return _UNSAFE.sub(_mark, text)


def is_visible(text: str) -> bool:
    """True when `visible` leaves the text as it is."""
    return _UNSAFE.search(text) is None


def link_target(url: str | None) -> str | None:
    """The address a link may open, or None when it must stay inert text.

    Only http(s), tg and mailto addresses (and `t.me/...` written without a scheme) are
    clickable, and only when they hold no control or bidi character: the address is written
    into the terminal's hyperlink sequence (OSC 8), where an ESC would end it early and let
    the rest act as a sequence of its own.
    """
    if not url or _UNSAFE_IN_URL.search(url):
        return None
    if url.lower().startswith("t.me/"):
        return "https://" + url
    scheme, colon, rest = url.partition(":")
    if not colon or scheme.lower() not in CLICKABLE_SCHEMES or not rest:
        return None
    return url


def markup_literal(text: str) -> str:
    """Text for a place that Textual parses as content markup (the command palette's help
    line): shown as in `visible`, every `[` escaped so no tag, style or action can open."""
    return visible(text).replace("[", "\\[")


# OWASP's CSV injection advice: a cell that starts with one of these is read as a formula by
# spreadsheets; prefixing a single quote makes it text.
_FORMULA_START = ("=", "+", "-", "@", "\t", "\r")


def csv_cell(value: str) -> str:
    """A CSV cell that no spreadsheet runs as a formula and no terminal runs as a sequence:
    control characters shown as in `visible`, and a `'` before a leading = + - @ tab or CR
    (OWASP's advice; the csv writer quotes separators and quotes)."""
    if value.startswith(_FORMULA_START):
        value = "'" + value
    return visible(value)


# What makes inline Markdown: escapes, code spans, emphasis, links and images, HTML and
# autolinks, entities, strikethrough, table cells, and a heading's closing #s. CommonMark lets
# any ASCII punctuation be backslash-escaped; these are the ones that act after a line's start.
# An underscore inside a word (file_name) can neither open nor close emphasis: left as it is.
_MARKDOWN_INLINE = re.compile(r"[\\`*\[\]<>&~|#]|(?<![^\W_])_|_(?![^\W_])")


def markdown_inline(text: str) -> str:
    """Text to follow a prefix on a Markdown line (`## `, `**Source:** `), rendering exactly
    as written: on one line, control characters shown, every inline metacharacter escaped."""
    one_line = " ".join(visible(text).split())
    return _MARKDOWN_INLINE.sub(lambda match: "\\" + match.group(), one_line)


def markdown_verbatim(text: str) -> str:
    """A body of text as a fenced Markdown block: a renderer shows it exactly as written, line
    breaks, spaces, `- item`, `> quote`, `*stars*`, `<b>` and `[x](url)` included.

    The fence is a run of backticks longer than any run in the text, so no line can close it.
    """
    shown = visible(text)
    longest = max((len(run) for run in re.findall(r"`+", shown)), default=0)
    fence = "`" * max(3, longest + 1)
    return f"{fence}text\n{shown}\n{fence}"


# json.dumps escapes C0 controls itself; these it would write raw with ensure_ascii=False.
_JSON_RAW = re.compile(f"[\x7f-\x9f{BIDI_CONTROLS}]")


def json_text(dumped: str) -> str:
    """JSON text (from json.dumps with ensure_ascii=False) with DEL, C1 and bidi controls
    written as `\\uXXXX` escapes: the same data when parsed, nothing live when printed."""
    return _JSON_RAW.sub(lambda m: f"\\u{ord(m.group()):04x}", dumped)
