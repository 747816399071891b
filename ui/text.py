"""Show user text as text: escape it before it goes into Streamlit's markdown."""

from __future__ import annotations

import re

# CommonMark lets any ASCII punctuation be escaped with a backslash; Streamlit adds its own syntax
# on top ($ for LaTeX, :colour[...] and :material/icon: directives), which the same escape defeats.
_PUNCTUATION = re.compile(r"([!-/:-@\[-`{-~])")


def md(text: object) -> str:
    """Return `text` escaped so that markdown shows it literally (no links, images, HTML or LaTeX)."""
    escaped = _PUNCTUATION.sub(r"\\\1", str(text))
    # Line breaks stay visible as line breaks instead of joining into one paragraph.
    return escaped.replace("\r\n", "\n").replace("\n", "  \n")
