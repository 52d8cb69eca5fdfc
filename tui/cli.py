"""Command line: `tgreader [PATH ...]` reads, `tgreader export` writes posts out,
`tgreader notes export` writes bookmarks and notes out, `tgreader fetch` keeps a public
channel's archive up to date. Thin: it parses and delegates."""

from __future__ import annotations

import argparse
import gc
import sys
from collections.abc import Sequence
from datetime import date
from pathlib import Path
from typing import TYPE_CHECKING

from tui import __version__
from tui.ingest import IngestError
from tui.progress_cli import byte_progress, status_line
from tui.safetext import visible
from tui.settings import Settings, resolve

if TYPE_CHECKING:
    from tui.fetch.archive import Summary as ChannelSummary
    from tui.fetch.channel import Progress as FetchProgress

EXIT_BAD_INPUT = 2


def bundled_sample() -> Path:
    """The sample archive shipped with tgreader, opened when no path is given."""
    here = Path(__file__).resolve().parent
    for candidate in (here / "data", here.parent / "data"):
        found = sorted(candidate.glob("*.txt")) if candidate.is_dir() else []
        if found:
            return found[0]
    raise IngestError(here / "data", "the bundled sample is missing from this installation")


def _say(message: str) -> None:
    """One line on stderr; file names and messages may hold anything, so shown inert."""
    print(f"tgreader: {visible(message)}", file=sys.stderr)


def _warn(message: str) -> None:
    _say(f"warning: {message}")


def _paths(given: Sequence[str], channels: Path) -> list[Path]:
    return [_path(p, channels) for p in given] if given else [bundled_sample()]


def _path(given: str, channels: Path) -> Path:
    """A path as given, or for `@name` (when no such file exists) that fetched channel's
    archive folder."""
    if given.startswith("@") and not Path(given).exists():
        from tui.fetch.channel import channel_name
        from tui.fetch.errors import FetchError

        try:
            name = channel_name(given)
        except FetchError as exc:
            raise IngestError(given, str(exc)) from None
        folder = channels / name.lower()
        if not folder.is_dir():
            raise IngestError(given, f"not fetched yet; run: tgreader fetch {given}")
        return folder
    return Path(given)


def _write(text: str, output: str | None) -> None:
    if output and output != "-":
        Path(output).write_text(text, encoding="utf-8")
    else:
        sys.stdout.write(text)
        sys.stdout.flush()


def _reader_parser() -> argparse.ArgumentParser:
    parser = argparse.ArgumentParser(
        prog="tgreader",
        description="Read archives of public Telegram channels in the terminal. "
        "Subcommands: 'tgreader export …', 'tgreader notes export …' and "
        "'tgreader fetch …' (see --help of each).",
    )
    parser.add_argument("paths", nargs="*", metavar="PATH",
                        help="dumps, folders of dumps or @name of a fetched channel "
                        "(default: the bundled sample)")
    parser.add_argument("--db", metavar="PATH", help="bookmarks and notes database "
                        "(default: the platform's data folder; also $TGREADER_DB)")
    parser.add_argument("--clipboard", choices=("auto", "system", "osc52"),
                        help="how quotes are copied (also $TGREADER_CLIPBOARD; default auto)")
    parser.add_argument("--version", action="version", version=f"tgreader {__version__}")
    return parser


def _export_parser() -> argparse.ArgumentParser:
    from tui.exporting import FORMATS

    parser = argparse.ArgumentParser(
        prog="tgreader export",
        description="Print clean posts in reading order. Options and paths go in any order.")
    parser.add_argument("paths", nargs="*", metavar="PATH",
                        help="dumps or folders of dumps (default: the bundled sample)")
    parser.add_argument("--format", "-f", choices=FORMATS, default="json",
                        help="output format (default: json)")
    parser.add_argument("--output", "-o", metavar="FILE",
                        help="write here instead of stdout")
    return parser


def _notes_parser() -> argparse.ArgumentParser:
    parser = argparse.ArgumentParser(
        prog="tgreader notes export",
        description="Print every bookmark and note. Options and paths go in any order.")
    parser.add_argument("paths", nargs="*", metavar="PATH",
                        help="archives to check the records against (marks posts not in them)")
    parser.add_argument("--format", "-f", choices=("md", "json"), default="md",
                        help="output format (default: md)")
    parser.add_argument("--output", "-o", metavar="FILE",
                        help="write here instead of stdout")
    parser.add_argument("--db", metavar="PATH", help="bookmarks and notes database "
                        "(default: the platform's data folder; also $TGREADER_DB)")
    return parser


