"""Separation of access over every page: a consultant, a viewer and a participant link of organisation A, trying
every query parameter and id of organisation B, see nothing of B; nobody signed in sees no data at all."""

from __future__ import annotations

from collections.abc import Iterator
from dataclasses import dataclass
from datetime import date
from pathlib import Path

import pytest
from app_runner import new_session
from streamlit import config
from streamlit.testing.v1 import AppTest

from access.identity import add_member
from access.links import create_participant_link
from evidence.model import Service
from questionnaires.catalog import get_questionnaire
from storage import (
    connect,
    create_assessment,
    create_organisation,
    get_or_create_respondent,
    save_answer,
    set_assessment_status,
)
from storage.audit import list_audit
from storage.evidence import save_register

QUESTIONNAIRE = get_questionnaire("itscm", "2026.1")
AUTH = {
    "redirect_uri": "http://127.0.0.1:8501/oauth2callback",
    "cookie_secret": "x" * 32,
    "client_id": "itscm",
    "client_secret": "secret",
    "server_metadata_url": "http://127.0.0.1:9/.well-known/openid-configuration",
}
PAGES = ("home", "questionnaire", "results", "roadmap", "links", "evidence", "data", "admin")
SECRET_OF_B = "Bravoquartz"  # in B's name, comments and labels: must never be shown to A's people


@dataclass(frozen=True)
class Installation:
    a_org: int
    a_assessment: int
    b_org: int
    b_assessment: int
    b_respondent: int
    token: str


@pytest.fixture
def installation(database: Path) -> Installation:
    db = connect()
    ids = {}
    for name in ("Alpha Retail", f"{SECRET_OF_B} Bank"):
        org = create_organisation(db, name, "Retail", "250-999 employees", "Europe")
        assessment = create_assessment(db, org.id, QUESTIONNAIRE, f"FY2026 {name.split()[0]}", date(2026, 3, 1))
        respondent = get_or_create_respondent(db, assessment.id, f"{name.split()[0]} manager")
        for question in QUESTIONNAIRE.questions:
            save_answer(db, QUESTIONNAIRE, assessment.id, respondent.id, question.id, 3, comment=f"{name} note")
        set_assessment_status(db, assessment.id, "completed")
        ids[name] = (org.id, assessment.id, respondent.id)
    a, b = ids["Alpha Retail"], ids[f"{SECRET_OF_B} Bank"]
    add_member(db, "admin@example.com", "administrator", [], by="test")
    add_member(db, "consultant@example.com", "consultant", [a[0]], by="test")
    add_member(db, "viewer@example.com", "viewer", [a[0]], by="test")
    token, _ = create_participant_link(db, a[1], "Alpha manager", created_by="test")
    return Installation(a[0], a[1], b[0], b[1], b[2], token)


def shared_session(email: str | None, **params: int | str) -> AppTest:
    at = new_session(**params)
    at.secrets["auth"] = AUTH
    at.user = {"is_logged_in": False} if email is None else {"is_logged_in": True, "email": email}
    return at


def everything_shown(at: AppTest) -> str:
    """Every element's content on the page and in the sidebar, as sent to the browser."""

    def walk(node: object) -> Iterator[object]:
        yield node
        for child in getattr(node, "children", {}).values():
            yield from walk(child)

    return "\n".join(str(getattr(node, "proto", "")) for root in (at.main, at.sidebar) for node in walk(root))


def attempts(inst: Installation) -> list[dict[str, int | str]]:
    """Every way of naming B in the URL."""
    return [
        {"assessment": inst.b_assessment},
        {"organisation": inst.b_org},
        {"organisation": inst.b_org, "assessment": inst.b_assessment},
        {"assessment": inst.b_assessment, "respondent": inst.b_respondent},
        {"organisation": inst.a_org, "assessment": inst.b_assessment},
        {"assessment": inst.b_assessment, "domain": "RISK"},
    ]


@pytest.mark.parametrize("email", ["consultant@example.com", "viewer@example.com"])
@pytest.mark.parametrize("page", PAGES)
def test_a_member_of_a_sees_nothing_of_b_whatever_the_url_says(
    installation: Installation, email: str, page: str
) -> None:
    for params in attempts(installation):
        at = shared_session(email, **params)
        at.switch_page(f"app_pages/{page}.py")
        at.run()
        shown = everything_shown(at)
        assert SECRET_OF_B not in shown, (email, page, params)
        assert not at.exception or "page" in str(at.exception[0].message).lower(), at.exception


