"""The Admin page in a shared installation: an administrator adds people, changes their role, organisations and
access, cannot demote the last administrator, and reads the audit log newest first, by organisation; consultants
and viewers see none of it."""

from __future__ import annotations

from collections.abc import Iterable, Iterator
from dataclasses import dataclass
from pathlib import Path
from typing import TypeVar

import pandas as pd
import pytest
from app_runner import ROOT, new_session
from streamlit.testing.v1 import AppTest
from streamlit.testing.v1.element_tree import Button, Widget

from access.identity import add_member, member_for
from storage import connect, create_organisation
from storage.audit import list_audit, record_event
from storage.users import get_user_by_email

ADMIN = "adelheid@example.com"
CONSULTANT = "corwin@example.com"
VIEWER = "vesna@example.com"
ACTOR_KEY = "access-actor"  # where app.py leaves the actor for the pages (ui.access.set_actor)
AUTH = {
    "redirect_uri": "http://127.0.0.1:8501/oauth2callback",
    "cookie_secret": "x" * 32,
    "client_id": "itscm",
    "client_secret": "secret",
    "server_metadata_url": "http://127.0.0.1:9/.well-known/openid-configuration",
}


W = TypeVar("W", bound=Widget)


@dataclass(frozen=True)
class Installation:
    alpha: int
    bravo: int


@pytest.fixture
def installation(database: Path) -> Installation:
    """Alpha Retail and Bravo Bank; an administrator, a consultant of Alpha and a viewer of Bravo."""
    db = connect()
    alpha = create_organisation(db, "Alpha Retail", "Retail", "250-999 employees", "Europe")
    bravo = create_organisation(db, "Bravo Bank", "Retail", "250-999 employees", "Europe")
    add_member(db, ADMIN, "administrator", [], by="test")
    add_member(db, CONSULTANT, "consultant", [alpha.id], by="test")
    add_member(db, VIEWER, "viewer", [bravo.id], by="test")
    return Installation(alpha.id, bravo.id)


def admin_page(email: str = ADMIN) -> AppTest:
    """The Admin page, opened by `email` signed in to a shared installation."""
    at = new_session()
    at.secrets["auth"] = AUTH
    at.user = {"is_logged_in": True, "email": email}
    at.switch_page("app_pages/admin.py")
    return at.run()


def button(at: AppTest, label: str) -> Button:
    return next(b for b in at.button if b.label == label)


def edit_form_widget(widgets: Iterable[W], label: str) -> W:
    """The widget of the 'change a person' form with this label (the add form's have keys)."""
    return next(w for w in widgets if w.label == label and w.key is None)


def users_table(at: AppTest) -> pd.DataFrame:
    return next(frame.value for frame in at.dataframe if "E-mail" in frame.value.columns)


def audit_table(at: AppTest) -> pd.DataFrame:
    return next(frame.value for frame in at.dataframe if "What" in frame.value.columns)


def everything_shown(at: AppTest) -> str:
    """Every element's content on the page and in the sidebar, as sent to the browser."""

    def walk(node: object) -> Iterator[object]:
        yield node
        for child in getattr(node, "children", {}).values():
            yield from walk(child)

    return "\n".join(str(getattr(node, "proto", "")) for root in (at.main, at.sidebar) for node in walk(root))


def choose_person(at: AppTest, email: str) -> AppTest:
    user = get_user_by_email(connect(), email)
    assert user is not None
    return at.selectbox(key="edit-user").set_value(user.id).run()


def test_an_administrator_adds_a_person_with_a_role_and_organisations_and_the_form_empties(
    installation: Installation,
) -> None:
    at = admin_page()
    assert not at.exception
    at.text_input(key="add-user-email-0").input("Dana@Example.com")
    at.selectbox(key="add-user-role-0").set_value("viewer")
    at.multiselect(key="add-user-orgs-0").set_value([installation.alpha, installation.bravo])
    button(at, "Add").click()
    at.run()

    assert not at.exception and not at.error
    dana = get_user_by_email(connect(), "dana@example.com")
    assert dana is not None
    assert (dana.role, dana.organisations, dana.active) == (
        "viewer",
        frozenset({installation.alpha, installation.bravo}),
        True,
    )
    row = users_table(at).set_index("E-mail").loc["Dana@Example.com"]
    assert (row["Role"], row["Organisations"], row["Active"]) == ("viewer", "Alpha Retail, Bravo Bank", "yes")
    # Ready for the next person: no address, the default role, no organisation.
    assert at.text_input(key="add-user-email-1").value == ""
    assert at.selectbox(key="add-user-role-1").value == "consultant"
    assert at.multiselect(key="add-user-orgs-1").value == []
    added = list_audit(connect(), action="user added", limit=1)[0]
    assert added.actor == ADMIN and "Dana@Example.com" in added.detail


def test_adding_a_person_twice_is_refused_and_keeps_what_was_typed(installation: Installation) -> None:
    at = admin_page()
    at.text_input(key="add-user-email-0").input("CORWIN@example.com")
    button(at, "Add").click()
    at.run()
    assert at.error, "a second user with the same address was not refused"
    assert at.text_input(key="add-user-email-0").value == "CORWIN@example.com"
    assert len(users_table(at)) == 3


