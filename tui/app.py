"""ReaderApp: composition, bindings and message handlers.

The only module that talks to both the storage layer and the widgets: widgets announce what
the user did, the app decides and persists.
"""

from __future__ import annotations

import asyncio
import gc
import hashlib
import os
import signal
import sys
import threading
import time
from bisect import bisect_left
from collections import Counter
from collections.abc import Callable, Mapping, Sequence
from dataclasses import dataclass, replace
from pathlib import Path
from typing import TYPE_CHECKING, Any

from rich.text import Text
from textual import events, on, work
from textual.app import App, ComposeResult
from textual.binding import Binding
from textual.containers import Horizontal, Vertical
from textual.message import Message
from textual.notifications import SeverityLevel
from textual.timer import Timer
from textual.widgets import Footer, Input, ProgressBar, Static

from tui.clipboard import Clipboard
from tui.commands import ReaderCommands
from tui.goto_date import nearest_to
from tui.index import Cancelled, check_deferred, open_library, reopen_library
from tui.ingest import IngestError
from tui.keymap import check_keymap
from tui.library import Filter, Library, fold, periods_of, query_words
from tui.model import Post, Quote
from tui.pathkeys import path_key
from tui.provisional import ProvisionalLibrary
from tui.quote import citation, passage, whole_post
from tui.rekey import rekey_records
from tui.safetext import is_visible, link_target, visible
from tui.settings import Settings, resolve
from tui.storage import NoteNotFoundError, StorageError, Store
from tui.widgets.post_list import PostList, RowFlags
from tui.widgets.reading_pane import ReadingPane
from tui.widgets.search_box import SearchBox
from tui.widgets.sidebar import DateTree, Sidebar
from tui.wording import short_date

if TYPE_CHECKING:  # screens and widgets shown on demand: imported when first shown
    from tui.widgets.dialogs import (
        NoteAction,
        NoteDraft,
        NoteEditor,
    )
    from tui.widgets.fetch_bar import FetchBar
    from tui.widgets.links import LinkChoice
    from tui.widgets.records import RecordNote, RecordRow


def _lower_this_thread() -> None:
    """Background work on its own thread yields the CPU to the reader (Linux sets a niceness
    per thread; elsewhere it would be the whole process's, so it is left alone)."""
    if sys.platform.startswith("linux"):
        try:
            os.setpriority(os.PRIO_PROCESS, threading.get_native_id(), 19)
        except OSError:
            pass


def _open_in_browser(url: str) -> bool:
    """The user's browser (webbrowser, imported when first asked)."""
    import webbrowser

    return webbrowser.open(url)


READ_AFTER_SECONDS = 2.0
# Reading state (the post last shown, read marks) is kept in memory as the reader moves and
# written by a worker thread this often when there is any: a move costs no disk write, and a
# crash or a kill loses at most this much reading. Quitting, closing the terminal (SIGHUP) and
# SIGTERM lose nothing (see `_stopped_from_outside`).
SAVE_EVERY_SECONDS = 1.0
# A full garbage collection walks every object the app keeps (Textual's drawn lines among
# them: 25 ms at 100,000 posts here). It runs when the reader pauses this long after moving,
# and only then: the automatic one (every 10 collections of the younger generation, a dozen
# presses of `j`) is put off a hundredfold, so holding `j` does not stall on it.
COLLECT_WHEN_IDLE_SECONDS = 1.0
FULL_COLLECTION_EVERY = 1000
NARROW = 100
WIDE = 140
SNUG = 115
MAX_WARNING_TOASTS = 3
NOTHING_SHOWN = "No post is shown: no post matches this filter (Esc clears it)."


class ReaderRows:
    """The read-only view of the app's posts and marks that the post list draws from."""

    def __init__(self, app: ReaderApp) -> None:
        self._app = app

    def post(self, index: int) -> Post:
        library = self._app.library
        assert library is not None
        return library[index]

    def flags(self, index: int) -> RowFlags:
        app = self._app
        post_id = self.post(index).id
        return RowFlags(post_id in app.read_ids, post_id in app.bookmarked,
                        app.note_counts.get(post_id, 0) > 0, index in app.found_in_notes)


