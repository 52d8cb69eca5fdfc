"""Frozen records that every layer shares: posts, their dates and links, bookmarks and notes.

Standard library only; every other module imports this one and it imports none of them.
"""

from __future__ import annotations

from dataclasses import dataclass, field


@dataclass(frozen=True, slots=True)
class PostDate:
    """A calendar date known to day, month or year precision.

    `year_inferred` is True when the text gave no year and it was taken from the posts around
    it. `year` may only be None while a date is still unresolved inside ingest; a finished
    post's date always has a year (otherwise the post is undated).
    """

    year: int | None
    month: int | None = None
    day: int | None = None
    year_inferred: bool = False

    @property
    def inferred(self) -> bool:
        return self.year_inferred

    def iso(self) -> str | None:
        """`YYYY-MM-DD`, `YYYY-MM` or `YYYY`, as much as is known; None without a year."""
        if self.year is None:
            return None
        if self.month is None:
            return f"{self.year:04d}"
        if self.day is None:
            return f"{self.year:04d}-{self.month:02d}"
        return f"{self.year:04d}-{self.month:02d}-{self.day:02d}"

    def sort_key(self) -> tuple[int, int, int]:
        return (self.year or 0, self.month or 0, self.day or 0)

    @classmethod
    def from_iso(cls, value: str, year_inferred: bool = False) -> PostDate:
        bits = [int(b) for b in value.split("-")]
        year = bits[0]
        month = bits[1] if len(bits) > 1 else None
        day = bits[2] if len(bits) > 2 else None
        return cls(year, month, day, year_inferred)


@dataclass(frozen=True, slots=True)
class Link:
    """A link in a post. `url` is None where the copy kept the words but lost the address."""

    text: str
    url: str | None = None


@dataclass(frozen=True, slots=True)
class Media:
    """What a message carries beside (or instead of) its text.

    `kind` is the export's word for it (`photo`, `video_file`, `sticker`, `audio_file`,
    `voice_message`, `file`, …; `media` when a copy only says there was something). `file` is
    the path the export gives, relative to the export's folder, when it names one; `present`
    says whether that file is actually there (Telegram Desktop can leave media out).
    """

    kind: str
    file: str | None = None
    present: bool = False


@dataclass(frozen=True, slots=True)
class Origin:
    """Where a copy of a post starts: the file and its 1-based line (or message number)."""

    path: str
    line: int


@dataclass(frozen=True, slots=True)
class RawPost:
    """One message as an importer found it, before the passes that need its neighbours.

    `lines` is the post's text, already free of placeholder lines and (for web copies) of the
    doubled body. `date` and `datetime` are set by importers whose format carries real
    timestamps; for text copies they stay None and the date is read from the text later.
    `hashtags` is None when they should be read from the text.

    Identity and provenance, when the format carries them (see `tui.identity`):
    `message_id` is the message's number in its chat; `chat` is the chat's public username
    (`durov`) when the source knows it, else the export's numeric chat id (`"1878264527"`),
    else None (an HTML export names its chat only by title: `channel`); `url` is the post's own
    address (`https://t.me/durov/523`), never a link from its body; `sender` is who sent it
    (the export's `from`), `author` the signature a channel put under it, `media` what it
    carries besides text; `views` the view count a t.me page showed when it was saved, as it
    wrote it (`12.5M`). `source` stays the name the text is credited to (a forward's
    origin, else the sender), as the reader shows it.
    """

    origin: Origin
    lines: tuple[str, ...]
    source: str | None = None
    channel: str | None = None
    media: Media | None = None
    links: tuple[Link, ...] = ()
    date: PostDate | None = None
    datetime: str | None = None
    hashtags: tuple[str, ...] | None = None
    message_id: int | None = None
    chat: str | None = None
    url: str | None = None
    sender: str | None = None
    author: str | None = None
    views: str | None = None

    @property
    def has_media(self) -> bool:
        return self.media is not None


@dataclass(frozen=True, slots=True)
class Post:
    """A clean post: the channel's text once, its date as honestly as it is known.

    `id` is what bookmarks and notes are keyed by (see `tui.identity.message_key`). The
    provenance fields mean what they mean on `RawPost`; `url` is the post's own address or
    None, never a link from the body.
    """

    id: str
    source: str | None
    title: str
    text: str
    date: PostDate | None
    date_bounds: tuple[str | None, str | None] | None = None
    hashtags: tuple[str, ...] = ()
    media: Media | None = None
    links: tuple[Link, ...] = ()
    origins: tuple[Origin, ...] = ()
    channel: str | None = None
    datetime: str | None = None
    message_id: int | None = None
    chat: str | None = None
    url: str | None = None
    sender: str | None = None
    author: str | None = None
    views: str | None = None

    @property
    def has_media(self) -> bool:
        return self.media is not None

    @property
    def occurrences(self) -> int:
        return max(1, len(self.origins))

    @property
    def origin(self) -> Origin | None:
        return self.origins[0] if self.origins else None

    @property
    def date_inferred(self) -> bool:
        return self.date is not None and self.date.inferred

    def date_iso(self) -> str | None:
        return self.date.iso() if self.date else None

    def paragraphs(self) -> list[str]:
        """The text's lines, the unit a reader highlights and quotes."""
        return self.text.split("\n") if self.text else []

    def snapshot(self) -> PostSnapshot:
        return PostSnapshot(
            post_id=self.id,
            source=self.source,
            channel=self.channel,
            title=self.title,
            date=self.date_iso(),
            date_inferred=self.date_inferred,
            url=self.url,
            origin=f"{self.origin.path}:{self.origin.line}" if self.origin else None,
        )


@dataclass(frozen=True, slots=True)
class PostSnapshot:
    """What a bookmark or note remembers of its post, so it outlives the file it came from."""

    post_id: str
    source: str | None
    title: str
    date: str | None
    date_inferred: bool = False
    channel: str | None = None
    url: str | None = None  # the post's own address, for citing it
    origin: str | None = None  # `file:line` of its first copy, where there is no address


@dataclass(frozen=True, slots=True)
class Quote:
    """A passage of a post kept verbatim, with its place: paragraphs [start, end)."""

    text: str
    start: int
    end: int


@dataclass(frozen=True, slots=True)
class Bookmark:
    post_id: str
    created: str
    snapshot: PostSnapshot


@dataclass(frozen=True, slots=True)
class Note:
    id: str
    post_id: str
    body: str
    created: str
    updated: str
    snapshot: PostSnapshot
    quote: Quote | None = None
    tags: tuple[str, ...] = field(default=())
