"""The command line: validate, score and backup print clear messages and the right exit codes."""

from __future__ import annotations

import json
import re
import subprocess
import sys
from datetime import date, timedelta
from pathlib import Path

import pytest
from storage_helpers import ON_POSTGRES

from cli import build_parser, main
from evidence.files import log_csv, register_csv
from evidence.model import Exercise, Service, ServiceResult

ROOT = Path(__file__).resolve().parent.parent
FIXTURE = ROOT / "tests" / "fixtures" / "mini.yaml"
BAD = ROOT / "tests" / "bad_questionnaires"


def write_csv(tmp_path: Path, text: str) -> Path:
    path = tmp_path / "answers.csv"
    path.write_text(text, encoding="utf-8")
    return path


def test_validate_exits_0_for_a_valid_file(capsys: pytest.CaptureFixture[str]) -> None:
    assert main(["validate", str(FIXTURE)]) == 0
    assert "ok (mini 1.0, 6 questions)" in capsys.readouterr().out


def test_validate_exits_1_and_lists_every_problem(capsys: pytest.CaptureFixture[str]) -> None:
    assert main(["validate", str(FIXTURE), str(BAD / "wrong_types.yaml")]) == 1
    out = capsys.readouterr().out
    assert "wrong_types.yaml: 3 problem(s)" in out
    assert re.search(r"weight at .*wrong_types.yaml:15: expected a whole number", out)


@pytest.mark.parametrize("case", ["binary_garbage", "alias_bomb", "empty", "deep_nesting"])
def test_validate_never_prints_a_traceback(case: str) -> None:
    done = subprocess.run(
        [sys.executable, "cli.py", "validate", str(BAD / f"{case}.yaml")],
        cwd=ROOT,
        capture_output=True,
        text=True,
        timeout=60,
    )
    assert done.returncode == 1
    assert "Traceback" not in done.stdout + done.stderr


def test_score_prints_the_documented_json(tmp_path: Path, capsys: pytest.CaptureFixture[str]) -> None:
    answers = write_csv(
        tmp_path,
        "question_id,level,respondent,comment\n"
        "RISK-01,3,ann,=cmd\nRISK-01,2,bob,\nRISK-02,4,ann,\nRISK-03,na,ann,\nTEST-01,2,ann,\n",
    )
    assert main(["score", str(FIXTURE), str(answers), "--targets", "TEST=4"]) == 0
    document = json.loads(capsys.readouterr().out)
    # RISK-01 = lower median of 3 and 2 = 2 (weight 3); RISK-02 = 4 (weight 2); RISK-03 N/A.
    # RISK score = (2*3 + 4*2) / 5 = 2.8; stage 2 (level >= 3 carries only 2/5 of the weight).
    # TEST-01 = 2 alone: score 2, stage 2. Overall = (2.8*1 + 2*2) / 3 = 2.2667, stage min(2, 2) = 2.
    assert document == {
        "questionnaire": {"id": "mini", "version": "1.0"},
        "overall": {"score": 2.2667, "stage": 2, "completeness": 0.6667, "provisional": True},
        "domains": [
            {
                "id": "RISK",
                "name": "Risk assessment",
                "score": 2.8,
                "stage": 2,
                "completeness": 1.0,
                "target": 3,
                "gap": 1,
            },
            {
                "id": "TEST",
                "name": "Testing and exercising",
                "score": 2.0,
                "stage": 2,
                "completeness": 0.3333,
                "target": 4,
                "gap": 2,
            },
        ],
    }


def test_score_gives_null_score_and_stage_where_nothing_is_answered(
    tmp_path: Path, capsys: pytest.CaptureFixture[str]
) -> None:
    answers = write_csv(tmp_path, "question_id,level\nRISK-01,4\n")
    assert main(["score", str(FIXTURE), str(answers)]) == 0
    document = json.loads(capsys.readouterr().out)
    assert document["overall"]["stage"] is None
    assert document["domains"][1]["score"] is None
    assert document["domains"][1]["stage"] is None
    assert document["domains"][1]["gap"] is None


def test_score_as_a_table(tmp_path: Path, capsys: pytest.CaptureFixture[str]) -> None:
    answers = write_csv(tmp_path, "question_id,level\nRISK-01,4\nRISK-02,4\nRISK-03,na\n")
    assert main(["score", str(FIXTURE), str(answers), "--format", "table"]) == 0
    out = capsys.readouterr().out
    assert re.search(r"Risk assessment\s+4\.00\s+4\s+100%\s+3\s+-1", out)
    assert "Provisional" in out


def test_score_reports_every_bad_row_with_its_number(tmp_path: Path, capsys: pytest.CaptureFixture[str]) -> None:
    answers = write_csv(tmp_path, "question_id,level\nX-01,3\nTEST-01,9\nTEST-02,na\nTEST-03,two\nTEST-03,1\n")
    assert main(["score", str(FIXTURE), str(answers)]) == 1
    err = capsys.readouterr().err
    assert "row 2: unknown question id 'X-01'" in err
    assert "row 3: level '9' is not valid; use 1-5 or na." in err
    assert "row 4: TEST-02 does not allow N/A; give a level 1-5." in err
    assert "row 5: level 'two' is not valid" in err
    assert "row 6" not in err


def test_score_refuses_a_csv_without_the_required_columns(tmp_path: Path, capsys: pytest.CaptureFixture[str]) -> None:
    answers = write_csv(tmp_path, "question,level\nRISK-01,3\n")
    assert main(["score", str(FIXTURE), str(answers)]) == 1
    assert "row 1: missing column(s) question_id" in capsys.readouterr().err


def test_score_refuses_a_duplicate_answer_by_the_same_respondent(
    tmp_path: Path, capsys: pytest.CaptureFixture[str]
) -> None:
    answers = write_csv(tmp_path, "question_id,level,respondent\nRISK-01,3,ann\nRISK-01,4,ann\n")
    assert main(["score", str(FIXTURE), str(answers)]) == 1
    assert "row 3: RISK-01 answered twice by 'ann' (first at row 2)" in capsys.readouterr().err


def test_score_refuses_a_bad_target(tmp_path: Path, capsys: pytest.CaptureFixture[str]) -> None:
    answers = write_csv(tmp_path, "question_id,level\nRISK-01,3\n")
    assert main(["score", str(FIXTURE), str(answers), "--targets", "NOPE=3"]) == 1
    assert "write DOMAIN=LEVEL with DOMAIN one of RISK, TEST" in capsys.readouterr().err


LATER = ROOT / "questionnaires" / "itscm-2026.2"


def evidence_files(tmp_path: Path, recovery_hours: float) -> tuple[Path, Path]:
    """A register with Payments (RTO 4 h) and a log with one failover of it a month ago, as CSV files."""
    day = date.today() - timedelta(days=30)
    payments = Service("Payments", "Head of payments", "critical", 24.0, 4.0, 1.0, bia_reviewed_on=day)
    failover = Exercise(day, "failover", "Payments failover", (ServiceResult("Payments", recovery_hours, 0.5),))
    services, exercises = tmp_path / "services.csv", tmp_path / "exercises.csv"
    services.write_bytes(register_csv([payments]))
    exercises.write_bytes(log_csv([failover]))
    return services, exercises


def test_score_with_a_register_and_log_reports_both_scores_and_the_unsupported_claims(
    tmp_path: Path, capsys: pytest.CaptureFixture[str]
) -> None:
    answers = write_csv(tmp_path, "question_id,level\nTEST-02,4\nTEST-11,4\nRISK-01,4\n")
    services, exercises = evidence_files(tmp_path, 9.0)
    command = ["score", str(LATER), str(answers), "--services", str(services), "--exercises", str(exercises)]
    assert main(command) == 0
    document = json.loads(capsys.readouterr().out)
    test = next(d for d in document["domains"] if d["id"] == "TEST")
    risk = next(d for d in document["domains"] if d["id"] == "RISK")
    # TEST-02 (tested within 12 months) holds; TEST-11 (last test met the RTO) does not: capped at 3.
    assert test["as_answered"] == {"score": 4.0, "stage": 4}
    assert test["as_evidenced"]["stage"] == 3 and test["as_evidenced"]["score"] < 4.0
    assert risk["as_answered"] == risk["as_evidenced"] == {"score": 4.0, "stage": 4}
    assert document["overall"]["as_evidenced"]["score"] < document["overall"]["as_answered"]["score"]
    [claim] = document["unsupported_claims"]
    assert (claim["question"], claim["domain"], claim["answered"], claim["supported"]) == ("TEST-11", "TEST", 4, 3)
    assert claim["sentence"].startswith("TEST-11 answered 4; ")
    assert "the last failover of Payments took 9 h against an RTO of 4 h" in claim["sentence"]
    assert main([*command, "--format", "table"]) == 0
    table = capsys.readouterr().out
    assert "Evidenced score" in table and "Claims the facts don't support:" in table
    assert "TEST-11 answered 4; " in table


