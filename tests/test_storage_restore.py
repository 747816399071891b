"""Restore checks a backup before it replaces anything, and keeps the previous database."""

from __future__ import annotations

import os
import sqlite3
import subprocess
import sys
from collections.abc import Iterator
from datetime import date
from pathlib import Path

import pytest
from hypothesis import given, settings
from hypothesis import strategies as st
from sqlite_utils import Database

from evidence.model import Exercise, Finding, Service, ServiceResult
from questionnaires.catalog import get_questionnaire
from storage import (
    LATEST_VERSION,
    backup_database,
    close_thread_connections,
    connect,
    create_assessment,
    create_organisation,
    list_answers,
    list_organisations,
    open_database,
    schema_version,
)
from storage.evidence import save_log, save_register
from storage.finding_items import list_findings, plan_finding
from storage.migrations import MIGRATIONS
from storage.restore import RestoreError, check_backup, restore_database
from storage.timestamps import now_text

# restores a SQLite backup file; PostgreSQL restores with pg_restore.
pytestmark = pytest.mark.sqlite_only


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


# Backups refused for what they hold, built by tests/hostile_backups/make_hostile_backups.py from good.db.

HOSTILE_DIR = Path(__file__).resolve().parent / "hostile_backups"
REPO_ROOT = Path(__file__).resolve().parent.parent

HOSTILE_CASES = [
    ("extra_delete_trigger.db", r"extra trigger answers_vanish on answers"),
    ("extra_rewrite_trigger.db", r"extra trigger answers_lower on answers"),
    (
        "dropped_append_only_triggers.db",
        r"trigger answer_history_no_update on answer_history is missing; "
        r"trigger answer_history_no_delete on answer_history is missing",
    ),
    ("missing_table.db", r"table targets is missing\. "),
    ("extra_view.db", r"extra view answer_levels"),
    ("extra_table.db", r"extra table notes"),
    ("extra_index.db", r"extra index answers_level on answers"),
    (
        "broken_foreign_key.db",
        r"answers row 1: respondent_id, assessment_id refers to a row of respondents that does not exist",
    ),
    ("level_99.db", r"answers row 1: Answer to [A-Z]+-\d+: level 99 is not on the scale of questionnaire 'itscm'"),
    ("malformed_date.db", r"assessments row 1: assessment_date '31/03/2026' is not a date the app can read"),
    ("bad_status.db", r"assessments row 1: status 'archived' is not in the list"),
    ("control_character_name.db", r"organisations row 1: name contains an invisible control character \(U\+0007"),
    ("missing_questionnaire.db", r"questionnaire 'retired-model' version '2026\.1' is not installed"),
    ("interrupted_deletion.db", r"deletions_in_progress row 1: an interrupted deletion is recorded"),
]


def files_under(folder: Path) -> dict[Path, bytes]:
    """Every file under `folder` with its bytes, to show that nothing was written, changed or added."""
    return {path.relative_to(folder): path.read_bytes() for path in sorted(folder.rglob("*")) if path.is_file()}


def copy_of(name: str, folder: Path) -> Path:
    """Copy a backup from tests/hostile_backups into `folder`, so the tests never touch the committed files."""
    copy = folder / name
    copy.write_bytes((HOSTILE_DIR / name).read_bytes())
    return copy


def edited(backup: Path, *statements: str) -> Path:
    """Run `statements` on `backup` as someone editing the file would: no foreign keys, no CHECK constraints."""
    conn = sqlite3.connect(backup, isolation_level=None)
    try:
        conn.execute("PRAGMA foreign_keys = OFF")
        conn.execute("PRAGMA ignore_check_constraints = ON")
        for statement in statements:
            conn.execute(statement)
    finally:
        conn.close()
    return backup


def test_the_good_backup_the_hostile_ones_are_made_from_is_accepted(tmp_path: Path) -> None:
    checked = check_backup(copy_of("good.db", tmp_path))
    assert (checked.schema_version, checked.organisations, checked.assessments, checked.answers) == (2, 1, 1, 4)


def test_every_hostile_backup_in_the_folder_is_tested() -> None:
    on_disk = {path.name for path in HOSTILE_DIR.glob("*.db")} - {"good.db"}
    assert on_disk == {name for name, _ in HOSTILE_CASES}


