"""A channel's web preview page, `https://t.me/s/<channel>`, saved or fetched.

The page is the source itself: every post once, with its message id (`data-post`), its exact
time (`<time datetime>`), its author signature, forwarded-from name, views, media and the
`?before=` link to older posts. It is read with a real HTML parser: lxml's
streaming parser (libxml2), which tokenizes real pages about fifteen times faster than the
standard library's html.parser (tests/bench/bench_tme_page.py); html.parser stands in where
lxml cannot be installed, and gives the same posts. Both are linear in their input.

Text first, media as a flag: whatever markup a post's text holds (known or not), its words
are kept; `<br>` is a line break, `<a href>` a link, entities are decoded. A hand copy of the
same page drops its `Media is too big` / `VIEW IN TELEGRAM` lines and keeps `Read in full` only
as a link (tui/ingest/webcopy.py); this parser does the same, so a page's post and its hand
copy have one text and merge into one post.

`read_page` gives everything a page says (the fetcher decides from it where to go next);
`parse` turns a saved page into raw posts for the load path.
"""

from __future__ import annotations

import base64
import binascii
import json
import re
from collections.abc import Callable, Iterator
from dataclasses import dataclass, field, replace
from html.parser import HTMLParser
from pathlib import Path

from tui.ingest.webcopy import READ_IN_FULL
from tui.model import Link, Media, Origin, PostDate, RawPost
from tui.wording import not_utf8

#: What a class on a post's markup says about its media (text first: media is only a flag).
MEDIA_CLASSES = {
    "tgme_widget_message_photo_wrap": "photo",
    "tgme_widget_message_video_player": "video",
    "tgme_widget_message_roundvideo_player": "video",
    "tgme_widget_message_voice_player": "voice",
    "tgme_widget_message_voice": "voice",
    "tgme_widget_message_document_wrap": "document",
    "tgme_widget_message_poll": "poll",
    "tgme_widget_message_sticker_wrap": "sticker",
    "tgme_widget_message_sticker": "sticker",
    "tgme_widget_message_location_wrap": "location",
}

#: The notice a page shows instead of a video it will not serve; a hand copy keeps it as the
#: `Media is too big` line.
TOO_BIG = "media is too big"

#: Parts of a post whose words are not the post's text: a reply's quote of another message,
#: a link preview (the linked site's title and description), a poll's own block (read apart).
_NOT_TEXT = {
    "tgme_widget_message_reply",
    "tgme_widget_message_link_preview",
    "tgme_widget_message_poll",
}

#: Parts of a post whose words are kept apart from its text, and the field they go to.
_POST_CAPTURES = {
    "tgme_widget_message_forwarded_from_name": "forwarded",
    "tgme_widget_message_from_author": "author",
    "tgme_widget_message_views": "views",
    "message_media_not_supported_label": "notice",
    "tgme_widget_message_poll_question": "poll_question",
    "tgme_widget_message_poll_option_text": "poll_option",
}
_MEDIA = set(MEDIA_CLASSES)
#: Every class the reader acts on; an element with none of them is skipped at once.
_KNOWN = _MEDIA | _NOT_TEXT | _POST_CAPTURES.keys() | {
    "tgme_widget_message", "tgme_widget_message_text", "tme_messages_more", "tgme_channel_info",
    "tgme_channel_history", "tgme_channel_info_header_title",
    "tgme_channel_info_header_username", "tgme_page", "tgme_page_title",
    "tgme_page_context_link",
}  # fmt: skip

_VOID = {"area", "base", "br", "col", "embed", "hr", "img", "input", "link", "meta", "source",
         "track", "wbr"}  # fmt: skip
#: Stands for `<br>` while a post's text is gathered, so that newlines of the markup itself
#: (a pretty-printed page has them inside sentences) can be told from line breaks.
_BR = "\x00"
_FORMATTING_BREAK = re.compile(r"[ \t\r\f]*\n\s*")
_DATA_POST = re.compile(r"^(?P<name>[A-Za-z0-9_]{1,64})/(?P<id>\d{1,12})$")
#: A post id in `data-before`: ASCII digits (`int` refuses `²`, which `isdigit` lets by, and a
#: number of more than 4,300 digits).
_DIGITS = re.compile(r"[0-9]{1,18}")


