"""Telegram Desktop's HTML export: `messages.html`, `messages2.html`, … of one chat.

Read with the standard library's `html.parser`, fed in chunks, so a large page never sits in
memory as a tree. Telegram writes each text between a line break after `<div class="text">`
and an indented line before `</div>`, and every line break of the post as `<br>`; only the
`<br>`s are the post's own, so the text comes back exactly as it was written.
"""

from __future__ import annotations

import re
from collections.abc import Callable, Iterator
from dataclasses import dataclass, field
from html.parser import HTMLParser
from pathlib import Path

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


def looks_like(head: str) -> bool:
    """A page of a chat: Telegram's page header and message history blocks."""
    lowered = head.lower()
    return (
        "<html" in lowered
        and 'class="page_header"' in head
        and 'class="history"' in head
    )


def parse_title(title: str) -> tuple[PostDate, str] | None:
    """`15.09.2022 07:58:12 UTC+03:00` (day first, always) -> date and ISO 8601 time."""
    m = TITLE.match(title.strip())
    if m is None:
        return None
    day, month, year = int(m["d"]), int(m["m"]), int(m["y"])
    hour, minute, second = int(m["H"]), int(m["M"]), int(m["S"] or 0)
    import calendar

    if not (1 <= month <= 12 and 1 <= day <= calendar.monthrange(year, month)[1]):
        return None
    if hour > 23 or minute > 59 or second > 59:
        return None
    iso = f"{year:04d}-{month:02d}-{day:02d}T{hour:02d}:{minute:02d}:{second:02d}"
    if m["oh"] is not None:
        hours = int(m["oh"])
        sign = "-" if m["oh"].startswith("-") else "+"
        iso += f"{sign}{abs(hours):02d}:{int(m['om'] or 0):02d}"
    return PostDate(year, month, day), iso


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

    def __init__(self, path: Path) -> None:
        super().__init__(convert_charrefs=True)
        self.path = path
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
              and _media_kind(classes) is not None):
            self.message.media_kind = _media_kind(classes)
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


def _media_kind(classes: set[str]) -> str | None:
    for name in classes:
        kind = _WRAP_KINDS.get(name)
        if kind is not None:
            return kind
    return None


def _media(path: Path, message: _Message) -> Media | None:
    """The message's media, with whether the file it links to is in the export folder."""
    if not message.media or message.poll:
        return None
    kind = message.media_kind or "media"
    named = message.media_file
    if not named:
        return Media(kind)
    try:
        present = (path.parent / named).is_file()
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
    raw = "".join(words)
    raw = raw.removeprefix(_NL)
    raw = re.sub(f"{_NL}[ \t]*", "", raw)
    return raw.replace(_NUL, "\x00") if "\x00" in raw else raw


def _unmark(text: str, layout_break: str) -> str:
    """Collected text with the page's line breaks as `layout_break` and NULs restored."""
    if "\x00" not in text:
        return text
    return text.replace(_NL, layout_break).replace(_NUL, "\x00")


def _name(words: list[str]) -> str | None:
    name = " ".join(_unmark("".join(words), " ").split())
    return name or None


def parse(path: Path, warn: Warn) -> Iterator[RawPost]:
    """Posts of one page in page order; service messages (channel created, pinned) skipped."""
    from tui.ingest import IngestError

    page = _Page(path)
    previous_sender: str | None = None
    channel: str | None = None
    try:
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
                for message in page.done:
                    # a joined message continues the sender above it; at the top of a page
                    # (messages2.html) that sender is on the previous page: the channel
                    sender = _name(message.sender) or (
                        previous_sender if message.joined else None
                    ) or channel
                    previous_sender = sender
                    yield _post(path, message, channel, sender)
                page.done.clear()
                if not chunk:
                    break
    except UnicodeDecodeError as exc:
        raise IngestError(
            path, not_utf8(exc),
        ) from None
    except OSError as exc:
        raise IngestError(path, f"cannot be read: {exc.strerror or exc}") from None


def _post(path: Path, message: _Message, channel: str | None, sender: str | None) -> RawPost:
    from tui.ingest import IngestError

    label = f"message {message.number}" if message.number is not None else "a message"
    if message.date_title is None:
        raise IngestError(path, f"{label} has no date (no .date.details title)",
                          line=message.line)
    stamp = parse_title(message.date_title)
    if stamp is None:
        raise IngestError(path, f"{label} has an unreadable date {message.date_title!r}",
                          line=message.line)
    date, iso = stamp
    text = _layout_free(message.text)
    if message.poll:
        question = _name(message.question) or ""
        answers = [f"- {(_name(a) or '').removeprefix('- ')}" for a in message.answers]
        text = "\n".join(filter(None, [text, question, *answers]))
    source = _name(message.forwarded) or sender
    return RawPost(
        origin=Origin(str(path), message.line),
        lines=tuple(text.split("\n")) if text else (),
        source=source,
        channel=channel,
        media=_media(path, message),
        links=tuple(message.links),
        date=date,
        datetime=iso,
        hashtags=tuple(message.tags),
        message_id=message.number,
        sender=sender,
        author=_name(message.signature),
    )
