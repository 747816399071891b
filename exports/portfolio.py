"""The portfolio workbook: many assessments' results in one Excel file, one row per assessment.

Rows stream into openpyxl's write-only mode, so memory stays flat however many assessments there
are. Each questionnaire version gets its own sheet (its domains are the columns); every text cell
is written through exports.safe_text, so no organisation name or label can become a formula.
"""

from __future__ import annotations

from collections.abc import Callable, Iterable, Iterator, Sequence, Sized
from dataclasses import dataclass
from datetime import date
from pathlib import Path
from typing import IO, TYPE_CHECKING, Final

from openpyxl import Workbook
from openpyxl.cell.cell import Cell, WriteOnlyCell
from openpyxl.styles import Alignment, Font, PatternFill
from openpyxl.utils import get_column_letter
from sqlite_utils import Database

from exports.level_colours import level_colour, text_colour_on
from exports.report import AssessmentReport, load_report
from exports.safe_text import text_cell
from storage import list_assessments, list_organisations

if TYPE_CHECKING:
    from openpyxl.worksheet._write_only import WriteOnlyWorksheet

Progress = Callable[[float], None]
"""Called with the share of the work done, from above 0 up to exactly 1.0."""

DEFAULT_SHEET: Final = "Portfolio"
SHEET_NAME_LIMIT: Final = 31
FONT_NAME: Final = "Calibri"
HEADER_FONT: Final = Font(name=FONT_NAME, bold=True)
HEADER_FILL: Final = PatternFill(fill_type="solid", start_color="D9E1F2", end_color="D9E1F2")
HEADER_ALIGNMENT: Final = Alignment(wrap_text=True, vertical="top")
SCORE_FORMAT: Final = "0.00"
PERCENT_FORMAT: Final = "0%"
DATE_FORMAT: Final = "yyyy-mm-dd"
PROGRESS_STEPS: Final = 100
"""Progress is reported at most this many times (plus the final 1.0), however many rows there are."""

STATUS_NAMES: Final = {"in_progress": "In progress", "completed": "Completed"}
FIXED_COLUMNS: Final[tuple[tuple[str, float], ...]] = (
    ("Organisation", 32),
    ("Industry", 22),
    ("Size band", 22),
    ("Region", 18),
    ("Illustrative", 11),
    ("Assessment", 12),
    ("Date", 11),
    ("Status", 12),
    ("Questionnaire", 16),
    ("Completeness", 13),
    ("Overall score", 10),
    ("Overall stage", 10),
)
DOMAIN_WIDTH: Final = 12.0


@dataclass(frozen=True)
class DomainResult:
    """One domain's score and stage in a portfolio row."""

    domain_id: str
    name: str
    score: float | None
    stage: int | None


@dataclass(frozen=True)
class PortfolioRow:
    """One assessment's results as the portfolio workbook shows them."""

    assessment_id: int
    organisation: str
    industry: str
    size_band: str
    region: str
    illustrative: bool
    label: str
    assessment_date: date
    status: str
    questionnaire_id: str
    questionnaire_version: str
    level_scale: tuple[int, ...]
    completeness: float
    overall_score: float | None
    overall_stage: int | None
    domains: tuple[DomainResult, ...]


def portfolio_row(report: AssessmentReport) -> PortfolioRow:
    """Return the portfolio row of one loaded and scored assessment."""
    score = report.score
    return PortfolioRow(
        assessment_id=report.assessment.id,
        organisation=report.organisation.name,
        industry=report.organisation.industry,
        size_band=report.organisation.size_band,
        region=report.organisation.region,
        illustrative=report.organisation.illustrative,
        label=report.assessment.label,
        assessment_date=report.assessment.assessment_date,
        status=report.assessment.status,
        questionnaire_id=report.questionnaire.id,
        questionnaire_version=report.questionnaire.version,
        level_scale=report.questionnaire.level_numbers,
        completeness=score.overall.completeness,
        overall_score=score.overall.score,
        overall_stage=score.overall.stage,
        domains=tuple(DomainResult(d.domain_id, d.name, d.score, d.stage) for d in score.domains),
    )


