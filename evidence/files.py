"""The service register and the exercise and incident log as CSV and Excel files: written, and read back checked.

Register (CSV, or the sheet "Services" of a workbook), one row per service:
    name, owner, tier, mtpd_hours, rto_hours, rpo_hours, downtime_cost_per_hour, currency,
    depends_on, providers, bia_reviewed_on
Times are hours (0.25 is 15 minutes), the cost is per hour of downtime in `currency` (an ISO 4217
code such as EUR), depends_on and providers list names separated by ";", dates are YYYY-MM-DD.

Log as a workbook: sheet "Exercises" (ref, date, kind, title, participants), sheet "Results"
(exercise, service, recovery_hours, data_loss_hours) and sheet "Findings" (exercise, finding,
owner, due, status, finding_id); `exercise` is the ref of a row of "Exercises". Log as one CSV file:
the columns row_type, ref, date, kind, title, participants, service, recovery_hours, data_loss_hours,
finding, owner, due, status, finding_id; a "result" row holds one service's result and a "finding"
row one finding, each with its exercise's ref, date, kind, title and participants (the same on every
row of that ref); an exercise with neither is one "exercise" row. Exports number exercises E1, E2, ...
finding_id is optional: exports write each finding's id so that a file imported again keeps every
finding's roadmap step linked; a blank id is a new finding (or, when its exercise and text match a
stored finding, that finding).

Reading checks every row (with storage.evidence's checks, the ones a save runs) and raises
EvidenceFileError listing every problem by sheet and row; nothing is returned unless all are good.
Files are refused early when too large, too long or too wide; formulas are refused, never run.
"""

from __future__ import annotations

import csv
import io
from collections.abc import Callable, Iterable, Iterator, Sequence
from dataclasses import dataclass, field
from datetime import date, datetime
from typing import Final

from openpyxl import Workbook, load_workbook

from evidence.model import Exercise, Finding, Service, ServiceResult
from exports.safe_text import csv_safe, formula_like, set_text
from exports.upload_safety import UploadRefused, check_sheet_extent, check_xlsx_upload, reading_upload
from storage.evidence import SEPARATOR, EvidenceProblem, check_log, check_register

MAX_FILE_BYTES: Final = 5_000_000
MAX_ROWS: Final = 20_000
"""Most rows a file or a sheet may hold, the header included."""
MAX_COLUMNS: Final = 30

REGISTER_COLUMNS: Final = (
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
)
REGISTER_REQUIRED: Final = ("name", "tier", "mtpd_hours", "rto_hours", "rpo_hours")
SERVICES_SHEET: Final = "Services"

EXERCISE_COLUMNS: Final = ("ref", "date", "kind", "title", "participants")
RESULT_COLUMNS: Final = ("exercise", "service", "recovery_hours", "data_loss_hours")
FINDING_COLUMNS: Final = ("exercise", "finding", "owner", "due", "status", "finding_id")
EXERCISES_SHEET: Final = "Exercises"
RESULTS_SHEET: Final = "Results"
FINDINGS_SHEET: Final = "Findings"
LOG_SHEETS: Final = {
    EXERCISES_SHEET: (EXERCISE_COLUMNS, ("ref", "date", "kind", "title")),
    RESULTS_SHEET: (RESULT_COLUMNS, ("exercise", "service")),
    FINDINGS_SHEET: (FINDING_COLUMNS, ("exercise", "finding")),
}
LOG_CSV_COLUMNS: Final = (
    "row_type",
    "ref",
    "date",
    "kind",
    "title",
    "participants",
    "service",
    "recovery_hours",
    "data_loss_hours",
    "finding",
    "owner",
    "due",
    "status",
    "finding_id",
)
ROW_TYPES: Final = ("result", "finding", "exercise")


class EvidenceFileError(ValueError):
    """A register or log file was refused; the message lists every problem with its sheet and row."""

    def __init__(self, problems: Sequence[str]) -> None:
        super().__init__("\n".join(problems))
        self.problems = tuple(problems)


# Writing


def _number_text(value: float | None) -> str:
    if value is None:
        return ""
    return str(int(value)) if value.is_integer() and abs(value) < 1e15 else repr(value)


def _day_text(value: date | None) -> str:
    return "" if value is None else value.isoformat()


