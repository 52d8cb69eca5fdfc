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
from typing import Any

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
        if post.chat is not None and post.channel is not None and post.message_id is not None:
            found.setdefault(post.channel, set()).add(post.chat)
    return found


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


@dataclass(frozen=True, slots=True)
class Folded:
    """What a Merger's posts offer later records to fold into, without the posts: their
    message ids, their (source, text) keys (of all, and of those with no message id yet) and
    every id taken. Kept beside an archive index, it tells whether the records of a new file
    can only add posts (and then which ids they get), so the file is appended, not merged."""

    messages: frozenset[str] = frozenset()
    texts: frozenset[tuple[str | None, str]] = frozenset()
    idless: frozenset[tuple[str | None, str]] = frozenset()
    taken: frozenset[str] = frozenset()

    def could_fold(self, post: Post, key: str) -> bool:
        """Whether `Merger.add` might fold this record into one of these posts."""
        if post.message_id is not None:
            return post.id in self.messages or (bool(key) and (post.source, key) in self.idless)
        return bool(key) and (post.source, key) in self.texts

    def dump(self) -> tuple[Any, ...]:
        return (self.messages, self.texts, self.idless, self.taken)

    @classmethod
    def load(cls, data: Sequence[Any]) -> Folded:
        messages, texts, idless, taken = data
        if not all(isinstance(part, frozenset) for part in data):
            raise TypeError("not what a merger folded")
        return cls(messages, texts, idless, taken)


class Merger:
    """Folds records, fed in reading order, into posts; the merge rule lives here.

    `add(post, text_id)` returns the position of the post the record belongs to and whether
    it was new. Positions are the order posts first appeared in.
    """

    def __init__(self, before: Folded | None = None) -> None:
        """`before`: the posts merged earlier that these records come after (only their ids
        count: the caller makes sure no record folds into one of them)."""
        self.posts: list[Post] = []
        self._by_message: dict[str, int] = {}
        self._by_text: dict[tuple[str | None, str], list[int]] = {}
        self._taken: set[str] = set(before.taken) if before is not None else set()

    def folded(self, before: Folded | None = None) -> Folded:
        """These posts as `Folded` (with those of `before`, which came first)."""
        base = before or Folded()
        idless = frozenset(key for key, ats in self._by_text.items()
                           if any(self.posts[at].message_id is None for at in ats))  # fmt: skip
        return Folded(base.messages | frozenset(self._by_message),
                      base.texts | frozenset(self._by_text), base.idless | idless,
                      frozenset(self._taken))  # fmt: skip

    def add(self, post: Post, key: str) -> tuple[int, bool]:
        if post.message_id is not None:
            at = self._by_message.get(post.id)
            if at is not None:
                self.posts[at] = combine(self.posts[at], post)
                return at, False
            at = self._without_id(post, key)  # a web copy of this message read earlier
            if at is not None:
                self.posts[at] = combine(self.posts[at], post)
                self._by_message[post.id] = at
                self._taken.add(post.id)
                return at, False
            at = self._append(post, key)
            self._by_message[post.id] = at
            return at, True
        for at in self._by_text.get((post.source, key), ()) if key else ():
            if dates_agree(self.posts[at], post):
                self.posts[at] = combine(self.posts[at], post)
                return at, False
        return self._append(replace(post, id=self._free(post.id)), key), True

    def _without_id(self, post: Post, key: str) -> int | None:
        """An earlier post of this text and source that no message has claimed yet."""
        for at in self._by_text.get((post.source, key), ()) if key else ():
            kept = self.posts[at]
            if kept.message_id is None and dates_agree(kept, post):
                return at
        return None

    def _append(self, post: Post, key: str) -> int:
        at = len(self.posts)
        self.posts.append(post)
        self._taken.add(post.id)
        if key:
            self._by_text.setdefault((post.source, key), []).append(at)
        return at

    def _free(self, pid: str) -> str:
        """`pid`, or `pid~2`, `pid~3`, … when another post already has it."""
        if pid not in self._taken:
            return pid
        n = 2
        while f"{pid}~{n}" in self._taken:
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

