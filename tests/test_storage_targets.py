"""Tests for setting and listing domain targets."""

from __future__ import annotations

import pytest
from sqlite_utils import Database
from storage_helpers import add_assessment, build_questionnaire, table_counts

from questionnaires.model import Questionnaire
from storage import list_targets, set_target
from storage.errors import NotFoundError, QuestionnaireMismatchError, TargetError
from storage.records import Assessment


def test_targets_are_listed_as_domain_to_level(
    db: Database, questionnaire: Questionnaire, assessment: Assessment
) -> None:
    set_target(db, questionnaire, assessment.id, "GOV", 4)
    set_target(db, questionnaire, assessment.id, "BIA", 2)
    assert list_targets(db, assessment.id) == {"BIA": 2, "GOV": 4}


def test_domains_without_a_target_are_absent(
    db: Database, questionnaire: Questionnaire, assessment: Assessment
) -> None:
    set_target(db, questionnaire, assessment.id, "GOV", 4)
    assert list_targets(db, assessment.id) == {"GOV": 4}


def test_setting_a_new_target_replaces_the_old_one(
    db: Database, questionnaire: Questionnaire, assessment: Assessment
) -> None:
    set_target(db, questionnaire, assessment.id, "GOV", 4)
    changed = set_target(db, questionnaire, assessment.id, "GOV", 5)
    assert changed.level == 5
    assert list_targets(db, assessment.id) == {"GOV": 5}
    assert db.table("targets").count == 1


def test_setting_the_same_target_again_keeps_its_time(
    db: Database, questionnaire: Questionnaire, assessment: Assessment
) -> None:
    first = set_target(db, questionnaire, assessment.id, "GOV", 4)
    assert set_target(db, questionnaire, assessment.id, "GOV", 4) == first


def test_targets_belong_to_one_assessment(db: Database, questionnaire: Questionnaire, assessment: Assessment) -> None:
    later = add_assessment(db, questionnaire, label="FY2027")
    set_target(db, questionnaire, assessment.id, "GOV", 4)
    assert list_targets(db, later.id) == {}


@pytest.mark.parametrize(
    ("domain_id", "level", "message"),
    [
        ("DRP", 3, "Domain 'DRP' is not in questionnaire"),
        ("GOV", 0, "level 0 is not on the scale"),
        ("GOV", 6, "level 6 is not on the scale"),
        ("GOV", "4", "level '4' is not on the scale"),
    ],
)
def test_invalid_target_is_refused_and_nothing_is_written(
    db: Database, questionnaire: Questionnaire, assessment: Assessment, domain_id: str, level: object, message: str
) -> None:
    before = table_counts(db)
    with pytest.raises(TargetError, match=message):
        set_target(db, questionnaire, assessment.id, domain_id, level)  # type: ignore[arg-type]
    assert table_counts(db) == before


def test_target_for_another_questionnaire_or_unknown_assessment_is_refused(
    db: Database, questionnaire: Questionnaire, assessment: Assessment
) -> None:
    with pytest.raises(QuestionnaireMismatchError):
        set_target(db, build_questionnaire(version="9"), assessment.id, "GOV", 3)
    with pytest.raises(NotFoundError):
        set_target(db, questionnaire, 1234, "GOV", 3)
    with pytest.raises(NotFoundError):
        list_targets(db, 1234)
    assert db.table("targets").count == 0
