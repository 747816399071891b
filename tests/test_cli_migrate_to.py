"""`cli.py migrate-to URL`: a SQLite installation copied whole into an empty PostgreSQL database, checked by score."""

from __future__ import annotations

import os
import secrets
import sqlite3
from collections.abc import Iterator
from contextlib import redirect_stdout
from io import StringIO
from pathlib import Path

import psycopg
import pytest
from sqlite_utils import Database

from cli import main
from demo.data import load_demo_data
from questionnaires.catalog import available_questionnaires, successor
from storage import create_organisation, open_database
from storage.copy import app_tables, dependency_order, references, row_counts
from storage.engines import with_database
from storage.paths import TEST_URL_ENV_VAR
from transfer import checked_copy
from transfer.score_check import ScoreCheck, assessment_figures

SERVER = os.environ.get("ITSCM_TEST_POSTGRES_ADMIN_URL", "postgresql://postgres@127.0.0.1:5432/postgres")
PASSWORD = "n0t-to-be-printed"


@pytest.fixture(scope="module", autouse=True)
def sqlite_files_stay_sqlite() -> Iterator[None]:
    """The source is a real SQLite file, also while the suite runs on PostgreSQL (ITSCM_TEST_ENGINE=postgresql)."""
    with pytest.MonkeyPatch.context() as patch:
        patch.delenv(TEST_URL_ENV_VAR, raising=False)
        yield


def _admin(statement: str) -> None:
    try:
        with psycopg.connect(SERVER, autocommit=True, connect_timeout=5) as conn:
            conn.execute(statement)
    except psycopg.OperationalError as exc:
        pytest.fail(
            f"migrate-to is tested against a PostgreSQL server at {SERVER} (ITSCM_TEST_POSTGRES_ADMIN_URL), "
            f"which did not answer ({str(exc).strip().splitlines()[0]}); start one (`make test` does)."
        )


def _scratch_database() -> tuple[str, str]:
    """Create an empty database on the server; return its name and URL (with a password the server ignores)."""
    name = f"itscm_scratch_{secrets.token_hex(6)}"
    _admin(f"CREATE DATABASE {name}")
    url = with_database(SERVER, name).replace("postgres@", f"postgres:{PASSWORD}@", 1)
    return name, url


@pytest.fixture
def empty_target() -> Iterator[str]:
    """The URL of a new, empty PostgreSQL database, dropped after the test."""
    name, url = _scratch_database()
    yield url
    _admin(f"DROP DATABASE IF EXISTS {name} WITH (FORCE)")


@pytest.fixture(scope="module")
def demo_file(tmp_path_factory: pytest.TempPathFactory) -> Path:
    """A SQLite file holding the demo data, as `cli.py demo` loads it."""
    path = tmp_path_factory.mktemp("migrate") / "itscm.db"
    db = open_database(path)
    questionnaire = available_questionnaires()[0]
    load_demo_data(db, questionnaire, later=successor(questionnaire))
    db.close()
    return path


@pytest.fixture(scope="module")
def migrated(demo_file: Path) -> Iterator[tuple[str, str]]:
    """The demo file copied by `migrate-to` into a new PostgreSQL database: its URL and what the command printed."""
    name, url = _scratch_database()
    printed = StringIO()
    with redirect_stdout(printed):
        code = main(["migrate-to", url, "--from", str(demo_file)])
    assert code == 0, printed.getvalue()
    yield url, printed.getvalue()
    _admin(f"DROP DATABASE IF EXISTS {name} WITH (FORCE)")


@pytest.fixture
def source(demo_file: Path) -> Iterator[Database]:
    db = open_database(demo_file)
    yield db
    db.close()


@pytest.fixture
def copy(migrated: tuple[str, str]) -> Iterator[Database]:
    db = open_database(migrated[0])
    yield db
    db.close()


def _rows(db: Database, table: str) -> list[tuple[object, ...]]:
    return sorted((tuple(row) for row in db.execute(f'SELECT * FROM "{table}"').fetchall()), key=repr)


def test_migrate_to_copies_every_row_of_every_table_with_its_id(source: Database, copy: Database) -> None:
    assert app_tables(copy) == app_tables(source)
    for table in app_tables(source):
        assert _rows(copy, table) == _rows(source, table), table
    assert row_counts(copy)["answers"] > 1_000


def test_every_assessment_scores_the_same_on_the_copy(source: Database, copy: Database) -> None:
    ids = [row[0] for row in source.execute("SELECT id FROM assessments ORDER BY id").fetchall()]
    assert len(ids) == 24
    for assessment_id in ids:
        assert assessment_figures(copy, assessment_id) == assessment_figures(source, assessment_id)


def test_migrate_to_prints_each_table_and_a_summary_without_the_password(migrated: tuple[str, str]) -> None:
    url, printed = migrated
    assert "  organisations: 8 rows\n" in printed
    assert "  answers: 1,855 rows\n" in printed
    assert PASSWORD not in printed
    shown = url.replace(PASSWORD, "***")
    summary = printed.splitlines()[-1]
    assert summary.startswith("Copied 8 organisations, 24 assessments, 1,855 answers, 1,855 answer history rows")
    assert f"into {shown}; every assessment scores the same on both (24 checked)." in summary
    assert summary.endswith(f"Set ITSCM_DATABASE_URL={shown} to use it (with its password).")


