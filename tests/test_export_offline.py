"""The offline questionnaire: export a workbook for one respondent, fill it in as a user would, import it back."""

from __future__ import annotations

import io
import re
import shutil
import subprocess
import zipfile
from collections.abc import Iterator
from dataclasses import dataclass
from datetime import date
from pathlib import Path

import pytest
from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st
from openpyxl import load_workbook
from openpyxl.cell.cell import Cell
from sqlite_utils import Database

import exports.offline
from exports.offline import (
    OfflineImport,
    OfflineImportRefused,
    apply_offline_import,
    offline_workbook,
    read_offline_workbook,
)
from exports.safe_text import cell_text, set_text
from questionnaires.catalog import get_questionnaire
from questionnaires.loader import load_questionnaire
from questionnaires.model import Questionnaire
from storage import (
    add_respondent,
    answer_history,
    create_assessment,
    create_organisation,
    list_answers,
    open_database,
    save_answer,
)
from storage.records import Answer

FIXTURE = Path(__file__).resolve().parent / "fixtures" / "mini.yaml"

# Rows of the mini questionnaire on the Questionnaire sheet; RISK-03 is the only one that allows N/A.
ROW = {"RISK-01": 2, "RISK-02": 3, "RISK-03": 4, "TEST-01": 5, "TEST-02": 6, "TEST-03": 7}
FRESH = "export the offline questionnaire of this assessment again from the app and copy your answers into it."


@dataclass(frozen=True)
class Setup:
    """A database with one assessment of the mini questionnaire and one respondent."""

    db: Database
    questionnaire: Questionnaire
    assessment_id: int
    respondent_id: int


@pytest.fixture(scope="module")
def mini() -> Questionnaire:
    return load_questionnaire(FIXTURE)


@pytest.fixture
def setup(tmp_path: Path, mini: Questionnaire) -> Iterator[Setup]:
    db = open_database(tmp_path / "offline.db")
    organisation = create_organisation(db, "Northwind Bank", "Financial services", "250-999 employees", "Europe")
    assessment = create_assessment(db, organisation.id, mini, "FY2026", date(2026, 3, 31))
    respondent = add_respondent(db, assessment.id, "Ann Example", "Continuity manager")
    yield Setup(db, mini, assessment.id, respondent.id)
    db.close()


def export(setup: Setup, answers: dict[str, Answer] | None = None, **overrides: object) -> bytes:
    """Export the offline questionnaire of the setup's respondent; keyword arguments replace the defaults."""
    arguments: dict[str, object] = {
        "organisation_name": "Northwind Bank",
        "assessment_label": "FY2026",
        "assessment_id": setup.assessment_id,
        "respondent_name": "Ann Example",
        "respondent_id": setup.respondent_id,
        "answers": answers,
    }
    arguments.update(overrides)
    questionnaire = arguments.pop("questionnaire", setup.questionnaire)
    assert isinstance(questionnaire, Questionnaire)
    database = arguments.pop("db", setup.db)
    return offline_workbook(database, questionnaire, **arguments)  # type: ignore[arg-type]


def type_into(cell: Cell, value: object) -> None:
    """Put a value in a cell the way Excel stores what a user types: numbers as numbers, text as text."""
    if isinstance(value, str):
        set_text(cell, value)
    else:
        cell.value = value


def filled(raw: bytes, cells: dict[str, object], *, sheet: str = "Questionnaire", delete: str | None = None) -> bytes:
    """Return the workbook after typing `cells` (e.g. {"K2": 3}) into `sheet` and optionally deleting a sheet."""
    workbook = load_workbook(io.BytesIO(raw))
    worksheet = workbook[sheet]
    for coordinate, value in cells.items():
        type_into(worksheet[coordinate], value)
    if delete is not None:
        del workbook[delete]
    buffer = io.BytesIO()
    workbook.save(buffer)
    return buffer.getvalue()


def read(setup: Setup, raw: bytes) -> OfflineImport:
    return read_offline_workbook(
        setup.db, raw, setup.questionnaire, assessment_id=setup.assessment_id, name="answers.xlsx"
    )


def stored(setup: Setup) -> dict[str, tuple[int | None, bool, str, str]]:
    return {
        a.question_id: (a.level, a.na, a.comment, a.evidence)
        for a in list_answers(setup.db, setup.assessment_id, setup.respondent_id)
    }


def problems_of(result: OfflineImport) -> list[str]:
    return [str(problem) for problem in result.problems]