@dataclass(frozen=True, slots=True)
class PagePost:
    """One message as the page shows it."""

    channel: str  # the username in `data-post`, as the page spells it
    message_id: int
    line: int  # where its markup starts in the file
    lines: tuple[str, ...]
    links: tuple[Link, ...] = ()
    datetime: str | None = None
    author: str | None = None  # the signature under a channel post
    forwarded_from: str | None = None
    forwarded_url: str | None = None
    media: tuple[str, ...] = ()
    views: str | None = None
    chat_id: int | None = None  # the channel's numeric id, as Desktop exports give it

    @property
    def url(self) -> str:
        """The post's permanent address."""
        return f"https://t.me/{self.channel}/{self.message_id}"


@dataclass(frozen=True, slots=True)
class Page:
    """What one page says. `kind` is `preview` (a post list, possibly empty), `landing` (the
    channel or contact page t.me shows instead of a preview) or `unknown`."""

    kind: str
    username: str | None = None
    title: str | None = None
    posts: tuple[PagePost, ...] = ()
    before: int | None = None  # the id of the `?before=` link to older posts
    landing_exists: bool = False  # a landing page naming a real chat (it has a title block)
    landing_preview: bool = False  # … that links to a preview (`Preview channel`)
    complete: bool = False  # the markup reached `</html>` (a cut body does not)


@dataclass
class _PostBuilder:
    channel: str
    message_id: int
    line: int
    service: bool = False
    chunks: list[str] = field(default_factory=list)
    links: list[Link] = field(default_factory=list)
    datetime: str | None = None
    author: str | None = None
    forwarded_from: str | None = None
    forwarded_url: str | None = None
    media: list[str] = field(default_factory=list)
    views: str | None = None
    poll_question: str | None = None
    poll_options: list[str] = field(default_factory=list)
    chat_id: int | None = None


