"""Versioned schema migrations, numbered and recorded in PRAGMA user_version."""

from __future__ import annotations

import secrets
from collections.abc import Callable
from dataclasses import dataclass
from typing import Final

from sqlite_utils import Database

from storage.engines import is_postgres
from storage.errors import SchemaTooNewError
from storage.transactions import write_transaction

_V1_STATEMENTS: Final[tuple[str, ...]] = (
    """
    CREATE TABLE organisations (
        id INTEGER PRIMARY KEY,
        name TEXT NOT NULL,
        name_key TEXT NOT NULL UNIQUE,
        industry TEXT NOT NULL,
        size_band TEXT NOT NULL,
        region TEXT NOT NULL,
        illustrative INTEGER NOT NULL DEFAULT 0 CHECK (illustrative IN (0, 1)),
        created_at TEXT NOT NULL
    )
    """,
    """
    CREATE TABLE assessments (
        id INTEGER PRIMARY KEY,
        organisation_id INTEGER NOT NULL REFERENCES organisations (id),
        questionnaire_id TEXT NOT NULL,
        questionnaire_version TEXT NOT NULL,
        label TEXT NOT NULL,
        assessment_date TEXT NOT NULL,
        status TEXT NOT NULL DEFAULT 'in_progress' CHECK (status IN ('in_progress', 'completed')),
        created_at TEXT NOT NULL,
        completed_at TEXT,
        UNIQUE (organisation_id, label)
    )
    """,
    "CREATE INDEX assessments_questionnaire ON assessments (questionnaire_id, status)",
    """
    CREATE TABLE respondents (
        id INTEGER PRIMARY KEY,
        assessment_id INTEGER NOT NULL REFERENCES assessments (id),
        name TEXT NOT NULL,
        name_key TEXT NOT NULL,
        role TEXT NOT NULL DEFAULT '',
        created_at TEXT NOT NULL,
        UNIQUE (assessment_id, name_key),
        UNIQUE (id, assessment_id)
    )
    """,
    # The compound foreign key keeps every answer's respondent inside the answer's assessment.
    """
    CREATE TABLE answers (
        id INTEGER PRIMARY KEY,
        assessment_id INTEGER NOT NULL REFERENCES assessments (id),
        respondent_id INTEGER NOT NULL,
        question_id TEXT NOT NULL,
        level INTEGER,
        na INTEGER NOT NULL DEFAULT 0 CHECK (na IN (0, 1)),
        comment TEXT NOT NULL DEFAULT '',
        evidence TEXT NOT NULL DEFAULT '',
        updated_at TEXT NOT NULL,
        CHECK (na = 0 OR level IS NULL),
        UNIQUE (assessment_id, respondent_id, question_id),
        FOREIGN KEY (respondent_id, assessment_id) REFERENCES respondents (id, assessment_id)
    )
    """,
    """
    CREATE TABLE answer_history (
        id INTEGER PRIMARY KEY,
        assessment_id INTEGER NOT NULL REFERENCES assessments (id),
        respondent_id INTEGER NOT NULL,
        question_id TEXT NOT NULL,
        old_level INTEGER,
        old_na INTEGER NOT NULL CHECK (old_na IN (0, 1)),
        old_comment TEXT NOT NULL,
        old_evidence TEXT NOT NULL,
        new_level INTEGER,
        new_na INTEGER NOT NULL CHECK (new_na IN (0, 1)),
        new_comment TEXT NOT NULL,
        new_evidence TEXT NOT NULL,
        changed_at TEXT NOT NULL,
        FOREIGN KEY (respondent_id, assessment_id) REFERENCES respondents (id, assessment_id)
    )
    """,
    "CREATE INDEX answer_history_question ON answer_history (assessment_id, question_id)",
    # History is the record that nothing was lost: the database itself refuses to change it.
    """
    CREATE TRIGGER answer_history_no_update BEFORE UPDATE ON answer_history
    BEGIN SELECT RAISE(ABORT, 'answer_history is append-only'); END
    """,
    """
    CREATE TRIGGER answer_history_no_delete BEFORE DELETE ON answer_history
    BEGIN SELECT RAISE(ABORT, 'answer_history is append-only'); END
    """,
    """
    CREATE TABLE consensus (
        id INTEGER PRIMARY KEY,
        assessment_id INTEGER NOT NULL REFERENCES assessments (id),
        question_id TEXT NOT NULL,
        level INTEGER,
        na INTEGER NOT NULL DEFAULT 0 CHECK (na IN (0, 1)),
        note TEXT NOT NULL DEFAULT '',
        set_by TEXT NOT NULL DEFAULT '',
        updated_at TEXT NOT NULL,
        CHECK ((na = 1) <> (level IS NOT NULL)),
        UNIQUE (assessment_id, question_id)
    )
    """,
    """
    CREATE TABLE targets (
        id INTEGER PRIMARY KEY,
        assessment_id INTEGER NOT NULL REFERENCES assessments (id),
        domain_id TEXT NOT NULL,
        level INTEGER NOT NULL,
        updated_at TEXT NOT NULL,
        UNIQUE (assessment_id, domain_id)
    )
    """,
    """
    CREATE TABLE roadmap_items (
        id INTEGER PRIMARY KEY,
        assessment_id INTEGER NOT NULL REFERENCES assessments (id),
        question_id TEXT NOT NULL,
        to_level INTEGER NOT NULL,
        owner TEXT NOT NULL DEFAULT '',
        due_date TEXT,
        status TEXT NOT NULL DEFAULT 'planned'
            CHECK (status IN ('planned', 'in_progress', 'done', 'dropped')),
        updated_at TEXT NOT NULL,
        UNIQUE (assessment_id, question_id, to_level)
    )
    """,
    """
    CREATE TABLE benchmark_imports (
        id INTEGER PRIMARY KEY,
        source TEXT NOT NULL,
        imported_at TEXT NOT NULL,
        row_count INTEGER NOT NULL CHECK (row_count >= 0)
    )
    """,
)


