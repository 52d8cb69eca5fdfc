"""Telegram Desktop's machine-readable export (`result.json`), of one chat or a whole account.

The file is streamed a few MB at a time and walked message by message with `raw_decode`, so
only a window of its text and the parsed form of one message are alive at a time: a 500 MB
export costs a few MB plus the posts, not its whole text (4 bytes a character once it holds
one emoji) nor a tree of dicts many times its size. Real exports may hold `\\xNN` escapes,
which JSON forbids; they are repaired to `\\u00NN` before decoding.
"""

from __future__ import annotations

import json
import re
from collections.abc import Callable, Iterator
from dataclasses import replace
from datetime import UTC, datetime, timedelta
from pathlib import Path
from typing import Any

from tui.model import Link, Media, Origin, PostDate, RawPost
from tui.wording import not_utf8

Warn = Callable[[str], None]

_WS = re.compile(r"[ \t\n\r]*")
# An escaped backslash first, so `\\x41` (a backslash, then "x41") is left alone.
_BAD_ESCAPE = re.compile(rb"\\\\|\\x([0-9A-Fa-f]{2})")
_TOP_KEYS = re.compile(r'^\{\s*"(?:name|type|id|about|personal_information|messages|chats)"\s*:')
_EXPORT_MARKS = re.compile(
    r'"messages"\s*:\s*\[|"chats"\s*:\s*\{|"personal_information"\s*:\s*\{'
)
_SCHEME = re.compile(r"^[a-zA-Z][a-zA-Z0-9+.-]*:")
#: Keys of a message that carry something the export shows beside the text (or instead of
#: it), and the kind of media each means when the export gives no `media_type`.
_MEDIA_KINDS = {
    "photo": "photo", "file": "file", "media_type": "file", "sticker_emoji": "sticker",
    "location_information": "location", "place_name": "location",
    "contact_information": "contact", "contact_vcard": "contact", "game_title": "game",
    "invoice_information": "invoice",
}
_MEDIA_KEYS = tuple(_MEDIA_KINDS)
def _web_address(text: str) -> str:
    """`bing.com` -> `https://bing.com`; an address with a scheme stays as written."""
    return text if _SCHEME.match(text) else "https://" + text


#: Entity types whose text is an address, and the link each makes (as the HTML export
#: writes it: `@name` is `https://t.me/name`, an e-mail address `mailto:`, a number `tel:`).
_ADDRESS_ENTITIES: dict[str, Callable[[str], str]] = {
    "link": _web_address,
    "url": _web_address,
    "mention": lambda text: "https://t.me/" + text.lstrip("@"),
    "email": lambda text: "mailto:" + text,
    "phone": lambda text: "tel:" + text,
}


def looks_like(head: str) -> bool:
    """A JSON object opening with an export's keys and holding messages or chats."""
    head = head.lstrip()
    return bool(_TOP_KEYS.match(head)) and bool(_EXPORT_MARKS.search(head))


class _ExportError(Exception):
    """A structural problem found at a character offset; turned into an IngestError."""

    def __init__(self, pos: int, message: str) -> None:
        super().__init__(message)
        self.pos = pos
        self.message = message


KEEP_CHARS = 1 << 20  # characters _Walker consumes before it trims its window


