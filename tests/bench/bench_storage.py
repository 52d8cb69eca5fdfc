"""How long the library makes the screen wait. Run on demand, not by pytest:

    .venv/bin/python tests/bench/bench_storage.py [--notes 50000] [--read 100000]

Prints: mark_read per call, flush with 100,000 read ids, add_note with 50,000 notes in the db
(after its own writes, and after another process wrote), and how long a read (is_bookmarked)
can wait while a flush runs in another thread.
"""

from __future__ import annotations

import argparse
import statistics
import sys
import tempfile
import threading
import time
from collections.abc import Callable
from pathlib import Path

sys.path.insert(0, str(Path(__file__).resolve().parents[2]))

from tui.model import Note, PostSnapshot, Quote  # noqa: E402
from tui.storage import (
    Store,  # noqa: E402
    records,  # noqa: E402
)
from tui.storage.atomic import encode, write_atomically  # noqa: E402


def snapshot(i: int) -> PostSnapshot:
    return PostSnapshot(
        post_id=f"post-{i:06d}",
        source="russian_mfa_sco.txt",
        title=f"Post number {i} about the SCO summit and other matters",
        date="2024-01-10",
        date_inferred=bool(i % 2),
        channel="MFA Russia",
    )


def seed_notes(db: Path, count: int) -> None:
    """Write `count` realistic notes in one go (adding them one by one would take minutes)."""
    stamp = "2026-11-27T20:30:00+00:00"
    body = "A note of a few sentences about this post, as a researcher would write it. " * 3
    notes = {
        str(i + 1): records.note_to_doc(
            Note(
                id=f"{i:012x}",
                post_id=snapshot(i).post_id,
                body=body,
                created=stamp,
                updated=stamp,
                snapshot=snapshot(i),
                quote=Quote("A quoted passage of the post, kept verbatim.", 0, 1),
            )
        )
        for i in range(count)
    }
    write_atomically(db, encode({records.META: {"1": {"schema": 1}}, records.NOTES: notes}))


def timed(action: Callable[[], object]) -> float:
    start = time.perf_counter()
    action()
    return time.perf_counter() - start


def ms(seconds: float) -> str:
    return f"{seconds * 1000:8.2f} ms"


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--notes", type=int, default=50_000)
    parser.add_argument("--read", type=int, default=100_000)
    args = parser.parse_args()

    with tempfile.TemporaryDirectory() as folder:
        db = Path(folder) / "library.json"

        # mark_read: the call made on every post the reader moves onto.
        store = Store.open(db)
        calls = args.read
        elapsed = timed(lambda: [store.mark_read("archive", f"post-{i:06d}") for i in range(calls)])
        print(f"mark_read, per call ({calls:,} calls):        {elapsed / calls * 1e6:8.2f} µs")

        first = timed(store.flush)
        print(f"flush, first write of {calls:,} read ids:     {ms(first)}")
        again = []
        for i in range(10):
            store.mark_read("archive", f"extra-{i}")
            again.append(timed(store.flush))
        print(f"flush, one new id on top of {calls:,} (median): {ms(statistics.median(again))}")
        print(f"  file size with {calls:,} read ids:           {db.stat().st_size / 1e6:8.2f} MB")
        store.close()

        # add_note with a big library: the save the user waits for after typing a note.
        db.unlink()
        seed_notes(db, args.notes)
        opened = timed(lambda: Store.open(db))
        store = Store.open(db)
        assert len(store.notes()) == args.notes
        print(f"open with {args.notes:,} notes:                  {ms(opened)}")
        adds = [timed(lambda: store.add_note(snapshot(0), "new note")) for _ in range(20)]
        print(f"add_note with {args.notes:,} notes (median of 20):  {ms(statistics.median(adds))}")
        print(f"  slowest of 20:                            {ms(max(adds))}")
        other = Store.open(db)  # another tgreader window: its own lock handle and view
        after_other = []
        for i in range(10):
            other.add_note(snapshot(i), "written by the other window")
            after_other.append(timed(lambda: store.add_note(snapshot(0), "new note")))
        other.close()
        median_other = ms(statistics.median(after_other))
        print(f"add_note after another window wrote (median of 10): {median_other}")
        print(f"  slowest of 10:                            {ms(max(after_other))}")
        toggles = [timed(lambda: store.toggle_bookmark(snapshot(1))) for _ in range(20)]
        print(f"toggle_bookmark, same db (median):          {ms(statistics.median(toggles))}")
        reads = [timed(lambda: store.notes("post-000005")) for _ in range(1000)]
        print(
            f"notes(post_id), same db (median):           {statistics.median(reads) * 1e6:8.2f} µs"
        )
        print(
            f"  file size with {args.notes:,} notes:             {db.stat().st_size / 1e6:8.2f} MB"
        )

        # A read on the UI thread while a flush runs in a worker must not wait for the disk.
        for i in range(args.read):
            store.mark_read("archive", f"post-{i:06d}")
        waits: list[float] = []
        done = threading.Event()

        def flush_in_worker() -> None:
            store.flush()
            done.set()

        worker = threading.Thread(target=flush_in_worker)
        flush_started = time.perf_counter()
        worker.start()
        while not done.is_set():
            waits.append(timed(lambda: store.is_bookmarked("post-000001")))
        worker.join()
        flush_took = time.perf_counter() - flush_started
        print(
            f"is_bookmarked during a {ms(flush_took).strip()} flush in a thread: "
            f"slowest of {len(waits):,} calls {max(waits) * 1e6:.0f} µs"
        )
        store.close()


if __name__ == "__main__":
    main()
