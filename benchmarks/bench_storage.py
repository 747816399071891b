"""Storage benchmark: answer saves on one connection, then 16 writer processes at once.

Run from the repository root:  .venv/bin/python benchmarks/bench_storage.py
Prints figures only; targets: 1,000 saves on one connection in under 2 s, and no errors
with 16 concurrent writers. The database is a temporary file, never data/.
"""

from __future__ import annotations

import multiprocessing as mp
import statistics
import sys
import tempfile
import time
from datetime import date
from pathlib import Path
from typing import Any

REPO_ROOT = Path(__file__).resolve().parent.parent
if str(REPO_ROOT) not in sys.path:
    sys.path.insert(0, str(REPO_ROOT))

from questionnaires.model import Questionnaire  # noqa: E402 - needs the path set above
from storage import (  # noqa: E402
    create_assessment,
    create_organisation,
    get_or_create_respondent,
    open_database,
    save_answer,
)

QUESTIONS = 100
RESPONDENTS_SINGLE = 10
WRITERS = 16
SAVES_PER_WRITER = 100


def build_questionnaire() -> Questionnaire:
    """Return a one-domain questionnaire with QUESTIONS questions and levels 1-5."""
    levels = {n: f"Statement for level {n}." for n in range(1, 6)}
    return Questionnaire.model_validate(
        {
            "id": "bench",
            "version": "1",
            "title": "Storage benchmark",
            "levels": [{"number": n, "name": f"L{n}", "description": f"Level {n}."} for n in range(1, 6)],
            "domains": [{"id": "GOV", "name": "Governance", "description": "Policy and roles."}],
            "questions": [
                {
                    "id": f"GOV-{100 + n}",
                    "domain": "GOV",
                    "text": f"Practice {n}?",
                    "guidance": "Check it.",
                    "evidence": ["A document"],
                    "levels": levels,
                }
                for n in range(1, QUESTIONS + 1)
            ],
        }
    )


def new_assessment(path: Path, questionnaire: Questionnaire) -> int:
    """Create a fresh database at `path` with one organisation and one assessment; return its id."""
    db = open_database(path)
    organisation = create_organisation(db, "Bench Ltd", "Technology", "250-999 employees", "Europe")
    assessment = create_assessment(db, organisation.id, questionnaire, "FY2026", date(2026, 3, 31))
    db.close()
    return assessment.id


def single_connection(path: Path, questionnaire: Questionnaire) -> None:
    """Time 1,000 new answers, then 1,000 changes, then 1,000 unchanged saves on one connection."""
    assessment_id = new_assessment(path, questionnaire)
    db = open_database(path)
    respondents = [get_or_create_respondent(db, assessment_id, f"R{n}").id for n in range(RESPONDENTS_SINGLE)]
    keys = [(r, f"GOV-{100 + q}") for r in respondents for q in range(1, QUESTIONS + 1)]
    for label, level in (("new answers", 3), ("changed answers", 4), ("unchanged (no-op) saves", 4)):
        start = time.perf_counter()
        for respondent_id, question_id in keys:
            save_answer(db, questionnaire, assessment_id, respondent_id, question_id, level, comment="note")
        elapsed = time.perf_counter() - start
        print(
            f"  {len(keys):,} {label}: {elapsed:.3f} s ({elapsed / len(keys) * 1000:.2f} ms per save, "
            f"{len(keys) / elapsed:,.0f} saves/s)"
        )
    db.close()


def writer(path: str, assessment_id: int, number: int, ready: Any, go: Any, results: Any) -> None:
    """Writer process: wait for the start signal, save SAVES_PER_WRITER answers, report timings."""
    questionnaire = build_questionnaire()
    db = open_database(path)
    respondent_id = get_or_create_respondent(db, assessment_id, f"Writer {number}").id
    ready.release()
    go.wait()
    latencies: list[float] = []
    errors: list[str] = []
    for n in range(1, SAVES_PER_WRITER + 1):
        start = time.monotonic()
        try:
            save_answer(db, questionnaire, assessment_id, respondent_id, f"GOV-{100 + n}", (n + number) % 5 + 1)
        except Exception as error:  # every failure is counted and reported
            errors.append(repr(error))
        latencies.append(time.monotonic() - start)
    results.put((latencies, errors, time.monotonic()))
    db.close()


def concurrent_writers(path: Path, questionnaire: Questionnaire) -> None:
    """Run WRITERS processes that each save SAVES_PER_WRITER distinct answers at the same time."""
    assessment_id = new_assessment(path, questionnaire)
    context = mp.get_context("spawn")
    ready, go, results = context.Semaphore(0), context.Event(), context.Queue()
    processes = [
        context.Process(target=writer, args=(str(path), assessment_id, n, ready, go, results)) for n in range(WRITERS)
    ]
    for process in processes:
        process.start()
    for _ in processes:
        ready.acquire()
    start = time.monotonic()
    go.set()
    reports = [results.get(timeout=600) for _ in processes]
    for process in processes:
        process.join()
    finished = max(report[2] for report in reports)
    latencies = sorted(latency for report in reports for latency in report[0])
    errors = [error for report in reports for error in report[1]]
    elapsed = finished - start
    saves = len(latencies) - len(errors)
    db = open_database(path)
    stored = db.table("answers").count
    integrity = db.execute("PRAGMA integrity_check").fetchone()[0]
    db.close()
    print(f"  {WRITERS} processes x {SAVES_PER_WRITER} saves: {elapsed:.3f} s, {saves / elapsed:,.0f} saves/s")
    print(
        f"  latency per save: median {statistics.median(latencies) * 1000:.1f} ms, "
        f"95th percentile {latencies[int(len(latencies) * 0.95)] * 1000:.1f} ms, max {latencies[-1] * 1000:.1f} ms"
    )
    print(
        f"  errors: {len(errors)}; answers stored: {stored:,} of {WRITERS * SAVES_PER_WRITER:,}; integrity: {integrity}"
    )
    for error in errors[:5]:
        print(f"    {error}")


def main() -> None:
    """Run both measurements on temporary database files and print the figures."""
    questionnaire = build_questionnaire()
    with tempfile.TemporaryDirectory() as folder:
        print("One connection (WAL, synchronous=FULL, BEGIN IMMEDIATE per save):")
        single_connection(Path(folder) / "single.db", questionnaire)
        print(f"{WRITERS} concurrent writer processes, one connection each:")
        concurrent_writers(Path(folder) / "concurrent.db", questionnaire)


if __name__ == "__main__":
    main()
