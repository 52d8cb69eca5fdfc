"""An archive of many files parsed on two cores (`tui.parse_pool`) gives what one core gives:
the same posts in the same order, the same warnings, the same one-line error; `cancel` stops
the workers too, and leaves no temporary file."""

from __future__ import annotations

import multiprocessing
import subprocess
import sys
import threading
import time
from pathlib import Path

import pytest
from conftest import ROOT

import tui.index as index
from tests.bench.generate import write_html_export, write_webcopy
from tui import parse_pool
from tui.ingest import IngestError
from tui.model import Post


@pytest.fixture
def two_cores(monkeypatch: pytest.MonkeyPatch) -> None:
    """Workers for any archive of two files or more, as on a machine of two cores."""
    monkeypatch.setattr(parse_pool, "MIN_BYTES", 0)
    monkeypatch.setattr(parse_pool, "usable_cores", lambda: 2)


def one_core(monkeypatch: pytest.MonkeyPatch) -> None:
    monkeypatch.setattr(parse_pool, "usable_cores", lambda: 1)


def archive(folder: Path) -> Path:
    """Two web copies that open with words outside any post (a post and a warning each)
    and five HTML pages."""
    folder.mkdir()
    for name, start, stop in (("a.txt", 0, 60), ("b.txt", 60, 120)):
        path = write_webcopy(folder / name, 500, start=start, stop=stop)
        path.write_text(f"words outside any post in {name}\n\n" + path.read_text("utf-8"),
                        encoding="utf-8")  # fmt: skip
    write_html_export(folder, 500, per_file=60, start=120, stop=420)
    return folder


def temporary_files(cache: Path) -> list[Path]:
    return [p for p in cache.rglob("*.tmp")]


def wait_for_a_worker(cache: Path) -> None:
    """Until a segment is in place while this process is still in its first file: a
    worker's (the files are parsed last first)."""
    deadline = time.monotonic() + 120  # a safety net only: a worker takes a second or two
    while not list((cache / index.SEGMENTS).glob("seg-*.sqlite")):
        assert time.monotonic() < deadline, "no worker process wrote a segment"
        time.sleep(0.01)


def build(folder: Path, cache: Path, seen: index.Seen | None = None
          ) -> tuple[list[Post], list[str]]:  # fmt: skip
    said: list[str] = []
    library = index.open_library([folder], said.append, cache=cache, seen=seen)
    return list(library), said


def test_two_cores_give_the_posts_and_warnings_of_one(tmp_path: Path, two_cores: None,
                                                      monkeypatch: pytest.MonkeyPatch) -> None:
    folder = archive(tmp_path / "archive")
    shown: list[Post] = []

    def seen(posts: list[Post]) -> None:
        if not shown:
            wait_for_a_worker(tmp_path / "two")
        shown.extend(posts)

    posts, said = build(folder, tmp_path / "two", seen)
    assert multiprocessing.active_children() == []  # the workers are gone
    one_core(monkeypatch)
    assert build(folder, tmp_path / "one") == (posts, said)
    assert len(posts) == 422 and len(said) == 2, said
    # every post shown once while indexing, file by file in reading order
    assert sorted(p.id for p in shown) == sorted(p.id for p in posts)
    files = [p.origins[0].path for p in shown]
    assert sorted(set(files), key=files.index) == [
        str(folder / name) for name in ("a.txt", "b.txt", "messages.html", "messages2.html",
                                        "messages3.html", "messages4.html", "messages5.html")]
    assert temporary_files(tmp_path) == []