def _register_rows(services: Iterable[Service]) -> Iterator[list[str | float | None]]:
    for s in services:
        yield [
            s.name,
            s.owner,
            s.tier,
            s.mtpd_hours,
            s.rto_hours,
            s.rpo_hours,
            s.downtime_cost_per_hour,
            s.currency,
            f"{SEPARATOR} ".join(s.depends_on),
            f"{SEPARATOR} ".join(s.providers),
            _day_text(s.bia_reviewed_on),
        ]


def _csv(header: Sequence[str], rows: Iterable[Sequence[str | float | None]]) -> bytes:
    buffer = io.StringIO()
    writer = csv.writer(buffer, lineterminator="\r\n")
    writer.writerow(header)
    for row in rows:
        writer.writerow(
            [
                csv_safe(cell) if isinstance(cell, str) else _number_text(None if cell is None else float(cell))
                for cell in row
            ]
        )
    # A BOM, so that Excel opens the file as UTF-8.
    return buffer.getvalue().encode("utf-8-sig")


def _sheet(workbook: Workbook, title: str, header: Sequence[str], rows: Iterable[Sequence[str | float | None]]) -> None:
    sheet = workbook.create_sheet(title)
    sheet.append(list(header))
    for number, row in enumerate(rows, start=2):
        for column, value in enumerate(row, start=1):
            cell = sheet.cell(row=number, column=column)
            if isinstance(value, str):
                set_text(cell, value)  # text stays text: never a formula
            elif value is not None:
                cell.value = value
    sheet.freeze_panes = "A2"


def _workbook_bytes(workbook: Workbook) -> bytes:
    del workbook[workbook.sheetnames[0]]  # the empty sheet every new workbook starts with
    buffer = io.BytesIO()
    workbook.save(buffer)
    return buffer.getvalue()


def register_csv(services: Iterable[Service]) -> bytes:
    """Return the register as a UTF-8 CSV file, one row per service."""
    return _csv(REGISTER_COLUMNS, _register_rows(services))


def register_xlsx(services: Iterable[Service]) -> bytes:
    """Return the register as a workbook with one sheet, "Services"."""
    workbook = Workbook()
    _sheet(workbook, SERVICES_SHEET, REGISTER_COLUMNS, _register_rows(services))
    return _workbook_bytes(workbook)


def exercise_refs(exercises: Sequence[Exercise]) -> list[str]:
    """The refs an export gives the exercises of a log, in its order: E1, E2, ..."""
    return [f"E{number}" for number in range(1, len(exercises) + 1)]


def log_xlsx(exercises: Sequence[Exercise]) -> bytes:
    """Return the log as a workbook with the sheets Exercises, Results and Findings, linked by ref."""
    refs = exercise_refs(exercises)
    workbook = Workbook()
    _sheet(
        workbook,
        EXERCISES_SHEET,
        EXERCISE_COLUMNS,
        ([ref, _day_text(e.day), e.kind, e.title, e.participants] for ref, e in zip(refs, exercises, strict=True)),
    )
    _sheet(
        workbook,
        RESULTS_SHEET,
        RESULT_COLUMNS,
        (
            [ref, r.service, r.recovery_hours, r.data_loss_hours]
            for ref, e in zip(refs, exercises, strict=True)
            for r in e.results
        ),
    )
    _sheet(
        workbook,
        FINDINGS_SHEET,
        FINDING_COLUMNS,
        (
            [ref, f.text, f.owner, _day_text(f.due), f.status, f.key]
            for ref, e in zip(refs, exercises, strict=True)
            for f in e.findings
        ),
    )
    return _workbook_bytes(workbook)


def log_csv(exercises: Sequence[Exercise]) -> bytes:
    """Return the log as one CSV file: a row per result and per finding, with its exercise on every row."""
    rows: list[list[str | float | None]] = []
    for ref, e in zip(exercise_refs(exercises), exercises, strict=True):
        head: list[str | float | None] = [ref, _day_text(e.day), e.kind, e.title, e.participants]
        for r in e.results:
            rows.append(["result", *head, r.service, r.recovery_hours, r.data_loss_hours, "", "", "", "", ""])
        for f in e.findings:
            rows.append(["finding", *head, "", None, None, f.text, f.owner, _day_text(f.due), f.status, f.key])
        if not e.results and not e.findings:
            rows.append(["exercise", *head, "", None, None, "", "", "", "", ""])
    return _csv(LOG_CSV_COLUMNS, rows)


