"""JSON export and import of one assessment: a faithful round trip, and bad documents refused whole."""

from __future__ import annotations

import copy
import json
import sqlite3
from collections.abc import Callable, Iterator
from datetime import date
from pathlib import Path
from typing import Any

import pytest
from hypothesis import given, settings
from hypothesis import strategies as st
from sqlite_utils import Database
from storage_helpers import table_counts

import exports.json_io
import storage.content
from demo.data import load_demo_data
from evidence.model import Exercise, Finding
from exports.json_io import (
    MAX_IMPORT_ANSWERS,
    MAX_IMPORT_BYTES,
    MAX_IMPORT_RESPONDENTS,
    AssessmentImportError,
    AssessmentLabelExistsError,
    ImportOutcome,
    OrganisationExistsError,
    assessment_json,
    export_assessment,
    import_assessment,
    preview_import,
)
from exports.report import AssessmentReport, load_report
from questionnaires.catalog import EXTRA_DIR_VARIABLE, SHIPPED_DIR, get_questionnaire
from questionnaires.model import Questionnaire
from storage import (
    add_respondent,
    create_assessment,
    create_organisation,
    delete_assessment,
    list_assessments,
    list_organisations,
    list_roadmap_items,
    open_database,
    save_answer,
    save_roadmap_item,
    set_assessment_status,
    set_consensus,
    set_target,
)
from storage.errors import DatabaseBusyError, StorageError
from storage.evidence import load_evidence, save_log
from storage.finding_items import list_finding_items, list_findings, plan_finding, save_finding_item

Document = dict[str, Any]


@pytest.fixture(scope="module")
def questionnaire() -> Questionnaire:
    return get_questionnaire("itscm", "2026.1")


@pytest.fixture(scope="module")
def demo_db(tmp_path_factory: pytest.TempPathFactory, questionnaire: Questionnaire) -> Iterator[Database]:
    database = open_database(tmp_path_factory.mktemp("demo") / "demo.db")
    load_demo_data(database, questionnaire)
    yield database
    database.close()


@pytest.fixture
def target(tmp_path: Path, questionnaire: Questionnaire) -> Iterator[Database]:
    """A database that already holds another organisation's assessment."""
    database = open_database(tmp_path / "target.db")
    other = create_organisation(database, "Other Ltd", "Retail", "Under 250 employees", "Europe")
    assessment = create_assessment(database, other.id, questionnaire, "FY2026", date(2026, 1, 15))
    respondent = add_respondent(database, assessment.id, "Ann")
    save_answer(database, questionnaire, assessment.id, respondent.id, questionnaire.questions[0].id, 2)
    yield database
    database.close()


class Ids:
    """The question ids the sample assessment uses, in questionnaire order."""

    def __init__(self, questionnaire: Questionnaire) -> None:
        plain = [question.id for question in questionnaire.questions if not question.na_allowed]
        self.q0, self.q1, self.q2 = plain[:3]
        self.na_q = next(question.id for question in questionnaire.questions if question.na_allowed)


@pytest.fixture(scope="module")
def ids(questionnaire: Questionnaire) -> Ids:
    return Ids(questionnaire)


@pytest.fixture
def sample(tmp_path: Path, questionnaire: Questionnaire, ids: Ids) -> Iterator[tuple[Database, int]]:
    """A completed two-person assessment with N/A, a comment-only answer, consensus, a target and a roadmap item."""
    database = open_database(tmp_path / "sample.db")
    organisation = create_organisation(database, "Northwind Bank", "Financial services", "250-999 employees", "Europe")
    assessment = create_assessment(database, organisation.id, questionnaire, "FY2026", date(2026, 3, 31))
    ann = add_respondent(database, assessment.id, "Ann", "Continuity manager")
    bob = add_respondent(database, assessment.id, "Bob")
    save_answer(database, questionnaire, assessment.id, ann.id, ids.q0, 3, comment="Runbook, v2", evidence="=link")
    save_answer(database, questionnaire, assessment.id, ann.id, ids.q1, 2)
    save_answer(database, questionnaire, assessment.id, ann.id, ids.q2, None, comment="Ask the CIO")
    save_answer(database, questionnaire, assessment.id, ann.id, ids.na_q, None, na=True, comment="No second site")
    save_answer(database, questionnaire, assessment.id, bob.id, ids.q0, 1)
    save_answer(database, questionnaire, assessment.id, bob.id, ids.q1, 4)
    set_consensus(database, questionnaire, assessment.id, ids.q0, 2, note="Agreed", set_by="Facilitator")
    set_target(database, questionnaire, assessment.id, questionnaire.domains[0].id, 4)
    save_roadmap_item(database, questionnaire, assessment.id, ids.q1, 3, owner="Head of IT", due_date=date(2026, 9, 30))
    set_assessment_status(database, assessment.id, "completed")
    yield database, assessment.id
    database.close()


def _export(db: Database, assessment_id: int) -> Document:
    return export_assessment(
        load_report(db, assessment_id), list_roadmap_items(db, assessment_id), list_finding_items(db, assessment_id)
    )


@pytest.fixture
def document(sample: tuple[Database, int], ids: Ids) -> Document:
    exported = _export(*sample)
    assert [a["question_id"] for a in exported["respondents"][0]["answers"]] == [ids.q0, ids.q1, ids.q2, ids.na_q]
    assert [a["question_id"] for a in exported["respondents"][1]["answers"]] == [ids.q0, ids.q1]
    return exported


# Round trip --------------------------------------------------------------------------------------


