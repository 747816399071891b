"""The Evidence page: an organisation's service register and exercise log edited as tables, saved all or nothing
with every problem named by row, imported from and exported to files, read only for viewers, nothing of it for a
member of another organisation or a participant link; user text shown as text."""

from __future__ import annotations

import json
from collections.abc import Iterator
from datetime import date
from pathlib import Path

import pytest
from app_runner import new_session, open_page
from streamlit.testing.v1 import AppTest

from access.identity import add_member
from access.links import create_participant_link
from evidence.files import register_csv
from evidence.model import Exercise, Finding, Service, ServiceResult
from questionnaires.catalog import get_questionnaire
from storage import connect, create_assessment, create_organisation, get_or_create_respondent, list_audit
from storage.evidence import load_evidence, save_log, save_register
from storage.finding_items import list_finding_items
from storage.records import Organisation
from ui.text import md

SECRET = "Amberquill"  # in the organisation's name and its services: never shown to anyone without it
AUTH = {
    "redirect_uri": "http://127.0.0.1:8501/oauth2callback",
    "cookie_secret": "x" * 32,
    "client_id": "itscm",
    "client_secret": "secret",
    "server_metadata_url": "http://127.0.0.1:9/.well-known/openid-configuration",
}
PAYMENTS = Service("Payments", "Ana", "critical", mtpd_hours=24, rto_hours=4, rpo_hours=1)
LEDGER = Service(f"{SECRET} Ledger", "Ben", "important", mtpd_hours=48, rto_hours=8, rpo_hours=4)
NO_EDITS = {"edited_rows": {}, "added_rows": [], "deleted_rows": []}


@pytest.fixture
def acme(database: Path) -> Organisation:
    """Acme with Payments and a Ledger in its register, and a failover that recovered Payments in 6 h losing 0.5 h."""
    organisation = create_organisation(connect(), f"{SECRET} Retail", "Retail", "250-999 employees", "Europe")
    save_register(connect(), organisation.id, [PAYMENTS, LEDGER])
    failover = Exercise(date(2026, 3, 2), "failover", "Payments failover", (ServiceResult("Payments", 6, 0.5),))
    save_log(connect(), organisation.id, [failover])
    return organisation


def evidence_page(organisation: Organisation) -> AppTest:
    at = open_page("evidence", organisation=organisation.id)
    assert not at.exception
    return at


def register_key(organisation: Organisation, round_: int = 0) -> str:
    return f"evidence-register-{organisation.id}-{round_}"


def edit_register(at: AppTest, organisation: Organisation, **edits: object) -> AppTest:
    """Seed the register editor's edits (as the browser sends them) and press Save."""
    at.session_state[register_key(organisation)] = {**NO_EDITS, **edits}
    return at.button(key="register-save").click().run()


def problems(at: AppTest) -> list[str]:
    return [problem for frame in at.dataframe if "Problem" in frame.value for problem in frame.value["Problem"]]


def everything_shown(at: AppTest) -> str:
    """Every element's content on the page and in the sidebar, as sent to the browser."""

    def walk(node: object) -> Iterator[object]:
        yield node
        for child in getattr(node, "children", {}).values():
            yield from walk(child)

    return "\n".join(str(getattr(node, "proto", "")) for root in (at.main, at.sidebar) for node in walk(root))


def test_the_page_shows_the_register_and_each_result_against_its_objectives(acme):
    at = evidence_page(acme)
    register = next(e for e in at.data_editor if e.key == register_key(acme)).value
    assert list(register["name"]) == ["Payments", f"{SECRET} Ledger"]
    assert list(register["rto_hours"]) == [4.0, 8.0]
    results = next(e for e in at.data_editor if e.key == f"evidence-results-{acme.id}-0").value
    assert list(results["exercise"]) == ["E1"]
    assert list(results["against_rto"]) == ["✗ missed"]  # 6 h against an RTO of 4 h
    assert list(results["against_rpo"]) == ["✓ met"]  # 0.5 h against an RPO of 1 h
    assert at.data_editor[0].editing_mode == "dynamic"


def test_downtime_costs_show_thousands_separated_never_in_scientific_notation(acme):
    # "%g" showed a cost of 1,250,000 an hour as 1.25e+06; "localized" writes it as the reader's browser does.
    at = evidence_page(acme)
    editor = next(e for e in at.data_editor if e.key == register_key(acme))
    cost = json.loads(editor.proto.columns)["downtime_cost_per_hour"]
    assert cost["type_config"]["format"] == "localized"


