"""The business case: each service's expected yearly downtime exposure and how much of it the roadmap removes.

Rules, as published to users:

- Exposure of a service = downtime cost per hour x the hours by which its recovery exceeds its RTO
  (none when it recovers within it) x the expected disruptions a year (an assumption, default 1).
- Its recovery is the one measured by its last recovery test (scoring.evidence_checks: the latest
  technical recovery test, failover, full-scale exercise or real incident that measured it, tests
  after today left out); without one, the recovery its answered capability implies: RTO x the
  multiple assumed for its capability level (by default 1 at the second-highest level of the scale
  and above, and 0.5 more for each level below it: 2.5, 2, 1.5, 1, 1 on a 1-5 scale).
- Which questions protect a service: a question with checks protects the services of the tiers its
  checks name (a check that names no tier: every tier); a question without checks protects the
  tiers its domain's checks cover, and every tier when its domain has no checks. A roadmap step
  protects the services its question protects.
- A service's capability level is the lowest, over the domains, of the stage (the domain stage
  rule) of the answered, non-N/A questions of that domain that protect it; the domain at that
  lowest stage (the first in questionnaire order on a tie) is the one the exposure is counted in.
- The roadmap removes exposure by raising capability: after each phase, every practice is at the
  level its steps in that phase or before reach. A service whose level rises is expected to recover
  in the time the new level implies, or its measured time if that is faster; a service whose level
  does not rise keeps its recovery. The exposure a phase removes is the fall over that phase.
- A service without a downtime cost is listed as not costed and counts nowhere; a service without
  a test and without an answered question that protects it is listed as without a basis.
- Figures are in the register's currency; a register that mixes currencies is not summed.
"""

from __future__ import annotations

import math
from collections.abc import Mapping, Sequence
from dataclasses import dataclass, field
from datetime import date
from typing import Final

from evidence.model import TIERS, Evidence, Service, Tier
from questionnaires.model import Question, Questionnaire
from scoring.domains import stage_of
from scoring.errors import ScoringError
from scoring.evidence_checks import day_text, hours_text, last_measured
from scoring.responses import QuestionResult
from scoring.roadmap import RoadmapStep

DEFAULT_DISRUPTIONS: Final = 1.0
"""Disruptions a year assumed for every service until someone sets another figure."""
MULTIPLE_STEP: Final = 0.5
"""How much longer than its RTO, per level below the second-highest, an untested service is assumed to take."""


@dataclass(frozen=True, slots=True)
class Assumptions:
    """What the business case assumes: disruptions a year and, per capability level, recovery as a multiple of RTO."""

    disruptions_per_year: float
    rto_multiples: Mapping[int, float] = field(hash=False)


def default_multiples(questionnaire: Questionnaire) -> dict[int, float]:
    """Return the default recovery multiple of RTO per level: 1 from the second-highest level up, 0.5 more per level below."""
    scale = list(questionnaire.level_numbers)
    pivot = max(len(scale) - 2, 0)
    return {level: 1.0 + MULTIPLE_STEP * max(0, pivot - index) for index, level in enumerate(scale)}


def default_assumptions(questionnaire: Questionnaire) -> Assumptions:
    """Return the assumptions a business case starts from: one disruption a year and the default multiples."""
    return Assumptions(DEFAULT_DISRUPTIONS, default_multiples(questionnaire))


def assumptions_with(
    questionnaire: Questionnaire, disruptions_per_year: float | None, rto_multiples: Mapping[int, float]
) -> Assumptions:
    """Return the defaults overridden by stored choices; levels not on the scale are ignored."""
    multiples = default_multiples(questionnaire)
    multiples.update({level: value for level, value in rto_multiples.items() if level in multiples})
    disruptions = DEFAULT_DISRUPTIONS if disruptions_per_year is None else disruptions_per_year
    return check_assumptions(questionnaire, Assumptions(disruptions, multiples))


