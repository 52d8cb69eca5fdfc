"""Posts written out for other tools: JSON, JSON lines, CSV and a Markdown digest."""

from __future__ import annotations

import csv
import io
import json
import re
from collections.abc import Iterable
from typing import Any

from tui.model import Post, date_label

FORMATS = ("json", "jsonl", "csv", "md")

# Post lines that Markdown would read as a heading, a rule or a setext underline: in the digest
# they would open a section of their own or swallow the line above into a heading.
_BLOCK_MARKUP = re.compile(r"^ {0,3}(?:#{1,6}(?:\s|$)|([-*_])(?:\s*\1){2,}\s*$|(?:=+|-+)\s*$)")


def _md_line(line: str) -> str:
    """A post line as Markdown shows it verbatim: block markup at its start escaped."""
    if _BLOCK_MARKUP.match(line):
        stripped = line.lstrip(" ")
        return line[: len(line) - len(stripped)] + "\\" + stripped
    return line


def post_record(post: Post) -> dict[str, Any]:
    """The exported fields of a post, in a stable order."""
    origin = post.origin
    media = post.media
    return {
        "id": post.id,
        "message_id": post.message_id,
        "chat": post.chat,
        "url": post.url,
        "source": post.source,
        "channel": post.channel,
        "from": post.sender,
        "author": post.author,
        "date": post.date_iso(),
        "date_inferred": post.date_inferred,
        "date_bounds": list(post.date_bounds) if post.date_bounds else None,
        "datetime": post.datetime,
        "title": post.title,
        "text": post.text,
        "hashtags": list(post.hashtags),
        "has_media": post.has_media,
        "media": (
            None if media is None
            else {"kind": media.kind, "file": media.file, "present": media.present}
        ),
        "links": [{"text": link.text, "url": link.url} for link in post.links],
        "occurrences": post.occurrences,
        "origin": {"path": origin.path, "line": origin.line} if origin else None,
        "origins": [{"path": o.path, "line": o.line} for o in post.origins],
    }


def export_posts(posts: Iterable[Post], fmt: str) -> str:
    if fmt == "json":
        return json.dumps([post_record(p) for p in posts], ensure_ascii=False, indent=2) + "\n"
    if fmt == "jsonl":
        return "".join(json.dumps(post_record(p), ensure_ascii=False) + "\n" for p in posts)
    if fmt == "csv":
        return _csv(posts)
    if fmt == "md":
        return _markdown(posts)
    raise ValueError(f"unknown format {fmt!r}; choose one of {', '.join(FORMATS)}")


def _csv(posts: Iterable[Post]) -> str:
    out = io.StringIO()
    fields = [
        "id", "message_id", "chat", "url", "source", "channel", "from", "author", "date",
        "date_inferred", "date_bounds", "datetime", "title", "text", "hashtags", "has_media",
        "media", "links", "occurrences", "origin",
    ]  # fmt: skip
    writer = csv.DictWriter(out, fieldnames=fields, extrasaction="ignore", lineterminator="\n")
    writer.writeheader()
    for post in posts:
        row = post_record(post)
        row["date_bounds"] = " .. ".join(b or "" for b in post.date_bounds or ())
        row["hashtags"] = " ".join("#" + t for t in post.hashtags)
        row["links"] = " ".join(f"{link.text} <{link.url or ''}>" for link in post.links)
        row["origin"] = f"{post.origin.path}:{post.origin.line}" if post.origin else ""
        row["media"] = _media_words(post)
        writer.writerow(row)
    return out.getvalue()


def _media_words(post: Post) -> str:
    """`photo: photos/photo_1.jpg`, `video_file: … (file not in the export folder)`,
    `sticker (not included in this copy)`; empty without media."""
    media = post.media
    if media is None:
        return ""
    if media.file is None:
        return f"{media.kind} (not included in this copy)"
    missing = "" if media.present else " (file not in the export folder)"
    return f"{media.kind}: {media.file}{missing}"


def _markdown(posts: Iterable[Post]) -> str:
    parts: list[str] = []
    for number, post in enumerate(posts, start=1):
        meta = [f"**Date:** {date_label(post)}", f"**Source:** {post.source or 'unknown'}"]
        if post.sender and post.sender != post.source:
            meta.append(f"**From:** {post.sender}")
        if post.author:
            meta.append(f"**Author:** {post.author}")
        if post.url:
            meta.append(f"**Address:** <{post.url}>")
        if post.hashtags:
            meta.append("**Tags:** " + " ".join("#" + t for t in post.hashtags))
        if post.has_media:
            meta.append(f"**Media:** {_media_words(post)}")
        if post.occurrences > 1:
            meta.append(f"**Copies in the files:** {post.occurrences}")
        body = "\n".join(_md_line(line) + "  " if line else "" for line in post.text.split("\n"))
        links = "".join(
            f"\n- {link.text}" + (f": <{link.url}>" if link.url else " (address not in this copy)")
            for link in post.links
        )
        title = post.title.replace("\n", " ") or "(no text)"
        parts.append(f"## {number}. {title}\n\n" + "  \n".join(meta) + f"\n\n{body}\n{links}")
    return "# Posts\n\n" + "\n\n---\n\n".join(parts) + "\n"
