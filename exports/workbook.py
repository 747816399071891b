"""The roadmap workbook: one assessment's results, roadmap and answers as an Excel file for leadership.

Sheets, in this order: Summary (organisation, overall and per-domain results coloured by level with
each domain's confidence and what lowers it, a radar and a bar chart, how to read the figures), Roadmap (the prioritised steps as a filterable
table with owners, due dates and a status drop-down), Answers (every question with its level,
statement, notes and, in workshops, each respondent's level and the agreed answer's rationale),
Workshop summary when more than one person answered (what was agreed and why, what remains open,
which disagreements were settled), then Benchmark and Domain trend / Question trend when that data
is given. Every text cell goes through exports.safe_text, so what
users typed stays text and can never run as a formula.
"""

from __future__ import annotations

import io
import math
import numbers
from collections.abc import Iterable, Sequence
from dataclasses import dataclass
from datetime import date, datetime
from typing import Final

import pandas as pd
from openpyxl import Workbook
from openpyxl.cell.cell import Cell
from openpyxl.chart import BarChart, RadarChart, Reference
from openpyxl.chart.shapes import GraphicalProperties
from openpyxl.drawing.line import LineProperties
from openpyxl.styles import Alignment, Border, Font, PatternFill, Side
from openpyxl.utils import get_column_letter
from openpyxl.worksheet.datavalidation import DataValidation
from openpyxl.worksheet.table import Table, TableStyleInfo
from openpyxl.worksheet.worksheet import Worksheet
from sqlite_utils import Database

from exports.level_colours import NA_COLOUR, is_missing, level_colour, text_colour_on
from exports.report import (
    AssessmentReport,
    PlannedStep,
    business_case_of,
    confidence_by_domain,
    evidenced_score,
    load_report,
    organisation_trend,
    peer_benchmark,
    planned_roadmap,
    responses_of,
)
from exports.safe_text import set_text
from questionnaires.model import Questionnaire
from scoring import OVERALL, BenchmarkResult, QuestionResult
from scoring.business_case import BusinessCase
from scoring.confidence import DomainConfidence, confidence_rule, newest_evidence_dates
from scoring.evidenced import EvidencedScore
from scoring.trends import DOMAIN_TREND_COLUMNS, QUESTION_TREND_COLUMNS
from scoring.workshop import AgreedItem, Distribution, summary
from storage.choices import ROADMAP_STATUSES
from storage.finding_items import FindingItem, list_finding_items
from storage.records import Answer, Consensus, Respondent

SUMMARY: Final = "Summary"
ROADMAP: Final = "Roadmap"
ANSWERS: Final = "Answers"
WORKSHOP_SUMMARY: Final = "Workshop summary"
BENCHMARK: Final = "Benchmark"
DOMAIN_TREND: Final = "Domain trend"
QUESTION_TREND: Final = "Question trend"
BUSINESS_CASE: Final = "Business case"

ROADMAP_TABLE: Final = "RoadmapSteps"
"""Name of the Excel table on the Roadmap sheet (Excel table names allow no spaces)."""

SCORE_FORMAT: Final = "0.00"
PERCENT_FORMAT: Final = "0%"
RANK_FORMAT: Final = "0"
DATE_FORMAT: Final = "yyyy-mm-dd"

SCORE_COLOUR: Final = "2B5C8A"
TARGET_COLOUR: Final = "444444"
HEADER_FILL: Final = PatternFill(fill_type="solid", start_color="D9E1F2", end_color="D9E1F2")
NOTE_FILL: Final = PatternFill(fill_type="solid", start_color="FFF2CC", end_color="FFF2CC")
FONT_NAME: Final = "Calibri"
"""openpyxl's default font; every font set here names it, or LibreOffice falls back to a serif font."""
BOLD: Final = Font(name=FONT_NAME, bold=True)
TITLE_FONT: Final = Font(name=FONT_NAME, bold=True, size=14)
SECTION_FONT: Final = Font(name=FONT_NAME, bold=True, size=12)
WRAP: Final = Alignment(wrap_text=True, vertical="top")
TOP: Final = Alignment(vertical="top")
CENTRE: Final = Alignment(horizontal="center", vertical="top")
THIN: Final = Side(style="thin", color="BFBFBF")
GRID: Final = Border(left=THIN, right=THIN, top=THIN, bottom=THIN)

LINE_HEIGHT: Final = 15.0
"""Points per line of 11-point text. Neither Excel nor LibreOffice fits a row to wrapped text when it
opens a file, so the writer sets the height of every row that wraps."""
CHARACTERS_PER_WIDTH: Final = 1.05
"""Characters of ordinary text per unit of column width (a unit is one digit wide; text runs a little narrower)."""

STATUS_NAMES: Final = {"in_progress": "In progress", "completed": "Completed"}

Value = str | int | float | date | None


class WorkbookDataError(ValueError):
    """Data handed to the workbook lacks something it needs; the message says what."""


@dataclass(frozen=True)
class Column:
    """A column of a sheet's table: its heading, width in characters and whether its text wraps."""

    heading: str
    width: float
    wrap: bool = False


def _fill(hex_colour: str) -> PatternFill:
    rgb = hex_colour.lstrip("#").upper()
    return PatternFill(fill_type="solid", start_color=rgb, end_color=rgb)


def _put(cell: Cell, value: Value, number_format: str | None = None) -> Cell:
    """Write one value: text through set_text, numbers and dates as they are."""
    if isinstance(value, str):
        set_text(cell, value)
    else:
        cell.value = value
    if number_format is not None:
        cell.number_format = number_format
    return cell


def _paint_level(cell: Cell, level: float | None, scale: Sequence[int], *, na: bool = False) -> None:
    """Fill a cell with the colour of its level (grey for none or N/A) and pick readable text."""
    background = NA_COLOUR if na else level_colour(level, scale)
    cell.fill = _fill(background)
    cell.font = Font(name=FONT_NAME, color=text_colour_on(background).lstrip("#").upper())


def _header(ws: Worksheet, row: int, columns: Sequence[Column]) -> None:
    for index, column in enumerate(columns, start=1):
        cell = _put(ws.cell(row=row, column=index), column.heading)
        cell.font = BOLD
        cell.fill = HEADER_FILL
        cell.alignment = WRAP
        cell.border = GRID
    _fit_row(ws, row, [(column.heading, column.width) for column in columns])


