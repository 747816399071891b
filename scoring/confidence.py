"""How far each domain's result can be trusted: evidence freshness, respondents' agreement and checks passed.

Rules, as published to users:

- Evidence is **fresh** when its date is on or after the same day `evidence_valid_months` months
  before today (12 by default, the questionnaire's `scoring.evidence_valid_months`; a day that month
  lacks, such as 31 February, becomes the month's last day), **stale** when it is dated earlier, and
  **undated** when no date was given. With several respondents a question's evidence is its newest date.
- A domain's confidence counts its answered, non-N/A questions and starts at **High**; three things
  lower it, each by the steps shown, and it never falls below **Low**:
  - evidence freshness: fewer than 80 % of those questions with fresh dated evidence lowers it one
    step, fewer than 50 % two steps;
  - respondents' spread: one or more questions whose respondents differ by the questionnaire's
    `disagreement_spread` (2 by default) or more levels with no agreed answer lowers it one step;
  - checks passed: one or more answers the service register and exercise log don't support (an
    unsupported claim, see scoring.evidenced) lowers it one step.
- Each step down comes with a sentence naming the count and the question ids, such as
  "3 of 12 answers have evidence older than 12 months: BIA-03, BIA-07, BIA-11".
- A domain with no answered, non-N/A question has no confidence.
"""

from __future__ import annotations

from collections.abc import Iterable, Mapping
from dataclasses import dataclass
from datetime import date
from typing import Final, Literal

from questionnaires.model import Questionnaire
from scoring.evidence_checks import months_before
from scoring.evidenced import UnsupportedClaim
from scoring.responses import QuestionResult

Freshness = Literal["fresh", "stale", "undated"]
ConfidenceLevel = Literal["High", "Medium", "Low"]
CONFIDENCE_LEVELS: Final[tuple[ConfidenceLevel, ...]] = ("Low", "Medium", "High")
FRESH_SHARE_FOR_HIGH: Final = 0.8
"""At least this share of a domain's answered questions needs fresh dated evidence to keep it from losing a step."""
FRESH_SHARE_FOR_MEDIUM: Final = 0.5
"""Below this share of fresh dated evidence a domain loses two steps."""


@dataclass(frozen=True, slots=True)
class DomainConfidence:
    """One domain's confidence level, the questions behind each thing that lowers it, and why in sentences."""

    domain_id: str
    level: ConfidenceLevel | None
    answered: tuple[str, ...]
    fresh: tuple[str, ...]
    stale: tuple[str, ...]
    undated: tuple[str, ...]
    disagreements: tuple[str, ...]
    unsupported: tuple[str, ...]
    reasons: tuple[str, ...]


def confidence_rule(questionnaire: Questionnaire) -> str:
    """Return the confidence rule with this questionnaire's figures, as a clause after "A domain's confidence"."""
    scoring = questionnaire.scoring
    return (
        f"starts at High and loses one step when fewer than {FRESH_SHARE_FOR_HIGH:.0%} of the domain's answered, "
        "non-N/A questions have fresh evidence (dated on or after the same day "
        f"{scoring.evidence_valid_months} months ago; with several respondents, a question's newest date), two "
        f"steps when fewer than {FRESH_SHARE_FOR_MEDIUM:.0%}; one step when one or more of them have respondents "
        f"{scoring.disagreement_spread} or more levels apart and no agreed answer; and one step when one or more "
        "of them claim more than the service register and exercise log support. It never falls below Low, and a "
        "domain with nothing answered has none"
    )


def evidence_freshness(evidence_date: date | None, today: date, valid_months: int) -> Freshness:
    """Return whether evidence of this date is fresh, stale (older than `valid_months` months) or undated."""
    if evidence_date is None:
        return "undated"
    return "stale" if evidence_date < months_before(today, valid_months) else "fresh"


