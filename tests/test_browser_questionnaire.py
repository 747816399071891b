"""The questionnaire in real browsers: two people never undo each other, moving to the next domain opens it at
its first question, and text typed but not yet sent is not lost without a warning."""

from __future__ import annotations

import re
from datetime import date
from pathlib import Path

import pytest

from questionnaires.catalog import get_questionnaire
from storage import create_assessment, create_organisation, get_or_create_respondent, open_database, save_answer
from tests.browser_app import running_app, settle

pytestmark = pytest.mark.browser

QUESTIONNAIRE = get_questionnaire("itscm", "2026.1")
QUESTION = "RISK-05"


@pytest.fixture
def started(tmp_path: Path) -> tuple[Path, int]:
    """A database with one assessment whose RISK-05 is answered 3: (database, assessment id)."""
    database = tmp_path / "questionnaire.db"
    db = open_database(database)
    org = create_organisation(db, "Acme", "Retail", "250-999 employees", "Europe")
    assessment = create_assessment(db, org.id, QUESTIONNAIRE, "FY2026", date(2026, 3, 1))
    respondent = get_or_create_respondent(db, assessment.id, "Continuity manager")
    save_answer(db, QUESTIONNAIRE, assessment.id, respondent.id, QUESTION, 3)
    db.close()
    return database, assessment.id


def stored(database: Path) -> tuple[int, str]:
    conn = open_database(database)
    try:
        return conn.execute("SELECT level, comment FROM answers WHERE question_id = ?", [QUESTION]).fetchone()
    finally:
        conn.close()


def question(page: object) -> object:
    return page.locator(f".st-key-question-{QUESTION}")


def choose_level(page: object, level: int) -> None:
    name = QUESTIONNAIRE.level(level).name
    question(page).get_by_text(re.compile(rf"^{level} {name} · ")).click()
    settle(page)


def test_two_browsers_editing_one_answer_keep_both_changes_and_never_overwrite_silently(
    browser: object, started: tuple[Path, int]
) -> None:
    database, assessment_id = started
    with running_app(database) as url:
        address = f"{url}/questionnaire?assessment={assessment_id}&domain=RISK"
        first, second = browser.new_context(), browser.new_context()
        try:
            tab_a, tab_b = first.new_page(), second.new_page()
            for tab in (tab_a, tab_b):
                tab.goto(address)
                question(tab).wait_for(timeout=30_000)
                settle(tab)
            choose_level(tab_b, 5)
            assert stored(database) == (5, "")
            comment = question(tab_a).get_by_label("Comment", exact=True)
            comment.fill("Register reviewed in March")
            question(tab_a).get_by_text(QUESTION, exact=False).first.click()  # leave the field: it is sent
            settle(tab_a)
            assert stored(database) == (5, "Register reviewed in March")
            # Tab A now shows level 5; tab B moves on to 4 while A still shows 5, then A picks 2.
            choose_level(tab_b, 4)
            choose_level(tab_a, 2)
            question(tab_a).get_by_text("was changed elsewhere").wait_for(timeout=30_000)
            assert stored(database) == (4, "Register reviewed in March")
            tab_a.screenshot(path=str(database.with_name("conflict.png")))
        finally:
            first.close()
            second.close()


def test_the_next_domain_button_opens_the_next_domain_at_its_first_question(
    browser: object, started: tuple[Path, int]
) -> None:
    database, assessment_id = started
    with running_app(database) as url:
        page = browser.new_page(viewport={"width": 1280, "height": 800})
        page.goto(f"{url}/questionnaire?assessment={assessment_id}&domain=RISK")
        question(page).wait_for(timeout=30_000)
        settle(page)
        second = QUESTIONNAIRE.domains[1]
        button = page.get_by_role("button", name=re.compile(rf"^{second.name} →"))
        button.scroll_into_view_if_needed()
        button.click()
        settle(page)
        page.get_by_role("heading", name=second.name).wait_for(timeout=30_000)
        page.wait_for_timeout(300)
        first_question = page.locator(f".st-key-question-{QUESTIONNAIRE.questions_in(second.id)[0].id}")
        box = first_question.bounding_box()
        assert box is not None and 0 <= box["y"] < 800, box
        page.close()


LEAVE = """() => {
    const event = new Event("beforeunload", {cancelable: true});
    window.dispatchEvent(event);
    return event.defaultPrevented;
}"""


def test_leaving_with_a_comment_typed_but_not_sent_asks_first(browser: object, started: tuple[Path, int]) -> None:
    database, assessment_id = started
    with running_app(database) as url:
        page = browser.new_page()
        page.goto(f"{url}/questionnaire?assessment={assessment_id}&domain=RISK")
        question(page).wait_for(timeout=30_000)
        settle(page)
        # Nothing typed: leaving is not held up.
        assert page.evaluate(LEAVE) is False
        # Typed as a person types, not yet sent (the field keeps the focus): the browser is asked to
        # confirm leaving (Chromium shows its own "Leave site?" prompt for a real refresh or close).
        question(page).get_by_label("Comment", exact=True).click()
        page.keyboard.type("half-typed thought")
        assert page.evaluate(LEAVE) is True
        # The guard also sends the field, so the text is stored even if the person leaves anyway.
        settle(page)
        assert stored(database) == (3, "half-typed thought")
        page.close()
