"""Telegram Desktop's HTML export: `messages.html`, `messages2.html`, … of one chat.

Telegram writes each text between a line break after `<div class="text">` and an indented
line before `</div>`, and every line break of the post as `<br>`; only the `<br>`s are the
post's own, so the text comes back exactly as it was written.

Two readers give the same posts. The fast one (lxml, libxml2's HTML parser) builds the
page's elements in C (a page of up to a megabyte in one call, a larger one as it is fed in
pieces), and Python walks only the page's `div`s, stepping over each message once its reader
has read it: a message laid out as Telegram lays it out is read by looking at its few blocks
directly, any other by one walk over its elements; what was read is freed
(tests/bench/bench_html.py prints the figures). The standard library's `html.parser` is the
reference and the fallback:
it reads where lxml is not installed, and it rereads any page holding markup the two parsers
could resolve differently (a NUL, a character reference to a control character, a
self-closing `<div/>`, a comment inside a message, markup nested past libxml2's depth limit,
a message tag not written as Telegram writes it): the fast reader notices and hands over, so
a page never gives different posts depending on which parser read it.
"""

from __future__ import annotations

import calendar
import codecs
import functools
import html
import html.entities
import itertools
import re
import secrets
from collections import deque
from collections.abc import Callable, Iterator, Sequence
from dataclasses import dataclass, field
from html.parser import HTMLParser
from pathlib import Path
from typing import BinaryIO

from tui.model import Link, Media, Origin, PostDate, RawPost
from tui.wording import not_utf8

Warn = Callable[[str], None]

CHUNK = 1 << 20
VOID = {"br", "img", "hr", "meta", "link", "input", "wbr", "source", "area", "col", "base"}
TITLE = re.compile(
    r"^(?P<d>\d{1,2})\.(?P<m>\d{1,2})\.(?P<y>\d{4}) (?P<H>\d{1,2}):(?P<M>\d{2})(?::(?P<S>\d{2}))?"
    r"(?: UTC(?P<oh>[+-]\d{1,2})(?::?(?P<om>\d{2}))?)?$"
)
HASHTAG_CLICK = re.compile(r"ShowHashtag\(")
_SCHEME = re.compile(r"^[a-zA-Z][a-zA-Z0-9+.-]*:")
#: Up to 18 digits: every message id fits a 64-bit integer; a longer number is no id.
MESSAGE_ID = re.compile(r"^message(?P<id>\d{1,18})$")
# A line break of the page's layout is marked `\x00n` while the text is collected, and a NUL
# that is the post's own is escaped to `\x00r`, so the two can never be confused.
_NL = "\x00n"
_NUL = "\x00r"
_LAYOUT_BREAK = re.compile(f"{_NL}[ \t]*")


def looks_like(head: str) -> bool:
    """A page of a chat: Telegram's page header and message history blocks."""
    lowered = head.lower()
    return (
        "<html" in lowered
        and 'class="page_header"' in head
        and 'class="history"' in head
    )


@functools.lru_cache(maxsize=64)
def _days_in(year: int, month: int) -> int:
    return calendar.monthrange(year, month)[1]


#: A title as Telegram Desktop writes it: every field at its place, ASCII digits only.
_WRITTEN_TITLE = re.compile(
    r"[0-9]{2}\.[0-9]{2}\.[0-9]{4} (?:[01][0-9]|2[0-3]):[0-5][0-9]:[0-5][0-9]"
    r" UTC[+-][0-9]{2}:[0-9]{2}"
)


def parse_title(title: str) -> tuple[PostDate, str] | None:
    """`15.09.2022 07:58:12 UTC+03:00` (day first, always) -> date and ISO 8601 time."""
    if _WRITTEN_TITLE.fullmatch(title):  # the usual case, cut at its places
        date = _calendar_day(title[0:2], title[3:5], title[6:10])
        if date is None:
            return None
        return date, f"{title[6:10]}-{title[3:5]}-{title[0:2]}T{title[11:19]}{title[23:29]}"
    m = TITLE.match(title.strip())
    if m is None:
        return None
    d, mo, y, h, mi, s, oh, om = m.groups()
    hour, minute, second = int(h), int(mi), int(s or 0)
    date = _calendar_day(d, mo, y)
    if date is None or hour > 23 or minute > 59 or second > 59:
        return None
    iso = f"{date.year:04d}-{date.month:02d}-{date.day:02d}T{hour:02d}:{minute:02d}:{second:02d}"
    if oh is not None:
        sign = "-" if oh.startswith("-") else "+"
        iso += f"{sign}{abs(int(oh)):02d}:{int(om or 0):02d}"
    return date, iso


@functools.lru_cache(maxsize=4096)
def _calendar_day(day: str, month: str, year: str) -> PostDate | None:
    """The date of a title's day, month and year, or None when the calendar has no such day
    (one date object for all the posts of a day)."""
    d, m, y = int(day), int(month), int(year)
    if not (1 <= m <= 12 and 1 <= d <= _days_in(y, m)):
        return None
    return PostDate(y, m, d)


@dataclass
class _Message:
    number: int | None
    line: int
    joined: bool
    date_title: str | None = None
    sender: list[str] = field(default_factory=list)
    forwarded: list[str] = field(default_factory=list)
    text: list[str] = field(default_factory=list)
    links: list[Link] = field(default_factory=list)
    tags: list[str] = field(default_factory=list)
    media: bool = False
    media_kind: str | None = None
    media_file: str | None = None
    signature: list[str] = field(default_factory=list)
    poll: bool = False
    question: list[str] = field(default_factory=list)
    answers: list[list[str]] = field(default_factory=list)


#: Roles whose elements collect the text inside them, and `skip`, whose elements drop it.
_SINKS = {"text", "sender", "forwarded_name", "question", "answer", "signature", "skip"}


@dataclass
class _Element:
    tag: str
    role: str | None
    href: str | None = None
    onclick: str | None = None
    words: list[str] = field(default_factory=list)
    #: The innermost sink role around (or of) this element: where text inside it goes.
    sink: str | None = None
    #: The link inside that sink that text here also names, if any.
    anchor: _Element | None = None


