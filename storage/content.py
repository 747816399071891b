"""An assessment's content written in one go: respondents and answers, consensus, targets, roadmap, status.

The JSON import and the demonstration data both fill a newly created assessment this way.
"""

from __future__ import annotations

from collections.abc import Mapping
from dataclasses import dataclass, field
from datetime import date

from sqlite_utils import Database

from questionnaires.model import Questionnaire
from storage.answers import save_answer
from storage.assessments import set_assessment_status
from storage.choices import RoadmapStatus
from storage.consensus import set_consensus
from storage.records import AnswerValue
from storage.respondents import add_respondent
from storage.roadmap import save_roadmap_item
from storage.targets import set_target
from storage.transactions import write_transaction


@dataclass(frozen=True)
class RespondentContent:
    """A respondent to add and their answers by question id, saved in the order given."""

    name: str
    role: str = ""
    answers: Mapping[str, AnswerValue] = field(default_factory=dict)


@dataclass(frozen=True)
class ConsensusContent:
    """The level (or N/A) agreed for one question, with the note and the facilitator who set it."""

    question_id: str
    level: int | None
    na: bool = False
    note: str = ""
    set_by: str = ""


@dataclass(frozen=True)
class RoadmapItemContent:
    """A roadmap step to save: the question, the level it leads to, its owner, due date and status."""

    question_id: str
    to_level: int
    owner: str = ""
    due_date: date | None = None
    status: RoadmapStatus = "planned"


@dataclass(frozen=True)
class AssessmentContent:
    """What an assessment holds besides its organisation, label and date; `targets` maps domain id to level."""

    respondents: tuple[RespondentContent, ...] = ()
    consensus: tuple[ConsensusContent, ...] = ()
    targets: Mapping[str, int] = field(default_factory=dict)
    roadmap_items: tuple[RoadmapItemContent, ...] = ()
    completed: bool = False


def write_assessment_content(
    db: Database, questionnaire: Questionnaire, assessment_id: int, content: AssessmentContent
) -> int:
    """Write respondents and their answers, consensus, targets and roadmap items; return the answers written.

    Each respondent is added as new (a name the assessment already has is refused). When
    `completed` is set the assessment is marked completed last; otherwise its status is left
    as it is. Everything is written in one transaction, which becomes a savepoint of the
    caller's transaction when one is open, so a refused value leaves none of the content behind.
    """
    answers = 0
    with write_transaction(db):
        for person in content.respondents:
            respondent = add_respondent(db, assessment_id, person.name, person.role)
            for question_id, answer in person.answers.items():
                save_answer(
                    db,
                    questionnaire,
                    assessment_id,
                    respondent.id,
                    question_id,
                    answer.level,
                    na=answer.na,
                    comment=answer.comment,
                    evidence=answer.evidence,
                )
                answers += 1
        for agreed in content.consensus:
            set_consensus(
                db,
                questionnaire,
                assessment_id,
                agreed.question_id,
                agreed.level,
                na=agreed.na,
                note=agreed.note,
                set_by=agreed.set_by,
            )
        for domain_id, level in content.targets.items():
            set_target(db, questionnaire, assessment_id, domain_id, level)
        for item in content.roadmap_items:
            save_roadmap_item(
                db,
                questionnaire,
                assessment_id,
                item.question_id,
                item.to_level,
                owner=item.owner,
                due_date=item.due_date,
                status=item.status,
            )
        if content.completed:
            set_assessment_status(db, assessment_id, "completed")
    return answers