def test_a_filled_in_blank_export_round_trips_into_storage(setup: Setup) -> None:
    raw = filled(
        export(setup),
        {
            "K2": 3,
            "L2": "=1+1",
            "M2": "@SUM(A1:A9)",
            "K3": "3.0",
            "L3": "Covered in the\nthreat list",
            "K4": "N/A",
            "L4": "We have one provider only",
            "K5": 4.0,
            "M5": "+exercise report 2025",
            "K6": " 2 ",
        },
    )
    result = read(setup, raw)
    assert result.problems == ()
    assert result.warnings == ()
    assert (result.respondent_id, result.respondent_name) == (setup.respondent_id, "Ann Example")
    assert [(row.question_id, row.cell) for row in result.rows] == [
        ("RISK-01", "Questionnaire!K2"),
        ("RISK-02", "Questionnaire!K3"),
        ("RISK-03", "Questionnaire!K4"),
        ("TEST-01", "Questionnaire!K5"),
        ("TEST-02", "Questionnaire!K6"),
    ]
    changed = apply_offline_import(setup.db, setup.questionnaire, setup.assessment_id, setup.respondent_id, result)
    assert changed == 5
    assert stored(setup) == {
        "RISK-01": (3, False, "=1+1", "@SUM(A1:A9)"),
        "RISK-02": (3, False, "Covered in the\nthreat list", ""),
        "RISK-03": (None, True, "We have one provider only", ""),
        "TEST-01": (4, False, "", "+exercise report 2025"),
        "TEST-02": (2, False, "", ""),
    }


def test_a_partly_answered_export_is_prefilled_and_imports_back_without_changes(setup: Setup) -> None:
    q, a, r = setup.questionnaire, setup.assessment_id, setup.respondent_id
    save_answer(setup.db, q, a, r, "RISK-01", 2, comment='=HYPERLINK("http://x")', evidence="Policy v2")
    save_answer(setup.db, q, a, r, "RISK-03", None, na=True, comment="One provider")
    answers = {answer.question_id: answer for answer in list_answers(setup.db, a, r)}
    raw = export(setup, answers)
    sheet = load_workbook(io.BytesIO(raw))["Questionnaire"]
    assert [sheet[f"{column}2"].value for column in "KLM"] == [2, '=HYPERLINK("http://x")', "Policy v2"]
    assert [sheet[f"{column}4"].value for column in "KLM"] == ["N/A", "One provider", None]
    assert [sheet[f"K{row}"].value for row in (3, 5, 6, 7)] == [None, None, None, None]
    result = read(setup, raw)
    assert result.problems == ()
    assert apply_offline_import(setup.db, q, a, r, result) == 0
    assert len(answer_history(setup.db, a)) == 2


def test_the_level_cells_offer_drop_downs_with_na_only_where_the_question_allows_it(setup: Setup) -> None:
    sheet = load_workbook(io.BytesIO(export(setup)))["Questionnaire"]
    lists = {dv.formula1: str(dv.sqref) for dv in sheet.data_validations.dataValidation}
    assert lists == {'"1,2,3,4,5,N/A"': "K4", '"1,2,3,4,5"': "K2 K3 K5 K6 K7"}
    assert all(dv.type == "list" and dv.showErrorMessage for dv in sheet.data_validations.dataValidation)


def test_the_export_has_instructions_questions_and_a_hidden_meta_sheet(setup: Setup) -> None:
    workbook = load_workbook(io.BytesIO(export(setup)))
    assert workbook.sheetnames == ["Instructions", "Questionnaire", "_meta"]
    assert [workbook[name].sheet_state for name in workbook.sheetnames] == ["visible", "visible", "veryHidden"]
    instructions = "\n".join(
        str(value) for row in workbook["Instructions"].iter_rows(values_only=True) for value in row if value
    )
    for expected in (
        "Do not change the question ids",
        "3 Defined",
        "Organisation-wide standard.",
        "RISK-03",
        "Save the workbook as Excel Workbook (.xlsx)",
        "Ann Example",
        "mini version 1.0",
    ):
        assert expected in instructions
    meta = {row[0]: row[1] for row in workbook["_meta"].iter_rows(values_only=True)}
    assert meta["questionnaire_id"] == "mini"
    assert meta["questionnaire_version"] == "1.0"
    assert meta["assessment_id"] == setup.assessment_id
    assert meta["respondent_id"] == setup.respondent_id
    assert meta["RISK-02"] == "Are cyber threats covered?"


def test_the_questionnaire_sheet_has_one_row_per_question_with_its_level_statements(setup: Setup) -> None:
    sheet = load_workbook(io.BytesIO(export(setup)))["Questionnaire"]
    assert [cell.value for cell in sheet[1]] == [
        "Question id", "Domain", "Question", "Guidance", "Evidence examples", "Level 1: Initial",
        "Level 2: Repeatable", "Level 3: Defined", "Level 4: Managed", "Level 5: Optimised",
        "Level", "Comment", "Evidence", "Evidence date",
    ]  # fmt: skip
    assert [cell.value for cell in sheet[2]][:10] == [
        "RISK-01", "Risk assessment", "Is there a documented risk assessment method?",
        "A method rates threats by likelihood and impact.", "• Method document\n• Last risk register",
        "None.", "Per team.", "One method.", "Measured.", "Improved.",
    ]  # fmt: skip
    assert [sheet[f"A{row}"].value for row in range(2, 8)] == list(ROW)
    assert sheet.max_row == 7