class _Reader:
    """One pass over the markup's events (start, end, data: lxml's parser-target interface)
    with a stack of open elements; each keeps the roles it opened so its end tag closes
    them. Unclosed or stray end tags are tolerated, never fatal."""

    def __init__(self) -> None:
        self.stack: list[tuple[str, tuple[str, ...]]] = []
        self.posts: list[PagePost] = []
        self.post: _PostBuilder | None = None
        self.in_text = 0
        self.not_text = 0
        self.skip = 0  # script/style: never text
        self.captures: dict[str, list[str]] = {}
        self.link_href: str | None = None
        self.link_chunks: list[str] | None = None
        # Whether the last event was text: a tokenizer may hand one run of text over in
        # pieces (libxml2 cuts it at every character reference), which are one piece here.
        self.after_data = False
        self.username: str | None = None
        self.title: str | None = None
        self.page_title_seen = False
        self.preview_link = False
        self.channel_info = False
        self.history = False
        self.before: int | None = None
        self.landing = False

    # --- elements -------------------------------------------------------------------------

    def start(self, tag: str, attr: dict[str, str]) -> None:
        self.after_data = False
        if tag == "br":
            self._text(_BR)
            return
        if self.skip:  # inside a script, style or drawing: nothing to read, only to balance
            if tag not in _VOID:
                self.stack.append((tag, ()))
            return
        written = attr.get("class")
        classes = _known_classes(written) if written else None
        roles: list[str] = []
        if tag in ("script", "style", "svg"):
            roles.append("skip")
            self.skip += 1
        if classes is not None:  # most elements are only layout
            self._classes(tag, attr, classes, roles)
        if tag == "time" and self.post is not None and self.post.datetime is None:
            self.post.datetime = attr.get("datetime") or None
        if tag == "a" and self.in_text and not self.not_text and self.link_chunks is None:
            self.link_href = attr.get("href") or None
            self.link_chunks = []
            roles.append("link")
        if tag == "title":
            self._capture("html_title", roles)
        if tag not in _VOID:
            self.stack.append((tag, tuple(roles)))

    def _classes(
        self, tag: str, attr: dict[str, str], classes: frozenset[str], roles: list[str]
    ) -> None:
        post = self.post
        if "tgme_widget_message" in classes and "data-post" in attr and post is None:
            match = _DATA_POST.match(attr["data-post"].strip())
            if match:
                self.post = _PostBuilder(
                    match["name"], int(match["id"]), 0, service="service_message" in classes,
                    chat_id=_chat_id(attr.get("data-view", ""), int(match["id"])),
                )
                roles.append("post")
            return
        if post is not None:
            for name in classes & _MEDIA:
                kind = MEDIA_CLASSES[name]
                if kind not in post.media:
                    post.media.append(kind)
            if classes & _NOT_TEXT:
                roles.append("not_text")
                self.not_text += 1
            if "tgme_widget_message_text" in classes and not self.not_text:
                roles.append("text")
                self.in_text += 1
            for cls in classes & _POST_CAPTURES.keys():
                self._capture(_POST_CAPTURES[cls], roles)
            if "tgme_widget_message_forwarded_from_name" in classes and tag == "a":
                post.forwarded_url = attr.get("href") or None
            return
        if "tme_messages_more" in classes and _DIGITS.fullmatch(attr.get("data-before", "")):
            self.before = int(attr["data-before"])
        if "tgme_channel_info" in classes:
            self.channel_info = True
        if "tgme_channel_history" in classes:
            self.history = True
        if "tgme_channel_info_header_title" in classes:
            self._capture("title", roles)
        if "tgme_channel_info_header_username" in classes:
            self._capture("username", roles)
        if "tgme_page" in classes:  # t.me's chat or contact page, not a post list
            self.landing = True
        if "tgme_page_title" in classes:
            self.page_title_seen = True
        if "tgme_page_context_link" in classes:
            self.preview_link = True

    def end(self, tag: str) -> None:
        self.after_data = False
        stack = self.stack
        if stack and stack[-1][0] == tag:  # the usual case (lxml always balances)
            for role in stack.pop()[1]:
                self._close(role)
            return
        if tag in _VOID:
            return  # never opened (`start` keeps no void element): nothing to close
        if not any(open_tag == tag for open_tag, _ in stack[-64:]):
            return  # a stray end tag: ignore it rather than close what is still open
        while stack:
            open_tag, roles = stack.pop()
            for role in roles:
                self._close(role)
            if open_tag == tag:
                break

    # --- text -----------------------------------------------------------------------------

    def data(self, data: str) -> None:
        if self.skip:
            return
        if self.captures:
            for buffer in self.captures.values():
                buffer.append(data)
        if self.post is not None and self.in_text:
            self._text(data.replace(_BR, ""))
        self.after_data = True

    def _text(self, data: str) -> None:
        if self.post is None or not self.in_text or self.not_text or self.skip:
            return
        self.post.chunks.append(data)
        if self.link_chunks is not None and data != _BR:
            if self.after_data and self.link_chunks:
                self.link_chunks[-1] += data  # the rest of one run of text
            else:
                self.link_chunks.append(data)

    def _capture(self, key: str, roles: list[str]) -> None:
        self.captures[key] = []
        roles.append("cap:" + key)

    def _close(self, role: str) -> None:
        post = self.post
        if role == "skip":
            self.skip -= 1
        elif role == "not_text":
            self.not_text -= 1
        elif role == "text":
            self.in_text -= 1
        elif role == "link":
            if post is not None and self.link_chunks is not None:
                words = _fold(" ".join(self.link_chunks))
                post.links.append(Link(words, self.link_href))
            self.link_chunks = None
            self.link_href = None
        elif role == "post":
            if post is not None and not post.service:
                self.posts.append(_finish(post))
            self.post = None
            self.in_text = self.not_text = 0
        elif role.startswith("cap:"):
            key = role[4:]
            value = _fold("".join(self.captures.pop(key, [])))
            self._store(key, value)

    def _store(self, key: str, value: str) -> None:
        post = self.post
        if key == "title":
            self.title = self.title or value or None
        elif key == "username":
            self.username = self.username or value.lstrip("@") or None
        elif key == "html_title":
            pass
        elif post is None:
            return
        elif key == "forwarded":
            post.forwarded_from = value or None
        elif key == "author":
            post.author = value or None
        elif key == "views":
            post.views = value or None
        elif key == "notice" and value.lower() == TOO_BIG and "video" not in post.media:
            post.media.append("video")
        elif key == "poll_question":
            post.poll_question = value
        elif key == "poll_option" and value:
            post.poll_options.append(value)

    def page(self) -> Page:
        if self.posts or self.channel_info or self.history:
            kind = "preview"
        elif self.landing:
            kind = "landing"
        else:
            kind = "unknown"
        return Page(
            kind=kind,
            username=self.username or (self.posts[0].channel if self.posts else None),
            title=self.title,
            posts=tuple(self.posts),
            before=self.before,
            landing_exists=self.page_title_seen,
            landing_preview=self.preview_link,
        )


