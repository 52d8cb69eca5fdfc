"""Whole files to clean posts: the bundled sample's acceptance, cross-post dedupe, ids, order."""

from __future__ import annotations

from collections import Counter
from pathlib import Path

from conftest import load_clean, load_posts, write_dump

from tui.clean import norm_line


class TestBundledSample:
    def test_nine_posts_with_the_dates_a_reader_sees_in_the_text(self, sample_path: Path) -> None:
        posts = load_clean(sample_path)
        assert len(posts) == 9
        assert [(p.date_iso(), p.date_inferred, p.date_bounds) for p in posts] == [
            ("2022-09-15", False, None),  # 📍 Samarkand, September 15, 2022
            (None, False, ("2022-09-15", "2023-04-14")),  # "Outcomes of 2022": no day
            (None, False, ("2022-09-15", "2023-04-14")),
            ("2023-04-14", False, None),  # 📍 Samarkand, April 14, 2023
            ("2023-04-29", False, None),  # (Moscow, April 29, 2023)
            (None, False, ("2023-04-29", "2024-01-10")),
            ("2024-01-10", True, None),  # On January 10, after April 2023
            ("2024-02-21", True, None),  # On February 21-22
            ("2024-07-04", False, None),  # (Astana, July 4, 2024)
        ]

    def test_first_post_is_its_first_copy_only(self, sample_path: Path) -> None:
        lines = sample_path.read_text(encoding="utf-8").split("\n")
        first = load_clean(sample_path)[0]
        assert lines[3].startswith("🎙 Foreign Minister Sergey Lavrov’s answers")
        assert lines[8].startswith("💬 Sergey Lavrov: Our assessments")
        assert first.text == "\n".join(lines[3:9])
        assert first.title == lines[3]
        assert first.has_media
        assert first.hashtags == ("SCO", "Lavrov")
        assert first.source == "Russian MFA 🇷🇺"
        assert (first.origin.path, first.origin.line) == (str(sample_path), 1)

    def test_no_line_twice_and_no_placeholder_in_any_text(self, sample_path: Path) -> None:
        for post in load_clean(sample_path):
            keys = [norm_line(line) for line in post.paragraphs() if norm_line(line)]
            assert [k for k, n in Counter(keys).items() if n > 1] == [], post.title
            assert not any(k.endswith("Read in full") or k.startswith("Forwarded from")
                           for k in keys)  # fmt: skip
            assert not {"Media is too big", "VIEW IN TELEGRAM"} & set(keys)

    def test_every_id_is_distinct(self, sample_path: Path) -> None:
        assert len({p.id for p in load_clean(sample_path)}) == 9


POST_A = "Forwarded from X\nTitle A\n📍 Moscow, March 1, 2022\nBody A\n"
POST_B = "Forwarded from X\nTitle B\n📍 Moscow, May 1, 2022\nBody B\n"
POST_C = "Forwarded from Y\nTitle C\nNo date here\n"


class TestCrossPostDedupe:
    def test_same_post_forwarded_twice_is_listed_once_with_both_places(
        self, tmp_path: Path
    ) -> None:
        again = POST_A.replace("Body A", "Body\u00a0 A")  # spaced differently: the same text
        path = write_dump(tmp_path, POST_A + POST_B + again + "\n")
        posts = load_clean(path)
        assert [p.title for p in posts] == ["Title A", "Title B"]
        assert posts[0].occurrences == 2
        assert [o.line for o in posts[0].origins] == [1, 9]
        assert posts[1].occurrences == 1

    def test_the_same_words_from_another_source_are_another_post(self, tmp_path: Path) -> None:
        again = POST_A.replace("Forwarded from X", "Forwarded from Z")
        posts = load_clean(write_dump(tmp_path, POST_A + again))
        assert [(p.source, p.occurrences) for p in posts] == [("X", 1), ("Z", 1)]
        assert len({p.id for p in posts}) == 2

    def test_the_same_words_on_another_day_are_another_post(self, tmp_path: Path) -> None:
        later = POST_A.replace("March 1, 2022", "March 2, 2022")
        same_text_no_date = "Forwarded from X\nHello\n"
        posts = load_clean(write_dump(tmp_path, POST_A + same_text_no_date + later))
        assert [p.title for p in posts] == ["Title A", "Hello", "Title A"]
        assert [p.date_iso() for p in posts] == ["2022-03-01", None, "2022-03-02"]

    def test_copies_in_two_files_count_as_one_post(self, tmp_path: Path) -> None:
        one = write_dump(tmp_path, POST_A + POST_B, "one.txt")
        two = write_dump(tmp_path, POST_B, "two.txt", crlf=True)
        posts = load_clean(one, two)
        assert [p.title for p in posts] == ["Title A", "Title B"]
        assert [(o.path, o.line) for o in posts[1].origins] == [(str(one), 5), (str(two), 1)]


class TestIds:
    def test_appending_posts_keeps_every_id(self, tmp_path: Path) -> None:
        before = {p.title: p.id for p in load_clean(write_dump(tmp_path, POST_A + POST_C, "a.txt"))}
        grown = load_clean(write_dump(tmp_path, POST_A + POST_C + POST_B, "b.txt"))
        assert {p.title: p.id for p in grown if p.title in before} == before

    def test_opening_files_in_another_order_keeps_every_id(self, tmp_path: Path) -> None:
        one = write_dump(tmp_path, POST_A + POST_C, "one.txt")
        two = write_dump(tmp_path, POST_B, "two.txt")
        forward = {p.title: p.id for p in load_clean(one, two)}
        backward = {p.title: p.id for p in load_clean(two, one)}
        assert forward == backward and len(forward) == 3


