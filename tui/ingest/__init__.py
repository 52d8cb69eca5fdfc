"""Turn the files a user names into raw posts: find the dumps, read them safely, pick a parser.

Pure: imports the model and the text rules only. Every problem with an input is an
`IngestError` (fatal for that input) or a warning line, each naming the file and, where it
helps, the line, so nothing is ever dropped silently.
"""

from __future__ import annotations

import os
import re
from collections.abc import Callable, Iterator
from dataclasses import dataclass
from pathlib import Path

from tui.model import RawPost
from tui.wording import SAVE_AS_UTF8, not_utf8

Warn = Callable[[str], None]

#: Bump when parsing changes what posts come out of a file: cached indexes are rebuilt.
PARSER_VERSION = "3"

SNIFF_BYTES = 64 * 1024
#: The kinds of dump, as `sniff` names them (`formats.SNIFFERS` has each one's test).
KINDS = frozenset({"desktop_json", "desktop_html", "tme_page", "desktop_text", "webcopy"})
DUMP_SUFFIXES = {".txt", ".json", ".html", ".htm", ".text", ".md"}


class IngestError(Exception):
    """A problem that stops one input from being read. `str()` is the one line the user sees."""

    def __init__(self, path: Path | str, message: str, line: int | None = None) -> None:
        self.path = str(path)
        self.line = line
        self.message = message
        where = f"{self.path}:{line}" if line is not None else self.path
        super().__init__(f"{where}: {message}")


@dataclass(frozen=True, slots=True)
class Dump:
    """One file recognised as a dump, and the parser that reads it."""

    path: Path
    kind: str


def read_head(path: Path) -> bytes:
    try:
        with path.open("rb") as fh:
            return fh.read(SNIFF_BYTES)
    except IsADirectoryError:
        raise IngestError(path, "is a folder") from None
    except PermissionError:
        raise IngestError(path, "cannot be read: permission denied") from None
    except OSError as exc:
        raise IngestError(path, f"cannot be read: {exc.strerror or exc}") from None


def sniff(path: Path, head: bytes) -> str | None:
    """The dump kind by content, never by name: `webcopy`, `desktop_json`, `desktop_text`,
    `desktop_html`, `tme_page`; None when the file is not recognisably a Telegram dump."""
    from tui.ingest import formats

    text = head.decode("utf-8", errors="replace").lstrip("\ufeff")
    for kind, looks_like in formats.SNIFFERS:
        if looks_like(text):
            return kind
    return None


def check_text(path: Path, head: bytes) -> None:
    """Reject empty, blank, binary, UTF-16 and non-UTF-8 files with one clear line."""
    if not head:
        raise IngestError(path, "empty file: nothing to read")
    if head.startswith((b"\xff\xfe", b"\xfe\xff")):
        raise IngestError(path, f"UTF-16 text; {SAVE_AS_UTF8}")
    if b"\x00" in head:
        raise IngestError(path, "binary file, not a text dump of a Telegram channel")
    try:
        head.decode("utf-8")
    except UnicodeDecodeError as exc:
        cut_by_window = len(head) == SNIFF_BYTES and exc.reason == "unexpected end of data"
        if not cut_by_window:
            raise IngestError(
                path, not_utf8(exc),
                line=head.count(b"\n", 0, exc.start) + 1,
            ) from None
    blank = not head.decode("utf-8", errors="replace").lstrip("\ufeff").strip()
    if blank and len(head) < SNIFF_BYTES:
        raise IngestError(path, "empty file: only blank lines, nothing to read")


#: What a file is sniffed as, when already known (see `find_dumps`): its kind, or None.
Known = Callable[[Path], str | None]