class _Page(HTMLParser):
    """Collects finished messages in `done`; the caller drains it after each chunk."""

    def __init__(self) -> None:
        super().__init__(convert_charrefs=True)
        self.stack: list[_Element] = []
        # How many open elements have each role and each tag: "am I inside X" is then one
        # look-up, not a walk down a stack that hostile pages make 50,000 deep.
        self.open_roles: dict[str, int] = {}
        self.open_tags: dict[str, int] = {}
        self.message: _Message | None = None
        self.in_service = False
        self.channel_words: list[str] = []
        self.done: list[_Message] = []

    # -- where we are -------------------------------------------------------------------
    def _inside(self, role: str) -> bool:
        return self.open_roles.get(role, 0) > 0

    def _push(self, element: _Element) -> None:
        parent = self.stack[-1] if self.stack else None
        if element.role in _SINKS:
            element.sink = element.role
        elif parent is not None:
            element.sink = parent.sink
            element.anchor = element if element.role == "anchor" else parent.anchor
        self.stack.append(element)
        if element.role:
            self.open_roles[element.role] = self.open_roles.get(element.role, 0) + 1
        self.open_tags[element.tag] = self.open_tags.get(element.tag, 0) + 1

    def _pop(self) -> _Element:
        element = self.stack.pop()
        if element.role:
            self.open_roles[element.role] -= 1
        self.open_tags[element.tag] -= 1
        return element

    # -- parser callbacks -----------------------------------------------------------------
    def parse_marked_section(self, i: int, report: int = 1) -> int:
        """`<![if x]>`, `<![CDATA[…]]>`; anything else (`<![x]>`), which the standard parser
        rejects with an AssertionError, is a bogus comment up to the next `>`, as in HTML5."""
        try:
            return int(super().parse_marked_section(i, bool(report)))
        except AssertionError:
            end = self.rawdata.find(">", i + 3)
            return -1 if end < 0 else end + 1

    def handle_starttag(self, tag: str, attrs: list[tuple[str, str | None]]) -> None:
        attr = {k: v or "" for k, v in attrs}
        classes = set(attr.get("class", "").split())
        if tag in VOID:
            if tag == "br" and self.message is not None:
                self._data("\n", br=True)
            return
        role: str | None = None
        if tag == "div" and "message" in classes:
            role = self._open_message(attr, classes)
        elif self.message is None:
            if "page_header" in classes:
                role = "page_header"
            elif "text" in classes and self._inside("page_header"):
                role = "channel"
        elif self._inside("skip"):
            role = None
        elif "details" in classes and (
            self._inside("forwarded_name") or self._inside("sender")
        ):
            role = "skip"  # the forwarded original's time, "via @bot": not part of a name
        elif "date" in classes and "details" in classes and self._inside("forwarded"):
            role = "skip"
        elif "date" in classes and "details" in classes and attr.get("title"):
            if self.message.date_title is None:
                self.message.date_title = attr["title"]
            role = "skip"
        elif "forwarded" in classes:
            role = "forwarded"
        elif "from_name" in classes:
            role = "forwarded_name" if self._inside("forwarded") else "sender"
        elif "signature" in classes and "details" in classes:
            role = "signature"
        elif classes & {"reply_to", "userpic_wrap"}:
            role = "skip"
        elif "media_wrap" in classes:
            role = "media"
            self.message.media = True
        elif (self.message.media_kind is None and self._inside("media")
              and (kind := _media_kind(attr.get("class", ""))) is not None):
            self.message.media_kind = kind
            href = attr.get("href")
            if tag == "a" and href and not href.startswith(("http:", "https:", "tg:")):
                self.message.media_file = href
        elif "media_poll" in classes:
            self.message.poll = True
        elif "question" in classes and self.message.poll:
            role = "question"
        elif "answer" in classes and self.message.poll:
            role = "answer"
            self.message.answers.append([])
        elif "details" in classes and self._inside("media"):
            role = "skip"
        elif "text" in classes and not self._inside("media"):
            role = "text"
        elif tag == "a" and self._inside("text") and not self._inside("anchor"):
            role = "anchor"  # links do not nest (HTML forbids it)
        self._push(_Element(tag, role, attr.get("href"), attr.get("onclick")))

    def handle_startendtag(self, tag: str, attrs: list[tuple[str, str | None]]) -> None:
        self.handle_starttag(tag, attrs)
        if tag not in VOID:
            self.handle_endtag(tag)

    def handle_endtag(self, tag: str) -> None:
        if tag in VOID:
            return
        if not self.open_tags.get(tag):
            return  # a stray closing tag: ignore it rather than unwind unrelated elements
        while self.stack:
            element = self._pop()
            self._close(element)
            if element.tag == tag:
                break

    def handle_data(self, data: str) -> None:
        self._data(data)

    # -- helpers --------------------------------------------------------------------------
    def _open_message(self, attr: dict[str, str], classes: set[str]) -> str:
        if self.message is not None:
            self._finish()
        if "service" in classes or "default" not in classes:
            self.in_service = True
            return "service"
        found = MESSAGE_ID.match(attr.get("id", ""))
        self.message = _Message(
            number=int(found["id"]) if found else None,
            line=self.getpos()[0],
            joined="joined" in classes,
        )
        return "message"

    def _finish(self) -> None:
        if self.message is not None:
            self.done.append(self.message)
        self.message = None

    def _close(self, element: _Element) -> None:
        if element.role in ("message",):
            self._finish()
        elif element.role == "service":
            self.in_service = False
        elif element.role == "anchor" and self.message is not None:
            words = "".join(element.words)
            if element.onclick and HASHTAG_CLICK.search(element.onclick):
                self.message.tags.append(_unmark(words, "").lstrip("#"))
            elif element.href and (url := _address(element.href)) is not None:
                self.message.links.append(Link(_unmark(words, ""), url))

    def _sink_words(self, role: str | None) -> list[str]:
        """The current message's words that a sink role collects."""
        message = self.message
        assert message is not None
        if role == "text":
            return message.text
        if role == "sender":
            return message.sender
        if role == "forwarded_name":
            return message.forwarded
        if role == "question":
            return message.question
        if role == "answer":
            if not message.answers:
                message.answers.append([])
            return message.answers[-1]
        return message.signature

    def _data(self, data: str, br: bool = False) -> None:
        if self.in_service:
            return
        if "\x00" in data:
            data = data.replace("\x00", _NUL)
        if self.message is None:
            if self._inside("channel"):
                self.channel_words.append(data)
            return
        innermost = self.stack[-1] if self.stack else None
        if innermost is None or innermost.sink in (None, "skip"):
            return
        if innermost.anchor is not None:
            innermost.anchor.words.append(data)
        target = self._sink_words(innermost.sink)
        target.append(data if br else data.replace("\n", _NL))


