"""A person's first self-assessment in a real browser: Chromium driving `streamlit run app.py`."""

from __future__ import annotations

import re
from pathlib import Path

import pytest
from playwright.sync_api import expect

from questionnaires.catalog import get_questionnaire
from tests.browser_app import running_app, settle

pytestmark = pytest.mark.browser

# A new assessment starts on the newest version of the shipped questionnaire.
QUESTIONNAIRE = get_questionnaire("itscm", "2026.2")
TOTAL = len(QUESTIONNAIRE.questions)
XSS_NAME = "Acme <img src=x onerror=alert(1)>"
LEVEL = "2 Repeatable"


def choose(page: object, label: str, option: str) -> None:
    page.get_by_label(label, exact=True).click()
    page.get_by_role("option", name=option, exact=True).click()


def answer_domain(page: object, domain_id: str) -> int:
    """Answer every question of the domain on screen at LEVEL; return how many there were."""
    count = len(QUESTIONNAIRE.questions_in(domain_id))
    groups = page.locator('[data-testid="stRadio"]')
    expect(groups).to_have_count(count, timeout=30_000)
    settle(page)
    for i in range(count):
        groups.nth(i).get_by_text(re.compile(rf"^{LEVEL} · ")).click()
        settle(page)
    return count


def test_first_self_assessment_from_new_organisation_to_roadmap(browser: object, tmp_path: Path) -> None:
    dialogs: list[str] = []
    shots = tmp_path / "screenshots"
    shots.mkdir()
    with running_app(tmp_path / "journey.db") as url:
        page = browser.new_page(viewport={"width": 1400, "height": 1000})
        page.on("dialog", lambda dialog: (dialogs.append(dialog.message), dialog.dismiss()))
        page.goto(url)
        page.get_by_text("No organisation yet").wait_for(timeout=30_000)

        # A new organisation, whose name tries to inject HTML.
        page.get_by_label("Name", exact=True).fill(XSS_NAME)
        choose(page, "Industry", "Retail")
        choose(page, "Size", "250-999 employees")
        choose(page, "Region", "Europe")
        page.get_by_role("button", name="Create organisation").click()
        settle(page)
        page.get_by_text("No assessment yet for this organisation").wait_for()
        assert page.get_by_label("Organisation", exact=True).input_value() == XSS_NAME

        # A new assessment opens the questionnaire on its first domain.
        page.get_by_role("button", name="Start assessment").click()
        page.get_by_role("heading", name="Risk assessment").wait_for(timeout=30_000)
        assert "assessment=" in page.url
        first_domain = answer_domain(page, "RISK")
        comment = page.get_by_label("Comment", exact=True).first
        comment.fill(XSS_NAME)
        comment.blur()
        settle(page)
        page.screenshot(path=str(shots / "questionnaire.png"), full_page=True)

        # A refresh keeps every answer and the place in the questionnaire.
        page.reload()
        page.get_by_role("heading", name="Risk assessment").wait_for(timeout=30_000)
        checked = page.locator('[data-testid="stRadio"] input[type="radio"]:checked')
        expect(checked).to_have_count(first_domain, timeout=30_000)
        # Exact: an N/A option's label ("... write why in the comment first") also contains "comment".
        expect(page.get_by_label("Comment", exact=True).first).to_have_value(XSS_NAME)
        assert page.get_by_text(f"{first_domain} of {TOTAL} questions answered").is_visible()

        # The other domains, one after the other.
        for domain in QUESTIONNAIRE.domains[1:]:
            page.get_by_role("button", name=re.compile(rf"^{domain.name} →")).click()
            settle(page)
            page.get_by_role("heading", name=domain.name).wait_for()
            answer_domain(page, domain.id)
        page.get_by_text(f"{TOTAL} of {TOTAL} questions answered").wait_for()

        # Completing it shows the results with the expected stage.
        page.get_by_role("button", name="Mark assessment complete").click()
        page.get_by_role("heading", name="Results").wait_for(timeout=30_000)
        page.get_by_text("Overall stage", exact=True).first.wait_for()
        assert page.get_by_text(LEVEL, exact=True).first.is_visible()
        page.screenshot(path=str(shots / "results.png"), full_page=True)

        # The roadmap has one step per practice (level 2 against the default target 3).
        page.get_by_role("link", name="Roadmap").first.click()
        page.get_by_role("heading", name="Roadmap").wait_for(timeout=30_000)
        settle(page)
        page.get_by_text(re.compile(r"\d+ steps · \d+ of \d+ points")).first.wait_for()
        labels = page.get_by_text(re.compile(r"^(\d+) steps · ")).all_text_contents()
        assert sum(int(text.split()[0]) for text in labels) == TOTAL
        page.screenshot(path=str(shots / "roadmap.png"), full_page=True)
    assert dialogs == [], "user text was executed as HTML"
