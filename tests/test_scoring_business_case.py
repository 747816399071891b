"""The business case: downtime exposure per service, per domain, and what each roadmap phase removes."""

from __future__ import annotations

from datetime import date
from typing import Any

import pytest
from hypothesis import given, settings
from hypothesis import strategies as st
from scoring_fixtures import answers, question, questionnaire

from evidence.model import Evidence, Exercise, Service, ServiceResult
from questionnaires.model import Questionnaire
from scoring import build_roadmap, score_assessment
from scoring.business_case import (
    Assumptions,
    BusinessCase,
    business_case,
    check_assumptions,
    default_assumptions,
    default_multiples,
    downtime_exposure,
    protected_tiers,
    step_services,
)
from scoring.errors import ScoringError

TODAY = date(2026, 6, 30)


def _checked(data: dict[str, Any], *checks: dict[str, Any]) -> dict[str, Any]:
    return {**data, "checks": list(checks)}


def _questionnaire() -> Questionnaire:
    """REC-01 has no check; TEST-01 checks the critical tier's RTOs from level 4 (so protects critical only)."""
    return questionnaire(
        [
            question("REC-01"),
            _checked(question("TEST-01"), {"check": "last_test_met_rto", "from_level": 4, "tier": "critical"}),
        ]
    )


def _service(name: str, tier: str = "critical", cost: float | None = 1000, currency: str = "EUR") -> Service:
    return Service(name, "Owner", tier, 8, 4, 1, cost, currency if cost is not None else "")  # type: ignore[arg-type]


def _failover(service: str, hours: float, day: date = date(2026, 3, 12)) -> Exercise:
    return Exercise(day, "failover", "Failover", (ServiceResult(service, hours),))


def _case(levels: dict[str, int], evidence: Evidence, assumptions: Assumptions | None = None) -> BusinessCase:
    model = _questionnaire()
    score = score_assessment(model, answers(levels))
    steps = build_roadmap(model, score.questions, score.targets)
    return business_case(model, score.questions, steps, evidence, assumptions or default_assumptions(model), TODAY)


def test_default_multiples_are_one_from_the_second_highest_level_and_half_more_per_level_below() -> None:
    assert default_multiples(_questionnaire()) == {1: 2.5, 2: 2.0, 3: 1.5, 4: 1.0, 5: 1.0}
    zero_to_five = questionnaire([question("A-01", levels=range(6))], levels=range(6))
    assert default_multiples(zero_to_five) == {0: 3.0, 1: 2.5, 2: 2.0, 3: 1.5, 4: 1.0, 5: 1.0}


def test_exposure_of_a_tested_service_is_cost_times_hours_over_rto_times_disruptions() -> None:
    evidence = Evidence((_service("Payments"),), (_failover("Payments", 9),))
    model = _questionnaire()
    twice = Assumptions(2, default_multiples(model))
    case = _case({"REC-01": 4, "TEST-01": 4}, evidence, twice)
    (payments,) = case.services
    assert payments.recovery_hours == 9
    assert payments.exposure == 1000 * (9 - 4) * 2
    assert payments.source == "last failover on 12 Mar 2026: 9 h"
    assert case.total == 10_000
    assert case.currency == "EUR"


def test_an_untested_service_recovers_as_its_answered_capability_implies() -> None:
    case = _case({"REC-01": 2, "TEST-01": 3}, Evidence((_service("Payments"),)))
    (payments,) = case.services
    # Capability: REC at stage 2, TEST at 3 -> level 2, set by REC; 2 x RTO of 4 h = 8 h, 4 h over.
    assert (payments.level, payments.domain_id) == (2, "REC")
    assert payments.recovery_hours == 8
    assert payments.exposure == 4000
    assert payments.source == "answered capability, level 2: 2 x RTO"
    assert {d.domain_id: d.exposure for d in case.domains} == {"REC": 4000, "TEST": 0}


def test_the_phase_that_raises_capability_removes_the_exposure_it_lowers_against_its_effort() -> None:
    case = _case({"REC-01": 2, "TEST-01": 3}, Evidence((_service("Payments"),)))
    # REC-01's step to 3 (effort M, 3 points) is in the first phase: level 3 -> 1.5 x 4 h = 6 h, 2 h over.
    first = case.phases[0]
    assert (first.points, first.steps, first.removed, first.services) == (3, 1, 2000, ("Payments",))
    assert first.removed_per_point == pytest.approx(2000 / 3)
    assert [p.removed for p in case.phases[1:]] == [0, 0]
    assert case.services[0].remaining == 2000
    assert case.removed == 2000


def test_a_tested_service_keeps_its_measured_recovery_until_its_capability_rises() -> None:
    evidence = Evidence((_service("Payments"),), (_failover("Payments", 9),))
    unchanged = _case({"REC-01": 3, "TEST-01": 3}, evidence)
    assert unchanged.services[0].exposure == 5000
    assert unchanged.removed == 0
    raised = _case({"REC-01": 2, "TEST-01": 3}, evidence)
    # Level 2 -> 3 in the first phase: min(9 h measured, 1.5 x 4 h) = 6 h, 2 h over instead of 5.
    assert raised.phases[0].removed == 3000


