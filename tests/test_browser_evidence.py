"""Evidence in a real browser: a service and a failed failover entered on the Evidence page (as files, the way a
continuity manager brings them from a spreadsheet) flag the answer they contradict on the Results page, and give
the Roadmap page its business case, whose assumptions can be changed there."""

from __future__ import annotations

import re
from contextlib import closing
from dataclasses import replace
from datetime import date, timedelta
from pathlib import Path

import pytest
from playwright.sync_api import Page, expect

from evidence.files import log_csv, register_csv
from evidence.model import Exercise, Finding, Service, ServiceResult
from questionnaires.catalog import get_questionnaire
from storage import create_assessment, create_organisation, get_or_create_respondent, open_database, save_answer
from storage.evidence import save_log, save_register
from storage.finding_items import list_finding_items
from tests.browser_app import running_app, settle

pytestmark = pytest.mark.browser

QUESTIONNAIRE = get_questionnaire("itscm", "2026.2")
WAIT_MS = 30_000
FAILOVER_DAY = date.today() - timedelta(days=30)
PAYMENTS = Service(
    "Payments",
    "Ana Marsh",
    "critical",
    mtpd_hours=8,
    rto_hours=4,
    rpo_hours=1,
    downtime_cost_per_hour=1000,
    currency="EUR",
)
FAILOVER = Exercise(
    FAILOVER_DAY, "failover", "Payments failover", (ServiceResult("Payments", recovery_hours=9, data_loss_hours=0.5),)
)


@pytest.fixture
def acme(tmp_path: Path) -> tuple[Path, int]:
    """Acme's FY2026 assessment on 2026.2 answering TEST-11 (recovery measured against RTO and RPO) at level 4."""
    database = tmp_path / "evidence.db"
    with closing(open_database(database)) as db:
        organisation = create_organisation(db, "Acme", "Retail", "250-999 employees", "Europe")
        assessment = create_assessment(db, organisation.id, QUESTIONNAIRE, "FY2026", date(2026, 3, 1))
        person = get_or_create_respondent(db, assessment.id, "Ana Marsh")
        save_answer(db, QUESTIONNAIRE, assessment.id, person.id, "TEST-11", 4)
    return database, assessment.id


def import_file(page: Page, index: int, path: Path, what: str, count: str) -> None:
    """Upload a file into the page's `index`-th importer, confirm the replacement and import it."""
    # As a person does it: the uploader's button, then the file in the chooser it opens.
    with page.expect_file_chooser() as chooser:
        page.locator('[data-testid="stFileUploader"]').nth(index).get_by_role(
            "button", name="Upload", exact=True
        ).click()
    chooser.value.set_files(str(path))
    page.get_by_text(f"{path.name}: {count}, every row checked").wait_for(timeout=WAIT_MS)
    page.get_by_text("Replace the", exact=False).filter(has_text="of this file").last.click()
    settle(page)
    page.get_by_role("button", name=f"Import the {what}", exact=True).click()
    page.get_by_text(f"Imported {count} from {path.name}").wait_for(timeout=WAIT_MS)
    settle(page)


def test_a_failed_failover_entered_as_evidence_flags_the_answer_it_contradicts_on_results(
    browser: object, acme: tuple[Path, int]
) -> None:
    database, assessment_id = acme
    register, log = database.parent / "register.csv", database.parent / "log.csv"
    register.write_bytes(register_csv([PAYMENTS]))
    log.write_bytes(log_csv([FAILOVER]))
    context = browser.new_context(viewport={"width": 1280, "height": 900})  # type: ignore[attr-defined]
    try:
        page = context.new_page()
        with running_app(database) as url:
            page.goto(f"{url}/evidence?organisation=1")
            page.get_by_text("Service register").first.wait_for(timeout=WAIT_MS)
            # The page runs once more after putting the organisation's assessment into the address: the upload
            # waits for that run, so it never races it.
            page.wait_for_url(re.compile(r"assessment=1"), timeout=WAIT_MS)
            settle(page)
            import_file(page, 0, register, "register", "1 service")
            import_file(page, 1, log, "log", "1 exercise or incident")
            page.goto(f"{url}/results?assessment={assessment_id}")
            page.get_by_text("Claims the facts don't support").wait_for(timeout=WAIT_MS)
            settle(page)
            claim = page.get_by_text("TEST-11 answered 4;")
            expect(claim).to_contain_text(
                f"the last failover of Payments took 9 h against an RTO of 4 h on {FAILOVER_DAY:%-d %b %Y}"
            )
            expect(claim).to_contain_text("the facts support 3")
            page.screenshot(path=str(database.parent / "results-top.png"))
            claim.scroll_into_view_if_needed()
            page.screenshot(path=str(database.parent / "results-claims.png"))

            # The Roadmap's business case: EUR 1,000 an hour x (9 h - 4 h) x 1 disruption a year.
            page.goto(f"{url}/roadmap?assessment={assessment_id}")
            page.get_by_role("heading", name="Business case").wait_for(timeout=WAIT_MS)
            settle(page)
            expect(page.get_by_text("Exposure now: EUR 5,000 a year")).to_be_visible()
            page.get_by_role("heading", name="What raises the overall stage").wait_for(timeout=WAIT_MS)
            expect(page.get_by_text("There is no overall stage yet")).to_be_visible()
            disruptions = page.get_by_label("Expected disruptions a year (per service)")
            disruptions.fill("2")
            page.get_by_role("button", name="Save assumptions").click()
            page.get_by_text("Exposure now: EUR 10,000 a year").wait_for(timeout=WAIT_MS)
            page.screenshot(path=str(database.parent / "roadmap-business-case.png"), full_page=True)
            page.reload()
            page.get_by_text("Exposure now: EUR 10,000 a year").wait_for(timeout=WAIT_MS)
    finally:
        context.close()


