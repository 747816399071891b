"""The roadmap workbook: sheets, charts, table and values match the report, and user text never runs as a formula."""

from __future__ import annotations

import io
import re
import shutil
import subprocess
import zipfile
from collections.abc import Iterator
from datetime import UTC, date, datetime, timedelta
from pathlib import Path, PurePosixPath
from xml.etree import ElementTree as ET

import openpyxl
import pandas as pd
import pytest
from hypothesis import given, settings
from hypothesis import strategies as st
from openpyxl.worksheet.worksheet import Worksheet
from sqlite_utils import Database

import ui.levels
from demo.data import load_demo_data
from evidence.model import Exercise, Service, ServiceResult
from exports import level_colours
from exports.report import (
    AssessmentReport,
    PlannedStep,
    load_report,
    organisation_trend,
    peer_benchmark,
    planned_roadmap,
    responses_of,
)
from exports.safe_text import EXCEL_CELL_LIMIT, TRUNCATION_MARK, cell_text, csv_safe, formula_like, set_text
from exports.workbook import ROADMAP_TABLE, WorkbookDataError, assessment_workbook, votes_text, workbook_for_assessment
from questionnaires.catalog import get_questionnaire
from questionnaires.model import Questionnaire
from scoring import (
    BenchmarkResult,
)
from scoring.workshop import Distribution, summary
from storage import (
    create_assessment,
    create_organisation,
    get_or_create_respondent,
    list_assessments,
    list_organisations,
    open_database,
    save_answer,
    save_roadmap_item,
    set_consensus,
)
from storage.choices import ROADMAP_STATUSES
from storage.evidence import save_log, save_register
from storage.finding_items import FindingItem, LoggedFinding

PAYLOADS = (
    '=HYPERLINK("http://x","y")',
    "+1+1",
    "-2",
    "@SUM(A1)",
    "\t=1",
    "\r=1",
    "#N/A",
    "=1+1\n=2",
)
"""Text a spreadsheet would run as a formula (or show as an error value) if it were not kept as text."""

SOFFICE_TIMEOUT = 120
MAIN_NS = "{http://schemas.openxmlformats.org/spreadsheetml/2006/main}"
REL_NS = "{http://schemas.openxmlformats.org/package/2006/relationships}"
CHART_NS = "{http://schemas.openxmlformats.org/drawingml/2006/chart}"


@pytest.fixture(scope="module")
def itscm() -> Questionnaire:
    return get_questionnaire("itscm", "2026.1")


@pytest.fixture(scope="module")
def demo_db(tmp_path_factory: pytest.TempPathFactory, itscm: Questionnaire) -> Iterator[Database]:
    """The illustrative data: 8 organisations with 3 assessments each."""
    db = open_database(tmp_path_factory.mktemp("demo") / "demo.db")
    load_demo_data(db, itscm)
    yield db
    db.close()


def assessment_of(db: Database, organisation: str, label: str) -> int:
    by_name = {o.name: o.id for o in list_organisations(db)}
    return next(a.id for a in list_assessments(db, by_name[organisation]) if a.label == label)


@pytest.fixture(scope="module")
def workshop(demo_db: Database) -> AssessmentReport:
    """Kestrel Bay Bank FY2026: four respondents, agreed answers, roadmap items with owners and dates."""
    return load_report(demo_db, assessment_of(demo_db, "Kestrel Bay Bank", "FY2026"))


@pytest.fixture(scope="module")
def workshop_roadmap(demo_db: Database, workshop: AssessmentReport) -> list[PlannedStep]:
    return planned_roadmap(demo_db, workshop)


@pytest.fixture(scope="module")
def full_workbook(demo_db: Database, workshop: AssessmentReport, workshop_roadmap: list[PlannedStep]) -> bytes:
    """The workshop's workbook with every optional sheet."""
    domains, questions = organisation_trend(demo_db, workshop)
    return assessment_workbook(
        workshop,
        workshop_roadmap,
        benchmark=peer_benchmark(demo_db, workshop),
        domain_trend=domains,
        question_trend=questions,
    )


def load(data: bytes) -> openpyxl.Workbook:
    return openpyxl.load_workbook(io.BytesIO(data))


def rows_of(ws: Worksheet) -> list[tuple[object, ...]]:
    return list(ws.iter_rows(values_only=True))


def header_index(ws: Worksheet, row: int = 1) -> dict[str, int]:
    """Map each heading of a header row to its 0-based column."""
    return {str(cell.value): index for index, cell in enumerate(ws[row]) if cell.value is not None}


def fact(ws: Worksheet, label: str) -> openpyxl.cell.Cell:
    """Return the value cell (column B) next to a label in column A of the Summary."""
    for row in ws.iter_rows(min_col=1, max_col=2):
        if row[0].value == label:
            return row[1]
    raise AssertionError(f"no {label!r} row on the Summary")


def fill_of(cell: openpyxl.cell.Cell) -> str:
    """Return a cell's solid fill as #rrggbb."""
    return "#" + str(cell.fill.fgColor.rgb)[-6:].lower()


def sheet_parts(data: bytes) -> dict[str, str]:
    """Map each sheet name to its part in the zip, following workbook.xml and its relationships."""
    with zipfile.ZipFile(io.BytesIO(data)) as archive:
        workbook = ET.fromstring(archive.read("xl/workbook.xml"))
        rels = ET.fromstring(archive.read("xl/_rels/workbook.xml.rels"))
    targets = {rel.get("Id"): rel.get("Target") for rel in rels.iter(f"{REL_NS}Relationship")}
    rid = "{http://schemas.openxmlformats.org/officeDocument/2006/relationships}id"
    parts = {}
    for sheet in workbook.iter(f"{MAIN_NS}sheet"):
        target = str(targets[sheet.get(rid)])
        parts[str(sheet.get("name"))] = target.lstrip("/") if target.startswith("/") else f"xl/{target}"
    return parts


def related(archive: zipfile.ZipFile, part: str) -> list[str]:
    """Return the parts a part links to, from its _rels file."""
    path = PurePosixPath(part)
    rels_name = str(path.parent / "_rels" / f"{path.name}.rels")
    if rels_name not in archive.namelist():
        return []
    text = archive.read(rels_name).decode()
    return [target.lstrip("/") for target in re.findall(r'Target="([^"]+)"', text)]


