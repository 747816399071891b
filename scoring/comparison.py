"""Two assessments of one organisation compared: what changed, which roadmap steps were completed, and
which questions one questionnaire version has that another lacks.

Rules, as published to users:

- Assessments are compared by domain id and by stable question id, so two versions of a questionnaire
  compare wherever their ids meet; a question that changed meaning has a new id.
- A domain (and the overall result) improved when its score rose and declined when it fell; with
  scores level (within 1e-9), a higher or lower stage decides; with both level it is unchanged. A
  domain with no score on one side is not comparable; a domain in one version only is new or dropped.
- A practice improved when its level rose, declined when it fell and is unchanged when it stayed; N/A
  or unanswered on either side is not comparable; a question in one version only is new or dropped.
  A question that the later version says replaces or merges earlier ones is compared with the lowest
  level among them (a merged practice is as strong as its weakest part); they are not listed as dropped.
  The level statements of the two levels come with a practice whose level changed.
- A roadmap step was completed between the two assessments when it is a step of the earlier
  assessment's roadmap and the practice reached the step's level in the later one, or when it is a
  step of either assessment's roadmap marked done there.
"""

from __future__ import annotations

import datetime as dt
from collections.abc import Mapping, Sequence
from dataclasses import dataclass, field
from typing import Literal

from questionnaires.lineage import lineage
from questionnaires.model import Questionnaire
from scoring.assessment import AssessmentScore
from scoring.benchmark import OVERALL, TOLERANCE
from scoring.responses import QuestionResult
from scoring.roadmap import build_roadmap
from scoring.trends import ScorePoint

Direction = Literal["improved", "declined", "unchanged", "not comparable", "new", "dropped"]
MIRRORED: Mapping[Direction, Direction] = {
    "improved": "declined",
    "declined": "improved",
    "unchanged": "unchanged",
    "not comparable": "not comparable",
    "new": "dropped",
    "dropped": "new",
}
"""What a direction becomes when the two assessments change places."""


@dataclass(frozen=True, slots=True)
class Period:
    """One assessment to compare: its label (e.g. FY2026), date, questionnaire, scores and roadmap steps marked done.

    `done` holds (question id, level) of the steps marked done on this assessment's roadmap.
    """

    label: str
    date: dt.date
    questionnaire: Questionnaire
    score: AssessmentScore
    done: frozenset[tuple[str, int]] = field(default=frozenset())


@dataclass(frozen=True, slots=True)
class DomainChange:
    """One domain (or the overall result) in both assessments, which way it moved, and its practices' moves.

    `earlier` or `later` is None where the domain is not in that assessment's questionnaire version.
    """

    domain_id: str
    name: str
    earlier: ScorePoint | None
    later: ScorePoint | None
    direction: Direction
    improved: int
    declined: int
    unchanged: int

    @property
    def score_change(self) -> float | None:
        """The later score minus the earlier one, or None when either is missing."""
        if self.earlier is None or self.later is None or self.earlier.score is None or self.later.score is None:
            return None
        return self.later.score - self.earlier.score

    @property
    def stage_change(self) -> int | None:
        """The later stage minus the earlier one, or None when either is missing."""
        if self.earlier is None or self.later is None or self.earlier.stage is None or self.later.stage is None:
            return None
        return self.later.stage - self.earlier.stage


@dataclass(frozen=True, slots=True)
class PracticeChange:
    """One practice (question) in both assessments: its answer on each side and which way it moved.

    A level is None for N/A (`*_na`), unanswered, or a question missing from that side's version. The
    statements describe the two levels, from each side's questionnaire, only when the level changed.
    """

    question_id: str
    domain_id: str
    practice: str
    earlier_level: int | None
    earlier_na: bool
    later_level: int | None
    later_na: bool
    direction: Direction
    earlier_statement: str | None
    later_statement: str | None
    # The earlier version's questions this one replaces or merges (its earlier level is their lowest).
    replaces: tuple[str, ...] = ()


@dataclass(frozen=True, slots=True)
class CompletedStep:
    """A roadmap step completed between two assessments, and how that is known (marked done, level reached)."""

    question_id: str
    domain_id: str
    practice: str
    to_level: int
    action: str
    earlier_level: int | None
    later_level: int | None
    marked_done: bool
    reached: bool


@dataclass(frozen=True, slots=True)
class Comparison:
    """Two assessments compared: overall, per domain, per practice, and the roadmap steps completed between them."""

    earlier: str
    later: str
    overall: DomainChange
    domains: tuple[DomainChange, ...]
    practices: tuple[PracticeChange, ...]
    completed: tuple[CompletedStep, ...]


