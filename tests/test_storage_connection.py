"""Tests for opening the database: path setting, per-thread connections, PRAGMAs, write transactions."""

from __future__ import annotations

import re
import sqlite3
import threading
from pathlib import Path

import pytest
from sqlite_utils import Database

from storage import close_thread_connections, connect, database_path, open_database, write_transaction
from storage.connection import BUSY_TIMEOUT_SECONDS
from storage.errors import DatabaseUnavailableError, StorageError
from storage.paths import DEFAULT_PATH, ENV_VAR, REPO_ROOT, check_database_path


@pytest.fixture
def db_file(tmp_path: Path) -> Path:
    return tmp_path / "itscm.db"


def test_default_path_is_data_itscm_db_under_the_repository_root(monkeypatch: pytest.MonkeyPatch) -> None:
    monkeypatch.delenv(ENV_VAR, raising=False)
    assert database_path() == REPO_ROOT / "data" / "itscm.db" == DEFAULT_PATH
    assert (REPO_ROOT / "storage" / "paths.py").is_file()


@pytest.mark.sqlite_only
def test_environment_variable_chooses_the_database(monkeypatch: pytest.MonkeyPatch, db_file: Path) -> None:
    monkeypatch.setenv(ENV_VAR, str(db_file))
    assert database_path() == db_file
    db = open_database()
    db.close()
    assert db_file.is_file()


def test_explicit_path_wins_over_the_environment_variable(monkeypatch: pytest.MonkeyPatch, tmp_path: Path) -> None:
    monkeypatch.setenv(ENV_VAR, str(tmp_path / "from-env.db"))
    assert database_path(tmp_path / "given.db") == tmp_path / "given.db"


def test_memory_path_is_kept_as_is() -> None:
    assert database_path(":memory:") == ":memory:"


@pytest.mark.sqlite_only
def test_open_database_creates_missing_parent_folders(tmp_path: Path) -> None:
    target = tmp_path / "a" / "b" / "itscm.db"
    db = open_database(target)
    db.close()
    assert target.is_file()


@pytest.mark.sqlite_only
def test_file_database_uses_wal_foreign_keys_busy_timeout_and_full_sync(db_file: Path) -> None:
    db = open_database(db_file)
    try:
        assert db.execute("PRAGMA journal_mode").fetchone()[0] == "wal"
        assert db.execute("PRAGMA foreign_keys").fetchone()[0] == 1
        assert db.execute("PRAGMA busy_timeout").fetchone()[0] == int(BUSY_TIMEOUT_SECONDS * 1000) == 10_000
        assert db.execute("PRAGMA synchronous").fetchone()[0] == 2  # FULL
    finally:
        db.close()


def test_connect_returns_the_same_connection_within_a_thread(db_file: Path) -> None:
    try:
        assert connect(db_file) is connect(str(db_file))
    finally:
        close_thread_connections()


def test_connect_gives_each_thread_its_own_connection(db_file: Path) -> None:
    seen: list[Database] = []

    def worker() -> None:
        seen.append(connect(db_file))
        close_thread_connections()

    thread = threading.Thread(target=worker)
    thread.start()
    thread.join()
    try:
        assert seen and seen[0] is not connect(db_file)
    finally:
        close_thread_connections()


def test_connect_to_memory_returns_a_new_database_each_time() -> None:
    first, second = connect(":memory:"), connect(":memory:")
    first.execute("INSERT INTO benchmark_imports (source, imported_at, row_count) VALUES ('x', 'now', 1)")
    assert first is not second
    assert second.table("benchmark_imports").count == 0


def test_connect_reopens_a_cached_connection_that_was_closed(db_file: Path) -> None:
    first = connect(db_file)
    first.close()
    try:
        second = connect(db_file)
        assert second is not first
        assert second.execute("SELECT 1").fetchone()[0] == 1
    finally:
        close_thread_connections()


def test_close_thread_connections_closes_cached_connections(db_file: Path) -> None:
    db = connect(db_file)
    close_thread_connections()
    with pytest.raises(sqlite3.ProgrammingError):
        db.execute("SELECT 1")


def test_write_transaction_commits_when_the_block_ends(db_file: Path) -> None:
    db = open_database(db_file)
    with write_transaction(db):
        db.execute("INSERT INTO benchmark_imports (source, imported_at, row_count) VALUES ('a', 'now', 1)")
    other = open_database(db_file)
    try:
        assert other.table("benchmark_imports").count == 1
    finally:
        other.close()
        db.close()