def formula_elements(data: bytes) -> list[str]:
    """Return every <f> element in any worksheet of the workbook."""
    found = []
    with zipfile.ZipFile(io.BytesIO(data)) as archive:
        for name in archive.namelist():
            if re.fullmatch(r"xl/worksheets/sheet\d+\.xml", name):
                found += [f"{name}: {m}" for m in re.findall(r"<f[\s>/][^<]*", archive.read(name).decode())]
    return found


# Safe text


@pytest.mark.parametrize("text", [*PAYLOADS, "=", "+", "\t", "\r"])
def test_text_starting_with_a_formula_character_is_formula_like(text: str) -> None:
    assert formula_like(text) == (text[0] in "=+-@\t\r")


@pytest.mark.parametrize("text", ["", "Plain text", " =1", "A=1", "1-2", "'=1", "\n=1"])
def test_text_with_a_formula_character_later_is_not_formula_like(text: str) -> None:
    assert not formula_like(text)


@pytest.mark.parametrize("text", PAYLOADS[:6])
def test_csv_safe_prefixes_a_quote_to_formula_like_text(text: str) -> None:
    assert csv_safe(text) == "'" + text


@pytest.mark.parametrize("text", ["", "Head of IT", "1-2", "#N/A", "x=1"])
def test_csv_safe_leaves_other_text_unchanged(text: str) -> None:
    assert csv_safe(text) == text


def test_cell_text_replaces_xml_illegal_characters_and_stores_carriage_returns_as_line_feeds() -> None:
    assert cell_text("a\x00b\x08c\x0bd\x1fe\ufffef") == "a\ufffdb\ufffdc\ufffdd\ufffde\ufffdf"
    assert cell_text("one\r\ntwo\rthree\nfour\tfive") == "one\ntwo\nthree\nfour\tfive"


def test_cell_text_cuts_text_to_the_excel_cell_limit_and_marks_the_cut() -> None:
    cut = cell_text("x" * (EXCEL_CELL_LIMIT + 10))
    assert len(cut) == EXCEL_CELL_LIMIT
    assert cut.endswith(TRUNCATION_MARK)
    assert cell_text("x" * EXCEL_CELL_LIMIT) == "x" * EXCEL_CELL_LIMIT


def test_cell_text_counts_characters_outside_the_basic_plane_twice_as_excel_does() -> None:
    emoji = "\U0001f600"
    cut = cell_text(emoji * EXCEL_CELL_LIMIT)
    assert len(cut.encode("utf-16-le")) // 2 <= EXCEL_CELL_LIMIT
    assert cut.endswith(TRUNCATION_MARK)
    assert set(cut[:-1]) == {emoji}


def test_set_text_stores_formula_and_error_lookalikes_as_strings() -> None:
    ws = openpyxl.Workbook().active
    for row, text in enumerate(PAYLOADS, start=1):
        cell = set_text(ws.cell(row=row, column=1), text)
        assert cell.data_type == "s"
        assert cell.value == cell_text(text)


def test_set_text_leaves_a_cell_empty_for_empty_text() -> None:
    ws = openpyxl.Workbook().active
    assert set_text(ws["A1"], "").value is None


@settings(max_examples=60, deadline=None)
@given(st.text(max_size=60))
def test_any_text_reads_back_as_its_cell_text_and_never_as_a_formula(text: str) -> None:
    workbook = openpyxl.Workbook()
    set_text(workbook.active["A1"], text)
    buffer = io.BytesIO()
    workbook.save(buffer)
    data = buffer.getvalue()
    assert formula_elements(data) == []
    expected = cell_text(text)
    assert (load(data).active["A1"].value or "") == expected
    if not re.search("[\x00-\x08\x0b\x0c\x0e-\x1f\r\ud800-\udfff\ufffe\uffff]", text):
        assert expected == text


def test_the_app_and_the_workbook_share_one_level_colour_scale() -> None:
    assert ui.levels.level_colour is level_colours.level_colour
    assert ui.levels.nearest_level is level_colours.nearest_level
    assert ui.levels.PALETTE is level_colours.PALETTE
    assert (ui.levels.NA_COLOUR, ui.levels.UNANSWERED_COLOUR) == (
        level_colours.NA_COLOUR,
        level_colours.UNANSWERED_COLOUR,
    )


# Sheets and structure


def test_sheets_come_in_order_with_the_optional_ones_last(full_workbook: bytes) -> None:
    assert load(full_workbook).sheetnames == [
        "Summary",
        "Roadmap",
        "Answers",
        "Workshop summary",
        "Benchmark",
        "Domain trend",
        "Question trend",
    ]


def test_optional_sheets_are_left_out_without_their_data(
    workshop: AssessmentReport, workshop_roadmap: list[PlannedStep]
) -> None:
    withheld = BenchmarkResult(n=3, min_peer_group=5, figures=(), reason="3 peer organisation(s) match")
    data = assessment_workbook(workshop, workshop_roadmap, benchmark=withheld)
    assert load(data).sheetnames == ["Summary", "Roadmap", "Answers", "Workshop summary"]


def test_summary_holds_a_native_radar_chart_and_bar_chart(full_workbook: bytes) -> None:
    parts = sheet_parts(full_workbook)
    with zipfile.ZipFile(io.BytesIO(full_workbook)) as archive:
        drawings = [part for part in related(archive, parts["Summary"]) if "drawings/" in part]
        assert drawings == ["xl/drawings/drawing1.xml"]
        charts = related(archive, drawings[0])
        assert charts == ["xl/charts/chart1.xml", "xl/charts/chart2.xml"]
        radar = ET.fromstring(archive.read("xl/charts/chart1.xml"))
        bars = ET.fromstring(archive.read("xl/charts/chart2.xml"))
        for other in ("Roadmap", "Answers"):
            assert not [part for part in related(archive, parts[other]) if "drawings/" in part]
    # The <c:radarChart> and <c:barChart> elements of DrawingML (openpyxl writes the namespace as the default).
    assert radar.find(f".//{CHART_NS}radarChart") is not None
    assert bars.find(f".//{CHART_NS}barChart") is not None
    # Both draw the Summary's domain table: scores in column C, targets in column D.
    for chart in (radar, bars):
        references = [f.text or "" for f in chart.iter(f"{CHART_NS}f")]
        assert any(re.fullmatch(r"'?Summary'?!\$C\$\d+:\$C\$\d+", ref) for ref in references)
        assert any(re.fullmatch(r"'?Summary'?!\$D\$\d+:\$D\$\d+", ref) for ref in references)


