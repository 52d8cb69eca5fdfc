"""Fuzzing the readers: `python -m tests.fuzz --minutes 10` (the CI runs a bounded part).

Inputs come three ways: structure-aware Telegram Desktop exports (result.json whose fields take
any JSON type, HTML pages with hostile markup between messages), web copies and copied
messages built from lines that look like the real thing, and byte mutations of every file
under tests/fixtures (the published real exports included). The invariant, for every input:
reading it raises nothing but the reader's own one-line `IngestError`, finishes, and a valid
message's text comes out exactly as it was written.

The long run gives each example a time limit (SIGALRM) and writes any input that breaks the
invariant to the folder `--save` names, to be turned into a regression test.
"""

from __future__ import annotations

import argparse
import html
import json
import shutil
import signal
import sys
import tempfile
import time
from collections.abc import Callable
from pathlib import Path
from typing import Any

from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st

try:  # under pytest the tests folder is on sys.path; under `python -m tests.fuzz` it is not
    from conftest import ROOT
except ImportError:  # pragma: no cover - the on-demand run
    from tests.conftest import ROOT

from tui.index import open_library
from tui.ingest import IngestError, find_dumps, iter_raw_posts
from tui.model import RawPost

FIXTURES = ROOT / "tests" / "fixtures"
FIXTURE_FILES = sorted(
    p for p in FIXTURES.rglob("*") if p.is_file() and p.suffix in (".json", ".html", ".txt")
)

#: Pieces that broke a reader once, spliced into mutated files.
HOSTILE_PIECES = [
    b"[" * 1100, b"{\"a\":" * 1100, b"9" * 5000, b"\\ud800", b"\\udfff\\ud800", b"<![x]>",
    b"<![", b"<!--", b"\x00", b"\xff\xfe", b"\\x41", b"\\", b"\"", b"<div>" * 200,
    b"</div>" * 50, b"&#0;", b"&#xd800;", b"&#1114112;", b"\x1b]52;c;AAAA\x07", b"\xe2\x80\xae",
    b"\r", b"\r\n", b"Forwarded from ", b"X, [15.09.2022 07:58]\n", b"message" + b"9" * 40,
    b"<a href=\"javascript:alert(1)\">x</a>", b"\n" * 50, b"(http://x)" * 20,
]


# -- the invariant ---------------------------------------------------------------------------
def read_file(path: Path) -> list[RawPost]:
    """Every raw post of `path` through the public readers, then the whole load path (dates,
    identity, merge, an in-memory index, every post read back); IngestError is the only
    exception allowed out."""
    ignore: Callable[[str], None] = lambda _message: None  # noqa: E731
    posts: list[RawPost] = []
    for dump in find_dumps(path, ignore):
        posts.extend(iter_raw_posts(dump, ignore))
    library = open_library([path], ignore, in_memory=True)
    for post in library:
        assert "could not be read" not in post.text
    return posts


def check(path: Path) -> list[RawPost] | None:
    """The posts of `path`, or None when it is refused with one line naming the file."""
    try:
        return read_file(path)
    except IngestError as exc:
        line = str(exc)
        assert "\n" not in line and line.startswith(str(path)), line
        return None


# -- structure-aware result.json -------------------------------------------------------------
#: Text that a channel may hold: any character a file can carry (no lone surrogates).
post_text = st.text(st.characters(blacklist_categories=("Cs",)), max_size=60)
any_json: st.SearchStrategy[Any] = st.recursive(
    st.none() | st.booleans() | st.integers() | st.floats(allow_nan=False) | post_text,
    lambda inner: st.lists(inner, max_size=3) | st.dictionaries(post_text, inner, max_size=3),
    max_leaves=8,
)
entity = st.fixed_dictionaries(
    {"type": st.sampled_from(["plain", "bold", "hashtag", "link", "text_link", "mention"]),
     "text": post_text},
    optional={"href": st.one_of(post_text, any_json)},
)
FIELDS = ["from", "forwarded_from", "poll", "text_entities", "photo", "file", "media_type",
          "date_unixtime", "id", "author", "edited", "reply_to_message_id"]


@st.composite
def json_message(draw: st.DrawFn, number: int) -> tuple[dict[str, Any], str | None]:
    """A message and its expected text (None when the message is not a valid one)."""
    parts = draw(st.lists(st.one_of(post_text, entity), max_size=4))
    text: Any = draw(st.one_of(st.just(parts), st.builds("".join, st.lists(post_text))))
    message: dict[str, Any] = {"id": number, "type": "message",
                               "date": draw(st.sampled_from(
                                   ["2022-09-15T07:58:12", "2021-01-01T00:00:00"]))}
    hostile = {key: draw(any_json) for key in draw(st.lists(st.sampled_from(FIELDS), max_size=2))}
    if draw(st.booleans()):
        message["text"] = text
        expected: str | None = text if isinstance(text, str) else "".join(
            p if isinstance(p, str) else p["text"] for p in text)
    else:
        message["text"] = draw(any_json)
        expected = None
    message.update(hostile)
    if "poll" in hostile or "text_entities" in hostile:
        expected = None  # a poll adds its lines; other entities may stand in for the text
    return message, expected


