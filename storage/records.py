"""The shapes storage returns: frozen dataclasses, one per kind of stored thing."""

from __future__ import annotations

from collections.abc import Iterable, Mapping
from dataclasses import dataclass, replace
from dataclasses import field as dataclass_field
from datetime import date, datetime
from typing import TYPE_CHECKING, Literal

from storage.choices import AssessmentStatus, RoadmapStatus, Role

if TYPE_CHECKING:
    import pandas as pd

    from questionnaires.model import Question


@dataclass(frozen=True)
class Organisation:
    """An organisation that is assessed; `illustrative` marks made-up demonstration data."""

    id: int
    name: str
    industry: str
    size_band: str
    region: str
    illustrative: bool
    created_at: datetime


@dataclass(frozen=True)
class Assessment:
    """One assessment of an organisation against one version of a questionnaire."""

    id: int
    organisation_id: int
    questionnaire_id: str
    questionnaire_version: str
    label: str
    assessment_date: date
    status: AssessmentStatus
    created_at: datetime
    completed_at: datetime | None


@dataclass(frozen=True)
class Respondent:
    """A person who answers an assessment's questions."""

    id: int
    assessment_id: int
    name: str
    role: str
    created_at: datetime


@dataclass(frozen=True)
class AnswerValue:
    """What an answer holds: a level or N/A (or neither, when not answered), a comment, evidence and its date."""

    level: int | None
    na: bool
    comment: str
    evidence: str
    evidence_date: date | None = None

    @property
    def is_answered(self) -> bool:
        """Whether a level or N/A has been given."""
        return self.level is not None or self.na


EMPTY_ANSWER = AnswerValue(level=None, na=False, comment="", evidence="")

AnswerField = Literal["choice", "comment", "evidence", "evidence_date"]
ANSWER_FIELDS: tuple[AnswerField, ...] = ("choice", "comment", "evidence", "evidence_date")


def field_of(value: AnswerValue, field: AnswerField) -> object:
    """One field of an answer: the choice (level and N/A together), the comment, the evidence or its date."""
    if field == "choice":
        return (value.level, value.na)
    return getattr(value, field)


def with_field(value: AnswerValue, field: AnswerField, source: AnswerValue) -> AnswerValue:
    """`value` with one field taken from `source`."""
    if field == "choice":
        return replace(value, level=source.level, na=source.na)
    return replace(value, **{field: getattr(source, field)})


@dataclass(frozen=True)
class FieldConflict:
    """A field this save meant to change that someone else changed first; the save left it as stored."""

    field: AnswerField
    stored: AnswerValue
    attempted: AnswerValue


@dataclass(frozen=True)
class AnswerSave:
    """The outcome of saving what a user changed: the answer as now stored, and any refused fields."""

    answer: Answer
    conflicts: tuple[FieldConflict, ...]


@dataclass(frozen=True)
class Answer:
    """One respondent's answer to one question; `updated_at` is None when it was never saved."""

    assessment_id: int
    respondent_id: int
    question_id: str
    level: int | None
    na: bool
    comment: str
    evidence: str
    updated_at: datetime | None
    evidence_date: date | None = None

    @property
    def value(self) -> AnswerValue:
        """The answer's content without its keys."""
        return AnswerValue(
            level=self.level, na=self.na, comment=self.comment, evidence=self.evidence, evidence_date=self.evidence_date
        )

    @property
    def is_answered(self) -> bool:
        """Whether a level or N/A has been given."""
        return self.level is not None or self.na

    @property
    def holds_something(self) -> bool:
        """Whether the answer holds a level or N/A, a comment, evidence or an evidence date."""
        return self.is_answered or bool(self.comment) or bool(self.evidence) or self.evidence_date is not None


@dataclass(frozen=True)
class AnswerChange:
    """One entry of the append-only answer history: the answer before and after one save.

    `applied` is False for a save that was refused because another save had changed the same
    field first: `after` is what that save tried to write, kept so nothing typed is lost.
    """

    id: int
    assessment_id: int
    respondent_id: int
    question_id: str
    before: AnswerValue
    after: AnswerValue
    changed_at: datetime
    applied: bool = True