def test_an_administrator_changes_a_role_assigns_organisations_and_deactivates_a_person(
    installation: Installation,
) -> None:
    at = choose_person(admin_page(), CONSULTANT)
    edit_form_widget(at.selectbox, "Role").set_value("viewer")
    edit_form_widget(at.multiselect, "Organisations").set_value([installation.bravo])
    edit_form_widget(at.checkbox, "May sign in").uncheck()
    button(at, "Save changes").click()
    at.run()

    assert not at.exception and not at.error
    user = get_user_by_email(connect(), CONSULTANT)
    assert user is not None
    assert (user.role, user.organisations, user.active) == ("viewer", frozenset({installation.bravo}), False)
    row = users_table(at).set_index("E-mail").loc[CONSULTANT]
    assert (row["Role"], row["Organisations"], row["Active"]) == ("viewer", "Bravo Bank", "no")
    changes = {entry.action: entry for entry in list_audit(connect(), limit=3)}
    assert set(changes) == {"role changed", "organisations assigned", "user deactivated"}
    assert changes["role changed"].detail == "corwin@example.com: consultant -> viewer"
    assert all(entry.actor == ADMIN for entry in changes.values())


def test_a_deactivated_person_can_be_let_in_again(installation: Installation) -> None:
    at = choose_person(admin_page(), VIEWER)
    edit_form_widget(at.checkbox, "May sign in").uncheck()
    button(at, "Save changes").click()
    at.run()
    assert not at.exception
    edit_form_widget(at.checkbox, "May sign in").check()
    button(at, "Save changes").click()
    at.run()
    user = get_user_by_email(connect(), VIEWER)
    assert user is not None and user.active
    assert [entry.action for entry in list_audit(connect(), limit=2)] == ["user reactivated", "user deactivated"]


@pytest.mark.parametrize(
    ("change", "refusal"),
    [
        ("role", "cannot be made viewer"),
        ("access", "cannot be deactivated"),
    ],
)
def test_demoting_or_stopping_the_last_administrator_is_refused_with_a_message(
    installation: Installation, change: str, refusal: str
) -> None:
    at = choose_person(admin_page(), ADMIN)
    if change == "role":
        edit_form_widget(at.selectbox, "Role").set_value("viewer")
    else:
        edit_form_widget(at.checkbox, "May sign in").uncheck()
    button(at, "Save changes").click()
    at.run()

    assert not at.exception
    messages = " ".join(error.value for error in at.error)
    assert "last active administrator" in messages and refusal in messages
    assert "Make another user administrator first" in messages
    admin = get_user_by_email(connect(), ADMIN)
    assert admin is not None and (admin.role, admin.active) == ("administrator", True)
    assert users_table(at).set_index("E-mail").loc[ADMIN, "Role"] == "administrator"
    assert not list_audit(connect(), action="role changed") and not list_audit(connect(), action="user deactivated")


def test_an_administrator_may_be_demoted_once_another_one_exists(installation: Installation) -> None:
    add_member(connect(), "second@example.com", "administrator", [], by="test")
    at = choose_person(admin_page(), ADMIN)
    edit_form_widget(at.selectbox, "Role").set_value("consultant")
    button(at, "Save changes").click()
    at.run()
    assert not at.error
    admin = get_user_by_email(connect(), ADMIN)
    assert admin is not None and admin.role == "consultant"


@pytest.mark.parametrize("email", [CONSULTANT, VIEWER])
def test_a_consultant_or_viewer_opening_admin_sees_no_user_data_nor_the_audit_log(
    installation: Installation, email: str
) -> None:
    record_event(connect(), ADMIN, "exported the workbook", installation.alpha, "Quillon workbook")
    at = admin_page(email)
    shown = everything_shown(at).lower()
    others = {ADMIN, CONSULTANT, VIEWER} - {email}
    # Names only: shown text is escaped (adelheid\@example\.com), so a whole address would never match.
    assert not [address for address in others if address.split("@")[0] in shown]
    assert "quillon" not in shown and "audit log" not in shown and "add a person" not in shown
    assert not any("E-mail" in frame.value.columns or "What" in frame.value.columns for frame in at.dataframe)


def test_the_admin_page_itself_refuses_a_consultant_even_when_run_without_the_menu(
    installation: Installation,
) -> None:
    """The menu leaves Admin out for consultants; the page checks again in case it is ever reached."""
    consultant = member_for(connect(), CONSULTANT, [])
    at = AppTest.from_file(str(ROOT / "app_pages" / "admin.py"), default_timeout=60)
    at.session_state[ACTOR_KEY] = consultant
    at.run()
    assert [error.value for error in at.error] == ["Only administrators may open this page."]
    assert not at.dataframe and ADMIN not in everything_shown(at)


def test_the_audit_log_shows_the_newest_entry_first_and_filters_by_organisation(installation: Installation) -> None:
    db = connect()
    record_event(db, CONSULTANT, "exported the workbook", installation.alpha, "alpha first")
    record_event(db, VIEWER, "exported the CSV", installation.bravo, "bravo only")
    record_event(db, CONSULTANT, "participant link created", installation.alpha, "alpha second")

    at = admin_page()
    log = audit_table(at)
    # The administrator's own sign-in, for this session, is the newest.
    assert list(log["What"][:4]) == [
        "signed in",
        "participant link created",
        "exported the CSV",
        "exported the workbook",
    ]
    assert list(log["Who"][:2]) == [ADMIN, CONSULTANT]
    assert log.set_index("Detail").loc["bravo only", "Organisation"] == "Bravo Bank"

    at.selectbox(key="audit-organisation").set_value(installation.alpha).run()
    log = audit_table(at)
    assert list(log["Detail"]) == ["alpha second", "alpha first"]
    assert set(log["Organisation"]) == {"Alpha Retail"}

    at.selectbox(key="audit-organisation").set_value(installation.bravo).run()
    assert list(audit_table(at)["Detail"]) == ["bravo only"]
