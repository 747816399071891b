"""Tests for adding and finding the respondents of an assessment."""

from __future__ import annotations

import pytest
from sqlite_utils import Database
from storage_helpers import add_assessment, build_questionnaire, table_counts

from storage import add_respondent, get_or_create_respondent, get_respondent, list_respondents
from storage.errors import NotFoundError, RespondentError
from storage.records import Assessment


@pytest.fixture
def assessment(db: Database) -> Assessment:
    return add_assessment(db, build_questionnaire())


def test_added_respondent_has_trimmed_name_and_role(db: Database, assessment: Assessment) -> None:
    respondent = add_respondent(db, assessment.id, "  Ana Lima ", " Head of IT ")
    assert (respondent.name, respondent.role, respondent.assessment_id) == ("Ana Lima", "Head of IT", assessment.id)
    assert get_respondent(db, respondent.id) == respondent


def test_same_name_twice_in_one_assessment_is_refused_ignoring_case(db: Database, assessment: Assessment) -> None:
    add_respondent(db, assessment.id, "Ana Lima")
    with pytest.raises(RespondentError, match="already has a respondent named 'Ana Lima'"):
        add_respondent(db, assessment.id, "ANA LIMA")
    assert len(list_respondents(db, assessment.id)) == 1


def test_same_name_in_another_assessment_is_a_different_respondent(db: Database) -> None:
    questionnaire = build_questionnaire()
    first = add_assessment(db, questionnaire, label="FY2025")
    second = add_assessment(db, questionnaire, label="FY2026")
    assert add_respondent(db, first.id, "Ana").id != add_respondent(db, second.id, "Ana").id


def test_get_or_create_returns_the_existing_respondent(db: Database, assessment: Assessment) -> None:
    created = get_or_create_respondent(db, assessment.id, "Ana", "CIO")
    again = get_or_create_respondent(db, assessment.id, " ana ", "Someone else")
    assert again == created
    assert len(list_respondents(db, assessment.id)) == 1


def test_respondents_are_listed_in_the_order_they_joined(db: Database, assessment: Assessment) -> None:
    for name in ("Zoe", "Adam", "Mia"):
        add_respondent(db, assessment.id, name)
    assert [r.name for r in list_respondents(db, assessment.id)] == ["Zoe", "Adam", "Mia"]


@pytest.mark.parametrize(("name", "role"), [("", ""), ("  ", ""), ("N" * 101, ""), ("Ana", "R" * 101), (None, "")])
def test_invalid_respondent_is_refused_and_nothing_is_written(
    db: Database, assessment: Assessment, name: object, role: str
) -> None:
    before = table_counts(db)
    with pytest.raises(RespondentError):
        add_respondent(db, assessment.id, name, role)  # type: ignore[arg-type]
    assert table_counts(db) == before


def test_respondent_for_an_unknown_assessment_raises_not_found(db: Database) -> None:
    with pytest.raises(NotFoundError, match="No assessment with id 5"):
        get_or_create_respondent(db, 5, "Ana")
    assert db.table("respondents").count == 0
