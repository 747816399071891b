"""Storage benchmark: answer saves on one connection, then 16 writer processes at once, against a bare floor.

Run from the repository root:  .venv/bin/python benchmarks/bench_storage.py [--database-url PATH_OR_URL]
Saves go through storage.update_answer, as the questionnaire page saves them. Prints saves per second,
median and 95th-percentile latency per save, and "lost": saves acknowledged but missing from the
answers or their history (must be 0). The floor is a bare INSERT + COMMIT per row on one connection: on SQLite
with the same PRAGMAs as storage/connection.py, on PostgreSQL with the server's own settings. Targets: 1,000
saves on one connection in under 2 s, no errors and nothing lost with 16 concurrent writers. The database is a
new temporary SQLite file (never data/), the new SQLite file given by --database-url, or, for a postgresql://
URL, a scratch database created on that server (its name starts itscm_scratch_bench_) and dropped at the end.
"""

from __future__ import annotations

import argparse
import multiprocessing as mp
import secrets
import sqlite3
import statistics
import sys
import tempfile
import time
from collections.abc import Iterator
from contextlib import contextmanager
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
    update_answer,
)
from storage.connection import BUSY_TIMEOUT_SECONDS  # noqa: E402
from storage.engines import is_postgres_url, shown_url, with_database  # noqa: E402
from storage.records import EMPTY_ANSWER, AnswerValue  # noqa: E402

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


def new_assessment(path: Path | str, questionnaire: Questionnaire, name: str) -> int:
    """Add an organisation called `name` with one assessment to the database at `path`; return its id."""
    db = open_database(path)
    organisation = create_organisation(db, name, "Technology", "250-999 employees", "Europe")
    assessment = create_assessment(db, organisation.id, questionnaire, "FY2026", date(2026, 3, 31))
    db.close()
    return assessment.id


def _level(level: int) -> AnswerValue:
    return AnswerValue(level=level, na=False, comment="note", evidence="")


def latency_line(latencies: list[float], elapsed: float) -> str:
    """Saves per second over `elapsed`, and the median and 95th-percentile latency of one save."""
    ordered = sorted(latencies)
    return (
        f"{len(ordered) / elapsed:,.0f} saves/s; per save: median {statistics.median(ordered) * 1000:.2f} ms, "
        f"95th percentile {ordered[int(len(ordered) * 0.95)] * 1000:.2f} ms, max {ordered[-1] * 1000:.1f} ms"
    )


def stored_counts(path: Path | str, assessment_id: int) -> tuple[int, int]:
    """The assessment's answers with a level, and its applied history rows."""
    db = open_database(path)
    answers = db.execute(
        "SELECT count(*) FROM answers WHERE assessment_id = ? AND level IS NOT NULL", [assessment_id]
    ).fetchone()[0]
    history = db.execute(
        "SELECT count(*) FROM answer_history WHERE assessment_id = ? AND applied = 1", [assessment_id]
    ).fetchone()[0]
    db.close()
    return int(answers), int(history)


def single_connection(path: Path | str, questionnaire: Questionnaire) -> None:
    """Time 1,000 new answers, then 1,000 changes of them, one after another on one connection."""
    assessment_id = new_assessment(path, questionnaire, "Bench one connection")
    db = open_database(path)
    respondents = [get_or_create_respondent(db, assessment_id, f"R{n}").id for n in range(RESPONDENTS_SINGLE)]
    keys = [(r, f"GOV-{100 + q}") for r in respondents for q in range(1, QUESTIONS + 1)]
    for label, base, edited in (
        ("new answers", EMPTY_ANSWER, _level(3)),
        ("changed answers", _level(3), _level(4)),
    ):
        latencies = []
        start = time.perf_counter()
        for respondent_id, question_id in keys:
            began = time.perf_counter()
            update_answer(db, questionnaire, assessment_id, respondent_id, question_id, base, edited)
            latencies.append(time.perf_counter() - began)
        elapsed = time.perf_counter() - start
        print(f"  {len(keys):,} {label}: {elapsed:.3f} s, {latency_line(latencies, elapsed)}")
    db.close()
    answers, history = stored_counts(path, assessment_id)
    lost = (len(keys) - answers) + (2 * len(keys) - history)
    print(f"  stored: {answers:,} answers, {history:,} history rows; lost: {lost}")


def bare_floor(path: Path, rows: int) -> None:
    """Time `rows` bare INSERT + COMMIT transactions with the app's PRAGMAs: what SQLite itself costs."""
    conn = sqlite3.connect(path, timeout=BUSY_TIMEOUT_SECONDS, isolation_level=None)
    conn.execute(f"PRAGMA busy_timeout = {int(BUSY_TIMEOUT_SECONDS * 1000)}")
    conn.execute("PRAGMA journal_mode = WAL")
    conn.execute("PRAGMA synchronous = FULL")
    conn.execute("CREATE TABLE floor (id INTEGER PRIMARY KEY, question_id TEXT NOT NULL, level INTEGER)")
    latencies = []
    start = time.perf_counter()
    for n in range(rows):
        began = time.perf_counter()
        conn.execute("BEGIN IMMEDIATE")
        conn.execute("INSERT INTO floor (question_id, level) VALUES (?, ?)", [f"GOV-{n}", n % 5 + 1])
        conn.execute("COMMIT")
        latencies.append(time.perf_counter() - began)
    elapsed = time.perf_counter() - start
    conn.close()
    print(f"  {rows:,} bare INSERT + COMMIT: {elapsed:.3f} s, {latency_line(latencies, elapsed)}")