def test_roadmap_is_an_excel_table_with_filters_a_frozen_header_and_a_status_list(full_workbook: bytes) -> None:
    ws = load(full_workbook)["Roadmap"]
    last = ws.max_row
    table = ws.tables[ROADMAP_TABLE]
    assert table.ref == f"A1:L{last}"
    assert table.tableStyleInfo.name
    assert ws.freeze_panes == "A2"
    with zipfile.ZipFile(io.BytesIO(full_workbook)) as archive:
        table_xml = archive.read("xl/tables/table1.xml").decode()
    assert f'<autoFilter ref="A1:L{last}"' in table_xml
    status_column = header_index(ws)["Status"]
    letter = openpyxl.utils.get_column_letter(status_column + 1)
    lists = [v for v in ws.data_validations.dataValidation if v.type == "list"]
    assert len(lists) == 1
    assert lists[0].formula1 == '"' + ",".join(ROADMAP_STATUSES) + '"'
    assert str(lists[0].sqref) == f"{letter}2:{letter}{last}"


def test_summary_and_roadmap_print_landscape_fitted_to_the_page_width(full_workbook: bytes) -> None:
    workbook = load(full_workbook)
    for name in ("Summary", "Roadmap"):
        ws = workbook[name]
        assert ws.page_setup.orientation == "landscape"
        assert ws.sheet_properties.pageSetUpPr.fitToPage
        assert (ws.page_setup.fitToWidth, ws.page_setup.fitToHeight) == (1, 0)


def test_header_cells_are_bold_on_a_fill(full_workbook: bytes) -> None:
    workbook = load(full_workbook)
    for name in ("Roadmap", "Answers", "Benchmark", "Domain trend", "Question trend"):
        for cell in workbook[name][1]:
            if cell.value is not None:
                assert cell.font.b, f"{name}!{cell.coordinate}"
                assert cell.fill.fill_type == "solid", f"{name}!{cell.coordinate}"


# Values


def test_summary_shows_the_organisation_assessment_and_overall_result(
    full_workbook: bytes, workshop: AssessmentReport
) -> None:
    ws = load(full_workbook)["Summary"]
    overall = workshop.score.overall
    assert fact(ws, "Organisation").value == workshop.organisation.name
    assert fact(ws, "Industry").value == workshop.organisation.industry
    assert fact(ws, "Size band").value == workshop.organisation.size_band
    assert fact(ws, "Region").value == workshop.organisation.region
    assert fact(ws, "Note").value.startswith("Illustrative data")
    assert fact(ws, "Assessment").value == workshop.assessment.label
    assert fact(ws, "Date").value == datetime.combine(workshop.assessment.assessment_date, datetime.min.time())
    assert fact(ws, "Status").value == "Completed"
    assert fact(ws, "Questionnaire").value == "IT service continuity maturity assessment (version 2026.1)"
    stage = fact(ws, "Overall stage")
    assert stage.value == overall.stage
    assert ws.cell(row=stage.row, column=3).value == workshop.questionnaire.level(overall.stage).name
    assert fill_of(stage) == level_colours.level_colour(overall.stage, workshop.questionnaire.level_numbers)
    assert fact(ws, "Overall score").value == round(overall.score, 2)
    assert fact(ws, "Completeness").value == overall.completeness


def test_summary_domain_table_matches_the_scores_and_is_coloured_by_level(
    full_workbook: bytes, workshop: AssessmentReport
) -> None:
    ws = load(full_workbook)["Summary"]
    scale = workshop.questionnaire.level_numbers
    header_row = next(row[0].row for row in ws.iter_rows(min_col=1, max_col=1) if row[0].value == "Domain")
    columns = header_index(ws, header_row)
    assert list(columns)[:6] == ["Domain", "Stage", "Score", "Target", "Gap", "Completeness"]
    for offset, domain in enumerate(workshop.score.domains, start=1):
        cells = ws[header_row + offset]
        assert cells[columns["Domain"]].value == domain.name
        assert cells[columns["Stage"]].value == domain.stage
        assert cells[columns["Score"]].value == round(domain.score, 2)
        assert cells[columns["Target"]].value == domain.target
        assert cells[columns["Gap"]].value == domain.gap
        assert cells[columns["Completeness"]].value == domain.completeness
        for name, level in (("Stage", domain.stage), ("Score", domain.score), ("Target", domain.target)):
            cell = cells[columns[name]]
            background = level_colours.level_colour(level, scale)
            assert fill_of(cell) == background
            assert "#" + str(cell.font.color.rgb)[-6:].lower() == level_colours.text_colour_on(background)


def test_summary_explains_how_to_read_the_figures(full_workbook: bytes) -> None:
    texts = [str(v) for row in rows_of(load(full_workbook)["Summary"]) for v in row if isinstance(v, str)]
    assert "How to read this" in texts
    assert any(t.startswith("Stage: the highest level") and "80%" in t for t in texts)
    assert any(t.startswith("Several respondents") for t in texts)
    confidence = next(t for t in texts if t.startswith("Confidence: "))
    for rule in ("fewer than 80%", "12 months ago", "two steps when fewer than 50%", "2 or more levels apart"):
        assert rule in confidence


def test_an_unfinished_assessment_is_marked_provisional(demo_db: Database) -> None:
    report = load_report(demo_db, assessment_of(demo_db, "St Aldric Health Trust", "FY2026"))
    assert report.score.overall.provisional
    ws = load(assessment_workbook(report, planned_roadmap(demo_db, report)))["Summary"]
    completeness = fact(ws, "Completeness")
    assert completeness.value == pytest.approx(report.score.overall.completeness)
    note = ws.cell(row=completeness.row, column=3).value
    answered = report.score.overall
    assert note == f"Provisional: {answered.answered} of {answered.total} questions answered."
    assert fact(ws, "Status").value == "In progress"


