"""The executive report: one assessment on two pages for leadership, as an editable Word document and as a PDF.

Both formats are written from one content model, `ExecutiveSummary`, built once from the assessment's
report: overall and domain stages against targets, the previous assessment of the same organisation,
the peer median when the peer group is large enough, the five largest gaps with the statements of
the current and the target level, the roadmap's first phase with owners and dates, and how scoring
works. So the Word document and the PDF always say the same thing.

Nothing here needs a browser or an office suite: the PDF is drawn by ReportLab, the chart is a PNG
drawn by Pillow (with the DejaVu-like Vera font ReportLab ships), embedded in both formats. What
users typed is text: in the PDF it is escaped before ReportLab's paragraph markup sees it, and in
both formats characters XML cannot hold are replaced (exports.safe_text.cell_text).
"""

from __future__ import annotations

import io
from collections.abc import Sequence
from dataclasses import dataclass, replace
from pathlib import Path
from typing import Final
from xml.sax.saxutils import escape

import pandas as pd
import reportlab
from docx import Document
from docx.document import Document as DocxDocument
from docx.enum.section import WD_ORIENT
from docx.enum.table import WD_TABLE_ALIGNMENT
from docx.oxml import OxmlElement
from docx.oxml.ns import qn
from docx.shared import Cm, Pt, RGBColor
from docx.table import Table as DocxTable
from docx.table import _Cell
from PIL import Image, ImageDraw, ImageFont
from reportlab.lib import colors
from reportlab.lib.pagesizes import A4
from reportlab.lib.styles import ParagraphStyle
from reportlab.lib.units import mm
from reportlab.pdfbase import pdfmetrics
from reportlab.pdfbase.ttfonts import TTFont
from reportlab.platypus import Image as PdfImage
from reportlab.platypus import PageBreak, Paragraph, SimpleDocTemplate, Spacer, Table, TableStyle
from sqlite_utils import Database

from exports.level_colours import level_colour, text_colour_on
from exports.report import (
    AssessmentReport,
    PlannedStep,
    business_case_of,
    evidenced_score,
    load_report,
    organisation_trend,
    peer_benchmark,
    planned_roadmap,
)
from exports.safe_text import cell_text
from questionnaires.model import Questionnaire
from scoring import OVERALL, BenchmarkResult, OverallScore
from scoring.business_case import BusinessCase, money_text
from scoring.evidenced import EvidencedScore

GAPS_SHOWN: Final = 5
"""How many of the largest practice gaps the report explains."""

STEPS_SHOWN: Final = 10
"""Most steps of the first phase listed; more are counted, so the report keeps to two pages."""

ILLUSTRATIVE_NOTE: Final = "Illustrative data: a fictional organisation, for demonstration only."

FONT_DIR: Final = Path(reportlab.__file__).parent / "fonts"
REGULAR_FONT: Final = FONT_DIR / "Vera.ttf"
BOLD_FONT: Final = FONT_DIR / "VeraBd.ttf"
PDF_FONT: Final = "ExecVera"
PDF_BOLD: Final = "ExecVeraBold"
DOCX_FONT: Final = "Calibri"
ACCENT: Final = "#2b5c8a"
NOTE_COLOUR: Final = "#fff2cc"
HEADER_COLOUR: Final = "#d9e1f2"


@dataclass(frozen=True)
class DomainLine:
    """Overall or one domain: stage, score and target now, then, in the previous assessment, and among peers."""

    name: str
    stage: int | None
    score: float | None
    target: int | None
    gap: int | None
    previous_stage: int | None
    previous_score: float | None
    peer_median: float | None


@dataclass(frozen=True)
class GapLine:
    """One practice below its domain's target, with what its current and target levels mean."""

    question_id: str
    practice: str
    domain: str
    level: int
    target: int
    current_statement: str
    target_statement: str

    @property
    def gap(self) -> int:
        """Levels between where the practice is and its domain's target."""
        return self.target - self.level


@dataclass(frozen=True)
class StepLine:
    """One step of the roadmap's first phase with who owns it and when it is due."""

    order: int
    action: str
    practice: str
    to_level: int
    owner: str
    due: str
    status: str


