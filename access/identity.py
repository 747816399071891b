"""Who a signed-in e-mail address is, and the changes administrators make to users, each one audited.

Every change and its audit entry are written in one transaction: a change is never stored without
its record, and a refused change leaves no record.
"""

from __future__ import annotations

from collections.abc import Collection, Iterable
from typing import Final

from sqlite_utils import Database

from access.actors import Member
from storage.audit import record_event
from storage.organisations import list_organisations
from storage.records import User
from storage.transactions import write_transaction
from storage.users import (
    add_user,
    assign_organisations,
    email_key,
    get_user,
    get_user_by_email,
    set_active,
    set_role,
)

# The audit log's names for what happened here (the Admin page filters by them).
ADMINISTRATOR_FROM_CONFIGURATION: Final = "administrator added from configuration"
USER_ADDED: Final = "user added"
ROLE_CHANGED: Final = "role changed"
ORGANISATIONS_ASSIGNED: Final = "organisations assigned"
USER_DEACTIVATED: Final = "user deactivated"
USER_REACTIVATED: Final = "user reactivated"

CONFIGURATION_ACTOR: Final = "configuration (first administrators)"


def member_for(
    db: Database, email: str, administrators: Collection[str], actor_label: str = CONFIGURATION_ACTOR
) -> Member | None:
    """Return the signed-in address's user as a Member, or None when they may not use the app (yet).

    An address with no user that is listed in `administrators` (the configuration's first
    administrators, compared ignoring case) becomes an administrator, recorded in the audit log as done
    by `actor_label`. A deactivated user stays out even when listed: an administrator stopped them.
    """
    if not isinstance(email, str) or not email.strip():
        return None
    user = get_user_by_email(db, email)
    if user is None:
        if email_key(email) not in {email_key(address) for address in administrators if isinstance(address, str)}:
            return None
        with write_transaction(db):
            # Two first sign-ins at once: the second finds the user the first one added.
            user = get_user_by_email(db, email)
            if user is None:
                user = add_user(db, email, "administrator")
                record_event(
                    db,
                    actor_label,
                    ADMINISTRATOR_FROM_CONFIGURATION,
                    detail=f"{user.email} signed in for the first time and is listed as a first administrator",
                )
    if not user.active:
        return None
    return Member(user_id=user.id, email=user.email, role=user.role, organisations=user.organisations)


def _organisation_names(db: Database, organisation_ids: Iterable[int]) -> str:
    ids = sorted(organisation_ids)
    if not ids:
        return "none"
    names = {organisation.id: organisation.name for organisation in list_organisations(db)}
    return ", ".join(
        f"{names.get(organisation_id, 'deleted organisation')} ({organisation_id})" for organisation_id in ids
    )


def add_member(db: Database, email: str, role: str, organisation_ids: Iterable[int], by: str) -> User:
    """Add a user with a role and organisations, recorded in the audit log as done by `by`."""
    with write_transaction(db):
        user = add_user(db, email, role)
        wanted = list(organisation_ids)
        if wanted:
            user = assign_organisations(db, user.id, wanted)
        record_event(
            db,
            by,
            USER_ADDED,
            detail=f"{user.email}: role {user.role}; organisations {_organisation_names(db, user.organisations)}",
        )
        return user


def change_role(db: Database, user_id: int, role: str, by: str) -> User:
    """Change a user's role and record before -> after; an unchanged role records nothing."""
    with write_transaction(db):
        before = get_user(db, user_id)
        after = set_role(db, before.id, role)
        if after.role != before.role:
            record_event(db, by, ROLE_CHANGED, detail=f"{after.email}: {before.role} -> {after.role}")
        return after


def change_organisations(db: Database, user_id: int, organisation_ids: Iterable[int], by: str) -> User:
    """Replace a user's organisations and record before -> after; an unchanged set records nothing."""
    with write_transaction(db):
        before = get_user(db, user_id)
        after = assign_organisations(db, before.id, organisation_ids)
        if after.organisations != before.organisations:
            record_event(
                db,
                by,
                ORGANISATIONS_ASSIGNED,
                detail=(
                    f"{after.email}: {_organisation_names(db, before.organisations)} -> "
                    f"{_organisation_names(db, after.organisations)}"
                ),
            )
        return after


def change_active(db: Database, user_id: int, active: bool, by: str) -> User:
    """Let a user sign in again or stop them, recorded in the audit log; no change records nothing."""
    with write_transaction(db):
        before = get_user(db, user_id)
        after = set_active(db, before.id, active)
        if after.active != before.active:
            record_event(
                db,
                by,
                USER_REACTIVATED if after.active else USER_DEACTIVATED,
                detail=f"{after.email} ({after.role}): {'inactive -> active' if after.active else 'active -> inactive'}",
            )
        return after