def _create_tables(db: Database) -> None:
    for statement in _V1_STATEMENTS:
        db.execute(statement)


_V2_STATEMENTS: Final[tuple[str, ...]] = (
    # A save that lost a race (the field changed elsewhere since the page loaded) is not applied,
    # but what the user tried to write is kept in the history with applied = 0.
    "ALTER TABLE answer_history ADD COLUMN applied INTEGER NOT NULL DEFAULT 1 CHECK (applied IN (0, 1))",
    # Installation-wide values such as the key that signs offline questionnaires.
    """
    CREATE TABLE settings (
        name TEXT PRIMARY KEY,
        value TEXT NOT NULL
    )
    """,
    # Deleting an assessment is the one time its history may go: the assessment is listed here for
    # the length of the deleting transaction, and the trigger lets only those rows be deleted.
    """
    CREATE TABLE deletions_in_progress (
        assessment_id INTEGER PRIMARY KEY
    )
    """,
    "DROP TRIGGER answer_history_no_delete",
    """
    CREATE TRIGGER answer_history_no_delete BEFORE DELETE ON answer_history
    WHEN NOT EXISTS (SELECT 1 FROM deletions_in_progress WHERE assessment_id = OLD.assessment_id)
    BEGIN SELECT RAISE(ABORT, 'answer_history is append-only'); END
    """,
)


def _conflicts_settings_and_deletions(db: Database) -> None:
    for statement in _V2_STATEMENTS:
        db.execute(statement)


