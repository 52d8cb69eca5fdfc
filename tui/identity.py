"""What makes two records one post, in one place: a post's id, its title and tags, and how two
copies of one post become one.

Every path from a file to a library (the index, in memory or on disk) asks this module, so the
same message gets the same id however it was opened and keeps its bookmarks and notes.
"""

from __future__ import annotations

from dataclasses import replace
from pathlib import Path

from tui.clean import hashtags, merge_tags, post_id, text_key
from tui.model import Media, Post, RawPost


def identity(raw: RawPost, text: str) -> tuple[str, tuple[str, ...], str]:
    """A post's id, hashtags and title: the one rule every path to a library shares, so the
    same text gets the same id (and keeps its bookmarks) however it was opened."""
    tags = merge_tags(raw.hashtags) if raw.hashtags is not None else hashtags(text)
    key = text_key(text)
    if key:
        pid = post_id(key)
    else:  # nothing to compare: identify the empty post by its place instead
        origin = raw.origin
        pid = post_id(f"\x00{Path(origin.path).name}:{origin.line}:{raw.message_id}")
    title = next((line.strip() for line in raw.lines if line.strip()), "")
    return pid, tags, title


def combine(kept: Post, copy: Post) -> Post:
    """One post from two copies of the same post: every place kept, and the most exact
    facts either copy knows (an export's real timestamp beats a date read from text)."""
    merged = replace(
        kept,
        origins=kept.origins + copy.origins,
        media=_better_media(kept, copy),
        links=kept.links + tuple(link for link in copy.links if link not in kept.links),
        channel=kept.channel or copy.channel,
        message_id=kept.message_id if kept.message_id is not None else copy.message_id,
        chat=kept.chat or copy.chat,
        url=kept.url or copy.url,
        sender=kept.sender or copy.sender,
        author=kept.author or copy.author,
    )
    if kept.datetime is None and copy.datetime is not None:
        merged = replace(merged, date=copy.date, date_bounds=None, datetime=copy.datetime)
    return merged


def _better_media(kept: Post, copy: Post) -> Media | None:
    """The copy that knows more about the media: a file on disk, then a named file, then a
    kind, then nothing."""
    def rank(post: Post) -> int:
        media = post.media
        if media is None:
            return 0
        return 3 if media.present else 2 if media.file else 1

    return kept.media if rank(kept) >= rank(copy) else copy.media