@dataclass(frozen=True)
class Consensus:
    """The level (or N/A) a facilitator agreed for a question of a multi-respondent assessment."""

    assessment_id: int
    question_id: str
    level: int | None
    na: bool
    note: str
    set_by: str
    updated_at: datetime


@dataclass(frozen=True)
class Target:
    """The level an organisation aims for in one domain."""

    assessment_id: int
    domain_id: str
    level: int
    updated_at: datetime


@dataclass(frozen=True)
class RoadmapItem:
    """A planned step that brings one practice up to `to_level`, with its owner, due date and status."""

    id: int
    assessment_id: int
    question_id: str
    to_level: int
    owner: str
    due_date: date | None
    status: RoadmapStatus
    updated_at: datetime


@dataclass(frozen=True)
class BenchmarkImport:
    """A record that a set of benchmark rows was imported from a named source."""

    id: int
    source: str
    imported_at: datetime
    row_count: int


@dataclass(frozen=True, eq=False)
class BenchmarkData:
    """The latest completed assessment of each organisation on one questionnaire, as tables.

    `assessments` has one row per organisation (assessment and organisation attributes),
    `answers` one row per respondent answer and `consensus` one row per agreed answer;
    both join to `assessments` on assessment_id.
    """

    assessments: pd.DataFrame
    answers: pd.DataFrame
    consensus: pd.DataFrame


@dataclass(frozen=True)
class User:
    """Someone who may sign in (shared mode): a role, and the organisations a consultant or viewer works on."""

    id: int
    email: str
    role: Role
    active: bool
    organisations: frozenset[int]
    created_at: datetime


@dataclass(frozen=True)
class ParticipantLink:
    """A link that opens one respondent's questionnaire of one assessment; no domains listed means every domain.

    The token itself is never stored (only its SHA-256), so this record cannot rebuild the link.
    """

    id: int
    assessment_id: int
    respondent_id: int
    domains: tuple[str, ...]
    created_by: str
    created_at: datetime
    expires_at: datetime
    revoked_at: datetime | None

    def is_open(self, now: datetime) -> bool:
        """Whether the link still works at `now`: not withdrawn and not expired."""
        return self.revoked_at is None and now < self.expires_at


@dataclass(frozen=True)
class AuditEntry:
    """One line of the append-only audit log: who did what, when, and on which organisation if any."""

    id: int
    at: datetime
    actor: str
    action: str
    organisation_id: int | None
    detail: str


WorkshopMode = Literal["self_paced", "facilitated"]
"""How participants answer: at their own pace, or one question at a time as the facilitator opens it."""
ItemStatus = Literal["open", "closed"]


@dataclass(frozen=True)
class WorkshopItem:
    """A question the facilitator put to the room: its voting round, whether votes are shown, and when it closed.

    A new round clears the respondents' answers to the question (the history keeps every earlier vote).
    """

    assessment_id: int
    question_id: str
    status: ItemStatus
    round: int
    revealed: bool
    opened_by: str
    opened_at: datetime
    round_started_at: datetime
    closed_at: datetime | None

    @property
    def is_open(self) -> bool:
        """Whether the room is voting on (or discussing) this question now."""
        return self.status == "open"


@dataclass(frozen=True)
class QuestionRound:
    """A question of the open domain the room votes on again after the reveal: its round and whether it is shown."""

    question_id: str
    round: int
    revealed: bool
    round_started_at: datetime


@dataclass(frozen=True)
class WorkshopDomainItem:
    """A domain the facilitator put to the room whole: every question answered with hidden votes, revealed at once.

    After the reveal the room discusses its questions one by one; a question may get another round of its
    own (`revotes`), hidden again until the facilitator reveals it. A new round of the whole domain clears
    the votes on all its questions (the history keeps every earlier vote).
    """

    assessment_id: int
    domain_id: str
    status: ItemStatus
    round: int
    revealed: bool
    opened_by: str
    opened_at: datetime
    round_started_at: datetime
    closed_at: datetime | None
    revotes: tuple[QuestionRound, ...] = ()

    @property
    def is_open(self) -> bool:
        """Whether the room is answering (or discussing) this domain now."""
        return self.status == "open"

    def _revote(self, question_id: str) -> QuestionRound | None:
        return next((revote for revote in self.revotes if revote.question_id == question_id), None)

    def round_of(self, question_id: str) -> int:
        """The round the room is voting in on one of the domain's questions."""
        revote = self._revote(question_id)
        return self.round if revote is None else revote.round

    def revealed_for(self, question_id: str) -> bool:
        """Whether the votes on one of the domain's questions are shown: its own re-vote's, else the domain's."""
        revote = self._revote(question_id)
        return self.revealed if revote is None else revote.revealed


