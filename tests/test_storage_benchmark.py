"""Tests for the benchmark inputs and the record of benchmark imports."""

from __future__ import annotations

from datetime import date

import pytest
from sqlite_utils import Database
from storage_helpers import add_organisation, build_questionnaire

from questionnaires.model import Questionnaire
from storage import (
    add_respondent,
    benchmark_data,
    create_assessment,
    list_benchmark_imports,
    record_benchmark_import,
    save_answer,
    set_assessment_status,
    set_consensus,
)
from storage.errors import BenchmarkImportError


def _completed(
    db: Database, questionnaire: Questionnaire, organisation_id: int, label: str, day: date, level: int
) -> int:
    assessment = create_assessment(db, organisation_id, questionnaire, label, day)
    respondent = add_respondent(db, assessment.id, "Ana")
    save_answer(db, questionnaire, assessment.id, respondent.id, "GOV-01", level)
    set_assessment_status(db, assessment.id, "completed")
    return assessment.id


def test_only_the_latest_completed_assessment_of_each_organisation_is_returned(
    db: Database, questionnaire: Questionnaire
) -> None:
    north = add_organisation(db, "North", region="North America")
    south = add_organisation(db, "South", industry="Retail", size_band="5,000 employees and more")
    _completed(db, questionnaire, north.id, "FY2024", date(2024, 3, 1), 1)
    latest_north = _completed(db, questionnaire, north.id, "FY2025", date(2025, 3, 1), 2)
    latest_south = _completed(db, questionnaire, south.id, "FY2025", date(2025, 6, 1), 5)
    create_assessment(db, north.id, questionnaire, "FY2026", date(2026, 3, 1))  # in progress
    data = benchmark_data(db, questionnaire.id)
    assert data.assessments["assessment_id"].tolist() == [latest_north, latest_south]
    assert data.assessments["region"].tolist() == ["North America", "Europe"]
    assert data.assessments["industry"].tolist() == ["Financial services", "Retail"]
    assert data.assessments["size_band"].tolist()[1] == "5,000 employees and more"
    assert data.answers[["assessment_id", "question_id", "level"]].values.tolist() == [
        [latest_north, "GOV-01", 2],
        [latest_south, "GOV-01", 5],
    ]


def test_other_questionnaires_are_left_out(db: Database, questionnaire: Questionnaire) -> None:
    other = build_questionnaire(questionnaire_id="other-model")
    organisation = add_organisation(db)
    _completed(db, other, organisation.id, "FY2025", date(2025, 1, 1), 3)
    data = benchmark_data(db, questionnaire.id)
    assert data.assessments.empty and data.answers.empty and data.consensus.empty
    assert len(benchmark_data(db, other.id).assessments) == 1


def test_consensus_and_na_answers_are_included_and_cleared_answers_are_not(
    db: Database, questionnaire: Questionnaire
) -> None:
    organisation = add_organisation(db)
    assessment = create_assessment(db, organisation.id, questionnaire, "FY2025", date(2025, 1, 1))
    respondent = add_respondent(db, assessment.id, "Ana")
    save_answer(db, questionnaire, assessment.id, respondent.id, "BIA-02", None, na=True)
    save_answer(db, questionnaire, assessment.id, respondent.id, "GOV-02", 3)
    save_answer(db, questionnaire, assessment.id, respondent.id, "GOV-02", None)
    set_consensus(db, questionnaire, assessment.id, "GOV-01", 4)
    set_assessment_status(db, assessment.id, "completed")
    data = benchmark_data(db, questionnaire.id)
    assert data.answers[["question_id", "na"]].values.tolist() == [["BIA-02", True]]
    assert data.answers["level"].isna().all()
    assert data.consensus[["question_id", "level"]].values.tolist() == [["GOV-01", 4]]


def test_empty_result_still_has_typed_columns(db: Database, questionnaire: Questionnaire) -> None:
    data = benchmark_data(db, questionnaire.id)
    assert {"organisation_id", "industry", "size_band", "region", "illustrative"} <= set(data.assessments.columns)
    assert list(data.answers.columns) == ["assessment_id", "respondent_id", "question_id", "level", "na"]
    assert str(data.answers["level"].dtype) == "Int64"


def test_benchmark_imports_are_recorded_and_listed(db: Database) -> None:
    first = record_benchmark_import(db, " peers-2025.csv ", 120)
    second = record_benchmark_import(db, "peers-2026.csv", 0)
    assert (first.source, first.row_count) == ("peers-2025.csv", 120)
    assert list_benchmark_imports(db) == (first, second)


@pytest.mark.parametrize(("source", "row_count"), [("", 3), ("file.csv", -1), ("file.csv", 2.5), ("file.csv", True)])
def test_invalid_benchmark_import_is_refused(db: Database, source: str, row_count: object) -> None:
    with pytest.raises(BenchmarkImportError):
        record_benchmark_import(db, source, row_count)  # type: ignore[arg-type]
    assert list_benchmark_imports(db) == ()
