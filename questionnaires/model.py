"""The questionnaire schema: pydantic models for one questionnaire document."""

from __future__ import annotations

from typing import Annotated, Literal, get_args

from pydantic import BaseModel, ConfigDict, Field, StringConstraints, model_validator

Identifier = Annotated[str, StringConstraints(pattern=r"^[A-Za-z][A-Za-z0-9_.-]{0,63}$")]
QuestionId = Annotated[str, StringConstraints(pattern=r"^[A-Z][A-Z0-9]{0,15}-[0-9]{2,3}$")]
Text = Annotated[str, StringConstraints(strip_whitespace=True, min_length=1, max_length=4000)]
ShortText = Annotated[str, StringConstraints(strip_whitespace=True, min_length=1, max_length=200)]


class Strict(BaseModel):
    """Base for every questionnaire model: unknown fields are errors and values are not coerced."""

    model_config = ConfigDict(extra="forbid", strict=True, frozen=True)


Effort = Literal["S", "M", "L"]
EFFORTS: tuple[Effort, ...] = ("S", "M", "L")


class Level(Strict):
    """One maturity level of the model (e.g. 3 Defined)."""

    number: Annotated[int, Field(ge=0, le=10)]
    name: ShortText
    description: Text


class Phase(Strict):
    """A roadmap phase: a window of months and how much effort it can absorb."""

    name: ShortText
    start_month: Annotated[int, Field(ge=0, le=240)]
    end_month: Annotated[int, Field(ge=1, le=240)]
    capacity: Annotated[int, Field(ge=1, le=100000)] | None = None

    @model_validator(mode="after")
    def _window_is_forward(self) -> Phase:
        if self.end_month <= self.start_month:
            raise ValueError("end_month must be after start_month")
        return self


def _default_phases() -> list[Phase]:
    return [
        Phase(name="0-3 months", start_month=0, end_month=3, capacity=12),
        Phase(name="3-12 months", start_month=3, end_month=12, capacity=36),
        Phase(name="12-24 months", start_month=12, end_month=24, capacity=None),
    ]


class Scoring(Strict):
    """Scoring settings: stage threshold, overall-stage rule, default target, evidence validity, roadmap sizing."""

    stage_threshold: Annotated[float, Field(gt=0.0, le=1.0)] = 0.8
    overall_stage: Literal["lowest_domain", "floor_of_score"] = "lowest_domain"
    # None: the level just above the middle of the scale (3 on 1-5, 3 on 0-5, 3 on 1-4).
    default_target: Annotated[int, Field(ge=0, le=10)] | None = None
    disagreement_spread: Annotated[int, Field(ge=1, le=10)] = 2
    # Evidence dated longer ago than this is stale (see scoring.confidence).
    evidence_valid_months: Annotated[int, Field(ge=1, le=120)] = 12
    effort_points: dict[Effort, Annotated[int, Field(ge=1, le=1000)]] = Field(
        default_factory=lambda: {"S": 1, "M": 3, "L": 8}
    )
    phases: list[Phase] = Field(default_factory=_default_phases)
    min_peer_group: Annotated[int, Field(ge=5, le=1000)] = 5

    @model_validator(mode="after")
    def _settings_are_complete(self) -> Scoring:
        missing = [e for e in EFFORTS if e not in self.effort_points]
        if missing:
            raise ValueError(f"effort_points needs a value for {', '.join(missing)}")
        if not self.phases:
            raise ValueError("phases needs at least one phase")
        for before, after in zip(self.phases, self.phases[1:], strict=False):
            if after.start_month < before.end_month:
                raise ValueError(f"phase '{after.name}' starts before phase '{before.name}' ends")
        return self


class Domain(Strict):
    """A scored area of the questionnaire (e.g. Business impact analysis)."""

    id: Annotated[str, StringConstraints(pattern=r"^[A-Z][A-Z0-9]{0,15}$")]
    name: ShortText
    weight: Annotated[float, Field(gt=0, le=100)] = 1.0
    description: Text


class Action(Strict):
    """What to do to bring one practice up to a given level, and how big a job it is."""

    action: Text
    effort: Effort


RefPattern = Annotated[str, StringConstraints(min_length=1, max_length=200)]
Relation = Literal["direct", "related", "by_analogy"]
RELATION_NOTES: dict[str, str] = {"direct": "", "related": "related", "by_analogy": "by analogy"}


