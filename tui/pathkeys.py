"""How input paths are compared and keyed, the same way on Linux, macOS and Windows.

A path is *shown* and *stored* (in a post's origins, in exports) as the user spelled it, with
the platform's separators: that is what they can paste back into their shell. It is
*compared* and *hashed* (the index's file name, the archive key that reading state hangs on)
by `path_key`, so that `~/Data/x.json` and `~/data/X.json` on a case-insensitive disk (macOS,
Windows), or `C:\\x` and `c:/x`, are one archive, and by `file_identity`, so that one file named
twice is read once. Standard library only; it reads folder listings, never writes.
"""

from __future__ import annotations

import os
from collections.abc import Callable, Iterable
from pathlib import Path
from typing import TypeVar

T = TypeVar("T")


def _true_case(path: Path) -> Path:
    """The path with each part spelled as it is on disk. On a case-sensitive disk every part
    already is (so nothing changes on Linux); on macOS `resolve()` keeps the user's spelling,
    so a part that is not listed as typed takes the listed spelling that matches it."""
    parts = path.parts
    if not parts:
        return path
    fixed = Path(parts[0])
    for part in parts[1:]:
        try:
            names = os.listdir(fixed)
        except OSError:
            return fixed.joinpath(*parts[len(fixed.parts) :])
        if part not in names:
            folded = [name for name in names if name.casefold() == part.casefold()]
            if len(folded) == 1:
                part = folded[0]
        fixed = fixed / part
    return fixed


def path_key(path: str | os.PathLike[str]) -> str:
    """One spelling per file or folder: absolute, links resolved, as cased on disk, case-folded
    where the platform folds case in paths (Windows), with `/` as the separator."""
    resolved = _true_case(Path(path).resolve())
    return os.path.normcase(str(resolved)).replace(os.sep, "/")


def file_identity(path: Path) -> tuple[int, int] | str:
    """What makes two names one file: device and file number where the platform gives them
    (Windows does too), else the path key."""
    try:
        st = path.stat()
    except OSError:
        return path_key(path)
    if st.st_ino:
        return (st.st_dev, st.st_ino)
    return path_key(path)


def distinct_files(items: Iterable[T], path_of: Callable[[T], Path]) -> list[T]:
    """The items in order, without a second name for a file already listed (`A.json` after
    `a.json` on a case-insensitive disk, a hard link, a folder named twice)."""
    seen: set[tuple[int, int] | str] = set()
    kept: list[T] = []
    for item in items:
        identity = file_identity(path_of(item))
        if identity not in seen:
            seen.add(identity)
            kept.append(item)
    return kept
