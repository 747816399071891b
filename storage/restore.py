"""Restore the whole database from a backup file, after checking it, keeping the previous database.

A backup is accepted only when it is exactly what this app would have written: a sound SQLite
file of a sensible size, a schema version this app knows, every table, column, index and trigger
as the migrations create them for that version (and nothing else), links between tables that
hold, and values the app accepts on input. Anything else is refused with its first few problems,
before the current database is touched or copied. The backup file is only ever opened read-only:
it is first copied to a private temporary file through SQLite's backup API, and the checks and
the restore both read that copy, so what is restored is exactly what was checked. Only then is
the current database copied aside and replaced, both through the backup API, so connections open
elsewhere see the restored data.
"""

from __future__ import annotations

import sqlite3
import tempfile
from collections.abc import Iterable, Iterator
from contextlib import contextmanager
from dataclasses import dataclass
from datetime import UTC, datetime
from itertools import chain, islice
from pathlib import Path
from typing import Final

from storage.backup import backup_database
from storage.connection import BUSY_TIMEOUT_SECONDS, open_database
from storage.errors import StorageError
from storage.migrations import LATEST_VERSION
from storage.paths import MEMORY, database_path
from storage.schema_check import read_schema, reference_schema, schema_differences
from storage.value_check import foreign_key_problems, value_problems

SQLITE_MAGIC: Final = b"SQLite format 3\x00"
MAX_BACKUP_BYTES: Final = 1_000_000_000
"""The largest backup accepted (1 GB). 2,000 assessments of 65 answers with their history take
about 30 MB, so a larger file is not a backup of a real installation, and refusing it before it
is read keeps a hostile file from tying up the check. The page upload has its own, lower limit."""
MAX_SCHEMA_STATEMENT: Final = 100_000
"""The longest CREATE statement read from a backup's schema; the app's own are under 2,000 characters."""
SHOWN_PROBLEMS: Final = 5
_FIX: Final = "Nothing was changed; choose a backup made with Backup or `cli.py backup` and not edited since."


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


def _megabytes(size: int) -> str:
    return f"{size / 1_000_000:,.0f} MB"


def _clip(text: str, limit: int = 300) -> str:
    return text if len(text) <= limit else text[: limit - 3] + "..."


def _check_file(source: Path) -> None:
    """Check the file's size and the page count in its header before SQLite reads it."""
    name = source.name
    try:
        size = source.stat().st_size
        with source.open("rb") as handle:
            header = handle.read(100)
    except OSError as exc:
        raise RestoreError(f"Cannot read {name} ({exc.strerror}); choose the backup file again.") from None
    if not header.startswith(SQLITE_MAGIC):
        raise RestoreError(f"{name} is not a SQLite database; choose a backup made with Backup or `cli.py backup`.")
    if size > MAX_BACKUP_BYTES:
        raise RestoreError(
            f"{name} is {_megabytes(size)}, more than the {_megabytes(MAX_BACKUP_BYTES)} a backup of this app can "
            "reach; check that it is the right file."
        )
    # The header layout is fixed by the SQLite file format: page size at byte 16 (1 meaning
    # 65,536), page count at byte 28, valid when the change counters at bytes 24 and 92 agree.
    page_size = int.from_bytes(header[16:18], "big") if len(header) == 100 else 0
    page_size = 65_536 if page_size == 1 else page_size
    if page_size < 512 or page_size & (page_size - 1):
        raise RestoreError(f"{name} is damaged (its header gives no valid page size); choose another backup.")
    if size % page_size:
        raise RestoreError(
            f"{name} is damaged (its {size:,} bytes are not a whole number of {page_size:,}-byte pages); "
            "choose another backup."
        )
    pages = size // page_size
    declared = int.from_bytes(header[28:32], "big")
    if header[24:28] == header[92:96] and declared > pages:
        raise RestoreError(
            f"{name} is damaged (its header counts {declared:,} pages but the file holds {pages:,}); "
            "choose another backup."
        )


def _refused(lead: str, problems: Iterable[str]) -> RestoreError | None:
    """The error listing the first few `problems` and how many more there are, or None when there are none."""
    remaining = iter(problems)
    shown = [_clip(problem.rstrip(".")) for problem in islice(remaining, SHOWN_PROBLEMS)]
    if not shown:
        return None
    more = sum(1 for _ in remaining)
    listed = "; ".join(shown) + (f"; and {more} more" if more else "")
    return RestoreError(f"{lead}: {listed}. {_FIX}")


def _is_constraint_failure(line: str) -> bool:
    # integrity_check also evaluates CHECK and NOT NULL constraints; those rows are reported one
    # by one by the value check, which says which value is wrong.
    return line.startswith(("CHECK constraint failed in ", "NULL value in "))


