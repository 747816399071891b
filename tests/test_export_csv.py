"""CSV exports: formula-like text neutralised, quoting that survives any comment, numbers equal to the report's."""

from __future__ import annotations

import csv
import io
from collections.abc import Iterator
from datetime import date
from pathlib import Path

import pytest
from sqlite_utils import Database

from demo.data import load_demo_data
from exports.answers_csv import AnswersCsvError, read_answers_csv
from exports.csv_export import (
    answers_csv,
    answers_csv_bytes,
    answers_csv_for_scoring,
    results_csv,
    results_csv_bytes,
)
from exports.report import AssessmentReport, load_report
from questionnaires.catalog import get_questionnaire
from questionnaires.model import Questionnaire
from scoring import score_assessment
from storage import (
    add_respondent,
    create_assessment,
    create_organisation,
    open_database,
    save_answer,
    set_consensus,
    set_target,
)

FORMULA_LIKE = ["=1+1", "+1", "-1", "@x", "\t=1", "\r=1"]
ANSWER_HEADER = [
    "organisation",
    "assessment",
    "questionnaire_id",
    "questionnaire_version",
    "respondent",
    "question_id",
    "domain",
    "level",
    "comment",
    "evidence",
    "evidence_date",
    "updated_at",
]
RESULT_HEADER = ["id", "name", "score", "stage", "completeness", "target", "gap", "provisional"]


@pytest.fixture(scope="module")
def questionnaire() -> Questionnaire:
    return get_questionnaire("itscm", "2026.1")


@pytest.fixture
def db(tmp_path: Path) -> Iterator[Database]:
    database = open_database(tmp_path / "csv.db")
    yield database
    database.close()


def _start(db: Database, questionnaire: Questionnaire, organisation: str = "Northwind Bank") -> int:
    created = create_organisation(db, organisation, "Financial services", "250-999 employees", "Europe")
    return create_assessment(db, created.id, questionnaire, "FY2026", date(2026, 3, 31)).id


def _report_with_comment(db: Database, questionnaire: Questionnaire, text: str) -> AssessmentReport:
    """An assessment whose only answer carries `text` as its comment and its evidence."""
    assessment_id = _start(db, questionnaire)
    respondent = add_respondent(db, assessment_id, "Ann")
    question = questionnaire.questions[0]
    save_answer(db, questionnaire, assessment_id, respondent.id, question.id, 3, comment=text, evidence=text)
    return load_report(db, assessment_id)


def _rows(text: str) -> list[list[str]]:
    return list(csv.reader(io.StringIO(text, newline="")))


def _records(text: str) -> list[dict[str, str]]:
    return list(csv.DictReader(io.StringIO(text, newline="")))


@pytest.mark.parametrize("text", FORMULA_LIKE)
def test_formula_like_comment_and_evidence_come_out_prefixed_with_a_quote(
    db: Database, questionnaire: Questionnaire, text: str
) -> None:
    [row] = _records(answers_csv(_report_with_comment(db, questionnaire, text)))
    assert row["comment"] == "'" + text
    assert row["evidence"] == "'" + text


@pytest.mark.parametrize("name", ['=HYPERLINK("http://x")', "+44 20 7946 0000", "-Ops-", "@risk"])
def test_formula_like_organisation_and_respondent_names_come_out_prefixed_with_a_quote(
    db: Database, questionnaire: Questionnaire, name: str
) -> None:
    assessment_id = _start(db, questionnaire, organisation=name)
    respondent = add_respondent(db, assessment_id, name)
    save_answer(db, questionnaire, assessment_id, respondent.id, questionnaire.questions[0].id, 2)
    [row] = _records(answers_csv(load_report(db, assessment_id)))
    assert row["organisation"] == "'" + name
    assert row["respondent"] == "'" + name


@pytest.mark.parametrize("text", ["Plan reviewed in 2025 (v2)", "Owner: J. Smith", "1+1=2", "'quoted'", "Ünïcødé ✓"])
def test_ordinary_text_comes_out_unchanged(db: Database, questionnaire: Questionnaire, text: str) -> None:
    [row] = _records(answers_csv(_report_with_comment(db, questionnaire, text)))
    assert row["comment"] == text
    assert row["evidence"] == text


def test_a_comment_with_commas_quotes_and_line_breaks_round_trips_through_csv_reader(
    db: Database, questionnaire: Questionnaire
) -> None:
    text = 'Tested in May, "partly"; see\nrunbook 7\r\nand page 2'
    [header, row] = _rows(answers_csv(_report_with_comment(db, questionnaire, text)))
    assert row[header.index("comment")] == text
    assert row[header.index("evidence")] == text


