"""Fixtures and helpers for the Pilot tests of the reader: a private database, a fake system
clipboard, an app that has finished loading, and the text a user would see on screen.

Import from the test modules: `from apphelpers import ...` (tests/ is on sys.path, as it is
for conftest). Fixtures are imported by name so pytest finds them in the importing module.
"""

from __future__ import annotations

import io
from collections.abc import AsyncIterator
from contextlib import asynccontextmanager
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any

import pytest
from rich.console import Console
from textual.command import CommandInput, CommandList, CommandPalette
from textual.pilot import Pilot
from textual.widgets import Input, OptionList, Tree

from tui.app import ReaderApp, make_app
from tui.clipboard import Clipboard
from tui.widgets.post_list import PostList
from tui.widgets.reading_pane import ReadingPane

ROOT = Path(__file__).resolve().parent.parent
SAMPLE = ROOT / "data" / "russian_mfa_sco.txt"
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


@dataclass
class FakeClipboard:
    """Stands in for pyperclip: records what was copied, or fails like a headless machine."""

    works: bool = True
    copied: list[str] = field(default_factory=list)

    def copy(self, text: str) -> None:
        if not self.works:
            raise RuntimeError("no clipboard")
        self.copied.append(text)

    def determine_clipboard(self) -> tuple[Any, Any]:
        if not self.works:
            return (None, None)
        return (self.copy, lambda: self.copied[-1] if self.copied else "")


@pytest.fixture
def user_dirs(tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> Path:
    """Point the database and cache at tmp_path; returns the database path."""
    db = tmp_path / "user" / "library.json"
    monkeypatch.setenv("TGREADER_DB", str(db))
    monkeypatch.setenv("TGREADER_CACHE", str(tmp_path / "cache"))
    monkeypatch.delenv("TGREADER_CLIPBOARD", raising=False)
    return db


@pytest.fixture
def clipboard() -> FakeClipboard:
    return FakeClipboard()


def build_app(
    paths: list[Path] | None = None,
    backend: FakeClipboard | None = None,
    mode: str | None = None,
) -> ReaderApp:
    """The app as the CLI builds it, with no SSH in its environment and a fake clipboard;
    `mode` is the --clipboard flag."""
    app = make_app(paths or [SAMPLE], clipboard=mode, env={})
    app.copier = Clipboard(
        app.copier.mode, osc52=app.copy_to_clipboard, env={},
        backend=backend or FakeClipboard(),
    )
    return app


async def wait_loaded(app: ReaderApp, pilot: Pilot[Any]) -> None:
    await app.workers.wait_for_complete()
    await pilot.pause()
    await pilot.pause()


@asynccontextmanager
async def running(
    paths: list[Path] | None = None,
    backend: FakeClipboard | None = None,
    size: tuple[int, int] = SIZE,
    mode: str | None = None,
) -> AsyncIterator[tuple[ReaderApp, Pilot[Any]]]:
    """Run a freshly built app until its posts are loaded; the user_dirs fixture must be active."""
    app = build_app(paths, backend, mode)
    async with app.run_test(size=size) as pilot:
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


def list_rows(app: ReaderApp) -> list[str]:
    """Every row of the post list as plain text (date, badges, title), in order."""
    posts = app.query_one("#posts", PostList)
    out = []
    for index in posts.rows:
        post = app.library[index] if app.library is not None else None
        assert post is not None
        read, bookmarked, noted = app._flags(post)
        out.append(posts.row_text(post, read, bookmarked, noted).plain)
    return out


def cursor_title(app: ReaderApp) -> str:
    posts = app.query_one("#posts", PostList)
    index = posts.current
    assert index is not None and app.library is not None
    return app.library[index].title


def screen_text(app: ReaderApp) -> str:
    """Everything on the terminal right now (top screen over the ones under it), as text."""
    width, height = app.size
    console = Console(width=width, height=height, file=io.StringIO(), force_terminal=True,
                      color_system="truecolor", record=True, legacy_windows=False)
    console.print(app.screen._compositor.render_update(
        full=True, screen_stack=app._background_screens))
    return console.export_text(styles=False)


def toasts(app: ReaderApp) -> list[str]:
    return [n.message for n in app._notifications]


def clear_toasts(app: ReaderApp) -> None:
    app.clear_notifications()


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


def dump(tmp_path: Path, text: str, name: str = "dump.txt") -> Path:
    path = tmp_path / name
    path.write_text(text, encoding="utf-8")
    return path


async def palette_choose(app: ReaderApp, pilot: Pilot[Any], query: str, wanted: str) -> None:
    """Open the command palette, type `query`, and choose the first hit whose text holds
    `wanted` (waiting for the palette's background search); fails if none shows up."""
    await palette_type(app, pilot, query)
    for _ in range(40):
        await pilot.pause(0.05)
        prompts = palette_prompts(app)
        found = [i for i, prompt in enumerate(prompts) if wanted in prompt]
        if found:
            break
    else:
        raise AssertionError(f"no palette hit for {query!r} holds {wanted!r}: {prompts}")
    app.screen.query_one(CommandList).highlighted = found[0]
    await pilot.press("enter")
    await pilot.pause()
    await pilot.pause()


async def palette_type(app: ReaderApp, pilot: Pilot[Any], query: str) -> None:
    """Ctrl+P, then put `query` in the palette's input (as pasting it would: one key per
    character costs a tenth of a second under Pilot)."""
    await pilot.press("ctrl+p")
    await pilot.pause()
    assert isinstance(app.screen, CommandPalette)
    app.screen.query_one(CommandInput).value = query
    await pilot.pause()


def palette_prompts(app: ReaderApp) -> list[str]:
    results = app.screen.query_one(CommandList)
    return [str(results.get_option_at_index(i).prompt) for i in range(results.option_count)]


def many_posts_dump(tmp_path: Path, count: int) -> Path:
    """A web copy of `count` short numbered posts (`Post 00`, `Post 01`, …)."""
    lines = []
    for n in range(count):
        lines += ["Forwarded from Test channel", f"Post {n:02d}", f"Body of post {n:02d}."]
    return dump(tmp_path, "\n".join(lines) + "\n", "many.txt")
