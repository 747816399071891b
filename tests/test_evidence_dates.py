"""Evidence dates: stored with each answer and in its history, saved field by field, carried by every export."""

from __future__ import annotations

import csv
import io
import json
import sqlite3
from dataclasses import replace
from datetime import date, datetime, timedelta
from pathlib import Path

import pytest
from app_runner import open_page
from openpyxl import load_workbook
from sqlite_utils import Database
from streamlit.testing.v1 import AppTest

from exports.csv_export import answers_csv
from exports.json_io import AssessmentImportError, export_assessment, import_assessment
from exports.offline import apply_offline_import, offline_workbook, read_offline_workbook
from exports.report import load_report, planned_roadmap
from exports.workbook import assessment_workbook
from questionnaires.catalog import get_questionnaire
from questionnaires.model import Questionnaire
from storage import (
    answer_history,
    close_thread_connections,
    connect,
    get_or_create_respondent,
    list_answers,
    open_database,
    save_answer,
    update_answer,
)
from storage.errors import AnswerError
from storage.records import EMPTY_ANSWER, Assessment, Respondent
from storage.restore import RestoreError, check_backup
from tests.storage_helpers import add_assessment
from ui.text import md

MARCH = date(2025, 3, 3)


def test_an_evidence_date_is_stored_with_the_answer_and_read_back(
    db: Database, questionnaire: Questionnaire, assessment: Assessment, respondent: Respondent
) -> None:
    saved = save_answer(
        db, questionnaire, assessment.id, respondent.id, "GOV-01", 3, evidence="BCP v4", evidence_date=MARCH
    )
    assert saved.evidence_date == MARCH
    assert [(a.evidence, a.evidence_date) for a in list_answers(db, assessment.id)] == [("BCP v4", MARCH)]
    assert db.execute("SELECT evidence_date FROM answers").fetchone()[0] == "2025-03-03"


def test_an_answer_without_an_evidence_date_reads_back_as_undated(
    db: Database, questionnaire: Questionnaire, assessment: Assessment, respondent: Respondent
) -> None:
    save_answer(db, questionnaire, assessment.id, respondent.id, "GOV-01", 3, evidence="BCP v4")
    assert [a.evidence_date for a in list_answers(db, assessment.id)] == [None]


def test_the_history_keeps_the_evidence_date_before_and_after_each_change(
    db: Database, questionnaire: Questionnaire, assessment: Assessment, respondent: Respondent
) -> None:
    save_answer(db, questionnaire, assessment.id, respondent.id, "GOV-01", 3, evidence_date=MARCH)
    save_answer(db, questionnaire, assessment.id, respondent.id, "GOV-01", 3, evidence_date=date(2026, 1, 5))
    history = answer_history(db, assessment.id)
    assert [(h.before.evidence_date, h.after.evidence_date) for h in history] == [
        (None, MARCH),
        (MARCH, date(2026, 1, 5)),
    ]


def test_an_evidence_date_in_the_future_is_refused_with_what_to_give_instead(
    db: Database, questionnaire: Questionnaire, assessment: Assessment, respondent: Respondent
) -> None:
    tomorrow = date.today() + timedelta(days=1)
    with pytest.raises(AnswerError, match=r"Answer to GOV-01: evidence date .* is in the future; give the date"):
        save_answer(db, questionnaire, assessment.id, respondent.id, "GOV-01", 3, evidence_date=tomorrow)
    assert list_answers(db, assessment.id) == ()


def test_an_evidence_date_of_today_is_accepted(
    db: Database, questionnaire: Questionnaire, assessment: Assessment, respondent: Respondent
) -> None:
    saved = save_answer(db, questionnaire, assessment.id, respondent.id, "GOV-01", 3, evidence_date=date.today())
    assert saved.evidence_date == date.today()


def test_editing_the_evidence_date_keeps_a_level_set_in_another_tab(
    db: Database, questionnaire: Questionnaire, assessment: Assessment, respondent: Respondent
) -> None:
    loaded = save_answer(db, questionnaire, assessment.id, respondent.id, "GOV-01", 3).value
    save_answer(db, questionnaire, assessment.id, respondent.id, "GOV-01", 5)  # another tab
    outcome = update_answer(
        db, questionnaire, assessment.id, respondent.id, "GOV-01", loaded, replace(loaded, evidence_date=MARCH)
    )
    assert outcome.conflicts == ()
    assert [(a.level, a.evidence_date) for a in list_answers(db, assessment.id)] == [(5, MARCH)]