def _widths(ws: Worksheet, columns: Sequence[Column]) -> None:
    for index, column in enumerate(columns, start=1):
        ws.column_dimensions[get_column_letter(index)].width = column.width


def _body(ws: Worksheet, row: int, columns: Sequence[Column], values: Sequence[Value]) -> list[Cell]:
    """Write one table row with the columns' wrapping and return its cells."""
    cells = []
    wrapped = []
    for index, (column, value) in enumerate(zip(columns, values, strict=True), start=1):
        cell = _put(ws.cell(row=row, column=index), value)
        cell.alignment = WRAP if column.wrap else TOP
        cell.border = GRID
        cells.append(cell)
        if column.wrap and isinstance(cell.value, str):
            wrapped.append((cell.value, column.width))
    _fit_row(ws, row, wrapped)
    return cells


def _lines(text: str, width: float) -> int:
    """Return how many lines `text` takes in a wrapping cell `width` units wide (an estimate that errs high)."""
    per_line = max(width * CHARACTERS_PER_WIDTH, 1.0)
    return sum(max(1, math.ceil(len(part) / per_line)) for part in text.split("\n"))


def _fit_row(ws: Worksheet, row: int, texts: Iterable[tuple[str, float]]) -> None:
    """Make a row tall enough for its tallest wrapped text; rows of one line keep the default height."""
    lines = max((_lines(text, width) for text, width in texts), default=1)
    if lines > 1:
        # Excel's row height limit is 409 points; longer text scrolls within the cell.
        ws.row_dimensions[row].height = min(lines * LINE_HEIGHT + 2, 409)


def _merged_text(ws: Worksheet, row: int, first: int, last: int, text: str, *, font: Font | None = None) -> Cell:
    """Write wrapped text across merged columns and size the row for it (Excel does not fit merged rows)."""
    cell = _put(ws.cell(row=row, column=first), text)
    cell.alignment = WRAP
    if font is not None:
        cell.font = font
    if last > first:
        ws.merge_cells(start_row=row, start_column=first, end_row=row, end_column=last)
    width = sum(ws.column_dimensions[get_column_letter(column)].width or 8.43 for column in range(first, last + 1))
    lines = _lines(str(cell.value or ""), width)
    ws.row_dimensions[row].height = min(lines * LINE_HEIGHT + 2, 409)
    return cell


def _print_setup(ws: Worksheet, *, title_rows: str | None = None) -> None:
    """Landscape, fitted to the page width, page numbers in the footer."""
    ws.page_setup.orientation = "landscape"
    ws.page_setup.fitToWidth = 1
    ws.page_setup.fitToHeight = 0
    ws.sheet_properties.pageSetUpPr.fitToPage = True
    ws.print_options.gridLines = False
    ws.page_margins.left = ws.page_margins.right = 0.5
    ws.page_margins.top = ws.page_margins.bottom = 0.6
    ws.oddFooter.center.text = "Page &P of &N"
    ws.oddFooter.right.text = "&A"
    if title_rows is not None:
        ws.print_title_rows = title_rows


def _score(value: float | None) -> float | None:
    return None if value is None else round(value, 2)


def _level_name(questionnaire: Questionnaire, level: int | None) -> str:
    if level is None:
        return ""
    match = next((known for known in questionnaire.levels if known.number == level), None)
    return "" if match is None else match.name


def _domain_name(questionnaire: Questionnaire, domain_id: str) -> str:
    if domain_id == OVERALL:
        return "Overall"
    match = next((domain for domain in questionnaire.domains if domain.id == domain_id), None)
    return domain_id if match is None else match.name


def _yes(flag: bool) -> str:
    return "Yes" if flag else ""


def how_to_read(questionnaire: Questionnaire) -> tuple[str, ...]:
    """Return the scoring rules in a sentence or two each, as the Summary sheet states them."""
    scoring = questionnaire.scoring
    low, high = questionnaire.min_level, questionnaire.max_level
    overall_stage = (
        "the lowest domain stage (the weakest link)"
        if scoring.overall_stage == "lowest_domain"
        else "the overall score rounded down to a level"
    )
    return (
        f"Level: each practice is rated from {low} ({_level_name(questionnaire, low)}) to {high} "
        f"({_level_name(questionnaire, high)}), or N/A where it does not apply.",
        "Score: the weighted mean of a domain's answered levels, N/A left out; the overall score is the weighted "
        "mean of the domain scores.",
        f"Stage: the highest level that practices carrying at least {scoring.stage_threshold:.0%} of a domain's "
        f"answered weight reach. The overall stage is {overall_stage}.",
        f"Target and gap: the level aimed for in each domain (default {questionnaire.default_target}); gap = target - stage.",
        "Completeness: answered questions (N/A included) out of all questions; results under 100 % are provisional.",
        "Several respondents: the agreed consensus where one was set, otherwise the median of their levels rounded "
        f"down; a spread of {scoring.disagreement_spread} or more levels flags a disagreement.",
        "Confidence: how far a domain's result can be trusted (High, Medium or Low). A domain's confidence "
        f"{confidence_rule(questionnaire)}.",
        "Roadmap: one step per level from each practice's level up to its domain's target; lower levels first, "
        "then practices that weigh more, then smaller efforts, placed into phases by effort capacity.",
        "Colours run from red (the lowest level) through yellow to green (the highest); grey means no answer yet, "
        "light grey N/A.",
    )


# Summary sheet

SUMMARY_WIDTHS: Final = (26.0, 10.0, 11.0, 10.0, 9.0, 14.0, 16.0, 12.0)
DOMAIN_COLUMNS: Final = (
    Column("Domain", 26),
    Column("Stage", 10),
    Column("Score", 11),
    Column("Target", 10),
    Column("Gap", 9),
    Column("Completeness", 14),
    Column("Answered", 16),
    Column("Confidence", 12),
)
LOWERS_CONFIDENCE: Final = "What lowers confidence"
CHART_ANCHOR_COLUMN: Final = "I"
CHART_WIDTH_CM: Final = 15.0
CHART_HEIGHT_CM: Final = 10.0


