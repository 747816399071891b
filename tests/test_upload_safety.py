"""Uploaded workbooks: what is refused before any XML is parsed, and XML attacks refused while parsing."""

from __future__ import annotations

import io
import random
import re
import time
import warnings
import zipfile
from collections.abc import Iterator
from pathlib import Path

import openpyxl.xml
import pytest
from sqlite_utils import Database

import exports.offline
from exports.offline import MAX_SHEET_COLUMNS, MAX_SHEET_ROWS, offline_workbook, read_offline_workbook
from exports.upload_safety import UploadRefused, check_sheet_extent, check_xlsx_upload, reading_upload
from questionnaires.catalog import get_questionnaire
from questionnaires.loader import load_questionnaire
from questionnaires.model import Questionnaire
from storage import open_database

FIXTURE = Path(__file__).resolve().parent / "fixtures" / "mini.yaml"

BILLION_LAUGHS = (
    '<?xml version="1.0"?>\n<!DOCTYPE lolz [\n <!ENTITY lol "lol">\n'
    + "".join(f' <!ENTITY lol{n} "{f"&lol{n - 1};" * 10 if n > 1 else "&lol;" * 10}">\n' for n in range(1, 10))
    + "]>\n"
)
EXTERNAL_ENTITY = '<?xml version="1.0"?>\n<!DOCTYPE x [<!ENTITY xxe SYSTEM "file:///etc/passwd">]>\n'
SHEET_NS = "http://schemas.openxmlformats.org/spreadsheetml/2006/main"
SHARED_STRINGS_OVERRIDE = (
    '<Override PartName="/xl/sharedStrings.xml" '
    'ContentType="application/vnd.openxmlformats-officedocument.spreadsheetml.sharedStrings+xml"/>'
)


@pytest.fixture(scope="module")
def questionnaire() -> Questionnaire:
    return load_questionnaire(FIXTURE)


@pytest.fixture(scope="module")
def installation() -> Iterator[Database]:
    """The database whose secret signs and checks the workbooks of this file."""
    database = open_database(":memory:")
    yield database
    database.close()


@pytest.fixture(scope="module")
def workbook(installation: Database, questionnaire: Questionnaire) -> bytes:
    return offline_workbook(
        installation,
        questionnaire,
        organisation_name="Northwind Bank",
        assessment_label="FY2026",
        assessment_id=1,
        respondent_name="Ann",
        respondent_id=1,
    )


def zip_of(parts: dict[str, bytes | str], compression: int = zipfile.ZIP_DEFLATED) -> bytes:
    """Return a zip archive holding `parts`, in order."""
    buffer = io.BytesIO()
    with zipfile.ZipFile(buffer, "w", compression=compression) as archive:
        for name, data in parts.items():
            archive.writestr(name, data)
    return buffer.getvalue()


def replaced(raw: bytes, changes: dict[str, str]) -> bytes:
    """Return a copy of a workbook with some parts replaced (or added) and the rest kept."""
    with zipfile.ZipFile(io.BytesIO(raw)) as archive:
        parts: dict[str, bytes | str] = {name: archive.read(name) for name in archive.namelist()}
    parts.update(changes)
    return zip_of(parts)


@pytest.fixture(scope="module")
def zip_bomb() -> bytes:
    """A workbook-shaped zip whose one sheet is 200 MB of zeros, about 200 KB compressed."""
    buffer = io.BytesIO()
    with zipfile.ZipFile(buffer, "w", compression=zipfile.ZIP_DEFLATED) as archive:
        archive.writestr("[Content_Types].xml", "<Types/>")
        archive.writestr("xl/workbook.xml", "<workbook/>")
        chunk = bytes(1 << 20)
        with archive.open("xl/worksheets/sheet1.xml", "w") as sheet:
            for _ in range(200):
                sheet.write(chunk)
    return buffer.getvalue()


def test_openpyxl_parses_workbooks_with_defusedxml() -> None:
    assert openpyxl.xml.DEFUSEDXML is True


def test_an_exported_workbook_passes_the_checks(workbook: bytes) -> None:
    assert check_xlsx_upload(workbook, "answers.xlsx") is None


