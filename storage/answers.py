"""Answers: one per assessment, respondent and question, with an append-only history of changes."""

from __future__ import annotations

from typing import Any

from sqlite_utils import Database

from questionnaires.model import Questionnaire
from storage.assessments import get_assessment
from storage.errors import NotFoundError
from storage.records import EMPTY_ANSWER, Answer, AnswerChange, AnswerValue
from storage.timestamps import now_text, to_datetime, to_optional_datetime
from storage.transactions import write_transaction
from storage.validation import check_answer_value, check_id, check_questionnaire_matches

_SELECT = "SELECT assessment_id, respondent_id, question_id, level, na, comment, evidence, updated_at FROM answers"
_SELECT_HISTORY = (
    "SELECT id, assessment_id, respondent_id, question_id, old_level, old_na, old_comment, old_evidence, "
    "new_level, new_na, new_comment, new_evidence, changed_at FROM answer_history"
)


def _answer(row: dict[str, Any]) -> Answer:
    return Answer(
        assessment_id=row["assessment_id"],
        respondent_id=row["respondent_id"],
        question_id=row["question_id"],
        level=row["level"],
        na=bool(row["na"]),
        comment=row["comment"],
        evidence=row["evidence"],
        updated_at=to_optional_datetime(row["updated_at"]),
    )


def _change(row: dict[str, Any]) -> AnswerChange:
    return AnswerChange(
        id=row["id"],
        assessment_id=row["assessment_id"],
        respondent_id=row["respondent_id"],
        question_id=row["question_id"],
        before=AnswerValue(
            level=row["old_level"], na=bool(row["old_na"]), comment=row["old_comment"], evidence=row["old_evidence"]
        ),
        after=AnswerValue(
            level=row["new_level"], na=bool(row["new_na"]), comment=row["new_comment"], evidence=row["new_evidence"]
        ),
        changed_at=to_datetime(row["changed_at"]),
    )


def _stored(
    assessment_id: int, respondent_id: int, question_id: str, value: AnswerValue, updated_at: str | None
) -> Answer:
    return Answer(
        assessment_id=assessment_id,
        respondent_id=respondent_id,
        question_id=question_id,
        level=value.level,
        na=value.na,
        comment=value.comment,
        evidence=value.evidence,
        updated_at=to_optional_datetime(updated_at),
    )


def _check_respondent(db: Database, assessment_id: int, respondent_id: int) -> None:
    check_id(respondent_id, what="respondent")
    found = db.execute(
        "SELECT 1 FROM respondents WHERE id = ? AND assessment_id = ?", [respondent_id, assessment_id]
    ).fetchone()
    if found is None:
        raise NotFoundError(
            f"No respondent with id {respondent_id} in assessment {assessment_id}; "
            "add the respondent to this assessment first."
        )


def save_answer(
    db: Database,
    questionnaire: Questionnaire,
    assessment_id: int,
    respondent_id: int,
    question_id: str,
    level: int | None,
    na: bool = False,
    comment: str = "",
    evidence: str = "",
) -> Answer:
    """Save one respondent's answer to one question and return it as stored.

    `level` None with `na` False clears the answer. Saving the values already stored
    changes nothing and adds no history; any other save updates the answer and appends
    the previous and new values to the history, in one transaction. Text is stored
    exactly as given. Invalid input raises before anything is written.
    """
    value = check_answer_value(questionnaire, question_id, level, na, comment, evidence)
    with write_transaction(db):
        assessment = get_assessment(db, assessment_id)
        check_questionnaire_matches(assessment, questionnaire)
        _check_respondent(db, assessment.id, respondent_id)
        key = [assessment.id, respondent_id, question_id]
        row = db.execute(
            "SELECT level, na, comment, evidence, updated_at FROM answers "
            "WHERE assessment_id = ? AND respondent_id = ? AND question_id = ?",
            key,
        ).fetchone()
        before = (
            EMPTY_ANSWER if row is None else AnswerValue(level=row[0], na=bool(row[1]), comment=row[2], evidence=row[3])
        )
        if before == value:
            return _stored(assessment.id, respondent_id, question_id, value, row[4] if row else None)
        now = now_text()
        new = [value.level, int(value.na), value.comment, value.evidence]
        if row is None:
            db.execute(
                "INSERT INTO answers (assessment_id, respondent_id, question_id, level, na, comment, evidence, "
                "updated_at) VALUES (?, ?, ?, ?, ?, ?, ?, ?)",
                [*key, *new, now],
            )
        else:
            db.execute(
                "UPDATE answers SET level = ?, na = ?, comment = ?, evidence = ?, updated_at = ? "
                "WHERE assessment_id = ? AND respondent_id = ? AND question_id = ?",
                [*new, now, *key],
            )
        db.execute(
            "INSERT INTO answer_history (assessment_id, respondent_id, question_id, old_level, old_na, "
            "old_comment, old_evidence, new_level, new_na, new_comment, new_evidence, changed_at) "
            "VALUES (?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?)",
            [*key, before.level, int(before.na), before.comment, before.evidence, *new, now],
        )
        return _stored(assessment.id, respondent_id, question_id, value, now)


def list_answers(db: Database, assessment_id: int, respondent_id: int | None = None) -> tuple[Answer, ...]:
    """Return an assessment's stored answers (cleared ones included), by respondent then question."""
    assessment = get_assessment(db, assessment_id)
    if respondent_id is None:
        rows = db.query(_SELECT + " WHERE assessment_id = ? ORDER BY respondent_id, question_id", [assessment.id])
    else:
        _check_respondent(db, assessment.id, respondent_id)
        rows = db.query(
            _SELECT + " WHERE assessment_id = ? AND respondent_id = ? ORDER BY question_id",
            [assessment.id, respondent_id],
        )
    return tuple(_answer(row) for row in rows)


def answer_history(db: Database, assessment_id: int, question_id: str | None = None) -> tuple[AnswerChange, ...]:
    """Return every recorded change to an assessment's answers, oldest first, optionally for one question."""
    assessment = get_assessment(db, assessment_id)
    if question_id is None:
        rows = db.query(_SELECT_HISTORY + " WHERE assessment_id = ? ORDER BY id", [assessment.id])
    else:
        rows = db.query(
            _SELECT_HISTORY + " WHERE assessment_id = ? AND question_id = ? ORDER BY id",
            [assessment.id, question_id],
        )
    return tuple(_change(row) for row in rows)
