"""The portfolio workbook: one row per assessment with the scores load_report gives, streamed, formula-safe."""

from __future__ import annotations

import dataclasses
import io
import itertools
import re
import zipfile
from collections.abc import Iterator
from datetime import date
from pathlib import Path

import openpyxl
import pytest
from sqlite_utils import Database

from demo.data import load_demo_data
from exports.level_colours import level_colour
from exports.portfolio import portfolio_row, portfolio_rows, portfolio_workbook
from exports.report import load_report
from questionnaires.catalog import get_questionnaire
from questionnaires.model import Questionnaire
from storage import (
    create_assessment,
    create_organisation,
    get_or_create_respondent,
    list_assessments,
    open_database,
    save_answer,
)

FORMULA_NAMES = ('=HYPERLINK("http://x","y")', "+1+1", "-2", "@SUM(A1)", "=1+1", "#N/A")
"""Organisation names a spreadsheet would run as formulas (or show as an error) if they were not kept as text."""

FIXED = (
    "Organisation",
    "Industry",
    "Size band",
    "Region",
    "Illustrative",
    "Assessment",
    "Date",
    "Status",
    "Questionnaire",
    "Completeness",
    "Overall score",
    "Overall stage",
)


@pytest.fixture(scope="module")
def itscm() -> Questionnaire:
    return get_questionnaire("itscm", "2026.1")


@pytest.fixture(scope="module")
def db(tmp_path_factory: pytest.TempPathFactory, itscm: Questionnaire) -> Iterator[Database]:
    """The 24 illustrative assessments plus 6 organisations with formula-like names, one partly answered assessment each."""
    database = open_database(tmp_path_factory.mktemp("portfolio") / "portfolio.db")
    load_demo_data(database, itscm)
    for number, name in enumerate(FORMULA_NAMES):
        organisation = create_organisation(database, name, "Retail", "Under 250 employees", "Europe")
        assessment = create_assessment(
            database, organisation.id, itscm, f"-FY{2020 + number}", date(2026, 2, 1 + number)
        )
        respondent = get_or_create_respondent(database, assessment.id, "Continuity manager")
        for index, question in enumerate(itscm.questions[: 20 + 5 * number]):
            save_answer(database, itscm, assessment.id, respondent.id, question.id, 1 + (index + number) % 5)
    yield database
    database.close()


@pytest.fixture(scope="module")
def exported(db: Database, tmp_path_factory: pytest.TempPathFactory) -> Path:
    path = tmp_path_factory.mktemp("export") / "portfolio.xlsx"
    portfolio_workbook(portfolio_rows(db), path)
    return path


def body_rows(path: Path | bytes) -> tuple[list[str], list[tuple[object, ...]]]:
    source = io.BytesIO(path) if isinstance(path, bytes) else path
    ws = openpyxl.load_workbook(source).active
    rows = list(ws.iter_rows(values_only=True))
    return [str(heading) for heading in rows[0]], rows[1:]


def test_every_assessment_gets_one_row(db: Database, exported: Path) -> None:
    assert len(list_assessments(db)) == 30
    headings, rows = body_rows(exported)
    assert len(rows) == 30
    columns = {heading: index for index, heading in enumerate(headings)}
    keys = {(row[columns["Organisation"]], row[columns["Assessment"]]) for row in rows}
    assert len(keys) == 30


def test_headings_are_the_fixed_columns_then_score_and_stage_per_domain(exported: Path, itscm: Questionnaire) -> None:
    headings, _ = body_rows(exported)
    per_domain = [heading for domain in itscm.domains for heading in (f"{domain.name} score", f"{domain.name} stage")]
    assert headings == [*FIXED, *per_domain]


def test_row_figures_equal_the_scores_load_report_gives(db: Database, exported: Path) -> None:
    headings, rows = body_rows(exported)
    columns = {heading: index for index, heading in enumerate(headings)}
    by_key = {(row[columns["Organisation"]], row[columns["Assessment"]]): row for row in rows}
    provisional = 0
    for assessment in list_assessments(db):
        report = load_report(db, assessment.id)
        row = by_key[(report.organisation.name, assessment.label)]
        overall = report.score.overall
        assert row[columns["Industry"]] == report.organisation.industry
        assert row[columns["Size band"]] == report.organisation.size_band
        assert row[columns["Region"]] == report.organisation.region
        assert row[columns["Illustrative"]] == ("Yes" if report.organisation.illustrative else "No")
        assert row[columns["Date"]].date() == assessment.assessment_date
        assert row[columns["Status"]] == {"completed": "Completed", "in_progress": "In progress"}[assessment.status]
        assert row[columns["Questionnaire"]] == "itscm 2026.1"
        assert row[columns["Completeness"]] == pytest.approx(overall.completeness)
        assert row[columns["Overall score"]] == round(overall.score, 2)
        assert row[columns["Overall stage"]] == overall.stage
        for domain in report.score.domains:
            expected_score = None if domain.score is None else round(domain.score, 2)
            assert row[columns[f"{domain.name} score"]] == expected_score
            assert row[columns[f"{domain.name} stage"]] == domain.stage
        provisional += overall.provisional
    assert provisional >= 6