def test_the_questionnaire_sheet_is_set_up_for_reading_filtering_and_printing(setup: Setup) -> None:
    sheet = load_workbook(io.BytesIO(export(setup)))["Questionnaire"]
    assert sheet.freeze_panes == "C2"
    assert sheet.auto_filter.ref == "A1:N7"
    assert sheet.print_title_rows == "$1:$1"
    assert sheet.page_setup.orientation == "landscape"
    assert sheet.sheet_properties.pageSetUpPr.fitToPage is True
    assert sheet["D2"].alignment.wrap_text is True
    assert sheet["L2"].alignment.wrap_text is True
    assert sheet.column_dimensions["D"].width > sheet.column_dimensions["A"].width
    assert sheet.row_dimensions[2].height >= 30


def test_the_export_writes_no_formula_even_for_formula_like_answers_and_names(setup: Setup) -> None:
    q, a, r = setup.questionnaire, setup.assessment_id, setup.respondent_id
    risky = ["=1+1", '=HYPERLINK("http://evil","x")', "+1", "-2+3", "@SUM(A1)", "#N/A"]
    for question, text in zip(q.questions, risky, strict=True):
        save_answer(setup.db, q, a, r, question.id, 3, comment=text, evidence=text)
    answers = {answer.question_id: answer for answer in list_answers(setup.db, a, r)}
    raw = export(setup, answers, organisation_name="=cmd|' /C calc'!A0", respondent_name="\t=ann")
    with zipfile.ZipFile(io.BytesIO(raw)) as archive:
        sheets = [name for name in archive.namelist() if name.startswith("xl/worksheets/")]
        assert len(sheets) == 3
        for name in sheets:
            assert re.search(rb"<f[\s>/]", archive.read(name)) is None, name
    result = read(setup, raw)
    assert sorted(row.comment for row in result.rows) == sorted(risky)
    assert result.respondent_name == "\t=ann"


LEVEL = "; choose 1, 2, 3, 4 or 5 from the drop-down, or leave it empty."


@pytest.mark.parametrize(
    ("cells", "expected"),
    [
        (
            {"A3": "RISK-99"},
            "Questionnaire!A3: unknown question id 'RISK-99'; don't change the question ids: copy the id back "
            "from a freshly exported file, or delete the row.",
        ),
        (
            {"A5": "RISK-01", "K5": 2},
            "Questionnaire!A5: question id RISK-01 appears again (first in row 2); keep one row per question "
            "and delete the other.",
        ),
        (
            {"K2": 7},
            "Questionnaire!K2: level 7 is out of range; choose 1, 2, 3, 4 or 5, or leave it empty.",
        ),
        ({"K2": "three"}, "Questionnaire!K2: level 'three' is not a level" + LEVEL),
        ({"K2": 3.5}, "Questionnaire!K2: level '3.5' is not a level" + LEVEL),
        ({"K2": True}, "Questionnaire!K2: level 'TRUE' is not a level" + LEVEL),
        (
            {"K2": "n/a"},
            "Questionnaire!K2: RISK-01 does not allow N/A; choose 1, 2, 3, 4 or 5, or leave it empty.",
        ),
        (
            {"K4": "maybe"},
            "Questionnaire!K4: level 'maybe' is not a level; choose 1, 2, 3, 4, 5 or N/A from the drop-down, "
            "or leave it empty.",
        ),
        (
            {"A2": None, "K2": 3},
            "Questionnaire!A2: this row has an answer but no question id; put the question's id back in this "
            "cell (copy it from a freshly exported file) or delete the row.",
        ),
        (
            {"K2": 3, "L2": "x" * 20_001},
            "Questionnaire!L2: the comment is 20,001 characters long; shorten it to at most 20,000 characters.",
        ),
        (
            {"K1": "Answer"},
            "Questionnaire!K1: the column header 'Level' is missing; put the header Level back in row 1 above "
            "its column (or export the offline questionnaire again and copy your answers into it).",
        ),
        (
            {"N1": "Comment"},
            "Questionnaire!N1: the header 'Comment' appears twice (also in L1); delete or rename one of the "
            "two columns.",
        ),
    ],
    ids=[
        "unknown id",
        "duplicate id",
        "level out of range",
        "level not a number",
        "level not whole",
        "level a boolean",
        "N/A not allowed",
        "not a level where N/A is allowed",
        "answer without id",
        "comment too long",
        "missing Level header",
        "duplicate header",
    ],
)
def test_each_problem_names_its_cell_and_how_to_fix_it(setup: Setup, cells: dict[str, object], expected: str) -> None:
    result = read(setup, filled(export(setup), {"K7": 1, **cells}))
    assert problems_of(result) == [expected]


def test_a_missing_questionnaire_sheet_is_a_problem(setup: Setup) -> None:
    result = read(setup, filled(export(setup), {}, delete="Questionnaire"))
    assert problems_of(result) == [
        "workbook: the sheet 'Questionnaire' is missing; don't rename or delete sheets: export the offline "
        "questionnaire again and copy your answers into it."
    ]
    assert result.rows == ()


