"""Bitmaps of the posts under the search index's common word starts: search at a million posts.

FTS5 hands its hits over one row at a time (about 250 ns a row through the virtual table), so
a word that half of a million posts hold costs a quarter of a second before Python sees a
hit. What a query asks of FTS5 is always a word start (`"lavr"*`: every term of the index from
`lavr` to `lavr\\U0010ffff`). So at the end of a build, every word start whose terms appear
in more than 1/`SHARE` of the posts (summed over its terms) gets a bitmap of the posts that
hold one of them (`search_bits`), computed from FTS5's own answers. A search then takes a
stored start's bitmap as it is, and asks FTS5 only about starts that are not stored, which
by construction hold few rows (at most 1/`SHARE` of the posts); words are ANDed as Python
integers and the positions come out of the final bitmap at C speed.

A bitmap is a Python int in which post `p` of `posts` is bit `posts - 1 - p` (stored as
big-endian bytes): `format(bits, f"0{posts}b")[p]` is post p. The bitmaps cover the posts the
index held when they were written (meta `search_bits`); posts appended later are searched in
FTS5 (`rowid >= covered`). Which words a query holds and how they fold is FTS5's business:
`fts_terms` asks FTS5's own tokenizer, and anything it does not split into exactly one term
is searched in FTS5 alone. Pure: sqlite3 only.
"""

from __future__ import annotations

import json
import sqlite3
import threading
from collections import deque
from collections.abc import Iterable, Sequence
from functools import lru_cache
from itertools import compress, repeat

#: How the search table splits and folds text (one place: `tui.library.SEARCH_TABLE` uses it).
SEARCH_TOKENIZE = "unicode61 remove_diacritics 2"

SEARCH_BITS_TABLE = """
CREATE TABLE search_bits(prefix TEXT PRIMARY KEY, bits BLOB, same TEXT) WITHOUT ROWID;
"""
#: A word start gets a bitmap when its terms are in more than 1/SHARE of the posts: the
#: starts left to FTS5 give at most that many rows (a million posts: 31,250, about 10 ms).
SHARE = 32
#: Word starts longer than this get no bitmap (a hostile file's megabyte-long word would
#: cost its length squared): they are searched in FTS5 alone, as before.
LONGEST = 48

_numbers = json.JSONDecoder().decode  # a JSON list of integers, as a list
_DIGITS = bytes.maketrans(b"\x00\x01", b"01")
_FLAGS = bytes.maketrans(b"01", b"\x00\x01")


def phrase(term: str, prefix: bool) -> str:
    """An FTS5 query for one term (or every term starting with it)."""
    quoted = '"' + term.replace('"', '""') + '"'
    return quoted + "*" if prefix else quoted


def bits_of(positions: Iterable[int], posts: int) -> int:
    """The bitmap of `positions` (each in range(posts))."""
    flags = bytearray(posts)
    deque(map(flags.__setitem__, positions, repeat(1)), maxlen=0)
    return int(flags.translate(_DIGITS), 2) if posts else 0


def matching_bits(conn: sqlite3.Connection, queries: Iterable[str], posts: int,
                  first: int = 0) -> int:
    """The bitmap of the posts in [first, posts) that FTS5 finds for any of `queries`. The rows
    come out of SQLite as one string of numbers (a Python tuple a row costs three times as
    much), read at C speed by the JSON decoder (SQLite's `printf` to fixed-width hex cost
    twice as much as numbers and JSON together)."""
    flags = bytearray(posts)
    for query in queries:
        (found,) = conn.execute(
            "SELECT group_concat(rowid) FROM search "
            "WHERE search MATCH ? AND rowid >= ? AND rowid < ?", (query, first, posts)
        ).fetchone()  # fmt: skip
        if found:
            deque(map(flags.__setitem__, _numbers(f"[{found}]"), repeat(1)), maxlen=0)
    return int(flags.translate(_DIGITS), 2) if posts else 0


def positions_of(bits: int, posts: int, every: Sequence[int] | None = None) -> list[int]:
    """The positions set in a bitmap, in order. `every`, when given, is `list(range(posts))`
    kept by the caller: picking from it makes no number object per post (a million posts:
    17 ms instead of 37)."""
    if not bits:
        return []
    picks = format(bits, f"0{posts}b").encode().translate(_FLAGS)
    return list(compress(range(posts) if every is None else every, picks))


def picked(bits: int, posts: int, positions: Sequence[int]) -> list[int]:
    """The positions whose bit is set, of `positions` (in order, each once, as a filter gives
    them): a filter's posts that a search finds, in one C loop (half a million posts: about
    20 ms), not a set of them."""
    # Twice as long, the second half clear: a negative position (or one past the end) is
    # never picked, where indexing would take it from the end.
    picks = format(bits, f"0{posts}b").encode().translate(_FLAGS) + bytes(posts)
    try:
        return list(compress(positions, map(picks.__getitem__, positions)))
    except IndexError:  # a position far beyond any post: none of them is found
        return [pos for pos in positions if 0 <= pos < posts and picks[pos]]