class ReaderApp(App[int]):
    """A keyboard-first reader for Telegram channel archives."""

    TITLE = "tgreader"
    CSS_PATH = "app.tcss"
    COMMANDS = App.COMMANDS | {ReaderCommands}
    ENABLE_COMMAND_PALETTE = True

    BINDINGS = [
        Binding("q", "quit", "Quit", id="app.quit",
                tooltip="Quit (your place and filter are kept)"),
        Binding("question_mark,f1", "help", "Help", id="app.help", tooltip="This help screen"),
        # A priority binding, so that keys typed right after "/" (a paste, a script, keys
        # queued while the app is busy) go to the search box, not the list: see check_action.
        Binding("slash", "focus_search", "Search", id="app.search", priority=True,
                tooltip="Search all text (case- and accent-insensitive)"),
        Binding("right_square_bracket,n", "next_post", "Next", id="app.next",
                tooltip="Next post, from anywhere"),
        Binding("left_square_bracket,p", "previous_post", "Prev", show=False, id="app.prev",
                tooltip="Previous post, from anywhere"),
        Binding("b", "toggle_bookmark", "Bookmark", id="app.bookmark",
                tooltip="Bookmark the post (again to remove)"),
        Binding("a", "add_note", "Note", id="app.note",
                tooltip="Add a note; quotes the selected passage (select with v)"),
        Binding("e", "show_notes", "Notes", show=False, id="app.notes",
                tooltip="The post's notes: edit or delete"),
        Binding("y", "copy_passage", "Copy", id="app.copy",
                tooltip="Copy the highlighted paragraph(s) as plain text"),
        Binding("Y", "copy_citation", "Cite", show=False, id="app.cite",
                tooltip="Copy as a citation (source, date, link)"),
        Binding("c", "copy_post", "Copy post", show=False, id="app.copy_post",
                tooltip="Copy the whole post"),
        Binding("space", "page(1)", "Page down", show=False, id="app.page_down",
                tooltip="Page the post down; at its end, the next post"),
        Binding("shift+space", "page(-1)", "Page up", show=False, id="app.page_up",
                tooltip="Page the post up"),
        Binding("greater_than_sign", "next_match", "Next match", show=False,
                id="app.next_match", tooltip="Next search match in the post, from anywhere"),
        Binding("less_than_sign", "previous_match", "Prev match", show=False,
                id="app.prev_match", tooltip="Previous search match in the post"),
        Binding("o", "open_address", "Open in browser", show=False, id="app.open_address",
                tooltip="Open the post's own address in the browser (over SSH: copy it)"),
        Binding("L", "list_links", "Links", show=False, id="app.links",
                tooltip="The post's address and links, to open or copy"),
        Binding("u", "toggle_read", "Read/unread", show=False, id="app.unread",
                tooltip="Mark the post unread (or read)"),
        Binding("N", "next_unread", "Next unread", show=False, id="app.next_unread",
                tooltip="The next unread post in the list"),
        Binding("s", "toggle_order", "Order", show=False, id="app.order",
                tooltip="Oldest or newest first (remembered)"),
        Binding("t", "go_to_date", "Go to date", show=False, id="app.go_to_date",
                tooltip="Jump to the post nearest a date: 2023-04, 14 Apr 2023, apr 14"),
        Binding("number_sign", "pick_tag", "Tag filter", show=False, id="app.pick_tag",
                tooltip="Filter by one of this post's hashtags"),
        Binding("escape", "clear_innermost", "Clear filter", show=False, id="app.clear",
                tooltip="Clear the innermost filter (search, collection, tag, date, channel)"),
        Binding("B", "show_records", "All marks", show=False, id="app.records",
                tooltip="Every bookmark and note, also for files not open now"),
        Binding("ctrl+b", "toggle_sidebar", "Sidebar", show=False, id="app.sidebar",
                tooltip="Show or hide the sidebar"),
    ]

    @dataclass
    class IndexGrew(Message):
        """The building thread added posts to the library read while indexing."""

        library: ProvisionalLibrary

    @dataclass
    class IndexAsItWas(Message):
        """The archive grew: its index as it was, to read while the new files are indexed;
        `shown` is set once it is on screen (or was not taken)."""

        library: Library
        shown: threading.Event

    @dataclass
    class IndexProgress(Message):
        """How far the index build is: bytes of the inputs done, of `total`."""

        done: int
        total: int

    def __init__(
        self,
        paths: Sequence[Path],
        *,
        store: Store | None = None,
        clipboard: Clipboard | None = None,
        settings: Settings | None = None,
    ) -> None:
        super().__init__()
        self.paths = list(paths)
        self.settings = settings or resolve()
        self.library: Library | None = None
        self.flt = Filter()
        self.store = store
        self.copier = clipboard or Clipboard(osc52=self.copy_to_clipboard)
        self.read_ids: set[str] = set()
        # Read posts among the open ones (ids in `read_ids` the library has), kept up as posts
        # are marked: counting them again looks every read id up (60 ms with 10,000 of them).
        # None: to count again (another library, or more posts in it).
        self._read_open: int | None = None
        # Posts the reader marked unread again (kept in the archive's UI state: the store
        # records read marks only).
        self.unread_marks: set[str] = set()
        self.newest_first = False
        self.keymap_in_effect: dict[str, str] = {}
        self.unread_by_tag: Counter[str] = Counter()
        self.unread_by_period: Counter[str] = Counter()
        self.found_in_notes: set[int] = set()  # rows a search lists for the reader's notes
        self.bookmarked: set[str] = set()
        self.note_counts: dict[str, int] = {}
        self.load_warnings: list[str] = []
        self.store_error: str | None = None  # why the library could not be opened, if so
        self.fatal_message: str | None = None
        self._read_timer: Timer | None = None
        self._restoring = False
        self._fetched: list[tuple[str, Path]] | None = None
        # The post the reader chose (a library index). A filter that hides it moves the
        # cursor elsewhere; when the filter is cleared the cursor comes back here.
        self._reading: int | None = None
        # How an address is opened; tests put a fake here. Returns whether a browser took it.
        self.browse: Callable[[str], bool] = _open_in_browser
        self._after_load: str | None = None  # a post to go to once the library is (re)loaded
        # Set to stop the index build of the current load (quitting, or a newer load).
        self.load_cancel = threading.Event()
        # Set when the load's thread has ended (its temporary files gone): what a quit waits
        # for, and tests with it.
        self.load_finished = threading.Event()
        self.indexed_share: float | None = None  # how far indexing is, while it runs
        self._wanted_place: str | None = None  # the post last read, until indexing ends
        # The library of an archive that grew, as it was indexed, while its new files are
        # indexed (None otherwise).
        self._as_it_was: Library | None = None
        self._sidebar_filled_at = 0  # posts the sidebar counted while indexing
        self._moved_at = 0.0  # time.monotonic() of the last post shown
        self._moves_uncollected = 0  # posts shown since the last full collection
        self._gc_thresholds = gc.get_threshold()  # given back when the app ends

    async def on_event(self, event: events.Event) -> None:
        # Input and TextArea draw what they hold as it is: a paste (say, a post copied with y,
        # ESC and all) goes in with its control characters shown, never sent back out.
        if isinstance(event, events.Paste) and not is_visible(event.text):
            event.text = visible(event.text)
        await super().on_event(event)

    def notify(
        self,
        message: str,
        *,
        title: str = "",
        severity: SeverityLevel = "information",
        timeout: float | None = None,
        markup: bool = False,
    ) -> None:
        """Every toast as literal text: messages name files and quote data, so markup is
        never parsed and control characters are shown, not sent to the terminal."""
        super().notify(visible(message), title=visible(title), severity=severity,
                       timeout=timeout, markup=False)

    # -- layout ------------------------------------------------------------------------------
    def compose(self) -> ComposeResult:
        with Horizontal(id="body"):
            yield Sidebar(id="sidebar")
            with Vertical(id="list-column"):
                yield SearchBox(placeholder="Search (Enter reads, Esc closes)", id="search")
                yield Static(Text(self._opening_text()), id="progress")
                yield ProgressBar(total=None, show_eta=False, id="loading")
                yield PostList(ReaderRows(self), id="posts")
            yield ReadingPane(id="reader")
        yield Static(id="status")
        yield Footer()

    def on_mount(self) -> None:
        self.call_after_refresh(self._gc_after_first_screen)
        self.query_one("#search", Input).display = False
        self.query_one("#posts", PostList).display = False
        self._open_store()
        for problem in self.settings.problems:
            self.notify(problem, severity="warning", timeout=15, markup=False)
        if self.store is not None:
            theme = self.store.ui_state().get("theme")
            if isinstance(theme, str) and theme in self.available_themes:
                self.theme = theme
            self.newest_first = self.store.ui_state().get("newest_first") is True
            if self.store.ui_state().get("sidebar") is False:
                self.query_one(Sidebar).display = False
        self._apply_configured_theme()
        if self.settings.keymap:
            self.apply_keymap(self.settings.keymap, str(self.settings.config or "config"))
        self.watch(self, "theme", self._theme_changed, init=False)
        self._apply_width(self.size.width)
        if self.size.width < NARROW:  # on a small terminal the posts need the room
            self.query_one(Sidebar).display = False
        self.set_interval(SAVE_EVERY_SECONDS, self._flush_in_background)
        self._catch_stop_signals()
        self.load_library()

    def _apply_configured_theme(self) -> None:
        """The config file's theme wins over the one last chosen in the app."""
        wanted = self.settings.theme
        if wanted is None:
            return
        if wanted in self.available_themes:
            self.theme = wanted
        else:
            self.notify(f"{self.settings.config}: theme: no theme named {wanted!r} (using the "
                        f"default; Ctrl+P › Change theme lists them)", severity="warning",
                        timeout=15, markup=False)

    def _open_store(self) -> None:
        if self.store is not None:
            return
        try:
            self.store = Store.open(self.settings.db)
        except StorageError as exc:
            self.store_error = str(exc)
            self.notify(f"{exc} — bookmarks and notes will not be saved this session.",
                        severity="error", timeout=15, markup=False)
            return
        if self.store.open_warning:
            self.notify(self.store.open_warning, severity="warning", timeout=15, markup=False)

    def on_resize(self, event: events.Resize) -> None:
        # The event's size: this handler runs before App's own, so self.size is still the old.
        self._apply_width(event.size.width)

    def _apply_width(self, width: int) -> None:
        # The reader's own screen, not the one on top: a resize under the help or a dialog
        # must still reach the layout that is shown again when it closes.
        self.screen_stack[0].set_class(width < NARROW, "narrow")
        self.screen_stack[0].set_class(NARROW <= width < WIDE, "medium")
        self.screen_stack[0].set_class(NARROW <= width < SNUG, "snug")

    # -- updating a fetched channel ----------------------------------------------------------
    def fetched_channels(self) -> list[tuple[str, Path]]:
        """(name, folder) of every open input that `tgreader fetch` made: each can be updated.
        Read once (the palette asks on every key)."""
        if self._fetched is None:
            from tui.fetch.channel import fetched_channel

            found = ((fetched_channel(path), path) for path in self.paths if path.is_dir())
            self._fetched = [(ch[0], path) for ch, path in found if ch is not None]
        return self._fetched

    def update_channel(self, folder: Path) -> None:
        """Fetch what is new in a channel while reading goes on, then show it in place."""
        from tui.widgets.fetch_bar import FetchBar

        if self.query(FetchBar):
            self.notify("An update is already running.", markup=False)
            return
        names = dict((path, name) for name, path in self.fetched_channels())
        if folder not in names:
            return
        bar = FetchBar(names[folder])
        self.mount(bar, before=self.query_one("#status"))
        self._fetch_worker(folder, bar)

    @work(thread=True, exclusive=True, group="fetch")
    def _fetch_worker(self, folder: Path, bar: FetchBar) -> None:
        from textual.worker import get_current_worker

        from tui.fetch.channel import Progress, fetch_into, fetched_channel
        from tui.fetch.errors import FetchError

        worker = get_current_worker()

        def progress(step: Progress) -> None:
            if worker.is_cancelled:  # the app is closing: stop between two whole pages
                raise FetchError("update stopped")
            self.call_from_thread(bar.show, step.pages, step.new_posts, step.oldest)

        channel = fetched_channel(folder)
        if channel is None:
            return
        try:
            result = fetch_into(folder, channel[0], channel[1], progress=progress)
        except FetchError as exc:
            self.call_from_thread(self._fetch_done, bar, str(exc), 0)
            return
        self.call_from_thread(self._fetch_done, bar, None, result.new_posts)

    def _fetch_done(self, bar: FetchBar, error: str | None, new_posts: int) -> None:
        bar.remove()
        if error is not None:
            self.notify(error, severity="error", timeout=15, markup=False)
            return
        plural = "" if new_posts == 1 else "s"
        self.notify(f"@{bar.channel}: {new_posts} new post{plural}.", markup=False)
        if new_posts:
            self.load_library()  # the reader's place is kept: it is restored by post id

    # -- loading -----------------------------------------------------------------------------
    def load_library(self) -> None:
        """Open the inputs off the UI thread, so the screen stays live while large files load:
        from the index in the cache folder when it is still valid, else by building it. A
        first open shows posts as they are parsed (see `tui.provisional`); a reload keeps the
        library on screen until the new one is whole."""
        self.load_cancel.set()  # a load still running is superseded
        self.load_cancel = threading.Event()
        self.load_finished = threading.Event()
        if self.library is None and self._reopen_at_once():
            return
        self._load_worker(self.load_cancel, self.load_finished, self.library is None)

    def _reopen_at_once(self) -> bool:
        """An index that needs no build is read here, before the screen is first drawn (a
        fraction of a second, even at a million posts): the first screen shows the posts,
        with no screen of progress drawn and laid out for nothing before it. False when the
        index has to be built: the worker does that, showing the progress."""
        warnings: list[str] = []
        try:
            library = reopen_library(self.paths, warnings.append, self.settings.cache,
                                     check_later=True)  # fmt: skip
        except IngestError as exc:
            self.load_finished.set()
            self._load_failed(str(exc))
            return True
        except OSError:  # the worker says it (an unreadable cache is indexed in memory)
            return False
        if library is None:
            return False
        self.load_finished.set()
        self._loaded(library, warnings)
        return True

    @work(thread=True, exclusive=True, group="load")
    def _load_worker(self, cancel: threading.Event, finished: threading.Event,
                     live: bool) -> None:  # fmt: skip
        warnings: list[str] = []
        provisional: list[ProvisionalLibrary] = []

        def seen(posts: list[Post]) -> None:
            if not provisional:
                provisional.append(ProvisionalLibrary([path_key(p) for p in self.paths]))
            provisional[0].add(posts)
            self.post_message(self.IndexGrew(provisional[0]))

        def progress(done: int, total: int) -> None:
            self.post_message(self.IndexProgress(done, total))

        def as_it_was(library: Library) -> None:
            # The new files are parsed once it is on screen: both at once would share the
            # interpreter and put the first post off.
            shown = threading.Event()
            self.post_message(self.IndexAsItWas(library, shown))
            while not shown.wait(0.05) and not cancel.is_set():
                pass

        try:
            library = open_library(self.paths, warnings.append, progress=progress,
                                   cache=self.settings.cache, seen=seen if live else None,
                                   cancel=cancel, check_later=True,
                                   interim=as_it_was if live else None)  # fmt: skip
            if cancel.is_set():  # quitting (or superseded) just as it was done
                library.close()
                return
            self.call_from_thread(self._loaded, library, warnings)
        except Cancelled:
            return
        except IngestError as exc:
            if not cancel.is_set():
                self.call_from_thread(self._load_failed, str(exc))
        except RuntimeError:  # the app stopped between the check and the call
            if not cancel.is_set():
                raise
        finally:
            finished.set()

    def _opening_text(self) -> str:
        names = ", ".join(p.name or str(p) for p in self.paths[:3])
        more = f" and {len(self.paths) - 3} more" if len(self.paths) > 3 else ""
        return visible(f"Opening {names}{more}…")

    @on(IndexProgress)
    def _index_progress(self, event: IndexProgress) -> None:
        """The indexer reports (at most every 50 ms) how far it is."""
        if event.done >= event.total or self.load_cancel.is_set():
            return
        share, before = event.done / max(event.total, 1), self.indexed_share
        self.indexed_share = share
        if isinstance(self.library, ProvisionalLibrary) or self._grown():
            if before is None or int(share * 100) != int(before * 100):
                self._update_status()  # only when the percentage shown changes
            return
        if self.library is not None:  # a reload: the library shown stays as it is
            return
        self.query_one("#loading", ProgressBar).update(total=max(event.total, 1),
                                                       progress=event.done)  # fmt: skip
        megabytes = event.total / 1_000_000
        self.query_one("#progress", Static).update(Text(
            f"{self._opening_text()} indexing {megabytes:,.0f} MB once; "
            "later opens are instant."
        ))

    @on(IndexGrew)
    def _index_grew(self, event: IndexGrew) -> None:
        """More posts are indexed: the first ones open the reader, later ones grow the list
        (under a cursor that stays where it is)."""
        library = event.library
        if self.load_cancel.is_set() or self.library not in (None, library):
            if self.library is not library:
                library.close()  # the final library is already shown
            return
        if not library.publish() and self.library is library:
            return  # an earlier message already brought these in
        self._read_open = None  # read posts may be among the new ones
        if self.library is None:
            self._show_library(library)
            return
        if len(library) >= 2 * self._sidebar_filled_at:
            self._fill_sidebar()
        posts = self.query_one("#posts", PostList)
        rows = self._rows()
        current = posts.current
        if current is None or not posts.replace_rows(rows, keep=current):
            posts.set_rows(rows, keep=current)
        self._update_status()

    @on(IndexAsItWas)
    def _index_as_it_was(self, event: IndexAsItWas) -> None:
        """The archive grew since it was indexed: its posts as they were are read at once,
        while the new files are indexed (their posts come with the final library)."""
        if self.load_cancel.is_set() or self.library is not None:
            event.library.close()  # quitting, or the final library is shown already
            event.shown.set()
            return
        self._as_it_was = event.library
        self._show_library(event.library)
        self.call_after_refresh(event.shown.set)

    def _grown(self) -> bool:
        """Whether the library shown is an archive's as it was, its new files being indexed."""
        return self.library is not None and self.library is self._as_it_was

    def _load_failed(self, message: str) -> None:
        """A fatal input problem: leave the screen and let the CLI print the one line."""
        self.fatal_message = message
        self.exit(return_code=2)

    @staticmethod
    def _gc_after_first_screen() -> None:
        """The CLI starts the reader with the cyclic GC off (`tui.cli.run_reader`): what was
        made up to the first screen is long-lived, taken out of the GC's view, and the GC
        turned back on."""
        if not gc.isenabled():
            gc.freeze()
            gc.enable()

    def _settle_gc(self) -> None:
        """The library is on screen: what it brought is long-lived (frozen out of the GC's
        view), and full collections are left to the pauses (see COLLECT_WHEN_IDLE_SECONDS)."""
        gc.freeze()
        young, middle, _old = gc.get_threshold()
        gc.set_threshold(young, middle, FULL_COLLECTION_EVERY)

    def _collect_when_idle(self) -> None:
        if self._moves_uncollected and \
                time.monotonic() - self._moved_at >= COLLECT_WHEN_IDLE_SECONDS:
            self._moves_uncollected = 0
            gc.collect()

    def _loaded(self, library: Library, warnings: list[str]) -> None:
        # What the library brings on screen (the sidebar's tree of dates and its tags, the
        # screen's first drawing) is tens of thousands of long-lived objects; left to the cyclic
        # GC, every full collection walks them all (a 25-50 ms stall in the middle of a key
        # press every few presses at 100k posts). They live as long as the library is shown:
        # once it is, take them out of the GC's view.
        if self.load_cancel.is_set():
            library.close()
            return
        self.call_after_refresh(self._settle_gc)
        self.call_after_refresh(self._check_index_later, library, self.load_cancel)
        self.indexed_share = None
        self.load_warnings = warnings
        self._toast_new_warnings(library.archive_key, warnings)
        if isinstance(self.library, ProvisionalLibrary) or self._grown():
            self._as_it_was = None
            self._swap_in(library)
            return
        self._show_library(library)
        if self._after_load is not None:
            index = library.index_of(self._after_load)
            self._after_load = None
            if index is not None:
                self.go_to_post(index)

    def _check_index_later(self, library: Library, cancel: threading.Event) -> None:
        """The index file was opened before its page check (it was just built or written):
        the check runs now that the posts are shown, on a thread of low priority, and a
        damaged index is said and built again (`tui.index.check_deferred`). A daemon thread:
        quitting never waits for it (it only reads, and marks the file when it passes)."""
        if library.unchecked is None or cancel.is_set():
            return

        def check() -> None:
            _lower_this_thread()
            damage = check_deferred(library, cancel)
            if damage is not None and not cancel.is_set():
                try:
                    self.call_from_thread(self._index_damaged, library, damage)
                except RuntimeError:  # the app has ended
                    pass

        threading.Thread(target=check, name="index-check", daemon=True).start()

    def _index_damaged(self, library: Library, message: str) -> None:
        if self.library is not library or self.load_cancel.is_set():
            return  # another library is shown, or coming
        self.load_warnings = [*self.load_warnings, message]
        self.notify(message, severity="warning", timeout=15, markup=False)
        self.load_library()  # built again; the posts shown stay until it is whole

    def _take_records(self, library: Library) -> None:
        """Bookmarks, notes and read marks for the library (records made when post ids came
        from text move to their posts, and their snapshots take the posts' final form)."""
        if self.store is None:
            return
        if not isinstance(library, ProvisionalLibrary):
            try:
                rekey_records(self.store, library)
            except StorageError as exc:
                self.notify(str(exc), severity="error", timeout=10, markup=False)
        marks = self.store.ui_state(library.archive_key).get("unread")
        self.unread_marks = {m for m in marks if isinstance(m, str)} \
            if isinstance(marks, list) else set()
        self.read_ids = self.store.read_ids(library.archive_key) - self.unread_marks
        self._read_open = None
        self.bookmarked = self.store.bookmarked_ids()
        self.note_counts = self.store.note_counts()
        if not isinstance(library, ProvisionalLibrary):
            places = library.positions(self.bookmarked | set(self.note_counts))
            self.store.refresh_snapshots(library[i].snapshot() for i in places)

    def _show_library(self, library: Library) -> None:
        """Open the reader on a library: the filter and the post last read come back."""
        self.library = library
        self._take_records(library)
        self.query_one("#loading").display = False
        self.query_one("#progress").display = False
        posts = self.query_one("#posts", PostList)
        posts.display = True
        self.query_one(ReadingPane).empty_message = "No post to show: no post matches."
        self._fill_sidebar()
        state = self.store.ui_state(library.archive_key) if self.store else {}
        self._restoring = True
        self.flt = Filter(
            tag=state.get("tag") if library.tag_key(state.get("tag") or "") else None,
            period=state.get("period"),
            query=state.get("query") or "",
            collection=state.get("collection"),
            channel=state.get("channel") if isinstance(state.get("channel"), str) else None,
        )
        if isinstance(library, ProvisionalLibrary) and self.flt.tag is None \
                and isinstance(state.get("tag"), str):
            self.flt = replace(self.flt, tag=state["tag"].casefold())  # its posts may come later
        searches = state.get("searches")
        self.query_one(SearchBox).set_history(
            [q for q in searches if isinstance(q, str)] if isinstance(searches, list) else [])
        if self.flt.query:
            search = self.query_one("#search", Input)
            search.value = visible(self.flt.query)  # the stored state may hold anything
            search.display = True
        last_post = state.get("last_post") if isinstance(state.get("last_post"), str) else None
        self._wanted_place = last_post if isinstance(library, ProvisionalLibrary) else None
        self._reading = library.index_of(last_post or "")
        self._refresh_list()
        self._restoring = False
        posts.focus()

    def _swap_in(self, library: Library) -> None:
        """Indexing is done: the final library replaces the one read while indexing, in its
        final order, with the reader's place (the post, its height in the list, the scroll in
        the post) and filter kept."""
        posts = self.query_one("#posts", PostList)
        before = self.library
        assert before is not None
        place = self._reading if self._reading is not None else posts.current
        wanted = None if self._reading is not None else self._wanted_place
        place_id = wanted or (before.id_of(place) if place is not None else None)
        self.library = library
        self._wanted_place = None
        self._take_records(library)
        self._fill_sidebar()
        index = self._final_index(library, place_id)
        if self._reading is not None:
            self._reading = index
        if self.flt.tag is not None and library.tag_key(self.flt.tag) is None:
            self.flt = replace(self.flt, tag=None)
        rows = self._rows()
        self._restoring = True
        if index is not None and wanted is None and posts.replace_rows(rows, keep=index):
            self._show(index, keep_place=True)
        else:
            posts.set_rows(rows, keep=index)
            if not rows:
                self._show_nothing()
        self._restoring = False
        self._update_status()
        before.close()

    @staticmethod
    def _final_index(library: Library, post_id: str | None) -> int | None:
        """Where a post read while indexing is in the final library (a post id can change
        when its chat is learnt from another file: the index keeps the old one)."""
        if post_id is None:
            return None
        index = library.index_of(post_id)
        if index is None:
            index = library.legacy_matches([post_id]).get(post_id)
        return index

    def _toast_new_warnings(self, archive_key: str, warnings: list[str]) -> None:
        """Each warning once per change of the inputs (not on every reopen), three at most;
        all of them stay in the palette's "Warnings: show"."""
        if not warnings:
            return
        digest = hashlib.blake2b("\n".join(warnings).encode("utf-8"),
                                 digest_size=8).hexdigest()
        if self.store is not None:
            if self.store.ui_state(archive_key).get("warned") == digest:
                return
            try:
                self.store.set_ui_state(archive_key, warned=digest)
            except StorageError:
                pass
        for warning in warnings[:MAX_WARNING_TOASTS]:
            self.notify(warning, severity="warning", timeout=10, markup=False)
        if len(warnings) > MAX_WARNING_TOASTS:
            self.notify(f"{len(warnings) - MAX_WARNING_TOASTS} more warnings: Ctrl+P › "
                        "Warnings: show.", severity="warning", timeout=10, markup=False)

    def action_show_warnings(self) -> None:
        from tui.widgets.dialogs import LinesScreen

        if not self.load_warnings:
            self.notify("No warnings about the open files.", markup=False)
            return
        self.push_screen(LinesScreen("Warnings about the open files", self.load_warnings))

    def _fill_sidebar(self) -> None:
        if self.library is None:
            return
        library = self.library
        self._sidebar_filled_at = len(library)
        read_at = library.positions(self.read_ids) if self.read_ids else []  # looked up once
        self._read_open = len({library.id_of(at) for at in read_at})
        self.unread_by_tag, self.unread_by_period = library.unread_counts_at(read_at)
        self.query_one(Sidebar).fill(self.library, *self._collection_counts(),
                                     self.unread_by_tag, self.unread_by_period)
        self.query_one("#posts", PostList).show_channel = len(self.library.channels()) > 1

    def _collection_counts(self) -> tuple[int, int, int]:
        """Bookmarked and annotated posts among the open ones: what choosing the collection
        shows. Records of posts in other files are listed by B, not counted here."""
        library = self.library
        if library is None:
            return (0, 0, 0)
        bookmarks = len(library.present(self.bookmarked))
        notes = len(library.present(pid for pid, count in self.note_counts.items() if count))
        if self._read_open is None:
            self._read_open = len(library.present(self.read_ids))
        return (bookmarks, notes, len(library) - self._read_open)

    # -- the list and the pane ---------------------------------------------------------------
    def _refresh_list(self, keep: int | None = None) -> None:
        if self.library is None:
            return
        posts = self.query_one("#posts", PostList)
        if keep is None:
            keep = self._reading if self._reading is not None else posts.current
        rows = self._rows()
        posts.set_rows(rows, keep=keep)
        if not rows:
            self._show_nothing()
        self._update_status()
        self._save_filter()

    def _rows(self) -> Sequence[int]:
        """The library indices the filter lets through, in the order chosen. Every post is a
        range, not a list: nothing is made per post (a million of them) to show them all."""
        assert self.library is not None
        flt = self.flt
        if flt.tag is None and flt.period is None and flt.collection is None \
                and flt.channel is None and not flt.query.strip():
            self.found_in_notes = set()
            every = range(len(self.library))
            return every[::-1] if self.newest_first else every
        rows = self.library.matching(flt, self.bookmarked, set(self.note_counts),
                                     self.read_ids)  # fmt: skip
        rows = self._with_note_matches(rows)
        if self.newest_first:
            rows.reverse()
        return rows

    def _with_note_matches(self, rows: list[int]) -> list[int]:
        """A search also finds posts whose notes or quoted passages hold every word (within
        the other filters); they are marked in the list as found in a note."""
        self.found_in_notes = set()
        words = query_words(self.flt.query)
        library = self.library
        if not words or self.store is None or library is None or not self.note_counts:
            return rows
        texts: dict[str, list[str]] = {}
        for note in self.store.notes():
            texts.setdefault(note.post_id, []).append(
                note.body + ("\n" + note.quote.text if note.quote else ""))
        hits = {index for post_id, bodies in texts.items()
                if all(w in fold("\n".join(bodies)) for w in words)
                and (index := library.index_of(post_id)) is not None}
        # `rows` and the filter's posts are in reading order: the few posts found in notes
        # are looked up in them (a set of a million rows would cost more than the search).
        hits = {index for index in hits if not _holds(rows, index)}
        if not hits:
            return rows
        unsearched = replace(self.flt, query="")
        if not unsearched.empty:
            allowed = library.matching(unsearched, self.bookmarked, set(self.note_counts),
                                       self.read_ids)  # fmt: skip
            hits = {index for index in hits if _holds(allowed, index)}
        self.found_in_notes = hits
        return sorted(rows + sorted(hits))

    def _update_status(self) -> None:
        if self.library is None:
            return
        shown = len(self.query_one("#posts", PostList).rows)
        total = len(self.library)
        parts = ["1 post" if total == 1 else f"{total:,} posts"]
        indexing = isinstance(self.library, ProvisionalLibrary)
        done = f" {self.indexed_share:.0%}" if self.indexed_share is not None else ""
        if indexing:
            parts = [f"Indexing{done}: {total:,} posts so far, in file order, "
                     "dates provisional"]  # fmt: skip
        elif self._grown():
            indexing = True
            parts = [f"Indexing the added files{done}: {total:,} posts so far, theirs to come"]
        described = self.library.describe(self.flt)
        if described:
            parts.append(described)
        parts.append(f"{shown:,} shown so far" if indexing and not self.flt.empty
                     else f"{shown:,} shown")  # fmt: skip
        if self.newest_first:
            parts.append("newest first")
        status = " · ".join(parts)
        if not self.flt.empty:
            status += "   (Esc clears the last filter)"
        self.query_one("#status", Static).update(Text(visible(status)))

    def _save_filter(self) -> None:
        if self.store is None or self.library is None or self._restoring:
            return
        flt = self.flt
        self._save_state(tag=flt.tag, period=flt.period, query=flt.query,
                         collection=flt.collection, channel=flt.channel)

    def _save_state(self, **values: Any) -> None:
        if self.store is None or self.library is None:
            return
        try:
            self.store.set_ui_state(self.library.archive_key, **values)
        except StorageError as exc:
            self.notify(str(exc), severity="error", markup=False)

    @on(PostList.Highlighted)
    def _highlighted(self, event: PostList.Highlighted) -> None:
        if event.index != event.post_list.current:
            return  # the list moved on (or emptied) since: never show a post it no longer has
        if event.by_user:
            self._reading = event.index
        self._show(event.index)

    def _show_nothing(self) -> None:
        self.query_one(ReadingPane).show(None)
        if self._read_timer is not None:
            self._read_timer.stop()

    def _sync_pane(self) -> None:
        """Show the post under the list's cursor now, if the pane is not showing it yet."""
        posts = self.query_one("#posts", PostList)
        index = posts.current
        if index is None or self.library is None:
            self._show_nothing()
            return
        shown = self.current_post()
        if shown is None or shown.id != self.library[index].id:
            self._show(index)

    @on(PostList.Selected)
    def _selected(self, event: PostList.Selected) -> None:
        self._mark_read(event.index)
        self.screen.set_focus(self.query_one(ReadingPane))  # at once: keys may follow Enter

    def _show(self, index: int, keep_place: bool = False) -> None:
        if self.library is None:
            return
        post = self.library[index]
        notes = self.store.notes(post.id) if self.store and post.id in self.note_counts else []
        self.query_one(ReadingPane).show(
            post,
            notes=notes,
            words=query_words(self.flt.query),
            bookmarked=post.id in self.bookmarked,
            keep_place=keep_place,
        )
        if not self._restoring:
            self._save_state(last_post=post.id)
        self._moved_at = time.monotonic()
        self._moves_uncollected += 1
        if self._read_timer is not None:
            self._read_timer.stop()
        self._read_timer = self.set_timer(
            READ_AFTER_SECONDS, lambda: self._mark_read(index), name="mark-read"
        )

    def _mark_read(self, index: int) -> None:
        if self.library is None:
            return
        post = self.library[index]
        if post.id in self.read_ids:
            return
        self.read_ids.add(post.id)
        if self._read_open is not None:
            self._read_open += 1
        if self.store is not None:
            self.store.mark_read(self.library.archive_key, post.id)
        if post.id in self.unread_marks:
            self.unread_marks.discard(post.id)
            self._save_state(unread=sorted(self.unread_marks))
        self._after_read_changed(index, -1)

    def _after_read_changed(self, index: int, unread_change: int) -> None:
        assert self.library is not None
        tags = {tag.casefold() for tag in self.library.tags_of(index)}
        periods = periods_of(self.library.date_of(index))
        for key in tags:
            self.unread_by_tag[key] += unread_change
        for period in periods:
            self.unread_by_period[period] += unread_change
        # The read timer can fire while the app is closing and the list is already gone.
        for posts in self.query("#posts").results(PostList):
            posts.refresh_row(index)
        for sidebar in self.query(Sidebar):
            sidebar.fill_collections(*self._collection_counts())
            sidebar.set_unread(self.unread_by_tag, self.unread_by_period, tags, periods)

    def action_toggle_read(self) -> None:
        post = self._shown_post()
        if post is None or self.library is None:
            return
        index = self.library.index_of(post.id)
        if index is None:
            return
        if post.id not in self.read_ids:
            self._mark_read(index)
            self.notify("Marked read.", markup=False)
            return
        if self._read_timer is not None:
            self._read_timer.stop()  # or it would mark the post read again in a moment
        self.read_ids.discard(post.id)
        if self._read_open is not None:
            self._read_open -= 1
        self.unread_marks.add(post.id)
        self._save_state(unread=sorted(self.unread_marks))
        self._after_read_changed(index, +1)
        self.notify("Marked unread.", markup=False)

    def action_next_unread(self) -> None:
        if self.library is None:
            return
        posts = self.query_one("#posts", PostList)
        count = len(posts.rows)
        for step in range(1, count + 1):
            position = (posts.cursor + step) % count
            if self.library[posts.rows[position]].id not in self.read_ids:
                posts.move_to(position)
                return
        self.notify("No unread post in this list.", markup=False)

    def current_post(self) -> Post | None:
        return self.query_one(ReadingPane).post

    def _shown_post(self) -> Post | None:
        """The post a key acts on; when none is shown, say why instead of doing nothing."""
        post = self.current_post()
        if post is None and self.library is not None:
            self.notify(NOTHING_SHOWN, severity="warning", markup=False)
        return post

    # -- filters -----------------------------------------------------------------------------
    def apply_tag(self, key: str) -> None:
        self.flt = replace(self.flt, tag=key)
        self._refresh_list()

    def apply_period(self, period: str) -> None:
        self.flt = replace(self.flt, period=period)
        self._refresh_list()

    def apply_collection(self, collection: str) -> None:
        self.flt = replace(self.flt, collection=collection)
        self._refresh_list()

    def clear_filters(self) -> None:
        self.flt = Filter()
        search = self.query_one("#search", Input)
        search.value = ""
        search.display = False
        self._refresh_list()

    def go_to_post(self, index: int) -> None:
        """Show a post chosen by title; widen the filter if it hides that post."""
        if self.library is None:
            return
        posts = self.query_one("#posts", PostList)
        self._reading = index
        if index not in posts.rows:
            self.clear_filters()
        posts.set_rows(posts.rows, keep=index)
        posts.focus()

    @on(ReadingPane.TagClicked)
    def _tag_clicked(self, event: ReadingPane.TagClicked) -> None:
        if self.library and self.library.tag_key(event.key):
            self.apply_tag(event.key)

    @on(Sidebar.PeriodChosen)
    def _period_chosen(self, event: Sidebar.PeriodChosen) -> None:
        self.apply_period(event.period)

    @on(Sidebar.TagChosen)
    def _tag_chosen(self, event: Sidebar.TagChosen) -> None:
        self.apply_tag(event.key)

    @on(Sidebar.ChannelChosen)
    def _channel_chosen(self, event: Sidebar.ChannelChosen) -> None:
        self.flt = replace(self.flt, channel=event.channel)
        self._refresh_list()

    @on(Sidebar.CollectionChosen)
    def _collection_chosen(self, event: Sidebar.CollectionChosen) -> None:
        self.apply_collection(event.collection)

    def action_clear_innermost(self) -> None:
        search = self.query_one("#search", Input)
        if search.has_focus:
            search.display = False
            self.query_one("#posts", PostList).focus()
            if self.flt.query:
                search.value = ""
            return
        if self.query_one(ReadingPane).clear_selection():
            return
        if self.flt.empty:
            return
        self.flt = self.flt.cleared_innermost()
        if not self.flt.query:
            search.value = ""
            search.display = False
        self._refresh_list()

    def action_pick_tag(self) -> None:
        from tui.widgets.dialogs import TagPicker

        post = self._shown_post()
        if post is None:
            return
        if not post.hashtags:
            self.notify("This post has no hashtags.", markup=False)
            return

        def chosen(key: str | None) -> None:
            if key:
                self.apply_tag(key)

        self.push_screen(TagPicker(list(post.hashtags)), chosen)

    # -- search ------------------------------------------------------------------------------
    def check_action(self, action: str, parameters: tuple[object, ...]) -> bool | None:
        if action == "focus_search":
            # "/" is a priority binding: it is the search key only on the main screen and
            # where it is not text being typed (the search box itself, a note, a prompt).
            return len(self.screen_stack) == 1 and not isinstance(self.focused, Input)
        return True

    def action_focus_search(self) -> None:
        search = self.query_one("#search", Input)
        search.display = True
        # At once, not later as Widget.focus() does: the keys after "/" are already on their
        # way, and the app forwards each to whatever has focus when it reaches it.
        self.screen.set_focus(search)

    @on(Input.Changed, "#search")
    def _search_changed(self, event: Input.Changed) -> None:
        self.flt = replace(self.flt, query=event.value)
        self._refresh_list()

    @on(Input.Submitted, "#search")
    def _search_submitted(self, event: Input.Submitted) -> None:
        posts = self.query_one("#posts", PostList)
        search = self.query_one(SearchBox)
        if not event.value.strip():
            search.display = False
        else:
            search.remember(event.value)
            self._save_state(searches=search.history)
        posts.focus()
        self._sync_pane()
        self.query_one(ReadingPane).go_to_match(0)

    def action_page(self, direction: int) -> None:
        if self._shown_post() is None:
            return
        self._sync_pane()
        if not self.query_one(ReadingPane).page(direction) and direction > 0:
            self.action_next_post()

    def action_next_match(self) -> None:
        self._go_to_match(1)

    def action_previous_match(self) -> None:
        self._go_to_match(-1)

    def _go_to_match(self, direction: int) -> None:
        if self._shown_post() is None:
            return
        if not query_words(self.flt.query):
            self.notify("No search: / searches, then > and < go from match to match.",
                        markup=False)
            return
        self._sync_pane()
        if not self.query_one(ReadingPane).go_to_match(direction):
            self.notify("No match in this post.", markup=False)

    # -- navigation --------------------------------------------------------------------------
    def action_next_post(self) -> None:
        self.query_one("#posts", PostList).action_cursor(1)

    def action_previous_post(self) -> None:
        self.query_one("#posts", PostList).action_cursor(-1)

    def action_toggle_sidebar(self) -> None:
        sidebar = self.query_one(Sidebar)
        sidebar.display = not sidebar.display
        if sidebar.display:
            self.query_one(DateTree).focus()
        elif sidebar.has_focus_within:
            self.query_one("#posts", PostList).focus()
        if self.store is not None:
            self.store.set_ui_state(None, sidebar=bool(sidebar.display))

    def action_help(self) -> None:
        from tui.widgets.help import HelpScreen

        self.push_screen(HelpScreen(self.help_sections()))

    def apply_keymap(self, keymap: Mapping[str, str], where: str) -> None:
        """The user's `[keymap]` (binding id = keys), checked against the bindings there are:
        each bad entry is one warning naming it, the rest is applied with Textual's keymap."""
        known = {b.id for _title, bindings in self._help_sections() for b in bindings if b.id}
        valid, problems = check_keymap(keymap, known, where)
        for problem in problems:
            self.notify(problem, severity="warning", timeout=15, markup=False)
        self.keymap_in_effect = valid
        self.set_keymap(valid)

    def help_sections(self) -> list[tuple[str, list[Binding]]]:
        """Every key by where it works, as now in effect (the user's keymap applied)."""
        keymap = self.keymap_in_effect
        return [(title, [replace(b, key=keymap[b.id]) if b.id in keymap else b
                         for b in bindings])
                for title, bindings in self._help_sections()]

    def _help_sections(self) -> list[tuple[str, list[Binding]]]:
        from tui.widgets.dialogs import ConfirmScreen, NoteEditor, NotesScreen, TagPicker
        from tui.widgets.records import RecordsScreen, SnapshotScreen

        return [
            ("Anywhere", [b for b in self.BINDINGS if isinstance(b, Binding)] + [
                Binding("tab", "", "Next pane"), Binding("shift+tab", "", "Previous pane"),
                Binding("ctrl+p", "", "Command palette (posts, filters, theme)"),
            ]),
            ("Post list", list(PostList.BINDINGS)),  # type: ignore[arg-type]
            ("Reading pane (choosing a passage to copy or quote)",
             list(ReadingPane.BINDINGS)),  # type: ignore[arg-type]
            ("Note editor", list(NoteEditor.BINDINGS)),  # type: ignore[arg-type]
            ("A post's notes (e)", list(NotesScreen.BINDINGS)),  # type: ignore[arg-type]
            ("All bookmarks and notes (B)", [
                Binding("enter", "", "Go to the post, or show what was kept of it"),
                Binding("letters", "", "Typing filters by title, note or quoted passage"),
                *RecordsScreen.BINDINGS]),  # type: ignore[list-item]
            ("A post whose file is not open (Enter in B)",
             list(SnapshotScreen.BINDINGS)),  # type: ignore[arg-type]
            ("Tag picker (#)", [Binding("enter", "", "Filter by the tag"),
                                *TagPicker.BINDINGS]),  # type: ignore[list-item]
            ("Questions", list(ConfirmScreen.BINDINGS)),  # type: ignore[arg-type]
        ]

    def _theme_changed(self, theme: str) -> None:
        if self.store is not None:
            try:
                self.store.set_ui_state(None, theme=theme)
            except StorageError as exc:
                self.notify(str(exc), severity="error", markup=False)

    # -- bookmarks and notes -----------------------------------------------------------------
    def _records_off(self) -> bool:
        """True, after saying so, when there is no library to keep bookmarks and notes in:
        better than a key that does nothing, or a note editor whose text goes nowhere."""
        if self.store is not None:
            return False
        self.notify(f"Bookmarks and notes are off this session: {self.store_error}",
                    severity="error", markup=False)
        return True

    def action_toggle_bookmark(self) -> None:
        post = self._shown_post()
        if post is None or self.library is None or self._records_off() or self.store is None:
            return
        try:
            on_now = self.store.toggle_bookmark(post.snapshot())
        except StorageError as exc:
            self.notify(str(exc), severity="error", markup=False)
            return
        (self.bookmarked.add if on_now else self.bookmarked.discard)(post.id)
        self.notify("Bookmarked." if on_now else "Bookmark removed.", markup=False)
        self._after_records_changed(post)

    def _after_records_changed(self, post: Post) -> None:
        if self.library is None:
            return
        index = self.library.index_of(post.id)
        self._fill_sidebar_counts()
        if self.flt.collection:
            self._refresh_list()
        elif index is not None:
            self.query_one("#posts", PostList).refresh_row(index)
        if index is not None:
            self._show(index, keep_place=True)

    def _fill_sidebar_counts(self) -> None:
        self.query_one(Sidebar).fill_collections(*self._collection_counts())

    def action_add_note(self) -> None:
        from tui.widgets.dialogs import NoteEditor

        post = self._shown_post()
        if post is None or self._records_off():
            return
        pane = self.query_one(ReadingPane)
        quote = None
        if pane.selection.active:
            start, end = pane.selection.range()
            quote = Quote(passage(post, start, end), start, end)
        self._edit_note(post, NoteEditor(post.title, quote=quote))

    def _edit_note(self, post: Post, editor: NoteEditor) -> None:
        from tui.widgets.dialogs import NoteEditor

        def done(draft: NoteDraft | None) -> None:
            if draft is None or self.store is None:
                return
            try:
                if draft.note_id:
                    self.store.update_note(draft.note_id, draft.body)
                else:
                    self.store.add_note(post.snapshot(), draft.body, draft.quote)
            except NoteNotFoundError:
                # Deleted elsewhere while being edited: updating can never succeed, so offer
                # the words as a new note instead of a Ctrl+S that fails every time.
                self._edit_note(post, NoteEditor(
                    post.title, quote=draft.quote, body=draft.body,
                    error="This note was deleted in another window. Ctrl+S saves the text "
                          "as a new note."))
                return
            except StorageError as exc:
                # Keep every word: reopen the editor with the text and say what went wrong.
                self._edit_note(post, NoteEditor(post.title, quote=draft.quote, body=draft.body,
                                                 note_id=draft.note_id, error=str(exc)))
                return
            self.note_counts = self.store.note_counts()
            self.query_one(ReadingPane).clear_selection()
            self.notify("Note saved.", markup=False)
            self._after_records_changed(post)

        self.push_screen(editor, done)

    def action_show_notes(self) -> None:
        from tui.widgets.dialogs import NoteEditor, NotesScreen

        post = self._shown_post()
        if post is None or self._records_off() or self.store is None:
            return
        notes = self.store.notes(post.id)
        if not notes:
            self.notify("No notes on this post yet: press a to add one.", markup=False)
            return

        def chosen(action: NoteAction | None) -> None:
            if action is None or self.store is None:
                return
            if action.action == "edit":
                note = action.note
                self._edit_note(post, NoteEditor(post.title, quote=note.quote, body=note.body,
                                                 note_id=note.id))
                return
            try:
                self.store.delete_note(action.note.id)
            except StorageError as exc:
                self.notify(str(exc), severity="error", markup=False)
                return
            self.note_counts = self.store.note_counts()
            self.notify("Note deleted.", markup=False)
            self._after_records_changed(post)

        self.push_screen(NotesScreen(notes), chosen)

    def record_rows(self) -> list[RecordRow]:
        """Every post with a bookmark or note; those not in the open files are marked so."""
        from tui.widgets.records import RecordNote, RecordRow

        if self.store is None:
            return []
        snapshots = {b.post_id: b.snapshot for b in self.store.bookmarks()}
        for note in self.store.notes():
            snapshots.setdefault(note.post_id, note.snapshot)
        notes: dict[str, list[RecordNote]] = {}
        for note in self.store.notes():
            notes.setdefault(note.post_id, []).append(RecordNote(note.body, note.quote))
        bookmarked = self.store.bookmarked_ids()
        rows = []
        for post_id, snap in snapshots.items():
            date = short_date(snap)
            is_open = self.library is not None and self.library.index_of(post_id) is not None
            rows.append(RecordRow(post_id, snap.title, date, snap.source or snap.channel or
                                  "unknown source", post_id in bookmarked,
                                  tuple(notes.get(post_id, ())), is_open, snap.origin))
        return rows

    def action_show_records(self) -> None:
        from tui.widgets.records import RecordsScreen, SnapshotScreen

        rows = self.record_rows()
        if not rows:
            self.notify("No bookmarks or notes yet: b bookmarks a post, a adds a note.",
                        markup=False)
            return

        def chosen(post_id: str | None) -> None:
            if not post_id or self.library is None:
                return
            index = self.library.index_of(post_id)
            if index is not None:
                self.go_to_post(index)
                return
            row = next(r for r in rows if r.post_id == post_id)
            self.push_screen(SnapshotScreen(row),
                             lambda open_it: self._open_origin(row) if open_it else None)

        self.push_screen(RecordsScreen(rows), chosen)

    def _open_origin(self, row: RecordRow) -> None:
        """Add the file a record's post came from to the open ones, then go to the post."""
        if not row.origin:
            return
        name, colon, line = row.origin.rpartition(":")  # snapshots keep `file:line`
        path = Path(name if colon and line.isdigit() else row.origin)
        if not path.exists():
            self.notify(f"{row.origin}: no such file any more.", severity="error",
                        markup=False)
            return
        self.paths.append(path)
        self._after_load = row.post_id
        self.query_one("#progress", Static).update(Text(self._opening_text()))
        self.query_one("#progress").display = True
        self.load_library()

    # -- order and dates ---------------------------------------------------------------------
    def action_toggle_order(self) -> None:
        self.newest_first = not self.newest_first
        self._refresh_list()
        if self.store is not None:
            try:
                self.store.set_ui_state(None, newest_first=self.newest_first)
            except StorageError as exc:
                self.notify(str(exc), severity="error", markup=False)
        self.notify("Newest first." if self.newest_first else "Oldest first.", markup=False)

    def action_go_to_date(self) -> None:
        from tui.widgets.prompt import PromptScreen

        if self.library is None:
            return

        def answered(text: str | None) -> None:
            if text:
                self.go_to_date(text)

        self.push_screen(PromptScreen("Go to the post nearest a date",
                                      "2023-04, 14 Apr 2023, apr 14, April 2023"), answered)

    def go_to_date(self, text: str) -> None:
        library = self.library
        if library is None:
            return
        posts = self.query_one("#posts", PostList)
        try:
            position = nearest_to(text, posts.rows, library.date_of)
        except ValueError:
            self.notify("Not a date I can read. Try 2023-04, 14 Apr 2023 or apr 14.",
                        severity="warning", markup=False)
            return
        if position is None:
            self.notify("No dated post in this list.", markup=False)
            return
        posts.move_to(position)
        posts.focus()

    # -- links -------------------------------------------------------------------------------
    def action_open_address(self) -> None:
        post = self._shown_post()
        if post is None:
            return
        address = link_target(post.url)
        if not address:
            self.notify("This copy does not carry the post's own address (web copies never "
                        "do). L lists the links in its text.", markup=False)
            return
        self._open_link(address, "the post's address")

    def action_list_links(self) -> None:
        from tui.widgets.links import LinkPicker

        post = self._shown_post()
        if post is None:
            return
        # Only addresses safe to hand to a browser or a clipboard (see tui.safetext).
        links = [("The post's own address", link_target(post.url))]
        links += [(link.text, link_target(link.url)) for link in post.links]
        links = [(text, url) for text, url in links if url]
        if not links:
            self.notify("This post has no link with an address in this copy.", markup=False)
            return

        def chosen(choice: LinkChoice | None) -> None:
            if choice is None:
                return
            if choice.action == "copy":
                result = self.copier.copy(choice.url, "address")
                self._report(result.ok, result.message)
            else:
                self._open_link(choice.url, "the link")

        self.push_screen(LinkPicker([(text, url) for text, url in links if url]), chosen)

    def _open_link(self, url: str, what: str) -> None:
        """Open in the user's browser; over SSH, where the browser would be the server's (or
        none), and when no browser takes it, copy the address instead and say so."""
        import webbrowser

        if self.copier.over_ssh:
            result = self.copier.copy(url, "address")
            self._report(result.ok, f"Over SSH no browser of yours can open it: "
                                    f"{result.message}")
            return
        try:
            opened = self.browse(url)
        except webbrowser.Error:
            opened = False
        if opened:
            self.notify(f"Opened {what} in the browser.", markup=False)
            return
        result = self.copier.copy(url, "address")
        self._report(result.ok, f"No browser could open it: {result.message}")

    # -- copying -----------------------------------------------------------------------------
    def _passage(self) -> tuple[Post, str, int] | None:
        pane = self.query_one(ReadingPane)
        post = self._shown_post()
        if post is None:
            return None
        start, end = pane.selection.range()
        return post, passage(post, start, end), end - start

    def _report(self, ok: bool, message: str) -> None:
        self.notify(message, severity="information" if ok else "error", markup=False)

    def action_copy_passage(self) -> None:
        chosen = self._passage()
        if chosen is None:
            return
        _post, text, count = chosen
        what = "1 paragraph" if count == 1 else f"{count} paragraphs"
        result = self.copier.copy(text, what)
        self._report(result.ok, result.message)

    def action_copy_citation(self) -> None:
        chosen = self._passage()
        if chosen is None:
            return
        post, text, _count = chosen
        result = self.copier.copy(citation(post, text), "citation")
        self._report(result.ok, result.message)

    def action_copy_post(self) -> None:
        post = self._shown_post()
        if post is None:
            return
        result = self.copier.copy(whole_post(post), "whole post")
        self._report(result.ok, result.message)

    # -- persistence -------------------------------------------------------------------------
    def _flush_in_background(self) -> None:
        """Every SAVE_EVERY_SECONDS: write buffered reading state off the UI thread, if any."""
        self._collect_when_idle()
        if self.store is not None and self.store.has_pending():
            self._flush_worker()

    @work(thread=True, group="flush", exclusive=True)
    def _flush_worker(self) -> None:
        if self.store is not None:
            try:
                self.store.flush()
            except StorageError as exc:
                self.call_from_thread(self.notify, str(exc), severity="error", markup=False)

    def _catch_stop_signals(self) -> None:
        """A closed terminal window or a lost SSH connection (SIGHUP) and a SIGTERM (a logout,
        a shutdown, `kill`) end the app as `q` does, instead of killing it: what was read is
        saved. Only where the event loop can take signals (POSIX, the main thread)."""
        try:
            loop = asyncio.get_running_loop()
            for number in (signal.SIGHUP, signal.SIGTERM):
                loop.add_signal_handler(number, self._stopped_from_outside)
        except (AttributeError, NotImplementedError, RuntimeError, ValueError):
            return  # no SIGHUP (Windows), no loop signals there, or not the main thread

    def _release_stop_signals(self) -> None:
        try:
            loop = asyncio.get_running_loop()
            for number in (signal.SIGHUP, signal.SIGTERM):
                loop.remove_signal_handler(number)
        except (AttributeError, NotImplementedError, RuntimeError, ValueError):
            return

    def _stopped_from_outside(self) -> None:
        """Save first (the terminal may be gone, so the exit's own drawing may fail), then
        exit as `q` does."""
        self.load_cancel.set()
        if self.store is not None:
            try:
                self.store.flush()
            except StorageError:
                pass  # the exit tries again (Store.close)
        self.exit()

    async def action_quit(self) -> None:
        """Quit at once: the index build is told to stop before the messages still queued
        (more posts, progress) are handled, and they are then dropped."""
        self.load_cancel.set()
        await super().action_quit()

    def on_unmount(self) -> None:
        self._release_stop_signals()
        gc.set_threshold(*self._gc_thresholds)
        self.load_cancel.set()  # an index being built stops at its next batch, leaving no file
        if isinstance(self.library, ProvisionalLibrary):
            self.library.close()
        if self.store is not None:
            try:
                self.store.close()
            except StorageError:
                pass


def make_app(
    paths: Sequence[Path],
    settings: Settings | None = None,
    *,
    store: Store | None = None,
    env: Mapping[str, str] | None = None,
) -> ReaderApp:
    """The one factory for the CLI and the tests. `settings` default to `resolve(env=env)`;
    `env` is also what the clipboard looks at to tell an SSH session."""
    settings = settings or resolve(env=env)
    app = ReaderApp(paths, store=store, settings=settings)
    app.copier = Clipboard(settings.clipboard, osc52=app.copy_to_clipboard, env=env)
    return app


def _holds(ordered: Sequence[int], index: int) -> bool:
    """Whether `ordered` (ascending) holds `index`: a binary search, not a pass."""
    at = bisect_left(ordered, index)
    return at < len(ordered) and ordered[at] == index
