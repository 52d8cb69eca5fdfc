"""Pure text rules: line normalisation, body deduplication, hashtags and ids.

Dates live in `tui.dates`. Nothing here knows about files or formats.
"""

from __future__ import annotations

import hashlib
import unicodedata
from collections.abc import Iterable, Sequence
from functools import lru_cache

# Characters that never make two lines different to a reader: zero-width space, BOM, word joiner.
_INVISIBLE = ("\u200b", "\ufeff", "\u2060")


def _drop_invisible(text: str) -> str:
    """`text` without the invisible characters; three C-speed replaces, where `translate()`
    with a table took 2.5 s on a 4 MB post (a dictionary look-up per character)."""
    for char in _INVISIBLE:
        text = text.replace(char, "")
    return text


@lru_cache(maxsize=1024)  # a web copy's line is folded four or five times while it is read
def norm_line(line: str) -> str:
    """The comparison key of a line: NFC, invisible characters dropped, whitespace folded.

    NBSP, thin spaces, tabs, CR and runs of spaces all become one space; ends are trimmed.
    """
    folded = unicodedata.normalize("NFC", line)
    if "\u200b" in folded or "\ufeff" in folded or "\u2060" in folded:
        folded = _drop_invisible(folded)  # rare
    # str.split() and re's `\s` agree on what whitespace is (both ask Py_UNICODE_ISSPACE);
    # this is every import's hot path, five times faster than re.sub(r"\s+", " ", …).strip().
    return " ".join(folded.split())


def clean_line(line: str) -> str:
    """A line as it is kept: line-ending characters and trailing blanks removed, nothing else."""
    return line.rstrip("\r\n").rstrip()


def split_doubled_body(lines: Sequence[str]) -> int:
    """Where the repeated copy of a post's body starts, or len(lines) when none is repeated.

    Web-preview copies hold the body twice; the first copy may open with a title that the second
    lacks. The second copy is the longest tail of non-blank lines that repeats, line for line
    (compared by `norm_line`), the lines just before it. Only a tail is ever dropped, and only
    when it equals what stays, so no words are lost; lines that merely repeat inside one copy
    (a Q&A asking the same thing twice) are kept.
    """
    # Most copies repeat their lines byte for byte: try the cheap key first. Lines equal once
    # stripped are equal once folded, so what it finds norm_line finds too; but norm_line may
    # find a longer repeat (a copy in another Unicode form), so the cheap answer is taken only
    # when no longer one is possible.
    cheap = _doubled_tail([line.strip() for line in lines])
    if cheap is not None and cheap[1] == cheap[2] // 2:
        return cheap[0]
    found = _doubled_tail([norm_line(line) for line in lines])
    return len(lines) if found is None else found[0]