#: Classes of the block that holds a message's media, and the kind each means (the words the
#: JSON export uses in `media_type`, so both formats of one export say the same thing).
_WRAP_KINDS = {
    "photo_wrap": "photo", "video_file_wrap": "video_file", "sticker_wrap": "sticker",
    "animated_wrap": "animation", "video_message_wrap": "video_message",
    "media_photo": "photo", "media_video": "video_file", "media_file": "file",
    "media_audio_file": "audio_file", "media_voice_message": "voice_message",
    "media_location": "location", "media_live_location": "location", "media_venue": "location",
    "media_contact": "contact", "media_game": "game", "media_invoice": "invoice",
    "media_call": "call",
}


def _media_kind(classes: str) -> str | None:
    """The kind the first media class (in the order written) names, if any."""
    for name in classes.split():
        kind = _WRAP_KINDS.get(name)
        if kind is not None:
            return kind
    return None


def _media(folder: Path, message: _Message) -> Media | None:
    """The message's media, with whether the file it links to is in the export `folder`."""
    if not message.media or message.poll:
        return None
    return _media_of(folder, message.media_kind, message.media_file)


def _media_of(folder: Path, kind: str | None, named: str | None) -> Media:
    """Media of a kind (`media` when unknown), with whether the file it links to is in the
    export `folder`."""
    kind = kind or "media"
    if not named:
        return Media(kind)
    try:
        present = (folder / named).is_file()
    except (OSError, ValueError):  # a name no file system accepts
        present = False
    return Media(kind, named, present)


def _address(href: str) -> str | None:
    """A link's address as the export has it: `bing.com` and `t.me/x` (no scheme) are web
    addresses, `mailto:` and `tel:` stay as written, and links to `@name` keep wherever
    they point. None for what is not a link of the text: `#go_to_message…` jumps and the
    export's own files (a custom emoji is drawn as a link to `stickers/sticker.webp`)."""
    if _SCHEME.match(href):
        return href
    if href.startswith("#") or "." not in href.split("/", 1)[0]:
        return None
    return "https://" + href


def _layout_free(words: list[str]) -> str:
    """The text without the page's layout: the break after the opening tag, the indented
    break before the closing one, and any indented break between."""
    raw = "".join(words).removeprefix(_NL)
    if "\x00" not in raw:
        return raw
    raw = _LAYOUT_BREAK.sub("", raw)
    return raw.replace(_NUL, "\x00") if "\x00" in raw else raw


def _unmark(text: str, layout_break: str) -> str:
    """Collected text with the page's line breaks as `layout_break` and NULs restored."""
    if "\x00" not in text:
        return text
    return text.replace(_NL, layout_break).replace(_NUL, "\x00")


def _name(words: list[str]) -> str | None:
    if not words:
        return None
    name = " ".join(_unmark("".join(words), " ").split())
    return name or None


# -- the fast reader: lxml ----------------------------------------------------------------------
try:
    from lxml import etree as _etree
except ImportError:  # pragma: no cover - lxml is a dependency; html.parser reads without it
    _etree = None

#: Which reader `parse` uses: "lxml" when it is installed, else "stdlib".
TOKENIZER = "lxml" if _etree is not None else "stdlib"


class HandOver(Exception):
    """The page holds markup that lxml and html.parser may read differently: html.parser
    reads it (the reference)."""


#: Put after every `<br>` before libxml2 sees the page, so that a block's whole text comes
#: out of libxml2 in one call with its line breaks marked. A noncharacter: a page that holds
#: one is left to html.parser.
_BR_MARK = "\ufdd0"
_BR_BYTES = _BR_MARK.encode()
#: A message's opening tag as Telegram writes it. Where each message starts is found in the
#: text (libxml2 numbers lines only up to 65,535) and checked against the parsed element.
_MESSAGE_TAG = re.compile(rb'<div class="(message(?: [^"]*)?)"(?: id="([^"]*)")?>')
_TAG_NAME = re.compile(rb"[A-Za-z][^\s/>]*")
_VOID_BYTES = {t.encode() for t in VOID} | {b"embed", b"param", b"track"}
#: A named reference without its `;` before a letter, digit or `=` (`?a=1&copy=2`): inside an
#: attribute html.parser expands it, HTML5 (libxml2) keeps it as written.
_BARE_REF = re.compile(
    b"&(?!quot;|amp;|lt;|gt;|#)(?:" + "|".join(sorted(
        (n for n in html.entities.html5 if not n.endswith(";")), key=len, reverse=True
    )).encode() + rb")(?=[A-Za-z0-9=])"
)
_NUMERIC_REF = re.compile(rb"&#(?:[xX]0*([0-9a-fA-F]{1,8})|0*([0-9]{1,9}))")
#: Markup the two parsers read differently, or that the fast reader cannot follow: a line
#: break not written `<br>` or `<br/>` (it would not be marked), comments and processing
#: instructions (lxml's walk skips their tails, which are text), `<![CDATA[`, `</` without a
#: name, and elements whose content libxml2 reads as text and html.parser as markup. A
#: `<title>` holding no markup (the page's own) is fine: group 1 says it is a title.
_ODD_MARKUP = re.compile(
    rb"<(?:(?i:(title))[\s/>]|[bB][rR](?![>/])|BR|Br|bR|br/(?!>)|/[^A-Za-z]|\?"
    rb"|!(?!DOCTYPE html>)|(?i:textarea|xmp|iframe|noembed|noframes|noscript|plaintext)[\s/>])"
)
_PLAIN_TITLE = re.compile(rb"<(?i:title)[^<>]*>[^<]*</(?i:title)")
_LIBXML2_LAST_LINE = 65535
_ROLE_COUNTERS = ("skip", "forwarded_name", "sender", "forwarded", "media", "text", "anchor",
                  "question", "answer", "signature")