def _content(db: Database, report: AssessmentReport) -> dict[str, Any]:
    """Everything stored about an assessment, keyed by names rather than database ids."""
    names = {respondent.id: respondent.name for respondent in report.respondents}
    return {
        "organisation": (
            report.organisation.name,
            report.organisation.industry,
            report.organisation.size_band,
            report.organisation.region,
            report.organisation.illustrative,
        ),
        "assessment": (
            report.assessment.label,
            report.assessment.assessment_date,
            report.assessment.status,
            report.assessment.questionnaire_id,
            report.assessment.questionnaire_version,
        ),
        "respondents": [(r.name, r.role) for r in report.respondents],
        "answers": sorted(
            (names[a.respondent_id], a.question_id, a.level, a.na, a.comment, a.evidence)
            for a in report.answers
            if a.is_answered or a.comment or a.evidence
        ),
        "consensus": sorted((c.question_id, c.level, c.na, c.note, c.set_by) for c in report.consensus),
        "targets": dict(report.targets),
        "roadmap": [
            (i.question_id, i.to_level, i.owner, i.due_date, i.status)
            for i in list_roadmap_items(db, report.assessment.id)
        ],
    }


def _without_moments(document: Document) -> Document:
    """The document without the fields an import cannot keep: when it was exported and completed."""
    kept = copy.deepcopy(document)
    del kept["exported_at"]
    del kept["assessment"]["completed_at"]
    return kept


def test_every_demo_assessment_round_trips_into_an_empty_database_with_identical_scores(
    demo_db: Database, tmp_path: Path
) -> None:
    assessments = list_assessments(demo_db)
    assert len(assessments) == 24
    for original in assessments:
        before = load_report(demo_db, original.id)
        text = assessment_json(before, list_roadmap_items(demo_db, original.id))
        empty = open_database(tmp_path / f"import-{original.id}.db")
        try:
            imported = import_assessment(empty, text).assessment
            after = load_report(empty, imported.id)
            where = f"{before.organisation.name} {before.assessment.label}"
            assert after.score.overall == before.score.overall, where
            assert after.score.domains == before.score.domains, where
            assert dict(after.score.questions) == dict(before.score.questions), where
            assert _content(empty, after) == _content(demo_db, before), where
            assert _without_moments(_export(empty, imported.id)) == _without_moments(json.loads(text)), where
        finally:
            empty.close()


def test_the_demo_round_trip_covers_workshops_consensus_targets_and_roadmaps(demo_db: Database) -> None:
    documents = [_export(demo_db, a.id) for a in list_assessments(demo_db)]
    assert any(len(d["respondents"]) > 1 for d in documents)
    assert any(d["consensus"] for d in documents)
    assert any(d["roadmap_items"] for d in documents)
    assert any(d["assessment"]["status"] == "in_progress" for d in documents)
    assert any(any(a["na"] for r in d["respondents"] for a in r["answers"]) for d in documents)
    assert len({json.dumps(d["targets"], sort_keys=True) for d in documents}) > 1


def test_the_document_has_the_documented_shape(document: Document, ids: Ids, questionnaire: Questionnaire) -> None:
    assert list(document) == [
        "format",
        "format_version",
        "exported_at",
        "questionnaire",
        "organisation",
        "assessment",
        "respondents",
        "consensus",
        "targets",
        "roadmap_items",
        "finding_items",
        "scores",
    ]
    assert (document["format"], document["format_version"]) == ("itscm-assessment", 1)
    assert document["questionnaire"] == {"id": "itscm", "version": "2026.1"}
    assert document["organisation"] == {
        "name": "Northwind Bank",
        "industry": "Financial services",
        "size_band": "250-999 employees",
        "region": "Europe",
        "illustrative": False,
    }
    assert document["assessment"]["assessment_date"] == "2026-03-31"
    assert document["assessment"]["status"] == "completed"
    assert document["respondents"][0]["answers"][3] == {
        "question_id": ids.na_q,
        "level": None,
        "na": True,
        "comment": "No second site",
        "evidence": "",
        "evidence_date": None,
    }
    assert document["consensus"] == [
        {"question_id": ids.q0, "level": 2, "na": False, "note": "Agreed", "set_by": "Facilitator"}
    ]
    assert document["targets"] == {d.id: 4 if i == 0 else 3 for i, d in enumerate(questionnaire.domains)}
    assert document["roadmap_items"] == [
        {"question_id": ids.q1, "to_level": 3, "owner": "Head of IT", "due_date": "2026-09-30", "status": "planned"}
    ]
    assert document["finding_items"] == []
    assert [d["id"] for d in document["scores"]["domains"]] == [d.id for d in questionnaire.domains]


def test_the_import_ignores_the_scores_block_and_scores_the_answers_afresh(
    sample: tuple[Database, int], document: Document, tmp_path: Path
) -> None:
    document["scores"]["overall"] = {"score": 5.0, "stage": 5, "completeness": 1.0, "provisional": False}
    empty = open_database(tmp_path / "empty.db")
    imported = import_assessment(empty, document).assessment
    assert load_report(empty, imported.id).score == load_report(*sample).score
    empty.close()


@pytest.mark.parametrize(
    "encode",
    [
        lambda d: d,
        lambda d: json.dumps(d),
        lambda d: json.dumps(d, ensure_ascii=False).encode("utf-8"),
        lambda d: json.dumps(d).encode("utf-8-sig"),
    ],
    ids=["object", "text", "bytes", "bytes with a byte order mark"],
)
def test_the_import_reads_a_parsed_object_text_or_bytes(
    document: Document, tmp_path: Path, encode: Callable[[Document], Any]
) -> None:
    empty = open_database(tmp_path / "empty.db")
    imported = import_assessment(empty, encode(document)).assessment
    assert (imported.label, imported.status, imported.assessment_date) == ("FY2026", "completed", date(2026, 3, 31))
    empty.close()


# Storage refuses lone surrogates, control characters other than tabs and line breaks, and text-direction controls.
BIDI_CONTROLS = "\u202a\u202b\u202c\u202d\u202e\u2066\u2067\u2068\u2069"
STORABLE_TEXT = st.text(
    st.characters(exclude_categories=("Cs", "Cc"), exclude_characters=BIDI_CONTROLS, include_characters="\t\n\r"),
    max_size=300,
)