def test_score_with_a_register_whose_facts_hold_has_no_unsupported_claims(
    tmp_path: Path, capsys: pytest.CaptureFixture[str]
) -> None:
    answers = write_csv(tmp_path, "question_id,level\nTEST-11,4\n")
    services, exercises = evidence_files(tmp_path, 3.0)
    assert main(["score", str(LATER), str(answers), "--services", str(services), "--exercises", str(exercises)]) == 0
    document = json.loads(capsys.readouterr().out)
    assert document["unsupported_claims"] == []
    assert document["domains"][0]["as_answered"] == document["domains"][0]["as_evidenced"]


def test_score_without_evidence_files_prints_no_evidenced_fields(
    tmp_path: Path, capsys: pytest.CaptureFixture[str]
) -> None:
    answers = write_csv(tmp_path, "question_id,level\nTEST-11,4\n")
    assert main(["score", str(LATER), str(answers)]) == 0
    document = json.loads(capsys.readouterr().out)
    assert "unsupported_claims" not in document and "as_evidenced" not in document["domains"][0]


def test_score_refuses_a_bad_register_listing_each_bad_row_without_a_traceback(
    tmp_path: Path, capsys: pytest.CaptureFixture[str]
) -> None:
    answers = write_csv(tmp_path, "question_id,level\nTEST-11,4\n")
    services, _exercises = evidence_files(tmp_path, 9.0)
    good = services.read_text(encoding="utf-8-sig")
    services.write_text(good.replace("critical", "vital").replace(",24,", ",soon,"), encoding="utf-8")
    assert main(["score", str(LATER), str(answers), "--services", str(services)]) == 1
    err = capsys.readouterr().err
    assert err.startswith(f"error: {services}: not a valid service register; fix these rows:")
    assert "Row 2: MTPD 'soon' is not a number" in err and "critical, important, standard" in err
    assert "Traceback" not in err


def test_score_refuses_a_log_without_its_register(tmp_path: Path, capsys: pytest.CaptureFixture[str]) -> None:
    answers = write_csv(tmp_path, "question_id,level\nTEST-11,4\n")
    _services, exercises = evidence_files(tmp_path, 9.0)
    assert main(["score", str(LATER), str(answers), "--exercises", str(exercises)]) == 1
    assert capsys.readouterr().err == (
        "error: --exercises needs --services FILE too: the log's results name services of the register.\n"
    )


def test_score_refuses_an_invalid_questionnaire(tmp_path: Path, capsys: pytest.CaptureFixture[str]) -> None:
    answers = write_csv(tmp_path, "question_id,level\nRISK-01,3\n")
    assert main(["score", str(BAD / "unquoted_yes.yaml"), str(answers)]) == 1
    assert "na_allowed at" in capsys.readouterr().err


def test_every_command_is_documented_in_the_readme() -> None:
    readme = (ROOT / "README.md").read_text()
    commands = build_parser()._subparsers._group_actions[0].choices  # type: ignore[union-attr]
    for name in commands:
        assert f"python cli.py {name}" in readme, f"README does not document `python cli.py {name}`"


@pytest.mark.sqlite_only
def test_backup_writes_a_consistent_copy_of_the_database(
    tmp_path: Path, monkeypatch: pytest.MonkeyPatch, capsys: pytest.CaptureFixture[str]
) -> None:
    from storage import connect, create_organisation, list_organisations

    monkeypatch.setenv("ITSCM_DB", str(tmp_path / "live.db"))
    create_organisation(connect(), "Acme =1+1", "Retail", "250-999 employees", "Europe")
    copy = tmp_path / "backups" / "copy.db"
    assert main(["backup", str(copy)]) == 0
    assert "Backed up" in capsys.readouterr().out
    monkeypatch.setenv("ITSCM_DB", str(copy))
    assert [o.name for o in list_organisations(connect())] == ["Acme =1+1"]


def test_backup_refuses_to_overwrite_without_being_told(
    tmp_path: Path, monkeypatch: pytest.MonkeyPatch, capsys: pytest.CaptureFixture[str]
) -> None:
    from storage import connect

    monkeypatch.setenv("ITSCM_DB", str(tmp_path / "live.db"))
    connect()
    existing = tmp_path / "existing.db"
    existing.write_text("keep me")
    assert main(["backup", str(existing)]) == 1
    assert "already exists" in capsys.readouterr().err
    assert existing.read_text() == "keep me"


def test_demo_loads_illustrative_data_once(
    tmp_path: Path, monkeypatch: pytest.MonkeyPatch, capsys: pytest.CaptureFixture[str]
) -> None:
    from storage import connect, list_organisations

    monkeypatch.setenv("ITSCM_DB", str(tmp_path / "demo.db"))
    assert main(["demo"]) == 0
    assert "Loaded illustrative data: 8 organisations, 24 assessments" in capsys.readouterr().out
    organisations = list_organisations(connect())
    assert len(organisations) == 8
    assert all(o.illustrative for o in organisations)
    assert main(["demo"]) == 1
    assert "error:" in capsys.readouterr().err
    assert len(list_organisations(connect())) == 8


@pytest.mark.sqlite_only
def test_restore_brings_back_a_backup_and_keeps_the_previous_database(
    tmp_path: Path, monkeypatch: pytest.MonkeyPatch, capsys: pytest.CaptureFixture[str]
) -> None:
    from storage import connect, create_organisation, list_organisations

    monkeypatch.setenv("ITSCM_DB", str(tmp_path / "live.db"))
    create_organisation(connect(), "In the backup", "Retail", "250-999 employees", "Europe")
    assert main(["backup", str(tmp_path / "b.db")]) == 0
    create_organisation(connect(), "Added later", "Retail", "250-999 employees", "Europe")
    assert main(["restore", str(tmp_path / "b.db")]) == 0
    out = capsys.readouterr().out
    assert "1 organisations" in out
    assert "previous database is kept at" in out
    assert [o.name for o in list_organisations(connect())] == ["In the backup"]


def test_restore_refuses_a_file_that_is_not_a_backup(
    tmp_path: Path, monkeypatch: pytest.MonkeyPatch, capsys: pytest.CaptureFixture[str]
) -> None:
    monkeypatch.setenv("ITSCM_DB", str(tmp_path / "live.db"))
    fake = tmp_path / "fake.db"
    fake.write_text("hello")
    assert main(["restore", str(fake)]) == 1
    assert "is not a SQLite database" in capsys.readouterr().err


def test_export_and_import_move_an_assessment_to_another_database(
    tmp_path: Path, monkeypatch: pytest.MonkeyPatch, capsys: pytest.CaptureFixture[str]
) -> None:
    from openpyxl import load_workbook

    from exports.report import load_report
    from storage import connect

    monkeypatch.setenv("ITSCM_DB", str(tmp_path / "source.db"))
    assert main(["demo"]) == 0
    assert main(["list"]) == 0
    listed = capsys.readouterr().out
    assert "Northwind Mutual Insurance (illustrative)" in listed
    # Organisation ids are listed too: `trend` and `users --org` take them.
    organisation = load_report(connect(), 3).organisation
    assert f"organisation {organisation.id}: {organisation.name}" in listed
    source = load_report(connect(), 3)
    assert main(["export", "3", str(tmp_path / "out.json")]) == 0
    assert main(["export", "3", str(tmp_path / "out.xlsx")]) == 0
    assert main(["export", "3", str(tmp_path / "results.csv"), "--format", "results-csv"]) == 0
    assert main(["export", "--portfolio", str(tmp_path / "portfolio.xlsx")]) == 0
    assert load_workbook(tmp_path / "out.xlsx").sheetnames[:3] == ["Summary", "Roadmap", "Answers"]
    assert (tmp_path / "results.csv").read_text(encoding="utf-8-sig").startswith("id,name,score,stage")

    monkeypatch.setenv("ITSCM_DB", str(tmp_path / "empty.db"))
    assert main(["import", str(tmp_path / "out.json")]) == 0
    imported = load_report(connect(), 1)
    assert imported.score.overall == source.score.overall
    assert imported.score.domains == source.score.domains
    assert main(["import", str(tmp_path / "out.json")]) == 1
    assert "already exists" in capsys.readouterr().err