@pytest.mark.parametrize(("file_name", "problem"), HOSTILE_CASES, ids=[name for name, _ in HOSTILE_CASES])
def test_restore_refuses_a_hostile_backup_naming_its_problem_and_changes_nothing(
    live: Path, tmp_path: Path, file_name: str, problem: str
) -> None:
    create_organisation(connect(), "Keep me", "Retail", "250-999 employees", "Europe")
    close_thread_connections()
    hostile = copy_of(file_name, tmp_path)
    before = files_under(tmp_path)
    with pytest.raises(RestoreError, match=problem) as refused:
        restore_database(hostile)
    assert str(refused.value).endswith(
        "Nothing was changed; choose a backup made with Backup or `cli.py backup` and not edited since."
    )
    # The live database and the backup are byte for byte as they were, and no copy of the live one was made.
    assert files_under(tmp_path) == before
    assert names(live) == ["Keep me"]


def test_a_refusal_names_the_first_five_problems_and_counts_the_rest(tmp_path: Path) -> None:
    backup = edited(
        copy_of("good.db", tmp_path),
        "UPDATE answers SET level = 99",
        "UPDATE consensus SET level = 99",
        "UPDATE targets SET level = 99",
        "UPDATE roadmap_items SET to_level = 99",
    )
    with pytest.raises(RestoreError) as refused:
        check_backup(backup)
    message = str(refused.value)
    assert message.count("level 99 is not on the scale") == 5
    assert "; and 2 more. Nothing was changed" in message
    assert "\n" not in message


@pytest.mark.parametrize(
    ("statement", "problem"),
    [
        (
            "UPDATE respondents SET name = ' Ana' WHERE id = 1",
            r"respondents row 1: name ' Ana' starts or ends with spaces",
        ),
        (
            "UPDATE respondents SET name_key = 'anna' WHERE id = 1",
            r"respondents row 1: name_key 'anna' is not the name",
        ),
        (
            "UPDATE respondents SET role = 'Lead' || char(8238)",
            r"respondents row 1: role contains an invisible .*U\+202E",
        ),
        (
            "UPDATE answers SET comment = 'ok' || char(0) WHERE id = 1",
            r"answers row 1: Answer to BIA-01: comment contains",
        ),
        (
            "UPDATE answers SET level = NULL, na = 1 WHERE id = 1",
            r"answers row 1: .*N/A is not allowed for this question",
        ),
        ("UPDATE answers SET question_id = 'XYZ-99' WHERE id = 4", r"answers row 4: Question 'XYZ-99' is not in"),
        ("UPDATE answers SET updated_at = '2026-03-31T09:30:00' WHERE id = 2", r"answers row 2: updated_at .* no UTC"),
        ("UPDATE consensus SET question_id = 'XYZ-99'", r"consensus row 1: Question 'XYZ-99' is not in"),
        ("UPDATE targets SET domain_id = 'HR'", r"targets row 1: domain 'HR' is not in questionnaire 'itscm'"),
        ("UPDATE roadmap_items SET to_level = 1", r"roadmap_items row 1: .*level 1 is the bottom of the scale"),
        ("UPDATE roadmap_items SET due_date = 'soon'", r"roadmap_items row 1: due_date 'soon' is not a date"),
        ("UPDATE benchmark_imports SET row_count = -3", r"benchmark_imports row 1: row_count -3 is not a whole number"),
        ("UPDATE organisations SET industry = 'Mining'", r"organisations row 1: industry 'Mining' is not in the list"),
    ],
)
def test_restore_names_each_kind_of_value_the_app_would_refuse(tmp_path: Path, statement: str, problem: str) -> None:
    backup = edited(copy_of("good.db", tmp_path), statement)
    with pytest.raises(RestoreError, match=problem):
        check_backup(backup)


def test_a_broken_check_constraint_no_value_check_covers_is_still_refused(tmp_path: Path) -> None:
    # answer_history.applied is guarded by its CHECK constraint alone; integrity_check reports it.
    conn = sqlite3.connect(copy_of("good.db", tmp_path), isolation_level=None)
    try:
        conn.execute("PRAGMA ignore_check_constraints = ON")
        trigger = conn.execute("SELECT sql FROM sqlite_master WHERE name = 'answer_history_no_update'").fetchone()[0]
        conn.execute("DROP TRIGGER answer_history_no_update")
        conn.execute("UPDATE answer_history SET applied = 5 WHERE id = 1")
        conn.execute(trigger)
    finally:
        conn.close()
    with pytest.raises(
        RestoreError, match="holds data this app would not have stored: CHECK constraint failed in answer_history"
    ):
        check_backup(tmp_path / "good.db")


