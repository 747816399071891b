"""The Participant links page in a shared installation: a consultant makes a link (shown once), sees it listed and
withdraws it; viewers cannot manage links, and a consultant of another organisation sees nothing of this one."""

from __future__ import annotations

from collections.abc import Iterator
from dataclasses import dataclass
from datetime import date, timedelta
from pathlib import Path

import pandas as pd
import pytest
from app_runner import ROOT, new_session
from streamlit.testing.v1 import AppTest

from access.identity import add_member, member_for
from access.links import LinkRefused, create_participant_link, participant_for
from questionnaires.catalog import get_questionnaire
from storage import connect, create_assessment, create_organisation, get_or_create_respondent
from storage.links import list_links

QUESTIONNAIRE = get_questionnaire("itscm", "2026.1")
AUTH = {
    "redirect_uri": "http://127.0.0.1:8501/oauth2callback",
    "cookie_secret": "x" * 32,
    "client_id": "itscm",
    "client_secret": "secret",
    "server_metadata_url": "http://127.0.0.1:9/.well-known/openid-configuration",
}
ACTOR_KEY = "access-actor"  # where app.py leaves the actor for the pages (ui.access.set_actor)
SECRET_OF_A = "Amberquill"  # in A's name, labels and respondents: never shown to B's consultant


@dataclass(frozen=True)
class Installation:
    a_org: int
    a_assessment: int
    b_org: int
    b_assessment: int


@pytest.fixture
def installation(database: Path) -> Installation:
    """Organisations A and B with an assessment each; a consultant and a viewer of A, a consultant of B."""
    db = connect()
    ids = []
    for name in (f"{SECRET_OF_A} Retail", "Bravo Bank"):
        org = create_organisation(db, name, "Retail", "250-999 employees", "Europe")
        assessment = create_assessment(db, org.id, QUESTIONNAIRE, f"FY2026 {name.split()[0]}", date(2026, 3, 1))
        get_or_create_respondent(db, assessment.id, f"{name.split()[0]} manager")
        ids += [org.id, assessment.id]
    inst = Installation(*ids)
    add_member(db, "consultant-a@example.com", "consultant", [inst.a_org], by="test")
    add_member(db, "viewer-a@example.com", "viewer", [inst.a_org], by="test")
    add_member(db, "consultant-b@example.com", "consultant", [inst.b_org], by="test")
    return inst


def links_page(email: str, **params: int | str) -> AppTest:
    """The Participant links page, opened by `email` signed in to a shared installation."""
    at = new_session(**params)
    at.secrets["auth"] = AUTH
    at.user = {"is_logged_in": True, "email": email}
    at.switch_page("app_pages/links.py")
    return at.run()


def everything_shown(at: AppTest) -> str:
    """Every element's content on the page and in the sidebar, as sent to the browser."""

    def walk(node: object) -> Iterator[object]:
        yield node
        for child in getattr(node, "children", {}).values():
            yield from walk(child)

    return "\n".join(str(getattr(node, "proto", "")) for root in (at.main, at.sidebar) for node in walk(root))


def links_table(at: AppTest) -> pd.DataFrame:
    return next(frame.value for frame in at.dataframe if "Respondent" in frame.value.columns)


def create_link(at: AppTest, respondent: str, domains: list[str], days: int = 7) -> AppTest:
    at.text_input[0].input(respondent)
    at.number_input[0].set_value(days)
    at.multiselect[0].set_value(domains)
    next(b for b in at.button if b.label == "Create the link").click()
    return at.run()


def token_in(url: str) -> str:
    assert "?join=" in url, url
    return url.split("?join=", 1)[1]


