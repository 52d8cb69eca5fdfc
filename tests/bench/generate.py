"""Synthetic channel archives of any size, shaped like the bundled sample.

Two formats: the web-preview copy (`Forwarded from …`, media placeholders, `Read in full`,
doubled bodies) and a Telegram Desktop `result.json`. Post `k` of a seed is the same in every
file and format, so two files that cover overlapping ranges hold cross-file duplicates, as a
folder of overlapping copies does in real life.

What varies, as in real channels: lengths (one line to thirty), English and Russian text,
emoji and flags, hashtags in Latin and Cyrillic, datelines in several styles (`📍 City, Month
D, YYYY`, `(City, Month D, YYYY)`, `On Month D, …` without a year, `15 сентября 2022 года`),
posts with no date at all, media placeholders and `Read in full` links.

Used by the benchmark (`python -m tests.bench.run`) and by tests that need more posts than the
sample holds. Run as a script to write files: `python -m tests.bench.generate N OUT.txt` (or
`OUT.json` for a result.json, or a folder name for an HTML export in pages of 1,000 messages).
`write_archives` writes all three at once in one pass (`python -m tests.bench.generate
--archives N FOLDER`, kept between runs). Every writer streams: memory stays
constant whatever the size (a million posts make a web copy of about 3 GB).
"""

from __future__ import annotations

import datetime as dt
import functools
import html
import itertools
import json
import random
import re
import shutil
import sys
from collections.abc import Callable, Iterator, Sequence
from dataclasses import dataclass
from json.encoder import encode_basestring  # type: ignore[attr-defined]
from pathlib import Path
from typing import Any

SOURCES = ("Russian MFA 🇷🇺", "Russian MFA 🇷🇺", "Russian MFA 🇷🇺", "МИД России 🇷🇺",
           "Maria Zakharova", "Russian Embassy in Türkiye")  # fmt: skip
CITIES = ("Samarkand", "Moscow", "Astana", "Beijing", "New Delhi", "Rio de Janeiro", "Minsk",
          "Ankara", "Tashkent", "Bishkek", "Dushanbe", "Johannesburg", "São Paulo")  # fmt: skip
RU_CITIES = ("Москва", "Самарканд", "Астана", "Минск", "Пекин", "Ташкент")
MONTHS = ("January", "February", "March", "April", "May", "June", "July", "August",
          "September", "October", "November", "December")  # fmt: skip
RU_MONTHS = ("января", "февраля", "марта", "апреля", "мая", "июня", "июля", "августа",
             "сентября", "октября", "ноября", "декабря")  # fmt: skip
EMOJI = ("🎙", "💬", "❓", "✅", "👉", "🌐", "📃", "🇺🇳", "🔹", "❗️", "☝️", "🤝", "📈", "🇷🇺🇨🇳",
         "🇷🇺🇮🇳", "✍️", "•", "⚡️", "📄", "🇧🇷", "🇹🇷", "")  # fmt: skip
TAGS = ("SCO", "BRICS", "Lavrov", "UN", "G20", "CIS", "CSTO", "EAEU", "UNCharterIsOurRules",
        "Russia", "China", "India", "Türkiye", "ШОС", "БРИКС", "Лавров", "СНГ", "ООН",
        "Zakharova", "Eurasia")  # fmt: skip
