"""The service register and the exercise log as CSV and Excel files: round trips, row-numbered refusals, hostile files."""

from __future__ import annotations

import io
import time
import zipfile
from datetime import date

import pytest
from openpyxl import Workbook, load_workbook

from evidence.files import (
    EvidenceFileError,
    log_csv,
    log_xlsx,
    read_log,
    read_register,
    register_csv,
    register_xlsx,
)
from evidence.model import Exercise, Finding, Service, ServiceResult

PAYMENTS = Service(
    name="Payments",
    owner='=HYPERLINK("http://x")',
    tier="critical",
    mtpd_hours=8,
    rto_hours=4,
    rpo_hours=0.25,
    downtime_cost_per_hour=120_000,
    currency="EUR",
    depends_on=("Core banking",),
    providers=("CloudCo", "NetLink"),
    bia_reviewed_on=date(2025, 11, 3),
)
CORE = Service(name="Core banking", owner="-CIO", tier="critical", mtpd_hours=12, rto_hours=6, rpo_hours=0)
PAYROLL = Service(name="Payroll", owner="HR", tier="standard", mtpd_hours=72, rto_hours=48, rpo_hours=24)
REGISTER = (PAYMENTS, CORE, PAYROLL)
NAMES = tuple(s.name for s in REGISTER)

LOG = (
    Exercise(
        day=date(2025, 10, 14),
        kind="failover",
        title="Data centre failover",
        results=(ServiceResult("Payments", 3.5, 0.1), ServiceResult("Core banking", 7)),
        participants="Ana, Ben",
        findings=(Finding("=Runbook step 4 out of date", owner="Ben", due=date(2026, 1, 31), status="in progress"),),
    ),
    Exercise(day=date(2025, 3, 2), kind="tabletop", title="Ransomware tabletop", results=(ServiceResult("Payroll"),)),
    Exercise(day=date(2024, 6, 1), kind="walk-through", title="Plan walk-through"),
)


def register_file(rows: list[list[object]], *, header: list[str] | None = None) -> bytes:
    """A register CSV with the standard header (or `header`) and `rows`."""
    head = header or [
        "name",
        "owner",
        "tier",
        "mtpd_hours",
        "rto_hours",
        "rpo_hours",
        "downtime_cost_per_hour",
        "currency",
        "depends_on",
        "providers",
        "bia_reviewed_on",
    ]
    lines = [",".join(head)] + [",".join(str(cell) for cell in row) for row in rows]
    return ("\r\n".join(lines) + "\r\n").encode()


GOOD_ROW: list[object] = ["Payroll", "HR", "standard", 72, 48, 24, "", "", "", "", ""]


def workbook_bytes(sheets: dict[str, list[list[object]]]) -> bytes:
    workbook = Workbook()
    del workbook[workbook.sheetnames[0]]
    for title, rows in sheets.items():
        sheet = workbook.create_sheet(title)
        for row in rows:
            sheet.append(row)
    buffer = io.BytesIO()
    workbook.save(buffer)
    return buffer.getvalue()


@pytest.mark.parametrize(("write", "name"), [(register_csv, "register.csv"), (register_xlsx, "register.xlsx")])
def test_the_register_reads_back_as_written(write: object, name: str) -> None:
    assert read_register(write(REGISTER), name) == REGISTER  # type: ignore[operator]


@pytest.mark.parametrize(("write", "name"), [(log_csv, "log.csv"), (log_xlsx, "log.xlsx")])
def test_the_log_reads_back_as_written(write: object, name: str) -> None:
    assert read_log(write(LOG), name, NAMES) == LOG  # type: ignore[operator]


def test_text_that_starts_with_an_equals_sign_is_text_in_the_workbook_not_a_formula() -> None:
    workbook = load_workbook(io.BytesIO(register_xlsx(REGISTER)))
    owner = workbook["Services"]["B2"]
    assert (owner.value, owner.data_type) == ('=HYPERLINK("http://x")', "s")
    finding = load_workbook(io.BytesIO(log_xlsx(LOG)))["Findings"]["B2"]
    assert (finding.value, finding.data_type) == ("=Runbook step 4 out of date", "s")


def test_text_that_starts_like_a_formula_is_quoted_in_the_csv() -> None:
    text = register_csv(REGISTER).decode("utf-8-sig")
    assert "'=HYPERLINK" in text and ",'-CIO," in text


def test_the_log_csv_has_one_row_per_result_and_finding_and_one_for_an_exercise_with_neither() -> None:
    lines = log_csv(LOG).decode("utf-8-sig").splitlines()
    assert [line.split(",")[0] for line in lines] == ["row_type", "result", "result", "finding", "result", "exercise"]


