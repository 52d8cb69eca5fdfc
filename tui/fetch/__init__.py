"""Fetch public channels from their t.me web preview into archives of saved pages.

Pure: httpx and the standard library, plus the page reader in tui/ingest/tme_page.py; no
Textual. `client` asks politely, `archive` keeps the pages on disk, `channel` walks the pages.
"""

from tui.fetch.errors import FetchError, NetworkError

__all__ = ["FetchError", "NetworkError"]
