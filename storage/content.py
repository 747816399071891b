"""An assessment's content written in one go: respondents and answers, consensus, targets, roadmap, status.

The JSON import and the demonstration data both fill a newly created assessment this way. Every
value is checked first (`check_assessment_content`, no database needed); the write then inserts
each table's rows in one statement, so a large import holds SQLite's write lock for a fraction of
a second instead of the seconds one call per answer took (each re-checking, re-reading and taking
a savepoint), which made other people's saves fail once it outlasted their busy wait.
"""

from __future__ import annotations

from collections.abc import Mapping
from dataclasses import dataclass, field
from datetime import date

from sqlite_utils import Database

from questionnaires.model import Questionnaire
from storage.assessments import get_assessment, set_assessment_status
from storage.choices import MAX_OWNER, MAX_PERSON_NAME, MAX_ROLE, ROADMAP_STATUSES, RoadmapStatus
from storage.errors import AnswerError, RespondentError, RoadmapItemError, TargetError
from storage.records import EMPTY_ANSWER, AnswerValue
from storage.timestamps import now_text
from storage.transactions import write_transaction
from storage.validation import (
    check_answer_value,
    check_choice,
    check_date,
    check_level,
    check_question,
    check_questionnaire_matches,
    clean_name,
    name_key,
)


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


@dataclass(frozen=True)
class CheckedContent:
    """Content that passed every check of `check_assessment_content`, in the form it is stored.

    Names are trimmed, answers that hold nothing are left out, and a question agreed twice or a
    step planned twice keeps its last entry. `answers` is how many answers the write adds.
    """

    questionnaire_id: str
    questionnaire_version: str
    content: AssessmentContent
    answers: int


def _check_respondents(questionnaire: Questionnaire, people: tuple[RespondentContent, ...]) -> list[RespondentContent]:
    checked: list[RespondentContent] = []
    first_named: dict[str, str] = {}
    for person in people:
        name = clean_name(person.name, field="Respondent name", max_length=MAX_PERSON_NAME, error=RespondentError)
        role = clean_name(
            person.role, field="Respondent role", max_length=MAX_ROLE, error=RespondentError, required=False
        )
        if name_key(name) in first_named:
            raise RespondentError(
                f"Respondents '{first_named[name_key(name)]}' and '{name}' have the same name; "
                "give each respondent a different name."
            )
        first_named[name_key(name)] = name
        answers: dict[str, AnswerValue] = {}
        for question_id, answer in person.answers.items():
            value = check_answer_value(
                questionnaire,
                question_id,
                answer.level,
                answer.na,
                answer.comment,
                answer.evidence,
                evidence_date=answer.evidence_date,
            )
            if value != EMPTY_ANSWER:
                answers[question_id] = value
        checked.append(RespondentContent(name, role, answers))
    return checked


def _check_consensus(questionnaire: Questionnaire, agreed: ConsensusContent) -> ConsensusContent:
    value = check_answer_value(
        questionnaire,
        agreed.question_id,
        agreed.level,
        agreed.na,
        agreed.note,
        "",
        what="Consensus",
        comment_field="note",
    )
    if not value.is_answered:
        raise AnswerError(
            f"Consensus to {agreed.question_id}: give a level or N/A; to remove an agreed answer use clear_consensus."
        )
    facilitator = clean_name(
        agreed.set_by, field="Consensus set by", max_length=MAX_PERSON_NAME, error=AnswerError, required=False
    )
    return ConsensusContent(agreed.question_id, value.level, value.na, value.comment, facilitator)


def _check_target(questionnaire: Questionnaire, domain_id: str, level: int) -> None:
    domain_ids = [domain.id for domain in questionnaire.domains]
    if domain_id not in domain_ids:
        raise TargetError(
            f"Domain {domain_id!r} is not in questionnaire '{questionnaire.id}'; use one of {', '.join(domain_ids)}."
        )
    check_level(questionnaire, level, field=f"Target for {domain_id}", error=TargetError)