def test_a_missing_meta_sheet_is_a_problem(setup: Setup) -> None:
    result = read(setup, filled(export(setup), {"K2": 3}, delete="_meta"))
    assert problems_of(result) == [
        f"workbook: the hidden sheet '_meta' that ties the file to its assessment is missing; {FRESH}"
    ]


def test_a_file_for_another_questionnaire_is_refused(setup: Setup) -> None:
    other = setup.questionnaire.model_copy(update={"id": "other"})
    result = read(setup, filled(export(setup, questionnaire=other), {"K2": 3}))
    assert problems_of(result) == [
        "_meta!B4: this file is for questionnaire 'other', not 'mini'; upload it to an assessment of that "
        f"questionnaire, or {FRESH}"
    ]
    assert result.rows == ()


def test_a_file_for_another_questionnaire_version_is_refused(setup: Setup) -> None:
    older = setup.questionnaire.model_copy(update={"version": "0.9"})
    result = read(setup, filled(export(setup, questionnaire=older), {"K2": 3}))
    assert problems_of(result) == [
        f"_meta!B5: this file is for version 0.9 of questionnaire 'mini', but the assessment uses version 1.0; {FRESH}"
    ]


def test_a_file_for_another_assessment_is_refused_even_for_its_valid_rows(setup: Setup) -> None:
    other_id = setup.assessment_id + 1
    result = read(setup, filled(export(setup, assessment_id=other_id), {"K2": 3}))
    assert problems_of(result) == [
        f"_meta!B6: this file belongs to assessment {other_id} (Northwind Bank, FY2026), not assessment "
        f"{setup.assessment_id}; upload it to that assessment, or {FRESH}"
    ]
    assert [row.question_id for row in result.rows] == ["RISK-01"]
    for valid_only in (False, True):
        with pytest.raises(
            OfflineImportRefused, match=r"^answers\.xlsx was not imported because of 1 problem: _meta!B6: "
        ):
            apply_offline_import(
                setup.db, setup.questionnaire, setup.assessment_id, setup.respondent_id, result, valid_only=valid_only
            )
    assert stored(setup) == {}


def test_every_problem_is_reported_at_once(setup: Setup) -> None:
    raw = filled(
        export(setup),
        {"A3": "RISK-99", "K3": 2, "K2": 9, "K5": "n/a", "A6": "TEST-01", "K7": "lots", "C7": "Edited text"},
    )
    result = read(setup, raw)
    assert [(p.where, p.kind) for p in result.problems] == [
        ("Questionnaire!K2", "invalid_level"),
        ("Questionnaire!A3", "unknown_question"),
        ("Questionnaire!K5", "na_not_allowed"),
        ("Questionnaire!K7", "invalid_level"),
        ("Questionnaire!A6", "duplicate_question"),
    ]
    # Row 6 still shows TEST-02's text under the id changed to TEST-01, so it is flagged too.
    assert [str(w) for w in result.warnings] == [
        "Questionnaire!C6: the question text was changed; the change is ignored",
        "Questionnaire!C7: the question text was changed; the change is ignored",
    ]
    assert result.rows == ()


def test_nothing_is_written_while_the_file_has_problems(setup: Setup) -> None:
    q, a, r = setup.questionnaire, setup.assessment_id, setup.respondent_id
    save_answer(setup.db, q, a, r, "TEST-03", 1, comment="before")
    result = read(setup, filled(export(setup), {"K2": 3, "K3": 4, "K5": 9, "K7": 5}))
    assert [row.question_id for row in result.rows] == ["RISK-01", "RISK-02", "TEST-03"]
    with pytest.raises(OfflineImportRefused) as refused:
        apply_offline_import(setup.db, q, a, r, result)
    assert str(refused.value) == (
        "answers.xlsx was not imported because of 1 problem: Questionnaire!K5: level 9 is out of range; "
        "choose 1, 2, 3, 4 or 5, or leave it empty. Fix the problems and upload the file again, or import "
        "the valid rows only."
    )
    assert stored(setup) == {"TEST-03": (1, False, "before", "")}
    assert len(answer_history(setup.db, a)) == 1


def test_valid_only_imports_just_the_valid_rows(setup: Setup) -> None:
    q, a, r = setup.questionnaire, setup.assessment_id, setup.respondent_id
    result = read(setup, filled(export(setup), {"K2": 3, "K3": 4, "K5": 9, "A6": "NOPE-01", "K6": 2}))
    assert apply_offline_import(setup.db, q, a, r, result, valid_only=True) == 2
    assert stored(setup) == {"RISK-01": (3, False, "", ""), "RISK-02": (4, False, "", "")}