_V3_STATEMENTS: Final[tuple[str, ...]] = (
    # People who sign in (shared mode), known by the e-mail address their identity provider gives.
    """
    CREATE TABLE users (
        id INTEGER PRIMARY KEY,
        email TEXT NOT NULL,
        email_key TEXT NOT NULL UNIQUE,
        role TEXT NOT NULL CHECK (role IN ('administrator', 'consultant', 'viewer')),
        active INTEGER NOT NULL DEFAULT 1 CHECK (active IN (0, 1)),
        created_at TEXT NOT NULL
    )
    """,
    # The organisations a consultant or viewer may work on.
    """
    CREATE TABLE user_organisations (
        user_id INTEGER NOT NULL REFERENCES users (id),
        organisation_id INTEGER NOT NULL REFERENCES organisations (id),
        PRIMARY KEY (user_id, organisation_id)
    )
    """,
    # A participant link opens one respondent's questionnaire of one assessment. Only the token's
    # SHA-256 is kept, so a copy of the database does not hand out working links.
    """
    CREATE TABLE participant_links (
        id INTEGER PRIMARY KEY,
        token_hash TEXT NOT NULL UNIQUE,
        assessment_id INTEGER NOT NULL REFERENCES assessments (id),
        respondent_id INTEGER NOT NULL,
        domains TEXT NOT NULL DEFAULT '',
        created_by TEXT NOT NULL,
        created_at TEXT NOT NULL,
        expires_at TEXT NOT NULL,
        revoked_at TEXT,
        FOREIGN KEY (respondent_id, assessment_id) REFERENCES respondents (id, assessment_id)
    )
    """,
    "CREATE INDEX participant_links_assessment ON participant_links (assessment_id)",
    # Who did what and when: sign-ins, links, role changes, exports, restores, deletions. The
    # organisation is a plain number, not a reference, so the record outlives a deleted organisation.
    """
    CREATE TABLE audit_log (
        id INTEGER PRIMARY KEY,
        at TEXT NOT NULL,
        actor TEXT NOT NULL,
        action TEXT NOT NULL,
        organisation_id INTEGER,
        detail TEXT NOT NULL DEFAULT ''
    )
    """,
    """
    CREATE TRIGGER audit_log_no_update BEFORE UPDATE ON audit_log
    BEGIN SELECT RAISE(ABORT, 'audit_log is append-only'); END
    """,
    """
    CREATE TRIGGER audit_log_no_delete BEFORE DELETE ON audit_log
    BEGIN SELECT RAISE(ABORT, 'audit_log is append-only'); END
    """,
)


def _users_links_and_audit(db: Database) -> None:
    for statement in _V3_STATEMENTS:
        db.execute(statement)


_V4_STATEMENTS: Final[tuple[str, ...]] = (
    # A facilitator's choice of how the room answers; an assessment without a row is self-paced.
    """
    CREATE TABLE workshops (
        assessment_id INTEGER PRIMARY KEY REFERENCES assessments (id),
        mode TEXT NOT NULL CHECK (mode IN ('self_paced', 'facilitated')),
        set_by TEXT NOT NULL,
        updated_at TEXT NOT NULL
    )
    """,
    # The questions put to the room, one row per question: its round (a new round clears the votes,
    # which the answer history keeps), whether the votes are shown, and whether it is still open.
    """
    CREATE TABLE workshop_items (
        id INTEGER PRIMARY KEY,
        assessment_id INTEGER NOT NULL REFERENCES assessments (id),
        question_id TEXT NOT NULL,
        status TEXT NOT NULL CHECK (status IN ('open', 'closed')),
        round INTEGER NOT NULL CHECK (round >= 1),
        revealed INTEGER NOT NULL DEFAULT 0 CHECK (revealed IN (0, 1)),
        opened_by TEXT NOT NULL,
        opened_at TEXT NOT NULL,
        round_started_at TEXT NOT NULL,
        closed_at TEXT,
        CHECK ((status = 'open') = (closed_at IS NULL)),
        UNIQUE (assessment_id, question_id)
    )
    """,
    # One open question per assessment, held by the database itself: two facilitators (or two
    # app processes) opening questions at once cannot leave the room with two.
    "CREATE UNIQUE INDEX workshop_items_one_open ON workshop_items (assessment_id) WHERE status = 'open'",
)


def _workshops(db: Database) -> None:
    for statement in _V4_STATEMENTS:
        db.execute(statement)