# Reading


@dataclass
class _Table:
    """One sheet or CSV file read: its name as messages give it, and its rows by row number."""

    where: str  # "Services" or "Row" (a CSV file's rows are named on their own)
    rows: list[tuple[int, dict[str, object]]] = field(default_factory=list)
    labels: dict[int, str] = field(default_factory=dict)  # what a table on screen names a row by, after its number

    def at(self, number: int) -> str:
        place = f"{self.where} row {number}" if self.where != "Row" else f"Row {number}"
        label = self.labels.get(number)
        return f"{place} ({label})" if label else place


def _header(where: str, cells: Sequence[object], columns: Sequence[str], required: Sequence[str]) -> list[str]:
    names = [str(cell).strip().lower() if cell is not None else "" for cell in cells]
    while names and not names[-1]:
        names.pop()
    lead = "Row 1" if where == "Row" else f"{where} row 1"
    unknown = [n for n in names if n not in columns]
    missing = [c for c in required if c not in names]
    twice = sorted({n for n in names if names.count(n) > 1 and n})
    problems = []
    if missing:
        problems.append(f"{lead}: missing column(s) {', '.join(missing)}; the header row must name them.")
    if unknown:
        shown = ", ".join(repr(n) if n else "(an empty heading)" for n in unknown)
        problems.append(f"{lead}: unknown column(s) {shown}; use only: {', '.join(columns)}.")
    if twice:
        problems.append(f"{lead}: column(s) {', '.join(twice)} appear twice; keep one of each.")
    if problems:
        raise EvidenceFileError(problems)
    return names


def _blank(value: object) -> bool:
    return value is None or (isinstance(value, str) and not value.strip())


def _table(
    where: str, rows: Iterable[tuple[int, Sequence[object]]], columns: Sequence[str], required: Sequence[str]
) -> _Table:
    table = _Table(where)
    iterator = iter(rows)
    first = next(iterator, None)
    if first is None:
        raise EvidenceFileError(
            [
                f"{'Row 1' if where == 'Row' else where + ' row 1'}: the header row is missing; "
                f"the first row must name the columns: {', '.join(columns)}."
            ]
        )
    names = _header(where, first[1], columns, required)
    for number, cells in iterator:
        if all(_blank(cell) for cell in cells):
            continue
        values = {name: cells[i] if i < len(cells) else None for i, name in enumerate(names) if name}
        extra = [cell for cell in cells[len(names) :] if not _blank(cell)]
        if extra:
            raise EvidenceFileError(
                [f"{table.at(number)}: more values than columns; check the separators and quoting."]
            )
        table.rows.append((number, values))
    return table


def _unquoted(text: str) -> str:
    # A CSV export prefixes text that looks like a formula with a single quote (exports.safe_text.csv_safe).
    return text[1:] if text.startswith("'") and formula_like(text[1:]) else text


def _text(value: object) -> str:
    if value is None:
        return ""
    if isinstance(value, str):
        return value
    if isinstance(value, float) and value.is_integer():
        return str(int(value))
    if isinstance(value, datetime):
        return value.date().isoformat()
    return str(value)


def _number(value: object) -> object:
    """A cell as a number when it is one; anything else is passed on for the check to name."""
    if _blank(value):
        return None
    if isinstance(value, str):
        try:
            return float(value.strip())
        except ValueError:
            return value.strip()
    return value


def _day(value: object) -> object:
    if _blank(value):
        return None
    if isinstance(value, datetime):
        return value.date()
    if isinstance(value, str):
        return value.strip()
    return value


def _list(value: object) -> tuple[str, ...]:
    return tuple(part.strip() for part in _text(value).split(SEPARATOR) if part.strip())


def _service(values: dict[str, object]) -> Service:
    return Service(
        name=_text(values.get("name")),
        owner=_text(values.get("owner")),
        tier=_text(values.get("tier")).strip().lower(),  # type: ignore[arg-type]
        mtpd_hours=_number(values.get("mtpd_hours")),  # type: ignore[arg-type]
        rto_hours=_number(values.get("rto_hours")),  # type: ignore[arg-type]
        rpo_hours=_number(values.get("rpo_hours")),  # type: ignore[arg-type]
        downtime_cost_per_hour=_number(values.get("downtime_cost_per_hour")),  # type: ignore[arg-type]
        currency=_text(values.get("currency")),
        depends_on=_list(values.get("depends_on")),
        providers=_list(values.get("providers")),
        bia_reviewed_on=_day(values.get("bia_reviewed_on")),  # type: ignore[arg-type]
    )