#: Class attributes as written -> the set of their classes when one is in `_KNOWN` (else
#: None): a page repeats a few dozen class attributes thousands of times.
_CLASS_SETS: dict[str, frozenset[str] | None] = {}


def _known_classes(written: str) -> frozenset[str] | None:
    found = _CLASS_SETS.get(written, _CLASS_SETS)
    if found is not _CLASS_SETS:
        return found  # type: ignore[return-value]
    classes = frozenset(written.split())
    known = None if classes.isdisjoint(_KNOWN) else classes
    if len(_CLASS_SETS) >= 4096:  # a hostile page's endless variety: never more than this
        _CLASS_SETS.clear()
    _CLASS_SETS[written] = known
    return known


def _chat_id(view: str, message_id: int) -> int | None:
    """The channel's numeric id from a post's `data-view` (base64 of `{"c": -<chat id>,
    "p": <message id>, …}`), when it decodes and names this message; else None."""
    if not view or len(view) > 512:
        return None
    try:
        data = json.loads(base64.urlsafe_b64decode(view + "=" * (-len(view) % 4)))
    except (ValueError, binascii.Error):
        return None
    if not isinstance(data, dict) or data.get("p") != message_id:
        return None
    chat = data.get("c")
    if isinstance(chat, bool) or not isinstance(chat, int) or chat >= 0:
        return None
    return -chat


def _fold(text: str) -> str:
    return " ".join(text.split())


def _finish(post: _PostBuilder) -> PagePost:
    """The post's text as a reader sees it: formatting newlines of the markup are spaces,
    `<br>` breaks lines, each line trimmed, outer blank lines dropped; a line that is only
    `Read in full` is the link it stands for, not text."""
    text = _FORMATTING_BREAK.sub(" ", "".join(post.chunks))
    lines = [line.strip() for line in text.split(_BR)]
    read_in_full = {i for i, line in enumerate(lines) if READ_IN_FULL.match(line)}
    kept = [line for i, line in enumerate(lines) if i not in read_in_full]
    if post.poll_question is not None:
        kept += [post.poll_question, *(f"- {option}" for option in post.poll_options)]
    while kept and not kept[-1]:
        kept.pop()
    while kept and not kept[0]:
        kept.pop(0)
    return PagePost(
        channel=post.channel,
        message_id=post.message_id,
        line=post.line,
        lines=tuple(kept),
        links=tuple(post.links),
        datetime=post.datetime,
        author=post.author,
        forwarded_from=post.forwarded_from,
        forwarded_url=post.forwarded_url,
        media=tuple(post.media),
        views=post.views,
        chat_id=post.chat_id,
    )


class _StdlibEvents(HTMLParser):
    """The standard library's tokenizer, feeding the reader (used where lxml is missing)."""

    def __init__(self, reader: _Reader) -> None:
        super().__init__(convert_charrefs=True)
        self.reader = reader

    def handle_starttag(self, tag: str, attrs: list[tuple[str, str | None]]) -> None:
        self.reader.start(tag, {k: v or "" for k, v in attrs})

    def handle_startendtag(self, tag: str, attrs: list[tuple[str, str | None]]) -> None:
        self.handle_starttag(tag, attrs)
        if tag not in _VOID:
            self.reader.end(tag)

    def handle_endtag(self, tag: str) -> None:
        self.reader.end(tag)

    def handle_data(self, data: str) -> None:
        self.reader.data(data)


def _tokenize_stdlib(markup: str, reader: _Reader) -> None:
    events = _StdlibEvents(reader)
    events.feed(markup)
    events.close()


def _tokenize_lxml(markup: str, reader: _Reader) -> None:
    # libxml2's HTML parser, streaming into the reader (no tree is built): about fifteen
    # times the standard library's speed on real pages (tests/bench/bench_tme_page.py).
    # Recovering, no network; `close()` is the reader's own end of input.
    target = _LxmlTarget(reader)
    parser = _lxml_etree.HTMLParser(target=target, recover=True, no_network=True)
    parser.feed(markup)
    parser.close()


