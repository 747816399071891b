"""Renaming and deleting organisations, assessments and respondents.

A deletion first takes a backup of the whole database beside it (in `backups/`), so that what
was deleted can be brought back with a restore; it then removes everything that belonged to
what goes (answers and their history included) in one transaction.
"""

from __future__ import annotations

from collections.abc import Sequence
from dataclasses import dataclass
from datetime import UTC, datetime
from pathlib import Path

from sqlite_utils import Database

from storage.assessments import get_assessment
from storage.backup import backup_database, database_file
from storage.business_case import delete_assumptions
from storage.choices import MAX_LABEL, MAX_ORGANISATION_NAME, MAX_PERSON_NAME
from storage.errors import AssessmentError, OrganisationError, RespondentError
from storage.evidence import count_evidence, delete_evidence
from storage.organisations import get_organisation
from storage.records import Assessment, Organisation, Respondent
from storage.respondents import get_respondent
from storage.transactions import write_transaction
from storage.validation import clean_name, name_key

# Tables holding an assessment's content, children before parents.
_ASSESSMENT_TABLES = (
    "answer_history",
    "answers",
    "consensus",
    "targets",
    "roadmap_items",
    "finding_roadmap_items",
    "participant_links",
    "workshop_items",
    "workshop_domain_rounds",
    "workshop_domains",
    "workshop_domain_modes",
    "workshops",
    "respondents",
)


@dataclass(frozen=True)
class DeletionPreview:
    """What a deletion would remove, to name in the confirmation."""

    organisations: int
    assessments: int
    respondents: int
    answers: int
    services: int = 0  # of the organisation's service register
    exercises: int = 0  # of its exercise and incident log

    def describe(self) -> str:
        """One sentence listing what goes, e.g. '2 assessments, 3 respondents and 130 answers'."""
        parts = [
            f"{count} {noun if count == 1 else noun + 's'}"
            for count, noun in (
                (self.organisations, "organisation"),
                (self.assessments, "assessment"),
                (self.respondents, "respondent"),
                (self.answers, "answer"),
                (self.services, "service"),
                (self.exercises, "exercise"),
            )
            if count or noun == "answer"
        ]
        return ", ".join(parts[:-1]) + f" and {parts[-1]}" if len(parts) > 1 else parts[0]


@dataclass(frozen=True)
class Deletion:
    """The outcome of a deletion: what went, and the backup that can bring it back."""

    removed: DeletionPreview
    backup: Path | None


def _count(db: Database, sql: str, ids: list[int]) -> int:
    if not ids:
        return 0
    marks = ", ".join("?" for _ in ids)
    return int(db.execute(sql.format(marks=marks), ids).fetchone()[0])


def _preview(
    db: Database, organisations: int, assessment_ids: list[int], organisation_ids: Sequence[int] = ()
) -> DeletionPreview:
    services, exercises = count_evidence(db, organisation_ids)
    return DeletionPreview(
        services=services,
        exercises=exercises,
        organisations=organisations,
        assessments=len(assessment_ids),
        respondents=_count(db, "SELECT count(*) FROM respondents WHERE assessment_id IN ({marks})", assessment_ids),
        answers=_count(
            db,
            "SELECT count(*) FROM answers WHERE assessment_id IN ({marks}) AND (level IS NOT NULL OR na = 1)",
            assessment_ids,
        ),
    )


def _assessment_ids(db: Database, organisation_id: int) -> list[int]:
    rows = db.execute("SELECT id FROM assessments WHERE organisation_id = ? ORDER BY id", [organisation_id])
    return [int(row[0]) for row in rows.fetchall()]


def preview_assessment_deletion(db: Database, assessment_id: int) -> DeletionPreview:
    """Count what deleting this assessment would remove."""
    return _preview(db, 0, [get_assessment(db, assessment_id).id])


def preview_organisation_deletion(db: Database, organisation_id: int) -> DeletionPreview:
    """Count what deleting this organisation (and all its assessments) would remove."""
    organisation = get_organisation(db, organisation_id)
    return _preview(db, 1, _assessment_ids(db, organisation.id), [organisation.id])


def deletions_backed_up(db: Database) -> bool:
    """Whether a deletion first backs the database up to a file (SQLite; not PostgreSQL or a database in memory)."""
    return database_file(db) is not None


def backup_before(db: Database, reason: str) -> Path | None:
    """Back up the database into `backups/` beside it, named for `reason`; None for a database in memory."""
    live = database_file(db)
    if live is None:
        return None
    stamp = datetime.now(UTC).strftime("%Y%m%d-%H%M%S-%f")
    return backup_database(db, live.parent / "backups" / f"{live.stem}-before-{reason}-{stamp}.db")