class _Reporter:
    """Calls a progress callback with increasing shares, at most about PROGRESS_STEPS times."""

    def __init__(self, progress: Progress | None) -> None:
        self._progress = progress
        self._last = 0.0

    def report(self, share: float) -> None:
        """Pass `share` on when it is 1.0 or at least one step above the last share passed on."""
        share = min(max(share, 0.0), 1.0)
        if self._progress is None or share <= self._last:
            return
        if share >= 1.0 or share - self._last >= 1.0 / PROGRESS_STEPS:
            self._progress(share)
            self._last = share


def _all_assessment_ids(db: Database) -> list[int]:
    """Return every assessment id, by organisation name (ignoring case), then date, then id."""
    names = {organisation.id: organisation.name.casefold() for organisation in list_organisations(db)}
    assessments = sorted(
        list_assessments(db),
        key=lambda a: (names.get(a.organisation_id, ""), a.organisation_id, a.assessment_date, a.id),
    )
    return [assessment.id for assessment in assessments]


def portfolio_rows(
    db: Database, assessment_ids: Iterable[int] | None = None, progress: Progress | None = None
) -> Iterator[PortfolioRow]:
    """Load and score each assessment (every one when `assessment_ids` is None) and yield its portfolio row.

    Rows are produced one at a time, so they can stream into `portfolio_workbook`; `progress` is
    called with the share of assessments loaded, ending at 1.0.
    """
    ids = _all_assessment_ids(db) if assessment_ids is None else list(assessment_ids)
    reporter = _Reporter(progress)
    if not ids:
        reporter.report(1.0)
        return
    for done, assessment_id in enumerate(ids, start=1):
        row = portfolio_row(load_report(db, assessment_id))
        reporter.report(done / len(ids))
        yield row


@dataclass
class _Sheet:
    """A sheet of the portfolio: one questionnaire version and the domains that are its columns."""

    worksheet: WriteOnlyWorksheet
    domain_ids: tuple[str, ...]
    rows: int = 0


def _sheet_name(row: PortfolioRow, taken: Sequence[str]) -> str:
    # Questionnaire ids and versions hold only letters, digits and . _ - so they are valid sheet names.
    base = f"{row.questionnaire_id} {row.questionnaire_version}"[:SHEET_NAME_LIMIT]
    name, number = base, 2
    while name.casefold() in {existing.casefold() for existing in taken}:
        suffix = f" ({number})"
        name = base[: SHEET_NAME_LIMIT - len(suffix)] + suffix
        number += 1
    return name


def _header_cell(worksheet: WriteOnlyWorksheet, text: str) -> Cell:
    cell = text_cell(worksheet, text)
    cell.font = HEADER_FONT
    cell.fill = HEADER_FILL
    cell.alignment = HEADER_ALIGNMENT
    return cell


def _new_sheet(workbook: Workbook, row: PortfolioRow) -> _Sheet:
    worksheet = workbook.create_sheet(_sheet_name(row, workbook.sheetnames))
    headings = [name for name, _ in FIXED_COLUMNS]
    widths = [width for _, width in FIXED_COLUMNS]
    for domain in row.domains:
        headings += [f"{domain.name} score", f"{domain.name} stage"]
        widths += [DOMAIN_WIDTH, DOMAIN_WIDTH]
    # A write-only sheet writes its properties, panes and column widths with the first row.
    for index, width in enumerate(widths, start=1):
        worksheet.column_dimensions[get_column_letter(index)].width = width
    worksheet.freeze_panes = "B2"
    worksheet.sheet_properties.pageSetUpPr.fitToPage = True
    worksheet.page_setup.orientation = "landscape"
    worksheet.page_setup.fitToWidth = 1
    worksheet.page_setup.fitToHeight = 0
    worksheet.print_title_rows = "1:1"
    worksheet.append([_header_cell(worksheet, heading) for heading in headings])
    return _Sheet(worksheet, tuple(domain.domain_id for domain in row.domains))


