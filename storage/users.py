"""Users: who may sign in (shared mode), with which role, on which organisations.

Who changed what is recorded in the audit log by the access layer (access.identity), which calls
these functions inside its own transaction; storage only keeps the users and checks their values.
"""

from __future__ import annotations

from collections.abc import Iterable
from typing import Any

from sqlite_utils import Database

from storage.choices import MAX_EMAIL, ROLES, Role
from storage.errors import NotFoundError, StorageError
from storage.records import User
from storage.timestamps import now_text, to_datetime
from storage.transactions import write_transaction
from storage.validation import check_choice, check_id, clean_name, name_key


class UserError(StorageError):
    """A user's e-mail address or role is not acceptable, or the change would leave no administrator."""


_SELECT = "SELECT id, email, role, active, created_at FROM users"


def check_email(value: object, *, error: type[StorageError] = UserError) -> str:
    """Return an e-mail address trimmed, after checking it looks like one: name@domain, no spaces."""
    email = clean_name(value, field="E-mail address", max_length=MAX_EMAIL, error=error)
    local, at, domain = email.partition("@")
    if not at or not local or not domain or "@" in domain or any(char.isspace() for char in email):
        raise error(
            f"E-mail address {email!r} is not an address; write it whole, as the person signs in with it, "
            "such as ana.lopez@example.org (one @, no spaces)."
        )
    return email


def email_key(email: str) -> str:
    """Return the form of an address used to tell users apart: trimmed and ignoring case."""
    return name_key(email.strip())


def _organisations(db: Database, user_ids: list[int]) -> dict[int, frozenset[int]]:
    if not user_ids:
        return {}
    found: dict[int, set[int]] = {user_id: set() for user_id in user_ids}
    marks = ", ".join("?" for _ in user_ids)
    rows = db.execute(
        f"SELECT user_id, organisation_id FROM user_organisations WHERE user_id IN ({marks})",  # noqa: S608 - marks only
        user_ids,
    )
    for user_id, organisation_id in rows.fetchall():
        found[user_id].add(organisation_id)
    return {user_id: frozenset(ids) for user_id, ids in found.items()}


def _users(db: Database, where: str = "", params: list[Any] | None = None) -> tuple[User, ...]:
    rows = list(db.query(f"{_SELECT} {where}", params or []))
    organisations = _organisations(db, [row["id"] for row in rows])
    return tuple(
        User(
            id=row["id"],
            email=row["email"],
            role=row["role"],
            active=bool(row["active"]),
            organisations=organisations[row["id"]],
            created_at=to_datetime(row["created_at"]),
        )
        for row in rows
    )


def _check_role(role: object) -> Role:
    return check_choice(role, ROLES, field="Role", error=UserError)  # type: ignore[return-value]


def add_user(db: Database, email: str, role: str) -> User:
    """Store a new, active user with no organisations; an address already used (ignoring case) is refused."""
    clean = check_email(email)
    checked_role = _check_role(role)
    with write_transaction(db):
        existing = get_user_by_email(db, clean)
        if existing is not None:
            raise UserError(
                f"A user with e-mail address {existing.email} already exists; change their role or "
                "organisations instead of adding them again."
            )
        table = db.table("users")
        table.insert(
            {
                "email": clean,
                "email_key": email_key(clean),
                "role": checked_role,
                "active": 1,
                "created_at": now_text(),
            }
        )
        return get_user(db, int(table.last_pk))


def get_user(db: Database, user_id: int) -> User:
    """Return the user with this id, or raise NotFoundError."""
    check_id(user_id, what="user")
    found = _users(db, "WHERE id = ?", [user_id])
    if not found:
        raise NotFoundError(f"No user with id {user_id}; pick one from the list of users.")
    return found[0]


def get_user_by_email(db: Database, email: str) -> User | None:
    """Return the user with this e-mail address (ignoring case and surrounding spaces), or None."""
    if not isinstance(email, str):
        return None
    found = _users(db, "WHERE email_key = ?", [email_key(email)])
    return found[0] if found else None


def list_users(db: Database) -> tuple[User, ...]:
    """Return every user, active or not, in order of e-mail address."""
    return _users(db, "ORDER BY email_key, id")


def _refuse_losing_last_administrator(db: Database, user: User, what: str) -> None:
    if user.role != "administrator" or not user.active:
        return
    others = db.execute(
        "SELECT count(*) FROM users WHERE role = 'administrator' AND active = 1 AND id != ?", [user.id]
    ).fetchone()[0]
    if not others:
        raise UserError(
            f"{user.email} is the last active administrator, so they cannot be {what}: nobody could manage "
            "users any more. Make another user administrator first."
        )


def set_role(db: Database, user_id: int, role: str) -> User:
    """Change a user's role; demoting the last active administrator is refused."""
    checked_role = _check_role(role)
    with write_transaction(db):
        user = get_user(db, user_id)
        if checked_role != "administrator":
            _refuse_losing_last_administrator(db, user, f"made {checked_role}")
        db.execute("UPDATE users SET role = ? WHERE id = ?", [checked_role, user.id])
        return get_user(db, user.id)


def set_active(db: Database, user_id: int, active: bool) -> User:
    """Let a user sign in again (True) or stop them (False); deactivating the last active administrator is refused."""
    if not isinstance(active, bool):
        raise UserError(f"active must be True or False, not {active!r}.")
    with write_transaction(db):
        user = get_user(db, user_id)
        if not active:
            _refuse_losing_last_administrator(db, user, "deactivated")
        db.execute("UPDATE users SET active = ? WHERE id = ?", [int(active), user.id])
        return get_user(db, user.id)


def assign_organisations(db: Database, user_id: int, organisation_ids: Iterable[int]) -> User:
    """Replace the organisations a user works on with `organisation_ids`; an unknown id is refused."""
    wanted = sorted({check_id(organisation_id, what="organisation") for organisation_id in organisation_ids})
    with write_transaction(db):
        user = get_user(db, user_id)
        if wanted:
            marks = ", ".join("?" for _ in wanted)
            known = {
                row[0]
                for row in db.execute(
                    f"SELECT id FROM organisations WHERE id IN ({marks})",  # noqa: S608 - marks only
                    wanted,
                ).fetchall()
            }
            unknown = [str(organisation_id) for organisation_id in wanted if organisation_id not in known]
            if unknown:
                named = (
                    f"organisation with id {unknown[0]}"
                    if len(unknown) == 1
                    else f"organisations with ids {', '.join(unknown)}"
                )
                raise NotFoundError(
                    f"No {named}; pick organisations from the list of organisations "
                    "(`python cli.py list` shows their ids)."
                )
        db.execute("DELETE FROM user_organisations WHERE user_id = ?", [user.id])
        db.table("user_organisations").insert_all(
            {"user_id": user.id, "organisation_id": organisation_id} for organisation_id in wanted
        )
        return get_user(db, user.id)