def test_a_schema_that_differs_only_in_whitespace_is_accepted_but_not_a_changed_literal(tmp_path: Path) -> None:
    def with_trigger_sql(name: str, old: str, new: str) -> Path:
        backup = copy_of("good.db", tmp_path / name)
        conn = sqlite3.connect(backup, isolation_level=None)
        try:
            conn.execute("PRAGMA writable_schema = ON")
            conn.execute(
                "UPDATE sqlite_master SET sql = replace(sql, ?, ?) WHERE name = 'answer_history_no_update'", [old, new]
            )
        finally:
            conn.close()
        return backup

    (tmp_path / "spaced").mkdir()
    (tmp_path / "reworded").mkdir()
    check_backup(with_trigger_sql("spaced", "BEGIN SELECT", "BEGIN\n\t  SELECT"))
    reworded = with_trigger_sql("reworded", "is append-only", "is  append-only")
    with pytest.raises(RestoreError, match="trigger answer_history_no_update on answer_history is not defined as"):
        check_backup(reworded)


def test_restore_refuses_a_file_larger_than_any_installation_before_reading_it(tmp_path: Path) -> None:
    huge = copy_of("good.db", tmp_path)
    with huge.open("r+b") as handle:
        handle.truncate(1_500_000_000)  # sparse: takes no room on disk
    with pytest.raises(RestoreError, match=r"huge\.db|good\.db") as refused:
        check_backup(huge)
    assert "is 1,500 MB, more than the 1,000 MB a backup of this app can reach" in str(refused.value)


def test_restore_refuses_a_header_that_counts_more_pages_than_the_file_holds(tmp_path: Path) -> None:
    lying = copy_of("good.db", tmp_path)
    content = bytearray(lying.read_bytes())
    assert content[24:28] == content[92:96]  # the header's page count is one SQLite trusts
    content[28:32] = (0xFFFFFFFF).to_bytes(4, "big")
    lying.write_bytes(bytes(content))
    with pytest.raises(RestoreError, match=r"header counts 4,294,967,295 pages but the file holds \d+"):
        check_backup(lying)


def test_restore_refuses_a_schema_statement_longer_than_any_the_app_writes_before_parsing_it(tmp_path: Path) -> None:
    backup = copy_of("good.db", tmp_path)
    conn = sqlite3.connect(backup, isolation_level=None)
    try:
        conn.execute(f"CREATE VIEW padded AS SELECT '{'x' * 150_000}' AS filler")
    finally:
        conn.close()
    # Parsed, the view would be named as an extra view; it is refused before SQLite reads it.
    with pytest.raises(RestoreError, match=r"is not a usable SQLite database \(malformed database schema \(padded\)"):
        check_backup(backup)


def database_at_version(path: Path, version: int) -> None:
    """Write a database with migrations 1 to `version` applied and a row in each table of the first migration."""
    questionnaire = get_questionnaire("itscm", "2026.1")
    question = questionnaire.questions[0].id
    now = now_text()
    conn = sqlite3.connect(path, isolation_level=None)
    try:
        db = Database(conn)
        for migration in MIGRATIONS[:version]:
            migration.apply(db)
        conn.execute(f"PRAGMA user_version = {version}")
        for statement, values in (
            (
                "INSERT INTO organisations VALUES (1, 'Northwind Bank', 'northwind bank', ?, ?, ?, 0, ?)",
                ["Retail", "250-999 employees", "Europe", now],
            ),
            (
                "INSERT INTO assessments VALUES (1, 1, 'itscm', '2026.1', 'FY2026', '2026-03-31', 'completed', ?, ?)",
                [now, now],
            ),
            ("INSERT INTO respondents VALUES (1, 1, 'Ana', 'ana', '', ?)", [now]),
            (
                "INSERT INTO answers (id, assessment_id, respondent_id, question_id, level, na, comment, evidence, "
                "updated_at) VALUES (1, 1, 1, ?, 3, 0, 'Tested.', '', ?)",
                [question, now],
            ),
            (
                "INSERT INTO answer_history (id, assessment_id, respondent_id, question_id, old_level, old_na, "
                "old_comment, old_evidence, new_level, new_na, new_comment, new_evidence, changed_at) "
                "VALUES (1, 1, 1, ?, NULL, 0, '', '', 3, 0, 'Tested.', '', ?)",
                [question, now],
            ),
            ("INSERT INTO consensus VALUES (1, 1, ?, 3, 0, '', 'Ana', ?)", [question, now]),
            ("INSERT INTO targets VALUES (1, 1, ?, 4, ?)", [questionnaire.domains[0].id, now]),
            ("INSERT INTO roadmap_items VALUES (1, 1, ?, 4, 'Ana', '2026-12-31', 'planned', ?)", [question, now]),
            ("INSERT INTO benchmark_imports VALUES (1, 'Peer survey', ?, 12)", [now]),
        ):
            conn.execute(statement, values)
    finally:
        conn.close()