def _attr(element: object, name: str) -> str | None:
    """An attribute the reader uses (one that held a `<br>` is no longer as written)."""
    value: str | None = element.get(name)  # type: ignore[attr-defined]
    if value is not None and _BR_MARK in value:
        raise HandOver
    return value


def _pieces(fh: BinaryIO) -> Iterator[bytes]:
    """The file in pieces of about CHUNK bytes, each checked to be UTF-8, cut after a line
    break where there is one, line breaks folded to `\\n` and the BOM dropped, as Python's
    text files do for html.parser."""
    decoder = codecs.getincrementaldecoder("utf-8")("strict")
    rest = b""
    first = True
    while True:
        block = fh.read(CHUNK)
        data = rest + block
        if first:
            data = data.removeprefix(codecs.BOM_UTF8)
            first = False
        if not block:
            decoder.decode(data, final=True)
            if data:
                yield _fold(data)
            return
        cut = data.rfind(b"\n") + 1 or data.rfind(b">") + 1
        if cut < len(data) - CHUNK or not cut:
            raise HandOver  # a megabyte without a line break or a tag's end: no export
        piece, rest = data[:cut], data[cut:]
        decoder.decode(piece)
        yield _fold(piece)


def _fold(piece: bytes) -> bytes:
    if b"\r" in piece:
        return piece.replace(b"\r\n", b"\n").replace(b"\r", b"\n")
    return piece


class _Starts:
    """The opening tags of messages, found in the text as it is read: their lines, classes
    and ids, in page order. Also whatever makes a page one for html.parser."""

    def __init__(self) -> None:
        self.pending: deque[tuple[int, bytes, bytes | None]] = deque()
        self.line = 1  # the line the next piece starts on
        self.headers = 0  # how often `page_header` is written

    def scan(self, piece: bytes) -> None:
        """Note the message tags of a piece (pieces end after a `\n` or `>`, so nothing
        looked for here is ever cut in two); `HandOver` on markup for html.parser."""
        if b"\x00" in piece or _BR_BYTES in piece:
            raise HandOver
        for odd in _ODD_MARKUP.finditer(piece):
            if not (odd[1] and _PLAIN_TITLE.match(piece, odd.start())):
                raise HandOver  # see _ODD_MARKUP
        if b"&#" in piece:
            for m in _NUMERIC_REF.finditer(piece):
                value = int(m[1], 16) if m[1] is not None else int(m[2])
                if value and not html.unescape(f"&#{value};"):
                    raise HandOver  # html.parser drops it, libxml2 keeps the character
        if b"&" in piece and _BARE_REF.search(piece):
            raise HandOver
        closed = piece.find(b"/>")
        while closed >= 0:
            start = piece.rfind(b"<", 0, closed)
            name = _TAG_NAME.match(piece, start + 1) if start >= 0 else None
            if name is None or name[0].lower() not in _VOID_BYTES:
                raise HandOver  # `<div/>`: html.parser closes it, libxml2 leaves it open
            closed = piece.find(b"/>", closed + 2)
        self.headers += piece.count(b"page_header")
        at = 0
        line = self.line
        for m in _MESSAGE_TAG.finditer(piece):
            line += piece.count(b"\n", at, m.start())
            at = m.start()
            self.pending.append((line, m[1], m[2]))
        self.line = line + piece.count(b"\n", at)

    def take(self, element: object, classes: str) -> int:
        """The line of the message `element` is, checked against its tag in the text."""
        if not self.pending:
            raise HandOver
        line, written_classes, written_id = self.pending.popleft()
        own_id = element.get("id")  # type: ignore[attr-defined]
        if written_classes.decode() != classes or (
                written_id.decode() if written_id is not None else None) != own_id:
            raise HandOver
        source: int | None = element.sourceline  # type: ignore[attr-defined]
        if source is not None and source < _LIBXML2_LAST_LINE and source != line:
            raise HandOver
        return line


#: Pages up to this size are parsed in one call (libxml2 builds a page faster that way than
#: fed in pieces). The page's elements then take about ten times its size at once, as much as
#: a piece of `CHUNK` bytes fed to the reader of larger pages takes before its messages are
#: freed: memory stays as it was.
WHOLE = CHUNK


def _read_lxml(path: Path) -> Iterator[tuple[str | None, list[_Message | _Usual]]]:
    """(the channel, the messages finished) as lxml reads them: a page of up to `WHOLE`
    bytes in one call, a larger one fed in pieces, its messages read and freed after each.
    Raises `HandOver` on markup html.parser may read otherwise."""
    assert _etree is not None
    with path.open("rb") as fh:
        head = fh.read(WHOLE + 1)
        if len(head) <= WHOLE:
            yield _read_whole(head)
            return
        fh.seek(0)
        yield from _read_pieces(itertools.chain(_pieces(fh), [b""]))


def _read_whole(data: bytes) -> tuple[str | None, list[_Message | _Usual]]:
    """(the channel, the messages) of a whole page parsed in one call."""
    assert _etree is not None
    data = data.removeprefix(codecs.BOM_UTF8)
    try:
        data.decode("utf-8")
    except UnicodeDecodeError:
        raise HandOver from None  # html.parser says where, after the posts before it
    data = _fold(data)
    page = _Walk()
    page.starts.scan(data)
    parser = _etree.HTMLParser(huge_tree=True, no_network=True, encoding="utf-8")
    try:
        root = _etree.fromstring(_marked(data) + page.end_tag, parser)
    except _etree.LxmlError:  # pragma: no cover - the mark makes a page of anything
        raise HandOver from None
    page.walk_all(root)
    return page.channel, page.take_done()


