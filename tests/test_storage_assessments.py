"""Tests for starting, listing, completing and reopening assessments."""

from __future__ import annotations

from datetime import date, datetime, timedelta
from typing import Any

import pytest
from sqlite_utils import Database
from storage_helpers import add_organisation, build_questionnaire, table_counts

from questionnaires.model import Questionnaire
from storage import (
    create_assessment,
    get_assessment,
    list_assessments,
    set_assessment_status,
)
from storage.errors import AssessmentError, NotFoundError


@pytest.fixture
def questionnaire() -> Questionnaire:
    return build_questionnaire(version="2.1")


def test_new_assessment_keeps_questionnaire_id_and_version(db: Database, questionnaire: Questionnaire) -> None:
    organisation = add_organisation(db)
    assessment = create_assessment(db, organisation.id, questionnaire, " FY2026 ", date(2026, 3, 31))
    assert (assessment.questionnaire_id, assessment.questionnaire_version) == ("storage-test", "2.1")
    assert assessment.label == "FY2026"
    assert assessment.assessment_date == date(2026, 3, 31)
    assert (assessment.status, assessment.completed_at) == ("in_progress", None)
    assert get_assessment(db, assessment.id) == assessment


def test_assessment_date_may_be_given_as_iso_text_or_datetime(db: Database, questionnaire: Questionnaire) -> None:
    organisation = add_organisation(db)
    from_text = create_assessment(db, organisation.id, questionnaire, "FY2025", "2025-04-01")
    from_datetime = create_assessment(db, organisation.id, questionnaire, "FY2026", datetime(2026, 4, 1, 9, 30))
    assert from_text.assessment_date == date(2025, 4, 1)
    assert from_datetime.assessment_date == date(2026, 4, 1)


def test_assessments_are_listed_oldest_first_per_organisation(db: Database, questionnaire: Questionnaire) -> None:
    first = add_organisation(db, "First")
    second = add_organisation(db, "Second")
    create_assessment(db, first.id, questionnaire, "FY2026", date(2026, 1, 1))
    create_assessment(db, first.id, questionnaire, "FY2024", date(2024, 1, 1))
    create_assessment(db, second.id, questionnaire, "FY2025", date(2025, 1, 1))
    assert [a.label for a in list_assessments(db, first.id)] == ["FY2024", "FY2026"]
    assert [a.label for a in list_assessments(db)] == ["FY2024", "FY2025", "FY2026"]


def test_listing_assessments_of_an_unknown_organisation_raises_not_found(db: Database) -> None:
    with pytest.raises(NotFoundError):
        list_assessments(db, 99)


def test_completing_records_when_and_reopening_clears_it(db: Database, questionnaire: Questionnaire) -> None:
    organisation = add_organisation(db)
    assessment = create_assessment(db, organisation.id, questionnaire, "FY2026", date(2026, 3, 31))
    completed = set_assessment_status(db, assessment.id, "completed")
    assert completed.status == "completed"
    assert completed.completed_at is not None
    reopened = set_assessment_status(db, assessment.id, "in_progress")
    assert (reopened.status, reopened.completed_at) == ("in_progress", None)


def test_completing_twice_keeps_the_first_completion_time(db: Database, questionnaire: Questionnaire) -> None:
    organisation = add_organisation(db)
    assessment = create_assessment(db, organisation.id, questionnaire, "FY2026", date(2026, 3, 31))
    first = set_assessment_status(db, assessment.id, "completed")
    assert set_assessment_status(db, assessment.id, "completed").completed_at == first.completed_at


def test_unknown_status_is_refused(db: Database, questionnaire: Questionnaire) -> None:
    organisation = add_organisation(db)
    assessment = create_assessment(db, organisation.id, questionnaire, "FY2026", date(2026, 3, 31))
    with pytest.raises(AssessmentError, match="choose one of: in_progress, completed"):
        set_assessment_status(db, assessment.id, "archived")  # type: ignore[arg-type]
    assert get_assessment(db, assessment.id).status == "in_progress"


@pytest.mark.parametrize(
    ("changes", "error", "message"),
    [
        ({"label": " "}, AssessmentError, "empty"),
        ({"label": "L" * 51}, AssessmentError, "at most 50"),
        ({"assessment_date": "31/03/2026"}, AssessmentError, "not a date"),
        ({"assessment_date": None}, AssessmentError, "not a date"),
        ({"organisation_id": 99}, NotFoundError, "No organisation with id 99"),
        ({"organisation_id": "1"}, NotFoundError, "whole numbers"),
        ({"questionnaire": {"id": "storage-test"}}, AssessmentError, "loaded Questionnaire"),
    ],
)
def test_invalid_assessment_is_refused_and_nothing_is_written(
    db: Database, questionnaire: Questionnaire, changes: dict[str, Any], error: type[Exception], message: str
) -> None:
    organisation = add_organisation(db)
    values: dict[str, Any] = {
        "organisation_id": organisation.id,
        "questionnaire": questionnaire,
        "label": "FY2026",
        "assessment_date": date(2026, 3, 31),
        **changes,
    }
    before = table_counts(db)
    with pytest.raises(error, match=message):
        create_assessment(db, **values)
    assert table_counts(db) == before


def test_label_is_unique_per_organisation_only(db: Database, questionnaire: Questionnaire) -> None:
    first = add_organisation(db, "First")
    second = add_organisation(db, "Second")
    create_assessment(db, first.id, questionnaire, "FY2026", date(2026, 3, 31))
    with pytest.raises(AssessmentError, match="already has an assessment labelled 'FY2026'"):
        create_assessment(db, first.id, questionnaire, "FY2026", date(2026, 6, 30))
    assert create_assessment(db, second.id, questionnaire, "FY2026", date(2026, 3, 31)).label == "FY2026"


@pytest.mark.parametrize("days_from_today", [-(365 * 40), 367 + 365])
def test_an_assessment_date_outside_the_allowed_range_is_refused(
    db: Database, questionnaire: Questionnaire, days_from_today: int
) -> None:
    org = add_organisation(db)
    day = date.today() + timedelta(days=days_from_today)
    with pytest.raises(AssessmentError, match="outside the allowed range"):
        create_assessment(db, org.id, questionnaire, "FY", day)