@pytest.mark.parametrize("version", range(1, LATEST_VERSION + 1))
def test_a_good_backup_of_every_schema_version_restores_and_is_brought_up_to_date(
    live: Path, tmp_path: Path, version: int
) -> None:
    backup = tmp_path / f"version-{version}.db"
    database_at_version(backup, version)
    result = restore_database(backup)
    assert (result.restored.schema_version, result.restored.answers) == (version, 1)
    db = connect()
    assert schema_version(db) == LATEST_VERSION
    assert [(a.level, a.comment) for a in list_answers(db, 1)] == [(3, "Tested.")]


def test_cli_restore_prints_the_one_line_refusal_and_exits_1(tmp_path: Path) -> None:
    hostile = copy_of("extra_delete_trigger.db", tmp_path)
    done = subprocess.run(
        [sys.executable, str(REPO_ROOT / "cli.py"), "restore", str(hostile)],
        capture_output=True,
        text=True,
        cwd=tmp_path,
        env={**os.environ, "ITSCM_DB": str(tmp_path / "live.db")},
        timeout=120,
    )
    assert done.returncode == 1
    assert done.stdout == ""
    assert done.stderr.count("\n") == 1
    assert done.stderr.startswith("error: extra_delete_trigger.db does not have the schema")
    assert "extra trigger answers_vanish on answers" in done.stderr
    assert not (tmp_path / "live.db").exists()


def database_with_access_rows(path: Path) -> Path:
    """Write a database at schema version 3 with a good row in users, user_organisations, participant_links and audit_log."""
    database_at_version(path, 3)
    now = now_text()
    conn = sqlite3.connect(path, isolation_level=None)
    try:
        conn.execute("INSERT INTO users VALUES (1, 'Ana@Example.org', 'ana@example.org', 'consultant', 1, ?)", [now])
        conn.execute("INSERT INTO user_organisations VALUES (1, 1)")
        conn.execute(
            "INSERT INTO participant_links VALUES (1, ?, 1, 1, 'BIA,REC', 'Ana@Example.org', ?, ?, NULL)",
            ["0" * 64, now, now],
        )
        conn.execute(
            "INSERT INTO audit_log VALUES (1, ?, 'Ana@Example.org', 'export', 1, 'Workbook\nof FY2026')", [now]
        )
    finally:
        conn.close()
    return path


def test_a_backup_with_users_links_and_an_audit_log_the_app_wrote_is_accepted(tmp_path: Path) -> None:
    checked = check_backup(database_with_access_rows(tmp_path / "access.db"))
    assert (checked.schema_version, checked.organisations, checked.answers) == (3, 1, 1)


@pytest.mark.parametrize(
    ("statement", "problem"),
    [
        (
            "UPDATE users SET email = 'ana.example.org', email_key = 'ana.example.org'",
            r"users row 1: E-mail address 'ana.example.org' is not an address",
        ),
        (
            "UPDATE users SET email_key = 'Ana@Example.org'",
            r"users row 1: email_key 'Ana@Example.org' is not the address",
        ),
        ("UPDATE users SET active = 2", r"users row 1: active 2 is neither 0 nor 1"),
        (
            "UPDATE user_organisations SET organisation_id = 99",
            r"user_organisations row 1: organisation_id refers to a row of organisations that does not exist",
        ),
        (
            "UPDATE participant_links SET token_hash = 'the-token-itself'",
            r"participant_links row 1: token_hash 'the-token-itself' is not a SHA-256 hex digest",
        ),
        (
            "UPDATE participant_links SET domains = 'BIA,,REC'",
            r"participant_links row 1: domains 'BIA,,REC' is not a list of distinct domain ids",
        ),
        (
            "UPDATE participant_links SET domains = 'BIA,HR'",
            r"participant_links row 1: domain 'HR' is not in questionnaire 'itscm' version 2026\.1",
        ),
        (
            "UPDATE participant_links SET expires_at = '2026-12-03'",
            r"participant_links row 1: expires_at '2026-12-03' has no UTC offset",
        ),
        # The audit log refuses UPDATE (its trigger), so a bad row is added instead.
        (
            "INSERT INTO audit_log VALUES (2, 'yesterday', 'Ana', 'export', NULL, '')",
            r"audit_log row 2: at 'yesterday' is not a date and time the app can read",
        ),
        (
            "INSERT INTO audit_log VALUES (2, '2026-03-31T09:30:00+00:00', 'Ana', 'export', 'one', '')",
            r"audit_log row 2: organisation_id 'one' is not a whole number",
        ),
        (
            "INSERT INTO audit_log VALUES (2, '2026-03-31T09:30:00+00:00', 'Ana', 'export', NULL, 'a' || char(27))",
            r"audit_log row 2: detail contains an invisible control character \(U\+001B",
        ),
    ],
)
def test_restore_names_a_bad_value_in_users_links_and_the_audit_log(
    tmp_path: Path, statement: str, problem: str
) -> None:
    backup = edited(database_with_access_rows(tmp_path / "access.db"), statement)
    with pytest.raises(RestoreError, match=problem):
        check_backup(backup)


