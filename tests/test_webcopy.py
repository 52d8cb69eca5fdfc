"""The web-copy importer: post boundaries, sources, placeholders, and the doubled body."""

from __future__ import annotations

from pathlib import Path

from conftest import write_dump

from tui.ingest import Dump, iter_raw_posts
from tui.model import Link, RawPost


def raw_posts(path: Path) -> tuple[list[RawPost], list[str]]:
    warnings: list[str] = []
    posts = list(iter_raw_posts(Dump(path, "webcopy"), warnings.append))
    return posts, warnings


TWO_POSTS = """\
Forwarded from Russian MFA 🇷🇺
Media is too big
VIEW IN TELEGRAM
🎙 Title one
Body A
👉 Read in full
Body A
Forwarded from MFA Russia
Title two
Body B
Read in full
Body B
Read in full
"""


def test_each_forwarded_line_starts_a_post_and_names_its_source(tmp_path: Path) -> None:
    posts, warnings = raw_posts(write_dump(tmp_path, TWO_POSTS))
    assert [p.source for p in posts] == ["Russian MFA 🇷🇺", "MFA Russia"]
    assert [p.origin.line for p in posts] == [1, 8]
    assert warnings == []


def test_placeholders_become_flags_and_links_never_text(tmp_path: Path) -> None:
    first, second = raw_posts(write_dump(tmp_path, TWO_POSTS))[0]
    assert first.has_media and not second.has_media
    assert first.links == (Link("Read in full", None),)
    assert second.links == (Link("Read in full", None),)
    for post in (first, second):
        for line in post.lines:
            assert "Read in full" not in line
            assert line not in ("Media is too big", "VIEW IN TELEGRAM")
            assert not line.startswith("Forwarded from")


def test_doubled_body_is_kept_once(tmp_path: Path) -> None:
    first, second = raw_posts(write_dump(tmp_path, TWO_POSTS))[0]
    assert first.lines == ("🎙 Title one", "Body A")
    assert second.lines == ("Title two", "Body B")


def test_copies_differing_in_nbsp_and_trailing_spaces_are_one(tmp_path: Path) -> None:
    text = "Forwarded from X\nTitle\nSergey\u00a0Lavrov: yes.\nSergey Lavrov: yes.   \n"
    (post,), _ = raw_posts(write_dump(tmp_path, text))
    assert post.lines == ("Title", "Sergey\u00a0Lavrov: yes.")


def test_crlf_and_bom_read_like_plain_utf8(tmp_path: Path) -> None:
    plain, _ = raw_posts(write_dump(tmp_path, TWO_POSTS, "a.txt"))
    windows, warnings = raw_posts(write_dump(tmp_path, TWO_POSTS, "b.txt", crlf=True, bom=True))
    assert [p.lines for p in windows] == [p.lines for p in plain]
    assert [p.source for p in windows] == [p.source for p in plain]
    assert warnings == []


def test_text_before_the_first_forwarded_line_is_kept_and_reported(tmp_path: Path) -> None:
    text = "\nSaved from the channel page\nForwarded from X\nTitle\n"
    posts, warnings = raw_posts(write_dump(tmp_path, text))
    assert posts[0].source is None and posts[0].lines == ("Saved from the channel page",)
    assert posts[1].lines == ("Title",)
    assert len(warnings) == 1 and f"{tmp_path / 'dump.txt'}:2:" in warnings[0]


def test_a_post_with_only_media_is_still_a_post(tmp_path: Path) -> None:
    text = "Forwarded from X\nMedia is too big\nVIEW IN TELEGRAM\nForwarded from X\nNext\n"
    posts, _ = raw_posts(write_dump(tmp_path, text))
    assert len(posts) == 2 and posts[0].has_media and posts[0].lines == ()
