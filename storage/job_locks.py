"""Job locks: one long job of each kind (export, import, restore) at a time across every app process.

A lock is a row of `job_locks` naming the kind, the holder's random token and when its lease ends.
Taking a lock is one statement (insert, or take over a row whose lease has passed), so two processes
asking at once cannot both get it; releasing deletes the row only for the holder's own token. A job
whose process is killed keeps its row until the lease ends, then the next job of that kind takes it.
"""

from __future__ import annotations

from datetime import UTC, datetime, timedelta
from typing import Final

from sqlite_utils import Database

from storage.transactions import write_transaction

LEASE: Final = timedelta(minutes=10)
"""How long a lock holds without renewal. Jobs renew it whenever they report progress, so only a job
that stopped reporting for this long (its process killed, say) loses it."""


def _text(moment: datetime) -> str:
    # Fixed-width UTC ISO text, so comparing the stored text compares the moments.
    return moment.astimezone(UTC).isoformat(timespec="microseconds")


def acquire_job_lock(
    db: Database, kind: str, holder: str, *, now: datetime | None = None, lease: timedelta = LEASE
) -> bool:
    """Take the lock of `kind` for `holder` unless a live lease holds it; return whether `holder` has it now."""
    start = now or datetime.now(UTC)
    with write_transaction(db):
        cursor = db.execute(
            "INSERT INTO job_locks (kind, holder, acquired_at, expires_at) VALUES (?, ?, ?, ?) "
            "ON CONFLICT (kind) DO UPDATE SET holder = excluded.holder, acquired_at = excluded.acquired_at, "
            "expires_at = excluded.expires_at WHERE job_locks.expires_at <= excluded.acquired_at",
            [kind, holder, _text(start), _text(start + lease)],
        )
    return cursor.rowcount == 1


def renew_job_lock(
    db: Database, kind: str, holder: str, *, now: datetime | None = None, lease: timedelta = LEASE
) -> bool:
    """Extend `holder`'s lease of `kind` from `now`; return False when `holder` no longer has the lock."""
    until = (now or datetime.now(UTC)) + lease
    with write_transaction(db):
        cursor = db.execute(
            "UPDATE job_locks SET expires_at = ? WHERE kind = ? AND holder = ?", [_text(until), kind, holder]
        )
    return cursor.rowcount == 1


def release_job_lock(db: Database, kind: str, holder: str) -> None:
    """Give up `holder`'s lock of `kind`; a lock someone else holds (or none) is left as it is."""
    with write_transaction(db):
        db.execute("DELETE FROM job_locks WHERE kind = ? AND holder = ?", [kind, holder])


def job_lock_holder(db: Database, kind: str, *, now: datetime | None = None) -> str | None:
    """Return the token holding a live lease of `kind`, or None when no job of that kind runs."""
    row = db.execute(
        "SELECT holder FROM job_locks WHERE kind = ? AND expires_at > ?", [kind, _text(now or datetime.now(UTC))]
    ).fetchone()
    return None if row is None else str(row[0])
