"""Small modal screens: confirm, note editor, a post's notes, and a tag picker."""

from __future__ import annotations

from dataclasses import dataclass

from rich.text import Text
from textual.app import ComposeResult
from textual.binding import Binding
from textual.containers import Horizontal, Vertical, VerticalScroll
from textual.screen import ModalScreen
from textual.widgets import Button, Label, OptionList, Static, TextArea
from textual.widgets.option_list import Option

from tui.model import Note, Quote
from tui.safetext import visible


class ConfirmScreen(ModalScreen[bool]):
    DEFAULT_CSS = """
    ConfirmScreen { align: center middle; }
    ConfirmScreen > Vertical {
        width: 60; height: auto; border: thick $warning; background: $surface; padding: 1 2;
    }
    ConfirmScreen Horizontal { height: auto; margin-top: 1; }
    ConfirmScreen Button { margin-right: 2; }
    """
    BINDINGS = [
        Binding("y", "answer(True)", "Yes", id="confirm.yes"),
        Binding("n,escape", "answer(False)", "No", id="confirm.no"),
    ]

    def __init__(self, question: str, yes: str = "Yes") -> None:
        super().__init__()
        self.question = question
        self.yes = yes

    def compose(self) -> ComposeResult:
        with Vertical():
            yield Static(Text(self.question))
            with Horizontal():
                yield Button(f"{self.yes} (y)", variant="error", id="yes")
                yield Button("No (n)", id="no")

    def on_button_pressed(self, event: Button.Pressed) -> None:
        self.dismiss(event.button.id == "yes")

    def action_answer(self, answer: bool) -> None:
        self.dismiss(answer)


@dataclass(frozen=True)
class NoteDraft:
    body: str
    quote: Quote | None
    note_id: str | None


class NoteEditor(ModalScreen[NoteDraft | None]):
    """A note on a post: the quoted passage above a text area. Ctrl+S saves, Esc asks first.

    The screen only returns the draft; the app saves it and, if saving fails, the editor is
    shown again with the same text, so nothing typed is lost.
    """

    DEFAULT_CSS = """
    NoteEditor { align: center middle; }
    NoteEditor > Vertical {
        width: 90; max-width: 100%; height: 80%; border: thick $primary;
        background: $surface; padding: 0 1;
    }
    NoteEditor #quote { color: $text-muted; max-height: 8; overflow-y: auto; margin-bottom: 1; }
    NoteEditor TextArea { height: 1fr; }
    NoteEditor #error { color: $error; }
    NoteEditor .hint { color: $text-muted; }
    """
    BINDINGS = [
        Binding("ctrl+s", "save", "Save note", id="note.save", priority=True),
        Binding("escape", "cancel", "Discard", id="note.cancel"),
    ]

    def __init__(
        self,
        title: str,
        quote: Quote | None = None,
        body: str = "",
        note_id: str | None = None,
        error: str | None = None,
    ) -> None:
        super().__init__()
        self.post_title = title
        self.quote = quote
        # The text area draws what it holds: a stored note's control characters are shown
        # (and saved) in their visible form rather than sent to the terminal.
        self.initial = visible(body)
        self.note_id = note_id
        self.error = error

    def compose(self) -> ComposeResult:
        with Vertical():
            verb = "Edit note" if self.note_id else "New note"
            yield Label(Text(f"{verb} on: {visible(self.post_title)[:70]}", style="bold"))
            if self.quote is not None:
                quoted = Text()
                for line in self.quote.text.split("\n"):
                    quoted.append("▌ " + visible(line) + "\n")
                yield Static(quoted, id="quote")
            yield TextArea(self.initial, id="body", soft_wrap=True, show_line_numbers=False)
            yield Static(Text(self.error or ""), id="error")
            yield Static(Text("Ctrl+S save · Esc discard"), classes="hint")

    def on_mount(self) -> None:
        editor = self.query_one(TextArea)
        editor.focus()
        editor.move_cursor(editor.document.end)  # go on writing where the note ends

    def action_save(self) -> None:
        body = self.query_one(TextArea).text
        if not body.strip() and self.quote is None:
            self.query_one("#error", Static).update(Text("An empty note is not saved."))
            return
        self.dismiss(NoteDraft(body, self.quote, self.note_id))

    def action_cancel(self) -> None:
        body = self.query_one(TextArea).text
        # Unchanged text needs no question, unless it is here because saving it failed:
        # then it exists nowhere else.
        if not body.strip() or (body == self.initial and self.error is None):
            self.dismiss(None)
            return

        def answered(discard: bool | None) -> None:
            if discard:
                self.dismiss(None)

        self.app.push_screen(ConfirmScreen("Discard this note?", yes="Discard"), answered)


