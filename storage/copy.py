"""Copying every table of one database into another, empty one: how an installation moves to PostgreSQL.

Tables go in foreign-key order (each after the tables it references), rows in batches of BATCH_ROWS so memory
stays flat however large the installation, ids as they are, all in one write transaction on the target. The
source is read in one snapshot, so a save made meanwhile by the running app is copied whole or not at all. A
check given by the caller runs inside that transaction: when it raises, the target is left as it was.
"""

from __future__ import annotations

import itertools
from collections.abc import Callable, Iterator, Sequence
from contextlib import contextmanager
from dataclasses import dataclass
from typing import Any, Final

from sqlite_utils import Database

from storage.engines import is_postgres
from storage.errors import StorageError
from storage.migrations import schema_version
from storage.transactions import write_transaction

BATCH_ROWS: Final = 1_000
"""Rows read from the source and written to the target at a time."""


class CopyError(StorageError):
    """The copy cannot go ahead: the target holds data, or the two databases differ in schema."""


@dataclass(frozen=True)
class CopiedTable:
    """One table copied: its name and how many rows it holds on both databases."""

    name: str
    rows: int


def app_tables(db: Database) -> list[str]:
    """The app's tables (SQLite's own sqlite_* tables left out), by name."""
    return sorted(name for name in db.table_names() if not name.startswith("sqlite_"))


def references(db: Database) -> dict[str, set[str]]:
    """The tables each table's foreign keys reference (a table referencing none is left out)."""
    if is_postgres(db):
        return db.references()  # type: ignore[attr-defined, no-any-return]
    found: dict[str, set[str]] = {}
    for table in app_tables(db):
        # PRAGMA takes no bound parameters; the name comes from sqlite_master.
        rows = db.execute(f'PRAGMA foreign_key_list("{table}")').fetchall()
        if rows:
            found[table] = {str(row[2]) for row in rows}
    return found


def dependency_order(db: Database) -> list[str]:
    """Every app table of `db`, each after the tables its foreign keys reference (by name among equals)."""
    waiting = {table: references(db).get(table, set()) - {table} for table in app_tables(db)}
    order: list[str] = []
    while waiting:
        ready = sorted(table for table, needs in waiting.items() if not needs - set(order))
        if not ready:
            raise CopyError(f"the tables {', '.join(sorted(waiting))} reference each other in a cycle")
        order.extend(ready)
        for table in ready:
            del waiting[table]
    return order


def row_counts(db: Database, tables: Sequence[str] | None = None) -> dict[str, int]:
    """How many rows each table holds (every app table unless `tables` names some)."""
    names = app_tables(db) if tables is None else tables
    return {name: int(db.execute(f'SELECT count(*) FROM "{name}"').fetchone()[0]) for name in names}  # noqa: S608


def _singular(noun: str) -> str:
    return noun[:-1] if noun.endswith("s") and not noun.endswith(("us", "ss")) else noun


def describe_rows(counts: dict[str, int], shown: int = 3) -> str:
    """Counts as words, e.g. '3 organisations, 1 assessment and 2 more tables', naming tables that hold rows."""
    held = [(table.replace("_", " "), count) for table, count in counts.items() if count]
    parts = [f"{count:,} {_singular(noun) if count == 1 else noun}" for noun, count in held[:shown]]
    if len(held) > shown:
        parts.append(f"rows in {len(held) - shown} more tables")
    return ", ".join(parts) if parts else "no rows"


@contextmanager
def read_snapshot(db: Database) -> Iterator[None]:
    """Read the database as it is at the first read until the block ends, whatever other connections commit."""
    if is_postgres(db):
        with db.read_snapshot():  # type: ignore[attr-defined]
            yield
        return
    conn = db.conn
    if conn.in_transaction:
        yield
        return
    conn.execute("BEGIN")  # WAL: the first read fixes what this connection sees until the transaction ends
    try:
        yield
    finally:
        if conn.in_transaction:
            conn.execute("ROLLBACK")


def _columns(db: Database, table: str) -> list[str]:
    cursor = db.execute(f'SELECT * FROM "{table}" LIMIT 0')  # noqa: S608 - a name from the schema
    return [str(column[0]) for column in cursor.description]


def _copy_table(source: Database, target: Database, table: str) -> int:
    columns = _columns(source, table)
    if columns != _columns(target, table):
        raise CopyError(
            f"the table {table} has the columns {', '.join(columns)} on the source but "
            f"{', '.join(_columns(target, table))} on the target; both must be opened by this version of the app"
        )
    names = ", ".join(f'"{column}"' for column in columns)
    insert = f'INSERT INTO "{table}" ({names}) VALUES ({", ".join("?" for _ in columns)})'  # noqa: S608
    rows: Iterator[Any] = iter(source.execute(f'SELECT {names} FROM "{table}"'))  # noqa: S608
    copied = 0
    while batch := [tuple(row) for row in itertools.islice(rows, BATCH_ROWS)]:
        target.conn.executemany(insert, batch)
        copied += len(batch)
    return copied


def copy_database(
    source: Database,
    target: Database,
    *,
    progress: Callable[[CopiedTable], None] | None = None,
    check: Callable[[list[CopiedTable]], None] | None = None,
) -> list[CopiedTable]:
    """Copy every table of `source` into the empty `target`, ids preserved, in one write transaction.

    `progress` hears of each table once it is copied; `check` runs last, inside the transaction, and
    anything it raises rolls the whole copy back. Raises CopyError, writing nothing, when the target
    already holds rows or the two databases are at different schema versions or hold different tables.
    """
    version, target_version = schema_version(source), schema_version(target)
    if version != target_version:
        raise CopyError(
            f"the source is at schema version {version} and the target at {target_version}; "
            "open both with this version of the app (it brings each up to date)"
        )
    tables = dependency_order(source)
    if set(tables) != set(app_tables(target)):
        differing = sorted(set(tables) ^ set(app_tables(target)))
        raise CopyError(f"the two databases hold different tables ({', '.join(differing)} on one only)")
    copied: list[CopiedTable] = []
    with read_snapshot(source), write_transaction(target):
        # Inside the write lock: two copies started at once cannot both find the target empty.
        held = {table: count for table, count in row_counts(target, tables).items() if count}
        if held:
            raise CopyError(
                f"the target already has {describe_rows(held)}; migrate-to copies into an empty database only "
                "(create a new one, e.g. `createdb itscm`, and give its URL)"
            )
        for table in tables:
            done = CopiedTable(table, _copy_table(source, target, table))
            copied.append(done)
            if progress is not None:
                progress(done)
        if is_postgres(target):
            target.advance_identities()  # type: ignore[attr-defined]
        if check is not None:
            check(copied)
    return copied
