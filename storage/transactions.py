"""Write transactions that take SQLite's write lock up front, and say so plainly when they cannot."""

from __future__ import annotations

import sqlite3
from collections.abc import Iterator
from contextlib import contextmanager

from sqlite_utils import Database

from storage.engines import is_postgres
from storage.errors import DatabaseBusyError

BUSY_MESSAGE = (
    "Not saved: the database is busy with another change (such as a large import). "
    "Nothing was written; try again in a moment."
)


def _is_busy(error: sqlite3.OperationalError) -> bool:
    """Whether SQLite gave up waiting for another connection's lock (SQLITE_BUSY and its extended codes)."""
    code = getattr(error, "sqlite_errorcode", None)
    return code is not None and code & 0xFF == sqlite3.SQLITE_BUSY


@contextmanager
def write_transaction(db: Database) -> Iterator[Database]:
    """Run the block inside `BEGIN IMMEDIATE`: commit when it ends, roll back on any exception.

    A deferred `BEGIN` reads first and asks for the write lock later; under concurrent
    writers that upgrade fails at once with "database is locked" instead of waiting for
    the busy timeout, so every read-then-write goes through here. Inside a transaction
    that is already open the block becomes a savepoint of it.

    When another connection holds the lock past the busy timeout, SQLite's bare "database is
    locked" becomes DatabaseBusyError, a StorageError the pages already show, after everything
    the transaction wrote has been rolled back: a save that failed never passes for one that worked.
    """
    if is_postgres(db):
        with db.write_transaction():  # type: ignore[attr-defined]
            yield db
        return
    try:
        with _transaction(db):
            yield db
    except sqlite3.OperationalError as error:
        if _is_busy(error):
            raise DatabaseBusyError(BUSY_MESSAGE) from error
        raise


@contextmanager
def _transaction(db: Database) -> Iterator[None]:
    conn = db.conn
    if conn.in_transaction:
        with db.atomic():
            yield
        return
    conn.execute("BEGIN IMMEDIATE")
    try:
        yield
    except BaseException:
        if conn.in_transaction:
            conn.execute("ROLLBACK")
        raise
    try:
        conn.execute("COMMIT")
    except BaseException:
        if conn.in_transaction:
            conn.execute("ROLLBACK")
        raise
