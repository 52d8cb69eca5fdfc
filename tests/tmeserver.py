"""A t.me stand-in on 127.0.0.1 for the fetch tests: a real HTTP server (the standard
library's, in a thread) that serves channels as t.me does, `/s/<name>` and `?before=<id>`, in
the markup of the real saved page `tests/fixtures/real/tme-s-page/durov.html`, and records
every request it gets.

Faults are scripted per path and consumed in order: `429` (with `Retry-After: 7`), `500`,
`timeout` (the answer never comes until the server stops), `cut` (a Content-Length the body
never reaches: the connection closes mid-answer), `cut_html` (a complete HTTP answer whose
HTML stops half-way). Nothing here leaves the loopback interface.
"""

from __future__ import annotations

import base64
import html
import json
import threading
from collections.abc import Iterator
from contextlib import contextmanager
from dataclasses import dataclass, field
from http.server import BaseHTTPRequestHandler, ThreadingHTTPServer
from pathlib import Path
from urllib.parse import parse_qs, urlsplit

REAL_PAGES = Path(__file__).resolve().parent / "fixtures" / "real" / "tme-s-page"
PAGE_SIZE = 20


@dataclass
class FakePost:
    message_id: int
    datetime: str
    text: str  # lines separated by \n; rendered with <br/>
    author: str | None = None
    forwarded_from: str | None = None
    link: tuple[str, str] | None = None  # (words, href) appended as its own line
    too_big: bool = False


