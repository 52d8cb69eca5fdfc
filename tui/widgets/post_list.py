"""The list of posts for the current filter, drawn one visible line at a time.

A ScrollView that renders only the rows on screen (as Toolong does for huge logs), so a list
of 100,000 posts costs the same to show as a list of ten.
"""

from __future__ import annotations

from collections.abc import Sequence
from dataclasses import dataclass
from typing import NamedTuple, Protocol

from rich.cells import cell_len
from rich.segment import Segment
from rich.style import Style
from rich.text import Text
from textual import events
from textual.binding import Binding
from textual.geometry import Size
from textual.message import Message
from textual.scroll_view import ScrollView
from textual.strip import Strip

from tui.model import Post
from tui.safetext import visible
from tui.wording import short_date

# Under this many columns a row takes two lines, so titles that start alike (five of the
# sample's nine begin `🎙 Foreign Minister Sergey Lavrov`) can still be told apart.
TWO_LINES_BELOW = 72
PREFIX_CELLS = 17  # the date column and the badges before a title
CONTINUED = "  "  # the second line of a row, indented under the date


class RowFlags(NamedTuple):
    """The marks a row shows beside its title."""

    read: bool
    bookmarked: bool
    noted: bool
    found_in_note: bool = False  # listed by a search that matched the reader's note, not the post


class RowSource(Protocol):
    """What the list reads to draw a row: the post at a library index and its marks.

    The app gives the list one of these; the list never reaches into the app or the store.
    """

    def post(self, index: int) -> Post: ...

    def flags(self, index: int) -> RowFlags: ...


