"""User text goes into Streamlit's markdown as text: no markup, no links, no directives."""

from __future__ import annotations

import re

import pytest

from ui.text import WORD_JOINER, counted, md

# The literal-autolink patterns of GitHub-flavoured markdown, which Streamlit applies to the parsed text.
GFM_URL = re.compile(r"(?i)(https?://|www(?=\.))[-.\w]+")
GFM_EMAIL = re.compile(r"[-.\w+]+@[-\w]+(?:\.[-\w]+)+")


def shown(text: str) -> str:
    """What markdown displays for an escaped text: backslash escapes removed, line breaks joined."""
    return re.sub(r"\\(.)", r"\1", md(text)).replace("  \n", "\n")


@pytest.mark.parametrize(
    "text",
    [
        "see https://example.com/path?q=1",
        "HTTP://EXAMPLE.COM",
        "www.example.org",
        "mail ana@example.com",
        "ftp://files.example.com",
    ],
)
def test_bare_urls_and_addresses_no_longer_match_the_autolink_patterns(text: str) -> None:
    assert not GFM_URL.search(shown(text)) and not GFM_EMAIL.search(shown(text))


@pytest.mark.parametrize("text", ["https://example.com", "a@b.co", "<b>x</b> [l](http://x) $x$ :red[x]"])
def test_escaped_text_reads_the_same_once_the_invisible_joiners_are_removed(text: str) -> None:
    assert shown(text).replace(WORD_JOINER, "") == text


def test_markdown_syntax_is_escaped() -> None:
    assert md("*a* [l](u) <b> $x$") == r"\*a\* \[l\]\(u\) \<b\> \$x\$"


def test_line_breaks_stay_line_breaks() -> None:
    assert md("one\ntwo") == "one  \ntwo"


@pytest.mark.parametrize(
    ("count", "singular", "plural", "expected"),
    [
        (0, "vote", None, "0 votes"),
        (1, "vote", None, "1 vote"),
        (2, "open disagreement", None, "2 open disagreements"),
        (1, "exercise or incident", "exercises or incidents", "1 exercise or incident"),
        (3, "exercise or incident", "exercises or incidents", "3 exercises or incidents"),
    ],
)
def test_counted_puts_the_noun_in_the_number_its_count_asks_for(count, singular, plural, expected):
    assert counted(count, singular, plural) == expected