class StandardDeclaration(Strict):
    """A standard that references may name: its title, whom it binds, and the form of its refs."""

    name: ShortText
    title: ShortText | None = None
    # Who the standard binds, when not everyone (e.g. "EU financial entities in scope of DORA").
    applies_to: ShortText | None = None
    # A regular expression every ref to this standard must match in full.
    ref_pattern: RefPattern | None = None


class Reference(Strict):
    """A pointer into a standard: which standard and which clause, control, article or practice."""

    standard: ShortText
    ref: Annotated[str, StringConstraints(strip_whitespace=True, min_length=1, max_length=80)]
    # direct: the reference covers the practice; related: a neighbouring requirement;
    # by_analogy: it binds others and is cited as a model only.
    relation: Relation = "direct"

    @property
    def label(self) -> str:
        """Return e.g. "DORA Art. 12(5) (by analogy)"."""
        note = RELATION_NOTES[self.relation]
        return f"{self.standard} {self.ref}" + (f" ({note})" if note else "")


class Evidence(Strict):
    """An example of evidence, tied to the level it supports."""

    level: Annotated[int, Field(ge=0, le=10)]
    text: Text


class Retired(Strict):
    """A question id of the previous version that no question of this version carries on."""

    id: QuestionId
    reason: Text


Tier = Literal["critical", "important", "standard"]
FromLevel = Annotated[int, Field(ge=0, le=10)]
Months = Annotated[int, Field(ge=1, le=120)]
Percent = Annotated[int, Field(ge=1, le=100)]


class _Check(Strict):
    """A claim the facts can test: an answer at `from_level` or above is only evidenced when the check passes."""

    from_level: FromLevel


class CriticalServicesTestedWithin(_Check):
    """Every service of the tier had a recovery test (technical test, failover, exercise or incident) within N months."""

    check: Literal["critical_services_tested_within"]
    months: Months
    tier: Tier = "critical"


class LastTestMetRto(_Check):
    """The latest measured recovery of each service of the tier took no longer than its RTO."""

    check: Literal["last_test_met_rto"]
    tier: Tier = "critical"
    # The share of those services that must have met it; 100: every one.
    percent: Percent = 100


class LastTestMetRpo(_Check):
    """The latest measured data loss of each service of the tier was no more than its RPO."""

    check: Literal["last_test_met_rpo"]
    tier: Tier = "critical"
    percent: Percent = 100


class RtoConsistentAlongDependencies(_Check):
    """No service's RTO is shorter than that of a service it depends on, directly or further down the chain."""

    check: Literal["rto_consistent_along_dependencies"]


class RtoNotAboveMtpd(_Check):
    """Every service's RTO is at most its MTPD."""

    check: Literal["rto_not_above_mtpd"]


class BiaRefreshedWithin(_Check):
    """Every service of the tier had its business impact analysis reviewed within N months."""

    check: Literal["bia_refreshed_within"]
    months: Months
    tier: Tier = "critical"


class FindingsClosedByDue(_Check):
    """No finding of the exercise and incident log is still open past its due date (or at most 100 - percent %)."""

    check: Literal["findings_closed_by_due"]
    percent: Percent = 100


Check = Annotated[
    CriticalServicesTestedWithin
    | LastTestMetRto
    | LastTestMetRpo
    | RtoConsistentAlongDependencies
    | RtoNotAboveMtpd
    | BiaRefreshedWithin
    | FindingsClosedByDue,
    Field(discriminator="check"),
]
CHECK_MODELS: tuple[type[_Check], ...] = (
    CriticalServicesTestedWithin,
    LastTestMetRto,
    LastTestMetRpo,
    RtoConsistentAlongDependencies,
    RtoNotAboveMtpd,
    BiaRefreshedWithin,
    FindingsClosedByDue,
)
# The names a question's `checks:` may use; the functions behind them live in scoring.evidence_checks.
CHECK_NAMES: tuple[str, ...] = tuple(get_args(m.model_fields["check"].annotation)[0] for m in CHECK_MODELS)