class PostList(ScrollView, can_focus=True):
    """Posts as rows: date, badges (media ▣, bookmark ★, note ✎), title. Read rows are dim."""

    DEFAULT_CSS = """
    PostList {
        background: $surface;
        scrollbar-gutter: stable;
        overflow-x: hidden;  /* rows are cut with an ellipsis, never scrolled sideways */
    }
    PostList > .post-list--cursor { background: $block-cursor-blurred-background; }
    PostList:focus > .post-list--cursor {
        background: $block-cursor-background;
        color: $block-cursor-foreground;
        text-style: bold;
    }
    PostList > .post-list--date { color: $text-muted; }
    PostList > .post-list--read { color: $text-disabled; }
    PostList > .post-list--badge { color: $warning; }
    PostList > .post-list--empty { color: $text-muted; text-style: italic; }
    """

    COMPONENT_CLASSES = {
        "post-list--cursor", "post-list--date", "post-list--read", "post-list--badge",
        "post-list--empty",
    }  # fmt: skip

    BINDINGS = [
        Binding("up,k", "cursor(-1)", "Up", show=False, id="list.up"),
        Binding("down,j", "cursor(1)", "Down", show=False, id="list.down"),
        Binding("home,g", "jump(0)", "First", show=False, id="list.first"),
        Binding("end,G", "jump(-1)", "Last", show=False, id="list.last"),
        Binding("pageup", "page(-1)", "Page up", show=False, id="list.page_up"),
        Binding("pagedown", "page(1)", "Page down", show=False, id="list.page_down"),
        Binding("enter", "select", "Open", id="list.open"),
    ]

    @dataclass
    class Highlighted(Message):
        """The cursor moved to the post at `index` (an index into the library).

        `by_user` is False when the list moved it itself because its rows changed.
        """

        post_list: PostList
        index: int
        by_user: bool = True

    @dataclass
    class Selected(Message):
        """The user opened the post at `index` (Enter or click)."""

        post_list: PostList
        index: int

    def __init__(
        self,
        source: RowSource,
        *,
        name: str | None = None,
        id: str | None = None,
        classes: str | None = None,
    ) -> None:
        super().__init__(name=name, id=id, classes=classes)
        self.source = source
        self.show_channel = False  # when the open files hold several channels
        self.rows: list[int] = []
        self.cursor = 0
        self.empty_message = "No posts match this filter. Esc clears it."

    # -- data --------------------------------------------------------------------------------
    def set_rows(self, rows: Sequence[int], keep: int | None = None) -> None:
        """Show these library indices; keep the cursor on `keep` if it is among them."""
        self.rows = list(rows)
        self.virtual_size = Size(self.size.width, len(self.rows) * self.row_height)
        position = 0
        if keep is not None:
            try:
                position = self.rows.index(keep)
            except ValueError:
                position = 0
        self.cursor = position
        self._scroll_to_cursor()
        self.refresh()
        if self.rows:
            self._announce(by_user=False)

    def replace_rows(self, rows: Sequence[int], keep: int) -> bool:
        """New rows under a cursor that stays on `keep` at the same height on screen (the list
        grew while indexing, or the final order came): nothing moves under the reader and no
        Highlighted is posted. False, with nothing changed, when `keep` is not among them."""
        try:
            position = list(rows).index(keep)
        except ValueError:
            return False
        h = self.row_height
        on_screen = self.cursor * h - int(self.scroll_offset.y)
        self.rows = list(rows)
        self.virtual_size = Size(self.size.width, len(self.rows) * h)
        self.cursor = position
        self.scroll_to(y=max(0, position * h - on_screen), animate=False, immediate=True)
        self._scroll_to_cursor()
        self.refresh()
        return True

    def _announce(self, *, by_user: bool = True) -> None:
        self.post_message(self.Highlighted(self, self.rows[self.cursor], by_user))

    @property
    def current(self) -> int | None:
        """The library index under the cursor, or None when the list is empty."""
        return self.rows[self.cursor] if self.rows else None

    def refresh_row(self, index: int) -> None:
        """Repaint the row of one library index (after a bookmark or read mark changed)."""
        try:
            y = self.rows.index(index)
        except ValueError:
            return
        self._refresh_position(y)

    def _refresh_position(self, position: int) -> None:
        h = self.row_height
        self.refresh_lines(position * h - int(self.scroll_offset.y), h)

    @property
    def row_height(self) -> int:
        """Lines per row: two when the list is too narrow to tell titles apart on one."""
        return 2 if 0 < self.scrollable_content_region.width < TWO_LINES_BELOW else 1

    # -- movement ----------------------------------------------------------------------------
    def move_to(self, position: int) -> None:
        if not self.rows:
            return
        position = max(0, min(len(self.rows) - 1, position))
        if position == self.cursor:
            return
        old = self.cursor
        self.cursor = position
        self._scroll_to_cursor()
        self._refresh_position(old)
        self._refresh_position(position)
        self._announce()

    def _scroll_to_cursor(self) -> None:
        height = max(1, self.scrollable_content_region.height)
        h = self.row_height
        top = int(self.scroll_offset.y)
        first = self.cursor * h
        if first < top:
            self.scroll_to(y=first, animate=False, immediate=True)
            self.refresh()
        elif first + h > top + height:
            self.scroll_to(y=first + h - height, animate=False, immediate=True)
            self.refresh()

    def action_cursor(self, delta: int) -> None:
        self.move_to(self.cursor + delta)

    def action_jump(self, position: int) -> None:
        self.move_to(len(self.rows) - 1 if position < 0 else position)

    def action_page(self, direction: int) -> None:
        height = max(1, self.scrollable_content_region.height // self.row_height - 1)
        self.move_to(self.cursor + direction * height)

    def action_select(self) -> None:
        if self.rows:
            self.post_message(self.Selected(self, self.rows[self.cursor]))

    def on_click(self, event: events.Click) -> None:
        position = (event.y + int(self.scroll_offset.y)) // self.row_height
        if 0 <= position < len(self.rows):
            self.move_to(position)
            self.post_message(self.Selected(self, self.rows[position]))

    def on_resize(self, event: events.Resize) -> None:
        self.virtual_size = Size(event.size.width, len(self.rows) * self.row_height)
        self._scroll_to_cursor()
        self.refresh()

    # -- drawing -----------------------------------------------------------------------------
    def render_line(self, y: int) -> Strip:
        width = self.scrollable_content_region.width
        h = self.row_height
        line = y + int(self.scroll_offset.y)
        position, part = divmod(line, h)
        base = self.rich_style
        if not self.rows:
            if y == 0:
                style = self.get_component_rich_style("post-list--empty")
                return Strip([Segment(self.empty_message[:width], style)]).extend_cell_length(
                    width, base
                )
            return Strip.blank(width, base)
        if position >= len(self.rows):
            return Strip.blank(width, base)
        text = self.row_text(self.rows[position])
        if h == 2:
            text = self._two_lines(text, width)[part]
        if position == self.cursor:
            text.stylize(self.get_component_rich_style("post-list--cursor"))
        # The title carries no background of its own: give it the list's, or terminals
        # paint it in their default colour.
        strip = Strip(text.render(self.app.console), text.cell_len).apply_style(base)
        return strip.crop_extend(0, width, base + (Style() if position != self.cursor
                                 else self.get_component_rich_style("post-list--cursor")))

    @staticmethod
    def _two_lines(row: Text, width: int) -> tuple[Text, Text]:
        """The row cut at a word boundary to fit `width`; the rest, indented, on a second line
        that ends with an ellipsis when even that is too short."""
        plain = row.plain
        used = 0
        cut = len(plain)
        for position, char in enumerate(plain):
            used += cell_len(char)
            if used > width:
                cut = position
                break
        else:
            return row, Text("")
        space = plain.rfind(" ", PREFIX_CELLS, cut + 1)
        if space > cut - 8:
            cut = space
        head, tail = row.divide([cut])
        tail = tail.divide([len(tail.plain) - len(tail.plain.lstrip(" "))])[-1]
        rest = Text(CONTINUED) + tail
        rest.truncate(width, overflow="ellipsis")
        return head, rest

    def row_texts(self) -> list[str]:
        """Every row as the user reads it (date, badges, title), in order."""
        return [self.row_text(index).plain for index in self.rows]

    def row_text(self, index: int) -> Text:
        """The row of one library index as literal text: the title is data, never markup."""
        post = self.source.post(index)
        read, bookmarked, noted, found_in_note = self.source.flags(index)
        date_style = self.get_component_rich_style("post-list--date")
        badge_style = self.get_component_rich_style("post-list--badge")
        text = Text(no_wrap=True, overflow="ellipsis", end="")
        text.append(f"{short_date(post):<13}", date_style)
        badges = ("▣" if post.has_media else " ") + ("★" if bookmarked else " ") + (
            "✎" if noted else " "
        )
        text.append(badges + " ", badge_style)
        if self.show_channel and post.channel:
            text.append(visible(post.channel)[:20] + " · ", date_style)
        if found_in_note:
            text.append("found in your note · ", badge_style)
        title = visible(post.title) or "(no text)"
        if read:
            text.append(title, self.get_component_rich_style("post-list--read"))
        else:
            text.append(title)
        return text