def test_a_csv_with_semicolons_and_a_byte_order_mark_is_read() -> None:
    raw = "\ufeffname;tier;mtpd_hours;rto_hours;rpo_hours;depends_on\r\nPayroll;standard;72;48;24;\r\n"
    assert read_register(raw.encode(), "register.csv") == (PAYROLL.__class__(**{**PAYROLL.__dict__, "owner": ""}),)


BAD_REGISTER_ROWS = [
    (
        ["Payments", "", "critical", 8, 9, 1, "", "", "", "", ""],
        "Row 3: RTO 9 h is above its MTPD of 8 h; an RTO must not exceed the MTPD: lower the RTO or raise the MTPD.",
    ),
    (
        ["Payments", "", "gold", 8, 4, 1, "", "", "", "", ""],
        "Row 3: Tier 'gold' is not in the list; choose one of: critical, important, standard.",
    ),
    (
        ["Payments", "", "critical", "eight", 4, 1, "", "", "", "", ""],
        "Row 3: MTPD 'eight' is not a number; give it in hours, such as 24.",
    ),
    (["Payments", "", "critical", 8, "", 1, "", "", "", "", ""], "Row 3: RTO is missing; give it in hours, such as 4."),
    (["Payments", "", "critical", 8, 4, -1, "", "", "", "", ""], "Row 3: RPO -1 is below zero; give 0 or more hours."),
    (
        ["Payments", "", "critical", 8, 4, 1, "", "", "Payrol", "", ""],
        "Row 3: it depends on 'Payrol', which is not in the register; add that service or correct the name.",
    ),
    (
        ["payroll", "", "critical", 8, 4, 1, "", "", "", "", ""],
        "Row 3: the name 'payroll' is already used by service 1; give each service its own name (names are compared "
        "ignoring case).",
    ),
    (
        ["Payments", "", "critical", 8, 4, 1, "", "", "", "", "03/11/2025"],
        "Row 3: BIA reviewed on '03/11/2025' is not a date; give a date such as 2026-03-31.",
    ),
    (
        ["Payments", "", "critical", 8, 4, 1, 5000, "", "", "", ""],
        "Row 3: A downtime cost per hour needs its currency; add the three-letter code, such as EUR or USD.",
    ),
]


@pytest.mark.parametrize(("row", "message"), BAD_REGISTER_ROWS, ids=[m[7:45] for _, m in BAD_REGISTER_ROWS])
def test_a_bad_register_row_is_refused_with_its_row_number_and_message(row: list[object], message: str) -> None:
    with pytest.raises(EvidenceFileError) as refused:
        read_register(register_file([GOOD_ROW, row]), "register.csv")
    assert refused.value.problems == (message,)


def test_every_bad_row_is_reported_at_once_and_nothing_is_returned() -> None:
    rows = [
        GOOD_ROW,
        ["A", "", "gold", 8, 4, 1, "", "", "", "", ""],
        ["B", "", "critical", 1, 2, 0, "", "", "", "", ""],
    ]
    with pytest.raises(EvidenceFileError) as refused:
        read_register(register_file(rows), "register.csv")
    assert [problem.split(":")[0] for problem in refused.value.problems] == ["Row 3", "Row 4"]


def test_a_register_header_with_a_missing_and_an_unknown_column_is_refused() -> None:
    with pytest.raises(EvidenceFileError) as refused:
        read_register(register_file([], header=["name", "tier", "mtpd_hours", "rto_hours", "colour"]), "r.csv")
    assert refused.value.problems == (
        "Row 1: missing column(s) rpo_hours; the header row must name them.",
        "Row 1: unknown column(s) 'colour'; use only: name, owner, tier, mtpd_hours, rto_hours, rpo_hours, "
        "downtime_cost_per_hour, currency, depends_on, providers, bia_reviewed_on.",
    )


def log_workbook(results: list[list[object]], findings: list[list[object]] | None = None) -> bytes:
    return workbook_bytes(
        {
            "Exercises": [["ref", "date", "kind", "title", "participants"], ["E1", "2025-10-14", "failover", "DR", ""]],
            "Results": [["exercise", "service", "recovery_hours", "data_loss_hours"], *results],
            "Findings": [["exercise", "finding", "owner", "due", "status"], *(findings or [])],
        }
    )


BAD_LOG_ROWS = [
    (
        log_workbook([["E1", "Payments", 2, 0], ["E1", "Core banking", 3, 0], ["E1", "Payrol", 1, 0]]),
        "Results row 4: service 'Payrol' is not in the register; add it to the register or correct the name.",
    ),
    (
        log_workbook([["E2", "Payments", 2, 0]]),
        "Results row 2: exercise 'E2' is not on the Exercises sheet; use a ref from its ref column.",
    ),
    (
        log_workbook([["E1", "Payments", -2, 0]]),
        "Results row 2: Recovery time -2 is below zero; give 0 or more hours.",
    ),
    (
        log_workbook([], [["E1", "Fix the runbook", "Ben", "2026-01-31", "done"]]),
        "Findings row 2: Status 'done' is not in the list; choose one of: open, in progress, closed.",
    ),
    (
        log_workbook([], [["E1", "Fix the runbook", "Ben", "soon", "open"]]),
        "Findings row 2: Due date 'soon' is not a date; give a date such as 2026-03-31.",
    ),
]


