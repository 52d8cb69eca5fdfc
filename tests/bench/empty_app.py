"""The yardstick for start-up: an empty Textual app with one line of text, so a terminal can
tell when its first screen is painted. `python -m tests.bench.empty_app`; `q` quits."""

from __future__ import annotations

from textual.app import App, ComposeResult
from textual.binding import Binding
from textual.widgets import Static

READY = "empty app ready"


class EmptyApp(App[None]):
    BINDINGS = [Binding("q", "quit", "Quit", id="quit")]

    def compose(self) -> ComposeResult:
        yield Static(READY)


if __name__ == "__main__":
    EmptyApp().run()
