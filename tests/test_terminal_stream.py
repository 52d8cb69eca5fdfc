"""No escape sequence from the data reaches the terminal: `python -m tui` runs on a real
pseudo-terminal over a hostile archive (posts, tags, channel, links, a file name and stored
notes full of ESC, BEL, C1 and bidi controls, OSC 52 and OSC 8 breakouts, and Rich markup),
visits every screen and dialog, and every byte it wrote is checked.

The check is exact, not a search for known attacks: once the sequences the application itself
writes are recognised and taken out (CSI, OSC 8 links to addresses the data was allowed to
link, the pointer shape), no ESC, BEL, C1 or bidi control may remain, and no CSI from the data
may appear. Each step waits for the data's words, in their visible form, to be drawn.
"""

from __future__ import annotations

import os
import sys
from pathlib import Path

import hostile
import pytest
from conftest import load_posts
from ptyterm import TerminalStream, foreign_sequences, plain

from tui.model import PostSnapshot, Quote
from tui.storage import Store

pytestmark = pytest.mark.skipif(sys.platform == "win32", reason="needs a POSIX pty")
# The whole app in a subprocess: about 5 s on an idle machine.

CTRL_P = "\x10"
ESCAPE = "\x1b"
# Short pieces of what is drawn: long ones may wrap at the pane's edge.
SHOWN_TITLE = ("Loud ^[]52;c;cHduZWQ=^G", "^[[4242;1mred^[[0m", "<U+009B>4242m")
SHOWN_NOTE = "My note ^[]52;c;cHduZWQ=^G"


def _store_hostile_records(db: Path, archive: Path) -> None:
    """A note (body and quote hostile) and a bookmark on the first post, and a bookmark on a
    post that is in no open file, whose remembered title and source are hostile."""
    first = load_posts([archive], lambda _: None)[0]
    store = Store.open(db)
    try:
        snapshot = first.snapshot()
        store.add_note(snapshot, hostile.NOTE_BODY, Quote(hostile.TITLE, 0, 1))
        store.toggle_bookmark(snapshot)
        store.toggle_bookmark(PostSnapshot(
            post_id="0" * 16, source=hostile.FORWARDED, title=hostile.ORPHAN_TITLE,
            date="2023-03-09", channel=hostile.CHANNEL,
        ))  # fmt: skip
        store.flush()
    finally:
        store.close()


@pytest.mark.slow
def test_no_escape_from_the_data_reaches_the_terminal(tmp_path: Path) -> None:
    archive = hostile.write_archive(tmp_path / "archive")
    db = tmp_path / "user" / "library.json"
    _store_hostile_records(db, archive)
    env = {
        **os.environ, "TERM": "xterm-256color", "COLORTERM": "truecolor",
        "TGREADER_DB": str(db), "TGREADER_CACHE": str(tmp_path / "cache"),
        "TGREADER_CLIPBOARD": "system",
    }  # fmt: skip
    # Run from the archive's parent: the warnings name "archive/evil…", short enough for the
    # first line of a toast.
    term = TerminalStream([sys.executable, "-m", "tui", "archive"], env, size=(140, 40),
                          cwd=tmp_path)
    try:
        # The main screen: list, sidebar tags, the first post with its links and notes, and
        # the toast naming the file whose name is an escape sequence.
        term.wait_for(*SHOWN_TITLE, "#[@click=app.quit]tag", "archive/evil^[]52;c;cHduZWQ=^G",
                      "breakout^[]52", "refused — javascript:alert(1)")
        term.press("j")  # the second post: a reset, C1 OSC 52 and bells
        term.wait_for("Second ^[c post", "<U+009D>52;c;cHduZWQ=<U+009C>", "bell^G^G")
        term.press("k")
        term.wait_for("breakout^[]52")
        # Each dialog: open it, wait for its words (one more copy of `word` than the main
        # screen shows), close it, wait for the main screen alone again.
        for keys, word in (
            ("?", "tgreader — keys"),  # help
            ("#", "#es^[cc"),  # the post's tags
            ("B", "Gone ^[]52;c;cHduZWQ=^[\\"),  # every record, one for a post not open
            ("a", "New note on: Loud ^[]52"),  # the editor quotes the post's title
            ("e", "Notes on this post"),  # the post's notes
            ("e\r", "Edit note on: Loud ^[]52"),  # its note in the editor
        ):
            on_main = term.screen.text.count(word)
            term.press(keys)
            term.wait_until(lambda screen, w=word, n=on_main: screen.count(w) > n,  # noqa: B023
                            f"{word!r} in a dialog")
            if keys.startswith("e"):
                term.wait_for(SHOWN_NOTE)
            term.press(ESCAPE)
            term.wait_until(lambda screen, w=word, n=on_main: screen.count(w) == n,  # noqa: B023
                            f"{word!r} gone with the dialog")
        term.press("#\x1b[B\x1b[B\r")  # filter by the third tag: the status line names it
        term.wait_for("3 posts · #es^[cc · 1 shown")
        term.press(ESCAPE)
        term.wait_for("3 posts · 3 shown")
        for query, shown in (("tag", "#[@click=app.quit]tag"), ("[/]", "#[/]"),
                             ("loud", "Loud ^[]52;c;cHduZWQ=^G")):
            term.press(CTRL_P)  # the palette: the tags as filters, the titles as posts
            term.wait_for("Search for commands")
            term.press(query)
            term.wait_until(lambda screen, q=query, w=shown: f"🔎 {q}" in screen  # noqa: B023
                            and w in screen.split(f"🔎 {q}", 1)[1], f"{shown!r} as a hit")
            term.press(ESCAPE)
            term.wait_gone(f"🔎 {query}", "breakout^[]52")
        term.press("q")
        assert term.wait_exit() == 0
        # After the screen is given back, the CLI repeats the warnings on stderr.
        assert "tgreader: warning: archive/evil^[]52;c;cHduZWQ=^G<U+202E>" in plain(term.text)
    finally:
        term.close()
    written = term.text
    assert not foreign_sequences(
        written, allowed_links=[hostile.SAFE_URL], data_csi=[hostile.CSI_MAGIC]
    )
    # The one allowed link really is a link, and the refused ones are only text.
    assert "\x1b]8;id=" in written and f";{hostile.SAFE_URL}\x1b\\" in written


@pytest.mark.parametrize(
    ("stream", "foreign"),
    [
        ("\x1b[1;1H\x1b[38;2;1;2;3mok\x1b[0m\x1b[?2026l\x1b]22;default\x07\x1b7", False),
        (f"\x1b]8;id=7;{hostile.SAFE_URL}\x1b\\safe\x1b]8;;\x1b\\", False),
        (f"\x1b[1;1H{hostile.OSC52_BEL}", True),
        (f"\x1b]8;id=7;{hostile.BREAKOUT_URL}\x1b\\x\x1b]8;;\x1b\\", True),
        ("\x1b]8;id=7;javascript:alert(1)\x1b\\x\x1b]8;;\x1b\\", True),
        (f"ok{hostile.CSI_MAGIC}", True),
        (f"ok{hostile.RESET}", True),
        ("ok\x07", True),
        ("ok\u009b2J", True),
        ("ok\u202eok", True),
    ],
)
def test_the_stream_check_tells_the_apps_sequences_from_the_datas(
    stream: str, foreign: bool
) -> None:
    found = foreign_sequences(stream, [hostile.SAFE_URL], [hostile.CSI_MAGIC])
    assert bool(found) is foreign, found
