"""Checks an uploaded workbook must pass before any XML in it is parsed, and safe parsing after that.

An .xlsx file is a zip archive of XML parts. `check_xlsx_upload` looks only at the raw bytes and
the zip's central directory: the file's size, its magic bytes, the number of entries, their declared
uncompressed sizes and compression ratios, encryption and the two parts every workbook has. The
declared sizes can be trusted as a bound because Python's zipfile never returns more bytes for an
entry than its declared size (and fails the CRC check when the data was cut short), so a zip bomb
is refused before a single byte of it is inflated.

A small file can still hold a sheet that is costly to read: one cell on row 20,000,000 makes a
reader walk twenty million empty rows. `check_sheet_extent` streams each worksheet's XML (never
building it in memory) and refuses a sheet whose declared dimension, row numbers, column letters
or numbers of rows and cells go beyond the limits it is given, at the first one it meets.

The XML itself is then parsed by openpyxl, which uses defusedxml when it is installed: entity and
DTD declarations (the "billion laughs" bomb, external entities) raise instead of being expanded.
`reading_upload` turns those errors, and the many ways a damaged file makes openpyxl fail, into
one `UploadRefused` with a message for the person who uploaded the file.
"""

from __future__ import annotations

import io
import posixpath
import re
import zipfile
import zlib
from collections.abc import Iterator
from contextlib import contextmanager
from dataclasses import dataclass
from typing import IO, Final, Literal
from xml.etree.ElementTree import Element, ParseError

import openpyxl.xml
from defusedxml import DefusedXmlException
from defusedxml.ElementTree import fromstring, iterparse
from openpyxl.utils import get_column_letter
from openpyxl.utils.exceptions import InvalidFileException

ZIP_MAGIC: Final = b"PK\x03\x04"
OLE_MAGIC: Final = b"\xd0\xcf\x11\xe0"
"""The start of an OLE compound file: an Excel 97-2003 .xls, or an .xlsx protected with a password."""

REQUIRED_PARTS: Final = ("[Content_Types].xml", "xl/workbook.xml")

RATIO_FLOOR: Final = 1_000_000
"""Entries smaller than this (uncompressed) skip the ratio check: small repetitive parts such as
styles legitimately compress very well and cannot hurt at that size."""

_ALLOWED_METHODS: Final = (zipfile.ZIP_STORED, zipfile.ZIP_DEFLATED)
_WORKBOOK_RELS: Final = "xl/_rels/workbook.xml.rels"
_RELATIONSHIP_ID: Final = "{http://schemas.openxmlformats.org/officeDocument/2006/relationships}id"
# openpyxl's own pattern for a cell reference (openpyxl.utils.cell.COORD_RE).
_CELL_REFERENCE: Final = re.compile(r"^[$]?([A-Za-z]{1,3})[$]?(\d+)$")
_LAST_LETTERED_COLUMN: Final = 18_278
_READ_ERRORS: Final = (zipfile.BadZipFile, zlib.error, EOFError, OSError)


class UploadRefused(ValueError):
    """An uploaded file was refused before or while reading it; the message says why and what to do."""


def _damaged(name: str) -> UploadRefused:
    return UploadRefused(
        f"{name} is damaged and cannot be read as an Excel workbook; "
        "open it in Excel, save it again as Excel Workbook (.xlsx) and upload that copy."
    )


def _megabytes(size: int) -> str:
    return f"{size / 1_000_000:,.1f} MB"


def _open_zip(raw: bytes, name: str) -> zipfile.ZipFile:
    try:
        return zipfile.ZipFile(io.BytesIO(raw))
    except (zipfile.BadZipFile, zipfile.LargeZipFile, ValueError, OSError, EOFError) as error:
        raise UploadRefused(
            f"{name} is damaged and cannot be opened as an Excel workbook ({error}); "
            "open it in Excel, save it again as Excel Workbook (.xlsx) and upload that copy."
        ) from None


