"""User text with web addresses is shown as text on every page, never as a live link."""

from __future__ import annotations

from datetime import date
from pathlib import Path

import pytest

from questionnaires.catalog import get_questionnaire
from storage import (
    create_assessment,
    create_organisation,
    get_or_create_respondent,
    open_database,
    save_answer,
    save_roadmap_item,
)
from tests.browser_app import running_app, settle

pytestmark = pytest.mark.browser

HOSTS = ("evil.example", "phish.example", "mail.example")


def test_addresses_in_names_comments_and_owners_never_become_links(browser: object, tmp_path: Path) -> None:
    database = tmp_path / "links.db"
    db = open_database(database)
    questionnaire = get_questionnaire("itscm", "2026.1")
    org = create_organisation(db, "Acme https://evil.example/login", "Retail", "250-999 employees", "Europe")
    assessment = create_assessment(db, org.id, questionnaire, "www.phish.example", date(2026, 3, 1))
    respondent = get_or_create_respondent(db, assessment.id, "ana@mail.example")
    for question in questionnaire.questions:
        save_answer(db, questionnaire, assessment.id, respondent.id, question.id, 2, comment="see https://evil.example")
    first = questionnaire.questions[0]
    save_roadmap_item(db, questionnaire, assessment.id, first.id, 3, owner="www.phish.example")
    db.close()
    with running_app(database) as url:
        page = browser.new_page(viewport={"width": 1400, "height": 1000})
        for name in ("questionnaire", "results", "roadmap", "data"):
            page.goto(f"{url}/{name}?assessment={assessment.id}")
            page.get_by_text("evil.example", exact=False).first.wait_for(timeout=30_000)
            settle(page)
            hrefs = page.eval_on_selector_all("a[href]", "links => links.map(link => link.href)")
            assert not [h for h in hrefs if any(host in h for host in HOSTS)], (name, hrefs)
        page.close()