@dataclass(frozen=True)
class ExecutiveSummary:
    """Everything the executive report says, built once so both formats say the same."""

    title: str
    organisation: str
    illustrative: bool
    assessment: str
    assessment_date: str
    questionnaire: str
    level_names: dict[int, str]
    scale: tuple[int, ...]
    headline: str
    provisional_note: str
    overall: DomainLine
    domains: tuple[DomainLine, ...]
    previous_label: str | None
    peer_note: str
    gaps: tuple[GapLine, ...]
    phase_name: str
    steps: tuple[StepLine, ...]
    more_steps: int
    scoring: tuple[str, str, str]
    author: str = "Maturity assessment"  # the questionnaire's title, as the documents' author
    evidenced_note: str = ""  # the overall stage and score as answered and as evidenced; "" without evidence
    business_case_note: str = ""  # the exposure and what the roadmap removes, with the assumptions
    business_case_rows: tuple[tuple[str, str, str, str], ...] = ()  # phase, steps, effort points, removed

    def stage_text(self, stage: int | None) -> str:
        """A stage as "2 Repeatable", or a dash when there is none yet."""
        if stage is None:
            return "–"
        name = self.level_names.get(stage, "")
        return f"{stage} {name}".strip()


def _text(value: str) -> str:
    """User text as a document can hold it: XML-illegal characters replaced, carriage returns as line feeds."""
    return cell_text(value)


def _score(value: float | None) -> str:
    return "–" if value is None or pd.isna(value) else f"{value:.2f}"


def _number(value: int | None) -> str:
    return "–" if value is None else str(value)


def _previous(domain_trend: pd.DataFrame, label: str) -> tuple[str | None, dict[str, tuple[int | None, float | None]]]:
    """The assessment before `label` in the organisation's trend, and its stage and score by domain id."""
    if domain_trend.empty:
        return None, {}
    labels = list(dict.fromkeys(domain_trend["label"]))
    if label not in labels or labels.index(label) == 0:
        return None, {}
    before = labels[labels.index(label) - 1]
    rows = domain_trend[domain_trend["label"] == before]
    found: dict[str, tuple[int | None, float | None]] = {}
    for row in rows.itertuples(index=False):
        stage = None if pd.isna(row.stage) else int(row.stage)
        score = None if pd.isna(row.score) else float(row.score)
        found[str(row.domain_id)] = (stage, score)
    return str(before), found


def _peer_medians(result: BenchmarkResult) -> tuple[str, dict[str, float | None]]:
    """What the report says about peers, and the peer median by score id when the group is large enough."""
    if result.n < result.min_peer_group:
        return f"No peer comparison (fewer than {result.min_peer_group} peers).", {}
    medians = {figure.score_id: figure.median for figure in result.figures}
    if all(value is None for value in medians.values()):
        reason = result.reason or "the peers have no scores to compare"
        return f"No peer comparison ({reason}).", {}
    return f"Peer median of {result.n} peers (the latest assessment of each other organisation).", medians


def _gaps(report: AssessmentReport) -> tuple[GapLine, ...]:
    """The largest practice gaps: widest first, then the practices that weigh most, then questionnaire order."""
    questionnaire = report.questionnaire
    domain_weights = {domain.id: domain.weight for domain in questionnaire.domains}
    found = []
    for index, question in enumerate(questionnaire.questions):
        result = report.score.questions.get(question.id)
        if result is None or result.na or result.level is None:
            continue
        target = report.targets[question.domain]
        if result.level >= target:
            continue
        priority = question.weight * domain_weights[question.domain]
        line = GapLine(
            question_id=question.id,
            practice=question.text,
            domain=questionnaire.domain(question.domain).name,
            level=result.level,
            target=target,
            current_statement=question.levels.get(result.level) or questionnaire.level(result.level).description,
            target_statement=question.levels.get(target) or questionnaire.level(target).description,
        )
        found.append(((-(target - result.level), -priority, index), line))
    return tuple(line for _, line in sorted(found, key=lambda pair: pair[0])[:GAPS_SHOWN])


def _first_phase(questionnaire: Questionnaire, roadmap: Sequence[PlannedStep]) -> tuple[str, list[StepLine]]:
    phase = questionnaire.scoring.phases[0]
    steps = [
        StepLine(
            order=planned.step.order,
            action=planned.step.action,
            practice=planned.step.practice,
            to_level=planned.step.to_level,
            owner=planned.owner,
            due="" if planned.due_date is None else planned.due_date.isoformat(),
            status=planned.status.replace("_", " "),
        )
        for planned in roadmap
        if planned.step.phase_index == 0
    ]
    return phase.name, steps


