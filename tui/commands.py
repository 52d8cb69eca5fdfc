"""Command palette entries: posts by title and tag, "Filter: #tag", "Go to: 2023", and more.

Titles are post text, so they are shown as literal Content (the stock highlighter would parse
them as markup), and candidates are pre-filtered and capped so 100,000 posts stay quick.
"""

from __future__ import annotations

from collections.abc import Callable, Iterable, Iterator
from functools import partial
from typing import TYPE_CHECKING

from textual.command import DiscoveryHit, Hit, Hits, Provider
from textual.content import Content

from tui.library import fold
from tui.safetext import markup_literal, visible
from tui.wording import UNDATED, short_day

if TYPE_CHECKING:
    from tui.app import ReaderApp

MAX_CANDIDATES = 3000
MAX_HITS = 40


def literal_highlight(candidate: str, offsets: Iterable[int]) -> Content:
    """The candidate as literal Content (never markup), matched letters underlined."""
    content = Content(candidate)
    for offset in offsets:
        if offset < len(candidate) and not candidate[offset].isspace():
            content = content.stylize("bold underline", offset, offset + 1)
    return content


def _posts(count: int) -> str:
    return "1 post" if count == 1 else f"{count} posts"


class ReaderCommands(Provider):
    """Everything the reader can do or go to, by name."""

    @property
    def reader(self) -> ReaderApp:
        return self.app  # type: ignore[return-value]

    def _commands(self) -> Iterator[tuple[str, Callable[[], object], str]]:
        app = self.reader
        library = app.library
        if library is None:
            return
        for tag in library.tags():
            # The palette parses the help line as markup.
            yield (f"Filter: #{visible(tag.label)}", partial(app.apply_tag, tag.key),
                   f"{_posts(tag.count)} tagged #{markup_literal(tag.label)}")
        for node in library.date_tree():
            yield (f"Go to: {node.label}", partial(app.apply_period, node.period),
                   _posts(node.count))
            for month in node.children.values():
                # Undated groups are labelled by their bounds: `Undated, 15 Sep 2022 – …`.
                title = (f"Go to: {node.label}, {month.label}" if node.period == UNDATED
                         else f"Go to: {month.label} {node.label}")
                yield (title, partial(app.apply_period, month.period), _posts(month.count))
        for name, folder in app.fetched_channels():
            yield (f"Update @{name}", partial(app.update_channel, folder),
                   "Fetch the channel's new posts from t.me while you read")
        yield ("Bookmarks: show", partial(app.apply_collection, "bookmarks"), "")
        yield ("Notes: show", partial(app.apply_collection, "notes"), "")
        yield ("Bookmarks: all, with posts not open", app.action_show_records, "B")
        yield ("Filter: clear all", app.clear_filters, "Show every post")
        yield ("Search: posts", app.action_focus_search, "Full-text search (/)")
        yield ("View: toggle sidebar", app.action_toggle_sidebar, "Ctrl+B")
        yield ("Go to date…", app.action_go_to_date, "t: 2023-04, 14 Apr 2023, apr 14")
        yield ("View: newest first" if not app.newest_first else "View: oldest first",
               app.action_toggle_order, "s")
        yield ("Help: keys", app.action_help, "? or F1")
        if app.load_warnings:
            yield ("Warnings: show", app.action_show_warnings,
                   f"{len(app.load_warnings)} about the open files")

    async def discover(self) -> Hits:
        for text, command, help_text in self._commands():
            if text.startswith(("Filter: #", "Go to: ")) and text.count(" ") > 2:
                continue
            yield DiscoveryHit(Content(text), command, text=text, help=help_text)

    async def search(self, query: str) -> Hits:
        matcher = self.matcher(query)
        for text, command, help_text in self._commands():
            score, offsets = matcher.fuzzy_search.match(matcher.query, text)
            if score > 0:
                yield Hit(score, literal_highlight(text, offsets), command, text=text,
                          help=help_text)
        app = self.reader
        library = app.library
        if library is None:
            return
        wanted = fold(query).replace(" ", "")
        if not wanted:
            return
        hits = 0
        examined = 0
        for index, title in library.titles():
            title = visible(title)
            tags = " ".join("#" + visible(t) for t in library.tags_of(index))
            haystack = fold(title + " " + tags)
            if not all(ch in haystack for ch in set(wanted)):
                continue
            examined += 1
            if examined > MAX_CANDIDATES:
                break
            candidate = f"{title[:90]}  {tags}".strip()
            score, offsets = matcher.fuzzy_search.match(matcher.query, candidate)
            if score <= 0:
                continue
            hits += 1
            yield Hit(
                score * 0.9,
                literal_highlight(candidate, offsets),
                partial(app.go_to_post, index),
                text=candidate,
                help=f"Post · {short_day(library.date_of(index))}",
            )
            if hits >= MAX_HITS:
                break

