"""Benchmark packs: anonymised scores exported as CSV, imported whole or not at all, never counted twice."""

from __future__ import annotations

import csv
import io
from datetime import date
from pathlib import Path

import pytest
from sqlite_utils import Database

from exports.benchmark_pack import BenchmarkPackError, export_pack, import_pack, read_pack
from exports.report import load_report, peer_benchmark, peer_table
from questionnaires.catalog import get_questionnaire
from scoring import PeerFilter
from storage import (
    create_assessment,
    create_organisation,
    get_or_create_respondent,
    open_database,
    save_answer,
    set_assessment_status,
)
from storage.benchmark import list_benchmark_imports
from storage.errors import BenchmarkImportError
from storage.restore import RestoreError, check_backup

QUESTIONNAIRE = get_questionnaire("itscm", "2026.1")
FIRST_QUESTIONS = [QUESTIONNAIRE.questions_in(d.id)[0].id for d in QUESTIONNAIRE.domains]
HEADER = "questionnaire_id,industry,size_band,region,year,overall,RISK,BIA,REC,TEST,GOV"


def organisation(
    db: Database, name: str, level: int, *, industry: str = "Retail", when: date = date(2026, 1, 15)
) -> int:
    """An organisation with one completed assessment scoring `level` in every domain; returns its assessment id."""
    org = create_organisation(db, name, industry, "250-999 employees", "Europe")
    assessment = create_assessment(db, org.id, QUESTIONNAIRE, "FY2026", when)
    person = get_or_create_respondent(db, assessment.id, "Manager")
    for question_id in FIRST_QUESTIONS:
        save_answer(db, QUESTIONNAIRE, assessment.id, person.id, question_id, level)
    set_assessment_status(db, assessment.id, "completed")
    return assessment.id


def pack_line(level: float, *, industry: str = "Retail", year: int = 2025) -> str:
    return f"itscm,{industry},250-999 employees,Europe,{year},{level},{level},{level},{level},{level},{level}"


def pack(*lines: str) -> bytes:
    return "\n".join([HEADER, *lines]).encode("utf-8")


@pytest.fixture
def db(tmp_path: Path) -> Database:
    return open_database(tmp_path / "packs.db")


def test_export_holds_no_names_or_ids_and_only_groups_of_five_or_more(db: Database) -> None:
    for n in range(5):
        organisation(db, f"Secret Retailer {n}", 1 + n % 5)
    for n in range(4):
        organisation(db, f"Hidden Bank {n}", 3, industry="Financial services")
    raw = export_pack(db)
    text = raw.decode("utf-8")
    assert "Secret" not in text and "Hidden" not in text
    rows = list(csv.DictReader(io.StringIO(text)))
    assert list(rows[0]) == HEADER.split(",")
    # The 4 banks form a group under 5: none of them is written.
    assert len(rows) == 5
    assert {r["industry"] for r in rows} == {"Retail"}
    assert sorted(float(r["overall"]) for r in rows) == [1.0, 2.0, 3.0, 4.0, 5.0]
    assert not any("id" in column and column != "questionnaire_id" for column in rows[0])


def test_an_exported_pack_reads_back_and_imports_into_another_installation(db: Database, tmp_path: Path) -> None:
    for n in range(5):
        organisation(db, f"Org {n}", 1 + n)
    other = open_database(tmp_path / "other.db")
    subject = organisation(other, "Only client", 3)
    record = import_pack(other, export_pack(db), "Partner installation")
    assert record.row_count == 5
    result = peer_benchmark(other, load_report(other, subject))
    assert result.available and result.n == 5
    assert result.sources == (("Partner installation", 5),)
    assert result.figure("overall").percentile_rank == pytest.approx(50.0)


def test_import_reports_every_problem_with_its_row_number_and_imports_nothing(db: Database) -> None:
    raw = pack(
        pack_line(2),
        pack_line(3),
        "itscm,Retail,250-999 employees,Mars,2025,3,3,3,3,3,3",
        pack_line(9),
        "itscm,Retail,250-999 employees,Europe,last year,3,3,3,3,3,3",
        pack_line(4),
    )
    with pytest.raises(BenchmarkPackError) as raised:
        import_pack(db, raw, "Peer survey", "survey.csv")
    problems = raised.value.problems
    assert any(p.startswith("row 4: region 'Mars'") for p in problems)
    assert any(p.startswith("row 5: overall '9'") for p in problems)
    assert any(p.startswith("row 6: year 'last year'") for p in problems)
    assert "survey.csv: nothing was imported" in str(raised.value)
    assert list_benchmark_imports(db) == ()
    assert db.execute("SELECT COUNT(*) FROM benchmark_pack_rows").fetchone()[0] == 0


def test_an_unknown_column_is_reported_at_the_header_row(db: Database) -> None:
    raw = b"questionnaire_id,industry,size_band,region,year,overall,organisation_name\n"
    with pytest.raises(BenchmarkPackError, match=r"row 1 \(header\): column\(s\) organisation_name"):
        read_pack(raw)