def _read_pieces(pieces: Iterator[bytes]) -> Iterator[tuple[str | None, list[_Message | _Usual]]]:
    """(the channel so far, the messages finished) after each piece fed to libxml2: the
    finished part of the page is walked (up to the message being built) and freed."""
    assert _etree is not None
    # one event: the root, to walk the page as it grows
    parser = _etree.HTMLPullParser(events=("start",), tag="html", huge_tree=True,
                                   no_network=True, encoding="utf-8")  # fmt: skip
    page = _Walk()
    root = None
    for piece in pieces:
        if piece:
            page.starts.scan(piece)
            parser.feed(_marked(piece))
        else:
            parser.feed(page.end_tag)
            parser.close()
        if root is None:
            root = next((element for _event, element in parser.read_events()), None)
            if root is None:
                if piece:
                    continue
                raise HandOver  # pragma: no cover - libxml2 always makes an <html>
        if piece:
            if root.getnext() is not None or root.getprevious() is not None:
                raise HandOver  # elements outside <html> before its end: html.parser's
            page.walk_finished(root)
        else:
            page.walk_all(root)
        page.first = False
        yield page.channel, page.take_done()


class _Walk:
    """The messages of a page (and its channel) read by walking its `div`s in page order,
    stepping over each message once it is read: its reader looks at every `div` in it (or
    `_holds_message` does), so a message html.parser would open is never missed. The checks
    that the page holds nothing the two parsers read otherwise are done here."""

    def __init__(self) -> None:
        self.starts = _Starts()
        # The last thing fed: its element proves libxml2 read to the end (it stops silently
        # at its depth limit). Random, so no page can fake it.
        self.end_mark = f"tgreader-end-{secrets.token_hex(8)}"
        self.end_tag = f'<div class="{self.end_mark}"></div>'.encode()
        self.ended = False
        self.channel: str | None = None
        self.headers = 0
        self.messages_seen = False
        #: Whether the first piece is walked (the page's header must be in it: html.parser
        #: reads the page in other pieces, and says the channel once it has read it)
        self.first = True
        self.done: list[_Message | _Usual] = []

    def take_done(self) -> list[_Message | _Usual]:
        done, self.done = self.done, []
        return done

    def walk_all(self, root: object) -> None:
        """Walk the whole page (parsed to its end), then check it was read to the end."""
        while (before := root.getprevious()) is not None:  # type: ignore[attr-defined]
            root = before
        # what follows `</html>` (the end mark does) are the root's siblings
        for top in itertools.chain([root], root.itersiblings()):  # type: ignore[attr-defined]
            self._walk(top, None)
        if not self.ended or self.starts.pending or self.starts.headers != self.headers:
            raise HandOver  # libxml2 stopped early, or read a tag otherwise than the text

    def walk_finished(self, root: object) -> None:
        """Walk the page built so far up to the element being built, then free what was
        walked: the children before the last of each element on the way to it."""
        spine = [root]
        while len(last := spine[-1]):  # type: ignore[arg-type]
            spine.append(last[-1])  # type: ignore[index]
        open_ = set(spine)
        stop = self._walk(root, open_)
        for element in spine:
            if element is stop:
                break
            del element[:-1]  # type: ignore[attr-defined]

    def _walk(self, top: object, open_: set[object] | None) -> object | None:
        """Read the messages under `top` in page order; with `open_` (the elements being
        built), stop at a message being built and return it."""
        assert _etree is not None
        walk = _etree.iterwalk(top, events=("start",), tag="div")
        for _event, element in walk:
            classes = element.get("class")
            if not classes:
                continue
            if "message" in classes and "message" in (words := classes.split()):
                if open_ is not None and element in open_:
                    return element  # type: ignore[no-any-return]
                walk.skip_subtree()
                line = self.starts.take(element, classes)
                self.messages_seen = True
                if "service" not in words and "default" in words:
                    joined = "joined" in words
                    self.done.append(_read_usual(element, line, joined)
                                     or _read_message(element, line, joined))
                elif _holds_message(element):
                    raise HandOver  # a message inside a message
            elif classes == self.end_mark:
                self.ended = True
                for _ in element.iterancestors("a"):
                    raise HandOver  # cut inside a link: html.parser never closes it
            elif "page_header" in classes and "page_header" in classes.split():
                if open_ is not None and element in open_:
                    raise HandOver  # a header still being built: not in the first piece
                self.headers += 1
                if (self.headers > 1 or self.messages_seen or not self.first
                        or _holds_message(element)):
                    raise HandOver
                walk.skip_subtree()
                channel_words = _channel_words(element)
                self.channel = _name(channel_words) if channel_words else None
        return None


def _holds_message(element: object) -> bool:
    """Whether a `div` inside `element` is a message (html.parser would open it)."""
    for inner in element.iterdescendants("div"):  # type: ignore[attr-defined]
        classes = inner.get("class")
        if classes and "message" in classes and "message" in classes.split():
            return True
    return False


def _marked(piece: bytes) -> bytes:
    """The piece with `_BR_MARK` after each `<br>` (and `<br/>`)."""
    return piece.replace(b"<br>", b"<br>" + _BR_BYTES).replace(b"<br/>", b"<br/>" + _BR_BYTES)


def _after_break(data: str | None) -> str | None:
    """A `<br>`'s tail without the mark put after it (which must be there)."""
    if data is None or not data.startswith(_BR_MARK):
        raise HandOver
    return data[1:] or None


def _channel_words(header: object) -> list[str]:
    """The words of the `.text` blocks in the page header, as html.parser collects them."""
    assert _etree is not None
    words: list[str] = []
    inside: list[bool] = [False]
    for event, element in _etree.iterwalk(header, events=("start", "end")):
        if event == "start":
            tag = element.tag
            if tag in VOID:
                inside.append(inside[-1])
                continue
            classes = set((_attr(element, "class") or "").split())
            here = inside[-1] or (
                element is not header and "text" in classes and "page_header" not in classes)
            inside.append(here)
            if here and element.text:
                words.append(_unmarked(element.text))
        else:
            inside.pop()
            if element is header:
                continue
            tail = _after_break(element.tail) if element.tag == "br" else element.tail
            if inside[-1] and tail:
                words.append(_unmarked(tail))
    return words


