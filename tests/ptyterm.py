"""Run a command in a real pseudo-terminal and read what it writes to the terminal.

The byte stream is what a terminal emulator would act on, so it is where an escape sequence
from the data would do harm. A small screen model follows the cursor, so tests wait for words
on screen (or for a dialog's words to go), not for time. `plain` strips the sequences an
application legitimately writes; `foreign_sequences` lists every escape, BEL, C1 or bidi
control that is not one of those.
"""

from __future__ import annotations

import codecs
import fcntl
import os
import re
import select
import struct
import subprocess
import termios
import time
from collections.abc import Callable, Mapping, Sequence
from pathlib import Path

from rich.cells import cell_len

# The sequences Textual writes: CSI (cursor, colours, modes, queries), OSC 8 hyperlinks,
# OSC 22 (the mouse pointer's shape) and the two-character keypad/cursor-save escapes.
CSI = re.compile(r"\x1b\[[0-?]*[ -/]*[@-~]")
OSC8 = re.compile(r"\x1b\]8;([^;\x1b\x07]*);([^\x1b\x07]*)(?:\x1b\\|\x07)")
SHORT = re.compile(r"\x1b[78=>]")
POINTER = re.compile(r"\x1b\]22;[a-z-]*(?:\x1b\\|\x07)")  # the mouse pointer's shape
# What no application output may hold once those are taken away.
FORBIDDEN = re.compile("[\x1b\x07\x80-\x9f\u061c\u200e\u200f\u202a-\u202e\u2066-\u2069]")

# Long enough for a loaded CI machine to start Python and Textual; a test that reaches it has
# failed (the awaited words never came), it does not pass.
PATIENCE = float(os.environ.get("PTY_PATIENCE", "60"))


SYNC_QUERY = b"\x1b[?2026$p"  # DECRQM: is synchronized output supported?
TOKEN = re.compile(
    r"\x1b\[(?P<params>[0-?]*)[ -/]*(?P<final>[@-~])"  # CSI
    r"|\x1b\][^\x07\x1b]*(?:\x07|\x1b\\)"  # OSC
    r"|\x1b[^\[\]]"  # two-character escapes
    r"|(?P<text>[^\x1b]+)"
)


class Screen:
    """Just enough of a terminal to know what is on screen: Textual positions the cursor
    with CUP (`ESC [ row ; col H`) and writes text, with auto-wrap off."""

    def __init__(self, columns: int, rows: int) -> None:
        self.columns = columns
        self.cells = [[" "] * columns for _ in range(rows)]
        self.row = self.column = 0
        self.frame: str | None = None  # the last whole frame, once output is synchronized

    @property
    def text(self) -> str:
        """What the terminal shows: with synchronized output, only whole frames."""
        if self.frame is not None:
            return self.frame
        return "\n".join("".join(row) for row in self.cells)

    def feed(self, text: str) -> str:
        """Apply `text`; what is left of it is an escape sequence not yet complete."""
        position = 0
        while position < len(text):
            match = TOKEN.match(text, position)
            if match is None:  # an ESC whose sequence has not all arrived
                return text[position:]
            position = match.end()
            if match.group("text") is not None:
                self._write(match.group("text"))
            elif match.group("params") == "?2026" and match.group("final") == "l":
                self.frame = "\n".join("".join(row) for row in self.cells)  # a frame ends
            elif match.group("final") == "H":
                row, _, column = (match.group("params") or "1;1").partition(";")
                self.row = min(max(int(row or 1), 1), len(self.cells)) - 1
                self.column = min(max(int(column or 1), 1), self.columns) - 1
        return ""

    def _write(self, text: str) -> None:
        for char in text:
            if char == "\r":
                self.column = 0
            elif char == "\n":
                self.row = min(self.row + 1, len(self.cells) - 1)
            elif char >= " ":
                width = cell_len(char)
                if width == 0 or self.column >= self.columns:
                    continue
                self.cells[self.row][self.column] = char
                if width == 2 and self.column + 1 < self.columns:
                    self.cells[self.row][self.column + 1] = ""
                self.column += width



