"""The level as answered and the level as evidenced: answers capped by the checks the facts don't support.

Rules, as published to users:

- A question may declare checks (see scoring.evidence_checks). An answer at a check's `from_level` or
  above is a claim the check tests; an answer below it claims nothing the check could refuse.
- When the facts don't support a claim, the level as evidenced is at most the level below
  `from_level` on the questionnaire's scale. With several unsupported claims the lowest cap applies;
  the evidenced level never exceeds the answered one.
- Unanswered and N/A questions, and questions that declare no check, are untouched.
- Domain and overall scores and stages as evidenced are the ordinary scores (scoring.domains) of the
  evidenced levels, against the same targets: nothing else about scoring changes.
"""

from __future__ import annotations

import dataclasses
from collections.abc import Mapping
from dataclasses import dataclass, field
from datetime import date
from typing import Any

from evidence.model import Evidence
from questionnaires.model import Question, Questionnaire
from scoring.assessment import AssessmentScore, score_questions
from scoring.errors import ScoringError
from scoring.evidence_checks import CheckResult, run_check
from scoring.responses import QuestionResult


@dataclass(frozen=True, slots=True)
class UnsupportedClaim:
    """An answer the facts don't support: the check, its cap and why, in the issue's words."""

    question_id: str
    check: str
    from_level: int
    answered: int
    supported: int  # the highest level the facts support for this claim
    reason: str
    shortfalls: tuple[str, ...]

    @property
    def sentence(self) -> str:
        """Return e.g. "REC-07 answered 4; the last failover of Payments took 9 h ...: the facts support 3"."""
        return f"{self.question_id} answered {self.answered}; {self.reason}: the facts support {self.supported}"

    @property
    def closing_step(self) -> str:
        """Return the roadmap step that closes the gap: "Close the gap behind REC-07: REC-07 answered 4; ..."."""
        return f"Close the gap behind {self.question_id}: {self.sentence}"


@dataclass(frozen=True, slots=True)
class EvidencedQuestion:
    """One question's level as answered and as evidenced, with the claims the facts don't support."""

    question_id: str
    domain_id: str
    answered_level: int | None
    evidenced_level: int | None
    na: bool
    checked: bool  # the question declares at least one check
    claims: tuple[UnsupportedClaim, ...] = ()

    @property
    def capped(self) -> bool:
        """True when the facts support less than the answer."""
        return self.evidenced_level != self.answered_level


@dataclass(frozen=True, slots=True)
class EvidencedScore:
    """The assessment scored as answered and as evidenced, and every question's pair of levels."""

    answered: AssessmentScore
    evidenced: AssessmentScore
    questions: Mapping[str, EvidencedQuestion] = field(hash=False)

    @property
    def claims(self) -> tuple[UnsupportedClaim, ...]:
        """Every unsupported claim, in questionnaire order."""
        return tuple(claim for question in self.questions.values() for claim in question.claims)


def level_below(questionnaire: Questionnaire, level: int) -> int:
    """Return the highest level of the scale below `level`."""
    below = [n for n in questionnaire.level_numbers if n < level]
    if not below:
        raise ScoringError(
            f"a check's from_level {level} leaves no level below it on the scale "
            f"({', '.join(map(str, questionnaire.level_numbers))}); use a higher from_level"
        )
    return below[-1]


def _key(check: Any) -> tuple[Any, ...]:
    # The same check with the same parameters is run once, whatever level it guards.
    return (check.check, tuple(sorted(check.model_dump(exclude={"from_level"}).items())))


def _evidence_question(
    questionnaire: Questionnaire,
    question: Question,
    result: QuestionResult,
    run: Any,
) -> EvidencedQuestion:
    level = result.level
    claims: list[UnsupportedClaim] = []
    if level is not None and not result.na:
        for check in question.checks:
            if level < check.from_level:
                continue
            outcome: CheckResult = run(check)
            if outcome.supported:
                continue
            claims.append(
                UnsupportedClaim(
                    question_id=question.id,
                    check=check.check,
                    from_level=check.from_level,
                    answered=level,
                    supported=level_below(questionnaire, check.from_level),
                    reason=outcome.reason,
                    shortfalls=outcome.shortfalls,
                )
            )
    evidenced = min([level, *(c.supported for c in claims)]) if level is not None and claims else level
    return EvidencedQuestion(
        question_id=question.id,
        domain_id=question.domain,
        answered_level=level,
        evidenced_level=evidenced,
        na=result.na,
        checked=bool(question.checks),
        claims=tuple(claims),
    )


def evidence_questions(
    questionnaire: Questionnaire,
    questions: Mapping[str, QuestionResult],
    evidence: Evidence,
    today: date,
) -> dict[str, EvidencedQuestion]:
    """Return every question's level as answered and as evidenced, in questionnaire order.

    `questions` are the resolved results (scoring.resolve_questions, or AssessmentScore.questions), so
    consensus and the lower median have already decided the answered level.
    """
    results: dict[tuple[Any, ...], CheckResult] = {}

    def run(check: Any) -> CheckResult:
        key = _key(check)
        if key not in results:
            results[key] = run_check(check, evidence, today)
        return results[key]

    evidenced: dict[str, EvidencedQuestion] = {}
    for question in questionnaire.questions:
        result = questions.get(question.id)
        if result is None:
            continue
        evidenced[question.id] = _evidence_question(questionnaire, question, result, run)
    return evidenced


def score_evidenced(
    questionnaire: Questionnaire,
    answered: AssessmentScore,
    evidence: Evidence,
    today: date,
) -> EvidencedScore:
    """Score an assessment as evidenced: its answered levels capped by the claims the facts don't support."""
    questions = evidence_questions(questionnaire, answered.questions, evidence, today)
    capped = {
        question_id: (
            dataclasses.replace(result, level=questions[question_id].evidenced_level)
            if question_id in questions and questions[question_id].capped
            else result
        )
        for question_id, result in answered.questions.items()
    }
    return EvidencedScore(
        answered=answered,
        evidenced=score_questions(questionnaire, capped, answered.targets),
        questions=questions,
    )
