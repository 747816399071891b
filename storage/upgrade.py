"""Move an assessment to the next version of its questionnaire, as a new assessment beside the old one.

The answers, agreed levels, targets and roadmap steps of questions that keep their meaning (same id
in both versions) are carried over; questions that are new or replace earlier ones are left to
answer. Roadmap steps made from findings of the exercise and incident log move to the new assessment,
the one people continue on, with their owner, due date and status: a finding is a step of one roadmap
only, so they cannot be copied. Otherwise the earlier assessment is not touched, so nothing anyone
entered is lost: it stays in the history and the trends, and can be deleted once the new one is complete.
"""

from __future__ import annotations

from dataclasses import dataclass

from sqlite_utils import Database

from questionnaires.lineage import NotASuccessor, successor_lineage
from questionnaires.model import Questionnaire
from storage.answers import list_answers
from storage.assessments import create_assessment, get_assessment
from storage.choices import MAX_LABEL
from storage.consensus import list_consensus
from storage.content import (
    AssessmentContent,
    ConsensusContent,
    RespondentContent,
    RoadmapItemContent,
    write_assessment_content,
)
from storage.errors import AssessmentError, StorageError
from storage.finding_items import FindingItem, move_finding_items
from storage.records import Assessment
from storage.respondents import list_respondents
from storage.roadmap import list_roadmap_items
from storage.targets import list_targets
from storage.transactions import write_transaction
from storage.validation import check_answer_value, check_questionnaire_matches


@dataclass(frozen=True)
class NotCarried:
    """An answer of a kept question the new version's rules refuse, and why; it is left to answer again."""

    respondent: str
    question_id: str
    reason: str


@dataclass(frozen=True)
class Upgrade:
    """What an upgrade made: the new assessment, what it carried over and what is left to answer."""

    assessment: Assessment
    earlier: Assessment
    carried_answers: int
    carried_questions: tuple[str, ...]
    to_answer: tuple[str, ...]  # questions of the new version without a carried answer, in its order
    replaced: dict[str, tuple[str, ...]]  # new question id -> the earlier ids it replaces
    not_carried: tuple[NotCarried, ...]
    moved_finding_steps: tuple[FindingItem, ...]  # moved from the earlier assessment's roadmap to the new one's

    def describe(self) -> str:
        """Say in a few sentences what the upgrade made and what is left to do."""
        new, old = self.assessment, self.earlier
        moved = len(self.moved_finding_steps)
        but = f" but for its {_finding_steps(moved)}, moved to the new one" if moved else ""
        text = (
            f"{new.label} was made on version {new.questionnaire_version} from {old.label}, which is unchanged{but}: "
            f"{self.carried_answers} answers carried over for {len(self.carried_questions)} questions; "
            f"{len(self.to_answer)} questions to answer"
        )
        merged = [f"{q} (replaces {', '.join(self.replaced[q])})" for q in self.to_answer if q in self.replaced]
        if merged:
            text += f", among them {', '.join(merged)}"
        text += "."
        if self.not_carried:
            text += (
                f" {len(self.not_carried)} answers were not carried because the new version refuses them "
                f"(first: {self.not_carried[0].respondent} on {self.not_carried[0].question_id}: "
                f"{self.not_carried[0].reason})."
            )
        if moved:
            text += (
                " Steps made from findings of the exercise and incident log move with their owner, due date and "
                "status, since a finding is a step of one roadmap only."
            )
        return text


def _finding_steps(count: int) -> str:
    return "1 roadmap step made from a finding" if count == 1 else f"{count} roadmap steps made from findings"


def upgraded_label(label: str, version: str) -> str:
    """Return the default label of an upgraded assessment, e.g. "FY2026 (2026.2)", within the length limit."""
    suffix = f" ({version})"
    return label[: MAX_LABEL - len(suffix)] + suffix


def upgrade_assessment(
    db: Database, assessment_id: int, earlier: Questionnaire, later: Questionnaire, label: str | None = None
) -> Upgrade:
    """Create a copy of an assessment on `later`, carrying over what belongs to questions kept in it.

    Its roadmap steps made from findings move to the copy in the same transaction.

    Raises AssessmentError when `later` does not follow the assessment's version or the label is
    taken; nothing is written then.
    """
    old = get_assessment(db, assessment_id)
    check_questionnaire_matches(old, earlier)
    try:
        lin = successor_lineage(earlier, later)
    except NotASuccessor as exc:
        raise AssessmentError(str(exc)) from None
    kept = set(lin.kept)
    respondents = list_respondents(db, old.id)
    answers = list_answers(db, old.id)
    not_carried: list[NotCarried] = []
    people = []
    carried_questions: set[str] = set()
    for respondent in respondents:
        carried = {}
        for answer in answers:
            if answer.respondent_id != respondent.id or answer.question_id not in kept or not answer.holds_something:
                continue
            try:
                carried[answer.question_id] = check_answer_value(
                    later,
                    answer.question_id,
                    answer.level,
                    answer.na,
                    answer.comment,
                    answer.evidence,
                    evidence_date=answer.evidence_date,
                )
            except StorageError as exc:
                not_carried.append(NotCarried(respondent.name, answer.question_id, str(exc)))
                continue
            if answer.is_answered:
                carried_questions.add(answer.question_id)
        people.append(RespondentContent(name=respondent.name, role=respondent.role, answers=carried))
    scale = set(later.level_numbers)
    content = AssessmentContent(
        respondents=tuple(people),
        consensus=tuple(
            ConsensusContent(c.question_id, c.level, c.na, c.note, c.set_by)
            for c in list_consensus(db, old.id)
            if c.question_id in kept and (c.na or c.level in scale)
        ),
        targets={d: level for d, level in list_targets(db, old.id).items() if _has_domain(later, d) and level in scale},
        roadmap_items=tuple(
            RoadmapItemContent(i.question_id, i.to_level, i.owner, i.due_date, i.status)
            for i in list_roadmap_items(db, old.id)
            if i.question_id in kept and i.to_level in scale and i.to_level != later.min_level
        ),
    )
    with write_transaction(db):
        new = create_assessment(
            db, old.organisation_id, later, label or upgraded_label(old.label, later.version), old.assessment_date
        )
        written = write_assessment_content(db, later, new.id, content)
        moved = move_finding_items(db, old.id, new.id)
    return Upgrade(
        assessment=get_assessment(db, new.id),
        earlier=old,
        carried_answers=written,
        carried_questions=tuple(i for i in lin.kept if i in carried_questions),
        to_answer=tuple(q.id for q in later.questions if q.id not in carried_questions),
        replaced=lin.replaced,
        not_carried=tuple(not_carried),
        moved_finding_steps=moved,
    )


def _has_domain(questionnaire: Questionnaire, domain_id: str) -> bool:
    return any(d.id == domain_id for d in questionnaire.domains)
