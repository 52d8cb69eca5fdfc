"""Every bookmark and note (`B`), also of posts whose file is not open, and a post's stored
snapshot when its file is not open.

The screens only show and announce: the app decides what Enter on a record does (go to the
post, or show its snapshot) and what opening a file means.
"""

from __future__ import annotations

from collections.abc import Sequence
from dataclasses import dataclass

from rich.text import Text
from textual import events
from textual.app import ComposeResult
from textual.binding import Binding
from textual.containers import Vertical, VerticalScroll
from textual.screen import ModalScreen
from textual.widgets import Input, Label, OptionList, Static
from textual.widgets.option_list import Option

from tui.library import fold
from tui.model import Quote
from tui.safetext import visible


@dataclass(frozen=True)
class RecordNote:
    body: str
    quote: Quote | None


@dataclass(frozen=True)
class RecordRow:
    """One post with bookmarks or notes, whether or not its file is open."""

    post_id: str
    title: str
    date: str
    source: str
    bookmarked: bool
    notes: tuple[RecordNote, ...]
    is_open: bool
    origin: str | None = None  # the file the post was read from, when known

    def haystack(self) -> str:
        """What typing in the list's filter box looks through, folded."""
        parts = [self.title, self.source, self.date]
        for note in self.notes:
            parts.append(note.body)
            if note.quote is not None:
                parts.append(note.quote.text)
        return fold("\n".join(parts))


def _posts(count: int) -> str:
    return "1 post" if count == 1 else f"{count:,} posts"


def _first_line(text: str, width: int) -> str:
    line = visible(text).strip().split("\n", 1)[0]
    return line if len(line) <= width else line[: width - 1] + "…"


class RecordsScreen(ModalScreen[str | None]):
    """Every bookmarked or annotated post with its notes and quoted passages; typing filters.
    Dismisses with the chosen post's id."""

    DEFAULT_CSS = """
    RecordsScreen { align: center middle; }
    RecordsScreen > Vertical {
        width: 110; max-width: 100%; height: 85%; border: thick $primary; background: $surface;
    }
    RecordsScreen Input { height: 3; }
    RecordsScreen OptionList { height: 1fr; }
    """
    BINDINGS = [
        Binding("escape", "close", "Close", id="records.close"),
        Binding("down", "to_list", "To the list", show=False, id="records.to_list"),
    ]

    def __init__(self, rows: Sequence[RecordRow]) -> None:
        super().__init__()
        self.rows = list(rows)

    def compose(self) -> ComposeResult:
        missing = sum(1 for row in self.rows if not row.is_open)
        with Vertical():
            head = f"Bookmarks and notes: {_posts(len(self.rows))}"
            if missing:
                head += f", {missing:,} not in the open files"
            yield Label(Text(head + " — Enter opens the post", style="bold"))
            yield Input(placeholder="Filter by title, note or quoted passage", id="records-filter")
            yield OptionList(*self._options(self.rows), id="records")

    def on_mount(self) -> None:
        self.query_one("#records", OptionList).focus()

    def _options(self, rows: Sequence[RecordRow]) -> list[Option]:
        return [Option(self.prompt(row), id=row.post_id) for row in rows]

    @staticmethod
    def prompt(row: RecordRow) -> Text:
        """A record as literal text: marks, date, title; its source; each note and quote."""
        prompt = Text()
        prompt.append("★" if row.bookmarked else " ", "bold")
        prompt.append(f"✎{len(row.notes)}" if row.notes else "  ", "bold")
        prompt.append(f" {row.date:<14} ")
        prompt.append(_first_line(row.title, 80))
        where = f"\n   {visible(row.source)}"
        if not row.is_open:
            where += " · not in the open files"
        prompt.append(where, "dim")
        for note in row.notes:
            if note.quote is not None:
                prompt.append("\n   ▌ " + _first_line(note.quote.text, 90), "italic")
            prompt.append("\n   ✎ " + _first_line(note.body, 90))
        return prompt

    def on_input_changed(self, event: Input.Changed) -> None:
        event.stop()
        words = fold(event.value).split()
        shown = [row for row in self.rows if all(w in row.haystack() for w in words)]
        options = self.query_one("#records", OptionList)
        options.clear_options()
        options.add_options(self._options(shown))
        if shown:
            options.highlighted = 0

    def on_input_submitted(self, event: Input.Submitted) -> None:
        event.stop()
        self.action_to_list()

    def action_to_list(self) -> None:
        self.query_one("#records", OptionList).focus()

    def on_key(self, event: events.Key) -> None:
        # Printable keys typed on the list go to the filter box, as in a picker.
        if not event.is_printable or not event.character:
            return
        box = self.query_one("#records-filter", Input)
        if box.has_focus:
            return
        box.focus()
        box.insert_text_at_cursor(event.character)
        event.stop()
        event.prevent_default()

    def on_option_list_option_selected(self, event: OptionList.OptionSelected) -> None:
        event.stop()
        self.dismiss(event.option.id)

    def action_close(self) -> None:
        self.dismiss(None)


class SnapshotScreen(ModalScreen[bool]):
    """What a bookmark or note kept of a post whose file is not open; `o` asks the app to
    open that file (dismisses True)."""

    DEFAULT_CSS = """
    SnapshotScreen { align: center middle; }
    SnapshotScreen > Vertical {
        width: 100; max-width: 100%; height: 70%; border: thick $primary; background: $surface;
        padding: 0 1;
    }
    SnapshotScreen VerticalScroll { height: 1fr; }
    """
    BINDINGS = [
        Binding("o", "open_file", "Open its file", id="snapshot.open"),
        Binding("escape,q", "close", "Close", id="snapshot.close"),
    ]

    def __init__(self, row: RecordRow) -> None:
        super().__init__()
        self.row = row

    def compose(self) -> ComposeResult:
        row = self.row
        with Vertical():
            yield Label(Text("Not in the open files: what your bookmark and notes kept",
                             style="bold"))
            with VerticalScroll():
                yield Static(self.body_text())
            hint = ("o opens its file · Esc closes" if row.origin
                    else "Its file is not known · Esc closes")
            yield Label(Text(hint, style="dim"))

    def body_text(self) -> Text:
        row = self.row
        text = Text()
        text.append(visible(row.source), "bold")
        text.append(f"  ·  {row.date}\n")
        if row.origin:
            text.append(f"from {visible(row.origin)}\n", "italic")
        text.append("\n")
        text.append(visible(row.title) + "\n", "bold")
        if row.bookmarked:
            text.append("★ bookmarked\n")
        for note in row.notes:
            text.append("\n")
            if note.quote is not None:
                for line in note.quote.text.split("\n"):
                    text.append("▌ " + visible(line) + "\n", "italic")
            text.append(visible(note.body) + "\n")
        text.rstrip()
        return text

    def action_open_file(self) -> None:
        if self.row.origin:
            self.dismiss(True)

    def action_close(self) -> None:
        self.dismiss(False)
