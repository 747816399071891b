"""The improvement roadmap: ordered steps from each practice's level up to its domain's target.

Rules, as published to users:

- Every answered, non-N/A question below its domain's target gets one step per level from the
  level above its current one up to the target, with the question's action for that level
  (without one: "Reach level L: <the practice's statement for level L>", effort M).
- Order: lower target level first, then higher priority (question weight x domain weight), then
  lower effort, then questionnaire order.
- Phases: steps are taken in that order and each goes into the first phase, not earlier than the
  phase of the same practice's previous step, that still has room for its effort points. A step
  that fits nowhere goes into the last phase and is marked as overflow.
- So a practice's step to L+1 never comes before its step to L, in order or in phase.
- What a phase can hold: its capacity; a phase without one (the last, which takes all the rest) can
  hold its months times the fastest pace, in effort points a month, of the phases that have one.
  A phase whose steps need more points than that holds more than it can, and the roadmap says so.
- Unanswered questions get no steps: while any question is unanswered the roadmap is provisional.
"""

from __future__ import annotations

import math
from collections.abc import Mapping, Sequence
from dataclasses import dataclass
from fractions import Fraction

from questionnaires.model import Effort, Questionnaire
from scoring.errors import ScoringError
from scoring.responses import QuestionResult
from scoring.targets import resolve_targets

FALLBACK_EFFORT: Effort = "M"
"""Effort size given to a step whose question has no action for the level."""


@dataclass(frozen=True, slots=True)
class RoadmapStep:
    """One step of the roadmap: bring one practice from one level to the next."""

    order: int
    question_id: str
    domain_id: str
    practice: str
    from_level: int
    to_level: int
    action: str
    effort: Effort
    points: int
    priority: float
    phase_index: int
    phase_name: str
    overflow: bool


@dataclass(frozen=True, slots=True)
class PhaseLoad:
    """How much of one phase the roadmap uses."""

    index: int
    name: str
    start_month: int
    end_month: int
    capacity: int | None
    points: int
    steps: int

    @property
    def over_capacity(self) -> bool:
        """Whether the steps in this phase need more points than it has."""
        return self.capacity is not None and self.points > self.capacity


@dataclass(frozen=True, slots=True)
class PhaseFit:
    """One phase's effort points against what it can hold."""

    load: PhaseLoad
    can_hold: int | None
    """Its capacity, or for a phase without one its months at `pace`; None when no phase has a capacity."""
    pace: Fraction | None
    """Effort points a month that `can_hold` is measured at, when the phase has no capacity of its own."""

    @property
    def implied(self) -> bool:
        """Whether `can_hold` comes from the pace of the other phases rather than a capacity of its own."""
        return self.load.capacity is None and self.can_hold is not None

    @property
    def over(self) -> bool:
        """Whether the steps placed in this phase need more effort points than it can hold."""
        return self.can_hold is not None and self.load.points > self.can_hold


@dataclass(frozen=True, slots=True)
class _Candidate:
    """A step before it has an order and a phase."""

    sort_key: tuple[int, float, int, int]
    question_id: str
    domain_id: str
    practice: str
    from_level: int
    to_level: int
    action: str
    effort: Effort
    points: int
    priority: float


def phase_capacities(
    questionnaire: Questionnaire, capacities: Sequence[int | None] | None = None
) -> tuple[int | None, ...]:
    """Return the capacity of each phase: the override when given, else the questionnaire's."""
    phases = questionnaire.scoring.phases
    if capacities is None:
        return tuple(phase.capacity for phase in phases)
    chosen = tuple(capacities)
    if len(chosen) != len(phases):
        raise ScoringError(
            f"{len(chosen)} phase capacities given for {len(phases)} phases; give one per phase (None for unlimited)"
        )
    for phase, capacity in zip(phases, chosen, strict=True):
        whole = isinstance(capacity, int) and not isinstance(capacity, bool)
        if capacity is not None and (not whole or capacity < 0):
            raise ScoringError(
                f"capacity {capacity!r} for phase '{phase.name}' must be a whole number of effort "
                "points, 0 or more, or None for unlimited"
            )
    return chosen


