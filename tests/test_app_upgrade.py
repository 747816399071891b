"""Home: an assessment on a superseded questionnaire version can be copied onto the next one."""

from __future__ import annotations

from datetime import date
from pathlib import Path

import pytest
from app_runner import open_page
from streamlit.testing.v1 import AppTest

from evidence.model import Exercise, Finding
from questionnaires.catalog import get_questionnaire
from storage import (
    connect,
    create_assessment,
    create_organisation,
    get_or_create_respondent,
    list_answers,
    list_assessments,
    save_answer,
)
from storage.evidence import save_log
from storage.finding_items import list_finding_items, list_findings, plan_finding

OLDER = get_questionnaire("itscm", "2026.1")


@pytest.fixture
def acme(database: Path) -> tuple[int, int]:
    """Acme with a 2026.1 assessment answered on RISK-01 and RISK-08 (which 2026.2 merges into REC-14)."""
    db = connect()
    org = create_organisation(db, "Acme", "Retail", "250-999 employees", "Europe")
    assessment = create_assessment(db, org.id, OLDER, "FY2026", date(2026, 3, 1))
    respondent = get_or_create_respondent(db, assessment.id, "Ana")
    save_answer(db, OLDER, assessment.id, respondent.id, "RISK-01", 3, comment="Method approved in May")
    save_answer(db, OLDER, assessment.id, respondent.id, "RISK-08", 2)
    return org.id, assessment.id


def messages(at: AppTest) -> str:
    return "\n".join(str(e.value) for e in [*at.error, *at.warning, *at.success]).replace("\\", "")


def test_copying_an_assessment_onto_2026_2_carries_kept_answers_and_names_what_to_answer(acme) -> None:
    organisation_id, assessment_id = acme
    at = open_page(organisation=organisation_id)
    assert at.text_input(key=f"upgrade-label-{assessment_id}").value == "FY2026 (2026.2)"
    next(b for b in at.button if b.label == "Copy onto 2026.2").click()
    at.run()
    assert not at.exception
    text = messages(at)
    assert "FY2026 (2026.2) was made on version 2026.2 from FY2026, which is unchanged: 1 answers carried" in text
    assert "REC-14 (replaces RISK-08, REC-05)" in text
    older, newer = sorted(list_assessments(connect(), organisation_id), key=lambda a: a.id)
    assert (older.questionnaire_version, newer.questionnaire_version) == ("2026.1", "2026.2")
    assert [(a.question_id, a.level, a.comment) for a in list_answers(connect(), newer.id)] == [
        ("RISK-01", 3, "Method approved in May")
    ]
    assert len(list_answers(connect(), older.id)) == 2
    # The new assessment is the one in view, and it is on the newest version: nothing more to copy.
    assert at.query_params["assessment"] == str(newer.id)
    assert not [b for b in at.button if b.label == "Copy onto 2026.2" and f"-{newer.id}" in str(b.key)]


def test_a_finding_on_the_old_roadmap_moves_to_the_new_assessment_and_the_outcome_says_so(acme) -> None:
    organisation_id, assessment_id = acme
    db = connect()
    finding = Finding("No call tree for HR", owner="Ben")
    save_log(db, organisation_id, (Exercise(date(2025, 10, 14), "tabletop", "Tabletop", findings=(finding,)),))
    plan_finding(db, assessment_id, list_findings(db, organisation_id)[0].key, by="ana@example.org")
    at = open_page(organisation=organisation_id)
    assert "Roadmap steps made from findings of the exercise and incident log move to the new assessment" in "\n".join(
        c.value for c in at.caption
    )
    next(b for b in at.button if b.label == "Copy onto 2026.2").click()
    at.run()
    assert not at.exception
    assert (
        "from FY2026, which is unchanged but for its 1 roadmap step made from a finding, moved to the new one"
        in messages(at)
    )
    newer = max(list_assessments(connect(), organisation_id), key=lambda a: a.id)
    assert [(i.text, i.owner) for i in list_finding_items(connect(), newer.id)] == [
        ("From exercise 2025-10-14 tabletop: No call tree for HR", "Ben")
    ]
    assert list_finding_items(connect(), assessment_id) == ()


def test_a_taken_label_is_refused_with_a_message_and_nothing_is_made(acme) -> None:
    organisation_id, assessment_id = acme
    at = open_page(organisation=organisation_id)
    at.text_input(key=f"upgrade-label-{assessment_id}").input("FY2026")
    next(b for b in at.button if b.label == "Copy onto 2026.2").click()
    at.run()
    assert "already has an assessment labelled 'FY2026'" in messages(at)
    assert len(list_assessments(connect(), organisation_id)) == 1


def test_a_new_assessment_starts_on_the_newest_questionnaire_version(acme) -> None:
    at = open_page(organisation=acme[0])
    chooser = next(s for s in at.selectbox if s.label == "Questionnaire")
    assert "(2026.2)" in str(chooser.format_func(chooser.value))  # the first, preselected option


def test_a_question_that_merges_earlier_ones_says_which_on_the_questionnaire_page(acme) -> None:
    organisation_id, _ = acme
    at = open_page(organisation=organisation_id)
    next(b for b in at.button if b.label == "Copy onto 2026.2").click()
    at.run()
    newer = max(list_assessments(connect(), organisation_id), key=lambda a: a.id)
    page = open_page("questionnaire", assessment=newer.id, domain="REC")
    assert not page.exception
    captions = [c.value for c in page.caption]
    assert "Replaces RISK-08, REC-05 of version 2026.1." in [c.replace("\\", "") for c in captions]
