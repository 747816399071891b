"""Executive report benchmark: the two-page report of one assessment as Word and as PDF.

Run from the repository root:  .venv/bin/python benchmarks/bench_report.py
Prints figures only. Floor: each format of a 65-question assessment with 7 peers and two earlier
assessments (loading, scoring, the trend, the peer benchmark, the chart and the file) in under 2 s;
the first run in a fresh process (fonts and templates loaded) is shown apart. The database is a
temporary file, never data/.
"""

from __future__ import annotations

import statistics
import sys
import tempfile
import time
from collections.abc import Callable
from pathlib import Path

REPO_ROOT = Path(__file__).resolve().parent.parent
if str(REPO_ROOT) not in sys.path:
    sys.path.insert(0, str(REPO_ROOT))

from demo.data import load_demo_data  # noqa: E402
from exports.executive_report import executive_report_docx, executive_report_pdf  # noqa: E402
from questionnaires.catalog import get_questionnaire  # noqa: E402
from storage import list_assessments, list_organisations, open_database  # noqa: E402

RUNS = 7
FLOOR_MS = 2_000


def timings_ms(action: Callable[[], object], runs: int = RUNS) -> list[float]:
    """Return the timings of `runs` calls of `action()`, in milliseconds."""
    found = []
    for _ in range(runs):
        start = time.perf_counter()
        action()
        found.append((time.perf_counter() - start) * 1000)
    return found


def main() -> None:
    with tempfile.TemporaryDirectory() as folder:
        db = open_database(Path(folder) / "bench.db")
        load_demo_data(db, get_questionnaire("itscm", "2026.1"))
        organisation = next(o for o in list_organisations(db) if o.name == "Northwind Mutual Insurance")
        assessment = max(list_assessments(db, organisation.id), key=lambda a: a.assessment_date)
        print(f"Executive report of {organisation.name} {assessment.label} (floor: under {FLOOR_MS} ms each):")
        for name, write in (("Word (.docx)", executive_report_docx), ("PDF", executive_report_pdf)):
            first = timings_ms(lambda write=write: write(db, assessment.id), runs=1)[0]
            runs = timings_ms(lambda write=write: write(db, assessment.id))
            size = len(write(db, assessment.id))
            median, slowest = statistics.median(runs), max(runs)
            verdict = "ok" if max(first, slowest) < FLOOR_MS else "OVER THE FLOOR"
            print(
                f"  {name:<13} first {first:7.0f} ms, median {median:6.0f} ms, slowest {slowest:6.0f} ms "
                f"of {RUNS}; {size / 1024:.0f} KB  {verdict}"
            )
        db.close()


if __name__ == "__main__":
    main()