def test_write_transaction_rolls_back_everything_on_an_error() -> None:
    db = open_database(":memory:")
    with pytest.raises(RuntimeError), write_transaction(db):
        db.execute("INSERT INTO benchmark_imports (source, imported_at, row_count) VALUES ('a', 'now', 1)")
        raise RuntimeError("stop")
    assert db.table("benchmark_imports").count == 0
    assert not db.conn.in_transaction


@pytest.mark.sqlite_only
def test_write_transaction_takes_the_write_lock_before_any_write(db_file: Path) -> None:
    db = open_database(db_file)
    other = sqlite3.connect(db_file, timeout=0.05, isolation_level=None)
    try:
        # Nothing is written inside the block, yet a second writer is already shut out.
        with write_transaction(db), pytest.raises(sqlite3.OperationalError, match="locked"):
            other.execute("BEGIN IMMEDIATE")
        other.execute("BEGIN IMMEDIATE")
        other.execute("ROLLBACK")
    finally:
        other.close()
        db.close()


def test_nested_write_transaction_rolls_back_only_the_inner_block() -> None:
    db = open_database(":memory:")
    insert = "INSERT INTO benchmark_imports (source, imported_at, row_count) VALUES (?, 'now', 1)"
    with write_transaction(db):
        db.execute(insert, ["outer"])
        with pytest.raises(RuntimeError), write_transaction(db):
            db.execute(insert, ["inner"])
            raise RuntimeError("stop")
    assert [row["source"] for row in db.query("SELECT source FROM benchmark_imports")] == ["outer"]


# A database path that cannot hold the database is refused with a StorageError that names the
# path, what is wrong and how to fix it, before anything is created or overwritten.


def _sqlite_header_then_garbage(path: Path) -> Path:
    path.write_bytes(b"SQLite format 3\x00" + b"\xff" * 4000)
    return path


BAD_PATHS = {
    "a folder": (lambda tmp: tmp, "it is a folder"),
    "under a file": (lambda tmp: _touch(tmp / "plain.txt") / "itscm.db", "plain.txt is a file"),
    "not sqlite": (lambda tmp: _write(tmp / "notes.db", "these are notes"), "not a SQLite database"),
    "damaged sqlite": (lambda tmp: _sqlite_header_then_garbage(tmp / "damaged.db"), "restore a backup"),
}


def _touch(path: Path) -> Path:
    path.touch()
    return path


def _write(path: Path, text: str) -> Path:
    path.write_text(text)
    return path


@pytest.mark.sqlite_only
@pytest.mark.parametrize("case", list(BAD_PATHS))
def test_a_path_that_cannot_hold_the_database_is_refused_with_the_path_and_the_fix(tmp_path: Path, case: str) -> None:
    make, problem = BAD_PATHS[case]
    target = make(tmp_path)
    before = target.read_bytes() if target.is_file() else None
    with pytest.raises(DatabaseUnavailableError) as raised:
        open_database(target)
    message = str(raised.value)
    assert str(target) in message
    assert problem in message
    assert "set ITSCM_DB to a file path such as data/itscm.db" in message
    assert isinstance(raised.value, StorageError)
    if before is not None:
        assert target.read_bytes() == before
        assert not Path(f"{target}-wal").exists()


@pytest.mark.sqlite_only
@pytest.mark.skipif(not Path("/proc/self").is_dir(), reason="needs Linux's /proc, where no file can be created")
def test_a_place_where_no_file_can_be_created_is_refused() -> None:
    with pytest.raises(DatabaseUnavailableError, match=r"/proc/itscm\.db .*cannot be created or opened there"):
        open_database("/proc/itscm.db")


@pytest.mark.sqlite_only
def test_a_file_this_user_cannot_write_is_refused(tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> None:
    target = tmp_path / "itscm.db"
    open_database(target).close()
    # Tests may run as root, for whom every file is writable: ask the permission check directly.
    monkeypatch.setattr("storage.paths.os.access", lambda path, mode: Path(path) != target)
    with pytest.raises(DatabaseUnavailableError, match="cannot both read and write it; give this user access"):
        open_database(target)


def test_the_message_names_the_itscm_db_setting_when_the_path_comes_from_it(
    tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    monkeypatch.setenv(ENV_VAR, str(tmp_path))
    with pytest.raises(DatabaseUnavailableError, match=rf"\(ITSCM_DB={re.escape(str(tmp_path))}\): it is a folder"):
        connect()


def test_a_sound_database_file_passes_the_check(db_file: Path) -> None:
    open_database(db_file).close()
    assert check_database_path(db_file) == db_file
    empty = db_file.with_name("empty.db")
    empty.touch()
    assert check_database_path(empty) == empty