def test_a_file_over_the_size_limit_is_refused(workbook: bytes) -> None:
    with pytest.raises(UploadRefused) as refused:
        check_xlsx_upload(workbook, "answers.xlsx", max_bytes=1_000)
    assert str(refused.value) == (
        f"answers.xlsx is {len(workbook) / 1_000_000:,.1f} MB, larger than the 0.0 MB allowed; "
        "upload the questionnaire workbook only, without images or extra sheets."
    )


def test_an_empty_file_is_refused() -> None:
    with pytest.raises(UploadRefused, match=r"^answers\.xlsx is empty; choose the filled-in workbook"):
        check_xlsx_upload(b"", "answers.xlsx")


@pytest.mark.parametrize(
    ("name", "raw"),
    [
        ("report.csv", b"question_id,level\nRISK-01,3\n"),
        ("chart.png", b"\x89PNG\r\n\x1a\n" + bytes(200)),
        ("noise.xlsx", random.Random(7).randbytes(4_000)),
    ],
    ids=["csv", "png", "random bytes"],
)
def test_a_file_that_is_not_a_zip_is_refused_as_not_a_workbook(name: str, raw: bytes) -> None:
    with pytest.raises(UploadRefused) as refused:
        check_xlsx_upload(raw, name)
    assert str(refused.value) == f"{name} is not an Excel workbook (.xlsx); save it as .xlsx and upload it again."


def test_an_old_xls_workbook_gets_its_own_message() -> None:
    ole = b"\xd0\xcf\x11\xe0\xa1\xb1\x1a\xe1" + bytes(4_000)
    with pytest.raises(UploadRefused) as refused:
        check_xlsx_upload(ole, "answers.xls")
    assert str(refused.value) == (
        "answers.xls is an Excel 97-2003 workbook (.xls) or a password-protected workbook; open it in Excel, "
        "remove any password, save it as Excel Workbook (.xlsx) and upload that copy."
    )


def test_a_zip_that_is_not_a_workbook_is_refused() -> None:
    raw = zip_of({"word/document.xml": "<document/>", "[Content_Types].xml": "<Types/>"})
    with pytest.raises(UploadRefused) as refused:
        check_xlsx_upload(raw, "letter.docx")
    assert str(refused.value) == (
        "letter.docx is a zip archive but not an Excel workbook (.xlsx): it has no xl/workbook.xml; "
        "save the questionnaire from Excel as Excel Workbook (.xlsx) and upload it again."
    )


def test_a_damaged_zip_is_refused() -> None:
    with pytest.raises(UploadRefused, match=r"^answers\.xlsx is damaged and cannot be opened as an Excel workbook"):
        check_xlsx_upload(b"PK\x03\x04" + bytes(500), "answers.xlsx")


def test_a_zip_with_too_many_entries_is_refused() -> None:
    parts: dict[str, bytes | str] = {"[Content_Types].xml": "<Types/>", "xl/workbook.xml": "<workbook/>"}
    parts.update({f"xl/media/image{n}.png": b"x" for n in range(30)})
    with pytest.raises(UploadRefused) as refused:
        check_xlsx_upload(zip_of(parts), "answers.xlsx", max_entries=20)
    assert str(refused.value).startswith("answers.xlsx holds 32 files inside, more than the 20 a questionnaire")


def test_a_zip_with_two_parts_of_the_same_name_is_refused() -> None:
    buffer = io.BytesIO()
    with zipfile.ZipFile(buffer, "w") as archive, warnings.catch_warnings():
        warnings.simplefilter("ignore", UserWarning)  # zipfile warns about the duplicate it is asked to write
        for name in ("[Content_Types].xml", "xl/workbook.xml", "xl/workbook.xml"):
            archive.writestr(name, "<x/>")
    with pytest.raises(UploadRefused, match=r"contains two parts named 'xl/workbook\.xml'"):
        check_xlsx_upload(buffer.getvalue(), "answers.xlsx")


def test_an_encrypted_zip_entry_is_refused(workbook: bytes) -> None:
    # zipfile cannot write encrypted entries: set the "encrypted" flag in the central directory instead.
    raw = bytearray(workbook)
    start = raw.find(b"PK\x01\x02")
    raw[start + 8] |= 0x1
    with pytest.raises(UploadRefused) as refused:
        check_xlsx_upload(bytes(raw), "answers.xlsx")
    assert str(refused.value) == (
        "answers.xlsx is encrypted; remove the password in Excel (File > Info > Protect Workbook), "
        "save it and upload it again."
    )