def _services(table: _Table) -> tuple[Service, ...]:
    services = [_service(values) for _number_, values in table.rows]
    cleaned, problems = check_register(services)

    def where(problem: EvidenceProblem) -> str:
        if 0 <= problem.index < len(table.rows):
            return table.at(table.rows[problem.index][0])
        return "The register"

    if problems:
        raise EvidenceFileError([_placed(problem, where) for problem in problems])
    return cleaned


def _placed(problem: EvidenceProblem, where: Callable[[EvidenceProblem], str]) -> str:
    return f"{where(problem)}: {problem.message}"


@dataclass
class _Log:
    """Exercises being put together from rows, with the row each part came from."""

    exercises: list[dict[str, object]] = field(default_factory=list)
    refs: dict[str, int] = field(default_factory=dict)
    rows: list[str] = field(default_factory=list)  # where each exercise was defined
    results: list[list[tuple[str, ServiceResult]]] = field(default_factory=list)
    findings: list[list[tuple[str, Finding]]] = field(default_factory=list)
    problems: list[str] = field(default_factory=list)

    def add_exercise(self, where: str, values: dict[str, object]) -> None:
        ref = _text(values.get("ref")).strip()
        if not ref:
            self.problems.append(f"{where}: ref is empty; give each exercise a short reference such as E1.")
            return
        if ref.casefold() in self.refs:
            self.problems.append(f"{where}: ref '{ref}' is used by another exercise; give each exercise its own ref.")
            return
        self.refs[ref.casefold()] = len(self.exercises)
        self.exercises.append(values)
        self.rows.append(where)
        self.results.append([])
        self.findings.append([])

    def index(self, where: str, value: object, sheet: str) -> int | None:
        ref = _text(value).strip()
        found = self.refs.get(ref.casefold())
        if found is None:
            self.problems.append(
                f"{where}: exercise '{ref}' is not on the {sheet}; use a ref from its ref column."
                if ref
                else f"{where}: the exercise ref is empty; give the ref of the exercise it belongs to."
            )
        return found

    def result(self, where: str, index: int, values: dict[str, object]) -> None:
        self.results[index].append(
            (
                where,
                ServiceResult(
                    service=_text(values.get("service")),
                    recovery_hours=_number(values.get("recovery_hours")),  # type: ignore[arg-type]
                    data_loss_hours=_number(values.get("data_loss_hours")),  # type: ignore[arg-type]
                ),
            )
        )

    def finding(self, where: str, index: int, values: dict[str, object]) -> None:
        status = _text(values.get("status")).strip().lower() or "open"
        self.findings[index].append(
            (
                where,
                Finding(
                    text=_text(values.get("finding")),
                    owner=_text(values.get("owner")),
                    due=_day(values.get("due")),  # type: ignore[arg-type]
                    status=status,  # type: ignore[arg-type]
                    key=_text(values.get("finding_id")).strip(),
                ),
            )
        )

    def checked(self, service_names: Iterable[str]) -> tuple[Exercise, ...]:
        if self.problems:
            raise EvidenceFileError(self.problems)
        exercises = [
            Exercise(
                day=_day(values.get("date")),  # type: ignore[arg-type]
                kind=_text(values.get("kind")).strip().lower(),  # type: ignore[arg-type]
                title=_text(values.get("title")),
                results=tuple(result for _where, result in self.results[i]),
                participants=_text(values.get("participants")),
                findings=tuple(finding for _where, finding in self.findings[i]),
            )
            for i, values in enumerate(self.exercises)
        ]
        cleaned, problems = check_log(exercises, service_names)

        def where(problem: EvidenceProblem) -> str:
            if problem.part == "result" and problem.item is not None:
                return self.results[problem.index][problem.item][0]
            if problem.part == "finding" and problem.item is not None:
                return self.findings[problem.index][problem.item][0]
            return self.rows[problem.index] if problem.index < len(self.rows) else "The log"

        if problems:
            raise EvidenceFileError([_placed(p, where) for p in problems])
        return cleaned


# Reading the raw files