def _check_roadmap_item(questionnaire: Questionnaire, item: RoadmapItemContent) -> RoadmapItemContent:
    question = check_question(questionnaire, item.question_id, error=RoadmapItemError)
    check_level(questionnaire, item.to_level, field=f"Roadmap step for {question.id}", error=RoadmapItemError)
    if item.to_level == questionnaire.min_level:
        raise RoadmapItemError(
            f"Roadmap step for {question.id}: level {item.to_level} is the bottom of the scale, so no step "
            "leads to it; choose a higher level."
        )
    owner = clean_name(item.owner, field="Roadmap owner", max_length=MAX_OWNER, error=RoadmapItemError, required=False)
    due = None if item.due_date is None else check_date(item.due_date, field="Due date", error=RoadmapItemError)
    check_choice(item.status, ROADMAP_STATUSES, field="Roadmap status", error=RoadmapItemError)
    return RoadmapItemContent(question.id, item.to_level, owner, due, item.status)


def check_assessment_content(questionnaire: Questionnaire, content: AssessmentContent) -> CheckedContent:
    """Check every value of `content` against `questionnaire`, reading no database; raise a StorageError on the first fault.

    The checks and messages are those of add_respondent, save_answer, set_consensus, set_target
    and save_roadmap_item. Call it before opening a write transaction so the transaction only writes.
    """
    respondents = _check_respondents(questionnaire, content.respondents)
    consensus = {agreed.question_id: _check_consensus(questionnaire, agreed) for agreed in content.consensus}
    for domain_id, level in content.targets.items():
        _check_target(questionnaire, domain_id, level)
    roadmap: dict[tuple[str, int], RoadmapItemContent] = {}
    for item in content.roadmap_items:
        checked = _check_roadmap_item(questionnaire, item)
        roadmap[(checked.question_id, checked.to_level)] = checked
    return CheckedContent(
        questionnaire_id=questionnaire.id,
        questionnaire_version=questionnaire.version,
        content=AssessmentContent(
            respondents=tuple(respondents),
            consensus=tuple(consensus.values()),
            targets=dict(content.targets),
            roadmap_items=tuple(roadmap.values()),
            completed=content.completed,
        ),
        answers=sum(len(person.answers) for person in respondents),
    )


def _insert_respondents(
    db: Database, assessment_id: int, label: str, people: tuple[RespondentContent, ...]
) -> dict[str, int]:
    """Add the respondents, refusing a name the assessment already has; return their ids by name key."""
    adding = {name_key(person.name) for person in people}
    for name, key in db.execute("SELECT name, name_key FROM respondents WHERE assessment_id = ?", [assessment_id]):
        if key in adding:
            raise RespondentError(
                f"Assessment '{label}' already has a respondent named '{name}'; "
                "add a surname or initial to tell them apart, or continue as that respondent."
            )
    now = now_text()
    db.conn.executemany(
        "INSERT INTO respondents (assessment_id, name, name_key, role, created_at) VALUES (?, ?, ?, ?, ?)",
        [(assessment_id, person.name, name_key(person.name), person.role, now) for person in people],
    )
    rows = db.execute("SELECT name_key, id FROM respondents WHERE assessment_id = ?", [assessment_id])
    return dict(rows)


def _insert_answers(
    db: Database, assessment_id: int, ids: dict[str, int], people: tuple[RespondentContent, ...]
) -> None:
    """Insert every answer as its first save, with the history entry a first save records."""
    now = now_text()
    rows = [
        (
            assessment_id,
            ids[name_key(person.name)],
            question_id,
            v.level,
            int(v.na),
            v.comment,
            v.evidence,
            None if v.evidence_date is None else v.evidence_date.isoformat(),
            now,
        )
        for person in people
        for question_id, v in person.answers.items()
    ]
    db.conn.executemany(
        "INSERT INTO answers (assessment_id, respondent_id, question_id, level, na, comment, evidence, evidence_date, "
        "updated_at) VALUES (?, ?, ?, ?, ?, ?, ?, ?, ?)",
        rows,
    )
    db.conn.executemany(
        "INSERT INTO answer_history (assessment_id, respondent_id, question_id, old_level, old_na, old_comment, "
        "old_evidence, new_level, new_na, new_comment, new_evidence, new_evidence_date, changed_at) "
        "VALUES (?, ?, ?, NULL, 0, '', '', ?, ?, ?, ?, ?, ?)",
        rows,
    )


