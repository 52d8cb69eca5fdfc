"""Choosing a passage of a post by paragraph and turning it into text worth pasting elsewhere.

Pure functions over `tui.model.Post`; the reading pane keeps a `ParagraphSelection`, the app
turns the chosen range into a `passage`, a `citation` or the `whole_post`, and hands the string
to `tui.clipboard`. Nothing here knows about Textual or the clipboard, so the text a reader
pastes can be tested without a terminal.

Post text is copied as the channel wrote it: emoji, flags and Cyrillic pass through untouched,
and nothing is shortened. A citation that silently cut its quote would put words (or silences)
in the channel's mouth, so long passages stay whole; the toast reports the length instead.
"""

from __future__ import annotations

from dataclasses import dataclass, replace

from tui.model import Post
from tui.wording import citation_date

OPEN_QUOTE = "\u201c"  # “
CLOSE_QUOTE = "\u201d"  # ”
UNKNOWN_SOURCE = "unknown source"


@dataclass(frozen=True, slots=True)
class ParagraphSelection:
    """Which paragraphs of the open post the reader has chosen.

    `cursor` is the highlighted paragraph. `anchor` is where a multi-paragraph selection began,
    or None when only the cursor is chosen. Every method returns a new value, so the reading
    pane can keep it in a reactive and compare old with new.
    """

    cursor: int = 0
    anchor: int | None = None

    @property
    def active(self) -> bool:
        """True while a selection is being extended (after Shift+movement or `v`)."""
        return self.anchor is not None

    def move(self, delta: int, count: int) -> ParagraphSelection:
        """Move the cursor by `delta` within `count` paragraphs and drop any selection.

        Plain movement collapses a selection, as it does in a text editor; a pane in a
        vim-like visual mode calls `extend` for movement instead.
        """
        return ParagraphSelection(cursor=_clamp(self.cursor + delta, count), anchor=None)

    def extend(self, delta: int, count: int) -> ParagraphSelection:
        """Grow or shrink the selection: anchor stays (set at the cursor if new), cursor moves.

        `extend(0, count)` starts a selection of just the cursor paragraph, which is what `v`
        does.
        """
        anchor = self.cursor if self.anchor is None else self.anchor
        return ParagraphSelection(
            cursor=_clamp(self.cursor + delta, count), anchor=_clamp(anchor, count)
        )

    def clear(self) -> ParagraphSelection:
        """Drop the selection and keep the cursor where it is (Esc)."""
        return replace(self, anchor=None)

    def range(self) -> tuple[int, int]:
        """Paragraphs `[start, end)` to copy: anchor..cursor inclusive, or just the cursor."""
        if self.anchor is None:
            return (self.cursor, self.cursor + 1)
        return (min(self.anchor, self.cursor), max(self.anchor, self.cursor) + 1)

    def size(self) -> int:
        """How many paragraphs `range()` covers, for the toast ("3 paragraphs")."""
        start, end = self.range()
        return end - start


def _clamp(index: int, count: int) -> int:
    """Keep an index on a paragraph; 0 for a post without paragraphs."""
    if count <= 0:
        return 0
    return max(0, min(index, count - 1))


def passage(post: Post, start: int, end: int) -> str:
    """Paragraphs `[start, end)` of the post joined by newlines, exactly as written.

    A range past the end is cut to the paragraphs that exist (the post may have been
    replaced under the selection); a negative start or a reversed range is a bug in the caller.
    """
    if start < 0 or end < start:
        raise ValueError(f"invalid paragraph range [{start}, {end})")
    return "\n".join(post.paragraphs()[start:end])


def source_name(post: Post) -> str:
    """Who said it: the source, else the channel, else `unknown source`."""
    return post.source or post.channel or UNKNOWN_SOURCE


def citation(post: Post, passage: str) -> str:
    """The passage in curly quotes with who said it, where, when and (if known) the address.

    `“…” — Russian MFA 🇷🇺, Telegram, 15 September 2022, https://t.me/…`. Multi-paragraph
    passages keep their line breaks; blank lines around the passage are dropped so the quote
    marks hug the words. The passage is never shortened.
    """
    attribution = f"{source_name(post)}, Telegram, {citation_date(post)}"
    if post.url:
        attribution += f", {post.url}"
    return f"{OPEN_QUOTE}{passage.strip()}{CLOSE_QUOTE} \u2014 {attribution}"


def whole_post(post: Post) -> str:
    """The whole post as plain text for `c`: a header, the channel's words once, its links.

    The header names source and date (`Russian MFA 🇷🇺 · 15 September 2022`). The title is
    only written when the text does not already contain it, so nothing appears twice. Links
    follow the text, one a line: `Read in full: <address>` when the address is known; a link
    whose address was lost is listed by its words only if the text does not already hold them,
    and an address already written in the text is not repeated.
    """
    header = f"{source_name(post)} \u00b7 {citation_date(post)}"
    body = post.text.strip("\n")
    title = post.title.strip()
    if title and title.rstrip("\u2026").rstrip() not in body:
        body = f"{title}\n{body}" if body else title
    link_lines: list[str] = []
    for link in post.links:
        if link.url:
            if link.url in body:
                continue
            words = link.text.strip()
            line = f"{words}: {link.url}" if words and words != link.url else link.url
        elif link.text and link.text not in body:
            line = link.text
        else:
            continue
        if line not in link_lines:
            link_lines.append(line)
    blocks = [header, body] if body else [header]
    if link_lines:
        blocks.append("\n".join(link_lines))
    return "\n\n".join(blocks)
