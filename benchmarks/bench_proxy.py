"""Proxy benchmark: participants answering at once through nginx, against 1 and against 2 app processes.

Run from the repository root:  .venv/bin/python benchmarks/bench_proxy.py
Options: --participants 10 --questions 20 --processes 1,2 [--database-url postgresql://...]

Each configuration gets a new database (a temporary SQLite file; with --database-url, a scratch database on that
PostgreSQL server, dropped at the end) with a self-paced assessment and a join link per participant,
N `streamlit run` processes behind deploy/nginx/itscm.conf (deploy/several.py), and one headless Chromium
context per participant, all answering at once, each click sent as soon as the previous answer is stored.
Printed per configuration: saves per second (answers stored / seconds from the first click to the last answer
stored), click -> stored median and 95th percentile (the database is polled every 10 ms), lost (answers
clicked but not stored with the level chosen, or stored twice: must be 0) and errors; then how throughput
grows from the first configuration to the others. Browsers, nginx and the app processes share this machine's
cores, so on a small machine the browsers take much of what a second process could use.
"""

from __future__ import annotations

import argparse
import asyncio
import os
import re
import sys
import tempfile
import time
from contextlib import ExitStack, closing
from dataclasses import dataclass
from pathlib import Path

REPO_ROOT = Path(__file__).resolve().parent.parent
if str(REPO_ROOT) not in sys.path:
    sys.path.insert(0, str(REPO_ROOT))

from playwright.async_api import Browser, Page, async_playwright  # noqa: E402 - needs the path set above

from benchmarks.bench_storage import scratch_database  # noqa: E402
from benchmarks.bench_workshop_room import (  # noqa: E402
    TIMEOUT_S,
    WAIT_MS,
    Figures,
    Participant,
    StorePoller,
    bench_connection,
    click_and_wait,
    cpu_seconds,
    first_line,
    level_for,
    level_option,
    milliseconds,
    settle,
    the_questions,
    the_room_setup,
)
from deploy.several import NGINX_NOT_FOUND, nginx_path, running_behind_proxy  # noqa: E402
from questionnaires.catalog import get_questionnaire  # noqa: E402
from storage.engines import shown_url  # noqa: E402
from tests.browser_app import CHROMIUM_FLAGS, chromium_path  # noqa: E402

QUESTIONNAIRE = get_questionnaire("itscm", "2026.1")


@dataclass
class Run:
    processes: int
    figures: Figures
    seconds: float
    stored: int
    lost: list[str]
    spread: dict[str, int]
    app_cpu: float  # CPU seconds the app processes used from the first click to the last answer stored
    peak_memory: list[int]  # each app process's peak resident memory, in MB


def peak_resident_mb(pid: int) -> int:
    """A process's peak resident memory so far (VmHWM in /proc/<pid>/status), in MB."""
    for line in Path(f"/proc/{pid}/status").read_text().splitlines():
        if line.startswith("VmHWM:"):
            return int(line.split()[1]) // 1024
    return 0


async def answer_all(
    page: Page,
    url: str,
    who: Participant,
    person: int,
    plan: list[tuple[str, str, list[str]]],
    poller: StorePoller,
    figures: Figures,
) -> None:
    """One participant: open the join link, then answer the plan's questions in order, domain by domain."""
    index = 0
    for number, (domain_id, domain_name, ids) in enumerate(plan):
        if number:
            domain = page.get_by_test_id("stButtonGroup").get_by_role(
                "radio", name=re.compile(rf"^{re.escape(domain_name)} \(")
            )
            try:
                await domain.click(timeout=TIMEOUT_S * 1000)
                await settle(page)
            except Exception as exc:  # counted; the link opened again at that domain
                figures.errors.append(f"{who.name} moving to {domain_name}: {first_line(exc)}")
                await page.goto(f"{url}/?join={who.token}&domain={domain_id}")
        for question_id in ids:
            option = level_option(page, QUESTIONNAIRE, question_id, level_for(person, index))
            await click_and_wait(page, option, poller, (who.respondent_id, question_id), figures)
            index += 1


async def one_run(browser: Browser, processes: int, people: int, count: int, server: str | None) -> Run:
    with ExitStack() as stack:
        if server is None:
            database: Path | str = Path(tempfile.mkdtemp()) / "bench-proxy.db"
            where: tuple[Path | None, dict[str, str]] = (Path(database), {})
        else:
            database = stack.enter_context(scratch_database(server))
            where = (None, {"ITSCM_DATABASE_URL": database})
        return await run_on(browser, processes, people, count, database, where)


