"""Checking the [keymap] table: unknown ids and malformed keys cost one line each."""

from __future__ import annotations

from pathlib import Path

import pytest
from apphelpers import running, screen_text, toasts, user_dirs  # noqa: F401

from tui.keymap import check_keymap


def test_valid_entries_pass_and_bad_ones_name_their_id() -> None:
    valid, problems = check_keymap(
        {"app.records": "ctrl+r", "app.next": " n , f5 ", "app.nope": "x", "app.help": "a b"},
        ["app.records", "app.next", "app.help"], where="/home/me/config.toml")
    assert valid == {"app.records": "ctrl+r", "app.next": "n,f5"}
    assert problems == [
        "/home/me/config.toml: keymap: no key binding has the id 'app.nope' (ignored; the help "
        "screen lists the ids)",
        "/home/me/config.toml: keymap: app.help = 'a b' is not a key or a comma-separated list "
        "of keys like \"ctrl+r,f5\" (using the default)",
    ]


async def test_a_keymap_rebinds_keys_and_help_shows_the_keys_in_effect(
    user_dirs: Path,  # noqa: F811
) -> None:
    async with running() as (app, pilot):
        app.apply_keymap({"app.records": "ctrl+r", "app.nope": "x"}, "config.toml")
        await pilot.pause()
        assert toasts(app)[-1].startswith("config.toml: keymap: no key binding has the id")
        await pilot.press("ctrl+r")
        await pilot.pause()
        assert toasts(app)[-1].startswith("No bookmarks or notes yet")
        await pilot.press("question_mark")
        await pilot.pause()
        text = screen_text(app)
        assert "Ctrl+R" in text and "app.records" in text


async def test_the_config_files_keymap_applies_at_start_and_a_bad_entry_is_one_line(
    tmp_path: Path, monkeypatch: pytest.MonkeyPatch, user_dirs: Path,  # noqa: F811
) -> None:
    config = tmp_path / "config.toml"
    config.write_text('[keymap]\n"app.records" = "ctrl+r"\n"app.bogus" = "x"\n',
                      encoding="utf-8")
    monkeypatch.setenv("TGREADER_CONFIG", str(config))
    async with running() as (app, pilot):
        bad = [t for t in toasts(app) if "keymap" in t]
        assert bad == [f"{config}: keymap: no key binding has the id 'app.bogus' (ignored; "
                       "the help screen lists the ids)"]
        await pilot.press("ctrl+r")
        await pilot.pause()
        assert toasts(app)[-1].startswith("No bookmarks or notes yet")