def test_an_evidence_date_changed_in_another_tab_is_not_overwritten_and_the_refused_one_is_kept(
    db: Database, questionnaire: Questionnaire, assessment: Assessment, respondent: Respondent
) -> None:
    loaded = save_answer(db, questionnaire, assessment.id, respondent.id, "GOV-01", 3, evidence_date=MARCH).value
    newer = date(2026, 2, 1)
    save_answer(db, questionnaire, assessment.id, respondent.id, "GOV-01", 3, evidence_date=newer)  # another tab
    outcome = update_answer(
        db,
        questionnaire,
        assessment.id,
        respondent.id,
        "GOV-01",
        loaded,
        replace(loaded, evidence_date=date(2024, 6, 1)),
    )
    assert [c.field for c in outcome.conflicts] == ["evidence_date"]
    assert outcome.answer.evidence_date == newer
    assert [a.evidence_date for a in list_answers(db, assessment.id)] == [newer]
    refused = answer_history(db, assessment.id)[-1]
    assert (refused.applied, refused.after.evidence_date) == (False, date(2024, 6, 1))


def test_editing_the_evidence_note_keeps_an_evidence_date_set_in_another_tab(
    db: Database, questionnaire: Questionnaire, assessment: Assessment, respondent: Respondent
) -> None:
    outcome = update_answer(
        db, questionnaire, assessment.id, respondent.id, "GOV-01", EMPTY_ANSWER, replace(EMPTY_ANSWER, level=2)
    )
    loaded = outcome.answer.value
    save_answer(db, questionnaire, assessment.id, respondent.id, "GOV-01", 2, evidence_date=MARCH)  # another tab
    update_answer(
        db, questionnaire, assessment.id, respondent.id, "GOV-01", loaded, replace(loaded, evidence="Test report")
    )
    assert [(a.evidence, a.evidence_date) for a in list_answers(db, assessment.id)] == [("Test report", MARCH)]


def _backup_with_a_dated_answer(path: Path) -> Path:
    questionnaire = get_questionnaire("itscm", "2026.1")
    db = open_database(str(path))
    assessment = add_assessment(db, questionnaire)
    respondent = get_or_create_respondent(db, assessment.id, "Ana")
    question = questionnaire.questions[0].id
    save_answer(db, questionnaire, assessment.id, respondent.id, question, 3, evidence="BCP", evidence_date=MARCH)
    db.close()
    close_thread_connections()
    return path


def _edited(path: Path, statement: str) -> Path:
    conn = sqlite3.connect(path, isolation_level=None)
    try:
        conn.execute(statement)
    finally:
        conn.close()
    return path


# The history is append-only (a trigger refuses updates), so a bad history row is added whole.
_HISTORY_ROW = (
    "INSERT INTO answer_history (assessment_id, respondent_id, question_id, old_level, old_na, old_comment, "
    "old_evidence, old_evidence_date, new_level, new_na, new_comment, new_evidence, new_evidence_date, changed_at) "
    "SELECT assessment_id, respondent_id, question_id, 3, 0, '', '', {old}, 3, 0, '', '', {new}, changed_at "
    "FROM answer_history WHERE id = 1"
)


@pytest.mark.sqlite_only
def test_a_backup_with_evidence_dates_the_app_wrote_is_accepted(tmp_path: Path) -> None:
    checked = check_backup(_backup_with_a_dated_answer(tmp_path / "dated.db"))
    assert checked.answers == 1


@pytest.mark.parametrize(
    ("statement", "problem"),
    [
        ("UPDATE answers SET evidence_date = '03/03/2025'", r"answers row 1: evidence_date '03/03/2025' is not a date"),
        (
            "UPDATE answers SET evidence_date = '2999-01-01'",
            r"answers row 1: evidence_date 2999-01-01 is in the future",
        ),
        (
            "UPDATE answers SET evidence_date = '20250303'",
            r"answers row 1: evidence_date '20250303' is not stored as the app stores a date",
        ),
        (
            _HISTORY_ROW.format(old="NULL", new="'soon'"),
            r"answer_history row 2: new_evidence_date 'soon' is not a date",
        ),
        (
            _HISTORY_ROW.format(old="'2999-12-31'", new="NULL"),
            r"answer_history row 2: old_evidence_date 2999-12-31 is in the future",
        ),
    ],
)
@pytest.mark.sqlite_only
def test_restore_refuses_a_backup_with_a_bad_evidence_date_naming_the_row(
    tmp_path: Path, statement: str, problem: str
) -> None:
    backup = _edited(_backup_with_a_dated_answer(tmp_path / "dated.db"), statement)
    with pytest.raises(RestoreError, match=problem):
        check_backup(backup)


# Exports ---------------------------------------------------------------------------------------