def newest_evidence_dates(dated: Iterable[tuple[str, date | None]]) -> dict[str, date]:
    """Return each question's newest evidence date from (question id, date) pairs; undated pairs are skipped."""
    newest: dict[str, date] = {}
    for question_id, day in dated:
        if day is not None and (question_id not in newest or day > newest[question_id]):
            newest[question_id] = day
    return newest


def _answers(count: int) -> str:
    return "1 answer" if count == 1 else f"{count} answers"


def _sentence(count: int, total: int, verb_one: str, verb_many: str, what: str, ids: tuple[str, ...]) -> str:
    verb = verb_one if count == 1 else verb_many
    return f"{count} of {_answers(total)} {verb} {what}: {', '.join(ids)}"


def _freshness_steps(fresh: int, answered: int) -> int:
    share = fresh / answered
    if share >= FRESH_SHARE_FOR_HIGH:
        return 0
    return 1 if share >= FRESH_SHARE_FOR_MEDIUM else 2


def _domain_confidence(
    questionnaire: Questionnaire,
    domain_id: str,
    results: Mapping[str, QuestionResult],
    evidence_dates: Mapping[str, date],
    unsupported_ids: set[str],
    today: date,
) -> DomainConfidence:
    months = questionnaire.scoring.evidence_valid_months
    answered = tuple(
        q.id
        for q in questionnaire.questions
        if q.domain == domain_id and (r := results.get(q.id)) is not None and r.level is not None and not r.na
    )
    state = {qid: evidence_freshness(evidence_dates.get(qid), today, months) for qid in answered}
    fresh = tuple(qid for qid in answered if state[qid] == "fresh")
    stale = tuple(qid for qid in answered if state[qid] == "stale")
    undated = tuple(qid for qid in answered if state[qid] == "undated")
    disagreements = tuple(qid for qid in answered if results[qid].disagreement and not results[qid].from_consensus)
    unsupported = tuple(qid for qid in answered if qid in unsupported_ids)
    if not answered:
        return DomainConfidence(domain_id, None, (), (), (), (), (), (), ())
    total = len(answered)
    reasons: list[str] = []
    steps = _freshness_steps(len(fresh), total)
    if steps:
        if stale:
            reasons.append(_sentence(len(stale), total, "has", "have", f"evidence older than {months} months", stale))
        if undated:
            reasons.append(_sentence(len(undated), total, "has", "have", "no dated evidence", undated))
    if disagreements:
        spread = questionnaire.scoring.disagreement_spread
        steps += 1
        reasons.append(
            _sentence(
                len(disagreements),
                total,
                "has",
                "have",
                f"respondents {spread} or more levels apart and no agreed answer",
                disagreements,
            )
        )
    if unsupported:
        steps += 1
        reasons.append(
            _sentence(
                len(unsupported),
                total,
                "claims",
                "claim",
                "more than the service register and exercise log support",
                unsupported,
            )
        )
    level = CONFIDENCE_LEVELS[max(0, len(CONFIDENCE_LEVELS) - 1 - steps)]
    return DomainConfidence(
        domain_id, level, answered, fresh, stale, undated, disagreements, unsupported, tuple(reasons)
    )


def domain_confidence(
    questionnaire: Questionnaire,
    results: Mapping[str, QuestionResult],
    evidence_dates: Mapping[str, date],
    claims: Iterable[UnsupportedClaim],
    today: date,
) -> dict[str, DomainConfidence]:
    """Return every domain's confidence, in questionnaire order, by the rules in this module's docstring.

    `results` are the assessment's resolved questions (AssessmentScore.questions), `evidence_dates`
    each question's newest evidence date (see newest_evidence_dates; a question left out is undated)
    and `claims` the unsupported claims of the evidenced score (none without a service register).
    """
    unsupported_ids = {claim.question_id for claim in claims}
    return {
        domain.id: _domain_confidence(questionnaire, domain.id, results, evidence_dates, unsupported_ids, today)
        for domain in questionnaire.domains
    }
