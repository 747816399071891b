"""Saving what a user changed: only that field is written, and a change made elsewhere is never undone."""

from __future__ import annotations

from dataclasses import replace

from sqlite_utils import Database

from questionnaires.model import Questionnaire
from storage import answer_history, list_answers, save_answer, update_answer
from storage.records import EMPTY_ANSWER, Assessment, Respondent


def test_editing_a_comment_keeps_a_level_set_elsewhere_meanwhile(
    db: Database, questionnaire: Questionnaire, assessment: Assessment, respondent: Respondent
) -> None:
    loaded = save_answer(db, questionnaire, assessment.id, respondent.id, "GOV-01", 3).value
    save_answer(db, questionnaire, assessment.id, respondent.id, "GOV-01", 5)  # another tab
    outcome = update_answer(
        db, questionnaire, assessment.id, respondent.id, "GOV-01", loaded, replace(loaded, comment="see policy")
    )
    assert outcome.conflicts == ()
    assert (outcome.answer.level, outcome.answer.comment) == (5, "see policy")
    assert [(a.level, a.comment) for a in list_answers(db, assessment.id)] == [(5, "see policy")]


def test_a_field_changed_elsewhere_is_not_overwritten_and_the_refused_value_is_kept_in_history(
    db: Database, questionnaire: Questionnaire, assessment: Assessment, respondent: Respondent
) -> None:
    loaded = save_answer(db, questionnaire, assessment.id, respondent.id, "GOV-01", 3).value
    save_answer(db, questionnaire, assessment.id, respondent.id, "GOV-01", 5)
    outcome = update_answer(db, questionnaire, assessment.id, respondent.id, "GOV-01", loaded, replace(loaded, level=2))
    assert [c.field for c in outcome.conflicts] == ["choice"]
    assert outcome.conflicts[0].stored.level == 5
    assert outcome.conflicts[0].attempted.level == 2
    assert outcome.answer.level == 5
    history = answer_history(db, assessment.id)
    assert [(h.after.level, h.applied) for h in history] == [(3, True), (5, True), (2, False)]
    assert history[-1].before.level == 5


def test_the_same_change_made_in_two_places_is_no_conflict(
    db: Database, questionnaire: Questionnaire, assessment: Assessment, respondent: Respondent
) -> None:
    loaded = save_answer(db, questionnaire, assessment.id, respondent.id, "GOV-01", 3).value
    save_answer(db, questionnaire, assessment.id, respondent.id, "GOV-01", 4)
    outcome = update_answer(db, questionnaire, assessment.id, respondent.id, "GOV-01", loaded, replace(loaded, level=4))
    assert outcome.conflicts == ()
    assert len(answer_history(db, assessment.id)) == 2


def test_a_first_answer_is_stored_from_an_empty_base(
    db: Database, questionnaire: Questionnaire, assessment: Assessment, respondent: Respondent
) -> None:
    outcome = update_answer(
        db, questionnaire, assessment.id, respondent.id, "BIA-02", EMPTY_ANSWER, replace(EMPTY_ANSWER, na=True)
    )
    assert outcome.answer.na and outcome.answer.updated_at is not None
    assert [a.na for a in list_answers(db, assessment.id)] == [True]


def test_a_save_that_changes_nothing_writes_nothing(
    db: Database, questionnaire: Questionnaire, assessment: Assessment, respondent: Respondent
) -> None:
    loaded = save_answer(db, questionnaire, assessment.id, respondent.id, "GOV-01", 3, comment="x").value
    outcome = update_answer(db, questionnaire, assessment.id, respondent.id, "GOV-01", loaded, loaded)
    assert outcome.conflicts == () and outcome.answer.level == 3
    assert len(answer_history(db, assessment.id)) == 1


def test_two_editors_changing_different_fields_keep_both_changes(
    db: Database, questionnaire: Questionnaire, assessment: Assessment, respondent: Respondent
) -> None:
    loaded = save_answer(db, questionnaire, assessment.id, respondent.id, "GOV-01", 3).value
    update_answer(db, questionnaire, assessment.id, respondent.id, "GOV-01", loaded, replace(loaded, comment="A"))
    update_answer(db, questionnaire, assessment.id, respondent.id, "GOV-01", loaded, replace(loaded, evidence="B"))
    update_answer(db, questionnaire, assessment.id, respondent.id, "GOV-01", loaded, replace(loaded, level=4))
    (stored,) = list_answers(db, assessment.id)
    assert (stored.level, stored.comment, stored.evidence) == (4, "A", "B")