_V5_STATEMENTS: Final[tuple[str, ...]] = (
    # A domain that answers its own way, overriding the assessment's (workshops.mode); no row: as the assessment.
    """
    CREATE TABLE workshop_domain_modes (
        assessment_id INTEGER NOT NULL REFERENCES assessments (id),
        domain_id TEXT NOT NULL,
        mode TEXT NOT NULL CHECK (mode IN ('self_paced', 'facilitated')),
        set_by TEXT NOT NULL,
        updated_at TEXT NOT NULL,
        PRIMARY KEY (assessment_id, domain_id)
    )
    """,
    # The domains put to the room whole, one row per domain: every question answered with hidden votes,
    # revealed at once, then discussed question by question. A new round of the domain clears its votes.
    """
    CREATE TABLE workshop_domains (
        id INTEGER PRIMARY KEY,
        assessment_id INTEGER NOT NULL REFERENCES assessments (id),
        domain_id TEXT NOT NULL,
        status TEXT NOT NULL CHECK (status IN ('open', 'closed')),
        round INTEGER NOT NULL CHECK (round >= 1),
        revealed INTEGER NOT NULL DEFAULT 0 CHECK (revealed IN (0, 1)),
        opened_by TEXT NOT NULL,
        opened_at TEXT NOT NULL,
        round_started_at TEXT NOT NULL,
        closed_at TEXT,
        CHECK ((status = 'open') = (closed_at IS NULL)),
        UNIQUE (assessment_id, domain_id)
    )
    """,
    "CREATE UNIQUE INDEX workshop_domains_one_open ON workshop_domains (assessment_id) WHERE status = 'open'",
    # A question of the open domain the room votes on again after the reveal: its own round, hidden until the
    # facilitator reveals again. Rows live while their domain is open.
    """
    CREATE TABLE workshop_domain_rounds (
        assessment_id INTEGER NOT NULL REFERENCES assessments (id),
        domain_id TEXT NOT NULL,
        question_id TEXT NOT NULL,
        round INTEGER NOT NULL CHECK (round >= 2),
        revealed INTEGER NOT NULL DEFAULT 0 CHECK (revealed IN (0, 1)),
        round_started_at TEXT NOT NULL,
        PRIMARY KEY (assessment_id, question_id),
        FOREIGN KEY (assessment_id, domain_id) REFERENCES workshop_domains (assessment_id, domain_id)
    )
    """,
    # One thing open per assessment, a question or a domain, held by the database itself (each table's partial
    # unique index keeps one of its own kind; these triggers keep the two kinds apart).
    """
    CREATE TRIGGER workshop_items_not_beside_a_domain BEFORE INSERT ON workshop_items
    WHEN NEW.status = 'open'
        AND EXISTS (SELECT 1 FROM workshop_domains WHERE assessment_id = NEW.assessment_id AND status = 'open')
    BEGIN SELECT RAISE(ABORT, 'a domain of this assessment is open: close it before opening a question'); END
    """,
    """
    CREATE TRIGGER workshop_items_reopen_not_beside_a_domain BEFORE UPDATE OF status ON workshop_items
    WHEN NEW.status = 'open'
        AND EXISTS (SELECT 1 FROM workshop_domains WHERE assessment_id = NEW.assessment_id AND status = 'open')
    BEGIN SELECT RAISE(ABORT, 'a domain of this assessment is open: close it before opening a question'); END
    """,
    """
    CREATE TRIGGER workshop_domains_not_beside_a_question BEFORE INSERT ON workshop_domains
    WHEN NEW.status = 'open'
        AND EXISTS (SELECT 1 FROM workshop_items WHERE assessment_id = NEW.assessment_id AND status = 'open')
    BEGIN SELECT RAISE(ABORT, 'a question of this assessment is open: close it before opening a domain'); END
    """,
    """
    CREATE TRIGGER workshop_domains_reopen_not_beside_a_question BEFORE UPDATE OF status ON workshop_domains
    WHEN NEW.status = 'open'
        AND EXISTS (SELECT 1 FROM workshop_items WHERE assessment_id = NEW.assessment_id AND status = 'open')
    BEGIN SELECT RAISE(ABORT, 'a question of this assessment is open: close it before opening a domain'); END
    """,
)


def _workshop_domains(db: Database) -> None:
    for statement in _V5_STATEMENTS:
        db.execute(statement)