def test_a_compression_method_excel_does_not_write_is_refused() -> None:
    raw = zip_of({"[Content_Types].xml": "<Types/>", "xl/workbook.xml": "<workbook/>"}, zipfile.ZIP_BZIP2)
    with pytest.raises(UploadRefused, match=r"uses a compression method Excel does not write"):
        check_xlsx_upload(raw, "answers.xlsx")


def test_a_zip_bomb_is_refused_from_its_directory_in_well_under_a_second(zip_bomb: bytes) -> None:
    started = time.perf_counter()
    with pytest.raises(UploadRefused) as refused:
        check_xlsx_upload(zip_bomb, "answers.xlsx")
    elapsed = time.perf_counter() - started
    assert elapsed < 0.5
    assert len(zip_bomb) < 300_000
    assert str(refused.value).startswith("answers.xlsx was refused: its part 'xl/worksheets/sheet1.xml' would expand")
    assert "(to 209.7 MB)" in str(refused.value)


def test_a_zip_bomb_is_refused_before_openpyxl_opens_it(
    zip_bomb: bytes, installation: Database, questionnaire: Questionnaire, monkeypatch: pytest.MonkeyPatch
) -> None:
    def must_not_parse(*args: object, **kwargs: object) -> None:
        raise AssertionError("the upload was parsed")

    monkeypatch.setattr(exports.offline, "load_workbook", must_not_parse)
    with pytest.raises(UploadRefused, match="would expand"):
        read_offline_workbook(installation, zip_bomb, questionnaire, assessment_id=1, name="answers.xlsx")


def test_the_total_uncompressed_size_is_limited(workbook: bytes) -> None:
    with pytest.raises(UploadRefused) as refused:
        check_xlsx_upload(workbook, "answers.xlsx", max_uncompressed=10_000)
    assert str(refused.value).startswith("answers.xlsx would expand to ")
    assert "more than the 0.0 MB allowed; upload the questionnaire workbook only" in str(refused.value)


def bombed_sheet(prolog: str, reference: str) -> str:
    return (
        f'{prolog}<worksheet xmlns="{SHEET_NS}"><sheetData><row r="1"><c r="A1" t="inlineStr"><is>'
        f"<t>{reference}</t></is></c></row></sheetData></worksheet>"
    )


def bombed_strings(prolog: str, reference: str) -> str:
    return f'{prolog}<sst xmlns="{SHEET_NS}" count="1" uniqueCount="1"><si><t>{reference}</t></si></sst>'


@pytest.mark.parametrize(
    ("prolog", "reference"),
    [(BILLION_LAUGHS, "&lol9;"), (EXTERNAL_ENTITY, "&xxe;")],
    ids=["billion laughs", "external entity"],
)
@pytest.mark.parametrize("part", ["sheet", "sharedStrings"])
def test_xml_entities_inside_a_valid_workbook_are_refused_not_expanded(
    workbook: bytes, installation: Database, questionnaire: Questionnaire, prolog: str, reference: str, part: str
) -> None:
    if part == "sheet":
        changes = {"xl/worksheets/sheet2.xml": bombed_sheet(prolog, reference)}
    else:
        with zipfile.ZipFile(io.BytesIO(workbook)) as archive:
            content_types = archive.read("[Content_Types].xml").decode()
        changes = {
            "xl/sharedStrings.xml": bombed_strings(prolog, reference),
            "[Content_Types].xml": content_types.replace("</Types>", SHARED_STRINGS_OVERRIDE + "</Types>"),
        }
    raw = replaced(workbook, changes)
    check_xlsx_upload(raw, "answers.xlsx")  # small and well-formed as a zip: only the XML parser can tell
    started = time.perf_counter()
    with pytest.raises(UploadRefused) as refused:
        read_offline_workbook(installation, raw, questionnaire, assessment_id=1, name="answers.xlsx")
    assert time.perf_counter() - started < 2
    assert str(refused.value) == (
        "answers.xlsx was refused: it contains XML entity or DTD declarations, which Excel never writes and "
        "which can be used to exhaust the server's memory; open it in Excel, save a new copy as .xlsx "
        "and upload that."
    )


