"""Workshop room benchmark: a room of participants answering at once, each in a Chromium context, against one server.

Run from the repository root:  .venv/bin/python benchmarks/bench_workshop_room.py
Options: --participants 30 --questions 60 --wave 5 (browser contexts at once: the others wait their turn) and
--streamlit-option KEY=VALUE (repeatable; given to both `streamlit run`s, e.g. runner.postScriptGC=false).

A self-paced workshop: every participant opens their join link (made before the app starts) and answers the
questions in order, moving from domain to domain, each click sent as soon as their previous answer is
stored: a room answering as fast as the server lets it, the worst case. The facilitator's Workshop page stays
open throughout. Printed, each with the floor it compares against; nothing is asserted:

- answers stored (must be participants x questions) and errors (must be 0): a click that failed or timed
  out, an answer never stored, stored twice, with another level or under another participant;
- click to answer stored, median and 95th percentile (the benchmark polls the database every 10 ms);
  floor: the same number of clicks on a bare Streamlit page of one radio button whose change writes one row;
- answer stored to the facilitator's count showing it, read from the messages the facilitator's browser
  receives (its live view refreshes every 3 s); floor: that refresh period, were the refresh instant;
- the server's CPU time per click, from /proc/<pid>/stat of the `streamlit run` process before and after
  the clicks, so it includes the 3 s refreshes of the open pages and the moves between domains (their share,
  "background", is measured on the same pages left idle, which also gives the cost of one open page);
  floor: the bare page.

Every database and the bare page are temporary files, never data/ or app_pages/.
"""

from __future__ import annotations

import argparse
import asyncio
import os
import re
import sqlite3
import statistics
import sys
import tempfile
import time
from collections.abc import Awaitable, Callable, Sequence
from contextlib import closing
from dataclasses import dataclass, field
from datetime import date
from pathlib import Path
from typing import Any, Final

REPO_ROOT = Path(__file__).resolve().parent.parent
if str(REPO_ROOT) not in sys.path:
    sys.path.insert(0, str(REPO_ROOT))

import pyarrow as pa  # noqa: E402 - needs the path set above, like the project's imports
from playwright.async_api import Browser, Locator, Page, async_playwright  # noqa: E402
from streamlit.proto.ForwardMsg_pb2 import ForwardMsg  # noqa: E402

from access.links import create_participant_link  # noqa: E402
from questionnaires.catalog import get_questionnaire  # noqa: E402
from questionnaires.model import Questionnaire  # noqa: E402
from storage import create_assessment, create_organisation, open_database  # noqa: E402
from storage.engines import is_postgres_url  # noqa: E402
from tests.browser_app import CHROMIUM_FLAGS, chromium_path, free_port, running_app  # noqa: E402

REFRESH_S: Final = 3.0  # the facilitator's live view (and each participant's page) refreshes this often
POLL_S: Final = 0.01
IDLE_S: Final = 5.0  # the first wave's pages are left idle this long to measure what their refreshes cost
TIMEOUT_S: Final = 30.0
WAIT_MS: Final = 60_000
BARE_PAGE: Final = """
import sqlite3

import streamlit as st

DATABASE = {database!r}


def store() -> None:
    st.session_state.clicks = st.session_state.get("clicks", 0) + 1
    with sqlite3.connect(DATABASE) as conn:
        conn.execute(
            "INSERT INTO clicks (who, n, value) VALUES (?, ?, ?)",
            [st.query_params.get("who", ""), st.session_state.clicks, st.session_state.level],
        )


st.radio("Level", [1, 2, 3, 4, 5], index=None, key="level", on_change=store)
"""

Key = tuple[int | str, str | int]  # what identifies a stored click: (respondent, question) or (page, click number)


@dataclass
class Figures:
    """What one run measured: click-to-stored times, errors, when each click was first seen stored, server CPU."""

    latencies: list[float] = field(default_factory=list)
    errors: list[str] = field(default_factory=list)
    stored: dict[Key, float] = field(default_factory=dict)
    cpu_clicking: float = 0.0  # server CPU seconds while the waves clicked
    clicking_s: float = 0.0  # wall seconds the waves spent clicking
    idle_cpu_rate: float = 0.0  # server CPU seconds per second with the first wave's pages open and idle
    idle_pages: int = 0
    clicks: int = 0


@dataclass(frozen=True)
class Participant:
    name: str
    respondent_id: int
    token: str


def first_line(exc: BaseException) -> str:
    return f"{type(exc).__name__}: {(str(exc).splitlines() or [''])[0]}"


