"""Targets: the level an organisation aims for in each domain of an assessment."""

from __future__ import annotations

from sqlite_utils import Database

from questionnaires.model import Questionnaire
from storage.assessments import get_assessment
from storage.errors import TargetError
from storage.records import Target
from storage.timestamps import now_text, to_datetime
from storage.transactions import write_transaction
from storage.validation import check_level, check_questionnaire_matches

_SELECT = "SELECT assessment_id, domain_id, level, updated_at FROM targets"


def set_target(db: Database, questionnaire: Questionnaire, assessment_id: int, domain_id: str, level: int) -> Target:
    """Set the target level of one domain and return it; the same level again changes nothing."""
    domain_ids = [domain.id for domain in questionnaire.domains]
    if domain_id not in domain_ids:
        raise TargetError(
            f"Domain {domain_id!r} is not in questionnaire '{questionnaire.id}'; use one of {', '.join(domain_ids)}."
        )
    check_level(questionnaire, level, field=f"Target for {domain_id}", error=TargetError)
    with write_transaction(db):
        assessment = get_assessment(db, assessment_id)
        check_questionnaire_matches(assessment, questionnaire)
        key = [assessment.id, domain_id]
        row = db.execute(_SELECT + " WHERE assessment_id = ? AND domain_id = ?", key).fetchone()
        if row is not None and row[2] == level:
            return Target(assessment_id=row[0], domain_id=row[1], level=row[2], updated_at=to_datetime(row[3]))
        now = now_text()
        if row is None:
            db.execute(
                "INSERT INTO targets (level, updated_at, assessment_id, domain_id) VALUES (?, ?, ?, ?)",
                [level, now, *key],
            )
        else:
            db.execute(
                "UPDATE targets SET level = ?, updated_at = ? WHERE assessment_id = ? AND domain_id = ?",
                [level, now, *key],
            )
        return Target(assessment_id=assessment.id, domain_id=domain_id, level=level, updated_at=to_datetime(now))


def list_targets(db: Database, assessment_id: int) -> dict[str, int]:
    """Return the target level per domain id; domains never set are absent (the questionnaire default applies)."""
    assessment = get_assessment(db, assessment_id)
    rows = db.query("SELECT domain_id, level FROM targets WHERE assessment_id = ? ORDER BY domain_id", [assessment.id])
    return {row["domain_id"]: row["level"] for row in rows}
