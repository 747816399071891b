"""The offline questionnaire: a workbook one respondent fills in in Excel, and reading it back into storage.

`offline_workbook` writes an "Instructions" sheet, a "Questionnaire" sheet with a row per question
(the answer cells have drop-down lists of the levels) and a very hidden "_meta" sheet that ties the
file to its questionnaire version, assessment and respondent. `read_offline_workbook` checks an
upload (see exports.upload_safety), reads the answers and lists every problem at once with its
sheet!cell; `apply_offline_import` saves the answers in one transaction, all or nothing.

The respondent an import is saved for comes from the hidden sheet, so that sheet is signed: an
HMAC-SHA256, keyed by the installation's secret (storage.settings), over every value that says what
the file is for. A file whose ids were edited, or that another installation exported, fails the
check and is refused whole, as is a file exported before files were signed.

Import rules, as the Instructions sheet tells the respondent:

- A row with a level (or N/A) replaces the stored answer to that question: level, comment,
  evidence and evidence date together, so an emptied comment clears the stored comment.
- A row with an empty Level never clears a stored level. If it has a comment, evidence or an
  evidence date, that is saved and the stored level or N/A (if any) is kept, so on an unanswered
  question it becomes a comment on an unanswered question. A row with nothing in Level, Comment,
  Evidence and Evidence date is skipped, as are questions missing from the file.
- The Evidence date is a date (a date cell, or text such as 2026-03-31), never later than today. A
  file exported before the column existed has none, and then the stored evidence dates are kept.
- Question ids are matched after trimming spaces and ignoring case; the question, guidance and
  level statement columns are for reading only, and an edited question text gives a warning.
- Problems that concern the whole file (a missing sheet or column header, a file for another
  questionnaire, version or assessment) block the import even when only valid rows are asked for;
  problems in single rows block it unless `valid_only` is set, and then those rows are left out.
"""

from __future__ import annotations

import hashlib
import hmac
import io
import json
import re
from collections.abc import Callable, Iterable, Mapping, Sequence
from dataclasses import dataclass, field
from datetime import date, datetime, time
from typing import Final, Literal

from openpyxl import Workbook, load_workbook
from openpyxl.styles import Alignment, Font, PatternFill
from openpyxl.utils import get_column_letter
from openpyxl.worksheet._read_only import ReadOnlyWorksheet
from openpyxl.worksheet.datavalidation import DataValidation
from openpyxl.worksheet.worksheet import Worksheet
from sqlite_utils import Database

from exports.level_colours import level_colour, text_colour_on
from exports.safe_text import cell_text, set_text
from exports.upload_safety import check_sheet_extent, check_xlsx_upload, reading_upload
from questionnaires.model import Question, Questionnaire
from storage import list_answers, save_answer, write_transaction
from storage.choices import MAX_FREE_TEXT
from storage.records import EMPTY_ANSWER, Answer
from storage.settings import installation_secret

INSTRUCTIONS_SHEET: Final = "Instructions"
QUESTIONS_SHEET: Final = "Questionnaire"
META_SHEET: Final = "_meta"
FILE_FORMAT: Final = "itscm-offline-questionnaire"
FORMAT_VERSION: Final = 2
"""Version 2 added the signature; files of version 1 carry none and are refused."""
NA_TEXT: Final = "N/A"
NA_WORDS: Final = frozenset({"n/a", "na", "n.a.", "not applicable"})

ID_HEADER: Final = "Question id"
DOMAIN_HEADER: Final = "Domain"
QUESTION_HEADER: Final = "Question"
GUIDANCE_HEADER: Final = "Guidance"
EXAMPLES_HEADER: Final = "Evidence examples"
LEVEL_HEADER: Final = "Level"
COMMENT_HEADER: Final = "Comment"
EVIDENCE_HEADER: Final = "Evidence"
EVIDENCE_DATE_HEADER: Final = "Evidence date"
REQUIRED_HEADERS: Final = (ID_HEADER, LEVEL_HEADER, COMMENT_HEADER, EVIDENCE_HEADER)

MAX_COLUMNS: Final = 100
"""Columns read from each row: the exported sheet uses fewer than 20, extra ones are the respondent's."""

MAX_UNCOMPRESSED: Final = 25_000_000
"""Largest total size of an upload's parts once unzipped. An exported workbook of the 65-question
questionnaire is 0.2 MB unzipped, so this leaves room for 2,000 questions and Excel's additions,
while capping the parse time: openpyxl reads sheet XML at about 3.5 MB/s on one core."""

EXTRA_ROWS: Final = 500
"""Non-empty rows allowed beyond one per question (notes, copied rows) before the file is refused."""

MOST_QUESTIONS: Final[int] = next(
    rule.max_length for rule in Questionnaire.model_fields["questions"].metadata if hasattr(rule, "max_length")
)
"""The most questions a questionnaire may have (the loader refuses more): 2,000."""

MAX_SHEET_ROWS: Final = 2 * (MOST_QUESTIONS + EXTRA_ROWS)
"""The last row any sheet of an upload may reach (5,000). The largest questionnaire needs a header
and 2,000 question rows, plus the extra rows allowed above; doubling that leaves room for blank rows
between notes. Checked before the file is parsed, and the reader never reads further."""

MAX_SHEET_COLUMNS: Final = 2 * MAX_COLUMNS
"""The last column any sheet of an upload may reach (200, column GR). The widest export has 19
columns: 5 about the question, a statement for each of up to 11 levels, and the 3 answer columns."""

MAX_ID: Final = 2**63 - 1
"""The largest id SQLite stores; ids in the hidden sheet must be whole numbers from 1 to this."""

SIGNATURE_KEY: Final = "signature"
SIGNED_KEYS: Final = (
    "format",
    "format_version",
    "questionnaire_id",
    "questionnaire_version",
    "assessment_id",
    "respondent_id",
    "organisation",
    "assessment_label",
    "respondent_name",
)
"""The _meta settings the signature covers, in the order they are signed."""

