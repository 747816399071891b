"""Opening the database: one connection per thread, configured and migrated on open.

Durability: the database runs in WAL mode with `synchronous=FULL`. With WAL, `NORMAL`
already keeps every committed transaction when the process is killed; only a power cut
or an operating-system crash can lose the last commits. `FULL` closes that gap too
(the WAL is synced at every commit), so an answer the app has acknowledged survives a
power loss as well. It costs one fsync per save, a fraction of a millisecond on an SSD.
"""

from __future__ import annotations

import hashlib
import os
import secrets
import sqlite3
import threading
from pathlib import Path
from typing import Any, Final

from sqlite_utils import Database

from storage.engines import is_postgres, is_postgres_url, with_schema
from storage.migrations import LATEST_VERSION, migrate, schema_version
from storage.paths import (
    HOW_TO_FIX,
    MEMORY,
    TEST_URL_ENV_VAR,
    check_database_path,
    database_path,
    database_unavailable,
)

BUSY_TIMEOUT_SECONDS: Final = 10.0

_local = threading.local()


def _configure(db: Database, *, in_memory: bool) -> None:
    db.execute(f"PRAGMA busy_timeout = {int(BUSY_TIMEOUT_SECONDS * 1000)}")
    db.execute("PRAGMA foreign_keys = ON")
    if not in_memory:
        db.enable_wal()
    db.execute("PRAGMA synchronous = FULL")


# SQLite result codes (the low byte of an extended code) that mean the file itself cannot serve as
# the database, as opposed to a passing condition such as another connection's lock.
_FILE_PROBLEMS: Final = {
    sqlite3.SQLITE_PERM: "this user may not open it",
    sqlite3.SQLITE_READONLY: "it can only be read here, not written",
    sqlite3.SQLITE_IOERR: "reading or writing it failed",
    sqlite3.SQLITE_CORRUPT: "it is damaged",
    sqlite3.SQLITE_CANTOPEN: "it cannot be created or opened there",
    sqlite3.SQLITE_NOTADB: "it is not a SQLite database",
}
_DAMAGED: Final = {sqlite3.SQLITE_CORRUPT, sqlite3.SQLITE_NOTADB}


def _file_problem(error: sqlite3.Error) -> tuple[str, str] | None:
    """Return what is wrong with the database file and how to fix it, when `error` is about the file."""
    code = getattr(error, "sqlite_errorcode", None)
    if code is None or code & 0xFF not in _FILE_PROBLEMS:
        return None
    fix = (
        f"{HOW_TO_FIX}, or move this file away and restore a backup into its place"
        if code & 0xFF in _DAMAGED
        else HOW_TO_FIX
    )
    return f"{_FILE_PROBLEMS[code & 0xFF]} ({error})", fix


# While the test suite runs on PostgreSQL: private schemas ('memory') emptied on close, ready for the next, and
# the shape of a freshly migrated one, so that a schema a test changed is dropped rather than reused.
_SPARE_SCHEMAS: list[str] = []
_FRESH_SHAPE: list[tuple[int, ...]] = []


def _test_schema(target: Path | str) -> str | None:
    """The PostgreSQL URL serving a SQLite location while the test suite runs on PostgreSQL (TEST_URL_ENV_VAR)."""
    base = os.environ.get(TEST_URL_ENV_VAR, "")
    if not base or is_postgres_url(target):
        return None
    # ':memory:' is private and new each time, as in SQLite; a file path is the same schema for every process.
    if target == MEMORY:
        name = _SPARE_SCHEMAS.pop() if _SPARE_SCHEMAS else f"t_{secrets.token_hex(8)}"
    else:
        name = f"t_{hashlib.sha256(str(target).encode()).hexdigest()[:24]}"
    # Test data need not outlive a crash of the server: commits skip waiting for the disk.
    return with_schema(base, name) + "%20-csynchronous_commit%3Doff"