def test_an_rto_above_the_mtpd_is_refused_with_its_row_nothing_is_stored_and_the_edit_stays(acme):
    at = edit_register(evidence_page(acme), acme, edited_rows={0: {"rto_hours": 30.0}})
    assert not at.exception
    assert any("was not saved: 1 problem" in e.value for e in at.error)
    assert problems(at) == [
        "Row 1 (Payments): RTO 30 h is above its MTPD of 24 h; an RTO must not exceed the MTPD: lower the RTO or "
        "raise the MTPD."
    ]
    assert load_evidence(connect(), acme.id).services == (PAYMENTS, LEDGER)
    # What was typed is still in the editor after the refusal, and after another run.
    at.run()
    assert at.session_state[register_key(acme)]["edited_rows"] == {0: {"rto_hours": 30.0}}


def test_every_problem_of_a_refused_save_is_listed_by_row(acme):
    added = {"name": "Payroll", "tier": "vital", "mtpd_hours": 4.0, "rto_hours": 8.0, "rpo_hours": 1.0}
    at = edit_register(evidence_page(acme), acme, added_rows=[added], edited_rows={1: {"currency": "euro"}})
    listed = problems(at)
    assert len(listed) == 3
    assert listed[0].startswith(f"Row 2 ({SECRET} Ledger): Currency 'euro'")
    assert any(p.startswith("Row 3 (Payroll): Tier") for p in listed)
    assert any(p.startswith("Row 3 (Payroll): RTO 8 h is above its MTPD of 4 h") for p in listed)
    assert load_evidence(connect(), acme.id).services == (PAYMENTS, LEDGER)


def test_a_good_save_stores_the_register_and_says_how_many_services(acme):
    added = {
        "name": "Payroll",
        "owner": "Carla",
        "tier": "standard",
        "mtpd_hours": 72.0,
        "rto_hours": 24.0,
        "rpo_hours": 24.0,
        "downtime_cost_per_hour": 1200.0,
        "currency": "eur",
        "depends_on": f"Payments; {SECRET} Ledger",
        "bia_reviewed_on": "2026-01-15",
    }
    at = edit_register(evidence_page(acme), acme, added_rows=[added], edited_rows={0: {"rto_hours": 2.0}})
    assert not at.exception and not at.error
    assert [s.value for s in at.success] == ["Saved 3 services\\."]
    services = load_evidence(connect(), acme.id).services
    assert services[0].rto_hours == 2.0
    assert services[2] == Service(
        "Payroll", "Carla", "standard", 72, 24, 24, 1200, "EUR", ("Payments", f"{SECRET} Ledger"), (), date(2026, 1, 15)
    )
    # The editor starts again from what is stored.
    assert list(next(e for e in at.data_editor if e.key == register_key(acme, 1)).value["name"])[2] == "Payroll"


def test_a_service_with_results_in_the_log_cannot_leave_the_register(acme):
    at = edit_register(evidence_page(acme), acme, deleted_rows=[0])
    assert problems(at) == [
        "Payments: the exercise log holds 1 result for it, so it cannot leave the register. To rename it, change its "
        "name in the register table on the Evidence page and save: its results and dependencies follow. To drop it, "
        "remove its results from the log first."
    ]
    assert load_evidence(connect(), acme.id).services == (PAYMENTS, LEDGER)


def test_a_log_naming_an_unknown_exercise_is_refused_by_table_and_row(acme):
    at = evidence_page(acme)
    at.session_state[f"evidence-findings-{acme.id}-0"] = {
        **NO_EDITS,
        "added_rows": [{"exercise": "E9", "finding": "Runbook out of date"}],
    }
    at.button(key="log-save").click().run()
    assert problems(at) == [
        "Findings row 1 (E9): exercise 'E9' is not on the Exercises table; use a ref from its ref column."
    ]
    assert load_evidence(connect(), acme.id).exercises[0].findings == ()


def test_renaming_a_service_in_the_editor_carries_its_results_along_and_is_audited(acme):
    at = edit_register(evidence_page(acme), acme, edited_rows={0: {"name": "Card payments"}})
    assert not at.exception and not at.error, problems(at)
    assert [s.value for s in at.success] == [md("Saved 2 services; renamed 'Payments' to 'Card payments'.")]
    evidence = load_evidence(connect(), acme.id)
    assert [s.name for s in evidence.services] == ["Card payments", f"{SECRET} Ledger"]
    assert evidence.exercises[0].results == (ServiceResult("Card payments", 6, 0.5),)
    assert [(e.action, e.detail) for e in list_audit(connect(), organisation_id=acme.id)] == [
        ("saved the register", "2 services; renamed 'Payments' to 'Card payments'")
    ]


