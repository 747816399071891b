"""Two app processes behind nginx (deploy/nginx/itscm.conf, run by deploy/several.py): each browser stays on one
process, browsers are spread over both, and when a browser's process is killed it carries on through the other
with every answer stored once."""

from __future__ import annotations

import re
import time
from contextlib import closing
from datetime import date
from pathlib import Path

import pytest

from deploy.several import ROUTE_COOKIE, AppProcess, ProxiedApp, nginx_path, running_behind_proxy
from questionnaires.catalog import get_questionnaire
from storage import create_assessment, create_organisation, get_or_create_respondent, open_database
from tests.browser_app import settle

pytestmark = [
    pytest.mark.browser,
    pytest.mark.skipif(nginx_path() is None, reason="nginx is not installed (make deps-test installs it)"),
]

QUESTIONNAIRE = get_questionnaire("itscm", "2026.1")
RISK = [question.id for question in QUESTIONNAIRE.questions_in("RISK")]
WAIT_MS = 60_000


@pytest.fixture
def assessment(tmp_path: Path) -> tuple[Path, int]:
    """A database with an assessment whose one respondent has answered nothing yet: (database, assessment id)."""
    database = tmp_path / "proxy.db"
    with closing(open_database(database)) as db:
        org = create_organisation(db, "Acme", "Retail", "250-999 employees", "Europe")
        assessment = create_assessment(db, org.id, QUESTIONNAIRE, "FY2026", date(2026, 3, 1))
        get_or_create_respondent(db, assessment.id, "Continuity manager")
    return database, assessment.id


def route_of(context: object) -> str:
    """The route cookie nginx gave this browser."""
    cookies = [c for c in context.cookies() if c["name"] == ROUTE_COOKIE]  # type: ignore[attr-defined]
    assert len(cookies) == 1, cookies
    return str(cookies[0]["value"])


def serving(proxied: ProxiedApp, route: str, *, besides: AppProcess | None = None) -> AppProcess:
    """The process nginx's access log shows serving `route` last (other than `besides`), waiting for the log line."""
    deadline = time.monotonic() + 30
    while time.monotonic() < deadline:
        served = [a for a in proxied.upstreams_of(route) if besides is None or a != besides.address]
        if served:
            return next(app for app in proxied.processes if app.address == served[-1])
        time.sleep(0.2)
    raise AssertionError(f"nginx's access log shows no request of route {route}: {proxied.access_log}")


def answer(page: object, question_id: str, level: int) -> None:
    """Click a level of a question as a person does, and wait for the rerun it starts."""
    name = QUESTIONNAIRE.level(level).name
    block = page.locator(f".st-key-question-{question_id}")  # type: ignore[attr-defined]
    block.get_by_text(re.compile(rf"^{level} {re.escape(name)} · ")).click(timeout=WAIT_MS)
    settle(page)


def stored_levels(database: Path) -> tuple[dict[str, int], list[tuple[str, int | None, int]]]:
    """(level per answered question, history rows as (question, old level, new level) in order)."""
    with closing(open_database(database)) as conn:
        answers = conn.execute("SELECT question_id, level FROM answers WHERE level IS NOT NULL").fetchall()
        history = conn.execute("SELECT question_id, old_level, new_level FROM answer_history ORDER BY id").fetchall()
    return dict(answers), [tuple(row) for row in history]


def wait_for_levels(database: Path, expected: dict[str, int]) -> dict[str, int]:
    deadline = time.monotonic() + 10
    while True:
        levels, _ = stored_levels(database)
        if levels == expected or time.monotonic() > deadline:
            return levels
        time.sleep(0.1)


def test_a_browser_whose_process_is_killed_carries_on_through_the_other_process_and_loses_no_answer(
    browser: object, assessment: tuple[Path, int]
) -> None:
    database, assessment_id = assessment
    given = {question_id: 1 + number % 5 for number, question_id in enumerate(RISK[:6])}
    before, after = list(given.items())[:3], list(given.items())[3:]
    with running_behind_proxy(database, 2, folder=database.parent / "nginx") as proxied:
        context = browser.new_context(viewport={"width": 1280, "height": 900})  # type: ignore[attr-defined]
        try:
            page = context.new_page()
            page.goto(f"{proxied.url}/questionnaire?assessment={assessment_id}&domain=RISK")
            page.locator(f".st-key-question-{RISK[0]}").wait_for(timeout=WAIT_MS)
            settle(page)
            for question_id, level in before:
                answer(page, question_id, level)
            assert wait_for_levels(database, dict(before)) == dict(before)
            route = route_of(context)
            first = serving(proxied, route)
            page.screenshot(path=str(database.with_name("before-failover.png")), full_page=True)

            page.evaluate("() => { window.beforeFailover = true; }")
            first.process.kill()
            first.process.wait(timeout=10)
            # The page notices the closed connection and reconnects by itself, through nginx, to the process
            # still running; there it loads again (window.beforeFailover is gone) and shows what is stored.
            page.wait_for_function("() => window.beforeFailover === undefined", timeout=WAIT_MS)
            page.locator(f".st-key-question-{RISK[0]}").wait_for(timeout=WAIT_MS)
            settle(page)
            second = serving(proxied, route, besides=first)
            page.get_by_text(f"{len(before)} of {len(QUESTIONNAIRE.questions)} questions answered").wait_for()
            for question_id, _ in before:  # each answered question shows its level chosen (one checked radio)
                checked = page.locator(f".st-key-question-{question_id} input[type=radio]:checked")
                checked.wait_for(timeout=WAIT_MS)
                assert checked.count() == 1
            for question_id, level in after:
                answer(page, question_id, level)
            page.screenshot(path=str(database.with_name("after-failover.png")), full_page=True)
            assert route_of(context) == route  # the same browser, the same cookie: nginx moved it
        finally:
            context.close()
        assert second is not first and second.process.poll() is None
        assert wait_for_levels(database, given) == given
        _, history = stored_levels(database)
        assert history == [(question_id, None, level) for question_id, level in given.items()]


def test_browsers_are_spread_over_both_processes_and_each_stays_on_its_own(
    browser: object, assessment: tuple[Path, int]
) -> None:
    database, assessment_id = assessment
    # Sixteen new browsers all on one of two processes would happen once in 2^15 runs were the spread random.
    routes = []
    with running_behind_proxy(database, 2, folder=database.parent / "nginx") as proxied:
        for _ in range(16):
            context = browser.new_context()  # type: ignore[attr-defined]
            try:
                page = context.new_page()
                page.goto(f"{proxied.url}/questionnaire?assessment={assessment_id}&domain=RISK")
                page.locator(f".st-key-question-{RISK[0]}").wait_for(timeout=WAIT_MS)
                routes.append(route_of(context))
            finally:
                context.close()
        time.sleep(0.5)  # nginx logs a WebSocket when it closes
        served = {route: set(proxied.upstreams_of(route)) for route in routes}
    assert len(set(routes)) == len(routes)  # each browser its own route
    # Every request of a browser (page, scripts, WebSocket) went to one process, and both processes had some.
    assert all(len(addresses) == 1 for addresses in served.values()), served
    assert set().union(*served.values()) == {app.address for app in proxied.processes}, served