def _fact(ws: Worksheet, row: int, label: str, value: Value, *, number_format: str | None = None) -> Cell:
    """Write a label in column A and a value spanning the rest of the block."""
    label_cell = _put(ws.cell(row=row, column=1), label)
    label_cell.font = BOLD
    label_cell.alignment = TOP
    if isinstance(value, str):
        return _merged_text(ws, row, 2, len(SUMMARY_WIDTHS), value)
    cell = _put(ws.cell(row=row, column=2), value, number_format)
    cell.alignment = Alignment(horizontal="left", vertical="top")
    return cell


def _write_summary(ws: Worksheet, report: AssessmentReport, evidenced: EvidencedScore | None = None) -> None:
    for index, width in enumerate(SUMMARY_WIDTHS, start=1):
        ws.column_dimensions[get_column_letter(index)].width = width
    # The same confidence the Results page shows: unsupported claims lower it only with a register or log.
    confidence = confidence_by_domain(report, evidenced)
    row = _summary_facts(ws, report)
    row = _domain_table(ws, report, confidence, row + 2)
    row = _lowered_confidence(ws, report, confidence, row + 2)
    if evidenced is not None:
        row = _evidenced_table(ws, report, evidenced, row + 2)
    row = _level_legend(ws, report.questionnaire, row + 2)
    _put(ws.cell(row=row + 2, column=1), "How to read this").font = SECTION_FONT
    for offset, sentence in enumerate(how_to_read(report.questionnaire), start=3):
        _merged_text(ws, row + offset, 1, len(SUMMARY_WIDTHS), sentence)
    _print_setup(ws)


def _summary_facts(ws: Worksheet, report: AssessmentReport) -> int:
    """Write the title, the organisation and assessment facts and the overall result; return the last row."""
    questionnaire = report.questionnaire
    scale = questionnaire.level_numbers
    organisation = report.organisation
    assessment = report.assessment
    overall = report.score.overall
    last_column = len(SUMMARY_WIDTHS)
    _merged_text(
        ws,
        1,
        1,
        last_column,
        f"{questionnaire.title}: {organisation.name} {assessment.label}",
        font=TITLE_FONT,
    )
    row = 3
    _fact(ws, row, "Organisation", organisation.name)
    if organisation.illustrative:
        row += 1
        note = _fact(ws, row, "Note", "Illustrative data: a fictional organisation, for demonstration only.")
        note.fill = NOTE_FILL
        note.font = BOLD
    for label, value in (
        ("Industry", organisation.industry),
        ("Size band", organisation.size_band),
        ("Region", organisation.region),
        ("Assessment", assessment.label),
    ):
        row += 1
        _fact(ws, row, label, value)
    row += 1
    _fact(ws, row, "Date", assessment.assessment_date, number_format=DATE_FORMAT)
    row += 1
    _fact(ws, row, "Status", STATUS_NAMES.get(assessment.status, assessment.status))
    row += 1
    _fact(ws, row, "Questionnaire", f"{questionnaire.title} (version {questionnaire.version})")

    row += 2
    stage_cell = _fact(ws, row, "Overall stage", overall.stage)
    _paint_level(stage_cell, overall.stage, scale)
    stage_cell.alignment = CENTRE
    stage_name = (
        _level_name(questionnaire, overall.stage)
        if overall.stage is not None
        else "No overall stage yet: a domain has no answers."
    )
    _merged_text(ws, row, 3, last_column, stage_name)
    row += 1
    score_cell = _fact(ws, row, "Overall score", _score(overall.score), number_format=SCORE_FORMAT)
    _paint_level(score_cell, overall.score, scale)
    score_cell.alignment = CENTRE
    row += 1
    completeness_cell = _fact(ws, row, "Completeness", overall.completeness, number_format=PERCENT_FORMAT)
    completeness_cell.alignment = CENTRE
    answered = f"{overall.answered} of {overall.total} questions answered"
    _merged_text(ws, row, 3, last_column, f"Provisional: {answered}." if overall.provisional else f"{answered}.")
    if overall.provisional:
        ws.cell(row=row, column=3).fill = NOTE_FILL
    return row


def _domain_table(ws: Worksheet, report: AssessmentReport, confidence: dict[str, DomainConfidence], row: int) -> int:
    """Write the per-domain results from `row` on, coloured by level, with the charts beside; return the last row."""
    scale = report.questionnaire.level_numbers
    _put(ws.cell(row=row, column=1), "Results by domain").font = SECTION_FONT
    row += 1
    header_row = row
    _header(ws, header_row, DOMAIN_COLUMNS)
    for domain in report.score.domains:
        row += 1
        cells = _body(
            ws,
            row,
            DOMAIN_COLUMNS,
            [
                domain.name,
                domain.stage,
                _score(domain.score),
                domain.target,
                domain.gap,
                domain.completeness,
                f"{domain.answered} of {domain.total}"
                + (f" ({domain.not_applicable} N/A)" if domain.not_applicable else ""),
                confidence[domain.domain_id].level,
            ],
        )
        _, stage, score, target, gap, completeness, _answered, trust = cells
        for cell, level in ((stage, domain.stage), (score, domain.score), (target, domain.target)):
            _paint_level(cell, level, scale)
        for cell in (stage, score, target, gap, completeness, trust):
            cell.alignment = CENTRE
        if confidence[domain.domain_id].reasons:
            trust.fill = NOTE_FILL
        score.number_format = SCORE_FORMAT
        completeness.number_format = PERCENT_FORMAT
    _add_charts(ws, report, header_row, row)
    return row


def _lowered_confidence(
    ws: Worksheet, report: AssessmentReport, confidence: dict[str, DomainConfidence], row: int
) -> int:
    """Write, per domain whose confidence is below High, its level and each thing that lowers it; return the last row."""
    _put(ws.cell(row=row, column=1), LOWERS_CONFIDENCE).font = SECTION_FONT
    last_column = len(SUMMARY_WIDTHS)
    lowered = [(d, confidence[d.domain_id]) for d in report.score.domains if confidence[d.domain_id].reasons]
    if not lowered:
        row += 1
        _merged_text(ws, row, 1, last_column, "Nothing lowers the confidence of any domain with answers.")
        return row
    for domain, found in lowered:
        for reason in found.reasons:
            row += 1
            name = _put(ws.cell(row=row, column=1), domain.name)
            name.font = BOLD
            name.alignment = TOP
            level = _put(ws.cell(row=row, column=2), found.level)
            level.alignment = CENTRE
            level.fill = NOTE_FILL
            _merged_text(ws, row, 3, last_column, f"{reason}.")
    return row


