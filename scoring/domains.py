"""Domain and overall scores, stages and completeness from resolved question results.

Rules, as published to users:

- Domain score = the weighted mean of the answered, non-N/A levels (weights from the questions).
- Domain stage = the highest level L such that the questions answered at L or above carry at least
  the stage threshold (default 0.8) of the domain's answered, non-N/A weight.
- N/A questions leave both the numerator and the denominator; a domain whose questions are all N/A
  or unanswered has no score and no stage.
- Overall score = the weighted mean of the domain scores (domain weights) over the scored domains.
- Overall stage = the lowest domain stage ("lowest_domain") or the overall score rounded down to a
  level of the scale ("floor_of_score"); there is none while any domain has no stage.
- Completeness = answered questions (N/A included) / all questions; under 1 the result is provisional.
"""

from __future__ import annotations

from collections.abc import Iterable, Mapping, Sequence
from dataclasses import dataclass

from questionnaires.model import Domain, Question, Questionnaire
from scoring.errors import ScoringError
from scoring.responses import QuestionResult
from scoring.targets import gap

TOLERANCE = 1e-9
"""Float error allowed when comparing weight shares and rounding scores down."""


@dataclass(frozen=True, slots=True)
class DomainScore:
    """Score, stage, completeness and target gap of one domain."""

    domain_id: str
    name: str
    weight: float
    score: float | None
    stage: int | None
    completeness: float
    answered: int
    not_applicable: int
    total: int
    target: int
    gap: int | None
    provisional: bool


@dataclass(frozen=True, slots=True)
class OverallScore:
    """Score, stage and completeness of the whole assessment."""

    score: float | None
    stage: int | None
    completeness: float
    answered: int
    total: int
    provisional: bool


def weighted_mean(pairs: Iterable[tuple[float, float]]) -> float | None:
    """Return the weighted mean of (value, weight) pairs, or None when there are none."""
    total = 0.0
    weighted = 0.0
    for value, weight in pairs:
        weighted += value * weight
        total += weight
    return weighted / total if total > 0 else None


def stage_of(level_weights: Sequence[tuple[int, float]], scale: Sequence[int], threshold: float) -> int | None:
    """Return the highest level whose at-or-above weight reaches `threshold` of the total.

    `level_weights` holds (level, weight) of the answered, non-N/A questions; None when empty.
    """
    total = sum(weight for _, weight in level_weights)
    if not level_weights or total <= 0:
        return None
    for level in sorted(scale, reverse=True):
        at_or_above = sum(weight for answer, weight in level_weights if answer >= level)
        if at_or_above >= threshold * total - TOLERANCE:
            return level
    # Unreachable for answers on the scale: the lowest level always holds the whole weight.
    return min(scale)


def completeness_of(answered: int, total: int) -> float:
    """Return answered / total; a domain without questions counts as complete."""
    return answered / total if total else 1.0


def score_domain(
    questionnaire: Questionnaire,
    domain: Domain,
    questions: Sequence[Question],
    results: Mapping[str, QuestionResult],
    target: int,
) -> DomainScore:
    """Score one domain from the results of its questions against its target level."""
    level_weights: list[tuple[int, float]] = []
    answered = 0
    not_applicable = 0
    for question in questions:
        result = results.get(question.id)
        if result is None or not result.answered:
            continue
        answered += 1
        if result.na or result.level is None:
            not_applicable += 1
            continue
        level_weights.append((result.level, float(question.weight)))
    score = weighted_mean(level_weights)
    stage = stage_of(level_weights, questionnaire.level_numbers, questionnaire.scoring.stage_threshold)
    completeness = completeness_of(answered, len(questions))
    return DomainScore(
        domain_id=domain.id,
        name=domain.name,
        weight=domain.weight,
        score=score,
        stage=stage,
        completeness=completeness,
        answered=answered,
        not_applicable=not_applicable,
        total=len(questions),
        target=target,
        gap=gap(target, stage),
        provisional=completeness < 1,
    )


def floor_to_scale(score: float, scale: Sequence[int]) -> int:
    """Return the highest level of the scale at or below `score` (the lowest level if none is)."""
    below = [level for level in scale if level <= score + TOLERANCE]
    return max(below) if below else min(scale)


def score_overall(questionnaire: Questionnaire, domains: Sequence[DomainScore]) -> OverallScore:
    """Combine domain scores into the overall score, stage and completeness."""
    score = weighted_mean((d.score, d.weight) for d in domains if d.score is not None)
    stage: int | None = None
    if domains and all(d.stage is not None for d in domains) and score is not None:
        rule = questionnaire.scoring.overall_stage
        if rule == "lowest_domain":
            stage = min(d.stage for d in domains if d.stage is not None)
        elif rule == "floor_of_score":
            stage = floor_to_scale(score, questionnaire.level_numbers)
        else:
            raise ScoringError(f"overall_stage {rule!r} is not known; use lowest_domain or floor_of_score")
    answered = sum(d.answered for d in domains)
    total = sum(d.total for d in domains)
    completeness = completeness_of(answered, total)
    return OverallScore(
        score=score,
        stage=stage,
        completeness=completeness,
        answered=answered,
        total=total,
        provisional=completeness < 1,
    )
