"""Print the cost of deciding access on a page rerun: the same pages signed in (shared mode) against personal mode.

Run from the repository root: `.venv/bin/python benchmarks/bench_access.py`. Nothing is asserted; the floor
it compares against is a ratio under 1.1 (access adds less than a tenth to a page's rerun).
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
sys.path.insert(0, str(ROOT / "tests"))
os.environ["ITSCM_DB"] = str(Path(tempfile.mkdtemp()) / "bench-access.db")

from app_runner import new_session  # noqa: E402

from access.identity import add_member  # noqa: E402
from questionnaires.catalog import get_questionnaire  # noqa: E402
from storage import (  # noqa: E402
    connect,
    create_assessment,
    create_organisation,
    get_or_create_respondent,
    save_answer,
)

RUNS = 15
AUTH = {
    "redirect_uri": "http://127.0.0.1:8501/oauth2callback",
    "cookie_secret": "x" * 32,
    "client_id": "itscm",
    "client_secret": "secret",
    "server_metadata_url": "http://127.0.0.1:9/.well-known/openid-configuration",
}


def setup() -> tuple[int, int]:
    """Twenty organisations with an answered assessment each; a consultant assigned to ten of them."""
    db = connect()
    questionnaire = get_questionnaire("itscm", "2026.1")
    organisations = []
    first_assessment = 0
    for number in range(20):
        org = create_organisation(db, f"Client {number:02d}", "Retail", "250-999 employees", "Europe")
        assessment = create_assessment(db, org.id, questionnaire, "FY2026", date(2026, 1, 1))
        person = get_or_create_respondent(db, assessment.id, "Continuity manager")
        for i, question in enumerate(questionnaire.questions):
            save_answer(db, questionnaire, assessment.id, person.id, question.id, 1 + i % 4)
        organisations.append(org.id)
        first_assessment = first_assessment or assessment.id
    add_member(db, "consultant@example.com", "consultant", organisations[:10], by="benchmark")
    return first_assessment, len(organisations)


def rerun_ms(page: str, shared: bool, **params: int) -> float:
    """Median time of one rerun of a page, in personal mode or signed in as the consultant."""
    at = new_session(**params)
    if shared:
        at.secrets["auth"] = AUTH
        at.user = {"is_logged_in": True, "email": "consultant@example.com"}
    at.switch_page(f"app_pages/{page}.py")
    at.run()
    if at.exception:
        raise RuntimeError(at.exception[0].message)
    times = []
    for _ in range(RUNS):
        started = time.perf_counter()
        at.run()
        times.append((time.perf_counter() - started) * 1000)
    return statistics.median(times)


def main() -> None:
    assessment, organisations = setup()
    print(f"{organisations} organisations, the consultant assigned to 10; median of {RUNS} reruns each")
    for page in ("home", "questionnaire", "results", "roadmap"):
        params = {} if page == "home" else {"assessment": assessment}
        personal = rerun_ms(page, shared=False, **params)
        shared = rerun_ms(page, shared=True, **params)
        print(
            f"{page} page rerun: personal {personal:.0f} ms, signed in {shared:.0f} ms, "
            f"ratio {shared / personal:.2f} (floor < 1.1)"
        )


if __name__ == "__main__":
    main()