@given(st.text(max_size=40) | st.sampled_from(["Ana", " Ana", "Ana\u202e", "A\x00", "", "\u3000Ana", "An\u00a0a"]))
@settings(max_examples=300, deadline=None)
def test_the_restore_check_accepts_a_name_exactly_when_the_app_would_store_it_unchanged(text: str) -> None:
    # The check skips the character-by-character scan for printable text; it must still agree with the app.
    from storage.validation import clean_name
    from storage.value_check import StoredValueError, _name

    try:
        stored_unchanged = clean_name(text, field="name", max_length=40, error=StoredValueError) == text
    except StoredValueError:
        stored_unchanged = False
    assert (_name(text, "name", 40) is None) == stored_unchanged


def database_with_workshop_rows(path: Path) -> Path:
    """Write a database at schema version 4 with a facilitated workshop, a closed question and an open one."""
    database_at_version(path, 4)
    questions = [question.id for question in get_questionnaire("itscm", "2026.1").questions]
    now = now_text()
    conn = sqlite3.connect(path, isolation_level=None)
    try:
        conn.execute("INSERT INTO workshops VALUES (1, 'facilitated', 'Kim@Example.org', ?)", [now])
        conn.execute(
            "INSERT INTO workshop_items VALUES (1, 1, ?, 'closed', 2, 1, 'Kim@Example.org', ?, ?, ?)",
            [questions[0], now, now, now],
        )
        conn.execute(
            "INSERT INTO workshop_items VALUES (2, 1, ?, 'open', 1, 0, 'Kim@Example.org', ?, ?, NULL)",
            [questions[1], now, now],
        )
    finally:
        conn.close()
    return path


def test_a_backup_with_a_workshop_the_app_wrote_is_accepted(tmp_path: Path) -> None:
    checked = check_backup(database_with_workshop_rows(tmp_path / "workshop.db"))
    assert (checked.schema_version, checked.assessments, checked.answers) == (4, 1, 1)


@pytest.mark.parametrize(
    ("statement", "problem"),
    [
        ("UPDATE workshops SET mode = 'guided'", r"workshops row 1: mode 'guided' is not in the list"),
        ("UPDATE workshops SET set_by = ''", r"workshops row 1: set_by is empty"),
        ("UPDATE workshops SET updated_at = 'now'", r"workshops row 1: updated_at 'now' is not a date and time"),
        (
            "UPDATE workshop_items SET question_id = 'XYZ-99' WHERE id = 1",
            r"workshop_items row 1: Question 'XYZ-99' is not in questionnaire 'itscm'",
        ),
        (
            "UPDATE workshop_items SET status = 'paused' WHERE id = 1",
            r"workshop_items row 1: status 'paused' is not in the list",
        ),
        ("UPDATE workshop_items SET round = 0 WHERE id = 1", r"workshop_items row 1: round 0 is not a whole number"),
        ("UPDATE workshop_items SET round = 'two' WHERE id = 1", r"workshop_items row 1: round 'two' is not a whole"),
        ("UPDATE workshop_items SET revealed = 2 WHERE id = 1", r"workshop_items row 1: revealed 2 is neither 0 nor 1"),
        (
            "UPDATE workshop_items SET opened_by = 'Kim' || char(8238) WHERE id = 1",
            r"workshop_items row 1: opened_by contains an invisible .*U\+202E",
        ),
        (
            "UPDATE workshop_items SET round_started_at = '2026-03-31T09:30:00' WHERE id = 2",
            r"workshop_items row 2: round_started_at .* has no UTC offset",
        ),
        (
            "UPDATE workshop_items SET closed_at = NULL WHERE id = 1",
            r"workshop_items row 1: a closed question has no closing time",
        ),
        (
            "UPDATE workshop_items SET closed_at = '2026-03-31T09:30:00+00:00' WHERE id = 2",
            r"workshop_items row 2: an open question has a closing time",
        ),
        (
            "UPDATE workshop_items SET assessment_id = 9 WHERE id = 2",
            r"workshop_items row 2: assessment_id refers to a row of assessments that does not exist",
        ),
    ],
)
def test_restore_names_a_bad_value_in_workshops_and_their_questions(
    tmp_path: Path, statement: str, problem: str
) -> None:
    backup = edited(database_with_workshop_rows(tmp_path / "workshop.db"), statement)
    with pytest.raises(RestoreError, match=problem):
        check_backup(backup)