def _check_entries(
    archive: zipfile.ZipFile, name: str, *, max_uncompressed: int, max_entries: int, max_ratio: int
) -> None:
    entries = archive.infolist()
    if len(entries) > max_entries:
        raise UploadRefused(
            f"{name} holds {len(entries):,} files inside, more than the {max_entries:,} a questionnaire workbook "
            "needs; upload the workbook exported from the app, filled in, without extra sheets or images."
        )
    seen: set[str] = set()
    total = 0
    for entry in entries:
        if entry.filename in seen:
            raise UploadRefused(
                f"{name} contains two parts named {entry.filename!r}, which Excel never writes; "
                "open it in Excel, save a new copy as .xlsx and upload that."
            )
        seen.add(entry.filename)
        if entry.flag_bits & 0x1:
            raise UploadRefused(
                f"{name} is encrypted; remove the password in Excel (File > Info > Protect Workbook), "
                "save it and upload it again."
            )
        if entry.compress_type not in _ALLOWED_METHODS:
            raise UploadRefused(
                f"{name} uses a compression method Excel does not write (part {entry.filename!r}); "
                "open it in Excel, save it as Excel Workbook (.xlsx) and upload that copy."
            )
        total += entry.file_size
        if entry.file_size > RATIO_FLOOR and entry.file_size > max_ratio * max(entry.compress_size, 1):
            ratio = entry.file_size // max(entry.compress_size, 1)
            raise UploadRefused(
                f"{name} was refused: its part {entry.filename!r} would expand {ratio:,} times "
                f"(to {_megabytes(entry.file_size)}), more than the {max_ratio} times a real workbook does; "
                "upload the questionnaire workbook as exported from the app and filled in."
            )
    if total > max_uncompressed:
        raise UploadRefused(
            f"{name} would expand to {_megabytes(total)} when opened, more than the {_megabytes(max_uncompressed)} "
            "allowed; upload the questionnaire workbook only, without large images or extra sheets."
        )
    missing = [part for part in REQUIRED_PARTS if part not in seen]
    if missing:
        raise UploadRefused(
            f"{name} is a zip archive but not an Excel workbook (.xlsx): it has no {' or '.join(missing)}; "
            "save the questionnaire from Excel as Excel Workbook (.xlsx) and upload it again."
        )


def check_xlsx_upload(
    raw: bytes,
    name: str,
    *,
    max_bytes: int = 10_000_000,
    max_uncompressed: int = 100_000_000,
    max_entries: int = 2_000,
    max_ratio: int = 200,
) -> None:
    """Refuse an upload that is not a plain .xlsx workbook or that could exhaust memory when opened.

    Only the bytes and the zip directory are read; nothing is inflated or parsed. Raises
    UploadRefused with what is wrong and what to do; returns None when the file may be opened.
    """
    if not isinstance(raw, bytes | bytearray | memoryview):
        raise TypeError(f"raw must be bytes, not {type(raw).__name__}")
    raw = bytes(raw)
    if not raw:
        raise UploadRefused(f"{name} is empty; choose the filled-in workbook (.xlsx) and upload it again.")
    if len(raw) > max_bytes:
        raise UploadRefused(
            f"{name} is {_megabytes(len(raw))}, larger than the {_megabytes(max_bytes)} allowed; "
            "upload the questionnaire workbook only, without images or extra sheets."
        )
    if raw.startswith(OLE_MAGIC):
        raise UploadRefused(
            f"{name} is an Excel 97-2003 workbook (.xls) or a password-protected workbook; open it in Excel, "
            "remove any password, save it as Excel Workbook (.xlsx) and upload that copy."
        )
    if not raw.startswith(ZIP_MAGIC):
        raise UploadRefused(f"{name} is not an Excel workbook (.xlsx); save it as .xlsx and upload it again.")
    with _open_zip(raw, name) as archive:
        _check_entries(archive, name, max_uncompressed=max_uncompressed, max_entries=max_entries, max_ratio=max_ratio)


@dataclass(frozen=True)
class _Overreach:
    """The first thing found in a worksheet that goes beyond the limits: a row, a column or a count."""

    what: Literal["row", "column", "rows", "cells"]
    number: int
    row: int = 0