def test_an_edited_question_text_gives_a_warning_and_imports_the_answer(setup: Setup) -> None:
    result = read(setup, filled(export(setup), {"C3": "Are cyber threats covered? (we think so)", "K3": 4}))
    assert result.problems == ()
    assert [str(w) for w in result.warnings] == [
        "Questionnaire!C3: the question text was changed; the change is ignored"
    ]
    apply_offline_import(setup.db, setup.questionnaire, setup.assessment_id, setup.respondent_id, result)
    assert stored(setup) == {"RISK-02": (4, False, "", "")}


def test_a_question_reworded_since_the_export_gives_a_warning(setup: Setup) -> None:
    raw = filled(export(setup), {"K2": 3})
    reworded = setup.questionnaire.model_copy(
        update={
            "questions": [
                q.model_copy(update={"text": "Is one risk method used everywhere?"}) if q.id == "RISK-01" else q
                for q in setup.questionnaire.questions
            ]
        }
    )
    result = read_offline_workbook(setup.db, raw, reworded, assessment_id=setup.assessment_id, name="answers.xlsx")
    assert result.problems == ()
    assert [str(w) for w in result.warnings] == [
        "_meta!B13: the text of RISK-01 has changed since this file was exported; check that the answer still "
        "fits the question as it is worded now.",
        "Questionnaire!C2: the question text was changed; the change is ignored",
    ]


@pytest.mark.parametrize("typed", [3, 3.0, "3", " 3 ", "3.0", "+3"])
def test_a_level_typed_as_a_number_or_text_is_accepted(setup: Setup, typed: object) -> None:
    result = read(setup, filled(export(setup), {"K2": typed}))
    assert result.problems == ()
    assert [(row.level, row.na) for row in result.rows] == [(3, False)]


@pytest.mark.parametrize("typed", ["N/A", "na", "n/a", "NA", " N/a ", "not applicable"])
def test_na_typed_in_any_usual_form_is_accepted_where_allowed(setup: Setup, typed: str) -> None:
    result = read(setup, filled(export(setup), {"K4": typed}))
    assert result.problems == ()
    assert [(row.question_id, row.level, row.na) for row in result.rows] == [("RISK-03", None, True)]


def test_question_ids_match_ignoring_case_and_surrounding_spaces(setup: Setup) -> None:
    result = read(setup, filled(export(setup), {"A2": "  risk-01 ", "K2": 5}))
    assert result.problems == ()
    assert [(row.question_id, row.level) for row in result.rows] == [("RISK-01", 5)]


def test_rows_may_be_sorted_and_columns_moved(setup: Setup) -> None:
    workbook = load_workbook(io.BytesIO(export(setup)))
    sheet = workbook["Questionnaire"]
    sheet.move_range("K1:M7", cols=3)  # the answer columns now sit in N:P, after three empty columns
    rows = [[cell.value for cell in row] for row in sheet.iter_rows(min_row=2, max_row=7)]
    for offset, values in enumerate(reversed(rows), start=2):
        for column, value in enumerate(values, start=1):
            type_into(sheet.cell(row=offset, column=column), value)
    type_into(sheet["N2"], 4)  # row 2 now holds TEST-03
    buffer = io.BytesIO()
    workbook.save(buffer)
    result = read(setup, buffer.getvalue())
    assert result.problems == ()
    assert [(row.question_id, row.level, row.cell) for row in result.rows] == [("TEST-03", 4, "Questionnaire!N2")]


def test_an_empty_level_with_a_comment_is_a_comment_on_an_unanswered_question(setup: Setup) -> None:
    result = read(setup, filled(export(setup), {"L6": "Not tested yet", "M6": "Plan 2026"}))
    assert [(row.question_id, row.level, row.na) for row in result.rows] == [("TEST-02", None, False)]
    apply_offline_import(setup.db, setup.questionnaire, setup.assessment_id, setup.respondent_id, result)
    assert stored(setup) == {"TEST-02": (None, False, "Not tested yet", "Plan 2026")}


def test_an_empty_level_never_clears_a_stored_level(setup: Setup) -> None:
    q, a, r = setup.questionnaire, setup.assessment_id, setup.respondent_id
    save_answer(setup.db, q, a, r, "RISK-01", 4, comment="online")
    save_answer(setup.db, q, a, r, "RISK-03", None, na=True)
    save_answer(setup.db, q, a, r, "TEST-01", 2)
    result = read(setup, filled(export(setup), {"L2": "added offline", "L4": "no providers"}))
    assert apply_offline_import(setup.db, q, a, r, result) == 2
    assert stored(setup) == {
        "RISK-01": (4, False, "added offline", ""),
        "RISK-03": (None, True, "no providers", ""),
        "TEST-01": (2, False, "", ""),
    }


def test_a_row_with_a_level_replaces_the_stored_comment_and_evidence(setup: Setup) -> None:
    q, a, r = setup.questionnaire, setup.assessment_id, setup.respondent_id
    save_answer(setup.db, q, a, r, "RISK-01", 2, comment="old", evidence="old evidence")
    result = read(setup, filled(export(setup), {"K2": 3}))
    assert apply_offline_import(setup.db, q, a, r, result) == 1
    assert stored(setup) == {"RISK-01": (3, False, "", "")}