def check_assumptions(questionnaire: Questionnaire, assumptions: Assumptions) -> Assumptions:
    """Return the assumptions when usable, else raise ScoringError saying which figure to change and how."""
    problems: list[str] = []
    if not math.isfinite(assumptions.disruptions_per_year) or assumptions.disruptions_per_year < 0:
        problems.append(f"disruptions a year must be a number, 0 or more (not {assumptions.disruptions_per_year:g})")
    previous: tuple[int, float] | None = None
    for level in questionnaire.level_numbers:
        value = assumptions.rto_multiples.get(level)
        if value is None or not math.isfinite(value) or value < 1:
            problems.append(f"the recovery multiple of RTO at level {level} must be a number, 1 or more")
            continue
        if previous is not None and value > previous[1]:
            problems.append(
                f"the recovery multiple at level {level} ({value:g}) must not exceed the one at level "
                f"{previous[0]} ({previous[1]:g}): a higher level never recovers slower"
            )
        previous = (level, value)
    if problems:
        raise ScoringError("Business case assumptions: " + "; ".join(problems) + ".")
    return assumptions


def money_text(value: float, currency: str) -> str:
    """Return an amount as "EUR 12,500" (whole units; the currency code first, when there is one)."""
    amount = f"{value:,.0f}"
    return f"{currency} {amount}" if currency else amount


def downtime_exposure(cost_per_hour: float, recovery_hours: float, rto_hours: float, disruptions: float) -> float:
    """Return cost per hour x the hours recovery exceeds the RTO (0 when within it) x disruptions a year."""
    return cost_per_hour * max(0.0, recovery_hours - rto_hours) * disruptions


def _check_tiers(question: Question) -> frozenset[Tier]:
    tiers: set[Tier] = set()
    for check in question.checks:
        tier = getattr(check, "tier", None)
        tiers.update(TIERS if tier is None else (tier,))
    return frozenset(tiers)


def protected_tiers(questionnaire: Questionnaire) -> dict[str, frozenset[Tier]]:
    """Return, per question id, the tiers of the services it protects (see the rules above)."""
    by_domain: dict[str, set[Tier]] = {}
    for question in questionnaire.questions:
        by_domain.setdefault(question.domain, set()).update(_check_tiers(question))
    found: dict[str, frozenset[Tier]] = {}
    for question in questionnaire.questions:
        own = _check_tiers(question)
        found[question.id] = own or frozenset(by_domain.get(question.domain) or TIERS)
    return found


def step_services(
    questionnaire: Questionnaire, steps: Sequence[RoadmapStep], evidence: Evidence
) -> dict[int, tuple[str, ...]]:
    """Return, per step order, the names of the register's services the step protects."""
    tiers = protected_tiers(questionnaire)
    # Few questions differ in the tiers they protect: the register is filtered once per set of tiers.
    names: dict[frozenset[Tier], tuple[str, ...]] = {}
    for protected in set(tiers.values()):
        names[protected] = tuple(s.name for s in evidence.services if s.tier in protected)
    return {step.order: names[tiers[step.question_id]] for step in steps}


def capability(
    questionnaire: Questionnaire, tier: Tier, levels: Mapping[str, int], tiers: Mapping[str, frozenset[Tier]]
) -> tuple[int | None, str | None]:
    """Return a service's capability level and the domain that sets it, from the levels of the questions."""
    threshold = questionnaire.scoring.stage_threshold
    lowest: tuple[int, str] | None = None
    for domain in questionnaire.domains:
        weights = [
            (levels[q.id], float(q.weight))
            for q in questionnaire.questions
            if q.domain == domain.id and q.id in levels and tier in tiers[q.id]
        ]
        stage = stage_of(weights, questionnaire.level_numbers, threshold)
        if stage is not None and (lowest is None or stage < lowest[0]):
            lowest = (stage, domain.id)
    return (None, None) if lowest is None else lowest