_FIRST_STATEMENT_COLUMN: Final = 6
_LABEL_WIDTH: Final = 20
_TEXT_WIDTH: Final = 100
_META_KEYS_END: Final = "question_id"
_WHOLE_NUMBER: Final = re.compile(r"^\+?\d+(\.0*)?$")
_HEADER_FILL: Final = PatternFill("solid", fgColor="D9E1F2")
_ANSWER_FILL: Final = PatternFill("solid", fgColor="FFF2CC")
_WRAP: Final = Alignment(wrap_text=True, vertical="top")
_BOLD: Final = Font(bold=True)

ProblemKind = Literal[
    "missing_sheet",
    "missing_column",
    "duplicate_column",
    "wrong_file",
    "invalid_meta",
    "not_signed",
    "too_many_rows",
    "missing_question_id",
    "unknown_question",
    "duplicate_question",
    "invalid_level",
    "na_not_allowed",
    "text_too_long",
    "invalid_evidence_date",
]
FILE_PROBLEMS: Final[frozenset[ProblemKind]] = frozenset(
    {"missing_sheet", "missing_column", "duplicate_column", "wrong_file", "invalid_meta", "not_signed", "too_many_rows"}
)
"""Problems with the whole file: they block an import even when only the valid rows are asked for."""


class OfflineImportRefused(ValueError):
    """An offline questionnaire was not imported because of its problems; nothing was written."""


@dataclass(frozen=True)
class OfflineProblem:
    """Something in an uploaded offline questionnaire that must be fixed, with where it is and how to fix it."""

    where: str
    kind: ProblemKind
    message: str

    @property
    def blocks_file(self) -> bool:
        """Whether the problem concerns the whole file, so that not even its valid rows may be imported."""
        return self.kind in FILE_PROBLEMS

    def __str__(self) -> str:
        return f"{self.where}: {self.message}"


@dataclass(frozen=True)
class OfflineWarning:
    """Something in an uploaded offline questionnaire that is ignored or worth checking, but imports fine."""

    where: str
    message: str

    def __str__(self) -> str:
        return f"{self.where}: {self.message}"


@dataclass(frozen=True)
class OfflineAnswer:
    """One valid answer read from an offline questionnaire; `cell` is the sheet!cell of its Level."""

    question_id: str
    level: int | None
    na: bool
    comment: str
    evidence: str
    cell: str
    evidence_date: date | None = None
    # A file without the Evidence date column (exported before it existed) leaves stored dates alone.
    keeps_stored_date: bool = False


@dataclass(frozen=True)
class OfflineImport:
    """What an uploaded offline questionnaire holds: valid answers, problems to fix and warnings.

    `questionnaire_id`, `questionnaire_version` and `assessment_id` are those the file was read
    for; `respondent_id` and `respondent_name` come from the file's signed hidden sheet (None and ""
    when the file has none, or its signature does not hold).
    """

    name: str
    questionnaire_id: str
    questionnaire_version: str
    assessment_id: int
    respondent_id: int | None
    respondent_name: str
    rows: tuple[OfflineAnswer, ...]
    problems: tuple[OfflineProblem, ...]
    warnings: tuple[OfflineWarning, ...]

    @property
    def blocking_problems(self) -> tuple[OfflineProblem, ...]:
        """The problems that stop even the valid rows from being imported."""
        return tuple(p for p in self.problems if p.blocks_file)


# --- writing ---------------------------------------------------------------------------------------


@dataclass(frozen=True)
class _Column:
    header: str
    width: float


def _columns(questionnaire: Questionnaire) -> list[_Column]:
    statements = [_Column(f"Level {n}: {questionnaire.level(n).name}", 28) for n in questionnaire.level_numbers]
    return [
        _Column(ID_HEADER, 11),
        _Column(DOMAIN_HEADER, 20),
        _Column(QUESTION_HEADER, 45),
        _Column(GUIDANCE_HEADER, 50),
        _Column(EXAMPLES_HEADER, 30),
        *statements,
        _Column(LEVEL_HEADER, 10),
        _Column(COMMENT_HEADER, 40),
        _Column(EVIDENCE_HEADER, 40),
        _Column(EVIDENCE_DATE_HEADER, 14),
    ]


