"""Restore the whole database from a backup file, after checking it, keeping the previous database.

The backup is checked first (a SQLite file, `PRAGMA integrity_check` ok, a schema version this app
knows, the app's tables present); only then is the current database copied aside and replaced,
both through SQLite's backup API, so connections that are open elsewhere see the restored data.
"""

from __future__ import annotations

import sqlite3
from dataclasses import dataclass
from datetime import UTC, datetime
from pathlib import Path

from storage.backup import backup_database
from storage.connection import BUSY_TIMEOUT_SECONDS, open_database
from storage.errors import StorageError
from storage.migrations import LATEST_VERSION
from storage.paths import MEMORY, database_path

REQUIRED_TABLES = ("organisations", "assessments", "respondents", "answers", "answer_history")
SQLITE_MAGIC = b"SQLite format 3\x00"


class RestoreError(StorageError):
    """A backup file was refused; the current database is unchanged."""


@dataclass(frozen=True)
class BackupCheck:
    """What a checked backup file holds."""

    path: Path
    schema_version: int
    organisations: int
    assessments: int
    answers: int


@dataclass(frozen=True)
class RestoreResult:
    """The outcome of a restore: what was restored and where the previous database was kept."""

    restored: BackupCheck
    previous_copy: Path | None


def check_backup(path: str | Path) -> BackupCheck:
    """Check that `path` is a sound backup of this app's database; raise RestoreError saying why not."""
    source = Path(path)
    name = source.name
    try:
        with source.open("rb") as handle:
            magic = handle.read(len(SQLITE_MAGIC))
    except OSError as exc:
        raise RestoreError(f"Cannot read {name} ({exc.strerror}); choose the backup file again.") from None
    if magic != SQLITE_MAGIC:
        raise RestoreError(f"{name} is not a SQLite database; choose a backup made with Backup or `cli.py backup`.")
    try:
        conn = sqlite3.connect(f"{source.resolve().as_uri()}?mode=ro", uri=True)
    except sqlite3.Error as exc:
        raise RestoreError(f"{name} cannot be opened ({exc}); choose another backup.") from None
    try:
        integrity = conn.execute("PRAGMA integrity_check").fetchone()[0]
        if integrity != "ok":
            raise RestoreError(f"{name} is damaged (integrity check: {integrity}); choose another backup.")
        version = int(conn.execute("PRAGMA user_version").fetchone()[0])
        if version > LATEST_VERSION:
            raise RestoreError(
                f"{name} was written by a newer version of the app (schema {version}, this app knows up to "
                f"{LATEST_VERSION}); upgrade the app first."
            )
        tables = {row[0] for row in conn.execute("SELECT name FROM sqlite_master WHERE type = 'table'")}
        missing = [t for t in REQUIRED_TABLES if t not in tables]
        if version < 1 or missing:
            raise RestoreError(
                f"{name} is not a backup of this app's database (missing {', '.join(missing) or 'a schema version'})."
            )

        def count(table: str) -> int:
            return int(conn.execute(f"SELECT count(*) FROM {table}").fetchone()[0])  # noqa: S608 - fixed names

        return BackupCheck(source, version, count("organisations"), count("assessments"), count("answers"))
    except sqlite3.DatabaseError as exc:
        raise RestoreError(f"{name} is not a usable SQLite database ({exc}); choose another backup.") from None
    finally:
        conn.close()


def restore_database(
    backup_path: str | Path, live: str | Path | None = None, *, keep_dir: str | Path | None = None
) -> RestoreResult:
    """Replace the live database with a checked backup; the previous database is kept in `keep_dir`.

    `keep_dir` defaults to a `backups` folder beside the live database. The restored database is
    brought up to this app's schema version.
    """
    checked = check_backup(backup_path)
    target = database_path(live)
    if target == MEMORY:
        raise RestoreError("An in-memory database cannot be restored into; set ITSCM_DB to a file.")
    target = Path(target)
    if checked.path.resolve() == target.resolve():
        raise RestoreError("That file is the live database itself; choose a backup file.")
    previous: Path | None = None
    if target.is_file():
        folder = Path(keep_dir) if keep_dir is not None else target.parent / "backups"
        stamp = datetime.now(UTC).strftime("%Y%m%d-%H%M%S-%f")
        previous = backup_database(target, folder / f"{target.stem}-before-restore-{stamp}.db")
    source = sqlite3.connect(f"{checked.path.resolve().as_uri()}?mode=ro", uri=True)
    target.parent.mkdir(parents=True, exist_ok=True)
    destination = sqlite3.connect(target, timeout=BUSY_TIMEOUT_SECONDS)
    try:
        source.backup(destination)
    except sqlite3.Error as exc:
        raise RestoreError(f"The restore failed ({exc}); the previous database is kept at {previous}.") from None
    finally:
        source.close()
        destination.close()
    # Opening runs the migrations, so an older backup is brought up to date.
    open_database(target).close()
    return RestoreResult(restored=checked, previous_copy=previous)
