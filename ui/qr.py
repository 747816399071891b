"""QR codes for join links, so a room can scan the address from the shared screen instead of typing it."""

from __future__ import annotations

import io
from typing import Final

import segno

MODULE_PIXELS: Final = 6
"""Pixels per QR module: a 43-character token's link (about 57 modules with the border) is about 350 px wide."""
QUIET_ZONE: Final = 4
"""Modules of white border that scanners need around the code."""


def qr_png(text: str, *, scale: int = MODULE_PIXELS) -> bytes:
    """Return `text` as a QR code in PNG bytes (error correction M, a four-module quiet zone)."""
    if not text:
        raise ValueError("A QR code needs some text; give the join link it should open.")
    buffer = io.BytesIO()
    segno.make(text, error="m", micro=False, boost_error=False).save(buffer, kind="png", scale=scale, border=QUIET_ZONE)
    return buffer.getvalue()
