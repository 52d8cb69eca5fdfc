"""The two readers of Telegram Desktop's HTML export give the same posts, byte for byte.

lxml (libxml2) reads real exports itself, fast; html.parser is the reference, reads where lxml
is missing and rereads any page whose markup the two could resolve differently. Whatever a
page holds, `parse` gives what html.parser gives: texts, links, dates, senders, media and
origins (file:line) alike, or the same one-line error.
"""

from __future__ import annotations

import json
import subprocess
import sys
import tempfile
from pathlib import Path

import pytest
from conftest import ROOT, write_dump
from fuzz import html_page
from hypothesis import HealthCheck, given, settings
from test_hostile_input import HTML_HEAD, HTML_TAIL, html_message

from tui.ingest import IngestError, desktop_html
from tui.ingest.desktop_html import HandOver, parse
from tui.model import RawPost

EXPORTS = sorted((ROOT / "tests" / "fixtures" / "real").rglob("messages*.html")) + sorted(
    (ROOT / "tests" / "fixtures" / "desktop_html").rglob("messages*.html"))
SMALL_PAGE = ROOT / "tests" / "fixtures" / "desktop_html" / "channel" / "messages.html"


def read(path: Path, tokenizer: str) -> list[RawPost] | str:
    """The posts (or the error line) of one page through one reader; warnings must not come."""
    warnings: list[str] = []
    try:
        posts = list(parse(path, warnings.append, tokenizer))
    except IngestError as exc:
        return str(exc)
    assert warnings == []
    return posts


def assert_alike(path: Path) -> list[RawPost] | str:
    reference = read(path, "stdlib")
    assert read(path, "lxml") == reference
    return reference


@pytest.mark.parametrize("path", EXPORTS, ids=lambda p: str(p.relative_to(ROOT / "tests")))
def test_lxml_reads_every_real_export_itself_and_gives_html_parsers_posts(
        path: Path, lxml_way: str) -> None:
    fast = read(path, "lxml-only")  # HandOver would mean lxml did not read it itself
    assert isinstance(fast, list) and fast
    assert fast == read(path, "stdlib")


def page(text_html: str, message_id: str = "2", before: str = "") -> str:
    return HTML_HEAD + before + html_message(text_html, message_id) + HTML_TAIL


#: A message `html.parser` opens wherever it is, its tag not written as Telegram writes it.
OTHERWISE = ('<div id="message9" class="message default">\n<div class="body">'
             '<div class="pull_right date details" title="16.09.2022 07:58:12 UTC+03:00">'
             '</div><div class="text">\nhidden\n</div></div></div>')


def usual_page(picture: str = "", date: str = "", reply: str = "", media: str = "") -> str:
    """A page of messages laid out as Telegram Desktop lays them out (a picture, a reply,
    media, reactions, a joined message), with what is given put inside those blocks."""
    return HTML_HEAD + f"""<div class="message default clearfix" id="message2">
 <div class="pull_left userpic_wrap">
  <div class="userpic userpic6" style="width: 42px; height: 42px">
   <div class="initials" style="line-height: 42px">\nC\n</div>
  </div>{picture}
 </div>
 <div class="body">
  <div class="pull_right date details" title="15.09.2022 07:58:12 UTC+03:00">\n07:58\n{date}
  </div>
  <div class="from_name">\nChan \n  </div>
  <div class="reply_to details">\nIn reply to <a href="#go_to_message1"
   onclick="return GoToMessage(1)">this message</a>{reply}\n  </div>
  <div class="media_wrap clearfix">\n{media}\n  </div>
  <div class="text">\nline one<br>line  two <a href="https://x.org/">x</a>
  <a href="" onclick="return ShowHashtag(&quot;tag&quot;)">#tag</a>\n  </div>
  <div class="signature details">\nAuthor\n  </div>
  <div class="reactions"><div class="reaction"><div class="emoji">\n👍\n</div>
   <div class="count">\n3\n</div></div></div>
 </div>
</div>
<div class="message default clearfix joined" id="message3">
 <div class="body">
  <div class="pull_right date details" title="15.09.2022 07:59:12 UTC+03:00">\n07:59\n</div>
  <div class="text">\njoined\n</div>
 </div>
</div>
""" + HTML_TAIL


