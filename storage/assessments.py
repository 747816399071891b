"""Assessments: one organisation answering one questionnaire version, e.g. FY2026."""

from __future__ import annotations

from datetime import date, timedelta
from typing import Any

from sqlite_utils import Database

from questionnaires.model import Questionnaire
from storage.choices import ASSESSMENT_STATUSES, EARLIEST_ASSESSMENT_DATE, MAX_DAYS_AHEAD, MAX_LABEL, AssessmentStatus
from storage.errors import AssessmentError, NotFoundError
from storage.organisations import get_organisation
from storage.records import Assessment
from storage.timestamps import now_text, to_date, to_datetime, to_optional_datetime
from storage.transactions import write_transaction
from storage.validation import check_choice, check_date, check_id, clean_name

_SELECT = (
    "SELECT id, organisation_id, questionnaire_id, questionnaire_version, label, assessment_date, "
    "status, created_at, completed_at FROM assessments"
)


def _assessment(row: dict[str, Any]) -> Assessment:
    return Assessment(
        id=row["id"],
        organisation_id=row["organisation_id"],
        questionnaire_id=row["questionnaire_id"],
        questionnaire_version=row["questionnaire_version"],
        label=row["label"],
        assessment_date=to_date(row["assessment_date"]),
        status=row["status"],
        created_at=to_datetime(row["created_at"]),
        completed_at=to_optional_datetime(row["completed_at"]),
    )


def check_assessment_date(value: object) -> date:
    """Return an assessment date after checking it is a date within the allowed range."""
    day = check_date(value, field="Assessment date", error=AssessmentError)
    latest = date.today() + timedelta(days=MAX_DAYS_AHEAD)
    if not EARLIEST_ASSESSMENT_DATE <= day <= latest:
        raise AssessmentError(
            f"Assessment date {day:%Y-%m-%d} is outside the allowed range {EARLIEST_ASSESSMENT_DATE:%Y-%m-%d} "
            f"to {latest:%Y-%m-%d} (at most a year ahead); enter the date the assessment takes place."
        )
    return day


def create_assessment(
    db: Database,
    organisation_id: int,
    questionnaire: Questionnaire,
    label: str,
    assessment_date: date,
) -> Assessment:
    """Start an assessment of an organisation against `questionnaire` (its id and version are kept)."""
    clean_label = clean_name(label, field="Assessment label", max_length=MAX_LABEL, error=AssessmentError)
    day = check_assessment_date(assessment_date)
    if not isinstance(questionnaire, Questionnaire):
        raise AssessmentError(f"questionnaire must be a loaded Questionnaire, not {type(questionnaire).__name__}.")
    with write_transaction(db):
        organisation = get_organisation(db, organisation_id)
        clash = db.execute(
            "SELECT 1 FROM assessments WHERE organisation_id = ? AND label = ?",
            [organisation.id, clean_label],
        ).fetchone()
        if clash is not None:
            raise AssessmentError(
                f"{organisation.name} already has an assessment labelled '{clean_label}'; "
                "choose another label (for example FY2027), or open the existing one."
            )
        table = db.table("assessments")
        table.insert(
            {
                "organisation_id": organisation.id,
                "questionnaire_id": questionnaire.id,
                "questionnaire_version": questionnaire.version,
                "label": clean_label,
                "assessment_date": day.isoformat(),
                "status": "in_progress",
                "created_at": now_text(),
                "completed_at": None,
            }
        )
        return get_assessment(db, int(table.last_pk))


def get_assessment(db: Database, assessment_id: int) -> Assessment:
    """Return the assessment with this id, or raise NotFoundError."""
    check_id(assessment_id, what="assessment")
    rows = list(db.query(_SELECT + " WHERE id = ?", [assessment_id]))
    if not rows:
        raise NotFoundError(f"No assessment with id {assessment_id}; pick one from the list of assessments.")
    return _assessment(rows[0])


def list_assessments(db: Database, organisation_id: int | None = None) -> tuple[Assessment, ...]:
    """Return assessments oldest first (by date, then creation), of one organisation or of all."""
    if organisation_id is None:
        rows = db.query(_SELECT + " ORDER BY assessment_date, id")
    else:
        get_organisation(db, organisation_id)
        rows = db.query(_SELECT + " WHERE organisation_id = ? ORDER BY assessment_date, id", [organisation_id])
    return tuple(_assessment(row) for row in rows)


def set_assessment_status(db: Database, assessment_id: int, status: AssessmentStatus) -> Assessment:
    """Mark an assessment completed (recording when) or reopen it; setting the current status changes nothing."""
    check_choice(status, ASSESSMENT_STATUSES, field="Assessment status", error=AssessmentError)
    with write_transaction(db):
        assessment = get_assessment(db, assessment_id)
        if assessment.status == status:
            return assessment
        completed_at = now_text() if status == "completed" else None
        db.execute(
            "UPDATE assessments SET status = ?, completed_at = ? WHERE id = ?",
            [status, completed_at, assessment.id],
        )
        return get_assessment(db, assessment.id)
