"""The strip that shows an update of a fetched channel while reading goes on: what it has
got so far, and an indeterminate bar (t.me does not say how many pages are left)."""

from __future__ import annotations

from rich.text import Text
from textual.app import ComposeResult
from textual.containers import Horizontal
from textual.widgets import ProgressBar, Static

from tui.safetext import visible


class FetchBar(Horizontal):
    DEFAULT_CSS = """
    FetchBar { height: 1; background: $panel; padding: 0 1; }
    FetchBar > Static { width: auto; max-width: 70%; padding-right: 2; }
    FetchBar > ProgressBar { width: 1fr; }
    """

    def __init__(self, channel: str) -> None:
        super().__init__(id="fetch-bar")
        self.channel = channel

    def compose(self) -> ComposeResult:
        yield Static(Text(visible(f"Updating @{self.channel}…")), id="fetch-label")
        yield ProgressBar(total=None, show_eta=False, show_percentage=False)

    def show(self, pages: int, new_posts: int, oldest: str | None) -> None:
        back = f", back to {oldest[:10]}" if oldest else ""
        plural = "" if new_posts == 1 else "s"
        self.query_one("#fetch-label", Static).update(Text(visible(
            f"Updating @{self.channel}: {pages} page{'' if pages == 1 else 's'}, "
            f"{new_posts} new post{plural}{back}"
        )))  # Text, never markup: the name is the user's, the dates the page's