EVIDENCED_COLUMNS: Final = (
    Column("Domain", 26),
    Column("Stage as answered", 10, wrap=True),
    Column("Stage as evidenced", 11, wrap=True),
    Column("Score as answered", 10, wrap=True),
    Column("Score as evidenced", 9, wrap=True),
)


def _evidenced_table(ws: Worksheet, report: AssessmentReport, evidenced: EvidencedScore, row: int) -> int:
    """Write the stages and scores as answered next to those the register and log support; return the last row."""
    scale = report.questionnaire.level_numbers
    _put(ws.cell(row=row, column=1), "As answered and as evidenced").font = SECTION_FONT
    claims = len(evidenced.claims)
    _merged_text(
        ws,
        row + 1,
        1,
        len(SUMMARY_WIDTHS),
        f"{claims} answer{'' if claims == 1 else 's'} the service register and exercise log don't support; "
        "each counts at the level the facts support.",
    )
    _header(ws, row + 2, EVIDENCED_COLUMNS)
    pairs = [("Overall", evidenced.answered.overall, evidenced.evidenced.overall)] + [
        (answered.name, answered, as_evidenced)
        for answered, as_evidenced in zip(evidenced.answered.domains, evidenced.evidenced.domains, strict=True)
    ]
    current = row + 2
    for name, answered, as_evidenced in pairs:
        current += 1
        cells = _body(
            ws,
            current,
            EVIDENCED_COLUMNS,
            [name, answered.stage, as_evidenced.stage, _score(answered.score), _score(as_evidenced.score)],
        )
        for cell, level in zip(
            cells[1:], (answered.stage, as_evidenced.stage, answered.score, as_evidenced.score), strict=True
        ):
            _paint_level(cell, level, scale)
            cell.alignment = CENTRE
        cells[3].number_format = cells[4].number_format = SCORE_FORMAT
    return current


def _level_legend(ws: Worksheet, questionnaire: Questionnaire, row: int) -> int:
    """Write each level's number, name and description in its colour from `row` on; return the last row."""
    scale = questionnaire.level_numbers
    _put(ws.cell(row=row, column=1), "Levels").font = SECTION_FONT
    for level in sorted(questionnaire.levels, key=lambda known: known.number):
        row += 1
        number = _put(ws.cell(row=row, column=1), f"{level.number} {level.name}")
        _paint_level(number, level.number, scale)
        number.alignment = TOP
        _merged_text(ws, row, 2, len(SUMMARY_WIDTHS), level.description)
    return row


def _add_charts(ws: Worksheet, report: AssessmentReport, header_row: int, last_row: int) -> None:
    """Add a radar chart and a bar chart of score and target per domain, drawn from the domain table."""
    if last_row <= header_row:
        return
    low, high = report.questionnaire.min_level, report.questionnaire.max_level
    categories = Reference(ws, min_col=1, min_row=header_row + 1, max_row=last_row)
    series = Reference(ws, min_col=3, max_col=4, min_row=header_row, max_row=last_row)

    radar = RadarChart()
    radar.type = "marker"
    radar.title = "Score and target by domain"
    radar.add_data(series, titles_from_data=True)
    radar.set_categories(categories)
    radar.y_axis.scaling.min = 0 if low > 0 else low
    radar.y_axis.scaling.max = high
    radar.y_axis.majorUnit = 1
    radar.y_axis.delete = False
    radar.x_axis.delete = False
    radar.legend.position = "b"
    _colour_series(radar, line=True)
    radar.width, radar.height = CHART_WIDTH_CM, CHART_HEIGHT_CM
    ws.add_chart(radar, f"{CHART_ANCHOR_COLUMN}3")

    bars = BarChart()
    bars.type = "col"
    bars.grouping = "clustered"
    bars.title = "Domain scores against targets"
    bars.add_data(series, titles_from_data=True)
    bars.set_categories(categories)
    bars.y_axis.scaling.min = 0
    bars.y_axis.scaling.max = high
    bars.y_axis.majorUnit = 1
    bars.y_axis.title = "Level"
    bars.y_axis.delete = False
    bars.x_axis.delete = False
    bars.legend.position = "b"
    _colour_series(bars, line=False)
    bars.width, bars.height = CHART_WIDTH_CM, CHART_HEIGHT_CM
    ws.add_chart(bars, f"{CHART_ANCHOR_COLUMN}24")


def _colour_series(chart: RadarChart | BarChart, *, line: bool) -> None:
    for series, colour in zip(chart.series, (SCORE_COLOUR, TARGET_COLOUR), strict=False):
        properties = GraphicalProperties()
        if line:
            properties.line = LineProperties(solidFill=colour, w=28575)
            series.marker.symbol = "circle"
            series.marker.graphicalProperties = GraphicalProperties(solidFill=colour)
            series.marker.graphicalProperties.line.solidFill = colour
        else:
            properties.solidFill = colour
            properties.line = LineProperties(solidFill=colour)
        series.graphicalProperties = properties


# Roadmap sheet

ROADMAP_COLUMNS: Final = (
    Column("Order", 7),
    Column("Phase", 14, wrap=True),
    Column("Domain", 18, wrap=True),
    Column("Practice ID", 11),
    Column("Practice", 36, wrap=True),
    Column("From level", 8),
    Column("To level", 8),
    Column("Action", 46, wrap=True),
    Column("Effort", 7),
    Column("Owner", 20, wrap=True),
    Column("Due date", 12),
    Column("Status", 12),
)
STATUS_COLUMN: Final = [column.heading for column in ROADMAP_COLUMNS].index("Status") + 1


FROM_FINDINGS: Final = "From the exercise log"
"""The phase column of a step made from a finding of the exercise and incident log."""
GONE_FROM_LOG: Final = " (this finding is no longer in the exercise and incident log)"


def finding_step_text(item: FindingItem) -> str:
    """A step made from a finding as a roadmap shows it, saying so when the finding has left the log."""
    return item.text if item.finding is not None else item.text + GONE_FROM_LOG


