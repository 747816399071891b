"""Every page shows the organisation chosen last, and names it and the assessment in its title."""

from __future__ import annotations

from collections.abc import Iterator
from datetime import date
from pathlib import Path

import pytest
from app_runner import new_session
from streamlit.testing.v1 import AppTest

from questionnaires.catalog import get_questionnaire
from storage import (
    close_thread_connections,
    connect,
    create_assessment,
    create_organisation,
    get_or_create_respondent,
    save_answer,
)

PAGES = ("questionnaire", "results", "roadmap")


@pytest.fixture
def clients(tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> Iterator[dict[str, tuple[int, int]]]:
    """Two client organisations, K and H, each with one answered assessment: name -> (organisation, assessment)."""
    monkeypatch.setenv("ITSCM_DB", str(tmp_path / "app.db"))
    db = connect()
    questionnaire = get_questionnaire("itscm", "2026.1")
    made = {}
    for name, label, level in (("Kestrel Insurance", "FY2025", 2), ("Heron Logistics", "FY2026", 4)):
        org = create_organisation(db, name, "Retail", "250-999 employees", "Europe")
        assessment = create_assessment(db, org.id, questionnaire, label, date(2026, 3, 1))
        respondent = get_or_create_respondent(db, assessment.id, "Continuity manager")
        save_answer(db, questionnaire, assessment.id, respondent.id, "RISK-01", level)
        made[name] = (org.id, assessment.id)
    yield made
    close_thread_connections()


def run_page(at: AppTest, page: str) -> AppTest:
    at.switch_page(f"app_pages/{page}.py")
    return at.run()


@pytest.mark.parametrize("page", PAGES)
def test_choosing_another_organisation_on_home_changes_what_every_page_shows(
    clients: dict[str, tuple[int, int]], page: str
) -> None:
    at = new_session()
    at.query_params["assessment"] = str(clients["Kestrel Insurance"][1])
    run_page(at, page)
    assert "Kestrel Insurance" in at.title[0].value
    run_page(at, "home")
    at.selectbox[0].set_value(clients["Heron Logistics"][0]).run()
    run_page(at, page)
    assert not at.exception
    assert "Heron Logistics" in at.title[0].value
    assert "Kestrel" not in at.title[0].value
    assert "FY2026" in "\n".join(m.value for m in at.markdown)


def test_the_header_switches_the_organisation_in_place(clients: dict[str, tuple[int, int]]) -> None:
    at = new_session()
    at.query_params["assessment"] = str(clients["Kestrel Insurance"][1])
    run_page(at, "results")
    at.selectbox(key="header-organisation").set_value(clients["Heron Logistics"][0]).run()
    assert "Heron Logistics" in at.title[0].value
    assert at.selectbox(key="header-assessment").value == clients["Heron Logistics"][1]


def test_an_assessment_named_in_the_url_brings_its_organisation_with_it(clients: dict[str, tuple[int, int]]) -> None:
    at = new_session()
    at.query_params["organisation"] = str(clients["Kestrel Insurance"][0])
    at.query_params["assessment"] = str(clients["Heron Logistics"][1])
    run_page(at, "results")
    # Both in the URL but not matching: the organisation wins, with its own latest assessment.
    assert "Kestrel Insurance" in at.title[0].value
    at2 = new_session()
    at2.query_params["assessment"] = str(clients["Heron Logistics"][1])
    run_page(at2, "results")
    assert "Heron Logistics" in at2.title[0].value
