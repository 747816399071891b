"""Shared helpers for the storage tests: a small questionnaire, sample rows and writer processes."""

from __future__ import annotations

import itertools
import os
import subprocess
import sys
from datetime import date
from pathlib import Path
from typing import Any

from sqlite_utils import Database

from questionnaires.model import Questionnaire
from storage import create_assessment, create_organisation, get_or_create_respondent, open_database, save_answer
from storage.records import Assessment, Organisation

ON_POSTGRES = os.environ.get("ITSCM_TEST_ENGINE") == "postgresql"
"""This run of the suite is on PostgreSQL (see conftest.py)."""

REPO_ROOT = Path(__file__).resolve().parent.parent
TESTS_DIR = Path(__file__).resolve().parent

_STATEMENTS = {
    1: "Nothing is in place.",
    2: "Done by some teams, not consistently.",
    3: "One documented, owned approach across the organisation.",
    4: "Measured, tested and reported.",
    5: "Continually improved from evidence.",
}


def _question(question_id: str, domain: str, *, weight: int = 1, na_allowed: bool = False) -> dict[str, Any]:
    return {
        "id": question_id,
        "domain": domain,
        "text": f"Is practice {question_id} in place?",
        "guidance": "Look for evidence that the practice is applied.",
        "evidence": ["A document that shows it"],
        "weight": weight,
        "na_allowed": na_allowed,
        "levels": dict(_STATEMENTS),
        "actions": {level: {"action": f"Reach level {level}.", "effort": "S"} for level in range(2, 6)},
    }


def build_questionnaire(
    *, version: str = "1.0", extra_questions: int = 0, questionnaire_id: str = "storage-test"
) -> Questionnaire:
    """Return a questionnaire with domains GOV and BIA, four questions (BIA-02 allows N/A), levels 1-5.

    `extra_questions` adds questions GOV-101, GOV-102, ... for tests that need many distinct answers.
    """
    questions = [
        _question("GOV-01", "GOV", weight=3),
        _question("GOV-02", "GOV"),
        _question("BIA-01", "BIA", weight=2),
        _question("BIA-02", "BIA", na_allowed=True),
    ]
    questions += [_question(f"GOV-{100 + n}", "GOV") for n in range(1, extra_questions + 1)]
    return Questionnaire.model_validate(
        {
            "id": questionnaire_id,
            "version": version,
            "title": "Storage test questionnaire",
            "levels": [
                {"number": number, "name": f"Level {number}", "description": text}
                for number, text in _STATEMENTS.items()
            ],
            "domains": [
                {"id": "GOV", "name": "Governance", "weight": 1.0, "description": "Policy and roles."},
                {"id": "BIA", "name": "Business impact analysis", "weight": 2.0, "description": "Impacts."},
            ],
            "questions": questions,
        }
    )


def add_organisation(db: Database, name: str = "Northwind Bank", **attributes: Any) -> Organisation:
    """Store an organisation with valid defaults for the attributes not given."""
    values = {"industry": "Financial services", "size_band": "250-999 employees", "region": "Europe"}
    values.update(attributes)
    return create_organisation(db, name, **values)


def add_assessment(
    db: Database,
    questionnaire: Questionnaire,
    *,
    organisation_name: str = "Northwind Bank",
    label: str = "FY2026",
    assessment_date: date = date(2026, 3, 31),
) -> Assessment:
    """Store an organisation (or reuse it by name) and start an assessment for it."""
    existing = [row["id"] for row in db.query("SELECT id FROM organisations WHERE name = ?", [organisation_name])]
    organisation_id = existing[0] if existing else add_organisation(db, organisation_name).id
    return create_assessment(db, organisation_id, questionnaire, label, assessment_date)


def table_counts(db: Database) -> dict[str, int]:
    """Return the number of rows in every application table, to show that nothing was written."""
    return {name: db.table(name).count for name in db.table_names()}


def child_env() -> dict[str, str]:
    """Return the environment for a child Python process that imports the project and these helpers."""
    env = dict(os.environ)
    env["PYTHONPATH"] = os.pathsep.join([str(REPO_ROOT), str(TESTS_DIR)])
    return env


def start_child(function: str, *args: object, stdout: int | None = None) -> subprocess.Popen[bytes]:
    """Start `python -c` running one function of this module with repr-encoded arguments."""
    call = f"import storage_helpers; storage_helpers.{function}({', '.join(repr(a) for a in args)})"
    return subprocess.Popen([sys.executable, "-c", call], env=child_env(), stdout=stdout)


def write_distinct_answers(db_path: str, assessment_id: int, writer: int, count: int) -> None:
    """Child process: as respondent "Writer <n>", save `count` answers, one per question; print errors."""
    questionnaire = build_questionnaire(extra_questions=count)
    db = open_database(db_path)
    respondent = get_or_create_respondent(db, assessment_id, f"Writer {writer}")
    failures = 0
    for n in range(1, count + 1):
        try:
            save_answer(db, questionnaire, assessment_id, respondent.id, f"GOV-{100 + n}", (n + writer) % 5 + 1)
        except Exception as error:  # the parent counts every failure, whatever its kind
            failures += 1
            print(f"error: {error!r}", file=sys.stderr)
    db.close()
    sys.exit(1 if failures else 0)


def write_until_killed(db_path: str, assessment_id: int, round_number: int, ack_path: str, count: int) -> None:
    """Child process: save answers until killed, appending each to `ack_path` once committed.

    Answers go to respondents "Round <r> batch <b>", `count` questions each, so every save
    is a new answer. The first line of the file says the writer is ready; each following
    line is "respondent_id question_id level", written only after save_answer has returned.
    """
    questionnaire = build_questionnaire(extra_questions=count)
    db = open_database(db_path)
    with Path(ack_path).open("a", encoding="utf-8") as acks:
        acks.write("ready\n")
        acks.flush()
        for batch in itertools.count():
            respondent = get_or_create_respondent(db, assessment_id, f"Round {round_number} batch {batch}")
            for n in range(1, count + 1):
                level = (n + batch) % 5 + 1
                save_answer(db, questionnaire, assessment_id, respondent.id, f"GOV-{100 + n}", level)
                acks.write(f"{respondent.id} GOV-{100 + n} {level}\n")
                acks.flush()
