"""Answers: one per assessment, respondent and question, with an append-only history of changes."""

from __future__ import annotations

from datetime import date
from typing import Any

from sqlite_utils import Database

from questionnaires.model import Questionnaire
from storage.assessments import get_assessment
from storage.errors import NotFoundError
from storage.records import (
    ANSWER_FIELDS,
    EMPTY_ANSWER,
    Answer,
    AnswerChange,
    AnswerSave,
    AnswerValue,
    FieldConflict,
    field_of,
    with_field,
)
from storage.timestamps import now_text, to_datetime, to_optional_date, to_optional_datetime
from storage.transactions import write_transaction
from storage.validation import check_answer_value, check_id, check_questionnaire_matches

_SELECT = (
    "SELECT assessment_id, respondent_id, question_id, level, na, comment, evidence, evidence_date, updated_at "
    "FROM answers"
)
_SELECT_HISTORY = (
    "SELECT id, assessment_id, respondent_id, question_id, old_level, old_na, old_comment, old_evidence, "
    "old_evidence_date, new_level, new_na, new_comment, new_evidence, new_evidence_date, changed_at, applied "
    "FROM answer_history"
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
        evidence_date=to_optional_date(row["evidence_date"]),
        updated_at=to_optional_datetime(row["updated_at"]),
    )


def _change(row: dict[str, Any]) -> AnswerChange:
    return AnswerChange(
        id=row["id"],
        assessment_id=row["assessment_id"],
        respondent_id=row["respondent_id"],
        question_id=row["question_id"],
        before=AnswerValue(
            level=row["old_level"],
            na=bool(row["old_na"]),
            comment=row["old_comment"],
            evidence=row["old_evidence"],
            evidence_date=to_optional_date(row["old_evidence_date"]),
        ),
        after=AnswerValue(
            level=row["new_level"],
            na=bool(row["new_na"]),
            comment=row["new_comment"],
            evidence=row["new_evidence"],
            evidence_date=to_optional_date(row["new_evidence_date"]),
        ),
        changed_at=to_datetime(row["changed_at"]),
        applied=bool(row["applied"]),
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
        evidence_date=value.evidence_date,
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


def _stored_value(db: Database, key: list[object]) -> tuple[AnswerValue, str | None]:
    row = db.execute(
        "SELECT level, na, comment, evidence, evidence_date, updated_at FROM answers "
        "WHERE assessment_id = ? AND respondent_id = ? AND question_id = ?",
        key,
    ).fetchone()
    if row is None:
        return EMPTY_ANSWER, None
    value = AnswerValue(
        level=row[0], na=bool(row[1]), comment=row[2], evidence=row[3], evidence_date=to_optional_date(row[4])
    )
    return value, row[5]


def _columns(value: AnswerValue) -> list[object]:
    day = None if value.evidence_date is None else value.evidence_date.isoformat()
    return [value.level, int(value.na), value.comment, value.evidence, day]


def _record(db: Database, key: list[object], before: AnswerValue, after: AnswerValue, now: str, applied: bool) -> None:
    db.execute(
        "INSERT INTO answer_history (assessment_id, respondent_id, question_id, old_level, old_na, "
        "old_comment, old_evidence, old_evidence_date, new_level, new_na, new_comment, new_evidence, "
        "new_evidence_date, changed_at, applied) VALUES (?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?)",
        [*key, *_columns(before), *_columns(after), now, int(applied)],
    )


def _write(db: Database, key: list[object], before: AnswerValue, value: AnswerValue, exists: bool) -> str:
    """Store `value` as the answer and append the change to the history; return the time written."""
    now = now_text()
    if not exists:
        db.execute(
            "INSERT INTO answers (assessment_id, respondent_id, question_id, level, na, comment, evidence, "
            "evidence_date, updated_at) VALUES (?, ?, ?, ?, ?, ?, ?, ?, ?)",
            [*key, *_columns(value), now],
        )
    else:
        db.execute(
            "UPDATE answers SET level = ?, na = ?, comment = ?, evidence = ?, evidence_date = ?, updated_at = ? "
            "WHERE assessment_id = ? AND respondent_id = ? AND question_id = ?",
            [*_columns(value), now, *key],
        )
    _record(db, key, before, value, now, applied=True)
    return now


def _start(db: Database, questionnaire: Questionnaire, assessment_id: int, respondent_id: int) -> int:
    assessment = get_assessment(db, assessment_id)
    check_questionnaire_matches(assessment, questionnaire)
    _check_respondent(db, assessment.id, respondent_id)
    return assessment.id


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
    evidence_date: date | None = None,
) -> Answer:
    """Save one respondent's whole answer to one question and return it as stored.

    For imports and scripts that set every field. `level` None with `na` False clears the
    answer. Saving the values already stored changes nothing and adds no history; any other
    save updates the answer and appends the previous and new values to the history, in one
    transaction. Text is stored exactly as given. Invalid input raises before anything is
    written. A page where someone edits one field uses `update_answer` instead.
    """
    value = check_answer_value(questionnaire, question_id, level, na, comment, evidence, evidence_date=evidence_date)
    with write_transaction(db):
        found = _start(db, questionnaire, assessment_id, respondent_id)
        key = [found, respondent_id, question_id]
        before, updated_at = _stored_value(db, key)
        if before == value:
            return _stored(found, respondent_id, question_id, value, updated_at)
        now = _write(db, key, before, value, exists=updated_at is not None)
        return _stored(found, respondent_id, question_id, value, now)


