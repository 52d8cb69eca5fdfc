"""Telegram Desktop's machine-readable export (`result.json`), of one chat or a whole account.

The file is read once into a string, then walked message by message with `raw_decode`, so
the parsed form of only one message is alive at a time: a 500 MB export costs its text plus
the posts, not a tree of dicts many times its size. Real exports may hold `\\xNN` escapes,
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

from tui.model import Link, Origin, PostDate, RawPost

Warn = Callable[[str], None]

_WS = re.compile(r"[ \t\n\r]*")
# An escaped backslash first, so `\\x41` (a backslash, then "x41") is left alone.
_BAD_ESCAPE = re.compile(rb"\\\\|\\x([0-9A-Fa-f]{2})")
_TOP_KEYS = re.compile(r'^\{\s*"(?:name|type|id|about|personal_information|messages|chats)"\s*:')
_EXPORT_MARKS = re.compile(
    r'"messages"\s*:\s*\[|"chats"\s*:\s*\{|"personal_information"\s*:\s*\{'
)
_SCHEME = re.compile(r"^[a-zA-Z][a-zA-Z0-9+.-]*:")
#: Keys of a message that carry something the export shows beside the text (or instead of it).
_MEDIA_KEYS = (
    "photo", "file", "media_type", "sticker_emoji", "location_information", "place_name",
    "contact_information", "contact_vcard", "game_title", "invoice_information",
)
#: Entity types whose text is an address to keep as a link.
_URL_ENTITIES = {"link", "url"}


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


class _Walker:
    """Just enough of a JSON reader to step through objects and arrays lazily.

    Values the reader does not need (contacts, profile pictures) are decoded and dropped one
    at a time; messages are decoded one at a time by `json`'s own scanner.
    """

    def __init__(self, text: str) -> None:
        self.text = text
        self.pos = 0
        self.decoder = json.JSONDecoder()
        self._line_pos = 0
        self._line = 1

    def line_at(self, pos: int) -> int:
        """The 1-based line of `pos`; positions only move forward, so this stays linear."""
        if pos >= self._line_pos:
            self._line += self.text.count("\n", self._line_pos, pos)
        else:
            self._line = self.text.count("\n", 0, pos) + 1
        self._line_pos = pos
        return self._line

    def skip_ws(self) -> None:
        match = _WS.match(self.text, self.pos)
        assert match is not None
        self.pos = match.end()

    def expect(self, char: str) -> None:
        self.skip_ws()
        if self.text.startswith(char, self.pos):
            self.pos += 1
            return
        found = self.text[self.pos : self.pos + 1] or "end of file"
        raise _ExportError(self.pos, f"expected '{char}', found {found!r}")

    def value(self) -> Any:
        self.skip_ws()
        try:
            obj, self.pos = self.decoder.raw_decode(self.text, self.pos)
        except json.JSONDecodeError as exc:
            raise _ExportError(exc.pos, exc.msg) from None
        return obj

    def peek(self) -> str:
        self.skip_ws()
        return self.text[self.pos : self.pos + 1]

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
            self.skip_ws()
            yield self.pos
            if self.peek() == ",":
                self.pos += 1
                continue
            self.expect("]")
            return


def repair_escapes(data: bytes) -> bytes:
    r"""`\xNN` (not valid JSON) becomes `\u00NN`; an escaped backslash before `x` stays."""
    if b"\\x" not in data:
        return data

    def fix(match: re.Match[bytes]) -> bytes:
        digits = match.group(1)
        return match.group(0) if digits is None else b"\\u00" + digits

    return _BAD_ESCAPE.sub(fix, data)


def _read_text(path: Path) -> str:
    from tui.ingest import IngestError

    try:
        data = path.read_bytes()
    except OSError as exc:
        raise IngestError(path, f"cannot be read: {exc.strerror or exc}") from None
    data = repair_escapes(data)
    try:
        return data.decode("utf-8-sig")
    except UnicodeDecodeError as exc:
        line = data.count(b"\n", 0, exc.start) + 1
        bad = data[exc.start : exc.start + 1].hex()
        raise IngestError(
            path, f"not UTF-8 (byte 0x{bad}); save the file as UTF-8 and open it again", line=line
        ) from None


def parse(path: Path, warn: Warn) -> Iterator[RawPost]:
    """The posts of every chat in the export, in file order (service messages skipped)."""
    from tui.ingest import IngestError

    walker = _Walker(_read_text(path))
    try:
        yield from _chat(walker, path, warn, top=True)
        walker.skip_ws()
        if walker.pos != len(walker.text):
            raise _ExportError(walker.pos, "extra data after the export's closing brace")
    except _ExportError as exc:
        text = walker.text
        if not text[exc.pos :].strip():
            raise IngestError(path, "the file ends in the middle of the export (cut short?)",
                              line=text.rstrip().count("\n") + 1) from None
        line = walker.line_at(min(exc.pos, len(text)))
        column = exc.pos - text.rfind("\n", 0, exc.pos)
        raise IngestError(path, f"not valid JSON at column {column}: {exc.message}",
                          line=line) from None


def _chat(walker: _Walker, path: Path, warn: Warn, top: bool = False) -> Iterator[RawPost]:
    """Posts of one chat object; at the top level also of the chats an account export lists."""
    name: str | None = None
    held: list[RawPost] = []  # posts read before the chat's name (not Telegram's key order)
    for key in walker.keys():
        if key == "name":
            value = walker.value()
            name = value if isinstance(value, str) else None
            if held:
                yield from (replace(post, channel=name, source=post.source or name)
                            for post in held)
                held = []
        elif key == "messages":
            for post in _messages(walker, path, warn, name):
                if name is None:
                    held.append(post)
                else:
                    yield post
        elif top and key in ("chats", "left_chats"):
            for list_key in walker.keys():
                if list_key != "list":
                    walker.value()
                    continue
                for _pos in walker.items():
                    yield from _chat(walker, path, warn)
        else:
            walker.value()
    yield from held


def _messages(walker: _Walker, path: Path, warn: Warn, chat: str | None) -> Iterator[RawPost]:
    from tui.ingest import IngestError

    for number, pos in enumerate(walker.items(), start=1):
        message = walker.value()
        line = walker.line_at(pos)
        if not isinstance(message, dict):
            raise IngestError(path, f"message {number} is not an object", line=line)
        if message.get("type", "message") != "message":
            continue  # service messages: channel created, message pinned, …
        label = f"message {message.get('id', f'#{number}')}"
        try:
            post = _post(message, path, line, chat)
        except ValueError as exc:
            raise IngestError(path, f"{label} {exc}", line=line) from None
        unix = message.get("date_unixtime")
        if unix is not None and post.datetime is not None and len(post.datetime) == 19:
            warn(f"{path}:{line}: {label} has an unusable date_unixtime {unix!r}; its time is "
                 "kept without a UTC offset")
        yield post


def _post(message: dict[str, Any], path: Path, line: int, chat: str | None) -> RawPost:
    """One post from one message; ValueError (completing "message N …") when it is malformed."""
    stamp = message.get("date")
    if not isinstance(stamp, str):
        raise ValueError("has no 'date'")
    try:
        local = datetime.fromisoformat(stamp)
    except ValueError:
        raise ValueError(f"has an unreadable date {stamp!r}") from None
    iso = local.isoformat(timespec="seconds")
    unix = message.get("date_unixtime")
    if unix is not None and local.tzinfo is None:
        iso += _offset(local, unix)

    text, entities = _text_and_entities(message)
    tags: tuple[str, ...] | None = None
    links: list[Link] = []
    if entities is not None:
        tags = tuple(e["text"].lstrip("#") for e in entities if e.get("type") == "hashtag")
        for entity in entities:
            kind = entity.get("type")
            if kind == "text_link" and isinstance(entity.get("href"), str):
                links.append(Link(entity["text"], entity["href"]))
            elif kind in _URL_ENTITIES:
                address = entity["text"]
                url = address if _SCHEME.match(address) else "https://" + address
                links.append(Link(address, url))

    poll = message.get("poll")
    if isinstance(poll, dict):
        text = "\n".join(filter(None, (text, _poll_text(poll))))

    forwarded = message.get("forwarded_from")
    sender = message.get("from")
    source = next((s for s in (forwarded, sender, chat) if isinstance(s, str) and s), None)
    has_media = any(key in message for key in _MEDIA_KEYS)
    message_id = message.get("id")
    return RawPost(
        origin=Origin(str(path), line),
        lines=tuple(text.split("\n")) if text else (),
        source=source,
        channel=chat,
        has_media=has_media,
        links=tuple(links),
        date=PostDate(local.year, local.month, local.day),
        datetime=iso,
        hashtags=tags,
        message_id=message_id if isinstance(message_id, int) else None,
    )


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


def _text_and_entities(message: dict[str, Any]) -> tuple[str, list[dict[str, Any]] | None]:
    """The plain text and its entities; entities None when an old export gave a bare string."""
    raw = message.get("text", "")
    entities = message.get("text_entities")
    if isinstance(raw, list):
        parts = [
            {"type": "plain", "text": part} if isinstance(part, str) else part
            for part in raw
        ]
        parts = [p for p in parts if isinstance(p, dict) and isinstance(p.get("text"), str)]
        if not isinstance(entities, list):
            entities = parts
        return "".join(p["text"] for p in parts), _valid_entities(entities)
    if not isinstance(raw, str):
        raise ValueError(f"has a 'text' that is neither text nor a list ({type(raw).__name__})")
    if isinstance(entities, list):
        return raw, _valid_entities(entities)
    return raw, None


def _valid_entities(entities: list[Any]) -> list[dict[str, Any]]:
    return [e for e in entities if isinstance(e, dict) and isinstance(e.get("text"), str)]


def _poll_text(poll: dict[str, Any]) -> str:
    """A poll as a reader sees it: the question, then `- answer` lines."""
    lines = [str(poll.get("question") or "").strip()]
    for answer in poll.get("answers") or ():
        if isinstance(answer, dict) and answer.get("text"):
            lines.append(f"- {answer['text']}")
    return "\n".join(line for line in lines if line)
