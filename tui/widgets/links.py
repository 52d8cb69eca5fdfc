"""The links of a post (`L`): its own address first, then the links in its text."""

from __future__ import annotations

from dataclasses import dataclass
from typing import Literal

from rich.text import Text
from textual.app import ComposeResult
from textual.binding import Binding
from textual.screen import ModalScreen
from textual.widgets import OptionList
from textual.widgets.option_list import Option

from tui.safetext import visible


@dataclass(frozen=True)
class LinkChoice:
    """What the user asked for: open or copy one address."""

    action: Literal["open", "copy"]
    url: str


class LinkPicker(ModalScreen[LinkChoice | None]):
    """Enter opens the highlighted link (or copies it where no browser can open), c copies."""

    DEFAULT_CSS = """
    LinkPicker { align: center middle; }
    LinkPicker > OptionList {
        width: 100; max-width: 100%; height: auto; max-height: 70%; border: thick $primary;
    }
    """
    BINDINGS = [
        Binding("enter", "choose('open')", "Open in the browser", id="links.open"),
        Binding("c,y", "choose('copy')", "Copy the address", id="links.copy"),
        Binding("escape,q", "close", "Close", id="links.close"),
    ]

    def __init__(self, links: list[tuple[str, str]]) -> None:
        """`links`: (what it is, address) pairs."""
        super().__init__()
        self.links = links

    def compose(self) -> ComposeResult:
        options = []
        for number, (label, url) in enumerate(self.links):
            prompt = Text(visible(label) or "(no words)")
            prompt.append("\n   " + visible(url), "dim")
            options.append(Option(prompt, id=str(number)))
        yield OptionList(*options)

    def on_mount(self) -> None:
        self.query_one(OptionList).border_title = "Links — Enter opens, c copies, Esc closes"

    def on_option_list_option_selected(self, event: OptionList.OptionSelected) -> None:
        event.stop()
        self.action_choose("open")

    def action_choose(self, action: Literal["open", "copy"]) -> None:
        highlighted = self.query_one(OptionList).highlighted
        if highlighted is None:
            return
        self.dismiss(LinkChoice(action, self.links[highlighted][1]))

    def action_close(self) -> None:
        self.dismiss(None)