def test_roadmap_rows_follow_the_roadmap_with_owners_real_dates_and_statuses(
    full_workbook: bytes, workshop: AssessmentReport, workshop_roadmap: list[PlannedStep]
) -> None:
    ws = load(full_workbook)["Roadmap"]
    columns = header_index(ws)
    body = list(ws.iter_rows(min_row=2))
    assert len(body) == len(workshop_roadmap) > 0
    assert any(planned.owner for planned in workshop_roadmap)
    for cells, planned in zip(body, workshop_roadmap, strict=True):
        step = planned.step
        assert cells[columns["Order"]].value == step.order
        assert cells[columns["Phase"]].value.startswith(step.phase_name)
        assert cells[columns["Domain"]].value == workshop.questionnaire.domain(step.domain_id).name
        assert cells[columns["Practice ID"]].value == step.question_id
        assert cells[columns["Practice"]].value == step.practice
        assert cells[columns["From level"]].value == step.from_level
        assert cells[columns["To level"]].value == step.to_level
        assert cells[columns["Action"]].value == step.action
        assert cells[columns["Effort"]].value == step.effort
        assert (cells[columns["Owner"]].value or "") == planned.owner
        due = cells[columns["Due date"]]
        if planned.due_date is None:
            assert due.value is None
        else:
            assert due.is_date
            assert due.value.date() == planned.due_date
        assert cells[columns["Status"]].value == planned.status
    assert [c[columns["Order"]].value for c in body] == list(range(1, len(body) + 1))


def test_a_roadmap_without_steps_says_so_and_has_no_table(workshop: AssessmentReport) -> None:
    ws = load(assessment_workbook(workshop, []))["Roadmap"]
    assert ws["A2"].value.startswith("No steps")
    assert not ws.tables


def test_answers_list_every_question_in_questionnaire_order_with_each_respondents_level(
    full_workbook: bytes, workshop: AssessmentReport
) -> None:
    ws = load(full_workbook)["Answers"]
    questionnaire = workshop.questionnaire
    columns = header_index(ws)
    names = [respondent.name for respondent in workshop.respondents]
    assert len(names) == 4
    assert list(columns) == [
        "ID",
        "Domain",
        "Question",
        "Level",
        "Statement of the level",
        "N/A",
        "Comment",
        "Evidence",
        "Evidence date",
        *names,
        "Spread",
        "Disagreement",
        "Consensus set",
        "Consensus rationale",
        "Consensus set by",
    ]
    expected_order = [q.id for d in questionnaire.domains for q in questionnaire.questions_in(d.id)]
    body = list(ws.iter_rows(min_row=2, values_only=True))
    assert [row[columns["ID"]] for row in body] == expected_order
    answers = {(a.respondent_id, a.question_id): a for a in workshop.answers}
    for row in body:
        question = questionnaire.question(str(row[columns["ID"]]))
        result = workshop.score.questions[question.id]
        assert row[columns["Question"]] == question.text
        assert row[columns["Domain"]] == questionnaire.domain(question.domain).name
        assert row[columns["Level"]] == result.level
        assert row[columns["N/A"]] == ("N/A" if result.na else None)
        assert row[columns["Statement of the level"]] == (question.levels[result.level] if result.level else None)
        for respondent in workshop.respondents:
            answer = answers.get((respondent.id, question.id))
            expected = None if answer is None or not answer.is_answered else ("N/A" if answer.na else answer.level)
            assert row[columns[respondent.name]] == expected
        assert row[columns["Spread"]] == result.spread
        assert row[columns["Disagreement"]] == ("Yes" if result.disagreement else None)
        assert row[columns["Consensus set"]] == ("Yes" if result.from_consensus else None)
    assert any(row[columns["Disagreement"]] == "Yes" for row in body)
    assert any(row[columns["Consensus set"]] == "Yes" for row in body)


def test_workshop_comments_are_each_prefixed_with_the_respondents_name(
    full_workbook: bytes, workshop: AssessmentReport
) -> None:
    ws = load(full_workbook)["Answers"]
    columns = header_index(ws)
    by_question = {row[columns["ID"]]: row for row in ws.iter_rows(min_row=2, values_only=True)}
    checked = 0
    for field, heading in (("comment", "Comment"), ("evidence", "Evidence")):
        for question in workshop.questionnaire.questions:
            expected = "\n".join(
                f"{r.name}: {getattr(a, field)}"
                for r in workshop.respondents
                for a in workshop.answers
                if a.respondent_id == r.id and a.question_id == question.id and getattr(a, field).strip()
            )
            assert (by_question[question.id][columns[heading]] or "") == expected
            checked += bool(expected)
    assert checked > 0


def test_a_single_respondent_gets_no_respondent_columns_and_their_own_comments(demo_db: Database) -> None:
    report = load_report(demo_db, assessment_of(demo_db, "Northwind Mutual Insurance", "FY2026"))
    assert len(report.respondents) == 1
    ws = load(assessment_workbook(report, planned_roadmap(demo_db, report)))["Answers"]
    columns = header_index(ws)
    assert list(columns)[-1] == "Evidence date"
    comments = {a.question_id: a.comment for a in report.answers if a.comment}
    assert comments
    for row in ws.iter_rows(min_row=2, values_only=True):
        assert (row[columns["Comment"]] or "") == comments.get(str(row[columns["ID"]]), "")


def test_the_answers_sheet_gives_each_agreed_answers_rationale_and_who_set_it(
    full_workbook: bytes, workshop: AssessmentReport
) -> None:
    ws = load(full_workbook)["Answers"]
    columns = header_index(ws)
    agreed = {c.question_id: c for c in workshop.consensus}
    assert agreed and any(c.note for c in agreed.values())
    for row in ws.iter_rows(min_row=2, values_only=True):
        consensus = agreed.get(str(row[columns["ID"]]))
        assert row[columns["Consensus rationale"]] == (consensus.note or None if consensus else None)
        assert row[columns["Consensus set by"]] == (consensus.set_by or None if consensus else None)