def database_with_evidence_rows(path: Path) -> Path:
    """Write a backup at the latest schema whose one organisation has a service register and an exercise log."""
    db = open_database(path.with_name(f"live-{path.name}"))
    try:
        organisation = create_organisation(db, "Northwind Bank", "Financial services", "250-999 employees", "Europe")
        save_register(
            db,
            organisation.id,
            (
                Service("Payments", "Ana", "critical", 8, 4, 0.25, 1000.0, "EUR", ("Core",), ("CloudCo",)),
                Service("Core", "", "critical", 12, 6, 0),
            ),
        )
        failover = Exercise(
            date(2025, 10, 1),
            "failover",
            "Failover",
            (ServiceResult("Payments", 3.0, 0.1),),
            findings=(Finding("Runbook out of date", "Ben", date(2026, 1, 31)),),
        )
        save_log(db, organisation.id, (failover,))
        backup_database(db, path)
    finally:
        db.close()
    return path


def test_a_backup_with_a_service_register_and_an_exercise_log_the_app_wrote_is_accepted(tmp_path: Path) -> None:
    checked = check_backup(database_with_evidence_rows(tmp_path / "evidence.db"))
    assert (checked.schema_version, checked.organisations) == (LATEST_VERSION, 1)


@pytest.mark.parametrize(
    ("statement", "problem"),
    [
        ("UPDATE services SET tier = 'gold' WHERE id = 1", r"services row 1: tier 'gold' is not in the list"),
        ("UPDATE services SET rto_hours = 9 WHERE id = 1", r"services row 1: rto_hours 9\.0 is above mtpd_hours 8\.0"),
        (
            "UPDATE services SET rpo_hours = -1 WHERE id = 1",
            r"services row 1: rpo_hours -1\.0 is not a number of 0 or more",
        ),
        ("UPDATE services SET mtpd_hours = 'soon' WHERE id = 1", r"services row 1: mtpd_hours 'soon' is not a number"),
        ("UPDATE services SET currency = 'euro' WHERE id = 1", r"services row 1: currency 'euro' is neither empty"),
        ("UPDATE services SET name_key = 'PAYMENTS' WHERE id = 1", r"services row 1: name_key 'PAYMENTS' is not the"),
        (
            "UPDATE services SET bia_reviewed_on = '03/11/2025' WHERE id = 1",
            r"services row 1: bia_reviewed_on '03/11/2025' is not a date",
        ),
        (
            "UPDATE service_dependencies SET depends_on_id = service_id",
            r"service_dependencies row 1: a service depends",
        ),
        (
            "UPDATE service_dependencies SET organisation_id = 99",
            r"service_dependencies row 1: .* refers to a row of (organisations|services) that does not exist",
        ),
        ("UPDATE service_providers SET provider = ''", r"service_providers row 1: provider is empty"),
        ("UPDATE exercises SET kind = 'drill'", r"exercises row 1: kind 'drill' is not in the list"),
        ("UPDATE exercises SET day = 'last week'", r"exercises row 1: day 'last week' is not a date"),
        (
            "UPDATE exercise_results SET recovery_hours = -3",
            r"exercise_results row 1: recovery_hours -3\.0 is not a number of 0 or more",
        ),
        (
            "UPDATE exercise_results SET organisation_id = 99",
            r"exercise_results row 1: .* refers to a row of (organisations|exercises|services) that does not exist",
        ),
        ("UPDATE exercise_findings SET status = 'done'", r"exercise_findings row 1: status 'done' is not in the list"),
        ("UPDATE exercise_findings SET text = ' '", r"exercise_findings row 1: text is empty"),
        ("UPDATE exercise_findings SET due = 'Q1'", r"exercise_findings row 1: due 'Q1' is not a date"),
    ],
)
def test_restore_names_a_bad_value_in_the_service_register_and_the_exercise_log(
    tmp_path: Path, statement: str, problem: str
) -> None:
    backup = edited(database_with_evidence_rows(tmp_path / "evidence.db"), statement)
    with pytest.raises(RestoreError, match=problem):
        check_backup(backup)