class Question(Strict):
    """One practice an assessor checks, with a statement per level and actions per step up."""

    id: QuestionId
    domain: str
    text: Text
    guidance: Text
    evidence: Annotated[list[Text | Evidence], Field(min_length=1, max_length=10)]
    weight: Annotated[int, Field(ge=1, le=10)] = 1
    na_allowed: bool = False
    # True: an N/A answer must say why in its comment (e.g. a question about third parties).
    na_requires_justification: bool = False
    # Ids in the questionnaire's previous_version that this question replaces or merges.
    replaces: Annotated[list[QuestionId], Field(max_length=20)] = Field(default_factory=list)
    levels: dict[int, Text]
    actions: dict[int, Action] = Field(default_factory=dict)
    references: list[Reference] = Field(default_factory=list)
    # Claims the service register and exercise log can test (see scoring.evidence_checks).
    checks: Annotated[list[Check], Field(max_length=20)] = Field(default_factory=list)

    def statement(self, level: int) -> str:
        """Return the statement that describes this practice at `level`."""
        return self.levels[level]

    @property
    def evidence_examples(self) -> tuple[tuple[int | None, str], ...]:
        """Return each evidence example as (level it supports or None, text)."""
        return tuple((None, e) if isinstance(e, str) else (e.level, e.text) for e in self.evidence)

    @property
    def evidence_lines(self) -> tuple[str, ...]:
        """Return each evidence example as one line of text, prefixed with its level when it has one."""
        return tuple(text if level is None else f"Level {level}: {text}" for level, text in self.evidence_examples)


Version = Annotated[str, StringConstraints(pattern=r"^[0-9A-Za-z][0-9A-Za-z._-]{0,31}$")]


class Questionnaire(Strict):
    """A whole questionnaire: the maturity model, its scoring settings, domains and questions."""

    id: Identifier
    version: Version
    # The version whose question ids `replaces` and `retired` refer to.
    previous_version: Version | None = None
    title: ShortText
    description: Text | None = None
    levels: Annotated[list[Level], Field(min_length=2, max_length=11)]
    scoring: Scoring = Field(default_factory=Scoring)
    domains: Annotated[list[Domain], Field(min_length=1, max_length=50)]
    questions: Annotated[list[Question], Field(min_length=1, max_length=2000)]
    # The standards references may name; when empty, any name is accepted unchecked.
    standards: Annotated[list[StandardDeclaration], Field(max_length=100)] = Field(default_factory=list)
    retired: Annotated[list[Retired], Field(max_length=2000)] = Field(default_factory=list)

    @property
    def default_target(self) -> int:
        """Return the target level of a domain nobody set one for: the setting, else derived from the scale."""
        if self.scoring.default_target is not None:
            return self.scoring.default_target
        low, high = self.min_level, self.max_level
        wanted = low + -(-(high - low) // 2)
        return min((n for n in self.level_numbers if n >= wanted), default=high)

    def standard(self, name: str) -> StandardDeclaration | None:
        """Return the declaration of the standard with this name, or None when it is not declared."""
        return next((s for s in self.standards if s.name == name), None)

    def references_text(self, question: Question) -> str:
        """Return a question's references on one line, naming whom a standard binds when not everyone."""
        labels = []
        for reference in question.references:
            declared = self.standard(reference.standard)
            binds = f" [binds {declared.applies_to}]" if declared and declared.applies_to else ""
            labels.append(reference.label + binds)
        return "; ".join(labels)

    def replaced_by(self) -> dict[str, tuple[str, ...]]:
        """Return, per previous-version id, the ids of this version that carry it on (itself when kept)."""
        carried: dict[str, list[str]] = {}
        for question in self.questions:
            for old in question.replaces:
                carried.setdefault(old, []).append(question.id)
        return {old: tuple(new) for old, new in carried.items()}

    @property
    def level_numbers(self) -> tuple[int, ...]:
        """The level numbers in ascending order."""
        return tuple(sorted(level.number for level in self.levels))

    @property
    def min_level(self) -> int:
        """The lowest level number."""
        return self.level_numbers[0]

    @property
    def max_level(self) -> int:
        """The highest level number."""
        return self.level_numbers[-1]

    def level(self, number: int) -> Level:
        """Return the level with this number."""
        return next(level for level in self.levels if level.number == number)

    def domain(self, domain_id: str) -> Domain:
        """Return the domain with this id."""
        return next(domain for domain in self.domains if domain.id == domain_id)

    def question(self, question_id: str) -> Question:
        """Return the question with this id."""
        return next(q for q in self.questions if q.id == question_id)

    def find_question(self, question_id: str) -> Question | None:
        """Return the question with this id, or None when there is none."""
        return next((q for q in self.questions if q.id == question_id), None)

    def questions_in(self, domain_id: str) -> tuple[Question, ...]:
        """Return the questions of one domain, in file order."""
        return tuple(q for q in self.questions if q.domain == domain_id)
