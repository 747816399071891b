"""Backups through SQLite's online backup API, consistent even while the app is writing."""

from __future__ import annotations

import sqlite3
from pathlib import Path

from sqlite_utils import Database

from storage.connection import BUSY_TIMEOUT_SECONDS
from storage.engines import is_postgres
from storage.errors import BackupError
from storage.paths import MEMORY, database_path


def _copy(source: sqlite3.Connection, dest_path: Path) -> None:
    target = sqlite3.connect(dest_path)
    try:
        source.backup(target)
        # The copy is a standalone file: no WAL file should have to travel with it.
        target.execute("PRAGMA journal_mode = DELETE")
        result = target.execute("PRAGMA integrity_check").fetchone()[0]
        if result != "ok":
            raise BackupError(f"The backup at {dest_path} failed its integrity check ({result}); run it again.")
    finally:
        target.close()


def _main_file(conn: sqlite3.Connection) -> Path | None:
    for _seq, name, file in conn.execute("PRAGMA database_list").fetchall():
        if name == "main" and file:
            return Path(file).resolve()
    return None


def database_file(db: Database) -> Path | None:
    """The file an open database lives in, or None for a database in memory or on PostgreSQL."""
    if is_postgres(db):
        return None
    return _main_file(db.conn)


def _source_file(source: str | Path) -> Path:
    path = database_path(source)
    if path == MEMORY or not Path(path).is_file():
        raise BackupError(f"No database file at {path}; check the path (or ITSCM_DB).")
    return Path(path)


def _check_destination(dest: Path, source_file: Path | None, *, overwrite: bool) -> None:
    if source_file is not None and source_file == dest:
        raise BackupError(f"{dest} is the database itself; choose another file for the backup.")
    if dest.is_dir():
        raise BackupError(f"{dest} is a folder; give a file name for the backup.")
    if dest.exists() and not overwrite:
        raise BackupError(f"{dest} already exists; choose another file name, or allow overwriting it.")
    for suffix in ("-wal", "-shm"):
        if Path(f"{dest}{suffix}").exists():
            raise BackupError(
                f"{dest} looks like a database in use ({dest.name}{suffix} exists); choose another file name."
            )


def backup_database(source: Database | str | Path, dest_path: str | Path, *, overwrite: bool = False) -> Path:
    """Copy a database (an open one or a file) to `dest_path` and return the path of the copy.

    Uses sqlite3's Connection.backup, never a file copy, so a database in use is copied
    consistently. An existing `dest_path` is refused unless `overwrite` is True; then it
    is replaced only once the new copy is complete and checked.
    """
    dest = Path(dest_path).expanduser().resolve()
    source_file = _main_file(source.conn) if isinstance(source, Database) else _source_file(source)
    _check_destination(dest, source_file, overwrite=overwrite)
    dest.parent.mkdir(parents=True, exist_ok=True)
    partial = dest.with_name(f".{dest.name}.partial")
    partial.unlink(missing_ok=True)
    try:
        if isinstance(source, Database):
            _copy(source.conn, partial)
        else:
            connection = sqlite3.connect(source_file, timeout=BUSY_TIMEOUT_SECONDS)
            try:
                _copy(connection, partial)
            finally:
                connection.close()
        partial.replace(dest)
    finally:
        partial.unlink(missing_ok=True)
    return dest