def test_the_workshop_summary_states_what_was_agreed_what_remains_open_and_what_was_settled(
    full_workbook: bytes, workshop: AssessmentReport
) -> None:
    expected = summary(workshop.questionnaire, responses_of(workshop.answers), workshop.consensus)
    assert expected.agreed and expected.open and expected.settled
    ws = load(full_workbook)["Workshop summary"]
    rows = rows_of(ws)
    titles = [row[0] for row in rows]
    assert titles[0] == f"Workshop summary: {workshop.organisation.name} {workshop.assessment.label}"
    assert str(rows[1][0]).startswith(
        f"4 respondents. {len(expected.agreed)} answers agreed, {len(expected.open)} disagreements still open, "
        f"{len(expected.settled)} settled."
    )

    def section(title_start: str) -> list[tuple[object, ...]]:
        start = next(i for i, title in enumerate(titles) if str(title).startswith(title_start))
        assert rows[start + 1][:3] == ("ID", "Domain", "Question")
        body = []
        for row in rows[start + 2 :]:
            if row[0] is None:
                break
            body.append(row)
        return body

    agreed = section("Agreed answers")
    assert [(r[0], r[5], r[6], r[7]) for r in agreed] == [
        (i.question_id, "N/A" if i.na else i.level, i.note or None, i.set_by or None) for i in expected.agreed
    ]
    open_rows = section("Open disagreements")
    assert [(r[0], r[4], r[5]) for r in open_rows] == [(d.question_id, d.spread, d.median) for d in expected.open]
    assert [r[4] for r in open_rows] == sorted((r[4] for r in open_rows), reverse=True)
    settled = section("Disagreements settled")
    assert [r[0] for r in settled] == [i.question_id for i in expected.settled]
    assert all(isinstance(r[4], int) and r[4] >= workshop.questionnaire.scoring.disagreement_spread for r in settled)
    first = expected.agreed[0].distribution
    assert agreed[0][3] == "4 votes: " + ", ".join(f"{n} at level {level}" for level, n in first.counts if n)


def test_votes_are_described_in_words_with_n_a_beside_the_levels() -> None:
    def distribution(counts: dict[int, int], na_votes: int = 0) -> Distribution:
        votes = sum(counts.values()) + na_votes
        scale = tuple((level, counts.get(level, 0)) for level in range(1, 6))
        return Distribution("GOV-01", "GOV", scale, na_votes, votes, None, None, False, False)

    assert votes_text(distribution({1: 1, 4: 2})) == "3 votes: 1 at level 1, 2 at level 4"
    assert votes_text(distribution({3: 1})) == "1 vote: 1 at level 3"
    assert votes_text(distribution({2: 1}, na_votes=2)) == "3 votes: 1 at level 2, 2 N/A"
    assert votes_text(distribution({})) == "No votes"


def test_a_single_respondent_gets_no_workshop_summary(demo_db: Database) -> None:
    report = load_report(demo_db, assessment_of(demo_db, "Northwind Mutual Insurance", "FY2026"))
    assert len(report.respondents) == 1
    assert "Workshop summary" not in load(assessment_workbook(report, planned_roadmap(demo_db, report))).sheetnames


def test_a_workshop_with_nothing_agreed_says_so_in_each_section(tmp_path: Path, itscm: Questionnaire) -> None:
    db = open_database(tmp_path / "quiet.db")
    organisation = create_organisation(db, "Quiet Ltd", "Retail", "250-999 employees", "Europe")
    assessment = create_assessment(db, organisation.id, itscm, "FY2026", date(2026, 1, 15))
    for name in ("Ana", "Ben"):
        respondent = get_or_create_respondent(db, assessment.id, name)
        save_answer(db, itscm, assessment.id, respondent.id, itscm.questions[0].id, 3)
    report = load_report(db, assessment.id)
    rows = rows_of(load(assessment_workbook(report, planned_roadmap(db, report)))["Workshop summary"])
    db.close()
    texts = [row[0] for row in rows]
    assert "No answer has been agreed yet." in texts
    assert "None: every disagreement has an agreed answer." in texts
    assert "None: no agreed answer settled a disagreement." in texts


def test_a_formula_like_rationale_and_facilitator_read_back_as_typed_in_the_answers_and_the_workshop_summary(
    hostile: Database,
) -> None:
    report, _roadmap, data = next(item for item in hostile_workbooks(hostile) if len(item[0].respondents) > 1)
    workbook = load(data)
    answers = workbook["Answers"]
    columns = header_index(answers)
    first = report.questionnaire.questions[0].id
    row = next(r for r in answers.iter_rows(min_row=2, values_only=True) if r[columns["ID"]] == first)
    assert (row[columns["Consensus rationale"]], row[columns["Consensus set by"]]) == ("=agreed", "@facilitator")
    summary_rows = rows_of(workbook["Workshop summary"])
    assert any(r[0] == first and r[6] == "=agreed" and r[7] == "@facilitator" for r in summary_rows)
    assert any(str(r[0]).startswith("Workshop summary: " + PAYLOADS[0]) for r in summary_rows)
    assert formula_elements(data) == []


def test_benchmark_sheet_shows_the_peer_figures_and_no_peer_identity(
    full_workbook: bytes, demo_db: Database, workshop: AssessmentReport
) -> None:
    result = peer_benchmark(demo_db, workshop)
    assert result.figures
    ws = load(full_workbook)["Benchmark"]
    columns = header_index(ws)
    body = [row for row in ws.iter_rows(min_row=2, values_only=True) if row[columns["ID"]]]
    assert len(body) == len(result.figures)
    for row, figure in zip(body, result.figures, strict=True):
        assert row[columns["ID"]] == figure.score_id
        assert row[columns["Peers"]] == figure.n
        assert row[columns["This assessment"]] == pytest.approx(round(figure.subject_score, 2))
        assert row[columns["Percentile rank"]] == pytest.approx(round(figure.percentile_rank, 1))
        assert row[columns["Lower quartile"]] == pytest.approx(round(figure.q1, 2))
        assert row[columns["Median"]] == pytest.approx(round(figure.median, 2))
        assert row[columns["Upper quartile"]] == pytest.approx(round(figure.q3, 2))
    text = " ".join(str(value) for row in rows_of(ws) for value in row if value is not None)
    others = [o.name for o in list_organisations(demo_db) if o.id != workshop.organisation.id]
    assert not [name for name in others if name in text]


def test_trend_sheets_hold_one_row_per_trend_row(
    full_workbook: bytes, demo_db: Database, workshop: AssessmentReport
) -> None:
    domains, questions = organisation_trend(demo_db, workshop)
    workbook = load(full_workbook)
    domain_rows = list(workbook["Domain trend"].iter_rows(min_row=2, values_only=True))
    assert len(domain_rows) == len(domains)
    for row, expected in zip(domain_rows, domains.itertuples(index=False), strict=True):
        assert row[0] == expected.label
        assert row[1].date() == expected.date.date()
        assert row[3] == round(expected.score, 2)
        assert row[4] == expected.stage
    assert {row[2] for row in domain_rows} == {"Overall"} | {d.name for d in workshop.questionnaire.domains}
    question_rows = list(workbook["Question trend"].iter_rows(min_row=2, values_only=True))
    assert len(question_rows) == len(questions)
    assert [row[2] for row in question_rows] == list(questions["question_id"])
    assert [row[3] for row in question_rows] == [None if pd.isna(v) else v for v in questions["level"]]