class _Walker:
    """Just enough of a JSON reader to step through objects and arrays lazily.

    It reads the file as a stream of text chunks and keeps only a window of it: what it has
    not consumed yet plus the element being read. Values the reader does not need (contacts,
    profile pictures) are decoded and dropped one at a time; messages are decoded one at a
    time by `json`'s own scanner. Positions (`pos`) count characters from the file's start.
    """


    def __init__(self, chunks: Iterator[str]) -> None:
        self._chunks = chunks
        self.buf = ""
        self.base = 0  # file position of buf[0]
        self.pos = 0
        self.eof = False
        self.decoder = json.JSONDecoder(parse_int=_parse_int)
        self._line_pos = 0
        self._line = 1

    # -- the window ------------------------------------------------------------------------
    def _more(self) -> bool:
        """Append the next chunk; False at the end of the file."""
        if self.eof:
            return False
        chunk = next(self._chunks, None)
        if chunk is None:
            self.eof = True
            return False
        self.buf += chunk
        return True

    def _grow(self) -> bool:
        """Read on until the window holds twice the text from the cursor on (or the file
        ends): a value many chunks long is then decoded a few times, not once per chunk."""
        target = 2 * (len(self.buf) - self._rel())
        grew = False
        while self._more():
            grew = True
            if len(self.buf) - self._rel() >= target:
                break
        return grew

    def _rel(self) -> int:
        return self.pos - self.base

    def trim(self) -> None:
        """Forget text before the cursor (called between elements, never inside one)."""
        cut = self._rel()
        if cut < KEEP_CHARS:
            return
        self.line_at(self.pos)  # count the lines being dropped first
        self.buf = self.buf[cut:]
        self.base += cut

    def line_at(self, pos: int) -> int:
        """The 1-based line of `pos` (at or after the window's start). Counting goes on from
        the last position asked about, so asking in file order stays linear."""
        if pos >= self._line_pos:
            self._line += self.buf.count("\n", self._line_pos - self.base, pos - self.base)
            self._line_pos = pos
            return self._line
        return self._line - self.buf.count("\n", pos - self.base, self._line_pos - self.base)

    def column_at(self, pos: int) -> int:
        rel = min(pos - self.base, len(self.buf))
        return rel - self.buf.rfind("\n", 0, rel)

    def rest_is_blank(self, pos: int) -> bool:
        while self._more():
            pass
        return not self.buf[pos - self.base :].strip()

    def at_end(self) -> bool:
        self.skip_ws()
        return self._rel() >= len(self.buf) and not self._more()

    # -- reading ---------------------------------------------------------------------------
    def skip_ws(self) -> None:
        while True:
            match = _WS.match(self.buf, self._rel())
            assert match is not None
            self.pos = self.base + match.end()
            if match.end() < len(self.buf) or not self._more():
                return

    def expect(self, char: str) -> None:
        self.skip_ws()
        if self.buf.startswith(char, self._rel()):
            self.pos += 1
            return
        found = self.buf[self._rel() : self._rel() + 1] or "end of file"
        raise _ExportError(self.pos, f"expected '{char}', found {found!r}")

    def value(self) -> Any:
        """The value at the cursor, decoded; `_TooDeep` (cursor unmoved) when it nests deeper
        than the decoder's recursion allows."""
        self.skip_ws()
        while True:
            try:
                obj, end = self.decoder.raw_decode(self.buf, self._rel())
            except RecursionError:
                raise _TooDeep(self.pos) from None
            except json.JSONDecodeError as exc:
                if self._grow():
                    continue  # the value runs past the window: read on and try again
                raise _ExportError(self.base + exc.pos, exc.msg) from None
            if end >= len(self.buf) and self._more():
                continue  # a number or literal may go on in the next chunk
            self.pos = self.base + end
            return obj

    def discard(self) -> None:
        """Step over the value at the cursor, however deeply it nests."""
        try:
            self.value()
        except _TooDeep:
            self.skip_nested()

    def skip_nested(self) -> None:
        """Step over the array or object at the cursor without decoding it: brackets are
        counted and strings stepped over, so nesting depth costs nothing but the count."""
        self.skip_ws()
        depth = 0
        rel = self._rel()
        while True:
            match = _NESTING.search(self.buf, rel)
            if match is None:
                if not self._more():
                    raise _ExportError(self.base + len(self.buf), "unexpected end of data")
                continue
            token = match.group()
            if token.startswith('"'):
                if match.group(1) is None:  # the string runs on past the window
                    if not self._more():
                        raise _ExportError(self.base + match.start(), "unterminated string")
                    continue
            elif token in "[{":
                depth += 1
            else:
                depth -= 1
            rel = match.end()
            if depth <= 0:
                self.pos = self.base + rel
                return

    def peek(self) -> str:
        self.skip_ws()
        return self.buf[self._rel() : self._rel() + 1]

    def keys(self) -> Iterator[str]:
        """The keys of the object at the cursor; the caller consumes each value."""
        self.expect("{")
        if self.peek() == "}":
            self.pos += 1
            return
        while True:
            key = self.value()
            if not isinstance(key, str):
                raise _ExportError(self.pos, "expected a key")
            self.expect(":")
            yield key
            self.skip_ws()
            if self.peek() == ",":
                self.pos += 1
                continue
            self.expect("}")
            return

    def items(self) -> Iterator[int]:
        """Positions of the elements of the array at the cursor; the caller consumes each."""
        self.expect("[")
        if self.peek() == "]":
            self.pos += 1
            return
        while True:
            self.trim()  # before the blanks: the window then starts at the last token read
            self.skip_ws()
            yield self.pos
            if self.peek() == ",":
                self.pos += 1
                continue
            self.expect("]")
            return