@st.composite
def json_export(draw: st.DrawFn) -> tuple[str, list[str | None]]:
    """(the file's text, each message's expected text) of a channel export."""
    pairs = [draw(json_message(n)) for n in range(1, draw(st.integers(0, 4)) + 1)]
    top: dict[str, Any] = {"name": draw(post_text), "type": "public_channel", "id": 1,
                           "messages": [m for m, _ in pairs]}
    raw = json.dumps(top, ensure_ascii=draw(st.booleans()), indent=draw(st.sampled_from(
        [None, 1])))
    return raw, [t for _, t in pairs]


# -- structure-aware HTML export -------------------------------------------------------------
HTML_HEAD = (
    '<!DOCTYPE html>\n<html>\n<head>\n<meta charset="utf-8"/>\n</head>\n<body>\n'
    '<div class="page_wrap">\n<div class="page_header">\n<div class="content">\n'
    '<div class="text bold">\nChannel\n</div>\n</div>\n</div>\n'
    '<div class="page_body chat_page">\n<div class="history">\n'
)
HTML_TAIL = "</div>\n</div>\n</div>\n</body>\n</html>\n"
hostile_markup = st.sampled_from([
    "<![x]>", "<![if x]>y<![endif]>", "<!---->", "<!doctype x>", "<?x?>", "<br/>", "&amp",
    "&#0;", "&#xd800;", "<a href='javascript:x'>", "</a>", "<div>", "</div>", "<div " * 3,
    "<script>", "</span>", '<div class="message default" id="message', "\x00",
])


@st.composite
def html_page(draw: st.DrawFn) -> tuple[str, list[str] | None]:
    """(the page, each message's expected text, or None when hostile markup may change it)."""
    texts = draw(st.lists(st.text(st.characters(blacklist_categories=("Cs", "Cc")),
                                  max_size=40).map(str.strip), max_size=4))
    noise = draw(st.lists(hostile_markup, max_size=3))
    body = []
    for number, text in enumerate(texts, start=2):
        escaped = "<br>".join(html.escape(line) for line in text.split("\n"))
        body.append(
            f'<div class="message default clearfix" id="message{number}">\n<div class="body">\n'
            '<div class="pull_right date details" title="15.09.2022 07:58:12 UTC+03:00">\n'
            f'07:58\n</div>\n<div class="from_name">\nChannel\n</div>\n<div class="text">\n'
            f"{escaped}\n       </div>\n</div>\n</div>\n"
        )
    for piece in noise:
        body.insert(draw(st.integers(0, len(body))), piece)
    return HTML_HEAD + "".join(body) + HTML_TAIL, (None if noise else texts)


# -- web copies and copied messages ----------------------------------------------------------
copy_line = st.one_of(
    post_text.map(lambda t: t.replace("\n", " ")),
    st.sampled_from(["Forwarded from X", "Media is too big", "VIEW IN TELEGRAM", "Read in full",
                     "", "📍 Moscow, 15 May 2022", "X, [15.09.2022 07:58]", "[Forwarded from Y]",
                     "[ Poll : Q ]", "- answer", "words (http://x.y/z)", "[ Photo ]",
                     "May 2022, " * 5, "(Moscow, April 29, 2023)", "On January 10, x"]),
)
text_dump = st.lists(copy_line, max_size=30).map(lambda lines: "\n".join(lines) + "\n")


# -- byte mutations of the fixtures ----------------------------------------------------------
@st.composite
def mutated_fixture(draw: st.DrawFn, path: Path | None = None) -> tuple[str, bytes]:
    """(a fixture's suffix, its bytes after a few random edits); any fixture unless named."""
    if path is None:
        path = draw(st.sampled_from(FIXTURE_FILES))
    data = bytearray(path.read_bytes())
    for _ in range(draw(st.integers(1, 4))):
        where = draw(st.integers(0, len(data)))
        kind = draw(st.sampled_from(["flip", "insert", "delete", "splice", "repeat"]))
        if kind == "flip" and where < len(data):
            data[where] = draw(st.integers(0, 255))
        elif kind == "insert":
            data[where:where] = draw(st.binary(min_size=1, max_size=8))
        elif kind == "delete":
            del data[where : where + draw(st.integers(1, 64))]
        elif kind == "splice":
            data[where:where] = draw(st.sampled_from(HOSTILE_PIECES))
        else:
            data[where:where] = data[where : where + draw(st.integers(1, 64))] * 3
    return path.suffix, bytes(data)