def test_a_finding_is_put_on_the_roadmap_of_the_newest_assessment_in_progress(acme):
    failover = Exercise(
        date(2026, 3, 2),
        "failover",
        "Payments failover",
        (ServiceResult("Payments", 6, 0.5),),
        findings=(Finding("Runbook out of date", owner="Ana"), Finding("Fixed already", status="closed")),
    )
    save_log(connect(), acme.id, [failover])
    itscm = get_questionnaire("itscm", "2026.1")
    create_assessment(connect(), acme.id, itscm, "FY2025", date(2025, 2, 1))
    newest = create_assessment(connect(), acme.id, itscm, "FY2026", date(2026, 2, 1))
    at = evidence_page(acme)
    assert at.selectbox(key="plan-finding").options == ["From exercise 2026-03-02 failover: Runbook out of date"]
    assert at.selectbox(key="plan-assessment").value == newest.id
    # Dates as every picker of the app writes them.
    assert at.selectbox(key="plan-assessment").options == [
        "FY2026 (01 Feb 2026, in progress)",
        "FY2025 (01 Feb 2025, in progress)",
    ]
    at.button(key="plan-go").click().run()
    assert not at.exception and not at.error
    (item,) = list_finding_items(connect(), newest.id)
    assert (item.text, item.owner, item.status) == (
        "From exercise 2026-03-02 failover: Runbook out of date",
        "Ana",
        "planned",
    )
    assert list_audit(connect(), organisation_id=acme.id)[0].action == "planned a finding"
    # Planned once: it is no longer offered.
    assert not [s for s in at.selectbox if s.key == "plan-finding"]


def test_a_good_log_save_stores_exercises_results_and_findings(acme):
    at = evidence_page(acme)
    at.session_state[f"evidence-exercises-{acme.id}-0"] = {
        **NO_EDITS,
        "added_rows": [
            {"ref": "T1", "date": "2026-05-04", "kind": "technical recovery test", "title": "Ledger restore"}
        ],
    }
    at.session_state[f"evidence-results-{acme.id}-0"] = {
        **NO_EDITS,
        "added_rows": [{"exercise": "T1", "service": f"{SECRET} Ledger", "recovery_hours": 5.0}],
    }
    at.session_state[f"evidence-findings-{acme.id}-0"] = {
        **NO_EDITS,
        "added_rows": [{"exercise": "E1", "finding": "Runbook out of date", "status": "open"}],
    }
    at.button(key="log-save").click().run()
    assert not at.error, problems(at)
    assert [s.value for s in at.success] == [md("Saved 2 exercises or incidents, 1 finding.")]
    assert [(e.action, e.detail) for e in list_audit(connect(), organisation_id=acme.id)] == [
        ("saved the log", "2 exercises or incidents, 1 finding")
    ]
    failover, restore = load_evidence(connect(), acme.id).exercises
    assert [f.text for f in failover.findings] == ["Runbook out of date"]
    assert restore.results == (ServiceResult(f"{SECRET} Ledger", 5.0, None),)
    results = next(e for e in at.data_editor if e.key == f"evidence-results-{acme.id}-1").value
    assert list(results["against_rto"]) == ["✗ missed", "✓ met"]


def test_an_import_with_a_bad_row_lists_it_and_stores_nothing(acme):
    at = evidence_page(acme)
    bad = (
        b"name,owner,tier,mtpd_hours,rto_hours,rpo_hours\r\n"
        b"Payments,Ana,critical,24,4,1\r\n"
        b"Payroll,Carla,standard,4,8,1\r\n"
    )
    at.file_uploader(key=f"evidence-register-upload-{acme.id}-0").upload("register.csv", bad, "text/csv")
    at.run()
    assert problems(at) == [
        "Row 3: RTO 8 h is above its MTPD of 4 h; an RTO must not exceed the MTPD: lower the RTO or raise the MTPD."
    ]
    assert f"evidence-register-upload-{acme.id}-go" not in [b.key for b in at.button]
    assert load_evidence(connect(), acme.id).services == (PAYMENTS, LEDGER)


