"""The journal beside the database: what changed since the database file was last written whole.

Rewriting a 30 MB file to save one note takes a second; appending one line takes a
millisecond. So a transaction appends its changes to `library.json.journal`, one line of JSON
per transaction (`[[table, doc id, document or null], ...]`, null for a removal), flushed to
the disk before the save is reported done; now and then the whole state is written to the
database atomically and the journal emptied (`compaction`).

Why it cannot lose or invent a change:
* a line counts only when it is whole: a writer killed mid-append leaves a torn last line,
  which readers ignore and the next writer cuts off before appending (under the lock);
* every change is a document's whole new value (or its removal), so applying a line twice
  changes nothing: a compaction killed between writing the database and emptying the journal
  leaves lines that are already in the database, and replaying them is harmless;
* a save that fails after writing part of a line cuts the line off again before reporting
  the failure, so nothing the user was told failed appears later.
"""

from __future__ import annotations

import json
import os
from collections.abc import Iterable
from pathlib import Path
from typing import Any

from tui.storage import portable
from tui.storage.errors import DamagedDatabaseError

#: One change: table, doc id, the document after (None: removed).
Op = tuple[str, str, dict[str, Any] | None]


def journal_path(db: Path) -> Path:
    return db.with_name(db.name + ".journal")


def encode_line(ops: Iterable[Op]) -> bytes:
    """One transaction as one line (JSON never holds a raw newline; \\u2028 is harmless)."""
    value = [[table, doc_id, doc] for table, doc_id, doc in ops]
    try:
        text = json.dumps(value, ensure_ascii=False, separators=(",", ":"))
        return text.encode("utf-8") + b"\n"
    except UnicodeEncodeError:  # a lone surrogate: \\u escapes, as in the database
        return json.dumps(value, separators=(",", ":")).encode("ascii") + b"\n"


MAX_DOC_ID_DIGITS = 18  # fits in 63 bits; TinyDB counts from 1


def is_doc_id(doc_id: str) -> bool:
    """A doc id as TinyDB writes it: a plain decimal number. `"٣"` or `"03"` would read as a
    second record 3, and a 5,000-digit one is past what Python's int() accepts."""
    return (
        0 < len(doc_id) <= MAX_DOC_ID_DIGITS
        and doc_id.isascii()
        and doc_id.isdigit()
        and (doc_id == "0" or doc_id[0] != "0")
    )


def _parse_line(line: bytes) -> list[Op] | None:
    try:
        value = json.loads(line.decode("utf-8"))
    except (ValueError, RecursionError):  # UnicodeDecodeError and JSONDecodeError included
        return None
    if not isinstance(value, list):
        return None
    ops: list[Op] = []
    for op in value:
        if not (isinstance(op, list) and len(op) == 3):
            return None
        table, doc_id, doc = op
        if not (isinstance(table, str) and isinstance(doc_id, str) and is_doc_id(doc_id)):
            return None
        if doc is not None and not isinstance(doc, dict):
            return None
        ops.append((table, doc_id, doc))
    return ops


def parse(raw: bytes, start: int = 0) -> tuple[list[list[Op]], int]:
    """The whole lines in `raw` (the journal from byte `start`), and the offset where the last
    whole line ends. A bad or cut LAST line is a write that was never reported done: ignored.
    A bad line with good ones after it is damage no crash can cause."""
    lines: list[list[Op]] = []
    end = start
    position = 0
    while position < len(raw):
        newline = raw.find(b"\n", position)
        if newline < 0:
            break  # torn tail
        ops = _parse_line(raw[position:newline])
        if ops is None:
            if raw[newline + 1 :].strip(b"\x00\n\r\t "):
                raise DamagedDatabaseError(
                    f"the journal is damaged at byte {start + position:,} (a change that "
                    "is not one tgreader wrote)"
                )
            break
        lines.append(ops)
        position = newline + 1
        end = start + position
    return lines, end


def read_from(path: Path, start: int) -> tuple[list[list[Op]], int, tuple[int, int] | None, int]:
    """Lines from byte `start`, their end, the journal's identity (device, file number) and its
    size; no journal is ([], 0, None, 0)."""
    try:
        handle = open(path, "rb")
    except FileNotFoundError:
        return [], 0, None, 0
    with handle:
        st = os.fstat(handle.fileno())
        if st.st_size < start:
            start = 0  # emptied since: read it whole (the caller re-reads the database too)
        handle.seek(start)
        raw = handle.read()
    lines, end = parse(raw, start)
    return lines, end, (st.st_dev, st.st_ino), st.st_size


def identity(path: Path) -> tuple[tuple[int, int] | None, int]:
    try:
        st = os.stat(path)
    except FileNotFoundError:
        return None, 0
    return (st.st_dev, st.st_ino), st.st_size


def append(path: Path, valid_end: int, line: bytes, like: Path | None = None) -> int:
    """Write `line` at `valid_end` (cutting off a torn tail first), flush it to the disk, and
    return the new end. On failure the journal is cut back to `valid_end` and the error
    raised: a change reported as not saved must not turn up later. A new journal gets the
    permissions of `like` (the database): notes kept private stay private."""
    flags = os.O_WRONLY | os.O_CREAT | portable.O_BINARY | portable.O_CLOEXEC
    fd = os.open(path, flags, 0o600)
    try:
        try:
            if like is not None and valid_end == 0:
                portable.copy_mode(fd, path, like)
            if os.fstat(fd).st_size != valid_end:
                os.ftruncate(fd, valid_end)
            os.lseek(fd, valid_end, os.SEEK_SET)
            view = memoryview(line)
            while view:
                view = view[os.write(fd, view) :]
            portable.full_fsync(fd)
        except BaseException:
            try:
                os.ftruncate(fd, valid_end)
            except OSError:
                pass  # the line is then torn or whole-but-unsynced; see `parse`
            raise
    finally:
        os.close(fd)
    return valid_end + len(line)


def empty(path: Path) -> None:
    """After a compaction: the journal's lines are all in the database now."""
    try:
        fd = os.open(path, os.O_WRONLY | portable.O_BINARY | portable.O_CLOEXEC)
    except FileNotFoundError:
        return
    try:
        os.ftruncate(fd, 0)
        portable.full_fsync(fd)
    finally:
        os.close(fd)


def apply(tables: dict[str, dict[str, Any]], ops: Iterable[Op]) -> list[Change]:
    """Apply changes to `tables` in place; returns them with each document's value before."""
    changes: list[Change] = []
    for table, doc_id, doc in ops:
        docs = tables.setdefault(table, {})
        before = docs.get(doc_id)
        if doc is None:
            docs.pop(doc_id, None)
        else:
            docs[doc_id] = doc
        changes.append((table, doc_id, before, doc))
    return changes


#: What a change did to one document: table, doc id, before, after (None: absent).
Change = tuple[str, str, dict[str, Any] | None, dict[str, Any] | None]