class _TooDeep(Exception):
    """A value nested deeper than `json` can decode; the cursor is left before it."""

    def __init__(self, pos: int) -> None:
        super().__init__(pos)
        self.pos = pos


#: A bracket, or a whole string (escapes included): what `skip_nested` steps through.
_NESTING = re.compile(r'[\[\]{}]|"[^"\\]*(?:\\.[^"\\]*)*(")?', re.DOTALL)
#: Longer integers than any id or count: kept as a float (inf) rather than hitting Python's
#: limit on converting long digit strings.
_INT_DIGITS = 64


def _parse_int(digits: str) -> int | float:
    return int(digits) if len(digits) <= _INT_DIGITS else float(digits)


def repair_escapes(data: bytes) -> bytes:
    r"""`\xNN` (not valid JSON) becomes `\u00NN`; an escaped backslash before `x` stays."""
    if b"\\x" not in data:
        return data

    def fix(match: re.Match[bytes]) -> bytes:
        digits = match.group(1)
        return match.group(0) if digits is None else b"\\u00" + digits

    return _BAD_ESCAPE.sub(fix, data)


CHUNK_BYTES = 1 << 22


def _escape_safe_cut(data: bytes) -> int:
    """Where `data` can be cut without splitting an escape: before the last backslash when it
    is within four bytes of the end and escapes what follows (an odd run of backslashes), so
    the run's pairs and a `\\xNN` stay whole; else at the end. Linear in the run, never in the
    data (looking back byte by byte from the end took minutes on a string of `\\n`s)."""
    last = data.rfind(b"\\", max(0, len(data) - 4))
    if last < 0:
        return len(data)
    head = data[: last + 1]
    run = len(head) - len(head.rstrip(b"\\"))  # the run of backslashes ending at `last`
    return last if run % 2 else len(data)


def _read_chunks(path: Path) -> Iterator[str]:
    """The file as text, a few MB at a time, with `\\xNN` escapes repaired.

    A chunk never ends within four bytes after a backslash, so no escape (nor a run of
    escaped backslashes) is split between two chunks and each can be repaired on its own.
    """
    import codecs

    from tui.ingest import IngestError

    decoder = codecs.getincrementaldecoder("utf-8-sig")()
    lines_before = 0
    carry = b""
    try:
        with path.open("rb") as fh:
            while True:
                block = fh.read(CHUNK_BYTES)
                data = carry + block
                if block:
                    cut = _escape_safe_cut(data)
                    if cut == 0:
                        carry = data  # all escapes so far: read on before repairing
                        continue
                    data, carry = data[:cut], data[cut:]
                else:
                    carry = b""
                try:
                    text = decoder.decode(repair_escapes(data), final=not block)
                except UnicodeDecodeError as exc:
                    line = lines_before + exc.object.count(b"\n", 0, exc.start) + 1
                    raise IngestError(
                        path, not_utf8(exc), line=line,
                    ) from None
                lines_before += data.count(b"\n")
                if text:
                    yield text
                if not block:
                    return
    except OSError as exc:
        raise IngestError(path, f"cannot be read: {exc.strerror or exc}") from None


def parse(path: Path, warn: Warn) -> Iterator[RawPost]:
    """The posts of every chat in the export, in file order (service messages skipped)."""
    from tui.ingest import IngestError

    walker = _Walker(_read_chunks(path))
    try:
        yield from _chat(walker, path, warn, top=True)
        if not walker.at_end():
            raise _ExportError(walker.pos, "extra data after the export's closing brace")
    except _ExportError as exc:
        pos = max(exc.pos, walker.base)
        if walker.rest_is_blank(pos):
            last = walker.base + len(walker.buf.rstrip())
            raise IngestError(path, "the file ends in the middle of the export (cut short?)",
                              line=walker.line_at(last)) from None
        line = walker.line_at(pos)
        column = walker.column_at(pos)
        raise IngestError(path, f"not valid JSON at column {column}: {exc.message}",
                          line=line) from None


