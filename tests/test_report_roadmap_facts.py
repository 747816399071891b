"""The Roadmap page's facts in one call: the same as the separate functions, with one build and one read."""

from __future__ import annotations

from collections.abc import Iterator
from datetime import date
from unittest import mock

import pytest
from sqlite_utils import Database

import exports.report as report_module
from evidence.model import Exercise, Service, ServiceResult
from exports.report import (
    business_case_of,
    evidenced_score,
    load_report,
    planned_roadmap,
    protected_services,
    roadmap_facts,
    what_if_of,
)
from questionnaires.catalog import get_questionnaire
from storage import (
    create_assessment,
    create_organisation,
    get_or_create_respondent,
    open_database,
    save_answer,
    save_roadmap_item,
)
from storage.evidence import save_log, save_register

QUESTIONNAIRE = get_questionnaire("itscm", "2026.2")
TODAY = date(2026, 6, 30)
SERVICES = (
    Service(
        "Payments",
        "Head of payments",
        "critical",
        mtpd_hours=24.0,
        rto_hours=4.0,
        rpo_hours=1.0,
        downtime_cost_per_hour=50_000.0,
        currency="EUR",
        bia_reviewed_on=date(2026, 1, 10),
    ),
    Service(
        "Intranet",
        "IT operations",
        "standard",
        mtpd_hours=72.0,
        rto_hours=48.0,
        rpo_hours=24.0,
        downtime_cost_per_hour=200.0,
        currency="EUR",
        bia_reviewed_on=date(2026, 1, 10),
    ),
)


@pytest.fixture
def db() -> Iterator[Database]:
    database = open_database(":memory:")
    yield database
    database.close()


def answered_at(db: Database, level_of: dict[str, int]) -> tuple[int, int]:
    """An organisation and an assessment on 2026.2 answered at level 2, but for the levels given."""
    organisation = create_organisation(db, "Acme", "Retail", "250-999 employees", "Europe")
    created = create_assessment(db, organisation.id, QUESTIONNAIRE, "FY2026", date(2026, 3, 1))
    respondent = get_or_create_respondent(db, created.id, "Continuity manager")
    for question in QUESTIONNAIRE.questions:
        save_answer(db, QUESTIONNAIRE, created.id, respondent.id, question.id, level_of.get(question.id, 2))
    return organisation.id, created.id


def test_with_a_register_and_a_log_the_facts_are_what_each_separate_function_gives(db: Database) -> None:
    organisation_id, assessment_id = answered_at(db, {"TEST-11": 4})
    save_register(db, organisation_id, SERVICES)
    save_log(
        db,
        organisation_id,
        [Exercise(date(2026, 3, 12), "failover", "Payments failover", (ServiceResult("Payments", 9.0, 0.5),))],
    )
    first_step = planned_roadmap(db, load_report(db, assessment_id))[0].step
    save_roadmap_item(
        db,
        QUESTIONNAIRE,
        assessment_id,
        first_step.question_id,
        first_step.to_level,
        owner="Dana",
        status="in_progress",
    )
    report = load_report(db, assessment_id)

    facts = roadmap_facts(db, report, TODAY)

    assert facts.planned == planned_roadmap(db, report)
    assert facts.planned[0].owner == "Dana"
    assert facts.evidenced == evidenced_score(db, report, TODAY)
    assert facts.evidenced is not None and facts.evidenced.claims
    assert facts.business_case == business_case_of(db, report, TODAY)
    assert facts.business_case is not None and facts.business_case.total > 0
    assert facts.what_if == what_if_of(report)
    assert facts.protects == protected_services(db, report)
    assert "Payments" in {name for names in facts.protects.values() for name in names}


def test_without_a_register_or_log_there_is_no_evidenced_score_and_no_business_case(db: Database) -> None:
    _, assessment_id = answered_at(db, {})
    report = load_report(db, assessment_id)

    facts = roadmap_facts(db, report, TODAY)

    assert facts.evidenced is None
    assert facts.business_case is None
    assert facts.planned == planned_roadmap(db, report)
    assert all(names == () for names in facts.protects.values())


def test_the_register_and_log_are_read_once_and_the_roadmap_built_once(db: Database) -> None:
    organisation_id, assessment_id = answered_at(db, {})
    save_register(db, organisation_id, SERVICES)
    report = load_report(db, assessment_id)
    with (
        mock.patch.object(report_module, "load_evidence", wraps=report_module.load_evidence) as reads,
        mock.patch.object(report_module, "build_roadmap", wraps=report_module.build_roadmap) as builds,
    ):
        roadmap_facts(db, report, TODAY)
    assert reads.call_count == 1
    assert builds.call_count == 1
