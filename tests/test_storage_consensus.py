"""Tests for agreeing, changing and clearing a consensus answer."""

from __future__ import annotations

from typing import Any

import pytest
from sqlite_utils import Database
from storage_helpers import build_questionnaire, table_counts

from questionnaires.model import Questionnaire
from storage import clear_consensus, list_consensus, set_consensus
from storage.errors import AnswerError, NotFoundError, QuestionnaireMismatchError
from storage.records import Assessment


def test_consensus_is_stored_with_note_and_facilitator(
    db: Database, questionnaire: Questionnaire, assessment: Assessment
) -> None:
    agreed = set_consensus(db, questionnaire, assessment.id, "GOV-01", 3, note="-agreed after debate", set_by=" Kim ")
    assert (agreed.level, agreed.na, agreed.note, agreed.set_by) == (3, False, "-agreed after debate", "Kim")
    assert list_consensus(db, assessment.id) == (agreed,)


def test_consensus_can_be_na_where_the_question_allows_it(
    db: Database, questionnaire: Questionnaire, assessment: Assessment
) -> None:
    agreed = set_consensus(db, questionnaire, assessment.id, "BIA-02", None, na=True)
    assert (agreed.level, agreed.na) == (None, True)


def test_changing_the_consensus_replaces_it(db: Database, questionnaire: Questionnaire, assessment: Assessment) -> None:
    set_consensus(db, questionnaire, assessment.id, "GOV-01", 3)
    set_consensus(db, questionnaire, assessment.id, "GOV-01", 2, note="evidence was weak")
    assert [(c.question_id, c.level, c.note) for c in list_consensus(db, assessment.id)] == [
        ("GOV-01", 2, "evidence was weak")
    ]


def test_setting_the_same_consensus_again_keeps_its_time(
    db: Database, questionnaire: Questionnaire, assessment: Assessment
) -> None:
    first = set_consensus(db, questionnaire, assessment.id, "GOV-01", 3, note="n")
    assert set_consensus(db, questionnaire, assessment.id, "GOV-01", 3, note="n") == first


def test_clearing_removes_the_consensus_and_says_whether_there_was_one(
    db: Database, questionnaire: Questionnaire, assessment: Assessment
) -> None:
    set_consensus(db, questionnaire, assessment.id, "GOV-01", 3)
    assert clear_consensus(db, assessment.id, "GOV-01") is True
    assert clear_consensus(db, assessment.id, "GOV-01") is False
    assert list_consensus(db, assessment.id) == ()


@pytest.mark.parametrize(
    ("changes", "message"),
    [
        ({"level": None}, "give a level or N/A"),
        ({"level": 9}, "level 9 is not on the scale"),
        ({"level": None, "na": True}, "N/A is not allowed"),
        ({"na": True}, "both level 3 and N/A"),
        ({"question_id": "XYZ-01"}, "not in questionnaire"),
        ({"set_by": "F" * 101}, "at most 100"),
    ],
)
def test_invalid_consensus_is_refused_and_nothing_is_written(
    db: Database, questionnaire: Questionnaire, assessment: Assessment, changes: dict[str, Any], message: str
) -> None:
    values: dict[str, Any] = {"question_id": "GOV-01", "level": 3, **changes}
    before = table_counts(db)
    with pytest.raises(AnswerError, match=message):
        set_consensus(db, questionnaire, assessment.id, **values)
    assert table_counts(db) == before


def test_consensus_with_another_questionnaire_or_unknown_assessment_is_refused(
    db: Database, questionnaire: Questionnaire, assessment: Assessment
) -> None:
    with pytest.raises(QuestionnaireMismatchError):
        set_consensus(db, build_questionnaire(questionnaire_id="other"), assessment.id, "GOV-01", 3)
    with pytest.raises(NotFoundError):
        set_consensus(db, questionnaire, assessment.id + 1, "GOV-01", 3)
    with pytest.raises(NotFoundError):
        clear_consensus(db, assessment.id + 1, "GOV-01")
    assert db.table("consensus").count == 0