def database_with_finding_steps(path: Path) -> Path:
    """Write a backup at the latest schema whose organisation has a finding on its FY2026 roadmap, beside another one."""
    db = open_database(path.with_name(f"live-{path.name}"))
    try:
        questionnaire = get_questionnaire("itscm", "2026.1")
        organisation = create_organisation(db, "Northwind Bank", "Financial services", "250-999 employees", "Europe")
        save_register(db, organisation.id, (Service("Payments", "Ana", "critical", 8, 4, 0.25),))
        failover = Exercise(
            date(2025, 10, 1),
            "failover",
            "Failover",
            (ServiceResult("Payments", 3.0, 0.1),),
            findings=(Finding("Runbook out of date", "Ben", date(2026, 1, 31)),),
        )
        save_log(db, organisation.id, (failover,))
        assessment = create_assessment(db, organisation.id, questionnaire, "FY2026", date(2026, 3, 31))
        plan_finding(db, assessment.id, list_findings(db, organisation.id)[0].key, by="ana@example.org")
        other = create_organisation(db, "Contoso", "Retail", "Under 250 employees", "Europe")
        create_assessment(db, other.id, questionnaire, "FY2026", date(2026, 3, 31))
        backup_database(db, path)
    finally:
        db.close()
    return path


def test_a_backup_with_a_finding_on_a_roadmap_the_app_wrote_is_accepted(tmp_path: Path) -> None:
    checked = check_backup(database_with_finding_steps(tmp_path / "findings.db"))
    assert (checked.schema_version, checked.organisations, checked.assessments) == (LATEST_VERSION, 2, 2)


@pytest.mark.parametrize(
    ("statement", "problem"),
    [
        (
            "UPDATE finding_roadmap_items SET finding_key = '=cmd|calc'",
            r"finding_roadmap_items row 1: finding_key '=cmd\|calc' is not a finding id",
        ),
        ("UPDATE finding_roadmap_items SET finding_key = ''", r"finding_roadmap_items row 1: finding_key '' is not a"),
        (
            "UPDATE finding_roadmap_items SET step = 'Fix the runbook'",
            r"finding_roadmap_items row 1: step does not read 'From exercise <YYYY-MM-DD> <kind>: <finding>'",
        ),
        (
            "UPDATE finding_roadmap_items SET step = 'From exercise 2025-13-01 failover: Runbook out of date'",
            r"finding_roadmap_items row 1: step gives 2025-13-01 as the exercise's date, which is not a date",
        ),
        (
            "UPDATE finding_roadmap_items SET step = 'From exercise 2025-10-01 failover:  '",
            r"finding_roadmap_items row 1: step names no finding",
        ),
        (
            "UPDATE finding_roadmap_items SET step = step || char(27)",
            r"finding_roadmap_items row 1: step contains an invisible control character \(U\+001B",
        ),
        ("UPDATE finding_roadmap_items SET step = X'00'", r"finding_roadmap_items row 1: step must be text, not bytes"),
        (
            "UPDATE finding_roadmap_items SET owner = ' Ben'",
            r"finding_roadmap_items row 1: owner ' Ben' starts or ends with spaces",
        ),
        (
            "UPDATE finding_roadmap_items SET owner = replace(hex(zeroblob(201)), '00', 'x')",
            r"finding_roadmap_items row 1: owner is 201 characters long; the app allows at most 200",
        ),
        (
            "UPDATE finding_roadmap_items SET due_date = 'Q1'",
            r"finding_roadmap_items row 1: due_date 'Q1' is not a date",
        ),
        (
            "UPDATE finding_roadmap_items SET status = 'open'",
            r"finding_roadmap_items row 1: status 'open' is not in the list; choose one of: planned, in_progress",
        ),
        ("UPDATE finding_roadmap_items SET created_by = ''", r"finding_roadmap_items row 1: created_by is empty"),
        (
            "UPDATE finding_roadmap_items SET created_at = 'yesterday'",
            r"finding_roadmap_items row 1: created_at 'yesterday' is not a date and time",
        ),
        (
            "UPDATE finding_roadmap_items SET updated_at = '2026-03-31T09:30:00'",
            r"finding_roadmap_items row 1: updated_at '2026-03-31T09:30:00' has no UTC offset",
        ),
    ],
)
def test_restore_names_a_bad_value_in_a_roadmap_step_made_from_a_finding(
    tmp_path: Path, statement: str, problem: str
) -> None:
    backup = edited(database_with_finding_steps(tmp_path / "findings.db"), statement)
    with pytest.raises(RestoreError, match=problem):
        check_backup(backup)


