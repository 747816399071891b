"""Print the app's page timings: questionnaire and results reruns, and start to first rendered page.

Run from the repository root: `.venv/bin/python benchmarks/bench_app.py`. Nothing is asserted.
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
sys.path.insert(0, str(ROOT))
os.environ["ITSCM_DB"] = str(Path(tempfile.mkdtemp()) / "bench.db")

from streamlit.testing.v1 import AppTest  # noqa: E402

from questionnaires.catalog import get_questionnaire  # noqa: E402
from storage import (  # noqa: E402
    add_respondent,
    connect,
    create_assessment,
    create_organisation,
    save_answer,
)
from storage.evidence import save_log, save_register  # noqa: E402
from tests.browser_app import CHROMIUM_FLAGS, chromium_path, running_app  # noqa: E402

RUNS = 15


def setup(respondents: int, name: str = "Bench") -> int:
    """An assessment of the shipped questionnaire, fully answered by `respondents` people."""
    db = connect()
    questionnaire = get_questionnaire("itscm", "2026.1")
    org = create_organisation(db, f"{name} {respondents}", "Retail", "250-999 employees", "Europe")
    assessment = create_assessment(db, org.id, questionnaire, "FY2026", date(2026, 1, 1))
    for r in range(respondents):
        person = add_respondent(db, assessment.id, f"Person {r + 1}")
        for i, question in enumerate(questionnaire.questions):
            # Practices spread over levels 1-4, respondents one level apart around them.
            level = min(5, max(1, 1 + i % 4 + (r % 3) - 1))
            save_answer(db, questionnaire, assessment.id, person.id, question.id, level)
    return assessment.id


def with_evidence(assessment_id: int) -> int:
    """Give the assessment's organisation bench_evidence_checks' register (500 services) and log (2,000 entries)."""
    import random

    from benchmarks.bench_evidence_checks import log, register
    from storage import get_assessment

    db = connect()
    organisation_id = get_assessment(db, assessment_id).organisation_id
    from dataclasses import replace

    rng = random.Random(7)
    # The checks' benchmark has some RTOs above their MTPD on purpose; a saved register refuses them.
    services = tuple(replace(s, mtpd_hours=max(s.mtpd_hours or 0, s.rto_hours or 0)) for s in register(rng))
    save_register(db, organisation_id, services)
    # A saved log refuses entries dated in the future, and recovery times on kinds that recover nothing.
    recovering = ("technical recovery test", "failover", "full-scale exercise", "real incident")
    entries = [
        e if e.kind in recovering else replace(e, kind=recovering[i % 4])
        for i, e in enumerate(log(rng, services))
        if e.day <= date.today()
    ]
    save_log(db, organisation_id, entries)
    return assessment_id


def rerun_ms(page: str, **params: str) -> float:
    """Median time of one rerun of a page (after a first run that loads everything)."""
    at = AppTest.from_file(str(ROOT / "app.py"), default_timeout=60)
    for name, value in params.items():
        at.query_params[name] = value
    at.switch_page(page)
    at.run()
    if at.exception:
        raise RuntimeError(at.exception[0].message)
    times = []
    for _ in range(RUNS):
        started = time.perf_counter()
        at.run()
        times.append((time.perf_counter() - started) * 1000)
    return statistics.median(times)


def start_to_first_page_s() -> float:
    """Seconds from starting `streamlit run` to the Home page's title showing in Chromium."""
    from playwright.sync_api import sync_playwright

    executable = chromium_path()
    if executable is None:
        return float("nan")
    with sync_playwright() as playwright:
        browser = playwright.chromium.launch(executable_path=executable, args=CHROMIUM_FLAGS)
        page = browser.new_page()
        database = Path(tempfile.mkdtemp()) / "start.db"
        started = time.perf_counter()
        with running_app(database) as url:
            page.goto(url)
            page.get_by_text("IT service continuity maturity").first.wait_for(timeout=60_000)
            elapsed = time.perf_counter() - started
        browser.close()
    return elapsed


def main() -> None:
    single = setup(1)
    workshop = setup(10)
    print(
        f"questionnaire page rerun, 14-question domain (GOV): {rerun_ms('app_pages/questionnaire.py', assessment=str(single), domain='GOV'):.0f} ms (target < 150 ms)"
    )
    print(
        f"results page rerun, 10 respondents x 65 questions: {rerun_ms('app_pages/results.py', assessment=str(workshop)):.0f} ms (target < 300 ms)"
    )
    print(f"roadmap page rerun, 10 respondents: {rerun_ms('app_pages/roadmap.py', assessment=str(workshop)):.0f} ms")
    evidenced = with_evidence(setup(10, "Evidenced"))
    print(
        "roadmap page rerun, 10 respondents, 500 services and 2,000 log entries: "
        f"{rerun_ms('app_pages/roadmap.py', assessment=str(evidenced)):.0f} ms"
    )
    print(
        "results page rerun, 10 respondents, 500 services and 2,000 log entries: "
        f"{rerun_ms('app_pages/results.py', assessment=str(evidenced)):.0f} ms"
    )
    print(f"home page rerun: {rerun_ms('app_pages/home.py'):.0f} ms")
    print(f"app start to first rendered page: {start_to_first_page_s():.2f} s (target < 3 s)")


if __name__ == "__main__":
    main()