def _write_roadmap(
    ws: Worksheet, report: AssessmentReport, roadmap: Sequence[PlannedStep], finding_steps: Sequence[FindingItem]
) -> None:
    questionnaire = report.questionnaire
    scale = questionnaire.level_numbers
    _widths(ws, ROADMAP_COLUMNS)
    _header(ws, 1, ROADMAP_COLUMNS)
    ws.freeze_panes = "A2"
    row = 1
    for planned in roadmap:
        step = planned.step
        row += 1
        phase = f"{step.phase_name} (over capacity)" if step.overflow else step.phase_name
        cells = _body(
            ws,
            row,
            ROADMAP_COLUMNS,
            [
                step.order,
                phase,
                _domain_name(questionnaire, step.domain_id),
                step.question_id,
                step.practice,
                step.from_level,
                step.to_level,
                step.action,
                step.effort,
                planned.owner,
                planned.due_date,
                planned.status,
            ],
        )
        for cell, level in ((cells[5], step.from_level), (cells[6], step.to_level)):
            _paint_level(cell, level, scale)
        for index in (0, 5, 6, 8):
            cells[index].alignment = CENTRE
        cells[10].number_format = DATE_FORMAT
    for item in finding_steps:
        row += 1
        values = [row - 1, FROM_FINDINGS, "", "", "", None, None, finding_step_text(item), ""]
        cells = _body(ws, row, ROADMAP_COLUMNS, [*values, item.owner, item.due_date, item.status])
        cells[0].alignment = CENTRE
        cells[10].number_format = DATE_FORMAT
    last_column = get_column_letter(len(ROADMAP_COLUMNS))
    if row > 1:
        table = Table(displayName=ROADMAP_TABLE, ref=f"A1:{last_column}{row}")
        table.tableStyleInfo = TableStyleInfo(name="TableStyleLight9", showRowStripes=True)
        ws.add_table(table)
        status = get_column_letter(STATUS_COLUMN)
        validation = DataValidation(
            type="list",
            formula1='"' + ",".join(ROADMAP_STATUSES) + '"',
            allow_blank=False,
            showErrorMessage=True,
            errorTitle="Status",
            error="Choose one of: " + ", ".join(ROADMAP_STATUSES) + ".",
            showInputMessage=True,
            promptTitle="Status",
            prompt="Pick the step's status from the list.",
        )
        validation.add(f"{status}2:{status}{row}")
        ws.add_data_validation(validation)
        notes = row + 2
    else:
        _merged_text(ws, 2, 1, 8, "No steps: every answered practice meets its domain's target.")
        notes = 4
    if report.score.overall.provisional:
        _merged_text(
            ws,
            notes,
            1,
            8,
            "Provisional: some questions are not answered yet, and unanswered practices get no steps, "
            "so the roadmap may still grow.",
        ).fill = NOTE_FILL
    _print_setup(ws, title_rows="1:1")


# Answers sheet

ANSWER_COLUMNS: Final = (
    Column("ID", 10),
    Column("Domain", 18, wrap=True),
    Column("Question", 45, wrap=True),
    Column("Level", 7),
    Column("Statement of the level", 45, wrap=True),
    Column("N/A", 6),
    Column("Comment", 40, wrap=True),
    Column("Evidence", 34, wrap=True),
    Column("Evidence date", 12),
)
WORKSHOP_COLUMNS: Final = (
    Column("Spread", 8),
    Column("Disagreement", 13),
    Column("Consensus set", 11),
    Column("Consensus rationale", 40, wrap=True),
    Column("Consensus set by", 20, wrap=True),
)
RESPONDENT_WIDTH: Final = 13.0


def _answers_by_respondent(report: AssessmentReport) -> dict[int, dict[str, Answer]]:
    grouped: dict[int, dict[str, Answer]] = {}
    for answer in report.answers:
        grouped.setdefault(answer.respondent_id, {})[answer.question_id] = answer
    return grouped


def _respondent_value(answer: Answer | None) -> Value:
    if answer is None:
        return None
    if answer.na:
        return "N/A"
    return answer.level


def _write_answers(ws: Worksheet, report: AssessmentReport) -> None:
    questionnaire = report.questionnaire
    scale = questionnaire.level_numbers
    respondents: tuple[Respondent, ...] = report.respondents
    workshop = len(respondents) > 1
    by_respondent = _answers_by_respondent(report)
    agreed: dict[str, Consensus] = {consensus.question_id: consensus for consensus in report.consensus}
    columns = list(ANSWER_COLUMNS)
    if workshop:
        columns += [Column(respondent.name, RESPONDENT_WIDTH, wrap=True) for respondent in respondents]
        columns += WORKSHOP_COLUMNS
    _widths(ws, columns)
    _header(ws, 1, columns)
    ws.freeze_panes = "D2"
    row = 1
    for domain in questionnaire.domains:
        for question in questionnaire.questions_in(domain.id):
            row += 1
            result: QuestionResult | None = report.score.questions.get(question.id)
            level = None if result is None else result.level
            na = bool(result and result.na)
            values: list[Value] = [
                question.id,
                domain.name,
                question.text,
                level,
                question.levels.get(level, "") if level is not None else "",
                "N/A" if na else "",
                _notes(report, by_respondent, question.id, "comment"),
                _notes(report, by_respondent, question.id, "evidence"),
                _newest_evidence_date(by_respondent, question.id),
            ]
            if workshop:
                values += [_respondent_value(by_respondent.get(r.id, {}).get(question.id)) for r in respondents]
                consensus = agreed.get(question.id)
                values += [
                    None if result is None else result.spread,
                    _yes(bool(result and result.disagreement)),
                    _yes(bool(result and result.from_consensus)),
                    "" if consensus is None else consensus.note,
                    "" if consensus is None else consensus.set_by,
                ]
            cells = _body(ws, row, columns, values)
            cells[8].number_format = DATE_FORMAT
            _paint_level(cells[3], level, scale, na=na)
            cells[3].alignment = CENTRE
            cells[5].alignment = CENTRE
            if workshop:
                for offset, respondent in enumerate(respondents):
                    cell = cells[len(ANSWER_COLUMNS) + offset]
                    answer = by_respondent.get(respondent.id, {}).get(question.id)
                    if answer is not None and answer.is_answered:
                        _paint_level(cell, answer.level, scale, na=answer.na)
                    cell.alignment = CENTRE
                spread, disagreement, consensus_set = cells[-5:-2]
                for cell in (spread, disagreement, consensus_set):
                    cell.alignment = CENTRE
                if result is not None and result.disagreement:
                    disagreement.fill = NOTE_FILL
    ws.auto_filter.ref = f"A1:{get_column_letter(len(columns))}{row}"
    _print_setup(ws, title_rows="1:1")


