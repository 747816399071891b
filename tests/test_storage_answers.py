"""Tests for saving answers: round trip, idempotence, history, clearing and validation."""

from __future__ import annotations

import sqlite3
from typing import Any

import pytest
from sqlite_utils import Database
from storage_helpers import add_assessment, build_questionnaire, table_counts

from questionnaires.model import Questionnaire
from storage import add_respondent, answer_history, list_answers, save_answer
from storage.errors import AnswerError, NotFoundError, QuestionnaireMismatchError
from storage.records import AnswerValue, Assessment, Respondent


def test_saved_answer_is_read_back_unchanged(
    db: Database, questionnaire: Questionnaire, assessment: Assessment, respondent: Respondent
) -> None:
    saved = save_answer(
        db, questionnaire, assessment.id, respondent.id, "GOV-01", 3, comment=" =1+1 ", evidence="@policy.pdf"
    )
    assert (saved.level, saved.na, saved.comment, saved.evidence) == (3, False, " =1+1 ", "@policy.pdf")
    assert list_answers(db, assessment.id) == (saved,)


def test_saving_the_same_values_again_changes_nothing(
    db: Database, questionnaire: Questionnaire, assessment: Assessment, respondent: Respondent
) -> None:
    first = save_answer(db, questionnaire, assessment.id, respondent.id, "GOV-01", 2, comment="draft")
    again = save_answer(db, questionnaire, assessment.id, respondent.id, "GOV-01", 2, comment="draft")
    assert again == first
    assert len(answer_history(db, assessment.id)) == 1


def test_every_change_appends_previous_and_new_values_to_history(
    db: Database, questionnaire: Questionnaire, assessment: Assessment, respondent: Respondent
) -> None:
    save_answer(db, questionnaire, assessment.id, respondent.id, "GOV-01", 2)
    save_answer(db, questionnaire, assessment.id, respondent.id, "GOV-01", 4, comment="after the test")
    history = answer_history(db, assessment.id)
    assert [(change.before, change.after) for change in history] == [
        (AnswerValue(None, False, "", ""), AnswerValue(2, False, "", "")),
        (AnswerValue(2, False, "", ""), AnswerValue(4, False, "after the test", "")),
    ]
    assert history[0].changed_at <= history[1].changed_at


def test_clearing_an_answer_is_recorded_in_history(
    db: Database, questionnaire: Questionnaire, assessment: Assessment, respondent: Respondent
) -> None:
    save_answer(db, questionnaire, assessment.id, respondent.id, "BIA-02", None, na=True)
    cleared = save_answer(db, questionnaire, assessment.id, respondent.id, "BIA-02", None)
    assert not cleared.is_answered
    assert list_answers(db, assessment.id) == (cleared,)
    assert answer_history(db, assessment.id)[-1].after == AnswerValue(None, False, "", "")


def test_clearing_an_answer_that_was_never_given_writes_nothing(
    db: Database, questionnaire: Questionnaire, assessment: Assessment, respondent: Respondent
) -> None:
    before = table_counts(db)
    answer = save_answer(db, questionnaire, assessment.id, respondent.id, "GOV-02", None)
    assert (answer.is_answered, answer.updated_at) == (False, None)
    assert table_counts(db) == before


def test_na_is_stored_for_a_question_that_allows_it(
    db: Database, questionnaire: Questionnaire, assessment: Assessment, respondent: Respondent
) -> None:
    saved = save_answer(db, questionnaire, assessment.id, respondent.id, "BIA-02", None, na=True)
    assert (saved.level, saved.na, saved.is_answered) == (None, True, True)


def test_answers_can_be_listed_for_one_respondent(
    db: Database, questionnaire: Questionnaire, assessment: Assessment, respondent: Respondent
) -> None:
    other = add_respondent(db, assessment.id, "Ben")
    save_answer(db, questionnaire, assessment.id, respondent.id, "GOV-01", 1)
    save_answer(db, questionnaire, assessment.id, other.id, "GOV-01", 5)
    save_answer(db, questionnaire, assessment.id, other.id, "BIA-01", 4)
    assert [(a.question_id, a.level) for a in list_answers(db, assessment.id, other.id)] == [
        ("BIA-01", 4),
        ("GOV-01", 5),
    ]
    assert len(list_answers(db, assessment.id)) == 3


def test_history_can_be_filtered_by_question(
    db: Database, questionnaire: Questionnaire, assessment: Assessment, respondent: Respondent
) -> None:
    save_answer(db, questionnaire, assessment.id, respondent.id, "GOV-01", 1)
    save_answer(db, questionnaire, assessment.id, respondent.id, "GOV-02", 2)
    assert [c.question_id for c in answer_history(db, assessment.id, "GOV-02")] == ["GOV-02"]


