"""The sidebar: a date tree with counts, posts per month, collections, and hashtags.

It announces choices with messages; the app decides what the list shows.
"""

from __future__ import annotations

from collections import Counter
from collections.abc import Iterable
from dataclasses import dataclass

from rich.text import Text
from textual.app import ComposeResult
from textual.binding import Binding
from textual.containers import Vertical
from textual.message import Message
from textual.widgets import Label, OptionList, Sparkline, Tree
from textual.widgets.option_list import Option
from textual.widgets.tree import TreeNode

from tui.library import DateBranch, DateNode, Library, TagCount
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

    unread: Counter[str] = Counter()  # unread posts per period, set before fill()

    def fill(self, nodes: list[DateBranch]) -> None:
        """Years (and the undated group) now; a node's children when it is first expanded.

        A decade of daily posts is 3,650 day nodes, and undated posts between different
        neighbours thousands of groups: too many to build before the first paint.
        """
        self.clear()
        self._pending: dict[str, DateBranch] = {}
        self._period_nodes: dict[str, DateNode] = {}
        self.root.expand()
        for node in nodes:
            self._add(self.root, node)
        if len(nodes) == 1 and nodes[0].has_children:
            self.root.children[0].expand()

    def _add(self, parent: TreeNode[str], branch: DateBranch) -> None:
        node = branch.node
        label = self._label(node, self.unread.get(node.period, 0))
        if branch.has_children:
            parent.add(label, data=node.period)
            self._pending[node.period] = branch
        else:
            parent.add_leaf(label, data=node.period)
        self._period_nodes[node.period] = node

    def relabel(self, periods: Iterable[str]) -> None:
        """Redraw the labels of these periods (after their unread counts changed)."""
        wanted = set(periods)
        stack = list(self.root.children)
        while stack:
            tree_node = stack.pop()
            stack.extend(tree_node.children)
            node = self._period_nodes.get(tree_node.data or "")
            if node is not None and node.period in wanted:
                tree_node.set_label(self._label(node, self.unread.get(node.period, 0)))

    def on_tree_node_expanded(self, event: Tree.NodeExpanded[str]) -> None:
        branch = self._pending.pop(event.node.data or "", None)
        for child in branch.children() if branch is not None else ():
            self._add(event.node, child)

    @staticmethod
    def _label(node: DateNode, unread: int = 0) -> Text:
        text = Text(visible(node.label))
        text.append(f" ({node.count:,}", style="dim")
        if ":" not in node.period:  # undated groups by their bounds are not counted
            text.append_text(unread_note(unread, node.count))
        text.append(")", style="dim")
        return text


def unread_note(unread: int, count: int) -> Text:
    """Beside a count: nothing while none of it is read, ` · 3 new` once some is, ` · read`
    when all is (a fresh archive stays uncluttered)."""
    if unread >= count:
        return Text("")
    if unread <= 0:
        return Text(" · read", "dim")
    return Text(f" · {unread:,} new", "bold")


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

    def fill(self, library: Library, bookmarks: int, notes: int, unread: int = 0,
             unread_by_tag: Counter[str] | None = None,
             unread_by_period: Counter[str] | None = None) -> None:
        tree = self.query_one(DateTree)
        tree.unread = unread_by_period if unread_by_period is not None else Counter()
        tree.fill(library.date_branches())
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
        self.fill_tags(library.tags(), unread_by_tag)
        self.fill_channels(library.channels())
        self.fill_collections(bookmarks, notes, unread)

    def fill_tags(self, tags: list[TagCount], unread: Counter[str] | None = None) -> None:
        self._tag_counts = {t.key: t for t in tags}
        self._unread_tags = unread if unread is not None else Counter()
        options = self.query_one("#tags", OptionList)
        options.clear_options()
        options.add_options([Option(self._tag_prompt(t), id=t.key) for t in tags])

    def _tag_prompt(self, tag: TagCount) -> Text:
        text = Text(f"#{visible(tag.label)}").append(f" {tag.count:,}", "dim")
        return text.append_text(unread_note(self._unread_tags.get(tag.key, 0), tag.count))

    def set_unread(self, by_tag: Counter[str], by_period: Counter[str],
                   changed_tags: Iterable[str] = (), changed_periods: Iterable[str] = ()) -> None:
        """New unread counts; only the named tags and periods are redrawn."""
        self._unread_tags = by_tag
        tree = self.query_one(DateTree)
        tree.unread = by_period
        tree.relabel(changed_periods)
        options = self.query_one("#tags", OptionList)
        for key in changed_tags:
            tag = self._tag_counts.get(key)
            if tag is not None:
                options.replace_option_prompt(key, self._tag_prompt(tag))

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
