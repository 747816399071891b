"""Import benchmark: how long the largest accepted JSON import and the demo data load hold the write lock.

Run from the repository root:  .venv/bin/python benchmarks/bench_imports.py
Prints figures only. Floor: each holds SQLite's write lock for < 1 s, far inside the 10 s busy wait
after which anyone else's save fails. The lock is timed from the outermost BEGIN IMMEDIATE until
the call returns (COMMIT and its fsync included); checking the document happens before and is
shown separately. Each figure is a fresh database file (WAL, synchronous=FULL), never data/.
"""

from __future__ import annotations

import json
import statistics
import sys
import tempfile
import time
from collections.abc import Callable
from pathlib import Path
from typing import Any

REPO_ROOT = Path(__file__).resolve().parent.parent
if str(REPO_ROOT) not in sys.path:
    sys.path.insert(0, str(REPO_ROOT))

from sqlite_utils import Database  # noqa: E402 - needs the path set above

from benchmarks.bench_storage import build_questionnaire  # noqa: E402
from demo.data import load_demo_data  # noqa: E402
from exports.json_io import (  # noqa: E402
    MAX_IMPORT_ANSWERS,
    MAX_IMPORT_BYTES,
    MAX_IMPORT_RESPONDENTS,
    AssessmentImportError,
    import_assessment,
)
from questionnaires.catalog import get_questionnaire  # noqa: E402
from questionnaires.model import Questionnaire  # noqa: E402
from storage import open_database  # noqa: E402

RUNS = 5
FLOOR_SECONDS = 1.0
NOTE = "Checked against the policy and the last test report; owner agreed. "
# The document that held the lock for 17 s before the limits: 1,200 respondents in about 20 MB.
ATTACK_RESPONDENTS = 1_200
ATTACK_BYTES = 19_800_000


def document(questionnaire: Questionnaire, respondents: int, answers_each: int, size: int) -> bytes:
    """Return a JSON assessment document of `respondents` people answering `answers_each` questions, padded to `size` bytes.

    The padding is spread over the answers' comments and evidence, as long workshop notes would be.
    """
    questions = questionnaire.questions[:answers_each]

    def build(note: str) -> bytes:
        data = {
            "format": "itscm-assessment",
            "format_version": 1,
            "questionnaire": {"id": questionnaire.id, "version": questionnaire.version},
            "organisation": {
                "name": "Bench Import Ltd",
                "industry": "Technology",
                "size_band": "5,000 employees and more",
                "region": "Europe",
            },
            "assessment": {"label": "FY2026", "assessment_date": "2026-03-31", "status": "completed"},
            "respondents": [
                {
                    "name": f"Respondent {number:04d}",
                    "role": "Workshop participant",
                    "answers": [
                        {"question_id": q.id, "level": 1 + (number + index) % 5, "comment": note, "evidence": note}
                        for index, q in enumerate(questions)
                    ],
                }
                for number in range(respondents)
            ],
        }
        return json.dumps(data).encode("utf-8")

    per_field = max(0, (size - len(build(""))) // (2 * respondents * len(questions)))
    return build((NOTE * (per_field // len(NOTE) + 1))[:per_field])


def timed(db: Database, action: Callable[[], Any]) -> tuple[float, float | None]:
    """Run `action` and return its seconds in all and from its first BEGIN IMMEDIATE to its return (None if never)."""
    began: list[float] = []

    def trace(statement: str) -> None:
        if not began and statement.lstrip().upper().startswith("BEGIN IMMEDIATE"):
            began.append(time.perf_counter())

    db.conn.set_trace_callback(trace)
    start = time.perf_counter()
    try:
        action()
    finally:
        end = time.perf_counter()
        db.conn.set_trace_callback(None)
    return end - start, (end - began[0]) if began else None


def runs(folder: Path, name: str, action: Callable[[Database], Any]) -> tuple[list[float], list[float]]:
    """Time `action` on RUNS fresh database files; return the whole times and the lock times."""
    wholes, locks = [], []
    for run in range(RUNS):
        db = open_database(folder / f"{name}-{run}.db")
        whole, lock = timed(db, lambda db=db: action(db))
        db.close()
        assert lock is not None, f"{name} took no write lock"
        wholes.append(whole)
        locks.append(lock)
    return wholes, locks


def report(label: str, wholes: list[float], locks: list[float]) -> None:
    verdict = "under" if max(locks) < FLOOR_SECONDS else "OVER"
    print(f"  {label}")
    print(
        f"    lock held: median {statistics.median(locks):.3f} s, slowest {max(locks):.3f} s ({verdict} the floor "
        f"< {FLOOR_SECONDS:.0f} s); whole call median {statistics.median(wholes):.3f} s"
    )


def bench_largest_import(folder: Path, questionnaire: Questionnaire, what: str) -> None:
    answers_each = min(len(questionnaire.questions), MAX_IMPORT_ANSWERS // MAX_IMPORT_RESPONDENTS)
    text = document(questionnaire, MAX_IMPORT_RESPONDENTS, answers_each, MAX_IMPORT_BYTES - 1_000)
    wholes, locks = runs(
        folder,
        f"import-{questionnaire.id}",
        lambda db: import_assessment(db, text, questionnaire_lookup=lookup(questionnaire)),
    )
    report(
        f"largest accepted JSON import, {what}: {MAX_IMPORT_RESPONDENTS:,} respondents x {answers_each} answers = "
        f"{MAX_IMPORT_RESPONDENTS * answers_each:,} answers, {len(text) / 1e6:.2f} MB",
        wholes,
        locks,
    )


def lookup(questionnaire: Questionnaire) -> Callable[[str, str], Questionnaire]:
    return lambda _id, _version: questionnaire


def bench_refused_import(folder: Path, questionnaire: Questionnaire) -> None:
    text = document(questionnaire, ATTACK_RESPONDENTS, len(questionnaire.questions), ATTACK_BYTES)
    db = open_database(folder / "refused.db")

    def attempt() -> None:
        try:
            import_assessment(db, text)
        except AssessmentImportError as error:
            print(f"    refused: {str(error)[:110]}...")

    whole, lock = timed(db, attempt)
    db.close()
    print(f"  the {ATTACK_RESPONDENTS:,}-respondent, {len(text) / 1e6:.1f} MB document that held the lock for 17 s:")
    print(f"    refused in {whole:.3f} s; write lock taken: {'no' if lock is None else f'{lock:.3f} s'}")


def main() -> None:
    """Time each case on fresh temporary database files and print the figures."""
    shipped = get_questionnaire("itscm", "2026.1")
    limits = (
        f"limits: {MAX_IMPORT_BYTES / 1e6:.0f} MB, {MAX_IMPORT_RESPONDENTS:,} respondents, "
        f"{MAX_IMPORT_ANSWERS:,} answers"
    )
    print(f"Write lock held (median and slowest of {RUNS} runs; floor < {FLOOR_SECONDS:.0f} s; {limits}):")
    with tempfile.TemporaryDirectory() as name:
        folder = Path(name)
        bench_largest_import(folder, build_questionnaire(), "every limit reached (a 100-question questionnaire)")
        bench_largest_import(folder, shipped, f"shipped questionnaire ({len(shipped.questions)} questions)")
        summary: list[str] = []
        wholes, locks = runs(folder, "demo", lambda db: summary.append(load_demo_data(db, shipped).describe()))
        report(f"demo data load: {summary[0]}", wholes, locks)
        bench_refused_import(folder, shipped)


if __name__ == "__main__":
    main()