@pytest.mark.parametrize(("raw", "message"), BAD_LOG_ROWS, ids=[m[:30] for _, m in BAD_LOG_ROWS])
def test_a_bad_log_row_is_refused_with_its_sheet_and_row_number(raw: bytes, message: str) -> None:
    with pytest.raises(EvidenceFileError) as refused:
        read_log(raw, "log.xlsx", NAMES)
    assert refused.value.problems == (message,)


def test_a_bad_exercise_row_is_named_by_its_sheet() -> None:
    raw = workbook_bytes({"Exercises": [["ref", "date", "kind", "title"], ["E1", "2025-10-14", "drill", "DR"]]})
    with pytest.raises(EvidenceFileError) as refused:
        read_log(raw, "log.xlsx", NAMES)
    assert refused.value.problems[0].startswith("Exercises row 2: Kind 'drill' is not in the list;")


def test_rows_of_one_exercise_in_the_log_csv_must_agree_on_the_exercise() -> None:
    lines = log_csv(LOG).decode("utf-8-sig").splitlines()
    lines[2] = lines[2].replace("2025-10-14", "2025-10-15")
    with pytest.raises(EvidenceFileError) as refused:
        read_log("\r\n".join(lines).encode(), "log.csv", NAMES)
    assert refused.value.problems == (
        "Row 3: date differ from the first row of exercise 'E1' (Row 2); give every row of an exercise the same date.",
    )


def test_a_log_csv_row_of_an_unknown_type_is_refused() -> None:
    lines = log_csv(LOG).decode("utf-8-sig").splitlines()
    lines[1] = "note" + lines[1][len("result") :]
    with pytest.raises(EvidenceFileError) as refused:
        read_log("\r\n".join(lines).encode(), "log.csv", NAMES)
    assert refused.value.problems == ("Row 2: row_type 'note' is not one of: result, finding, exercise.",)


def test_a_workbook_with_a_formula_is_refused_and_the_formula_is_not_run() -> None:
    raw = workbook_bytes(
        {"Services": [["name", "tier", "mtpd_hours", "rto_hours", "rpo_hours"], ["Payroll", "standard", "=1+1", 4, 0]]}
    )
    with pytest.raises(EvidenceFileError) as refused:
        read_register(raw, "register.xlsx")
    assert refused.value.problems == (
        "Services row 2: cell C2 holds a formula; type the value itself (formulas are not run).",
    )


def huge_dimension_workbook() -> bytes:
    """A tiny workbook whose one sheet claims a cell on row 20,000,000."""
    raw = workbook_bytes({"Services": [["name"]]})
    source = zipfile.ZipFile(io.BytesIO(raw))
    out = io.BytesIO()
    with zipfile.ZipFile(out, "w", zipfile.ZIP_DEFLATED) as target:
        for item in source.infolist():
            data = source.read(item.filename)
            if item.filename == "xl/worksheets/sheet1.xml":
                data = data.replace(
                    b"</sheetData>", b'<row r="20000000"><c r="A20000000"><v>1</v></c></row></sheetData>'
                )
            target.writestr(item, data)
    return out.getvalue()


def test_a_workbook_reaching_row_twenty_million_is_refused_fast() -> None:
    started = time.perf_counter()
    with pytest.raises(EvidenceFileError, match="reaches row 20,000,000; a register or log workbook has at most"):
        read_register(huge_dimension_workbook(), "register.xlsx")
    assert time.perf_counter() - started < 2


def test_a_file_too_large_is_refused_before_it_is_read() -> None:
    with pytest.raises(EvidenceFileError, match="more than the 5,000,000 allowed"):
        read_register(b"name\r\n" + b"x" * 5_000_001, "register.csv")


def test_a_csv_with_too_many_rows_is_refused_with_a_clear_message() -> None:
    raw = b"name,tier,mtpd_hours,rto_hours,rpo_hours\r\n" + b"a,standard,1,1,1\r\n" * 20_001
    with pytest.raises(EvidenceFileError, match="more than 20,000 rows"):
        read_register(raw, "register.csv")


def test_a_csv_that_is_not_utf8_is_refused_clearly() -> None:
    with pytest.raises(EvidenceFileError, match="not UTF-8 text"):
        read_register("name\r\nZürich\r\n".encode("latin-1"), "register.csv")


def test_a_workbook_without_its_sheet_is_refused() -> None:
    with pytest.raises(EvidenceFileError, match="has no sheet named 'Services'"):
        read_register(workbook_bytes({"Sheet1": [["name"]]}), "register.xlsx")
