"""The Roadmap page: every step readable and editable, effort by phase said honestly, edits that never undo others."""

from __future__ import annotations

import json
import re
from datetime import date
from pathlib import Path

import pytest
from app_runner import open_page
from streamlit.testing.v1 import AppTest

from evidence.model import Exercise, Finding, Service, ServiceResult
from exports.report import PlannedStep, load_report, planned_roadmap
from questionnaires.catalog import get_questionnaire
from scoring import phase_loads
from storage import (
    connect,
    create_assessment,
    create_organisation,
    get_or_create_respondent,
    list_roadmap_items,
    save_answer,
    save_roadmap_item,
)
from storage.evidence import save_log, save_register
from storage.finding_items import list_findings, plan_finding
from ui.text import md

QUESTIONNAIRE = get_questionnaire("itscm", "2026.1")
NUMBERED = re.compile(r"^\*\*(\d+)\.\*\* (.*)$", re.DOTALL)


@pytest.fixture
def assessment_id(database: Path) -> int:
    db = connect()
    org = create_organisation(db, "Acme", "Retail", "250-999 employees", "Europe")
    assessment = create_assessment(db, org.id, QUESTIONNAIRE, "FY2026", date(2026, 3, 1))
    get_or_create_respondent(db, assessment.id, "Continuity manager")
    return assessment.id


def answer(assessment: int, level_of: dict[str, int] | None = None, level: int = 2) -> None:
    """Answer every question at `level`, except those given in `level_of`."""
    db = connect()
    respondent = get_or_create_respondent(db, assessment, "Continuity manager")
    for question in QUESTIONNAIRE.questions:
        chosen = (level_of or {}).get(question.id, level)
        save_answer(db, QUESTIONNAIRE, assessment, respondent.id, question.id, chosen)


def roadmap(assessment: int) -> AppTest:
    return open_page("roadmap", assessment=assessment)


def planned(assessment: int) -> list[PlannedStep]:
    """The roadmap as the page shows it: by phase, then in priority order."""
    steps = planned_roadmap(connect(), load_report(connect(), assessment))
    return sorted(steps, key=lambda p: (p.step.phase_index, p.step.order))


def key(assessment: int, plan: PlannedStep, field: str) -> str:
    return f"roadmap-{assessment}-{plan.step.question_id}-{plan.step.to_level}-{field}"


def widget(at: AppTest, element: str, assessment: int, plan: PlannedStep, field: str) -> object:
    """A step's widget as the page shows it now: its key gains a version when it shows a value saved elsewhere."""
    prefix = key(assessment, plan, field)
    found = [w for w in getattr(at, element) if w.key == prefix or w.key.startswith(f"{prefix}-v")]
    assert len(found) == 1, [w.key for w in getattr(at, element)]
    return found[0]


def texts(at: AppTest) -> str:
    parts = [e.value for e in at.markdown] + [e.value for e in at.caption] + [e.value for e in at.warning]
    return "\n".join(str(p) for p in parts)


def stored(assessment: int, plan: PlannedStep) -> tuple[str, date | None, str]:
    [item] = [
        i
        for i in list_roadmap_items(connect(), assessment)
        if (i.question_id, i.to_level) == (plan.step.question_id, plan.step.to_level)
    ]
    return item.owner, item.due_date, item.status


def test_every_step_shows_its_whole_action_numbered_from_one_within_its_phase(assessment_id: int) -> None:
    answer(assessment_id)
    at = roadmap(assessment_id)
    assert not at.exception
    shown = [NUMBERED.match(str(m.value)) for m in at.markdown]
    numbered = [(int(m.group(1)), m.group(2)) for m in shown if m]
    plans = planned(assessment_id)
    # 65 practices at level 2 below the default target 3: 65 steps, all on the page, none in a scroll box.
    assert [text for _, text in numbered] == [md(p.step.action) for p in plans]
    counts = [load.steps for load in phase_loads(QUESTIONNAIRE, [p.step for p in plans]) if load.steps]
    assert [n for n, _ in numbered] == [n for count in counts for n in range(1, count + 1)]
    assert not at.get("arrow_data_frame")