def bare_floor_postgres(url: str, rows: int) -> None:
    """Time `rows` bare INSERT + COMMIT transactions on one PostgreSQL connection: what the server itself costs."""
    import psycopg

    with psycopg.connect(url, autocommit=True) as conn:
        conn.execute(
            "CREATE TABLE floor (id BIGINT GENERATED BY DEFAULT AS IDENTITY PRIMARY KEY, question_id TEXT, level BIGINT)"
        )
        latencies = []
        start = time.perf_counter()
        for n in range(rows):
            began = time.perf_counter()
            with conn.transaction():
                conn.execute("INSERT INTO floor (question_id, level) VALUES (%s, %s)", [f"GOV-{n}", n % 5 + 1])
            latencies.append(time.perf_counter() - began)
        elapsed = time.perf_counter() - start
        conn.execute("DROP TABLE floor")
    print(f"  {rows:,} bare INSERT + COMMIT: {elapsed:.3f} s, {latency_line(latencies, elapsed)}")


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
            edited = _level((n + number) % 5 + 1)
            update_answer(db, questionnaire, assessment_id, respondent_id, f"GOV-{100 + n}", EMPTY_ANSWER, edited)
        except Exception as error:  # every failure is counted and reported
            errors.append(repr(error))
        latencies.append(time.monotonic() - start)
    results.put((latencies, errors, time.monotonic()))
    db.close()


def concurrent_writers(path: Path | str, questionnaire: Questionnaire) -> None:
    """Run WRITERS processes that each save SAVES_PER_WRITER distinct answers at the same time."""
    assessment_id = new_assessment(path, questionnaire, "Bench concurrent writers")
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
    answers, history = stored_counts(path, assessment_id)
    integrity = "n/a (PostgreSQL)"
    if not is_postgres_url(path):
        db = open_database(path)
        integrity = db.execute("PRAGMA integrity_check").fetchone()[0]
        db.close()
    saved = len(latencies) - len(errors)
    print(f"  {WRITERS} processes x {SAVES_PER_WRITER} saves: {elapsed:.3f} s, {latency_line(latencies, elapsed)}")
    lost = (saved - answers) + (saved - history)
    print(
        f"  errors: {len(errors)}; stored: {answers:,} answers and {history:,} history rows of {saved:,} acknowledged "
        f"saves; lost: {lost}; integrity: {integrity}"
    )
    for error in errors[:5]:
        print(f"    {error}")


def sqlite_file(url: str) -> Path:
    """The SQLite file named by --database-url (a path, or sqlite:///path); it must not exist yet."""
    if "://" in url and not url.startswith("sqlite:///"):
        raise SystemExit(f"--database-url {url}: give a SQLite file path (or sqlite:///path) or a postgresql:// URL.")
    path = Path(url.removeprefix("sqlite:///"))
    if path.exists():
        raise SystemExit(f"--database-url {url}: the file exists; give a new file name (the benchmark fills it).")
    return path


@contextmanager
def scratch_database(server: str) -> Iterator[str]:
    """A new database on the PostgreSQL server of `server` (a URL), dropped when the block ends; yields its URL."""
    import psycopg

    name = f"itscm_scratch_bench_{secrets.token_hex(4)}"
    try:
        with psycopg.connect(server, autocommit=True, connect_timeout=10) as conn:
            conn.execute(f"CREATE DATABASE {name}")
    except psycopg.Error as exc:
        raise SystemExit(
            f"--database-url {shown_url(server)}: cannot create a scratch database there ({exc})."
        ) from None
    try:
        yield with_database(server, name)
    finally:
        with psycopg.connect(server, autocommit=True) as conn:
            conn.execute(f"DROP DATABASE IF EXISTS {name} WITH (FORCE)")


def measure(path: Path | str, floor: Any, questionnaire: Questionnaire) -> None:
    """The floor, then update_answer on one connection, then concurrent writers, on the database at `path`."""
    print("Floor, one connection:")
    floor(RESPONDENTS_SINGLE * QUESTIONS)
    print("One connection, update_answer (one write transaction per save, history row per change):")
    single_connection(path, questionnaire)
    print(f"{WRITERS} concurrent writer processes, one connection each, update_answer:")
    concurrent_writers(path, questionnaire)


def main() -> None:
    """Run the measurements on a new database and print the figures."""
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument(
        "--database-url",
        metavar="PATH_OR_URL",
        help="a new SQLite file (default: a temporary one), or a PostgreSQL server's URL to make a scratch database on",
    )
    url = parser.parse_args().database_url
    questionnaire = build_questionnaire()
    if url and is_postgres_url(url):
        with scratch_database(url) as scratch:
            print(f"Database: {shown_url(scratch)} (PostgreSQL, a scratch database dropped at the end)")
            measure(scratch, lambda rows: bare_floor_postgres(scratch, rows), questionnaire)
        return
    with tempfile.TemporaryDirectory() as folder:
        path = sqlite_file(url) if url else Path(folder) / "bench.db"
        print(f"Database: {path} (SQLite, WAL, synchronous=FULL)")
        measure(path, lambda rows: bare_floor(Path(folder) / "floor.db", rows), questionnaire)


if __name__ == "__main__":
    main()