def scoring_sentences(questionnaire: Questionnaire) -> tuple[str, str, str]:
    """How scoring works in three sentences, as README "How scoring works" states the rules."""
    scoring = questionnaire.scoring
    low, high = questionnaire.min_level, questionnaire.max_level
    overall = (
        "the lowest domain stage, because an organisation is only as mature as its weakest area"
        if scoring.overall_stage == "lowest_domain"
        else "the overall score rounded down to a level"
    )
    return (
        f"Each practice is rated at a level from {low} to {high} (or not applicable), and a domain's score is the "
        "weighted mean of its answered levels.",
        f"A domain's stage is the highest level reached by practices carrying at least "
        f"{scoring.stage_threshold:.0%} of its answered weight, so a domain is as mature as nearly all of its "
        "practices, not as its average.",
        f"The overall score is the weighted mean of the domain scores and the overall stage is {overall}; "
        "the gap is the target minus the stage.",
    )


def evidenced_note(evidenced: EvidencedScore | None) -> str:
    """One sentence with the overall stage and score as answered and as the register and log support them."""
    if evidenced is None:
        return ""
    answered, facts = evidenced.answered.overall, evidenced.evidenced.overall
    claims = len(evidenced.claims)

    def stage_and_score(overall: OverallScore) -> str:
        return f"stage {'–' if overall.stage is None else overall.stage}, score {_score(overall.score)}"

    return (
        f"As answered: {stage_and_score(answered)}. As evidenced by the service register and the exercise and "
        f"incident log: {stage_and_score(facts)} ({claims} answer{'' if claims == 1 else 's'} not supported)."
    )


BUSINESS_CASE_HEADINGS: Final = ("Roadmap phase", "Steps", "Effort points", "Exposure removed a year")


def business_case_text(case: BusinessCase | None) -> tuple[str, tuple[tuple[str, str, str, str], ...]]:
    """The business case as a paragraph with its assumptions and a row per roadmap phase."""
    if case is None:
        return "", ()
    if case.problem:
        return case.problem, ()
    total = case.total or 0.0
    costed = sum(1 for s in case.services if s.exposure is not None)
    multiples = ", ".join(f"{level}: {value:g}" for level, value in sorted(case.assumptions.rto_multiples.items()))
    note = (
        f"Expected yearly downtime exposure: {money_text(total, case.currency)} across {costed} costed service{'' if costed == 1 else 's'} "
        f"(downtime cost per hour x hours the recovery exceeds the RTO x {case.assumptions.disruptions_per_year:g} "
        f"disruption(s) a year; recovery from the last test, else RTO x {multiples} by answered capability level). "
        f"The roadmap is expected to remove {money_text(case.removed or 0.0, case.currency)}."
    )
    if case.not_costed:
        count = len(case.not_costed)
        note += f" Not costed: {count} service{'' if count == 1 else 's'}."
    rows = tuple(
        (phase.name, str(phase.steps), str(phase.points), money_text(phase.removed, case.currency))
        for phase in case.phases
    )
    return note, rows


