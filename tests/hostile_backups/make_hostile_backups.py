"""Build the backups the restore tests use: one good backup, and hostile ones each made from it by one change.

Run from the repository root:  .venv/bin/python tests/hostile_backups/make_hostile_backups.py
It rewrites good.db and every hostile .db in this folder. Each hostile file is valid SQLite
that passes `PRAGMA integrity_check` (or fails it only on a CHECK constraint), so only the
restore's schema, link and value checks can refuse it. The files use 512-byte pages to stay small.
"""

from __future__ import annotations

import sqlite3
import sys
import tempfile
from datetime import date
from pathlib import Path
from typing import Final

HERE = Path(__file__).resolve().parent
REPO_ROOT = HERE.parent.parent
if str(REPO_ROOT) not in sys.path:
    sys.path.insert(0, str(REPO_ROOT))

from questionnaires.catalog import get_questionnaire  # noqa: E402
from storage import (  # noqa: E402
    add_respondent,
    backup_database,
    create_assessment,
    create_organisation,
    open_database,
    record_benchmark_import,
    save_answer,
    save_roadmap_item,
    set_consensus,
    set_target,
)

QUESTIONNAIRE_ID: Final = "itscm"
QUESTIONNAIRE_VERSION: Final = "2026.1"
GOOD: Final = "good.db"

# File name -> the SQL that turns the good backup into it. Foreign keys are not enforced while
# these run, and CHECK constraints are ignored, as an attacker editing the file would do.
HOSTILE: Final[dict[str, tuple[str, ...]]] = {
    "extra_delete_trigger.db": (
        "CREATE TRIGGER answers_vanish AFTER INSERT ON answers BEGIN DELETE FROM answers WHERE id = NEW.id; END",
    ),
    "extra_rewrite_trigger.db": (
        "CREATE TRIGGER answers_lower AFTER INSERT ON answers BEGIN UPDATE answers SET level = 1 WHERE id = NEW.id; END",
    ),
    "dropped_append_only_triggers.db": (
        "DROP TRIGGER answer_history_no_update",
        "DROP TRIGGER answer_history_no_delete",
    ),
    "missing_table.db": ("DROP TABLE targets",),
    "extra_view.db": ("CREATE VIEW answer_levels AS SELECT question_id, level FROM answers",),
    "extra_table.db": ("CREATE TABLE notes (text TEXT)",),
    "extra_index.db": ("CREATE INDEX answers_level ON answers (level)",),
    "broken_foreign_key.db": ("UPDATE answers SET respondent_id = 999 WHERE id = 1",),
    "level_99.db": ("UPDATE answers SET level = 99 WHERE id = 1",),
    "malformed_date.db": ("UPDATE assessments SET assessment_date = '31/03/2026' WHERE id = 1",),
    "bad_status.db": ("UPDATE assessments SET status = 'archived' WHERE id = 1",),
    "control_character_name.db": (
        "UPDATE organisations SET name = 'Northwind' || char(7) || ' Bank', name_key = 'northwind' || char(7) || ' bank'",
    ),
    "missing_questionnaire.db": ("UPDATE assessments SET questionnaire_id = 'retired-model'",),
    "interrupted_deletion.db": ("INSERT INTO deletions_in_progress (assessment_id) VALUES (1)",),
}


def shrink(path: Path) -> None:
    """Rewrite the database at `path` with 512-byte pages and a rollback journal, as small as it gets."""
    conn = sqlite3.connect(path)
    try:
        conn.execute("PRAGMA journal_mode = DELETE")
        conn.execute("PRAGMA page_size = 512")
        conn.execute("VACUUM")
    finally:
        conn.close()


def build_good(path: Path) -> None:
    """Write a small but complete backup: every table the app fills holds at least one row."""
    questionnaire = get_questionnaire(QUESTIONNAIRE_ID, QUESTIONNAIRE_VERSION)
    with tempfile.TemporaryDirectory() as folder:
        db = open_database(Path(folder) / "live.db")
        organisation = create_organisation(db, "Northwind Bank", "Financial services", "250-999 employees", "Europe")
        assessment = create_assessment(db, organisation.id, questionnaire, "FY2026", date(2026, 3, 31))
        ana = add_respondent(db, assessment.id, "Ana", "Continuity manager")
        ben = add_respondent(db, assessment.id, "Ben")
        first, second, third = (q.id for q in questionnaire.questions[:3])
        save_answer(db, questionnaire, assessment.id, ana.id, first, 2, comment="Plan exists.\nNot yet tested.")
        save_answer(db, questionnaire, assessment.id, ana.id, first, 3, evidence="BCP v3")
        save_answer(db, questionnaire, assessment.id, ana.id, second, 4)
        save_answer(db, questionnaire, assessment.id, ben.id, first, 1)
        save_answer(db, questionnaire, assessment.id, ben.id, third, 2)
        set_consensus(db, questionnaire, assessment.id, first, 2, note="Agreed in the workshop.", set_by="Ana")
        set_target(db, questionnaire, assessment.id, questionnaire.domains[0].id, 4)
        save_roadmap_item(
            db, questionnaire, assessment.id, first, 3, owner="Ben", due_date=date(2026, 9, 30), status="in_progress"
        )
        record_benchmark_import(db, "Peer survey 2025", 40)
        path.unlink(missing_ok=True)
        backup_database(db, path)
        db.close()
    shrink(path)


def build_hostile(good: Path, path: Path, statements: tuple[str, ...]) -> None:
    """Copy `good` to `path` and apply `statements` to the copy."""
    path.write_bytes(good.read_bytes())
    conn = sqlite3.connect(path, isolation_level=None)
    try:
        conn.execute("PRAGMA foreign_keys = OFF")
        conn.execute("PRAGMA ignore_check_constraints = ON")
        for statement in statements:
            conn.execute(statement)
    finally:
        conn.close()
    shrink(path)


def main() -> None:
    """Write good.db and every hostile file next to this script, and list them with their sizes."""
    good = HERE / GOOD
    build_good(good)
    print(f"{good.name}: {good.stat().st_size:,} bytes")
    for name, statements in HOSTILE.items():
        build_hostile(good, HERE / name, statements)
        print(f"{name}: {(HERE / name).stat().st_size:,} bytes")


if __name__ == "__main__":
    main()
