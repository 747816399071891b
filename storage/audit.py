"""The audit log: who did what and when. Rows are only ever added (the table's triggers refuse the rest)."""

from __future__ import annotations

from typing import Any, Final

from sqlite_utils import Database

from storage.choices import MAX_ACTOR, MAX_AUDIT_ACTION
from storage.errors import StorageError
from storage.records import AuditEntry
from storage.timestamps import now_text, to_datetime
from storage.transactions import write_transaction
from storage.validation import check_free_text, check_id, clean_name


class AuditError(StorageError):
    """An audit entry's actor, action, organisation or detail is not acceptable."""


# The most entries one read returns: the Admin page shows a page of the log, never all of it at once.
MAX_AUDIT_LIMIT: Final = 10_000

_SELECT = "SELECT id, at, actor, action, organisation_id, detail FROM audit_log"


def _entry(row: dict[str, Any]) -> AuditEntry:
    return AuditEntry(
        id=row["id"],
        at=to_datetime(row["at"]),
        actor=row["actor"],
        action=row["action"],
        organisation_id=row["organisation_id"],
        detail=row["detail"],
    )


def record_event(
    db: Database, actor: str, action: str, organisation_id: int | None = None, detail: str = ""
) -> AuditEntry:
    """Add one entry to the audit log and return it; inside a caller's transaction it lands with the change.

    The organisation is kept as a number, not checked against the organisations: the log outlives
    a deleted organisation.
    """
    clean_actor = clean_name(actor, field="Audit actor", max_length=MAX_ACTOR, error=AuditError)
    clean_action = clean_name(action, field="Audit action", max_length=MAX_AUDIT_ACTION, error=AuditError)
    checked_detail = check_free_text(detail, field="Audit detail", error=AuditError)
    if organisation_id is not None:
        check_id(organisation_id, what="organisation")
    with write_transaction(db):
        table = db.table("audit_log")
        table.insert(
            {
                "at": now_text(),
                "actor": clean_actor,
                "action": clean_action,
                "organisation_id": organisation_id,
                "detail": checked_detail,
            }
        )
        return _entry(next(iter(db.query(_SELECT + " WHERE id = ?", [int(table.last_pk)]))))


def list_audit(
    db: Database, *, limit: int = 500, organisation_id: int | None = None, action: str | None = None
) -> tuple[AuditEntry, ...]:
    """Return the latest audit entries, newest first, optionally of one organisation or one action only."""
    if isinstance(limit, bool) or not isinstance(limit, int) or not 1 <= limit <= MAX_AUDIT_LIMIT:
        raise AuditError(f"limit {limit!r} must be a whole number from 1 to {MAX_AUDIT_LIMIT}.")
    conditions: list[str] = []
    params: list[object] = []
    if organisation_id is not None:
        conditions.append("organisation_id = ?")
        params.append(check_id(organisation_id, what="organisation"))
    if action is not None:
        conditions.append("action = ?")
        params.append(action)
    where = f" WHERE {' AND '.join(conditions)}" if conditions else ""
    # Ids grow with every entry, so they order the log even when the clock was set back.
    rows = db.query(f"{_SELECT}{where} ORDER BY id DESC LIMIT ?", [*params, limit])
    return tuple(_entry(row) for row in rows)