def update_answer(
    db: Database,
    questionnaire: Questionnaire,
    assessment_id: int,
    respondent_id: int,
    question_id: str,
    base: AnswerValue,
    edited: AnswerValue,
) -> AnswerSave:
    """Save only the fields a user changed, never undoing a change made elsewhere meanwhile.

    `base` is the answer as the user's page last saw it and `edited` the same answer with the
    user's change. Each field that differs between them (the choice of level or N/A, the
    comment, the evidence, the evidence's date) is written only if it is still stored as in `base`. A field that
    someone else changed since is left as stored and returned as a conflict, and the refused
    value is kept in the history (applied = False) so nothing the user entered is lost.
    Fields the user did not touch are never written.
    """
    value = check_answer_value(
        questionnaire,
        question_id,
        edited.level,
        edited.na,
        edited.comment,
        edited.evidence,
        evidence_date=edited.evidence_date,
    )
    changed = [f for f in ANSWER_FIELDS if field_of(base, f) != field_of(value, f)]
    with write_transaction(db):
        found = _start(db, questionnaire, assessment_id, respondent_id)
        key = [found, respondent_id, question_id]
        stored, updated_at = _stored_value(db, key)
        result = stored
        conflicts = []
        for field in changed:
            if field_of(stored, field) == field_of(base, field):
                result = with_field(result, field, value)
            elif field_of(stored, field) != field_of(value, field):
                conflicts.append(FieldConflict(field=field, stored=stored, attempted=value))
        if result != stored:
            updated_at = _write(db, key, stored, result, exists=updated_at is not None)
        for conflict in conflicts:
            _record(db, key, result, with_field(result, conflict.field, value), now_text(), applied=False)
        return AnswerSave(
            answer=_stored(found, respondent_id, question_id, result, updated_at),
            conflicts=tuple(FieldConflict(c.field, result, c.attempted) for c in conflicts),
        )


def get_answer(db: Database, assessment_id: int, respondent_id: int, question_id: str) -> Answer | None:
    """Return one respondent's stored answer to one question, or None when none was ever saved."""
    rows = list(
        db.query(
            _SELECT + " WHERE assessment_id = ? AND respondent_id = ? AND question_id = ?",
            [assessment_id, respondent_id, question_id],
        )
    )
    return _answer(rows[0]) if rows else None


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