def edited_past_the_triggers(backup: Path, *statements: str) -> Path:
    """Run `statements` on `backup` with the triggers that keep a finding's step in its organisation dropped meanwhile."""
    conn = sqlite3.connect(backup, isolation_level=None)
    try:
        triggers = conn.execute(
            "SELECT name, sql FROM sqlite_master WHERE type = 'trigger' AND tbl_name = 'finding_roadmap_items'"
        ).fetchall()
        assert len(triggers) == 2
        for name, _sql in triggers:
            conn.execute(f'DROP TRIGGER "{name}"')
        conn.execute("PRAGMA foreign_keys = OFF")
        for statement in statements:
            conn.execute(statement)
        for _name, sql in triggers:
            conn.execute(sql)
    finally:
        conn.close()
    return backup


@pytest.mark.parametrize(
    ("statement", "problem"),
    [
        (
            "UPDATE finding_roadmap_items SET organisation_id = 2",
            r"finding_roadmap_items row 1: organisation_id 2 differs from organisation 1 of assessment 1; a finding "
            r"becomes a step of an assessment of its own organisation only",
        ),
        (
            "UPDATE finding_roadmap_items SET assessment_id = 2",
            r"finding_roadmap_items row 1: organisation_id 1 differs from organisation 2 of assessment 2",
        ),
        (
            "UPDATE finding_roadmap_items SET assessment_id = 9",
            r"finding_roadmap_items row 1: assessment_id refers to a row of assessments that does not exist",
        ),
        (
            "UPDATE finding_roadmap_items SET organisation_id = 9",
            r"finding_roadmap_items row 1: organisation_id refers to a row of organisations that does not exist",
        ),
    ],
)
def test_restore_refuses_a_step_made_from_a_finding_on_another_organisations_assessment_or_on_none(
    tmp_path: Path, statement: str, problem: str
) -> None:
    backup = edited_past_the_triggers(database_with_finding_steps(tmp_path / "findings.db"), statement)
    with pytest.raises(RestoreError, match=problem):
        check_backup(backup)


def test_a_step_whose_finding_has_left_the_log_or_is_in_another_organisations_log_is_accepted(tmp_path: Path) -> None:
    # The app keeps a step whose finding was removed from the log, and the same finding id may be in two logs.
    backup = edited(
        database_with_finding_steps(tmp_path / "findings.db"),
        "UPDATE exercise_findings SET finding_key = 'gone-from-this-log'",
        "INSERT INTO exercises (organisation_id, position, day, kind, title, participants) "
        "VALUES (2, 0, '2025-11-01', 'tabletop', 'Tabletop', '')",
        "INSERT INTO exercise_findings (exercise_id, position, text, owner, due, status, finding_key) "
        "SELECT 2, 0, 'Planted', '', NULL, 'open', finding_key FROM finding_roadmap_items",
    )
    assert check_backup(backup).organisations == 2


def test_a_step_made_from_the_longest_finding_the_log_allows_is_accepted_and_a_longer_one_refused(
    tmp_path: Path,
) -> None:
    step = "'From exercise 2025-10-01 full-scale exercise: ' || replace(hex(zeroblob(10000)), '00', 'xx')"
    longest = edited(
        database_with_finding_steps(tmp_path / "longest.db"), f"UPDATE finding_roadmap_items SET step = {step}"
    )
    assert check_backup(longest).organisations == 2
    longer = edited(
        database_with_finding_steps(tmp_path / "longer.db"), f"UPDATE finding_roadmap_items SET step = {step} || 'x'"
    )
    with pytest.raises(
        RestoreError,
        match=r"finding_roadmap_items row 1: step holds a finding 20001 characters long; a finding has at most 20000",
    ):
        check_backup(longer)
