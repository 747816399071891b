"""Imports on the Data page in a real browser: a clash of organisation names is asked about, a file of the
wrong kind is refused with a reason, and after an import only its outcome stays on screen, with the roadmap steps
made from findings it could not carry."""

from __future__ import annotations

from datetime import date
from pathlib import Path

import pytest

from evidence.model import Exercise, Finding
from exports.json_io import assessment_json
from exports.report import load_report
from questionnaires.catalog import get_questionnaire
from storage import (
    create_assessment,
    create_organisation,
    get_or_create_respondent,
    list_organisations,
    list_roadmap_items,
    open_database,
    save_answer,
)
from storage.evidence import save_log
from storage.finding_items import list_finding_items, list_findings, plan_finding
from tests.browser_app import running_app, settle

pytestmark = pytest.mark.browser


def test_a_json_import_of_an_existing_organisation_asks_and_imports_as_a_new_one(
    browser: object, tmp_path: Path
) -> None:
    database = tmp_path / "imports.db"
    db = open_database(database)
    questionnaire = get_questionnaire("itscm", "2026.1")
    org = create_organisation(db, "Acme", "Retail", "250-999 employees", "Europe")
    assessment = create_assessment(db, org.id, questionnaire, "FY2026", date(2026, 2, 1))
    respondent = get_or_create_respondent(db, assessment.id, "Continuity manager")
    save_answer(db, questionnaire, assessment.id, respondent.id, "RISK-01", 4)
    save_log(db, org.id, (Exercise(date(2025, 10, 14), "tabletop", "Tabletop", findings=(Finding("No call tree"),)),))
    plan_finding(db, assessment.id, list_findings(db, org.id)[0].key, by="ann@example.org")
    document = tmp_path / "acme.json"
    document.write_text(
        assessment_json(
            load_report(db, assessment.id),
            list_roadmap_items(db, assessment.id),
            list_finding_items(db, assessment.id),
        )
    )
    wrong = tmp_path / "notes.csv"
    wrong.write_text("question_id,level\nRISK-01,3\n")
    db.close()

    with running_app(database) as url:
        page = browser.new_page(viewport={"width": 1400, "height": 1000})
        page.goto(f"{url}/data?assessment={assessment.id}")
        page.get_by_role("tab", name="Import").click()
        uploaders = page.locator('[data-testid="stFileUploader"]')
        uploaders.nth(1).locator('input[type="file"]').set_input_files(wrong)
        settle(page)
        page.get_by_text("notes.csv is not an assessment exported as JSON (.json)").wait_for(timeout=30_000)
        uploaders.nth(1).locator('input[type="file"]').set_input_files(document)
        settle(page)
        page.get_by_text("An organisation named Acme already exists").wait_for(timeout=30_000)
        assert page.get_by_role("button", name="Import the assessment").is_disabled()
        page.get_by_text("as a new organisation under another name").click()
        settle(page)
        page.get_by_label("Name of the new organisation").fill("Acme (copy)")
        page.get_by_label("Name of the new organisation").press("Enter")
        settle(page)
        page.get_by_role("button", name="Import the assessment").click()
        settle(page)
        page.get_by_text("Imported assessment FY2026 from acme.json.").wait_for(timeout=30_000)
        settle(page)  # the run that shows the outcome removes what the previous run showed when it ends
        assert page.get_by_text("already exists").count() == 0
        page.get_by_text(
            "1 roadmap step made from a finding is not carried (1 because the exercise and incident log of "
            "Acme (copy) has no findings)"
        ).wait_for(timeout=30_000)
        assert page.get_by_text("From exercise 2025-10-14 tabletop: No call tree").count() == 1
        page.screenshot(path=str(tmp_path / "after-import.png"))

    db = open_database(database)
    try:
        assert sorted(o.name for o in list_organisations(db)) == ["Acme", "Acme (copy)"]
    finally:
        db.close()