def test_statuses_read_as_words_and_are_stored_as_codes(assessment_id: int) -> None:
    answer(assessment_id)
    at = roadmap(assessment_id)
    first = planned(assessment_id)[0]
    status = at.selectbox(key=key(assessment_id, first, "status"))
    assert status.options == ["Planned", "In progress", "Done", "Dropped"]
    status.set_value("in_progress").run()
    assert not at.exception
    assert stored(assessment_id, first)[2] == "in_progress"
    assert at.selectbox(key=key(assessment_id, first, "status")).format_func(status.value) == "In progress"


def test_a_due_date_is_blank_until_set_then_saved_as_a_date(assessment_id: int) -> None:
    answer(assessment_id)
    at = roadmap(assessment_id)
    first = planned(assessment_id)[0]
    due = at.date_input(key=key(assessment_id, first, "due_date"))
    assert due.value is None
    due.set_value(date(2026, 9, 30)).run()
    assert not at.exception
    assert stored(assessment_id, first)[1] == date(2026, 9, 30)
    assert roadmap(assessment_id).date_input(key=key(assessment_id, first, "due_date")).value == date(2026, 9, 30)


def test_an_owner_is_saved_and_shown_in_a_fresh_session(assessment_id: int) -> None:
    answer(assessment_id)
    at = roadmap(assessment_id)
    first = planned(assessment_id)[0]
    at.text_input(key=key(assessment_id, first, "owner")).input("Dana (CIO)").run()
    assert not at.exception
    assert stored(assessment_id, first) == ("Dana (CIO)", None, "planned")
    assert roadmap(assessment_id).text_input(key=key(assessment_id, first, "owner")).value == "Dana (CIO)"


def test_an_owner_over_the_length_limit_is_refused_naming_the_limit_and_kept_in_the_field(assessment_id: int) -> None:
    answer(assessment_id)
    at = roadmap(assessment_id)
    first = planned(assessment_id)[0]
    at.text_input(key=key(assessment_id, first, "owner")).input("O" * 250).run()
    assert not at.exception
    assert "shorten it to at most 200 characters" in "\n".join(str(e.value) for e in at.error).replace("\\", "")
    assert at.text_input(key=key(assessment_id, first, "owner")).value == "O" * 250
    assert list_roadmap_items(connect(), assessment_id) == ()


def test_each_phase_shows_its_effort_against_its_capacity(assessment_id: int) -> None:
    answer(assessment_id)
    shown = texts(roadmap(assessment_id))
    assert "**0\\-3 months**: 6 steps, 12 of 12 effort points" in shown
    assert "**3\\-12 months**: 12 steps, 36 of 36 effort points" in shown


def test_an_overfull_last_phase_says_it_holds_more_than_it_can(assessment_id: int) -> None:
    # 161 effort points left for 12-24 months, which has no capacity; at the 4 points a month of the
    # phases before it (12 in 3 months, 36 in 9), its 12 months hold 48.
    answer(assessment_id)
    at = roadmap(assessment_id)
    assert re.search(
        r"\*\*12\\-24 months\*\*: \d+ steps, 161 of about 48 effort points \(no capacity set: 12 months at 4 "
        r"points a month, the pace of the phases that have one\)",
        texts(at),
    )
    [warning] = [w.value for w in at.warning if "more than the phase can hold" in w.value]
    assert warning.startswith("12\\-24 months: 161 effort points against a capacity of about 48: more than")
    assert "Lower targets on the Results page" in warning


def test_a_last_phase_within_what_it_can_hold_gets_no_warning(assessment_id: int) -> None:
    answer(assessment_id, level=3, level_of={q.id: 2 for q in QUESTIONNAIRE.questions[:4]})
    at = roadmap(assessment_id)
    assert not at.exception
    assert "more than the phase can hold" not in texts(at)