def _unmarked(data: str) -> str:
    if _BR_MARK in data:
        raise HandOver  # a `<br>` that was no tag (in an attribute, a script…)
    return data


def _read_message(root: object, line: int, joined: bool) -> _Message:
    """One message's element read the way `_Page` reads its events: each element's role
    from its classes and where it is, text to the innermost collecting role. A `.text`
    block of plain markup (the usual case) is read whole; skipped blocks are not entered."""
    assert _etree is not None
    found = MESSAGE_ID.match(root.get("id") or "")  # type: ignore[attr-defined]
    message = _Message(number=int(found["id"]) if found else None, line=line, joined=joined)
    lists: dict[str, list[str]] = {
        "text": message.text, "sender": message.sender, "forwarded_name": message.forwarded,
        "question": message.question, "signature": message.signature,
    }
    open_roles = dict.fromkeys(_ROLE_COUNTERS, 0)
    # per open element: its role, the role collecting text there, and the link's words
    stack: list[tuple[str | None, str | None, list[str] | None]] = []
    sink: str | None = None
    anchor: list[str] | None = None
    role: str | None
    walk = _etree.iterwalk(root, events=("start", "end"))
    next(walk)  # the message element itself
    for event, element in walk:
        if event == "end":
            if element is root:
                break
            role, _, words = stack.pop()
            if role is not None:
                open_roles[role] -= 1
                if role == "anchor":
                    _close_anchor(message.links, message.tags, element, "".join(words or ()))
            sink, anchor = (stack[-1][1], stack[-1][2]) if stack else (None, None)
            data = _after_break(element.tail) if element.tag == "br" else element.tail
        else:
            tag = element.tag
            if tag in VOID:
                stack.append((None, sink, anchor))
                if tag != "br" or sink is None or sink == "skip":
                    continue
                if anchor is not None:
                    anchor.append("\n")
                _put(message, lists, sink, _BR_MARK)
                continue
            classes = _attr(element, "class")
            role = None
            if classes:
                role = _role(element, tag, set(classes.split()), message, open_roles)
            elif tag == "a" and open_roles["text"] and not open_roles["anchor"]:
                role = "anchor"
            if role is not None:
                open_roles[role] += 1
                if role in _SINKS:
                    sink, anchor = role, None
                elif role == "anchor":
                    anchor = []
            stack.append((role, sink, anchor))
            if role == "skip":
                walk.skip_subtree()  # nothing inside a skipped block is read
                if _holds_message(element):
                    raise HandOver  # but html.parser opens a message wherever it is
                continue
            if role == "text" and not open_roles["anchor"] and (
                    read := _read_text(element, message.links, message.tags)) is not None:
                if read[0].count(_BR_MARK) != read[1]:
                    raise HandOver  # a `<br>` that was no tag (in an attribute, a script…)
                message.text.append(read[0])
                walk.skip_subtree()
                continue
            data = element.text
        if not data or sink is None or sink == "skip":
            continue
        if _BR_MARK in data:
            raise HandOver  # a `<br>` that was no tag (in an attribute, a script…)
        if anchor is not None:
            anchor.append(data)
        _put(message, lists, sink, data)
    for words in lists.values():
        if words:
            words[:] = _in_page_notation(words)
    message.answers[:] = [_in_page_notation(a) if a else a for a in message.answers]
    return message


#: Classes the rules of `_role` look at: an element carrying none of them, with none of them
#: inside it, only holds words no role collects.
_ROLE_CLASSES = frozenset({
    "message", "page_header", "details", "date", "forwarded", "from_name", "signature",
    "reply_to", "userpic_wrap", "media_wrap", "media_poll", "question", "answer", "text",
}) | _WRAP_KINDS.keys()
#: In a media block, classes that make `_role` do more than note the media's kind.
_NOT_PLAIN_MEDIA = _ROLE_CLASSES - _WRAP_KINDS.keys() - {"details"}


class _Usual:
    """A message of the usual shape as `_read_usual` reads it: its text already in lines,
    its sender and signature already names (what `_post` makes of a `_Message`)."""

    __slots__ = ("number", "line", "joined", "title", "sender", "lines", "links", "tags",
                 "media", "kind", "file", "author")

    def __init__(self, number: int | None, line: int, joined: bool, title: str | None,
                 sender: str | None, lines: tuple[str, ...], links: list[Link],
                 tags: list[str], media: bool, kind: str | None, file: str | None,
                 author: str | None) -> None:  # fmt: skip
        self.number = number
        self.line = line
        self.joined = joined
        self.title = title
        self.sender = sender
        self.lines = lines
        self.links = links
        self.tags = tags
        self.media = media
        self.kind = kind
        self.file = file
        self.author = author


_USERPIC = ("pull_left userpic_wrap", "userpic_wrap")
#: A line break of the page's layout and the indentation after it (dropped from texts).
_LAYOUT_NEWLINE = re.compile("\n[ \t]*")


