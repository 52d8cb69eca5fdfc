"""Command line: `tgreader [PATH ...]` reads, `tgreader export` writes posts out,
`tgreader notes export` writes bookmarks and notes out. Thin: it parses and delegates."""

from __future__ import annotations

import argparse
import sys
from collections.abc import Callable, Sequence
from pathlib import Path

from tui import __version__
from tui.ingest import IngestError

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
    print(f"tgreader: {message}", file=sys.stderr)


def _warn(message: str) -> None:
    _say(f"warning: {message}")


def _paths(given: Sequence[str]) -> list[Path]:
    return [Path(p) for p in given] if given else [bundled_sample()]


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
        "Subcommands: 'tgreader export …' and 'tgreader notes export …' (see --help of each).",
    )
    parser.add_argument("paths", nargs="*", metavar="PATH",
                        help="dumps or folders of dumps (default: the bundled sample)")
    parser.add_argument("--db", metavar="PATH", help="bookmarks and notes database "
                        "(default: the platform's data folder; also $TGREADER_DB)")
    parser.add_argument("--clipboard", choices=("auto", "system", "osc52"),
                        help="how quotes are copied (also $TGREADER_CLIPBOARD; default auto)")
    parser.add_argument("--version", action="version", version=f"tgreader {__version__}")
    return parser


def _export_parser() -> argparse.ArgumentParser:
    from tui.exporting import FORMATS

    parser = argparse.ArgumentParser(prog="tgreader export",
                                     description="Print clean posts in reading order.")
    parser.add_argument("paths", nargs="*", metavar="PATH")
    parser.add_argument("--format", "-f", choices=FORMATS, default="json")
    parser.add_argument("--output", "-o", metavar="FILE", help="write here instead of stdout")
    return parser


def _notes_parser() -> argparse.ArgumentParser:
    parser = argparse.ArgumentParser(prog="tgreader notes export",
                                     description="Print every bookmark and note.")
    parser.add_argument("action", choices=("export",))
    parser.add_argument("--format", "-f", choices=("md", "json"), default="md")
    parser.add_argument("--output", "-o", metavar="FILE")
    parser.add_argument("--db", metavar="PATH")
    parser.add_argument("paths", nargs="*", metavar="PATH",
                        help="archives to check the records against (marks posts not in them)")
    return parser


def _progress_on_terminal() -> Callable[[int, int], None] | None:
    """`tgreader: indexing 42% (120/292 MB)` on stderr while an index is built, when a person
    is watching (stderr is a terminal); nothing when it is redirected."""
    if not sys.stderr.isatty():
        return None

    def show(done: int, total: int) -> None:
        percent = done * 100 // max(total, 1)
        end = "\n" if done >= total else ""
        print(f"\rtgreader: indexing {percent}% ({done >> 20}/{total >> 20} MB)", end=end,
              file=sys.stderr, flush=True)  # fmt: skip

    return show


def run_export(argv: Sequence[str]) -> int:
    from tui.exporting import export_posts
    from tui.index import open_library

    args = _export_parser().parse_args(argv)
    library = open_library(_paths(args.paths), _warn, progress=_progress_on_terminal())
    _write(export_posts(iter(library), args.format), args.output)  # posts read in batches
    return 0


def run_notes(argv: Sequence[str]) -> int:
    import os

    from tui.notes_export import export_notes
    from tui.paths import db_path
    from tui.storage import Store

    args = _notes_parser().parse_args(argv)
    if args.db:
        os.environ["TGREADER_DB"] = args.db
    store = Store.open(db_path())
    if store.open_warning:
        _warn(store.open_warning)
    open_ids: set[str] | None = None
    if args.paths:
        from tui.assemble import load_posts

        open_ids = {post.id for post in load_posts([Path(p) for p in args.paths], _warn)}
    _write(export_notes(store, args.format, open_ids), args.output)
    return 0


def run_reader(argv: Sequence[str]) -> int:
    import os

    args = _reader_parser().parse_args(argv)
    if args.db:
        os.environ["TGREADER_DB"] = args.db
    paths = _paths(args.paths)
    for path in paths:  # fail before the screen is taken over, with one line
        if not path.exists():
            raise IngestError(path, "no such file or folder")
    from tui.app import make_app

    try:
        app = make_app(paths, clipboard=args.clipboard)
    except ValueError as exc:  # a bad TGREADER_CLIPBOARD value
        _say(str(exc))
        return EXIT_BAD_INPUT
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