HOSTILE: dict[str, str] = {
    "escape sequences": page("red \x1b[31mX\x1b[0m \x1b]52;c;QUFB\x07 bell\x07 csi\x9b2J"),
    "bidi and invisible": page("\u202egnp.exe\u202c \u2066x\u2069 \u200b\ufeff end"),
    "entities": page("&amp; &lt;b&gt; &quot; &nbsp &copy2 &notin; &#128512; &#x1F600; &#0;"),
    "control character references": page("a&#1;b&#x1b;c&#x7f;d&#xFDD0;e"),
    "bare reference in a link": page('<a href="https://x.org/?a=1&copy=2&amp;b">link</a>'),
    "huge attribute": page(f'<a href="https://x.org/{"q" * 2_000_000}">long</a> and text'),
    "huge class": page(f'<span class="{"c " * 500_000}">x</span>'),
    "deep nesting past libxml2's limit": page("<span>" * 5000 + "deep" + "</span>" * 5000),
    "unclosed nesting": page("<b><i><span>open" * 300),
    "nul": page("a\x00b \x00n c"),
    "noncharacter": page("a\ufdd0b"),
    "self-closed div": page("a<div/>b<span/>c"),
    "comment in the text": page("a<!-- c -->b<!---->c"),
    "processing instruction": page("a<?x y?>b"),
    "cdata": page("a<![CDATA[x>y]]>b"),
    "uppercase and spaced breaks": page("a<BR>b<br >c<br/>d<br class='x'>e"),
    "break in an attribute": page('<a href="https://x.org/<br>">x</a> and <a title=x<br>y</a>z'),
    "script and textarea": page("a<script>x<br>y</script><textarea>b<b>c</b></textarea>d"),
    "title inside a message": page("a<title>t<b>x</b></title>b"),
    "stray and misnested end tags": page("a</span>b</p>c<b>d</i>e</b>f"),
    "message inside a message": page(html_message("inner", "9")),
    "tag written otherwise": HTML_HEAD + html_message("x").replace(
        'class="message default clearfix" id="message2"',
        'id="message2" class="message default clearfix"') + HTML_TAIL,
    "duplicate page header": page("x", before=HTML_HEAD),
    "crlf and lone cr": page("a\r\nb\rc").replace("\n", "\r\n"),
    "bom": "\ufeff" + page("after a bom"),
    "declared another encoding": page("Привет").replace(
        '<meta charset="utf-8"/>', '<meta charset="windows-1251"/>'),
    # messages where a reader that looks only at messages side by side would miss them;
    # "written otherwise" ones are not found by looking for Telegram's own tag in the text
    "message after the end of the page": page("x") + html_message("after", "7"),
    "message inside the picture": usual_page(picture=html_message("in", "9")),
    "message written otherwise inside the picture": usual_page(picture=OTHERWISE),
    "message written otherwise inside the date": usual_page(date=OTHERWISE),
    "message written otherwise inside a reply": usual_page(reply=OTHERWISE),
    "message written otherwise inside a service message": HTML_HEAD + (
        f'<div class="message service" id="message1"><div class="body details">\nx\n'
        f"{OTHERWISE}</div></div>\n") + html_message("x") + HTML_TAIL,
    "message written otherwise inside the page header": HTML_HEAD.replace(
        '<div class="content">', f'<div class="content">{OTHERWISE}') + html_message("x")
        + HTML_TAIL,
    "messages each in a wrapper": HTML_HEAD + "".join(
        f"<div>{html_message(f'post {n}', str(n))}</div>" for n in range(3, 6)) + HTML_TAIL,
    "two text blocks": usual_page().replace(
        '<div class="text">', '<div class="text">\nfirst<br>\n</div><div class="text">', 1),
    "media of two kinds": usual_page(media=(
        '<a class="photo_wrap media_file clearfix pull_left" href="photos/a.jpg">'
        '<img class="photo" src="photos/a_thumb.jpg"/></a>')),
}


@pytest.fixture(params=["whole", "pieces"])
def lxml_way(request: pytest.FixtureRequest, monkeypatch: pytest.MonkeyPatch) -> str:
    """Both ways lxml reads a page: whole (up to `WHOLE` bytes) and fed in pieces."""
    if request.param == "pieces":
        monkeypatch.setattr(desktop_html, "WHOLE", 0)
    return str(request.param)


@pytest.mark.parametrize("case", HOSTILE, ids=list(HOSTILE))
def test_hostile_pages_give_the_same_posts_through_both_readers(tmp_path: Path, case: str,
                                                                 lxml_way: str) -> None:
    path = write_dump(tmp_path, HOSTILE[case], "messages.html")
    assert_alike(path)


def test_the_usual_layout_is_read_by_lxml_itself(tmp_path: Path, lxml_way: str) -> None:
    path = write_dump(tmp_path, usual_page(media=(
        '<a class="photo_wrap clearfix pull_left" href="photos/a.jpg">'
        '<img class="photo" src="photos/a_thumb.jpg"/></a>')), "messages.html")
    posts = read(path, "lxml-only")
    assert posts == read(path, "stdlib")
    assert isinstance(posts, list)
    first, joined = posts
    assert first.lines == ("line one", "line  two x#tag")  # a layout break is no space
    assert (first.sender, first.author, first.hashtags) == ("Chan", "Author", ("tag",))
    assert [(link.text, link.url) for link in first.links] == [("x", "https://x.org/")]
    assert first.media is not None and (first.media.kind, first.media.file) == (
        "photo", "photos/a.jpg")
    assert (joined.lines, joined.sender) == (("joined",), "Chan")
    lines = path.read_text(encoding="utf-8").split("\n")
    assert [lines[p.origin.line - 1] for p in posts] == [
        '<div class="message default clearfix" id="message2">',
        '<div class="message default clearfix joined" id="message3">']


