"""The list of posts for the current filter, drawn one visible line at a time.

A ScrollView that renders only the rows on screen (as Toolong does for huge logs), so a list
of 100,000 posts costs the same to show as a list of ten.
"""

from __future__ import annotations

from collections.abc import Sequence
from dataclasses import dataclass
from math import ceil
from typing import NamedTuple, Protocol

from rich.cells import cell_len
from rich.segment import Segment
from rich.style import Style
from rich.text import Text
from textual import events
from textual.binding import Binding
from textual.cache import LRUCache
from textual.geometry import Region, Size
from textual.message import Message
from textual.scroll_view import ScrollView
from textual.strip import Strip

from tui.model import Post
from tui.safetext import visible
from tui.wording import short_date

# Under this many columns a row takes two lines, so titles that start alike (five of the
# sample's nine begin `🎙 Foreign Minister Sergey Lavrov`) can still be told apart.
TWO_LINES_BELOW = 72
LINE_CACHE = 256  # drawn lines kept: a few screens of rows (each a few GC-tracked objects)
PREFIX_CELLS = 17  # the date column and the badges before a title
CONTINUED = "  "  # the second line of a row, indented under the date
_ROW_STYLES = ("post-list--cursor", "post-list--date", "post-list--read", "post-list--badge")


class RowFlags(NamedTuple):
    """The marks a row shows beside its title."""

    read: bool
    bookmarked: bool
    noted: bool
    found_in_note: bool = False  # listed by a search that matched the reader's note, not the post


class _Pass(NamedTuple):
    """What every line of one repaint shares."""

    width: int
    height: int  # lines a row takes
    base: Style  # the list's own style
    show_channel: bool
    styles: tuple[Style, ...]  # the rows' component styles (theme, focus)


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
        """The cursor moved to the post at `index` (an index into the library). Posted to
        the app (see `_announce`).

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
        self.rows: Sequence[int] = []
        self.cursor = 0
        self.empty_message = "No posts match this filter. Esc clears it."
        # Drawn lines by what they show (see `render_line`): scrolling by a row redraws every
        # line on screen, and all but one of them were drawn a move ago.
        self._lines: LRUCache[tuple[object, ...], Strip] = LRUCache(LINE_CACHE)
        # What the lines of one repaint share (see `render_lines`).
        self._pass = _Pass(0, 1, Style(), False, ())

    # -- data --------------------------------------------------------------------------------
    def set_rows(self, rows: Sequence[int], keep: int | None = None) -> None:
        """Show these library indices; keep the cursor on `keep` if it is among them. A range
        is kept as it is (every post of a million: no list of them)."""
        self.rows = rows if isinstance(rows, range) else list(rows)
        self._lines.clear()  # an index may be another post now (the library was replaced)
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
            position = rows.index(keep)
        except ValueError:
            return False
        h = self.row_height
        on_screen = self.cursor * h - int(self.scroll_offset.y)
        self.rows = rows if isinstance(rows, range) else list(rows)
        self._lines.clear()
        self.virtual_size = Size(self.size.width, len(self.rows) * h)
        self.cursor = position
        self.scroll_to(y=max(0, position * h - on_screen), animate=False, immediate=True)
        self._scroll_to_cursor()
        self.refresh()
        return True

    def _announce(self, *, by_user: bool = True) -> None:
        # Straight to the app, which shows the post: a key's action runs in the app's own
        # queue, so the post is shown before the screen is next drawn and one repaint carries
        # both the cursor and the post. Bubbling up through the list's four containers would
        # let the screen draw the cursor alone first (twice the drawing per move, and a frame
        # with the cursor on one post and the pane on the one before).
        self.app.post_message(self.Highlighted(self, self.rows[self.cursor], by_user))

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
        self.refresh_lines(position * h, h)  # lines of the whole list: it subtracts the scroll

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

    def watch_scroll_y(self, old_value: float, new_value: float) -> None:
        """ScrollView's own, except that the scrollbar is told only when its thumb would be
        drawn elsewhere: a moved scrollbar redraws its whole height, and in a long list the
        thumb moves an eighth of a cell every few hundred rows, while scrolling by a row is
        what every `j` does at the bottom of the list."""
        if self.show_vertical_scrollbar:
            thumb = self._thumb_at(new_value)
            if thumb is None or thumb != self._thumb_at(self.vertical_scrollbar.position):
                self.vertical_scrollbar.position = new_value
        if round(old_value) != round(new_value):
            self.refresh(self.size.region)

    def _thumb_at(self, scroll_y: float) -> int | None:
        """Where the scrollbar draws its thumb for this scroll, in eighths of a cell (as
        ScrollBarRender places it); None when it is not a thumb over a track."""
        bar = self.vertical_scrollbar
        size, window, virtual = bar.size.height, ceil(bar.window_size), ceil(
            bar.window_virtual_size)
        if not size or not window or window >= virtual or size == virtual:
            return None
        thumb = max(1, window / (virtual / size))
        eighths = len(bar.renderer.VERTICAL_BARS)
        return int((size - thumb) * (scroll_y / (virtual - window)) * eighths)

    def on_resize(self, event: events.Resize) -> None:
        self.virtual_size = Size(event.size.width, len(self.rows) * self.row_height)
        self._scroll_to_cursor()
        self.refresh()

    # -- drawing -----------------------------------------------------------------------------
    def render_lines(self, crop: Region) -> list[Strip]:
        # What every line of this repaint shares, taken once (the widget's style walks its
        # ancestors on each read): the width, the row height and the styles a row is drawn in.
        width = self.scrollable_content_region.width
        self._pass = _Pass(width, self.row_height, self.rich_style, self.show_channel,
                           tuple(self.get_component_rich_style(name) for name in _ROW_STYLES))
        return super().render_lines(crop)

    def render_line(self, y: int) -> Strip:
        width, h, base = self._pass[:3]
        position, part = divmod(y + int(self.scroll_offset.y), h)
        if not self.rows:
            if y == 0:
                style = self.get_component_rich_style("post-list--empty")
                return Strip([Segment(self.empty_message[:width], style)]).extend_cell_length(
                    width, base
                )
            return Strip.blank(width, base)
        if position >= len(self.rows):
            return Strip.blank(width, base)
        index = self.rows[position]
        # A line is drawn again only when something it shows changed: its post, its marks,
        # the cursor on it, the width or the styles (theme, focus).
        key = (index, part, position == self.cursor, self.source.flags(index), self._pass)
        strip = self._lines.get(key)
        if strip is None:
            strip = self._lines[key] = self._draw_line(index, part, position == self.cursor)
        return strip

    def _draw_line(self, index: int, part: int, at_cursor: bool) -> Strip:
        width, h, base = self._pass[:3]
        text = self.row_text(index)
        if h == 2:
            text = self._two_lines(text, width)[part]
        cursor = self.get_component_rich_style("post-list--cursor")
        if at_cursor:
            text.stylize(cursor)
        # The title carries no background of its own: give it the list's, or terminals
        # paint it in their default colour.
        strip = Strip(text.render(self.app.console), text.cell_len).apply_style(base)
        return strip.crop_extend(0, width, base + (cursor if at_cursor else Style()))

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