def test_a_finding_put_on_the_roadmap_from_the_evidence_page_shows_on_the_roadmap_page(
    browser: object, acme: tuple[Path, int]
) -> None:
    database, assessment_id = acme
    finding = Finding("Runbook step 4 out of date", owner="Ben Okoro")
    with closing(open_database(database)) as db:
        save_register(db, 1, [PAYMENTS])
        save_log(db, 1, [replace(FAILOVER, findings=(finding,))])
    step = f"From exercise {FAILOVER_DAY:%Y-%m-%d} failover: Runbook step 4 out of date"
    context = browser.new_context(viewport={"width": 1280, "height": 900})  # type: ignore[attr-defined]
    try:
        page = context.new_page()
        with running_app(database) as url:
            page.goto(f"{url}/evidence?organisation=1")
            page.get_by_text("Findings on the roadmap").first.wait_for(timeout=WAIT_MS)
            settle(page)
            page.get_by_role("button", name="Add to the roadmap").click()
            page.get_by_text(f"Added to the roadmap of FY2026: {step}").wait_for(timeout=WAIT_MS)
            settle(page)
            page.goto(f"{url}/roadmap?assessment={assessment_id}")
            page.get_by_text("From the exercise and incident log").wait_for(timeout=WAIT_MS)
            settle(page)
            expect(page.get_by_text(step)).to_be_visible()
            expect(page.get_by_label("Owner").last).to_have_value("Ben Okoro")
            page.get_by_text(step).scroll_into_view_if_needed()
            page.screenshot(path=str(database.parent / "roadmap-finding.png"))
    finally:
        context.close()
    with closing(open_database(database)) as db:
        (item,) = list_finding_items(db, assessment_id)
        assert item.finding is not None and item.finding.text == finding.text


@pytest.fixture
def dated(tmp_path: Path) -> tuple[Path, int]:
    """Acme's FY2026 assessment on 2026.2 answering TEST-11 at level 3 with evidence dated 20 days ago."""
    database = tmp_path / "dated.db"
    with closing(open_database(database)) as db:
        organisation = create_organisation(db, "Acme", "Retail", "250-999 employees", "Europe")
        assessment = create_assessment(db, organisation.id, QUESTIONNAIRE, "FY2026", date(2026, 3, 1))
        person = get_or_create_respondent(db, assessment.id, "Ana Marsh")
        recent = date.today() - timedelta(days=20)
        save_answer(
            db, QUESTIONNAIRE, assessment.id, person.id, "TEST-11", 3, evidence="Failover report", evidence_date=recent
        )
    return database, assessment.id


def test_an_old_evidence_date_set_on_the_questionnaire_lowers_the_domains_confidence_on_results_with_the_reason(
    browser: object, dated: tuple[Path, int]
) -> None:
    database, assessment_id = dated
    context = browser.new_context(viewport={"width": 1280, "height": 900})  # type: ignore[attr-defined]
    try:
        page = context.new_page()
        with running_app(database) as url:
            page.goto(f"{url}/results?assessment={assessment_id}")
            page.get_by_text("By domain", exact=True).wait_for(timeout=WAIT_MS)
            settle(page)
            expect(page.get_by_text("What lowers confidence")).to_have_count(0)
            page.goto(f"{url}/questionnaire?assessment={assessment_id}&domain=TEST")
            block = page.locator(".st-key-question-TEST-11")
            block.wait_for(timeout=WAIT_MS)
            settle(page)
            # The date field has a segment per part (year, month, day); typing fills one and moves to the next.
            block.get_by_role("spinbutton", name="year, Evidence date").click()
            page.keyboard.type("20250303")
            page.keyboard.press("Enter")
            block.get_by_text("TEST-11 ·").click()  # leaves the field, closing its calendar
            stale = block.get_by_text("Evidence dated 3 Mar 2025 is older than 12 months")
            stale.wait_for(timeout=WAIT_MS)
            page.screenshot(path=str(database.parent / "questionnaire-stale.png"))
            page.goto(f"{url}/results?assessment={assessment_id}")
            page.get_by_text("What lowers confidence").click()
            settle(page)
            expect(page.get_by_text("Testing and exercising: Low")).to_be_visible()
            reason = page.get_by_text("1 of 1 answer has evidence older than 12 months: TEST-11")
            expect(reason).to_be_visible()
            reason.scroll_into_view_if_needed()
            page.screenshot(path=str(database.parent / "results-confidence.png"))
    finally:
        context.close()