def test_media_of_two_kinds_is_the_kind_written_first(tmp_path: Path) -> None:
    """Not whichever a set of the classes gives first (which changes between runs)."""
    path = write_dump(tmp_path, HOSTILE["media of two kinds"], "messages.html")
    posts = assert_alike(path)
    assert isinstance(posts, list) and posts[0].media is not None
    assert posts[0].media.kind == "photo"


def test_lines_past_65535_are_numbered_as_in_the_file(tmp_path: Path) -> None:
    """libxml2 stops counting lines at 65,535; the origins still name the right lines."""
    filler = "".join(html_message(f"post {n}", str(n)) + "\n" * 40 for n in range(3, 2000))
    path = write_dump(tmp_path, page("first") + filler + HTML_TAIL, "messages.html")
    posts = read(path, "lxml-only")
    assert isinstance(posts, list) and posts[-1].origin.line > 65535
    assert posts == read(path, "stdlib")
    lines = path.read_text(encoding="utf-8").split("\n")
    assert all(f'id="message{p.message_id}"' in lines[p.origin.line - 1] for p in posts)


def test_a_page_cut_anywhere_reads_alike(tmp_path: Path) -> None:
    data = SMALL_PAGE.read_bytes()
    for cut in range(1, len(data), 23):
        path = tmp_path / f"cut{cut}" / "messages.html"
        path.parent.mkdir()
        path.write_bytes(data[:cut])
        assert_alike(path)


def test_bytes_that_are_not_utf8_give_the_same_line(tmp_path: Path) -> None:
    filler = "".join(html_message(f"post {n} " + "x" * 3000, str(n)) for n in range(3, 800))
    data = (page("first") + filler).encode() + b"\xe9 latin-1" + HTML_TAIL.encode()
    path = tmp_path / "messages.html"
    path.write_bytes(data)
    assert assert_alike(path) == f"{path}: not UTF-8 (byte 0xe9); save the file as UTF-8 " \
        "and open it again"


def test_the_handover_is_raised_only_for_tests_that_ask(tmp_path: Path) -> None:
    path = write_dump(tmp_path, HOSTILE["comment in the text"], "messages.html")
    with pytest.raises(HandOver):
        read(path, "lxml-only")
    assert read(path, "lxml") == read(path, "stdlib")


@settings(max_examples=150, deadline=None, database=None, derandomize=True,
          suppress_health_check=[HealthCheck.too_slow, HealthCheck.data_too_large])
@given(html_page())
def test_generated_pages_read_alike(case: tuple[str, list[str] | None]) -> None:
    with tempfile.TemporaryDirectory() as folder:
        path = Path(folder) / "messages.html"
        path.write_bytes(case[0].encode("utf-8", "surrogatepass"))
        assert_alike(path)


#: Reads a page with lxml alone (no handover allowed) and prints what its posts hold.
_READ_FAST = (
    "import json, sys; from pathlib import Path; from tui.ingest import desktop_html; "
    "desktop_html.WHOLE = int(sys.argv[2]); "
    "posts = list(desktop_html.parse(Path(sys.argv[1]), print, 'lxml-only')); "
    "print(json.dumps([len(posts), len(posts[-1].lines), len(posts[-1].links)]))"
)


@pytest.mark.parametrize("whole", [False, True], ids=["pieces", "whole"])
@pytest.mark.parametrize("case", ["200k-links-and-breaks", "20k-messages-2000-deep"])
def test_lxml_reads_large_pages_in_linear_time(tmp_path: Path, case: str, whole: bool) -> None:
    """Hang detectors (a subprocess with a generous timeout, no measure of speed): one
    9 MB text of links and line breaks; 20,000 messages each in its own wrapper under 2,000
    open elements (whose ancestors are looked at once, not once per message); fed in pieces
    and parsed whole."""
    if case == "200k-links-and-breaks":
        content = page("word <a href='https://x.org/'>link</a><br>" * 200_000)
        expected = [1, 200_001, 200_000]
    else:
        one = ('<div><div class="message default clearfix" id="message{n}"><div class="body">'
               '<div class="pull_right date details" title="15.09.2022 07:58:12">x</div>'
               '<div class="text">\nhi {n}\n</div></div></div></div>\n')
        content = (HTML_HEAD + "<div>" * 2000 + "".join(one.format(n=n) for n in range(20_000))
                   + "</div>" * 2000 + HTML_TAIL)
        expected = [20_000, 1, 0]
    path = write_dump(tmp_path, content, "messages.html")
    result = subprocess.run([sys.executable, "-c", _READ_FAST, str(path),
                             str(1 << 30 if whole else 0)],
                            capture_output=True, text=True, cwd=ROOT, timeout=120)
    assert result.returncode == 0, result.stderr[-500:]
    assert json.loads(result.stdout.splitlines()[-1]) == expected