def test_a_file_exported_for_another_respondent_is_refused_on_import(setup: Setup) -> None:
    other = add_respondent(setup.db, setup.assessment_id, "Bob Example")
    result = read(setup, filled(export(setup), {"K2": 3}))
    with pytest.raises(OfflineImportRefused) as refused:
        apply_offline_import(setup.db, setup.questionnaire, setup.assessment_id, other.id, result)
    assert str(refused.value) == (
        f"answers.xlsx holds the answers of respondent {setup.respondent_id} (Ann Example), not respondent "
        f"{other.id}; import it for that respondent."
    )
    assert list_answers(setup.db, setup.assessment_id) == ()


def test_the_import_reports_progress_as_rows_are_saved(setup: Setup) -> None:
    result = read(setup, filled(export(setup), {"K2": 1, "K3": 2, "K5": 3, "K7": 4}))
    seen: list[float] = []
    apply_offline_import(
        setup.db, setup.questionnaire, setup.assessment_id, setup.respondent_id, result, progress=seen.append
    )
    assert seen == [0.25, 0.5, 0.75, 1.0]


def test_the_import_is_all_or_nothing_when_a_save_fails_midway(setup: Setup, monkeypatch: pytest.MonkeyPatch) -> None:
    result = read(setup, filled(export(setup), {"K2": 1, "K3": 2, "K5": 3, "K7": 4}))
    saves: list[str] = []
    real_save = exports.offline.save_answer

    def failing_save(*args: object, **kwargs: object) -> Answer:
        saves.append(str(args[4]))
        if len(saves) == 3:
            raise RuntimeError("disk full")
        return real_save(*args, **kwargs)  # type: ignore[arg-type]

    monkeypatch.setattr(exports.offline, "save_answer", failing_save)
    with pytest.raises(RuntimeError, match="disk full"):
        apply_offline_import(setup.db, setup.questionnaire, setup.assessment_id, setup.respondent_id, result)
    assert saves == ["RISK-01", "RISK-02", "TEST-01"]
    assert list_answers(setup.db, setup.assessment_id) == ()
    assert answer_history(setup.db, setup.assessment_id) == ()


def test_the_shipped_questionnaire_round_trips_every_question(tmp_path: Path) -> None:
    questionnaire = get_questionnaire("itscm", "2026.1")
    db = open_database(tmp_path / "shipped.db")
    organisation = create_organisation(db, "Contoso", "Retail", "Under 250 employees", "Europe")
    assessment = create_assessment(db, organisation.id, questionnaire, "FY2026", date(2026, 1, 31))
    respondent = add_respondent(db, assessment.id, "Cleo")
    raw = offline_workbook(
        db,
        questionnaire,
        organisation_name="Contoso",
        assessment_label="FY2026",
        assessment_id=assessment.id,
        respondent_name="Cleo",
        respondent_id=respondent.id,
    )
    expected = {q.id: (None if q.na_allowed else n % 5 + 1) for n, q in enumerate(questionnaire.questions)}
    cells = {f"K{row}": level or "N/A" for row, level in enumerate(expected.values(), start=2)}
    result = read_offline_workbook(db, filled(raw, cells), questionnaire, assessment_id=assessment.id)
    assert result.problems == ()
    assert apply_offline_import(db, questionnaire, assessment.id, respondent.id, result) == len(expected)
    assert {a.question_id: a.level for a in list_answers(db, assessment.id)} == expected
    assert sum(a.na for a in list_answers(db, assessment.id)) == sum(q.na_allowed for q in questionnaire.questions)
    db.close()


@settings(max_examples=25, deadline=None, suppress_health_check=[HealthCheck.function_scoped_fixture])
@given(comment=st.text(min_size=1, max_size=200).filter(lambda text: text.strip() != ""))
def test_any_comment_text_comes_back_as_the_workbook_stores_it(setup: Setup, comment: str) -> None:
    answers = {"RISK-01": Answer(setup.assessment_id, setup.respondent_id, "RISK-01", 2, False, comment, comment, None)}
    result = read(setup, export(setup, answers))
    assert result.problems == ()
    assert [(row.comment, row.evidence) for row in result.rows] == [(cell_text(comment), cell_text(comment))]


def test_a_file_not_made_by_the_export_is_refused(setup: Setup) -> None:
    result = read(setup, filled(export(setup), {"B2": "someone's own template"}, sheet="_meta"))
    assert problems_of(result) == [f"_meta!B2: this is not an offline questionnaire exported by the app; {FRESH}"]


