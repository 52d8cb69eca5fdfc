"""What a saved t.me page's links and page fields are, whichever tokenizer read it.

lxml hands a run of text over in pieces (it cuts it at every character reference), and
html.parser in one: the link's words are the same either way (they were `AT & T` through
lxml for `AT&amp;T`). A page field written as no number is no number, never a traceback.
"""

from __future__ import annotations

from pathlib import Path

import pytest
from conftest import write_dump
from tmeserver import FakeChannel, FakePost, render_page

from tui.ingest.tme_page import parse, read_page
from tui.model import Link


def page_with(text_html: str) -> str:
    """A page of three posts, the middle one's text written as `text_html`."""
    channel = FakeChannel("chan", "Chan & Co")
    channel.add(2)
    channel.posts[1:1] = [FakePost(7, "2024-02-03T10:00:00+00:00", "@@7@@")]
    return render_page(channel, channel.posts, 1).replace("@@7@@", text_html)


@pytest.mark.parametrize(("text_html", "words"), [
    ('<a href="https://x.org/">AT&amp;T &#36;5 &nbsp;now</a>', "AT&T $5 now"),
    ('<a href="https://x.org/">caf&eacute; &lt;b&gt;</a>', "café <b>"),
    ('<a href="https://x.org/">a<b>b</b>c<br/>d<i></i>e</a>', "a b c d e"),  # pieces by tags
    ('<a href="https://x.org/">a<!-- c -->b</a>', "ab"),
])  # fmt: skip
def test_link_words_are_the_same_through_both_tokenizers(text_html: str, words: str) -> None:
    markup = page_with(text_html)
    for tokenizer in ("lxml", "stdlib"):
        post = read_page(markup, tokenizer).posts[1]
        assert post.links == (Link(words, "https://x.org/"),)


@pytest.mark.parametrize("before", ["²", "٣", "9" * 5000, "-1", "", "12a"],
                         ids=["superscript", "arabic-indic", "5000 digits", "negative", "empty",
                              "letters"])  # fmt: skip
def test_a_link_to_older_posts_with_no_number_is_none(tmp_path: Path, before: str) -> None:
    markup = page_with("x").replace('data-before="1"', f'data-before="{before}"')
    for tokenizer in ("lxml", "stdlib"):
        page = read_page(markup, tokenizer)
        assert page.before is None and [p.message_id for p in page.posts] == [1, 7, 2]
    warnings: list[str] = []
    posts = list(parse(write_dump(tmp_path, markup, "page.html"), warnings.append))
    assert [p.message_id for p in posts] == [1, 7, 2] and warnings == []