@settings(max_examples=40, deadline=None)
@given(text=STORABLE_TEXT)
def test_any_unicode_comment_survives_export_and_import(questionnaire: Questionnaire, text: str) -> None:
    source, empty = open_database(":memory:"), open_database(":memory:")
    organisation = create_organisation(source, "Northwind Bank", "Financial services", "250-999 employees", "Europe")
    assessment = create_assessment(source, organisation.id, questionnaire, "FY2026", date(2026, 3, 31))
    respondent = add_respondent(source, assessment.id, "Ann")
    question_id = questionnaire.questions[0].id
    save_answer(source, questionnaire, assessment.id, respondent.id, question_id, 2, comment=text, evidence=text)
    set_consensus(source, questionnaire, assessment.id, question_id, 3, note=text)

    imported = import_assessment(empty, assessment_json(load_report(source, assessment.id))).assessment

    report = load_report(empty, imported.id)
    [answer] = report.answers
    assert (answer.comment, answer.evidence) == (text, text)
    assert report.consensus[0].note == text
    source.close()
    empty.close()


# Bad documents -----------------------------------------------------------------------------------


def _set(path: str, value: Any) -> Callable[[Document], None]:
    """Return a change that sets the value at a dotted path such as respondents.0.answers.1.level."""

    def change(document: Document) -> None:
        *parents, last = path.split(".")
        node: Any = document
        for part in parents:
            node = node[int(part)] if isinstance(node, list) else node[part]
        if isinstance(node, list):
            node[int(last)] = value
        else:
            node[last] = value

    return change


def _delete(path: str) -> Callable[[Document], None]:
    def change(document: Document) -> None:
        *parents, last = path.split(".")
        node: Any = document
        for part in parents:
            node = node[int(part)] if isinstance(node, list) else node[part]
        del node[last]

    return change


def _repeat_first_answer(document: Document) -> None:
    answers = document["respondents"][0]["answers"]
    answers.append(dict(answers[0]))


FINDING_STEP: Document = {
    "finding_id": "3f2a9c1e7b00",
    "step": "From exercise 2025-10-14 tabletop: No call tree for HR",
    "owner": "Ben",
    "due_date": "2026-01-31",
    "status": "planned",
}


def _finding_step(**changes: Any) -> Callable[[Document], None]:
    """Return a change that gives the document one step made from a finding, with `changes` (None removes a field)."""

    def change(document: Document) -> None:
        step = {**FINDING_STEP, **changes}
        document["finding_items"] = [{key: value for key, value in step.items() if value is not None}]

    return change


INDUSTRY_LIST = (
    "Financial services, Healthcare, Public sector, Retail, Manufacturing, Energy and utilities, Technology, "
    "Telecommunications, Transport and logistics, Education, Other"
)

