"""The one colour scale for maturity levels, shared by the app's charts and tables and by the workbooks.

Levels run from red (the lowest level) through amber and yellow to green (the highest), using the
ColorBrewer RdYlGn 5-class palette: its steps differ in lightness as well as hue, so they stay apart
for readers with red-green colour blindness. A scale with another number of levels is mapped by each
level's position between the lowest and the highest level, between the palette's steps.
"""

from __future__ import annotations

import math
from collections.abc import Iterable, Sequence

import pandas as pd

PALETTE: tuple[str, ...] = ("#d7191c", "#fdae61", "#ffffbf", "#a6d96a", "#1a9641")
"""The five steps from the lowest level (red) to the highest (green)."""

UNANSWERED_COLOUR = "#bdbdbd"
"""A neutral grey for a practice or domain with no answer (and so no level) yet."""

NA_COLOUR = "#ececec"
"""A lighter grey for practices answered "not applicable", kept apart from unanswered ones."""

DARK_TEXT = "#000000"
LIGHT_TEXT = "#ffffff"


def level_scale(scale: Iterable[int]) -> tuple[int, ...]:
    """Return the distinct levels of `scale` in ascending order; an empty scale is an error."""
    levels = tuple(sorted(set(scale)))
    if not levels:
        raise ValueError("a level scale needs at least one level")
    return levels


def is_missing(level: object) -> bool:
    """Whether a value stands for "no level": None, or the NaN, pd.NA or NaT that pandas uses for empty cells."""
    if level is None:
        return True
    try:
        return bool(pd.isna(level))
    except (TypeError, ValueError):
        return False


def nearest_level(value: float, scale: Sequence[int]) -> int:
    """Return the level of `scale` nearest to `value`; halfway between two levels goes to the lower one."""
    levels = level_scale(scale)
    return min(levels, key=lambda level: (abs(level - value), level))


def _rgb(hex_colour: str) -> tuple[int, int, int]:
    digits = hex_colour.lstrip("#")
    if len(digits) != 6:
        raise ValueError(f"colour {hex_colour!r} is not a #rrggbb hex colour")
    return int(digits[0:2], 16), int(digits[2:4], 16), int(digits[4:6], 16)


def _hex(rgb: Sequence[float]) -> str:
    return "#" + "".join(f"{round(channel):02x}" for channel in rgb)


def _palette_at(position: float) -> str:
    """Return the palette colour at `position` (0 = lowest level, 1 = highest), between steps if needed."""
    where = min(max(position, 0.0), 1.0) * (len(PALETTE) - 1)
    below = math.floor(where)
    if below >= len(PALETTE) - 1 or math.isclose(where, below):
        return PALETTE[min(below, len(PALETTE) - 1)]
    share = where - below
    start, end = _rgb(PALETTE[below]), _rgb(PALETTE[below + 1])
    return _hex([a + (b - a) * share for a, b in zip(start, end, strict=True)])


def level_colour(level: int | float | None, scale: Sequence[int]) -> str:
    """Return the hex colour of a level (or of a fractional score, by its nearest level) on `scale`.

    None (and NaN) means no answer yet and gets UNANSWERED_COLOUR; N/A answers use NA_COLOUR directly.
    Values beyond the scale get the colour of its end.
    """
    if is_missing(level):
        return UNANSWERED_COLOUR
    levels = level_scale(scale)
    chosen = nearest_level(float(level), levels)
    low, high = levels[0], levels[-1]
    # A one-level scale has no position; it takes the middle of the palette.
    position = 0.5 if high == low else (chosen - low) / (high - low)
    return _palette_at(position)


def _relative_luminance(hex_colour: str) -> float:
    """Return the WCAG 2 relative luminance of a colour (0 = black, 1 = white)."""

    def linear(channel: int) -> float:
        value = channel / 255
        return value / 12.92 if value <= 0.04045 else ((value + 0.055) / 1.055) ** 2.4

    red, green, blue = (linear(channel) for channel in _rgb(hex_colour))
    return 0.2126 * red + 0.7152 * green + 0.0722 * blue


def contrast_ratio(first_hex: str, second_hex: str) -> float:
    """Return the WCAG 2 contrast ratio between two colours (1 to 21)."""
    lighter, darker = sorted((_relative_luminance(first_hex), _relative_luminance(second_hex)), reverse=True)
    return (lighter + 0.05) / (darker + 0.05)


def text_colour_on(background_hex: str) -> str:
    """Return black or white, whichever contrasts more with `background_hex`."""
    on_dark = contrast_ratio(background_hex, LIGHT_TEXT)
    on_light = contrast_ratio(background_hex, DARK_TEXT)
    return LIGHT_TEXT if on_dark > on_light else DARK_TEXT
