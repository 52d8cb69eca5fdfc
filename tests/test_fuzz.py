"""The bounded fuzz run (CI): every reader on generated and mutated input keeps its promise.

The same properties run for as long as asked with `python -m tests.fuzz --minutes 10`. Here
each gets a fixed number of examples so the whole file stays within about 30 seconds, drawn
from a fixed seed so that CI is never red by chance (the long run explores at random).
"""

from __future__ import annotations

import tempfile
from pathlib import Path
from typing import Any

import pytest
from conftest import ROOT
from fuzz import FIXTURE_FILES, PROPERTIES, check_mutated, mutated_fixture
from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st

#: Examples per generated property in CI: enough to meet every field type and markup often.
EXAMPLES = {"json": 150, "html": 150, "text": 150}
SETTINGS = settings(deadline=None, database=None, derandomize=True,
                    suppress_health_check=[HealthCheck.too_slow, HealthCheck.data_too_large])


def _holds(prop: Any, strategy: st.SearchStrategy[Any], examples: int) -> None:
    @settings(SETTINGS, max_examples=examples)
    @given(strategy)
    def holds(case: Any) -> None:
        with tempfile.TemporaryDirectory() as folder:
            prop(Path(folder), case)

    holds()


@pytest.mark.parametrize("name", list(EXAMPLES))
def test_readers_keep_their_promise_on_generated_input(name: str) -> None:
    prop, strategy = PROPERTIES[name]
    _holds(prop, strategy, EXAMPLES[name])


@pytest.mark.parametrize("path", FIXTURE_FILES, ids=lambda p: str(p.relative_to(ROOT / "tests")))
def test_readers_keep_their_promise_on_every_fixture_mutated(path: Path) -> None:
    large = path.stat().st_size > 300_000  # the real exports: a second or so per read
    _holds(check_mutated, mutated_fixture(path), 2 if large else 6)
