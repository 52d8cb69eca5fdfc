"""`tgreader fetch` against a real HTTP server on 127.0.0.1 (tests/tmeserver.py): paging with
`?before=`, incremental and resumed runs, politeness and every failure t.me can hand us. The
fetcher's waits are injected (no real sleeping); the tests assert on the requests the server
recorded and on the archive the user is left with."""

from __future__ import annotations

import json
import os
import signal
import subprocess
import sys
from datetime import date
from pathlib import Path

import pytest
from conftest import ROOT, TtyStderr
from tmeserver import REAL_PAGES, TmeServer

from tui.cli import main
from tui.fetch.archive import ORPHANS, Archive
from tui.fetch.channel import channel_name, fetch_channel
from tui.fetch.client import Client, Politeness
from tui.fetch.errors import FetchError, NetworkError
from tui.ingest.tme_page import read_page


@pytest.fixture(autouse=True)
def channels(tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> Path:
    """Archives go to a temporary folder; no proxy may catch a loopback request."""
    folder = tmp_path / "channels"
    monkeypatch.setenv("TGREADER_CHANNELS", str(folder))
    monkeypatch.setenv("TGREADER_DB", str(tmp_path / "library.json"))
    for var in ("HTTP_PROXY", "HTTPS_PROXY", "ALL_PROXY", "http_proxy", "https_proxy",
                "all_proxy"):  # fmt: skip
        monkeypatch.delenv(var, raising=False)
    monkeypatch.setenv("NO_PROXY", "127.0.0.1,localhost")
    return folder


class Waits:
    """Stands in for time.sleep: records what the client would have waited."""

    def __init__(self) -> None:
        self.asked: list[float] = []

    def __call__(self, seconds: float) -> None:
        self.asked.append(seconds)


def run(tme: TmeServer, name: str, folder: Path, waits: Waits | None = None, **bounds: object):
    polite = Politeness(delay=0.0, timeout=5.0, retries=3, backoff=1.0, backoff_cap=2.0,
                        sleep=waits or Waits())  # fmt: skip
    with Archive.open(folder / name.lower()) as archive, Client(tme.url, polite) as client:
        return fetch_channel(name, archive, client, **bounds)  # type: ignore[arg-type]


def export(capsys: pytest.CaptureFixture[str], *argv: str) -> list[dict[str, object]]:
    capsys.readouterr()
    assert main(["export", *argv, "-f", "json"]) == 0
    return json.loads(capsys.readouterr().out)  # type: ignore[no-any-return]


def archive_files(folder: Path) -> dict[str, bytes]:
    return {p.name: p.read_bytes() for p in sorted(folder.iterdir()) if not p.name.startswith(".")}


FIVE_PAGES = ["/s/chan", "/s/chan?before=81", "/s/chan?before=61", "/s/chan?before=41",
              "/s/chan?before=21"]  # fmt: skip


# --- the acceptance walk ----------------------------------------------------------------


def test_five_pages_fetched_then_exported_once_each_with_id_time_and_address(
    tme: TmeServer, channels: Path, capsys: pytest.CaptureFixture[str]
) -> None:
    tme.channel("chan", "Test Chan", 100)
    assert main(["fetch", "@chan", "--base-url", tme.url, "--delay", "0"]) == 0
    assert tme.paths() == FIVE_PAGES
    assert all(r.user_agent and r.user_agent.startswith("tgreader/") for r in tme.requests)
    assert capsys.readouterr().err == ""  # quiet in a pipe
    pages = archive_files(channels / "chan")
    assert len(pages) == 5
    for body in pages.values():  # stored as received: the server's own bytes
        assert body.endswith(b"</html>\n")

    posts = export(capsys, "@chan")
    assert len(posts) == 100
    assert sorted(p["text"].split("\n")[0] for p in posts) == sorted(
        f"Post number {i} of Test Chan" for i in range(1, 101)
    )
    for post in posts:
        number = int(str(post["text"]).split()[2])
        assert post["datetime"] and str(post["datetime"]).endswith("+00:00")
        assert post["channel"] == "Test Chan"
        assert post["message_id"] == number
        assert post["url"] == f"https://t.me/chan/{number}"


def test_second_fetch_after_one_new_post_asks_one_page_and_adds_one_post(
    tme: TmeServer, channels: Path, capsys: pytest.CaptureFixture[str]
) -> None:
    channel = tme.channel("chan", "Test Chan", 100)
    assert main(["fetch", "chan", "--base-url", tme.url, "--delay", "0"]) == 0
    channel.add(1, start=101)
    before = len(tme.requests)
    result = run(tme, "chan", channels)
    assert tme.paths()[before:] == ["/s/chan"]
    assert (result.pages, result.new_posts) == (1, 1)
    posts = export(capsys, "@chan")
    assert len(posts) == 101
    assert [p["url"] for p in posts].count("https://t.me/chan/101") == 1


def test_a_run_stopped_mid_way_resumes_to_the_same_archive(
    tme: TmeServer, tmp_path: Path, channels: Path
) -> None:
    tme.channel("chan", "Test Chan", 100)
    whole = tmp_path / "whole"
    run(tme, "chan", whole)

    class Stop(Exception):
        pass

    def stop_after_two(progress: object) -> None:
        if getattr(progress, "pages", 0) == 2:
            raise Stop

    with pytest.raises(Stop):
        run(tme, "chan", channels, progress=stop_after_two)
    assert len(archive_files(channels / "chan")) == 2
    start = len(tme.requests)
    run(tme, "chan", channels)
    # The newest page again (it may have grown), then straight on below what was kept.
    assert tme.paths()[start:] == ["/s/chan", *FIVE_PAGES[2:]]
    assert archive_files(channels / "chan") == archive_files(whole / "chan")


def test_a_killed_fetch_leaves_whole_pages_and_the_next_run_completes_the_archive(
    tme: TmeServer, tmp_path: Path, channels: Path
) -> None:
    tme.channel("chan", "Test Chan", 100)
    whole = tmp_path / "whole"
    run(tme, "chan", whole)
    tme.forget()
    tme.faults["/s/chan?before=41"] = ["timeout"]  # the fourth page never answers…
    env = {**os.environ, "PYTHONPATH": str(ROOT)}
    proc = subprocess.Popen(
        [sys.executable, "-m", "tui", "fetch", "@chan", "--base-url", tme.url, "--delay", "0"],
        env=env, stdout=subprocess.DEVNULL, stderr=subprocess.DEVNULL,
    )  # fmt: skip
    try:
        assert tme.arrived("/s/chan?before=41").wait(timeout=60)
    finally:
        proc.send_signal(signal.SIGKILL)  # …and the fetch is killed while it waits
        proc.wait()
    assert sorted(archive_files(channels / "chan")) == [
        "0000000041-0000000060.html", "0000000061-0000000080.html", "0000000081-0000000100.html"
    ]  # fmt: skip
    assert not list((channels / "chan").glob(ORPHANS))
    run(tme, "chan", channels)
    assert archive_files(channels / "chan") == archive_files(whole / "chan")


# --- bounds --------------------------------------------------------------------------------


def test_limit_bounds_a_first_fetch_and_later_runs_only_add_newer_posts(
    tme: TmeServer, channels: Path
) -> None:
    channel = tme.channel("chan", "Test Chan", 100)
    assert run(tme, "chan", channels, limit=30).pages == 2
    assert tme.paths() == FIVE_PAGES[:2]
    channel.add(1, start=101)
    result = run(tme, "chan", channels)
    assert tme.paths()[2:] == ["/s/chan"]
    assert result.new_posts == 1


def test_since_stops_at_the_page_that_reaches_older_posts(tme: TmeServer, channels: Path) -> None:
    tme.channel("chan", "Test Chan", 100)  # post i is dated 2024-01-01 + about i days
    result = run(tme, "chan", channels, since=date(2024, 2, 20))
    assert tme.paths() == FIVE_PAGES[:3]  # page 3 holds posts 41-60: 2024-02-13 … 2024-03-04
    assert result.oldest is not None and result.oldest.startswith("2024-02-13")


# --- politeness and failures ----------------------------------------------------------------


def test_429_waits_as_long_as_retry_after_says(tme: TmeServer, channels: Path) -> None:
    tme.channel("chan", "Test Chan", 100)
    tme.faults["/s/chan?before=61"] = ["429"]
    waits = Waits()
    result = run(tme, "chan", channels, waits)
    assert 7.0 in waits.asked
    assert tme.paths().count("/s/chan?before=61") == 2
    assert result.new_posts == 100


def test_server_errors_back_off_exponentially_up_to_the_cap_then_succeed(
    tme: TmeServer, channels: Path
) -> None:
    tme.channel("chan", "Test Chan", 40)
    tme.faults["/s/chan"] = ["500", "500", "500"]
    waits = Waits()
    assert run(tme, "chan", channels, waits).new_posts == 40
    assert [w for w in waits.asked if w] == [1.0, 2.0, 2.0]  # 1, 2, then the cap of 2
    assert tme.paths() == ["/s/chan"] * 4 + ["/s/chan?before=21"]


def test_a_server_that_keeps_failing_gives_one_line_and_keeps_what_was_saved(
    tme: TmeServer, channels: Path
) -> None:
    tme.channel("chan", "Test Chan", 100)
    tme.faults["/s/chan?before=81"] = ["500"] * 10
    with pytest.raises(NetworkError) as caught:
        run(tme, "chan", channels)
    message = str(caught.value)
    assert "\n" not in message
    assert f"{tme.url}/s/chan?before=81" in message and "500" in message
    assert tme.paths().count("/s/chan?before=81") == 4  # the first try and 3 retries
    assert list(archive_files(channels / "chan")) == ["0000000081-0000000100.html"]


def test_a_timeout_is_retried(tme: TmeServer, channels: Path) -> None:
    tme.channel("chan", "Test Chan", 40)
    tme.faults["/s/chan?before=21"] = ["timeout"]
    # The one wait on a clock in these tests: the client's own timeout, which is what is
    # tested; 1 s is far beyond any loopback answer, so only the held request times out.
    polite = Politeness(delay=0.0, timeout=1.0, retries=2, sleep=Waits())
    with Archive.open(channels / "chan") as archive, Client(tme.url, polite) as client:
        assert fetch_channel("chan", archive, client).new_posts == 40
    assert tme.paths().count("/s/chan?before=21") == 2


@pytest.mark.parametrize("fault", ["cut", "cut_html"])
def test_a_truncated_body_is_fetched_again_and_never_saved_half(
    tme: TmeServer, channels: Path, fault: str
) -> None:
    tme.channel("chan", "Test Chan", 40)
    tme.faults["/s/chan?before=21"] = [fault]
    assert run(tme, "chan", channels).new_posts == 40
    assert tme.paths().count("/s/chan?before=21") == 2
    for body in archive_files(channels / "chan").values():
        assert read_page(body.decode()).complete


def test_pause_between_requests_is_the_delay(tme: TmeServer, channels: Path) -> None:
    tme.channel("chan", "Test Chan", 60)
    waits = Waits()
    polite = Politeness(delay=1.5, sleep=waits)
    with Archive.open(channels / "chan") as archive, Client(tme.url, polite) as client:
        fetch_channel("chan", archive, client)
    assert waits.asked == [1.5, 1.5]  # three requests, a pause before each but the first


# --- what tgreader cannot fetch: one line, exit 2 ---------------------------------------------


def _redirect(tme: TmeServer, name: str, landing: str) -> None:
    tme.raw[f"/s/{name}"] = (302, b"", {"Location": f"/{name}"})
    tme.raw[f"/{name}"] = (200, (REAL_PAGES / landing).read_bytes(), {})


@pytest.mark.parametrize(
    ("name", "landing", "words"),
    [
        ("tdlibchat", "tdlibchat.html", "has no public preview"),
        ("zzqwxnonexistentchannel12345", "landing-nonexistent.html", "no such channel"),
    ],
)
def test_redirect_to_the_channel_page_means_no_preview(
    tme: TmeServer, channels: Path, capsys: pytest.CaptureFixture[str],
    name: str, landing: str, words: str,
) -> None:  # fmt: skip
    _redirect(tme, name, landing)
    assert main(["fetch", f"@{name}", "--base-url", tme.url, "--delay", "0"]) == 2
    err = capsys.readouterr().err
    assert err.count("\n") == 1 and words in err and f"@{name}" in err
    assert archive_files(channels / name.lower()) == {}


def test_a_page_in_an_unexpected_shape_names_the_url_and_loses_nothing(
    tme: TmeServer, channels: Path, capsys: pytest.CaptureFixture[str]
) -> None:
    channel = tme.channel("chan", "Test Chan", 20)
    assert main(["fetch", "@chan", "--base-url", tme.url, "--delay", "0"]) == 0
    kept = archive_files(channels / "chan")
    channel.add(1, start=21)
    tme.raw["/s/chan"] = (200, b"<html><body><p>Maintenance</p></body></html>", {})
    assert main(["fetch", "@chan", "--base-url", tme.url, "--delay", "0"]) == 2
    err = capsys.readouterr().err
    assert err.count("\n") == 1 and f"{tme.url}/s/chan" in err and "unexpected shape" in err
    assert archive_files(channels / "chan") == kept


def test_a_channel_page_without_posts_is_an_empty_channel_not_an_error(
    tme: TmeServer, channels: Path
) -> None:
    tme.channel("empty", "Nothing Yet", 0)
    result = run(tme, "empty", channels)
    assert (result.pages, result.new_posts) == (1, 0)
    assert tme.paths() == ["/s/empty"]


def test_an_older_page_without_posts_is_the_start_of_the_channel(
    tme: TmeServer, channels: Path
) -> None:
    tme.channel("chan", "Test Chan", 40)
    # The newest page claims older posts, but t.me has none left (deleted since).
    tme.raw["/s/chan?before=21"] = (200, tme.page_for("/s/chan?before=1")[1], {})
    assert run(tme, "chan", channels).new_posts == 20
    assert tme.paths() == ["/s/chan", "/s/chan?before=21"]
    assert Archive.read(channels / "chan").summary().complete


def test_a_redirect_to_another_host_is_not_followed(tme: TmeServer, channels: Path) -> None:
    tme.raw["/s/chan"] = (302, b"", {"Location": "http://example.invalid/s/chan"})
    with pytest.raises(FetchError, match="another host"):
        run(tme, "chan", channels)
    assert tme.paths() == ["/s/chan"]


def test_unknown_fetched_channel_and_bad_names_are_one_line(
    capsys: pytest.CaptureFixture[str],
) -> None:
    assert main(["export", "@nobody_here"]) == 2
    assert "tgreader fetch @nobody_here" in capsys.readouterr().err
    assert main(["fetch", "not a name!"]) == 2
    assert capsys.readouterr().err.count("\n") == 1


@pytest.mark.parametrize(
    "given",
    ["@durov", "durov", "t.me/durov", "https://t.me/s/durov", "https://t.me/s/durov?before=5",
     "https://t.me/durov/523"],
)  # fmt: skip
def test_channel_names_in_every_spelling(given: str) -> None:
    assert channel_name(given) == "durov"


def test_list_shows_posts_range_and_last_update(
    tme: TmeServer, channels: Path, capsys: pytest.CaptureFixture[str]
) -> None:
    assert main(["fetch", "--list"]) == 0
    assert "No fetched channels" in capsys.readouterr().out
    tme.channel("chan", "Test Chan", 40)
    run(tme, "chan", channels)
    assert main(["fetch", "--list"]) == 0
    out = capsys.readouterr().out.splitlines()
    assert out[0].split()[:5] == ["channel", "posts", "from", "to", "updated"]
    row = out[1].split()
    assert row[:4] == ["@chan", "40", "2024-01-01", "2024-02-12"]
    assert out[1].endswith("Test Chan")


def test_progress_shows_pages_posts_and_how_far_back_on_a_terminal(
    tme: TmeServer, monkeypatch: pytest.MonkeyPatch
) -> None:
    tme.channel("chan", "Test Chan", 40)
    terminal = TtyStderr()
    monkeypatch.setattr(sys, "stderr", terminal)
    assert main(["fetch", "@chan", "--base-url", tme.url, "--delay", "0"]) == 0
    shown = "".join(terminal.written)
    assert "@chan: 1 page, 20 new posts, back to 2024-01-21" in shown
    assert "@chan: 2 pages, 40 new posts, back to 2024-01-01" in shown
    assert shown.rstrip().endswith("40 new posts; read them with: tgreader @chan")


def test_two_fetches_of_one_channel_do_not_run_at_once(tme: TmeServer, channels: Path) -> None:
    tme.channel("chan", "Test Chan", 20)
    with Archive.open(channels / "chan"), pytest.raises(FetchError, match="another fetch"):
        run(tme, "chan", channels)
    assert tme.paths() == []
    assert run(tme, "chan", channels).new_posts == 20  # the lock went with the first


def test_list_names_an_archive_whose_state_it_cannot_read(
    tme: TmeServer, channels: Path, capsys: pytest.CaptureFixture[str]
) -> None:
    tme.channel("chan", "Test Chan", 20)
    run(tme, "chan", channels)
    (channels / "broken").mkdir()
    (channels / "broken" / ".state.json").write_text("{not json", encoding="utf-8")
    assert main(["fetch", "--list"]) == 0
    out, err = capsys.readouterr()
    assert "@chan" in out and "broken" not in out
    assert err.count("\n") == 1 and "broken/.state.json" in err and "not listed" in err


def test_the_environment_proxy_is_used(
    tme: TmeServer, channels: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    """httpx's trust_env: with HTTP_PROXY set, every request goes through the proxy (here the
    loopback server itself, which then sees absolute URLs); the named host is never resolved."""
    tme.channel("chan", "Test Chan", 40)
    monkeypatch.delenv("NO_PROXY")
    monkeypatch.setenv("HTTP_PROXY", tme.url)
    polite = Politeness(delay=0.0, sleep=Waits())
    host = "http://t-me.invalid"
    with Archive.open(channels / "chan") as archive, Client(host, polite) as client:
        assert fetch_channel("chan", archive, client).new_posts == 40
    assert tme.paths() == ["http://t-me.invalid/s/chan", "http://t-me.invalid/s/chan?before=21"]