def test_two_sessions_changing_different_fields_of_one_step_keep_both(assessment_id: int) -> None:
    answer(assessment_id)
    first = planned(assessment_id)[0]
    tab_a, tab_b = roadmap(assessment_id), roadmap(assessment_id)
    tab_a.selectbox(key=key(assessment_id, first, "status")).set_value("in_progress").run()
    # B, opened before A's change, marks the step done; then A, who still shows "In progress", sets the owner.
    tab_b.selectbox(key=key(assessment_id, first, "status")).set_value("done").run()
    widget(tab_a, "text_input", assessment_id, first, "owner").input("Lee").run()
    widget(tab_b, "date_input", assessment_id, first, "due_date").set_value(date(2026, 12, 31)).run()
    assert not tab_a.exception
    assert not tab_b.exception
    assert stored(assessment_id, first) == ("Lee", date(2026, 12, 31), "done")
    # And A now shows what B saved.
    assert widget(tab_a.run(), "selectbox", assessment_id, first, "status").value == "done"


def test_a_change_saved_elsewhere_is_shown_while_an_untouched_field_keeps_its_value(assessment_id: int) -> None:
    answer(assessment_id)
    first, second = planned(assessment_id)[:2]
    at = roadmap(assessment_id)
    save_roadmap_item(
        connect(), QUESTIONNAIRE, assessment_id, second.step.question_id, second.step.to_level, owner="Sam"
    )
    at.text_input(key=key(assessment_id, first, "owner")).input("Dana").run()
    assert widget(at, "text_input", assessment_id, second, "owner").value == "Sam"
    assert stored(assessment_id, second) == ("Sam", None, "planned")


def test_claims_the_facts_do_not_support_come_first_as_steps_to_make_the_answers_hold(database: Path) -> None:
    later = get_questionnaire("itscm", "2026.2")
    db = connect()
    org = create_organisation(db, "Acme", "Retail", "250-999 employees", "Europe")
    assessment = create_assessment(db, org.id, later, "FY2026", date(2026, 3, 1))
    respondent = get_or_create_respondent(db, assessment.id, "Continuity manager")
    for question in later.questions:
        save_answer(db, later, assessment.id, respondent.id, question.id, 4)
    payments = Service("Payments", "Head of payments", "critical", 24.0, 4.0, 1.0, bia_reviewed_on=date.today())
    save_register(db, org.id, [payments])
    failover = Exercise(date.today(), "failover", "Payments failover", (ServiceResult("Payments", 9.0, 0.5),))
    save_log(db, org.id, [failover])
    at = open_page("roadmap", assessment=assessment.id)
    assert not at.exception
    assert "Steps to make the answers hold" in [h.value for h in at.subheader]
    steps = next(str(m.value) for m in at.markdown if "Close the gap behind" in str(m.value))
    assert steps.startswith("1. " + md("Close the gap behind TEST-11: TEST-11 answered 4; "))
    assert md("the facts support 3") in steps


def test_without_a_register_or_log_the_roadmap_has_no_steps_to_make_answers_hold(assessment_id: int) -> None:
    answer(assessment_id)
    at = open_page("roadmap", assessment=assessment_id)
    assert "Steps to make the answers hold" not in [h.value for h in at.subheader]


def _planned_finding(assessment: int) -> int:
    """Put a finding of Acme's failover on the assessment's roadmap and return the step's id."""
    db = connect()
    save_register(db, 1, [Service("Payments", "Ana", "critical", 8, 4, 1)])
    failover = Exercise(
        date(2026, 2, 1), "failover", "DR", (ServiceResult("Payments", 3, 0),), findings=(Finding("No DNS backup"),)
    )
    save_log(db, 1, [failover])
    return plan_finding(db, assessment, list_findings(db, 1)[0].key, by="ana").id


def test_a_step_made_from_a_finding_is_listed_and_done_closes_the_finding(assessment_id):
    answer(assessment_id)
    item_id = _planned_finding(assessment_id)
    at = roadmap(assessment_id)
    assert not at.exception
    assert "**1.** " + md("From exercise 2026-02-01 failover: No DNS backup") in [m.value for m in at.markdown]
    at.selectbox(key=f"finding-step-{item_id}-status").set_value("done").run()
    assert not at.exception and not at.error
    assert list_findings(connect(), 1)[0].status == "closed"


def test_a_step_whose_finding_left_the_log_says_so_even_before_any_answer(assessment_id):
    _planned_finding(assessment_id)
    save_log(connect(), 1, [])
    at = roadmap(assessment_id)
    assert not at.exception
    assert any("no longer in the exercise and incident log" in w.value for w in at.warning)