def dated(title: str, date: str) -> str:
    return f"Forwarded from X\n{title}\n📍 Moscow, {date}\nBody of {title}\n"


class TestReadingOrder:
    def test_two_files_interleave_by_date_and_keep_their_own_order(self, tmp_path: Path) -> None:
        one = write_dump(tmp_path, dated("A1", "January 5, 2022") + POST_C.replace("C", "A2")
                         + dated("A3", "March 5, 2022"), "one.txt")  # fmt: skip
        two = write_dump(tmp_path, dated("B1", "February 5, 2022")
                         + dated("B2", "April 5, 2022"), "two.txt")  # fmt: skip
        assert [p.title for p in load_clean(two, one)] == ["A1", "Title A2", "B1", "A3", "B2"]

    def test_undated_posts_opening_a_file_stay_just_before_its_first_dated_post(
        self, tmp_path: Path
    ) -> None:
        one = write_dump(tmp_path, dated("A1", "January 5, 2022")
                         + dated("A2", "March 5, 2022"), "one.txt")  # fmt: skip
        two = write_dump(tmp_path, "Forwarded from X\nPreface with no date\n"
                         + dated("B1", "February 5, 2022"), "two.txt")  # fmt: skip
        titles = [p.title for p in load_clean(one, two)]
        assert titles == ["A1", "Preface with no date", "B1", "A2"]


class TestYearsAcrossPosts:
    def test_yearless_date_before_any_dated_post_takes_the_next_year(self, tmp_path: Path) -> None:
        text = ("Forwarded from X\nOn December 30, talks.\n"
                + dated("Next", "January 5, 2024"))  # fmt: skip
        first, second = load_clean(write_dump(tmp_path, text))
        assert (first.date_iso(), first.date_inferred) == ("2023-12-30", True)
        assert (second.date_iso(), second.date_inferred) == ("2024-01-05", False)

    def test_yearless_date_with_no_dated_neighbour_stays_undated(self, tmp_path: Path) -> None:
        text = "Forwarded from X\nOn March 8, greetings.\nForwarded from X\nNo date\n"
        posts = load_clean(write_dump(tmp_path, text))
        assert [(p.date, p.date_bounds) for p in posts] == [(None, None), (None, None)]

    def test_feb_29_without_year_finds_the_leap_year(self, tmp_path: Path) -> None:
        text = dated("Before", "April 29, 2023") + "Forwarded from X\nOn Feb 29, a call.\n"
        assert load_clean(write_dump(tmp_path, text))[1].date_iso() == "2024-02-29"

    def test_russian_language_dump(self, tmp_path: Path) -> None:
        text = (
            "Forwarded from МИД России 🇷🇺\n"
            "🎙 Ответы С.В.Лаврова на вопросы СМИ\n"
            "📍 Самарканд, 15 сентября 2022 года\n"
            "Вопрос: Как прошли переговоры? #ШОС\n"
            "📍 Самарканд, 15 сентября 2022 года\n"
            "Вопрос: Как прошли переговоры? #ШОС\n"
            "Forwarded from МИД России 🇷🇺\n"
            "🤝 21–22 февраля С.В.Лавров принял участие во встрече #Россия_Индия\n"
            "Подробнее\n"
        )
        first, second = load_clean(write_dump(tmp_path, text))
        assert first.source == "МИД России 🇷🇺"
        assert first.date_iso() == "2022-09-15" and first.hashtags == ("ШОС",)
        assert first.text.count("Вопрос") == 1
        assert (second.date_iso(), second.date_inferred) == ("2023-02-21", True)
        assert second.hashtags == ("Россия_Индия",)


class TestCopiesInSeveralFormats:
    def test_export_timestamp_wins_over_a_web_copy_of_the_same_post(self, tmp_path: Path) -> None:
        import json

        web = write_dump(tmp_path, "Forwarded from Chan\nOn May 3, a meeting.\n", "web.txt")
        export = tmp_path / "result.json"
        export.write_text(json.dumps({
            "name": "Chan", "type": "public_channel", "id": 1,
            "messages": [{"id": 7, "type": "message", "date": "2023-05-03T10:15:00",
                          "date_unixtime": "1683098100", "from": "Chan",
                          "text": "On May 3, a meeting.", "text_entities": [
                              {"type": "plain", "text": "On May 3, a meeting."}]}],
        }), encoding="utf-8")
        warnings: list[str] = []
        posts = load_posts([web, export], warnings.append)
        assert len(posts) == 1
        post = posts[0]
        assert post.occurrences == 2
        # The web copy alone could not know the year; the export's real time is exact.
        assert post.date_iso() == "2023-05-03" and not post.date_inferred
        assert post.datetime is not None and post.datetime.startswith("2023-05-03T")
        assert post.channel == "Chan"

    def test_a_folder_file_without_posts_is_skipped_with_a_warning(self, tmp_path: Path) -> None:
        import json

        folder = tmp_path / "dumps"
        folder.mkdir()
        write_dump(folder, "Forwarded from Chan\nHello\n", "web.txt")
        (folder / "result.json").write_text(json.dumps({
            "name": "Chan", "type": "public_channel", "id": 1,
            "messages": [{"id": 1, "type": "service", "date": "2023-05-03T10:15:00",
                          "action": "create_channel", "text": ""}],
        }), encoding="utf-8")
        warnings: list[str] = []
        posts = load_posts([folder], warnings.append)
        assert [p.text for p in posts] == ["Hello"]
        assert len(warnings) == 1 and "result.json: holds no posts" in warnings[0]
