"""Results and Roadmap on a phone (390 x 844): radar labels inside the chart, a roadmap step editable there."""

from __future__ import annotations

from collections.abc import Iterator
from datetime import date
from pathlib import Path

import pytest

from exports.report import PlannedStep, load_report, planned_roadmap
from questionnaires.catalog import get_questionnaire
from storage import create_assessment, create_organisation, get_or_create_respondent, open_database, save_answer
from tests.browser_app import running_app, settle

pytestmark = pytest.mark.browser

QUESTIONNAIRE = get_questionnaire("itscm", "2026.1")
PHONE = {"width": 390, "height": 844}


@pytest.fixture(scope="module")
def phone_app(tmp_path_factory: pytest.TempPathFactory) -> Iterator[tuple[str, Path, int]]:
    """The app on an assessment answered at level 2 everywhere (65 roadmap steps); its URL, database and id."""
    database = tmp_path_factory.mktemp("phone") / "phone.db"
    db = open_database(database)
    org = create_organisation(db, "Initech", "Technology", "250-999 employees", "Europe")
    assessment = create_assessment(db, org.id, QUESTIONNAIRE, "FY2026", date(2026, 2, 1))
    respondent = get_or_create_respondent(db, assessment.id, "Continuity manager")
    for question in QUESTIONNAIRE.questions:
        save_answer(db, QUESTIONNAIRE, assessment.id, respondent.id, question.id, 2)
    db.close()
    with running_app(database) as url:
        yield url, database, assessment.id


def stored_row(database: Path, plan: PlannedStep) -> tuple[str, str | None, str] | None:
    conn = open_database(database)
    try:
        return conn.execute(
            "SELECT owner, due_date, status FROM roadmap_items WHERE question_id = ? AND to_level = ?",
            [plan.step.question_id, plan.step.to_level],
        ).fetchone()
    finally:
        conn.close()


def wait_for_row(page: object, database: Path, plan: PlannedStep, expected: tuple[str, str | None, str]) -> None:
    """Wait until the step's row holds `expected` (the save runs on the server after the browser sends it)."""
    for _ in range(100):
        if stored_row(database, plan) == expected:
            settle(page)
            return
        page.wait_for_timeout(100)  # type: ignore[attr-defined]
    assert stored_row(database, plan) == expected


def phone_page(browser: object) -> object:
    return browser.new_context(viewport=PHONE, is_mobile=True, has_touch=True).new_page()  # type: ignore[attr-defined]


def test_every_radar_domain_name_fits_inside_the_chart_on_a_phone(
    browser: object, phone_app: tuple[str, Path, int], tmp_path: Path
) -> None:
    url, _, assessment_id = phone_app
    page = phone_page(browser)
    page.goto(f"{url}/results?assessment={assessment_id}")
    settle(page)
    labels = page.locator(".angularaxistick text")
    labels.first.wait_for(timeout=30_000)
    chart = page.locator('[data-testid="stPlotlyChart"]', has=page.locator(".angularaxistick"))
    chart.scroll_into_view_if_needed()
    page.screenshot(path=str(tmp_path / "results-radar-390.png"))
    box = chart.bounding_box()
    assert labels.count() == len(QUESTIONNAIRE.domains)
    for label in labels.all():
        inner = label.bounding_box()
        assert box["x"] <= inner["x"], f"{label.text_content()!r} is cut on the left"
        assert inner["x"] + inner["width"] <= box["x"] + box["width"], f"{label.text_content()!r} is cut on the right"
    page.context.close()


def test_a_roadmap_step_shows_its_action_and_takes_an_owner_due_date_and_status_on_a_phone(
    browser: object, phone_app: tuple[str, Path, int], tmp_path: Path
) -> None:
    url, database, assessment_id = phone_app
    db = open_database(database)
    first = sorted(
        planned_roadmap(db, load_report(db, assessment_id)), key=lambda p: (p.step.phase_index, p.step.order)
    )[0]
    db.close()
    page = phone_page(browser)
    page.goto(f"{url}/roadmap?assessment={assessment_id}")
    settle(page)
    card = page.locator(f".st-key-step-{first.step.question_id}-{first.step.to_level}")
    card.wait_for(timeout=30_000)
    card.scroll_into_view_if_needed()
    owner = card.get_by_label("Owner", exact=True)
    due = card.get_by_label("Due date", exact=True)
    status = card.get_by_label("Status", exact=True)
    owner.wait_for(timeout=30_000)
    # The whole action is on screen, and every field lies within the phone's width.
    action = card.get_by_text(first.step.action, exact=False)
    for part in (action, owner, due, status):
        inner = part.bounding_box()
        assert inner is not None and inner["x"] >= 0 and inner["x"] + inner["width"] <= PHONE["width"]
    page.screenshot(path=str(tmp_path / "roadmap-step-390.png"))

    owner.fill("Dana (CIO)")
    owner.press("Enter")
    wait_for_row(page, database, first, ("Dana (CIO)", None, "planned"))
    # The date field has one segment per part (year, month, day): type into them in turn, then tap
    # outside it, which is when the date is sent.
    due.get_by_role("spinbutton").first.click()
    page.keyboard.type("20260930")
    action.click()
    wait_for_row(page, database, first, ("Dana (CIO)", "2026-09-30", "planned"))
    status.click()
    page.get_by_role("option", name="Done", exact=True).click()
    wait_for_row(page, database, first, ("Dana (CIO)", "2026-09-30", "done"))
    page.screenshot(path=str(tmp_path / "roadmap-step-390-edited.png"))
    page.context.close()
