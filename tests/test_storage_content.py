"""Tests for writing an assessment's whole content: respondents, answers, consensus, targets, roadmap, status."""

from __future__ import annotations

from datetime import date

import pytest
from sqlite_utils import Database
from storage_helpers import add_assessment, table_counts

from questionnaires.model import Questionnaire
from storage import (
    get_assessment,
    list_answers,
    list_consensus,
    list_respondents,
    list_roadmap_items,
    list_targets,
    write_transaction,
)
from storage.content import (
    AssessmentContent,
    ConsensusContent,
    RespondentContent,
    RoadmapItemContent,
    write_assessment_content,
)
from storage.errors import RespondentError, RoadmapItemError, TargetError
from storage.records import AnswerValue, Assessment, Respondent


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
