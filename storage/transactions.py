"""Write transactions that take SQLite's write lock up front."""

from __future__ import annotations

from collections.abc import Iterator
from contextlib import contextmanager

from sqlite_utils import Database


@contextmanager
def write_transaction(db: Database) -> Iterator[Database]:
    """Run the block inside `BEGIN IMMEDIATE`: commit when it ends, roll back on any exception.

    A deferred `BEGIN` reads first and asks for the write lock later; under concurrent
    writers that upgrade fails at once with "database is locked" instead of waiting for
    the busy timeout, so every read-then-write goes through here. Inside a transaction
    that is already open the block becomes a savepoint of it.
    """
    conn = db.conn
    if conn.in_transaction:
        with db.atomic():
            yield db
        return
    conn.execute("BEGIN IMMEDIATE")
    try:
        yield db
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