def test_rows_come_by_organisation_name_then_date(exported: Path) -> None:
    headings, rows = body_rows(exported)
    columns = {heading: index for index, heading in enumerate(headings)}
    keys = [(str(row[columns["Organisation"]]).casefold(), row[columns["Date"]]) for row in rows]
    assert keys == sorted(keys)


def test_stage_and_score_cells_take_their_level_colour(exported: Path, itscm: Questionnaire) -> None:
    ws = openpyxl.load_workbook(exported).active
    headings = [cell.value for cell in ws[1]]
    stage_column = headings.index("Overall stage")
    score_column = headings.index("Overall score")
    for cells in ws.iter_rows(min_row=2):
        for cell in (cells[stage_column], cells[score_column]):
            if cell.value is not None:
                expected = level_colour(cell.value, itscm.level_numbers)
                assert "#" + str(cell.fill.fgColor.rgb)[-6:].lower() == expected


def test_formula_like_names_and_labels_stay_text(exported: Path) -> None:
    with zipfile.ZipFile(exported) as archive:
        sheets = [name for name in archive.namelist() if re.fullmatch(r"xl/worksheets/sheet\d+\.xml", name)]
        assert sheets
        for name in sheets:
            assert not re.search(r"<f[\s>/]", archive.read(name).decode()), name
    headings, rows = body_rows(exported)
    columns = {heading: index for index, heading in enumerate(headings)}
    names = {row[columns["Organisation"]] for row in rows}
    labels = {row[columns["Assessment"]] for row in rows}
    assert set(FORMULA_NAMES) <= names
    assert {f"-FY{2020 + number}" for number in range(len(FORMULA_NAMES))} <= labels


def test_the_sheet_has_a_filter_and_a_frozen_header(exported: Path) -> None:
    ws = openpyxl.load_workbook(exported).active
    assert ws.title == "itscm 2026.1"
    assert ws.freeze_panes == "B2"
    assert ws.auto_filter.ref == f"A1:V{ws.max_row}"


def test_loading_rows_reports_increasing_progress_ending_at_one(db: Database) -> None:
    seen: list[float] = []
    rows = list(portfolio_rows(db, progress=seen.append))
    assert len(rows) == 30
    assert len(seen) == 30
    assert all(before < after for before, after in itertools.pairwise(seen))
    assert seen[0] > 0
    assert seen[-1] == 1.0


def test_writing_a_list_of_rows_reports_increasing_progress_ending_at_one(db: Database) -> None:
    rows = list(portfolio_rows(db))
    seen: list[float] = []
    buffer = io.BytesIO()
    portfolio_workbook(rows, buffer, progress=seen.append)
    assert len(seen) > 10
    assert all(before < after for before, after in itertools.pairwise(seen))
    assert seen[-1] == 1.0
    _, written = body_rows(buffer.getvalue())
    assert len(written) == 30


def test_streamed_rows_report_progress_once_the_file_is_written(db: Database) -> None:
    seen: list[float] = []
    portfolio_workbook(portfolio_rows(db), io.BytesIO(), progress=seen.append)
    assert seen == [1.0]


def test_chosen_assessments_come_in_the_order_given(db: Database) -> None:
    chosen = [assessment.id for assessment in list_assessments(db)][:5][::-1]
    rows = list(portfolio_rows(db, chosen))
    assert [row.assessment_id for row in rows] == chosen


def test_no_assessments_give_a_workbook_that_says_so(tmp_path: Path) -> None:
    seen: list[float] = []
    portfolio_workbook([], tmp_path / "empty.xlsx", progress=seen.append)
    ws = openpyxl.load_workbook(tmp_path / "empty.xlsx").active
    assert ws["A1"].value == "No assessments to show."
    assert seen == [1.0]


def test_an_empty_database_loads_no_rows_and_reports_completion(tmp_path: Path) -> None:
    empty = open_database(tmp_path / "empty.db")
    seen: list[float] = []
    assert list(portfolio_rows(empty, progress=seen.append)) == []
    assert seen == [1.0]
    empty.close()


def test_each_questionnaire_version_gets_its_own_sheet(db: Database) -> None:
    row = next(portfolio_rows(db))
    other = dataclasses.replace(row, questionnaire_version="2027.1", domains=row.domains[:2])
    buffer = io.BytesIO()
    portfolio_workbook([row, other, row], buffer)
    workbook = openpyxl.load_workbook(io.BytesIO(buffer.getvalue()))
    assert workbook.sheetnames == ["itscm 2026.1", "itscm 2027.1"]
    assert workbook["itscm 2026.1"].max_row == 3
    assert workbook["itscm 2027.1"].max_row == 2
    assert workbook["itscm 2027.1"].max_column == len(FIXED) + 4


def test_a_portfolio_row_is_built_from_the_report(db: Database) -> None:
    assessment = list_assessments(db)[0]
    report = load_report(db, assessment.id)
    row = portfolio_row(report)
    assert row.assessment_id == assessment.id
    assert row.organisation == report.organisation.name
    assert row.overall_score == report.score.overall.score
    assert [d.domain_id for d in row.domains] == [d.domain_id for d in report.score.domains]