BAD_DOCUMENTS: list[tuple[str, Callable[[Document], None], str]] = [
    ("missing field", _delete("organisation.name"), "organisation.name: missing; add this field."),
    (
        "level as text",
        _set("respondents.0.answers.1.level", "3"),
        'respondents[0].answers[1].level: input should be a valid integer, not "3".',
    ),
    (
        "level as true",
        _set("respondents.0.answers.1.level", True),
        "respondents[0].answers[1].level: input should be a valid integer, not true.",
    ),
    (
        "level off the scale",
        _set("respondents.1.answers.1.level", 7),
        "respondents[1].answers[1].level: level 7 is not on the scale of questionnaire itscm; use one of 1, 2, 3, "
        "4, 5.",
    ),
    (
        "unknown question",
        _set("respondents.0.answers.0.question_id", "BIA-99"),
        'respondents[0].answers[0].question_id: question "BIA-99" is not in questionnaire itscm version 2026.1; '
        "use one of its question ids, such as {first}.",
    ),
    (
        "N/A not allowed",
        lambda d: d["respondents"][0]["answers"][1].update(level=None, na=True),
        "respondents[0].answers[1].na: N/A is not allowed for question {q1}; give a level instead.",
    ),
    (
        "level and N/A",
        _set("respondents.0.answers.3.level", 2),
        "respondents[0].answers[3].na: both a level and N/A were given; set level to null for N/A, or na to false.",
    ),
    (
        "questionnaire not installed",
        _set("questionnaire.version", "1999.1"),
        "questionnaire: questionnaire 'itscm' version '1999.1' is not installed; add its folder under "
        f"{SHIPPED_DIR} or ${EXTRA_DIR_VARIABLE}.",
    ),
    (
        "unknown format",
        _set("format", "itscm-workbook"),
        'format: "itscm-workbook" is not "itscm-assessment", so this is not an exported assessment; choose an '
        "assessment exported from this app as JSON.",
    ),
    (
        "missing format",
        _delete("format"),
        'format: missing is not "itscm-assessment", so this is not an exported assessment; choose an assessment '
        "exported from this app as JSON.",
    ),
    (
        "newer format version",
        _set("format_version", 2),
        "format_version: the file is format version 2, written by a newer version of the app; this one reads "
        "version 1: update the app to import it.",
    ),
    ("format version as text", _set("format_version", "1"), 'format_version: input should be 1, not "1".'),
    (
        "unknown field",
        _set("assessment.owner", "Ann"),
        "assessment.owner: unknown field; remove it or correct its name.",
    ),
    (
        "date not ISO",
        _set("assessment.assessment_date", "31/03/2026"),
        'assessment.assessment_date: "31/03/2026" is not a date; write it as YYYY-MM-DD, such as 2026-03-31.',
    ),
    (
        "unknown status",
        _set("assessment.status", "done"),
        "assessment.status: input should be 'in_progress' or 'completed', not \"done\".",
    ),
    (
        "industry not in the list",
        _set("organisation.industry", "Banking"),
        f'organisation.industry: "Banking" is not in the list; use one of: {INDUSTRY_LIST}.',
    ),
    (
        "respondent name used twice",
        _set("respondents.1.name", "ANN"),
        'respondents: respondents[0] and respondents[1] are both named "ANN"; give each respondent a different name.',
    ),
    (
        "blank respondent name",
        _set("respondents.0.name", "   "),
        'respondents[0].name: string should have at least 1 character, not "   ".',
    ),
    (
        "question answered twice",
        _repeat_first_answer,
        "respondents[0].answers: question {q0} is answered twice (answers[0] and answers[4]); keep one.",
    ),
    (
        "broken character",
        _set("respondents.0.answers.0.comment", "Runbook \ud800"),
        'respondents[0].answers[0].comment: "Runbook \\ud800" holds a broken character (a lone surrogate); retype '
        "the text.",
    ),
    (
        "respondents not a list",
        _set("respondents", {}),
        "respondents: input should be a valid list, not {{}}.",
    ),
    (
        "consensus with nothing agreed",
        _set("consensus.0.level", None),
        "consensus[0]: an agreed answer needs a level, or na set to true; remove the entry if nothing was agreed.",
    ),
    (
        "target for an unknown domain",
        _set("targets.OPS", 3),
        'targets.OPS: domain "OPS" is not in questionnaire itscm; use RISK, BIA, REC, TEST, GOV.',
    ),
    (
        "target off the scale",
        _set("targets.GOV", 0),
        "targets.GOV: level 0 is not on the scale of questionnaire itscm; use one of 1, 2, 3, 4, 5.",
    ),
    (
        "roadmap step to the bottom level",
        _set("roadmap_items.0.to_level", 1),
        "roadmap_items[0].to_level: level 1 is the bottom of the scale, so no step leads to it; use a higher level.",
    ),
    (
        "unknown roadmap status",
        _set("roadmap_items.0.status", "started"),
        "roadmap_items[0].status: input should be 'planned', 'in_progress', 'done' or 'dropped', not \"started\".",
    ),
    (
        "due date not ISO",
        _set("roadmap_items.0.due_date", "soon"),
        'roadmap_items[0].due_date: "soon" is not a date; write it as YYYY-MM-DD, such as 2026-03-31.',
    ),
    (
        "finding id that is not an id",
        _finding_step(finding_id="=cmd|' /C calc'!A0"),
        "finding_items[0].finding_id: \"=cmd|' /C calc'!A0\" is not a finding id; use the id the exercise and "
        "incident log gives the finding (up to 40 letters, digits, - and _).",
    ),
    (
        "finding step without its finding id",
        _finding_step(finding_id=None),
        "finding_items[0].finding_id: missing; add this field.",
    ),
    (
        "finding step that does not read as one",
        _finding_step(step="Fix the runbook"),
        "finding_items[0].step: the step does not read 'From exercise <YYYY-MM-DD> <kind>: <finding>' as a step "
        "made from a finding does (kinds: walk-through, tabletop, simulation, technical recovery test, failover, "
        "full-scale exercise, real incident); write it that way or export the assessment again.",
    ),
    (
        "finding step with an impossible date",
        _finding_step(step="From exercise 2025-02-30 tabletop: No call tree for HR"),
        "finding_items[0].step: the step gives 2025-02-30 as the exercise's date, which is not a date such as "
        "2026-03-31.",
    ),
    (
        "finding step naming no finding",
        _finding_step(step="From exercise 2025-10-14 tabletop: "),
        "finding_items[0].step: the step names no finding after '2025-10-14 tabletop:'; add the finding's text.",
    ),
    (
        "finding step with a hidden character",
        _finding_step(step="From exercise 2025-10-14 tabletop: No call tree\u202e for HR"),
        "finding_items[0].step: the step contains an invisible control character (U+202E RIGHT-TO-LEFT OVERRIDE) at "
        "character 48; remove it and type the text again (such characters can hide or reorder what is shown).",
    ),
    (
        "finding step owner with a hidden character",
        _finding_step(owner="Ben\u0007"),
        "finding_items[0].owner: Owner contains an invisible control character (U+0007 control character) at "
        "character 4; remove it and type the text again (such characters can hide or reorder what is shown).",
    ),
    (
        "finding step with a finding's status",
        _finding_step(status="open"),
        "finding_items[0].status: input should be 'planned', 'in_progress', 'done' or 'dropped', not \"open\".",
    ),
    (
        "finding step due date not ISO",
        _finding_step(due_date="Q1"),
        'finding_items[0].due_date: "Q1" is not a date; write it as YYYY-MM-DD, such as 2026-03-31.',
    ),
    (
        "finding step with an unknown field",
        _finding_step(finding="No call tree for HR"),
        "finding_items[0].finding: unknown field; remove it or correct its name.",
    ),
    (
        "the same finding twice",
        lambda d: d.update(finding_items=[FINDING_STEP, dict(FINDING_STEP, owner="Cleo")]),
        "finding_items: finding 3f2a9c1e7b00 is a step twice (finding_items[0] and finding_items[1]); a finding is "
        "a step of one roadmap once, so keep one.",
    ),
    ("finding steps not a list", _set("finding_items", {}), "finding_items: input should be a valid list, not {{}}."),
]


@pytest.mark.parametrize(
    ("change", "expected"), [case[1:] for case in BAD_DOCUMENTS], ids=[c[0] for c in BAD_DOCUMENTS]
)
def test_a_bad_document_is_refused_with_its_exact_message_and_nothing_is_written(
    target: Database,
    document: Document,
    questionnaire: Questionnaire,
    ids: Ids,
    change: Callable[[Document], None],
    expected: str,
) -> None:
    change(document)
    before = table_counts(target)
    with pytest.raises(AssessmentImportError) as raised:
        import_assessment(target, json.dumps(document))
    assert str(raised.value) == expected.format(first=questionnaire.questions[0].id, q0=ids.q0, q1=ids.q1)
    assert table_counts(target) == before


