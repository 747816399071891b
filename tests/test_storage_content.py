"""Tests for writing an assessment's whole content: respondents, answers, consensus, targets, roadmap, status."""

from __future__ import annotations

from datetime import date

import pytest
from sqlite_utils import Database
from storage_helpers import add_assessment, build_questionnaire, table_counts

import storage.content
from questionnaires.model import Questionnaire
from storage import (
    answer_history,
    get_assessment,
    list_answers,
    list_consensus,
    list_respondents,
    list_roadmap_items,
    list_targets,
    save_roadmap_item,
    set_consensus,
    set_target,
    write_transaction,
)
from storage.content import (
    AssessmentContent,
    ConsensusContent,
    RespondentContent,
    RoadmapItemContent,
    check_assessment_content,
    write_assessment_content,
)
from storage.errors import AnswerError, RespondentError, RoadmapItemError, TargetError
from storage.records import EMPTY_ANSWER, AnswerValue, Assessment, Respondent


def _answer(level: int | None, comment: str = "", evidence: str = "") -> AnswerValue:
    return AnswerValue(level=level, na=level is None, comment=comment, evidence=evidence)


WORKSHOP = AssessmentContent(
    respondents=(
        RespondentContent(
            "Ana",
            "CIO",
            {"GOV-01": _answer(3, "Policy approved", "policy.pdf"), "BIA-02": _answer(None), "GOV-02": _answer(2)},
        ),
        RespondentContent("Ben", "Risk officer", {"GOV-01": _answer(1), "BIA-01": _answer(4)}),
    ),
    consensus=(
        ConsensusContent("GOV-01", 2, note="Agreed on the evidence", set_by="Kim"),
        ConsensusContent("BIA-02", None, na=True),
    ),
    targets={"GOV": 4, "BIA": 2},
    roadmap_items=(
        RoadmapItemContent("GOV-01", 3, owner="Dana", due_date=date(2026, 9, 30), status="in_progress"),
        RoadmapItemContent("GOV-02", 3),
    ),
    completed=True,
)


def test_every_part_of_the_content_is_written_and_the_answers_are_counted(
    db: Database, questionnaire: Questionnaire, assessment: Assessment
) -> None:
    written = write_assessment_content(db, questionnaire, assessment.id, WORKSHOP)
    assert written == 5
    names = {respondent.id: (respondent.name, respondent.role) for respondent in list_respondents(db, assessment.id)}
    assert list(names.values()) == [("Ana", "CIO"), ("Ben", "Risk officer")]
    stored = {(names[a.respondent_id][0], a.question_id): a.value for a in list_answers(db, assessment.id)}
    assert stored == {
        (person.name, question_id): value
        for person in WORKSHOP.respondents
        for question_id, value in person.answers.items()
    }
    assert [(c.question_id, c.level, c.na, c.note, c.set_by) for c in list_consensus(db, assessment.id)] == [
        ("BIA-02", None, True, "", ""),
        ("GOV-01", 2, False, "Agreed on the evidence", "Kim"),
    ]
    assert list_targets(db, assessment.id) == {"BIA": 2, "GOV": 4}
    assert [
        (i.question_id, i.to_level, i.owner, i.due_date, i.status) for i in list_roadmap_items(db, assessment.id)
    ] == [
        ("GOV-01", 3, "Dana", date(2026, 9, 30), "in_progress"),
        ("GOV-02", 3, "", None, "planned"),
    ]
    completed = get_assessment(db, assessment.id)
    assert completed.status == "completed"
    assert completed.completed_at is not None


def test_content_not_marked_completed_leaves_the_assessment_in_progress(
    db: Database, questionnaire: Questionnaire, assessment: Assessment
) -> None:
    content = AssessmentContent(respondents=(RespondentContent("Ana", answers={"GOV-01": _answer(2)}),))
    assert write_assessment_content(db, questionnaire, assessment.id, content) == 1
    assert (get_assessment(db, assessment.id).status, get_assessment(db, assessment.id).completed_at) == (
        "in_progress",
        None,
    )