def build_summary(
    report: AssessmentReport,
    domain_trend: pd.DataFrame,
    benchmark: BenchmarkResult,
    roadmap: Sequence[PlannedStep],
    evidenced: EvidencedScore | None = None,
    case: BusinessCase | None = None,
) -> ExecutiveSummary:
    """Build the report's content from a loaded assessment, its trend, peer benchmark and planned roadmap.

    With `evidenced` it states the score as answered and as evidenced; with `case`, the business case.
    """
    questionnaire = report.questionnaire
    score = report.score
    previous_label, previous = _previous(domain_trend, report.assessment.label)
    peer_note, medians = _peer_medians(benchmark)

    def line(score_id: str, name: str, stage: int | None, value: float | None, target: int | None) -> DomainLine:
        before_stage, before_score = previous.get(score_id, (None, None))
        return DomainLine(
            name=name,
            stage=stage,
            score=value,
            target=target,
            gap=None if stage is None or target is None else target - stage,
            previous_stage=before_stage,
            previous_score=before_score,
            peer_median=medians.get(score_id),
        )

    domains = tuple(line(d.domain_id, d.name, d.stage, d.score, d.target) for d in score.domains)
    overall = line(OVERALL, "Overall", score.overall.stage, score.overall.score, None)
    reached = sum(1 for d in score.domains if d.stage is not None and d.stage >= d.target)
    names = {level.number: level.name for level in questionnaire.levels}
    stage = "no overall stage yet" if overall.stage is None else f"stage {overall.stage} {names[overall.stage]}"
    headline = f"Overall {stage}; {reached} of {len(domains)} domains at or above their target."
    if previous_label is not None:
        before = "no stage" if overall.previous_stage is None else f"stage {overall.previous_stage}"
        headline += f" Previous assessment ({previous_label}): {before}."
    phase_name, steps = _first_phase(questionnaire, roadmap)
    overall_score = score.overall
    provisional = (
        f"Provisional: {overall_score.answered} of {overall_score.total} questions answered."
        if overall_score.provisional
        else ""
    )
    organisation = report.organisation
    case_note, case_rows = business_case_text(case)
    return ExecutiveSummary(
        title=f"{questionnaire.title}: {organisation.name} {report.assessment.label}",
        organisation=organisation.name,
        illustrative=organisation.illustrative,
        assessment=report.assessment.label,
        assessment_date=report.assessment.assessment_date.isoformat(),
        questionnaire=f"{questionnaire.title} (version {questionnaire.version})",
        level_names=names,
        scale=questionnaire.level_numbers,
        headline=headline,
        provisional_note=provisional,
        overall=overall,
        domains=domains,
        previous_label=previous_label,
        peer_note=peer_note,
        gaps=_gaps(report),
        phase_name=phase_name,
        steps=tuple(steps[:STEPS_SHOWN]),
        more_steps=max(0, len(steps) - STEPS_SHOWN),
        scoring=scoring_sentences(questionnaire),
        author=questionnaire.title,
        evidenced_note=evidenced_note(evidenced),
        business_case_note=case_note,
        business_case_rows=case_rows,
    )


def executive_summary(db: Database, assessment_id: int) -> ExecutiveSummary:
    """Load one assessment with its trend, peers and roadmap, and build the report's content to fit two pages."""
    report = load_report(db, assessment_id)
    domain_trend, _ = organisation_trend(db, report)
    return fit_two_pages(
        build_summary(
            report,
            domain_trend,
            peer_benchmark(db, report),
            planned_roadmap(db, report),
            evidenced_score(db, report),
            business_case_of(db, report),
        )
    )


def fit_two_pages(summary: ExecutiveSummary) -> ExecutiveSummary:
    """List fewer of the first phase's steps (counting the rest) until the PDF fits two pages.

    The steps left out are counted in the report, and the Word document lists the same steps, so
    both formats still say the same thing.
    """
    total = len(summary.steps) + summary.more_steps
    for shown in range(len(summary.steps), -1, -1):
        fitted = replace(summary, steps=summary.steps[:shown], more_steps=total - shown)
        if _pdf(fitted)[1] <= 2:
            return fitted
    return replace(summary, steps=(), more_steps=total)


# The table of results, shared by both formats.

RESULT_HEADINGS: Final = ("", "Stage", "Target", "Gap", "Score", "Previous stage", "Peer median")


def result_rows(summary: ExecutiveSummary) -> list[tuple[str, ...]]:
    """The rows of the results table: overall first, then each domain, as both formats print them."""
    rows = []
    for line in (summary.overall, *summary.domains):
        rows.append(
            (
                line.name,
                summary.stage_text(line.stage),
                _number(line.target),
                _number(line.gap),
                _score(line.score),
                summary.stage_text(line.previous_stage) if summary.previous_label else "–",
                _score(line.peer_median),
            )
        )
    return rows


def step_heading(summary: ExecutiveSummary) -> str:
    """The heading of the first phase's section."""
    return f"First phase of the roadmap ({summary.phase_name})"


def step_rows(summary: ExecutiveSummary) -> list[tuple[str, str, str, str]]:
    """The rows of the first phase's table: step, owner, due date, status."""
    return [
        (f"{step.action} (to level {step.to_level})", step.owner or "not assigned", step.due or "no date", step.status)
        for step in summary.steps
    ]


