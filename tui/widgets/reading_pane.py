"""The reading pane: one whole post, its header, its notes, and a paragraph cursor for quoting."""

from __future__ import annotations

from collections.abc import Sequence
from dataclasses import dataclass, replace
from pathlib import PurePath

from rich.style import Style
from rich.text import Text
from textual.binding import Binding
from textual.geometry import Region, Size
from textual.message import Message
from textual.scroll_view import ScrollView
from textual.selection import Selection
from textual.strip import Strip

from tui.clean import iter_hashtags
from tui.library import find_matches
from tui.model import Note, Post
from tui.quote import ParagraphSelection
from tui.safetext import link_target, visible
from tui.wording import date_label


class ReadingPane(ScrollView, can_focus=True):
    """Shows a post as styled literal text. ↑/↓ move a paragraph highlight for quoting."""

    DEFAULT_CSS = """
    ReadingPane { padding: 0 1; background: $surface; overflow-y: scroll; overflow-x: hidden; }
    ReadingPane > .reading--tag { color: $accent; text-style: bold; }
    ReadingPane > .reading--match { background: $warning 60%; color: $text; }
    ReadingPane > .reading--current-match {
        background: $accent; color: $text-accent; text-style: bold reverse underline;
    }
    ReadingPane > .reading--cursor { background: $boost; }
    ReadingPane:focus > .reading--cursor { background: $primary 25%; }
    ReadingPane > .reading--selection { background: $primary 45%; }
    ReadingPane > .reading--meta { color: $text-muted; text-style: italic; }
    ReadingPane > .reading--title { text-style: bold; }
    ReadingPane > .reading--source { color: $text-secondary; text-style: bold; }
    ReadingPane > .reading--inferred { color: $warning; }
    """

    COMPONENT_CLASSES = {
        "reading--tag", "reading--match", "reading--current-match", "reading--cursor",
        "reading--selection", "reading--meta", "reading--title", "reading--source",
        "reading--inferred",
    }  # fmt: skip

    BINDINGS = [
        Binding("up,k", "paragraph(-1)", "Prev paragraph", show=False, id="read.up"),
        Binding("down,j", "paragraph(1)", "Next paragraph", show=False, id="read.down"),
        Binding("shift+up,K", "extend(-1)", "Extend up", show=False, id="read.extend_up"),
        Binding("shift+down,J", "extend(1)", "Extend", id="read.extend_down"),
        Binding("v", "toggle_selection", "Select", id="read.select"),
        Binding("home,g", "paragraph_to(0)", "Top", show=False, id="read.top"),
        Binding("end,G", "paragraph_to(-1)", "Bottom", show=False, id="read.bottom"),
    ]

    @dataclass
    class TagClicked(Message):
        """A hashtag in the post's text was clicked; `key` is its case-folded form."""

        key: str

    def __init__(self, *, id: str | None = None) -> None:
        super().__init__(id=id)
        self.post: Post | None = None
        self.selection = ParagraphSelection()
        self.notes: Sequence[Note] = ()
        self.words: list[str] = []
        self.current_match: tuple[int, int, int] | None = None  # (paragraph, start, end)
        self.bookmarked = False
        self.spaced = True  # a blank line between paragraphs; display only, never copied
        self._rows: list[Text] = []
        self._paragraph_rows: list[tuple[int, int]] = []  # (first row, row count) each
        self._laid_width = 0
        # Rows drawn since the post was laid out, by (row, x scroll, style): scrolling the
        # post, or a repaint of the screen around it, does not draw them again.
        self._strips: dict[tuple[int, int, Style], Strip] = {}
        self._base = Style()  # the pane's own style, taken once per repaint
        self.empty_message = "Opening…"

    # -- content -----------------------------------------------------------------------------
    def show(
        self,
        post: Post | None,
        *,
        notes: Sequence[Note] = (),
        words: Sequence[str] = (),
        bookmarked: bool = False,
        keep_place: bool = False,
    ) -> None:
        same = post is not None and self.post is not None and post.id == self.post.id
        self.post = post
        self.notes = notes
        words = list(words)
        if not (same and keep_place and words == self.words):
            self.current_match = None
        self.words = words
        self.bookmarked = bookmarked
        if not (same and keep_place):
            self.selection = self._off_blank(ParagraphSelection(), 1)
            self.scroll_to(0, 0, animate=False, immediate=True)
        self._draw()

    def _draw(self) -> None:
        """Lay the post out as wrapped rows. Only this widget repaints: its size never
        changes with the post, so showing the next post costs no screen layout."""
        width = self.scrollable_content_region.width
        if width <= 0:
            self._rows, self._strips, self._laid_width = [], {}, 0
            return
        rows: list[Text] = []
        self._paragraph_rows = []
        console = self.app.console

        def add(text: Text) -> tuple[int, int]:
            first = len(rows)
            rows.extend(text.wrap(console, width, overflow="fold") or [Text("")])
            return first, len(rows) - first

        post = self.post
        if post is None:
            add(Text(self.empty_message, style=self._style("reading--meta")))
        else:
            add(self.header_text(post))
            rows.append(Text(""))
            paragraphs = post.paragraphs()
            for number, paragraph in enumerate(paragraphs):
                # Spacing goes between two paragraphs with words; a blank line the author
                # wrote is shown as the one blank line it is, not as three.
                if number and self.spaced and paragraph.strip() \
                        and paragraphs[number - 1].strip():
                    rows.append(Text(""))
                self._paragraph_rows.append(add(self.paragraph_text(number, paragraph)))
            tail = self.tail_text(post, bool(paragraphs))
            if tail.plain:
                if paragraphs:
                    rows.append(Text(""))
                add(tail)
            notes = self.notes_text()
            if notes.plain:
                rows.append(Text(""))
                add(notes)
        drawn = max(len(rows), len(self._rows))  # rows with text before or now
        self._rows = rows
        self._strips = {}
        self._laid_width = width
        size = Size(width, len(rows))
        if size != self.virtual_size:
            # Assigning virtual_size re-lays out the whole screen (it is a layout reactive);
            # the pane's box never changes with its content, so update only the scrollbar,
            # and only when it has a thumb before or after: one the height of the pane is
            # drawn as a bare track whatever the post's length.
            self.set_reactive(ReadingPane.virtual_size, size)
            height = self.scrollable_content_region.height
            if max(len(rows), self.vertical_scrollbar.window_virtual_size) > height:
                self._scroll_update(size)
        # Only the rows that held text or hold it now are drawn again: below them the pane
        # was blank and stays blank (a short post is a third of the pane's height).
        top = int(self.scroll_offset.y)
        self.refresh_lines(top, max(1, drawn - top))

    def plain_text(self) -> str:
        """Everything the pane shows, as wrapped plain text (what a mouse selection copies)."""
        return "\n".join(row.plain for row in self._rows)

    def content_text(self) -> str:
        """Header, paragraphs, media, links and notes as plain text, unwrapped."""
        post = self.post
        if post is None:
            return self.empty_message
        paragraphs = post.paragraphs()
        parts = [self.header_text(post).plain]
        parts += [self.paragraph_text(n, p).plain for n, p in enumerate(paragraphs)]
        parts += [self.tail_text(post, bool(paragraphs)).plain, self.notes_text().plain]
        return "\n".join(parts)

    def render_lines(self, crop: Region) -> list[Strip]:
        self._base = self.rich_style  # it walks the ancestors: once a repaint, not a line
        return super().render_lines(crop)

    def render_line(self, y: int) -> Strip:
        width = self.scrollable_content_region.width
        if width != self._laid_width:
            self._draw()
        scroll_x, scroll_y = self.scroll_offset
        row = y + int(scroll_y)
        base = self._base
        if row >= len(self._rows):
            return Strip.blank(width, base)
        selection = self.text_selection
        span = selection.get_span(row) if selection is not None else None
        key = (row, int(scroll_x), base)
        if span is None:
            strip = self._strips.get(key)
            if strip is not None:
                return strip
        text = self._rows[row].copy()
        text.stylize_before(base)
        if span is not None:
            start, end = span
            text.stylize(self.screen.get_component_rich_style("screen--selection"),
                         start, len(text) if end == -1 else end)
        text.end = ""
        strip = Strip(list(text.render(self.app.console)), text.cell_len)
        strip = strip.crop_extend(int(scroll_x), int(scroll_x) + width, base).apply_offsets(
            int(scroll_x), row
        )
        if span is None:
            self._strips[key] = strip
        return strip

    def get_selection(self, selection: Selection) -> tuple[str, str] | None:
        """Mouse selection: the rows under it, as shown."""
        return selection.extract(self.plain_text()), "\n"

    def selection_updated(self, selection: Selection | None) -> None:
        self.refresh()

    def on_resize(self) -> None:
        self._draw()

    def _style(self, name: str) -> Style:
        return self.get_component_rich_style(name, partial=True)

    def header_text(self, post: Post) -> Text:
        text = Text()
        text.append(visible(post.source or post.channel or "unknown source"),
                    self._style("reading--source"))
        text.append("  ·  ")
        style = self._style("reading--inferred") if post.date is None or post.date_inferred \
            else Style()
        text.append(date_label(post), style)
        if post.datetime and "T" in post.datetime:
            text.append(" " + post.datetime.split("T", 1)[1][:5])
        if self.bookmarked:
            text.append("  ★ bookmarked", self._style("reading--tag"))
        meta = self._style("reading--meta")
        if post.channel and post.source and post.channel != post.source:
            text.append(f"\nin {visible(post.channel)}", meta)
        if post.sender and post.sender != post.source:
            text.append(f"\nsent by {visible(post.sender)}", meta)
        if post.author:
            text.append(f"\nsigned {visible(post.author)}", meta)
        if post.url:
            text.append("\n")
            target = link_target(post.url)  # else inert text: no hyperlink sequence
            text.append(visible(post.url),
                        meta + Style(underline=True, link=target) if target else meta)
        elif post.message_id is not None:
            text.append(f"\nmessage {post.message_id}", meta)
        places = [f"{PurePath(o.path).name}:{o.line}" for o in post.origins]
        if len(places) > 1:
            shown = ", ".join(places[:3]) + (f", … ({len(places) - 3} more)" if len(places) > 3
                                             else "")
            text.append(f"\n{len(places)} copies: {visible(shown)}", self._style("reading--meta"))
        elif places:
            text.append(f"\nfrom {visible(places[0])}", self._style("reading--meta"))
        return text

    def paragraph_text(self, number: int, paragraph: str) -> Text:
        """One paragraph, literally, with tags, matches and the paragraph cursor styled."""
        start, end = self.selection.range()
        line = Text(visible(paragraph))
        shown = line.plain
        # The paragraph highlight goes first so the matches stay visible on top of it.
        if (self.has_focus or self.selection.active) and start <= number < end:
            line.stylize(self._style(
                "reading--selection" if self.selection.active else "reading--cursor"
            ))
        tag_style = self._style("reading--tag")
        for s, e in iter_hashtags(shown):
            key = shown[s + 1 : e].casefold()
            # An action on this widget (no namespace), with the key as a parameter, never
            # spliced into a string that would be parsed.
            line.stylize(tag_style + Style(meta={"@click": ("click_tag", (key,))}), s, e)
        match_style = self._style("reading--match")
        current = self._style("reading--current-match")
        for s, e in find_matches(shown, self.words):
            line.stylize(current if self.current_match == (number, s, e) else match_style, s, e)
        if number == 0:
            line.stylize(self._style("reading--title"))
        return line

    def body_text(self, post: Post) -> Text:
        """The whole body as one Text (paragraphs, media, links), styled as the rows show it."""
        text = Text()
        paragraphs = post.paragraphs()
        for number, paragraph in enumerate(paragraphs):
            if number:
                text.append("\n\n" if self.spaced else "\n")
            text.append_text(self.paragraph_text(number, paragraph))
        tail = self.tail_text(post, bool(paragraphs))
        if paragraphs and tail.plain:
            text.append("\n\n")
        text.append_text(tail)
        return text

    def tail_text(self, post: Post, has_paragraphs: bool) -> Text:
        """What follows the words, a line each: a no-text notice, the media placeholder,
        links. Empty when there is none of these."""
        meta = self._style("reading--meta")
        lines: list[Text] = []
        if not has_paragraphs:
            lines.append(Text("(this post has no text)", meta))
        media = post.media
        if media is not None:
            if media.file is None:
                said = f"▣ {media.kind} not included in this copy"
            elif media.present:
                said = f"▣ {media.kind}: {media.file}"
            else:
                said = f"▣ {media.kind}: {media.file} (not in the export folder)"
            lines.append(Text(visible(said), meta))
        for link in post.links:
            line = Text("🔗 ", meta)
            line.append(visible(link.text), meta)
            if link.url:
                line.append(" — ", meta)
                target = link_target(link.url)  # else inert text: no hyperlink sequence
                line.append(visible(link.url), Style(underline=True, link=target) if target
                            else meta)
            else:
                line.append(" (address not in this copy)", meta)
            lines.append(line)
        return Text("\n").join(lines)

    def notes_text(self) -> Text:
        if not self.notes:
            return Text("")
        meta = self._style("reading--meta")
        text = Text()
        text.append(f"── Notes ({len(self.notes)}) " + "─" * 20 + "\n", meta)
        for note in self.notes:
            if note.quote is not None:
                for line in note.quote.text.split("\n"):
                    text.append("▌ ", self._style("reading--tag"))
                    text.append(visible(line) + "\n", meta)
            text.append(visible(note.body) + "\n")
            stamp = note.updated[:16].replace("T", " ")
            text.append(f"  {stamp}\n", meta)
        text.rstrip()
        return text

    # -- paragraph cursor --------------------------------------------------------------------
    @property
    def paragraph_count(self) -> int:
        return len(self.post.paragraphs()) if self.post else 0

    def on_focus(self) -> None:
        self._draw()

    def on_blur(self) -> None:
        self._draw()

    def action_paragraph(self, delta: int) -> None:
        """↑/↓ move the highlight; after `v` they extend the selection instead. A paragraph
        taller than the pane is scrolled through first, so no line of it is jumped over."""
        if self._scroll_within_paragraph(delta):
            return
        if self.selection.active:
            moved = self.selection.extend(delta, self.paragraph_count)
        else:
            moved = self.selection.move(delta, self.paragraph_count)
        self.selection = self._off_blank(moved, delta)
        self._draw()
        self._scroll_to_paragraph(delta)

    def _scroll_within_paragraph(self, delta: int) -> bool:
        if not self._paragraph_rows:
            return False
        first, count = self._paragraph_rows[min(self.selection.cursor,
                                                len(self._paragraph_rows) - 1)]
        top = int(self.scroll_offset.y)
        height = max(1, self.scrollable_content_region.height)
        step = max(1, height - 2)
        if delta > 0 and first + count > top + height and first < top + height:
            self.scroll_to(y=min(top + step, first + count - height), animate=False,
                           immediate=True)
            return True
        if delta < 0 and first < top and first + count > top:
            self.scroll_to(y=max(top - step, first), animate=False, immediate=True)
            return True
        return False

    def page(self, direction: int) -> bool:
        """Scroll a pageful (keeping two lines of context), and put the paragraph cursor on the
        first paragraph that starts in view. False when already at that end of the post."""
        top = int(self.scroll_offset.y)
        height = max(1, self.scrollable_content_region.height)
        bottom = max(0, len(self._rows) - height)
        target = max(0, min(bottom, top + direction * max(1, height - 2)))
        if target == top:
            return False
        self.scroll_to(y=target, animate=False, immediate=True)
        in_view = [n for n, (first, count) in enumerate(self._paragraph_rows)
                   if first + count > target and first < target + height]
        if in_view and self.selection.cursor not in in_view and not self.selection.active:
            self.selection = self.selection.move(in_view[0] - self.selection.cursor,
                                                 self.paragraph_count)
            self._draw()
        return True

    def action_paragraph_to(self, position: int) -> None:
        count = self.paragraph_count
        target = count - 1 if position < 0 else position
        moved = self.selection.move(target - self.selection.cursor, count)
        self.selection = self._off_blank(moved, -1 if position < 0 else 1)
        self._after_move()

    def action_extend(self, delta: int) -> None:
        self.selection = self._off_blank(self.selection.extend(delta, self.paragraph_count),
                                         delta)  # fmt: skip
        self._after_move()

    def _off_blank(self, selection: ParagraphSelection, direction: int) -> ParagraphSelection:
        """The cursor moved on past blank paragraphs (in `direction`, else back): it only
        ever rests on words."""
        paragraphs = self.post.paragraphs() if self.post else []
        cursor = selection.cursor
        if not paragraphs or cursor >= len(paragraphs) or paragraphs[cursor].strip():
            return selection
        step = 1 if direction >= 0 else -1
        for candidate in (*range(cursor + step, len(paragraphs) if step > 0 else -1, step),
                          *range(cursor - step, -1 if step > 0 else len(paragraphs), -step)):
            if paragraphs[candidate].strip():
                return replace(selection, cursor=candidate)
        return selection

    def action_toggle_selection(self) -> None:
        if self.selection.active:
            self.selection = self.selection.clear()
        else:
            self.selection = self.selection.extend(0, self.paragraph_count)
        self._after_move()

    def clear_selection(self) -> bool:
        """Esc: drop an extended selection. Returns whether there was one."""
        if not self.selection.active:
            return False
        self.selection = self.selection.clear()
        self._draw()
        return True

    def action_click_tag(self, key: str) -> None:
        self.post_message(self.TagClicked(key))

    def matches(self) -> list[tuple[int, int, int]]:
        """Every search match in the post's paragraphs: (paragraph, start, end), in order."""
        if not self.post or not self.words:
            return []
        return [(number, s, e) for number, paragraph in enumerate(self.post.paragraphs())
                for s, e in find_matches(visible(paragraph), self.words)]

    def go_to_match(self, direction: int) -> bool:
        """Make the next (or previous) match the current one, wrapping around, move the
        paragraph cursor to it and scroll it into view. `0` goes to the first match.
        Returns False when the post holds no match."""
        hits = self.matches()
        if not hits:
            return False
        if direction == 0:
            target = hits[0]
        elif self.current_match in hits:
            position = hits.index(self.current_match)
            target = hits[(position + direction) % len(hits)]
        else:  # from the paragraph cursor
            here = self.selection.cursor
            if direction > 0:
                target = next((h for h in hits if h[0] >= here), hits[0])
            else:
                target = next((h for h in reversed(hits) if h[0] <= here), hits[-1])
        self.current_match = target
        self.selection = self.selection.move(target[0] - self.selection.cursor,
                                             self.paragraph_count)
        self._after_move()
        row = self._row_of(target[0], target[1])
        if row is not None:  # a match deep in a paragraph taller than the pane
            width = max(1, self.scrollable_content_region.width)
            self.scroll_to_region(Region(0, row, width, 1), animate=False, immediate=True)
        return True

    def _row_of(self, paragraph: int, offset: int) -> int | None:
        """The wrapped row that holds character `offset` of a paragraph."""
        if paragraph >= len(self._paragraph_rows):
            return None
        first, count = self._paragraph_rows[paragraph]
        seen = 0
        for row in range(first, first + count):
            seen += len(self._rows[row].plain)
            if seen > offset:
                return row
        return first + count - 1

    def _after_move(self) -> None:
        self._draw()
        self._scroll_to_paragraph()

    def _scroll_to_paragraph(self, direction: int = 1) -> None:
        """Keep the highlighted paragraph in view; one taller than the pane shows its start
        when reached going down, its end going up."""
        if not self._paragraph_rows:
            return
        last = len(self._paragraph_rows) - 1
        first, count = self._paragraph_rows[min(self.selection.cursor, last)]
        height = max(1, self.scrollable_content_region.height)
        if count > height:
            y = first if direction >= 0 else first + count - height
            self.scroll_to(y=y, animate=False, immediate=True)
            return
        width = max(1, self.scrollable_content_region.width)
        self.scroll_to_region(Region(0, first, width, count), animate=False, immediate=True)