class TerminalStream:
    """A command running on a pseudo-terminal of a fixed size, everything it wrote, and the
    screen that made."""

    def __init__(
        self,
        argv: Sequence[str],
        env: Mapping[str, str],
        size: tuple[int, int] = (140, 40),
        cwd: str | Path | None = None,
    ) -> None:
        columns, rows = size
        master, slave = os.openpty()
        fcntl.ioctl(slave, termios.TIOCSWINSZ, struct.pack("HHHH", rows, columns, 0, 0))
        self.process = subprocess.Popen(
            list(argv), stdin=slave, stdout=slave, stderr=slave, env=dict(env), cwd=cwd,
            start_new_session=True, close_fds=True,
        )  # fmt: skip
        os.close(slave)
        self.master = master
        self.raw = bytearray()
        self.screen = Screen(columns, rows)
        self._decoder = codecs.getincrementaldecoder("utf-8")(errors="replace")
        self._pending = ""
        self.closed = False

    # -- reading ---------------------------------------------------------------------------
    def _read(self, timeout: float) -> bool:
        """Read what is there (waiting up to `timeout`); False once the terminal is closed."""
        if self.closed:
            return False
        ready, _, _ = select.select([self.master], [], [], timeout)
        if not ready:
            return True
        try:
            chunk = os.read(self.master, 1 << 16)
        except OSError:  # EIO: every process on the other side has closed it
            chunk = b""
        if not chunk:
            self.closed = True
            return False
        if SYNC_QUERY in self.raw[-64:] + chunk and SYNC_QUERY not in self.raw:
            # Say synchronized output is supported, as modern terminals do: Textual then
            # wraps every frame in ?2026h ... ?2026l, and the screen is read between frames.
            os.write(self.master, b"\x1b[?2026;2$y")
        self.raw += chunk
        self._pending = self.screen.feed(self._pending + self._decoder.decode(chunk))
        return True

    @property
    def text(self) -> str:
        """Everything written so far, decoded."""
        return self.raw.decode("utf-8", errors="replace")

    def wait_until(self, ready: Callable[[str], bool], what: str) -> None:
        """Read until `ready(screen text)` holds."""
        deadline = time.monotonic() + PATIENCE
        while not ready(self.screen.text):
            if not self._read(0.2) or time.monotonic() > deadline:
                raise AssertionError(
                    f"never on screen: {what}; exit {self.process.poll()}; screen:\n"
                    f"{self.screen.text}"
                )

    def wait_for(self, *words: str) -> None:
        """Read until every one of `words` is on screen."""
        self.wait_until(lambda screen: all(word in screen for word in words), repr(words))

    def wait_gone(self, word: str, *then: str) -> None:
        """Read until `word` is no longer on screen (a dialog closed) and `then` are."""
        self.wait_until(
            lambda screen: word not in screen and all(w in screen for w in then),
            f"{then!r} without {word!r}",
        )

    def wait_exit(self) -> int:
        """Read until the command ends and its terminal closes; its exit status."""
        deadline = time.monotonic() + PATIENCE
        while self._read(0.2):
            if time.monotonic() > deadline:
                self.process.kill()
                raise AssertionError("the command did not end")
        return self.process.wait(PATIENCE)

    # -- typing ----------------------------------------------------------------------------
    def press(self, keys: str) -> None:
        """Type `keys` (raw bytes a terminal sends: "\\x10" is Ctrl+P, "\\x1b" Escape)."""
        os.write(self.master, keys.encode())

    def close(self) -> None:
        if self.process.poll() is None:
            self.process.kill()
            self.process.wait()
        os.close(self.master)


def plain(text: str) -> str:
    """The words written: the application's own sequences taken out."""
    return SHORT.sub("", POINTER.sub("", OSC8.sub("", CSI.sub("", text))))


def foreign_sequences(
    text: str, allowed_links: Sequence[str], data_csi: Sequence[str] = ()
) -> list[str]:
    """Every escape, BEL, C1 or bidi control in `text` that is not a CSI sequence, a short
    keypad escape, or an OSC 8 hyperlink to one of `allowed_links` (or its closing `""`),
    with a little context each. CSI sequences in `data_csi` (the data's own) count too."""
    found: list[str] = []
    for match in CSI.finditer(text):
        if match.group() in data_csi:
            found.append(f"the data's CSI {match.group()!r}")
    for match in OSC8.finditer(text):
        if match.group(2) not in (*allowed_links, ""):
            found.append(f"hyperlink to {match.group(2)!r}")
    rest = plain(text)
    for match in FORBIDDEN.finditer(rest):
        found.append(repr(rest[max(0, match.start() - 30) : match.end() + 30]))
    return found
