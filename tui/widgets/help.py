"""The help screen: every key, read from the bindings themselves so it never goes stale."""

from __future__ import annotations

from collections.abc import Iterable

from rich.table import Table
from rich.text import Text
from textual.app import ComposeResult
from textual.binding import Binding
from textual.containers import VerticalScroll
from textual.screen import ModalScreen
from textual.widgets import Static

KEY_NAMES = {
    "up": "↑", "down": "↓", "left": "←", "right": "→", "pageup": "PgUp", "pagedown": "PgDn",
    "home": "Home", "end": "End", "enter": "Enter", "escape": "Esc", "tab": "Tab",
    "shift+tab": "Shift+Tab", "question_mark": "?", "slash": "/", "left_square_bracket": "[",
    "right_square_bracket": "]", "number_sign": "#", "greater_than_sign": ">",
    "less_than_sign": "<", "shift+up": "Shift+↑", "shift+down": "Shift+↓", "space": "Space",
    "shift+space": "Shift+Space",
}  # fmt: skip


def key_label(keys: str) -> str:
    out = []
    for key in keys.split(","):
        key = key.strip()
        name = KEY_NAMES.get(key)
        if name is None:
            name = key.replace("ctrl+", "Ctrl+").replace("shift+", "Shift+")
            name = name.upper() if len(name) == 2 and name[0] == "f" else name
            if name.startswith("Ctrl+") and len(name) == 6:  # Ctrl+S, as menus write it
                name = name.upper().replace("CTRL", "Ctrl")
        out.append(name)
    return " ".join(out)


class HelpScreen(ModalScreen[None]):
    """Lists the keys by where they work."""

    DEFAULT_CSS = """
    HelpScreen { align: center middle; }
    HelpScreen > VerticalScroll {
        width: 110; max-width: 100%; height: 90%; border: thick $primary;
        background: $surface; padding: 0 1;
    }
    """
    BINDINGS = [
        Binding("escape,q,question_mark,f1", "close", "Close help", id="help.close")
    ]

    def action_close(self) -> None:
        self.dismiss(None)

    def __init__(self, sections: Iterable[tuple[str, Iterable[Binding]]]) -> None:
        super().__init__()
        self.sections = [(title, list(bindings)) for title, bindings in sections]

    def compose(self) -> ComposeResult:
        with VerticalScroll():
            yield Static(Text("tgreader — keys (Esc closes)", style="bold"))
            for title, bindings in self.sections:
                table = Table.grid(padding=(0, 2))
                table.add_column(width=18, style="bold")
                table.add_column()
                table.add_column(style="dim")  # the id a [keymap] entry names
                for binding in bindings:
                    words = binding.tooltip or binding.description
                    if words:
                        table.add_row(Text(key_label(binding.key)), Text(words),
                                      Text(binding.id or ""))
                yield Static(Text(f"\n{title}", style="bold underline"))
                yield Static(table)
            yield Static(Text(
                "\nThe mouse works too: click a post, a date, a tag (also inside a post's text). "
                "Ctrl+P opens the command palette: posts by title or tag, 'Filter: #tag', "
                "'Go to: 2023', and 'Change theme'. Your own keys: a [keymap] table in the "
                "config file maps the ids shown dim above to keys, e.g. \"app.records\" = "
                "\"ctrl+r\"."
            ))
