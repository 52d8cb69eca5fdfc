"""The search box: an Input whose ↑/↓ walk earlier searches, as a shell's history does."""

from __future__ import annotations

from collections.abc import Sequence

from textual.binding import Binding
from textual.widgets import Input

from tui.safetext import visible

HISTORY_SIZE = 50


class SearchBox(Input):
    """↑ brings back the previous search, ↓ a later one (then what was being typed)."""

    BINDINGS = [
        Binding("up", "history(-1)", "Earlier search", show=False, id="search.earlier"),
        Binding("down", "history(1)", "Later search", show=False, id="search.later"),
    ]

    def __init__(self, *, placeholder: str = "", id: str | None = None) -> None:
        super().__init__(placeholder=placeholder, id=id)
        self.history: list[str] = []
        self._position: int | None = None  # index into history while walking it
        self._typed = ""

    def set_history(self, queries: Sequence[str]) -> None:
        # Stored state may hold anything: shown with its control characters made visible.
        self.history = [visible(q) for q in queries if q.strip()][-HISTORY_SIZE:]
        self._position = None

    def remember(self, query: str) -> None:
        """Keep a submitted search as the latest (once: an older copy moves to the end)."""
        query = query.strip()
        if not query:
            return
        self.history = [q for q in self.history if q != query][-(HISTORY_SIZE - 1):] + [query]
        self._position = None

    def action_history(self, step: int) -> None:
        if not self.history:
            return
        if self._position is None:
            if step > 0:
                return
            self._typed = self.value
            position = len(self.history) - 1
        else:
            position = self._position + step
        if position < 0:
            return
        if position >= len(self.history):
            self._position = None
            self.value = self._typed
        else:
            self._position = position
            self.value = self.history[position]
        self.cursor_position = len(self.value)