EN_WORDS = (
    "the of and to in a on for with that is as by was at from this it are be have has "
    "foreign minister sergey lavrov talks cooperation international situation president "
    "russia china india brazil türkiye belarus uzbekistan kazakhstan partners relations "
    "security development strategic partnership summit meeting council organisation "
    "countries states regional global multipolar world economic trade sanctions west "
    "dialogue agenda ministers counterparts bilateral multilateral statement declaration "
    "charter principles sovereignty interests coordination efforts initiative framework "
    "integration transport energy finance currency dollar settlement conflict crisis "
    "ukraine palestinian israeli afghanistan eurasia asia-pacific africa latin america "
    "geopolitical reality transformation structure diplomacy community threats challenges "
    "confrontation alternative democratic legal interstate communication festival sports "
    "university greetings participants organisers guests victories achievements lifestyle "
    "competition atmosphere excerpts concept regional tracks comprehensive deepening ties "
    "enhancement centres power prosperity stability trust peace space common continental "
    "transform implies potential role ensuring promoting sustainable greater contour "
    "combining interconnectivity news conference visit republic remarks answers questions "
    "media programme television sidelines assessments align differences continue general "
    "assembly forthcoming wang yi xi jinping vladimir putin lula silva beijing samarkand "
    "zakharova briefing spokeswoman embassy consulate mission delegation negotiations "
    "consultations memorandum agreement treaty protocol ratification implementation "
    "café naïve résumé façade"
).split()
RU_WORDS = (
    "министр иностранных дел россии сергей лавров переговоры сотрудничество ситуация "
    "президент китай индия бразилия партнёры отношения безопасность развитие стратегическое "
    "партнёрство саммит встреча совет организация страны государства региональный "
    "глобальный многополярный мир экономический торговля санкции запад диалог повестка "
    "министры коллеги двусторонний многосторонний заявление декларация устав принципы "
    "суверенитет интересы координация усилия инициатива интеграция транспорт энергетика "
    "финансы валюта урегулирование конфликт кризис евразия африка латинская америка "
    "и в на с по для что это как от за при о к из у не"
).split()


def _zipf_cumulative(count: int) -> list[float]:
    total = 0.0
    out: list[float] = []
    for rank in range(1, count + 1):
        total += 1.0 / rank**0.9
        out.append(total)
    return out


_EN_CUM = _zipf_cumulative(len(EN_WORDS))
_RU_CUM = _zipf_cumulative(len(RU_WORDS))
START = dt.date(2015, 1, 1)
DAYS = 3650  # the archive spans ten years whatever its size


@dataclass(frozen=True, slots=True)
class SynthPost:
    """One generated post: everything both formats need."""

    number: int
    source: str
    when: dt.datetime
    media: bool
    read_in_full: bool
    doubled: bool
    title: str
    dateline: str | None  # a line after the title, or None (the date may sit in the title)
    body: tuple[str, ...]


def _sentence(rnd: random.Random, words: int, russian: bool) -> str:
    vocab, cum = (RU_WORDS, _RU_CUM) if russian else (EN_WORDS, _EN_CUM)
    picked = rnd.choices(vocab, cum_weights=cum, k=words)
    if rnd.random() < 0.3:
        picked[rnd.randrange(words)] = "#" + rnd.choice(TAGS)
    if rnd.random() < 0.2:
        picked[rnd.randrange(words)] = f"{rnd.randrange(2, 500)}"
    text = " ".join(picked)
    return text[0].upper() + text[1:] + rnd.choice((".", ".", ".", "!", ";", "?", ":"))


#: Lines and subjects each seed draws its posts from: enough that no two posts share a text
#: (the titles are numbered anyway), few enough that generating them once costs a second or two.
POOL = 20_000


