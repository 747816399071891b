"""Tests for backups through SQLite's backup API."""

from __future__ import annotations

import sqlite3
from pathlib import Path

import pytest
from sqlite_utils import Database
from storage_helpers import add_assessment, build_questionnaire

from storage import add_respondent, backup_database, list_answers, list_organisations, open_database, save_answer
from storage.errors import BackupError

# copies the SQLite file; PostgreSQL backs up with pg_dump.
pytestmark = pytest.mark.sqlite_only


def _filled_database(path: Path) -> Database:
    questionnaire = build_questionnaire()
    db = open_database(path)
    assessment = add_assessment(db, questionnaire)
    respondent = add_respondent(db, assessment.id, "Ana")
    save_answer(db, questionnaire, assessment.id, respondent.id, "GOV-01", 4, comment="backed up")
    return db


def _integrity(path: Path) -> str:
    conn = sqlite3.connect(path)
    try:
        return conn.execute("PRAGMA integrity_check").fetchone()[0]
    finally:
        conn.close()


def test_backup_of_an_open_database_holds_its_data(tmp_path: Path) -> None:
    db = _filled_database(tmp_path / "live.db")
    copy_path = backup_database(db, tmp_path / "backups" / "copy.db")
    db.close()
    assert _integrity(copy_path) == "ok"
    restored = open_database(copy_path)
    try:
        assert [o.name for o in list_organisations(restored)] == ["Northwind Bank"]
        assert [(a.level, a.comment) for a in list_answers(restored, 1)] == [(4, "backed up")]
    finally:
        restored.close()


def test_backup_from_a_path_holds_its_data(tmp_path: Path) -> None:
    _filled_database(tmp_path / "live.db").close()
    copy_path = backup_database(tmp_path / "live.db", tmp_path / "copy.db")
    assert _integrity(copy_path) == "ok"
    restored = open_database(copy_path)
    try:
        assert len(list_answers(restored, 1)) == 1
    finally:
        restored.close()


def test_backup_leaves_out_writes_that_are_not_committed(tmp_path: Path) -> None:
    db = _filled_database(tmp_path / "live.db")
    writer = sqlite3.connect(tmp_path / "live.db", isolation_level=None)
    writer.execute("BEGIN IMMEDIATE")
    writer.execute("UPDATE answers SET comment = 'uncommitted'")
    try:
        copy_path = backup_database(db, tmp_path / "copy.db")
    finally:
        writer.execute("ROLLBACK")
        writer.close()
        db.close()
    restored = open_database(copy_path)
    try:
        assert list_answers(restored, 1)[0].comment == "backed up"
    finally:
        restored.close()


def test_backup_is_a_standalone_file_without_a_wal(tmp_path: Path) -> None:
    db = _filled_database(tmp_path / "live.db")
    copy_path = backup_database(db, tmp_path / "copy.db")
    db.close()
    conn = sqlite3.connect(copy_path)
    try:
        assert conn.execute("PRAGMA journal_mode").fetchone()[0] == "delete"
    finally:
        conn.close()


def test_existing_destination_is_refused_unless_overwrite_is_asked_for(tmp_path: Path) -> None:
    db = _filled_database(tmp_path / "live.db")
    destination = tmp_path / "copy.db"
    destination.write_text("keep me", encoding="utf-8")
    with pytest.raises(BackupError, match="already exists"):
        backup_database(db, destination)
    assert destination.read_text(encoding="utf-8") == "keep me"
    backup_database(db, destination, overwrite=True)
    db.close()
    assert _integrity(destination) == "ok"
    assert not list(tmp_path.glob(".*partial"))


def test_missing_source_file_is_refused_without_creating_it(tmp_path: Path) -> None:
    with pytest.raises(BackupError, match="No database file"):
        backup_database(tmp_path / "missing.db", tmp_path / "copy.db")
    assert not (tmp_path / "missing.db").exists()
    assert not (tmp_path / "copy.db").exists()


def test_backup_onto_the_database_itself_is_refused(tmp_path: Path) -> None:
    db = _filled_database(tmp_path / "live.db")
    try:
        with pytest.raises(BackupError, match="the database itself"):
            backup_database(db, tmp_path / "live.db", overwrite=True)
        with pytest.raises(BackupError, match="the database itself"):
            backup_database(tmp_path / "live.db", tmp_path / "live.db", overwrite=True)
        assert len(list_answers(db, 1)) == 1
    finally:
        db.close()