def _row_height(cells: Iterable[tuple[str, float]]) -> float:
    """Return a row height (points) that shows every (text, column width) pair wrapped in full.

    Spreadsheet programs do not grow a row for wrapped text when a generated file is opened, so the
    height is estimated here: about one character per unit of column width, 15 points per line.
    """
    lines = 1
    for text, width in cells:
        per_line = max(int(width) - 1, 1)
        lines = max(lines, sum(max(1, -(-len(part) // per_line)) for part in text.split("\n")))
    return float(min(409, 15 * lines))


def _choices(questionnaire: Questionnaire, *, na: bool) -> str:
    numbers = [str(n) for n in questionnaire.level_numbers]
    if na:
        numbers.append(NA_TEXT)
    return ", ".join(numbers[:-1]) + " or " + numbers[-1]


def _level_validation(questionnaire: Questionnaire, *, na_allowed: bool) -> DataValidation:
    items = [str(n) for n in questionnaire.level_numbers] + ([NA_TEXT] if na_allowed else [])
    choices = _choices(questionnaire, na=na_allowed)
    return DataValidation(
        type="list",
        formula1='"' + ",".join(items) + '"',
        allow_blank=True,
        showErrorMessage=True,
        showInputMessage=True,
        errorStyle="stop",
        errorTitle="Not a level",
        error=f"Choose {choices} from the list, or leave the cell empty.",
        promptTitle="Level",
        prompt=f"Pick the level whose statement fits best: {choices}.",
    )


def _write_questions(ws: Worksheet, questionnaire: Questionnaire, answers: Mapping[str, Answer]) -> None:
    columns = _columns(questionnaire)
    level_column = len(columns) - 3
    for index, column in enumerate(columns, start=1):
        cell = set_text(ws.cell(row=1, column=index), column.header)
        cell.font = _BOLD
        cell.fill = _HEADER_FILL
        cell.alignment = _WRAP
        ws.column_dimensions[get_column_letter(index)].width = column.width
    scale = questionnaire.level_numbers
    for offset, number in enumerate(scale):
        colour = level_colour(number, scale).lstrip("#")
        header = ws.cell(row=1, column=_FIRST_STATEMENT_COLUMN + offset)
        header.fill = PatternFill("solid", fgColor=colour)
        header.font = Font(bold=True, color=text_colour_on("#" + colour).lstrip("#"))
    with_na = _level_validation(questionnaire, na_allowed=True)
    without_na = _level_validation(questionnaire, na_allowed=False)
    for row, question in enumerate(questionnaire.questions, start=2):
        answer = answers.get(question.id)
        texts = [
            question.id,
            questionnaire.domain(question.domain).name,
            question.text,
            question.guidance,
            "\n".join(f"• {example}" for example in question.evidence_lines),
            *(question.levels.get(n, "") for n in scale),
        ]
        for index, text in enumerate(texts, start=1):
            set_text(ws.cell(row=row, column=index), text).alignment = _WRAP
        level_cell = ws.cell(row=row, column=level_column)
        if answer is not None and answer.na:
            set_text(level_cell, NA_TEXT)
        elif answer is not None:
            level_cell.value = answer.level
        comment = set_text(ws.cell(row=row, column=level_column + 1), answer.comment if answer else "")
        evidence = set_text(ws.cell(row=row, column=level_column + 2), answer.evidence if answer else "")
        dated = ws.cell(row=row, column=level_column + 3)
        dated.value = answer.evidence_date if answer else None
        dated.number_format = "yyyy-mm-dd"
        for cell in (level_cell, comment, evidence, dated):
            cell.fill = _ANSWER_FILL
            cell.alignment = _WRAP
        shown = [*texts, "", answer.comment if answer else "", answer.evidence if answer else "", ""]
        ws.row_dimensions[row].height = _row_height(
            (text, column.width) for text, column in zip(shown, columns, strict=True)
        )
        level_cell.alignment = Alignment(horizontal="center", vertical="top")
        (with_na if question.na_allowed else without_na).add(level_cell.coordinate)
    for validation in (with_na, without_na):
        if validation.sqref.ranges:
            ws.add_data_validation(validation)
    last = f"{get_column_letter(len(columns))}{len(questionnaire.questions) + 1}"
    ws.freeze_panes = "C2"
    ws.auto_filter.ref = f"A1:{last}"
    ws.print_title_rows = "1:1"
    ws.page_setup.orientation = "landscape"
    ws.page_setup.paperSize = ws.PAPERSIZE_A4
    ws.page_setup.fitToWidth = 1
    ws.page_setup.fitToHeight = 0
    ws.sheet_properties.pageSetUpPr.fitToPage = True


def _write_lines(ws: Worksheet, rows: Iterable[tuple[str, str]], start: int, *, bold_first: bool = False) -> int:
    row = start
    for first, second in rows:
        left = set_text(ws.cell(row=row, column=1), first)
        left.alignment = _WRAP
        if bold_first:
            left.font = _BOLD
        set_text(ws.cell(row=row, column=2), second).alignment = _WRAP
        ws.row_dimensions[row].height = _row_height([(first, _LABEL_WIDTH), (second, _TEXT_WIDTH)])
        row += 1
    return row


def _heading(ws: Worksheet, row: int, text: str) -> int:
    set_text(ws.cell(row=row, column=1), text).font = Font(bold=True, size=12)
    return row + 1


def _write_instructions(
    ws: Worksheet,
    questionnaire: Questionnaire,
    *,
    organisation_name: str,
    assessment_label: str,
    respondent_name: str,
) -> None:
    ws.column_dimensions["A"].width = _LABEL_WIDTH
    ws.column_dimensions["B"].width = _TEXT_WIDTH
    set_text(ws.cell(row=1, column=1), f"{questionnaire.title}: offline questionnaire").font = Font(bold=True, size=14)
    row = _write_lines(
        ws,
        [
            ("Organisation", organisation_name),
            ("Assessment", assessment_label),
            ("Respondent", respondent_name),
            ("Questionnaire", f"{questionnaire.id} version {questionnaire.version}"),
        ],
        3,
        bold_first=True,
    )
    level_column = get_column_letter(len(_columns(questionnaire)) - 3)
    row = _heading(ws, row + 1, "How to fill it in")
    row = _write_lines(
        ws,
        [
            (
                "1.",
                f"Open the {QUESTIONS_SHEET} sheet. Each row is one practice: read the question, the guidance "
                "and the statement that describes each level.",
            ),
            (
                "2.",
                f"In the {LEVEL_HEADER} column (column {level_column}) pick the level whose statement describes "
                "how things are today; the drop-down lists the levels. When you are between two levels, "
                "choose the lower one.",
            ),
            (
                "3.",
                f"Note what supports your answer in {COMMENT_HEADER} and {EVIDENCE_HEADER} (document names, "
                f"links, owners), and in {EVIDENCE_DATE_HEADER} the date that evidence was produced or last "
                "reviewed (such as 2026-03-31, today at the latest). Text is kept exactly as you type it.",
            ),
            (
                "4.",
                f"Leave {LEVEL_HEADER} empty for a question you cannot answer yet. An empty {LEVEL_HEADER} never "
                "deletes an answer already saved in the app; a comment or evidence on its own is saved as "
                "a comment. A row with a level replaces your saved answer to that question, comment, "
                "evidence and evidence date included.",
            ),
            (
                "5.",
                "Do not change the question ids in column A, and do not rename, delete or add sheets or "
                "column headers. Changes to the question, guidance or level texts are ignored. You may "
                "sort, filter, resize columns and add colours.",
            ),
        ],
        row,
    )
    row = _heading(ws, row + 1, "Maturity levels")
    row = _write_lines(
        ws,
        [
            (f"{level.number} {level.name}", level.description)
            for level in sorted(questionnaire.levels, key=lambda level: level.number)
        ],
        row,
        bold_first=True,
    )
    na_ids = [q.id for q in questionnaire.questions if q.na_allowed]
    na_rule = (
        f"{NA_TEXT} (not applicable) is allowed only where the practice may genuinely not apply to the "
        f"organisation: for {', '.join(na_ids)}. Only those rows offer {NA_TEXT} in the drop-down. "
        f"An {NA_TEXT} answer counts neither for nor against the score; use it only when the practice does "
        "not apply, not when it is missing (that is level "
        f"{questionnaire.min_level})."
        if na_ids
        else f"No question of this questionnaire allows {NA_TEXT}: give every practice a level."
    )
    row = _heading(ws, row + 1, "N/A (not applicable)")
    row = _write_lines(ws, [("", na_rule)], row)
    row = _heading(ws, row + 1, "Returning the file")
    _write_lines(
        ws,
        [
            (
                "",
                "Save the workbook as Excel Workbook (.xlsx) and upload it in the app (Data page, offline "
                "questionnaire), or send it back to the person who sent it to you.",
            ),
            (
                "",
                "Nothing is imported while the file has problems: the app lists each one with its sheet and "
                "cell and how to fix it. The file belongs to this assessment and respondent only.",
            ),
        ],
        row,
    )
    ws.page_setup.orientation = "portrait"
    ws.page_setup.paperSize = ws.PAPERSIZE_A4
    ws.page_setup.fitToWidth = 1
    ws.page_setup.fitToHeight = 0
    ws.sheet_properties.pageSetUpPr.fitToPage = True


def _signature(key: bytes, settings: Mapping[str, str | int]) -> str:
    """Return the HMAC-SHA256, in hex, of the signed settings of a _meta sheet under the installation's key."""
    message = json.dumps([[name, settings[name]] for name in SIGNED_KEYS], ensure_ascii=False, separators=(",", ":"))
    return hmac.new(key, message.encode("utf-8"), hashlib.sha256).hexdigest()


def _write_meta(
    ws: Worksheet,
    questionnaire: Questionnaire,
    key: bytes,
    *,
    organisation_name: str,
    assessment_label: str,
    assessment_id: int,
    respondent_name: str,
    respondent_id: int,
) -> None:
    # Texts are signed as the cells store them, which is what the reader gets back.
    settings: dict[str, str | int] = {
        "format": FILE_FORMAT,
        "format_version": FORMAT_VERSION,
        "questionnaire_id": cell_text(questionnaire.id),
        "questionnaire_version": cell_text(questionnaire.version),
        "assessment_id": assessment_id,
        "respondent_id": respondent_id,
        "organisation": cell_text(organisation_name),
        "assessment_label": cell_text(assessment_label),
        "respondent_name": cell_text(respondent_name),
    }
    rows: list[tuple[str, str | int]] = [
        ("key", "value"),
        *settings.items(),
        (SIGNATURE_KEY, _signature(key, settings)),
        (_META_KEYS_END, "question_text"),
        *((q.id, q.text) for q in questionnaire.questions),
    ]
    for row, (key, value) in enumerate(rows, start=1):
        set_text(ws.cell(row=row, column=1), key)
        if isinstance(value, int):
            ws.cell(row=row, column=2).value = value
        else:
            set_text(ws.cell(row=row, column=2), value)
    ws.sheet_state = "veryHidden"


def offline_workbook(
    db: Database,
    questionnaire: Questionnaire,
    *,
    organisation_name: str,
    assessment_label: str,
    assessment_id: int,
    respondent_name: str,
    respondent_id: int,
    answers: Mapping[str, Answer] | None = None,
) -> bytes:
    """Return an .xlsx offline questionnaire for one respondent, pre-filled with `answers` (by question id).

    Every text goes in as a plain string, never a formula, so answers such as "=1+1" stay text. The
    hidden sheet is signed with the secret of the installation `db` belongs to (made on first use),
    so only that installation imports the file, and only for this assessment and respondent.
    """
    workbook = Workbook()
    instructions = workbook.active
    instructions.title = INSTRUCTIONS_SHEET
    _write_instructions(
        instructions,
        questionnaire,
        organisation_name=organisation_name,
        assessment_label=assessment_label,
        respondent_name=respondent_name,
    )
    _write_questions(workbook.create_sheet(QUESTIONS_SHEET), questionnaire, answers or {})
    _write_meta(
        workbook.create_sheet(META_SHEET),
        questionnaire,
        installation_secret(db),
        organisation_name=organisation_name,
        assessment_label=assessment_label,
        assessment_id=assessment_id,
        respondent_name=respondent_name,
        respondent_id=respondent_id,
    )
    workbook.properties.title = f"{questionnaire.title}: offline questionnaire"
    workbook.properties.creator = questionnaire.title
    buffer = io.BytesIO()
    workbook.save(buffer)
    return buffer.getvalue()


# --- reading ---------------------------------------------------------------------------------------


@dataclass(frozen=True)
class _Sheets:
    """The cell values of the two sheets the import reads; None for a sheet that is missing."""

    questions: tuple[tuple[object, ...], ...] | None
    meta: tuple[tuple[object, ...], ...] | None
    too_many_rows: bool


def _rows_of(ws: ReadOnlyWorksheet, limit: int) -> tuple[tuple[tuple[object, ...], ...], bool]:
    """Return the sheet's rows up to its last non-empty one, stopping once `limit` non-empty rows are read."""
    # A wrong <dimension> in the file would make openpyxl stop early; read what is really there.
    ws.reset_dimensions()
    rows: list[tuple[object, ...]] = []
    filled = 0
    kept = 0
    # check_sheet_extent refused any sheet reaching further; the bound holds even if it is bypassed.
    for values in ws.iter_rows(min_row=1, max_row=MAX_SHEET_ROWS, max_col=MAX_COLUMNS, values_only=True):
        rows.append(tuple(values))
        if any(value is not None and value != "" for value in values):
            filled += 1
            kept = len(rows)
            if filled > limit:
                return tuple(rows[:kept]), True
    return tuple(rows[:kept]), False


def _read_sheets(raw: bytes, name: str, row_limit: int) -> _Sheets:
    with reading_upload(name):
        workbook = load_workbook(io.BytesIO(raw), read_only=True, data_only=True, keep_links=False)
        try:
            names = workbook.sheetnames
            questions, too_many = (None, False)
            if QUESTIONS_SHEET in names:
                questions, too_many = _rows_of(workbook[QUESTIONS_SHEET], row_limit)
            meta = _rows_of(workbook[META_SHEET], row_limit)[0] if META_SHEET in names else None
        finally:
            workbook.close()
    return _Sheets(questions=questions, meta=meta, too_many_rows=too_many)


def _text(value: object) -> str:
    """Return a cell value as the text the respondent sees in the cell."""
    if value is None:
        return ""
    if isinstance(value, str):
        return value
    if isinstance(value, bool):
        return "TRUE" if value else "FALSE"
    if isinstance(value, float) and value.is_integer():
        return str(int(value))
    if isinstance(value, datetime):
        return value.isoformat(sep=" ", timespec="minutes") if value.time() != time(0) else value.date().isoformat()
    if isinstance(value, date | time):
        return value.isoformat()
    return str(value)


def _blank(value: object) -> bool:
    return value is None or (isinstance(value, str) and not value.strip())


class _NotALevel(ValueError):
    """A Level cell holds something that is not a level number or N/A."""


def _read_level(value: object) -> int | str | None:
    """Return None for an empty cell, NA_TEXT for N/A and an int for a whole number; raise _NotALevel otherwise."""
    if _blank(value):
        return None
    if isinstance(value, bool):
        raise _NotALevel
    if isinstance(value, int):
        return value
    if isinstance(value, float):
        if value.is_integer():
            return int(value)
        raise _NotALevel
    if isinstance(value, str):
        text = value.strip()
        if text.casefold() in NA_WORDS:
            return NA_TEXT
        if _WHOLE_NUMBER.match(text):
            return int(text.split(".")[0])
    raise _NotALevel


@dataclass(frozen=True)
class _Layout:
    """Where the columns the import reads are, by header (1-based column numbers)."""

    columns: dict[str, int]

    def letter(self, header: str) -> str:
        return get_column_letter(self.columns[header])

    def value(self, row: Sequence[object], header: str) -> object:
        index = self.columns.get(header)
        return row[index - 1] if index is not None and index <= len(row) else None


@dataclass
class _Findings:
    """Problems and warnings collected while reading, in the order they are found."""

    problems: list[OfflineProblem] = field(default_factory=list)
    warnings: list[OfflineWarning] = field(default_factory=list)

    def problem(self, where: str, kind: ProblemKind, message: str) -> None:
        self.problems.append(OfflineProblem(where=where, kind=kind, message=message))

    def warn(self, where: str, message: str) -> None:
        self.warnings.append(OfflineWarning(where=where, message=message))


def _header_key(value: object) -> str:
    return " ".join(_text(value).split()).casefold()


def _layout(header_row: Sequence[object], questionnaire: Questionnaire, found: _Findings) -> _Layout | None:
    columns: dict[str, int] = {}
    expected = {column.header: index for index, column in enumerate(_columns(questionnaire), start=1)}
    by_key = {_header_key(header): header for header in expected}
    for index, value in enumerate(header_row, start=1):
        header = by_key.get(_header_key(value))
        if header is None:
            continue
        if header in columns:
            found.problem(
                f"{QUESTIONS_SHEET}!{get_column_letter(index)}1",
                "duplicate_column",
                f"the header {header!r} appears twice (also in {get_column_letter(columns[header])}1); "
                "delete or rename one of the two columns.",
            )
            continue
        columns[header] = index
    complete = True
    for header in REQUIRED_HEADERS:
        if header not in columns:
            complete = False
            found.problem(
                f"{QUESTIONS_SHEET}!{get_column_letter(expected[header])}1",
                "missing_column",
                f"the column header {header!r} is missing; put the header {header} back in row 1 above its "
                "column (or export the offline questionnaire again and copy your answers into it).",
            )
    duplicated = any(p.kind == "duplicate_column" for p in found.problems)
    return _Layout(columns) if complete and not duplicated else None


def _meta_values(meta: Sequence[Sequence[object]]) -> tuple[dict[str, tuple[object, str]], dict[str, tuple[str, str]]]:
    """Split the _meta rows into settings and original question texts, each with the cell of its value."""
    settings: dict[str, tuple[object, str]] = {}
    texts: dict[str, tuple[str, str]] = {}
    in_texts = False
    for number, row in enumerate(meta, start=1):
        key = _text(row[0] if row else None).strip()
        value = row[1] if len(row) > 1 else None
        where = f"{META_SHEET}!B{number}"
        if key == _META_KEYS_END:
            in_texts = True
        elif in_texts and key:
            texts[key] = (_text(value), where)
        elif key:
            settings[key] = (value, where)
    return settings, texts


def _whole_number(value: object, lowest: int, highest: int) -> int | None:
    """Return a cell value as an int when it is a whole number from `lowest` to `highest`, else None."""
    if isinstance(value, float) and value.is_integer():
        value = int(value)
    if isinstance(value, bool) or not isinstance(value, int):
        return None
    return value if lowest <= value <= highest else None


_META_NUMBERS: Final = (
    ("format_version", "format version", 3, FORMAT_VERSION),
    ("assessment_id", "assessment id", 6, MAX_ID),
    ("respondent_id", "respondent id", 7, MAX_ID),
)
"""The whole numbers of the _meta sheet: key, what it is called in messages, its row, its largest value."""


def _meta_numbers(settings: Mapping[str, tuple[object, str]], fresh: str, found: _Findings) -> dict[str, int] | None:
    """Return the _meta sheet's whole numbers by key, or None after recording each one that is not in range."""
    numbers: dict[str, int] = {}
    for key, label, row, highest in _META_NUMBERS:
        value, where = settings.get(key, (None, f"{META_SHEET}!B{row}"))
        number = _whole_number(value, 1, highest)
        if number is not None:
            numbers[key] = number
            continue
        shown = _text(value).strip()
        found.problem(
            where,
            "invalid_meta",
            f"the {label} {shown!r} is not a whole number from 1 to {highest:,}; {fresh}"
            if shown
            else f"the {label} is missing; {fresh}",
        )
    return numbers if len(numbers) == len(_META_NUMBERS) else None


def _signed(settings: Mapping[str, tuple[object, str]], numbers: Mapping[str, int], key: bytes) -> bool:
    """Whether the _meta sheet's signature matches its settings under this installation's key."""
    values: dict[str, str | int] = {name: _text(settings.get(name, ("", ""))[0]) for name in SIGNED_KEYS}
    values.update(numbers)
    expected = _signature(key, values).encode("ascii")
    # Compared as bytes: compare_digest refuses a str with characters outside ASCII.
    given = _text(settings.get(SIGNATURE_KEY, ("", ""))[0]).strip().encode("utf-8")
    return hmac.compare_digest(given, expected)


def _check_meta(
    meta: Sequence[Sequence[object]] | None,
    questionnaire: Questionnaire,
    assessment_id: int,
    key: bytes,
    found: _Findings,
) -> tuple[bool, int | None, str]:
    """Check the file was exported by this installation, for this questionnaire version and assessment.

    Return whether its rows are worth reading (a genuine file of the same questionnaire and
    version) and the respondent id and name it was exported for (None and "" when it is not genuine).
    """
    fresh = "export the offline questionnaire of this assessment again from the app and copy your answers into it."
    if meta is None:
        found.problem(
            "workbook",
            "missing_sheet",
            f"the hidden sheet {META_SHEET!r} that ties the file to its assessment is missing; {fresh}",
        )
        return True, None, ""
    settings, texts = _meta_values(meta)
    file_format, where = settings.get("format", (None, f"{META_SHEET}!B2"))
    if file_format != FILE_FORMAT:
        found.problem(where, "wrong_file", f"this is not an offline questionnaire exported by the app; {fresh}")
        return False, None, ""
    numbers = _meta_numbers(settings, fresh, found)
    if numbers is None:
        return False, None, ""
    if not _signed(settings, numbers, key):
        found.problem(
            settings.get(SIGNATURE_KEY, (None, f"{META_SHEET}!B11"))[1],
            "not_signed",
            "this offline questionnaire was not exported for this respondent of this assessment, or its hidden "
            "sheet was edited; export a fresh one from the Data page.",
        )
        return False, None, ""
    their_id, id_where = settings.get("questionnaire_id", (None, f"{META_SHEET}!B4"))
    their_version, version_where = settings.get("questionnaire_version", (None, f"{META_SHEET}!B5"))
    if _text(their_id) != questionnaire.id:
        found.problem(
            id_where,
            "wrong_file",
            f"this file is for questionnaire {_text(their_id)!r}, not {questionnaire.id!r}; upload it to an "
            f"assessment of that questionnaire, or {fresh}",
        )
        return False, None, ""
    if _text(their_version) != questionnaire.version:
        found.problem(
            version_where,
            "wrong_file",
            f"this file is for version {_text(their_version)} of questionnaire {questionnaire.id!r}, but the "
            f"assessment uses version {questionnaire.version}; {fresh}",
        )
        return False, None, ""
    if numbers["assessment_id"] != assessment_id:
        label = _text(settings.get("assessment_label", ("", ""))[0])
        organisation = _text(settings.get("organisation", ("", ""))[0])
        belongs = f" ({organisation}, {label})" if organisation and label else ""
        found.problem(
            settings["assessment_id"][1],
            "wrong_file",
            f"this file belongs to assessment {numbers['assessment_id']}{belongs}, not assessment "
            f"{assessment_id}; upload it to that assessment, or {fresh}",
        )
    for question in questionnaire.questions:
        original = texts.get(question.id)
        if original is not None and original[0] != cell_text(question.text):
            found.warn(
                original[1],
                f"the text of {question.id} has changed since this file was exported; check that the answer "
                "still fits the question as it is worded now.",
            )
    return True, numbers["respondent_id"], _text(settings.get("respondent_name", ("", ""))[0])


def _checked_evidence_date(value: object, where: str, found: _Findings) -> tuple[bool, date | None]:
    """Return whether an Evidence date cell is valid and its date (None when empty), recording why when not."""
    if _blank(value):
        return True, None
    day: date | None = None
    if isinstance(value, datetime) and value.time() == time(0):
        day = value.date()
    elif isinstance(value, date) and not isinstance(value, datetime):
        day = value
    elif isinstance(value, str):
        try:
            day = date.fromisoformat(value.strip())
        except ValueError:
            day = None
    if day is None:
        found.problem(
            where,
            "invalid_evidence_date",
            f"the evidence date {_text(value).strip()!r} is not a date; write it as YYYY-MM-DD, such as "
            "2026-03-31, or leave the cell empty.",
        )
        return False, None
    if day > date.today():
        found.problem(
            where,
            "invalid_evidence_date",
            f"the evidence date {day.isoformat()} is in the future; give the date the evidence was produced or "
            "last reviewed, today at the latest.",
        )
        return False, None
    return True, day


@dataclass(frozen=True)
class _Row:
    """A row that names a known question and has no problem of its own (duplicates are found later)."""

    number: int
    answer: OfflineAnswer | None


def _read_row(
    number: int, row: Sequence[object], layout: _Layout, questionnaire: Questionnaire, found: _Findings
) -> tuple[str, _Row] | None:
    """Check one data row; return its question id and what it holds, or None when it has no known id."""
    raw_id = layout.value(row, ID_HEADER)
    raw_level = layout.value(row, LEVEL_HEADER)
    comment = _text(layout.value(row, COMMENT_HEADER))
    evidence = _text(layout.value(row, EVIDENCE_HEADER))
    raw_date = layout.value(row, EVIDENCE_DATE_HEADER)
    id_cell = f"{QUESTIONS_SHEET}!{layout.letter(ID_HEADER)}{number}"
    level_cell = f"{QUESTIONS_SHEET}!{layout.letter(LEVEL_HEADER)}{number}"
    has_answer = not (_blank(raw_level) and not comment.strip() and not evidence.strip() and _blank(raw_date))
    if _blank(raw_id):
        if has_answer:
            found.problem(
                id_cell,
                "missing_question_id",
                "this row has an answer but no question id; put the question's id back in this cell "
                "(copy it from a freshly exported file) or delete the row.",
            )
        return None
    question_id = _text(raw_id).strip().upper()
    question = questionnaire.find_question(question_id)
    if question is None:
        found.problem(
            id_cell,
            "unknown_question",
            f"unknown question id {_text(raw_id).strip()!r}; don't change the question ids: copy the id back "
            f"from a freshly exported file, or delete the row.",
        )
        return None
    _warn_if_text_changed(number, row, layout, question, found)
    ok = True
    for text, header in ((comment, COMMENT_HEADER), (evidence, EVIDENCE_HEADER)):
        if len(text) > MAX_FREE_TEXT:
            ok = False
            found.problem(
                f"{QUESTIONS_SHEET}!{layout.letter(header)}{number}",
                "text_too_long",
                f"the {header.lower()} is {len(text):,} characters long; shorten it to at most "
                f"{MAX_FREE_TEXT:,} characters.",
            )
    dated = EVIDENCE_DATE_HEADER in layout.columns
    day = None
    if dated:
        date_cell = f"{QUESTIONS_SHEET}!{layout.letter(EVIDENCE_DATE_HEADER)}{number}"
        valid, day = _checked_evidence_date(raw_date, date_cell, found)
        ok = ok and valid
    choice = _checked_level(raw_level, question, questionnaire, level_cell, found)
    answer = None
    if ok and choice is not None and has_answer:
        answer = OfflineAnswer(
            question_id=question.id,
            level=choice.level,
            na=choice.na,
            comment=comment,
            evidence=evidence,
            cell=level_cell,
            evidence_date=day,
            keeps_stored_date=not dated,
        )
    return question.id, _Row(number=number, answer=answer)


@dataclass(frozen=True)
class _Choice:
    """What a valid Level cell says: a level, N/A, or neither (empty)."""

    level: int | None
    na: bool


def _checked_level(
    raw: object, question: Question, questionnaire: Questionnaire, where: str, found: _Findings
) -> _Choice | None:
    """Return what a Level cell says, or None after recording why it is not valid for this question."""
    choices = _choices(questionnaire, na=question.na_allowed)
    try:
        level = _read_level(raw)
    except _NotALevel:
        found.problem(
            where,
            "invalid_level",
            f"level {_text(raw).strip()!r} is not a level; choose {choices} from the drop-down, or leave it empty.",
        )
        return None
    if level == NA_TEXT:
        if not question.na_allowed:
            found.problem(
                where, "na_not_allowed", f"{question.id} does not allow N/A; choose {choices}, or leave it empty."
            )
            return None
        return _Choice(level=None, na=True)
    if isinstance(level, int) and level not in questionnaire.level_numbers:
        found.problem(where, "invalid_level", f"level {level} is out of range; choose {choices}, or leave it empty.")
        return None
    return _Choice(level=level if isinstance(level, int) else None, na=False)


def _warn_if_text_changed(
    number: int, row: Sequence[object], layout: _Layout, question: Question, found: _Findings
) -> None:
    if QUESTION_HEADER not in layout.columns:
        return
    shown = _text(layout.value(row, QUESTION_HEADER)).strip()
    if shown != cell_text(question.text).strip():
        found.warn(
            f"{QUESTIONS_SHEET}!{layout.letter(QUESTION_HEADER)}{number}",
            "the question text was changed; the change is ignored",
        )


def _read_answers(
    rows: Sequence[Sequence[object]], questionnaire: Questionnaire, found: _Findings
) -> tuple[OfflineAnswer, ...]:
    if not rows:
        found.problem(
            f"{QUESTIONS_SHEET}!A1",
            "missing_column",
            f"the {QUESTIONS_SHEET} sheet is empty; export the offline questionnaire again and fill that in.",
        )
        return ()
    layout = _layout(rows[0], questionnaire, found)
    if layout is None:
        return ()
    by_question: dict[str, list[_Row]] = {}
    for number, row in enumerate(rows[1:], start=2):
        if all(value is None for value in row):
            continue
        read = _read_row(number, row, layout, questionnaire, found)
        if read is not None:
            by_question.setdefault(read[0], []).append(read[1])
    answers: list[OfflineAnswer] = []
    id_letter = layout.letter(ID_HEADER)
    for question_id, occurrences in by_question.items():
        if len(occurrences) > 1:
            first = occurrences[0].number
            for later in occurrences[1:]:
                found.problem(
                    f"{QUESTIONS_SHEET}!{id_letter}{later.number}",
                    "duplicate_question",
                    f"question id {question_id} appears again (first in row {first}); keep one row per "
                    "question and delete the other.",
                )
            continue
        if occurrences[0].answer is not None:
            answers.append(occurrences[0].answer)
    return tuple(answers)


def read_offline_workbook(
    db: Database, raw: bytes, questionnaire: Questionnaire, *, assessment_id: int, name: str = "upload.xlsx"
) -> OfflineImport:
    """Read an uploaded offline questionnaire for `assessment_id`: its valid answers, every problem and warning.

    Raises exports.upload_safety.UploadRefused when the file is not a safe, readable .xlsx workbook
    of a size a questionnaire can have; everything else wrong with it is listed in `problems`, each
    with its sheet!cell and how to fix it. The file's signature is checked with the secret of the
    installation `db` belongs to: a file it did not export, or whose hidden sheet was edited, is refused.
    """
    check_xlsx_upload(raw, name, max_uncompressed=MAX_UNCOMPRESSED)
    check_sheet_extent(raw, name, max_rows=MAX_SHEET_ROWS, max_columns=MAX_SHEET_COLUMNS)
    sheets = _read_sheets(raw, name, len(questionnaire.questions) + EXTRA_ROWS)
    found = _Findings()
    key = installation_secret(db)
    same_questionnaire, respondent_id, respondent_name = _check_meta(
        sheets.meta, questionnaire, assessment_id, key, found
    )
    rows: tuple[OfflineAnswer, ...] = ()
    if sheets.questions is None:
        found.problem(
            "workbook",
            "missing_sheet",
            f"the sheet {QUESTIONS_SHEET!r} is missing; don't rename or delete sheets: export the offline "
            "questionnaire again and copy your answers into it.",
        )
    elif sheets.too_many_rows:
        found.problem(
            f"{QUESTIONS_SHEET}!A{len(sheets.questions)}",
            "too_many_rows",
            f"the sheet has more than {len(questionnaire.questions) + EXTRA_ROWS:,} filled rows, far more than "
            f"the {len(questionnaire.questions)} questions; delete the rows below the questions and upload again.",
        )
    # Rows of a file for another questionnaire would only repeat that problem once per row.
    elif same_questionnaire:
        rows = _read_answers(sheets.questions, questionnaire, found)
    return OfflineImport(
        name=name,
        questionnaire_id=questionnaire.id,
        questionnaire_version=questionnaire.version,
        assessment_id=assessment_id,
        respondent_id=respondent_id,
        respondent_name=respondent_name,
        rows=rows,
        problems=tuple(found.problems),
        warnings=tuple(found.warnings),
    )


# --- saving ----------------------------------------------------------------------------------------


def _refusal(result: OfflineImport, problems: Sequence[OfflineProblem], advice: str) -> OfflineImportRefused:
    count = f"{len(problems)} problems; the first is" if len(problems) > 1 else "1 problem:"
    return OfflineImportRefused(f"{result.name} was not imported because of {count} {problems[0]} {advice}")


def apply_offline_import(
    db: Database,
    questionnaire: Questionnaire,
    assessment_id: int,
    respondent_id: int,
    result: OfflineImport,
    *,
    valid_only: bool = False,
    progress: Callable[[float], object] | None = None,
) -> int:
    """Save the answers of a read offline questionnaire for one respondent; return how many answers changed.

    All rows are saved in one transaction: if any save fails, nothing is written. Raises
    OfflineImportRefused, with nothing written, when the file has problems (with `valid_only`
    only file-wide ones count) or was read for another questionnaire, assessment or respondent.
    `progress(fraction)` is called as the rows are saved.
    """
    if result.blocking_problems:
        raise _refusal(
            result,
            result.blocking_problems,
            "Fix it and upload the file again; not even the valid rows can be imported from this file.",
        )
    if result.problems and not valid_only:
        raise _refusal(
            result, result.problems, "Fix the problems and upload the file again, or import the valid rows only."
        )
    if (result.questionnaire_id, result.questionnaire_version, result.assessment_id) != (
        questionnaire.id,
        questionnaire.version,
        assessment_id,
    ):
        raise OfflineImportRefused(
            f"{result.name} was read for assessment {result.assessment_id} ({result.questionnaire_id} version "
            f"{result.questionnaire_version}), not assessment {assessment_id} ({questionnaire.id} version "
            f"{questionnaire.version}); read it again for the assessment it is imported into."
        )
    if result.respondent_id is not None and result.respondent_id != respondent_id:
        who = f" ({result.respondent_name})" if result.respondent_name else ""
        raise OfflineImportRefused(
            f"{result.name} holds the answers of respondent {result.respondent_id}{who}, not respondent "
            f"{respondent_id}; import it for that respondent."
        )
    changed = 0
    total = len(result.rows)
    with write_transaction(db):
        stored = {a.question_id: a.value for a in list_answers(db, assessment_id, respondent_id)}
        for done, row in enumerate(result.rows, start=1):
            before = stored.get(row.question_id, EMPTY_ANSWER)
            level, na = row.level, row.na
            if level is None and not na:
                # An empty Level keeps the stored level: the row only carries a comment or evidence.
                level, na = before.level, before.na
            saved = save_answer(
                db,
                questionnaire,
                assessment_id,
                respondent_id,
                row.question_id,
                level,
                na,
                row.comment,
                row.evidence,
                before.evidence_date if row.keeps_stored_date else row.evidence_date,
            )
            if saved.value != before:
                changed += 1
            if progress is not None:
                progress(done / total)
    if progress is not None and total == 0:
        progress(1.0)
    return changed
