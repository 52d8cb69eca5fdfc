"""A hostile archive: a Telegram Desktop export whose posts, tags, channel name, links, file
names and stored notes are full of terminal escape sequences, C1 controls, bidi overrides and
Rich markup. Used by the terminal-stream test and the export tests.

Every data-derived escape carries a marker that the app itself never emits (`4242` in CSI
parameters, `52;` and `0;` OSC numbers, the word `pwned`), so a stream check can tell the data's
sequences from Textual's own.
"""

from __future__ import annotations

import json
from pathlib import Path

ESC = "\x1b"
BEL = "\x07"
ST = ESC + "\\"
PWNED = "cHduZWQ="  # base64 "pwned": what an OSC 52 from the data would put on the clipboard

OSC52_BEL = f"{ESC}]52;c;{PWNED}{BEL}"
OSC52_ST = f"{ESC}]52;c;{PWNED}{ST}"
CSI_MAGIC = f"{ESC}[4242;1m"
RESET = f"{ESC}c"  # RIS: a full terminal reset
TITLE_SET = f"{ESC}]0;pwned{BEL}"
C1_CSI = "\x9b4242m"  # CSI as a single C1 character
C1_OSC = f"\x9d52;c;{PWNED}\x9c"
BIDI = "\u202etxt.exe\u202c\u2066\u2067\u2068\u2069\u200e\u200f\u061c\u202a\u202b\u202d"
MARKUP = "[@click=app.quit]x[/] [bold]b[/] [/]"

# A text_link whose address ends the terminal's OSC 8 hyperlink early and then writes the
# clipboard: what a raw address inside the hyperlink sequence would do.
BREAKOUT_URL = f"https://example.org/{ST}{OSC52_ST}"
SAFE_URL = "https://safe.example/ok"
REFUSED_URLS = ("javascript:alert(1)", "file:///etc/passwd", f"https://bidi.example/{BIDI}")

# What the data says, as the app must show it: escapes in caret notation.
SHOWN_OSC52 = "^[]52;c;" + PWNED + "^G"

CHANNEL = f"Evil{TITLE_SET} channel{BIDI}"
TITLE = f"Loud {OSC52_BEL} {CSI_MAGIC}red{ESC}[0m {C1_CSI} {BIDI} {MARKUP} end"
TAGS = ("[/]", "[@click=app.quit]tag", f"es{RESET}c", f"c1{C1_CSI}", f"bidi{BIDI}")
SECOND = f"Second {RESET} post {C1_OSC} bell{BEL}{BEL} {OSC52_ST} tail"
FORWARDED = f"Forger{OSC52_BEL}{BIDI}"
NOTE_BODY = f"My note {OSC52_BEL} {CSI_MAGIC} {C1_OSC} {BIDI} {MARKUP}"
ORPHAN_TITLE = f"Gone {OSC52_ST} {C1_CSI} {BIDI} {MARKUP}"
BAD_FILE_NAME = f"evil{ESC}]52;c;{PWNED}{BEL}{BIDI}.txt"


def _message(number: int, parts: list[object], **extra: object) -> dict[str, object]:
    return {
        "id": number, "type": "message", "date": f"2023-03-0{number}T10:00:00",
        "date_unixtime": str(1677664800 + (number - 1) * 86400), "from": CHANNEL,
        "text": parts, **extra,
    }  # fmt: skip


def export_document() -> dict[str, object]:
    """The result.json document: two hostile posts and one plain neighbour."""
    first: list[object] = [f"{TITLE}\nBody {SHOWN_OSC52} is already caret text; "]
    for tag in TAGS:
        first += [{"type": "hashtag", "text": "#" + tag}, " "]
    first += [
        "\nLinks: ",
        {"type": "text_link", "text": f"breakout{OSC52_BEL}", "href": BREAKOUT_URL}, " ",
        {"type": "text_link", "text": "safe", "href": SAFE_URL}, " ",
    ]
    for url in REFUSED_URLS:
        first += [{"type": "text_link", "text": "refused", "href": url}, " "]
    first += ["\n- item\n> quote\n*stars* <b>bold</b> [x](https://x.example) ``` `tick`"]
    return {
        "name": CHANNEL, "type": "public_channel", "id": 1,
        "messages": [
            _message(1, first),
            _message(2, [SECOND], forwarded_from=FORWARDED),
            _message(3, ["A harmless neighbour"]),
        ],
    }  # fmt: skip


def write_archive(folder: Path) -> Path:
    """The export, plus an unreadable file whose name is an escape sequence (the app warns
    about it by name). Returns the folder."""
    folder.mkdir(parents=True, exist_ok=True)
    (folder / "result.json").write_text(
        json.dumps(export_document(), ensure_ascii=False), encoding="utf-8"
    )
    (folder / BAD_FILE_NAME).write_text("nothing a reader could recognise\n", encoding="utf-8")
    return folder
