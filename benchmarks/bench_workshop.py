"""Workshop benchmark: what a facilitator's screen asks every few seconds, on a full room.

Run from the repository root:  .venv/bin/python benchmarks/bench_workshop.py
Prints figures only; the floor is a median under 20 ms for progress() and for answered_count() on an
assessment with 30 respondents x 65 questions (the shipped questionnaire), most answers changed once so
the history is as long as a real workshop's. The database is a temporary file, never data/.
"""

from __future__ import annotations

import statistics
import sys
import tempfile
import time
from collections.abc import Callable
from datetime import date
from pathlib import Path

REPO_ROOT = Path(__file__).resolve().parent.parent
if str(REPO_ROOT) not in sys.path:
    sys.path.insert(0, str(REPO_ROOT))

from questionnaires.catalog import get_questionnaire  # noqa: E402 - needs the path set above
from storage import (  # noqa: E402
    create_assessment,
    create_organisation,
    get_or_create_respondent,
    open_database,
    save_answer,
)
from storage.workshop import answered_count, get_workshop, open_item, progress, set_mode  # noqa: E402

RESPONDENTS = 30
RUNS = 200
FLOOR_MS = 20.0


def median_ms(action: Callable[[], object]) -> tuple[float, float]:
    """Return the median and the slowest of RUNS timings of `action()`, in milliseconds."""
    action()  # warm the page cache and SQLite's statement cache
    timings = []
    for _ in range(RUNS):
        started = time.perf_counter()
        action()
        timings.append((time.perf_counter() - started) * 1000)
    return statistics.median(timings), max(timings)


def main() -> None:
    questionnaire = get_questionnaire("itscm", "2026.1")
    path = Path(tempfile.mkdtemp()) / "bench-workshop.db"
    db = open_database(path)
    organisation = create_organisation(db, "Bench Bank", "Financial services", "5,000 employees and more", "Europe")
    assessment = create_assessment(db, organisation.id, questionnaire, "FY2026", date(2026, 3, 31))
    started = time.perf_counter()
    for person in range(RESPONDENTS):
        respondent = get_or_create_respondent(db, assessment.id, f"Participant {person + 1:02d}")
        for index, question in enumerate(questionnaire.questions):
            # A second, different level where the two differ: a vote changed after discussion.
            for level in (1 + (index + person) % 5, 1 + (index + 2 * person) % 5):
                save_answer(db, questionnaire, assessment.id, respondent.id, question.id, level)
    answers = db.execute("SELECT count(*) FROM answers").fetchone()[0]
    history = db.execute("SELECT count(*) FROM answer_history").fetchone()[0]
    print(
        f"Set-up: {RESPONDENTS} respondents x {len(questionnaire.questions)} questions = {answers} answers, "
        f"{history} history rows ({time.perf_counter() - started:.1f} s)"
    )
    set_mode(db, assessment.id, "facilitated", by="benchmark")
    question_id = questionnaire.questions[-1].id
    open_item(db, questionnaire, assessment.id, question_id, by="benchmark")

    print(f"Median and slowest of {RUNS} calls (floor: median under {FLOOR_MS:.0f} ms):")
    for name, action in (
        ("progress()", lambda: progress(db, questionnaire, assessment.id)),
        ("answered_count()", lambda: answered_count(db, assessment.id, question_id)),
        ("get_workshop()", lambda: get_workshop(db, assessment.id)),
    ):
        median, slowest = median_ms(action)
        verdict = "ok" if median < FLOOR_MS else "OVER THE FLOOR"
        print(f"  {name:<17} median {median:6.2f} ms, slowest {slowest:6.2f} ms  {verdict}")
    db.close()


if __name__ == "__main__":
    main()
