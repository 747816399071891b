"""A wrong setting gets a clear message on the page, never a traceback, and good data stays usable."""

from __future__ import annotations

import shutil
from collections.abc import Iterator
from datetime import date
from pathlib import Path

import pytest
from app_runner import open_page
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

ROOT = Path(__file__).resolve().parent.parent
BAD = ROOT / "tests" / "bad_questionnaires"


@pytest.fixture(autouse=True)
def closed_connections() -> Iterator[None]:
    yield
    close_thread_connections()


def run(page: str = "home", **params: int) -> AppTest:
    return open_page(None if page == "home" else page, **params)


def page_text(at: AppTest) -> str:
    return "\n".join(str(e.value) for e in [*at.error, *at.warning, *at.info]).replace("\\", "")


@pytest.mark.parametrize("page", ["home", "questionnaire", "results", "roadmap", "data"])
def test_a_database_setting_that_names_a_folder_says_how_to_fix_it_on_every_page(
    page: str, tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    monkeypatch.setenv("ITSCM_DB", str(tmp_path))
    at = run(page)
    assert not at.exception
    assert "it is a folder, not a file" in page_text(at)
    assert "set ITSCM_DB to a file path" in page_text(at)


def test_a_broken_extra_questionnaire_is_named_and_the_shipped_one_still_serves(
    tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    extra = tmp_path / "extra"
    (extra / "broken").mkdir(parents=True)
    shutil.copy(BAD / sorted(p.name for p in BAD.glob("*.yaml"))[0], extra / "broken" / "questionnaire.yaml")
    monkeypatch.setenv("ITSCM_QUESTIONNAIRES", str(extra))
    monkeypatch.setenv("ITSCM_DB", str(tmp_path / "app.db"))
    db = connect()
    questionnaire = get_questionnaire("itscm", "2026.1")
    org = create_organisation(db, "Acme", "Retail", "250-999 employees", "Europe")
    assessment = create_assessment(db, org.id, questionnaire, "FY2026", date(2026, 3, 1))
    respondent = get_or_create_respondent(db, assessment.id, "Continuity manager")
    save_answer(db, questionnaire, assessment.id, respondent.id, "RISK-01", 3)
    home = run()
    assert not home.exception
    assert "broken" in page_text(home)
    results = run("results", assessment=assessment.id)
    assert not results.exception
    assert "Acme" in results.title[0].value