def _costed_register(assessment: int, hours: float = 9.0) -> None:
    """Payments (RTO 4 h, EUR 1,000 an hour) with a failover that took `hours`."""
    db = connect()
    organisation_id = load_report(db, assessment).organisation.id
    payments = Service("Payments", "Head of payments", "critical", 24.0, 4.0, 1.0, 1000.0, "EUR")
    save_register(db, organisation_id, [payments])
    failover = Exercise(date(2026, 1, 12), "failover", "Payments failover", (ServiceResult("Payments", hours),))
    save_log(db, organisation_id, [failover])


def test_the_business_case_shows_each_service_exposure_with_where_its_recovery_comes_from(assessment_id: int) -> None:
    answer(assessment_id)
    _costed_register(assessment_id)
    at = roadmap(assessment_id)
    assert not at.exception
    assert "Business case" in [h.value for h in at.subheader]
    assert "**Exposure now: EUR 5,000 a year**" in texts(at)
    services = at.dataframe[0].value
    assert services.loc[0, "From"] == "last failover on 12 Jan 2026: 9 h"
    assert services.loc[0, "Exposure a year"] == 5000
    assert "Currency" not in services.columns  # one currency: it is in the money columns' headings
    # Money in whole units with thousands separators, the currency in the heading.
    shown = json.loads(at.dataframe[0].proto.columns)
    assert shown["Exposure a year"]["label"] == "Exposure a year (EUR)"
    assert shown["Exposure a year"]["type_config"]["format"] == "localized"
    assert json.loads(at.dataframe[2].proto.columns)["Exposure removed"]["label"] == "Exposure removed (EUR)"


def test_changed_assumptions_are_saved_for_the_organisation_and_change_the_figures(assessment_id: int) -> None:
    answer(assessment_id)
    _costed_register(assessment_id)
    at = roadmap(assessment_id)
    at.number_input(key="bc-disruptions").set_value(2.0)
    at.button(key="FormSubmitter:business-case-assumptions-Save assumptions").click().run()
    assert not at.exception
    fresh = roadmap(assessment_id)
    assert fresh.number_input(key="bc-disruptions").value == 2.0
    assert "**Exposure now: EUR 10,000 a year**" in texts(fresh)


def test_assumptions_where_a_higher_level_recovers_slower_are_refused_saying_which(assessment_id: int) -> None:
    answer(assessment_id)
    _costed_register(assessment_id)
    at = roadmap(assessment_id)
    at.number_input(key="bc-multiple-4").set_value(3.0)
    at.button(key="FormSubmitter:business-case-assumptions-Save assumptions").click().run()
    assert "must not exceed the one at level 3" in " ".join(str(e.value) for e in at.error)
    assert roadmap(assessment_id).number_input(key="bc-multiple-4").value == 1.0


def test_without_services_the_business_case_says_where_to_add_them(assessment_id: int) -> None:
    answer(assessment_id)
    at = roadmap(assessment_id)
    assert any("No business case yet" in str(i.value) for i in at.info)


def test_what_raises_the_overall_stage_lists_the_fewest_steps_that_do(assessment_id: int) -> None:
    answer(assessment_id, level_of={q.id: 1 for q in QUESTIONNAIRE.questions if q.domain == "TEST"})
    at = roadmap(assessment_id)
    assert "What raises the overall stage" in [h.value for h in at.subheader]
    listed = next(str(m.value) for m in at.markdown if "effort points." in str(m.value) and "→ level 2" in str(m.value))
    assert md("TEST-") in listed and md("BIA-") not in listed


def test_each_step_names_the_services_it_protects(assessment_id: int) -> None:
    answer(assessment_id)
    _costed_register(assessment_id)
    at = roadmap(assessment_id)
    assert not at.exception
    # Questionnaire 2026.1 declares no checks, so every question protects every tier: each step protects Payments.
    protects = [c.value for c in at.caption if str(c.value).startswith("Protects ")]
    assert len(protects) == len(planned(assessment_id))
    assert set(protects) == {"Protects Payments"}