@pytest.fixture
def dated(tmp_path: Path) -> tuple[Database, Questionnaire, int, int, str]:
    """A file database with one answer to the shipped questionnaire's first question, evidence dated 3 Mar 2025."""
    questionnaire = get_questionnaire("itscm", "2026.1")
    db = open_database(str(tmp_path / "export.db"))
    assessment = add_assessment(db, questionnaire)
    respondent = get_or_create_respondent(db, assessment.id, "Ana")
    question = questionnaire.questions[0].id
    save_answer(db, questionnaire, assessment.id, respondent.id, question, 3, evidence="BCP", evidence_date=MARCH)
    return db, questionnaire, assessment.id, respondent.id, question


def test_the_json_export_carries_the_evidence_date_and_the_import_restores_it(
    dated: tuple[Database, Questionnaire, int, int, str], tmp_path: Path
) -> None:
    db, _, assessment_id, _, question = dated
    document = export_assessment(load_report(db, assessment_id))
    assert document["respondents"][0]["answers"][0]["evidence_date"] == "2025-03-03"
    target = open_database(str(tmp_path / "target.db"))
    imported = import_assessment(target, json.dumps(document)).assessment
    assert [(a.question_id, a.evidence_date) for a in list_answers(target, imported.id)] == [(question, MARCH)]


def test_the_json_import_refuses_a_future_or_malformed_evidence_date_with_its_path(
    dated: tuple[Database, Questionnaire, int, int, str], tmp_path: Path
) -> None:
    db, _, assessment_id, _, _ = dated
    document = export_assessment(load_report(db, assessment_id))
    answer = document["respondents"][0]["answers"][0]
    target = open_database(str(tmp_path / "target.db"))
    answer["evidence_date"] = "2999-01-01"
    with pytest.raises(AssessmentImportError, match=r"respondents\[0\]\.answers\[0\]\.evidence_date.*in the future"):
        import_assessment(target, json.dumps(document))
    answer["evidence_date"] = "3 March"
    with pytest.raises(AssessmentImportError, match=r"respondents\[0\]\.answers\[0\]\.evidence_date.*YYYY-MM-DD"):
        import_assessment(target, json.dumps(document))


def test_the_answers_csv_has_the_evidence_date(dated: tuple[Database, Questionnaire, int, int, str]) -> None:
    db, _, assessment_id, _, _ = dated
    rows = list(csv.DictReader(io.StringIO(answers_csv(load_report(db, assessment_id)))))
    assert [(row["evidence"], row["evidence_date"]) for row in rows] == [("BCP", "2025-03-03")]


def test_the_workbook_answers_sheet_shows_the_evidence_date(
    dated: tuple[Database, Questionnaire, int, int, str],
) -> None:
    db, _, assessment_id, _, question = dated
    report = load_report(db, assessment_id)
    sheet = load_workbook(io.BytesIO(assessment_workbook(report, planned_roadmap(db, report))))["Answers"]
    header = [cell.value for cell in sheet[1]]
    rows = {row[0]: row for row in sheet.iter_rows(min_row=2, values_only=True)}
    assert rows[question][header.index("Evidence date")] == datetime(2025, 3, 3)


def _offline(db: Database, questionnaire: Questionnaire, assessment_id: int, respondent_id: int) -> bytes:
    answers = {a.question_id: a for a in list_answers(db, assessment_id, respondent_id)}
    return offline_workbook(
        db,
        questionnaire,
        organisation_name="Northwind Bank",
        assessment_label="FY2026",
        assessment_id=assessment_id,
        respondent_name="Ana",
        respondent_id=respondent_id,
        answers=answers,
    )


def _typed(raw: bytes, question: str, day: object, *, drop_date_column: bool = False) -> bytes:
    workbook = load_workbook(io.BytesIO(raw))
    sheet = workbook["Questionnaire"]
    header = [cell.value for cell in sheet[1]]
    row = next(r for r in range(2, sheet.max_row + 1) if sheet.cell(row=r, column=1).value == question)
    column = header.index("Evidence date") + 1
    sheet.cell(row=row, column=column).value = day
    if drop_date_column:
        sheet.delete_cols(column)
    buffer = io.BytesIO()
    workbook.save(buffer)
    return buffer.getvalue()


def test_the_offline_questionnaire_round_trips_the_evidence_date(
    dated: tuple[Database, Questionnaire, int, int, str],
) -> None:
    db, questionnaire, assessment_id, respondent_id, question = dated
    raw = _typed(_offline(db, questionnaire, assessment_id, respondent_id), question, "2026-01-05")
    result = read_offline_workbook(db, raw, questionnaire, assessment_id=assessment_id)
    assert result.problems == ()
    assert [(r.question_id, r.evidence_date) for r in result.rows] == [(question, date(2026, 1, 5))]
    apply_offline_import(db, questionnaire, assessment_id, respondent_id, result)
    assert [a.evidence_date for a in list_answers(db, assessment_id)] == [date(2026, 1, 5)]
    again = read_offline_workbook(
        db, _offline(db, questionnaire, assessment_id, respondent_id), questionnaire, assessment_id=assessment_id
    )
    assert [r.evidence_date for r in again.rows] == [date(2026, 1, 5)]