def test_every_problem_of_a_document_is_reported_at_once_in_document_order(
    target: Database, document: Document, ids: Ids
) -> None:
    document["assessment"]["assessment_date"] = "2026-02-30"
    document["respondents"][0]["answers"][2]["question_id"] = "BIA-99"
    document["respondents"][1]["answers"][1]["level"] = 6
    document["respondents"][1]["answers"][0]["comment"] = 5
    document["roadmap_items"][0]["question_id"] = "GOV-99"
    before = table_counts(target)
    with pytest.raises(AssessmentImportError) as raised:
        import_assessment(target, document)
    assert str(raised.value).splitlines() == [
        'assessment.assessment_date: "2026-02-30" is not a date; write it as YYYY-MM-DD, such as 2026-03-31.',
        'respondents[0].answers[2].question_id: question "BIA-99" is not in questionnaire itscm version 2026.1; '
        f"use one of its question ids, such as {ids.q0}.",
        "respondents[1].answers[0].comment: input should be a valid string, not 5.",
        "respondents[1].answers[1].level: level 6 is not on the scale of questionnaire itscm; use one of 1, 2, 3, "
        "4, 5.",
        'roadmap_items[0].question_id: question "GOV-99" is not in questionnaire itscm version 2026.1; use one of '
        f"its question ids, such as {ids.q0}.",
    ]
    assert table_counts(target) == before


@pytest.mark.parametrize(
    ("raw", "expected"),
    [
        (b'{"format": ', "(document): not valid JSON: Expecting value at line 1 column 12."),
        (b"\xff\xfe{}", "(document): not UTF-8 text (byte 0); save the file as UTF-8."),
        (
            "[1, 2]",
            "(document): expected a JSON object with a format field, not an array; choose an assessment exported "
            "from this app as JSON.",
        ),
        (
            "[" * 100_000 + "]" * 100_000,
            "(document): not valid JSON: nested too deeply; choose an assessment exported from this app as JSON.",
        ),
        (
            b" " * (MAX_IMPORT_BYTES + 1),
            f"(document): the file is {MAX_IMPORT_BYTES + 1:,} bytes, larger than the {MAX_IMPORT_BYTES:,} bytes "
            "accepted; export the assessment again or remove the scores block to make it smaller.",
        ),
    ],
    ids=["truncated", "not UTF-8", "an array", "nested too deeply", "too large"],
)
def test_input_that_is_not_a_json_object_is_refused_with_its_exact_message(
    target: Database, raw: str | bytes, expected: str
) -> None:
    before = table_counts(target)
    with pytest.raises(AssessmentImportError) as raised:
        import_assessment(target, raw)
    assert str(raised.value) == expected
    assert table_counts(target) == before


# Where the document meets the database -----------------------------------------------------------


ORGANISATION_EXISTS = (
    "organisation.name: an organisation named 'Northwind Bank' already exists; choose whether to add this "
    "assessment to it (its trends and benchmarks will include it) or to import it as a new organisation under "
    "another name."
)


def test_importing_the_same_document_twice_asks_about_the_organisation_the_second_time_and_writes_nothing(
    target: Database, document: Document
) -> None:
    first = import_assessment(target, document).assessment
    before = table_counts(target)
    with pytest.raises(OrganisationExistsError) as raised:
        import_assessment(target, document)
    assert str(raised.value) == ORGANISATION_EXISTS
    assert raised.value.existing.id == first.organisation_id
    assert table_counts(target) == before
    assert [a.id for a in list_assessments(target, first.organisation_id)] == [first.id]


def test_adding_an_assessment_whose_label_the_organisation_has_is_refused_with_the_way_out(
    target: Database, document: Document
) -> None:
    first = import_assessment(target, document).assessment
    before = table_counts(target)
    with pytest.raises(AssessmentLabelExistsError) as raised:
        import_assessment(target, document, into_existing=True)
    assert str(raised.value) == (
        "assessment.label: 'Northwind Bank' already has an assessment labelled 'FY2026', so this one cannot be added "
        "to it; import it as a new organisation under another name, or change the assessment's label in the file."
    )
    assert table_counts(target) == before
    assert [a.id for a in list_assessments(target, first.organisation_id)] == [first.id]


def test_a_renamed_assessment_joins_the_existing_organisation_when_asked_to(
    target: Database, document: Document
) -> None:
    first = import_assessment(target, document).assessment
    document["assessment"]["label"] = "FY2026 (copy)"
    document["organisation"]["name"] = "NORTHWIND BANK"
    second = import_assessment(target, document, into_existing=True).assessment
    assert second.organisation_id == first.organisation_id
    assert [a.label for a in list_assessments(target, first.organisation_id)] == ["FY2026", "FY2026 (copy)"]
    assert [o.name for o in list_organisations(target)] == ["Northwind Bank", "Other Ltd"]


def test_an_organisation_of_the_same_name_with_other_details_is_refused_naming_them_and_nothing_is_written(
    target: Database, document: Document
) -> None:
    document["organisation"]["name"] = "other ltd"
    before = table_counts(target)
    with pytest.raises(OrganisationExistsError) as raised:
        import_assessment(target, document)
    assert str(raised.value) == (
        "organisation.name: an organisation named 'Other Ltd' already exists with other details (industry 'Retail' "
        "in this database, 'Financial services' in the file; size_band 'Under 250 employees' in this database, "
        "'250-999 employees' in the file); choose whether to add this assessment to it (its trends and benchmarks "
        "will include it) or to import it as a new organisation under another name."
    )
    assert table_counts(target) == before


def test_a_failure_while_writing_rolls_the_whole_import_back(
    target: Database, document: Document, monkeypatch: pytest.MonkeyPatch
) -> None:
    def refuse(*_args: object, **_kwargs: object) -> None:
        raise StorageError("the disk is full")

    # Marking the assessment completed is the last write, after everything else in it.
    monkeypatch.setattr(storage.content, "set_assessment_status", refuse)
    before = table_counts(target)
    with pytest.raises(AssessmentImportError) as raised:
        import_assessment(target, document)
    assert str(raised.value) == "Nothing was imported: the disk is full"
    assert table_counts(target) == before


