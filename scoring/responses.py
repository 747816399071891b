"""Resolution of respondents' answers and facilitator consensus into one level per question.

Rules, as published to users:

- A facilitator's consensus, when set for a question, is the assessment's answer to it: a level
  of the scale or N/A.
- Otherwise the answer is the median of the respondents' levels rounded down (the lower median:
  with an even count the lower of the two middle values), the conservative choice.
- N/A answers by respondents: when more than half of the respondents who answered the question
  said N/A, the question is N/A. Otherwise their N/A answers are set aside and the median is taken
  over the levels given by the others.
- spread = highest minus lowest respondent level (None when no respondent gave a level); a spread
  of at least the questionnaire's `disagreement_spread` flags a disagreement.
"""

from __future__ import annotations

import enum
from collections.abc import Iterable, Mapping
from dataclasses import dataclass
from typing import Literal

from questionnaires.model import Question, Questionnaire
from scoring.errors import ScoringError


class NotApplicable(enum.Enum):
    """The answer "not applicable", as a single value that a consensus can hold."""

    NA = "N/A"

    def __repr__(self) -> str:
        return "NA"


NA = NotApplicable.NA
"""A consensus of "not applicable" for a question: `consensus={"GOV-02": NA}`."""

ConsensusValue = int | Literal[NotApplicable.NA] | None
"""A level, NA, or None for "no consensus set" (the respondents' median applies)."""


@dataclass(frozen=True, slots=True)
class Response:
    """One respondent's answer to one question: a level, N/A, or nothing yet (level None, na False)."""

    question_id: str
    respondent: str
    level: int | None
    na: bool = False


@dataclass(frozen=True, slots=True)
class QuestionResult:
    """The assessment's answer to one question, with how it was reached from the respondents."""

    question_id: str
    domain_id: str
    level: int | None
    na: bool
    answered: bool
    respondent_levels: tuple[int, ...]
    na_votes: int
    spread: int | None
    disagreement: bool
    from_consensus: bool


def lower_median(levels: Iterable[int]) -> int:
    """Return the lower median of a non-empty collection of levels: sorted[(n - 1) // 2]."""
    ordered = sorted(levels)
    if not ordered:
        raise ScoringError("the median needs at least one level")
    return ordered[(len(ordered) - 1) // 2]


def _check_level(scale: tuple[int, ...], question_id: str, level: object, who: str) -> int:
    # bool is an int subclass; True would otherwise pass as level 1.
    if isinstance(level, bool) or not isinstance(level, int) or level not in scale:
        raise ScoringError(
            f"{who} gives level {level!r} for question {question_id}, which is not on the scale; "
            f"use one of {', '.join(str(n) for n in scale)} (or N/A where the question allows it)"
        )
    return level


def _check_na(question: Question, who: str) -> None:
    if not question.na_allowed:
        raise ScoringError(
            f"{who} answers N/A to question {question.id}, which does not allow N/A; "
            "give a level, or set na_allowed: true for the question"
        )


def _question_lookup(questionnaire: Questionnaire) -> dict[str, Question]:
    domain_ids = {domain.id for domain in questionnaire.domains}
    for question in questionnaire.questions:
        if question.domain not in domain_ids:
            raise ScoringError(
                f"question {question.id} belongs to domain {question.domain!r}, which the questionnaire "
                "does not define; add the domain or correct the question's domain"
            )
    return {question.id: question for question in questionnaire.questions}


def _collect_answers(
    questionnaire: Questionnaire, lookup: Mapping[str, Question], responses: Iterable[Response]
) -> dict[str, dict[str, int | None]]:
    """Group answers by question and respondent; None stands for N/A, blanks are dropped."""
    scale = questionnaire.level_numbers
    answers: dict[str, dict[str, int | None]] = {}
    for response in responses:
        question = lookup.get(response.question_id)
        who = f"respondent {response.respondent!r}"
        if question is None:
            raise ScoringError(
                f"{who} answers question {response.question_id!r}, which is not in questionnaire "
                f"{questionnaire.id} version {questionnaire.version}; remove the answer or load the "
                "questionnaire version it was given against"
            )
        if response.na and response.level is not None:
            raise ScoringError(
                f"{who} answers question {question.id} with both level {response.level} and N/A; keep one"
            )
        if not response.na and response.level is None:
            continue
        level: int | None = None
        if response.na:
            _check_na(question, who)
        else:
            level = _check_level(scale, question.id, response.level, who)
        by_respondent = answers.setdefault(question.id, {})
        if response.respondent in by_respondent:
            raise ScoringError(f"{who} answers question {question.id} more than once; keep only their latest answer")
        by_respondent[response.respondent] = level
    return answers


def resolve_question(
    questionnaire: Questionnaire,
    question: Question,
    answers: Mapping[str, int | None],
    consensus: ConsensusValue = None,
) -> QuestionResult:
    """Resolve one question from its answers by respondent (None = N/A) and an optional consensus."""
    levels = tuple(sorted(level for level in answers.values() if level is not None))
    na_votes = len(answers) - len(levels)
    spread = levels[-1] - levels[0] if levels else None
    disagreement = spread is not None and spread >= questionnaire.scoring.disagreement_spread
    level: int | None
    if consensus is not None:
        if consensus is NA:
            _check_na(question, "the consensus")
            level, na = None, True
        else:
            scale = questionnaire.level_numbers
            level, na = _check_level(scale, question.id, consensus, "the consensus"), False
    elif not answers:
        level, na = None, False
    elif na_votes * 2 > len(answers):
        level, na = None, True
    else:
        level, na = lower_median(levels), False
    return QuestionResult(
        question_id=question.id,
        domain_id=question.domain,
        level=level,
        na=na,
        answered=na or level is not None,
        respondent_levels=levels,
        na_votes=na_votes,
        spread=spread,
        disagreement=disagreement,
        from_consensus=consensus is not None,
    )


def resolve_questions(
    questionnaire: Questionnaire,
    responses: Iterable[Response],
    consensus: Mapping[str, ConsensusValue] | None = None,
) -> dict[str, QuestionResult]:
    """Resolve every question of the questionnaire, in questionnaire order.

    Each respondent answers a question at most once. Consensus maps question ids to a level, `NA`,
    or None (no consensus: the respondents decide). Raises ScoringError for an answer or consensus
    to an unknown question, a level not on the scale, or N/A where the question does not allow it.
    """
    lookup = _question_lookup(questionnaire)
    answers = _collect_answers(questionnaire, lookup, responses)
    agreed = dict(consensus or {})
    for question_id in agreed:
        if question_id not in lookup:
            raise ScoringError(
                f"the consensus names question {question_id!r}, which is not in questionnaire "
                f"{questionnaire.id} version {questionnaire.version}; remove it"
            )
    return {
        question.id: resolve_question(questionnaire, question, answers.get(question.id, {}), agreed.get(question.id))
        for question in questionnaire.questions
    }
