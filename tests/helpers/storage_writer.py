"""A tgreader process that writes to the library in a loop, for the crash and concurrency tests.

    python storage_writer.py DB TAG COUNT ARCHIVE [GO_FILE]

Prints `ready` once the store is open, then (after GO_FILE exists, if given) cycles through
adding a note, bookmarking a post and marking a post read + flushing. After each write has
RETURNED it prints what it wrote (`note <body>`, `bm <post id>`, `read <post id>`) and flushes
stdout, so whatever the parent has read was acknowledged to the user before any kill.
"""

from __future__ import annotations

import sys
import time
from pathlib import Path

sys.path.insert(0, str(Path(__file__).resolve().parents[2]))

from tui.model import PostSnapshot, Quote  # noqa: E402
from tui.storage import Store  # noqa: E402


def snapshot(post_id: str) -> PostSnapshot:
    return PostSnapshot(post_id=post_id, source="writer", title=f"Post {post_id}", date=None)


def main() -> None:
    db, tag, count, archive = Path(sys.argv[1]), sys.argv[2], int(sys.argv[3]), sys.argv[4]
    go_file = Path(sys.argv[5]) if len(sys.argv) > 5 else None
    store = Store.open(db)
    print("ready", flush=True)
    if go_file is not None:
        while not go_file.exists():
            time.sleep(0.001)
    for i in range(count):
        step = i % 3
        if step == 0:
            body = f"{tag} note {i}: «verbatim» words\nsecond line"
            store.add_note(snapshot(f"{tag}-n{i}"), body, Quote(f"passage {i}", 0, 1))
            print(f"note {body.splitlines()[0]}", flush=True)
        elif step == 1:
            post_id = f"{tag}-b{i}"
            if not store.toggle_bookmark(snapshot(post_id)):
                raise SystemExit(f"{post_id} was already bookmarked")
            print(f"bm {post_id}", flush=True)
        else:
            post_id = f"{tag}-r{i}"
            store.mark_read(archive, post_id)
            store.flush()
            print(f"read {post_id}", flush=True)
    store.close()


if __name__ == "__main__":
    main()
