"""Hostile input (issue 14): files from strangers crash nothing, hang nothing, lose no text.

Every case here once crashed, hung or silently changed a post. Each crash case must now give
posts (a field of the wrong type is skipped with one warning naming the message, the text
kept) or one line naming the file, never a traceback. The slow-input cases are hang detectors:
the parse runs in a subprocess with a generous timeout, on inputs that took minutes while the
parsers were quadratic and take about a second now (figures: tests/bench/bench_hostile.py).
"""

from __future__ import annotations

import json
import subprocess
import sys
from pathlib import Path

import pytest
from conftest import ROOT, write_dump

from tui.cli import main

#: A channel export up to the first message's date, as the issue writes it (`H`).
H = (
    '{"name":"X","type":"public_channel","id":1,"messages":[{"id":1,"type":"message",'
    '"date":"2022-09-15T07:58:12",'
)
HTML_HEAD = (
    '<!DOCTYPE html><html><head><meta charset="utf-8"/></head><body>\n'
    '<div class="page_header"><div class="content"><div class="text bold">\nChan\n</div>'
    '</div></div>\n<div class="history">\n'
)
HTML_TAIL = "</div></body></html>\n"


def html_message(text_html: str, message_id: str = "2") -> str:
    """One message of a Desktop HTML export, laid out as Telegram writes it."""
    return (
        f'<div class="message default clearfix" id="message{message_id}">\n<div class="body">\n'
        '<div class="pull_right date details" title="15.09.2022 07:58:12 UTC+03:00">\n07:58\n'
        '</div>\n<div class="from_name">\nChan\n</div>\n'
        f'<div class="text">\n{text_html}\n       </div>\n</div>\n</div>\n'
    )


def export(capsys: pytest.CaptureFixture[str], path: Path) -> tuple[int, list, list[str]]:
    """`tgreader export --format json PATH` in-process: exit code, posts, stderr lines."""
    code = main(["export", "--format", "json", str(path)])
    out, err = capsys.readouterr()
    assert "Traceback" not in err
    return code, (json.loads(out) if code == 0 else []), err.splitlines()


def export_within(path: Path, timeout: float = 30) -> list:
    """The same in a subprocess that must finish within `timeout` seconds: a hang detector
    (a quadratic parser takes minutes on these inputs), not a timing assertion."""
    result = subprocess.run(
        [sys.executable, "-m", "tui", "export", "--format", "json", str(path)],
        capture_output=True, text=True, cwd=ROOT, timeout=timeout,
    )
    assert result.returncode == 0, result.stderr[-500:]
    assert "Traceback" not in result.stderr
    posts: list = json.loads(result.stdout)
    return posts


# -- crashes ---------------------------------------------------------------------------------
JSON_FIELD_CASES: dict[str, tuple[str, ...]] = {
    "nested-1100-deep": ('"text":"hi","x":' + "[" * 1100 + "]" * 1100, "x (nested too deep)"),
    "poll-answers-number": (
        '"text":"hi","poll":{"question":"q","answers":5}', "poll.answers", "hi\nq"),
    "poll-answers-true": (
        '"text":"hi","poll":{"question":"q","answers":true}', "poll.answers", "hi\nq"),
    "entity-type-object": (
        '"text":"hi","text_entities":[{"type":{"a":1},"text":"hi"}]', "text_entities type"),
    "entity-type-list": (
        '"text":"hi","text_entities":[{"type":[1],"text":"hi"}]', "text_entities type"),
    "text-part-type-object": ('"text":[{"type":{"a":1},"text":"hi"}]', "text type (dict)"),
    "from-list": ('"text":"hi","from":[1],"forwarded_from":{"a":1}', "from (list)"),
    "entities-not-a-list": ('"text":"hi","text_entities":7', "text_entities (int)"),
    "href-number": (
        '"text":"hi","text_entities":[{"type":"text_link","text":"hi","href":5}]',
        "text_entities.href (int)"),
    "poll-string": ('"text":"hi","poll":"q"', "poll (str)"),
    "id-5000-digits": ('"text":"hi"', "id (a number too long"),
}