def test_an_assessment_in_progress_stays_in_progress(target: Database, document: Document) -> None:
    document["assessment"].update(status="in_progress", completed_at=None)
    imported = import_assessment(target, document).assessment
    assert (imported.status, imported.completed_at) == ("in_progress", None)


def test_the_import_uses_the_questionnaire_lookup_it_is_given(
    target: Database, document: Document, questionnaire: Questionnaire
) -> None:
    asked: list[tuple[str, str]] = []

    def lookup(questionnaire_id: str, version: str) -> Questionnaire:
        asked.append((questionnaire_id, version))
        return questionnaire

    import_assessment(target, document, questionnaire_lookup=lookup)
    assert asked == [("itscm", "2026.1")]


def test_roadmap_items_of_another_assessment_are_refused_by_the_export(
    sample: tuple[Database, int], demo_db: Database
) -> None:
    db, assessment_id = sample
    stranger = next(i for a in list_assessments(demo_db) for i in list_roadmap_items(demo_db, a.id))
    with pytest.raises(ValueError, match="belong to another assessment"):
        export_assessment(load_report(db, assessment_id), [stranger])


# Roadmap steps made from findings -----------------------------------------------------------------


@pytest.fixture
def planned(sample: tuple[Database, int]) -> tuple[Database, int, list[str]]:
    """The sample organisation's exercise log with two findings, both on FY2026's roadmap; the second one is done.

    Returns the database, the assessment's id and the findings' ids.
    """
    db, assessment_id = sample
    organisation_id = load_report(db, assessment_id).organisation.id
    findings = (Finding("No call tree for HR", owner="Ben", due=date(2026, 1, 31)), Finding("Runbook out of date"))
    save_log(db, organisation_id, (Exercise(date(2025, 10, 14), "tabletop", "Ransomware tabletop", findings=findings),))
    keys = [finding.key for finding in list_findings(db, organisation_id)]
    plan_finding(db, assessment_id, keys[0], by="ann@example.org")
    done = plan_finding(db, assessment_id, keys[1], by="ann@example.org")
    save_finding_item(db, assessment_id, done.id, owner="Cleo", due_date=date(2026, 5, 31), status="done")
    return db, assessment_id, keys


def _steps(db: Database, assessment_id: int) -> list[tuple[str, str, str, date | None, str]]:
    return [(i.finding_key, i.text, i.owner, i.due_date, i.status) for i in list_finding_items(db, assessment_id)]


def test_the_export_lists_the_steps_made_from_findings_with_their_finding_ids(
    planned: tuple[Database, int, list[str]],
) -> None:
    db, assessment_id, keys = planned
    assert _export(db, assessment_id)["finding_items"] == [
        {
            "finding_id": keys[0],
            "step": "From exercise 2025-10-14 tabletop: No call tree for HR",
            "owner": "Ben",
            "due_date": "2026-01-31",
            "status": "planned",
        },
        {
            "finding_id": keys[1],
            "step": "From exercise 2025-10-14 tabletop: Runbook out of date",
            "owner": "Cleo",
            "due_date": "2026-05-31",
            "status": "done",
        },
    ]


def test_a_step_whose_finding_left_the_log_is_exported_as_it_last_read(
    planned: tuple[Database, int, list[str]],
) -> None:
    db, assessment_id, keys = planned
    save_log(db, load_report(db, assessment_id).organisation.id, ())
    [first, _] = _export(db, assessment_id)["finding_items"]
    assert (first["finding_id"], first["step"]) == (keys[0], "From exercise 2025-10-14 tabletop: No call tree for HR")


def test_steps_made_from_findings_of_another_assessment_are_refused_by_the_export(
    planned: tuple[Database, int, list[str]], questionnaire: Questionnaire
) -> None:
    db, assessment_id, _keys = planned
    organisation_id = load_report(db, assessment_id).organisation.id
    other = create_assessment(db, organisation_id, questionnaire, "FY2027", date(2027, 3, 31))
    with pytest.raises(ValueError, match=r"Steps made from findings \[1, 2\] belong to another assessment"):
        export_assessment(load_report(db, other.id), [], list_finding_items(db, assessment_id))


def test_a_round_trip_into_the_same_organisation_links_every_step_to_its_finding_again(
    planned: tuple[Database, int, list[str]],
) -> None:
    db, assessment_id, _keys = planned
    before = _steps(db, assessment_id)
    organisation_id = load_report(db, assessment_id).organisation.id
    log = load_evidence(db, organisation_id)
    document = _export(db, assessment_id)
    delete_assessment(db, assessment_id, backup=False)
    outcome = import_assessment(db, document, into_existing=True, by="kim@example.org")
    assert _steps(db, outcome.assessment.id) == before
    assert [f.planned_in for f in list_findings(db, organisation_id)] == [outcome.assessment.id] * 2
    # The finding closed by its done step is linked too; the log is left as it was.
    assert load_evidence(db, organisation_id) == log
    assert outcome.finding_steps.not_linked == ()
    assert outcome.linked_note() == (
        "2 roadmap steps made from findings are on the roadmap again, linked to their findings in the exercise and "
        "incident log."
    )
    assert outcome.not_carried_note() == ""
    assert _export(db, outcome.assessment.id)["finding_items"] == document["finding_items"]


