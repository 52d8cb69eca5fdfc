"""Building the index of a big archive holds a bounded batch of posts, not the archive.

A million posts must build in a few hundred MB, so what the build holds per post is a few
bytes (which texts are kept, a date pointer for the dates pass, a Bloom filter), everything
else goes through SQLite a chunk at a time. Measured with tracemalloc (exact and repeatable:
no timing involved) with the chunks made small, so two archives four times apart in size
both span many chunks: the peak may grow only by those few bytes per extra post.
"""

from __future__ import annotations

import tracemalloc
from pathlib import Path

import pytest

import tui.index as index
import tui.merging as merging
import tui.segments as segments

SMALL, LARGE = 600, 2400
#: Bytes the build's peak may grow by per extra post. Holding the posts themselves (as the
#: build did before it streamed) costs well over 1,000 bytes a post.
PER_POST = 250
#: Posts of the warm-up build: more distinct lines than any bounded cache of the build holds.
WARM = 1200

def webcopy(folder: Path, total: int) -> Path:
    """A web copy of `total` posts over ten days (what a build holds per day, the date tree,
    is not what is measured here: a real archive has a few thousand days at most)."""
    path = folder / "webcopy.txt"
    with path.open("w", encoding="utf-8") as fh:
        for n in range(total):
            fh.write(f"Forwarded from Someone\nPost {n} on the talks #SCO https://t.me/s/{n} "
                     f"(Moscow, May {1 + n % 10}, 2023)\nSergey Lavrov met his colleague "
                     f"number {n} and they spoke of many things.\n")
    return path


def build_peak(path: Path, cache: Path) -> int:
    """The most memory Python held while the index was built: from the parse's start (the
    first progress report, once the file's first MiB was sampled for the progress bar) to
    the end of the build (before the library reads its heads)."""
    peaks: list[int] = []
    started: list[int] = []

    def progress(done: int, total: int) -> None:
        if not started:
            started.append(done)
            tracemalloc.reset_peak()
        elif done == total:
            peaks.append(tracemalloc.get_traced_memory()[1])

    tracemalloc.start()
    try:
        index.open_library([path], lambda _message: None, progress=progress, cache=cache)
    finally:
        tracemalloc.stop()
    assert peaks, "the build did not finish"
    return peaks[0]


def test_building_the_index_holds_a_few_bytes_per_post(
    tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    for module, name in ((index, "BATCH"), (index, "HEADS_CHUNK"), (index, "CHUNK"),
                         (segments, "CHUNK"), (merging, "FLUSH")):  # fmt: skip
        monkeypatch.setattr(module, name, 50)
    warm = tmp_path / "warm"
    warm.mkdir()  # the first build imports and caches what every build shares: not counted.
    # Bounded caches (norm_line's 1,024 folded lines) must be full before either build is
    # measured, or the larger build seems to hold more per post by what fills them.
    index.open_library([webcopy(warm, WARM)], lambda _message: None, cache=warm / "cache")
    peaks = []
    for total in (SMALL, LARGE):
        folder = tmp_path / str(total)
        folder.mkdir()
        peaks.append(build_peak(webcopy(folder, total), tmp_path / f"cache-{total}"))
    per_post = (peaks[1] - peaks[0]) / (LARGE - SMALL)
    assert per_post < PER_POST, f"{per_post:.0f} bytes per post ({peaks})"