class _LxmlTarget:
    def __init__(self, reader: _Reader) -> None:
        self.start = reader.start  # lxml hands a plain dict of attributes
        self.end = reader.end
        self.data = reader.data

    def close(self) -> None:
        return None


try:
    from lxml import etree as _lxml_etree
except ImportError:  # pragma: no cover - lxml is a dependency; the fallback keeps tests honest
    _lxml_etree = None

#: Which tokenizer `read_page` uses: "lxml" when it is installed, else "stdlib".
TOKENIZER = "lxml" if _lxml_etree is not None else "stdlib"


def read_page(markup: str, tokenizer: str | None = None) -> Page:
    """Everything a page says. Never raises on odd markup: what it cannot place it leaves.
    `tokenizer` ("lxml" or "stdlib") is for tests and the benchmark; both give one answer."""
    reader = _Reader()
    markup = markup.replace(_BR, "")  # the reader's line-break mark cannot come from the page
    if (tokenizer or TOKENIZER) == "lxml":
        _tokenize_lxml(markup, reader)
    else:
        _tokenize_stdlib(markup, reader)
    if reader.post is not None and not reader.post.service:  # a page cut inside a post
        reader.posts.append(_finish(reader.post))
    page = reader.page()
    return replace(
        page,
        posts=_with_lines(markup, page.posts),
        complete="</html>" in markup[-4096:].lower(),
    )


def _with_lines(markup: str, posts: tuple[PagePost, ...]) -> tuple[PagePost, ...]:
    """Each post with the line its markup starts on, found by its `data-post` in order (the
    streaming parser gives no positions); one pass over the markup."""
    out: list[PagePost] = []
    at = 0
    line = 1
    for post in posts:
        found = markup.find(f'data-post="{post.channel}/{post.message_id}"', at)
        if found < 0:
            out.append(replace(post, line=line))
            continue
        line += markup.count("\n", at, found)
        at = found
        out.append(replace(post, line=line))
    return tuple(out)


def looks_like(head: str) -> bool:
    """A t.me page: Telegram's widget markup with a post or the channel header, or the
    chat page t.me shows instead of a preview (read as holding no posts, with a warning)."""
    return "tgme_widget_message" in head or "tgme_channel_info" in head or (
        'class="tgme_page' in head and "t.me" in head
    )


def to_raw(post: PagePost, path: Path | str, title: str | None) -> RawPost:
    """The load path's record of a page's post: credited to the channel it forwarded from,
    else to the channel; sent by the channel, signed by its author; its own address.

    Its chat is the channel's numeric id when the page gives it (`data-view`), the id a
    Desktop export of the channel carries, so the same message read from both is one post
    (and a renamed channel keeps its posts); the username only when the id is missing."""
    sender = title or post.channel
    return RawPost(
        origin=Origin(str(path), post.line),
        lines=post.lines,
        source=post.forwarded_from or sender,
        channel=sender,
        media=Media(post.media[0]) if post.media else None,
        links=post.links,
        datetime=post.datetime,
        date=_date_of(post.datetime),
        message_id=post.message_id,
        chat=str(post.chat_id) if post.chat_id is not None else post.channel,
        url=post.url,
        sender=sender,
        author=post.author,
        views=post.views,
    )


def _date_of(stamp: str | None) -> PostDate | None:
    if not stamp or len(stamp) < 10 or not stamp[:4].isdigit():
        return None
    try:
        return PostDate.from_iso(stamp[:10])
    except ValueError:
        return None


def parse(path: Path, warn: Callable[[str], None]) -> Iterator[RawPost]:
    from tui.ingest import IngestError

    try:
        markup = path.read_text(encoding="utf-8-sig", errors="strict")
    except UnicodeDecodeError as exc:
        raise IngestError(path, not_utf8(exc)) from None
    except OSError as exc:
        raise IngestError(path, f"cannot be read: {exc.strerror or exc}") from None
    page = read_page(markup)
    if page.kind == "landing":
        return  # t.me's page of a chat, not its preview: no posts (the load path says so)
    if page.posts and not page.complete:
        warn(f"{path}: the page stops before its end (cut short?); its last post may be partial")
    for post in page.posts:
        if not post.lines and not post.media:
            warn(f"{path}:{post.line}: post {post.url} shows no text or media (kept, empty)")
        yield to_raw(post, path, page.title)