def test_an_import_replaces_the_register_after_a_confirmation_naming_what_it_replaces(acme):
    at = evidence_page(acme)
    uploader = f"evidence-register-upload-{acme.id}"
    good = register_csv([PAYMENTS, LEDGER, Service("Payroll", "Carla", "standard", 72, 24, 24)])
    at.file_uploader(key=f"{uploader}-0").upload("register.csv", good, "text/csv")
    at.run()
    sure = at.checkbox(key=f"{uploader}-sure")
    assert sure.label == "Replace the 2 services now in the register with the 3 services of this file"
    assert at.button(key=f"{uploader}-go").disabled
    sure.check().run()
    at.button(key=f"{uploader}-go").click().run()
    assert not at.exception
    assert [s.value for s in at.success] == ["Imported 3 services from register\\.csv\\."]
    assert [s.name for s in load_evidence(connect(), acme.id).services] == ["Payments", f"{SECRET} Ledger", "Payroll"]


def test_user_text_with_markdown_and_html_is_shown_as_text(database):
    organisation = create_organisation(connect(), "**Bold** <b>Acme</b>", "Retail", "250-999 employees", "Europe")
    save_register(
        connect(),
        organisation.id,
        [Service("<img src=x onerror=alert(1)> *Pay*", "[Ana](http://x)", "critical", 24, 4, 1)],
    )
    at = evidence_page(organisation)
    assert at.title[0].value == f"Evidence: {md(organisation.name)}"
    markdown = "\n".join(str(m.value) for m in (*at.markdown, *at.caption, *at.success, *at.error, *at.info))
    assert "<b>" not in markdown and "<img" not in markdown and "](http" not in markdown
    # Cells are text: the name is in the table exactly as typed.
    assert list(at.data_editor[0].value["name"]) == ["<img src=x onerror=alert(1)> *Pay*"]


def shared(email: str | None = None, **params: int | str) -> AppTest:
    """The Evidence page in a shared installation, for `email` signed in, or for a participant link (join=...)."""
    at = new_session(**params)
    at.secrets["auth"] = AUTH
    if email is not None:
        at.user = {"is_logged_in": True, "email": email}
    at.switch_page("app_pages/evidence.py")
    return at.run()


def test_a_viewer_reads_the_register_and_log_but_cannot_edit_or_import(acme):
    add_member(connect(), "viewer@example.com", "viewer", [acme.id], by="test")
    at = shared("viewer@example.com", organisation=acme.id)
    assert not at.exception
    assert SECRET in everything_shown(at)
    assert not at.data_editor and not at.file_uploader
    assert not [b for b in at.button if b.key in ("register-save", "log-save")]
    assert list(at.dataframe[0].value["name"]) == ["Payments", f"{SECRET} Ledger"]


def test_a_consultant_of_the_organisation_edits_it(acme):
    add_member(connect(), "consultant@example.com", "consultant", [acme.id], by="test")
    at = shared("consultant@example.com", organisation=acme.id)
    assert not at.exception
    assert next(e.key for e in at.data_editor) == register_key(acme)


def test_a_member_without_the_organisation_sees_nothing_of_it_whatever_the_url_says(acme):
    other = create_organisation(connect(), "Bravo Bank", "Retail", "250-999 employees", "Europe")
    assessment = create_assessment(connect(), acme.id, get_questionnaire("itscm", "2026.1"), "FY2026", date(2026, 3, 1))
    add_member(connect(), "b@example.com", "consultant", [other.id], by="test")
    add_member(connect(), "nobody@example.com", "viewer", [], by="test")
    for email in ("b@example.com", "nobody@example.com"):
        for params in ({"organisation": acme.id}, {"assessment": assessment.id}, {}):
            at = shared(email, **params)
            assert not at.exception
            assert SECRET not in everything_shown(at), (email, params)


def test_a_participant_link_never_shows_the_page(acme):
    assessment = create_assessment(connect(), acme.id, get_questionnaire("itscm", "2026.1"), "FY2026", date(2026, 3, 1))
    get_or_create_respondent(connect(), assessment.id, "Ana")
    token, _ = create_participant_link(connect(), assessment.id, "Ana", created_by="test")
    at = shared(join=token, organisation=acme.id)
    shown = everything_shown(at)
    assert "Payments" not in shown and "Service register" not in shown
    assert not at.data_editor
