"""The sidebar: a date tree with counts, posts per month, collections, and hashtags.

It announces choices with messages; the app decides what the list shows.
"""

from __future__ import annotations

from dataclasses import dataclass

from rich.text import Text
from textual.app import ComposeResult
from textual.binding import Binding
from textual.containers import Vertical
from textual.message import Message
from textual.widgets import Label, OptionList, Sparkline, Tree
from textual.widgets.option_list import Option
from textual.widgets.tree import TreeNode

from tui.library import DateNode, Library, TagCount
from tui.safetext import visible
from tui.wording import month_short


class DateTree(Tree[str]):
    """Years -> months -> days; each node's data is its period key."""

    BINDINGS = [
        Binding("j", "cursor_down", "Down", show=False, id="dates.down"),
        Binding("k", "cursor_up", "Up", show=False, id="dates.up"),
        Binding("enter", "select_cursor", "Show these dates", id="dates.choose"),
        Binding("space", "toggle_node", "Open/close", id="dates.toggle"),
    ]

    def on_focus(self) -> None:
        """Show the cursor as soon as the tree has focus, not after the first ↓."""
        if self.cursor_line < 0 and self.root.children:
            self.cursor_line = 0

    def fill(self, nodes: list[DateNode]) -> None:
        """Years (and the undated group) now; a node's children when it is first expanded.

        A decade of daily posts is 3,650 day nodes, and undated posts between different
        neighbours thousands of groups: too many to build before the first paint.
        """
        self.clear()
        self._pending: dict[str, list[DateNode]] = {}
        self.root.expand()
        for node in nodes:
            self._add(self.root, node)
        if len(nodes) == 1 and nodes[0].children:
            self.root.children[0].expand()

    def _add(self, parent: TreeNode[str], node: DateNode) -> None:
        if node.children:
            parent.add(self._label(node), data=node.period)
            self._pending[node.period] = list(node.children.values())
        else:
            parent.add_leaf(self._label(node), data=node.period)

    def on_tree_node_expanded(self, event: Tree.NodeExpanded[str]) -> None:
        children = self._pending.pop(event.node.data or "", None)
        for child in children or ():
            self._add(event.node, child)

    @staticmethod
    def _label(node: DateNode) -> Text:
        text = Text(visible(node.label))
        text.append(f" ({node.count:,})", style="dim")
        return text


class ChoiceList(OptionList):
    """The sidebar's collections and hashtags: a cursor from the moment it has focus."""

    BINDINGS = [
        Binding("j", "cursor_down", "Down", show=False, id="choices.down"),
        Binding("k", "cursor_up", "Up", show=False, id="choices.up"),
        Binding("enter", "select", "Filter by it", id="choices.choose"),
    ]

    def on_focus(self) -> None:
        if self.highlighted is None and self.option_count:
            self.highlighted = 0


class Sidebar(Vertical):
    """Dates, a sparkline of posts per month, bookmarks/notes, and tags by count."""

    DEFAULT_CSS = """
    Sidebar { width: 30; dock: left; background: $panel; }
    Sidebar > .sidebar--title {
        color: $text-muted; text-style: bold; padding: 0 1; width: 100%; text-wrap: nowrap;
        text-overflow: ellipsis;
    }
    Sidebar > DateTree { height: 2fr; min-height: 4; background: $panel; }
    Sidebar > Sparkline { height: 2; margin: 0 1; }
    Sidebar > #channels { height: auto; max-height: 6; background: $panel; border: none; }
    Sidebar > #collections { height: auto; max-height: 5; background: $panel; border: none; }
    Sidebar > #tags { height: 3fr; min-height: 3; background: $panel; border: none; }
    """

    @dataclass
    class PeriodChosen(Message):
        period: str

    @dataclass
    class TagChosen(Message):
        key: str

    @dataclass
    class CollectionChosen(Message):
        collection: str

    @dataclass
    class ChannelChosen(Message):
        channel: str

    def compose(self) -> ComposeResult:
        yield Label("Dates", classes="sidebar--title")
        tree: DateTree = DateTree("All posts", id="dates")
        tree.show_root = False
        tree.guide_depth = 2
        yield tree
        yield Label("Posts per month", id="spark-label", classes="sidebar--title")
        yield Sparkline([], id="spark")
        yield Label("Channels", id="channels-label", classes="sidebar--title")
        yield ChoiceList(id="channels")
        yield Label("Collections", classes="sidebar--title")
        yield ChoiceList(id="collections")
        yield Label("Hashtags", classes="sidebar--title")
        yield ChoiceList(id="tags")

    def fill(self, library: Library, bookmarks: int, notes: int, unread: int = 0) -> None:
        self.query_one(DateTree).fill(library.date_tree())
        months = library.month_counts()
        spark = self.query_one(Sparkline)
        spark.data = [count for _, count in months] or [0]
        label = self.query_one("#spark-label", Label)
        if months:
            first, last = (month_short(months[0][0]), month_short(months[-1][0]))
            label.update(Text(f"Per month, {first} – {last}" if first != last
                              else f"Posts in {first}: {months[0][1]:,}"))
        # One month is one bar filling the chart: a solid block that says nothing.
        spark.display = len(months) > 1
        self.fill_tags(library.tags())
        self.fill_channels(library.channels())
        self.fill_collections(bookmarks, notes, unread)

    def fill_tags(self, tags: list[TagCount]) -> None:
        options = self.query_one("#tags", OptionList)
        options.clear_options()
        options.add_options(
            [Option(Text(f"#{visible(t.label)}").append(f" {t.count:,}", "dim"), id=t.key)
             for t in tags]
        )

    def fill_channels(self, channels: list[TagCount]) -> None:
        """Listed only when the open files hold more than one channel."""
        several = len(channels) > 1
        self.query_one("#channels-label").display = several
        options = self.query_one("#channels", OptionList)
        options.display = several
        options.clear_options()
        options.add_options(
            [Option(Text(visible(c.label)).append(f" {c.count:,}", "dim"), id=c.key)
             for c in channels] if several else []
        )

    def fill_collections(self, bookmarks: int, notes: int, unread: int = 0) -> None:
        options = self.query_one("#collections", OptionList)
        highlighted = options.highlighted
        options.clear_options()
        options.add_options([
            Option(Text("★ Bookmarks").append(f" {bookmarks:,}", "dim"), id="bookmarks"),
            Option(Text("✎ Notes").append(f" {notes:,}", "dim"), id="notes"),
            Option(Text("● Unread").append(f" {unread:,}", "dim"), id="unread"),
        ])
        if highlighted is not None:
            options.highlighted = highlighted

    def on_tree_node_selected(self, event: Tree.NodeSelected[str]) -> None:
        event.stop()
        if event.node.data:
            self.post_message(self.PeriodChosen(event.node.data))

    def on_option_list_option_selected(self, event: OptionList.OptionSelected) -> None:
        event.stop()
        option_id = event.option.id
        if option_id is None:
            return
        if event.option_list.id == "tags":
            self.post_message(self.TagChosen(option_id))
        elif event.option_list.id == "channels":
            self.post_message(self.ChannelChosen(option_id))
        else:
            self.post_message(self.CollectionChosen(option_id))