def test_export_of_an_unknown_assessment_is_a_clear_error(
    tmp_path: Path, monkeypatch: pytest.MonkeyPatch, capsys: pytest.CaptureFixture[str]
) -> None:
    monkeypatch.setenv("ITSCM_DB", str(tmp_path / "empty.db"))
    assert main(["export", "999", str(tmp_path / "x.xlsx")]) == 1
    assert "No assessment with id 999" in capsys.readouterr().err
    assert main(["export", "999", str(tmp_path / "x.txt")]) == 1
    assert "cannot tell the format" in capsys.readouterr().err


def _exported_assessment(tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> Path:
    """Export Northwind Bank's FY2026 assessment (one answer) from a database of its own; return the file."""
    from datetime import date

    from questionnaires.catalog import available_questionnaires
    from storage import add_respondent, connect, create_assessment, create_organisation, save_answer

    questionnaire = available_questionnaires()[0]
    monkeypatch.setenv("ITSCM_DB", str(tmp_path / "source.db"))
    db = connect()
    organisation = create_organisation(db, "Northwind Bank", "Financial services", "250-999 employees", "Europe")
    assessment = create_assessment(db, organisation.id, questionnaire, "FY2026", date(2026, 3, 31))
    respondent = add_respondent(db, assessment.id, "Ann")
    save_answer(db, questionnaire, assessment.id, respondent.id, questionnaire.questions[0].id, 3)
    path = tmp_path / "northwind.json"
    assert main(["export", str(assessment.id), str(path)]) == 0
    monkeypatch.setenv("ITSCM_DB", str(tmp_path / "target.db"))
    return path


def _assessments_by_organisation() -> dict[str, list[str]]:
    from storage import connect, list_assessments, list_organisations

    db = connect()
    return {o.name: [a.label for a in list_assessments(db, o.id)] for o in list_organisations(db)}


def test_import_of_an_organisation_that_exists_stops_with_one_line_naming_both_choices(
    tmp_path: Path, monkeypatch: pytest.MonkeyPatch, capsys: pytest.CaptureFixture[str]
) -> None:
    exported = _exported_assessment(tmp_path, monkeypatch)
    assert main(["import", str(exported)]) == 0
    capsys.readouterr()
    assert main(["import", str(exported)]) == 1
    assert capsys.readouterr().err == (
        "error: organisation.name: an organisation named 'Northwind Bank' already exists; choose whether to add this "
        "assessment to it (its trends and benchmarks will include it) or to import it as a new organisation under "
        "another name. Use --into-existing to add it to 'Northwind Bank', or --as-new NAME for a new organisation.\n"
    )
    assert _assessments_by_organisation() == {"Northwind Bank": ["FY2026"]}


def test_import_into_existing_adds_the_assessment_to_the_organisation_of_that_name(
    tmp_path: Path, monkeypatch: pytest.MonkeyPatch, capsys: pytest.CaptureFixture[str]
) -> None:
    from datetime import date

    from questionnaires.catalog import available_questionnaires
    from storage import connect, create_assessment, create_organisation

    exported = _exported_assessment(tmp_path, monkeypatch)
    existing = create_organisation(connect(), "NORTHWIND BANK", "Financial services", "250-999 employees", "Europe")
    create_assessment(connect(), existing.id, available_questionnaires()[0], "FY2025", date(2025, 3, 31))
    assert main(["import", str(exported), "--into-existing"]) == 0
    assert "Imported assessment FY2026" in capsys.readouterr().out
    assert _assessments_by_organisation() == {"NORTHWIND BANK": ["FY2025", "FY2026"]}


def test_import_into_existing_of_a_label_the_organisation_has_points_to_as_new(
    tmp_path: Path, monkeypatch: pytest.MonkeyPatch, capsys: pytest.CaptureFixture[str]
) -> None:
    exported = _exported_assessment(tmp_path, monkeypatch)
    assert main(["import", str(exported)]) == 0
    capsys.readouterr()
    assert main(["import", str(exported), "--into-existing"]) == 1
    err = capsys.readouterr().err
    assert err.count("\n") == 1
    assert err.startswith("error: assessment.label: 'Northwind Bank' already has an assessment labelled 'FY2026'")
    assert err.endswith("To import it as a new organisation, use --as-new NAME.\n")
    assert _assessments_by_organisation() == {"Northwind Bank": ["FY2026"]}


def test_import_as_new_creates_an_organisation_with_that_name_unless_it_is_taken_too(
    tmp_path: Path, monkeypatch: pytest.MonkeyPatch, capsys: pytest.CaptureFixture[str]
) -> None:
    exported = _exported_assessment(tmp_path, monkeypatch)
    assert main(["import", str(exported)]) == 0
    assert main(["import", str(exported), "--as-new", "Northwind Bank (copy)"]) == 0
    assert _assessments_by_organisation() == {"Northwind Bank": ["FY2026"], "Northwind Bank (copy)": ["FY2026"]}
    capsys.readouterr()
    assert main(["import", str(exported), "--as-new", "northwind bank"]) == 1
    err = capsys.readouterr().err
    assert err.count("\n") == 1
    assert err.endswith("Use --as-new with another NAME, or --into-existing to add it to 'Northwind Bank'.\n")


def test_export_and_import_carry_the_steps_made_from_findings_where_the_log_has_them_and_say_why_not(
    tmp_path: Path, monkeypatch: pytest.MonkeyPatch, capsys: pytest.CaptureFixture[str]
) -> None:
    from datetime import date

    from evidence.model import Exercise, Finding
    from storage import connect, delete_assessment, list_assessments
    from storage.evidence import save_log
    from storage.finding_items import list_finding_items, list_findings, plan_finding

    exported = _exported_assessment(tmp_path, monkeypatch)
    monkeypatch.setenv("ITSCM_DB", str(tmp_path / "source.db"))
    db = connect()
    save_log(db, 1, (Exercise(date(2025, 10, 14), "tabletop", "Tabletop", findings=(Finding("No call tree"),)),))
    plan_finding(db, 1, list_findings(db, 1)[0].key, by="ann@example.org")
    assert main(["export", "1", str(exported), "--overwrite"]) == 0
    # Into another database: the organisation there is new, so its log has no findings.
    monkeypatch.setenv("ITSCM_DB", str(tmp_path / "target.db"))
    capsys.readouterr()
    assert main(["import", str(exported)]) == 0
    out = capsys.readouterr().out
    assert "1 roadmap step made from a finding is not carried (1 because the exercise and incident log of " in out
    assert out.endswith(
        "  not carried: From exercise 2025-10-14 tabletop: No call tree (finding "
        f"{list_findings(db, 1)[0].key}): the exercise and incident log of Northwind Bank has no findings\n"
    )
    # Back into the source once its assessment is gone: the step is linked to its finding again.
    monkeypatch.setenv("ITSCM_DB", str(tmp_path / "source.db"))
    delete_assessment(connect(), 1, backup=False)
    assert main(["import", str(exported), "--into-existing"]) == 0
    assert capsys.readouterr().out.endswith(
        "1 roadmap step made from a finding is on the roadmap again, linked to its finding in the exercise and "
        "incident log.\n"
    )
    [again] = list_assessments(connect(), 1)
    [item] = list_finding_items(connect(), again.id)
    assert (item.text, item.finding is not None) == ("From exercise 2025-10-14 tabletop: No call tree", True)


def test_import_refuses_into_existing_and_as_new_together(capsys: pytest.CaptureFixture[str]) -> None:
    with pytest.raises(SystemExit) as exited:
        main(["import", "x.json", "--into-existing", "--as-new", "Other"])
    assert exited.value.code == 2
    assert "not allowed with argument" in capsys.readouterr().err


# --- Files the command line writes: never the database, never an existing file without --overwrite ---


def _database_with_one_assessment(tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> Path:
    """Point ITSCM_DB at a new database holding one completed assessment (id 1) and return its path.

    The file is named .xlsx so that `export --portfolio`, which insists on that suffix, reaches the
    destination check too.
    """
    from datetime import date

    from questionnaires.catalog import get_questionnaire
    from storage import (
        connect,
        create_assessment,
        create_organisation,
        get_or_create_respondent,
        save_answer,
        set_assessment_status,
    )

    live = tmp_path / "itscm.xlsx"
    monkeypatch.setenv("ITSCM_DB", str(live))
    monkeypatch.chdir(tmp_path)
    questionnaire = get_questionnaire("itscm", "2026.1")
    db = connect()
    organisation = create_organisation(db, "Harbour Retail", "Retail", "250-999 employees", "Europe")
    assessment = create_assessment(db, organisation.id, questionnaire, "FY2026", date(2026, 1, 15))
    person = get_or_create_respondent(db, assessment.id, "Manager")
    save_answer(db, questionnaire, assessment.id, person.id, questionnaire.questions[0].id, 3)
    set_assessment_status(db, assessment.id, "completed")
    return live


WRITERS = {
    "workbook": ["export", "1", "{target}", "--format", "workbook"],
    "json": ["export", "1", "{target}", "--format", "json"],
    "answers-csv": ["export", "1", "{target}", "--format", "answers-csv"],
    "results-csv": ["export", "1", "{target}", "--format", "results-csv"],
    "portfolio": ["export", "--portfolio", "{target}"],
    "backup": ["backup", "{target}"],
}


def _argv(writer: str, target: str, *extra: str) -> list[str]:
    return [part.format(target=target) for part in WRITERS[writer]] + list(extra)


@pytest.mark.sqlite_only
@pytest.mark.parametrize("writer", list(WRITERS))
@pytest.mark.parametrize("target", ["itscm.xlsx", "./sub/../itscm.xlsx", "itscm.xlsx-wal", "itscm.xlsx-shm"])
def test_no_command_writes_onto_the_database_or_its_wal_and_shm_files_even_with_overwrite(
    tmp_path: Path, monkeypatch: pytest.MonkeyPatch, capsys: pytest.CaptureFixture[str], writer: str, target: str
) -> None:
    live = _database_with_one_assessment(tmp_path, monkeypatch)
    before = live.read_bytes()
    assert main(_argv(writer, target, "--overwrite")) == 1
    err = capsys.readouterr().err
    assert err.startswith(f"error: {target} is the database")
    assert "Give another file name" in err
    assert live.read_bytes() == before
    assert main(["list"]) == 0
    assert "Harbour Retail" in capsys.readouterr().out


@pytest.mark.parametrize("writer", list(WRITERS))
def test_no_command_overwrites_an_existing_file_unless_told_to(
    tmp_path: Path, monkeypatch: pytest.MonkeyPatch, capsys: pytest.CaptureFixture[str], writer: str
) -> None:
    if writer == "backup" and ON_POSTGRES:
        pytest.skip("backup copies the SQLite file; on PostgreSQL it points to pg_dump")
    _database_with_one_assessment(tmp_path, monkeypatch)
    existing = tmp_path / "exports" / ("out.csv" if "csv" in writer else "out.json" if writer == "json" else "out.xlsx")
    existing.parent.mkdir()
    existing.write_text("keep me")
    assert main(_argv(writer, str(existing))) == 1
    err = capsys.readouterr().err
    assert err == f"error: {existing} already exists; give another file name, or add --overwrite to replace it.\n"
    assert existing.read_text() == "keep me"
    assert main(_argv(writer, str(existing), "--overwrite")) == 0
    assert existing.read_bytes() != b"keep me"


def test_demo_remove_deletes_the_illustrative_organisations_and_keeps_the_real_ones(
    tmp_path: Path, monkeypatch: pytest.MonkeyPatch, capsys: pytest.CaptureFixture[str]
) -> None:
    from storage import connect, list_organisations

    _database_with_one_assessment(tmp_path, monkeypatch)
    assert main(["demo"]) == 0
    assert len(list_organisations(connect())) == 9
    capsys.readouterr()
    assert main(["demo", "--remove"]) == 0
    out = capsys.readouterr().out
    assert out.startswith("Removed the illustrative data: 8 organisations, 24 assessments")
    assert ("The database as it was is kept at" in out) is not ON_POSTGRES
    assert [o.name for o in list_organisations(connect())] == ["Harbour Retail"]
    assert main(["demo", "--remove"]) == 0
    assert "No illustrative data to remove" in capsys.readouterr().out


# --- Users and participant links: one-line messages, exit 1 on bad input, every change audited as the command line ---


@pytest.fixture
def cli_login(monkeypatch: pytest.MonkeyPatch) -> str:
    """The login name the command line reports as the actor in the audit log."""
    monkeypatch.setattr("getpass.getuser", lambda: "alice")
    return "command line (alice)"


def test_users_add_list_role_assign_and_deactivate_are_audited_as_the_command_line(
    tmp_path: Path, monkeypatch: pytest.MonkeyPatch, capsys: pytest.CaptureFixture[str], cli_login: str
) -> None:
    from storage import connect, get_user_by_email, list_audit

    _database_with_one_assessment(tmp_path, monkeypatch)
    assert main(["users", "list"]) == 0
    assert capsys.readouterr().out.startswith("No users yet.")
    assert main(["users", "add", "boss@example.org", "--role", "administrator"]) == 0
    assert main(["users", "add", " Ana@Example.org ", "--role", "consultant", "--org", "1"]) == 0
    assert capsys.readouterr().out.splitlines()[-1] == "Added Ana@Example.org as consultant: Harbour Retail (1)."
    assert main(["users", "role", "ana@example.org", "viewer"]) == 0
    assert main(["users", "assign", "ana@example.org", "--org"]) == 0
    assert main(["users", "deactivate", "ANA@example.org"]) == 0
    capsys.readouterr()
    assert main(["users", "list"]) == 0
    assert capsys.readouterr().out.splitlines() == [
        "Ana@Example.org   viewer         inactive  no organisation yet",
        "boss@example.org  administrator  active    every organisation",
    ]
    user = get_user_by_email(connect(), "ana@example.org")
    assert user is not None and (user.role, user.active, user.organisations) == ("viewer", False, frozenset())
    entries = list_audit(connect())
    assert {entry.actor for entry in entries} == {cli_login}
    assert [entry.action for entry in entries] == [
        "user deactivated",
        "organisations assigned",
        "role changed",
        "user added",
        "user added",
    ]


@pytest.mark.parametrize(
    ("argv", "message"),
    [
        (["users", "add", "ana", "--role", "viewer"], "error: E-mail address 'ana' is not an address"),
        (["users", "add", "ana@example.org", "--role", "admin"], "error: Role 'admin' is not in the list"),
        (["users", "add", "ana@example.org", "--role", "viewer", "--org", "9"], "error: No organisation with id 9"),
        (["users", "role", "nobody@example.org", "viewer"], "error: No user with e-mail address 'nobody@example.org'"),
        (["users", "deactivate", "boss@example.org"], "error: boss@example.org is the last active administrator"),
        (["links", "create", "1", "--respondent", "Ana", "--days", "0"], "error: A link lasts 1 to 365 days, not 0"),
        (["links", "create", "1", "--respondent", "Ana", "--domains", "HR"], "error: Domain 'HR' is not in"),
        (["links", "create", "99", "--respondent", "Ana"], "error: No assessment with id 99"),
        (["links", "create", "1", "--respondent", "Ana", "--base-url", "example.org"], "error: --base-url"),
        (["links", "revoke", "99"], "error: No participant link with id 99"),
        (["links", "list", "99"], "error: No assessment with id 99"),
    ],
)
def test_users_and_links_refuse_bad_input_with_one_line_and_exit_1(
    tmp_path: Path, monkeypatch: pytest.MonkeyPatch, capsys: pytest.CaptureFixture[str], argv: list[str], message: str
) -> None:
    from storage import connect, list_audit, list_links

    _database_with_one_assessment(tmp_path, monkeypatch)
    assert main(["users", "add", "boss@example.org", "--role", "administrator"]) == 0
    capsys.readouterr()
    assert main(argv) == 1
    err = capsys.readouterr().err
    assert err.startswith(message)
    assert err.count("\n") == 1
    assert [entry.action for entry in list_audit(connect())] == ["user added"]
    assert list_links(connect(), 1) == ()


def test_links_create_prints_a_join_address_that_opens_and_revoke_withdraws_it(
    tmp_path: Path, monkeypatch: pytest.MonkeyPatch, capsys: pytest.CaptureFixture[str], cli_login: str
) -> None:
    from access.links import LinkRefused, participant_for
    from storage import connect, list_audit

    _database_with_one_assessment(tmp_path, monkeypatch)
    argv = ["links", "create", "1", "--respondent", "Ben", "--domains", "GOV", "BIA", "--days", "7"]
    assert main([*argv, "--base-url", "https://itscm.example.org/"]) == 0
    described, url = capsys.readouterr().out.splitlines()
    assert described.startswith("Link 1 for Ben on Harbour Retail FY2026 (BIA, GOV), open until ")
    assert "only its hash is stored" in described
    assert url.startswith("https://itscm.example.org/?join=")
    token = url.removeprefix("https://itscm.example.org/?join=")
    assert participant_for(connect(), token).respondent_name == "Ben"

    assert main(["links", "create", "1", "--respondent", "Manager"]) == 0
    assert capsys.readouterr().out.splitlines()[-1].startswith("http://localhost:8501/?join=")
    assert main(["links", "list", "1"]) == 0
    listed = capsys.readouterr().out
    assert listed.splitlines()[0].split() == ["Link", "Respondent", "Domains", "Expires", "Revoked"]
    assert listed.splitlines()[1].split()[:3] == ["1", "Ben", "BIA,GOV"]
    assert listed.splitlines()[2].split()[:3] == ["2", "Manager", "all"]
    assert token not in listed

    assert main(["links", "revoke", "1"]) == 0
    assert capsys.readouterr().out == "Withdrew link 1 (Ben); it no longer opens.\n"
    with pytest.raises(LinkRefused, match="withdrawn"):
        participant_for(connect(), token)
    assert main(["links", "revoke", "1"]) == 0
    assert "was already withdrawn" in capsys.readouterr().out
    assert [(e.actor, e.action) for e in list_audit(connect())] == [
        (cli_login, "participant link revoked"),
        (cli_login, "participant link created"),
        (cli_login, "participant link created"),
    ]


def test_the_command_line_names_itself_even_without_a_login_name(monkeypatch: pytest.MonkeyPatch) -> None:
    from cli import cli_actor

    def no_login() -> str:
        raise OSError("No username set in the environment")

    monkeypatch.setattr("getpass.getuser", no_login)
    assert cli_actor() == "command line (unknown login)"


def test_links_create_for_an_unknown_assessment_prints_no_traceback(tmp_path: Path) -> None:
    import os

    done = subprocess.run(
        [sys.executable, str(ROOT / "cli.py"), "links", "create", "7", "--respondent", "Ana"],
        capture_output=True,
        text=True,
        cwd=tmp_path,
        env={**os.environ, "ITSCM_DB": str(tmp_path / "live.db")},
        timeout=120,
    )
    assert done.returncode == 1
    assert done.stderr == "error: No assessment with id 7; pick one from the list of assessments.\n"


# workshop status


def _workshop_database(tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> None:
    """Harbour Retail FY2026 (assessment 1) with three participants: Manager, Ana, and Ben who answered nothing.

    BIA-01: Manager 3, Ana 1 (spread 2, nothing agreed: an open disagreement, lower median 1).
    BIA-02: Manager 2, Ana 4 (spread 2, agreed at 3 by Kim: settled). RISK-01: Ana 5.
    """
    from questionnaires.catalog import get_questionnaire
    from storage import connect, get_or_create_respondent, save_answer, set_consensus

    _database_with_one_assessment(tmp_path, monkeypatch)
    questionnaire = get_questionnaire("itscm", "2026.1")
    db = connect()
    manager = get_or_create_respondent(db, 1, "Manager")
    ana = get_or_create_respondent(db, 1, "Ana")
    get_or_create_respondent(db, 1, "Ben")
    for respondent, question_id, level in ((manager, "BIA-02", 2), (ana, "BIA-01", 1), (ana, "BIA-02", 4)):
        save_answer(db, questionnaire, 1, respondent.id, question_id, level)
    save_answer(db, questionnaire, 1, ana.id, "RISK-01", 5)
    set_consensus(db, questionnaire, 1, "BIA-02", 3, note="Agreed on evidence", set_by="Kim")


def test_workshop_status_prints_progress_per_participant_and_domain_and_the_open_disagreements(
    tmp_path: Path, monkeypatch: pytest.MonkeyPatch, capsys: pytest.CaptureFixture[str]
) -> None:
    _workshop_database(tmp_path, monkeypatch)
    assert main(["workshop", "status", "1"]) == 0
    lines = capsys.readouterr().out.splitlines()
    assert lines[0] == "Harbour Retail FY2026 (assessment 1): self-paced."
    assert lines[2].split() == ["Participant", "RISK", "BIA", "REC", "TEST", "GOV", "All", "Last", "answer"]
    assert lines[3].split()[:7] == ["Manager", "0/12", "2/13", "0/13", "0/13", "0/14", "2/65"]
    assert lines[4].split()[:7] == ["Ana", "1/12", "2/13", "0/13", "0/13", "0/14", "3/65"]
    assert lines[5].split() == ["Ben", "0/12", "0/13", "0/13", "0/13", "0/14", "0/65", "-"]
    assert lines[7] == "Open disagreements (a spread of 2 levels or more with nothing agreed), widest first:"
    assert lines[8].split() == ["Question", "Domain", "Spread", "Median", "Votes"]
    assert lines[9].split()[:4] == ["BIA-01", "BIA", "2", "1"]
    assert lines[9].endswith("2 votes: 1 at level 1, 1 at level 3")
    assert len(lines) == 10  # BIA-02 disagreed too, but it was agreed: settled, not open


def test_workshop_status_as_json_gives_the_same_figures(
    tmp_path: Path, monkeypatch: pytest.MonkeyPatch, capsys: pytest.CaptureFixture[str]
) -> None:
    _workshop_database(tmp_path, monkeypatch)
    assert main(["workshop", "status", "1", "--format", "json"]) == 0
    document = json.loads(capsys.readouterr().out)
    assert document["assessment"] == {"id": 1, "organisation": "Harbour Retail", "label": "FY2026"}
    assert (document["mode"], document["open_question"], document["hidden_votes"]) == ("self_paced", None, [])
    people = {person["name"]: person for person in document["participants"]}
    assert list(people) == ["Manager", "Ana", "Ben"]
    assert people["Ben"] == {
        "name": "Ben",
        "answered": 0,
        "total": 65,
        "last_answered_at": None,
        "domains": [
            {"id": "RISK", "answered": 0, "total": 12},
            {"id": "BIA", "answered": 0, "total": 13},
            {"id": "REC", "answered": 0, "total": 13},
            {"id": "TEST", "answered": 0, "total": 13},
            {"id": "GOV", "answered": 0, "total": 14},
        ],
    }
    assert [(d["id"], d["answered"]) for d in people["Ana"]["domains"][:2]] == [("RISK", 1), ("BIA", 2)]
    assert people["Ana"]["last_answered_at"].endswith("+00:00")
    assert document["disagreement_spread"] == 2
    assert document["open_disagreements"] == [
        {
            "question_id": "BIA-01",
            "domain": "BIA",
            "spread": 2,
            "median": 1,
            "votes": {"1": 1, "2": 0, "3": 1, "4": 0, "5": 0},
            "na_votes": 0,
        }
    ]


def test_workshop_status_keeps_the_votes_on_the_open_question_hidden_until_they_are_revealed(
    tmp_path: Path, monkeypatch: pytest.MonkeyPatch, capsys: pytest.CaptureFixture[str]
) -> None:
    from questionnaires.catalog import get_questionnaire
    from storage import connect
    from storage.workshop import open_item, reveal, set_mode

    _workshop_database(tmp_path, monkeypatch)
    db = connect()
    set_mode(db, 1, "facilitated", by="Kim")
    open_item(db, get_questionnaire("itscm", "2026.1"), 1, "BIA-01", by="Kim")
    assert main(["workshop", "status", "1", "--format", "json"]) == 0
    hidden = json.loads(capsys.readouterr().out)
    assert hidden["open_question"] == {
        "id": "BIA-01",
        "round": 1,
        "revealed": False,
        "answered": 2,
        "respondents": 3,
        "waiting": ["Ben"],
    }
    assert hidden["open_disagreements"] == [] and hidden["hidden_votes"] == ["BIA-01"]
    assert main(["workshop", "status", "1"]) == 0
    table = capsys.readouterr().out
    assert "Open: BIA-01 (round 1, votes hidden): 2 of 3 answered; waiting for Ben." in table
    assert "Votes on BIA-01 stay hidden until the facilitator reveals them." in table
    assert not any(line.startswith("BIA-01") for line in table.splitlines())

    reveal(db, 1, "BIA-01")
    assert main(["workshop", "status", "1", "--format", "json"]) == 0
    revealed = json.loads(capsys.readouterr().out)
    assert [d["question_id"] for d in revealed["open_disagreements"]] == ["BIA-01"]
    assert revealed["hidden_votes"] == []


def test_workshop_status_of_an_assessment_with_nobody_yet_says_how_to_invite_people(
    tmp_path: Path, monkeypatch: pytest.MonkeyPatch, capsys: pytest.CaptureFixture[str]
) -> None:
    from datetime import date

    from questionnaires.catalog import get_questionnaire
    from storage import connect, create_assessment, create_organisation

    monkeypatch.setenv("ITSCM_DB", str(tmp_path / "empty.db"))
    db = connect()
    organisation = create_organisation(db, "Quiet Ltd", "Retail", "250-999 employees", "Europe")
    create_assessment(db, organisation.id, get_questionnaire("itscm", "2026.1"), "FY2026", date(2026, 1, 15))
    assert main(["workshop", "status", "1"]) == 0
    out = capsys.readouterr().out
    assert "No participants yet; make a link for each with `python cli.py links create 1 --respondent NAME`." in out
    assert "No open disagreements (a spread of 2 levels or more with nothing agreed)." in out


def test_workshop_status_of_an_unknown_assessment_is_one_line_and_exit_1(
    tmp_path: Path, monkeypatch: pytest.MonkeyPatch, capsys: pytest.CaptureFixture[str]
) -> None:
    monkeypatch.setenv("ITSCM_DB", str(tmp_path / "live.db"))
    assert main(["workshop", "status", "7"]) == 1
    captured = capsys.readouterr()
    assert captured.out == ""
    assert captured.err == "error: No assessment with id 7; pick one from the list of assessments.\n"


# report: the executive report of one assessment as Word or PDF


@pytest.mark.parametrize("name", ["board.docx", "board.pdf"])
def test_report_writes_the_executive_report_as_word_or_pdf(
    tmp_path: Path, monkeypatch: pytest.MonkeyPatch, capsys: pytest.CaptureFixture[str], name: str
) -> None:
    from docx import Document

    _database_with_one_assessment(tmp_path, monkeypatch)
    target = tmp_path / "exports" / name
    assert main(["report", "1", str(target)]) == 0
    assert capsys.readouterr().out == f"Wrote the executive report of Harbour Retail FY2026 to {target}\n"
    data = target.read_bytes()
    if name.endswith(".pdf"):
        assert data.startswith(b"%PDF")
    else:
        assert any("Harbour Retail" in p.text for p in Document(str(target)).paragraphs)


@pytest.mark.sqlite_only
@pytest.mark.parametrize("target", ["itscm.xlsx", "./sub/../itscm.xlsx", "itscm.xlsx-wal", "itscm.xlsx-shm"])
def test_report_never_writes_onto_the_database_or_its_wal_and_shm_files_even_with_overwrite(
    tmp_path: Path, monkeypatch: pytest.MonkeyPatch, capsys: pytest.CaptureFixture[str], target: str
) -> None:
    live = _database_with_one_assessment(tmp_path, monkeypatch)
    before = live.read_bytes()
    assert main(["report", "1", target, "--overwrite"]) == 1
    assert capsys.readouterr().err.startswith(f"error: {target} is the database")
    assert live.read_bytes() == before


def test_report_overwrites_an_existing_file_only_when_told_to(
    tmp_path: Path, monkeypatch: pytest.MonkeyPatch, capsys: pytest.CaptureFixture[str]
) -> None:
    _database_with_one_assessment(tmp_path, monkeypatch)
    existing = tmp_path / "board.pdf"
    existing.write_text("keep me")
    assert main(["report", "1", str(existing)]) == 1
    err = capsys.readouterr().err
    assert err == f"error: {existing} already exists; give another file name, or add --overwrite to replace it.\n"
    assert existing.read_text() == "keep me"
    assert main(["report", "1", str(existing), "--overwrite"]) == 0
    assert existing.read_bytes().startswith(b"%PDF")


@pytest.mark.parametrize(
    ("argv", "message"),
    [
        (
            ["report", "1", "board.xlsx"],
            "error: board.xlsx: the executive report is Word or PDF; give a file name ending in .docx or .pdf.\n",
        ),
        (["report", "7", "board.pdf"], "error: No assessment with id 7; pick one from the list of assessments.\n"),
    ],
)
def test_report_refuses_another_format_or_an_unknown_assessment_in_one_line(
    tmp_path: Path, monkeypatch: pytest.MonkeyPatch, capsys: pytest.CaptureFixture[str], argv: list[str], message: str
) -> None:
    _database_with_one_assessment(tmp_path, monkeypatch)
    assert main(argv) == 1
    captured = capsys.readouterr()
    assert captured.err == message
    assert not (tmp_path / argv[2]).exists()


# benchmark and benchmark-pack


def _benchmark_installation(tmp_path: Path, monkeypatch: pytest.MonkeyPatch, peer_levels: tuple[int, ...]) -> int:
    """Point ITSCM_DB at a new database: a subject answering 3 everywhere and one peer per level; return its id."""
    from datetime import date

    from questionnaires.catalog import get_questionnaire
    from storage import (
        connect,
        create_assessment,
        create_organisation,
        get_or_create_respondent,
        save_answer,
        set_assessment_status,
    )

    monkeypatch.setenv("ITSCM_DB", str(tmp_path / "bench.db"))
    questionnaire = get_questionnaire("itscm", "2026.1")
    db = connect()
    ids = []
    for n, level in enumerate((3, *peer_levels)):
        org = create_organisation(db, f"Secretco {n}", "Retail", "250-999 employees", "Europe")
        assessment = create_assessment(db, org.id, questionnaire, "FY2026", date(2026, 3, 1))
        person = get_or_create_respondent(db, assessment.id, "Manager")
        for question in questionnaire.questions:
            save_answer(db, questionnaire, assessment.id, person.id, question.id, level)
        set_assessment_status(db, assessment.id, "completed")
        ids.append(assessment.id)
    return ids[0]


def test_benchmark_with_four_peers_shows_no_figures(
    tmp_path: Path, monkeypatch: pytest.MonkeyPatch, capsys: pytest.CaptureFixture[str]
) -> None:
    subject = _benchmark_installation(tmp_path, monkeypatch, (1, 2, 4, 5))
    assert main(["benchmark", str(subject), "--format", "json"]) == 0
    document = json.loads(capsys.readouterr().out)
    assert document["peers"] == 4 and document["shown"] is False and document["needed"] == 1
    assert document["overall"]["percentile"] is None and document["domains"] == []
    assert main(["benchmark", str(subject)]) == 0
    assert "1 more peer organisation(s) needed" in capsys.readouterr().out


def test_benchmark_with_five_peers_gives_hand_computed_figures_and_no_names(
    tmp_path: Path, monkeypatch: pytest.MonkeyPatch, capsys: pytest.CaptureFixture[str]
) -> None:
    subject = _benchmark_installation(tmp_path, monkeypatch, (1, 2, 4, 4, 5))
    assert main(["benchmark", str(subject), "--format", "json", "--industry", "Retail"]) == 0
    out = capsys.readouterr().out
    assert "Secretco" not in out
    document = json.loads(out)
    assert document["shown"] is True and document["peers"] == 5
    # 3 against 1, 2, 4, 4, 5: 2 below -> 40; quartiles 2 and 4, median 4.
    assert document["overall"] == {"percentile": 40.0, "median": 4.0, "q1": 2.0, "q3": 4.0, "score": 3.0}
    assert [d["domain_id"] for d in document["domains"]] == ["RISK", "BIA", "REC", "TEST", "GOV"]
    assert main(["benchmark", str(subject), "--industry", "Healthcare", "--format", "json"]) == 0
    assert json.loads(capsys.readouterr().out)["peers"] == 0


def test_benchmark_pack_export_and_import_between_installations(
    tmp_path: Path, monkeypatch: pytest.MonkeyPatch, capsys: pytest.CaptureFixture[str]
) -> None:
    _benchmark_installation(tmp_path, monkeypatch, (1, 2, 4, 5))
    pack = tmp_path / "pack.csv"
    assert main(["benchmark-pack", "export", str(pack)]) == 0
    assert "5 peer organisations" in capsys.readouterr().out
    assert "Secretco" not in pack.read_text()
    monkeypatch.setenv("ITSCM_DB", str(tmp_path / "other.db"))
    assert main(["benchmark-pack", "import", str(pack), "--source", "Partner"]) == 0
    assert "Imported 5 peer organisations from Partner" in capsys.readouterr().out
    assert main(["benchmark-pack", "import", str(pack), "--source", "Again"]) == 1
    assert "already imported from Partner" in capsys.readouterr().err


def test_benchmark_pack_import_lists_row_numbered_problems_and_imports_nothing(
    tmp_path: Path, monkeypatch: pytest.MonkeyPatch, capsys: pytest.CaptureFixture[str]
) -> None:
    monkeypatch.setenv("ITSCM_DB", str(tmp_path / "empty.db"))
    pack = tmp_path / "bad.csv"
    pack.write_text(
        "questionnaire_id,industry,size_band,region,year,overall\nitscm,Retail,250-999 employees,Moon,2025,3\n"
    )
    assert main(["benchmark-pack", "import", str(pack), "--source", "Partner"]) == 1
    err = capsys.readouterr().err
    assert "nothing was imported" in err and "row 2: region 'Moon'" in err
    assert "Traceback" not in err


# trend


def _trend_database(tmp_path: Path, monkeypatch: pytest.MonkeyPatch, years: tuple[str, ...]) -> None:
    """Acme (organisation 1) with one assessment per label in `years`, every question of a domain at the same level.

    FY2025: RISK 1, the rest 2. FY2026: RISK 3, BIA 1, the rest 2; FY2025's step of TEST-01 to 3 is marked done.
    """
    from datetime import date

    from questionnaires.catalog import get_questionnaire
    from storage import (
        connect,
        create_assessment,
        create_organisation,
        get_or_create_respondent,
        save_answer,
        save_roadmap_item,
    )

    levels = {"FY2025": {"RISK": 1}, "FY2026": {"RISK": 3, "BIA": 1}}
    monkeypatch.setenv("ITSCM_DB", str(tmp_path / "trend.db"))
    questionnaire = get_questionnaire("itscm", "2026.1")
    db = connect()
    organisation = create_organisation(db, "Acme", "Retail", "250-999 employees", "Europe")
    for label in years:
        assessment = create_assessment(db, organisation.id, questionnaire, label, date(int(label[2:]), 3, 31))
        person = get_or_create_respondent(db, assessment.id, "Manager")
        for question in questionnaire.questions:
            level = levels[label].get(question.domain, 2)
            save_answer(db, questionnaire, assessment.id, person.id, question.id, level)
        if label == "FY2025":
            save_roadmap_item(db, questionnaire, assessment.id, "TEST-01", 3, status="done")


def test_trend_prints_score_and_stage_by_period_and_the_changes_against_the_previous_assessment(
    tmp_path: Path, monkeypatch: pytest.MonkeyPatch, capsys: pytest.CaptureFixture[str]
) -> None:
    _trend_database(tmp_path, monkeypatch, ("FY2025", "FY2026"))
    assert main(["trend", "1"]) == 0
    lines = capsys.readouterr().out.splitlines()
    assert lines[0] == "Acme: 2 assessment(s) on itscm."
    assert lines[2] == "Score (stage) by period:"
    assert lines[3].split() == ["Period", "Date", "Version", "Overall", "RISK", "BIA", "REC", "TEST", "GOV"]
    assert lines[4].split()[:4] == ["FY2025", "2025-03-31", "2026.1", "1.80"]
    assert lines[4].split()[5:7] == ["1.00", "(1)"]
    assert lines[5].split()[5:9] == ["3.00", "(3)", "1.00", "(1)"]
    assert lines[7] == "FY2026 against FY2025:"
    rows = {line.split("  ")[0]: line.split() for line in lines[9:15]}
    assert rows["Risk assessment"][-6:] == ["+2.00", "+2", "improved", "12", "0", "0"]
    assert rows["Business impact analysis"][-6:] == ["-1.00", "-1", "declined", "0", "13", "0"]
    assert rows["Recovery strategies"][-6:] == ["+0.00", "0", "unchanged", "0", "0", "13"]
    # FY2025's RISK steps to 2 and 3 were reached; TEST-01's step to 3 was marked done.
    assert lines[15] == "Roadmap steps completed: 25 (1 marked done, 24 with the level reached)."


def test_trend_as_json_gives_the_periods_and_each_ones_changes(
    tmp_path: Path, monkeypatch: pytest.MonkeyPatch, capsys: pytest.CaptureFixture[str]
) -> None:
    _trend_database(tmp_path, monkeypatch, ("FY2025", "FY2026"))
    assert main(["trend", "1", "--format", "json"]) == 0
    document = json.loads(capsys.readouterr().out)
    assert document["organisation"] == {"id": 1, "name": "Acme", "illustrative": False}
    assert [(p["label"], p["overall"]["stage"]) for p in document["periods"]] == [("FY2025", 1), ("FY2026", 1)]
    assert document["periods"][1]["domains"][0] == {
        "id": "RISK",
        "name": "Risk assessment",
        "score": 3.0,
        "stage": 3,
        "target": 3,
    }
    [change] = document["changes"]
    assert (change["from"], change["to"]) == ("FY2025", "FY2026")
    risk = change["domains"][0]
    assert (risk["direction"], risk["score_change"], risk["stage_change"]) == ("improved", 2.0, 2)
    practices = {p["id"]: p for p in change["practices"]}
    assert practices["RISK-01"] == {"id": "RISK-01", "domain": "RISK", "from": 1, "to": 3, "direction": "improved"}
    assert practices["BIA-01"]["direction"] == "declined"
    assert "REC-01" not in practices  # unchanged practices are counted, not listed
    assert {"id": "TEST-01", "to_level": 3, "marked_done": True, "reached": False} in change["completed_steps"]
    assert document["questions_in_one_version_only"] == [] and document["left_out"] == []


def test_trend_of_one_assessment_says_changes_need_two(
    tmp_path: Path, monkeypatch: pytest.MonkeyPatch, capsys: pytest.CaptureFixture[str]
) -> None:
    _trend_database(tmp_path, monkeypatch, ("FY2026",))
    assert main(["trend", "1"]) == 0
    out = capsys.readouterr().out
    assert "FY2026  2026-03-31" in out
    assert out.endswith("No earlier assessment to compare with: changes need two or more assessments.\n")


def test_trend_of_an_unknown_organisation_or_one_without_assessments_is_one_line_and_exit_1(
    tmp_path: Path, monkeypatch: pytest.MonkeyPatch, capsys: pytest.CaptureFixture[str]
) -> None:
    from storage import connect, create_organisation

    monkeypatch.setenv("ITSCM_DB", str(tmp_path / "live.db"))
    assert main(["trend", "7"]) == 1
    assert capsys.readouterr().err == "error: No organisation with id 7; pick one from the list of organisations.\n"
    create_organisation(connect(), "Quiet Ltd", "Retail", "250-999 employees", "Europe")
    assert main(["trend", "1", "--format", "json"]) == 1
    captured = capsys.readouterr()
    assert captured.out == ""
    assert captured.err.startswith("error: Quiet Ltd has no assessments yet; start one in the app")


# upgrade


def test_upgrade_copies_an_assessment_onto_the_next_version_and_lists_what_to_answer(
    tmp_path: Path, monkeypatch: pytest.MonkeyPatch, capsys: pytest.CaptureFixture[str]
) -> None:
    _trend_database(tmp_path, monkeypatch, ("FY2026",))
    assert main(["upgrade", "1", "--format", "json"]) == 0
    document = json.loads(capsys.readouterr().out)
    assert (document["assessment"], document["label"], document["questionnaire"]) == (
        2,
        "FY2026 (2026.2)",
        "itscm 2026.2",
    )
    assert document["answers_carried"] == len(document["questions_carried"]) > 50
    assert "REC-15" in document["questions_to_answer"] and "RISK-01" in document["questions_carried"]
    assert sorted(document["replaces"]["TEST-14"]) == ["GOV-11", "TEST-13"]
    assert main(["upgrade", "2"]) == 1
    assert "assessment 2 is on the newest one" in capsys.readouterr().err
    assert main(["upgrade", "1", "--label", "FY2026 (2026.2)"]) == 1
    err = capsys.readouterr().err
    assert "already has an assessment labelled 'FY2026 (2026.2)'" in err and "Traceback" not in err


def test_upgrade_as_text_names_the_questions_to_answer_and_what_they_replace(
    tmp_path: Path, monkeypatch: pytest.MonkeyPatch, capsys: pytest.CaptureFixture[str]
) -> None:
    _trend_database(tmp_path, monkeypatch, ("FY2026",))
    assert main(["upgrade", "1", "--label", "FY2026 new questions"]) == 0
    out = capsys.readouterr().out
    assert out.startswith("assessment 2: FY2026 new questions on itscm 2026.2, made from assessment 1 (FY2026)")
    assert "    REC-14 (replaces RISK-08, REC-05)" in out


def _planned_finding(tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> None:
    """Acme's FY2026 (assessment 1, on 2026.1) with a finding of its exercise log on its roadmap."""
    from datetime import date

    from evidence.model import Exercise, Finding
    from storage import connect
    from storage.evidence import save_log
    from storage.finding_items import list_findings, plan_finding

    _trend_database(tmp_path, monkeypatch, ("FY2026",))
    db = connect()
    finding = Finding("No call tree for HR", owner="Ben", due=date(2026, 1, 31))
    save_log(db, 1, (Exercise(date(2025, 10, 14), "tabletop", "Ransomware tabletop", findings=(finding,)),))
    plan_finding(db, 1, list_findings(db, 1)[0].key, by="ana@example.org")


def test_upgrade_moves_the_steps_made_from_findings_and_lists_them(
    tmp_path: Path, monkeypatch: pytest.MonkeyPatch, capsys: pytest.CaptureFixture[str]
) -> None:
    from storage import connect
    from storage.finding_items import list_finding_items

    _planned_finding(tmp_path, monkeypatch)
    assert main(["upgrade", "1"]) == 0
    out = capsys.readouterr().out
    assert "(FY2026), which is unchanged but for 1 roadmap step(s) made from findings, moved to the new one\n" in out
    assert (
        "  moved: From exercise 2025-10-14 tabletop: No call tree for HR (owner Ben, due 2026-01-31, planned)\n" in out
    )
    assert [i.assessment_id for i in list_finding_items(connect(), 2)] == [2]
    assert list_finding_items(connect(), 1) == ()


def test_upgrade_as_json_lists_the_steps_made_from_findings_it_moved(
    tmp_path: Path, monkeypatch: pytest.MonkeyPatch, capsys: pytest.CaptureFixture[str]
) -> None:
    from storage import connect
    from storage.finding_items import list_findings

    _planned_finding(tmp_path, monkeypatch)
    assert main(["upgrade", "1", "--format", "json"]) == 0
    document = json.loads(capsys.readouterr().out)
    assert document["finding_steps_moved"] == [
        {
            "finding_id": list_findings(connect(), 1)[0].key,
            "step": "From exercise 2025-10-14 tabletop: No call tree for HR",
            "owner": "Ben",
            "due_date": "2026-01-31",
            "status": "planned",
        }
    ]


def test_services_and_exercises_move_a_register_and_log_between_organisations_as_files(
    tmp_path: Path, monkeypatch: pytest.MonkeyPatch, capsys: pytest.CaptureFixture[str]
) -> None:
    from datetime import date

    from evidence.model import Exercise, Service, ServiceResult
    from storage import connect, create_organisation
    from storage.evidence import load_evidence, save_log, save_register

    monkeypatch.setenv("ITSCM_DB", str(tmp_path / "live.db"))
    db = connect()
    source = create_organisation(db, "Northwind", "Retail", "250-999 employees", "Europe")
    target = create_organisation(db, "Contoso", "Retail", "250-999 employees", "Europe")
    save_register(db, source.id, (Service("Payments", "=Ana", "critical", 8, 4, 0.5, 900.0, "EUR"),))
    save_log(db, source.id, (Exercise(date(2025, 5, 1), "failover", "DR", (ServiceResult("Payments", 3.0),)),))
    for kind, suffix in (("services", "csv"), ("exercises", "xlsx")):
        exported = tmp_path / f"{kind}.{suffix}"
        assert main([kind, "export", str(source.id), str(exported)]) == 0
        assert main([kind, "import", str(target.id), str(exported)]) == 0
    assert "Imported 1 exercise into the log of Contoso" in capsys.readouterr().out
    assert load_evidence(db, target.id) == load_evidence(db, source.id)


def test_services_and_exercises_imports_are_recorded_in_the_audit_log_with_their_counts(
    tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    from datetime import date

    from evidence.files import log_csv, register_csv
    from evidence.model import Exercise, Finding, Service, ServiceResult
    from storage import connect, create_organisation, list_audit

    monkeypatch.setenv("ITSCM_DB", str(tmp_path / "live.db"))
    db = connect()
    organisation = create_organisation(db, "Northwind", "Retail", "250-999 employees", "Europe")
    (tmp_path / "register.csv").write_bytes(register_csv((Service("Payments", "Ana", "critical", 8, 4, 0.5),)))
    log = (Exercise(date(2025, 5, 1), "failover", "DR", (ServiceResult("Payments", 3.0),), "", (Finding("Slow"),)),)
    (tmp_path / "log.csv").write_bytes(log_csv(log))
    assert main(["services", "import", str(organisation.id), str(tmp_path / "register.csv")]) == 0
    assert main(["exercises", "import", str(organisation.id), str(tmp_path / "log.csv")]) == 0
    entries = list_audit(db, organisation_id=organisation.id)
    assert [(e.action, e.detail) for e in entries] == [
        ("imported the log", "1 exercise, 1 finding from log.csv"),
        ("imported the register", "1 service from register.csv"),
    ]
    assert all(e.actor.startswith("command line (") for e in entries)


def test_services_import_lists_every_bad_row_and_imports_nothing(
    tmp_path: Path, monkeypatch: pytest.MonkeyPatch, capsys: pytest.CaptureFixture[str]
) -> None:
    from storage import connect, create_organisation
    from storage.evidence import load_evidence

    monkeypatch.setenv("ITSCM_DB", str(tmp_path / "live.db"))
    organisation = create_organisation(connect(), "Northwind", "Retail", "250-999 employees", "Europe")
    register = tmp_path / "register.csv"
    register.write_text(
        "name,tier,mtpd_hours,rto_hours,rpo_hours\nPayroll,standard,72,48,24\nPayments,critical,8,9,1\nWeb,gold,8,4,1\n"
    )
    assert main(["services", "import", str(organisation.id), str(register)]) == 1
    err = capsys.readouterr().err
    assert err.splitlines() == [
        f"error: {register}: nothing was imported; fix these rows:",
        "Row 3: RTO 9 h is above its MTPD of 8 h; an RTO must not exceed the MTPD: lower the RTO or raise the MTPD.",
        "Row 4: Tier 'gold' is not in the list; choose one of: critical, important, standard.",
    ]
    assert load_evidence(connect(), organisation.id).services == ()


@pytest.mark.parametrize(
    ("argv", "message"),
    [
        (["services", "export", "1", "{tmp}/register.txt"], "cannot tell the format from the name"),
        (["services", "export", "9", "{tmp}/register.csv"], "No organisation with id 9"),
        (
            ["exercises", "export", "1", "{tmp}/existing.csv"],
            "already exists; give another file name, or add --overwrite",
        ),
        (["exercises", "import", "1", "{tmp}/missing.xlsx"], "cannot read the file"),
    ],
)
def test_services_and_exercises_refuse_with_one_line_and_exit_1(
    tmp_path: Path, monkeypatch: pytest.MonkeyPatch, capsys: pytest.CaptureFixture[str], argv: list[str], message: str
) -> None:
    from storage import connect, create_organisation

    monkeypatch.setenv("ITSCM_DB", str(tmp_path / "live.db"))
    create_organisation(connect(), "Northwind", "Retail", "250-999 employees", "Europe")
    (tmp_path / "existing.csv").write_text("keep me")
    assert main([part.format(tmp=tmp_path) for part in argv]) == 1
    err = capsys.readouterr().err
    assert message in err and len(err.splitlines()) == 1 and "Traceback" not in err
    assert (tmp_path / "existing.csv").read_text() == "keep me"