def test_a_workbook_with_broken_xml_is_refused_as_damaged(
    workbook: bytes, installation: Database, questionnaire: Questionnaire
) -> None:
    raw = replaced(workbook, {"xl/worksheets/sheet2.xml": f'<worksheet xmlns="{SHEET_NS}"><sheetData><row'})
    with pytest.raises(UploadRefused) as refused:
        read_offline_workbook(installation, raw, questionnaire, assessment_id=1, name="answers.xlsx")
    assert str(refused.value) == (
        "answers.xlsx is damaged and cannot be read as an Excel workbook; "
        "open it in Excel, save it again as Excel Workbook (.xlsx) and upload that copy."
    )


def test_uploads_are_refused_when_openpyxl_does_not_use_defusedxml(monkeypatch: pytest.MonkeyPatch) -> None:
    monkeypatch.setattr(openpyxl.xml, "DEFUSEDXML", False)
    with pytest.raises(UploadRefused, match="openpyxl is not using defusedxml"), reading_upload("answers.xlsx"):
        pass


def test_a_mistake_in_the_reading_code_is_not_reported_as_a_damaged_file() -> None:
    with pytest.raises(ZeroDivisionError), reading_upload("answers.xlsx"):
        _ = 1 / 0


# --- sheets that reach further than a questionnaire can need ----------------------------------------

QUESTIONNAIRE_SHEET = "xl/worksheets/sheet2.xml"
FAR = "Export a fresh offline questionnaire and fill that in."


def sheet_xml(raw: bytes, part: str = QUESTIONNAIRE_SHEET) -> str:
    with zipfile.ZipFile(io.BytesIO(raw)) as archive:
        return archive.read(part).decode()


def with_last_row(raw: bytes, row_xml: str, *, dimension: str | None = None) -> bytes:
    """Return the workbook with `row_xml` added at the end of its Questionnaire sheet, and its dimension changed."""
    xml = sheet_xml(raw).replace("</sheetData>", row_xml + "</sheetData>")
    if dimension is not None:
        xml = re.sub(r'<dimension ref="[^"]*"', f'<dimension ref="{dimension}"', xml)
    return replaced(raw, {QUESTIONNAIRE_SHEET: xml})


@pytest.fixture(scope="module")
def row_20_million(installation: Database) -> bytes:
    """The attacker's file: the 65-question offline questionnaire with one more cell, on row 20,000,000."""
    raw = offline_workbook(
        installation,
        get_questionnaire("itscm", "2026.1"),
        organisation_name="Northwind Bank",
        assessment_label="FY2026",
        assessment_id=1,
        respondent_name="Ann",
        respondent_id=1,
    )
    far = '<row r="20000000"><c r="F20000000" t="inlineStr"><is><t>x</t></is></c></row>'
    return with_last_row(raw, far, dimension="A1:F20000000")


def test_a_42_kb_workbook_reaching_row_20_million_is_refused_in_milliseconds_before_parsing(
    row_20_million: bytes, installation: Database, monkeypatch: pytest.MonkeyPatch
) -> None:
    assert 30_000 < len(row_20_million) < 50_000
    check_xlsx_upload(row_20_million, "answers.xlsx")  # the zip checks alone let it through

    def must_not_parse(*args: object, **kwargs: object) -> None:
        raise AssertionError("the upload was parsed")

    monkeypatch.setattr(exports.offline, "load_workbook", must_not_parse)
    started = time.perf_counter()
    with pytest.raises(UploadRefused) as refused:
        read_offline_workbook(
            installation, row_20_million, get_questionnaire("itscm", "2026.1"), assessment_id=1, name="answers.xlsx"
        )
    assert time.perf_counter() - started < 0.1
    assert str(refused.value) == (
        "answers.xlsx was refused: sheet 'Questionnaire' reaches row 20,000,000; an offline questionnaire has at "
        f"most 5,000 rows. {FAR}"
    )


