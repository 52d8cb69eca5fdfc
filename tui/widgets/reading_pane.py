"""The reading pane: one whole post, its header, its notes, and a paragraph cursor for quoting."""

from __future__ import annotations

from collections.abc import Sequence
from dataclasses import dataclass

from rich.style import Style
from rich.text import Text
from textual.binding import Binding
from textual.containers import VerticalScroll
from textual.geometry import Region
from textual.message import Message
from textual.widgets import Static

from tui.clean import iter_hashtags, visible
from tui.library import find_matches
from tui.model import Note, Post, date_label
from tui.quote import ParagraphSelection


class ReadingPane(VerticalScroll, can_focus=True):
    """Shows a post as styled literal text. ↑/↓ move a paragraph highlight for quoting."""

    DEFAULT_CSS = """
    ReadingPane { padding: 0 1; background: $surface; }
    ReadingPane > #post-header { color: $text-muted; margin-bottom: 1; }
    ReadingPane > #post-body { }
    ReadingPane > #post-notes { margin-top: 1; }
    ReadingPane > .reading--tag { color: $accent; text-style: bold; }
    ReadingPane > .reading--match { background: $warning 60%; color: $text; }
    ReadingPane > .reading--cursor { background: $boost; }
    ReadingPane:focus > .reading--cursor { background: $primary 25%; }
    ReadingPane > .reading--selection { background: $primary 45%; }
    ReadingPane > .reading--meta { color: $text-muted; text-style: italic; }
    ReadingPane > .reading--title { text-style: bold; }
    ReadingPane > .reading--source { color: $text-secondary; text-style: bold; }
    ReadingPane > .reading--inferred { color: $warning; }
    """

    COMPONENT_CLASSES = {
        "reading--tag", "reading--match", "reading--cursor", "reading--selection",
        "reading--meta", "reading--title", "reading--source", "reading--inferred",
    }  # fmt: skip

    BINDINGS = [
        Binding("up,k", "paragraph(-1)", "Prev paragraph", show=False, id="read.up"),
        Binding("down,j", "paragraph(1)", "Next paragraph", show=False, id="read.down"),
        Binding("shift+up,K", "extend(-1)", "Extend up", show=False, id="read.extend_up"),
        Binding("shift+down,J", "extend(1)", "Extend down", show=False, id="read.extend_down"),
        Binding("v", "toggle_selection", "Select", show=False, id="read.select"),
        Binding("home,g", "paragraph_to(0)", "Top", show=False, id="read.top"),
        Binding("end,G", "paragraph_to(-1)", "Bottom", show=False, id="read.bottom"),
        Binding(">", "match(1)", "Next match", show=False, id="read.next_match"),
        Binding("<", "match(-1)", "Prev match", show=False, id="read.prev_match"),
    ]

    @dataclass
    class TagClicked(Message):
        key: str

    def __init__(self, *, id: str | None = None) -> None:
        super().__init__(id=id)
        self.post: Post | None = None
        self.selection = ParagraphSelection()
        self.notes: Sequence[Note] = ()
        self.words: list[str] = []
        self.bookmarked = False
        self.spaced = True  # a blank line between paragraphs; display only, never copied

    def compose(self):  # type: ignore[no-untyped-def]
        yield Static(id="post-header")
        yield Static(id="post-body")
        yield Static(id="post-notes")

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
        self.words = list(words)
        self.bookmarked = bookmarked
        if not (same and keep_place):
            self.selection = ParagraphSelection()
            self.scroll_home(animate=False)
        self._draw()

    def _draw(self) -> None:
        header = self.query_one("#post-header", Static)
        body = self.query_one("#post-body", Static)
        notes = self.query_one("#post-notes", Static)
        post = self.post
        if post is None:
            header.update(Text("No post to show.", style=self._style("reading--meta")))
            body.update(Text(""))
            notes.update(Text(""))
            return
        header.update(self.header_text(post))
        body.update(self.body_text(post))
        notes.update(self.notes_text())

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
        if post.channel and post.source and post.channel != post.source:
            text.append(f"\nin {visible(post.channel)}", self._style("reading--meta"))
        if post.occurrences > 1:
            text.append(f"\n{post.occurrences} copies in the files", self._style("reading--meta"))
        return text

    def body_text(self, post: Post) -> Text:
        """The post's text, literally, with tags, matches and the paragraph cursor styled."""
        paragraphs = post.paragraphs()
        start, end = self.selection.range()
        cursor_style = self._style(
            "reading--selection" if self.selection.active else "reading--cursor"
        )
        focused = self.has_focus
        tag_style = self._style("reading--tag")
        match_style = self._style("reading--match")
        text = Text()
        for number, paragraph in enumerate(paragraphs):
            line = Text(visible(paragraph))
            shown = line.plain
            for s, e in iter_hashtags(shown):
                key = shown[s + 1 : e].casefold()
                line.stylize(tag_style + Style(meta={"@click": f"app.filter_tag({key!r})"}), s, e)
            for s, e in find_matches(shown, self.words):
                line.stylize(match_style, s, e)
            if (focused or self.selection.active) and start <= number < end:
                line.stylize(cursor_style)
            if number == 0:
                line.stylize(self._style("reading--title"))
            text.append_text(line)
            if number < len(paragraphs) - 1:
                text.append("\n\n" if self.spaced else "\n")
        meta = self._style("reading--meta")
        if not paragraphs:
            text.append("(this post has no text)", meta)
        if post.has_media:
            text.append("\n\n▣ media not included in this copy", meta)
        for link in post.links:
            text.append("\n🔗 " if (paragraphs or post.has_media) else "🔗 ", meta)
            text.append(visible(link.text), meta)
            if link.url:
                text.append(" — ", meta)
                text.append(visible(link.url), Style(underline=True, link=link.url))
            else:
                text.append(" (address not in this copy)", meta)
        return text

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
        """↑/↓ move the highlight; after `v` they extend the selection instead."""
        if self.selection.active:
            self.selection = self.selection.extend(delta, self.paragraph_count)
        else:
            self.selection = self.selection.move(delta, self.paragraph_count)
        self._after_move()

    def action_paragraph_to(self, position: int) -> None:
        count = self.paragraph_count
        target = count - 1 if position < 0 else position
        self.selection = self.selection.move(target - self.selection.cursor, count)
        self._after_move()

    def action_extend(self, delta: int) -> None:
        self.selection = self.selection.extend(delta, self.paragraph_count)
        self._after_move()

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

    def action_match(self, direction: int) -> None:
        """Move the paragraph cursor to the next (or previous) paragraph holding a match."""
        if not self.post or not self.words:
            return
        paragraphs = self.post.paragraphs()
        hits = [i for i, p in enumerate(paragraphs) if find_matches(p, self.words)]
        if not hits:
            return
        here = self.selection.cursor
        if direction > 0:
            target = next((i for i in hits if i > here), hits[0])
        else:
            target = next((i for i in reversed(hits) if i < here), hits[-1])
        self.selection = self.selection.move(target - here, len(paragraphs))
        self._after_move()

    def _after_move(self) -> None:
        self._draw()
        self.call_after_refresh(self._scroll_to_paragraph)

    def _scroll_to_paragraph(self) -> None:
        """Keep the highlighted paragraph in view, counting wrapped lines as they are drawn."""
        if self.post is None:
            return
        body = self.query_one("#post-body", Static)
        width = max(1, body.content_region.width)
        paragraphs = self.post.paragraphs()
        row = 0
        gap = 1 if self.spaced else 0
        for paragraph in paragraphs[: self.selection.cursor]:
            row += max(1, len(Text(visible(paragraph)).wrap(self.app.console, width))) + gap
        here = paragraphs[self.selection.cursor] if paragraphs else ""
        height = max(1, len(Text(visible(here)).wrap(self.app.console, width)))
        top = body.virtual_region.y + row
        self.scroll_to_region(Region(0, top, width, height), animate=False)
