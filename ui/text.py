"""Show user text as text: escape it before it goes into Streamlit's markdown."""

from __future__ import annotations

import re

# CommonMark lets any ASCII punctuation be escaped with a backslash; Streamlit adds its own syntax
# on top ($ for LaTeX, :colour[...] and :material/icon: directives), which the same escape defeats.
_PUNCTUATION = re.compile(r"([!-/:-@\[-`{-~])")
# Streamlit's markdown turns bare URLs, www. names and e-mail addresses into live links after escaping
# has been applied (GFM autolink literals work on the parsed text), so escaping alone cannot stop them.
# An invisible word joiner (U+2060) inside the pattern ("http\u2060://", "www\u2060.", "a@\u2060b")
# breaks the match while the text still reads the same.
_AUTOLINK_STARTS = re.compile(r"(?i)(\b(?:https?|ftp|mailto|www|xmpp)|@)(?=[:.\w])")
WORD_JOINER = "\u2060"


def md(text: object) -> str:
    """Return `text` escaped so that markdown shows it literally (no links, images, HTML or LaTeX)."""
    unlinked = _AUTOLINK_STARTS.sub(lambda match: match.group(1) + WORD_JOINER, str(text))
    escaped = _PUNCTUATION.sub(r"\\\1", unlinked)
    # Line breaks stay visible as line breaks instead of joining into one paragraph.
    return escaped.replace("\r\n", "\n").replace("\n", "  \n")


def counted(count: int, singular: str, plural: str | None = None) -> str:
    """Return a count with its noun in the right number: "1 vote", "3 votes", "2 exercises or incidents"."""
    return f"{count} {singular if count == 1 else plural or singular + 's'}"