def test_a_pack_with_a_group_under_five_is_refused(db: Database) -> None:
    raw = pack(*(pack_line(level) for level in (1, 2, 3, 4)))
    with pytest.raises(BenchmarkPackError, match=r"row 2: its group .* has 4 row"):
        import_pack(db, raw, "Peer survey")


def test_the_same_pack_twice_is_refused_even_reordered_and_under_another_source(db: Database) -> None:
    lines = [pack_line(level) for level in (1, 2, 3, 4, 5)]
    import_pack(db, pack(*lines), "Peer survey")
    with pytest.raises(BenchmarkImportError, match="already imported from Peer survey"):
        import_pack(db, pack(*reversed(lines)), "Another name")
    assert len(list_benchmark_imports(db)) == 1


def test_imported_peers_count_towards_five_and_are_labelled_by_source(db: Database) -> None:
    subject = organisation(db, "Client", 3)
    for n in range(3):
        organisation(db, f"Local {n}", 2 + n)
    assert not peer_benchmark(db, load_report(db, subject)).available
    import_pack(db, pack(*(pack_line(level) for level in (1, 2, 3, 4, 5))), "Peer survey")
    result = peer_benchmark(db, load_report(db, subject))
    assert result.available and result.n == 8
    assert dict(result.sources) == {"This installation": 3, "Peer survey": 5}


def test_a_period_narrows_imported_and_local_peers_alike(db: Database) -> None:
    subject = organisation(db, "Client", 3)
    import_pack(db, pack(*(pack_line(level, year=2021) for level in (1, 2, 3, 4, 5))), "Old survey")
    report = load_report(db, subject)
    assert peer_benchmark(db, report, PeerFilter(year_from=2021, year_to=2021)).n == 5
    assert peer_benchmark(db, report, PeerFilter(year_from=2024)).n == 0


def test_peer_statistics_follow_a_change_to_a_peers_answers(db: Database) -> None:
    subject = organisation(db, "Client", 3)
    peers = [organisation(db, f"Peer {n}", 1) for n in range(5)]
    report = load_report(db, subject)
    assert peer_benchmark(db, report).figure("overall").percentile_rank == 100.0
    person = get_or_create_respondent(db, peers[0], "Manager")
    for question_id in FIRST_QUESTIONS:
        save_answer(db, QUESTIONNAIRE, peers[0], person.id, question_id, 5)
    # 4 below, none level, 1 above: 80.
    assert peer_benchmark(db, report).figure("overall").percentile_rank == pytest.approx(80.0)


def test_formula_like_text_is_written_safely_and_read_back(db: Database) -> None:
    assert read_pack(pack(*(pack_line(level) for level in (1, 2, 3, 4, 5)))).organisations == 5
    raw = pack(*("'" + pack_line(level) for level in (1, 2, 3, 4, 5)))
    with pytest.raises(BenchmarkPackError, match="row 2: questionnaire_id"):
        read_pack(raw)


@pytest.mark.sqlite_only
def test_a_backup_with_imported_packs_passes_the_restore_check(db: Database, tmp_path: Path) -> None:
    import_pack(db, pack(*(pack_line(level) for level in (1, 2, 3, 4, 5))), "Peer survey")
    backup = tmp_path / "backup.db"
    db.execute("VACUUM INTO ?", [str(backup)])
    checked = check_backup(backup)
    assert checked is not None


@pytest.mark.sqlite_only
def test_a_stored_pack_score_out_of_range_is_named_by_the_restore_check(db: Database, tmp_path: Path) -> None:
    import_pack(db, pack(*(pack_line(level) for level in (1, 2, 3, 4, 5))), "Peer survey")
    db.execute("UPDATE benchmark_pack_rows SET score = 500 WHERE id = 1")
    db.conn.commit()
    backup = tmp_path / "bad.db"
    db.execute("VACUUM INTO ?", [str(backup)])
    with pytest.raises(RestoreError, match="benchmark_pack_rows row 1: score 500"):
        check_backup(backup)


def test_peer_scores_are_kept_until_a_completed_assessment_or_a_pack_changes(db: Database) -> None:
    for n in range(5):
        organisation(db, f"Peer {n}", 2)
    org = create_organisation(db, "Busy client", "Retail", "250-999 employees", "Europe")
    busy = create_assessment(db, org.id, QUESTIONNAIRE, "FY2026", date(2026, 2, 1))
    person = get_or_create_respondent(db, busy.id, "Manager")
    kept = peer_table(db, "itscm")
    assert peer_table(db, "itscm") is kept
    # Answering an assessment in progress changes no peer: the table is kept.
    save_answer(db, QUESTIONNAIRE, busy.id, person.id, FIRST_QUESTIONS[0], 4)
    assert peer_table(db, "itscm") is kept
    set_assessment_status(db, busy.id, "completed")
    changed = peer_table(db, "itscm")
    assert changed is not kept and len(changed) == 6
    import_pack(db, pack(*(pack_line(level) for level in (1, 2, 3, 4, 5))), "Peer survey")
    assert len(peer_table(db, "itscm")) == 11