NOTES_USAGE = ("usage: tgreader notes export [-h] [--format {md,json}] [--output FILE] "
               "[--db PATH] [PATH ...]")


def _fetch_parser() -> argparse.ArgumentParser:
    from tui.fetch.channel import DEFAULT_BASE_URL

    parser = argparse.ArgumentParser(
        prog="tgreader fetch",
        description="Download a public channel's web preview (t.me/s/NAME) into its archive "
        "folder, or bring it up to date; then read it with 'tgreader @NAME'.",
    )
    parser.add_argument("channel", nargs="?", metavar="CHANNEL",
                        help="@name, name, or a t.me / t.me/s link")
    parser.add_argument("--list", action="store_true",
                        help="show the fetched channels: posts, date range, last update")
    parser.add_argument("--since", metavar="YYYY-MM-DD", type=_iso_date,
                        help="on a first fetch, stop at posts older than this day")
    parser.add_argument("--limit", metavar="N", type=_positive_int,
                        help="on a first fetch, stop after about N posts (whole pages)")
    parser.add_argument("--delay", metavar="SECONDS", type=float, default=1.0,
                        help="pause between requests (default 1)")
    parser.add_argument("--base-url", metavar="URL", default=DEFAULT_BASE_URL,
                        help=f"the host to ask (default {DEFAULT_BASE_URL}; a mirror, or tests)")
    return parser


def _iso_date(value: str) -> date:
    try:
        return date.fromisoformat(value)
    except ValueError:
        raise argparse.ArgumentTypeError(f"{value!r} is not a date like 2024-01-31") from None


def _positive_int(value: str) -> int:
    if not value.isdigit() or int(value) < 1:
        raise argparse.ArgumentTypeError(f"{value!r} is not a positive whole number")
    return int(value)


def _fetch_words(name: str, progress: FetchProgress) -> str:
    """`@name: 3 pages, 60 new posts, back to 2024-01-31`: the fetch's status line."""
    back = f", back to {progress.oldest[:10]}" if progress.oldest else ""
    pages = "1 page" if progress.pages == 1 else f"{progress.pages} pages"
    return f"@{name}: {pages}, {progress.new_posts} new posts{back}"


def run_fetch(argv: Sequence[str]) -> int:
    from tui.fetch.archive import list_archives
    from tui.fetch.channel import channel_name, fetch_into
    from tui.fetch.client import Politeness
    from tui.fetch.errors import FetchError, NetworkError

    parser = _fetch_parser()
    args = parser.parse_args(argv)
    channels = _settings().channels
    if args.list:
        _write(_channel_list(list_archives(channels, _warn)), None)
        return 0
    if not args.channel:
        parser.error("name a channel (@name), or use --list")
    if args.delay < 0:
        parser.error("--delay cannot be negative")
    try:
        name = channel_name(args.channel)
        with status_line(f"@{name}: asking {args.base_url}") as say:
            show = None if say is None else (lambda p: say(_fetch_words(name, p)))
            result = fetch_into(channels / name.lower(), name, args.base_url,
                                Politeness(delay=args.delay), since=args.since,
                                limit=args.limit, progress=show)  # fmt: skip
    except NetworkError as exc:
        _say(str(exc))
        return 1
    except FetchError as exc:
        _say(str(exc))
        return EXIT_BAD_INPUT
    if sys.stderr.isatty():
        _say(f"@{name}: {result.new_posts} new posts; read them with: tgreader @{name}")
    return 0


def _channel_list(summaries: Sequence[ChannelSummary]) -> str:
    if not summaries:
        return "No fetched channels yet: tgreader fetch @name\n"
    # Titles come from the pages: never let one drive the terminal (visible, from safetext).
    rows = [("channel", "posts", "from", "to", "updated", "title")]
    for s in summaries:
        updated = (s.updated or "never finished")[:16].replace("T", " ")
        rows.append((f"@{visible(s.name)}", f"{s.posts:,}", (s.first or "?")[:10],
                     (s.last or "?")[:10], updated, visible(s.title or "")))  # fmt: skip
    widths = [max(len(row[i]) for row in rows) for i in range(5)]
    lines = ["  ".join(cell.ljust(w) for cell, w in zip(row[:5], widths, strict=True))
             + "  " + row[5] for row in rows]  # fmt: skip
    return "\n".join(line.rstrip() for line in lines) + "\n"


