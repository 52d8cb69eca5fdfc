"""Fixtures and helpers for the Pilot tests of the reader: a private database, a fake system
clipboard, an app that has finished loading, and the text a user would see on screen.

Import from the test modules: `from apphelpers import ...` (tests/ is on sys.path, as it is
for conftest). Fixtures are imported by name so pytest finds them in the importing module.
"""

from __future__ import annotations

import asyncio
import html
import re
import weakref
from collections.abc import AsyncIterator, Callable
from contextlib import asynccontextmanager
from dataclasses import dataclass
from pathlib import Path
from typing import Any

import pytest
from conftest import SAMPLE, FakePyperclip, write_dump
from rich.cells import cell_len
from textual.command import CommandInput, CommandList, CommandPalette
from textual.message import Message
from textual.notifications import Notification, Notify
from textual.pilot import Pilot
from textual.timer import Timer
from textual.widgets import Input, OptionList, Tree
from textual.worker import Worker, WorkerState

from tui.app import ReaderApp, make_app
from tui.clipboard import Clipboard
from tui.settings import resolve
from tui.widgets.post_list import PostList
from tui.widgets.reading_pane import ReadingPane

SIZE = (140, 40)

# The sample's posts in reading order, by a few words of each title (the list shows titles).
SAMPLE_TITLES = [
    "Foreign Minister Sergey Lavrov’s answers to questions",
    "Main Foreign Policy Outcomes of 2022",
    "Excerpts from the Concept of the Foreign Policy",
    "FM Sergey Lavrov’s remarks and answers to media questions",
    "Foreign Minister Sergey Lavrov's video address",
    "Foreign Minister Sergey Lavrov’s greetings",
    "On January 10, Foreign Minister Sergey Lavrov spoke",
    "On February 21-22, Foreign Minister Sergey Lavrov took part",
    "Foreign Minister Sergey Lavrov answers a question from the",
]


