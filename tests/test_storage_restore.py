"""Restore checks a backup before it replaces anything, and keeps the previous database."""

from __future__ import annotations

import sqlite3
from collections.abc import Iterator
from pathlib import Path

import pytest

from storage import backup_database, close_thread_connections, connect, create_organisation, list_organisations
from storage.restore import RestoreError, check_backup, restore_database


@pytest.fixture
def live(tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> Iterator[Path]:
    path = tmp_path / "live.db"
    monkeypatch.setenv("ITSCM_DB", str(path))
    yield path
    close_thread_connections()


def names(path: Path) -> list[str]:
    conn = sqlite3.connect(path)
    try:
        return [row[0] for row in conn.execute("SELECT name FROM organisations ORDER BY name")]
    finally:
        conn.close()


def test_restore_replaces_the_data_and_keeps_the_previous_database(live: Path, tmp_path: Path) -> None:
    db = connect()
    create_organisation(db, "Before", "Retail", "250-999 employees", "Europe")
    backup = backup_database(db, tmp_path / "backup.db")
    create_organisation(db, "After the backup", "Retail", "250-999 employees", "Europe")
    result = restore_database(backup, keep_dir=tmp_path / "kept")
    assert result.restored.organisations == 1
    # The connection that was open all along sees the restored data.
    assert [o.name for o in list_organisations(db)] == ["Before"]
    assert result.previous_copy is not None
    assert names(result.previous_copy) == ["After the backup", "Before"]


@pytest.mark.parametrize(
    ("content", "message"),
    [
        (b"not a database at all", "is not a SQLite database"),
        (b"SQLite format 3\x00" + b"\x00" * 200, "cannot be opened|not a usable SQLite database|is damaged"),
    ],
)
def test_restore_refuses_a_file_that_is_not_a_sound_database(
    live: Path, tmp_path: Path, content: bytes, message: str
) -> None:
    create_organisation(connect(), "Keep me", "Retail", "250-999 employees", "Europe")
    bad = tmp_path / "bad.db"
    bad.write_bytes(content)
    with pytest.raises(RestoreError, match=message):
        restore_database(bad)
    assert names(live) == ["Keep me"]


def test_restore_refuses_a_database_of_another_app(live: Path, tmp_path: Path) -> None:
    other = tmp_path / "other.db"
    conn = sqlite3.connect(other)
    conn.execute("CREATE TABLE notes (text TEXT)")
    conn.commit()
    conn.close()
    with pytest.raises(RestoreError, match="is not a backup of this app's database"):
        check_backup(other)


def test_restore_refuses_a_backup_from_a_newer_app(live: Path, tmp_path: Path) -> None:
    newer = backup_database(connect(), tmp_path / "newer.db")
    conn = sqlite3.connect(newer)
    conn.execute("PRAGMA user_version = 999")
    conn.commit()
    conn.close()
    with pytest.raises(RestoreError, match="newer version of the app"):
        restore_database(newer)


def test_restore_refuses_the_live_database_itself(live: Path) -> None:
    connect()
    with pytest.raises(RestoreError, match="live database itself"):
        restore_database(live)