def _settings(db: str | None = None, clipboard: str | None = None) -> Settings:
    """The settings of this run (flags > environment > config file > defaults); a problem
    with the config file is a warning line, and the run goes on with the defaults."""
    settings = resolve(db=db, clipboard=clipboard)
    for problem in settings.problems:
        _warn(problem)
    return settings


def run_export(argv: Sequence[str]) -> int:
    from tui.exporting import write_posts
    from tui.index import open_library

    args = _export_parser().parse_intermixed_args(argv)
    settings = _settings()
    with byte_progress("indexing") as progress:
        library = open_library(_paths(args.paths, settings.channels), _warn, progress=progress,
                               cache=settings.cache)
    # Streamed: posts are read from the index in batches and written one by one, so memory
    # follows one post, not the archive (issue 12).
    if args.output and args.output != "-":
        with open(args.output, "w", encoding="utf-8") as out:
            write_posts(library, args.format, out)
    else:
        write_posts(library, args.format, sys.stdout)
        sys.stdout.flush()
    return 0


def run_notes(argv: Sequence[str]) -> int:
    from tui.notes_export import export_notes
    from tui.storage import Store

    if argv[:1] != ["export"]:
        # One subcommand today; say what it is rather than a puzzling "PATH is required".
        print(NOTES_USAGE, file=sys.stderr)
        _say("notes: say what to do with them: 'tgreader notes export' "
             "(see 'tgreader notes export --help')")
        return EXIT_BAD_INPUT
    args = _notes_parser().parse_intermixed_args(argv[1:])
    settings = _settings(db=args.db)
    store = Store.open(settings.db)
    if store.open_warning:
        _warn(store.open_warning)
    open_ids: set[str] | None = None
    if args.paths:
        from tui.index import open_library
        from tui.rekey import rekey_records

        with byte_progress("indexing") as progress:
            library = open_library([Path(p) for p in args.paths], _warn, progress=progress,
                                   cache=settings.cache)
        rekey_records(store, library)  # records of old ids name their posts as the app would
        open_ids = library.ids()
    _write(export_notes(store, args.format, open_ids), args.output)
    return 0


def run_reader(argv: Sequence[str]) -> int:
    args = _reader_parser().parse_args(argv)
    try:
        settings = _settings(db=args.db, clipboard=args.clipboard)
    except ValueError as exc:  # a bad --clipboard or TGREADER_CLIPBOARD value
        _say(str(exc))
        return EXIT_BAD_INPUT
    paths = _paths(args.paths, settings.channels)
    for path in paths:  # fail before the screen is taken over, with one line
        if not path.exists():
            raise IngestError(path, "no such file or folder")
    # Until its first screen is drawn the reader makes long-lived objects only (modules,
    # classes, widgets, the index's tables): the cyclic GC would walk them again and again
    # for nothing. The app turns it back on once the screen is drawn (ReaderApp.on_mount).
    gc.disable()
    from tui.app import make_app

    app = make_app(paths, settings)
    app.run()
    for warning in app.load_warnings:
        _warn(warning)
    if app.fatal_message:
        _say(app.fatal_message)
    return app.return_code or 0


def main(argv: Sequence[str] | None = None) -> int:
    argv = list(sys.argv[1:] if argv is None else argv)
    try:
        if argv[:1] == ["export"]:
            return run_export(argv[1:])
        if argv[:1] == ["notes"]:
            return run_notes(argv[1:])
        if argv[:1] == ["fetch"]:
            return run_fetch(argv[1:])
        return run_reader(argv)
    except IngestError as exc:
        _say(str(exc))
        return EXIT_BAD_INPUT
    except BrokenPipeError:
        return 0
    except KeyboardInterrupt:
        return 130
    except OSError as exc:
        _say(f"{exc.filename or ''}: {exc.strerror or exc}".lstrip(": "))
        return 1
