"""Upload benchmark: how fast hostile offline questionnaires are refused, and what the checks cost a real one.

Run from the repository root:  .venv/bin/python benchmarks/bench_uploads.py
Prints figures only. Floor: the 42 KB workbook with one cell on row 20,000,000 (which made the
reader walk every empty row, 105 s of CPU) is refused in under 100 ms. For scale, the same upload
checks on the filled-in 65-question offline questionnaire, and the whole read of that file.
The database is in memory, never data/.
"""

from __future__ import annotations

import io
import re
import statistics
import sys
import time
import zipfile
from collections.abc import Callable
from pathlib import Path

REPO_ROOT = Path(__file__).resolve().parent.parent
if str(REPO_ROOT) not in sys.path:
    sys.path.insert(0, str(REPO_ROOT))

from openpyxl import load_workbook  # noqa: E402

from exports.offline import (  # noqa: E402
    MAX_SHEET_COLUMNS,
    MAX_SHEET_ROWS,
    MAX_UNCOMPRESSED,
    offline_workbook,
    read_offline_workbook,
)
from exports.upload_safety import UploadRefused, check_sheet_extent, check_xlsx_upload  # noqa: E402
from questionnaires.catalog import get_questionnaire  # noqa: E402
from storage import open_database  # noqa: E402

RUNS = 21
FLOOR_MS = 100.0
QUESTIONNAIRE_SHEET = "xl/worksheets/sheet2.xml"


def timings_ms(action: Callable[[], object], runs: int = RUNS) -> tuple[float, float]:
    """Return the median and the slowest of `runs` timings of `action()`, in milliseconds."""
    timings = []
    for _ in range(runs):
        start = time.perf_counter()
        action()
        timings.append((time.perf_counter() - start) * 1000)
    return statistics.median(timings), max(timings)


def refused(action: Callable[[], object]) -> Callable[[], None]:
    """Wrap an action that must raise UploadRefused, so that it can be timed."""

    def run() -> None:
        try:
            action()
        except UploadRefused:
            return
        raise AssertionError("the hostile upload was not refused")

    return run


def with_parts(raw: bytes, changes: dict[str, bytes]) -> bytes:
    with zipfile.ZipFile(io.BytesIO(raw)) as archive:
        parts = {name: archive.read(name) for name in archive.namelist()}
    parts.update(changes)
    buffer = io.BytesIO()
    with zipfile.ZipFile(buffer, "w", compression=zipfile.ZIP_DEFLATED) as archive:
        for name, data in parts.items():
            archive.writestr(name, data)
    return buffer.getvalue()


def row_20_million(raw: bytes) -> bytes:
    """The attacker's file: one more cell, on row 20,000,000, and a dimension that says so."""
    with zipfile.ZipFile(io.BytesIO(raw)) as archive:
        xml = archive.read(QUESTIONNAIRE_SHEET).decode()
    xml = re.sub(r'<dimension ref="[^"]*"', '<dimension ref="A1:F20000000"', xml)
    far = '<row r="20000000"><c r="F20000000" t="inlineStr"><is><t>x</t></is></c></row>'
    return with_parts(raw, {QUESTIONNAIRE_SHEET: xml.replace("</sheetData>", far + "</sheetData>").encode()})


def filled_in(raw: bytes, level_column: str, rows: int) -> bytes:
    workbook = load_workbook(io.BytesIO(raw))
    sheet = workbook["Questionnaire"]
    for row in range(2, rows + 2):
        sheet[f"{level_column}{row}"] = 3
    buffer = io.BytesIO()
    workbook.save(buffer)
    return buffer.getvalue()


def main() -> None:
    db = open_database(":memory:")
    questionnaire = get_questionnaire("itscm", "2026.1")
    exported = offline_workbook(
        db,
        questionnaire,
        organisation_name="Northwind Bank",
        assessment_label="FY2026",
        assessment_id=1,
        respondent_name="Ann",
        respondent_id=1,
    )
    hostile = row_20_million(exported)
    header = [cell.value for cell in next(load_workbook(io.BytesIO(exported))["Questionnaire"].iter_rows(max_row=1))]
    level_column = chr(ord("A") + header.index("Level"))
    real = filled_in(exported, level_column, len(questionnaire.questions))

    def zip_checks(raw: bytes) -> None:
        check_xlsx_upload(raw, "answers.xlsx", max_uncompressed=MAX_UNCOMPRESSED)

    def extent_check(raw: bytes) -> None:
        check_sheet_extent(raw, "answers.xlsx", max_rows=MAX_SHEET_ROWS, max_columns=MAX_SHEET_COLUMNS)

    def read(raw: bytes) -> None:
        read_offline_workbook(db, raw, questionnaire, assessment_id=1, name="answers.xlsx")

    print(f"Uploads (median and slowest of {RUNS} runs; limits {MAX_SHEET_ROWS:,} rows, {MAX_SHEET_COLUMNS} columns)")
    median, slowest = timings_ms(refused(lambda: read(hostile)))
    verdict = "ok" if slowest < FLOOR_MS else "TOO SLOW"
    print(
        f"  {len(hostile) / 1000:.0f} KB workbook reaching row 20,000,000, refused by read_offline_workbook: "
        f"{median:6.2f} ms (slowest {slowest:.2f}; floor {FLOOR_MS:.0f} ms: {verdict})"
    )
    print(f"  {len(questionnaire.questions)}-question offline questionnaire, filled in ({len(real) / 1000:.0f} KB):")
    for label, action in (
        ("zip checks", lambda: zip_checks(real)),
        ("sheet extent check", lambda: extent_check(real)),
        ("whole read (checks, parse, answers)", lambda: read(real)),
    ):
        median, slowest = timings_ms(action)
        print(f"    {label:37s} {median:7.2f} ms (slowest {slowest:.2f})")
    db.close()


if __name__ == "__main__":
    main()