def more_steps_note(summary: ExecutiveSummary) -> str:
    """What the report says about steps it leaves out, or about a phase with no steps."""
    if summary.more_steps:
        more = "And" if summary.steps else "This phase has"
        return f"{more} {summary.more_steps} more steps in this phase: the Excel roadmap workbook lists them all."
    if not summary.steps:
        return "No steps in this phase: every answered practice is at its domain's target."
    return ""


def gap_text(summary: ExecutiveSummary, gap: GapLine) -> tuple[str, str, str]:
    """A gap as three texts: the practice with its domain, where it is now, and what the target level means."""
    return (
        f"{gap.practice} ({gap.domain}): level {gap.level} of target {gap.target}, gap {gap.gap}",
        f"Now ({summary.stage_text(gap.level)}): {gap.current_statement}",
        f"At target ({summary.stage_text(gap.target)}): {gap.target_statement}",
    )


# The chart: domain scores against targets, previous scores and the peer median, as a PNG.

CHART_SCALE: Final = 3
"""Pixels per point: the PNG is drawn at about 216 dpi so it prints sharply."""


def _rgb(hex_colour: str) -> tuple[int, int, int]:
    digits = hex_colour.lstrip("#")
    return int(digits[0:2], 16), int(digits[2:4], 16), int(digits[4:6], 16)


def chart_png(summary: ExecutiveSummary, width_pt: int = 500) -> bytes:
    """Draw each domain's score as a bar coloured by its stage, with ticks for target, previous score and peers."""
    k = CHART_SCALE
    lines = (summary.overall, *summary.domains)
    row, label_w, top = 16 * k, 170 * k, 20 * k
    width = width_pt * k
    height = top + row * len(lines) + 18 * k
    image = Image.new("RGB", (width, height), "white")
    draw = ImageDraw.Draw(image)
    font = ImageFont.truetype(str(REGULAR_FONT), 8 * k)
    bold = ImageFont.truetype(str(BOLD_FONT), 8 * k)
    low, high = summary.scale[0], summary.scale[-1]
    plot_left, plot_right = label_w, width - 10 * k

    def x_of(value: float) -> int:
        return round(plot_left + (value - 0) / high * (plot_right - plot_left)) if high else plot_left

    legend = [("Target", "#000000"), ("Previous score", "#7f7f7f"), ("Peer median", ACCENT)]
    x = plot_left
    for name, colour in legend:
        draw.rectangle((x, 6 * k, x + 3 * k, 15 * k), fill=colour)
        draw.text((x + 6 * k, 6 * k), name, fill="black", font=font)
        x += round(draw.textlength(name, font=font)) + 22 * k
    for level in range(max(low, 0), high + 1):
        draw.line((x_of(level), top - 2 * k, x_of(level), top + row * len(lines)), fill="#d9d9d9", width=k)
        draw.text((x_of(level) - 3 * k, top + row * len(lines) + 3 * k), str(level), fill="#555555", font=font)
    for index, line in enumerate(lines):
        y = top + index * row
        name = line.name if len(line.name) <= 34 else line.name[:33] + "…"
        draw.text((4 * k, y + 3 * k), name, fill="black", font=bold if index == 0 else font)
        if line.score is not None:
            colour = level_colour(line.stage, summary.scale)
            draw.rectangle((x_of(0), y + 2 * k, x_of(line.score), y + row - 2 * k), fill=colour, outline="#7f7f7f")
            stage = f"stage {line.stage}" if line.stage is not None else ""
            draw.text((x_of(0) + 3 * k, y + 3 * k), stage, fill=text_colour_on(colour), font=font)
        for value, colour, inset in (
            (line.previous_score, "#7f7f7f", 5),
            (line.peer_median, ACCENT, 3),
            (None if line.target is None else float(line.target), "#000000", 0),
        ):
            if value is not None:
                cx = x_of(value)
                draw.rectangle((cx - k, y + inset * k, cx + k, y + row - inset * k), fill=colour)
    buffer = io.BytesIO()
    image.save(buffer, format="PNG", dpi=(72 * k, 72 * k))
    return buffer.getvalue()


# PDF


def _register_fonts() -> None:
    if PDF_FONT not in pdfmetrics.getRegisteredFontNames():
        pdfmetrics.registerFont(TTFont(PDF_FONT, str(REGULAR_FONT)))
        pdfmetrics.registerFont(TTFont(PDF_BOLD, str(BOLD_FONT)))
        pdfmetrics.registerFontFamily(PDF_FONT, normal=PDF_FONT, bold=PDF_BOLD, italic=PDF_FONT, boldItalic=PDF_BOLD)