@pytest.mark.parametrize(
    ("typed", "problem"),
    [("last spring", "is not a date; write it as YYYY-MM-DD"), ("2999-01-01", "2999-01-01 is in the future")],
)
def test_the_offline_questionnaire_refuses_a_bad_evidence_date_naming_its_cell(
    dated: tuple[Database, Questionnaire, int, int, str], typed: str, problem: str
) -> None:
    db, questionnaire, assessment_id, respondent_id, question = dated
    raw = _typed(_offline(db, questionnaire, assessment_id, respondent_id), question, typed)
    result = read_offline_workbook(db, raw, questionnaire, assessment_id=assessment_id)
    assert [p.kind for p in result.problems] == ["invalid_evidence_date"]
    assert result.problems[0].where == "Questionnaire!N2"
    assert problem in result.problems[0].message


def test_an_offline_file_without_the_evidence_date_column_keeps_the_stored_date(
    dated: tuple[Database, Questionnaire, int, int, str],
) -> None:
    db, questionnaire, assessment_id, respondent_id, question = dated
    raw = _typed(_offline(db, questionnaire, assessment_id, respondent_id), question, None, drop_date_column=True)
    result = read_offline_workbook(db, raw, questionnaire, assessment_id=assessment_id)
    assert result.problems == ()
    apply_offline_import(db, questionnaire, assessment_id, respondent_id, result)
    assert [a.evidence_date for a in list_answers(db, assessment_id)] == [MARCH]


# Pages -----------------------------------------------------------------------------------------

RISK = [q.id for q in get_questionnaire("itscm", "2026.1").questions if q.domain == "RISK"]


@pytest.fixture
def answered(database: Path) -> tuple[int, int]:
    """Every RISK question answered at 3 with evidence dated within the last month; ids of assessment and respondent."""
    questionnaire = get_questionnaire("itscm", "2026.1")
    db = connect()
    assessment = add_assessment(db, questionnaire)
    respondent = get_or_create_respondent(db, assessment.id, "Continuity manager")
    recent = date.today() - timedelta(days=20)
    for question in RISK:
        save_answer(db, questionnaire, assessment.id, respondent.id, question, 3, evidence="Doc", evidence_date=recent)
    return assessment.id, respondent.id


def _domain_row(at: AppTest, domain: str) -> dict[str, object]:
    table = at.dataframe[0].value
    frame = table.data if hasattr(table, "data") else table
    return frame[frame["Domain"] == domain].iloc[0].to_dict()


def test_results_show_high_confidence_for_fresh_evidence_and_what_lowers_it_once_it_is_stale(
    answered: tuple[int, int],
) -> None:
    assessment_id, respondent_id = answered
    at = open_page("results", assessment=assessment_id)
    assert not at.exception
    assert _domain_row(at, "Risk assessment")["Confidence"] == "High"
    questionnaire = get_questionnaire("itscm", "2026.1")
    for question in RISK[:4]:
        save_answer(connect(), questionnaire, assessment_id, respondent_id, question, 3, evidence_date=MARCH)
    at = open_page("results", assessment=assessment_id)
    assert _domain_row(at, "Risk assessment")["Confidence"] == "Medium"
    (lowers,) = [e for e in at.expander if e.label == "What lowers confidence"]
    reasons = "\n".join(str(m.value) for m in lowers.markdown)
    stale = ", ".join(RISK[:4])
    assert md(f"4 of {len(RISK)} answers have evidence older than 12 months: {stale}") in reasons


def _date_widget(at: AppTest, assessment_id: int, respondent_id: int, question: str) -> object:
    prefix = f"evidence_date-{assessment_id}-{respondent_id}-{question}"
    (found,) = [w for w in at.date_input if w.key == prefix or w.key.startswith(f"{prefix}-v")]
    return found


def test_the_questionnaire_saves_an_evidence_date_and_flags_it_when_older_than_the_validity_period(
    answered: tuple[int, int],
) -> None:
    assessment_id, respondent_id = answered
    question = RISK[0]
    at = open_page("questionnaire", assessment=assessment_id, domain="RISK")
    assert not at.exception
    assert not [w for w in at.warning if "older than" in str(w.value)]
    _date_widget(at, assessment_id, respondent_id, question).set_value(MARCH).run()  # type: ignore[attr-defined]
    assert not at.exception
    stored = {a.question_id: a for a in list_answers(connect(), assessment_id)}
    assert (stored[question].level, stored[question].evidence_date) == (3, MARCH)
    warnings = [str(w.value) for w in at.warning]
    assert any("Evidence dated 3 Mar 2025 is older than 12 months" in w for w in warnings), warnings