@dataclass(frozen=True, slots=True)
class ServiceExposure:
    """One service's exposure now, where its recovery figure comes from, and what each phase removes."""

    service: str
    tier: Tier
    rto_hours: float
    cost_per_hour: float | None
    currency: str
    recovery_hours: float | None  # None: no test and no answered question that protects it
    source: str  # e.g. "last failover on 12 Mar 2026" or "answered capability, level 3: 1.5 x RTO"
    level: int | None  # its capability level as answered
    domain_id: str | None  # the domain its exposure is counted in
    exposure: float | None  # None: not costed, or no basis
    removed_by_phase: tuple[float, ...]

    @property
    def costed(self) -> bool:
        """Whether the register gives the service a downtime cost per hour."""
        return self.cost_per_hour is not None

    @property
    def remaining(self) -> float | None:
        """The exposure left when every phase of the roadmap is done."""
        return None if self.exposure is None else max(0.0, self.exposure - sum(self.removed_by_phase))


@dataclass(frozen=True, slots=True)
class DomainExposure:
    """The exposure of the services whose capability a domain sets, summed."""

    domain_id: str
    name: str
    exposure: float
    services: int


@dataclass(frozen=True, slots=True)
class PhaseCase:
    """What one roadmap phase is expected to remove against the effort it takes."""

    index: int
    name: str
    points: int
    steps: int
    removed: float
    services: tuple[str, ...]  # the services whose exposure it lowers

    @property
    def removed_per_point(self) -> float | None:
        """Exposure removed per effort point, or None when the phase takes no effort."""
        return self.removed / self.points if self.points else None


@dataclass(frozen=True, slots=True)
class BusinessCase:
    """The business case of one assessment: assumptions, exposure per service, per domain and per phase."""

    assumptions: Assumptions
    currency: str
    services: tuple[ServiceExposure, ...]
    domains: tuple[DomainExposure, ...]
    phases: tuple[PhaseCase, ...]
    problem: str = ""  # why nothing is summed (mixed currencies), "" when the sums stand

    @property
    def total(self) -> float | None:
        """The exposure of every costed service with a basis, or None when the currencies can't be summed."""
        if self.problem:
            return None
        return sum(s.exposure for s in self.services if s.exposure is not None)

    @property
    def removed(self) -> float | None:
        """The exposure the whole roadmap is expected to remove, or None when nothing is summed."""
        return None if self.problem else sum(p.removed for p in self.phases)

    @property
    def not_costed(self) -> tuple[str, ...]:
        """Services the register gives no downtime cost: they count nowhere."""
        return tuple(s.service for s in self.services if not s.costed)

    @property
    def without_basis(self) -> tuple[str, ...]:
        """Costed services with no test and no answered question that protects them."""
        return tuple(s.service for s in self.services if s.costed and s.recovery_hours is None)


def mixed_currencies(services: Sequence[Service]) -> tuple[str, ...]:
    """Return the currencies of the costed services, sorted, when there are several; else ()."""
    found = sorted({s.currency for s in services if s.downtime_cost_per_hour is not None})
    return tuple(found) if len(found) > 1 else ()


def _multiple_text(value: float) -> str:
    return f"{value:g} x RTO"


def _levels_after(answered: Mapping[str, int], steps: Sequence[RoadmapStep], phase_index: int) -> dict[str, int]:
    levels = dict(answered)
    for step in steps:
        if step.phase_index <= phase_index and step.question_id in levels:
            levels[step.question_id] = max(levels[step.question_id], step.to_level)
    return levels


def _recovery_after(
    service: Service, measured: float | None, level_now: int | None, level: int | None, assumptions: Assumptions
) -> float | None:
    if level is None:
        return measured
    implied = service.rto_hours * assumptions.rto_multiples[level]
    if measured is None:
        return implied
    return measured if level == level_now else min(measured, implied)


