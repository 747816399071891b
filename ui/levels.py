"""The one colour scale for maturity levels, shared by every chart and table of the app and by the workbooks.

Levels run from red (the lowest level) through amber and yellow to green (the highest). The scale
itself (palette, greys, level_colour, nearest_level, text contrast) lives in exports.level_colours,
so the Excel exports colour levels exactly as the pages do; this module re-exports it under the same
names and adds what only the pages need: plotly colour scales, level labels and table styling.
"""

from __future__ import annotations

import numbers
from collections.abc import Sequence

import pandas as pd
from pandas.io.formats.style import Styler

from exports.level_colours import (
    DARK_TEXT,
    LIGHT_TEXT,
    NA_COLOUR,
    PALETTE,
    UNANSWERED_COLOUR,
    contrast_ratio,
    is_missing,
    level_colour,
    level_scale,
    nearest_level,
    text_colour_on,
)
from questionnaires.model import Questionnaire

__all__ = [
    "DARK_TEXT",
    "LIGHT_TEXT",
    "NA_COLOUR",
    "PALETTE",
    "UNANSWERED_COLOUR",
    "colorscale_bounds",
    "contrast_ratio",
    "level_cell_css",
    "level_colour",
    "level_label",
    "level_text",
    "nearest_level",
    "plotly_colorscale",
    "style_levels",
    "text_colour_on",
]


def colorscale_bounds(scale: Sequence[int]) -> tuple[float, float]:
    """Return the zmin and zmax that put each whole level in the middle of its band of `plotly_colorscale`."""
    levels = level_scale(scale)
    return levels[0] - 0.5, levels[-1] + 0.5


def plotly_colorscale(scale: Sequence[int]) -> list[list[float | str]]:
    """Return a stepwise plotly colorscale: one solid band per whole number from the lowest level to the highest.

    Use it with zmin and zmax from `colorscale_bounds`, so that level L fills the band L - 0.5 .. L + 0.5.
    """
    levels = level_scale(scale)
    steps = list(range(levels[0], levels[-1] + 1))
    colorscale: list[list[float | str]] = []
    for index, step in enumerate(steps):
        colour = level_colour(step, levels)
        colorscale.append([index / len(steps), colour])
        colorscale.append([(index + 1) / len(steps), colour])
    return colorscale


def level_label(questionnaire: Questionnaire, level: int) -> str:
    """Return a level's number and name, e.g. "3 Defined"; a number off the scale is shown alone."""
    match = next((known for known in questionnaire.levels if known.number == level), None)
    return str(level) if match is None else f"{level} {match.name}"


def _cell_background(value: object, scale: Sequence[int]) -> str:
    if isinstance(value, str):
        text = value.strip()
        if text.upper() == "N/A":
            return NA_COLOUR
        try:
            return level_colour(float(text), scale)
        except ValueError:
            return UNANSWERED_COLOUR
    if isinstance(value, bool) or not (is_missing(value) or isinstance(value, numbers.Real)):
        return UNANSWERED_COLOUR
    return level_colour(value, scale)


def level_cell_css(value: object, scale: Sequence[int]) -> str:
    """Return the CSS that colours one table cell by its level (background and readable text)."""
    background = _cell_background(value, scale)
    return f"background-color: {background}; color: {text_colour_on(background)}"


def level_text(value: object) -> str:
    """Return how a table shows a level or score: whole levels without decimals, scores to 2, none as "–"."""
    if is_missing(value):
        return "–"
    if isinstance(value, bool) or not isinstance(value, numbers.Real):
        return str(value)
    return f"{value:.0f}" if float(value).is_integer() else f"{value:.2f}"


def style_levels(df: pd.DataFrame, columns: Sequence[str], scale: Sequence[int]) -> Styler:
    """Return a Styler of `df` whose cells in `columns` are coloured by level, for `st.dataframe`.

    Numbers (levels or fractional scores) take their level's colour; "N/A" takes NA_COLOUR; empty
    cells take UNANSWERED_COLOUR and show "–". Decimal numbers in the other columns show as level_text
    does (2.00 as 2, 2.5 as 2.50), not with pandas' six decimals. Columns missing from `df` are an error,
    so a renamed column is noticed.
    """
    missing = [column for column in columns if column not in df.columns]
    if missing:
        raise KeyError(f"style_levels: column(s) {', '.join(missing)} are not in the table")
    levels = level_scale(scale)
    subset = list(columns)
    shown = df.copy()
    for column in subset:
        # st.dataframe writes "None" in an empty cell whatever text the Styler gives it: a level column with
        # empty cells goes as text, its dashes included.
        if shown[column].map(is_missing).any():
            shown[column] = shown[column].map(level_text)
    decimals = [c for c in shown.columns if c not in subset and pd.api.types.is_float_dtype(shown[c])]
    return (
        shown.style.map(lambda value: level_cell_css(value, levels), subset=subset)
        .format(level_text, subset=subset)
        .format(level_text, subset=decimals)
    )
