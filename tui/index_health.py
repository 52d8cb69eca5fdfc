"""Can an index be trusted: is its file whole, and are its inputs still what it was built from?

Pure (sqlite3 and hashlib). The index calls `content_fingerprint` for each input when it keys
an index, and `check_index` when it opens one; either answer sends it to build the index
again, so a damaged or stale index never serves placeholders or old text. A check that passed
is remembered beside the file (`mark_checked`) for as long as the file is not written again
(`is_checked`): SQLite's page check reads the whole file, seconds for a big archive, and a
reopen should not pay it every time.
"""

from __future__ import annotations

import hashlib
import os
import sqlite3
import time
from pathlib import Path

#: How much of each end of an input the content check reads.
SAMPLE_BYTES = 64 * 1024
#: A file written less than this long ago is not marked checked: file times move in coarse
#: ticks, and a write in the tick of the mark could leave the times the mark recorded.
SETTLED_NS = 2_000_000_000


def content_fingerprint(path: Path) -> str:
    """A cheap check of what a file holds: its size and a hash of its first and last 64 KiB.

    Size and modification time alone miss an edit that kept the size and had its time put
    back (a `touch -r`, a copy tool, a restore); reading 128 KiB per input costs well under a
    millisecond, where hashing a whole 500 MB export would cost a second.
    """
    digest = hashlib.blake2b(digest_size=16)
    with path.open("rb") as fh:
        size = os.fstat(fh.fileno()).st_size
        digest.update(str(size).encode())
        digest.update(fh.read(SAMPLE_BYTES))
        if size > SAMPLE_BYTES:
            fh.seek(max(SAMPLE_BYTES, size - SAMPLE_BYTES))
            digest.update(fh.read(SAMPLE_BYTES))
    return digest.hexdigest()


def connect_whole(path: Path, what: str) -> sqlite3.Connection:
    """A read-only connection to the cache file at `path`, whose size must be what its pages
    say: a file cut short (or grown) behind SQLite's back raises DatabaseError naming `what`."""
    expected = path.stat().st_size
    conn = sqlite3.connect(f"file:{path}?mode=ro", uri=True, check_same_thread=False)
    try:
        pages, page_size = (conn.execute("PRAGMA page_count").fetchone()[0],
                            conn.execute("PRAGMA page_size").fetchone()[0])  # fmt: skip
        if pages * page_size != expected:
            raise sqlite3.DatabaseError(f"{what} file size does not match its page count")
    except BaseException:
        conn.close()
        raise
    return conn


def check_index(conn: sqlite3.Connection, posts: int) -> str | None:
    """Why the index behind `conn` cannot be trusted, or None when it can.

    `posts` is how many posts its heads list. SQLite's `quick_check` finds damaged pages
    (random bytes, a zeroed page); the row counts find a file that is valid SQLite but lost
    rows (every head needs its row, every row its text).
    """
    try:
        found = [row[0] for row in conn.execute("PRAGMA quick_check")]
        if found != ["ok"]:
            return f"SQLite's check failed: {str(found[0])[:200]}"
        rows = conn.execute("SELECT count(*) FROM posts").fetchone()[0]
        if rows != posts:
            return f"it lists {posts} posts but holds {rows}"
        orphans = conn.execute(
            "SELECT count(*) FROM posts LEFT JOIN texts ON texts.rowid = posts.body "
            "WHERE texts.rowid IS NULL"
        ).fetchone()[0]
        if orphans:
            return f"{orphans} posts have lost their text"
    except sqlite3.DatabaseError as exc:
        return f"it cannot be read ({exc})"
    return None


def check_segment(conn: sqlite3.Connection, records: int) -> str | None:
    """Why the segment behind `conn` (one input's parsed records, see `tui.segments`) cannot
    be trusted, or None when it can: damaged pages, or texts lost (record n has text n)."""
    try:
        found = [row[0] for row in conn.execute("PRAGMA quick_check")]
        if found != ["ok"]:
            return f"SQLite's check failed: {str(found[0])[:200]}"
        texts, last = conn.execute("SELECT count(*), ifnull(max(rowid), 0) FROM texts").fetchone()
        if texts != records or last != records:
            return f"it lists {records} records but holds {texts} texts"
    except sqlite3.DatabaseError as exc:
        return f"it cannot be read ({exc})"
    return None


def checked_mark(path: Path) -> Path:
    """Where the mark of a passed check of the cache file at `path` is kept."""
    return path.with_name(path.name + ".checked")


def _stamp(path: Path) -> tuple[str, int]:
    """The file's identity and times, and its change time. A change time moves on every write
    and cannot be set back (unlike a modification time): same stamp, same bytes written."""
    st = path.stat()
    return f"{st.st_dev} {st.st_ino} {st.st_size} {st.st_mtime_ns} {st.st_ctime_ns}", st.st_ctime_ns


def is_checked(path: Path) -> bool:
    """Whether the cache file at `path` passed its check and has not been written since.
    Never on Windows, where a file's change time is its creation time."""
    if os.name == "nt":
        return False
    try:
        return checked_mark(path).read_text("ascii") == _stamp(path)[0]
    except (OSError, UnicodeError):
        return False


def file_stamp(path: Path) -> str:
    """The file's identity and times as a mark records them (raises OSError)."""
    return _stamp(path)[0]


def settle_seconds(path: Path) -> float:
    """How long until the file at `path` has gone unwritten long enough that a check begun
    then can be marked (see `mark_checked`); 0 when it has, or cannot be read."""
    try:
        changed = _stamp(path)[1]
    except OSError:
        return 0.0
    return max(0, changed + SETTLED_NS - time.time_ns()) / 1e9


def mark_checked(path: Path, expected: str | None = None) -> None:
    """Remember that the cache file at `path` passed its check, if it was last written long
    enough ago for a later write to show in its times (else it is checked again next time),
    and, given `expected` (a `file_stamp`), if it is still that file as it was then.
    Never raises: without a mark the file is only checked again."""
    try:
        stamp, changed = _stamp(path)
        if time.time_ns() - changed < SETTLED_NS or expected not in (None, stamp):
            return
        mark = checked_mark(path)
        temp = mark.with_name(f".{mark.name}.{os.getpid()}.tmp")
        temp.write_text(stamp, "ascii")
        os.replace(temp, mark)
    except OSError:
        pass