def _candidates(
    questionnaire: Questionnaire, questions: Mapping[str, QuestionResult], targets: Mapping[str, int]
) -> list[_Candidate]:
    scale = questionnaire.level_numbers
    domain_weights = {domain.id: domain.weight for domain in questionnaire.domains}
    effort_points = questionnaire.scoring.effort_points
    found: list[_Candidate] = []
    for index, question in enumerate(questionnaire.questions):
        result = questions.get(question.id)
        if result is None or result.na or result.level is None:
            continue
        target = targets[question.domain]
        priority = question.weight * domain_weights[question.domain]
        previous = result.level
        for level in scale:
            if level <= result.level or level > target:
                continue
            planned = question.actions.get(level)
            if planned is None:
                statement = question.levels.get(level) or questionnaire.level(level).description
                action, effort = f"Reach level {level}: {statement}", FALLBACK_EFFORT
            else:
                action, effort = planned.action, planned.effort
            points = effort_points[effort]
            found.append(
                _Candidate(
                    sort_key=(level, -priority, points, index),
                    question_id=question.id,
                    domain_id=question.domain,
                    practice=question.text,
                    from_level=previous,
                    to_level=level,
                    action=action,
                    effort=effort,
                    points=points,
                    priority=priority,
                )
            )
            previous = level
    return found


def _fits(capacity: int | None, used: int, points: int) -> bool:
    return capacity is None or used + points <= capacity


def build_roadmap(
    questionnaire: Questionnaire,
    questions: Mapping[str, QuestionResult],
    targets: Mapping[str, int] | None = None,
    capacities: Sequence[int | None] | None = None,
) -> tuple[RoadmapStep, ...]:
    """Return the ordered, phased roadmap steps for resolved question results.

    `targets` maps domain ids to target levels (missing domains get the default target);
    `capacities` overrides the phases' capacities in effort points (None = unlimited).
    """
    resolved_targets = resolve_targets(questionnaire, targets)
    caps = phase_capacities(questionnaire, capacities)
    phases = questionnaire.scoring.phases
    last = len(phases) - 1
    used = [0] * len(phases)
    earliest: dict[str, int] = {}
    steps: list[RoadmapStep] = []
    ordered = sorted(_candidates(questionnaire, questions, resolved_targets), key=lambda c: c.sort_key)
    for order, candidate in enumerate(ordered, start=1):
        start = earliest.get(candidate.question_id, 0)
        chosen = next(
            (i for i in range(start, len(phases)) if _fits(caps[i], used[i], candidate.points)),
            None,
        )
        overflow = chosen is None
        phase_index = last if chosen is None else chosen
        used[phase_index] += candidate.points
        earliest[candidate.question_id] = phase_index
        steps.append(
            RoadmapStep(
                order=order,
                question_id=candidate.question_id,
                domain_id=candidate.domain_id,
                practice=candidate.practice,
                from_level=candidate.from_level,
                to_level=candidate.to_level,
                action=candidate.action,
                effort=candidate.effort,
                points=candidate.points,
                priority=candidate.priority,
                phase_index=phase_index,
                phase_name=phases[phase_index].name,
                overflow=overflow,
            )
        )
    return tuple(steps)


def roadmap_is_provisional(questions: Mapping[str, QuestionResult]) -> bool:
    """Whether some question is still unanswered, so the roadmap may still grow."""
    return any(not result.answered for result in questions.values())


def phase_loads(
    questionnaire: Questionnaire,
    steps: Sequence[RoadmapStep],
    capacities: Sequence[int | None] | None = None,
) -> tuple[PhaseLoad, ...]:
    """Return, per phase, its window, capacity and the effort points and steps placed in it."""
    caps = phase_capacities(questionnaire, capacities)
    return tuple(
        PhaseLoad(
            index=index,
            name=phase.name,
            start_month=phase.start_month,
            end_month=phase.end_month,
            capacity=caps[index],
            points=sum(step.points for step in steps if step.phase_index == index),
            steps=sum(1 for step in steps if step.phase_index == index),
        )
        for index, phase in enumerate(questionnaire.scoring.phases)
    )


def phase_fits(loads: Sequence[PhaseLoad]) -> tuple[PhaseFit, ...]:
    """Return, per phase, the effort points it can hold and whether its steps need more (see the rules above)."""
    paces = [
        Fraction(load.capacity, load.end_month - load.start_month)
        for load in loads
        if load.capacity is not None and load.end_month > load.start_month
    ]
    pace = max(paces, default=None)
    fits = []
    for load in loads:
        if load.capacity is not None:
            fits.append(PhaseFit(load, load.capacity, None))
        elif pace is None:
            fits.append(PhaseFit(load, None, None))
        else:
            fits.append(PhaseFit(load, math.floor(pace * (load.end_month - load.start_month)), pace))
    return tuple(fits)
