"""Export benchmark: the roadmap workbook of one assessment, and a portfolio workbook of 1,000 assessments.

Run from the repository root:  .venv/bin/python benchmarks/bench_exports.py
Prints figures only. Targets: the roadmap workbook of a 65-question assessment in under 500 ms;
the portfolio of 1,000 assessments (loading, scoring and writing) in under 20 s and under 500 MB
peak memory. The portfolio export runs in a fresh child process that does nothing else, so its
peak RSS is the export's own. The database is a temporary file, never data/.
"""

from __future__ import annotations

import multiprocessing as mp
import resource
import statistics
import sys
import tempfile
import time
import tracemalloc
from collections.abc import Callable
from datetime import date
from functools import partial
from pathlib import Path

REPO_ROOT = Path(__file__).resolve().parent.parent
if str(REPO_ROOT) not in sys.path:
    sys.path.insert(0, str(REPO_ROOT))

from sqlite_utils import Database  # noqa: E402

from demo.data import load_demo_data  # noqa: E402
from exports.portfolio import portfolio_rows, portfolio_workbook  # noqa: E402
from exports.report import load_report, organisation_trend, peer_benchmark, planned_roadmap  # noqa: E402
from exports.workbook import assessment_workbook  # noqa: E402
from questionnaires.catalog import get_questionnaire  # noqa: E402
from questionnaires.model import Questionnaire  # noqa: E402
from storage import (  # noqa: E402
    create_assessment,
    create_organisation,
    get_or_create_respondent,
    list_assessments,
    list_organisations,
    open_database,
    save_answer,
    set_assessment_status,
    write_transaction,
)
from storage.choices import INDUSTRIES, REGIONS, SIZE_BANDS  # noqa: E402

WORKBOOK_RUNS = 7
PORTFOLIO_SIZE = 1_000
SMALL_PORTFOLIO = 250
ASSESSMENTS_PER_ORGANISATION = 4


def median_ms(action: Callable[[], object], runs: int = WORKBOOK_RUNS) -> tuple[float, float]:
    """Return the median and the slowest of `runs` timings of `action()`, in milliseconds."""
    timings = []
    for _ in range(runs):
        start = time.perf_counter()
        action()
        timings.append((time.perf_counter() - start) * 1000)
    return statistics.median(timings), max(timings)


def bench_workbook(db: Database) -> None:
    """Time assessment_workbook for a one-respondent assessment and a four-respondent workshop."""
    by_name = {organisation.name: organisation.id for organisation in list_organisations(db)}
    print(f"Roadmap workbook (median and slowest of {WORKBOOK_RUNS} runs; target under 500 ms):")
    for name, label in (("Northwind Mutual Insurance", "FY2026"), ("Kestrel Bay Bank", "FY2026")):
        assessments = list_assessments(db, by_name[name])
        chosen = next(a for a in assessments if a.label == label)
        report = load_report(db, chosen.id)
        roadmap = planned_roadmap(db, report)
        domains, questions = organisation_trend(db, report)
        peers = peer_benchmark(db, report)
        size = len(assessment_workbook(report, roadmap))
        plain, plain_max = median_ms(partial(assessment_workbook, report, roadmap))
        full, full_max = median_ms(
            partial(
                assessment_workbook, report, roadmap, benchmark=peers, domain_trend=domains, question_trend=questions
            )
        )
        print(
            f"  {name} {label}: {len(report.questionnaire.questions)} questions, {len(report.respondents)} "
            f"respondent(s), {len(roadmap)} roadmap steps, {size / 1024:.0f} KiB"
        )
        print(f"    Summary, Roadmap, Answers:                {plain:7.1f} ms (slowest {plain_max:.1f})")
        print(f"    with Benchmark and both Trend sheets:     {full:7.1f} ms (slowest {full_max:.1f})")


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
            respondent = get_or_create_respondent(db, assessment.id, "Continuity manager")
            for index, question in enumerate(questions):
                na = question.na_allowed and (index + number) % 11 == 0
                level = None if na else 1 + (index * 7 + number * 3) % 5
                save_answer(
                    db,
                    questionnaire,
                    assessment.id,
                    respondent.id,
                    question.id,
                    level,
                    na=na,
                    comment="Checked in the workshop." if index % 5 == 0 else "",
                )
            set_assessment_status(db, assessment.id, "completed")


def export_in_child(path: str, limit: int, trace: bool, results: mp.Queue) -> None:
    """Export the first `limit` assessments' portfolio and report time, peak RSS and (optionally) traced memory."""
    db = open_database(Path(path))
    ids = [assessment.id for assessment in list_assessments(db)][:limit]
    before_kib = resource.getrusage(resource.RUSAGE_SELF).ru_maxrss
    if trace:
        tracemalloc.start()
    out = Path(path).with_name(f"portfolio-{limit}.xlsx")
    start = time.perf_counter()
    portfolio_workbook(portfolio_rows(db, ids), out)
    seconds = time.perf_counter() - start
    traced = tracemalloc.get_traced_memory()[1] if trace else 0
    peak_kib = resource.getrusage(resource.RUSAGE_SELF).ru_maxrss
    db.close()
    results.put((seconds, before_kib, peak_kib, traced, out.stat().st_size))


def run_child(path: Path, limit: int, *, trace: bool) -> tuple[float, int, int, int, int]:
    context = mp.get_context("spawn")
    results: mp.Queue = context.Queue()
    child = context.Process(target=export_in_child, args=(str(path), limit, trace, results))
    child.start()
    figures = results.get()
    child.join()
    return figures


def bench_portfolio(path: Path, questionnaire: Questionnaire) -> None:
    """Fill the database up to PORTFOLIO_SIZE assessments, then time and measure the portfolio export."""
    db = open_database(path)
    existing = len(list_assessments(db))
    start = time.perf_counter()
    add_assessments(db, questionnaire, PORTFOLIO_SIZE - existing)
    setup = time.perf_counter() - start
    total = len(list_assessments(db))
    db.close()
    print(
        f"\nPortfolio workbook ({total} assessments of {len(questionnaire.questions)} questions; set up in {setup:.1f} s):"
    )
    print("  each export runs alone in a fresh process; targets for 1,000: under 20 s and under 500 MB")
    for limit in (SMALL_PORTFOLIO, PORTFOLIO_SIZE):
        seconds, before_kib, peak_kib, _, size = run_child(path, limit, trace=False)
        print(
            f"  {limit:5d} assessments: {seconds:6.2f} s ({seconds / limit * 1000:.1f} ms each), peak RSS "
            f"{peak_kib / 1024:6.1f} MB (after imports {before_kib / 1024:.1f} MB), file {size / 1024:.0f} KiB"
        )
    _, _, _, traced, _ = run_child(path, PORTFOLIO_SIZE, trace=True)
    print(f"  {PORTFOLIO_SIZE:5d} assessments under tracemalloc: Python heap peak {traced / 1024 / 1024:.1f} MB")


def main() -> None:
    questionnaire = get_questionnaire("itscm", "2026.1")
    with tempfile.TemporaryDirectory() as folder:
        path = Path(folder) / "bench.db"
        db = open_database(path)
        load_demo_data(db, questionnaire)
        bench_workbook(db)
        db.close()
        bench_portfolio(path, questionnaire)


if __name__ == "__main__":
    main()