def test_the_reader_stops_at_the_row_limit_even_when_the_check_before_it_is_skipped(
    row_20_million: bytes, installation: Database, monkeypatch: pytest.MonkeyPatch
) -> None:
    monkeypatch.setattr(exports.offline, "check_sheet_extent", lambda *args, **kwargs: None)
    started = time.perf_counter()
    result = read_offline_workbook(
        installation, row_20_million, get_questionnaire("itscm", "2026.1"), assessment_id=1, name="answers.xlsx"
    )
    # Walking every empty row down to row 20,000,000 took 105 s of CPU.
    assert time.perf_counter() - started < 3
    assert result.problems == ()


def test_a_declared_dimension_beyond_the_last_row_is_refused(workbook: bytes) -> None:
    raw = with_last_row(workbook, "", dimension="A1:F20000000")
    with pytest.raises(UploadRefused) as refused:
        check_sheet_extent(raw, "answers.xlsx", max_rows=MAX_SHEET_ROWS, max_columns=MAX_SHEET_COLUMNS)
    assert str(refused.value) == (
        "answers.xlsx was refused: sheet 'Questionnaire' reaches row 20,000,000; an offline questionnaire has at "
        f"most 5,000 rows. {FAR}"
    )


def test_a_row_beyond_the_last_row_is_refused_when_the_dimension_hides_it(workbook: bytes) -> None:
    raw = with_last_row(workbook, '<row r="5001"><c r="A5001" t="inlineStr"><is><t>x</t></is></c></row>')
    with pytest.raises(UploadRefused, match=r"^answers\.xlsx was refused: sheet 'Questionnaire' reaches row 5,001;"):
        check_sheet_extent(raw, "answers.xlsx", max_rows=MAX_SHEET_ROWS, max_columns=MAX_SHEET_COLUMNS)


def test_a_cell_beyond_the_last_column_is_refused(workbook: bytes) -> None:
    raw = with_last_row(workbook, '<row r="9"><c r="XFD9" t="inlineStr"><is><t>x</t></is></c></row>')
    with pytest.raises(UploadRefused) as refused:
        check_sheet_extent(raw, "answers.xlsx", max_rows=MAX_SHEET_ROWS, max_columns=MAX_SHEET_COLUMNS)
    assert str(refused.value) == (
        "answers.xlsx was refused: sheet 'Questionnaire' reaches column XFD (16,384); an offline questionnaire "
        f"has at most 200 columns. {FAR}"
    )


def tiny_workbook(sheet_data: str) -> bytes:
    """A workbook-shaped zip whose one sheet, named Answers, holds `sheet_data`."""
    return zip_of(
        {
            "[Content_Types].xml": "<Types/>",
            "xl/workbook.xml": (
                f'<workbook xmlns="{SHEET_NS}" xmlns:r="http://schemas.openxmlformats.org/officeDocument/2006/'
                'relationships"><sheets><sheet name="Answers" sheetId="1" r:id="rId1"/></sheets></workbook>'
            ),
            "xl/_rels/workbook.xml.rels": (
                '<Relationships xmlns="http://schemas.openxmlformats.org/package/2006/relationships">'
                '<Relationship Id="rId1" Type="worksheet" Target="worksheets/sheet1.xml"/></Relationships>'
            ),
            "xl/worksheets/sheet1.xml": f'<worksheet xmlns="{SHEET_NS}"><sheetData>{sheet_data}</sheetData></worksheet>',
            "xl/media/image1.png": random.Random(3).randbytes(2_000),
        }
    )


@pytest.mark.parametrize(
    ("sheet_data", "expected"),
    [
        ("<row/>" * 4, "sheet 'Answers' reaches row 4; an offline questionnaire has at most 3 rows"),
        ('<row r="2"/>' * 4, "sheet 'Answers' has more than 3 rows; an offline questionnaire has at most 3 rows"),
        (
            '<row r="2.0"/><row r="3e0"/><row/>',
            "sheet 'Answers' reaches row 4; an offline questionnaire has at most 3 rows",
        ),
        (
            "<row><c/><c/><c/></row>",
            "sheet 'Answers' reaches column C (3); an offline questionnaire has at most 2 columns",
        ),
        (
            '<row r="1"><c r="A1"/><c r="A1"/><c r="A1"/></row>',
            "sheet 'Answers' has more than 2 cells in row 1; an offline questionnaire has at most 2 columns",
        ),
        ('<row r="1"><c r="A1"/></row><foo><row r="9"/></foo>', "sheet 'Answers' reaches row 9;"),
    ],
    ids=[
        "rows without numbers",
        "one row number repeated",
        "row numbers written as floats",
        "cells without references",
        "one cell reference repeated",
        "a row outside sheetData",
    ],
)
def test_rows_and_cells_are_counted_the_way_openpyxl_reads_them(sheet_data: str, expected: str) -> None:
    with pytest.raises(UploadRefused) as refused:
        check_sheet_extent(tiny_workbook(sheet_data), "answers.xlsx", max_rows=3, max_columns=2)
    assert str(refused.value).startswith(f"answers.xlsx was refused: {expected}")