def _local_name(tag: str) -> str:
    return tag.rpartition("}")[2]


def _sheet_names(archive: zipfile.ZipFile) -> dict[str, str]:
    """Return the name of each worksheet by the path of its part, as xl/workbook.xml and its relationships say."""
    try:
        workbook = fromstring(archive.read("xl/workbook.xml"), forbid_dtd=True)
        relationships = fromstring(archive.read(_WORKBOOK_RELS), forbid_dtd=True)
    except (KeyError, ParseError):
        return {}  # without them the sheets are named by their part; openpyxl reports the damage
    targets: dict[str, str] = {}
    for relationship in relationships:
        target = relationship.get("Target", "")
        path = target[1:] if target.startswith("/") else posixpath.normpath(posixpath.join("xl", target))
        targets[relationship.get("Id", "")] = path
    return {
        targets[sheet.get(_RELATIONSHIP_ID, "")]: sheet.get("name", "")
        for sheet in workbook.iter()
        if _local_name(sheet.tag) == "sheet" and sheet.get(_RELATIONSHIP_ID, "") in targets
    }


def _column_number(letters: str) -> int:
    number = 0
    for letter in letters.upper():
        number = number * 26 + ord(letter) - ord("A") + 1
    return number


def _cell(reference: str) -> tuple[int, int] | None:
    """Return (row, column) of a reference such as "F20000000", or None when it is not one."""
    match = _CELL_REFERENCE.match(reference.strip())
    if match is None:
        return None
    try:
        return int(match[2]), _column_number(match[1])
    except ValueError:
        return None  # more digits than int() converts; openpyxl fails on it too and reports the damage


def _row_number(text: str) -> int | None:
    """Return the row number in a row's r attribute as openpyxl reads it (whole floats too), or None."""
    try:
        return int(text)
    except ValueError:
        pass
    try:
        number = float(text)
    except ValueError:
        return None
    return int(number) if number.is_integer() else None


def _overreach(source: IO[bytes], max_rows: int, max_columns: int) -> _Overreach | None:
    """Stream one part and return the first place where it goes beyond the limits; None when it is no worksheet.

    Rows and cells are counted the way openpyxl reads them: an r attribute sets the number, a
    missing one continues from the previous row or cell. Every element is dropped once read, so
    memory stays flat whatever the size of the sheet.
    """
    open_elements: list[Element] = []
    row = rows = column = cells = 0
    for event, element in iterparse(source, events=("start", "end"), forbid_dtd=True):
        if event == "end":
            open_elements.pop()
            if open_elements:
                open_elements[-1].remove(element)
            continue
        tag = _local_name(element.tag)
        parent = _local_name(open_elements[-1].tag) if open_elements else None
        if parent is None and tag != "worksheet":
            return None
        open_elements.append(element)
        if tag == "dimension":
            corners = [corner for corner in map(_cell, element.get("ref", "").split(":")) if corner is not None]
            if corners and max(r for r, _ in corners) > max_rows:
                return _Overreach("row", max(r for r, _ in corners))
            if corners and max(c for _, c in corners) > max_columns:
                return _Overreach("column", max(c for _, c in corners))
        elif tag == "row":
            number = _row_number(element.get("r", ""))
            row = row + 1 if number is None else number
            rows += 1
            column = cells = 0
            if row > max_rows:
                return _Overreach("row", row)
            if rows > max_rows:
                return _Overreach("rows", rows)
        elif parent == "row":
            # openpyxl reads every child of a row as a cell.
            where = _cell(element.get("r", ""))
            column = column + 1 if where is None else where[1]
            cells += 1
            if column > max_columns:
                return _Overreach("column", column, row)
            if cells > max_columns:
                return _Overreach("cells", cells, row)
    return None


