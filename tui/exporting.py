"""Posts written out for other tools: JSON, JSON lines, CSV and a Markdown digest."""

from __future__ import annotations

import csv
import io
import json
from collections.abc import Iterable
from typing import Any, TextIO

from tui.model import Link, Post
from tui.safetext import csv_cell, json_text, link_target, markdown_inline, markdown_verbatim
from tui.wording import date_label

FORMATS = ("json", "jsonl", "csv", "md")

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
        "views": post.views,
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
    """Posts in `fmt` as one string (see `write_posts`, which streams the same text)."""
    out = io.StringIO()
    write_posts(posts, fmt, out)
    return out.getvalue()


def write_posts(posts: Iterable[Post], fmt: str, out: TextIO) -> None:
    """Write posts in `fmt` to `out` one by one, as they come: memory holds one post at a
    time, whatever the archive's size. Safe to print: no format lets a post's control
    characters reach a terminal (JSON escapes them, CSV and Markdown show them as `^[`), no
    CSV cell runs as a spreadsheet formula, and Markdown shows every post's text exactly as
    written."""
    if fmt not in FORMATS:
        raise ValueError(f"unknown format {fmt!r}; choose one of {', '.join(FORMATS)}")
    if fmt == "json":
        _json(posts, out)
    elif fmt == "jsonl":
        for post in posts:
            out.write(json_text(json.dumps(post_record(post), ensure_ascii=False)) + "\n")
    elif fmt == "csv":
        _csv(posts, out)
    else:
        _markdown(posts, out)


def _json(posts: Iterable[Post], out: TextIO) -> None:
    """A JSON array, byte for byte what `json.dumps(records, indent=2)` writes, one record
    at a time (a string in JSON holds no raw line break, so indenting by lines is safe)."""
    first = True
    for post in posts:
        record = json.dumps(post_record(post), ensure_ascii=False, indent=2)
        out.write(("[\n  " if first else ",\n  ") + json_text(record.replace("\n", "\n  ")))
        first = False
    out.write("[]\n" if first else "\n]\n")


def _csv(posts: Iterable[Post], out: TextIO) -> None:
    fields = [
        "id", "message_id", "chat", "url", "source", "channel", "from", "author", "views",
        "date", "date_inferred", "date_bounds", "datetime", "title", "text", "hashtags",
        "has_media", "media", "links", "occurrences", "origin",
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
        writer.writerow({key: csv_cell(value) if isinstance(value, str) else value
                         for key, value in row.items()})


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


def _markdown_address(url: str) -> str:
    """An autolink for a clean web, Telegram or mail address; escaped text for any other."""
    target = link_target(url)
    if target and not any(c in target for c in " <>"):
        return f"<{target}>"
    return f"{markdown_inline(url)} (not linked)"


def _markdown_link(link: Link) -> str:
    words = markdown_inline(link.text)
    if not link.url:
        return f"\n- {words} (address not in this copy)"
    return f"\n- {words}: {_markdown_address(link.url)}"


def _markdown(posts: Iterable[Post], out: TextIO) -> None:
    """A digest: a section per post, its text in a fenced block so that any Markdown renderer
    shows it exactly as written (lists, quotes, stars, HTML and links in a post stay text)."""
    out.write("# Posts\n\n")
    for number, post in enumerate(posts, start=1):
        source = markdown_inline(post.source) if post.source else "unknown"
        meta = [f"**Date:** {date_label(post)}", f"**Source:** {source}"]
        if post.sender and post.sender != post.source:
            meta.append(f"**From:** {markdown_inline(post.sender)}")
        if post.author:
            meta.append(f"**Author:** {markdown_inline(post.author)}")
        if post.url:
            meta.append(f"**Address:** {_markdown_address(post.url)}")
        if post.hashtags:
            meta.append("**Tags:** " + " ".join(markdown_inline("#" + t) for t in post.hashtags))
        if post.has_media:
            meta.append(f"**Media:** {markdown_inline(_media_words(post))}")
        if post.occurrences > 1:
            meta.append(f"**Copies in the files:** {post.occurrences}")
        body = markdown_verbatim(post.text) if post.text else "(no text)"
        links = "".join(_markdown_link(link) for link in post.links)
        title = markdown_inline(post.title) or "(no text)"
        out.write(("" if number == 1 else "\n\n---\n\n") + f"## {number}. {title}\n\n"
                  + "  \n".join(meta) + f"\n\n{body}\n{links}")
    out.write("\n")
