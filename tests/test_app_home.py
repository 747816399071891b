"""Home: forms keep what was typed when something is wrong; organisations and assessments can be renamed and
deleted (with a confirmation naming what goes and a backup first); demo data comes and goes at any time."""

from __future__ import annotations

from datetime import date, timedelta
from pathlib import Path

import pytest
from app_runner import open_page
from storage_helpers import ON_POSTGRES
from streamlit.testing.v1 import AppTest

from questionnaires.catalog import get_questionnaire
from storage import (
    connect,
    create_assessment,
    create_organisation,
    get_or_create_respondent,
    list_assessments,
    list_organisations,
    list_respondents,
    save_answer,
)


@pytest.fixture
def acme(database: Path) -> tuple[int, int]:
    """Acme with one answered assessment: (organisation id, assessment id)."""
    db = connect()
    org = create_organisation(db, "Acme", "Retail", "250-999 employees", "Europe")
    questionnaire = get_questionnaire("itscm", "2026.1")
    assessment = create_assessment(db, org.id, questionnaire, "FY2026", date(2026, 3, 1))
    respondent = get_or_create_respondent(db, assessment.id, "Continuity manager")
    save_answer(db, questionnaire, assessment.id, respondent.id, "RISK-01", 3)
    return org.id, assessment.id


def home() -> AppTest:
    return open_page()


def messages(at: AppTest) -> str:
    """Every message on the page, as the user reads it (markdown escapes removed)."""
    text = "\n".join(str(e.value) for e in [*at.error, *at.warning, *at.success, *at.info])
    return text.replace("\\", "")


def test_a_new_organisation_with_a_missing_choice_keeps_the_name_typed(database: Path) -> None:
    at = home()
    at.text_input(key="new-org-name").input("Northwind Bank")
    at.button[0].click()  # the form's submit button is the page's first button
    at.run()
    assert "Choose the industry, size, region" in messages(at)
    assert at.text_input(key="new-org-name").value == "Northwind Bank"
    assert list_organisations(connect()) == ()


def test_a_pasted_name_over_the_limit_is_refused_naming_the_limit_and_kept(database: Path) -> None:
    at = home()
    long_name = "N" * 250
    at.text_input(key="new-org-name").input(long_name)
    at.selectbox(key="new-org-industry").set_value("Retail")
    at.selectbox(key="new-org-size").set_value("250-999 employees")
    at.selectbox(key="new-org-region").set_value("Europe")
    at.button[0].click()
    at.run()
    assert "250 characters long; shorten it to at most 200" in messages(at)
    assert at.text_input(key="new-org-name").value == long_name


def test_a_created_organisation_empties_the_form(database: Path) -> None:
    at = home()
    at.text_input(key="new-org-name").input("Northwind Bank")
    at.selectbox(key="new-org-industry").set_value("Retail")
    at.selectbox(key="new-org-size").set_value("250-999 employees")
    at.selectbox(key="new-org-region").set_value("Europe")
    at.button[0].click()
    at.run()
    assert [o.name for o in list_organisations(connect())] == ["Northwind Bank"]
    # The form's fields are new ones (the browser would send the old ones' values back): empty.
    assert next(t for t in at.text_input if t.label == "Name").value == ""
    assert next(t for t in at.text_input if t.label == "Name").key != "new-org-name"


def test_an_assessment_date_outside_the_allowed_range_gets_a_message(acme: tuple[int, int]) -> None:
    at = home()
    label = next(t for t in at.text_input if t.label == "Label")
    label.input("FY2040")
    (picker,) = at.date_input
    picker.set_value(date.today() + timedelta(days=800))
    next(b for b in at.button if b.label == "Start assessment").click()
    at.run()
    assert "outside the allowed range" in messages(at)
    assert [a.label for a in list_assessments(connect(), acme[0])] == ["FY2026"]
    assert next(t for t in at.text_input if t.label == "Label").value == "FY2040"