def _doubled_tail(folded: Sequence[str]) -> tuple[int, int, int] | None:
    """(where the repeat starts, its length m, the number of non-blank lines) for the longest
    repeated tail, or None.

    The tail of m lines repeats the m before it exactly when, reading the lines backwards,
    the first m recur at m: the Z-function of the reversed lines finds every such m in one
    linear pass (comparing slices for each m took minutes on 300,000 equal lines).
    """
    content = [i for i, key in enumerate(folded) if key]
    n = len(content)
    if n < 2:
        return None
    # The usual copy: the body twice, whole (after at most a title line). Its repeat is the
    # longest possible, m = n // 2, the first the search below would try: check it directly.
    m = n // 2
    if all(folded[content[n - m + k]] == folded[content[n - 2 * m + k]] for k in range(m)):
        return content[n - m], m, n
    numbers: dict[str, int] = {}
    backwards = [numbers.setdefault(folded[i], len(numbers)) for i in reversed(content)]
    z = _z_function(backwards)
    for m in range(n // 2, 0, -1):
        if z[m] >= m:
            return content[n - m], m, n
    return None


def _z_function(items: Sequence[int]) -> list[int]:
    """z[i]: the length of the longest common prefix of `items` and `items[i:]` (z[0] = n)."""
    n = len(items)
    z = [0] * n
    if n:
        z[0] = n
    left = right = 0
    for i in range(1, n):
        k = min(right - i, z[i - left]) if i < right else 0
        while i + k < n and items[k] == items[i + k]:
            k += 1
        z[i] = k
        if i + k > right:
            left, right = i, i + k
    return z


def dedupe_body(lines: Sequence[str]) -> list[str]:
    """The post's lines with the repeated copy of the body dropped and outer blank lines trimmed."""
    end = split_doubled_body(lines)
    while end and not lines[end - 1].strip():
        end -= 1
    start = 0
    while start < end and not lines[start].strip():
        start += 1
    return list(lines[start:end])


def _is_tag_char(ch: str) -> bool:
    if ch == "_":
        return True
    return unicodedata.category(ch)[0] in "LNM"


def _is_word_char(ch: str) -> bool:
    return _is_tag_char(ch) or ch in "#@"


def iter_hashtags(text: str) -> Iterable[tuple[int, int]]:
    """(start, end) of each hashtag in `text`, `#` included, by Telegram's rule.

    A tag is `#` followed by letters of any script, digits, marks and `_`; it must not stand
    right after a word character (`a#b` is no tag), a tag of digits alone is a number
    (`#1`), not a tag, and marks alone are an emoji (`#️⃣` is `#` + VS16 + keycap), not a tag.
    """
    i = text.find("#")
    while i != -1:
        j = i + 1
        while j < len(text) and _is_tag_char(text[j]):
            j += 1
        body = text[i + 1 : j]
        starts_as_word = bool(body) and unicodedata.category(body[0])[0] != "M"
        if starts_as_word and not body.isdigit() and (i == 0 or not _is_word_char(text[i - 1])):
            yield i, j
            i = text.find("#", j)
        else:
            i = text.find("#", i + 1)


def hashtags(text: str) -> tuple[str, ...]:
    """The post's tags without `#`, in order of first appearance, one per case-insensitive group."""
    seen: dict[str, str] = {}
    for start, end in iter_hashtags(text):
        tag = unicodedata.normalize("NFC", text[start + 1 : end])
        seen.setdefault(tag.casefold(), tag)
    return tuple(seen.values())


def merge_tags(tags: Iterable[str]) -> tuple[str, ...]:
    """Tags as given (e.g. from an export's entities), deduplicated case-insensitively."""
    seen: dict[str, str] = {}
    for tag in tags:
        tag = unicodedata.normalize("NFC", tag.lstrip("#"))
        if tag:
            seen.setdefault(tag.casefold(), tag)
    return tuple(seen.values())


def text_key(text: str) -> str:
    """The comparison key of a whole post's text, used for cross-post deduplication.

    The same as joining `norm_line` of every non-blank line (ids depend on it staying so),
    but normalising the whole text at once: NFC never composes across a line break.
    """
    folded = unicodedata.normalize("NFC", text)
    if "\u200b" in folded or "\ufeff" in folded or "\u2060" in folded:
        folded = _drop_invisible(folded)
    lines = folded.split("\n")
    if ("  " not in folded and " \n" not in folded and "\n " not in folded
            and folded[:1] != " " and folded[-1:] != " " and all(map(str.isprintable, lines))):
        # Folded already (most texts): no blank but single spaces inside lines, and no other
        # whitespace (every whitespace character but the space is unprintable); splitting
        # each line into words to join them again cost twice the rest of identifying a post
        return "\n".join(filter(None, lines))
    # Each line's words joined by one space, blank lines dropped: in C, line by line
    return "\n".join(filter(None, map(" ".join, map(str.split, lines))))


def post_id(key: str) -> str:
    """A stable id from content: the same text gives the same id in any file, at any place."""
    return hashlib.blake2b(key.encode("utf-8"), digest_size=8).hexdigest()
