"""Checks an uploaded workbook must pass before any XML in it is parsed, and safe parsing after that.

An .xlsx file is a zip archive of XML parts. `check_xlsx_upload` looks only at the raw bytes and
the zip's central directory: the file's size, its magic bytes, the number of entries, their declared
uncompressed sizes and compression ratios, encryption and the two parts every workbook has. The
declared sizes can be trusted as a bound because Python's zipfile never returns more bytes for an
entry than its declared size (and fails the CRC check when the data was cut short), so a zip bomb
is refused before a single byte of it is inflated.

The XML itself is then parsed by openpyxl, which uses defusedxml when it is installed: entity and
DTD declarations (the "billion laughs" bomb, external entities) raise instead of being expanded.
`reading_upload` turns those errors, and the many ways a damaged file makes openpyxl fail, into
one `UploadRefused` with a message for the person who uploaded the file.
"""

from __future__ import annotations

import io
import zipfile
import zlib
from collections.abc import Iterator
from contextlib import contextmanager
from typing import Final
from xml.etree.ElementTree import ParseError

import openpyxl.xml
from defusedxml import DefusedXmlException
from openpyxl.utils.exceptions import InvalidFileException

ZIP_MAGIC: Final = b"PK\x03\x04"
OLE_MAGIC: Final = b"\xd0\xcf\x11\xe0"
"""The start of an OLE compound file: an Excel 97-2003 .xls, or an .xlsx protected with a password."""

REQUIRED_PARTS: Final = ("[Content_Types].xml", "xl/workbook.xml")

RATIO_FLOOR: Final = 1_000_000
"""Entries smaller than this (uncompressed) skip the ratio check: small repetitive parts such as
styles legitimately compress very well and cannot hurt at that size."""

_ALLOWED_METHODS: Final = (zipfile.ZIP_STORED, zipfile.ZIP_DEFLATED)


class UploadRefused(ValueError):
    """An uploaded file was refused before or while reading it; the message says why and what to do."""


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
        raise UploadRefused(
            f"{name} is damaged and cannot be read as an Excel workbook; "
            "open it in Excel, save it again as Excel Workbook (.xlsx) and upload that copy."
        ) from None