def test_a_trend_frame_without_its_columns_is_refused(
    workshop: AssessmentReport, workshop_roadmap: list[PlannedStep]
) -> None:
    with pytest.raises(WorkbookDataError, match="score"):
        assessment_workbook(workshop, workshop_roadmap, domain_trend=pd.DataFrame({"label": ["FY2026"]}))


# User text stays text


@pytest.fixture(scope="module")
def hostile(tmp_path_factory: pytest.TempPathFactory, itscm: Questionnaire) -> Iterator[Database]:
    """A database whose organisation, labels, respondents, comments, evidence and owners all look like formulas."""
    db = open_database(tmp_path_factory.mktemp("hostile") / "hostile.db")
    organisation = create_organisation(db, PAYLOADS[0], "Retail", "250-999 employees", "Europe")
    questions = itscm.questions
    for label, respondents in (("+1+1", ["@SUM(A1)"]), ("-2", ["=1+1", "-3", '=HYPERLINK("http://x","y")'])):
        assessment = create_assessment(db, organisation.id, itscm, label, date(2026, 1, 15))
        for number, name in enumerate(respondents):
            respondent = get_or_create_respondent(db, assessment.id, name)
            for index, question in enumerate(questions):
                payload = PAYLOADS[(index + number) % len(PAYLOADS)]
                save_answer(
                    db,
                    itscm,
                    assessment.id,
                    respondent.id,
                    question.id,
                    1 + (index + number) % 2,
                    comment=payload,
                    evidence=payload + " \t evidence",
                )
        if len(respondents) > 1:
            set_consensus(db, itscm, assessment.id, questions[0].id, 2, note="=agreed", set_by="@facilitator")
        for index, question in enumerate(questions[: len(PAYLOADS)]):
            save_roadmap_item(
                db,
                itscm,
                assessment.id,
                question.id,
                3,
                # A name holds no line break (storage refuses control characters in names).
                owner=PAYLOADS[index].replace("\n", " "),
                due_date=date(2026, 6, 30),
                status="planned",
            )
    yield db
    db.close()


def hostile_workbooks(db: Database) -> list[tuple[AssessmentReport, list[PlannedStep], bytes]]:
    found = []
    for assessment in list_assessments(db):
        report = load_report(db, assessment.id)
        roadmap = planned_roadmap(db, report)
        found.append((report, roadmap, assessment_workbook(report, roadmap)))
    return found


def test_formula_like_user_text_never_becomes_a_formula(hostile: Database) -> None:
    workbooks = hostile_workbooks(hostile)
    assert len(workbooks) == 2
    for _report, _roadmap, data in workbooks:
        assert formula_elements(data) == []


def test_formula_like_user_text_reads_back_as_typed(hostile: Database) -> None:
    for report, roadmap, data in hostile_workbooks(hostile):
        workbook = load(data)
        summary = workbook["Summary"]
        assert fact(summary, "Organisation").value == PAYLOADS[0]
        assert fact(summary, "Assessment").value == report.assessment.label
        # Owners: every payload except the tab and carriage-return ones, which storage trims from names.
        ws = workbook["Roadmap"]
        columns = header_index(ws)
        owners = {
            (row[columns["Practice ID"]], row[columns["To level"]]): row[columns["Owner"]]
            for row in ws.iter_rows(min_row=2, values_only=True)
        }
        saved = [p for p in roadmap if p.owner]
        assert len(saved) == len(PAYLOADS)
        for planned in saved:
            assert owners[(planned.step.question_id, planned.step.to_level)] == cell_text(planned.owner)
        assert {p.owner for p in saved} >= {'=HYPERLINK("http://x","y")', "+1+1", "-2", "@SUM(A1)", "#N/A"}
        answers = workbook["Answers"]
        columns = header_index(answers)
        for respondent in report.respondents:
            if len(report.respondents) > 1:
                assert respondent.name in columns
        rows = {row[columns["ID"]]: row for row in answers.iter_rows(min_row=2, values_only=True)}
        for question in report.questionnaire.questions:
            own = [a for a in report.answers if a.question_id == question.id]
            if len(report.respondents) == 1:
                expected_comment, expected_evidence = own[0].comment, own[0].evidence
            else:
                names = {r.id: r.name for r in report.respondents}
                expected_comment = "\n".join(f"{names[a.respondent_id]}: {a.comment}" for a in own)
                expected_evidence = "\n".join(f"{names[a.respondent_id]}: {a.evidence}" for a in own)
            assert rows[question.id][columns["Comment"]] == cell_text(expected_comment)
            assert rows[question.id][columns["Evidence"]] == cell_text(expected_evidence)


def test_a_real_organisation_gets_no_illustrative_note(hostile: Database) -> None:
    _report, _roadmap, data = hostile_workbooks(hostile)[0]
    labels = [row[0] for row in rows_of(load(data)["Summary"])]
    assert "Organisation" in labels
    assert "Note" not in labels


def test_single_respondent_formula_comments_read_back_exactly(hostile: Database) -> None:
    _report, _roadmap, data = next(item for item in hostile_workbooks(hostile) if len(item[0].respondents) == 1)
    ws = load(data)["Answers"]
    columns = header_index(ws)
    comments = [row[columns["Comment"]] for row in ws.iter_rows(min_row=2, values_only=True)]
    # Exactly as typed, except the carriage return that XML stores as a line feed.
    for payload in PAYLOADS:
        expected = payload.replace("\r", "\n")
        assert expected in comments
    evidence = {row[columns["Evidence"]] for row in ws.iter_rows(min_row=2, values_only=True)}
    assert '=HYPERLINK("http://x","y") \t evidence' in evidence


# LibreOffice opens and prints the workbook


def soffice() -> str:
    found = shutil.which("soffice") or shutil.which("libreoffice")
    if found is None:
        pytest.fail(
            "LibreOffice is not installed, so the workbook cannot be checked to open and print; "
            "`make test` installs it (apt-get install libreoffice-calc-nogui)."
        )
    return found