_V6_STATEMENTS: Final[tuple[str, ...]] = (
    # The hash of a pack's rows: the same pack imported twice would count its peers twice.
    """
    CREATE TABLE benchmark_packs (
        import_id INTEGER PRIMARY KEY REFERENCES benchmark_imports (id) ON DELETE CASCADE,
        content_hash TEXT NOT NULL UNIQUE
    )
    """,
    """
    CREATE TABLE benchmark_pack_rows (
        id INTEGER PRIMARY KEY,
        import_id INTEGER NOT NULL REFERENCES benchmark_packs (import_id) ON DELETE CASCADE,
        row_number INTEGER NOT NULL CHECK (row_number >= 2),
        questionnaire_id TEXT NOT NULL,
        industry TEXT NOT NULL,
        size_band TEXT NOT NULL,
        region TEXT NOT NULL,
        year INTEGER NOT NULL,
        score_id TEXT NOT NULL,
        score REAL NOT NULL,
        UNIQUE (import_id, row_number, score_id)
    )
    """,
    "CREATE INDEX benchmark_pack_rows_questionnaire ON benchmark_pack_rows (questionnaire_id)",
)


def _benchmark_packs(db: Database) -> None:
    for statement in _V6_STATEMENTS:
        db.execute(statement)


_V7_STATEMENTS: Final[tuple[str, ...]] = (
    # An organisation's service register. Names are unique per organisation ignoring case (name_key);
    # (id, organisation_id) is unique so dependencies and exercise results can stay inside the organisation.
    """
    CREATE TABLE services (
        id INTEGER PRIMARY KEY,
        organisation_id INTEGER NOT NULL REFERENCES organisations (id),
        position INTEGER NOT NULL CHECK (position >= 0),
        name TEXT NOT NULL,
        name_key TEXT NOT NULL,
        owner TEXT NOT NULL DEFAULT '',
        tier TEXT NOT NULL CHECK (tier IN ('critical', 'important', 'standard')),
        mtpd_hours REAL NOT NULL CHECK (mtpd_hours >= 0),
        rto_hours REAL NOT NULL CHECK (rto_hours >= 0),
        rpo_hours REAL NOT NULL CHECK (rpo_hours >= 0),
        downtime_cost_per_hour REAL CHECK (downtime_cost_per_hour IS NULL OR downtime_cost_per_hour >= 0),
        currency TEXT NOT NULL DEFAULT '',
        bia_reviewed_on TEXT,
        CHECK (rto_hours <= mtpd_hours),
        UNIQUE (organisation_id, name_key),
        UNIQUE (id, organisation_id)
    )
    """,
    # The compound foreign keys keep a dependency between two services of the same organisation.
    """
    CREATE TABLE service_dependencies (
        service_id INTEGER NOT NULL,
        depends_on_id INTEGER NOT NULL,
        organisation_id INTEGER NOT NULL REFERENCES organisations (id),
        position INTEGER NOT NULL CHECK (position >= 0),
        CHECK (service_id <> depends_on_id),
        PRIMARY KEY (service_id, depends_on_id),
        FOREIGN KEY (service_id, organisation_id) REFERENCES services (id, organisation_id),
        FOREIGN KEY (depends_on_id, organisation_id) REFERENCES services (id, organisation_id)
    )
    """,
    "CREATE INDEX service_dependencies_organisation ON service_dependencies (organisation_id)",
    """
    CREATE TABLE service_providers (
        service_id INTEGER NOT NULL REFERENCES services (id),
        position INTEGER NOT NULL CHECK (position >= 0),
        provider TEXT NOT NULL,
        provider_key TEXT NOT NULL,
        PRIMARY KEY (service_id, position),
        UNIQUE (service_id, provider_key)
    )
    """,
    # The exercise and incident log: exercises, what each showed per service, and what each found.
    """
    CREATE TABLE exercises (
        id INTEGER PRIMARY KEY,
        organisation_id INTEGER NOT NULL REFERENCES organisations (id),
        position INTEGER NOT NULL CHECK (position >= 0),
        day TEXT NOT NULL,
        kind TEXT NOT NULL CHECK (kind IN ('walk-through', 'tabletop', 'simulation', 'technical recovery test',
            'failover', 'full-scale exercise', 'real incident')),
        title TEXT NOT NULL,
        participants TEXT NOT NULL DEFAULT '',
        UNIQUE (id, organisation_id)
    )
    """,
    "CREATE INDEX exercises_organisation ON exercises (organisation_id)",
    """
    CREATE TABLE exercise_results (
        exercise_id INTEGER NOT NULL,
        service_id INTEGER NOT NULL,
        organisation_id INTEGER NOT NULL REFERENCES organisations (id),
        position INTEGER NOT NULL CHECK (position >= 0),
        recovery_hours REAL CHECK (recovery_hours IS NULL OR recovery_hours >= 0),
        data_loss_hours REAL CHECK (data_loss_hours IS NULL OR data_loss_hours >= 0),
        PRIMARY KEY (exercise_id, service_id),
        FOREIGN KEY (exercise_id, organisation_id) REFERENCES exercises (id, organisation_id),
        FOREIGN KEY (service_id, organisation_id) REFERENCES services (id, organisation_id)
    )
    """,
    "CREATE INDEX exercise_results_service ON exercise_results (service_id)",
    """
    CREATE TABLE exercise_findings (
        id INTEGER PRIMARY KEY,
        exercise_id INTEGER NOT NULL REFERENCES exercises (id),
        position INTEGER NOT NULL CHECK (position >= 0),
        text TEXT NOT NULL,
        owner TEXT NOT NULL DEFAULT '',
        due TEXT,
        status TEXT NOT NULL CHECK (status IN ('open', 'in progress', 'closed'))
    )
    """,
    "CREATE INDEX exercise_findings_exercise ON exercise_findings (exercise_id)",
)


