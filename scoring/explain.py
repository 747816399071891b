"""The arithmetic behind one domain's score and stage, for a worked example shown to users.

It recomputes nothing differently: the terms come from the same resolved results, and the
explanation's score and stage are checked against `score_domain` in the tests.
"""

from __future__ import annotations

from collections.abc import Mapping
from dataclasses import dataclass

from questionnaires.model import Questionnaire
from scoring.domains import TOLERANCE, stage_of, weighted_mean
from scoring.errors import ScoringError
from scoring.responses import QuestionResult


@dataclass(frozen=True, slots=True)
class Term:
    """One answered, non-N/A question's part in its domain score."""

    question_id: str
    level: int
    weight: float


@dataclass(frozen=True, slots=True)
class Share:
    """The share of the domain's weight answered at or above one level, and whether it reaches the threshold."""

    level: int
    weight_at_or_above: float
    share: float
    reaches_threshold: bool


@dataclass(frozen=True, slots=True)
class DomainExplanation:
    """How a domain's score and stage follow from its answers."""

    domain_id: str
    terms: tuple[Term, ...]
    not_applicable: tuple[str, ...]
    unanswered: tuple[str, ...]
    numerator: float
    denominator: float
    score: float | None
    threshold: float
    shares: tuple[Share, ...]
    stage: int | None

    def formula(self) -> str:
        """The score as arithmetic, e.g. '(3×2 + 2×3) / (2 + 3) = 2.40'."""
        if not self.terms:
            return "no answered question: no score"
        products = " + ".join(f"{t.level}×{t.weight:g}" for t in self.terms)
        weights = " + ".join(f"{t.weight:g}" for t in self.terms)
        return f"({products}) / ({weights}) = {self.numerator:g} / {self.denominator:g} = {self.score:.2f}"


def explain_domain(
    questionnaire: Questionnaire, results: Mapping[str, QuestionResult], domain_id: str
) -> DomainExplanation:
    """Explain one domain's score and stage from the resolved question results."""
    if not any(d.id == domain_id for d in questionnaire.domains):
        raise ScoringError(f"unknown domain {domain_id!r}; use one of the questionnaire's domain ids.")
    terms: list[Term] = []
    not_applicable: list[str] = []
    unanswered: list[str] = []
    for question in questionnaire.questions_in(domain_id):
        result = results.get(question.id)
        if result is None or not result.answered:
            unanswered.append(question.id)
        elif result.na or result.level is None:
            not_applicable.append(question.id)
        else:
            terms.append(Term(question.id, result.level, float(question.weight)))
    pairs = [(t.level, t.weight) for t in terms]
    denominator = sum(t.weight for t in terms)
    numerator = sum(t.level * t.weight for t in terms)
    threshold = questionnaire.scoring.stage_threshold
    shares = tuple(
        Share(
            level=level,
            weight_at_or_above=(above := sum(t.weight for t in terms if t.level >= level)),
            share=above / denominator if denominator else 0.0,
            reaches_threshold=bool(denominator) and above >= threshold * denominator - TOLERANCE,
        )
        for level in questionnaire.level_numbers
    )
    return DomainExplanation(
        domain_id=domain_id,
        terms=tuple(terms),
        not_applicable=tuple(not_applicable),
        unanswered=tuple(unanswered),
        numerator=numerator,
        denominator=denominator,
        score=weighted_mean(pairs),
        threshold=threshold,
        shares=shares,
        stage=stage_of(pairs, questionnaire.level_numbers, threshold),
    )
