"""What a workshop room looks at: how the votes fall per question, where people disagree, and what was agreed.

Pure functions over the same answers the scores use (scoring.responses), so the room and the
results never tell two stories: the median is the lower median, spread = highest minus lowest
level given, and a spread of at least the questionnaire's `disagreement_spread` is a disagreement.
A disagreement is open until a facilitator agrees an answer (consensus); then it is settled.
Respondents are counted, never ordered: who answered first changes nothing here.
"""

from __future__ import annotations

from collections import Counter
from collections.abc import Iterable, Sequence
from dataclasses import dataclass
from typing import Protocol

from questionnaires.model import Questionnaire
from scoring.errors import ScoringError
from scoring.responses import NA, ConsensusValue, QuestionResult, Response, lower_median, resolve_questions


class AgreedAnswer(Protocol):
    """An agreed answer with its rationale: storage.records.Consensus has exactly these fields."""

    @property
    def question_id(self) -> str: ...
    @property
    def level(self) -> int | None: ...
    @property
    def na(self) -> bool: ...
    @property
    def note(self) -> str: ...
    @property
    def set_by(self) -> str: ...


@dataclass(frozen=True, slots=True)
class Agreement:
    """An agreed answer given as plain data (a level, or N/A), with the rationale and who set it."""

    question_id: str
    level: int | None
    na: bool = False
    note: str = ""
    set_by: str = ""


@dataclass(frozen=True, slots=True)
class Distribution:
    """How the respondents' votes on one question fall, and whether they disagree.

    `counts` has one (level, votes) pair for every level of the scale, lowest first, zeros
    included, so a bar chart of it always has the same bars.
    """

    question_id: str
    domain_id: str
    counts: tuple[tuple[int, int], ...]
    na_votes: int
    votes: int
    median: int | None
    spread: int | None
    disagreement: bool
    agreed: bool

    @property
    def open_disagreement(self) -> bool:
        """Whether the votes disagree and no answer has been agreed yet: what the room still has to discuss."""
        return self.disagreement and not self.agreed


@dataclass(frozen=True, slots=True)
class AgreedItem:
    """A question with an agreed answer: the answer, its rationale, who set it, and the votes it settled."""

    question_id: str
    domain_id: str
    level: int | None
    na: bool
    note: str
    set_by: str
    distribution: Distribution


@dataclass(frozen=True, slots=True)
class WorkshopSummary:
    """What a workshop produced: what was agreed (with rationale), what remains open, which disagreements were settled.

    `agreed` is in questionnaire order; `open` lists open disagreements, widest spread first;
    `settled` is the agreed items whose votes disagreed, in questionnaire order.
    """

    agreed: tuple[AgreedItem, ...]
    open: tuple[Distribution, ...]
    settled: tuple[AgreedItem, ...]


def _consensus_of(questionnaire: Questionnaire, agreements: Iterable[AgreedAnswer]) -> dict[str, AgreedAnswer]:
    by_question: dict[str, AgreedAnswer] = {}
    for agreement in agreements:
        if agreement.question_id in by_question:
            raise ScoringError(
                f"question {agreement.question_id} has more than one agreed answer; keep only the latest one"
            )
        if agreement.level is None and not agreement.na:
            raise ScoringError(
                f"the agreed answer to question {agreement.question_id} has neither a level nor N/A; "
                "give one, or leave the question out of the agreements"
            )
        by_question[agreement.question_id] = agreement
    return by_question


def _distribution(questionnaire: Questionnaire, result: QuestionResult) -> Distribution:
    tally = Counter(result.respondent_levels)
    levels = result.respondent_levels
    return Distribution(
        question_id=result.question_id,
        domain_id=result.domain_id,
        counts=tuple((level, tally.get(level, 0)) for level in sorted(questionnaire.level_numbers)),
        na_votes=result.na_votes,
        votes=len(levels) + result.na_votes,
        median=lower_median(levels) if levels else None,
        spread=result.spread,
        disagreement=result.disagreement,
        agreed=result.from_consensus,
    )


def distributions(
    questionnaire: Questionnaire, responses: Iterable[Response], agreements: Iterable[AgreedAnswer] = ()
) -> tuple[Distribution, ...]:
    """Return the vote distribution of every question, in questionnaire order.

    Raises ScoringError for an answer or agreement the questionnaire does not allow (see
    scoring.responses.resolve_questions), or two agreements for one question.
    """
    agreed = _consensus_of(questionnaire, agreements)
    consensus: dict[str, ConsensusValue] = {
        question_id: NA if answer.na else answer.level for question_id, answer in agreed.items()
    }
    results = resolve_questions(questionnaire, responses, consensus)
    return tuple(_distribution(questionnaire, result) for result in results.values())


def disagreements_first(found: Sequence[Distribution]) -> tuple[Distribution, ...]:
    """Return the distributions in the order a room discusses them: open disagreements first, widest spread first.

    Everything else follows in the order given (questionnaire order, from `distributions`).
    """
    ranked = sorted(
        enumerate(found),
        key=lambda pair: (0, -(pair[1].spread or 0), pair[0]) if pair[1].open_disagreement else (1, 0, pair[0]),
    )
    return tuple(distribution for _, distribution in ranked)


def open_disagreements(found: Sequence[Distribution]) -> tuple[Distribution, ...]:
    """Return the open disagreements only (spread at the threshold or above, nothing agreed), widest spread first."""
    return tuple(distribution for distribution in disagreements_first(found) if distribution.open_disagreement)


def summary(
    questionnaire: Questionnaire, responses: Iterable[Response], agreements: Iterable[AgreedAnswer] = ()
) -> WorkshopSummary:
    """Summarise a workshop: the agreed answers with their rationale, the open disagreements, the settled ones."""
    agreed = _consensus_of(questionnaire, agreements)
    found = distributions(questionnaire, responses, agreed.values())
    items = []
    for distribution in found:
        answer = agreed.get(distribution.question_id)
        if answer is not None:
            items.append(
                AgreedItem(
                    question_id=distribution.question_id,
                    domain_id=distribution.domain_id,
                    level=None if answer.na else answer.level,
                    na=answer.na,
                    note=answer.note,
                    set_by=answer.set_by,
                    distribution=distribution,
                )
            )
    return WorkshopSummary(
        agreed=tuple(items),
        open=open_disagreements(found),
        settled=tuple(item for item in items if item.distribution.disagreement),
    )