def _p(text: str, style: ParagraphStyle) -> Paragraph:
    """A paragraph of plain text: escaped, so nothing a user typed is read as ReportLab markup."""
    return Paragraph(escape(_text(text)).replace("\n", "<br/>"), style)


def executive_report_pdf_bytes(summary: ExecutiveSummary) -> bytes:
    """Write the executive report as a PDF: results on the first A4 page, gaps and the first phase on the second."""
    return _pdf(summary)[0]


def _pdf(summary: ExecutiveSummary) -> tuple[bytes, int]:
    """Write the PDF and return it with its number of pages."""
    _register_fonts()
    body = ParagraphStyle("body", fontName=PDF_FONT, fontSize=8.5, leading=10.5)
    small = ParagraphStyle("small", parent=body, fontSize=7.5, leading=9)
    title = ParagraphStyle("title", parent=body, fontName=PDF_BOLD, fontSize=14, leading=17, spaceAfter=2)
    section = ParagraphStyle(
        "section",
        parent=body,
        fontName=PDF_BOLD,
        fontSize=10.5,
        leading=13,
        spaceBefore=7,
        spaceAfter=3,
        textColor=colors.HexColor(ACCENT),
    )
    cell_bold = ParagraphStyle("cell_bold", parent=small, fontName=PDF_BOLD)
    grid = [
        ("GRID", (0, 0), (-1, -1), 0.4, colors.HexColor("#bfbfbf")),
        ("BACKGROUND", (0, 0), (-1, 0), colors.HexColor(HEADER_COLOUR)),
        ("VALIGN", (0, 0), (-1, -1), "TOP"),
        ("LEFTPADDING", (0, 0), (-1, -1), 3),
        ("RIGHTPADDING", (0, 0), (-1, -1), 3),
        ("TOPPADDING", (0, 0), (-1, -1), 1.5),
        ("BOTTOMPADDING", (0, 0), (-1, -1), 1.5),
    ]
    width = A4[0] - 30 * mm
    story: list[object] = [_p(summary.title, title)]
    if summary.illustrative:
        note = Table([[_p(ILLUSTRATIVE_NOTE, cell_bold)]], colWidths=[width])
        note.setStyle(TableStyle([("BACKGROUND", (0, 0), (-1, -1), colors.HexColor(NOTE_COLOUR))]))
        story.append(note)
    story.append(
        _p(
            f"Organisation: {summary.organisation}. Assessment: {summary.assessment} of {summary.assessment_date}. "
            f"Questionnaire: {summary.questionnaire}.",
            small,
        )
    )
    story += [Spacer(1, 4), _p(summary.headline, ParagraphStyle("headline", parent=body, fontName=PDF_BOLD))]
    if summary.provisional_note:
        story.append(_p(summary.provisional_note, body))
    if summary.evidenced_note:
        story.append(_p(summary.evidenced_note, body))

    story.append(_p("Stages against targets", section))
    rows = [[_p(h, cell_bold) for h in RESULT_HEADINGS]]
    style = list(grid)
    lines = (summary.overall, *summary.domains)
    for index, (line, values) in enumerate(zip(lines, result_rows(summary), strict=True), start=1):
        cells = [_p(value, cell_bold if index == 1 else small) for value in values]
        # A paragraph keeps its own text colour, so the stage cell gets a style with the readable one.
        colour = level_colour(line.stage, summary.scale)
        on_colour = ParagraphStyle(f"stage{index}", parent=small, textColor=colors.HexColor(text_colour_on(colour)))
        cells[1] = _p(values[1], on_colour)
        rows.append(cells)
        style.append(("BACKGROUND", (1, index), (1, index), colors.HexColor(colour)))
    table = Table(rows, colWidths=[width * f for f in (0.28, 0.14, 0.08, 0.07, 0.08, 0.2, 0.15)], repeatRows=1)
    table.setStyle(TableStyle(style))
    story.append(table)
    previous = (
        f"Previous stage: the organisation's previous assessment, {summary.previous_label}."
        if summary.previous_label
        else "No previous assessment of this organisation to compare with."
    )
    story.append(_p(f"{previous} {summary.peer_note}", small))
    chart = chart_png(summary)
    with Image.open(io.BytesIO(chart)) as png:
        ratio = png.height / png.width
    story += [Spacer(1, 4), PdfImage(io.BytesIO(chart), width=width, height=width * ratio)]

    story += [PageBreak(), _p(f"The {len(summary.gaps)} largest gaps and why they matter", section)]
    if summary.gaps:
        gap_rows = [[_p("Practice", cell_bold), _p("Where it is now, and what the target level means", cell_bold)]]
        for gap in summary.gaps:
            head, now, target = gap_text(summary, gap)
            gap_rows.append([_p(head, small), [_p(now, small), _p(target, small)]])
        gaps = Table(gap_rows, colWidths=[width * 0.3, width * 0.7])
        gaps.setStyle(TableStyle(grid))
        story.append(gaps)
    else:
        story.append(_p("No answered practice is below its domain's target.", body))

    story.append(_p(step_heading(summary), section))
    if summary.steps:
        step_table = Table(
            [[_p(h, cell_bold) for h in ("Step", "Owner", "Due", "Status")]]
            + [[_p(value, small) for value in row] for row in step_rows(summary)],
            colWidths=[width * f for f in (0.6, 0.18, 0.11, 0.11)],
        )
        step_table.setStyle(TableStyle(grid))
        story.append(step_table)
    if note := more_steps_note(summary):
        story.append(_p(note, small))

    if summary.business_case_note:
        story.append(_p("Business case", section))
        story.append(_p(summary.business_case_note, small))
        if summary.business_case_rows:
            case_table = Table(
                [[_p(h, cell_bold) for h in BUSINESS_CASE_HEADINGS]]
                + [[_p(value, small) for value in row] for row in summary.business_case_rows],
                colWidths=[width * f for f in (0.4, 0.15, 0.2, 0.25)],
            )
            case_table.setStyle(TableStyle(grid))
            story.append(case_table)

    story.append(_p("How scoring works", section))
    story.append(_p(" ".join(summary.scoring), small))

    buffer = io.BytesIO()
    document = SimpleDocTemplate(
        buffer,
        pagesize=A4,
        leftMargin=15 * mm,
        rightMargin=15 * mm,
        topMargin=12 * mm,
        bottomMargin=12 * mm,
        title=_text(summary.title),
        author=_text(summary.author),
    )
    document.build(story)
    return buffer.getvalue(), document.page