def percentile(values: Sequence[float], share: float) -> float:
    ordered = sorted(values)
    return ordered[min(len(ordered) - 1, round(share * (len(ordered) - 1)))] if ordered else float("nan")


def server_pid(port: int) -> int:
    """The pid of this process's `streamlit run` child serving on `port`."""
    for entry in Path("/proc").iterdir():
        if not entry.name.isdigit():
            continue
        try:
            command = (entry / "cmdline").read_bytes().split(b"\0")
            parent = int((entry / "stat").read_text().rsplit(")", 1)[1].split()[1])
        except (OSError, ValueError, IndexError):
            continue
        if parent == os.getpid() and b"streamlit" in b" ".join(command) and str(port).encode() in command:
            return int(entry.name)
    raise RuntimeError(f"no streamlit process of this benchmark serves port {port}")


def cpu_seconds(pid: int) -> float:
    """User plus system CPU time of a process so far, from /proc/<pid>/stat (fields 14 and 15)."""
    fields = Path(f"/proc/{pid}/stat").read_text().rsplit(")", 1)[1].split()
    return (int(fields[11]) + int(fields[12])) / os.sysconf("SC_CLK_TCK")


def bench_connection(database: Path | str) -> Any:
    """A plain connection to the benchmark's database, outside the app: a SQLite file or a postgresql:// URL."""
    if is_postgres_url(database):
        import psycopg

        return psycopg.connect(str(database), autocommit=True)
    return sqlite3.connect(database)


class StorePoller:
    """Polls the database every POLL_S and tells each waiting click when its row appears (first seen, monotonic)."""

    def __init__(self, database: Path | str, query: str, figures: Figures) -> None:
        self.conn = bench_connection(database)
        # (id, key, key) of the rows with an id above the parameter (? in SQLite, %s in psycopg)
        self.query = query.replace("?", "%s") if is_postgres_url(database) else query
        self.figures = figures
        self.last_id = 0
        self.waiting: dict[Key, asyncio.Future[float]] = {}
        self.running = True

    def expect(self, key: Key) -> asyncio.Future[float]:
        future: asyncio.Future[float] = asyncio.get_running_loop().create_future()
        if key in self.figures.stored:
            future.set_result(self.figures.stored[key])
        else:
            self.waiting[key] = future
        return future

    async def run(self) -> None:
        while self.running:
            rows = self.conn.execute(self.query, [self.last_id]).fetchall()
            seen = time.monotonic()
            for row_id, first, second in rows:
                self.last_id = max(self.last_id, row_id)
                self.figures.stored.setdefault((first, second), seen)
                future = self.waiting.pop((first, second), None)
                if future is not None and not future.done():
                    future.set_result(seen)
            await asyncio.sleep(POLL_S)
        self.conn.close()


async def settle(page: Page) -> None:
    """Wait until Streamlit has finished the rerun the last action started."""
    await page.wait_for_timeout(150)
    await page.locator('[data-testid="stStatusWidget"]').wait_for(state="hidden", timeout=WAIT_MS)


async def click_and_wait(page: Page, option: Locator, poller: StorePoller, key: Key, figures: Figures) -> None:
    """Click, then wait for the row: record the time from the click to the row, or the error (a screenshot of the first)."""
    future = poller.expect(key)
    try:
        await option.click(timeout=TIMEOUT_S * 1000)
        clicked = time.monotonic()
        stored = await asyncio.wait_for(future, TIMEOUT_S)
        figures.latencies.append(max(0.0, stored - clicked))
    except Exception as exc:  # counted; the participant goes on with the next question
        poller.waiting.pop(key, None)
        note = ""
        if not figures.errors:
            shot = Path(tempfile.mkdtemp()) / "first-error.png"
            await page.screenshot(path=str(shot))
            note = f" (screenshot {shot})"
        figures.errors.append(f"{key}: {first_line(exc)}{note}")
    figures.clicks += 1


async def run_waves(
    browser: Browser,
    pid: int,
    people: Sequence[Participant],
    wave_size: int,
    open_page: Callable[[Page, Participant], Awaitable[None]],
    answer: Callable[[Page, int, Participant], Awaitable[None]],
    figures: Figures,
) -> None:
    """Wave after wave: open the wave's pages, (first wave) measure them idle, then let all of them answer at once."""
    for start in range(0, len(people), wave_size):
        wave = people[start : start + wave_size]
        contexts = [await browser.new_context() for _ in wave]
        pages = [await context.new_page() for context in contexts]
        await asyncio.gather(*(open_page(page, who) for page, who in zip(pages, wave, strict=True)))
        if not start:
            before = cpu_seconds(pid)
            await asyncio.sleep(IDLE_S)
            figures.idle_cpu_rate, figures.idle_pages = (cpu_seconds(pid) - before) / IDLE_S, len(wave)
        began, before = time.monotonic(), cpu_seconds(pid)
        await asyncio.gather(
            *(answer(page, start + number, who) for number, (page, who) in enumerate(zip(pages, wave, strict=True)))
        )
        figures.cpu_clicking += cpu_seconds(pid) - before
        figures.clicking_s += time.monotonic() - began
        for context in contexts:
            await context.close()


