"""From raw posts to clean posts: the passes that need a post's neighbours.

Per file: read dates from the text, infer missing years, give undated posts their bounds.
Across files: merge into reading order and list a post forwarded twice once, keeping every
copy's place.
"""

from __future__ import annotations

import heapq
from collections.abc import Iterable, Iterator, Sequence
from pathlib import Path

from tui.dates import date_bounds, date_from_opening, infer_years
from tui.identity import combine, identity
from tui.ingest import IngestError, Warn, find_dumps, iter_raw_posts
from tui.model import Post, PostDate, RawPost

SortKey = tuple[int, int, int, str]


def _date_key(date: PostDate | None, stamp: str | None) -> SortKey | None:
    if date is None or date.year is None:
        return None
    return (*date.sort_key(), stamp or "")


def file_posts(raws: Sequence[RawPost]) -> list[tuple[SortKey, Post]]:
    """The posts of one file, in file order, each with the key that places it among others."""
    text_dates: list[PostDate | None] = [
        raw.date if raw.date is not None or raw.datetime else date_from_opening(raw.lines)
        for raw in raws
    ]
    dates = infer_years(text_dates)
    bounds = date_bounds(dates)
    out: list[tuple[SortKey, Post]] = []
    carried: SortKey = (0, 0, 0, "")
    for raw, date, bound in zip(raws, dates, bounds, strict=True):
        if date is not None and date.year is None:
            date = None  # a day and month with no year anywhere near: honestly undated
        text = "\n".join(raw.lines)
        pid, tags, title = identity(raw, text)
        post = Post(
            id=pid,
            source=raw.source,
            title=title,
            text=text,
            date=date,
            date_bounds=bound,
            hashtags=tags,
            media=raw.media,
            links=raw.links,
            origins=(raw.origin,),
            channel=raw.channel,
            datetime=raw.datetime,
            message_id=raw.message_id,
            chat=raw.chat,
            url=raw.url,
            sender=raw.sender,
            author=raw.author,
        )
        own = _date_key(date, raw.datetime)
        if own is not None:
            carried = own
        elif bound is not None and bound[0] is not None:
            carried = (*PostDate.from_iso(bound[0]).sort_key(), carried[3])
        elif bound is not None and bound[1] is not None:
            # Undated posts that open a file belong just before its first dated post, not
            # before everything in every other file.
            out.append(((*PostDate.from_iso(bound[1]).sort_key(), ""), post))
            continue
        out.append((own or carried, post))
    return out


def merge(files: Iterable[list[tuple[SortKey, Post]]]) -> list[Post]:
    """Posts of all files in reading order, duplicates collapsed into their first copy.

    Each file keeps its own order (it is chronological); files interleave by date. A post
    whose text equals an earlier one's is listed once, with every copy's place in `origins`.
    """
    ordered: Iterator[tuple[SortKey, Post]] = heapq.merge(*files, key=lambda item: item[0])
    first: dict[str, int] = {}
    posts: list[Post] = []
    for _key, post in ordered:
        at = first.get(post.id)
        if at is None:
            first[post.id] = len(posts)
            posts.append(post)
            continue
        posts[at] = combine(posts[at], post)
    return posts


def load_posts(paths: Sequence[Path], warn: Warn) -> list[Post]:
    """Every post in the named files and folders. Raises IngestError on a fatal input."""
    per_file: list[list[tuple[SortKey, Post]]] = []
    for path in paths:
        for dump in find_dumps(path, warn):
            raws = list(iter_raw_posts(dump, warn))
            if not raws:
                if dump.path == path:
                    raise IngestError(dump.path, "holds no posts")
                warn(f"{dump.path}: holds no posts (skipped)")
                continue
            placed = file_posts(raws)
            if all(post.datetime for _key, post in placed):
                # Real timestamps (an account export holds several chats one after another):
                # order by time, so the merge across files can rely on each file's order.
                placed.sort(key=lambda item: item[0])
            per_file.append(placed)
    if not per_file:
        raise IngestError(paths[0] if paths else ".", "holds no posts")
    return merge(per_file)
