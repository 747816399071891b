"""Scoring of a whole assessment: resolve the answers, then score every domain and the total."""

from __future__ import annotations

from collections.abc import Iterable, Mapping
from dataclasses import dataclass, field

from questionnaires.model import Questionnaire
from scoring.domains import DomainScore, OverallScore, score_domain, score_overall
from scoring.errors import ScoringError
from scoring.responses import ConsensusValue, QuestionResult, Response, resolve_questions
from scoring.targets import resolve_targets


@dataclass(frozen=True, slots=True)
class AssessmentScore:
    """The scored assessment: overall figures, one DomainScore per domain, one result per question."""

    overall: OverallScore
    domains: tuple[DomainScore, ...]
    questions: Mapping[str, QuestionResult] = field(hash=False)
    targets: Mapping[str, int] = field(hash=False)

    def domain(self, domain_id: str) -> DomainScore:
        """Return the score of one domain."""
        for domain in self.domains:
            if domain.domain_id == domain_id:
                return domain
        raise ScoringError(f"domain {domain_id!r} is not in this assessment's questionnaire")


def score_questions(
    questionnaire: Questionnaire,
    questions: Mapping[str, QuestionResult],
    targets: Mapping[str, int] | None = None,
) -> AssessmentScore:
    """Score already resolved question results (e.g. after editing a consensus)."""
    resolved_targets = resolve_targets(questionnaire, targets)
    domains = tuple(
        score_domain(
            questionnaire,
            domain,
            questionnaire.questions_in(domain.id),
            questions,
            resolved_targets[domain.id],
        )
        for domain in questionnaire.domains
    )
    return AssessmentScore(
        overall=score_overall(questionnaire, domains),
        domains=domains,
        questions=dict(questions),
        targets=resolved_targets,
    )


def score_assessment(
    questionnaire: Questionnaire,
    responses: Iterable[Response],
    consensus: Mapping[str, ConsensusValue] | None = None,
    targets: Mapping[str, int] | None = None,
) -> AssessmentScore:
    """Score an assessment from its respondents' answers, the consensus and the domain targets."""
    return score_questions(questionnaire, resolve_questions(questionnaire, responses, consensus), targets)
