"""The audit log: entries checked like the app's text, read newest first, filtered, and never changed."""

from __future__ import annotations

import sqlite3

import pytest
from sqlite_utils import Database
from storage_helpers import table_counts

from storage import list_audit, record_event, write_transaction
from storage.audit import AuditError
from storage.errors import NotFoundError


def test_an_entry_is_stored_with_the_time_and_returned(db: Database) -> None:
    entry = record_event(db, "ana@example.org", "export", 3, "Workbook of FY2026\nwith answers")
    assert (entry.actor, entry.action, entry.organisation_id, entry.detail) == (
        "ana@example.org",
        "export",
        3,
        "Workbook of FY2026\nwith answers",
    )
    assert entry.at.tzinfo is not None
    assert list_audit(db) == (entry,)


def test_an_entry_may_name_no_organisation_or_one_that_was_deleted(db: Database) -> None:
    assert record_event(db, "ana", "restore").organisation_id is None
    assert record_event(db, "ana", "organisation deleted", 999).organisation_id == 999


def test_entries_are_read_newest_first_up_to_the_limit(db: Database) -> None:
    for n in range(5):
        record_event(db, "ana", "export", detail=f"export {n}")
    assert [e.detail for e in list_audit(db)] == [f"export {n}" for n in (4, 3, 2, 1, 0)]
    assert [e.detail for e in list_audit(db, limit=2)] == ["export 4", "export 3"]


def test_entries_can_be_filtered_by_organisation_and_by_action(db: Database) -> None:
    record_event(db, "ana", "export", 1)
    record_event(db, "ana", "export", 2)
    record_event(db, "ana", "role changed")
    record_event(db, "ana", "participant link created", 1)
    assert [e.action for e in list_audit(db, organisation_id=1)] == ["participant link created", "export"]
    assert [e.organisation_id for e in list_audit(db, action="export")] == [2, 1]
    assert [e.id for e in list_audit(db, organisation_id=2, action="export")] == [2]
    assert list_audit(db, action="sign-in") == ()


@pytest.mark.parametrize(
    ("actor", "action", "organisation_id", "detail", "problem"),
    [
        ("", "export", None, "", "Audit actor is empty"),
        ("ana", "  ", None, "", "Audit action is empty"),
        ("ana\u202e", "export", None, "", "Audit actor contains an invisible control character"),
        ("ana", "export\n", None, "", None),  # trimmed like a name, so it is accepted as "export"
        ("ana", "ex\nport", None, "", "Audit action contains an invisible control character"),
        ("ana", "export", None, "bell\x07", "Audit detail contains an invisible control character"),
        ("ana", "export", None, "x" * 20_001, "Audit detail is 20001 characters long"),
        ("a" * 301, "export", None, "", "Audit actor is 301 characters long"),
        ("ana", "export", "1", "", "ids are whole numbers"),
        ("ana", "export", True, "", "ids are whole numbers"),
        ("ana", "export", None, None, "Audit detail must be text"),
    ],
)
def test_text_the_app_would_refuse_elsewhere_is_refused_here_too(
    db: Database, actor: str, action: str, organisation_id: object, detail: object, problem: str | None
) -> None:
    if problem is None:
        assert record_event(db, actor, action).action == action.strip()
        return
    before = table_counts(db)
    with pytest.raises((AuditError, NotFoundError), match=problem):
        record_event(db, actor, action, organisation_id, detail)  # type: ignore[arg-type]
    assert table_counts(db) == before


@pytest.mark.parametrize("limit", [0, -1, 10_001, True, 2.5])
def test_a_limit_out_of_range_is_refused(db: Database, limit: object) -> None:
    with pytest.raises(AuditError, match="whole number from 1 to 10000"):
        list_audit(db, limit=limit)  # type: ignore[arg-type]


def test_entries_can_be_neither_changed_nor_deleted(db: Database) -> None:
    record_event(db, "ana", "export")
    with pytest.raises(sqlite3.IntegrityError, match="append-only"):
        db.execute("UPDATE audit_log SET actor = 'someone else'")
    with pytest.raises(sqlite3.IntegrityError, match="append-only"):
        db.execute("DELETE FROM audit_log")
    assert [e.actor for e in list_audit(db)] == ["ana"]


def test_an_entry_inside_a_transaction_that_fails_is_not_kept(db: Database) -> None:
    with pytest.raises(RuntimeError), write_transaction(db):
        record_event(db, "ana", "role changed")
        raise RuntimeError("the change itself failed")
    assert list_audit(db) == ()
