"""What can stop a fetch, each with the one line the user reads."""

from __future__ import annotations


class FetchError(Exception):
    """The fetch cannot go on for a reason retrying will not fix (no such channel, no public
    preview, a page in a shape tgreader does not know). `str()` is the one line shown."""


class NetworkError(FetchError):
    """The host kept failing (5xx, 429, timeouts, broken connections) after every retry."""