# ---------------------------------------------------------------------------------------------- the app


def level_for(person: int, index: int) -> int:
    """The level participant `person` gives their `index`-th question: over the whole scale, one apart per person."""
    return 1 + (person + index) % 5


def level_option(page: Page, questionnaire: Questionnaire, question_id: str, level: int) -> Locator:
    """Return a level's text in a question, as a person clicks it, found with the start of its own statement.

    Right after a move between domains the old domain's blocks can stay on screen for a moment beside the new
    ones; with the statement in the pattern they never match.
    """
    statement = questionnaire.question(question_id).levels[level][:25]
    name = questionnaire.level(level).name
    return page.locator(f".st-key-question-{question_id}").get_by_text(
        re.compile(rf"^{level} {re.escape(name)} · {re.escape(statement)}")
    )


def the_room_setup(database: Path | str, questionnaire: Questionnaire, people: int) -> tuple[int, list[Participant]]:
    """A self-paced assessment with a join link for each participant."""
    with closing(open_database(database)) as db:
        org = create_organisation(db, "Bench Bank", "Financial services", "5,000 employees and more", "Europe")
        assessment = create_assessment(db, org.id, questionnaire, "FY2026", date(2026, 3, 31))
        participants = []
        for person in range(people):
            name = f"Participant {person + 1:02d}"
            token, link = create_participant_link(db, assessment.id, name, created_by="benchmark")
            participants.append(Participant(name, link.respondent_id, token))
    return assessment.id, participants


def the_questions(questionnaire: Questionnaire, count: int) -> list[tuple[str, str, list[str]]]:
    """The first `count` questions in the order a participant meets them, domain by domain: (domain id, name, ids)."""
    plan: list[tuple[str, str, list[str]]] = []
    left = count
    for domain in questionnaire.domains:
        ids = [q.id for q in questionnaire.questions_in(domain.id)][: max(left, 0)]
        if ids:
            plan.append((domain.id, domain.name, ids))
        left -= len(ids)
    if left > 0:
        raise SystemExit(f"The questionnaire has {len(questionnaire.questions)} questions, fewer than {count}.")
    return plan


@dataclass
class LiveView:
    """The progress tables the facilitator's browser received: (moment, answered count per participant)."""

    tables: list[tuple[float, dict[str, int]]] = field(default_factory=list)

    def receive(self, payload: bytes | str) -> None:
        moment = time.monotonic()
        if isinstance(payload, str):
            return
        message = ForwardMsg()
        message.ParseFromString(payload)
        if message.WhichOneof("type") != "delta" or message.delta.WhichOneof("type") != "new_element":
            return
        element = message.delta.new_element
        if element.WhichOneof("type") != "dataframe":
            return
        data = element.dataframe.arrow_data.data
        table = pa.ipc.open_stream(data).read_all() if data else None
        if table is None or not {"Participant", "Answered"} <= set(table.column_names):
            return
        names, counts = table.column("Participant").to_pylist(), table.column("Answered").to_pylist()
        self.tables.append((moment, {str(name): int(count) for name, count in zip(names, counts, strict=True)}))

    def delays(self, stored: dict[Key, float], names: dict[int, str]) -> tuple[list[float], int]:
        """For each stored answer, the time until a table counted it; and how many answers no table counted."""
        by_person: dict[int, list[float]] = {}
        for (respondent_id, _), moment in stored.items():
            by_person.setdefault(int(respondent_id), []).append(moment)
        found, missed = [], 0
        for respondent_id, moments in by_person.items():
            name = names[respondent_id]
            for number, moment in enumerate(sorted(moments), start=1):
                shown = next((t for t, counts in self.tables if t >= moment and counts.get(name, 0) >= number), None)
                if shown is None:
                    missed += 1
                else:
                    found.append(shown - moment)
        return found, missed


@dataclass
class RoomFigures:
    figures: Figures
    refresh_delays: list[float]
    never_shown: int
    answers_stored: int
    wrong_answers: list[str]