def _styled(worksheet: WriteOnlyWorksheet, value: float | date | None, number_format: str) -> Cell:
    cell = WriteOnlyCell(worksheet, value)
    cell.number_format = number_format
    return cell


def _level_cell(worksheet: WriteOnlyWorksheet, value: float | None, scale: Sequence[int], *, score: bool) -> Cell:
    """Return a cell for a stage, or a score rounded to 2 decimals, filled with its level's colour."""
    cell = WriteOnlyCell(worksheet, round(value, 2) if score and value is not None else value)
    if score:
        cell.number_format = SCORE_FORMAT
    if value is not None:
        background = level_colour(value, scale).lstrip("#").upper()
        cell.fill = PatternFill(fill_type="solid", start_color=background, end_color=background)
        cell.font = Font(name=FONT_NAME, color=text_colour_on("#" + background).lstrip("#").upper())
    return cell


def _cells(worksheet: WriteOnlyWorksheet, row: PortfolioRow, domain_ids: Sequence[str]) -> list[Cell | None]:
    scale = row.level_scale
    cells: list[Cell | None] = [
        text_cell(worksheet, row.organisation),
        text_cell(worksheet, row.industry),
        text_cell(worksheet, row.size_band),
        text_cell(worksheet, row.region),
        text_cell(worksheet, "Yes" if row.illustrative else "No"),
        text_cell(worksheet, row.label),
        _styled(worksheet, row.assessment_date, DATE_FORMAT),
        text_cell(worksheet, STATUS_NAMES.get(row.status, row.status)),
        text_cell(worksheet, f"{row.questionnaire_id} {row.questionnaire_version}"),
        _styled(worksheet, row.completeness, PERCENT_FORMAT),
        _level_cell(worksheet, row.overall_score, scale, score=True),
        _level_cell(worksheet, row.overall_stage, scale, score=False),
    ]
    by_id = {domain.domain_id: domain for domain in row.domains}
    for domain_id in domain_ids:
        domain = by_id.get(domain_id)
        cells.append(None if domain is None else _level_cell(worksheet, domain.score, scale, score=True))
        cells.append(None if domain is None else _level_cell(worksheet, domain.stage, scale, score=False))
    return cells


def portfolio_workbook(
    rows: Iterable[PortfolioRow], dest: str | Path | IO[bytes], *, progress: Progress | None = None
) -> None:
    """Write the portfolio workbook of `rows` to `dest` (a path or a binary file object).

    One sheet per questionnaire version, named after it, with one row per assessment and a score and
    stage column per domain; with no rows the workbook holds one sheet that says so. `progress` is
    called with increasing shares ending at 1.0 once the file is written; the shares grow with the rows
    written only when `rows` has a length (a list), else the only call is the final 1.0.
    """
    reporter = _Reporter(progress)
    total = len(rows) if isinstance(rows, Sized) else None
    workbook = Workbook(write_only=True)
    sheets: dict[tuple[str, str], _Sheet] = {}
    for done, row in enumerate(rows, start=1):
        key = (row.questionnaire_id, row.questionnaire_version)
        sheet = sheets.get(key)
        if sheet is None:
            sheet = sheets[key] = _new_sheet(workbook, row)
        sheet.worksheet.append(_cells(sheet.worksheet, row, sheet.domain_ids))
        sheet.rows += 1
        if total:
            # Saving is the last share of the work, so rows alone never reach 1.0.
            reporter.report(done / (total + 1))
    if not sheets:
        empty = workbook.create_sheet(DEFAULT_SHEET)
        empty.append([text_cell(empty, "No assessments to show.")])
    for sheet in sheets.values():
        # The filter is written after the rows, so its range can wait until they are all known.
        last_column = get_column_letter(len(FIXED_COLUMNS) + 2 * len(sheet.domain_ids))
        sheet.worksheet.auto_filter.ref = f"A1:{last_column}{sheet.rows + 1}"
    workbook.save(dest)
    reporter.report(1.0)