@dataclass(frozen=True)
class Workshop:
    """An assessment's workshop: its way of answering, the domains with a way of their own, and what is open now.

    `mode` is the assessment's way; `domain_modes` holds the domains that override it. At most one
    thing is open: a question (`open_item`) or a whole domain (`open_domain`). `updated_at` is None
    when no facilitator ever chose the assessment's mode: it is then self-paced, as every assessment
    was before workshops existed.
    """

    assessment_id: int
    mode: WorkshopMode
    open_item: WorkshopItem | None
    set_by: str
    updated_at: datetime | None
    domain_modes: Mapping[str, WorkshopMode] = dataclass_field(default_factory=dict)
    open_domain: WorkshopDomainItem | None = None

    def mode_of(self, domain_id: str) -> WorkshopMode:
        """How the room answers a domain's questions: the domain's own way if it has one, else the assessment's."""
        return self.domain_modes.get(domain_id, self.mode)

    def _hidden(self, question_id: str, domain_id: str) -> bool | None:
        """Whether the room is voting on this question now with the votes hidden (True) or shown (False); None: not open."""
        item = self.open_item
        if item is not None and item.question_id == question_id:
            return not item.revealed
        opened = self.open_domain
        if opened is not None and opened.domain_id == domain_id:
            return not opened.revealed_for(question_id)
        return None

    def participant_may_answer(self, question_id: str, domain_id: str) -> bool:
        """Whether a participant may give or change an answer to this question (of domain `domain_id`) now.

        A self-paced domain: any of its questions, whatever is open elsewhere. A facilitated domain: only
        the open question, or the questions of the open domain, and only until their votes are revealed
        (so the distribution under discussion stays as shown); with nothing of it open, participants wait.
        """
        if self.mode_of(domain_id) == "self_paced":
            return True
        return bool(self._hidden(question_id, domain_id))

    def votes_visible(self, question_id: str, domain_id: str) -> bool:
        """Whether the room may see how people voted on this question: always, except while its vote is hidden."""
        if self.mode_of(domain_id) != "facilitated":
            return True
        return not self._hidden(question_id, domain_id)

    def hidden_votes(self, questions: Iterable[Question]) -> tuple[str, ...]:
        """The ids of the `questions` whose votes nobody may see now (the room is voting on them), in their order."""
        return tuple(question.id for question in questions if not self.votes_visible(question.id, question.domain))


@dataclass(frozen=True)
class DomainProgress:
    """How many of a domain's questions one respondent has answered (N/A included)."""

    domain_id: str
    answered: int
    total: int


@dataclass(frozen=True)
class RespondentProgress:
    """One respondent's progress through the questionnaire, domain by domain; no levels, only counts."""

    respondent_id: int
    name: str
    domains: tuple[DomainProgress, ...]
    last_answered_at: datetime | None

    @property
    def answered(self) -> int:
        """Questions answered (N/A included) across every domain."""
        return sum(domain.answered for domain in self.domains)

    @property
    def total(self) -> int:
        """Questions in the questionnaire."""
        return sum(domain.total for domain in self.domains)


@dataclass(frozen=True)
class AnsweredCount:
    """How many respondents have answered one question, and who is still to answer: never what they answered."""

    question_id: str
    answered: int
    respondents: int
    waiting: tuple[str, ...]


@dataclass(frozen=True)
class BenchmarkPackRow:
    """One anonymised peer of an imported benchmark pack: its attributes and its scores, no identity."""

    row_number: int
    questionnaire_id: str
    industry: str
    size_band: str
    region: str
    year: int
    scores: Mapping[str, float]
