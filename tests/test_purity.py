"""The pure layer stays usable from scripts: importing it never pulls in Textual."""

from __future__ import annotations

import importlib.util
import subprocess
import sys

from conftest import ROOT

PURE = ["tui.model", "tui.clean", "tui.dates", "tui.ingest", "tui.identity", "tui.exporting",
        "tui.storage", "tui.paths", "tui.library", "tui.index", "tui.rekey", "tui.quote",
        "tui.clipboard", "tui.notes_export", "tui.settings", "tui.wording", "tui.fetch",
        "tui.fetch.client", "tui.fetch.archive", "tui.fetch.channel",
        "tui.provisional"]  # fmt: skip


def pure_modules() -> list[str]:
    ingest = sorted(
        f"tui.ingest.{p.stem}" for p in (ROOT / "tui" / "ingest").glob("*.py")
        if p.stem != "__init__"
    )  # fmt: skip
    return [m for m in PURE + ingest if importlib.util.find_spec(m) is not None]


def test_pure_modules_do_not_import_textual() -> None:
    modules = pure_modules()
    must = {"tui.model", "tui.clean", "tui.ingest.webcopy", "tui.quote", "tui.settings"}
    assert must <= set(modules)
    script = (
        "import importlib, sys\n"
        f"for name in {modules!r}:\n"
        "    importlib.import_module(name)\n"
        "print(sorted(m for m in sys.modules if m == 'textual' or m.startswith('textual.')))\n"
    )
    done = subprocess.run([sys.executable, "-c", script], cwd=ROOT, capture_output=True,
                          text=True, timeout=60)  # fmt: skip
    assert done.returncode == 0, done.stderr
    assert done.stdout.strip() == "[]"