def _check_contents(conn: sqlite3.Connection, source: Path) -> BackupCheck:
    name = source.name
    version = int(conn.execute("PRAGMA user_version").fetchone()[0])
    if version > LATEST_VERSION:
        raise RestoreError(
            f"{name} was written by a newer version of the app (schema {version}, this app knows up to "
            f"{LATEST_VERSION}); upgrade the app first."
        )
    if version < 1:
        raise RestoreError(
            f"{name} is not a backup of this app's database (it has no schema version); "
            "choose a backup made with Backup or `cli.py backup`."
        )
    # The schema first: it is small, and the deeper checks below rely on it being the app's own.
    refused = _refused(
        f"{name} does not have the schema this app's migrations create for version {version}",
        schema_differences(read_schema(conn, reference_schema(version).columns), version),
    )
    if refused is not None:
        raise refused
    integrity = [str(row[0]) for row in conn.execute("PRAGMA integrity_check(100)")]
    damage = [line for line in integrity if line != "ok" and not _is_constraint_failure(line)]
    if damage:
        raise RestoreError(
            f"{name} is damaged (integrity check: {_clip('; '.join(damage[:3]))}); choose another backup."
        )
    tables = reference_schema(version).columns
    lead = f"{name} holds data this app would not have stored"
    refused = _refused(lead, chain(foreign_key_problems(conn), value_problems(conn, tables)))
    refused = refused or _refused(lead, (line for line in integrity if line != "ok"))
    if refused is not None:
        raise refused

    def count(table: str) -> int:
        return int(conn.execute(f"SELECT count(*) FROM {table}").fetchone()[0])  # noqa: S608 - fixed names

    return BackupCheck(source, version, count("organisations"), count("assessments"), count("answers"))


def _private_copy(source: Path, copy: Path) -> None:
    """Copy the backup at `source` to `copy` through SQLite's backup API, opening `source` read-only."""
    name = source.name
    try:
        reader = sqlite3.connect(f"{source.resolve().as_uri()}?mode=ro", uri=True)
    except sqlite3.Error as exc:
        raise RestoreError(f"{name} cannot be opened ({_clip(str(exc))}); choose another backup.") from None
    try:
        reader.setlimit(sqlite3.SQLITE_LIMIT_SQL_LENGTH, MAX_SCHEMA_STATEMENT)
        writer = sqlite3.connect(copy)
        try:
            # A throwaway file: nothing is gained by syncing it to disk.
            writer.execute("PRAGMA synchronous = OFF")
            reader.backup(writer)
        finally:
            writer.close()
    except sqlite3.DatabaseError as exc:
        raise RestoreError(
            f"{name} is not a usable SQLite database ({_clip(str(exc))}); choose another backup."
        ) from None
    finally:
        reader.close()


@contextmanager
def _checked_backup(path: str | Path) -> Iterator[tuple[sqlite3.Connection, BackupCheck]]:
    """Check the backup at `path` and yield a connection to the private copy that was checked."""
    source = Path(path)
    name = source.name
    _check_file(source)
    with tempfile.TemporaryDirectory(prefix="itscm-restore-") as folder:
        copy = Path(folder) / "checked.db"
        _private_copy(source, copy)
        # The copy is opened writable because SQLite leaves CHECK constraints out of the schema of
        # a database opened read-only, and integrity_check then skips them. Being private, the
        # copy is what gets restored: nothing can change it between the check and the restore.
        conn = sqlite3.connect(copy, isolation_level=None)
        try:
            # A schema statement longer than any the app writes is refused before SQLite parses it.
            conn.setlimit(sqlite3.SQLITE_LIMIT_SQL_LENGTH, MAX_SCHEMA_STATEMENT)
            try:
                checked = _check_contents(conn, source)
            except sqlite3.DatabaseError as exc:
                raise RestoreError(
                    f"{name} is not a usable SQLite database ({_clip(str(exc))}); choose another backup."
                ) from None
            yield conn, checked
        finally:
            conn.close()


def check_backup(path: str | Path) -> BackupCheck:
    """Check that `path` is a backup of this app's database exactly as the app writes it; raise RestoreError saying why not."""
    with _checked_backup(path) as (_conn, checked):
        return checked


def restore_database(
    backup_path: str | Path, live: str | Path | None = None, *, keep_dir: str | Path | None = None
) -> RestoreResult:
    """Replace the live database with a checked backup; the previous database is kept in `keep_dir`.

    `keep_dir` defaults to a `backups` folder beside the live database. The restored database is
    brought up to this app's schema version. A refused backup changes nothing and copies nothing.
    """
    target = database_path(live)
    if target == MEMORY:
        raise RestoreError("An in-memory database cannot be restored into; set ITSCM_DB to a file.")
    target = Path(target)
    if Path(backup_path).resolve() == target.resolve():
        raise RestoreError("That file is the live database itself; choose a backup file.")
    with _checked_backup(backup_path) as (source, checked):
        previous: Path | None = None
        if target.is_file():
            folder = Path(keep_dir) if keep_dir is not None else target.parent / "backups"
            stamp = datetime.now(UTC).strftime("%Y%m%d-%H%M%S-%f")
            previous = backup_database(target, folder / f"{target.stem}-before-restore-{stamp}.db")
        target.parent.mkdir(parents=True, exist_ok=True)
        destination = sqlite3.connect(target, timeout=BUSY_TIMEOUT_SECONDS)
        try:
            source.backup(destination)
        except sqlite3.Error as exc:
            raise RestoreError(f"The restore failed ({exc}); the previous database is kept at {previous}.") from None
        finally:
            destination.close()
    # Opening runs the migrations, so an older backup is brought up to date.
    open_database(target).close()
    return RestoreResult(restored=checked, previous_copy=previous)