def test_a_question_with_checks_protects_only_the_tiers_they_name() -> None:
    tiers = protected_tiers(_questionnaire())
    assert tiers["TEST-01"] == frozenset({"critical"})
    assert tiers["REC-01"] == frozenset({"critical", "important", "standard"})
    case = _case({"REC-01": 3, "TEST-01": 1}, Evidence((_service("Intranet", tier="standard"),)))
    # TEST-01 at 1 does not protect a standard service: its capability is REC's stage.
    assert case.services[0].level == 3


def test_roadmap_steps_name_the_services_they_protect() -> None:
    model = _questionnaire()
    score = score_assessment(model, answers({"REC-01": 2, "TEST-01": 2}))
    steps = build_roadmap(model, score.questions, score.targets)
    evidence = Evidence((_service("Payments"), _service("Intranet", tier="standard")))
    protects = {steps_by.question_id: step_services(model, steps, evidence)[steps_by.order] for steps_by in steps}
    assert protects == {"REC-01": ("Payments", "Intranet"), "TEST-01": ("Payments",)}


def test_a_service_without_a_cost_is_listed_as_not_costed_and_counts_nowhere() -> None:
    evidence = Evidence((_service("Payments"), _service("Intranet", cost=None)), (_failover("Payments", 9),))
    case = _case({"REC-01": 1, "TEST-01": 1}, evidence)
    assert case.not_costed == ("Intranet",)
    assert case.services[1].exposure is None
    assert case.total == 5000


def test_a_register_with_several_currencies_is_not_summed_and_says_how_to_fix_it() -> None:
    evidence = Evidence(
        (_service("Payments"), _service("Ledger", currency="GBP")),
        (_failover("Payments", 9), _failover("Ledger", 6)),
    )
    case = _case({"REC-01": 1, "TEST-01": 1}, evidence)
    assert case.total is None and case.removed is None
    assert "EUR, GBP" in case.problem and "one currency" in case.problem
    assert [s.exposure for s in case.services] == [5000, 2000]


def test_a_service_without_test_or_answer_has_no_basis() -> None:
    case = _case({"TEST-01": 3}, Evidence((_service("Intranet", tier="standard"),)))
    assert case.without_basis == ("Intranet",)
    assert case.services[0].exposure is None


@pytest.mark.parametrize(
    ("disruptions", "multiples", "says"),
    [
        (-1, {1: 2.5, 2: 2, 3: 1.5, 4: 1, 5: 1}, "disruptions a year must be a number, 0 or more"),
        (1, {1: 2.5, 2: 2, 3: 2.5, 4: 1, 5: 1}, "at level 3 (2.5) must not exceed the one at level 2 (2)"),
        (1, {1: 2.5, 2: 2, 3: 1.5, 4: 1, 5: 0.5}, "at level 5 must be a number, 1 or more"),
    ],
)
def test_unusable_assumptions_are_refused_naming_the_figure(
    disruptions: float, multiples: dict[int, float], says: str
) -> None:
    with pytest.raises(ScoringError, match="Business case assumptions") as refused:
        check_assumptions(_questionnaire(), Assumptions(disruptions, multiples))
    assert says in str(refused.value)


hours = st.floats(min_value=0, max_value=1000, allow_nan=False)


@given(cost=hours, recovery=hours, rto=hours, disruptions=hours)
def test_exposure_is_never_negative(cost: float, recovery: float, rto: float, disruptions: float) -> None:
    assert downtime_exposure(cost, recovery, rto, disruptions) >= 0


@given(cost=hours, recovery=hours, faster=hours, rto=hours, disruptions=hours)
def test_a_faster_recovery_never_raises_exposure(
    cost: float, recovery: float, faster: float, rto: float, disruptions: float
) -> None:
    quicker = min(recovery, faster)
    assert downtime_exposure(cost, quicker, rto, disruptions) <= downtime_exposure(cost, recovery, rto, disruptions)


@given(cost=hours, recovery=hours, rto=hours, disruptions=hours, more=hours)
def test_more_disruptions_never_lower_exposure(
    cost: float, recovery: float, rto: float, disruptions: float, more: float
) -> None:
    assert downtime_exposure(cost, recovery, rto, disruptions + more) >= downtime_exposure(
        cost, recovery, rto, disruptions
    )


@settings(max_examples=60, deadline=None)
@given(
    rec=st.integers(1, 5),
    test=st.integers(1, 5),
    measured=st.one_of(st.none(), st.floats(min_value=0, max_value=48)),
    disruptions=st.floats(min_value=0, max_value=12),
)
def test_phases_remove_nothing_negative_and_never_more_than_the_exposure(
    rec: int, test: int, measured: float | None, disruptions: float
) -> None:
    log = () if measured is None else (_failover("Payments", measured),)
    model = _questionnaire()
    case = _case(
        {"REC-01": rec, "TEST-01": test},
        Evidence((_service("Payments"),), log),
        Assumptions(disruptions, default_multiples(model)),
    )
    (payments,) = case.services
    assert all(removed >= 0 for removed in payments.removed_by_phase)
    assert payments.exposure is not None
    assert sum(payments.removed_by_phase) <= payments.exposure + 1e-6