def test_answers_csv_has_the_documented_header_and_one_row_per_respondent_and_question_with_content(
    db: Database, questionnaire: Questionnaire
) -> None:
    assessment_id = _start(db, questionnaire)
    ann = add_respondent(db, assessment_id, "Ann", "Continuity manager")
    bob = add_respondent(db, assessment_id, "Bob")
    na_question = next(q for q in questionnaire.questions if q.na_allowed)
    first, second, third = [q for q in questionnaire.questions if q.id != na_question.id][:3]
    save_answer(db, questionnaire, assessment_id, ann.id, first.id, 4, evidence="Policy v3")
    save_answer(db, questionnaire, assessment_id, ann.id, na_question.id, None, na=True, comment="No such site")
    save_answer(db, questionnaire, assessment_id, bob.id, first.id, 2)
    save_answer(db, questionnaire, assessment_id, bob.id, second.id, None, comment="Not sure yet")
    # Answered, then cleared: nothing left to export.
    save_answer(db, questionnaire, assessment_id, bob.id, third.id, 3)
    save_answer(db, questionnaire, assessment_id, bob.id, third.id, None)
    report = load_report(db, assessment_id)

    rows = _rows(answers_csv(report))

    assert rows[0] == ANSWER_HEADER
    records = [dict(zip(rows[0], row, strict=True)) for row in rows[1:]]
    got = sorted((r["respondent"], r["question_id"], r["level"], r["comment"], r["evidence"]) for r in records)
    assert got == sorted(
        [
            ("Ann", first.id, "4", "", "Policy v3"),
            ("Ann", na_question.id, "na", "No such site", ""),
            ("Bob", first.id, "2", "", ""),
            ("Bob", second.id, "", "Not sure yet", ""),
        ]
    )
    stored = {(a.respondent_id, a.question_id): a for a in report.answers}
    names = {ann.id: "Ann", bob.id: "Bob"}
    for record in records:
        assert record["organisation"] == "Northwind Bank"
        assert record["assessment"] == "FY2026"
        assert (record["questionnaire_id"], record["questionnaire_version"]) == ("itscm", "2026.1")
        assert record["domain"] == questionnaire.question(record["question_id"]).domain
        respondent_id = next(i for i, name in names.items() if name == record["respondent"])
        updated_at = stored[(respondent_id, record["question_id"])].updated_at
        assert updated_at is not None
        assert record["updated_at"] == updated_at.isoformat()


def test_csv_bytes_start_with_a_byte_order_mark_and_end_lines_with_crlf(
    db: Database, questionnaire: Questionnaire
) -> None:
    report = _report_with_comment(db, questionnaire, "Büro, Zürich")
    for raw, text in (
        (answers_csv_bytes(report), answers_csv(report)),
        (results_csv_bytes(report), results_csv(report)),
    ):
        assert raw.startswith(b"\xef\xbb\xbf")
        assert raw.decode("utf-8-sig") == text
        assert text.endswith("\r\n")
        assert text.count("\r\n") == len(_rows(text))


def _check_results(report: AssessmentReport) -> None:
    rows = _rows(results_csv(report))
    assert rows[0] == RESULT_HEADER
    records = [dict(zip(rows[0], row, strict=True)) for row in rows[1:]]
    assert [r["id"] for r in records] == [d.domain_id for d in report.score.domains] + ["overall"]

    def number(text: str, kind: type[int] | type[float]) -> float | None:
        return None if text == "" else kind(text)

    for record, domain in zip(records, report.score.domains, strict=False):
        assert record["name"] == domain.name
        assert number(record["score"], float) == domain.score
        assert number(record["stage"], int) == domain.stage
        assert float(record["completeness"]) == domain.completeness
        assert int(record["target"]) == domain.target
        assert number(record["gap"], int) == domain.gap
        assert record["provisional"] == str(domain.provisional).lower()
    overall = records[-1]
    assert number(overall["score"], float) == report.score.overall.score
    assert number(overall["stage"], int) == report.score.overall.stage
    assert float(overall["completeness"]) == report.score.overall.completeness
    assert (overall["target"], overall["gap"]) == ("", "")
    assert overall["provisional"] == str(report.score.overall.provisional).lower()


