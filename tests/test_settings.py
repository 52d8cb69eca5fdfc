"""Settings are resolved once, flags > environment > config file > defaults, and a bad config
value costs only itself: one line naming the file and the key, and the default."""

from __future__ import annotations

import os
from pathlib import Path

import pytest
from apphelpers import (
    FakePyperclip,
    running,
    toasts,
    user_dirs,  # noqa: F401  (fixture)
)
from conftest import SAMPLE

from tui import paths
from tui.app import make_app
from tui.cli import main
from tui.model import PostSnapshot
from tui.settings import Settings, read_config, resolve
from tui.storage import Store


def config(tmp_path: Path, text: str) -> Path:
    path = tmp_path / "conf" / "config.toml"
    path.parent.mkdir(exist_ok=True)
    path.write_text(text, encoding="utf-8")
    return path


GOOD = 'theme = "nord"\nclipboard = "OSC52"\ndb = "notes/library.json"\ncache = "/tmp/c"\n'


def test_flags_beat_the_environment_which_beats_the_file_which_beats_the_defaults(
    tmp_path: Path,
) -> None:
    file = config(tmp_path, GOOD)
    env = {"TGREADER_DB": str(tmp_path / "env.json"), "TGREADER_CLIPBOARD": "system"}
    flags = resolve(db=tmp_path / "flag.json", clipboard="auto", env=env, config=file)
    assert (flags.db, flags.clipboard) == (tmp_path / "flag.json", "auto")
    from_env = resolve(env=env, config=file)
    assert (from_env.db, from_env.clipboard) == (tmp_path / "env.json", "system")
    from_file = resolve(env={}, config=file)
    assert from_file == Settings(
        db=file.parent / "notes" / "library.json",  # relative to the config file
        cache=Path("/tmp/c"), channels=paths.default_channels_dir(), clipboard="osc52",
        theme="nord", config=file,
    )
    defaults = resolve(env={}, config=tmp_path / "missing.toml")
    assert defaults == Settings(db=paths.default_db_path(), cache=paths.default_cache_dir(),
                                channels=paths.default_channels_dir())
    moved = resolve(env={"TGREADER_CHANNELS": str(tmp_path / "ch")}, config=file)
    assert moved.channels == tmp_path / "ch"


def test_the_config_file_is_found_through_the_environment_or_the_platform(
    tmp_path: Path,
) -> None:
    assert paths.config_path({"TGREADER_CONFIG": str(tmp_path / "c.toml")}) == tmp_path / "c.toml"
    default = paths.config_path({"TGREADER_CONFIG": ""})
    assert default.name == "config.toml" and "tgreader" in default.parts[-3:]
    file = config(tmp_path, 'theme = "dracula"\n')
    assert resolve(env={"TGREADER_CONFIG": str(file)}).theme == "dracula"


@pytest.mark.parametrize(
    ("text", "says"),
    [
        ('clipboard = "xclip"\n', "config.toml: clipboard: must be one of auto, system, osc52"),
        ("theme = 3\n", "config.toml: theme: must be a non-empty string, not 3"),
        ('db = ""\n', "config.toml: db: must be a non-empty string"),
        ('colour = "red"\n', "config.toml: unknown setting 'colour' (ignored"),
        ('[keymap]\n"app.records" = 5\n', "config.toml: keymap: 'app.records' must be keys"),
        ("theme = nord\n", "config.toml: not valid TOML: invalid value (at line 1, column 9)"),
        ('keymap = "ctrl+r"\n', "config.toml: keymap: must be a table of binding id = keys"),
    ],
    ids=["clipboard", "theme", "db", "unknown", "keymap-value", "toml", "keymap-table"],
)
def test_a_bad_value_is_one_line_naming_the_key_and_the_rest_still_counts(
    tmp_path: Path, text: str, says: str
) -> None:
    file = config(tmp_path, text)
    settings = resolve(env={}, config=file)
    assert len(settings.problems) == 1, settings.problems
    assert settings.problems[0].startswith(str(file)) and says in settings.problems[0]
    assert settings.clipboard == "auto" and settings.db == paths.default_db_path()