def test_an_import_elsewhere_carries_no_step_made_from_a_finding_and_says_how_many_and_why(
    planned: tuple[Database, int, list[str]], target: Database
) -> None:
    db, assessment_id, _keys = planned
    document = _export(db, assessment_id)
    outcome = import_assessment(target, document)
    assert isinstance(outcome, ImportOutcome)
    assert list_finding_items(target, outcome.assessment.id) == ()
    assert [(s.content.step, s.content.owner, s.reason) for s in outcome.finding_steps.not_linked] == [
        (
            "From exercise 2025-10-14 tabletop: No call tree for HR",
            "Ben",
            "the exercise and incident log of Northwind Bank has no findings",
        ),
        (
            "From exercise 2025-10-14 tabletop: Runbook out of date",
            "Cleo",
            "the exercise and incident log of Northwind Bank has no findings",
        ),
    ]
    assert outcome.finding_steps_note() == (
        "2 roadmap steps made from findings are not carried (2 because the exercise and incident log of Northwind "
        "Bank has no findings): such a step is carried only where the organisation's exercise and incident log has its "
        "finding and no roadmap holds it yet; once it does, plan the finding again on the Evidence page."
    )
    # Everything else in the document is imported.
    assert (
        _content(target, load_report(target, outcome.assessment.id))["roadmap"]
        == _content(db, load_report(db, assessment_id))["roadmap"]
    )


def test_findings_another_roadmap_holds_or_the_log_lacks_are_not_carried_each_with_its_reason(
    planned: tuple[Database, int, list[str]],
) -> None:
    db, assessment_id, keys = planned
    before = _steps(db, assessment_id)
    document = _export(db, assessment_id)
    document["assessment"]["label"] = "FY2026 (copy)"
    document["finding_items"].append(
        dict(document["finding_items"][0], finding_id="a0b1c2d3e4f5", step="From exercise 2024-01-09 failover: Gone")
    )
    outcome = import_assessment(db, document, into_existing=True)
    assert list_finding_items(db, outcome.assessment.id) == ()
    assert [(s.content.finding_key, s.reason) for s in outcome.finding_steps.not_linked] == [
        (keys[0], "its finding is already a step of the roadmap of FY2026"),
        (keys[1], "its finding is already a step of the roadmap of FY2026"),
        ("a0b1c2d3e4f5", "the exercise and incident log of Northwind Bank has no finding with its id"),
    ]
    assert outcome.not_carried_note().startswith(
        "3 roadmap steps made from findings are not carried (2 because its finding is already a step of the roadmap "
        "of FY2026; 1 because the exercise and incident log of Northwind Bank has no finding with its id): "
    )
    assert _steps(db, assessment_id) == before


def test_a_document_without_steps_made_from_findings_imports_and_says_nothing_of_them(
    document: Document, target: Database
) -> None:
    del document["finding_items"]
    outcome = import_assessment(target, document)
    assert outcome.finding_steps.linked == outcome.finding_steps.not_linked == ()
    assert outcome.finding_steps_note() == ""


def test_a_failure_while_linking_the_steps_rolls_the_whole_import_back(
    planned: tuple[Database, int, list[str]], monkeypatch: pytest.MonkeyPatch
) -> None:
    db, assessment_id, _keys = planned
    document = _export(db, assessment_id)
    delete_assessment(db, assessment_id, backup=False)

    def refuse(*_args: object, **_kwargs: object) -> None:
        raise StorageError("the disk is full")

    monkeypatch.setattr(exports.json_io, "link_finding_steps", refuse)
    before = table_counts(db)
    with pytest.raises(AssessmentImportError, match="Nothing was imported: the disk is full"):
        import_assessment(db, document, into_existing=True)
    assert table_counts(db) == before


# Choosing where the assessment goes ---------------------------------------------------------------


def test_joining_an_organisation_with_other_details_keeps_the_stored_details(
    target: Database, document: Document
) -> None:
    document["organisation"]["name"] = "OTHER LTD"
    document["assessment"]["label"] = "FY2027"
    imported = import_assessment(target, document, into_existing=True).assessment
    [other] = [o for o in list_organisations(target) if o.id == imported.organisation_id]
    assert (other.name, other.industry, other.size_band) == ("Other Ltd", "Retail", "Under 250 employees")
    assert [a.label for a in list_assessments(target, other.id)] == ["FY2026", "FY2027"]


def test_a_new_name_imports_the_assessment_as_a_new_organisation_with_the_files_details(
    target: Database, document: Document
) -> None:
    first = import_assessment(target, document).assessment
    second = import_assessment(target, document, new_name="  Northwind Bank (Luxembourg) ").assessment
    assert second.organisation_id != first.organisation_id
    [renamed] = [o for o in list_organisations(target) if o.id == second.organisation_id]
    assert (renamed.name, renamed.industry, renamed.size_band, renamed.region) == (
        "Northwind Bank (Luxembourg)",
        "Financial services",
        "250-999 employees",
        "Europe",
    )
    assert [a.label for a in list_assessments(target, first.organisation_id)] == ["FY2026"]


def test_a_new_name_that_an_organisation_has_too_is_refused_and_nothing_is_written(
    target: Database, document: Document
) -> None:
    import_assessment(target, document)
    before = table_counts(target)
    with pytest.raises(OrganisationExistsError) as raised:
        import_assessment(target, document, new_name="other LTD")
    assert str(raised.value) == (
        "New organisation name: an organisation named 'Other Ltd' already exists; choose a name no organisation has "
        "yet, or add the assessment to 'Other Ltd'."
    )
    assert table_counts(target) == before


@pytest.mark.parametrize(
    ("new_name", "expected"),
    [
        ("   ", "New organisation name is empty; enter at least one visible character."),
        ("N" * 201, "New organisation name is 201 characters long; shorten it to at most 200 characters."),
    ],
    ids=["blank", "too long"],
)
def test_an_unusable_new_name_is_refused_before_anything_is_written(
    target: Database, document: Document, new_name: str, expected: str
) -> None:
    before = table_counts(target)
    with pytest.raises(AssessmentImportError) as raised:
        import_assessment(target, document, new_name=new_name)
    assert str(raised.value) == expected
    assert table_counts(target) == before


def test_asking_both_to_join_and_to_rename_is_refused(target: Database, document: Document) -> None:
    before = table_counts(target)
    with pytest.raises(AssessmentImportError) as raised:
        import_assessment(target, document, into_existing=True, new_name="Northwind Bank 2")
    assert str(raised.value) == (
        "Choose one: add the assessment to the existing organisation, or import it as a new organisation under "
        "another name, not both."
    )
    assert table_counts(target) == before


