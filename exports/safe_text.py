"""User text stays text in every export: never a formula in a spreadsheet, never a broken workbook.

Spreadsheet programs run a cell that starts with = + - @ (or a tab or carriage return before one)
as a formula, and openpyxl itself writes any string starting with "=" as a live formula and one
such as "#N/A" as an error value. So every text cell of every workbook goes through `set_text`
(or `text_cell` in write-only workbooks), which stores the value as a plain string, and every
CSV cell through `csv_safe`, which prefixes a single quote as OWASP advises for CSV files.

What a workbook cell cannot hold is changed, and only that (`cell_text` does it):

- characters XML 1.0 forbids (control characters other than tab, LF and CR, lone surrogates,
  U+FFFE and U+FFFF) become U+FFFD, the replacement character;
- a carriage return becomes a line feed (CR LF becomes one LF): XML readers turn every CR into
  LF anyway, and LF is the line break of a spreadsheet cell;
- text longer than Excel's 32,767 characters per cell is cut to that length, ending in "…".
"""

from __future__ import annotations

import re
from typing import TYPE_CHECKING, Final

from openpyxl.cell.cell import Cell, WriteOnlyCell

if TYPE_CHECKING:
    from openpyxl.worksheet._write_only import WriteOnlyWorksheet

FORMULA_STARTS: Final = ("=", "+", "-", "@", "\t", "\r")
"""First characters that make a spreadsheet read a cell as a formula (OWASP CSV injection)."""

EXCEL_CELL_LIMIT: Final = 32_767
"""Most characters (UTF-16 code units) Excel keeps in one cell."""

TRUNCATION_MARK: Final = "…"
"""Last character of text that was cut to fit one cell."""

REPLACEMENT: Final = "\ufffd"

_XML_ILLEGAL: Final = re.compile("[\x00-\x08\x0b\x0c\x0e-\x1f\ud800-\udfff\ufffe\uffff]")
_CARRIAGE_RETURN: Final = re.compile("\r\n?")


def formula_like(text: str) -> bool:
    """Whether a spreadsheet would read `text` as a formula: it starts with = + - @, a tab or a carriage return."""
    return text.startswith(FORMULA_STARTS)


def csv_safe(text: str) -> str:
    """Return `text` for a CSV cell: prefixed with a single quote when it is formula-like, else unchanged."""
    return "'" + text if formula_like(text) else text


def _utf16_length(text: str) -> int:
    return len(text.encode("utf-16-le")) // 2


def _truncated(text: str) -> str:
    # Excel counts UTF-16 code units, so a character outside the BMP (an emoji) counts twice.
    if len(text) <= EXCEL_CELL_LIMIT // 2 or _utf16_length(text) <= EXCEL_CELL_LIMIT:
        return text
    room = (EXCEL_CELL_LIMIT - len(TRUNCATION_MARK)) * 2
    # errors="ignore" drops the half of a surrogate pair that the cut may leave behind.
    kept = text.encode("utf-16-le")[:room].decode("utf-16-le", errors="ignore")
    return kept + TRUNCATION_MARK


def cell_text(text: str) -> str:
    """Return what a workbook cell stores for `text`: XML-illegal characters replaced, CR as LF, cut to fit."""
    if not isinstance(text, str):
        raise TypeError(f"cell text must be str, not {type(text).__name__}")
    cleaned = _CARRIAGE_RETURN.sub("\n", _XML_ILLEGAL.sub(REPLACEMENT, text))
    return _truncated(cleaned)


def set_text(cell: Cell, text: str) -> Cell:
    """Store `text` in an openpyxl cell as a plain string (never a formula or an error value) and return the cell.

    Empty text leaves the cell empty.
    """
    stored = cell_text(text)
    cell.value = stored or None
    if stored:
        # The value setter has already guessed "f" for "=..." or "e" for "#N/A"; text is text.
        cell.data_type = "s"
    return cell


def text_cell(worksheet: WriteOnlyWorksheet, text: str) -> Cell:
    """Return a write-only cell holding `text` as a plain string, for `worksheet.append` in write-only mode."""
    return set_text(WriteOnlyCell(worksheet), text)
