"""What makes two records one post, in one place: a post's id, its title and tags, and when two
records are the same post.

The rule (one message, one post):

* A record with a message id (Desktop JSON and HTML exports, t.me pages) is identified by its
  chat and id, `<chat>/<id>`. `<chat>` is the public username when the source knows it, else
  the export's numeric chat id; an HTML export knows only its chat's title, so its records take
  the id of the JSON export of the same chat when one is open beside it (`adopt_chats`), and
  otherwise a key made from the title (`~<hash>`). Two records are one post only when they are
  the same message; different messages are never merged, whatever their text.
* A record without one (web copies, copied Desktop text) is the same post as another record
  with the same source and the same normalised text whose date does not contradict its own;
  its id comes from its text, as every id did before (`Identity.legacy_id`), so bookmarks
  made on web copies keep working.
  A second post with that text (another source, another date) gets `~2`, `~3`, … after it.

`legacy_id` is the id every post had before this rule (its text alone), kept so bookmarks
and notes made then can be moved to the post they were made on (see `tui.rekey`).
Every path from a file to a library goes through here.
"""

from __future__ import annotations

from collections.abc import Iterable, Sequence
from dataclasses import dataclass, replace
from pathlib import Path
from typing import Protocol

from tui.clean import hashtags, merge_tags, post_id, text_key
from tui.model import Media, Post, RawPost


@dataclass(frozen=True, slots=True)
class Identity:
    """What identity gives a raw record: its id, the key it is merged on, title and tags."""

    id: str
    text_id: str  # a hash of the normalised text ('' for an empty post), compared for records
    # without ids: a hash, so merging 100,000 posts holds 100,000 short strings, not their texts
    legacy_id: str  # the id this post had when ids came from text alone
    hashtags: tuple[str, ...]
    title: str


def message_key(chat: str | None, channel: str | None, message_id: int) -> str:
    """`durov/523`, `1878264527/15`; `~<hash of the chat's title>/15` when only the title is
    known (an HTML export alone)."""
    return f"{chat or chat_title_key(channel)}/{message_id}"


def chat_title_key(channel: str | None) -> str:
    return "~" + post_id("\x00chat:" + (channel or ""))[:12]


def identify(raw: RawPost, text: str) -> Identity:
    """The id, merge key, title and tags of one record."""
    tags = merge_tags(raw.hashtags) if raw.hashtags is not None else hashtags(text)
    key = text_key(text)
    if key:
        legacy = text_id = post_id(key)
    else:
        text_id = ""  # nothing to compare: the empty post was identified by its place
        origin = raw.origin
        legacy = post_id(f"\x00{Path(origin.path).name}:{origin.line}:{raw.message_id}")
    if raw.message_id is not None:
        pid = message_key(raw.chat, raw.channel, raw.message_id)
    else:
        pid = legacy
    title = next((line.strip() for line in raw.lines if line.strip()), "")
    return Identity(pid, text_id, legacy, tags, title)


def dates_agree(one: Post, other: Post) -> bool:
    """False only when both posts have dates and these say different days (a year inferred
    from neighbours is a guess, so only day and month count then)."""
    a, b = one.date, other.date
    if a is None or b is None:
        return True
    if a.year_inferred or b.year_inferred:
        return _agree(a.month, b.month) and _agree(a.day, b.day)
    return _agree(a.year, b.year) and _agree(a.month, b.month) and _agree(a.day, b.day)


def _agree(x: int | None, y: int | None) -> bool:
    return x is None or y is None or x == y


def adopt_chats(posts: Iterable[Post]) -> dict[str, str]:
    """Chat ids for chat titles: an HTML export names its chat only by title; when the JSON
    export of a chat with that title (exactly one) is open too, its numeric id is the chat's.
    Returns {title: chat id}."""
    return adopted_chats([chats_by_title(posts)])


def chats_by_title(posts: Iterable[Post]) -> dict[str, set[str]]:
    """The chat ids each chat title goes with, among records that know both (one file's
    share of `adopt_chats`, kept with its parsed records)."""
    found: dict[str, set[str]] = {}
    for post in posts:
        note_chat(found, post.channel, post.chat, post.message_id)
    return found


def note_chat(found: dict[str, set[str]], channel: str | None, chat: str | None,
              message_id: int | None) -> None:  # fmt: skip
    """One record's share of `chats_by_title`, added to `found` (for records that stream by)."""
    if chat is not None and channel is not None and message_id is not None:
        found.setdefault(channel, set()).add(chat)


def adopted_chats(parts: Iterable[dict[str, set[str]] | dict[str, list[str]]]) -> dict[str, str]:
    """`adopt_chats` over several files' `chats_by_title`."""
    found: dict[str, set[str]] = {}
    for part in parts:
        for title, ids in part.items():
            found.setdefault(title, set()).update(ids)
    return {title: next(iter(ids)) for title, ids in found.items() if len(ids) == 1}


def with_chat(post: Post, chat: str) -> Post:
    """A record of an HTML export, given the chat id its JSON twin knows."""
    assert post.message_id is not None
    return replace(post, chat=chat, id=message_key(chat, post.channel, post.message_id))


