"""Tests for versioned migrations: fresh databases, re-runs, failures and simultaneous starts."""

from __future__ import annotations

import threading
from pathlib import Path

import pytest
from sqlite_utils import Database

from storage import LATEST_VERSION, migrate, open_database, schema_version
from storage import migrations as migrations_module
from storage.errors import SchemaTooNewError
from storage.migrations import MIGRATIONS, Migration

TABLES = {
    "organisations",
    "assessments",
    "respondents",
    "answers",
    "answer_history",
    "consensus",
    "targets",
    "roadmap_items",
    "benchmark_imports",
}


def test_fresh_database_is_at_the_latest_version_with_every_table() -> None:
    db = open_database(":memory:")
    assert schema_version(db) == LATEST_VERSION
    assert set(db.table_names()) >= TABLES


def test_second_migration_run_changes_nothing() -> None:
    db = open_database(":memory:")
    schema = db.schema
    assert migrate(db) == 0
    assert db.schema == schema
    assert schema_version(db) == LATEST_VERSION


def test_migrations_are_numbered_from_one_without_gaps() -> None:
    assert [migration.number for migration in MIGRATIONS] == list(range(1, len(MIGRATIONS) + 1))
    assert len(MIGRATIONS) == LATEST_VERSION


def test_reopening_a_file_database_applies_nothing(tmp_path: Path) -> None:
    path = tmp_path / "itscm.db"
    open_database(path).close()
    db = open_database(path)
    try:
        assert migrate(db) == 0
        assert schema_version(db) == LATEST_VERSION
    finally:
        db.close()


def test_database_from_a_newer_app_is_refused(tmp_path: Path) -> None:
    path = tmp_path / "itscm.db"
    db = open_database(path)
    db.execute(f"PRAGMA user_version = {LATEST_VERSION + 1}")
    db.close()
    with pytest.raises(SchemaTooNewError, match="upgrade the app"):
        open_database(path)


def test_failing_migration_leaves_the_database_at_the_previous_version(
    monkeypatch: pytest.MonkeyPatch,
) -> None:
    db = open_database(":memory:")

    def broken(db: Database) -> None:
        db.execute("CREATE TABLE half_done (id INTEGER PRIMARY KEY)")
        raise RuntimeError("migration failed half-way")

    steps = (*MIGRATIONS, Migration(LATEST_VERSION + 1, "broken step", broken))
    monkeypatch.setattr(migrations_module, "MIGRATIONS", steps)
    monkeypatch.setattr(migrations_module, "LATEST_VERSION", LATEST_VERSION + 1)
    with pytest.raises(RuntimeError, match="half-way"):
        migrate(db)
    assert schema_version(db) == LATEST_VERSION
    assert "half_done" not in db.table_names()


def test_pending_migration_is_applied_once_to_an_existing_database(monkeypatch: pytest.MonkeyPatch) -> None:
    db = open_database(":memory:")
    calls: list[int] = []

    def add_column(db: Database) -> None:
        calls.append(1)
        db.execute("ALTER TABLE organisations ADD COLUMN website TEXT")

    steps = (*MIGRATIONS, Migration(LATEST_VERSION + 1, "add website", add_column))
    monkeypatch.setattr(migrations_module, "MIGRATIONS", steps)
    monkeypatch.setattr(migrations_module, "LATEST_VERSION", LATEST_VERSION + 1)
    assert migrate(db) == 1
    assert migrate(db) == 0
    assert calls == [1]
    assert "website" in db.table("organisations").columns_dict


def test_many_connections_opening_a_new_database_at_once_all_succeed(tmp_path: Path) -> None:
    path = tmp_path / "itscm.db"
    errors: list[BaseException] = []
    versions: list[int] = []
    start = threading.Barrier(8)

    def opener() -> None:
        try:
            start.wait()
            db = open_database(path)
            versions.append(schema_version(db))
            db.close()
        except BaseException as error:
            errors.append(error)

    threads = [threading.Thread(target=opener) for _ in range(8)]
    for thread in threads:
        thread.start()
    for thread in threads:
        thread.join()
    assert errors == []
    assert versions == [LATEST_VERSION] * 8