def test_an_error_in_a_workers_file_is_the_same_one_line(tmp_path: Path, two_cores: None,
                                                         monkeypatch: pytest.MonkeyPatch) -> None:
    folder = archive(tmp_path / "archive")
    last = folder / "messages5.html"
    page = last.read_text("utf-8")
    at = page.index('class="pull_right date details" title="')
    last.write_text(page[:at] + page[at:].replace(" title=", " data-title=", 1), "utf-8")

    def seen(_posts: list[Post]) -> None:
        wait_for_a_worker(tmp_path / "two")

    with pytest.raises(IngestError) as two:
        build(folder, tmp_path / "two", seen)
    one_core(monkeypatch)
    with pytest.raises(IngestError) as one:
        build(folder, tmp_path / "one")
    assert str(two.value) == str(one.value)
    assert str(one.value).startswith(f"{last}:") and "has no date" in str(one.value)
    assert multiprocessing.active_children() == []
    assert temporary_files(tmp_path) == []


def test_cancel_stops_the_workers_and_leaves_no_temporary_file(tmp_path: Path,
                                                               two_cores: None) -> None:
    folder = archive(tmp_path / "archive")
    cache = tmp_path / "cache"
    cancel = threading.Event()

    def seen(_posts: list[Post]) -> None:
        wait_for_a_worker(cache)
        cancel.set()  # as `q` would, with workers at work

    with pytest.raises(index.Cancelled):
        index.open_library([folder], lambda _m: None, cache=cache, seen=seen, cancel=cancel)
    assert multiprocessing.active_children() == []
    assert temporary_files(cache) == []
    assert list(cache.glob("index-*.sqlite")) == []
    # what the workers finished is whole: the next open reuses it and gives every post
    posts, _said = build(folder, cache)
    assert len(posts) == 422


def test_a_worker_that_dies_leaves_its_files_to_the_build(tmp_path: Path, two_cores: None,
                                                          monkeypatch: pytest.MonkeyPatch) -> None:
    folder = archive(tmp_path / "archive")

    def seen(_posts: list[Post]) -> None:
        if multiprocessing.active_children():
            wait_for_a_worker(tmp_path / "two")
            for worker in multiprocessing.active_children():
                worker.kill()  # as the system's out-of-memory killer would

    posts, said = build(folder, tmp_path / "two", seen)
    one_core(monkeypatch)
    assert build(folder, tmp_path / "one") == (posts, said)
    assert len(posts) == 422


#: Builds an archive with workers while `sys.stderr` is what Textual makes it in the app: a
#: capture whose `fileno()` is -1.
_UNDER_A_CAPTURED_STDERR = """
import sys
from pathlib import Path
import tui.index as index
from tui import parse_pool

class Captured:
    def write(self, text): return len(text)
    def flush(self): pass
    def fileno(self): return -1

parse_pool.MIN_BYTES = 0
parse_pool.usable_cores = lambda: 2
sys.stderr = Captured()
library = index.open_library([Path(sys.argv[1])], print, cache=Path(sys.argv[2]))
sys.stdout.write(f"{len(library)} posts\\n")
"""


def test_workers_start_in_the_app_where_stderr_is_captured(tmp_path: Path) -> None:
    folder = archive(tmp_path / "archive")
    result = subprocess.run([sys.executable, "-c", _UNDER_A_CAPTURED_STDERR, str(folder),
                             str(tmp_path / "cache")], capture_output=True, text=True,
                            cwd=ROOT, timeout=300)  # fmt: skip
    assert result.returncode == 0, result.stderr[-800:]
    assert result.stdout.splitlines()[-1] == "422 posts"
    assert result.stderr == ""  # the workers and their tracker say nothing on the terminal


def test_small_archives_and_one_core_start_no_worker(monkeypatch: pytest.MonkeyPatch) -> None:
    megabyte = 1_000_000
    assert parse_pool.workers_for([megabyte, megabyte, megabyte]) == 0  # too little to pay
    big = [parse_pool.MIN_BYTES] * 3
    assert parse_pool.workers_for(big[:1]) == 0  # one file
    monkeypatch.setattr(parse_pool, "usable_cores", lambda: 2)
    assert parse_pool.workers_for(big) == 1
    monkeypatch.setattr(parse_pool, "usable_cores", lambda: 8)
    assert parse_pool.workers_for(big) == 2  # never more workers than files past the first
    one_core(monkeypatch)
    assert parse_pool.workers_for(big) == 0