@pytest.mark.parametrize(
    ("changes", "message"),
    [
        ({"question_id": "GOV-99"}, "Question 'GOV-99' is not in questionnaire 'storage-test'"),
        ({"level": 6}, "level 6 is not on the scale"),
        ({"level": 0}, "level 0 is not on the scale"),
        ({"level": "3"}, "level '3' is not on the scale"),
        ({"level": 3.0}, "level 3.0 is not on the scale"),
        ({"level": True}, "level True is not on the scale"),
        ({"level": None, "na": True, "question_id": "GOV-01"}, "N/A is not allowed"),
        ({"level": 2, "na": True, "question_id": "BIA-02"}, "both level 2 and N/A"),
        ({"na": "yes"}, "na must be True or False"),
        ({"comment": None}, "comment must be text"),
        ({"evidence": "x" * 20_001}, "at most 20000"),
    ],
)
def test_invalid_answer_is_refused_and_nothing_is_written(
    db: Database,
    questionnaire: Questionnaire,
    assessment: Assessment,
    respondent: Respondent,
    changes: dict[str, Any],
    message: str,
) -> None:
    save_answer(db, questionnaire, assessment.id, respondent.id, "GOV-01", 3)
    values: dict[str, Any] = {"question_id": "GOV-01", "level": 4, **changes}
    before = table_counts(db)
    with pytest.raises(AnswerError, match=message):
        save_answer(db, questionnaire, assessment.id, respondent.id, **values)
    assert table_counts(db) == before
    assert list_answers(db, assessment.id)[0].level == 3


def test_other_questionnaire_version_is_refused(db: Database, assessment: Assessment, respondent: Respondent) -> None:
    newer = build_questionnaire(version="2.0")
    with pytest.raises(QuestionnaireMismatchError, match=r"started with questionnaire 'storage-test' version 1\.0"):
        save_answer(db, newer, assessment.id, respondent.id, "GOV-01", 3)
    assert db.table("answers").count == 0


def test_unknown_assessment_or_respondent_raises_not_found(
    db: Database, questionnaire: Questionnaire, assessment: Assessment, respondent: Respondent
) -> None:
    with pytest.raises(NotFoundError, match="No assessment with id 77"):
        save_answer(db, questionnaire, 77, respondent.id, "GOV-01", 3)
    with pytest.raises(NotFoundError, match="No respondent with id 88"):
        save_answer(db, questionnaire, assessment.id, 88, "GOV-01", 3)
    assert table_counts(db)["answers"] == 0


def test_respondent_of_another_assessment_cannot_answer(
    db: Database, questionnaire: Questionnaire, assessment: Assessment
) -> None:
    other_assessment = add_assessment(db, questionnaire, label="FY2027")
    outsider = add_respondent(db, other_assessment.id, "Ana")
    with pytest.raises(NotFoundError, match=f"in assessment {assessment.id}"):
        save_answer(db, questionnaire, assessment.id, outsider.id, "GOV-01", 3)
    assert db.table("answers").count == 0


def test_history_cannot_be_changed_or_deleted(
    db: Database, questionnaire: Questionnaire, assessment: Assessment, respondent: Respondent
) -> None:
    save_answer(db, questionnaire, assessment.id, respondent.id, "GOV-01", 3)
    with pytest.raises(sqlite3.IntegrityError, match="append-only"):
        db.execute("UPDATE answer_history SET new_level = 1")
    with pytest.raises(sqlite3.IntegrityError, match="append-only"):
        db.execute("DELETE FROM answer_history")
    assert answer_history(db, assessment.id)[0].after.level == 3


def _with_na_justified(questionnaire: Questionnaire) -> Questionnaire:
    questions = [
        q.model_copy(update={"na_requires_justification": True}) if q.id == "BIA-02" else q
        for q in questionnaire.questions
    ]
    return questionnaire.model_copy(update={"questions": questions})


def test_na_without_a_reason_is_refused_where_the_question_asks_for_one(
    db: Database, questionnaire: Questionnaire, assessment: Assessment, respondent: Respondent
) -> None:
    strict = _with_na_justified(questionnaire)
    before = table_counts(db)
    with pytest.raises(AnswerError, match=r"N/A needs a reason here .* write why in the comment first"):
        save_answer(db, strict, assessment.id, respondent.id, "BIA-02", None, na=True, comment="  ")
    assert table_counts(db) == before


def test_na_with_a_reason_is_stored_where_the_question_asks_for_one(
    db: Database, questionnaire: Questionnaire, assessment: Assessment, respondent: Respondent
) -> None:
    strict = _with_na_justified(questionnaire)
    saved = save_answer(db, strict, assessment.id, respondent.id, "BIA-02", None, na=True, comment="No providers.")
    assert (saved.na, saved.comment) == (True, "No providers.")