def _too_far(
    name: str, sheet: str, found: _Overreach, max_rows: int, max_columns: int, document: str, remedy: str
) -> UploadRefused:
    rows_limit = f"{document} has at most {max_rows:,} rows"
    columns_limit = f"{document} has at most {max_columns:,} columns"
    if found.what == "row":
        reach = f"{sheet} reaches row {found.number:,}; {rows_limit}"
    elif found.what == "rows":
        reach = f"{sheet} has more than {max_rows:,} rows; {rows_limit}"
    elif found.what == "column":
        # Column letters stop at ZZZ; a column counted past that (cells without references) has none.
        letters = f"{get_column_letter(found.number)} " if found.number <= _LAST_LETTERED_COLUMN else ""
        reach = f"{sheet} reaches column {letters}({found.number:,}); {columns_limit}"
    else:
        reach = f"{sheet} has more than {max_columns:,} cells in row {found.row:,}; {columns_limit}"
    return UploadRefused(f"{name} was refused: {reach}. {remedy}")


def check_sheet_extent(
    raw: bytes,
    name: str,
    *,
    max_rows: int,
    max_columns: int,
    document: str = "an offline questionnaire",
    remedy: str = "Export a fresh offline questionnaire and fill that in.",
) -> None:
    """Refuse a workbook with a worksheet that reaches beyond `max_rows` rows or `max_columns` columns.

    Call it after `check_xlsx_upload`, which bounds how much there is to read. Each worksheet's
    XML is streamed, not parsed into memory, and reading stops at the first row, column, declared
    dimension or count beyond the limits, so even a sheet that claims twenty million rows is
    refused in milliseconds. Parts that are not worksheets are left after their first tag.
    """
    with _open_zip(bytes(raw), name) as archive:
        try:
            names = _sheet_names(archive)
            for entry in archive.infolist():
                with archive.open(entry) as source:
                    try:
                        found = _overreach(source, max_rows, max_columns)
                    except ParseError:
                        continue  # not XML (an image, say); openpyxl reports it if it is a sheet
                if found is not None:
                    sheet = (
                        f"sheet {names[entry.filename]!r}" if entry.filename in names else f"part {entry.filename!r}"
                    )
                    raise _too_far(name, sheet, found, max_rows, max_columns, document, remedy)
        except DefusedXmlException:
            raise _refused_xml(name) from None
        except _READ_ERRORS:
            raise _damaged(name) from None


def _causes(error: BaseException) -> list[BaseException]:
    """Return `error` and the chain of exceptions it was raised from, outermost first."""
    # openpyxl re-raises a parser error as "ValueError: Unable to read workbook" from the original.
    chain: list[BaseException] = []
    current: BaseException | None = error
    while current is not None and all(current is not seen for seen in chain):
        chain.append(current)
        current = current.__cause__ or current.__context__
    return chain


def _refused_xml(name: str) -> UploadRefused:
    return UploadRefused(
        f"{name} was refused: it contains XML entity or DTD declarations, which Excel never writes and "
        "which can be used to exhaust the server's memory; open it in Excel, save a new copy as .xlsx "
        "and upload that."
    )


@contextmanager
def reading_upload(name: str) -> Iterator[None]:
    """Run the block that parses an uploaded workbook, turning hostile or damaged XML into UploadRefused.

    Wrap only the parsing (openpyxl calls and reading cell values), so that a mistake in the
    caller's own code is not reported to the user as a damaged file.
    """
    if not openpyxl.xml.DEFUSEDXML:
        raise UploadRefused(
            "Workbook uploads are switched off: openpyxl is not using defusedxml, so a hostile file could "
            "exhaust the server's memory; install defusedxml and unset OPENPYXL_DEFUSEDXML."
        )
    try:
        yield
    except UploadRefused:
        raise
    except DefusedXmlException:
        raise _refused_xml(name) from None
    # openpyxl reports a damaged part with whatever its parser or descriptors raise; every one of
    # these means the same to the uploader: the file cannot be read.
    except (
        ParseError,
        InvalidFileException,
        zipfile.BadZipFile,
        zlib.error,
        EOFError,
        KeyError,
        IndexError,
        TypeError,
        ValueError,
    ) as error:
        if any(isinstance(cause, DefusedXmlException) for cause in _causes(error)):
            raise _refused_xml(name) from None
        raise _damaged(name) from None