@pytest.mark.parametrize("page", PAGES)
def test_a_participant_link_shows_its_own_questionnaire_and_nothing_of_b(installation: Installation, page: str) -> None:
    for params in attempts(installation):
        at = new_session(join=installation.token, **params)
        at.switch_page(f"app_pages/{page}.py")
        at.run()
        shown = everything_shown(at)
        assert SECRET_OF_B not in shown, (page, params)
        assert "Alpha manager" in shown


def test_a_consultant_sees_their_organisation_and_can_answer(installation: Installation) -> None:
    at = shared_session("consultant@example.com", assessment=installation.a_assessment)
    at.switch_page("app_pages/questionnaire.py")
    at.run()
    assert not at.exception
    assert "Alpha Retail" in at.title[0].value
    assert not at.radio[0].disabled


def test_a_viewer_reads_results_but_cannot_change_targets(installation: Installation) -> None:
    at = shared_session("viewer@example.com", assessment=installation.a_assessment)
    at.switch_page("app_pages/results.py")
    at.run()
    assert not at.exception
    assert "Alpha Retail" in at.title[0].value
    assert all(slider.disabled for slider in at.select_slider)


@pytest.mark.parametrize(("email", "may_change"), [("viewer@example.com", False), ("consultant@example.com", True)])
def test_the_business_case_assumptions_can_be_changed_only_by_those_who_may_plan(
    installation: Installation, email: str, may_change: bool
) -> None:
    payments = Service("Payments", "Owner", "critical", 24.0, 4.0, 1.0, 1000.0, "EUR")
    save_register(connect(), installation.a_org, [payments])
    at = shared_session(email, assessment=installation.a_assessment)
    at.switch_page("app_pages/roadmap.py")
    at.run()
    assert not at.exception
    assert "Business case" in [h.value for h in at.subheader]
    inputs = [w for w in at.number_input if w.key == "bc-disruptions" or w.key.startswith("bc-multiple-")]
    assert len(inputs) == 6
    assert all(w.disabled is not may_change for w in inputs)


def test_nobody_signed_in_gets_the_sign_in_page_and_no_data(installation: Installation) -> None:
    for page in PAGES:
        at = shared_session(None, assessment=installation.a_assessment)
        at.switch_page(f"app_pages/{page}.py")
        at.run()
        shown = everything_shown(at)
        assert "Alpha" not in shown and SECRET_OF_B not in shown
        assert any(button.label == "Sign in" for button in at.button)


def test_a_signed_in_person_without_a_role_is_told_to_ask_an_administrator(installation: Installation) -> None:
    at = shared_session("stranger@example.com", assessment=installation.a_assessment)
    at.run()
    shown = everything_shown(at)
    assert "has not given you a role yet" in shown
    assert "Alpha" not in shown and SECRET_OF_B not in shown


@pytest.fixture
def served_on_every_interface() -> Iterator[None]:
    """The server's address set to 0.0.0.0 (every interface) for one test."""
    before = config.get_option("server.address")
    config.set_option("server.address", "0.0.0.0")
    yield
    config.set_option("server.address", before)


@pytest.mark.usefixtures("served_on_every_interface")
def test_served_beyond_this_machine_without_sign_in_shows_how_to_configure_it(installation: Installation) -> None:
    at = new_session(assessment=installation.a_assessment)
    at.run()
    shown = everything_shown(at)
    assert "Sign-in needs to be configured" in shown
    assert "Alpha" not in shown and SECRET_OF_B not in shown
    # A participant link still works there.
    link = new_session(join=installation.token)
    link.run()
    assert "Alpha manager" in everything_shown(link)


def test_a_revoked_or_unknown_link_is_refused_with_no_data(installation: Installation) -> None:
    at = new_session(join="not-a-real-token")
    at.run()
    shown = everything_shown(at)
    assert "This link is not valid" in shown and "Alpha" not in shown


def test_sign_ins_and_links_used_are_in_the_audit_log(installation: Installation) -> None:
    shared_session("consultant@example.com").run()
    new_session(join=installation.token).run()
    actions = [entry.action for entry in list_audit(connect())]
    assert "signed in" in actions and "participant link used" in actions
