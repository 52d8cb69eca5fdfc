"""A tgreader process that writes to the library in a loop, for the crash and concurrency tests.

    python storage_writer.py DB TAG COUNT ARCHIVE [--go GO_FILE] [--stop-at replace|write|append]

Prints `ready` once the store is open, then (after GO_FILE exists, if given) cycles through
adding a note, bookmarking a post and marking a post read + flushing. After each write has
RETURNED it prints what it wrote (`note <body>`, `bm <post id>`, `read <post id>`) and flushes
stdout, so whatever the parent has read was acknowledged to the user before any kill.

With `--stop-at`, the first save after the first acknowledged write stops at a chosen moment
and prints `stopped`, so the parent's kill lands exactly there, whatever the machine's speed:
`write` after half of the temporary file is written, `replace` after the temporary file is
complete and fsynced but before it replaces the database, `append` after half of a journal
line is written. With TGREADER_TEST_COMPACT_BYTES=N the journal is folded into the database
once it holds N bytes, so whole-file saves come every few saves.

With TGREADER_TEST_NO_FCNTL=1 it runs as a Python without `fcntl` (Windows) would, and says
which lock it used (`lock <backend>`) before `ready`.
"""

from __future__ import annotations

import argparse
import os
import sys
import threading
import time
from pathlib import Path
from typing import Any

if os.environ.get("TGREADER_TEST_NO_FCNTL") == "1":
    sys.modules["fcntl"] = None  # type: ignore[assignment]
sys.path.insert(0, str(Path(__file__).resolve().parents[2]))

from tui.model import PostSnapshot, Quote  # noqa: E402
from tui.storage import (
    Store,  # noqa: E402
    atomic,  # noqa: E402
)
from tui.storage.atomic import lock_backend, temp_prefix  # noqa: E402

if os.environ.get("TGREADER_TEST_COMPACT_BYTES"):  # fold the journal in every few saves
    atomic.COMPACT_MIN_BYTES = int(os.environ["TGREADER_TEST_COMPACT_BYTES"])
    atomic.COMPACT_AT = atomic.COMPACT_INLINE_AT = 0.0


def snapshot(post_id: str) -> PostSnapshot:
    return PostSnapshot(post_id=post_id, source="writer", title=f"Post {post_id}", date=None)


def stop_forever() -> None:
    print("stopped", flush=True)
    threading.Event().wait()  # until the parent's SIGKILL


def stop_saves_at(moment: str, db: Path) -> None:
    """Patch the os calls the atomic save makes so that the next save of `db` halts at
    `moment` (only the test process's own copy of `os` is patched)."""
    if moment == "replace":
        real_replace = os.replace

        def replace(src: Any, dst: Any, *args: Any, **kwargs: Any) -> None:
            if Path(dst) == db:
                stop_forever()
            real_replace(src, dst, *args, **kwargs)

        os.replace = replace  # type: ignore[assignment]
    else:
        real_open, real_write = os.open, os.write
        temp_fds: set[int] = set()
        # `write`: the whole-file save's temporary file; `append`: the journal's new line.
        wanted = temp_prefix(db) if moment == "write" else db.name + ".journal"

        def open_(path: Any, *args: Any, **kwargs: Any) -> int:
            fd = real_open(path, *args, **kwargs)
            if Path(path).name.startswith(wanted):
                temp_fds.add(fd)
            return fd

        def write(fd: int, data: Any) -> int:
            if fd in temp_fds:
                real_write(fd, bytes(data[: max(1, len(data) // 2)]))
                stop_forever()
            return real_write(fd, data)

        os.open = open_  # type: ignore[assignment]
        os.write = write


def main() -> None:
    parser = argparse.ArgumentParser()
    parser.add_argument("db", type=Path)
    parser.add_argument("tag")
    parser.add_argument("count", type=int)
    parser.add_argument("archive")
    parser.add_argument("--go", type=Path)
    parser.add_argument("--stop-at", choices=("write", "replace", "append"))
    args = parser.parse_args()
    db, tag = args.db, args.tag
    store = Store.open(db)
    print(f"lock {lock_backend().name}", flush=True)
    print("ready", flush=True)
    if args.go is not None:
        while not args.go.exists():
            time.sleep(0.001)
    for i in range(args.count):
        if i == 1 and args.stop_at:
            stop_saves_at(args.stop_at, db)
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
            store.mark_read(args.archive, post_id)
            store.flush()
            print(f"read {post_id}", flush=True)
    store.close()


if __name__ == "__main__":
    main()
