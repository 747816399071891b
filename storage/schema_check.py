"""Compare a database's schema with the one this app's migrations create, object by object.

The reference is built by running the migrations themselves (storage.migrations.MIGRATIONS) up to
the version in question on an empty in-memory database, so the migrations stay the one place
the schema is written down: a new migration needs nothing here.
"""

from __future__ import annotations

import re
import sqlite3
from collections.abc import Iterable
from dataclasses import dataclass
from functools import lru_cache

from sqlite_utils import Database

from storage.migrations import MIGRATIONS

# Quoted names and string literals are kept as written; only the whitespace between tokens is
# folded, so a trigger's message cannot be altered unnoticed by squeezing its spaces.
_QUOTED_OR_SPACE = re.compile(r"""'(?:[^']|'')*'|"(?:[^"]|"")*"|`(?:[^`]|``)*`|\[[^\]]*\]|\s+""")


def normalised_sql(sql: str | None) -> str | None:
    """Return `sql` with each run of whitespace outside quotes folded into one space, ends trimmed."""
    if sql is None:
        return None
    return _QUOTED_OR_SPACE.sub(lambda m: " " if m.group().isspace() else m.group(), sql).strip()


@dataclass(frozen=True)
class SchemaObject:
    """One row of sqlite_master as compared: what it is, its name, its table and its SQL (normalised)."""

    type: str
    name: str
    tbl_name: str
    sql: str | None


@dataclass(frozen=True)
class Schema:
    """A database's schema: its sqlite_master rows, and the columns and indexes SQLite reports per table."""

    encoding: str
    objects: tuple[SchemaObject, ...]
    columns: dict[str, tuple[tuple[object, ...], ...]]
    indexes: dict[str, tuple[tuple[object, ...], ...]]

    def by_key(self) -> dict[tuple[str, str], SchemaObject]:
        """The objects by (type, name)."""
        return {(o.type, o.name): o for o in self.objects}


def read_schema(conn: sqlite3.Connection, tables: Iterable[str] | None = None) -> Schema:
    """Read the schema of the main database of `conn` (nothing but sqlite_master and pragmas).

    Columns and indexes are read for `tables` only when given: a table the app does not define is
    refused by name, and asking SQLite about it could mean loading a module it names.
    """
    rows = conn.execute("SELECT type, name, tbl_name, sql FROM sqlite_master ORDER BY rowid").fetchall()
    objects = tuple(SchemaObject(str(t), str(n), str(tb), normalised_sql(s)) for t, n, tb, s in rows)
    present = {o.name for o in objects if o.type == "table"}
    listed = [name for name in (present if tables is None else tables) if name in present]
    columns = {
        table: tuple(tuple(row) for row in conn.execute("SELECT * FROM pragma_table_info(?)", [table]))
        for table in listed
    }
    # The position SQLite lists an index at says nothing about what the index does; leave it out.
    indexes = {
        table: tuple(sorted(tuple(row[1:]) for row in conn.execute("SELECT * FROM pragma_index_list(?)", [table])))
        for table in listed
    }
    encoding = str(conn.execute("PRAGMA encoding").fetchone()[0])
    return Schema(encoding=encoding, objects=objects, columns=columns, indexes=indexes)


@lru_cache(maxsize=8)
def reference_schema(version: int) -> Schema:
    """Return the schema this app's migrations 1 to `version` create on an empty database."""
    conn = sqlite3.connect(":memory:")
    try:
        db = Database(conn)
        for migration in MIGRATIONS:
            if migration.number <= version:
                migration.apply(db)
        return read_schema(conn)
    finally:
        conn.close()


_PLAIN_NAME = re.compile(r"[A-Za-z_][A-Za-z0-9_]{0,63}")


def _named(name: str) -> str:
    # A name read from a hostile file is shown quoted and escaped unless it is a plain identifier.
    return name if _PLAIN_NAME.fullmatch(name) else repr(name[:64])


def _describe(item: SchemaObject) -> str:
    on = f" on {_named(item.tbl_name)}" if item.type in ("index", "trigger") else ""
    return f"{_named(item.type)} {_named(item.name)}{on}"


def _shared(rows: tuple[tuple[object, ...], ...], names: set[object]) -> tuple[tuple[object, ...], ...]:
    return tuple(row for row in rows if row[0] in names)


def schema_differences(actual: Schema, version: int) -> list[str]:
    """List how `actual` differs from the schema of `version`: missing, extra and altered objects."""
    expected = reference_schema(version)
    problems: list[str] = []
    if actual.encoding != expected.encoding:
        problems.append(f"text is stored as {actual.encoding}, not {expected.encoding}")
    found = actual.by_key()
    wanted = expected.by_key()
    missing_tables = {name for kind, name in wanted if kind == "table" and (kind, name) not in found}
    # Indexes missing or extra are named above from sqlite_master; index_list is compared for the others.
    both = {name for kind, name in wanted if kind == "index" and (kind, name) in found}
    for key, item in wanted.items():
        there = found.get(key)
        if there is None:
            # The indexes and triggers of a missing table go with it; naming the table is enough.
            if item.type == "table" or item.tbl_name not in missing_tables:
                problems.append(f"{_describe(item)} is missing")
        elif there != item:
            problems.append(f"{_describe(there)} is not defined as the app defines it")
        elif item.type == "table" and (
            actual.columns.get(item.name) != expected.columns[item.name]
            or _shared(actual.indexes.get(item.name, ()), both) != _shared(expected.indexes[item.name], both)
        ):
            problems.append(f"table {item.name} has other columns or indexes than the app defines")
    problems += [f"extra {_describe(item)}" for key, item in found.items() if key not in wanted]
    return problems
