"""A polite HTTP client for one host: one request at a time, a pause between requests, an
identifying User-Agent, timeouts, `Retry-After` on 429 and a capped exponential backoff on
5xx and network errors, after which it gives up with one line.

The waits go through `Politeness.sleep`, so tests run them as no-ops and assert on what was
asked; nothing here reads a clock.
"""

from __future__ import annotations

import time
from collections.abc import Callable
from dataclasses import dataclass
from email.utils import parsedate_to_datetime
from urllib.parse import urljoin, urlsplit

import httpx

from tui import __version__
from tui.fetch.errors import FetchError, NetworkError

USER_AGENT = (
    f"tgreader/{__version__} (terminal reader of public Telegram channel archives; "
    "fetches one page at a time)"
)
MAX_REDIRECTS = 5


@dataclass(frozen=True, slots=True)
class Politeness:
    """How gently the client asks. `delay` is the pause before every request but the first;
    `retries` how many times a failed request is tried again; backoff doubles from
    `backoff` up to `backoff_cap`, and a server's `Retry-After` is honoured up to
    `retry_after_cap` seconds."""

    delay: float = 1.0
    timeout: float = 30.0
    retries: int = 4
    backoff: float = 2.0
    backoff_cap: float = 60.0
    retry_after_cap: float = 300.0
    sleep: Callable[[float], None] = time.sleep


@dataclass(frozen=True, slots=True)
class Page:
    """A page as received: the final URL (after same-host redirects) and its exact bytes."""

    url: str
    status: int
    body: bytes
    redirected: bool
    retry_after: str | None = None

    def text(self) -> str:
        return self.body.decode("utf-8", errors="replace")


class Client:
    """Fetches pages of one host. Use as a context manager (it owns an httpx.Client)."""

    def __init__(self, base_url: str, politeness: Politeness | None = None) -> None:
        self.base_url = base_url.rstrip("/") + "/"
        self.host = urlsplit(self.base_url).netloc
        self.politeness = politeness or Politeness()
        self.requests = 0
        self._http = httpx.Client(
            headers={"User-Agent": USER_AGENT, "Accept": "text/html"},
            timeout=httpx.Timeout(self.politeness.timeout),
            follow_redirects=False,  # followed below, and only on the same host
            trust_env=True,  # HTTP(S)_PROXY, NO_PROXY and friends work as users expect
        )

    def __enter__(self) -> Client:
        return self

    def __exit__(self, *_exc: object) -> None:
        self.close()

    def close(self) -> None:
        self._http.close()

    def url(self, path: str) -> str:
        return urljoin(self.base_url, path.lstrip("/"))

    def get(self, path: str, check: Callable[[Page], str | None] | None = None) -> Page:
        """The page at `path`, retried as politeness allows. `check` names what is wrong
        with a page that arrived whole by HTTP's account but not by its content (a cut
        HTML body): such a page is retried like a network error. Raises FetchError (4xx
        other than 429, a redirect off the host) or NetworkError (gave up after retries)."""
        url = self.url(path)
        polite = self.politeness
        failures = 0
        while True:
            try:
                page = self._get_following(url)
            except httpx.TransportError as exc:  # timeouts, refused, reset, a cut body
                reason = _describe(exc)
            else:
                if page.status == 429:
                    reason = "429 Too Many Requests"
                elif page.status >= 500:
                    reason = f"{page.status} server error"
                elif page.status >= 400:
                    raise FetchError(f"{url}: the server answered {page.status}")
                else:
                    problem = check(page) if check is not None else None
                    if problem is None:
                        return page
                    reason = problem
                if page.status == 429 and failures < polite.retries:
                    failures += 1
                    polite.sleep(_retry_after(page, polite))
                    continue
            if failures >= polite.retries:
                raise NetworkError(
                    f"{url}: {reason}, {failures + 1} tries; nothing was lost, "
                    "run the same command later to continue"
                )
            polite.sleep(min(polite.backoff * 2**failures, polite.backoff_cap))
            failures += 1

    def _get_following(self, url: str) -> Page:
        redirected = False
        for _hop in range(MAX_REDIRECTS + 1):
            if self.requests:
                self.politeness.sleep(self.politeness.delay)
            self.requests += 1
            response = self._http.get(url)
            if response.is_redirect and "location" in response.headers:
                target = urljoin(url, response.headers["location"])
                if urlsplit(target).netloc != self.host:
                    raise FetchError(f"{url}: redirected to another host ({target}); not followed")
                url, redirected = target, True
                continue
            return Page(
                str(response.url), response.status_code, response.content, redirected,
                response.headers.get("retry-after"),
            )  # fmt: skip
        raise FetchError(f"{url}: more than {MAX_REDIRECTS} redirects")


def _retry_after(page: Page, polite: Politeness) -> float:
    """Seconds the server asked for (a number or an HTTP date), capped; the backoff when it
    did not say."""
    value = parse_retry_after(page.retry_after, time.time())
    return min(value if value is not None else polite.backoff, polite.retry_after_cap)


def parse_retry_after(value: str | None, now: float) -> float | None:
    if not value:
        return None
    value = value.strip()
    if value.isdigit():
        return float(value)
    try:
        when = parsedate_to_datetime(value)
    except (TypeError, ValueError):
        return None
    return max(0.0, when.timestamp() - now)


def _describe(exc: httpx.TransportError) -> str:
    if isinstance(exc, httpx.TimeoutException):
        return "timed out"
    if isinstance(exc, httpx.RemoteProtocolError):
        return "the connection broke off mid-answer"
    if isinstance(exc, httpx.ConnectError):
        return "cannot connect"
    return str(exc) or type(exc).__name__