def test_the_preview_tells_whether_the_organisation_exists_and_its_label_is_taken_without_writing(
    target: Database, document: Document
) -> None:
    fresh = preview_import(target, document)
    assert (fresh.organisation_name, fresh.label, fresh.existing, fresh.label_taken) == (
        "Northwind Bank",
        "FY2026",
        None,
        False,
    )
    imported = import_assessment(target, document).assessment
    document["organisation"]["name"] = "northwind bank"
    before = table_counts(target)
    clash = preview_import(target, document)
    assert clash.existing is not None
    assert (clash.existing.id, clash.existing.name, clash.label_taken) == (
        imported.organisation_id,
        "Northwind Bank",
        True,
    )
    document["assessment"]["label"] = "FY2027"
    assert preview_import(target, document).label_taken is False
    document["organisation"]["name"] = "Other Ltd"
    assert preview_import(target, document).differences == (
        "industry 'Retail' in this database, 'Financial services' in the file",
        "size_band 'Under 250 employees' in this database, '250-999 employees' in the file",
    )
    assert table_counts(target) == before


def test_the_preview_refuses_a_bad_document_as_the_import_does(target: Database, document: Document) -> None:
    document["respondents"][0]["answers"][0]["level"] = 9
    with pytest.raises(AssessmentImportError, match=r"respondents\[0\]\.answers\[0\]\.level: level 9"):
        preview_import(target, document)


def test_a_preview_is_imported_without_checking_the_document_again(
    target: Database, document: Document, monkeypatch: pytest.MonkeyPatch
) -> None:
    preview = preview_import(target, document)

    def refuse(*_args: object, **_kwargs: object) -> None:
        raise AssertionError("the document was checked again")

    monkeypatch.setattr(exports.json_io, "validate_document", refuse)
    imported = import_assessment(target, preview).assessment
    assert (imported.label, imported.status) == ("FY2026", "completed")


# Limits and the write lock -----------------------------------------------------------------------


def _with_respondents(document: Document, count: int, answers_each: int) -> Document:
    answer = document["respondents"][0]["answers"][0]
    document["respondents"] = [
        {"name": f"Person {n}", "role": "", "answers": [answer] * answers_each} for n in range(count)
    ]
    return document


@pytest.mark.parametrize(
    ("count", "answers_each", "expected"),
    [
        (
            MAX_IMPORT_RESPONDENTS + 1,
            1,
            f"respondents: the file lists {MAX_IMPORT_RESPONDENTS + 1:,} respondents; an import accepts at most "
            f"{MAX_IMPORT_RESPONDENTS:,} per assessment. Check that the file is one assessment exported from this "
            "app, or split the respondents over several assessments.",
        ),
        (
            2,
            MAX_IMPORT_ANSWERS // 2 + 1,
            f"respondents: the file holds {MAX_IMPORT_ANSWERS + 2:,} answers in all; an import accepts at most "
            f"{MAX_IMPORT_ANSWERS:,} per assessment. Check that the file is one assessment exported from this app, "
            "or split the respondents over several assessments.",
        ),
    ],
    ids=["respondents", "answers"],
)
def test_a_document_over_an_import_limit_is_refused_naming_the_limit_and_the_figure_found(
    target: Database, document: Document, count: int, answers_each: int, expected: str
) -> None:
    before = table_counts(target)
    with pytest.raises(AssessmentImportError) as raised:
        import_assessment(target, _with_respondents(document, count, answers_each))
    assert str(raised.value) == expected
    assert table_counts(target) == before


def test_the_limits_are_far_above_a_real_workshop(questionnaire: Questionnaire) -> None:
    # Thirty people answering every question of the shipped questionnaire, with a note on each.
    workshop_answers = 30 * len(questionnaire.questions)
    assert MAX_IMPORT_RESPONDENTS >= 100
    assert 5 * workshop_answers <= MAX_IMPORT_ANSWERS
    assert workshop_answers * 1_000 <= MAX_IMPORT_BYTES


def test_a_document_with_as_many_respondents_as_accepted_is_imported_whole(
    target: Database, document: Document, questionnaire: Questionnaire
) -> None:
    answers = [
        {"question_id": q.id, "level": 2, "na": False, "comment": "", "evidence": ""} for q in questionnaire.questions
    ]
    document["respondents"] = [{"name": f"Person {n}", "answers": answers} for n in range(MAX_IMPORT_RESPONDENTS)]
    imported = import_assessment(target, json.dumps(document)).assessment
    report = load_report(target, imported.id)
    assert len(report.respondents) == MAX_IMPORT_RESPONDENTS
    assert len(report.answers) == MAX_IMPORT_RESPONDENTS * len(questionnaire.questions)


def test_the_content_is_checked_before_the_write_transaction_opens(
    target: Database, document: Document, monkeypatch: pytest.MonkeyPatch
) -> None:
    seen: list[bool] = []
    check = exports.json_io.check_assessment_content

    def spy(*args: Any) -> Any:
        seen.append(target.conn.in_transaction)
        return check(*args)

    monkeypatch.setattr(exports.json_io, "check_assessment_content", spy)
    import_assessment(target, document)
    assert seen == [False]


@pytest.mark.sqlite_only
def test_an_import_while_another_connection_holds_the_write_lock_fails_as_busy_and_writes_nothing(
    target: Database, document: Document, tmp_path: Path
) -> None:
    target.execute("PRAGMA busy_timeout = 50")
    before = table_counts(target)
    other = sqlite3.connect(tmp_path / "target.db", isolation_level=None)
    other.execute("BEGIN IMMEDIATE")
    try:
        with pytest.raises(DatabaseBusyError, match=r"^Not saved: the database is busy"):
            import_assessment(target, document)
    finally:
        other.execute("ROLLBACK")
        other.close()
    assert table_counts(target) == before