async def the_room(browser: Browser, people: int, count: int, wave_size: int, options: list[str]) -> RoomFigures:
    questionnaire = get_questionnaire("itscm", "2026.1")
    database = Path(tempfile.mkdtemp()) / "bench-room.db"
    assessment_id, participants = the_room_setup(database, questionnaire, people)
    plan = the_questions(questionnaire, count)
    figures, live, port = Figures(), LiveView(), free_port()
    with running_app(database, port=port, options=options) as url:
        pid = server_pid(port)
        facilitator_context = await browser.new_context(viewport={"width": 1280, "height": 900})
        facilitator = await facilitator_context.new_page()
        facilitator.on("websocket", lambda socket: socket.on("framereceived", live.receive))
        await facilitator.goto(f"{url}/workshop?assessment={assessment_id}")
        await facilitator.get_by_text("Way of voting").wait_for(timeout=WAIT_MS)
        poller = StorePoller(
            database,
            "SELECT id, respondent_id, question_id FROM answers WHERE id > ? AND (level IS NOT NULL OR na = 1)",
            figures,
        )
        polling = asyncio.create_task(poller.run())

        async def open_page(page: Page, who: Participant) -> None:
            await page.goto(f"{url}/?join={who.token}")
            await page.locator(f".st-key-question-{plan[0][2][0]}").wait_for(timeout=WAIT_MS)
            await settle(page)

        async def answer(page: Page, person: int, who: Participant) -> None:
            index = 0
            for number, (domain_id, domain_name, ids) in enumerate(plan):
                if number:
                    # The domain control at the top of the page; its buttons read "Name (answered/total)".
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
                    level = level_for(person, index)
                    await click_and_wait(
                        page,
                        level_option(page, questionnaire, question_id, level),
                        poller,
                        (who.respondent_id, question_id),
                        figures,
                    )
                    index += 1

        await run_waves(browser, pid, participants, wave_size, open_page, answer, figures)
        await asyncio.sleep(REFRESH_S + 1)  # the facilitator's last refresh
        poller.running = False
        await polling
        await facilitator_context.close()
    # Every answer stored once, under the participant who clicked, with the level they chose.
    expected = {
        (who.respondent_id, question_id): level_for(person, index)
        for person, who in enumerate(participants)
        for index, question_id in enumerate(qid for _, _, ids in plan for qid in ids)
    }
    with closing(sqlite3.connect(database)) as conn:
        rows = conn.execute(
            "SELECT respondent_id, question_id, level FROM answers WHERE level IS NOT NULL OR na = 1"
        ).fetchall()
    stored = {(respondent_id, question_id): level for respondent_id, question_id, level in rows}
    wrong = [
        f"{key}: stored {stored.get(key)}, chosen {level}"
        for key, level in expected.items()
        if stored.get(key) != level
    ]
    wrong += [f"{key}: stored, never chosen" for key in stored.keys() - expected.keys()]
    delays, missed = live.delays(figures.stored, {who.respondent_id: who.name for who in participants})
    return RoomFigures(figures, delays, missed, len(rows), wrong)


# ---------------------------------------------------------------------------------------------- the floor


async def the_floor(browser: Browser, people: int, count: int, wave_size: int, options: list[str]) -> Figures:
    """The bare page, one radio button per participant's page, clicked `count` times each: one row a click."""
    folder = Path(tempfile.mkdtemp())
    database = folder / "bare.db"
    with closing(sqlite3.connect(database)) as conn:
        conn.execute("CREATE TABLE clicks (id INTEGER PRIMARY KEY, who TEXT, n INTEGER, value INTEGER)")
    script = folder / "bare_page.py"
    script.write_text(BARE_PAGE.format(database=str(database)))
    figures, port = Figures(), free_port()
    pages_of = [Participant(f"P{person + 1:02d}", person, "") for person in range(people)]
    with running_app(folder / "unused.db", port=port, script=script, options=options) as url:
        pid = server_pid(port)
        poller = StorePoller(database, "SELECT id, who, n FROM clicks WHERE id > ?", figures)
        polling = asyncio.create_task(poller.run())

        async def open_page(page: Page, who: Participant) -> None:
            await page.goto(f"{url}/?who={who.name}")
            await page.get_by_test_id("stRadio").wait_for(timeout=WAIT_MS)
            await settle(page)

        async def answer(page: Page, person: int, who: Participant) -> None:
            for number in range(1, count + 1):
                value = 1 + (person + number) % 5  # never the value already chosen: every click is a change
                option = page.get_by_test_id("stRadio").get_by_text(str(value), exact=True)
                await click_and_wait(page, option, poller, (who.name, number), figures)

        await run_waves(browser, pid, pages_of, wave_size, open_page, answer, figures)
        poller.running = False
        await polling
    return figures