def _chat(walker: _Walker, path: Path, warn: Warn, top: bool = False) -> Iterator[RawPost]:
    """Posts of one chat object; at the top level also of the chats an account export lists.

    Every post carries its chat's name and id, which Telegram writes before the messages; a
    file that writes them after has its posts held back until they are known.
    """
    chat = _ChatFacts()
    held: list[RawPost] = []
    for key in walker.keys():
        if key in ("name", "id"):
            value = _shallow_value(walker)
            if key == "name":
                chat.name = _scrub(value) if isinstance(value, str) else None
                chat.named = True
            elif isinstance(value, int) and not isinstance(value, bool):
                chat.id = str(value)
            if held and chat.complete:
                yield from (chat.fill(post) for post in held)
                held = []
        elif key == "messages":
            for post in _messages(walker, path, warn):
                if chat.complete:
                    yield chat.fill(post)
                else:
                    held.append(post)
        elif top and key in ("chats", "left_chats"):
            for list_key in walker.keys():
                if list_key != "list":
                    walker.discard()
                    continue
                for _pos in walker.items():
                    yield from _chat(walker, path, warn)
        else:
            walker.discard()
    yield from (chat.fill(post) for post in held)


class _ChatFacts:
    """What a chat object says about itself: its title and numeric id."""

    def __init__(self) -> None:
        self.name: str | None = None
        self.named = False
        self.id: str | None = None

    @property
    def complete(self) -> bool:
        return self.named and self.id is not None

    def fill(self, post: RawPost) -> RawPost:
        return replace(post, channel=self.name, source=post.source or self.name, chat=self.id)


def _shallow_value(walker: _Walker) -> Any:
    """The value at the cursor, or None (and the value stepped over) when it nests too deep."""
    try:
        return walker.value()
    except _TooDeep:
        walker.skip_nested()
        return None


def _message_object(walker: _Walker, skipped: list[str]) -> Any:
    """The message at the cursor; when it nests too deep for `json`, its fields one by one,
    the too-deep ones stepped over and named in `skipped`."""
    try:
        return walker.value()
    except _TooDeep:
        pass
    if walker.peek() != "{":
        walker.skip_nested()
        return None
    message: dict[str, Any] = {}
    for key in walker.keys():
        try:
            message[key] = walker.value()
        except _TooDeep:
            walker.skip_nested()
            skipped.append(f"{_field_name(key)} (nested too deep)")
    return message


def _messages(walker: _Walker, path: Path, warn: Warn) -> Iterator[RawPost]:
    from tui.ingest import IngestError

    for number, pos in enumerate(walker.items(), start=1):
        skipped: list[str] = []
        message = _message_object(walker, skipped)
        line = walker.line_at(pos)
        if not isinstance(message, dict):
            raise IngestError(path, f"message {number} is not an object", line=line)
        if message.get("type", "message") != "message":
            continue  # service messages: channel created, message pinned, …
        message_id = _message_id(message.get("id"))
        label = f"message {message_id if message_id is not None else f'#{number}'}"
        try:
            post = _post(message, path, line, skipped)
        except ValueError as exc:
            raise IngestError(path, f"{label} {exc}", line=line) from None
        if skipped:
            warn(f"{path}:{line}: {label}: skipped {len(skipped)} field(s) of an unexpected "
                 f"type, its text kept: {', '.join(skipped[:5])}"
                 + (" …" if len(skipped) > 5 else ""))
        if _has_surrogate(message):
            warn(f"{path}:{line}: {label}: its text holds a lone surrogate escape (\\ud800 "
                 "to \\udfff, not a character); shown as U+FFFD")
        unix = message.get("date_unixtime")
        if unix is not None and post.datetime is not None and len(post.datetime) == 19:
            warn(f"{path}:{line}: {label} has an unusable date_unixtime {_short(unix)}; its "
                 "time is kept without a UTC offset")
        yield post