def _newest_evidence_date(by_respondent: dict[int, dict[str, Answer]], question_id: str) -> date | None:
    """The newest evidence date any respondent gave for the question (what its confidence counts)."""
    dates = newest_evidence_dates(
        (question_id, given[question_id].evidence_date) for given in by_respondent.values() if question_id in given
    )
    return dates.get(question_id)


def _notes(report: AssessmentReport, by_respondent: dict[int, dict[str, Answer]], question_id: str, field: str) -> str:
    multiple = len(report.respondents) > 1
    parts = []
    for respondent in report.respondents:
        answer = by_respondent.get(respondent.id, {}).get(question_id)
        text = "" if answer is None else str(getattr(answer, field))
        if text.strip():
            parts.append(f"{respondent.name}: {text}" if multiple else text)
    return "\n".join(parts)


# Workshop summary sheet

WORKSHOP_SUMMARY_COLUMNS: Final = (
    Column("ID", 10),
    Column("Domain", 18, wrap=True),
    Column("Question", 45, wrap=True),
    Column("Votes", 26, wrap=True),
    Column("Spread", 8),
    Column("Level", 8),
    Column("Rationale", 45, wrap=True),
    Column("Set by", 20, wrap=True),
)
SUMMARY_SPREAD: Final = [column.heading for column in WORKSHOP_SUMMARY_COLUMNS].index("Spread")
SUMMARY_LEVEL: Final = [column.heading for column in WORKSHOP_SUMMARY_COLUMNS].index("Level")


def votes_text(distribution: Distribution) -> str:
    """Describe how the votes on one question fell, e.g. '4 votes: 1 at level 1, 2 at level 4, 1 N/A'."""
    if distribution.votes == 0:
        return "No votes"
    parts = [f"{count} at level {level}" for level, count in distribution.counts if count]
    if distribution.na_votes:
        parts.append(f"{distribution.na_votes} N/A")
    noun = "vote" if distribution.votes == 1 else "votes"
    return f"{distribution.votes} {noun}: {', '.join(parts)}"


def _summary_section(
    ws: Worksheet, report: AssessmentReport, row: int, title: str, rows: Sequence[Sequence[Value]], empty: str
) -> int:
    """Write a titled table of the workshop summary from `row` on and return the last row written."""
    scale = report.questionnaire.level_numbers
    _put(ws.cell(row=row, column=1), title).font = SECTION_FONT
    if not rows:
        _merged_text(ws, row + 1, 1, len(WORKSHOP_SUMMARY_COLUMNS), empty)
        return row + 1
    row += 1
    _header(ws, row, WORKSHOP_SUMMARY_COLUMNS)
    for values in rows:
        row += 1
        cells = _body(ws, row, WORKSHOP_SUMMARY_COLUMNS, values)
        level = values[SUMMARY_LEVEL]
        _paint_level(cells[SUMMARY_LEVEL], level if isinstance(level, int) else None, scale, na=level == "N/A")
        for index in (SUMMARY_SPREAD, SUMMARY_LEVEL):
            cells[index].alignment = CENTRE
    return row


def _write_workshop_summary(ws: Worksheet, report: AssessmentReport) -> None:
    questionnaire = report.questionnaire
    result = summary(questionnaire, responses_of(report.answers), report.consensus)
    _widths(ws, WORKSHOP_SUMMARY_COLUMNS)
    last_column = len(WORKSHOP_SUMMARY_COLUMNS)
    _merged_text(
        ws,
        1,
        1,
        last_column,
        f"Workshop summary: {report.organisation.name} {report.assessment.label}",
        font=TITLE_FONT,
    )
    _merged_text(
        ws,
        2,
        1,
        last_column,
        f"{len(report.respondents)} respondents. {len(result.agreed)} answers agreed, {len(result.open)} "
        f"disagreements still open, {len(result.settled)} settled. A disagreement is a spread of "
        f"{questionnaire.scoring.disagreement_spread} levels or more between the respondents' levels; while it is "
        "open, the assessment takes the median of their levels rounded down.",
    )

    def question_cells(distribution: Distribution) -> list[Value]:
        question = questionnaire.question(distribution.question_id)
        return [question.id, _domain_name(questionnaire, question.domain), question.text, votes_text(distribution)]

    def agreed_rows(items: Sequence[AgreedItem]) -> list[list[Value]]:
        return [
            [
                *question_cells(item.distribution),
                item.distribution.spread,
                "N/A" if item.na else item.level,
                item.note,
                item.set_by,
            ]
            for item in items
        ]

    row = _summary_section(
        ws, report, 4, "Agreed answers", agreed_rows(result.agreed), "No answer has been agreed yet."
    )
    row = _summary_section(
        ws,
        report,
        row + 2,
        "Open disagreements (the level shown is the median rounded down, used until an answer is agreed)",
        [[*question_cells(d), d.spread, d.median, "", ""] for d in result.open],
        "None: every disagreement has an agreed answer.",
    )
    _summary_section(
        ws,
        report,
        row + 2,
        "Disagreements settled",
        agreed_rows(result.settled),
        "None: no agreed answer settled a disagreement.",
    )
    _print_setup(ws)


# Benchmark and trend sheets

BENCHMARK_COLUMNS: Final = (
    Column("Score", 26, wrap=True),
    Column("ID", 10),
    Column("Peers", 8),
    Column("This assessment", 14),
    Column("Percentile rank", 14),
    Column("Lower quartile", 14),
    Column("Median", 10),
    Column("Upper quartile", 14),
    Column("Note", 40, wrap=True),
)