# Word


def _shade(cell: _Cell, hex_colour: str) -> None:
    """Fill a Word table cell with a colour."""
    shading = OxmlElement("w:shd")
    shading.set(qn("w:val"), "clear")
    shading.set(qn("w:color"), "auto")
    shading.set(qn("w:fill"), hex_colour.lstrip("#").upper())
    cell._tc.get_or_add_tcPr().append(shading)


def _cell(cell: _Cell, text: str, *, bold: bool = False, colour: str | None = None) -> None:
    """Write plain text into a Word table cell in the report's small type."""
    paragraph = cell.paragraphs[0]
    run = paragraph.add_run(_text(text))
    run.bold = bold
    run.font.size = Pt(8)
    if colour is not None:
        run.font.color.rgb = RGBColor(*_rgb(colour))


def _docx_table(
    document: DocxDocument, headings: Sequence[str], rows: Sequence[Sequence[str]], widths: Sequence[float]
) -> DocxTable:
    """Add a grid table with a shaded heading row and fixed column widths in centimetres."""
    table = document.add_table(rows=1, cols=len(headings))
    table.style = "Table Grid"
    table.alignment = WD_TABLE_ALIGNMENT.CENTER
    for cell, heading in zip(table.rows[0].cells, headings, strict=True):
        _cell(cell, heading, bold=True)
        _shade(cell, HEADER_COLOUR)
    for values in rows:
        cells = table.add_row().cells
        for cell, value in zip(cells, values, strict=True):
            _cell(cell, value)
    # Word reads the cells' widths, LibreOffice the grid's columns: set both.
    table.autofit = False
    for column, width in zip(table.columns, widths, strict=True):
        column.width = Cm(width)
    for row in table.rows:
        for cell, width in zip(row.cells, widths, strict=True):
            cell.width = Cm(width)
    return table