def _short(value: object) -> str:
    """A value as a warning quotes it: its repr, cut to a readable length."""
    text = repr(value) if not isinstance(value, float) else "a number too long to read"
    return text if len(text) <= 40 else text[:39] + "…"


def _field_name(key: str) -> str:
    return _short(key) if len(key) > 40 or not key.isprintable() else key


#: Message ids are positive and fit SQLite's 64-bit integers; anything else is no id.
_MAX_ID = (1 << 63) - 1


def _message_id(value: object) -> int | None:
    if isinstance(value, int) and not isinstance(value, bool) and 0 <= value <= _MAX_ID:
        return value
    return None


_SURROGATE = re.compile("[\ud800-\udfff]")


def _scrub(text: str) -> str:
    """Text with lone surrogates (a `\\ud800` escape without its pair, which no file can
    hold) shown as U+FFFD, the replacement character."""
    return _SURROGATE.sub("\ufffd", text) if _SURROGATE.search(text) else text


def _has_surrogate(message: dict[str, Any]) -> bool:
    """Does the message's text hold a lone surrogate (then shown as U+FFFD)?"""
    text = message.get("text")
    parts = text if isinstance(text, list) else [text]
    for part in parts:
        value = part.get("text") if isinstance(part, dict) else part
        if isinstance(value, str) and _SURROGATE.search(value):
            return True
    return False


def _post(message: dict[str, Any], path: Path, line: int, skipped: list[str]) -> RawPost:
    """One post from one message; ValueError (completing "message N …") when it is malformed.
    Fields of an unexpected type are left out and named in `skipped`."""
    stamp = message.get("date")
    if not isinstance(stamp, str):
        raise ValueError("has no 'date'")
    try:
        local = datetime.fromisoformat(stamp)
    except ValueError:
        raise ValueError(f"has an unreadable date {_short(stamp)}") from None
    iso = local.isoformat(timespec="seconds")
    unix = message.get("date_unixtime")
    if unix is not None and local.tzinfo is None:
        iso += _offset(local, unix)

    text, entities = _text_and_entities(message, skipped)
    tags: tuple[str, ...] | None = None
    links: list[Link] = []
    if entities is not None:
        tags = tuple(e["text"].lstrip("#") for e in entities if e["type"] == "hashtag")
        for entity in entities:
            kind = entity["type"]
            href = entity.get("href")
            if kind == "text_link" and isinstance(href, str):
                links.append(Link(entity["text"], href))
            elif kind == "text_link" and href is not None:
                skipped.append(f"text_entities.href ({type(href).__name__})")
            elif kind in _ADDRESS_ENTITIES:
                links.append(Link(entity["text"], _ADDRESS_ENTITIES[kind](entity["text"])))

    poll = message.get("poll")
    if isinstance(poll, dict):
        text = "\n".join(filter(None, (text, _poll_text(poll, skipped))))
    elif poll is not None:
        skipped.append(f"poll ({type(poll).__name__})")

    forwarded = message.get("forwarded_from")
    sender = _text_field(message, "from")
    for key, value in (("forwarded_from", forwarded), ("from", message.get("from"))):
        if value is not None and not isinstance(value, str):
            skipped.append(f"{key} ({type(value).__name__})")
    source = next((s for s in (forwarded, sender) if isinstance(s, str) and s), None)
    message_id = _message_id(message.get("id"))
    if message_id is None and "id" in message:
        skipped.append(f"id ({_short(message['id'])})")
    return RawPost(
        origin=Origin(str(path), line),
        lines=tuple(_scrub(text).split("\n")) if text else (),
        source=_scrub(source) if source else source,
        media=_media(message, path.parent),
        links=tuple(Link(_scrub(link.text), _scrub(link.url)) if link.url else link
                    for link in links),
        date=PostDate(local.year, local.month, local.day),
        datetime=iso,
        hashtags=tuple(_scrub(tag) for tag in tags) if tags is not None else None,
        message_id=message_id,
        sender=sender,
        author=_text_field(message, "author"),
    )


def _text_field(message: dict[str, Any], key: str) -> str | None:
    value = message.get(key)
    return _scrub(value) if isinstance(value, str) and value else None