def _recycle(db: Any) -> bool:
    """Empty a private test schema for the next ':memory:' when it is still as migrated; else let it be dropped."""
    if schema_version(db) != LATEST_VERSION or not _FRESH_SHAPE or db.shape() != _FRESH_SHAPE[0]:
        return False
    db.empty_every_table()
    _SPARE_SCHEMAS.append(db.current_schema())
    return True


def _open_postgres(url: str, *, private: bool = False) -> Database:
    from storage.postgres import PostgresDatabase  # the driver is loaded only for PostgreSQL

    db = PostgresDatabase(url, private=private)
    try:
        db.create_schema()
        if migrate(db) and private and not _FRESH_SHAPE:  # type: ignore[arg-type]
            _FRESH_SHAPE.append(db.shape())
    except BaseException:
        db.close()
        raise
    if private:
        db.recycle = _recycle
    return db  # type: ignore[return-value]


def open_database(path: str | Path | None = None) -> Database:
    """Open a new connection (never cached), configure it and bring its schema up to date.

    The caller owns it and closes it. `path` defaults to $ITSCM_DATABASE_URL (PostgreSQL), else $ITSCM_DB,
    else data/itscm.db; ':memory:' opens a private in-memory database. Missing parent folders are created.
    A path that cannot hold the database raises DatabaseUnavailableError saying what to change.
    """
    target = check_database_path(path)
    postgres = target if is_postgres_url(target) else _test_schema(target)
    if postgres is not None:
        return _open_postgres(str(postgres), private=target == MEMORY)
    if target == MEMORY:
        conn = sqlite3.connect(MEMORY)
    else:
        target = Path(target)
        try:
            target.parent.mkdir(parents=True, exist_ok=True)
        except OSError as exc:
            raise database_unavailable(
                target, f"its folder {target.parent} cannot be created ({exc.strerror})", path=path
            ) from None
        try:
            conn = sqlite3.connect(target, timeout=BUSY_TIMEOUT_SECONDS)
        except sqlite3.Error as exc:
            problem, fix = _file_problem(exc) or (f"it cannot be opened ({exc})", HOW_TO_FIX)
            raise database_unavailable(target, problem, fix, path=path) from None
    db = Database(conn)
    try:
        _configure(db, in_memory=target == MEMORY)
        migrate(db)
    except sqlite3.Error as exc:
        db.close()
        found = _file_problem(exc)
        if found is None or target == MEMORY:
            raise
        raise database_unavailable(Path(target), *found, path=path) from None
    except BaseException:
        db.close()
        raise
    return db


def _thread_cache() -> dict[str, Database]:
    cache: dict[str, Database] | None = getattr(_local, "databases", None)
    # A forked child inherits the parent's thread-local data; SQLite connections must not
    # cross a fork, so the child starts with an empty cache.
    if cache is None or getattr(_local, "pid", None) != os.getpid():
        cache = {}
        _local.databases = cache
        _local.pid = os.getpid()
    return cache


def _is_open(db: Database) -> bool:
    if is_postgres(db):
        return not db.closed  # type: ignore[attr-defined]
    try:
        db.conn.total_changes  # noqa: B018 - raises on a closed connection
    except sqlite3.ProgrammingError:
        return False
    return True


def connect(path: str | Path | None = None) -> Database:
    """Return this thread's connection to the database at `path`, opening it on first use.

    Each thread gets its own connection (sqlite3 refuses to use one from another thread),
    so never pass the result to another thread or keep it in a cache shared between
    sessions. ':memory:' is never cached: every call returns a new, empty database.
    """
    target = database_path(path)
    if target == MEMORY:
        return open_database(MEMORY)
    cache = _thread_cache()
    key = str(target)
    db = cache.get(key)
    if db is None or not _is_open(db):
        db = open_database(path)
        cache[key] = db
    return db


def close_thread_connections() -> None:
    """Close every connection this thread opened through `connect`."""
    cache = _thread_cache()
    for db in cache.values():
        db.close()
    cache.clear()
