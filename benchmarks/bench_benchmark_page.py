"""Benchmark page benchmark: the page rerun over 10,000 stored organisations.

Run from the repository root:  .venv/bin/python benchmarks/bench_benchmark_page.py [ORGANISATIONS]
Prints figures only. Target: a rerun of the Benchmark page (Streamlit's AppTest, the whole app
script with the page) under 500 ms with 10,000 organisations stored. Also printed: the first run
(every peer scored once, then kept until the next change), the core's peer_benchmark alone, and
the ratio of the page rerun to the same peer statistics computed directly in pandas from a table of
scores already in memory (the floor no page can beat). The database is a temporary file.
"""

from __future__ import annotations

import os
import statistics
import sys
import tempfile
import time
from collections.abc import Callable
from datetime import date
from pathlib import Path

REPO_ROOT = Path(__file__).resolve().parent.parent
for folder in (REPO_ROOT, REPO_ROOT / "tests"):
    if str(folder) not in sys.path:
        sys.path.insert(0, str(folder))

import numpy as np  # noqa: E402
import pandas as pd  # noqa: E402
from sqlite_utils import Database  # noqa: E402

from exports.report import load_report, peer_benchmark, peer_table  # noqa: E402
from questionnaires.catalog import get_questionnaire  # noqa: E402
from scoring import OVERALL, score_columns  # noqa: E402
from storage import (  # noqa: E402
    create_assessment,
    create_organisation,
    get_or_create_respondent,
    open_database,
    save_answer,
    set_assessment_status,
    write_transaction,
)
from storage.choices import INDUSTRIES, REGIONS, SIZE_BANDS  # noqa: E402

ORGANISATIONS = 10_000
RUNS = 7
ANSWERS_PER_DOMAIN = 2


def timings_ms(action: Callable[[], object], runs: int = RUNS) -> tuple[float, float]:
    """Return the median and the slowest of `runs` timings of `action()`, in milliseconds."""
    taken = []
    for _ in range(runs):
        start = time.perf_counter()
        action()
        taken.append((time.perf_counter() - start) * 1000)
    return statistics.median(taken), max(taken)


def fill(db: Database, count: int) -> None:
    """Store `count` organisations, each with one completed assessment answering 2 questions per domain."""
    questionnaire = get_questionnaire("itscm", "2026.1")
    questions = [q for d in questionnaire.domains for q in questionnaire.questions_in(d.id)[:ANSWERS_PER_DOMAIN]]
    with write_transaction(db):
        for number in range(count):
            org = create_organisation(
                db,
                f"Bench organisation {number:05d}",
                INDUSTRIES[number % len(INDUSTRIES)],
                SIZE_BANDS[number % len(SIZE_BANDS)],
                REGIONS[number % len(REGIONS)],
            )
            year = 2022 + number % 4
            assessment = create_assessment(db, org.id, questionnaire, f"FY{year}", date(year, 3, 31))
            respondent = get_or_create_respondent(db, assessment.id, "Continuity manager")
            for index, question in enumerate(questions):
                save_answer(db, questionnaire, assessment.id, respondent.id, question.id, 1 + (index * 7 + number) % 5)
            set_assessment_status(db, assessment.id, "completed")


def pandas_direct(scores: pd.DataFrame, subject: dict[str, float | None]) -> dict[str, tuple[float, ...]]:
    """The same statistics straight from a score table in memory: quartiles, whiskers, percentile ranks."""
    peers = scores[scores["organisation_id"] != 1]
    out = {}
    for score_id, value in subject.items():
        column = peers[score_id].dropna().to_numpy(dtype=float)
        q = np.quantile(column, [0.25, 0.5, 0.75, 0.1, 0.9])
        rank = 100.0 * ((column < value - 1e-9).sum() + 0.5 * (abs(column - value) <= 1e-9).sum()) / len(column)
        out[score_id] = (*q, rank)
    return out


def main() -> None:
    count = int(sys.argv[1]) if len(sys.argv) > 1 else ORGANISATIONS
    with tempfile.TemporaryDirectory() as folder:
        path = Path(folder) / "bench.db"
        db = open_database(path)
        start = time.perf_counter()
        fill(db, count)
        print(
            f"Stored {count:,} organisations with one completed assessment each in {time.perf_counter() - start:.1f} s"
        )
        report = load_report(db, 1)

        start = time.perf_counter()
        result = peer_benchmark(db, report)
        first = (time.perf_counter() - start) * 1000
        print(f"First peer statistics (every peer scored, then kept until the next change): {first:,.0f} ms")
        print(f"  {result.n:,} peers, overall percentile rank {result.figure(OVERALL).percentile_rank:.1f}")
        core, core_max = timings_ms(lambda: peer_benchmark(db, report))
        print(f"peer_benchmark with the peer table kept: median {core:.1f} ms, slowest {core_max:.1f} ms")

        os.environ["ITSCM_DB"] = str(path)
        from app_runner import open_page  # needs ITSCM_DB set first

        at = open_page("benchmark", assessment=1)
        assert not at.exception, at.exception
        assert at.metric, "the page showed no peer figures"
        page, page_max = timings_ms(at.run)
        verdict = "meets" if page < 500 else "MISSES"
        print(f"Benchmark page rerun (AppTest): median {page:.0f} ms, slowest {page_max:.0f} ms ({verdict} < 500 ms)")

        scores = peer_table(db, "itscm")
        subject = score_columns(report.score)
        direct, _ = timings_ms(lambda: pandas_direct(scores, subject))
        print(f"Same statistics directly in pandas from scores in memory: median {direct:.1f} ms")
        print(f"Ratio page rerun / pandas: {page / direct:,.0f}x; core / pandas: {core / direct:,.1f}x")
        db.close()


if __name__ == "__main__":
    main()
