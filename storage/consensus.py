"""Consensus: the answer a facilitator agrees for a question when several people answered."""

from __future__ import annotations

from typing import Any

from sqlite_utils import Database

from questionnaires.model import Questionnaire
from storage.assessments import get_assessment
from storage.choices import MAX_PERSON_NAME
from storage.errors import AnswerError
from storage.records import Consensus
from storage.timestamps import now_text, to_datetime
from storage.transactions import write_transaction
from storage.validation import check_answer_value, check_questionnaire_matches, clean_name

_SELECT = "SELECT assessment_id, question_id, level, na, note, set_by, updated_at FROM consensus"


def _consensus(row: dict[str, Any]) -> Consensus:
    return Consensus(
        assessment_id=row["assessment_id"],
        question_id=row["question_id"],
        level=row["level"],
        na=bool(row["na"]),
        note=row["note"],
        set_by=row["set_by"],
        updated_at=to_datetime(row["updated_at"]),
    )


def _get(db: Database, assessment_id: int, question_id: str) -> Consensus | None:
    rows = list(db.query(_SELECT + " WHERE assessment_id = ? AND question_id = ?", [assessment_id, question_id]))
    return _consensus(rows[0]) if rows else None


def set_consensus(
    db: Database,
    questionnaire: Questionnaire,
    assessment_id: int,
    question_id: str,
    level: int | None,
    na: bool = False,
    note: str = "",
    set_by: str = "",
) -> Consensus:
    """Record the agreed level (or N/A) for a question and return it; the same values again change nothing."""
    value = check_answer_value(questionnaire, question_id, level, na, note, "", what="Consensus", comment_field="note")
    if not value.is_answered:
        raise AnswerError(
            f"Consensus to {question_id}: give a level or N/A; to remove an agreed answer use clear_consensus."
        )
    facilitator = clean_name(
        set_by, field="Consensus set by", max_length=MAX_PERSON_NAME, error=AnswerError, required=False
    )
    with write_transaction(db):
        assessment = get_assessment(db, assessment_id)
        check_questionnaire_matches(assessment, questionnaire)
        current = _get(db, assessment.id, question_id)
        if current is not None and (current.level, current.na, current.note, current.set_by) == (
            value.level,
            value.na,
            value.comment,
            facilitator,
        ):
            return current
        values = [value.level, int(value.na), value.comment, facilitator, now_text()]
        if current is None:
            db.execute(
                "INSERT INTO consensus (level, na, note, set_by, updated_at, assessment_id, question_id) "
                "VALUES (?, ?, ?, ?, ?, ?, ?)",
                [*values, assessment.id, question_id],
            )
        else:
            db.execute(
                "UPDATE consensus SET level = ?, na = ?, note = ?, set_by = ?, updated_at = ? "
                "WHERE assessment_id = ? AND question_id = ?",
                [*values, assessment.id, question_id],
            )
        stored = _get(db, assessment.id, question_id)
        assert stored is not None
        return stored


def clear_consensus(db: Database, assessment_id: int, question_id: str) -> bool:
    """Remove the agreed answer for a question; return whether there was one."""
    with write_transaction(db):
        assessment = get_assessment(db, assessment_id)
        cursor = db.execute(
            "DELETE FROM consensus WHERE assessment_id = ? AND question_id = ?", [assessment.id, question_id]
        )
        return cursor.rowcount > 0


def list_consensus(db: Database, assessment_id: int) -> tuple[Consensus, ...]:
    """Return an assessment's agreed answers by question id."""
    assessment = get_assessment(db, assessment_id)
    rows = db.query(_SELECT + " WHERE assessment_id = ? ORDER BY question_id", [assessment.id])
    return tuple(_consensus(row) for row in rows)