async def run_on(
    browser: Browser,
    processes: int,
    people: int,
    count: int,
    database: Path | str,
    where: tuple[Path | None, dict[str, str]],
) -> Run:
    _, participants = the_room_setup(database, QUESTIONNAIRE, people)
    plan = the_questions(QUESTIONNAIRE, count)
    figures = Figures()
    with running_behind_proxy(where[0], processes, environment=where[1]) as proxied:
        contexts = [await browser.new_context() for _ in participants]
        pages = [await context.new_page() for context in contexts]

        async def open_page(page: Page, who: Participant) -> None:
            await page.goto(f"{proxied.url}/?join={who.token}")
            await page.locator(f".st-key-question-{plan[0][2][0]}").wait_for(timeout=WAIT_MS)
            await settle(page)

        await asyncio.gather(*(open_page(page, who) for page, who in zip(pages, participants, strict=True)))
        poller = StorePoller(
            database,
            "SELECT id, respondent_id, question_id FROM answers WHERE id > ? AND (level IS NOT NULL OR na = 1)",
            figures,
        )
        polling = asyncio.create_task(poller.run())
        pids = [app.process.pid for app in proxied.processes]
        cpu_before = sum(cpu_seconds(pid) for pid in pids)
        began = time.monotonic()
        await asyncio.gather(
            *(
                answer_all(page, proxied.url, who, person, plan, poller, figures)
                for person, (page, who) in enumerate(zip(pages, participants, strict=True))
            )
        )
        seconds = max(figures.stored.values(), default=began) - began
        app_cpu = sum(cpu_seconds(pid) for pid in pids) - cpu_before
        peak_memory = [peak_resident_mb(pid) for pid in pids]
        poller.running = False
        await polling
        routes = [
            next((c["value"] for c in await context.cookies() if c["name"] == "itscm_route"), "")
            for context in contexts
        ]
        for context in contexts:
            await context.close()
        await asyncio.sleep(0.5)  # nginx logs a WebSocket when it closes
        spread = {app.address: 0 for app in proxied.processes}
        for route in routes:
            served = proxied.upstreams_of(route)
            if served:
                spread[served[-1]] = spread.get(served[-1], 0) + 1
    expected = {
        (who.respondent_id, question_id): level_for(person, index)
        for person, who in enumerate(participants)
        for index, question_id in enumerate(qid for _, _, ids in plan for qid in ids)
    }
    with closing(bench_connection(database)) as conn:
        rows = conn.execute("SELECT respondent_id, question_id, level FROM answers WHERE level IS NOT NULL").fetchall()
        history = conn.execute("SELECT COUNT(*) FROM answer_history").fetchone()[0]
    stored = {(respondent, question): level for respondent, question, level in rows}
    lost = [
        f"{key}: stored {stored.get(key)}, chosen {level}"
        for key, level in expected.items()
        if stored.get(key) != level
    ]
    if history != len(expected):
        lost.append(f"answer history has {history} rows for {len(expected)} answers")
    return Run(processes, figures, seconds, len(rows), lost, spread, app_cpu, peak_memory)


async def main() -> None:
    parser = argparse.ArgumentParser(description=(__doc__ or "").splitlines()[0])
    parser.add_argument("--participants", type=int, default=10)
    parser.add_argument("--questions", type=int, default=20)
    parser.add_argument("--processes", default="1,2", help="app process counts to compare, e.g. 1,2,3")
    parser.add_argument(
        "--database-url",
        help="a PostgreSQL server's URL: each configuration runs on a scratch database made there (default: SQLite)",
    )
    arguments = parser.parse_args()
    executable = chromium_path()
    if executable is None:
        raise SystemExit("Chromium is not installed: `make deps-test` installs Debian's chromium package.")
    if nginx_path() is None:
        raise SystemExit(NGINX_NOT_FOUND)
    counts = [int(n) for n in arguments.processes.split(",") if n.strip()]
    people, count = arguments.participants, arguments.questions
    runs = []
    async with async_playwright() as playwright:
        browser = await playwright.chromium.launch(executable_path=executable, args=CHROMIUM_FLAGS)
        for processes in counts:
            runs.append(await one_run(browser, processes, people, count, arguments.database_url))
        await browser.close()
    print(
        f"Proxy: {people} participants x {count} questions at once through nginx (deploy/nginx/itscm.conf), "
        f"headless Chromium, {os.cpu_count()} cores shared by browsers, nginx and the app processes; "
        f"database: {'PostgreSQL ' + shown_url(arguments.database_url) if arguments.database_url else 'SQLite file'}."
    )
    for run in runs:
        rate = run.stored / run.seconds if run.seconds > 0 else float("nan")
        spread = ", ".join(f"{n}" for n in run.spread.values())
        print(
            f"  {run.processes} process(es): {rate:5.1f} saves/s ({run.stored} in {run.seconds:.1f} s), "
            f"click -> stored {milliseconds(run.figures.latencies)}, lost {len(run.lost)} (must be 0), "
            f"errors {len(run.figures.errors)}; browsers per process: {spread}"
        )
        if run.stored:
            per_save = run.app_cpu / run.stored
            print(
                f"    app CPU {per_save * 1000:.0f} ms per save ({run.app_cpu:.1f} s over {run.processes} "
                f"process(es)): one process, one core for Python, would answer at most {1 / per_save:.0f} saves/s; "
                f"peak memory per process {', '.join(f'{mb} MB' for mb in run.peak_memory)}"
            )
        for problem in (run.lost + run.figures.errors)[:5]:
            print(f"    {problem}")
    base = runs[0].stored / runs[0].seconds if runs and runs[0].seconds > 0 else 0
    for run in runs[1:]:
        rate = run.stored / run.seconds if run.seconds > 0 else 0
        print(
            f"  throughput {runs[0].processes} -> {run.processes} processes: x{rate / base:.2f}"
            if base
            else "  (no base rate)"
        )


if __name__ == "__main__":
    asyncio.run(main())