def _service_register_and_exercise_log(db: Database) -> None:
    for statement in _V7_STATEMENTS:
        db.execute(statement)


_V8_STATEMENTS: Final[tuple[str, ...]] = (
    # A finding's id, kept across saves, exports and imports of the log (storage.evidence._with_keys), unique
    # within its organisation's log. Rows saved before it get one each when the migration runs.
    "ALTER TABLE exercise_findings ADD COLUMN finding_key TEXT NOT NULL DEFAULT ''",
    "CREATE INDEX exercise_findings_key ON exercise_findings (finding_key)",
    # A finding of the log turned into a roadmap step of one assessment of the same organisation. The finding is
    # named by its id, not referenced, so the step outlives the finding's removal from the log and says so; one
    # step per finding. `step` is the finding as it read when planned.
    """
    CREATE TABLE finding_roadmap_items (
        id INTEGER PRIMARY KEY,
        organisation_id INTEGER NOT NULL REFERENCES organisations (id),
        assessment_id INTEGER NOT NULL REFERENCES assessments (id),
        finding_key TEXT NOT NULL,
        step TEXT NOT NULL,
        owner TEXT NOT NULL DEFAULT '',
        due_date TEXT,
        status TEXT NOT NULL DEFAULT 'planned' CHECK (status IN ('planned', 'in_progress', 'done', 'dropped')),
        created_by TEXT NOT NULL,
        created_at TEXT NOT NULL,
        updated_at TEXT NOT NULL,
        UNIQUE (organisation_id, finding_key)
    )
    """,
    "CREATE INDEX finding_roadmap_items_assessment ON finding_roadmap_items (assessment_id)",
    # The assessment must be one of the finding's organisation: one organisation's findings never reach another's.
    """
    CREATE TRIGGER finding_roadmap_items_same_organisation BEFORE INSERT ON finding_roadmap_items
    WHEN (SELECT organisation_id FROM assessments WHERE id = NEW.assessment_id) IS NOT NEW.organisation_id
    BEGIN SELECT RAISE(ABORT, 'a finding becomes a step of an assessment of its own organisation only'); END
    """,
    """
    CREATE TRIGGER finding_roadmap_items_stay_in_organisation
    BEFORE UPDATE OF organisation_id, assessment_id ON finding_roadmap_items
    WHEN (SELECT organisation_id FROM assessments WHERE id = NEW.assessment_id) IS NOT NEW.organisation_id
    BEGIN SELECT RAISE(ABORT, 'a finding becomes a step of an assessment of its own organisation only'); END
    """,
)


def _finding_ids_and_roadmap_items(db: Database) -> None:
    for statement in _V8_STATEMENTS:
        db.execute(statement)
    ids = [int(row[0]) for row in db.execute("SELECT id FROM exercise_findings ORDER BY id").fetchall()]
    for finding_id in ids:
        db.execute("UPDATE exercise_findings SET finding_key = ? WHERE id = ?", [secrets.token_hex(6), finding_id])