class MergeState(Protocol):
    """Where a `Merger` keeps the posts it has folded and what it finds them by: in memory
    (`MemoryState`) or, for an archive of a million posts, in the index being built
    (`tui.merging`). Positions count from `start` (the posts already in an index)."""

    def count(self) -> int:
        """The position the next new post takes."""

    def post(self, at: int) -> Post: ...

    def put(self, at: int, post: Post) -> None:
        """Post `at` becomes `post` (`at == count()`: a new post)."""

    def by_message(self, pid: str) -> int | None: ...

    def set_message(self, pid: str, at: int) -> None: ...

    def with_text(self, source: str | None, key: str) -> Sequence[int]:
        """The posts of this source and text key, in the order they came."""

    def add_text(self, source: str | None, key: str, at: int) -> None: ...

    def taken(self, pid: str) -> bool: ...

    def take(self, pid: str) -> None: ...


class MemoryState:
    """A `MergeState` in dictionaries: for small merges and for the tests of the rule."""

    def __init__(self) -> None:
        self.posts: list[Post] = []
        self._by_message: dict[str, int] = {}
        self._by_text: dict[tuple[str | None, str], list[int]] = {}
        self._taken: set[str] = set()

    def count(self) -> int:
        return len(self.posts)

    def post(self, at: int) -> Post:
        return self.posts[at]

    def put(self, at: int, post: Post) -> None:
        if at == len(self.posts):
            self.posts.append(post)
        else:
            self.posts[at] = post

    def by_message(self, pid: str) -> int | None:
        return self._by_message.get(pid)

    def set_message(self, pid: str, at: int) -> None:
        self._by_message[pid] = at

    def with_text(self, source: str | None, key: str) -> Sequence[int]:
        return self._by_text.get((source, key), ())

    def add_text(self, source: str | None, key: str, at: int) -> None:
        self._by_text.setdefault((source, key), []).append(at)

    def taken(self, pid: str) -> bool:
        return pid in self._taken

    def take(self, pid: str) -> None:
        self._taken.add(pid)


class Merger:
    """Folds records, fed in reading order, into posts; the merge rule lives here.

    `add(post, text_id)` returns the position of the post the record belongs to and whether
    it was new. Positions are the order posts first appeared in. The posts and what they are
    looked up by live in `state` (in memory unless given).
    """

    def __init__(self, state: MergeState | None = None) -> None:
        self.state: MergeState = state if state is not None else MemoryState()

    def add(self, post: Post, key: str) -> tuple[int, bool]:
        state = self.state
        if post.message_id is not None:
            at = state.by_message(post.id)
            if at is not None:
                state.put(at, combine(state.post(at), post))
                return at, False
            at = self._without_id(post, key)  # a web copy of this message read earlier
            if at is not None:
                state.put(at, combine(state.post(at), post))
                state.set_message(post.id, at)
                state.take(post.id)
                return at, False
            at = self._append(post, key)
            state.set_message(post.id, at)
            return at, True
        for at in state.with_text(post.source, key) if key else ():
            kept = state.post(at)
            if dates_agree(kept, post):
                state.put(at, combine(kept, post))
                return at, False
        pid = self._free(post.id)
        return self._append(post if pid == post.id else replace(post, id=pid), key), True

    def _without_id(self, post: Post, key: str) -> int | None:
        """An earlier post of this text and source that no message has claimed yet."""
        for at in self.state.with_text(post.source, key) if key else ():
            kept = self.state.post(at)
            if kept.message_id is None and dates_agree(kept, post):
                return at
        return None

    def _append(self, post: Post, key: str) -> int:
        state = self.state
        at = state.count()
        state.put(at, post)
        state.take(post.id)
        if key:
            state.add_text(post.source, key, at)
        return at

    def _free(self, pid: str) -> str:
        """`pid`, or `pid~2`, `pid~3`, … when another post already has it."""
        if not self.state.taken(pid):
            return pid
        n = 2
        while self.state.taken(f"{pid}~{n}"):
            n += 1
        return f"{pid}~{n}"


def combine(kept: Post, copy: Post) -> Post:
    """One post from two records of the same post: every place kept, and the most exact
    facts either record knows (an export's real timestamp beats a date read from text, a
    message's id and address beat none)."""
    merged = replace(
        kept,
        origins=kept.origins + copy.origins,
        media=_better_media(kept.media, copy.media),
        links=kept.links + tuple(link for link in copy.links if link not in kept.links),
        channel=kept.channel or copy.channel,
        url=kept.url or copy.url,
        sender=kept.sender or copy.sender,
        author=kept.author or copy.author,
        views=kept.views or copy.views,
    )
    if kept.message_id is None and copy.message_id is not None:
        merged = replace(merged, id=copy.id, message_id=copy.message_id, chat=copy.chat)
    if kept.datetime is None and copy.datetime is not None:
        merged = replace(merged, date=copy.date, date_bounds=None, datetime=copy.datetime)
    return merged


def _better_media(kept: Media | None, copy: Media | None) -> Media | None:
    """The record that knows more about the media: a file on disk, then a named file, then
    a kind, then nothing."""

    def rank(media: Media | None) -> int:
        if media is None:
            return 0
        return 3 if media.present else 2 if media.file else 1

    return kept if rank(kept) >= rank(copy) else copy

