"""Trends benchmark: the Trends page rerun for an organisation with 10 yearly assessments of the shipped questionnaire.

Run from the repository root:  .venv/bin/python benchmarks/bench_trends.py
Prints figures only; the floor is a median rerun under 500 ms. Each assessment has one respondent who answered
every question, the latest a roadmap with steps marked done. The database is a temporary file, never data/.
"""

from __future__ import annotations

import os
import statistics
import sys
import tempfile
import time
from datetime import date
from pathlib import Path

ROOT = Path(__file__).resolve().parent.parent
if str(ROOT) not in sys.path:
    sys.path.insert(0, str(ROOT))
os.environ["ITSCM_DB"] = str(Path(tempfile.mkdtemp()) / "bench-trends.db")

from streamlit.testing.v1 import AppTest  # noqa: E402

from questionnaires.catalog import get_questionnaire  # noqa: E402
from storage import (  # noqa: E402
    connect,
    create_assessment,
    create_organisation,
    get_or_create_respondent,
    save_answer,
    save_roadmap_item,
)

YEARS = 10
RUNS = 15
FLOOR_MS = 500.0


def setup() -> int:
    """Bench Bank's assessments FY2017-FY2026, practices rising a level every few years; returns the latest's id."""
    db = connect()
    questionnaire = get_questionnaire("itscm", "2026.1")
    organisation = create_organisation(db, "Bench Bank", "Financial services", "5,000 employees and more", "Europe")
    latest = 0
    for year_index in range(YEARS):
        year = 2026 - YEARS + 1 + year_index
        assessment = create_assessment(db, organisation.id, questionnaire, f"FY{year}", date(year, 3, 31))
        person = get_or_create_respondent(db, assessment.id, "Continuity manager")
        for index, question in enumerate(questionnaire.questions):
            level = min(5, 1 + (index % 3 + year_index) // 3)
            save_answer(db, questionnaire, assessment.id, person.id, question.id, level)
        latest = assessment.id
    for question in questionnaire.questions[:5]:
        save_roadmap_item(db, questionnaire, latest, question.id, 5, status="done")
    return latest


def rerun_ms(assessment_id: int) -> tuple[float, float]:
    """Median and slowest of RUNS reruns of the Trends page, after a first run that loads everything."""
    at = AppTest.from_file(str(ROOT / "app.py"), default_timeout=60)
    at.query_params["assessment"] = str(assessment_id)
    at.switch_page("app_pages/trends.py")
    at.run()
    if at.exception:
        raise RuntimeError(at.exception[0].message)
    times = []
    for _ in range(RUNS):
        started = time.perf_counter()
        at.run()
        times.append((time.perf_counter() - started) * 1000)
    return statistics.median(times), max(times)


def main() -> None:
    latest = setup()
    median, slowest = rerun_ms(latest)
    verdict = "within" if median < FLOOR_MS else "OVER"
    print(
        f"trends page rerun, {YEARS} yearly assessments x 65 questions: median {median:.0f} ms, slowest "
        f"{slowest:.0f} ms (floor < {FLOOR_MS:.0f} ms: {verdict})"
    )


if __name__ == "__main__":
    main()