def test_a_sheet_within_the_limits_passes_and_other_parts_are_not_read_as_sheets() -> None:
    sheet = '<row r="3"><c r="B3"/></row>'
    assert check_sheet_extent(tiny_workbook(sheet), "answers.xlsx", max_rows=3, max_columns=2) is None


def test_a_worksheet_the_workbook_does_not_list_is_checked_too_and_named_by_its_part(workbook: bytes) -> None:
    hidden = f'<worksheet xmlns="{SHEET_NS}"><sheetData><row r="6000"/></sheetData></worksheet>'
    raw = replaced(workbook, {"xl/worksheets/sheet9.xml": hidden})
    with pytest.raises(
        UploadRefused, match=r"^answers\.xlsx was refused: part 'xl/worksheets/sheet9\.xml' reaches row"
    ):
        check_sheet_extent(raw, "answers.xlsx", max_rows=MAX_SHEET_ROWS, max_columns=MAX_SHEET_COLUMNS)


def test_a_dtd_in_a_sheet_is_refused_by_the_extent_check_itself(workbook: bytes) -> None:
    raw = replaced(workbook, {QUESTIONNAIRE_SHEET: bombed_sheet(BILLION_LAUGHS, "&lol9;")})
    with pytest.raises(UploadRefused, match=r"contains XML entity or DTD declarations"):
        check_sheet_extent(raw, "answers.xlsx", max_rows=MAX_SHEET_ROWS, max_columns=MAX_SHEET_COLUMNS)


def test_the_largest_questionnaire_the_loader_accepts_fits_the_limits_with_room_for_notes(
    installation: Database, questionnaire: Questionnaire
) -> None:
    template = questionnaire.questions[0]
    largest = questionnaire.model_copy(
        update={
            "questions": [
                template.model_copy(update={"id": f"RISK-{n:04d}"})
                for n in range(1, exports.offline.MOST_QUESTIONS + 1)
            ]
        }
    )
    assert len(largest.questions) == 2_000
    raw = offline_workbook(
        installation,
        largest,
        organisation_name="Northwind Bank",
        assessment_label="FY2026",
        assessment_id=1,
        respondent_name="Ann",
        respondent_id=1,
    )
    last = 2_000 + 1 + exports.offline.EXTRA_ROWS
    notes = with_last_row(raw, f'<row r="{last}"><c r="Z{last}" t="inlineStr"><is><t>note</t></is></c></row>')
    assert check_sheet_extent(notes, "answers.xlsx", max_rows=MAX_SHEET_ROWS, max_columns=MAX_SHEET_COLUMNS) is None
    assert read_offline_workbook(installation, notes, largest, assessment_id=1).problems == ()


@pytest.mark.parametrize("where", ["dimension", "cell", "row"])
def test_a_reference_with_thousands_of_digits_is_refused_as_damaged_not_a_traceback(
    workbook: bytes, installation: Database, questionnaire: Questionnaire, where: str
) -> None:
    digits = "9" * 5_000  # more than int() converts from text
    if where == "dimension":
        raw = with_last_row(workbook, "", dimension=f"A1:F{digits}")
    elif where == "cell":
        raw = with_last_row(workbook, f'<row r="9"><c r="A{digits}" t="inlineStr"><is><t>x</t></is></c></row>')
    else:
        raw = with_last_row(workbook, f'<row r="{digits}"><c t="inlineStr"><is><t>x</t></is></c></row>')
    with pytest.raises(UploadRefused, match=r"^answers\.xlsx is damaged and cannot be read as an Excel workbook"):
        read_offline_workbook(installation, raw, questionnaire, assessment_id=1, name="answers.xlsx")