def business_case(
    questionnaire: Questionnaire,
    questions: Mapping[str, QuestionResult],
    steps: Sequence[RoadmapStep],
    evidence: Evidence,
    assumptions: Assumptions,
    today: date,
) -> BusinessCase:
    """Return the business case of resolved question results, their roadmap and the organisation's evidence."""
    check_assumptions(questionnaire, assumptions)
    tiers = protected_tiers(questionnaire)
    answered = {
        qid: r.level for qid, r in questions.items() if r.answered and not r.na and r.level is not None and qid in tiers
    }
    phases = questionnaire.scoring.phases
    after = [_levels_after(answered, steps, index) for index in range(len(phases))]
    tests = last_measured(evidence, today, "recovery_hours")
    disruptions = assumptions.disruptions_per_year
    # A capability depends only on the tier and the levels: worked out once per tier, not once per service.
    now_of = {tier: capability(questionnaire, tier, answered, tiers) for tier in TIERS}
    later_of = [{tier: capability(questionnaire, tier, levels, tiers)[0] for tier in TIERS} for levels in after]
    exposures: list[ServiceExposure] = []
    for service in evidence.services:
        level, domain_id = now_of[service.tier]
        test = tests.get(service.name)
        measured = None if test is None else test[1]
        if test is not None:
            source = f"last {test[0].kind} on {day_text(test[0].day)}: {hours_text(test[1])}"
        elif level is not None:
            source = f"answered capability, level {level}: {_multiple_text(assumptions.rto_multiples[level])}"
        else:
            source = "no recovery test and no answered question that protects it"
        recovery = measured if measured is not None else _recovery_after(service, None, level, level, assumptions)
        cost = service.downtime_cost_per_hour
        exposure = None
        removed: tuple[float, ...] = tuple(0.0 for _ in phases)
        if cost is not None and recovery is not None:
            exposure = downtime_exposure(cost, recovery, service.rto_hours, disruptions)
            previous = exposure
            falls = []
            for levels_of in later_of:
                later_level = levels_of[service.tier]
                later = _recovery_after(service, measured, level, later_level, assumptions)
                value = previous if later is None else downtime_exposure(cost, later, service.rto_hours, disruptions)
                falls.append(previous - value)
                previous = value
            removed = tuple(falls)
        exposures.append(
            ServiceExposure(
                service=service.name,
                tier=service.tier,
                rto_hours=service.rto_hours,
                cost_per_hour=cost,
                currency=service.currency,
                recovery_hours=recovery,
                source=source,
                level=level,
                domain_id=domain_id,
                exposure=exposure,
                removed_by_phase=removed,
            )
        )
    mixed = mixed_currencies(evidence.services)
    problem = (
        f"The register gives downtime costs in {', '.join(mixed)}, so the exposures are not added up; give every "
        "service's downtime cost in one currency on the Evidence page."
        if mixed
        else ""
    )
    currency = (
        "" if mixed else next((s.currency for s in evidence.services if s.downtime_cost_per_hour is not None), "")
    )
    domains = tuple(
        DomainExposure(
            domain_id=domain.id,
            name=domain.name,
            exposure=sum(s.exposure for s in exposures if s.domain_id == domain.id and s.exposure is not None),
            services=sum(1 for s in exposures if s.domain_id == domain.id and s.exposure is not None),
        )
        for domain in questionnaire.domains
    )
    phase_cases = tuple(
        PhaseCase(
            index=index,
            name=phase.name,
            points=sum(step.points for step in steps if step.phase_index == index),
            steps=sum(1 for step in steps if step.phase_index == index),
            removed=sum(s.removed_by_phase[index] for s in exposures),
            services=tuple(s.service for s in exposures if s.removed_by_phase[index] > 0),
        )
        for index, phase in enumerate(phases)
    )
    return BusinessCase(assumptions, currency, tuple(exposures), domains, phase_cases, problem)