@pytest.fixture
def user_dirs(tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> Path:
    """Point the database and cache at tmp_path; returns the database path."""
    db = tmp_path / "user" / "library.json"
    monkeypatch.setenv("TGREADER_DB", str(db))
    monkeypatch.setenv("TGREADER_CACHE", str(tmp_path / "cache"))
    monkeypatch.delenv("TGREADER_CLIPBOARD", raising=False)
    return db


class Messages:
    """Every message the app's nodes handle, in order: the `message_hook` of `run_test`.
    Tests wait on it for the event they need (a worker finishing, a screen opening) instead
    of waiting for a time."""

    HANG_GUARD_S = 120.0  # only turns a hang into a failure; nothing waits for it normally

    def __init__(self) -> None:
        self.seen: list[Message] = []
        self._arrived = asyncio.Event()

    def __call__(self, message: Message) -> None:
        self.seen.append(message)
        self._arrived.set()

    def mark(self) -> int:
        """A place in the record: `wait_for(..., after=mark)` ignores what came before."""
        return len(self.seen)

    async def wait_for(self, wanted: Callable[[Message], bool], after: int, what: str) -> Message:
        """The first message from `after` on for which `wanted` is true, waiting for it."""
        looked = after
        while True:
            for message in self.seen[looked:]:
                if wanted(message):
                    return message
            looked = len(self.seen)
            self._arrived.clear()
            try:
                await asyncio.wait_for(self._arrived.wait(), self.HANG_GUARD_S)
            except TimeoutError:
                raise AssertionError(f"the app never got to: {what}") from None


class HeldTimer:
    """A read-mark timer that fires only when the test says the reading time ran out."""

    def __init__(self, callback: Callable[[], object]) -> None:
        self.callback = callback
        self.stopped = False

    def stop(self) -> None:
        self.stopped = True


class HeldReadTimers:
    """Stands in for the app's `set_timer` for its read-mark timer (named `mark-read`) and
    passes every other timer through. So a slow machine never marks a post read behind a
    test's back, and a test marks the post left on screen by calling `run_out()`."""

    def __init__(self, real: Callable[..., Timer]) -> None:
        self.real = real
        self.timers: list[HeldTimer] = []

    def set_timer(self, delay: float, callback: Any = None, *, name: str | None = None,
                  pause: bool = False) -> Timer | HeldTimer:
        if name != "mark-read":
            return self.real(delay, callback, name=name, pause=pause)
        timer = HeldTimer(callback)
        self.timers.append(timer)
        return timer

    def pending(self) -> list[HeldTimer]:
        return [timer for timer in self.timers if not timer.stopped]

    def run_out(self) -> None:
        """The reading time of every timer still running is up."""
        for timer in self.pending():
            timer.stopped = True
            timer.callback()


@dataclass
class Harness:
    """What a test holds on a running app besides the app itself."""

    messages: Messages
    read_timers: HeldReadTimers
    toasts_from: int = 0  # where `toasts` starts reading `messages`


HARNESSES: weakref.WeakKeyDictionary[ReaderApp, Harness] = weakref.WeakKeyDictionary()


def harness(app: ReaderApp) -> Harness:
    return HARNESSES[app]


def build_app(
    paths: list[Path] | None = None,
    backend: FakePyperclip | None = None,
    mode: str | None = None,
) -> ReaderApp:
    """The app as the CLI builds it, with no SSH in its environment, a fake clipboard and
    held read-mark timers; `mode` is the --clipboard flag."""
    app = make_app(paths or [SAMPLE], resolve(clipboard=mode), env={})
    app.copier = Clipboard(
        app.copier.mode, osc52=app.copy_to_clipboard, env={},
        backend=backend or FakePyperclip(),
    )
    timers = HeldReadTimers(app.set_timer)
    app.set_timer = timers.set_timer  # type: ignore[method-assign, assignment]
    HARNESSES[app] = Harness(Messages(), timers)
    return app


async def wait_loaded(app: ReaderApp, pilot: Pilot[Any]) -> None:
    await app.workers.wait_for_complete()
    await pilot.pause()
    await pilot.pause()


@asynccontextmanager
async def running(
    paths: list[Path] | None = None,
    backend: FakePyperclip | None = None,
    size: tuple[int, int] = SIZE,
    mode: str | None = None,
) -> AsyncIterator[tuple[ReaderApp, Pilot[Any]]]:
    """Run a freshly built app until its posts are loaded; the user_dirs fixture must be active."""
    app = build_app(paths, backend, mode)
    async with app.run_test(size=size, message_hook=harness(app).messages) as pilot:
        await wait_loaded(app, pilot)
        yield app, pilot


# -- what the user sees --------------------------------------------------------------------
def status(app: ReaderApp) -> str:
    """The status line under the list, e.g. `9 posts · #SCO · 9 shown   (Esc clears …)`."""
    return str(app.query_one("#status").render()).strip()


def shown_count(app: ReaderApp) -> int:
    return len(app.query_one("#posts", PostList).rows)


def pane(app: ReaderApp) -> ReadingPane:
    return app.query_one(ReadingPane)


def pane_title(app: ReaderApp) -> str:
    """The first paragraph of the post in the reading pane, or '' when it shows none."""
    post = pane(app).post
    return post.title if post is not None else ""


def pane_text(app: ReaderApp) -> str:
    """Header, body and notes of the reading pane as plain text."""
    return pane(app).content_text()


def collections(app: ReaderApp) -> list[str]:
    """The sidebar's collections, as listed."""
    options = app.query_one("#collections", OptionList)
    return [str(options.get_option_at_index(i).prompt) for i in range(options.option_count)]


def list_rows(app: ReaderApp) -> list[str]:
    """Every row of the post list as plain text (date, badges, title), in order."""
    return app.query_one("#posts", PostList).row_texts()


def cursor_title(app: ReaderApp) -> str:
    posts = app.query_one("#posts", PostList)
    index = posts.current
    assert index is not None and app.library is not None
    return app.library[index].title


SVG_TEXT = re.compile(
    r'<text class="[^"]*" x="([\d.]+)" y="[\d.]+" textLength="[\d.]+" '
    r'clip-path="url\(#[^)]*-line-(\d+)\)">([^<]*)</text>'
)


def screen_text(app: ReaderApp) -> str:
    """Everything on the terminal right now (top screen over the ones under it), as text:
    read back from the app's own SVG screenshot, where Rich places each run of text at
    column x / (0.61 × 20 px) of a numbered line."""
    width, height = app.size
    rows = [[" "] * width for _ in range(height)]
    for x, line, text in SVG_TEXT.findall(app.export_screenshot()):
        column = round(float(x) / (0.61 * 20))
        row = rows[int(line)]
        for char in html.unescape(text).replace("\xa0", " "):
            cells = cell_len(char)
            if cells == 0 and column > 0:  # a combining mark or joiner: part of the last cell
                row[column - 1] += char
            elif column < width:
                row[column] = char
                if cells == 2 and column + 1 < width:
                    row[column + 1] = ""
                column += max(cells, 1)
    return "\n".join("".join(row).rstrip() for row in rows) + "\n"


async def footer_showing(app: ReaderApp, pilot: Pilot[Any], wanted: str) -> str:
    """The footer's line once it shows `wanted`. Textual rebuilds the footer after the refresh
    that follows a focus change, so it is waited for (pause by pause, a hang guard of a few
    hundred), never read at once."""
    footer = ""
    for _ in range(500):
        footer = screen_text(app).splitlines()[-1]
        if wanted in footer:
            return footer
        await pilot.pause()
    raise AssertionError(f"the footer never showed {wanted!r}; it shows {footer!r}")


async def focus_reaches(app: ReaderApp, pilot: Pilot[Any], wanted: type[Any]) -> None:
    """Wait, pause by pause (a hang guard of a few hundred), until a widget of type `wanted`
    has focus. A key that moves focus goes through several message queues before focus
    moves; `pilot.press` only waits for the process to look idle between keys, which a loaded
    machine can fake, so a test whose next key depends on where focus is waits for it."""
    for _ in range(500):
        if isinstance(app.focused, wanted):
            return
        await pilot.pause()
    raise AssertionError(f"focus never reached a {wanted.__name__}; it is on {app.focused!r}")


async def open_post(app: ReaderApp, pilot: Pilot[Any]) -> None:
    """Enter on the post list: the post opens and focus goes to the reading pane (waited for,
    so the keys a test types next are the pane's)."""
    await pilot.press("enter")
    await focus_reaches(app, pilot, ReadingPane)


def notifications(app: ReaderApp) -> list[Notification]:
    """The toasts the app raised since the last `clear_toasts`, oldest first (as recorded by
    the message hook, so a toast that already timed out on a slow machine still counts)."""
    recorded = harness(app).messages.seen[harness(app).toasts_from:]
    return [m.notification for m in recorded if isinstance(m, Notify)]


def toasts(app: ReaderApp) -> list[str]:
    return [n.message for n in notifications(app)]


def clear_toasts(app: ReaderApp) -> None:
    app.clear_notifications()
    harness(app).toasts_from = harness(app).messages.mark()


def tag_options(app: ReaderApp) -> list[str]:
    options = app.query_one("#tags", OptionList)
    return [str(options.get_option_at_index(i).prompt) for i in range(options.option_count)]


def date_labels(app: ReaderApp) -> list[str]:
    """Every node of the date tree (expanded or not) as its plain label."""
    tree: Tree[str] = app.query_one("#dates", Tree)
    out: list[str] = []

    def walk(node: Any) -> None:
        for child in node.children:
            out.append(str(child.label))
            walk(child)

    walk(tree.root)
    return out


def search_box(app: ReaderApp) -> Input:
    return app.query_one("#search", Input)


async def palette_choose(app: ReaderApp, pilot: Pilot[Any], query: str, wanted: str) -> None:
    """Open the command palette, type `query`, and choose the first hit whose text holds
    `wanted` once the palette's search has finished; fails if there is none."""
    await palette_type(app, pilot, query)
    prompts = palette_prompts(app)
    found = [i for i, prompt in enumerate(prompts) if wanted in prompt]
    assert found, f"no palette hit for {query!r} holds {wanted!r}: {prompts}"
    app.screen.query_one(CommandList).highlighted = found[0]
    await pilot.press("enter")
    await pilot.pause()
    await pilot.pause()


def palette_search_done(message: Message) -> bool:
    return (isinstance(message, Worker.StateChanged) and message.state == WorkerState.SUCCESS
            and isinstance(message.worker.node, CommandPalette))


async def palette_type(app: ReaderApp, pilot: Pilot[Any], query: str) -> None:
    """Ctrl+P, then put `query` in the palette's input (as pasting it would: one key per
    character costs a tenth of a second under Pilot), and wait until the palette's search
    for it has finished and its hits are listed."""
    messages = harness(app).messages
    opened = messages.mark()
    await pilot.press("ctrl+p")
    await messages.wait_for(palette_search_done, opened, "the palette's first search")
    assert isinstance(app.screen, CommandPalette)
    typed = messages.mark()
    app.screen.query_one(CommandInput).value = query
    await messages.wait_for(palette_search_done, typed, f"the palette's search for {query!r}")
    await pilot.pause()


def palette_prompts(app: ReaderApp) -> list[str]:
    results = app.screen.query_one(CommandList)
    return [str(results.get_option_at_index(i).prompt) for i in range(results.option_count)]


def many_posts_dump(tmp_path: Path, count: int) -> Path:
    """A web copy of `count` short numbered posts (`Post 00`, `Post 01`, …)."""
    lines = []
    for n in range(count):
        lines += ["Forwarded from Test channel", f"Post {n:02d}", f"Body of post {n:02d}."]
    return write_dump(tmp_path, "\n".join(lines) + "\n", "many.txt")