def test_a_refused_value_part_way_inside_the_callers_transaction_leaves_nothing_written(
    db: Database, questionnaire: Questionnaire
) -> None:
    # Everything before the roadmap is valid and gets written first; the last roadmap step is not.
    content = AssessmentContent(
        respondents=WORKSHOP.respondents,
        consensus=WORKSHOP.consensus,
        targets=WORKSHOP.targets,
        roadmap_items=(*WORKSHOP.roadmap_items, RoadmapItemContent("GOV-99", 3)),
        completed=True,
    )
    before = table_counts(db)
    with pytest.raises(RoadmapItemError, match="GOV-99"), write_transaction(db):
        assessment = add_assessment(db, questionnaire)
        write_assessment_content(db, questionnaire, assessment.id, content)
    assert table_counts(db) == before


def test_a_refused_value_leaves_none_of_the_content_behind_when_called_on_its_own(
    db: Database, questionnaire: Questionnaire, assessment: Assessment
) -> None:
    content = AssessmentContent(respondents=WORKSHOP.respondents, targets={"GOV": 4, "BIA": 9})
    before = table_counts(db)
    with pytest.raises(TargetError, match="Target for BIA"):
        write_assessment_content(db, questionnaire, assessment.id, content)
    assert table_counts(db) == before


def test_a_respondent_the_assessment_already_has_is_refused(
    db: Database, questionnaire: Questionnaire, assessment: Assessment, respondent: Respondent
) -> None:
    content = AssessmentContent(
        respondents=(RespondentContent(respondent.name.upper(), answers={"GOV-01": _answer(2)}),)
    )
    before = table_counts(db)
    with pytest.raises(RespondentError, match="already has a respondent named 'Ana'"):
        write_assessment_content(db, questionnaire, assessment.id, content)
    assert table_counts(db) == before


def test_a_respondent_named_twice_in_the_content_is_refused_before_anything_is_written(
    db: Database, questionnaire: Questionnaire, assessment: Assessment
) -> None:
    content = AssessmentContent(respondents=(RespondentContent("Ana"), RespondentContent(" ANA ")))
    before = table_counts(db)
    with pytest.raises(RespondentError) as raised:
        write_assessment_content(db, questionnaire, assessment.id, content)
    assert str(raised.value) == "Respondents 'Ana' and 'ANA' have the same name; give each respondent a different name."
    assert table_counts(db) == before


def test_the_checks_need_no_database_and_give_the_message_the_single_save_gives(questionnaire: Questionnaire) -> None:
    content = AssessmentContent(respondents=(RespondentContent("Ana", answers={"GOV-01": _answer(7)}),))
    with pytest.raises(AnswerError) as raised:
        check_assessment_content(questionnaire, content)
    assert str(raised.value) == (
        f"Answer to GOV-01: level 7 is not on the scale of questionnaire '{questionnaire.id}'; choose one of 1, 2, 3, "
        "4, 5."
    )


def test_checked_content_is_written_without_being_checked_again(
    db: Database, questionnaire: Questionnaire, assessment: Assessment, monkeypatch: pytest.MonkeyPatch
) -> None:
    checked = check_assessment_content(questionnaire, WORKSHOP)

    def refuse(*_args: object, **_kwargs: object) -> None:
        raise AssertionError("checked again inside the write")

    monkeypatch.setattr(storage.content, "check_answer_value", refuse)
    monkeypatch.setattr(storage.content, "clean_name", refuse)
    assert write_assessment_content(db, questionnaire, assessment.id, checked) == 5
    assert len(list_answers(db, assessment.id)) == 5


def test_answers_that_hold_nothing_are_neither_stored_nor_counted(
    db: Database, questionnaire: Questionnaire, assessment: Assessment
) -> None:
    content = AssessmentContent(
        respondents=(
            RespondentContent("Ana", answers={"GOV-01": EMPTY_ANSWER, "GOV-02": _answer(2), "BIA-01": _note_only()}),
        )
    )
    assert write_assessment_content(db, questionnaire, assessment.id, content) == 2
    assert [(a.question_id, a.level, a.comment) for a in list_answers(db, assessment.id)] == [
        ("BIA-01", None, "Ask the CIO"),
        ("GOV-02", 2, ""),
    ]


def _note_only() -> AnswerValue:
    return AnswerValue(level=None, na=False, comment="Ask the CIO", evidence="")


