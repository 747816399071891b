"""The app's own address as this browser reached it: where join links point."""

from __future__ import annotations

from typing import Final

import streamlit as st

FALLBACK_URL: Final = "http://localhost:8501"


def base_url() -> str:
    """The app's address as this browser reached it, without the page path (localhost when unknown)."""
    url = str(st.context.url or FALLBACK_URL)
    scheme, _, rest = url.partition("://")
    return f"{scheme}://{rest.split('/', 1)[0]}"