def convert_to_pdf(xlsx: Path, out_dir: Path) -> Path:
    """Convert a workbook to PDF with headless LibreOffice, in its own profile so parallel runs do not clash."""
    profile = out_dir / "lo-profile"
    completed = subprocess.run(
        [
            soffice(),
            f"-env:UserInstallation={profile.as_uri()}",
            "--headless",
            "--convert-to",
            "pdf",
            "--outdir",
            str(out_dir),
            str(xlsx),
        ],
        capture_output=True,
        text=True,
        timeout=SOFFICE_TIMEOUT,
        check=False,
    )
    assert completed.returncode == 0, completed.stderr
    return out_dir / f"{xlsx.stem}.pdf"


def test_libreoffice_converts_the_full_workbook_to_pdf(full_workbook: bytes, tmp_path: Path) -> None:
    xlsx = tmp_path / "roadmap.xlsx"
    xlsx.write_bytes(full_workbook)
    pdf = convert_to_pdf(xlsx, tmp_path)
    assert pdf.exists()
    assert pdf.stat().st_size > 0
    assert pdf.read_bytes().startswith(b"%PDF")


def test_libreoffice_converts_a_workbook_full_of_formula_like_text_to_pdf(hostile: Database, tmp_path: Path) -> None:
    _report, _roadmap, data = hostile_workbooks(hostile)[1]
    xlsx = tmp_path / "hostile.xlsx"
    xlsx.write_bytes(data)
    pdf = convert_to_pdf(xlsx, tmp_path)
    assert pdf.exists()
    assert pdf.read_bytes().startswith(b"%PDF")


def _finding_item(item_id: int, text: str, *, in_log: bool) -> FindingItem:
    logged = LoggedFinding(
        key=f"k{item_id}",
        day=date(2025, 10, 14),
        kind="failover",
        exercise="Data centre failover",
        text=text,
        owner="Ben",
        due=None,
        status="open",
        planned_in=1,
    )
    return FindingItem(
        id=item_id,
        assessment_id=1,
        finding_key=logged.key,
        step=logged.step,
        owner="Ben",
        due_date=date(2026, 3, 31),
        status="in_progress",
        updated_at=datetime(2026, 1, 1, tzinfo=UTC),
        finding=logged if in_log else None,
    )


def test_the_roadmap_sheet_lists_steps_made_from_findings_after_the_practices_as_text(
    workshop: AssessmentReport, workshop_roadmap: list[PlannedStep]
) -> None:
    steps = [
        _finding_item(1, "Runbook step 4 out of date", in_log=True),
        _finding_item(2, "=HYPERLINK(1)", in_log=False),
    ]
    ws = load(assessment_workbook(workshop, workshop_roadmap, finding_steps=steps))["Roadmap"]
    rows = rows_of(ws)
    columns = header_index(ws)
    found = [r for r in rows[1:] if r[columns["Phase"]] == "From the exercise log"]
    assert [(r[columns["Order"]], r[columns["Action"]], r[columns["Owner"]], r[columns["Status"]]) for r in found] == [
        (
            len(workshop_roadmap) + 1,
            "From exercise 2025-10-14 failover: Runbook step 4 out of date",
            "Ben",
            "in_progress",
        ),
        (
            len(workshop_roadmap) + 2,
            "From exercise 2025-10-14 failover: =HYPERLINK(1) (this finding is no longer in the exercise and incident log)",
            "Ben",
            "in_progress",
        ),
    ]
    assert found[0][columns["Due date"]] == datetime(2026, 3, 31)
    assert not formula_elements(assessment_workbook(workshop, [], finding_steps=steps))


def _costed_assessment(tmp_path: Path, itscm: Questionnaire, *, currencies: tuple[str, str] = ("EUR", "EUR")) -> int:
    """An assessment answered at 2 throughout, with two costed services: one tested (9 h against 4 h), one not."""
    db = open_database(tmp_path / "costed.db")
    org = create_organisation(db, "Acme", "Retail", "250-999 employees", "Europe")
    assessment = create_assessment(db, org.id, itscm, "FY2026", date(2026, 3, 1))
    person = get_or_create_respondent(db, assessment.id, "Manager")
    for question in itscm.questions:
        save_answer(db, itscm, assessment.id, person.id, question.id, 2)
    save_register(
        db,
        org.id,
        [
            Service("=Payments", "Owner", "critical", 24.0, 4.0, 1.0, 1000.0, currencies[0]),
            Service("Intranet", "Owner", "standard", 168.0, 72.0, 24.0, 10.0, currencies[1]),
        ],
    )
    save_log(db, org.id, [Exercise(date(2026, 1, 12), "failover", "Failover", (ServiceResult("=Payments", 9.0),))])
    db.close()
    return assessment.id


def _rows(ws: Worksheet, title: str) -> list[tuple[object, ...]]:
    """The rows of the table under a section title, up to the first empty row."""
    values = list(ws.iter_rows(values_only=True))
    start = next(i for i, row in enumerate(values) if row[0] == title) + 2
    rows = []
    for row in values[start:]:
        if row[0] is None:
            break
        rows.append(row)
    return rows


def test_the_business_case_sheet_lists_assumptions_services_domains_and_phases(
    tmp_path: Path, itscm: Questionnaire
) -> None:
    assessment = _costed_assessment(tmp_path, itscm)
    db = open_database(tmp_path / "costed.db")
    workbook = load(workbook_for_assessment(db, assessment))
    assert workbook.sheetnames[:4] == ["Summary", "Roadmap", "Answers", "Business case"]
    ws = workbook["Business case"]
    facts = {row[0]: row[1] for row in ws.iter_rows(values_only=True) if row[0]}
    assert facts["Expected disruptions a year"] == 1
    assert facts["Currency"] == "EUR"
    assert facts["Recovery at level 2, x RTO"] == 2
    services = _rows(ws, "By service")
    # The user's "=Payments" stays text; 9 h measured - 4 h RTO = 5 h x EUR 1,000; Intranet untested at
    # level 2: 2 x 72 h, 72 h over x EUR 10.
    assert [(s[0], s[3], s[7]) for s in services] == [("=Payments", 9, 5000), ("Intranet", 144, 720)]
    domains = _rows(ws, "By domain (where each service's capability is held down)")
    assert sum(row[2] for row in domains) == 5720
    phases = _rows(ws, "By roadmap phase: exposure removed against effort")
    assert [row[0] for row in phases] == [phase.name for phase in itscm.scoring.phases]
    assert sum(row[3] for row in phases) <= 5720