@dataclass(frozen=True)
class NoteAction:
    action: str  # "edit" or "delete"
    note: Note


class NotesScreen(ModalScreen[NoteAction | None]):
    """A post's notes: Enter edits, d deletes (after asking)."""

    DEFAULT_CSS = """
    NotesScreen { align: center middle; }
    NotesScreen > Vertical {
        width: 90; max-width: 100%; height: 70%; border: thick $primary; background: $surface;
    }
    NotesScreen OptionList { height: 1fr; }
    """
    BINDINGS = [
        Binding("enter,e", "edit", "Edit note", id="notes.edit"),
        Binding("d,delete", "delete", "Delete note", id="notes.delete"),
        Binding("escape,q", "close", "Close", id="notes.close"),
    ]

    def __init__(self, notes: list[Note]) -> None:
        super().__init__()
        self.notes = notes

    def compose(self) -> ComposeResult:
        with Vertical():
            yield Label(Text(f"Notes on this post ({len(self.notes)}) — Enter edit · d delete"))
            options = []
            for note in self.notes:
                prompt = Text()
                if note.quote:
                    prompt.append("▌ " + visible(note.quote.text.split("\n")[0])[:70] + "\n",
                                  "dim")
                prompt.append(visible(note.body))
                prompt.append("\n" + note.updated[:16].replace("T", " "), "dim")
                options.append(Option(prompt, id=note.id))
            yield OptionList(*options)

    def _current(self) -> Note | None:
        options = self.query_one(OptionList)
        if options.highlighted is None:
            return None
        return self.notes[options.highlighted]

    def on_option_list_option_selected(self, event: OptionList.OptionSelected) -> None:
        event.stop()
        self.action_edit()

    def action_edit(self) -> None:
        note = self._current()
        if note:
            self.dismiss(NoteAction("edit", note))

    def action_delete(self) -> None:
        note = self._current()
        if note is None:
            return

        def answered(yes: bool | None) -> None:
            if yes:
                self.dismiss(NoteAction("delete", note))

        self.app.push_screen(ConfirmScreen("Delete this note? This cannot be undone.",
                                           yes="Delete"), answered)

    def action_close(self) -> None:
        self.dismiss(None)


class TagPicker(ModalScreen[str | None]):
    """Choose one of the current post's hashtags to filter by."""

    DEFAULT_CSS = """
    TagPicker { align: center middle; }
    TagPicker > OptionList { width: 40; height: auto; max-height: 70%; border: thick $primary; }
    """
    BINDINGS = [Binding("escape", "close", "Close", id="tags.close")]

    def __init__(self, tags: list[str]) -> None:
        super().__init__()
        self.tags = tags

    def compose(self) -> ComposeResult:
        yield OptionList(*[Option(Text("#" + visible(t)), id=t.casefold()) for t in self.tags])

    def on_option_list_option_selected(self, event: OptionList.OptionSelected) -> None:
        self.dismiss(event.option.id)

    def action_close(self) -> None:
        self.dismiss(None)


class LinesScreen(ModalScreen[None]):
    """A titled list of lines to read (warnings about the open files), as literal text."""

    DEFAULT_CSS = """
    LinesScreen { align: center middle; }
    LinesScreen > VerticalScroll {
        width: 100; max-width: 100%; height: auto; max-height: 80%; border: thick $primary;
        background: $surface; padding: 0 1;
    }
    """
    BINDINGS = [Binding("escape,q", "close", "Close", id="lines.close")]

    def __init__(self, title: str, lines: list[str]) -> None:
        super().__init__()
        self.title_text = title
        self.lines = lines

    def compose(self) -> ComposeResult:
        with VerticalScroll():
            yield Static(Text(f"{self.title_text} (Esc closes)", style="bold"))
            for line in self.lines:
                yield Static(Text("• " + visible(line)))

    def action_close(self) -> None:
        self.dismiss(None)
