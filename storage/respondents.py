"""Respondents: the people answering an assessment, each name once per assessment."""

from __future__ import annotations

from typing import Any

from sqlite_utils import Database

from storage.assessments import get_assessment
from storage.choices import MAX_PERSON_NAME, MAX_ROLE
from storage.errors import NotFoundError, RespondentError
from storage.records import Respondent
from storage.timestamps import now_text, to_datetime
from storage.transactions import write_transaction
from storage.validation import check_id, clean_name, name_key

_SELECT = "SELECT id, assessment_id, name, role, created_at FROM respondents"


def _respondent(row: dict[str, Any]) -> Respondent:
    return Respondent(
        id=row["id"],
        assessment_id=row["assessment_id"],
        name=row["name"],
        role=row["role"],
        created_at=to_datetime(row["created_at"]),
    )


def _clean(name: str, role: str) -> tuple[str, str]:
    clean = clean_name(name, field="Respondent name", max_length=MAX_PERSON_NAME, error=RespondentError)
    clean_role = clean_name(role, field="Respondent role", max_length=MAX_ROLE, error=RespondentError, required=False)
    return clean, clean_role


def _find(db: Database, assessment_id: int, name: str) -> Respondent | None:
    rows = list(db.query(_SELECT + " WHERE assessment_id = ? AND name_key = ?", [assessment_id, name_key(name)]))
    return _respondent(rows[0]) if rows else None


def _insert(db: Database, assessment_id: int, name: str, role: str) -> Respondent:
    table = db.table("respondents")
    table.insert(
        {
            "assessment_id": assessment_id,
            "name": name,
            "name_key": name_key(name),
            "role": role,
            "created_at": now_text(),
        }
    )
    return get_respondent(db, int(table.last_pk))


def add_respondent(db: Database, assessment_id: int, name: str, role: str = "") -> Respondent:
    """Add a respondent to an assessment; a name already used there (ignoring case) is refused."""
    clean, clean_role = _clean(name, role)
    with write_transaction(db):
        assessment = get_assessment(db, assessment_id)
        existing = _find(db, assessment.id, clean)
        if existing is not None:
            raise RespondentError(
                f"Assessment '{assessment.label}' already has a respondent named '{existing.name}'; "
                "add a surname or initial to tell them apart, or continue as that respondent."
            )
        return _insert(db, assessment.id, clean, clean_role)


def get_or_create_respondent(db: Database, assessment_id: int, name: str, role: str = "") -> Respondent:
    """Return the assessment's respondent with this name (ignoring case), adding them if new.

    An existing respondent keeps the role they were added with.
    """
    clean, clean_role = _clean(name, role)
    with write_transaction(db):
        assessment = get_assessment(db, assessment_id)
        existing = _find(db, assessment.id, clean)
        if existing is not None:
            return existing
        return _insert(db, assessment.id, clean, clean_role)


def get_respondent(db: Database, respondent_id: int) -> Respondent:
    """Return the respondent with this id, or raise NotFoundError."""
    check_id(respondent_id, what="respondent")
    rows = list(db.query(_SELECT + " WHERE id = ?", [respondent_id]))
    if not rows:
        raise NotFoundError(f"No respondent with id {respondent_id}; pick one from the assessment's respondents.")
    return _respondent(rows[0])


def list_respondents(db: Database, assessment_id: int) -> tuple[Respondent, ...]:
    """Return an assessment's respondents in the order they joined."""
    get_assessment(db, assessment_id)
    rows = db.query(_SELECT + " WHERE assessment_id = ? ORDER BY id", [assessment_id])
    return tuple(_respondent(row) for row in rows)