def _read_usual(root: object, line: int, joined: bool) -> _Usual | None:
    """A message laid out as Telegram lays it out (picture, then a body of date, name,
    media, text, signature, reactions), read by looking at its blocks directly; None when
    anything in it is otherwise, for `_read_message` to walk. Gives what the walk and
    `_post` give: the text in lines, the names with their spaces folded."""
    body = None
    for child in root:  # type: ignore[attr-defined]
        classes = child.get("class")
        if classes == "body" and body is None:
            body = child
        elif classes not in _USERPIC or _holds_message(child):
            return None
    if body is None:
        return None
    title = sender = author = kind = file = None
    media = False
    text = None
    breaks = 0
    links: list[Link] = []
    tags: list[str] = []
    for child in body:
        classes = child.get("class")
        if classes == "pull_right date details":
            written = _attr(child, "title")
            if not written or len(child):
                return None
            if title is None:
                title = written
        elif classes == "from_name" or classes == "signature details":
            if len(child):
                return None
            words = child.text
            if words:
                if _BR_MARK in words:
                    raise HandOver  # a `<br>` that was no tag (in an attribute, a script…)
                if classes == "from_name":
                    sender = words if sender is None else sender + words
                else:
                    author = words if author is None else author + words
        elif classes == "text":
            if text is not None:
                return None  # two texts: each checked apart by the walk
            read = _read_text(child, links, tags)
            if read is None:
                return None
            text, breaks = read
        elif classes == "media_wrap clearfix":
            media = True
            found = _read_media(child, kind, file)
            if found is None:
                return None
            kind, file = found
        elif classes == "reply_to details":
            if _holds_message(child):
                return None
        elif not _plain(child, classes):
            return None
    if text is None:
        text = ""
    elif "\x00" in text:
        return None  # the walk keeps a NUL apart from the page's line breaks
    # the layout's breaks go with the indentation after them, but for the first one
    # (Telegram writes none after it)
    if text[1:2] in (" ", "\t"):
        text = text.removeprefix("\n")
    lines = _LAYOUT_NEWLINE.sub("", text).split(_BR_MARK)
    if len(lines) != breaks + 1:
        raise HandOver  # a `<br>` that was no tag (in an attribute, a script…)
    found_id = MESSAGE_ID.match(root.get("id") or "")  # type: ignore[attr-defined]
    return _Usual(int(found_id["id"]) if found_id else None, line, joined, title,
                  " ".join(sender.split()) or None if sender else None,
                  tuple(lines) if lines != [""] else (), links, tags, media, kind, file,
                  " ".join(author.split()) or None if author else None)


def _words(text: str, words: list[str]) -> None:
    if _BR_MARK in text:
        raise HandOver  # a `<br>` that was no tag (in an attribute, a script…)
    words.append(text)


def _plain(element: object, classes: str | None) -> bool:
    """No role anywhere in this block: its words are dropped, as the walk drops them."""
    if classes and not _ROLE_CLASSES.isdisjoint(classes.split()):
        return False
    for inner in element.iterdescendants():  # type: ignore[attr-defined]
        inner_classes = inner.get("class")
        if inner_classes and not _ROLE_CLASSES.isdisjoint(inner_classes.split()):
            return False
    return True


def _read_media(block: object, kind: str | None, file: str | None
                ) -> tuple[str | None, str | None] | None:  # fmt: skip
    """The kind (and file) of a media block whose inside does nothing but name it, the
    first found (`kind` and `file` so far) kept; None when its inside does more."""
    for inner in block.iterdescendants():  # type: ignore[attr-defined]
        tag = inner.tag
        if tag in VOID:
            continue
        classes = inner.get("class")
        if not classes:
            continue
        names = classes.split()
        if not _NOT_PLAIN_MEDIA.isdisjoint(names) or ("details" in names and len(inner)):
            return None
        if kind is None and (kind := _media_kind(classes)) is not None:
            href = _attr(inner, "href")
            if tag == "a" and href and not href.startswith(("http:", "https:", "tg:")):
                file = href
    return kind, file


def _put(message: _Message, lists: dict[str, list[str]], sink: str, data: str) -> None:
    if sink == "answer":
        if not message.answers:
            message.answers.append([])
        message.answers[-1].append(data)
    else:
        lists[sink].append(data)


def _read_text(element: object, links: list[Link], tags: list[str]
               ) -> tuple[str, int] | None:  # fmt: skip
    """A `.text` block read whole, when nothing in it has a class (so no element inside
    changes where text goes) and no link holds a link: its words in one piece and how many
    `<br>` it holds (returned: the caller checks each is marked), its links and hashtags in
    order. None, having read nothing, otherwise."""
    assert _etree is not None
    anchors = None
    breaks = 0
    for inner in element.iterdescendants():  # type: ignore[attr-defined]
        tag = inner.tag
        if tag == "br":
            breaks += 1
        elif tag in VOID:
            continue
        elif inner.get("class"):
            return None
        elif tag == "a":
            if anchors is None:
                anchors = [inner]
            else:
                anchors.append(inner)
    if anchors is not None:
        for link in anchors:
            if len(link):
                for _ in link.iterdescendants("a"):
                    return None
    text: str = _etree.tostring(element, method="text", encoding=str, with_tail=False)
    if anchors is not None:
        for link in anchors:
            if len(link):
                words = _etree.tostring(link, method="text", encoding=str, with_tail=False)
                words = words.replace(_BR_MARK, "\n")
            else:
                words = link.text or ""
            _close_anchor(links, tags, link, words)
    return text, breaks


def _in_page_notation(words: list[str]) -> list[str]:
    """Words with `<br>` as `_BR_MARK` and layout breaks as `\\n`, as `_Page` keeps them."""
    return ["".join(words).replace("\n", _NL).replace(_BR_MARK, "\n")]


def _role(element: object, tag: str, classes: set[str], message: _Message,
          open_roles: dict[str, int]) -> str | None:  # fmt: skip
    """The role of an element inside a message: `_Page.handle_starttag`'s rules."""
    if tag == "div" and "message" in classes:
        raise HandOver  # a message inside a message
    if open_roles["skip"]:
        return None
    if "details" in classes and (open_roles["forwarded_name"] or open_roles["sender"]):
        return "skip"
    if "date" in classes and "details" in classes and open_roles["forwarded"]:
        return "skip"
    if "date" in classes and "details" in classes and _attr(element, "title"):
        if message.date_title is None:
            message.date_title = _attr(element, "title")
        return "skip"
    if "forwarded" in classes:
        return "forwarded"
    if "from_name" in classes:
        return "forwarded_name" if open_roles["forwarded"] else "sender"
    if "signature" in classes and "details" in classes:
        return "signature"
    if classes & {"reply_to", "userpic_wrap"}:
        return "skip"
    if "media_wrap" in classes:
        message.media = True
        return "media"
    if message.media_kind is None and open_roles["media"] and (
            kind := _media_kind(element.get("class"))) is not None:  # type: ignore[attr-defined]
        message.media_kind = kind
        href = _attr(element, "href")
        if tag == "a" and href and not href.startswith(("http:", "https:", "tg:")):
            message.media_file = href
        return None
    if "media_poll" in classes:
        message.poll = True
        return None
    if "question" in classes and message.poll:
        return "question"
    if "answer" in classes and message.poll:
        message.answers.append([])
        return "answer"
    if "details" in classes and open_roles["media"]:
        return "skip"
    if "text" in classes and not open_roles["media"]:
        return "text"
    if tag == "a" and open_roles["text"] and not open_roles["anchor"]:
        return "anchor"
    return None


