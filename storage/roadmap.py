"""Roadmap items: the improvement steps an organisation commits to, with owner, due date and status."""

from __future__ import annotations

from datetime import date
from enum import Enum
from typing import Any, Final, Literal

from sqlite_utils import Database

from questionnaires.model import Questionnaire
from storage.assessments import get_assessment
from storage.choices import MAX_OWNER, ROADMAP_STATUSES, RoadmapStatus
from storage.errors import RoadmapItemError
from storage.records import RoadmapItem
from storage.timestamps import now_text, to_datetime, to_optional_date
from storage.transactions import write_transaction
from storage.validation import (
    check_choice,
    check_date,
    check_level,
    check_question,
    check_questionnaire_matches,
    clean_name,
)


class _Unchanged(Enum):
    """The type of UNCHANGED."""

    UNCHANGED = "unchanged"


UNCHANGED: Final = _Unchanged.UNCHANGED
"""Given for a field of save_roadmap_item: keep what is stored (for a new item: the default)."""
Unchanged = Literal[_Unchanged.UNCHANGED]

_NEW_ITEM: Final = ("", None, "planned")
"""Owner, due date and status of an item that was never saved."""

_SELECT = "SELECT id, assessment_id, question_id, to_level, owner, due_date, status, updated_at FROM roadmap_items"


def checked_plan_fields(
    owner: str | Unchanged, due_date: date | str | Unchanged | None, status: RoadmapStatus | Unchanged
) -> tuple[str | Unchanged, date | Unchanged | None]:
    """Check the owner, due date and status given for a roadmap step; return the owner and date as stored.

    Raises RoadmapItemError naming the field; a field given as UNCHANGED is passed through.
    """
    clean_owner = (
        owner
        if owner is UNCHANGED
        else clean_name(owner, field="Roadmap owner", max_length=MAX_OWNER, error=RoadmapItemError, required=False)
    )
    due = (
        due_date
        if due_date is UNCHANGED or due_date is None
        else check_date(due_date, field="Due date", error=RoadmapItemError)
    )
    if status is not UNCHANGED:
        check_choice(status, ROADMAP_STATUSES, field="Roadmap status", error=RoadmapItemError)
    return clean_owner, due


def _item(row: dict[str, Any]) -> RoadmapItem:
    return RoadmapItem(
        id=row["id"],
        assessment_id=row["assessment_id"],
        question_id=row["question_id"],
        to_level=row["to_level"],
        owner=row["owner"],
        due_date=to_optional_date(row["due_date"]),
        status=row["status"],
        updated_at=to_datetime(row["updated_at"]),
    )


def _get(db: Database, assessment_id: int, question_id: str, to_level: int) -> RoadmapItem | None:
    rows = list(
        db.query(
            _SELECT + " WHERE assessment_id = ? AND question_id = ? AND to_level = ?",
            [assessment_id, question_id, to_level],
        )
    )
    return _item(rows[0]) if rows else None


def save_roadmap_item(
    db: Database,
    questionnaire: Questionnaire,
    assessment_id: int,
    question_id: str,
    to_level: int,
    *,
    owner: str | Unchanged = UNCHANGED,
    due_date: date | str | Unchanged | None = UNCHANGED,
    status: RoadmapStatus | Unchanged = UNCHANGED,
) -> RoadmapItem:
    """Create or update the step that brings a question up to `to_level`; the same values again change nothing.

    Only the fields given are written; the others keep what is stored (a new item starts with no
    owner, no due date and "planned"), so two people changing different fields never undo each other.
    """
    question = check_question(questionnaire, question_id, error=RoadmapItemError)
    check_level(questionnaire, to_level, field=f"Roadmap step for {question.id}", error=RoadmapItemError)
    if to_level == questionnaire.min_level:
        raise RoadmapItemError(
            f"Roadmap step for {question.id}: level {to_level} is the bottom of the scale, so no step "
            "leads to it; choose a higher level."
        )
    clean_owner, due = checked_plan_fields(owner, due_date, status)
    with write_transaction(db):
        assessment = get_assessment(db, assessment_id)
        check_questionnaire_matches(assessment, questionnaire)
        current = _get(db, assessment.id, question.id, to_level)
        # Read inside the write transaction, so a field another session has just saved is kept.
        stored_owner, stored_due, stored_status = (
            _NEW_ITEM if current is None else (current.owner, current.due_date, current.status)
        )
        wanted = (
            stored_owner if clean_owner is UNCHANGED else clean_owner,
            stored_due if due is UNCHANGED else due,
            stored_status if status is UNCHANGED else status,
        )
        if current is not None and wanted == (stored_owner, stored_due, stored_status):
            return current
        values = [wanted[0], None if wanted[1] is None else wanted[1].isoformat(), wanted[2], now_text()]
        key = [assessment.id, question.id, to_level]
        if current is None:
            db.execute(
                "INSERT INTO roadmap_items (owner, due_date, status, updated_at, assessment_id, question_id, "
                "to_level) VALUES (?, ?, ?, ?, ?, ?, ?)",
                [*values, *key],
            )
        else:
            db.execute(
                "UPDATE roadmap_items SET owner = ?, due_date = ?, status = ?, updated_at = ? "
                "WHERE assessment_id = ? AND question_id = ? AND to_level = ?",
                [*values, *key],
            )
        saved = _get(db, *key)
        assert saved is not None
        return saved


def list_roadmap_items(db: Database, assessment_id: int) -> tuple[RoadmapItem, ...]:
    """Return an assessment's roadmap items by question id, then level."""
    assessment = get_assessment(db, assessment_id)
    rows = db.query(_SELECT + " WHERE assessment_id = ? ORDER BY question_id, to_level", [assessment.id])
    return tuple(_item(row) for row in rows)