def test_a_sheet_with_far_more_rows_than_questions_is_refused(setup: Setup) -> None:
    extra = {f"C{row}": "a note" for row in range(8, 8 + exports.offline.EXTRA_ROWS + 10)}
    result = read(setup, filled(export(setup), {"K2": 3, **extra}))
    assert problems_of(result) == [
        "Questionnaire!A507: the sheet has more than 506 filled rows, far more than the 6 questions; delete the "
        "rows below the questions and upload again."
    ]
    assert result.rows == ()
    with pytest.raises(OfflineImportRefused):
        apply_offline_import(
            setup.db, setup.questionnaire, setup.assessment_id, setup.respondent_id, result, valid_only=True
        )


# --- the hidden sheet: whole numbers in range, and a signature the installation checks ------------

NOT_SIGNED = (
    "this offline questionnaire was not exported for this respondent of this assessment, or its hidden sheet "
    "was edited; export a fresh one from the Data page."
)


def assert_refused_whole(setup: Setup, result: OfflineImport, respondent_id: int) -> None:
    """The file is refused even for its valid rows, and nothing is written."""
    assert result.respondent_id is None
    assert result.rows == ()
    for valid_only in (False, True):
        with pytest.raises(OfflineImportRefused, match=r"^answers\.xlsx was not imported because of 1 problem: _meta!"):
            apply_offline_import(
                setup.db, setup.questionnaire, setup.assessment_id, respondent_id, result, valid_only=valid_only
            )
    assert list_answers(setup.db, setup.assessment_id) == ()


def test_the_hidden_sheet_carries_a_signature_of_what_the_file_is_for(setup: Setup) -> None:
    meta = {row[0]: row[1] for row in load_workbook(io.BytesIO(export(setup)))["_meta"].iter_rows(values_only=True)}
    assert meta["format_version"] == 2
    assert re.fullmatch(r"[0-9a-f]{64}", str(meta["signature"]))
    again = {row[0]: row[1] for row in load_workbook(io.BytesIO(export(setup)))["_meta"].iter_rows(values_only=True)}
    assert again["signature"] == meta["signature"]
    other = {
        row[0]: row[1]
        for row in load_workbook(io.BytesIO(export(setup, respondent_id=setup.respondent_id + 1)))["_meta"].iter_rows(
            values_only=True
        )
    }
    assert other["signature"] != meta["signature"]


def test_a_signed_file_imports_for_its_respondent(setup: Setup) -> None:
    result = read(setup, filled(export(setup), {"K2": 4, "L2": "signed and checked"}))
    assert result.problems == ()
    assert result.respondent_id == setup.respondent_id
    apply_offline_import(setup.db, setup.questionnaire, setup.assessment_id, setup.respondent_id, result)
    assert stored(setup) == {"RISK-01": (4, False, "signed and checked", "")}


def test_a_respondent_id_edited_to_another_respondent_of_the_assessment_is_refused(setup: Setup) -> None:
    other = add_respondent(setup.db, setup.assessment_id, "Bob Example")
    result = read(setup, filled(export(setup), {"K2": 3, "B7": other.id}, sheet="_meta"))
    assert problems_of(result) == [f"_meta!B11: {NOT_SIGNED}"]
    assert [p.kind for p in result.problems] == ["not_signed"]
    assert_refused_whole(setup, result, other.id)


def test_an_assessment_id_edited_to_another_assessment_is_refused(setup: Setup) -> None:
    organisation = create_organisation(setup.db, "Contoso", "Retail", "Under 250 employees", "Europe")
    target = create_assessment(setup.db, organisation.id, setup.questionnaire, "FY2027", date(2027, 3, 31))
    raw = filled(export(setup), {"B6": target.id}, sheet="_meta")
    result = read_offline_workbook(setup.db, raw, setup.questionnaire, assessment_id=target.id, name="answers.xlsx")
    assert problems_of(result) == [f"_meta!B11: {NOT_SIGNED}"]
    assert result.respondent_id is None
    assert list_answers(setup.db, target.id) == ()


@pytest.mark.parametrize(
    "cells",
    [{"B10": "Bob Example"}, {"B8": "Contoso"}, {"B11": "0" * 64}, {"B11": "é" * 64}],
    ids=["respondent name", "organisation", "signature", "signature not ascii"],
)
def test_any_other_edit_of_the_signed_values_is_refused(setup: Setup, cells: dict[str, object]) -> None:
    result = read(setup, filled(export(setup), cells, sheet="_meta"))
    assert problems_of(result) == [f"_meta!B11: {NOT_SIGNED}"]
    assert_refused_whole(setup, result, setup.respondent_id)


def test_a_file_exported_by_another_installation_is_refused(setup: Setup, tmp_path: Path) -> None:
    # The other installation has the same organisation, assessment and respondent ids, but its own secret.
    elsewhere = open_database(tmp_path / "elsewhere.db")
    organisation = create_organisation(elsewhere, "Northwind Bank", "Financial services", "250-999 employees", "Europe")
    assessment = create_assessment(elsewhere, organisation.id, setup.questionnaire, "FY2026", date(2026, 3, 31))
    respondent = add_respondent(elsewhere, assessment.id, "Ann Example")
    assert (assessment.id, respondent.id) == (setup.assessment_id, setup.respondent_id)
    raw = filled(export(setup, db=elsewhere), {"K2": 3})
    elsewhere.close()
    result = read(setup, raw)
    assert problems_of(result) == [f"_meta!B11: {NOT_SIGNED}"]
    assert_refused_whole(setup, result, setup.respondent_id)