def _csv_rows(raw: bytes, name: str) -> Iterator[tuple[int, list[str]]]:
    if len(raw) > MAX_FILE_BYTES:
        raise EvidenceFileError(
            [f"{name} is {len(raw):,} bytes, more than the {MAX_FILE_BYTES:,} allowed; split it into smaller files."]
        )
    try:
        text = raw.decode("utf-8-sig")
    except UnicodeDecodeError as error:
        raise EvidenceFileError(
            [f"{name} is not UTF-8 text (byte {error.start:,}); save it as CSV UTF-8 and try again."]
        ) from None
    first_line = text.split("\n", 1)[0]
    # Spreadsheets set to a decimal comma save CSV files with ";" between the values.
    delimiter = ";" if first_line.count(";") > first_line.count(",") else ","
    reader = csv.reader(io.StringIO(text, newline=""), delimiter=delimiter)
    try:
        for number, row in enumerate(reader, start=1):
            if number > MAX_ROWS:
                raise EvidenceFileError(
                    [f"{name} has more than {MAX_ROWS:,} rows, more than the app takes in one file; split it."]
                )
            if len(row) > MAX_COLUMNS:
                raise EvidenceFileError(
                    [f"Row {number}: {len(row)} values, more than the {MAX_COLUMNS} columns allowed."]
                )
            yield number, [_unquoted(cell) for cell in row]
    except csv.Error as error:
        raise EvidenceFileError(
            [f"Row {reader.line_num}: the CSV cannot be read ({error}); check the quoting."]
        ) from None


def _workbook_sheets(raw: bytes, name: str, wanted: Sequence[str]) -> dict[str, list[tuple[int, list[object]]]]:
    """Return the rows of the wanted sheets present in the workbook, after every check against hostile files."""
    try:
        check_xlsx_upload(raw, name, max_bytes=MAX_FILE_BYTES, max_uncompressed=50_000_000, max_entries=200)
        check_sheet_extent(
            raw,
            name,
            max_rows=MAX_ROWS,
            max_columns=MAX_COLUMNS,
            document="a register or log workbook",
            remedy="Export the register or log from the app and fill that in.",
        )
        sheets: dict[str, list[tuple[int, list[object]]]] = {}
        problems: list[str] = []
        with reading_upload(name):
            # Not data_only: a formula is seen as one (and refused), never taken at its cached value.
            workbook = load_workbook(io.BytesIO(raw), read_only=True, data_only=False, keep_links=False)
            try:
                for title in wanted:
                    if title not in workbook.sheetnames:
                        continue
                    sheet = workbook[title]
                    sheet.reset_dimensions()
                    rows: list[tuple[int, list[object]]] = []
                    for number, cells in enumerate(
                        sheet.iter_rows(min_row=1, max_row=MAX_ROWS, max_col=MAX_COLUMNS), start=1
                    ):
                        values: list[object] = []
                        for cell in cells:
                            if getattr(cell, "data_type", None) == "f":
                                problems.append(
                                    f"{title} row {number}: cell {cell.coordinate} holds a formula; type the value "
                                    "itself (formulas are not run)."
                                )
                                values.append(None)
                            else:
                                values.append(getattr(cell, "value", None))
                        rows.append((number, values))
                    sheets[title] = rows
            finally:
                workbook.close()
    except UploadRefused as refused:
        raise EvidenceFileError([str(refused)]) from None
    if problems:
        raise EvidenceFileError(problems)
    return sheets


def _is_xlsx(name: str) -> bool:
    return name.lower().endswith(".xlsx")


def read_register(raw: bytes, name: str) -> tuple[Service, ...]:
    """Read a register file (.csv or .xlsx by `name`) and return its services, checked; raise EvidenceFileError."""
    if _is_xlsx(name):
        sheets = _workbook_sheets(raw, name, (SERVICES_SHEET,))
        if SERVICES_SHEET not in sheets:
            raise EvidenceFileError(
                [f"{name} has no sheet named {SERVICES_SHEET!r}; put the register on a sheet of that name."]
            )
        table = _table(SERVICES_SHEET, sheets[SERVICES_SHEET], REGISTER_COLUMNS, REGISTER_REQUIRED)
    else:
        table = _table("Row", _csv_rows(raw, name), REGISTER_COLUMNS, REGISTER_REQUIRED)
    return _services(table)


