"""Users: e-mail addresses checked and unique ignoring case, roles from the list, organisations, the last administrator."""

from __future__ import annotations

import pytest
from sqlite_utils import Database
from storage_helpers import add_organisation, table_counts

from storage import (
    add_user,
    assign_organisations,
    get_user,
    get_user_by_email,
    list_users,
    set_active,
    set_role,
)
from storage.choices import ROLES
from storage.errors import NotFoundError
from storage.users import UserError


def test_a_user_is_stored_trimmed_active_and_without_organisations(db: Database) -> None:
    user = add_user(db, "  Ana.Lopez@Example.org ", "consultant")
    assert (user.email, user.role, user.active, user.organisations) == (
        "Ana.Lopez@Example.org",
        "consultant",
        True,
        frozenset(),
    )
    assert user.created_at.tzinfo is not None
    assert get_user(db, user.id) == user


def test_an_address_is_found_ignoring_case_and_surrounding_spaces(db: Database) -> None:
    user = add_user(db, "Ana.Lopez@Example.org", "viewer")
    assert get_user_by_email(db, " ana.lopez@EXAMPLE.ORG ") == user
    assert get_user_by_email(db, "ben@example.org") is None


def test_an_address_already_used_ignoring_case_is_refused(db: Database) -> None:
    add_user(db, "ana@example.org", "viewer")
    with pytest.raises(UserError, match=r"ana@example\.org already exists; change their role"):
        add_user(db, "ANA@example.org", "consultant")
    assert len(list_users(db)) == 1


@pytest.mark.parametrize(
    ("email", "problem"),
    [
        ("ana.example.org", "is not an address"),
        ("ana@@example.org", "is not an address"),
        ("ana@example@org", "is not an address"),
        ("@example.org", "is not an address"),
        ("ana@", "is not an address"),
        ("ana lopez@example.org", "is not an address"),
        ("ana@exa\u00a0mple.org", "is not an address"),
        ("   ", "is empty"),
        ("ana@example.org\u202e", "invisible control character"),
        ("a" * 250 + "@x.org", "shorten it to at most 254 characters"),
        (42, "must be text"),
    ],
)
def test_an_address_that_is_not_one_is_refused_with_how_to_write_it(db: Database, email: object, problem: str) -> None:
    before = table_counts(db)
    with pytest.raises(UserError, match=problem):
        add_user(db, email, "viewer")  # type: ignore[arg-type]
    assert table_counts(db) == before


def test_an_address_of_254_characters_is_accepted(db: Database) -> None:
    email = "a" * 248 + "@x.org"
    assert add_user(db, email, "viewer").email == email


@pytest.mark.parametrize("role", ["admin", "Administrator", "", None])
def test_a_role_outside_the_list_is_refused_naming_the_roles(db: Database, role: object) -> None:
    with pytest.raises(UserError, match="choose one of: administrator, consultant, viewer"):
        add_user(db, "ana@example.org", role)  # type: ignore[arg-type]
    user = add_user(db, "ana@example.org", "viewer")
    with pytest.raises(UserError, match="not in the list"):
        set_role(db, user.id, role)  # type: ignore[arg-type]
    assert get_user(db, user.id).role == "viewer"


def test_the_access_layer_reads_the_same_roles_storage_checks() -> None:
    from access.actors import ROLES as ACCESS_ROLES

    assert ACCESS_ROLES == ROLES == ("administrator", "consultant", "viewer")


def test_users_are_listed_by_address_ignoring_case(db: Database) -> None:
    for email in ("carla@example.org", "Ben@example.org", "ana@example.org"):
        add_user(db, email, "viewer")
    assert [u.email for u in list_users(db)] == ["ana@example.org", "Ben@example.org", "carla@example.org"]


def test_a_role_can_be_changed(db: Database) -> None:
    add_user(db, "boss@example.org", "administrator")
    user = add_user(db, "ana@example.org", "viewer")
    assert set_role(db, user.id, "consultant").role == "consultant"
    assert set_role(db, user.id, "administrator").role == "administrator"


def test_organisations_assigned_replace_the_previous_ones(db: Database) -> None:
    north, south, east = (add_organisation(db, name).id for name in ("North", "South", "East"))
    user = add_user(db, "ana@example.org", "consultant")
    assert assign_organisations(db, user.id, [north, south, north]).organisations == {north, south}
    assert assign_organisations(db, user.id, [east]).organisations == {east}
    assert get_user(db, user.id).organisations == {east}
    assert assign_organisations(db, user.id, []).organisations == frozenset()


def test_an_unknown_organisation_is_refused_and_the_assignment_is_kept(db: Database) -> None:
    north = add_organisation(db, "North").id
    user = add_user(db, "ana@example.org", "consultant")
    assign_organisations(db, user.id, [north])
    with pytest.raises(NotFoundError, match="No organisations with ids 98, 99; pick organisations"):
        assign_organisations(db, user.id, [north, 99, 98])
    with pytest.raises(NotFoundError, match="ids are whole numbers"):
        assign_organisations(db, user.id, ["North"])  # type: ignore[list-item]
    assert get_user(db, user.id).organisations == {north}


def test_an_unknown_user_is_not_found(db: Database) -> None:
    with pytest.raises(NotFoundError, match="No user with id 7"):
        get_user(db, 7)
    with pytest.raises(NotFoundError, match="No user with id 7"):
        set_active(db, 7, False)


def test_a_user_can_be_deactivated_and_reactivated(db: Database) -> None:
    add_user(db, "boss@example.org", "administrator")
    user = add_user(db, "ana@example.org", "consultant")
    assert set_active(db, user.id, False).active is False
    assert get_user_by_email(db, "ana@example.org").active is False  # type: ignore[union-attr]
    assert set_active(db, user.id, True).active is True
    with pytest.raises(UserError, match="True or False"):
        set_active(db, user.id, 0)  # type: ignore[arg-type]


def test_the_last_active_administrator_can_be_neither_demoted_nor_deactivated(db: Database) -> None:
    boss = add_user(db, "boss@example.org", "administrator")
    with pytest.raises(UserError, match=r"boss@example\.org is the last active administrator, so they cannot be made"):
        set_role(db, boss.id, "consultant")
    with pytest.raises(UserError, match=r"cannot be deactivated.*Make another user administrator first"):
        set_active(db, boss.id, False)
    assert get_user(db, boss.id) == boss


def test_an_inactive_administrator_does_not_count_as_the_other_one(db: Database) -> None:
    boss = add_user(db, "boss@example.org", "administrator")
    second = add_user(db, "second@example.org", "administrator")
    set_active(db, second.id, False)
    with pytest.raises(UserError, match="last active administrator"):
        set_role(db, boss.id, "viewer")
    set_active(db, second.id, True)
    assert set_role(db, boss.id, "viewer").role == "viewer"
    with pytest.raises(UserError, match=r"second@example\.org is the last active administrator"):
        set_active(db, second.id, False)