def test_one_bad_value_leaves_the_good_ones(tmp_path: Path) -> None:
    file = config(tmp_path, 'clipboard = "tmux"\ntheme = "nord"\n')
    settings = resolve(env={}, config=file)
    assert (settings.clipboard, settings.theme) == ("auto", "nord")
    assert len(settings.problems) == 1


def test_the_keymap_table_is_read_as_binding_ids_to_keys(tmp_path: Path) -> None:
    file = config(tmp_path, '[keymap]\n"app.records" = " ctrl+r "\n"app.sidebar" = "f2"\n')
    values, problems = read_config(file)
    assert problems == []
    assert dict(values["keymap"]) == {"app.records": "ctrl+r", "app.sidebar": "f2"}
    with pytest.raises(TypeError):
        values["keymap"]["app.records"] = "x"  # frozen with the rest of the settings


def test_a_file_that_is_not_utf8_says_so(tmp_path: Path) -> None:
    file = tmp_path / "config.toml"
    file.write_bytes('theme = "тема"\n'.encode("cp1251"))
    (problem,) = resolve(env={}, config=file).problems
    assert problem.startswith(f"{file}: not UTF-8")


def test_a_bad_flag_or_variable_is_fatal_in_one_line() -> None:
    with pytest.raises(ValueError, match="^TGREADER_CLIPBOARD must be one of"):
        resolve(env={"TGREADER_CLIPBOARD": "tmux"})


# -- the CLI hands the settings down ---------------------------------------------------------------
def test_notes_export_db_flag_is_passed_not_put_in_the_environment(
    tmp_path: Path, monkeypatch: pytest.MonkeyPatch, capsys: pytest.CaptureFixture[str]
) -> None:
    monkeypatch.delenv("TGREADER_DB", raising=False)
    db = tmp_path / "mine.json"
    Store.open(db).add_note(PostSnapshot("p1", "s.txt", "A post", None), "kept in mine.json")
    assert main(["notes", "export", "--db", str(db), "--format", "json"]) == 0
    assert "TGREADER_DB" not in os.environ
    assert "kept in mine.json" in capsys.readouterr().out


def test_export_warns_about_a_bad_config_value_and_goes_on(
    tmp_path: Path, monkeypatch: pytest.MonkeyPatch, capsys: pytest.CaptureFixture[str]
) -> None:
    file = config(tmp_path, 'clipboard = "xclip"\n')
    monkeypatch.setenv("TGREADER_CONFIG", str(file))
    assert main(["export", str(SAMPLE), "--format", "jsonl"]) == 0
    out, err = capsys.readouterr()
    assert len(out.splitlines()) == 9
    assert err.splitlines() == [
        f"tgreader: warning: {file}: clipboard: must be one of auto, system, osc52, "
        "not 'xclip' (using the default)"
    ]


# -- the app starts with them ----------------------------------------------------------------------
@pytest.mark.usefixtures("user_dirs")
async def test_the_config_theme_is_used_and_a_bad_one_is_said_once(
    tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    monkeypatch.setenv("TGREADER_CONFIG", str(config(tmp_path, 'theme = "nord"\n')))
    async with running() as (app, _pilot):
        assert app.theme == "nord"
    monkeypatch.setenv("TGREADER_CONFIG", str(config(tmp_path, 'theme = "plaid"\n')))
    async with running() as (app, _pilot):
        assert app.theme != "plaid" and app.is_running
        assert [t for t in toasts(app) if "theme" in t] == [
            f"{tmp_path / 'conf' / 'config.toml'}: theme: no theme named 'plaid' (using the "
            "default; Ctrl+P › Change theme lists them)"]


@pytest.mark.usefixtures("user_dirs")
async def test_a_bad_config_value_is_a_toast_and_the_app_starts(
    tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    file = config(tmp_path, 'clipboard = "xclip"\n')
    monkeypatch.setenv("TGREADER_CONFIG", str(file))
    async with running(backend=FakePyperclip()) as (app, _pilot):
        assert app.copier.mode == "auto"
        assert any(t.startswith(f"{file}: clipboard:") for t in toasts(app))


def test_make_app_takes_the_settings_it_is_given(tmp_path: Path) -> None:
    settings = resolve(db=tmp_path / "given.json", clipboard="osc52", env={})
    app = make_app([SAMPLE], settings, env={})
    assert app.settings is settings and app.copier.mode == "osc52"