# ---------------------------------------------------------------------------------------------- report


def milliseconds(values: Sequence[float]) -> str:
    if not values:
        return "none measured"
    return f"median {statistics.median(values) * 1000:4.0f} ms, p95 {percentile(values, 0.95) * 1000:5.0f} ms"


def seconds(values: Sequence[float]) -> str:
    if not values:
        return "none measured"
    return f"median {statistics.median(values):4.2f} s, p95 {percentile(values, 0.95):4.2f} s"


def streamlit_options(pairs: list[str]) -> list[str]:
    """`--streamlit-option runner.postScriptGC=false` as `streamlit run` options: --runner.postScriptGC false."""
    options = []
    for pair in pairs:
        name, _, value = pair.partition("=")
        if not name or not value:
            raise SystemExit(f"--streamlit-option takes KEY=VALUE, e.g. runner.postScriptGC=false, not {pair!r}")
        options += [f"--{name}", value]
    return options


async def main() -> None:
    parser = argparse.ArgumentParser(description=(__doc__ or "").splitlines()[0])
    parser.add_argument("--participants", type=int, default=30)
    parser.add_argument("--questions", type=int, default=60)
    parser.add_argument("--wave", type=int, default=5, help="browser contexts at once (default 5)")
    parser.add_argument("--streamlit-option", action="append", default=[], metavar="KEY=VALUE")
    arguments = parser.parse_args()
    executable = chromium_path()
    if executable is None:
        raise SystemExit("Chromium is not installed: `make deps-test` installs Debian's chromium package.")
    people, count = arguments.participants, arguments.questions
    wave_size = max(1, min(arguments.wave, people))
    options = streamlit_options(arguments.streamlit_option)
    started = time.monotonic()
    async with async_playwright() as playwright:
        browser = await playwright.chromium.launch(executable_path=executable, args=CHROMIUM_FLAGS)
        room = await the_room(browser, people, count, wave_size, options)
        floor = await the_floor(browser, people, count, wave_size, options)
        await browser.close()

    app, clicks = room.figures, people * count
    waves = -(-people // wave_size)
    print(
        f"Workshop room: {people} participants x {count} questions, self-paced, against one `streamlit run`"
        f"{' ' + ' '.join(options) if options else ''}; headless Chromium, {os.cpu_count()} cores."
    )
    print(
        f"  {waves} wave(s) of {wave_size} browser contexts at once"
        + (f" ({people} at once starve this machine: browsers and server share its cores)" if waves > 1 else "")
        + "; each participant clicks as soon as their previous answer is stored; the facilitator's page is open."
    )
    print(f"  answers stored:  {room.answers_stored:,} (must be {clicks:,})")
    print(f"  errors:          {len(app.errors) + len(room.wrong_answers)} (must be 0)")
    for error in (app.errors + room.wrong_answers)[:10]:
        print(f"    {error}")
    print(f"  click -> stored: {milliseconds(app.latencies)}   floor, bare page: {milliseconds(floor.latencies)}")
    ideal = [REFRESH_S * (n + 0.5) / 1000 for n in range(1000)]  # a wait spread evenly over one refresh period
    print(
        f"  stored -> the facilitator's count shows it: {seconds(room.refresh_delays)}"
        f"{f' ({room.never_shown} never shown)' if room.never_shown else ''}   floor, the {REFRESH_S:.0f} s refresh "
        f"were it instant: {seconds(ideal)}"
    )
    per_click = app.cpu_clicking / clicks * 1000
    background = app.idle_cpu_rate * app.clicking_s / clicks * 1000
    print(
        f"  server CPU per click: {per_click:.0f} ms, of which about {background:.0f} ms background refreshes   "
        f"floor, bare page: {floor.cpu_clicking / clicks * 1000:.0f} ms"
    )
    print(
        f"  one open participant page, idle, costs the server {app.idle_cpu_rate / app.idle_pages * 1000:.0f} ms CPU "
        f"a second (facilitator's page included): {people} open pages keep "
        f"{app.idle_cpu_rate / app.idle_pages * people:.2f} cores busy before anyone clicks"
    )
    print(
        f"  clicking took {app.clicking_s:.0f} s ({clicks / app.clicking_s:.1f} clicks/s; bare page "
        f"{floor.clicking_s:.0f} s, {len(floor.errors)} errors); the whole benchmark {time.monotonic() - started:.0f} s"
    )


if __name__ == "__main__":
    asyncio.run(main())
