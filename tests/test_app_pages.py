"""Every page renders without an exception, and answering, targets and the roadmap editor save at once."""

from __future__ import annotations

import io
import json
from datetime import date
from pathlib import Path

import pytest
from app_runner import open_page
from openpyxl import load_workbook
from storage_helpers import ON_POSTGRES
from streamlit.testing.v1 import AppTest

from questionnaires.catalog import get_questionnaire
from storage import (
    connect,
    create_assessment,
    create_organisation,
    get_or_create_respondent,
    list_answers,
    list_organisations,
    list_targets,
    save_answer,
)

ROOT = Path(__file__).resolve().parent.parent
XSS = "<img src=x onerror=alert(1)>"
TIMEOUT = 60


@pytest.fixture
def assessment_id(database: Path) -> int:
    db = connect()
    questionnaire = get_questionnaire("itscm", "2026.1")
    org = create_organisation(db, f"Acme {XSS}", "Retail", "250-999 employees", "Europe")
    assessment = create_assessment(db, org.id, questionnaire, "FY2026", date(2026, 3, 1))
    get_or_create_respondent(db, assessment.id, "Continuity manager")
    return assessment.id


app = open_page


def answer_all(assessment: int, level: int) -> None:
    db = connect()
    questionnaire = get_questionnaire("itscm", "2026.1")
    respondent = get_or_create_respondent(db, assessment, "Continuity manager")
    for question in questionnaire.questions:
        save_answer(db, questionnaire, assessment, respondent.id, question.id, level)


def texts(at: AppTest) -> str:
    parts = [e.value for e in at.markdown] + [e.value for e in at.caption] + [e.value for e in at.info]
    parts += [e.value for e in at.warning] + [e.value for e in at.error] + [e.value for e in at.success]
    return "\n".join(str(p) for p in parts)


def test_home_on_an_empty_database_offers_demo_data_and_a_new_organisation(database: Path) -> None:
    at = app()
    assert not at.exception
    assert "No organisation yet" in texts(at)
    assert any(b.label == "Load illustrative demo data" for b in at.button)


def test_home_creates_an_organisation_from_the_form(database: Path) -> None:
    at = app()
    at.text_input[0].input("Globex Insurance")
    at.selectbox[0].select("Financial services")
    at.selectbox[1].select("1,000-4,999 employees")
    at.selectbox[2].select("Europe")
    [submit] = [b for b in at.button if b.label == "Create organisation"]
    submit.click().run()
    assert not at.exception
    assert [o.name for o in list_organisations(connect())] == ["Globex Insurance"]
    assert "No assessment yet" in texts(at)


def test_home_lists_assessments_with_completion(assessment_id: int) -> None:
    answer_all(assessment_id, 2)
    at = app()
    assert not at.exception
    assert "FY2026" in texts(at)
    assert any("100% answered" in str(p.proto.text) for p in at.get("progress"))


def test_questionnaire_renders_the_first_domain_with_every_level_as_a_choice(assessment_id: int) -> None:
    at = app("questionnaire", assessment=assessment_id)
    assert not at.exception
    radios = at.radio
    assert len(radios) == len(get_questionnaire("itscm", "2026.1").questions_in("RISK"))
    assert radios[0].options[0].startswith("**1 Initial** · ")
    assert radios[0].value is None


def test_answering_a_question_saves_it_at_once(assessment_id: int) -> None:
    at = app("questionnaire", assessment=assessment_id)
    at.radio[0].set_value(3).run()
    assert not at.exception
    [answer] = [a for a in list_answers(connect(), assessment_id) if a.is_answered]
    assert (answer.question_id, answer.level) == ("RISK-01", 3)


def test_a_comment_is_saved_and_shown_as_text(assessment_id: int) -> None:
    at = app("questionnaire", assessment=assessment_id)
    at.text_area[0].input(f"=1+1 {XSS}").run()
    assert not at.exception
    [answer] = list_answers(connect(), assessment_id)
    assert answer.comment == f"=1+1 {XSS}"
    fresh = app("questionnaire", assessment=assessment_id)
    assert fresh.text_area[0].value == f"=1+1 {XSS}"


def test_a_fresh_session_shows_the_saved_answers(assessment_id: int) -> None:
    at = app("questionnaire", assessment=assessment_id)
    at.radio[1].set_value(4).run()
    fresh = app("questionnaire", assessment=assessment_id, domain="RISK")
    assert fresh.radio[1].value == 4
    assert fresh.radio[0].value is None