def read_log(raw: bytes, name: str, service_names: Iterable[str]) -> tuple[Exercise, ...]:
    """Read a log file (.csv or .xlsx by `name`) and return its exercises checked against the register's names."""
    log = _Log()
    if _is_xlsx(name):
        sheets = _workbook_sheets(raw, name, tuple(LOG_SHEETS))
        if EXERCISES_SHEET not in sheets:
            raise EvidenceFileError(
                [f"{name} has no sheet named {EXERCISES_SHEET!r}; put the exercises on a sheet of that name."]
            )
        tables = {
            title: _table(title, sheets[title], columns, required)
            for title, (columns, required) in LOG_SHEETS.items()
            if title in sheets
        }
        for number, values in tables[EXERCISES_SHEET].rows:
            log.add_exercise(tables[EXERCISES_SHEET].at(number), values)
        for title, add in ((RESULTS_SHEET, log.result), (FINDINGS_SHEET, log.finding)):
            if title not in tables:
                continue
            for number, values in tables[title].rows:
                where = tables[title].at(number)
                index = log.index(where, values.get("exercise"), f"{EXERCISES_SHEET} sheet")
                if index is not None:
                    add(where, index, values)
        return log.checked(service_names)
    table = _table("Row", _csv_rows(raw, name), LOG_CSV_COLUMNS, ("row_type", "ref", "date", "kind", "title"))
    for number, values in table.rows:
        where = table.at(number)
        row_type = _text(values.get("row_type")).strip().lower()
        if row_type not in ROW_TYPES:
            log.problems.append(f"{where}: row_type {row_type!r} is not one of: {', '.join(ROW_TYPES)}.")
            continue
        ref = _text(values.get("ref")).strip()
        index = log.refs.get(ref.casefold())
        if index is None:
            log.add_exercise(where, values)
            index = log.refs.get(ref.casefold())
            if index is None:
                continue
        else:
            first = log.exercises[index]
            differs = [
                column
                for column in ("date", "kind", "title", "participants")
                if _text(values.get(column)).strip() != _text(first.get(column)).strip()
            ]
            if differs:
                log.problems.append(
                    f"{where}: {', '.join(differs)} differ from the first row of exercise '{ref}' "
                    f"({log.rows[index]}); give every row of an exercise the same {', '.join(differs)}."
                )
                continue
        if row_type == "result":
            log.result(where, index, values)
        elif row_type == "finding":
            log.finding(where, index, values)
    return log.checked(service_names)


# Reading tables edited on screen


def register_from_table(rows: Sequence[dict[str, object]]) -> tuple[Service, ...]:
    """Return the services of a register table (rows keyed by the file's columns), checked; raise EvidenceFileError.

    Problems name the table's rows as "Row N (name)", counting from 1 as the table shows them; rows
    left wholly blank are skipped, as in a file.
    """
    table = _Table("Row")
    for number, values in enumerate(rows, start=1):
        if not all(_blank(value) for value in values.values()):
            table.rows.append((number, dict(values)))
            if not _blank(values.get("name")):
                table.labels[number] = _text(values.get("name")).strip()
    return _services(table)


def log_from_tables(
    exercises: Sequence[dict[str, object]],
    results: Sequence[dict[str, object]],
    findings: Sequence[dict[str, object]],
    service_names: Iterable[str],
) -> tuple[Exercise, ...]:
    """Return the exercises of three log tables (the workbook's sheets, rows keyed by its columns), checked.

    Problems name each table's rows as "Exercises row N (ref)", "Results row N (ref)" and "Findings
    row N (ref)", counting from 1 as the tables show them; raises EvidenceFileError listing every problem.
    """

    def place(title: str, number: int, ref: object) -> str:
        return f"{title} row {number} ({_text(ref).strip()})" if not _blank(ref) else f"{title} row {number}"

    log = _Log()
    for number, values in enumerate(exercises, start=1):
        if not all(_blank(value) for value in values.values()):
            log.add_exercise(place(EXERCISES_SHEET, number, values.get("ref")), values)
    for title, rows, add in ((RESULTS_SHEET, results, log.result), (FINDINGS_SHEET, findings, log.finding)):
        for number, values in enumerate(rows, start=1):
            if all(_blank(value) for value in values.values()):
                continue
            where = place(title, number, values.get("exercise"))
            index = log.index(where, values.get("exercise"), f"{EXERCISES_SHEET} table")
            if index is not None:
                add(where, index, values)
    return log.checked(service_names)