def test_a_register_in_two_currencies_is_not_summed_on_the_sheet(tmp_path: Path, itscm: Questionnaire) -> None:
    assessment = _costed_assessment(tmp_path, itscm, currencies=("EUR", "GBP"))
    ws = load(workbook_for_assessment(open_database(tmp_path / "costed.db"), assessment))["Business case"]
    texts = " ".join(str(v) for row in ws.iter_rows(values_only=True) for v in row if v)
    assert "EUR, GBP" in texts and "not added up" in texts
    assert "By domain (where each service's capability is held down)" not in texts


def test_the_summary_shows_stages_and_scores_as_answered_next_to_as_evidenced(
    tmp_path: Path, itscm: Questionnaire
) -> None:
    assessment = _costed_assessment(tmp_path, itscm)
    ws = load(workbook_for_assessment(open_database(tmp_path / "costed.db"), assessment))["Summary"]
    header, overall, *domains = _rows(ws, "As answered and as evidenced")
    assert header[:5] == (
        "Domain",
        "Stage as answered",
        "Stage as evidenced",
        "Score as answered",
        "Score as evidenced",
    )
    # Questionnaire 2026.1 declares no checks, so the facts cap nothing.
    assert overall[:5] == ("Overall", 2, 2, 2, 2)
    assert [row[0] for row in domains] == [domain.name for domain in itscm.domains]


# Confidence per domain, as the Results page shows it


def _dated_assessment(tmp_path: Path, itscm: Questionnaire, *, stale: int) -> tuple[Database, int]:
    """RISK and BIA answered at 3 with evidence dated 20 days ago, except `stale` BIA answers dated two years ago."""
    db = open_database(tmp_path / "dated.db")
    org = create_organisation(db, "Acme", "Retail", "250-999 employees", "Europe")
    assessment = create_assessment(db, org.id, itscm, "FY2026", date(2026, 3, 1))
    person = get_or_create_respondent(db, assessment.id, "Manager")
    recent, old = date.today() - timedelta(days=20), date.today() - timedelta(days=730)
    bia = [q.id for q in itscm.questions_in("BIA")]
    for question in [q.id for q in itscm.questions_in("RISK")] + bia:
        when = old if question in bia[:stale] else recent
        save_answer(db, itscm, assessment.id, person.id, question, 3, evidence="Report", evidence_date=when)
    return db, assessment.id


def _confidence_cells(ws: Worksheet) -> dict[str, openpyxl.cell.Cell]:
    """Each domain's cell in the Confidence column of the Summary's domain table."""
    header_row = next(row[0].row for row in ws.iter_rows(min_col=1, max_col=1) if row[0].value == "Domain")
    column = header_index(ws, header_row)["Confidence"]
    found = {}
    for row in ws.iter_rows(min_row=header_row + 1):
        if row[0].value is None:
            break
        found[str(row[0].value)] = row[column]
    return found


def _lowering(ws: Worksheet) -> list[tuple[object, ...]]:
    """The first three cells of each row under "What lowers confidence", up to the first empty row."""
    values = rows_of(ws)
    start = next(index for index, row in enumerate(values) if row[0] == "What lowers confidence") + 1
    rows = []
    for row in values[start:]:
        if row[0] is None:
            break
        rows.append(row[:3])
    return rows


def test_the_summary_gives_high_confidence_to_fresh_evidence_and_says_nothing_lowers_it(
    tmp_path: Path, itscm: Questionnaire
) -> None:
    db, assessment = _dated_assessment(tmp_path, itscm, stale=0)
    ws = load(workbook_for_assessment(db, assessment))["Summary"]
    cells = _confidence_cells(ws)
    assert list(cells) == [domain.name for domain in itscm.domains]
    assert (cells["Risk assessment"].value, cells["Business impact analysis"].value) == ("High", "High")
    # A domain with nothing answered has no confidence, as on the Results page.
    assert cells["Governance"].value is None
    assert cells["Risk assessment"].fill.fill_type is None
    assert _lowering(ws) == [("Nothing lowers the confidence of any domain with answers.", None, None)]


def test_the_summary_gives_a_lowered_confidence_with_each_thing_that_lowers_it(
    tmp_path: Path, itscm: Questionnaire
) -> None:
    bia = [q.id for q in itscm.questions_in("BIA")]
    db, assessment = _dated_assessment(tmp_path, itscm, stale=len(bia) - 1)
    ws = load(workbook_for_assessment(db, assessment))["Summary"]
    cells = _confidence_cells(ws)
    assert cells["Risk assessment"].value == "High"
    # One fresh answer in the domain is under half: two steps down, from High to Low.
    assert cells["Business impact analysis"].value == "Low"
    assert fill_of(cells["Business impact analysis"]) == "#fff2cc"
    assert _lowering(ws) == [
        (
            "Business impact analysis",
            "Low",
            f"{len(bia) - 1} of {len(bia)} answers have evidence older than 12 months: {', '.join(bia[:-1])}.",
        )
    ]


def test_the_summary_lowers_confidence_for_each_claim_the_register_and_log_do_not_support(tmp_path: Path) -> None:
    later = get_questionnaire("itscm", "2026.2")
    db = open_database(tmp_path / "claims.db")
    org = create_organisation(db, "Acme", "Retail", "250-999 employees", "Europe")
    assessment = create_assessment(db, org.id, later, "FY2026", date(2026, 3, 1))
    person = get_or_create_respondent(db, assessment.id, "Manager")
    for question in later.questions_in("TEST"):
        save_answer(db, later, assessment.id, person.id, question.id, 4, evidence_date=date.today())
    payments = Service("Payments", "Head of payments", "critical", 24.0, 4.0, 1.0, bia_reviewed_on=date.today())
    save_register(db, org.id, [payments])
    failover = Exercise(date.today(), "failover", "Payments failover", (ServiceResult("Payments", 9.0, 0.5),))
    save_log(db, org.id, [failover])
    ws = load(workbook_for_assessment(db, assessment.id))["Summary"]
    answered = len(later.questions_in("TEST"))
    assert _confidence_cells(ws)["Testing and exercising"].value == "Medium"
    assert _lowering(ws) == [
        (
            "Testing and exercising",
            "Medium",
            f"1 of {answered} answers claims more than the service register and exercise log support: TEST-11.",
        )
    ]