# -- the properties (shared by the bounded CI run and the long run) --------------------------
def write(folder: Path, name: str, data: str | bytes) -> Path:
    path = folder / name
    path.write_bytes(data.encode("utf-8") if isinstance(data, str) else data)
    return path


def check_json_export(folder: Path, case: tuple[str, list[str | None]]) -> None:
    raw, expected = case
    posts = check(write(folder, "result.json", raw))
    if not expected:
        return  # no messages: "holds no posts" is the one line to expect
    assert posts is not None, "a structurally valid export was refused"
    assert len(posts) == len(expected)  # every message is a post, in file order
    for post, text in zip(posts, expected, strict=True):
        if text is not None:
            assert "\n".join(post.lines) == text


def check_html_page(folder: Path, case: tuple[str, list[str] | None]) -> None:
    page, expected = case
    posts = check(write(folder, "messages.html", page))
    if expected:  # a page without messages "holds no posts": refused in one line
        assert posts is not None
        assert ["\n".join(p.lines) for p in posts] == expected


def check_text_dump(folder: Path, text: str) -> None:
    check(write(folder, "dump.txt", text))


def check_mutated(folder: Path, case: tuple[str, bytes]) -> None:
    suffix, data = case
    name = "messages.html" if suffix == ".html" else f"dump{suffix}"
    check(write(folder, name, data))


PROPERTIES: dict[str, tuple[Callable[[Path, Any], None], st.SearchStrategy[Any]]] = {
    "json": (check_json_export, json_export()),
    "html": (check_html_page, html_page()),
    "text": (check_text_dump, text_dump),
    "mutated": (check_mutated, mutated_fixture()),
}


# -- the long run ----------------------------------------------------------------------------
class _Hang(Exception):
    """An example ran past its time limit."""


def _alarm(_signum: int, _frame: object) -> None:
    raise _Hang


def run(name: str, seconds: float, per_example: float, save: Path) -> tuple[int, int]:
    """Fuzz one property for about `seconds`, in batches of fresh random examples; (examples
    tried, failures saved). Failures are caught and saved, never shrunk: the saved input is
    the finding."""
    prop, strategy = PROPERTIES[name]
    counts = [0, 0]

    @settings(max_examples=100, deadline=None, database=None,
              suppress_health_check=list(HealthCheck))
    @given(strategy)
    def batch(case: Any) -> None:
        counts[0] += 1
        with tempfile.TemporaryDirectory() as folder:
            signal.setitimer(signal.ITIMER_REAL, per_example)
            try:
                prop(Path(folder), case)
            except BaseException as exc:  # noqa: BLE001 - every failure is a finding
                counts[1] += 1
                signal.setitimer(signal.ITIMER_REAL, 0)
                target = save / f"{name}-{counts[1]}"
                shutil.copytree(folder, target)  # the very file the reader was given
                (target / "failure.txt").write_text(f"{type(exc).__name__}: {exc!s:.2000}\n",
                                                    encoding="utf-8")
                print(f"  {name}: {type(exc).__name__} saved to {target}", file=sys.stderr)
            finally:
                signal.setitimer(signal.ITIMER_REAL, 0)

    end = time.monotonic() + seconds
    while time.monotonic() < end:
        batch()
    return counts[0], counts[1]


def main(argv: list[str] | None = None) -> int:
    parser = argparse.ArgumentParser(prog="python -m tests.fuzz",
                                     description=__doc__.splitlines()[0])
    parser.add_argument("--minutes", type=float, default=10, help="total time (default 10)")
    parser.add_argument("--per-example", type=float, default=60,
                        help="seconds one input may take before it counts as a hang")
    parser.add_argument("--save", type=Path, help="folder for the inputs that fail",
                        default=Path(tempfile.gettempdir()) / "tgreader-fuzz")
    args = parser.parse_args(argv)
    args.save.mkdir(parents=True, exist_ok=True)
    signal.signal(signal.SIGALRM, _alarm)
    share = args.minutes * 60 / len(PROPERTIES)
    failures = 0
    for name in PROPERTIES:
        tried, failed = run(name, share, args.per_example, args.save)
        failures += failed
        print(f"{name}: {tried} examples, {failed} failures", flush=True)
    return 1 if failures else 0


if __name__ == "__main__":
    raise SystemExit(main())
