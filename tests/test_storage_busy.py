"""A save that meets another connection's write lock fails as DatabaseBusyError and writes nothing."""

from __future__ import annotations

import sqlite3
from collections.abc import Iterator
from pathlib import Path

import pytest
from sqlite_utils import Database
from storage_helpers import add_assessment, table_counts

from questionnaires.model import Questionnaire
from storage import add_respondent, list_answers, open_database, save_answer, write_transaction
from storage.content import AssessmentContent, RespondentContent, write_assessment_content
from storage.errors import DatabaseBusyError, StorageError
from storage.records import AnswerValue, Assessment, Respondent

# SQLite's busy timeout on its file lock.
pytestmark = pytest.mark.sqlite_only

SHORT_WAIT_MS = 50


@pytest.fixture
def path(tmp_path: Path) -> Path:
    return tmp_path / "busy.db"


@pytest.fixture
def db(path: Path) -> Iterator[Database]:
    """A file database whose connection gives up after a short busy wait, so the tests stay fast."""
    database = open_database(path)
    database.execute(f"PRAGMA busy_timeout = {SHORT_WAIT_MS}")
    yield database
    database.close()


@pytest.fixture
def assessment(db: Database, questionnaire: Questionnaire) -> Assessment:
    return add_assessment(db, questionnaire)


@pytest.fixture
def respondent(db: Database, assessment: Assessment) -> Respondent:
    return add_respondent(db, assessment.id, "Ana")


@pytest.fixture
def lock_held(path: Path) -> Iterator[sqlite3.Connection]:
    """A second, real connection holding the write lock (as a long import does) until the test ends."""
    other = sqlite3.connect(path, isolation_level=None)
    other.execute("BEGIN IMMEDIATE")
    yield other
    other.execute("ROLLBACK")
    other.close()


def test_a_save_while_another_connection_holds_the_write_lock_is_refused_with_a_plain_message(
    db: Database, questionnaire: Questionnaire, assessment: Assessment, respondent: Respondent, lock_held: object
) -> None:
    before = table_counts(db)
    with pytest.raises(DatabaseBusyError) as raised:
        save_answer(db, questionnaire, assessment.id, respondent.id, "GOV-01", 3)
    assert isinstance(raised.value, StorageError)
    assert str(raised.value) == (
        "Not saved: the database is busy with another change (such as a large import). "
        "Nothing was written; try again in a moment."
    )
    assert table_counts(db) == before
    assert list_answers(db, assessment.id) == ()


def test_the_busy_error_keeps_sqlites_own_error_as_its_cause(
    db: Database, questionnaire: Questionnaire, assessment: Assessment, respondent: Respondent, lock_held: object
) -> None:
    with pytest.raises(DatabaseBusyError) as raised:
        save_answer(db, questionnaire, assessment.id, respondent.id, "GOV-01", 3)
    cause = raised.value.__cause__
    assert isinstance(cause, sqlite3.OperationalError)
    assert str(cause) == "database is locked"


def test_the_same_save_succeeds_once_the_lock_is_released(
    db: Database, questionnaire: Questionnaire, assessment: Assessment, respondent: Respondent, path: Path
) -> None:
    other = sqlite3.connect(path, isolation_level=None)
    other.execute("BEGIN IMMEDIATE")
    with pytest.raises(DatabaseBusyError):
        save_answer(db, questionnaire, assessment.id, respondent.id, "GOV-01", 3)
    other.execute("COMMIT")
    other.close()
    saved = save_answer(db, questionnaire, assessment.id, respondent.id, "GOV-01", 3)
    assert [a.value for a in list_answers(db, assessment.id)] == [saved.value]


def test_writing_a_whole_assessment_content_while_the_lock_is_held_writes_none_of_it(
    db: Database, questionnaire: Questionnaire, assessment: Assessment, lock_held: object
) -> None:
    content = AssessmentContent(
        respondents=(RespondentContent("Ben", answers={"GOV-01": AnswerValue(2, False, "", "")}),), completed=True
    )
    before = table_counts(db)
    with pytest.raises(DatabaseBusyError):
        write_assessment_content(db, questionnaire, assessment.id, content)
    assert table_counts(db) == before


def test_a_busy_error_inside_the_block_rolls_back_what_the_block_had_written(
    db: Database, assessment: Assessment, path: Path
) -> None:
    other = open_database(path)
    other.execute(f"PRAGMA busy_timeout = {SHORT_WAIT_MS}")
    before = table_counts(db)
    try:
        with pytest.raises(DatabaseBusyError), write_transaction(db):
            add_respondent(db, assessment.id, "Ben")
            # A write through another connection inside the block meets this block's own lock.
            other.execute("BEGIN IMMEDIATE")
    finally:
        other.close()
    assert table_counts(db) == before


def test_other_database_errors_are_not_taken_for_a_busy_database(db: Database) -> None:
    with pytest.raises(sqlite3.OperationalError, match="no such table") as raised, write_transaction(db):
        db.execute("SELECT * FROM no_such_table")
    assert not isinstance(raised.value, DatabaseBusyError)
