"""Peer benchmark and trends of an assessment, and the workbook sheets they fill when the data exists."""

from __future__ import annotations

import io
from datetime import date
from pathlib import Path

import pytest
from openpyxl import load_workbook
from sqlite_utils import Database

from demo.data import load_demo_data
from exports.report import load_report, organisation_trend, peer_benchmark
from exports.workbook import workbook_for_assessment
from questionnaires.catalog import get_questionnaire
from storage import (
    create_assessment,
    create_organisation,
    get_or_create_respondent,
    list_assessments,
    list_organisations,
    open_database,
    save_answer,
    set_assessment_status,
)

QUESTIONNAIRE = get_questionnaire("itscm", "2026.1")


@pytest.fixture(scope="module")
def demo(tmp_path_factory: pytest.TempPathFactory) -> Database:
    db = open_database(tmp_path_factory.mktemp("peers") / "demo.db")
    load_demo_data(db, QUESTIONNAIRE)
    return db


def latest_of(db: Database, name: str) -> int:
    organisation = next(o for o in list_organisations(db) if o.name == name)
    return max(list_assessments(db, organisation.id), key=lambda a: a.assessment_date).id


def test_benchmark_compares_with_the_latest_completed_assessment_of_each_other_organisation(demo: Database) -> None:
    report = load_report(demo, latest_of(demo, "Northwind Mutual Insurance"))
    result = peer_benchmark(demo, report)
    # 8 organisations: the subject is left out, and the 2 whose FY2026 is in progress count with FY2025.
    assert result.n == 7
    overall = result.figure("overall")
    assert overall.subject_score == pytest.approx(report.score.overall.score)
    assert 0 <= overall.percentile_rank <= 100


def test_no_peer_figures_for_a_group_under_five(tmp_path: Path) -> None:
    db = open_database(tmp_path / "small.db")
    for n in range(5):  # the subject and 4 peers
        org = create_organisation(db, f"Org {n}", "Retail", "250-999 employees", "Europe")
        assessment = create_assessment(db, org.id, QUESTIONNAIRE, "FY2026", date(2026, 1, 1))
        person = get_or_create_respondent(db, assessment.id, "Manager")
        save_answer(db, QUESTIONNAIRE, assessment.id, person.id, "RISK-01", 1 + n % 5)
        set_assessment_status(db, assessment.id, "completed")
    report = load_report(db, 1)
    result = peer_benchmark(db, report)
    assert result.n == 4
    assert result.figures == () or all(f.percentile_rank is None for f in result.figures)


def test_trend_covers_the_organisations_assessments_up_to_this_one(demo: Database) -> None:
    report = load_report(demo, latest_of(demo, "Northwind Mutual Insurance"))
    domains, questions = organisation_trend(demo, report)
    assert list(dict.fromkeys(domains["label"])) == ["FY2024", "FY2025", "FY2026"]
    assert set(questions["question_id"]) == {q.id for q in QUESTIONNAIRE.questions}


def test_workbook_has_benchmark_and_trend_sheets_when_the_data_exists(demo: Database) -> None:
    workbook = load_workbook(io.BytesIO(workbook_for_assessment(demo, latest_of(demo, "Kestrel Bay Bank"))))
    assert workbook.sheetnames == [
        "Summary",
        "Roadmap",
        "Answers",
        "Business case",
        "Workshop summary",
        "Benchmark",
        "Domain trend",
        "Question trend",
    ]


def test_workbook_of_a_first_assessment_alone_has_no_benchmark_or_trend(tmp_path: Path) -> None:
    db = open_database(tmp_path / "alone.db")
    org = create_organisation(db, "Alone", "Retail", "250-999 employees", "Europe")
    assessment = create_assessment(db, org.id, QUESTIONNAIRE, "FY2026", date(2026, 1, 1))
    person = get_or_create_respondent(db, assessment.id, "Manager")
    save_answer(db, QUESTIONNAIRE, assessment.id, person.id, "RISK-01", 2)
    workbook = load_workbook(io.BytesIO(workbook_for_assessment(db, assessment.id)))
    assert workbook.sheetnames == ["Summary", "Roadmap", "Answers"]