def test_a_new_organisation_on_the_copy_gets_a_fresh_id(copy: Database) -> None:
    largest = copy.execute("SELECT max(id) FROM organisations").fetchone()[0]
    with pytest.raises(_Undone), copy.atomic():
        organisation = create_organisation(copy, "Made after the move", "Retail", "250-999 employees", "Europe")
        assert organisation.id == largest + 1
        raise _Undone


class _Undone(Exception):
    """Raised to roll a test's change back."""


def test_the_copy_keeps_the_answer_history_append_only(copy: Database) -> None:
    with pytest.raises(sqlite3.IntegrityError, match="answer_history is append-only"):
        copy.execute("UPDATE answer_history SET new_comment = 'rewritten' WHERE id = 1")
    with pytest.raises(sqlite3.IntegrityError, match="answer_history is append-only"):
        copy.execute("DELETE FROM answer_history WHERE id = 1")
    assert copy.execute("SELECT count(*) FROM answer_history WHERE id = 1").fetchone()[0] == 1


def test_migrate_to_refuses_a_target_that_holds_data_and_changes_nothing(
    migrated: tuple[str, str], demo_file: Path, copy: Database, capsys: pytest.CaptureFixture[str]
) -> None:
    before = {table: _rows(copy, table) for table in app_tables(copy)}
    assert main(["migrate-to", migrated[0], "--from", str(demo_file)]) == 1
    err = capsys.readouterr().err
    assert err.startswith("error: the target already has 8 organisations, 24 assessments,")
    assert "migrate-to copies into an empty database only" in err
    assert err.count("\n") == 1
    assert {table: _rows(copy, table) for table in app_tables(copy)} == before


def test_a_failed_check_leaves_the_target_empty(
    empty_target: str, demo_file: Path, monkeypatch: pytest.MonkeyPatch, capsys: pytest.CaptureFixture[str]
) -> None:
    def differing(source: Database, target: Database) -> ScoreCheck:
        return ScoreCheck(
            checked=1,
            unscored=(),
            differences=("assessment 1 (FY2026), overall: stage 3 on the source, 2 on the copy",),
        )

    monkeypatch.setattr(checked_copy, "compare_scores", differing)
    assert main(["migrate-to", empty_target, "--from", str(demo_file)]) == 1
    err = capsys.readouterr().err
    assert "the copy differs from the source, so nothing was copied" in err
    assert "overall: stage 3 on the source, 2 on the copy" in err
    target = open_database(empty_target)
    try:
        assert set(row_counts(target).values()) == {0}
    finally:
        target.close()


@pytest.mark.parametrize(
    ("argv", "message"),
    [
        (["migrate-to", "mysql://root@db/itscm"], "error: 'mysql://root@db/itscm' is not a PostgreSQL URL"),
        (["migrate-to", "data/itscm.db"], "error: 'data/itscm.db' is not a PostgreSQL URL"),
        (
            ["migrate-to", "postgresql://h/db", "--from", "postgresql://other/db"],
            "error: the source is a PostgreSQL database; migrate-to copies a SQLite file",
        ),
        (["migrate-to", "postgresql://h/db", "--from", "missing.db"], "error: no SQLite database at "),
    ],
)
def test_migrate_to_refuses_what_it_cannot_copy(
    argv: list[str], message: str, tmp_path: Path, monkeypatch: pytest.MonkeyPatch, capsys: pytest.CaptureFixture[str]
) -> None:
    monkeypatch.chdir(tmp_path)
    assert main(argv) == 1
    err = capsys.readouterr().err
    assert err.startswith(message)
    assert err.count("\n") == 1
    assert not (tmp_path / "missing.db").exists()


def test_tables_are_copied_after_the_tables_they_reference(source: Database) -> None:
    order = dependency_order(source)
    assert sorted(order) == app_tables(source)
    for table, referenced in references(source).items():
        for other in referenced - {table}:
            assert order.index(other) < order.index(table), (other, table)


@pytest.mark.parametrize("command", [["backup", "copy.db"], ["restore", "copy.db"]])
def test_backup_and_restore_point_to_pg_dump_when_the_data_is_on_postgresql(
    command: list[str], tmp_path: Path, monkeypatch: pytest.MonkeyPatch, capsys: pytest.CaptureFixture[str]
) -> None:
    monkeypatch.chdir(tmp_path)
    monkeypatch.setenv("ITSCM_DATABASE_URL", f"postgresql://postgres:{PASSWORD}@127.0.0.1:5432/itscm")
    assert main(command) == 1
    err = capsys.readouterr().err
    assert err.startswith(f"error: `{command[0]}` works on the SQLite file, but ITSCM_DATABASE_URL is set")
    assert "pg_dump -Fc" in err
    assert "pg_restore" in err
    assert PASSWORD not in err
    assert err.count("\n") == 1
    assert list(tmp_path.iterdir()) == []