def test_organisation_name_with_html_is_shown_escaped(assessment_id: int) -> None:
    at = app("questionnaire", assessment=assessment_id)
    assert "Acme \\<img src\\=x onerror\\=alert\\(1\\)\\>" in at.title[0].value


def test_questionnaire_without_an_assessment_says_what_to_do(database: Path) -> None:
    at = app("questionnaire")
    assert not at.exception
    assert "Choose or create an assessment on the Home page first." in texts(at)


def test_results_of_an_unanswered_assessment_say_what_to_do(assessment_id: int) -> None:
    at = app("results", assessment=assessment_id)
    assert not at.exception
    assert "No answers yet" in texts(at)


def test_results_show_the_stage_and_the_worked_example(assessment_id: int) -> None:
    answer_all(assessment_id, 2)
    at = app("results", assessment=assessment_id)
    assert not at.exception
    assert at.metric[0].value == "2 Repeatable"
    assert "Worked example" in texts(at)
    radar_chart, heatmap = at.get("plotly_chart")
    radar_spec = json.loads(radar_chart.proto.spec)
    assert [trace["name"] for trace in radar_spec["data"]][:2] == ["Score", "Target"]
    assert radar_spec["data"][0]["r"][:5] == [2, 2, 2, 2, 2]
    assert "RISK-01" in heatmap.proto.spec


def test_changing_a_target_is_saved(assessment_id: int) -> None:
    answer_all(assessment_id, 2)
    at = app("results", assessment=assessment_id)
    at.select_slider[0].set_value(4).run()
    assert not at.exception
    assert list_targets(connect(), assessment_id) == {"RISK": 4}


def test_roadmap_when_every_target_is_met(assessment_id: int) -> None:
    answer_all(assessment_id, 4)
    at = app("roadmap", assessment=assessment_id)
    assert not at.exception
    assert "nothing to schedule" in texts(at)


def test_data_page_on_an_empty_database_says_what_to_do(database: Path) -> None:
    at = app("data")
    assert not at.exception
    assert "Nothing to export yet" in texts(at)


def test_data_page_offers_every_export_of_an_assessment(assessment_id: int) -> None:
    answer_all(assessment_id, 3)
    at = app("data", assessment=assessment_id)
    assert not at.exception
    labels = [button.proto.label for button in at.get("download_button")]
    for label in [
        "Excel roadmap workbook",
        "Answers (CSV)",
        "Results (CSV)",
        "Assessment (JSON)",
        "Coverage by standard (CSV)",
    ]:
        assert label in labels
    assert "Offline questionnaire (Excel)" in labels
    # On PostgreSQL the page points to pg_dump instead of offering the SQLite file.
    assert ("Download a backup" in labels) is not ON_POSTGRES


def test_portfolio_workbook_is_prepared_with_every_assessment(assessment_id: int) -> None:
    answer_all(assessment_id, 3)
    at = app("data", assessment=assessment_id)
    [prepare] = [b for b in at.button if b.label == "Prepare the portfolio workbook"]
    prepare.click().run()
    assert not at.exception
    workbook = load_workbook(io.BytesIO(at.session_state["portfolio-xlsx"]))
    values = [str(cell.value) for row in workbook.worksheets[0].iter_rows() for cell in row]
    assert f"Acme {XSS}" in values


def test_results_and_roadmap_offer_the_workbook(assessment_id: int) -> None:
    answer_all(assessment_id, 2)
    for page in ("results", "roadmap"):
        at = app(page, assessment=assessment_id)
        assert "Excel roadmap workbook" in [b.proto.label for b in at.get("download_button")]


@pytest.mark.parametrize("page", ["questionnaire", "results", "roadmap"])
def test_a_page_for_an_assessment_that_does_not_exist_says_so(database: Path, page: str) -> None:
    at = app(page, assessment=4242)
    assert not at.exception
    assert "Assessment 4242 does not exist" in texts(at)


def test_a_malformed_assessment_in_the_url_is_treated_as_none(database: Path) -> None:
    at = AppTest.from_file(str(ROOT / "app.py"), default_timeout=TIMEOUT)
    at.query_params["assessment"] = "1 OR 1=1"
    at.switch_page("app_pages/results.py")
    at.run()
    assert not at.exception
    assert "Choose or create an assessment on the Home page first." in texts(at)