def executive_report_docx_bytes(summary: ExecutiveSummary) -> bytes:
    """Write the executive report as an editable Word document."""
    document = Document()
    section = document.sections[0]
    section.orientation = WD_ORIENT.PORTRAIT
    section.page_width, section.page_height = Cm(21), Cm(29.7)
    section.left_margin = section.right_margin = Cm(1.5)
    section.top_margin = section.bottom_margin = Cm(1.2)
    normal = document.styles["Normal"]
    normal.font.name = DOCX_FONT
    normal.font.size = Pt(8.5)
    normal.paragraph_format.space_after = Pt(2)
    for name, size in (("Title", 14), ("Heading 1", 10.5)):
        style = document.styles[name]
        style.font.name = DOCX_FONT
        style.font.size = Pt(size)
        style.paragraph_format.space_before = Pt(6 if name != "Title" else 0)
        style.paragraph_format.space_after = Pt(3)
    document.core_properties.title = _text(summary.title)
    document.core_properties.author = _text(summary.author)

    document.add_paragraph(_text(summary.title), style="Title")
    if summary.illustrative:
        note = document.add_table(rows=1, cols=1)
        _cell(note.rows[0].cells[0], ILLUSTRATIVE_NOTE, bold=True)
        _shade(note.rows[0].cells[0], NOTE_COLOUR)
    document.add_paragraph(
        _text(
            f"Organisation: {summary.organisation}. Assessment: {summary.assessment} of {summary.assessment_date}. "
            f"Questionnaire: {summary.questionnaire}."
        )
    )
    document.add_paragraph().add_run(_text(summary.headline)).bold = True
    if summary.provisional_note:
        document.add_paragraph(summary.provisional_note)
    if summary.evidenced_note:
        document.add_paragraph(summary.evidenced_note)

    document.add_heading("Stages against targets", level=1)
    table = _docx_table(document, RESULT_HEADINGS, result_rows(summary), (5.0, 2.6, 1.4, 1.2, 1.4, 3.0, 2.4))
    for index, line in enumerate((summary.overall, *summary.domains), start=1):
        colour = level_colour(line.stage, summary.scale)
        _shade(table.rows[index].cells[1], colour)
        table.rows[index].cells[1].paragraphs[0].runs[0].font.color.rgb = RGBColor(*_rgb(text_colour_on(colour)))
        table.rows[index].cells[0].paragraphs[0].runs[0].bold = index == 1
    previous = (
        f"Previous stage: the organisation's previous assessment, {summary.previous_label}."
        if summary.previous_label
        else "No previous assessment of this organisation to compare with."
    )
    document.add_paragraph(_text(f"{previous} {summary.peer_note}"))
    document.add_picture(io.BytesIO(chart_png(summary)), width=Cm(17.5))

    gaps_heading = document.add_heading(f"The {len(summary.gaps)} largest gaps and why they matter", level=1)
    gaps_heading.paragraph_format.page_break_before = True
    if summary.gaps:
        gap_rows = []
        for gap in summary.gaps:
            head, now, target = gap_text(summary, gap)
            gap_rows.append((head, f"{now}\n{target}"))
        _docx_table(document, ("Practice", "Where it is now, and what the target level means"), gap_rows, (5.4, 12.6))
    else:
        document.add_paragraph("No answered practice is below its domain's target.")

    document.add_heading(step_heading(summary), level=1)
    if summary.steps:
        _docx_table(document, ("Step", "Owner", "Due", "Status"), step_rows(summary), (10.0, 3.4, 2.4, 2.2))
    if note := more_steps_note(summary):
        document.add_paragraph(note)

    if summary.business_case_note:
        document.add_heading("Business case", level=1)
        document.add_paragraph(summary.business_case_note)
        if summary.business_case_rows:
            _docx_table(document, BUSINESS_CASE_HEADINGS, list(summary.business_case_rows), (7.0, 2.6, 3.4, 5.0))

    document.add_heading("How scoring works", level=1)
    document.add_paragraph(" ".join(summary.scoring))

    buffer = io.BytesIO()
    document.save(buffer)
    return buffer.getvalue()


def executive_report_docx(db: Database, assessment_id: int) -> bytes:
    """The executive report of one assessment as a Word document."""
    return executive_report_docx_bytes(executive_summary(db, assessment_id))


def executive_report_pdf(db: Database, assessment_id: int) -> bytes:
    """The executive report of one assessment as a PDF of at most two pages."""
    return executive_report_pdf_bytes(executive_summary(db, assessment_id))