def _write_benchmark(ws: Worksheet, report: AssessmentReport, result: BenchmarkResult) -> None:
    questionnaire = report.questionnaire
    _widths(ws, BENCHMARK_COLUMNS)
    _header(ws, 1, BENCHMARK_COLUMNS)
    ws.freeze_panes = "A2"
    row = 1
    for figure in result.figures:
        row += 1
        cells = _body(
            ws,
            row,
            BENCHMARK_COLUMNS,
            [
                _domain_name(questionnaire, figure.score_id),
                figure.score_id,
                figure.n,
                _score(figure.subject_score),
                None if figure.percentile_rank is None else round(figure.percentile_rank, 1),
                _score(figure.q1),
                _score(figure.median),
                _score(figure.q3),
                figure.reason or "",
            ],
        )
        for cell in (cells[3], cells[5], cells[6], cells[7]):
            cell.number_format = SCORE_FORMAT
        cells[4].number_format = RANK_FORMAT
    _merged_text(
        ws,
        row + 2,
        1,
        len(BENCHMARK_COLUMNS),
        f"Peer group: {result.n} organisations, the latest completed assessment of each on this questionnaire. "
        "Percentile rank = share of peers scoring below this assessment, peers with the same score counting half. "
        f"Only aggregates are shown, never a peer's name or scores, and none at all below {result.min_peer_group} "
        "peers.",
    )
    _print_setup(ws, title_rows="1:1")


# Business case sheet

BUSINESS_CASE_COLUMNS: Final = (
    Column("Service", 24, wrap=True),
    Column("Tier", 11),
    Column("RTO (h)", 9),
    Column("Recovery (h)", 11),
    Column("Recovery from", 36, wrap=True),
    Column("Cost per hour", 13),
    Column("Currency", 9),
    Column("Exposure a year", 15),
    Column("After the roadmap", 15),
)
MONEY_FORMAT: Final = "#,##0"
HOURS_FORMAT: Final = "0.##"


def _section(ws: Worksheet, row: int, title: str, columns: Sequence[Column], rows: Sequence[Sequence[Value]]) -> int:
    """Write a titled table from `row` on and return the last row written."""
    _put(ws.cell(row=row, column=1), title).font = SECTION_FONT
    _header(ws, row + 1, columns)
    current = row + 1
    for values in rows:
        current += 1
        _body(ws, current, columns, values)
    return current


def _money_cells(ws: Worksheet, first: int, last: int, columns: Iterable[int], number_format: str) -> None:
    for row in range(first, last + 1):
        for column in columns:
            ws.cell(row=row, column=column).number_format = number_format


def _write_business_case(ws: Worksheet, report: AssessmentReport, case: BusinessCase) -> None:
    _widths(ws, BUSINESS_CASE_COLUMNS)
    last = len(BUSINESS_CASE_COLUMNS)
    _merged_text(
        ws, 1, 1, last, f"Business case: {report.organisation.name} {report.assessment.label}", font=TITLE_FONT
    )
    _merged_text(
        ws,
        2,
        1,
        last,
        "Expected yearly downtime exposure per service: downtime cost per hour x the hours its recovery exceeds "
        "its RTO x the expected disruptions a year. The recovery is the one its last recovery test measured, "
        "else its RTO x the multiple assumed for its answered capability level. A roadmap phase removes the "
        "exposure its steps are expected to take away by raising that level.",
    )
    row = 3
    if report.organisation.illustrative:
        row += 1
        note = _merged_text(ws, row, 1, last, "Illustrative data: a fictional organisation and figures.")
        note.fill = NOTE_FILL
    row += 2
    _put(ws.cell(row=row, column=1), "Assumptions").font = SECTION_FONT
    assumptions = case.assumptions
    facts: list[tuple[str, Value, str | None]] = [
        ("Expected disruptions a year", assumptions.disruptions_per_year, HOURS_FORMAT),
        ("Currency", "several: not summed" if case.problem else case.currency, None),
    ]
    facts += [
        (f"Recovery at level {level}, x RTO", multiple, HOURS_FORMAT)
        for level, multiple in sorted(assumptions.rto_multiples.items())
    ]
    for label, value, number_format in facts:
        row += 1
        _put(ws.cell(row=row, column=1), label).font = BOLD
        _put(ws.cell(row=row, column=2), value, number_format)
    if case.problem:
        row += 2
        _merged_text(ws, row, 1, last, case.problem).fill = NOTE_FILL
    services = [
        [
            s.service,
            s.tier,
            s.rto_hours,
            s.recovery_hours,
            s.source,
            s.cost_per_hour,
            s.currency,
            None if s.exposure is None else round(s.exposure, 2),
            None if s.remaining is None else round(s.remaining, 2),
        ]
        for s in case.services
    ]
    first = row + 4
    row = _section(ws, row + 2, "By service", BUSINESS_CASE_COLUMNS, services)
    _money_cells(ws, first, row, (6, 8, 9), MONEY_FORMAT)
    _money_cells(ws, first, row, (3, 4), HOURS_FORMAT)
    if case.not_costed:
        row += 1
        _merged_text(ws, row, 1, last, "Not costed (no downtime cost in the register): " + ", ".join(case.not_costed))
    if case.problem:
        _print_setup(ws, title_rows=None)
        return
    domains = [[d.name, d.services, round(d.exposure, 2)] for d in case.domains]
    columns = (Column("Domain", 24, wrap=True), Column("Services", 11), Column("Exposure a year", 9))
    first = row + 4
    row = _section(ws, row + 2, "By domain (where each service's capability is held down)", columns, domains)
    _money_cells(ws, first, row, (3,), MONEY_FORMAT)
    phases = [
        [
            p.name,
            p.steps,
            p.points,
            round(p.removed, 2),
            None if p.removed_per_point is None else round(p.removed_per_point, 2),
        ]
        for p in case.phases
    ]
    columns = (
        Column("Phase", 24, wrap=True),
        Column("Steps", 11),
        Column("Effort points", 9),
        Column("Exposure removed", 11),
        Column("Per effort point", 36),
    )
    first = row + 4
    row = _section(ws, row + 2, "By roadmap phase: exposure removed against effort", columns, phases)
    _money_cells(ws, first, row, (4, 5), MONEY_FORMAT)
    _print_setup(ws)


def _plain(value: object) -> Value:
    """Return a DataFrame value as a cell value: missing values as None, timestamps as dates, numpy numbers as Python's."""
    if is_missing(value):
        return None
    if isinstance(value, pd.Timestamp | datetime):
        return value.date()
    if isinstance(value, str | date):
        return value
    if isinstance(value, numbers.Integral):
        return int(value)
    if isinstance(value, numbers.Real):
        return float(value)
    return str(value)