def test_a_refused_respondent_name_starts_no_assessment(acme: tuple[int, int]) -> None:
    at = home()
    next(t for t in at.text_input if t.label == "Label").input("FY2027")
    next(t for t in at.text_input if t.label == "Your name or role").input("x" * 150)
    next(b for b in at.button if b.label == "Start assessment").click()
    at.run()
    assert "at most 100 characters" in messages(at)
    assert [a.label for a in list_assessments(connect(), acme[0])] == ["FY2026"]


def test_an_organisation_can_be_renamed(acme: tuple[int, int]) -> None:
    at = home()
    at.text_input(key=f"rename-org-name-{acme[0]}").input("Acme Holdings")
    next(b for b in at.button if b.label == "Rename").click()
    at.run()
    assert [o.name for o in list_organisations(connect())] == ["Acme Holdings"]
    assert not at.exception


def test_an_assessment_and_a_respondent_can_be_renamed(acme: tuple[int, int]) -> None:
    at = home()
    at.text_input(key=f"rename-assessment-label-{acme[1]}").input("FY2026 final")
    [b for b in at.button if b.label == "Rename"][-1].click()
    at.run()
    assert [a.label for a in list_assessments(connect(), acme[0])] == ["FY2026 final"]
    (person,) = list_respondents(connect(), acme[1])
    at.text_input(key=f"rename-respondent-{person.id}").input("Dana Whitfield")
    next(b for b in at.button if b.label == "Rename respondent").click()
    at.run()
    assert [r.name for r in list_respondents(connect(), acme[1])] == ["Dana Whitfield"]


@pytest.mark.sqlite_only
def test_deleting_an_assessment_names_what_goes_needs_a_tick_and_keeps_a_backup(
    acme: tuple[int, int], database: Path
) -> None:
    at = home()
    warning = messages(at)
    assert "Deleting the assessment FY2026 removes 1 assessment, 1 respondent and 1 answer" in warning
    delete = at.button(key=f"delete-assessment-{acme[1]}-delete")
    assert delete.disabled
    at.checkbox(key=f"delete-assessment-{acme[1]}-sure").check().run()
    at.button(key=f"delete-assessment-{acme[1]}-delete").click().run()
    assert list_assessments(connect(), acme[0]) == ()
    assert "Deleted the assessment FY2026" in messages(at)
    backups = list((database.parent / "backups").glob("*.db"))
    assert len(backups) == 1


def test_the_deletion_warning_says_how_to_undo_it_on_this_engine(acme: tuple[int, int]) -> None:
    warning = messages(home())
    if ON_POSTGRES:
        assert "The database is on a PostgreSQL server, so the app takes no backup of its own" in warning
        assert "export each assessment as JSON on the Data page first" in warning
        assert "A backup of the whole database is taken first" not in warning
    else:
        assert (
            "A backup of the whole database is taken first, so a restore on the Data page can bring it back" in warning
        )
        assert "PostgreSQL" not in warning


def test_deleting_an_organisation_removes_it_with_its_assessments(acme: tuple[int, int]) -> None:
    at = home()
    at.checkbox(key=f"delete-org-{acme[0]}-sure").check().run()
    at.button(key=f"delete-org-{acme[0]}-delete").click().run()
    assert list_organisations(connect()) == ()
    assert not at.exception
    assert "Deleted the organisation Acme" in messages(at)


def test_demo_data_can_be_loaded_beside_real_data_and_removed_in_one_action(acme: tuple[int, int]) -> None:
    at = home()
    next(b for b in at.button if b.label == "Load illustrative demo data").click()
    at.run()
    names = [o.name for o in list_organisations(connect())]
    assert len(names) == 9 and "Acme" in names
    next(b for b in at.button if b.label == "Remove the demo data").click()
    at.run()
    assert [o.name for o in list_organisations(connect())] == ["Acme"]
    assert "Removed the illustrative data" in messages(at)