def _remove_assessments(db: Database, assessment_ids: list[int]) -> None:
    for assessment_id in assessment_ids:
        # The history's delete trigger lets rows go only for an assessment listed here.
        db.execute("INSERT INTO deletions_in_progress (assessment_id) VALUES (?)", [assessment_id])
        for table in _ASSESSMENT_TABLES:
            db.execute(f"DELETE FROM {table} WHERE assessment_id = ?", [assessment_id])  # noqa: S608 - fixed names
        db.execute("DELETE FROM assessments WHERE id = ?", [assessment_id])
        db.execute("DELETE FROM deletions_in_progress WHERE assessment_id = ?", [assessment_id])


def delete_assessment(db: Database, assessment_id: int, *, backup: bool = True) -> Deletion:
    """Delete an assessment with its respondents, answers, history, consensus, targets and roadmap.

    With `backup` (the default) the whole database is backed up first, so a restore undoes it.
    """
    assessment = get_assessment(db, assessment_id)
    copy = backup_before(db, f"deleting-assessment-{assessment.id}") if backup else None
    with write_transaction(db):
        removed = _preview(db, 0, [get_assessment(db, assessment.id).id])
        _remove_assessments(db, [assessment.id])
    return Deletion(removed=removed, backup=copy)


def delete_organisation(db: Database, organisation_id: int, *, backup: bool = True) -> Deletion:
    """Delete an organisation with every assessment, its register, its log and its business-case assumptions; back up first."""
    organisation = get_organisation(db, organisation_id)
    copy = backup_before(db, f"deleting-organisation-{organisation.id}") if backup else None
    with write_transaction(db):
        ids = _assessment_ids(db, get_organisation(db, organisation.id).id)
        removed = _preview(db, 1, ids, [organisation.id])
        _remove_assessments(db, ids)
        delete_evidence(db, organisation.id)
        delete_assumptions(db, organisation.id)
        db.execute("DELETE FROM user_organisations WHERE organisation_id = ?", [organisation.id])
        db.execute("DELETE FROM organisations WHERE id = ?", [organisation.id])
    return Deletion(removed=removed, backup=copy)


def rename_organisation(db: Database, organisation_id: int, name: str) -> Organisation:
    """Give an organisation a new name; names stay unique (ignoring case)."""
    clean = clean_name(name, field="Organisation name", max_length=MAX_ORGANISATION_NAME, error=OrganisationError)
    with write_transaction(db):
        organisation = get_organisation(db, organisation_id)
        clash = db.execute(
            "SELECT name FROM organisations WHERE name_key = ? AND id <> ?", [name_key(clean), organisation.id]
        ).fetchone()
        if clash is not None:
            raise OrganisationError(f"An organisation named '{clash[0]}' already exists; choose another name.")
        db.execute(
            "UPDATE organisations SET name = ?, name_key = ? WHERE id = ?", [clean, name_key(clean), organisation.id]
        )
        return get_organisation(db, organisation.id)


def rename_assessment(db: Database, assessment_id: int, label: str) -> Assessment:
    """Give an assessment a new label; labels stay unique within the organisation."""
    clean = clean_name(label, field="Assessment label", max_length=MAX_LABEL, error=AssessmentError)
    with write_transaction(db):
        assessment = get_assessment(db, assessment_id)
        clash = db.execute(
            "SELECT 1 FROM assessments WHERE organisation_id = ? AND label = ? AND id <> ?",
            [assessment.organisation_id, clean, assessment.id],
        ).fetchone()
        if clash is not None:
            raise AssessmentError(
                f"This organisation already has an assessment labelled '{clean}'; choose another label."
            )
        db.execute("UPDATE assessments SET label = ? WHERE id = ?", [clean, assessment.id])
        return get_assessment(db, assessment.id)


def rename_respondent(db: Database, respondent_id: int, name: str) -> Respondent:
    """Give a respondent a new name; names stay unique within the assessment (ignoring case)."""
    clean = clean_name(name, field="Respondent name", max_length=MAX_PERSON_NAME, error=RespondentError)
    with write_transaction(db):
        respondent = get_respondent(db, respondent_id)
        clash = db.execute(
            "SELECT name FROM respondents WHERE assessment_id = ? AND name_key = ? AND id <> ?",
            [respondent.assessment_id, name_key(clean), respondent.id],
        ).fetchone()
        if clash is not None:
            raise RespondentError(f"This assessment already has a respondent named '{clash[0]}'; choose another name.")
        db.execute(
            "UPDATE respondents SET name = ?, name_key = ? WHERE id = ?", [clean, name_key(clean), respondent.id]
        )
        return get_respondent(db, respondent.id)