def test_results_csv_numbers_equal_the_reports_for_every_demo_assessment(
    db: Database, questionnaire: Questionnaire
) -> None:
    load_demo_data(db, questionnaire)
    ids = [row["id"] for row in db.query("SELECT id FROM assessments ORDER BY id")]
    assert ids
    for assessment_id in ids:
        _check_results(load_report(db, assessment_id))


def test_results_csv_leaves_the_cells_of_an_unanswered_domain_empty(db: Database, questionnaire: Questionnaire) -> None:
    assessment_id = _start(db, questionnaire)
    respondent = add_respondent(db, assessment_id, "Ann")
    domain = questionnaire.domains[0]
    for question in questionnaire.questions_in(domain.id):
        save_answer(db, questionnaire, assessment_id, respondent.id, question.id, 2)
    set_target(db, questionnaire, assessment_id, domain.id, 4)
    report = load_report(db, assessment_id)

    records = _records(results_csv(report))

    by_id = {r["id"]: r for r in records}
    assert (by_id[domain.id]["score"], by_id[domain.id]["stage"], by_id[domain.id]["gap"]) == ("2.0", "2", "2")
    unanswered = by_id[questionnaire.domains[1].id]
    assert (unanswered["score"], unanswered["stage"], unanswered["gap"], unanswered["completeness"]) == (
        "",
        "",
        "",
        "0.0",
    )
    assert (by_id["overall"]["stage"], by_id["overall"]["provisional"]) == ("", "true")
    _check_results(report)


def test_the_scoring_columns_are_read_by_the_cli_reader_and_score_the_same(
    db: Database, questionnaire: Questionnaire
) -> None:
    assessment_id = _start(db, questionnaire)
    people = [add_respondent(db, assessment_id, name) for name in ("Ann", "=Bob", "Chris, Jr.")]
    for index, question in enumerate(questionnaire.questions):
        for offset, person in enumerate(people):
            if question.na_allowed and offset == 0:
                save_answer(db, questionnaire, assessment_id, person.id, question.id, None, na=True)
            elif (index + offset) % 4:
                level = (index * 7 + offset * 3) % 5 + 1
                save_answer(db, questionnaire, assessment_id, person.id, question.id, level, comment=f"-note {index}")
            elif offset == 1:
                save_answer(db, questionnaire, assessment_id, person.id, question.id, None, comment="comment only")
    report = load_report(db, assessment_id)

    text = answers_csv_for_scoring(report)
    read = read_answers_csv(text.encode("utf-8-sig"), questionnaire)

    assert _rows(text)[0] == ["question_id", "level", "respondent", "comment"]
    rescored = score_assessment(questionnaire, [answer.response for answer in read])
    assert rescored.overall == report.score.overall
    assert rescored.domains == report.score.domains
    assert {answer.response.respondent for answer in read} == {"Ann", "'=Bob", "Chris, Jr."}
    # The reader keeps the quote that neutralised each formula-like comment.
    read_comments = sorted(answer.comment for answer in read if answer.response.level is not None)
    assert read_comments == sorted("'" + answer.comment for answer in report.answers if answer.level is not None)


def test_a_full_answers_export_is_refused_by_the_cli_reader_for_its_extra_columns(
    db: Database, questionnaire: Questionnaire
) -> None:
    report = _report_with_comment(db, questionnaire, "fine")
    with pytest.raises(AnswersCsvError, match="unknown column\\(s\\) organisation, assessment, questionnaire_id"):
        read_answers_csv(answers_csv_bytes(report), questionnaire)


def test_consensus_does_not_change_the_answers_rows_but_does_change_the_results(
    db: Database, questionnaire: Questionnaire
) -> None:
    assessment_id = _start(db, questionnaire)
    ann, bob = add_respondent(db, assessment_id, "Ann"), add_respondent(db, assessment_id, "Bob")
    question = questionnaire.questions[0]
    save_answer(db, questionnaire, assessment_id, ann.id, question.id, 1)
    save_answer(db, questionnaire, assessment_id, bob.id, question.id, 3)
    before = load_report(db, assessment_id)
    set_consensus(db, questionnaire, assessment_id, question.id, 3, note="Agreed in workshop")
    after = load_report(db, assessment_id)

    assert _rows(answers_csv(after))[1:] == _rows(answers_csv(before))[1:]
    domain_row = next(r for r in _records(results_csv(after)) if r["id"] == question.domain)
    assert float(domain_row["score"]) == 3.0
    assert float(next(r for r in _records(results_csv(before)) if r["id"] == question.domain)["score"]) == 1.0