@pytest.mark.parametrize("case", JSON_FIELD_CASES, ids=list(JSON_FIELD_CASES))
def test_json_field_of_unexpected_type_is_skipped_with_a_warning_text_kept(
    capsys: pytest.CaptureFixture[str], tmp_path: Path, case: str
) -> None:
    fields, named, *text = JSON_FIELD_CASES[case]
    head = H.replace('"id":1,"type"', '"id":' + "9" * 5000 + ',"type"') if "id-" in case else H
    path = write_dump(tmp_path, head + fields + "}]}", "result.json")
    code, posts, err = export(capsys, path)
    assert code == 0
    assert posts[0]["text"] == (text[0] if text else "hi")
    assert len(err) == 1, err
    assert f"{path}:1: message " in err[0] and named in err[0]


def test_json_number_of_5000_digits_is_just_a_number(
    capsys: pytest.CaptureFixture[str], tmp_path: Path
) -> None:
    path = write_dump(tmp_path, H + '"text":"hi","views":' + "9" * 5000 + "}]}", "result.json")
    code, posts, err = export(capsys, path)
    assert (code, [p["text"] for p in posts], err) == (0, ["hi"], [])


def test_json_nested_too_deep_outside_messages_is_stepped_over(
    capsys: pytest.CaptureFixture[str], tmp_path: Path
) -> None:
    deep = "[" * 5000 + '"]}"' + "]" * 5000
    path = write_dump(
        tmp_path, '{"name":"X","about":' + deep + ',"messages":[{"id":1,"type":"message",'
        '"date":"2022-09-15T07:58:12","text":"hi"}]}', "result.json",
    )
    code, posts, err = export(capsys, path)
    assert (code, [p["text"] for p in posts], err) == (0, ["hi"], [])


def test_json_lone_surrogate_is_shown_as_replacement_with_a_warning(
    capsys: pytest.CaptureFixture[str], tmp_path: Path
) -> None:
    path = write_dump(tmp_path, H + '"text":"a\\ud800b"},' + H[H.index("{\"id"):].replace(
        '"id":1', '"id":2') + '"text":"fine \\ud83d\\ude00"}]}', "result.json")
    code, posts, err = export(capsys, path)
    assert code == 0
    assert [p["text"] for p in posts] == ["a\ufffdb", "fine 😀"]
    assert len(err) == 1 and "message 1" in err[0] and "surrogate" in err[0]


def test_html_message_id_of_5000_digits_is_no_id(
    capsys: pytest.CaptureFixture[str], tmp_path: Path
) -> None:
    path = write_dump(tmp_path, HTML_HEAD + html_message("hi", "9" * 5000) + HTML_TAIL,
                      "messages.html")
    code, posts, err = export(capsys, path)
    assert (code, [p["text"] for p in posts], err) == (0, ["hi"], [])


@pytest.mark.parametrize("declaration", ["<![x]>", "<![ ]>", "<![>", "<![if x]>", "<![CDATA[x]]>"])
def test_html_odd_marked_sections_are_skipped_like_comments(
    capsys: pytest.CaptureFixture[str], tmp_path: Path, declaration: str
) -> None:
    page = HTML_HEAD + html_message(f"hi{declaration}there") + HTML_TAIL
    path = write_dump(tmp_path, page, "messages.html")
    code, posts, err = export(capsys, path)
    assert code == 0 and err == []
    assert posts[0]["text"].startswith("hi") and posts[0]["text"].endswith("there")


def test_a_nul_after_the_first_64_kib_keeps_the_spaces_beside_it(
    capsys: pytest.CaptureFixture[str], tmp_path: Path
) -> None:
    filler = "".join(html_message(f"post {n} " + "x" * 200, str(n)) for n in range(3, 400))
    page = HTML_HEAD + filler + html_message("a \x00 b\x00n c", "500") + HTML_TAIL
    assert len(page.encode()) > 64 * 1024
    path = write_dump(tmp_path, page, "messages.html")
    code, posts, _ = export(capsys, path)
    assert code == 0
    assert posts[-1]["text"] == "a \x00 b\x00n c"