@dataclass(frozen=True, slots=True)
class VersionOnlyQuestion:
    """A question that some versions of a questionnaire have and others lack, with the versions that have it."""

    question_id: str
    domain_id: str
    text: str
    versions: tuple[str, ...]


def _moved(earlier: float, later: float) -> Direction | None:
    if later > earlier + TOLERANCE:
        return "improved"
    if later < earlier - TOLERANCE:
        return "declined"
    return None


def score_direction(earlier: ScorePoint | None, later: ScorePoint | None) -> Direction:
    """Return which way a domain or the overall result moved: by score, then by stage when the scores are level."""
    if earlier is None:
        return "new"
    if later is None:
        return "dropped"
    if earlier.score is None or later.score is None:
        return "not comparable"
    by_stage = None
    if earlier.stage is not None and later.stage is not None:
        by_stage = _moved(earlier.stage, later.stage)
    return _moved(earlier.score, later.score) or by_stage or "unchanged"


def _answer(result: QuestionResult | None) -> tuple[int | None, bool]:
    """Return a question's level (None for N/A or no answer) and whether it was answered N/A."""
    if result is None:
        return None, False
    return (None, True) if result.na else (result.level, False)


def level_direction(earlier: int | None, later: int | None) -> Direction:
    """Return which way a practice answered in both assessments moved (None: N/A or not answered)."""
    if earlier is None or later is None:
        return "not comparable"
    return _moved(earlier, later) or "unchanged"


def _point(score: AssessmentScore, domain_id: str) -> ScorePoint | None:
    if domain_id == OVERALL:
        return ScorePoint(score.overall.score, score.overall.stage)
    found = next((d for d in score.domains if d.domain_id == domain_id), None)
    return None if found is None else ScorePoint(found.score, found.stage)


def _statement(questionnaire: Questionnaire, question_id: str, level: int | None) -> str | None:
    question = questionnaire.find_question(question_id)
    if question is None or level is None:
        return None
    return question.levels.get(level) or questionnaire.level(level).description


def _replacements(earlier: Period, later: Period) -> dict[str, tuple[str, ...]]:
    """Return, per question of the later version, the earlier version's questions it replaces (declared)."""
    return lineage(earlier.questionnaire, later.questionnaire).replaced


def _question_ids(earlier: Period, later: Period) -> list[str]:
    """The question ids of either version: the later version's in its order, then those it dropped.

    An earlier question that a later one replaces is compared as part of that later question, not dropped.
    """
    later_ids = [q.id for q in later.questionnaire.questions]
    carried = set(later_ids) | {old for olds in _replacements(earlier, later).values() for old in olds}
    return later_ids + [q.id for q in earlier.questionnaire.questions if q.id not in carried]


def _merged_answer(period: Period, question_ids: tuple[str, ...]) -> tuple[int | None, bool, str | None]:
    """The lowest answered level among several questions (a merged practice is as strong as its weakest part).

    Returns (level, all N/A, the question id that gave the level).
    """
    answers = [(_answer(period.score.questions.get(q)), q) for q in question_ids]
    levels = [(level, q) for (level, _), q in answers if level is not None]
    if levels:
        level, source = min(levels)
        return level, False, source
    all_na = bool(answers) and all(na for (_, na), _ in answers)
    return None, all_na, None


def practice_changes(earlier: Period, later: Period) -> tuple[PracticeChange, ...]:
    """Return every practice of either version: the later version's in its order, then those it dropped."""
    changes = []
    replaced = _replacements(earlier, later)
    for question_id in _question_ids(earlier, later):
        before = earlier.questionnaire.find_question(question_id)
        after = later.questionnaire.find_question(question_id)
        shown = after or before
        assert shown is not None  # every id comes from one of the two versions
        earlier_level, earlier_na = _answer(earlier.score.questions.get(question_id))
        later_level, later_na = _answer(later.score.questions.get(question_id))
        olds = replaced.get(question_id, ())
        earlier_source: str | None = question_id
        if olds:
            earlier_level, earlier_na, earlier_source = _merged_answer(earlier, olds)
            direction: Direction = level_direction(earlier_level, later_level)
        elif before is None:
            direction = "new"
        elif after is None:
            direction = "dropped"
        else:
            direction = level_direction(earlier_level, later_level)
        moved = direction in ("improved", "declined")
        changes.append(
            PracticeChange(
                question_id=question_id,
                domain_id=shown.domain,
                practice=shown.text,
                earlier_level=earlier_level,
                earlier_na=earlier_na,
                later_level=later_level,
                later_na=later_na,
                direction=direction,
                earlier_statement=(
                    _statement(earlier.questionnaire, earlier_source, earlier_level)
                    if moved and earlier_source
                    else None
                ),
                later_statement=_statement(later.questionnaire, question_id, later_level) if moved else None,
                replaces=olds,
            )
        )
    return tuple(changes)