_V9_STATEMENTS: Final[tuple[str, ...]] = (
    # One row per kind of long job (export, import, restore) while one runs, so that several app processes
    # sharing the database run one of each kind at a time. `holder` is the running job's random token;
    # a row whose `expires_at` has passed belongs to a job that died and may be taken over.
    """
    CREATE TABLE job_locks (
        kind TEXT PRIMARY KEY,
        holder TEXT NOT NULL,
        acquired_at TEXT NOT NULL,
        expires_at TEXT NOT NULL
    )
    """,
)


def _job_locks(db: Database) -> None:
    for statement in _V9_STATEMENTS:
        db.execute(statement)


_V10_STATEMENTS: Final[tuple[str, ...]] = (
    # The day the evidence behind an answer was produced or last reviewed (YYYY-MM-DD), so that
    # evidence older than the questionnaire's validity period can be flagged as stale.
    "ALTER TABLE answers ADD COLUMN evidence_date TEXT",
    "ALTER TABLE answer_history ADD COLUMN old_evidence_date TEXT",
    "ALTER TABLE answer_history ADD COLUMN new_evidence_date TEXT",
)


def _evidence_dates(db: Database) -> None:
    for statement in _V10_STATEMENTS:
        db.execute(statement)


@dataclass(frozen=True)
class Migration:
    """One numbered step of the schema; `apply` runs inside the migration's write transaction."""

    number: int
    description: str
    apply: Callable[[Database], None]


# Append new steps with the next number; never edit or renumber a step that has shipped.
MIGRATIONS: Final[tuple[Migration, ...]] = (
    Migration(1, "create the organisation, assessment, answer and planning tables", _create_tables),
    Migration(
        2,
        "keep refused concurrent saves in the history, add settings, allow deleting a whole assessment",
        _conflicts_settings_and_deletions,
    ),
    Migration(3, "add users and their organisations, participant links and the audit log", _users_links_and_audit),
    Migration(4, "add workshops: the mode and the questions put to the room, one open at a time", _workshops),
    Migration(
        5,
        "add workshop modes per domain and domains put to the room whole, one question or domain open at a time",
        _workshop_domains,
    ),
    Migration(
        6,
        "add benchmark packs: imported anonymised scores, and the hash that keeps a pack from counting twice",
        _benchmark_packs,
    ),
    Migration(
        7,
        "add the service register (objectives, dependencies, providers) and the exercise and incident log",
        _service_register_and_exercise_log,
    ),
    Migration(
        8,
        "give exercise findings lasting ids, and let a finding become a roadmap step of an assessment",
        _finding_ids_and_roadmap_items,
    ),
    Migration(9, "add job locks: one long job of each kind at a time across every app process", _job_locks),
    Migration(10, "add the date of each answer's evidence, kept in the answer history too", _evidence_dates),
)
LATEST_VERSION: Final = MIGRATIONS[-1].number


def schema_version(db: Database) -> int:
    """Return the number of the last migration applied to `db` (0 for a new database)."""
    if is_postgres(db):
        return db.schema_version()  # type: ignore[attr-defined]
    return int(db.execute("PRAGMA user_version").fetchone()[0])


def _set_schema_version(db: Database, number: int) -> None:
    if is_postgres(db):
        db.set_schema_version(number)  # type: ignore[attr-defined]
        return
    # PRAGMA takes no bound parameters; the number is an int from MIGRATIONS.
    db.execute(f"PRAGMA user_version = {int(number)}")


def _refuse_newer(version: int) -> None:
    if version > LATEST_VERSION:
        raise SchemaTooNewError(
            f"The database is at schema version {version} but this app knows only up to "
            f"{LATEST_VERSION}; upgrade the app, or set ITSCM_DB to another database file."
        )


def migrate(db: Database) -> int:
    """Apply every pending migration in one write transaction and return how many were applied.

    Two processes may start at once: the version is read again after the write lock is
    taken, so the second one finds the work done and applies nothing.
    """
    _refuse_newer(schema_version(db))
    if schema_version(db) == LATEST_VERSION:
        return 0
    with write_transaction(db):
        version = schema_version(db)
        _refuse_newer(version)
        pending = [migration for migration in MIGRATIONS if migration.number > version]
        for migration in pending:
            migration.apply(db)
            _set_schema_version(db, migration.number)
    return len(pending)