def _rounded(value: Value) -> float | None:
    return round(value, 2) if isinstance(value, int | float) else None


def _whole(value: Value) -> int | None:
    return value if isinstance(value, int) else None


def _require(frame: pd.DataFrame, columns: Iterable[str], what: str) -> None:
    missing = [column for column in columns if column not in frame.columns]
    if missing:
        raise WorkbookDataError(
            f"the {what} lacks column(s) {', '.join(missing)}; pass the DataFrame that scoring.{what.replace(' ', '_')} "
            "returns"
        )


DOMAIN_TREND_SHEET_COLUMNS: Final = (
    Column("Assessment", 14),
    Column("Date", 12),
    Column("Domain", 26),
    Column("Score", 9),
    Column("Stage", 8),
    Column("Score change", 13),
    Column("Stage change", 13),
)
QUESTION_TREND_SHEET_COLUMNS: Final = (
    Column("Assessment", 14),
    Column("Date", 12),
    Column("Question ID", 12),
    Column("Level", 8),
    Column("Level change", 13),
)


def _write_domain_trend(ws: Worksheet, report: AssessmentReport, frame: pd.DataFrame) -> None:
    _require(frame, DOMAIN_TREND_COLUMNS, "domain trend")
    scale = report.questionnaire.level_numbers
    _widths(ws, DOMAIN_TREND_SHEET_COLUMNS)
    _header(ws, 1, DOMAIN_TREND_SHEET_COLUMNS)
    ws.freeze_panes = "A2"
    for row, record in enumerate(frame.loc[:, list(DOMAIN_TREND_COLUMNS)].itertuples(index=False), start=2):
        label, when, domain_id, score, stage, score_change, stage_change = (_plain(value) for value in record)
        domain = _domain_name(report.questionnaire, str(domain_id))
        cells = _body(
            ws,
            row,
            DOMAIN_TREND_SHEET_COLUMNS,
            [label, when, domain, _rounded(score), _whole(stage), _rounded(score_change), _whole(stage_change)],
        )
        cells[1].number_format = DATE_FORMAT
        cells[3].number_format = SCORE_FORMAT
        cells[5].number_format = "+0.00;-0.00;0.00"
        cells[6].number_format = "+0;-0;0"
        _paint_level(cells[4], _whole(stage), scale)
    _print_setup(ws, title_rows="1:1")


def _write_question_trend(ws: Worksheet, report: AssessmentReport, frame: pd.DataFrame) -> None:
    _require(frame, QUESTION_TREND_COLUMNS, "question trend")
    scale = report.questionnaire.level_numbers
    _widths(ws, QUESTION_TREND_SHEET_COLUMNS)
    _header(ws, 1, QUESTION_TREND_SHEET_COLUMNS)
    ws.freeze_panes = "A2"
    for row, record in enumerate(frame.loc[:, list(QUESTION_TREND_COLUMNS)].itertuples(index=False), start=2):
        values = [_plain(value) for value in record]
        cells = _body(ws, row, QUESTION_TREND_SHEET_COLUMNS, values)
        cells[1].number_format = DATE_FORMAT
        cells[4].number_format = "+0;-0;0"
        _paint_level(cells[3], _whole(values[3]), scale)
    _print_setup(ws, title_rows="1:1")


def assessment_workbook(
    report: AssessmentReport,
    roadmap: Sequence[PlannedStep],
    *,
    benchmark: BenchmarkResult | None = None,
    domain_trend: pd.DataFrame | None = None,
    question_trend: pd.DataFrame | None = None,
    finding_steps: Sequence[FindingItem] = (),
    evidenced: EvidencedScore | None = None,
    business_case: BusinessCase | None = None,
) -> bytes:
    """Return the roadmap workbook of one assessment as xlsx bytes.

    `roadmap` is `planned_roadmap(db, report)` and `finding_steps` the steps made from findings of the
    exercise log (`storage.finding_items.list_finding_items`), listed after it; the Benchmark sheet appears only for a benchmark
    with figures, the trend sheets only for trend DataFrames (from scoring.domain_trend and
    scoring.question_trend) with rows. With `evidenced` the Summary shows the stages and scores as
    answered and as evidenced, and the claims the facts don't support lower the domains' confidence as on
    the Results page; with `business_case` a Business case sheet follows the Answers.
    """
    workbook = Workbook()
    workbook.properties.creator = report.questionnaire.title
    workbook.properties.title = f"{report.questionnaire.title}: {report.organisation.name} {report.assessment.label}"
    summary = workbook.active
    summary.title = SUMMARY
    _write_summary(summary, report, evidenced)
    _write_roadmap(workbook.create_sheet(ROADMAP), report, roadmap, finding_steps)
    _write_answers(workbook.create_sheet(ANSWERS), report)
    if business_case is not None:
        _write_business_case(workbook.create_sheet(BUSINESS_CASE), report, business_case)
    if len(report.respondents) > 1:
        _write_workshop_summary(workbook.create_sheet(WORKSHOP_SUMMARY), report)
    if benchmark is not None and benchmark.figures:
        _write_benchmark(workbook.create_sheet(BENCHMARK), report, benchmark)
    if domain_trend is not None and not domain_trend.empty:
        _write_domain_trend(workbook.create_sheet(DOMAIN_TREND), report, domain_trend)
    if question_trend is not None and not question_trend.empty:
        _write_question_trend(workbook.create_sheet(QUESTION_TREND), report, question_trend)
    buffer = io.BytesIO()
    workbook.save(buffer)
    return buffer.getvalue()


def workbook_for_assessment(db: Database, assessment_id: int) -> bytes:
    """The roadmap workbook of an assessment, with benchmark and trend sheets when that data exists."""
    report = load_report(db, assessment_id)
    domains, questions = organisation_trend(db, report)
    with_trend = len(domains["label"].unique()) > 1 if not domains.empty else False
    return assessment_workbook(
        report,
        planned_roadmap(db, report),
        benchmark=peer_benchmark(db, report),
        domain_trend=domains if with_trend else None,
        question_trend=questions if with_trend else None,
        finding_steps=list_finding_items(db, report.assessment.id),
        evidenced=evidenced_score(db, report),
        business_case=business_case_of(db, report),
    )
