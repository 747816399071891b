"""Restore check benchmark: how long check_backup takes on the demo data and on a large installation.

Run from the repository root:  .venv/bin/python benchmarks/bench_restore_check.py
Prints figures only. Targets: the illustrative demo data checked in under 1 s; a backup of 2,000
assessments of 65 answers each (with their history) in under 5 s. The databases are temporary
files, never data/.
"""

from __future__ import annotations

import statistics
import sys
import tempfile
import time
from datetime import date
from pathlib import Path

REPO_ROOT = Path(__file__).resolve().parent.parent
if str(REPO_ROOT) not in sys.path:
    sys.path.insert(0, str(REPO_ROOT))

from sqlite_utils import Database  # noqa: E402

from demo.data import load_demo_data  # noqa: E402
from questionnaires.catalog import available_questionnaires  # noqa: E402
from questionnaires.model import Questionnaire  # noqa: E402
from storage import (  # noqa: E402
    AssessmentContent,
    backup_database,
    create_assessment,
    create_organisation,
    open_database,
    write_assessment_content,
    write_transaction,
)
from storage.choices import INDUSTRIES, REGIONS, SIZE_BANDS  # noqa: E402
from storage.content import RespondentContent  # noqa: E402
from storage.records import AnswerValue  # noqa: E402
from storage.restore import check_backup  # noqa: E402

LARGE_ASSESSMENTS = 2_000
ASSESSMENTS_PER_ORGANISATION = 4
RUNS = 3


def add_assessments(db: Database, questionnaire: Questionnaire, count: int) -> None:
    """Add `count` single-respondent assessments with every question answered, in one transaction."""
    questions = questionnaire.questions
    with write_transaction(db):
        organisation_id = 0
        for number in range(count):
            if number % ASSESSMENTS_PER_ORGANISATION == 0:
                organisation_id = create_organisation(
                    db,
                    f"Bench organisation {number // ASSESSMENTS_PER_ORGANISATION:04d}",
                    INDUSTRIES[number % len(INDUSTRIES)],
                    SIZE_BANDS[number % len(SIZE_BANDS)],
                    REGIONS[number % len(REGIONS)],
                ).id
            year = 2020 + number % ASSESSMENTS_PER_ORGANISATION
            assessment = create_assessment(db, organisation_id, questionnaire, f"FY{year}", date(year, 3, 31))
            answers = {
                question.id: AnswerValue(
                    level=1 + (index * 7 + number * 3) % 5,
                    na=False,
                    # Text differs from row to row, with line breaks, as real comments do.
                    comment=f"Workshop {number}: the owner showed the plan.\nReview {index}." if index % 5 == 0 else "",
                    evidence=f"BCP v{number % 7}, exercise report {2020 + index % 6}" if index % 3 == 0 else "",
                )
                for index, question in enumerate(questions)
            }
            content = AssessmentContent(
                respondents=(RespondentContent("Continuity manager", "ITSCM lead", answers),),
                targets={domain.id: 3 for domain in questionnaire.domains},
                completed=number % 2 == 0,
            )
            write_assessment_content(db, questionnaire, assessment.id, content)


def time_check(path: Path, runs: int = RUNS) -> tuple[float, float, float]:
    """Return the median and slowest wall-clock time and the median CPU time of check_backup(path), in seconds."""
    walls, cpus = [], []
    for _ in range(runs):
        wall, cpu = time.perf_counter(), time.process_time()
        check_backup(path)
        walls.append(time.perf_counter() - wall)
        cpus.append(time.process_time() - cpu)
    return statistics.median(walls), max(walls), statistics.median(cpus)


def report(label: str, path: Path, floor: str) -> None:
    """Check the backup at `path` and print what it holds, its size and the time taken against `floor`."""
    checked = check_backup(path)
    median, slowest, cpu = time_check(path)
    print(
        f"  {label}: {checked.organisations:,} organisations, {checked.assessments:,} assessments, "
        f"{checked.answers:,} answers, {path.stat().st_size / 1_000_000:.1f} MB"
    )
    # CPU time is shown too: on a shared machine the wall-clock time includes waiting for a core.
    print(f"    check_backup: {median:.2f} s (slowest {slowest:.2f} s, CPU {cpu:.2f} s; target {floor})")


def main() -> None:
    """Build both backups in a temporary folder and time their check."""
    questionnaire = available_questionnaires()[0]
    print(f"Restore check (questionnaire {questionnaire.id} {questionnaire.version}, median of {RUNS} runs):")
    with tempfile.TemporaryDirectory() as folder:
        root = Path(folder)
        db = open_database(root / "demo-live.db")
        load_demo_data(db, questionnaire)
        backup_database(db, root / "demo.db")
        db.close()
        report("illustrative demo data", root / "demo.db", "< 1 s")

        db = open_database(root / "large-live.db")
        add_assessments(db, questionnaire, LARGE_ASSESSMENTS)
        backup_database(db, root / "large.db")
        db.close()
        report(
            f"{LARGE_ASSESSMENTS:,} assessments x {len(questionnaire.questions)} answers", root / "large.db", "< 5 s"
        )


if __name__ == "__main__":
    main()