def without_signature(raw: bytes) -> bytes:
    """Return the file as exported before files were signed: format version 1, no signature row."""
    workbook = load_workbook(io.BytesIO(raw))
    meta = workbook["_meta"]
    meta["B3"].value = 1
    meta.delete_rows(11)
    buffer = io.BytesIO()
    workbook.save(buffer)
    return buffer.getvalue()


def test_a_file_exported_before_files_were_signed_is_refused_with_the_same_advice(setup: Setup) -> None:
    result = read(setup, without_signature(filled(export(setup), {"K2": 3})))
    assert problems_of(result) == [f"_meta!B11: {NOT_SIGNED}"]
    assert_refused_whole(setup, result, setup.respondent_id)


OUT_OF_RANGE = "is not a whole number from 1 to 9,223,372,036,854,775,807; " + FRESH


@pytest.mark.parametrize(
    ("cells", "expected"),
    [
        ({"B7": 2**63}, f"_meta!B7: the respondent id '9223372036854775808' {OUT_OF_RANGE}"),
        ({"B7": 1e19}, f"_meta!B7: the respondent id '10000000000000000000' {OUT_OF_RANGE}"),
        ({"B7": -1}, f"_meta!B7: the respondent id '-1' {OUT_OF_RANGE}"),
        ({"B7": 0}, f"_meta!B7: the respondent id '0' {OUT_OF_RANGE}"),
        ({"B7": 1.5}, f"_meta!B7: the respondent id '1.5' {OUT_OF_RANGE}"),
        ({"B7": "Ann"}, f"_meta!B7: the respondent id 'Ann' {OUT_OF_RANGE}"),
        ({"B7": "1"}, f"_meta!B7: the respondent id '1' {OUT_OF_RANGE}"),
        ({"B7": True}, f"_meta!B7: the respondent id 'TRUE' {OUT_OF_RANGE}"),
        ({"B7": None}, f"_meta!B7: the respondent id is missing; {FRESH}"),
        ({"B6": -(2**63)}, f"_meta!B6: the assessment id '-9223372036854775808' {OUT_OF_RANGE}"),
        (
            {"B3": 99},
            f"_meta!B3: the format version '99' is not a whole number from 1 to 2; {FRESH}",
        ),
    ],
    ids=[
        "respondent 2**63",
        "respondent a large float",
        "respondent negative",
        "respondent zero",
        "respondent not whole",
        "respondent text",
        "respondent a number typed as text",
        "respondent a boolean",
        "respondent missing",
        "assessment -2**63",
        "format version unknown",
    ],
)
def test_a_number_in_the_hidden_sheet_out_of_range_is_refused_at_its_cell(
    setup: Setup, cells: dict[str, object], expected: str
) -> None:
    result = read(setup, filled(export(setup), {**cells}, sheet="_meta"))
    assert problems_of(result) == [expected]
    assert [p.kind for p in result.problems] == ["invalid_meta"]
    # Before the check, a respondent id of 2**63 reached SQLite and raised OverflowError here.
    assert_refused_whole(setup, result, setup.respondent_id)


def test_every_out_of_range_number_in_the_hidden_sheet_is_reported_at_once(setup: Setup) -> None:
    result = read(setup, filled(export(setup), {"B6": -5, "B7": "x"}, sheet="_meta"))
    assert [p.where for p in result.problems] == ["_meta!B6", "_meta!B7"]


def test_a_file_saved_again_by_a_spreadsheet_program_still_imports(setup: Setup, tmp_path: Path) -> None:
    program = shutil.which("soffice") or shutil.which("libreoffice")
    if program is None:
        pytest.fail("LibreOffice is not installed; `make test` installs it (apt-get install libreoffice-calc-nogui).")
    source = tmp_path / "in" / "answers.xlsx"
    source.parent.mkdir()
    source.write_bytes(filled(export(setup), {"K2": 3, "L3": "saved by LibreOffice", "K3": 2}))
    subprocess.run(
        [
            program,
            f"-env:UserInstallation=file://{tmp_path / 'profile'}",
            "--headless",
            "--calc",
            "--convert-to",
            "xlsx:Calc MS Excel 2007 XML",
            "--outdir",
            str(tmp_path / "out"),
            str(source),
        ],
        check=True,
        capture_output=True,
        timeout=120,
    )
    resaved = (tmp_path / "out" / "answers.xlsx").read_bytes()
    assert resaved != source.read_bytes()
    result = read(setup, resaved)
    assert result.problems == ()
    assert [(row.question_id, row.level, row.comment) for row in result.rows] == [
        ("RISK-01", 3, ""),
        ("RISK-02", 2, "saved by LibreOffice"),
    ]