def find_dumps(path: Path, warn: Warn, known: Known | None = None) -> list[Dump]:
    """The dumps a path names: the file itself, or every dump inside a folder (sorted by name).

    A file named directly is read even when it does not look like a known dump (as a web copy,
    whose parser warns about text outside posts); inside a folder only recognised dumps are
    taken. `known` gives the kind of a file whose first SNIFF_BYTES are those it was checked
    and sniffed from before (a reopen knows them from its index): it is not read here, and
    the sniffers and the parsers they live in are not loaded for it.
    """
    if not os.path.lexists(path):
        raise IngestError(path, "no such file or folder")
    if path.is_dir():
        dumps: list[Dump] = []
        others: list[str] = []
        for child in sorted(path.rglob("*")):
            if not child.is_file() or child.name.startswith("."):
                continue
            if child.suffix.lower() not in DUMP_SUFFIXES:
                # An export's media sit in subfolders and are expected; a file of another
                # kind beside the dumps is named, so nothing the user put there goes unseen.
                if child.parent == path:
                    others.append(child.name)
                continue
            kind = known(child) if known is not None else None
            if kind is not None:  # as it was when it was read: checked and sniffed then
                dumps.append(Dump(child, kind))
                continue
            try:
                head = read_head(child)
                check_text(child, head)
            except IngestError as exc:
                warn(f"{exc} (skipped)")
                continue
            kind = sniff(child, head)
            if kind is not None:
                dumps.append(Dump(child, kind))
            elif child.suffix.lower() in (".txt", ".json", ".html", ".htm"):
                warn(f"{child}: not recognisably a Telegram dump (skipped)")
        skipped = ""
        if others:
            more = f" and {len(others) - 5} more" if len(others) > 5 else ""
            skipped = (f"skipped {len(others)} file(s) that are not text dumps "
                       f"(.txt, .json, .html, .md): {', '.join(others[:5])}{more}")
        if not dumps:
            raise IngestError(
                path, "no Telegram dumps in this folder (looked for web copies, result.json, "
                "messages*.html and copied messages)" + (f"; {skipped}" if skipped else "")
            )
        if skipped:
            warn(f"{path}: {skipped}")
        return _group_html(dumps)
    kind = known(path) if known is not None else None
    if kind is not None:
        return [Dump(path, kind)]
    head = read_head(path)
    check_text(path, head)
    kind = sniff(path, head)
    if kind is None:
        refuse_markup(path, head)
    # A text file named directly but not recognised is read as a web copy; the web-copy
    # parser reports, with the line, any text it finds outside a 'Forwarded from' post, so
    # warning here too would say the same thing twice.
    return [Dump(path, kind or "webcopy")]


_HTML_START = re.compile(r"^\s*(?:<!--.*?-->\s*)*<(?:!doctype\s+html|html)\b", re.I | re.S)


def refuse_markup(path: Path, head: bytes) -> None:
    """An HTML or JSON file that is not a Telegram export is refused with what was expected:
    read as a copied text, it would become one post of raw markup."""
    text = head.decode("utf-8", errors="replace").lstrip("\ufeff")
    suffix = path.suffix.lower()
    if suffix in (".html", ".htm") or _HTML_START.match(text):
        raise IngestError(path, "not a Telegram export: expected a page of Telegram Desktop's "
                          "HTML export (messages.html) or a saved t.me/s/<channel> page")
    if suffix == ".json" or text.lstrip().startswith("{"):
        raise IngestError(path, "not a Telegram export: expected Telegram Desktop's JSON "
                          "export (result.json, with 'messages' or 'chats')")


def _group_html(dumps: list[Dump]) -> list[Dump]:
    """Keep messages.html before messages2.html … messages10.html: one channel, in order."""

    def order(d: Dump) -> tuple[str, int, str]:
        stem = d.path.stem
        digits = "".join(ch for ch in stem if ch.isdigit())
        base = stem.rstrip("0123456789")
        number = int(digits) if digits and base == "messages" and len(digits) < 18 else 0
        return (str(d.path.parent), number, stem)

    html = sorted((d for d in dumps if d.kind == "desktop_html"), key=order)
    rest = [d for d in dumps if d.kind != "desktop_html"]
    return rest + html


def iter_lines(path: Path) -> Iterator[tuple[int, str]]:
    """(line number, line) of a UTF-8 text file, BOM dropped, CRLF folded, lazily.

    A byte sequence that is not UTF-8 raises IngestError naming the line: guessing another
    encoding would risk showing the user words the channel never wrote.
    """
    lineno = 0
    try:
        with path.open("r", encoding="utf-8-sig", errors="strict", newline=None) as fh:
            for lineno, line in enumerate(fh, start=1):  # noqa: B007
                yield lineno, line.rstrip("\n")
    except UnicodeDecodeError as exc:
        raise IngestError(
            path, not_utf8(exc),
            line=lineno + 1,
        ) from None
    except OSError as exc:
        raise IngestError(path, f"cannot be read: {exc.strerror or exc}") from None


def iter_raw_posts(dump: Dump, warn: Warn) -> Iterator[RawPost]:
    """The raw posts of one dump, in file order."""
    from tui.ingest import formats

    parser = formats.PARSERS[dump.kind]
    yield from parser(dump.path, warn)
