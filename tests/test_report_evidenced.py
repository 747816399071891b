"""An assessment's score as evidenced: its organisation's register and log checked against its answers."""

from __future__ import annotations

from collections.abc import Iterator
from datetime import date

import pytest
from sqlite_utils import Database

from evidence.model import Exercise, Service, ServiceResult
from exports.report import evidenced_score, load_report
from questionnaires.catalog import get_questionnaire
from storage import (
    create_assessment,
    create_organisation,
    get_or_create_respondent,
    open_database,
    save_answer,
)
from storage.evidence import save_log, save_register

QUESTIONNAIRE = get_questionnaire("itscm", "2026.2")
TODAY = date(2026, 6, 30)
PAYMENTS = Service(
    "Payments",
    "Head of payments",
    "critical",
    mtpd_hours=24.0,
    rto_hours=4.0,
    rpo_hours=1.0,
    bia_reviewed_on=date(2026, 1, 10),
)


@pytest.fixture
def db() -> Iterator[Database]:
    database = open_database(":memory:")
    yield database
    database.close()


@pytest.fixture
def assessment(db: Database) -> tuple[int, int]:
    """An organisation and an assessment on 2026.2 with every question answered at level 4."""
    organisation = create_organisation(db, "Acme", "Retail", "250-999 employees", "Europe")
    created = create_assessment(db, organisation.id, QUESTIONNAIRE, "FY2026", date(2026, 3, 1))
    respondent = get_or_create_respondent(db, created.id, "Continuity manager")
    for question in QUESTIONNAIRE.questions:
        save_answer(db, QUESTIONNAIRE, created.id, respondent.id, question.id, 4)
    return organisation.id, created.id


def failover(hours: float) -> Exercise:
    return Exercise(date(2026, 3, 12), "failover", "Payments failover", (ServiceResult("Payments", hours, 0.5),))


def test_an_organisation_without_a_register_or_log_has_no_evidenced_score(
    db: Database, assessment: tuple[int, int]
) -> None:
    assert evidenced_score(db, load_report(db, assessment[1]), today=TODAY) is None


def test_a_failover_that_missed_its_rto_caps_the_claim_and_says_why_with_the_figures(
    db: Database, assessment: tuple[int, int]
) -> None:
    organisation_id, assessment_id = assessment
    save_register(db, organisation_id, [PAYMENTS])
    save_log(db, organisation_id, [failover(9.0)])
    result = evidenced_score(db, load_report(db, assessment_id), today=TODAY)
    assert result is not None
    assert [(c.question_id, c.answered, c.supported) for c in result.claims] == [("TEST-11", 4, 3)]
    sentence = result.claims[0].sentence
    assert sentence.startswith("TEST-11 answered 4; ")
    assert all(figure in sentence for figure in ("Payments", "9 h", "4 h", "12 Mar 2026"))
    assert sentence.endswith("the facts support 3")
    assert result.claims[0].closing_step == f"Close the gap behind TEST-11: {sentence}"
    assert result.questions["TEST-11"].evidenced_level == 3
    assert result.questions["TEST-02"].evidenced_level == 4  # a check the facts support leaves the answer
    assert not result.questions["RISK-01"].checked and result.questions["RISK-01"].evidenced_level == 4
    test = next(d for d in result.evidenced.domains if d.domain_id == "TEST")
    answered = next(d for d in result.answered.domains if d.domain_id == "TEST")
    assert test.score is not None and answered.score is not None and test.score < answered.score


def test_a_failover_within_its_rto_supports_every_checked_answer(db: Database, assessment: tuple[int, int]) -> None:
    organisation_id, assessment_id = assessment
    save_register(db, organisation_id, [PAYMENTS])
    save_log(db, organisation_id, [failover(3.0)])
    result = evidenced_score(db, load_report(db, assessment_id), today=TODAY)
    assert result is not None
    assert result.claims == ()
    assert result.evidenced.overall.score == result.answered.overall.score