def _counted(
    domain_id: str, name: str, earlier: Period, later: Period, practices: Sequence[PracticeChange]
) -> DomainChange:
    before, after = _point(earlier.score, domain_id), _point(later.score, domain_id)
    return DomainChange(
        domain_id=domain_id,
        name=name,
        earlier=before,
        later=after,
        direction=score_direction(before, after),
        improved=sum(1 for p in practices if p.direction == "improved"),
        declined=sum(1 for p in practices if p.direction == "declined"),
        unchanged=sum(1 for p in practices if p.direction == "unchanged"),
    )


def completed_steps(earlier: Period, later: Period) -> tuple[CompletedStep, ...]:
    """Return the roadmap steps completed between two assessments (see the rules above), in questionnaire order.

    Candidates are the earlier assessment's roadmap steps and the later one's steps marked done there.
    """
    before = build_roadmap(earlier.questionnaire, earlier.score.questions, earlier.score.targets)
    after = build_roadmap(later.questionnaire, later.score.questions, later.score.targets)
    planned = {(s.question_id, s.to_level): s for s in before}
    # A step of both roadmaps is described as the earlier one planned it.
    candidates = {(s.question_id, s.to_level): s for s in after if (s.question_id, s.to_level) in later.done} | planned
    order = {question_id: i for i, question_id in enumerate(_question_ids(earlier, later))}
    completed = []
    for (question_id, to_level), step in candidates.items():
        earlier_level, _ = _answer(earlier.score.questions.get(question_id))
        later_level, _ = _answer(later.score.questions.get(question_id))
        key = (question_id, to_level)
        reached = key in planned and later_level is not None and later_level >= to_level
        marked = (key in planned and key in earlier.done) or key in later.done
        if reached or marked:
            completed.append(
                CompletedStep(
                    question_id=question_id,
                    domain_id=step.domain_id,
                    practice=step.practice,
                    to_level=to_level,
                    action=step.action,
                    earlier_level=earlier_level,
                    later_level=later_level,
                    marked_done=marked,
                    reached=reached,
                )
            )
    return tuple(sorted(completed, key=lambda c: (order.get(c.question_id, len(order)), c.to_level)))


def compare(earlier: Period, later: Period) -> Comparison:
    """Compare two assessments by domain id and stable question id (see the rules above)."""
    practices = practice_changes(earlier, later)
    names = {d.id: d.name for d in earlier.questionnaire.domains} | {d.id: d.name for d in later.questionnaire.domains}
    later_ids = [d.id for d in later.questionnaire.domains]
    kept = set(later_ids)
    domain_ids = later_ids + [d.id for d in earlier.questionnaire.domains if d.id not in kept]
    domains = tuple(
        _counted(domain_id, names[domain_id], earlier, later, [p for p in practices if p.domain_id == domain_id])
        for domain_id in domain_ids
    )
    return Comparison(
        earlier=earlier.label,
        later=later.label,
        overall=_counted(OVERALL, "Overall", earlier, later, practices),
        domains=domains,
        practices=practices,
        completed=completed_steps(earlier, later),
    )


def version_only_questions(questionnaires: Sequence[Questionnaire]) -> tuple[VersionOnlyQuestion, ...]:
    """Return the questions some of these versions lack, each with the versions that have it.

    Versions are taken in the order given (a version given twice counts once); the questions follow
    that order too, each in its first version's order. One version alone lacks nothing.
    """
    versions: dict[str, Questionnaire] = {}
    for questionnaire in questionnaires:
        versions.setdefault(questionnaire.version, questionnaire)
    found: dict[str, VersionOnlyQuestion] = {}
    ids = {version: {q.id for q in questionnaire.questions} for version, questionnaire in versions.items()}
    for questionnaire in versions.values():
        for question in questionnaire.questions:
            have = tuple(version for version, held in ids.items() if question.id in held)
            if len(have) < len(versions) and question.id not in found:
                found[question.id] = VersionOnlyQuestion(question.id, question.domain, question.text, have)
    return tuple(found.values())
