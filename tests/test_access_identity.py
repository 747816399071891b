"""Who a signed-in address is: a member with a role, a first administrator from configuration, or nobody yet;
every change to users is written together with its audit entry."""

from __future__ import annotations

import pytest
from sqlite_utils import Database
from storage_helpers import add_organisation

from access import Member
from access.identity import (
    ADMINISTRATOR_FROM_CONFIGURATION,
    add_member,
    change_active,
    change_organisations,
    change_role,
    member_for,
)
from storage import add_user, assign_organisations, get_user, get_user_by_email, list_audit, list_users
from storage.errors import NotFoundError
from storage.users import UserError

BY = "boss@example.org"


def test_a_known_active_user_signs_in_as_a_member_with_their_organisations(db: Database) -> None:
    north = add_organisation(db, "North").id
    user = add_user(db, "Ana@Example.org", "consultant")
    assign_organisations(db, user.id, [north])
    assert member_for(db, "ana@example.org", administrators=()) == Member(
        user_id=user.id, email="Ana@Example.org", role="consultant", organisations=frozenset({north})
    )
    assert list_audit(db) == ()


def test_an_unknown_address_not_in_the_configuration_is_nobody_and_nothing_is_written(db: Database) -> None:
    assert member_for(db, "stranger@example.org", administrators=["boss@example.org"]) is None
    assert list_users(db) == ()
    assert list_audit(db) == ()


@pytest.mark.parametrize("email", ["", "   ", None])
def test_no_address_is_nobody(db: Database, email: object) -> None:
    assert member_for(db, email, administrators=[""]) is None  # type: ignore[arg-type]
    assert list_users(db) == ()


def test_a_first_administrator_from_configuration_is_added_once_and_audited(db: Database) -> None:
    member = member_for(db, "Boss@Example.org", administrators=[" BOSS@example.org "])
    assert member is not None
    assert (member.email, member.role) == ("Boss@Example.org", "administrator")
    again = member_for(db, "boss@example.org", administrators=["boss@example.org"])
    assert again == member
    assert len(list_users(db)) == 1
    [entry] = list_audit(db)
    assert (entry.actor, entry.action) == ("configuration (first administrators)", ADMINISTRATOR_FROM_CONFIGURATION)
    assert "Boss@Example.org" in entry.detail


def test_the_actor_label_of_the_configuration_entry_can_be_given(db: Database) -> None:
    member_for(db, "boss@example.org", ["boss@example.org"], actor_label="sign-in (secrets.toml)")
    assert list_audit(db)[0].actor == "sign-in (secrets.toml)"


def test_a_deactivated_user_is_nobody_even_when_listed_as_a_first_administrator(db: Database) -> None:
    add_user(db, "boss@example.org", "administrator")
    other = add_user(db, "other@example.org", "administrator")
    change_active(db, other.id, False, by=BY)
    assert member_for(db, "other@example.org", administrators=["other@example.org"]) is None
    assert get_user(db, other.id).role == "administrator"


def test_a_user_added_with_a_role_and_organisations_is_audited_with_both(db: Database) -> None:
    north = add_organisation(db, "North").id
    user = add_member(db, "ana@example.org", "consultant", [north], by=BY)
    assert (user.role, user.organisations) == ("consultant", frozenset({north}))
    [entry] = list_audit(db)
    assert (entry.actor, entry.action, entry.detail) == (
        BY,
        "user added",
        f"ana@example.org: role consultant; organisations North ({north})",
    )


def test_a_user_refused_leaves_no_user_and_no_audit_entry(db: Database) -> None:
    with pytest.raises(NotFoundError, match="No organisation with id 99"):
        add_member(db, "ana@example.org", "consultant", [99], by=BY)
    with pytest.raises(UserError, match="not an address"):
        add_member(db, "ana", "consultant", [], by=BY)
    assert list_users(db) == ()
    assert list_audit(db) == ()


def test_a_role_change_is_audited_before_and_after(db: Database) -> None:
    user = add_member(db, "ana@example.org", "viewer", [], by=BY)
    assert change_role(db, user.id, "consultant", by=BY).role == "consultant"
    entry = list_audit(db)[0]
    assert (entry.action, entry.detail) == ("role changed", "ana@example.org: viewer -> consultant")
    change_role(db, user.id, "consultant", by=BY)
    assert len(list_audit(db, action="role changed")) == 1


def test_demoting_the_last_administrator_is_refused_and_not_audited(db: Database) -> None:
    boss = add_member(db, "boss@example.org", "administrator", [], by="command line (root)")
    with pytest.raises(UserError, match="last active administrator"):
        change_role(db, boss.id, "viewer", by=BY)
    with pytest.raises(UserError, match="last active administrator"):
        change_active(db, boss.id, False, by=BY)
    assert [e.action for e in list_audit(db)] == ["user added"]


def test_an_organisation_change_names_the_organisations_before_and_after(db: Database) -> None:
    north, south = add_organisation(db, "North").id, add_organisation(db, "South").id
    user = add_member(db, "ana@example.org", "consultant", [north], by=BY)
    assert change_organisations(db, user.id, [south, north], by=BY).organisations == {north, south}
    assert list_audit(db)[0].detail == f"ana@example.org: North ({north}) -> North ({north}), South ({south})"
    change_organisations(db, user.id, [], by=BY)
    assert list_audit(db)[0].detail == f"ana@example.org: North ({north}), South ({south}) -> none"
    change_organisations(db, user.id, [], by=BY)
    assert len(list_audit(db, action="organisations assigned")) == 2


def test_deactivating_and_reactivating_are_audited_and_take_effect_at_sign_in(db: Database) -> None:
    user = add_member(db, "ana@example.org", "viewer", [], by=BY)
    change_active(db, user.id, False, by=BY)
    assert member_for(db, "ana@example.org", ()) is None
    change_active(db, user.id, True, by=BY)
    assert member_for(db, "ana@example.org", ()) is not None
    assert [(e.action, e.detail) for e in list_audit(db)[:2]] == [
        ("user reactivated", "ana@example.org (viewer): inactive -> active"),
        ("user deactivated", "ana@example.org (viewer): active -> inactive"),
    ]
    assert get_user_by_email(db, "ana@example.org").active  # type: ignore[union-attr]
