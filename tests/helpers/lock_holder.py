"""Hold the library's inter-process lock from another process until stdin closes.

    python lock_holder.py DB

Prints `held <backend>` once the lock is taken. With TGREADER_TEST_NO_FCNTL=1 it runs as a
Python without `fcntl` would, like storage_writer.py.
"""

from __future__ import annotations

import os
import sys
from pathlib import Path

if os.environ.get("TGREADER_TEST_NO_FCNTL") == "1":
    sys.modules["fcntl"] = None  # type: ignore[assignment]
sys.path.insert(0, str(Path(__file__).resolve().parents[2]))

from tui.storage.atomic import InterProcessLock  # noqa: E402


def main() -> None:
    lock = InterProcessLock(Path(sys.argv[1]))
    with lock.held():
        print(f"held {lock.backend.name}", flush=True)
        sys.stdin.read()


if __name__ == "__main__":
    main()