# Upserts that leave a row (and its updated_at) alone when the values are those already stored,
# as set_consensus, set_target and save_roadmap_item do one row at a time.
_UPSERT_CONSENSUS = (
    "INSERT INTO consensus (assessment_id, question_id, level, na, note, set_by, updated_at) "
    "VALUES (?, ?, ?, ?, ?, ?, ?) ON CONFLICT (assessment_id, question_id) DO UPDATE SET "
    "level = excluded.level, na = excluded.na, note = excluded.note, set_by = excluded.set_by, "
    "updated_at = excluded.updated_at WHERE consensus.level IS NOT excluded.level OR consensus.na IS NOT excluded.na "
    "OR consensus.note IS NOT excluded.note OR consensus.set_by IS NOT excluded.set_by"
)
_UPSERT_TARGET = (
    "INSERT INTO targets (assessment_id, domain_id, level, updated_at) VALUES (?, ?, ?, ?) "
    "ON CONFLICT (assessment_id, domain_id) DO UPDATE SET level = excluded.level, updated_at = excluded.updated_at "
    "WHERE targets.level IS NOT excluded.level"
)
_UPSERT_ROADMAP_ITEM = (
    "INSERT INTO roadmap_items (assessment_id, question_id, to_level, owner, due_date, status, updated_at) "
    "VALUES (?, ?, ?, ?, ?, ?, ?) ON CONFLICT (assessment_id, question_id, to_level) DO UPDATE SET "
    "owner = excluded.owner, due_date = excluded.due_date, status = excluded.status, "
    "updated_at = excluded.updated_at WHERE roadmap_items.owner IS NOT excluded.owner "
    "OR roadmap_items.due_date IS NOT excluded.due_date OR roadmap_items.status IS NOT excluded.status"
)


def write_assessment_content(
    db: Database, questionnaire: Questionnaire, assessment_id: int, content: AssessmentContent | CheckedContent
) -> int:
    """Write respondents and their answers, consensus, targets and roadmap items; return the answers written.

    Each respondent is added as new (a name the assessment already has is refused); consensus,
    targets and roadmap items replace any the assessment holds for the same question, domain or
    step. When `completed` is set the assessment is marked completed last; otherwise its status is
    left as it is. Content not yet checked is checked here first; pass `check_assessment_content`'s
    result to keep the checks out of the caller's transaction. Everything is written in one
    transaction, which becomes a savepoint of the caller's transaction when one is open, so a
    refused value leaves none of the content behind. Answers that hold nothing are not stored.
    """
    if not isinstance(content, CheckedContent):
        content = check_assessment_content(questionnaire, content)
    elif (content.questionnaire_id, content.questionnaire_version) != (questionnaire.id, questionnaire.version):
        content = check_assessment_content(questionnaire, content.content)
    parts = content.content
    with write_transaction(db):
        assessment = get_assessment(db, assessment_id)
        check_questionnaire_matches(assessment, questionnaire)
        ids = _insert_respondents(db, assessment.id, assessment.label, parts.respondents)
        _insert_answers(db, assessment.id, ids, parts.respondents)
        now = now_text()
        db.conn.executemany(
            _UPSERT_CONSENSUS,
            [(assessment.id, c.question_id, c.level, int(c.na), c.note, c.set_by, now) for c in parts.consensus],
        )
        db.conn.executemany(
            _UPSERT_TARGET, [(assessment.id, domain_id, level, now) for domain_id, level in parts.targets.items()]
        )
        db.conn.executemany(
            _UPSERT_ROADMAP_ITEM,
            [
                (
                    assessment.id,
                    i.question_id,
                    i.to_level,
                    i.owner,
                    None if i.due_date is None else i.due_date.isoformat(),
                    i.status,
                    now,
                )
                for i in parts.roadmap_items
            ],
        )
        if parts.completed:
            set_assessment_status(db, assessment.id, "completed")
    return content.answers