@functools.cache
def _pools(seed: int) -> dict[bool, tuple[tuple[str, ...], tuple[str, ...]]]:
    """Per language (Russian or not): body lines and title subjects, made once per seed, so a
    post costs a few draws, not a hundred (a million posts in minutes, not hours)."""
    rnd = random.Random(seed)
    pools: dict[bool, tuple[tuple[str, ...], tuple[str, ...]]] = {}
    for russian, size in ((False, POOL), (True, POOL // 3)):
        lines = tuple(f"{rnd.choice(EMOJI)} {_sentence(rnd, rnd.randint(4, 40), russian)}".strip()
                      for _ in range(size))  # fmt: skip
        subjects = tuple(_sentence(rnd, rnd.randint(6, 22), russian).rstrip(".!;?:")
                         for _ in range(size))  # fmt: skip
        pools[russian] = (lines, subjects)
    return pools


def post(seed: int, number: int, total: int) -> SynthPost:
    """Post `number` (0-based) of an archive of `total` posts; the same for the same seed. The
    posts of an archive are spread evenly over ten years, in order."""
    rnd = random.Random(seed * 1_000_003 + number)
    when = dt.datetime.combine(START, dt.time(6)) + dt.timedelta(
        seconds=number * DAYS * 86_400 // max(total, 1))
    day = when.date()
    russian = rnd.random() < 0.25
    lines_pool, subjects = _pools(seed)[russian]
    subject = rnd.choice(subjects)
    month = MONTHS[day.month - 1]
    style = rnd.random()
    dateline: str | None = None
    title = f"{rnd.choice(EMOJI)} {subject} (No. {number + 1})".strip()
    if style < 0.35:
        dateline = f"📍 {rnd.choice(CITIES)}, {month} {day.day}, {day.year}"
    elif style < 0.5:
        title = f"{title} ({rnd.choice(CITIES)}, {month} {day.day}, {day.year})"
    elif style < 0.62:  # the year is missing: it will be inferred
        title = f"{rnd.choice(EMOJI)} On {month} {day.day}, {subject[0].lower()}{subject[1:]}"
        title += f" (No. {number + 1})"
    elif style < 0.72:
        ru_month = RU_MONTHS[day.month - 1]
        dateline = f"📍 {rnd.choice(RU_CITIES)}, {day.day} {ru_month} {day.year} года"
    elif style < 0.78:
        dateline = f"{month} {day.year}"
    # else: undated; it falls between its neighbours
    size = rnd.random()
    lines = 1 if size < 0.1 else rnd.randint(2, 8) if size < 0.7 else rnd.randint(9, 24)
    return SynthPost(
        number=number,
        source=rnd.choice(SOURCES),
        when=when,
        media=rnd.random() < 0.25,
        read_in_full=rnd.random() < 0.4,
        doubled=rnd.random() < 0.85,
        title=title,
        dateline=dateline,
        body=tuple(rnd.choices(lines_pool, k=lines)),
    )


def posts(seed: int, total: int, start: int = 0, stop: int | None = None) -> Iterator[SynthPost]:
    for number in range(start, total if stop is None else stop):
        yield post(seed, number, total)


def webcopy_lines(p: SynthPost) -> list[str]:
    """The post as a web-preview copy shows it: header, placeholders, body twice."""
    out = [f"Forwarded from {p.source}"]
    if p.media:
        out += ["Media is too big", "VIEW IN TELEGRAM"]
    first = [p.title] + ([p.dateline] if p.dateline else []) + list(p.body)
    out += first
    link = ["👉 Read in full" if p.number % 2 else "Read in full"] if p.read_in_full else []
    out += link
    if p.doubled:
        second = ([p.dateline] if p.dateline else []) + list(p.body)
        if len(second) >= 1 and len(first) > 1:
            out += second + link
    return out


def write_webcopy(path: Path, total: int, seed: int = 7, start: int = 0,
                  stop: int | None = None) -> Path:  # fmt: skip
    """Write posts [start, stop) of a `total`-post archive as a web copy."""
    with path.open("w", encoding="utf-8") as fh:
        for p in posts(seed, total, start, stop):
            fh.write("\n".join(webcopy_lines(p)))
            fh.write("\n")
    return path


_TAG_SPLIT = re.compile(r"(#[^\s.!;?:]+)")  # a "#" starts a tag, nothing else


def _parts(rnd: random.Random, text: str) -> list[str | dict[str, str]]:
    """The text as Telegram's list of plain strings and entity objects, as real exports write
    it: hashtags as entities, adjacent plain strings as one, and now and then a bold title."""
    merged: list[str | dict[str, str]] = []
    if rnd.random() < 0.3:
        title, newline, text = text.partition("\n")
        merged += [{"type": "bold", "text": title}, newline]
    for index, piece in enumerate(_TAG_SPLIT.split(text)):
        if index % 2:
            merged.append({"type": "hashtag", "text": piece})
        elif piece:
            if merged and isinstance(merged[-1], str):
                merged[-1] += piece
            else:
                merged.append(piece)
    return [part for part in merged if part != ""]


def message_json(message: dict[str, object]) -> str:
    """`json.dumps(message, ensure_ascii=False, indent=1)` of a message as `desktop_message`
    makes it (flat values, lists of strings and flat objects), several times faster: json's
    indenting encoder is pure Python, and a million messages are written."""
    fields = []
    for key, value in message.items():
        if isinstance(value, list):
            items = [
                "  {\n" + ",\n".join(f'   "{k}": {encode_basestring(v)}' for k, v in item.items())
                + "\n  }" if isinstance(item, dict) else "  " + encode_basestring(item)
                for item in value
            ]  # fmt: skip
            rendered = "[\n" + ",\n".join(items) + "\n ]" if items else "[]"
        elif isinstance(value, str):
            rendered = encode_basestring(value)
        else:
            rendered = json.dumps(value)
        fields.append(f' "{key}": {rendered}')
    return "{\n" + ",\n".join(fields) + "\n}"


def desktop_message(p: SynthPost) -> dict[str, object]:
    rnd = random.Random(p.number)
    text = "\n".join([p.title] + ([p.dateline] if p.dateline else []) + list(p.body))
    message: dict[str, object] = {
        "id": p.number + 2,
        "type": "message",
        "date": p.when.isoformat(),
        "date_unixtime": str(int(p.when.replace(tzinfo=dt.UTC).timestamp()) - 3 * 3600),
        "from": p.source,
        "from_id": "channel1234567890",
    }
    if p.media:
        message["photo"] = "(File not included. Change data exporting settings to download.)"
        message["width"] = 1280
        message["height"] = 720
    if rnd.random() < 0.5 and "#" not in text:
        message["text"] = text
        message["text_entities"] = [{"type": "plain", "text": text}]
    else:
        parts = _parts(rnd, text)
        if p.read_in_full:
            href = f"https://mid.ru/en/news/{1_800_000 + p.number}/"
            parts += ["\n", {"type": "text_link", "text": "Read in full", "href": href}]
        message["text"] = parts
        message["text_entities"] = [
            part if isinstance(part, dict) else {"type": "plain", "text": part} for part in parts
        ]
    return message


def write_result_json(path: Path, total: int, seed: int = 7) -> Path:
    """Write a `total`-post channel as Telegram Desktop's result.json (indent 1, as it does)."""
    writer = ResultJsonWriter(path)
    for p in posts(seed, total):
        writer.add(p)
    return writer.close()


def overlapping_webcopies(folder: Path, total: int, files: int = 3, overlap: int = 20,
                          seed: int = 7) -> list[Path]:  # fmt: skip
    """`files` web copies covering consecutive ranges that overlap by `overlap` posts."""
    folder.mkdir(parents=True, exist_ok=True)
    step = total // files
    out: list[Path] = []
    for index, start in enumerate(itertools.islice(range(0, total, step), files)):
        stop = total if index == files - 1 else min(total, start + step + overlap)
        out.append(write_webcopy(folder / f"part{index + 1}.txt", total, seed, start, stop))
    return out


_HTML_HEAD = """<!DOCTYPE html>
<html>

 <head>

  <meta charset="utf-8"/>
<title>Exported Data</title>
  <meta content="width=device-width, initial-scale=1.0" name="viewport"/>

  <link href="css/style.css" rel="stylesheet"/>

  <script src="js/script.js" type="text/javascript">

  </script>

 </head>

 <body onload="CheckLocation();">

  <div class="page_wrap">

   <div class="page_header">

    <div class="content">

     <div class="text bold">
Russian MFA
     </div>

    </div>

   </div>

   <div class="page_body chat_page">

    <div class="history">
"""
_HTML_TAIL = """
    </div>

   </div>

  </div>

 </body>

</html>
"""
_PAGE_LINK = '\n     <a class="pagination block_link" href="{name}">\n{words}\n     </a>\n'
_USERPIC = ('\n      <div class="pull_left userpic_wrap">\n\n       <div class="userpic userpic6" '
            'style="width: 42px; height: 42px">\n\n        <div class="initials" '
            'style="line-height: 42px">\nR\n        </div>\n\n       </div>\n\n      </div>\n')


def _html_text(line: str) -> str:
    out = html.escape(line, quote=False)
    return re.sub(r"#([^\W_]+)", lambda m: '<a href="" onclick="return ShowHashtag(&quot;'
                  f'{m[1]}&quot;)">#{m[1]}</a>', out)


@functools.cache
def _html_body_line(line: str) -> str:
    """`_html_text` of a body line: they come from a pool, so each is escaped once."""
    return _html_text(line)


def desktop_html_message(p: SynthPost, joined: bool = False) -> str:
    """One message as Telegram Desktop's HTML export writes it; a `joined` one continues the
    sender above it (no userpic, no name), as consecutive messages of one sender do."""
    text = "<br>".join([_html_text(p.title), *([_html_text(p.dateline)] if p.dateline else []),
                        *map(_html_body_line, p.body)])  # fmt: skip
    if p.read_in_full:
        text += f'<br><a href="https://mid.ru/en/news/{1_800_000 + p.number}/">Read in full</a>'
    stamp = p.when.strftime("%d.%m.%Y %H:%M:%S") + " UTC+03:00"
    media = ""
    if p.media:
        media = ('\n       <div class="media_wrap clearfix">\n\n        <div class="media '
                 'clearfix pull_left media_photo">\n\n         <div class="body">\n\n'
                 '          <div class="title bold">\nPhoto\n          </div>\n\n'
                 '         </div>\n\n        </div>\n\n       </div>\n')
    sender = ("" if joined else
              f'\n       <div class="from_name">\n{html.escape(p.source)}\n       </div>\n')
    return (f'\n     <div class="message default clearfix{" joined" if joined else ""}" '
            f'id="message{p.number + 2}">\n'
            f'{"" if joined else _USERPIC}\n'
            '      <div class="body">\n\n'
            f'       <div class="pull_right date details" title="{stamp}">\n'
            f'{p.when:%H:%M}\n       </div>\n'
            f'{sender}{media}\n       <div class="text">\n{text}\n       </div>\n\n'
            '      </div>\n\n     </div>\n')  # fmt: skip


def html_page_name(index: int) -> str:
    """`messages.html`, `messages2.html`, …: the names Telegram Desktop gives its pages."""
    return "messages.html" if index == 0 else f"messages{index + 1}.html"


class HtmlExportWriter:
    """Writes posts as a Telegram Desktop HTML export, one page of `per_file` messages at a
    time (constant memory): a date line where the day changes and at the top of each page,
    joined messages for consecutive posts of one sender, and the pages' Previous/Next links."""

    def __init__(self, folder: Path, per_file: int = 1000) -> None:
        folder.mkdir(parents=True, exist_ok=True)
        self.folder, self.per_file = folder, per_file
        self.pages: list[Path] = []
        self._fh: Any = None
        self._in_page = 0
        self._day: dt.date | None = None
        self._sender: str | None = None
        self._service_id = -1

    def add(self, p: SynthPost) -> None:
        if self._fh is None or self._in_page == self.per_file:
            self._next_page()
        joined = p.source == self._sender and p.when.date() == self._day
        if p.when.date() != self._day:
            self._fh.write(f'\n     <div class="message service" id="message{self._service_id}">'
                           f'\n\n      <div class="body details">\n{p.when.day} '
                           f'{MONTHS[p.when.month - 1]} {p.when.year}\n      </div>\n\n'
                           '     </div>\n')  # fmt: skip
            self._service_id -= 1
            self._day = p.when.date()
        self._fh.write(desktop_html_message(p, joined))
        self._sender = p.source
        self._in_page += 1

    def _next_page(self, last: bool = False) -> None:
        if self._fh is not None:
            if not last:
                name = html_page_name(len(self.pages))
                self._fh.write(_PAGE_LINK.format(name=name, words="Next messages"))
            self._fh.write(_HTML_TAIL)
            self._fh.close()
            self._fh = None
        if last:
            return
        path = self.folder / html_page_name(len(self.pages))
        self._fh = path.open("w", encoding="utf-8")
        self._fh.write(_HTML_HEAD)
        if self.pages:
            previous = html_page_name(len(self.pages) - 1)
            self._fh.write(_PAGE_LINK.format(name=previous, words="Previous messages"))
        self.pages.append(path)
        self._in_page, self._day, self._sender = 0, None, None

    def close(self) -> list[Path]:
        self._next_page(last=True)
        return self.pages


def write_html_export(folder: Path, total: int, per_file: int = 1000, seed: int = 7,
                      start: int = 0, stop: int | None = None) -> list[Path]:  # fmt: skip
    """Write posts [start, stop) of a `total`-post channel as Telegram Desktop's HTML export:
    `messages.html`, `messages2.html`, … of `per_file` messages each, in one folder."""
    writer = HtmlExportWriter(folder, per_file)
    for p in posts(seed, total, start, stop):
        writer.add(p)
    return writer.close()


class ResultJsonWriter:
    """Writes posts as Telegram Desktop's result.json (indent 1, as it does), one at a time."""

    def __init__(self, path: Path) -> None:
        self.path = path
        self._fh = path.open("w", encoding="utf-8")
        self._fh.write('{\n "name": "Russian MFA",\n "type": "public_channel",\n'
                       ' "id": 1234567890,\n "messages": [\n')  # fmt: skip
        self._first = True

    def add(self, p: SynthPost) -> None:
        body = message_json(desktop_message(p))
        self._fh.write(("  " if self._first else ",\n  ") + body.replace("\n", "\n  "))
        self._first = False

    def close(self) -> Path:
        self._fh.write("\n ]\n}\n")
        self._fh.close()
        return self.path


class WebcopyWriter:
    """Writes posts as a web-preview copy, one at a time."""

    def __init__(self, path: Path) -> None:
        self.path = path
        self._fh = path.open("w", encoding="utf-8")

    def add(self, p: SynthPost) -> None:
        self._fh.write("\n".join(webcopy_lines(p)))
        self._fh.write("\n")

    def close(self) -> Path:
        self._fh.close()
        return self.path


#: The archive formats the benchmark measures, and where each lives in an archive's folder.
FORMATS = {"webcopy": "webcopy.txt", "html": "html", "json": "result.json"}


def write_archives(folder: Path, total: int, formats: Sequence[str] = tuple(FORMATS),
                   seed: int = 7, per_file: int = 1000,
                   progress: Callable[[int], None] | None = None) -> dict[str, Path]:  # fmt: skip
    """The same `total` posts in each of `formats`, generated once and written side by side in
    one pass (constant memory, whatever `total`): `folder/webcopy.txt`, `folder/html/` (an
    HTML export of `per_file` messages a page) and `folder/result.json`."""
    folder.mkdir(parents=True, exist_ok=True)
    writers: dict[str, Any] = {}
    for name in formats:
        target = folder / FORMATS[name]
        if name == "webcopy":
            writers[name] = WebcopyWriter(target)
        elif name == "html":
            writers[name] = HtmlExportWriter(target, per_file)
        else:
            writers[name] = ResultJsonWriter(target)
    for p in posts(seed, total):
        for writer in writers.values():
            writer.add(p)
        if progress is not None and p.number % 10_000 == 0:
            progress(p.number)
    for writer in writers.values():
        writer.close()
    return {name: folder / FORMATS[name] for name in formats}


#: Bump when what write_archives writes changes: archives cached by an older one are rewritten.
ARCHIVES_VERSION = "3"


def ensure_archives(folder: Path, total: int,
                    progress: Callable[[int], None] | None = None) -> dict[str, Path]:  # fmt: skip
    """`write_archives(folder, total)`, unless a finished run of this version already wrote
    them there (a marker file is written last, so an interrupted run is started again)."""
    marker = folder / "archives.done"
    ours = {html_page_name(n) for n in range(-(-total // 1000))}
    for page in (folder / FORMATS["html"]).glob("messages*.html"):
        if page.name not in ours:  # a page the benchmark added, left by a run that was stopped
            page.unlink()
    if not (marker.exists() and marker.read_text() == f"{ARCHIVES_VERSION} {total}"):
        marker.unlink(missing_ok=True)
        shutil.rmtree(folder / FORMATS["html"], ignore_errors=True)
        write_archives(folder, total, progress=progress)
        marker.write_text(f"{ARCHIVES_VERSION} {total}")
    return {name: folder / FORMATS[name] for name in FORMATS}


def main(argv: Sequence[str]) -> int:
    if argv[:1] == ["--archives"]:  # all three formats, cached: --archives N FOLDER
        count, folder = int(argv[1]), Path(argv[2])
        made = ensure_archives(folder, count, lambda done: print(f"{done:,}", file=sys.stderr))
        for name, path in made.items():
            files = sorted(path.iterdir()) if path.is_dir() else [path]
            print(f"{name}: {path} ({len(files)} files, "
                  f"{sum(f.stat().st_size for f in files):,} bytes)")  # fmt: skip
        return 0
    count, target = int(argv[0]), Path(argv[1])
    if target.suffix == ".json":
        write_result_json(target, count)
    elif target.suffix == ".txt":
        write_webcopy(target, count)
    else:  # a folder: an HTML export in pages of 1,000 messages
        pages = write_html_export(target, count)
        size = sum(page.stat().st_size for page in pages)
        print(f"{target}/: {count} posts in an HTML export of {len(pages)} pages, {size:,} bytes")
        return 0
    print(f"{target}: {count} posts, {target.stat().st_size:,} bytes")
    return 0


if __name__ == "__main__":
    raise SystemExit(main(sys.argv[1:]))