def _media(message: dict[str, Any], folder: Path) -> Media | None:
    """What the message carries besides text, and whether its file is in the export folder.

    The export names the file relative to its own folder, or says in words that it was left
    out (`(File not included. …)`): then there is no file to look for.
    """
    kind = _text_field(message, "media_type")
    if kind is None:
        kind = next((_MEDIA_KINDS[key] for key in _MEDIA_KEYS if key in message), None)
    if kind is None:
        return None
    named = _text_field(message, "photo") or _text_field(message, "file")
    if named is None or named.startswith("("):
        return Media(kind)
    try:
        present = (folder / named).is_file()
    except (OSError, ValueError):  # a name no file system accepts (a NUL, too long)
        present = False
    return Media(kind, named, present)


def _offset(local: datetime, unix: object) -> str:
    """The exporter's UTC offset, `+03:00`, from its local time and the Unix time; '' if odd."""
    try:
        utc = datetime.fromtimestamp(int(str(unix)), UTC).replace(tzinfo=None)
    except (ValueError, OverflowError, OSError):
        return ""
    minutes = round((local - utc) / timedelta(minutes=1))
    if abs(minutes) > 14 * 60:
        return ""
    sign = "+" if minutes >= 0 else "-"
    return f"{sign}{abs(minutes) // 60:02d}:{abs(minutes) % 60:02d}"


def _text_and_entities(
    message: dict[str, Any], skipped: list[str]
) -> tuple[str, list[dict[str, Any]] | None]:
    """The plain text and its entities; entities None when an old export gave a bare string.
    Every entity returned has a string `text` and a string `type`."""
    raw = message.get("text", "")
    entities = message.get("text_entities")
    if entities is not None and not isinstance(entities, list):
        skipped.append(f"text_entities ({type(entities).__name__})")
        entities = None
    if isinstance(raw, list):
        parts = [
            {"type": "plain", "text": part} if isinstance(part, str) else part
            for part in raw
        ]
        parts = _valid_entities(parts, "text", skipped)
        if entities is None:
            return "".join(p["text"] for p in parts), parts
        return "".join(p["text"] for p in parts), _valid_entities(
            entities, "text_entities", skipped
        )
    if not isinstance(raw, str):
        skipped.append(f"text ({type(raw).__name__})")
        if entities is None:
            return "", None
        valid = _valid_entities(entities, "text_entities", skipped)
        return "".join(e["text"] for e in valid), valid
    if entities is not None:
        return raw, _valid_entities(entities, "text_entities", skipped)
    return raw, None


def _valid_entities(
    entities: list[Any], field: str, skipped: list[str] | None = None
) -> list[dict[str, Any]]:
    """The entities with a string `text`; a `type` that is not a string reads as plain text.
    Whatever is dropped or changed is named in `skipped` (when given)."""
    valid: list[dict[str, Any]] = []
    for entity in entities:
        if not isinstance(entity, dict) or not isinstance(entity.get("text"), str):
            if skipped is not None:
                bad = entity.get("text") if isinstance(entity, dict) else entity
                skipped.append(f"{field} part ({type(bad).__name__})")
            continue
        kind = entity.get("type", "plain")
        if not isinstance(kind, str):
            if skipped is not None:
                skipped.append(f"{field} type ({type(kind).__name__})")
            entity = {**entity, "type": "plain"}
        elif "type" not in entity:
            entity = {**entity, "type": "plain"}
        valid.append(entity)
    return valid


def _poll_text(poll: dict[str, Any], skipped: list[str]) -> str:
    """A poll as a reader sees it: the question, then `- answer` lines."""
    question = poll.get("question")
    if question is not None and not isinstance(question, str):
        skipped.append(f"poll.question ({type(question).__name__})")
        question = None
    lines = [(question or "").strip()]
    answers = poll.get("answers")
    if answers is not None and not isinstance(answers, list):
        skipped.append(f"poll.answers ({type(answers).__name__})")
        answers = None
    for answer in answers or ():
        text = answer.get("text") if isinstance(answer, dict) else answer
        if isinstance(text, str):
            if text:
                lines.append(f"- {text}")
        elif text is not None:
            skipped.append(f"poll.answers part ({type(text).__name__})")
    return "\n".join(line for line in lines if line)