# -- building -------------------------------------------------------------------------------------
def write_search_bits(conn: sqlite3.Connection, posts: int, share: int = SHARE) -> None:
    """(Re)write `search_bits` for the `posts` posts in the search table of `conn` (inside the
    build's transaction), and record in meta how many posts the bitmaps cover."""
    conn.execute("DELETE FROM search_bits")
    conn.execute("CREATE VIRTUAL TABLE IF NOT EXISTS temp.search_terms "
                 "USING fts5vocab(main, search, row)")  # fmt: skip
    try:
        terms: set[str] = set()
        sums: dict[str, int] = {}
        for term, docs in conn.execute("SELECT term, doc FROM temp.search_terms"):
            if not term:
                continue
            terms.add(term)
            for length in range(1, min(len(term), LONGEST) + 1):
                start = term[:length]
                sums[start] = sums.get(start, 0) + docs
    finally:
        conn.execute("DROP TABLE temp.search_terms")
    threshold = posts // max(share, 1)
    stored = {start for start, total in sums.items() if total > threshold}
    del sums
    children: dict[str, list[str]] = {}
    for start in stored:
        children[start] = []
    for term in terms:  # the starts one character longer than a stored start
        for length in range(2, min(len(term), LONGEST) + 1):
            parent = term[: length - 1]
            if parent in children:
                children[parent].append(term[:length])
    for start in children:
        children[start] = sorted(set(children[start]))
    builder = _Builder(conn, posts, terms, stored, children)
    for start in sorted(s for s in stored if len(s) == 1):
        builder.build(start)
    conn.execute("INSERT OR REPLACE INTO meta VALUES ('search_bits', ?)", (str(posts),))


class _Builder:
    """Each stored start's bitmap from its children's (depth first, so only one path of
    bitmaps is held at a time): a child stored already has one; a child not stored is asked of
    FTS5 (few rows); the start itself, when it is a term, too."""

    def __init__(self, conn: sqlite3.Connection, posts: int, terms: set[str],
                 stored: set[str], children: dict[str, list[str]]) -> None:  # fmt: skip
        self.conn, self.posts, self.terms = conn, posts, terms
        self.stored, self.children = stored, children

    def build(self, start: str) -> tuple[int, str]:
        """The bitmap of `start` and the start whose row holds it (itself, or the only child
        it shares everything with)."""
        kids = self.children.get(start, [])
        if len(start) >= LONGEST:  # its longer starts were not counted: ask FTS5
            return self._write(start, matching_bits(self.conn, [phrase(start, True)],
                                                    self.posts))
        if start not in self.terms and len(kids) == 1 and kids[0] in self.stored:
            bits, holder = self.build(kids[0])
            self.conn.execute("INSERT INTO search_bits VALUES (?, NULL, ?)", (start, holder))
            return bits, holder
        asked = [phrase(start, False)] if start in self.terms else []
        asked += [phrase(kid, True) for kid in kids if kid not in self.stored]
        bits = matching_bits(self.conn, asked, self.posts)
        for kid in kids:
            if kid in self.stored:
                bits |= self.build(kid)[0]
        return self._write(start, bits)

    def _write(self, start: str, bits: int) -> tuple[int, str]:
        self.conn.execute("INSERT INTO search_bits VALUES (?, ?, NULL)",
                          (start, bits.to_bytes((self.posts + 7) // 8, "big")))  # fmt: skip
        return bits, start


# -- reading --------------------------------------------------------------------------------------
_fold_lock = threading.Lock()
_fold_conn: sqlite3.Connection | None = None


@lru_cache(maxsize=1024)
def fts_terms(token: str) -> tuple[str, ...]:
    """The terms FTS5's tokenizer makes of `token`, in order (asked of FTS5 itself, so a
    query's folding is the index's, whatever unicode61 does with case and accents)."""
    global _fold_conn
    with _fold_lock:
        if _fold_conn is None:
            _fold_conn = sqlite3.connect(":memory:", isolation_level=None,
                                         check_same_thread=False)  # fmt: skip
            _fold_conn.executescript(
                f"CREATE VIRTUAL TABLE q USING fts5(x, tokenize='{SEARCH_TOKENIZE}');"
                "CREATE VIRTUAL TABLE qv USING fts5vocab(q, instance);")  # fmt: skip
        conn = _fold_conn
        conn.execute("BEGIN")
        try:
            conn.execute("INSERT INTO q(rowid, x) VALUES (1, ?)", (token,))
            found = tuple(term for (term,) in conn.execute("SELECT term FROM qv ORDER BY offset"))
        finally:
            conn.execute("ROLLBACK")
    return found


def read_bits(conn: sqlite3.Connection, start: str, covered: int) -> int | None:
    """The stored bitmap of a word start, or None when it has none (its terms are rare).
    Raises sqlite3.DatabaseError when the stored row is not what was written."""
    row = conn.execute("SELECT bits, same FROM search_bits WHERE prefix = ?", (start,)).fetchone()
    if row is None:
        return None
    blob, same = row
    if blob is None:
        row = conn.execute("SELECT bits FROM search_bits WHERE prefix = ?", (same,)).fetchone()
        blob = None if row is None else row[0]
    if not isinstance(blob, bytes) or len(blob) != (covered + 7) // 8:
        raise sqlite3.DatabaseError("index search bitmaps: a bitmap is damaged")
    bits = int.from_bytes(blob, "big")
    if bits.bit_length() > covered:
        raise sqlite3.DatabaseError("index search bitmaps: a bitmap is damaged")
    return bits


def check_search_bits(conn: sqlite3.Connection, covered: int) -> str | None:
    """What is wrong with the index's bitmaps (their sizes and links), or None."""
    wrong = conn.execute(
        "SELECT count(*) FROM search_bits WHERE (bits IS NULL AND (same IS NULL OR same NOT IN "
        "(SELECT prefix FROM search_bits WHERE bits IS NOT NULL))) OR "
        "(bits IS NOT NULL AND length(bits) != ?)", ((covered + 7) // 8,)).fetchone()[0]
    return f"{wrong} search bitmaps are damaged" if wrong else None


__all__ = ["SEARCH_BITS_TABLE", "SEARCH_TOKENIZE", "bits_of", "check_search_bits", "fts_terms",
           "matching_bits", "phrase", "picked", "positions_of", "read_bits", "write_search_bits"]