def test_each_answer_is_recorded_in_the_history_as_its_first_save(
    db: Database, questionnaire: Questionnaire, assessment: Assessment
) -> None:
    write_assessment_content(db, questionnaire, assessment.id, WORKSHOP)
    history = answer_history(db, assessment.id)
    stored = {(a.respondent_id, a.question_id): a for a in list_answers(db, assessment.id)}
    assert len(history) == len(stored) == 5
    for change in history:
        answer = stored[(change.respondent_id, change.question_id)]
        assert (change.before, change.after, change.changed_at) == (EMPTY_ANSWER, answer.value, answer.updated_at)


def test_consensus_targets_and_roadmap_items_replace_those_already_held_and_unchanged_ones_keep_their_time(
    db: Database, questionnaire: Questionnaire, assessment: Assessment
) -> None:
    set_consensus(db, questionnaire, assessment.id, "GOV-01", 4)
    set_consensus(db, questionnaire, assessment.id, "BIA-01", 3, note="Kept")
    set_target(db, questionnaire, assessment.id, "GOV", 2)
    save_roadmap_item(db, questionnaire, assessment.id, "GOV-01", 3, owner="Old owner")
    kept = {c.question_id: c.updated_at for c in list_consensus(db, assessment.id)}
    content = AssessmentContent(
        consensus=(ConsensusContent("GOV-01", 2), ConsensusContent("BIA-01", 3, note="Kept")),
        targets={"GOV": 5},
        roadmap_items=(RoadmapItemContent("GOV-01", 3, owner="Dana"),),
    )
    write_assessment_content(db, questionnaire, assessment.id, content)
    consensus = {c.question_id: c for c in list_consensus(db, assessment.id)}
    assert (consensus["GOV-01"].level, consensus["BIA-01"].level) == (2, 3)
    assert consensus["GOV-01"].updated_at > kept["GOV-01"]
    assert consensus["BIA-01"].updated_at == kept["BIA-01"]
    assert list_targets(db, assessment.id) == {"GOV": 5}
    assert [(i.question_id, i.to_level, i.owner) for i in list_roadmap_items(db, assessment.id)] == [
        ("GOV-01", 3, "Dana")
    ]


def test_a_question_agreed_twice_or_a_step_planned_twice_keeps_its_last_entry(
    db: Database, questionnaire: Questionnaire, assessment: Assessment
) -> None:
    content = AssessmentContent(
        consensus=(ConsensusContent("GOV-01", 2), ConsensusContent("GOV-01", 4)),
        roadmap_items=(RoadmapItemContent("GOV-01", 3, owner="Ann"), RoadmapItemContent("GOV-01", 3, owner="Bo")),
    )
    write_assessment_content(db, questionnaire, assessment.id, content)
    assert [(c.question_id, c.level) for c in list_consensus(db, assessment.id)] == [("GOV-01", 4)]
    assert [i.owner for i in list_roadmap_items(db, assessment.id)] == ["Bo"]


def _reads_while_writing(db: Database, questionnaire: Questionnaire, assessment_id: int, people: int) -> int:
    content = AssessmentContent(
        respondents=tuple(
            RespondentContent(f"Person {n}", answers={q.id: _answer(3) for q in questionnaire.questions})
            for n in range(people)
        ),
        completed=True,
    )
    checked = check_assessment_content(questionnaire, content)
    statements: list[str] = []
    db.conn.set_trace_callback(statements.append)
    try:
        write_assessment_content(db, questionnaire, assessment_id, checked)
    finally:
        db.conn.set_trace_callback(None)
    return sum(statement.lstrip().upper().startswith("SELECT") for statement in statements)


@pytest.mark.sqlite_only
def test_the_write_reads_the_database_as_often_for_fifty_respondents_as_for_one(db: Database) -> None:
    # Reading again for every answer is what made a large import hold the write lock for seconds.
    questionnaire = build_questionnaire(extra_questions=20)
    one = add_assessment(db, questionnaire, label="One")
    fifty = add_assessment(db, questionnaire, label="Fifty")
    assert _reads_while_writing(db, questionnaire, fifty.id, 50) == _reads_while_writing(db, questionnaire, one.id, 1)
    assert len(list_answers(db, fifty.id)) == 50 * len(questionnaire.questions)