@dataclass
class FakeChannel:
    name: str
    title: str
    posts: list[FakePost] = field(default_factory=list)
    chat_id: int = 1234567890  # what a Desktop export of it calls `id`

    def add(self, count: int, start: int = 1) -> None:
        """`count` posts with ids from `start`, a day apart from 2024-01-01 on."""
        for i in range(start, start + count):
            day = 1 + (i - 1) % 28
            month = 1 + ((i - 1) // 28) % 12
            self.posts.append(FakePost(
                i, f"2024-{month:02d}-{day:02d}T{10 + i % 10:02d}:00:{i % 60:02d}+00:00",
                f"Post number {i} of {self.title}\nSecond line of post {i} & more",
            ))  # fmt: skip


def data_view(chat_id: int, message_id: int) -> str:
    """t.me's `data-view`: base64 of the channel's negated id and the message id."""
    blob = json.dumps({"c": -chat_id, "p": message_id, "t": 1700000000, "h": "0" * 18})
    return base64.urlsafe_b64encode(blob.encode()).decode().rstrip("=")


def render_post(name: str, post: FakePost, chat_id: int = 1234567890) -> str:
    """One post in the real page's markup (durov.html), trimmed of avatars and SVGs."""
    body = "<br/>".join(html.escape(line, quote=False) for line in post.text.split("\n"))
    if post.link is not None:
        words, href = post.link
        body += f'<br/><a href="{html.escape(href)}" target="_blank">{html.escape(words)}</a>'
    forwarded = ""
    if post.forwarded_from:
        forwarded = (
            '<div class="tgme_widget_message_forwarded_from accent_color">Forwarded from '
            '<a class="tgme_widget_message_forwarded_from_name" href="https://t.me/source/1">'
            f'<span dir="auto">{html.escape(post.forwarded_from)}</span></a></div>'
        )
    media = ""
    if post.too_big:
        media = (
            f'<a class="tgme_widget_message_video_player not_supported" '
            f'href="https://t.me/{name}/{post.message_id}">'
            '<div class="message_media_not_supported_wrap">'
            '<div class="message_media_not_supported">'
            '<div class="message_media_not_supported_label">Media is too big</div>'
            '<span class="message_media_view_in_telegram">VIEW IN TELEGRAM</span></div></div></a>'
        )
    author = ""
    if post.author:
        author = (f'<span class="tgme_widget_message_from_author" dir="auto">'
                  f"{html.escape(post.author)}</span>,&nbsp;")  # fmt: skip
    return (
        '<div class="tgme_widget_message_wrap js-widget_message_wrap">'
        '<div class="tgme_widget_message text_not_supported_wrap js-widget_message" '
        f'data-post="{name}/{post.message_id}" '
        f'data-view="{data_view(chat_id, post.message_id)}">\n'
        '  <div class="tgme_widget_message_bubble">\n'
        '    <div class="tgme_widget_message_author accent_color">'
        f'<a class="tgme_widget_message_owner_name" href="https://t.me/{name}">'
        f'<span dir="auto">{html.escape(name)}</span></a></div>\n'
        f"{forwarded}{media}"
        f'<div class="tgme_widget_message_text js-message_text" dir="auto">{body}</div>\n'
        '<div class="tgme_widget_message_footer compact js-message_footer">\n'
        '  <div class="tgme_widget_message_info short js-message_info">\n'
        '    <span class="tgme_widget_message_views">1.2K</span><span class="copyonly"> views'
        f'</span><span class="tgme_widget_message_meta">{author}'
        f'<a class="tgme_widget_message_date" href="https://t.me/{name}/{post.message_id}">'
        f'<time datetime="{post.datetime}" class="time">10:00</time></a></span>\n'
        "  </div>\n</div>\n  </div>\n</div></div>"
    )


def render_page(channel: FakeChannel, posts: list[FakePost], older: int | None) -> str:
    """A `/s/` page: the channel header, the posts oldest first, the link to older ones."""
    more = ""
    if older is not None:
        more = ('<div class="tgme_widget_message_centered js-messages_more_wrap">'
                f'<a href="/s/{channel.name}?before={older}" class="tme_messages_more '
                f'js-messages_more" data-before="{older}"></a></div>')  # fmt: skip
    return (
        "<!DOCTYPE html>\n<html>\n  <head>\n    <meta charset=\"utf-8\">\n"
        f"    <title>{html.escape(channel.title)} – Telegram</title>\n  </head>\n"
        '  <body class="widget_frame_base tgme_webpreview emoji_image">\n'
        '<div class="tgme_channel_info">\n<div class="tgme_channel_info_header">\n'
        '<div class="tgme_channel_info_header_title_wrap">'
        '<div class="tgme_channel_info_header_title">'
        f'<span dir="auto">{html.escape(channel.title)}</span></div></div>\n'
        '<div class="tgme_channel_info_header_username">'
        f'<a href="https://t.me/{channel.name}">@{channel.name}</a></div>\n</div></div>\n'
        '<main class="tgme_main"><section class="tgme_channel_history js-message_history">\n'
        + more
        + "".join(render_post(channel.name, post, channel.chat_id) for post in posts)
        + "\n</section></main>\n  </body>\n</html>\n"
    )


@dataclass
class Request:
    path: str
    user_agent: str | None


class TmeServer:
    """The server and what it serves. `url` is its base address."""

    def __init__(self) -> None:
        self.channels: dict[str, FakeChannel] = {}
        self.raw: dict[str, tuple[int, bytes, dict[str, str]]] = {}  # path -> fixed answer
        self.faults: dict[str, list[str]] = {}
        self.requests: list[Request] = []
        self.page_size = PAGE_SIZE
        self.release = threading.Event()
        self.lock = threading.Lock()
        self._arrived: dict[str, threading.Event] = {}
        self.httpd = ThreadingHTTPServer(("127.0.0.1", 0), self._handler())
        self.httpd.daemon_threads = True
        self.url = f"http://127.0.0.1:{self.httpd.server_address[1]}"

    def channel(self, name: str, title: str, posts: int) -> FakeChannel:
        channel = FakeChannel(name, title)
        channel.add(posts)
        self.channels[name.lower()] = channel
        return channel

    def arrived(self, path: str) -> threading.Event:
        """Set once a request for `path` has come in (wait on it, never on a clock)."""
        with self.lock:
            return self._arrived.setdefault(path, threading.Event())

    def forget(self) -> None:
        """Start a new record: no requests, no arrivals."""
        with self.lock:
            self.requests.clear()
            self._arrived.clear()

    def paths(self) -> list[str]:
        with self.lock:
            return [r.path for r in self.requests]

    def page_for(self, path: str) -> tuple[int, bytes, dict[str, str]]:
        if path in self.raw:
            return self.raw[path]
        parts = urlsplit(path)
        bits = parts.path.strip("/").split("/")
        if len(bits) != 2 or bits[0] != "s" or bits[1].lower() not in self.channels:
            return 404, b"not found", {}
        channel = self.channels[bits[1].lower()]
        before = parse_qs(parts.query).get("before", [None])[0]
        ids = sorted(channel.posts, key=lambda p: p.message_id)
        if before is not None:
            ids = [p for p in ids if p.message_id < int(before)]
        shown = ids[-self.page_size :]
        older = shown[0].message_id if shown and len(ids) > len(shown) else None
        body = render_page(channel, shown, older).encode("utf-8")
        return 200, body, {"Content-Type": "text/html; charset=utf-8"}

    def _handler(self) -> type[BaseHTTPRequestHandler]:
        server = self

        class Handler(BaseHTTPRequestHandler):
            def log_message(self, *_args: object) -> None:
                pass

            def do_GET(self) -> None:  # noqa: N802 (the standard library's name)
                with server.lock:
                    server.requests.append(Request(self.path, self.headers.get("User-Agent")))
                    queue = server.faults.get(self.path) or []
                    fault = queue.pop(0) if queue else None
                server.arrived(self.path).set()
                if fault == "timeout":
                    server.release.wait()
                    return
                if fault == "429":
                    self._send(429, b"slow down", {"Retry-After": "7"})
                    return
                if fault == "500":
                    self._send(500, b"oops", {})
                    return
                status, body, headers = server.page_for(self.path)
                if fault == "cut":
                    self.send_response(status)
                    self.send_header("Content-Length", str(len(body)))
                    self.end_headers()
                    self.wfile.write(body[: len(body) // 2])
                    self.wfile.flush()
                    self.close_connection = True
                    return
                if fault == "cut_html":
                    body = body[: len(body) // 2]
                self._send(status, body, headers)

            def _send(self, status: int, body: bytes, headers: dict[str, str]) -> None:
                self.send_response(status)
                for key, value in headers.items():
                    self.send_header(key, value)
                self.send_header("Content-Length", str(len(body)))
                self.end_headers()
                self.wfile.write(body)

        return Handler


@contextmanager
def serve() -> Iterator[TmeServer]:
    server = TmeServer()
    thread = threading.Thread(target=server.httpd.serve_forever, daemon=True)
    thread.start()
    try:
        yield server
    finally:
        server.release.set()
        server.httpd.shutdown()
        server.httpd.server_close()
        thread.join()