def test_a_consultant_makes_a_link_for_a_new_respondent_shown_once_and_listed_as_active(
    installation: Installation,
) -> None:
    at = links_page("consultant-a@example.com", assessment=installation.a_assessment)
    assert not at.exception and not at.error
    create_link(at, "Field engineer", ["BIA"])

    assert not at.exception and not at.error
    assert len(at.code) == 1
    url = at.code[0].value
    assert url.startswith("http") and "/?join=" in url
    participant = participant_for(connect(), token_in(url))
    assert (participant.assessment_id, participant.respondent_name, participant.domains) == (
        installation.a_assessment,
        "Field engineer",
        frozenset({"BIA"}),
    )
    assert "Field engineer" in at.success[0].value

    (link,) = list_links(connect(), installation.a_assessment)
    assert abs(link.expires_at - link.created_at - timedelta(days=7)) < timedelta(minutes=1)
    row = links_table(at).set_index("Respondent").loc["Field engineer"]
    assert (row["Domains"], row["Status"], row["Made by"]) == ("BIA", "active", "consultant-a@example.com")

    # Only its fingerprint is kept: the next run cannot show the link again.
    at.run()
    assert not at.code
    assert token_in(url) not in everything_shown(at)
    assert links_table(at).set_index("Respondent").loc["Field engineer", "Status"] == "active"


def test_a_link_without_a_respondent_name_is_refused_with_a_message(installation: Installation) -> None:
    at = links_page("consultant-a@example.com", assessment=installation.a_assessment)
    create_link(at, "   ", [])
    assert at.error and not at.code
    assert not list_links(connect(), installation.a_assessment)


def test_withdrawing_a_link_marks_it_withdrawn_and_its_token_no_longer_opens(installation: Installation) -> None:
    token, link = create_participant_link(
        connect(), installation.a_assessment, "Field engineer", domains=["GOV"], created_by="test"
    )
    at = links_page("consultant-a@example.com", assessment=installation.a_assessment)
    withdraw = next(s for s in at.selectbox if s.label == "Withdraw a link")
    assert withdraw.options == [f"{link.id}: Field engineer"]
    withdraw.set_value(link.id)
    next(b for b in at.button if b.label == "Withdraw").click()
    at.run()

    assert not at.exception and not at.error
    assert links_table(at).set_index("Respondent").loc["Field engineer", "Status"].startswith("withdrawn ")
    assert not [s for s in at.selectbox if s.label == "Withdraw a link"]  # nothing left to withdraw
    with pytest.raises(LinkRefused, match="withdrawn"):
        participant_for(connect(), token)


def test_a_viewer_cannot_open_the_links_page(installation: Installation) -> None:
    create_participant_link(connect(), installation.a_assessment, "Field engineer", created_by="test")
    at = links_page("viewer-a@example.com", assessment=installation.a_assessment)
    assert not [b for b in at.button if b.label in ("Create the link", "Withdraw")]
    assert not at.code and not [frame for frame in at.dataframe if "Respondent" in frame.value.columns]
    assert "Field engineer" not in everything_shown(at)


def test_the_links_page_itself_refuses_a_viewer_even_when_run_without_the_menu(installation: Installation) -> None:
    """The menu leaves the page out for viewers; the page checks again in case it is ever reached."""
    create_participant_link(connect(), installation.a_assessment, "Field engineer", created_by="test")
    at = AppTest.from_file(str(ROOT / "app_pages" / "links.py"), default_timeout=60)
    at.query_params["assessment"] = str(installation.a_assessment)
    at.session_state[ACTOR_KEY] = member_for(connect(), "viewer-a@example.com", [])
    at.run()
    assert [error.value for error in at.error] == ["You may not manage this organisation's participant links."]
    assert not at.dataframe and not at.code and not at.button
    assert "Field engineer" not in everything_shown(at)


def test_a_consultant_of_b_asking_for_a_in_the_url_sees_nothing_of_a(installation: Installation) -> None:
    create_participant_link(connect(), installation.a_assessment, f"{SECRET_OF_A} engineer", created_by="test")
    for params in (
        {"assessment": installation.a_assessment},
        {"assessment": installation.a_assessment, "organisation": installation.a_org},
        {"organisation": installation.a_org},
    ):
        at = links_page("consultant-b@example.com", **params)
        assert not at.exception
        assert SECRET_OF_A not in everything_shown(at), params
        # Whatever the page shows instead, no link of A is made from here.
        if any(b.label == "Create the link" for b in at.button):
            create_link(at, "Intruder", [])
    assert len(list_links(connect(), installation.a_assessment)) == 1