def _close_anchor(links: list[Link], tags: list[str], element: object, text: str) -> None:
    onclick = element.get("onclick")  # type: ignore[attr-defined]
    if onclick:
        if _BR_MARK in onclick:
            raise HandOver  # an attribute that held a `<br>` is no longer as written
        if "ShowHashtag(" in onclick:
            tags.append(text.lstrip("#"))
            return
    href = element.get("href")  # type: ignore[attr-defined]
    if href:
        if _BR_MARK in href:
            raise HandOver
        url = _address(href)
        if url is not None:
            links.append(Link(text, url))


def parse(path: Path, warn: Warn, tokenizer: str | None = None) -> Iterator[RawPost]:
    """Posts of one page in page order; service messages (channel created, pinned) skipped.

    `tokenizer` ("lxml" or "stdlib") is for tests and the benchmark; both give one answer.
    When the fast reader hands over midway, html.parser reads the page again from the top
    and the posts already given are checked against its own, not given twice ("lxml-only"
    raises `HandOver` instead, for tests that the fast reader read a page itself)."""
    given: list[tuple[int, int | None]] = []
    if tokenizer == "lxml-only":
        yield from _posts(path, _read_lxml)
        return
    if (tokenizer or TOKENIZER) == "lxml":
        try:
            for post in _posts(path, _read_lxml):
                given.append((post.origin.line, post.message_id))
                yield post
            return
        except HandOver:
            pass
    for index, post in enumerate(_posts(path, _read_stdlib)):
        if index >= len(given):
            yield post
        elif (post.origin.line, post.message_id) != given[index]:  # pragma: no cover
            warn(f"{path}:{post.origin.line}: read differently by lxml and html.parser; "
                 "the posts above may differ from the page")
            given.clear()


def _posts(path: Path,
           read: Callable[[Path], Iterator[tuple[str | None, Sequence[_Message | _Usual]]]]
           ) -> Iterator[RawPost]:  # fmt: skip
    """The page's posts from one reader's messages: senders carried over joined messages."""
    from tui.ingest import IngestError

    previous_sender: str | None = None
    name, folder = str(path), path.parent
    try:
        for channel, messages in read(path):
            for message in messages:
                # a joined message continues the sender above it; at the top of a page
                # (messages2.html) that sender is on the previous page: the channel
                if isinstance(message, _Usual):
                    sender = message.sender or (
                        previous_sender if message.joined else None) or channel
                    previous_sender = sender
                    yield _usual_post(path, name, folder, message, channel, sender)
                    continue
                sender = _name(message.sender) or (
                    previous_sender if message.joined else None
                ) or channel
                previous_sender = sender
                yield _post(path, name, folder, message, channel, sender)
    except UnicodeDecodeError as exc:
        raise IngestError(
            path, not_utf8(exc),
        ) from None
    except OSError as exc:
        raise IngestError(path, f"cannot be read: {exc.strerror or exc}") from None


def _read_stdlib(path: Path) -> Iterator[tuple[str | None, list[_Message]]]:
    """(the channel so far, the messages finished) after each chunk, read by html.parser."""
    page = _Page()
    channel: str | None = None
    with path.open("r", encoding="utf-8-sig", errors="strict", newline=None) as fh:
        while True:
            chunk = fh.read(CHUNK)
            if chunk:
                page.feed(chunk)
            else:
                page.close()
                page._finish()
            if channel is None and page.channel_words:
                channel = _name(page.channel_words)
            done, page.done = page.done, []
            yield channel, done
            if not chunk:
                break


def _stamp(path: Path, title: str | None, number: int | None, line: int
           ) -> tuple[PostDate, str]:  # fmt: skip
    """A message's date and ISO time from its title, or the error naming it."""
    stamp = None if title is None else parse_title(title)
    if stamp is None:
        from tui.ingest import IngestError

        label = f"message {number}" if number is not None else "a message"
        if title is None:
            raise IngestError(path, f"{label} has no date (no .date.details title)", line=line)
        raise IngestError(path, f"{label} has an unreadable date {title!r}", line=line)
    return stamp


def _usual_post(path: Path, name: str, folder: Path, message: _Usual, channel: str | None,
                sender: str | None) -> RawPost:  # fmt: skip
    """`_post` for a message `_read_usual` read (no forward, no poll)."""
    date, iso = _stamp(path, message.title, message.number, message.line)
    return RawPost(
        origin=Origin(name, message.line),
        lines=message.lines,
        source=sender,
        channel=channel,
        media=_media_of(folder, message.kind, message.file) if message.media else None,
        links=tuple(message.links),
        date=date,
        datetime=iso,
        hashtags=tuple(message.tags),
        message_id=message.number,
        sender=sender,
        author=message.author,
    )


def _post(path: Path, name: str, folder: Path, message: _Message, channel: str | None,
          sender: str | None) -> RawPost:  # fmt: skip
    """One message as a raw post; `name` is the page's path as a string, `folder` its
    folder's (where the files it links to are)."""
    date, iso = _stamp(path, message.date_title, message.number, message.line)
    text = _layout_free(message.text)
    if message.poll:
        question = _name(message.question) or ""
        answers = [f"- {(_name(a) or '').removeprefix('- ')}" for a in message.answers]
        text = "\n".join(filter(None, [text, question, *answers]))
    source = _name(message.forwarded) or sender
    return RawPost(
        origin=Origin(name, message.line),
        lines=tuple(text.split("\n")) if text else (),
        source=source,
        channel=channel,
        media=_media(folder, message),
        links=tuple(message.links),
        date=date,
        datetime=iso,
        hashtags=tuple(message.tags),
        message_id=message.number,
        sender=sender,
        author=_name(message.signature),
    )
