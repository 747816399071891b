"""Export one assessment as a versioned JSON document, and import such a document into a database.

The document holds what is stored, never what is derived from it:

    {"format": "itscm-assessment", "format_version": 1, "exported_at": "2026-04-01T09:30:00+00:00",
     "questionnaire": {"id", "version"},
     "organisation": {"name", "industry", "size_band", "region", "illustrative"},
     "assessment": {"label", "assessment_date", "status", "completed_at"},
     "respondents": [{"name", "role", "answers": [{"question_id", "level", "na", "comment", "evidence",
                                      "evidence_date"}]}],
     "consensus": [{"question_id", "level", "na", "note", "set_by"}],
     "targets": {"<domain id>": <level>, ...},
     "roadmap_items": [{"question_id", "to_level", "owner", "due_date", "status"}],
     "finding_items": [{"finding_id", "step", "owner", "due_date", "status"}],
     "scores": {...}}

Dates are ISO 8601 (YYYY-MM-DD; moments with their UTC offset). `targets` lists every domain's
target, the default ones included, so a reader sees them all. `scores` is there for whoever reads
the file; the import ignores it and scores the imported answers afresh.

`finding_items` are the roadmap steps made from findings of the organisation's exercise and incident
log: the finding's id (as the log keeps it), the step as the roadmap shows it ("From exercise
<YYYY-MM-DD> <kind>: <finding>"), and the step's owner, due date and status. The log itself is not in
the document (the Evidence page and `cli.py exercises export` carry it), and a finding is a step of
one roadmap only, so an import puts a step on the new assessment's roadmap only where the
organisation's log has a finding with that id that no roadmap holds yet (an import into an existing
organisation); the finding is left as the log has it. Every other step is left out, and the import's
outcome (ImportOutcome) says how many and why.

An import checks the whole document before writing anything and reports every problem at once,
each with its JSON path (such as `respondents[1].answers[4].level`). It refuses a document larger
than a real workshop ever produces (see the MAX_IMPORT_ limits), so the write that follows holds
the database's write lock for well under a second and never makes someone else's save wait past
its busy timeout. It then writes the organisation, a new assessment and everything in it in one
transaction, so it lands whole or not at all. When an organisation of the same name (ignoring
case) exists, the import stops and asks: `into_existing=True` adds the assessment to it (its trends
and benchmarks then include it), `new_name="..."` imports it as a new organisation under another
name; `preview_import` tells a page beforehand, without writing, whether it needs to ask. What is
not carried over: the time each answer was saved and the answer history (the import is the first
save of each answer), and when the assessment was completed (completing it on import records the
import time).
"""

from __future__ import annotations

import json
from collections.abc import Callable, Iterable, Mapping, Sequence
from dataclasses import dataclass
from datetime import UTC, date, datetime
from typing import Annotated, Any, Final, Literal

from pydantic import (
    AfterValidator,
    BaseModel,
    BeforeValidator,
    ConfigDict,
    StringConstraints,
    ValidationError,
    ValidationInfo,
    field_validator,
    model_validator,
)
from pydantic_core import ErrorDetails, PydanticCustomError
from sqlite_utils import Database

from exports.report import AssessmentReport
from questionnaires.catalog import get_questionnaire
from questionnaires.model import Questionnaire
from storage import (
    create_assessment,
    create_organisation,
    get_assessment,
    list_assessments,
    list_organisations,
    write_transaction,
)
from storage.choices import (
    INDUSTRIES,
    MAX_FREE_TEXT,
    MAX_LABEL,
    MAX_ORGANISATION_NAME,
    MAX_OWNER,
    MAX_PERSON_NAME,
    MAX_ROLE,
    REGIONS,
    SIZE_BANDS,
    AssessmentStatus,
    RoadmapStatus,
)
from storage.content import (
    AssessmentContent,
    CheckedContent,
    ConsensusContent,
    RespondentContent,
    RoadmapItemContent,
    check_assessment_content,
    write_assessment_content,
)
from storage.errors import DatabaseBusyError, OrganisationError, StorageError
from storage.evidence import FINDING_KEY
from storage.finding_items import (
    FindingItem,
    FindingStepContent,
    LinkedFindingSteps,
    check_finding_steps,
    check_step_text,
    link_finding_steps,
)
from storage.records import Answer, AnswerValue, Assessment, Organisation, RoadmapItem
from storage.validation import check_visible_text, clean_name, name_key

FORMAT: Final = "itscm-assessment"
FORMAT_VERSION: Final = 1
# Limits far above any real workshop (a few dozen people; the largest demo export is under 50 KB),
# set so the largest document accepted is written in well under a second even on a busy machine
# (benchmarks/bench_imports.py): the write holds the lock every other save waits for.
MAX_IMPORT_BYTES: Final = 3_000_000
MAX_IMPORT_RESPONDENTS: Final = 100
MAX_IMPORT_ANSWERS: Final = 10_000
IMPORT_ACTOR: Final = "JSON import"
"""Who the steps made from findings that an import links are recorded as planned by, when the caller names no one."""

QuestionnaireLookup = Callable[[str, str], Questionnaire]


class AssessmentImportError(ValueError):
    """An assessment document cannot be imported; the message lists every problem with its JSON path."""


class OrganisationExistsError(AssessmentImportError):
    """The organisation name the import would create is taken; `existing` is the organisation that has it."""

    def __init__(self, message: str, existing: Organisation) -> None:
        super().__init__(message)
        self.existing = existing


class AssessmentLabelExistsError(AssessmentImportError):
    """The organisation the assessment would join already has an assessment with the same label."""


# Validation context: the lookup comes in, the questionnaire found goes out to the later fields.
_LOOKUP: Final = "lookup"
_QUESTIONNAIRE: Final = "questionnaire"


def _problem(kind: str, message: str) -> PydanticCustomError:
    return PydanticCustomError(f"itscm_{kind}", message)


def _questionnaire_of(info: ValidationInfo) -> Questionnaire | None:
    context = info.context
    if not isinstance(context, dict):
        return None
    found = context.get(_QUESTIONNAIRE)
    return found if isinstance(found, Questionnaire) else None


def _iso_date(value: object) -> object:
    if type(value) is date:
        return value
    if isinstance(value, str):
        try:
            return date.fromisoformat(value)
        except ValueError:
            pass
    raise _problem("date", f"{_shown(value)} is not a date; write it as YYYY-MM-DD, such as 2026-03-31.")


def _iso_moment(value: object) -> object:
    if isinstance(value, datetime):
        return value
    if isinstance(value, str):
        try:
            return datetime.fromisoformat(value)
        except ValueError:
            pass
    raise _problem(
        "moment", f"{_shown(value)} is not a date and time; write it as ISO 8601, such as 2026-03-31T09:30:00Z."
    )


def _known_question(value: str, info: ValidationInfo) -> str:
    questionnaire = _questionnaire_of(info)
    if questionnaire is not None and questionnaire.find_question(value) is None:
        raise _problem(
            "question",
            f"question {_shown(value)} is not in questionnaire {questionnaire.id} version {questionnaire.version}; "
            f"use one of its question ids, such as {questionnaire.questions[0].id}.",
        )
    return value


def _known_domain(value: str, info: ValidationInfo) -> str:
    questionnaire = _questionnaire_of(info)
    if questionnaire is not None and value not in {domain.id for domain in questionnaire.domains}:
        domain_ids = ", ".join(domain.id for domain in questionnaire.domains)
        raise _problem(
            "domain", f"domain {_shown(value)} is not in questionnaire {questionnaire.id}; use {domain_ids}."
        )
    return value


def _on_scale(value: int, info: ValidationInfo) -> int:
    questionnaire = _questionnaire_of(info)
    if questionnaire is not None and value not in questionnaire.level_numbers:
        numbers = ", ".join(str(number) for number in questionnaire.level_numbers)
        raise _problem(
            "level", f"level {value} is not on the scale of questionnaire {questionnaire.id}; use one of {numbers}."
        )
    return value


def _one_of(choices: Sequence[str]) -> Callable[[str], str]:
    def check(value: str) -> str:
        if value not in choices:
            raise _problem("choice", f"{_shown(value)} is not in the list; use one of: {', '.join(choices)}.")
        return value

    return check


IsoDate = Annotated[date, BeforeValidator(_iso_date)]
IsoMoment = Annotated[datetime, BeforeValidator(_iso_moment)]
QuestionId = Annotated[str, AfterValidator(_known_question)]
DomainId = Annotated[str, AfterValidator(_known_domain)]
LevelNumber = Annotated[int, AfterValidator(_on_scale)]
FreeText = Annotated[str, StringConstraints(max_length=MAX_FREE_TEXT)]
# Names are trimmed and held to the lengths storage accepts, so a bad one is reported here with its path.
OrganisationName = Annotated[
    str, StringConstraints(strip_whitespace=True, min_length=1, max_length=MAX_ORGANISATION_NAME)
]
Label = Annotated[str, StringConstraints(strip_whitespace=True, min_length=1, max_length=MAX_LABEL)]
PersonName = Annotated[str, StringConstraints(strip_whitespace=True, min_length=1, max_length=MAX_PERSON_NAME)]
OptionalPersonName = Annotated[str, StringConstraints(strip_whitespace=True, max_length=MAX_PERSON_NAME)]
Role = Annotated[str, StringConstraints(strip_whitespace=True, max_length=MAX_ROLE)]
Owner = Annotated[str, StringConstraints(strip_whitespace=True, max_length=MAX_OWNER)]


class _Part(BaseModel):
    """Base of every part of the document: unknown fields are errors and values are not coerced."""

    model_config = ConfigDict(extra="forbid", strict=True, frozen=True)


class QuestionnaireRef(_Part):
    """Which installed questionnaire, by id and version, the assessment was answered against."""

    id: Annotated[str, StringConstraints(min_length=1, max_length=64)]
    version: Annotated[str, StringConstraints(min_length=1, max_length=32)]


class OrganisationPart(_Part):
    """The assessed organisation and the attributes peers are grouped by."""

    name: OrganisationName
    industry: Annotated[str, AfterValidator(_one_of(INDUSTRIES))]
    size_band: Annotated[str, AfterValidator(_one_of(SIZE_BANDS))]
    region: Annotated[str, AfterValidator(_one_of(REGIONS))]
    illustrative: bool = False


class AssessmentPart(_Part):
    """The assessment's label, date and workflow status."""

    label: Label
    assessment_date: IsoDate
    status: AssessmentStatus
    completed_at: IsoMoment | None = None


def _not_in_future(day: date) -> date:
    if day > date.today():
        raise _problem(
            "future",
            f"{day.isoformat()} is in the future; give the date the evidence was produced or last reviewed, "
            "today at the latest.",
        )
    return day


def _check_na(na: bool, info: ValidationInfo) -> bool:
    """Refuse N/A given together with a level, or for a question that does not allow it."""
    if not na:
        return na
    if info.data.get("level") is not None:
        raise _problem("na", "both a level and N/A were given; set level to null for N/A, or na to false.")
    questionnaire = _questionnaire_of(info)
    question_id = info.data.get("question_id")
    question = None if questionnaire is None or question_id is None else questionnaire.find_question(question_id)
    if question is not None and not question.na_allowed:
        raise _problem("na", f"N/A is not allowed for question {question_id}; give a level instead.")
    return na


class AnswerPart(_Part):
    """One respondent's answer: a level, N/A or neither (a comment alone), with comment and evidence."""

    question_id: QuestionId
    level: LevelNumber | None = None
    na: bool = False
    comment: FreeText = ""
    evidence: FreeText = ""
    evidence_date: Annotated[IsoDate, AfterValidator(_not_in_future)] | None = None

    @field_validator("na")
    @classmethod
    def _na_fits(cls, na: bool, info: ValidationInfo) -> bool:
        return _check_na(na, info)


def _first_repeat(keys: Sequence[object]) -> tuple[int, int] | None:
    """Return the positions of the first key that appears twice, or None."""
    seen: dict[object, int] = {}
    for index, key in enumerate(keys):
        if key in seen:
            return seen[key], index
        seen[key] = index
    return None


class RespondentPart(_Part):
    """A person who answered, and their answers."""

    name: PersonName
    role: Role = ""
    answers: list[AnswerPart] = []

    @field_validator("answers")
    @classmethod
    def _each_question_once(cls, answers: list[AnswerPart]) -> list[AnswerPart]:
        repeat = _first_repeat([answer.question_id for answer in answers])
        if repeat is not None:
            first, second = repeat
            raise _problem(
                "repeat",
                f"question {answers[second].question_id} is answered twice (answers[{first}] and "
                f"answers[{second}]); keep one.",
            )
        return answers


class ConsensusPart(_Part):
    """The level or N/A a facilitator agreed for one question."""

    question_id: QuestionId
    level: LevelNumber | None = None
    na: bool = False
    note: FreeText = ""
    set_by: OptionalPersonName = ""

    @field_validator("na")
    @classmethod
    def _na_fits(cls, na: bool, info: ValidationInfo) -> bool:
        return _check_na(na, info)

    @model_validator(mode="after")
    def _something_agreed(self) -> ConsensusPart:
        if self.level is None and not self.na:
            raise _problem(
                "agreed", "an agreed answer needs a level, or na set to true; remove the entry if nothing was agreed."
            )
        return self


def _above_bottom(value: int, info: ValidationInfo) -> int:
    questionnaire = _questionnaire_of(info)
    if questionnaire is not None and value == questionnaire.min_level:
        raise _problem(
            "bottom", f"level {value} is the bottom of the scale, so no step leads to it; use a higher level."
        )
    return value


class RoadmapItemPart(_Part):
    """A planned improvement step with its owner, due date and status."""

    question_id: QuestionId
    to_level: Annotated[LevelNumber, AfterValidator(_above_bottom)]
    owner: Owner = ""
    due_date: IsoDate | None = None
    status: RoadmapStatus = "planned"


def _finding_id(value: str) -> str:
    if not FINDING_KEY.fullmatch(value):
        raise _problem(
            "finding_id",
            f"{_shown(value)} is not a finding id; use the id the exercise and incident log gives the finding "
            "(up to 40 letters, digits, - and _).",
        )
    return value


def _step_text(value: str) -> str:
    try:
        return check_step_text(value, field="the step", error=StorageError)
    except StorageError as error:
        raise _problem("step", str(error)) from None


def _visible_owner(value: str) -> str:
    try:
        return check_visible_text(value, field="Owner", error=StorageError)
    except StorageError as error:
        raise _problem("owner", str(error)) from None


class FindingItemPart(_Part):
    """A roadmap step made from a finding of the organisation's exercise and incident log, named by the finding's id."""

    finding_id: Annotated[str, AfterValidator(_finding_id)]
    step: Annotated[str, AfterValidator(_step_text)]
    owner: Annotated[Owner, AfterValidator(_visible_owner)] = ""
    due_date: IsoDate | None = None
    status: RoadmapStatus = "planned"


class AssessmentDocument(_Part):
    """A whole exported assessment; fields are checked in this order, the questionnaire first."""

    format: Literal["itscm-assessment"]
    format_version: Literal[1]
    exported_at: IsoMoment | None = None
    questionnaire: QuestionnaireRef
    organisation: OrganisationPart
    assessment: AssessmentPart
    respondents: list[RespondentPart]
    consensus: list[ConsensusPart] = []
    targets: dict[DomainId, LevelNumber] = {}
    roadmap_items: list[RoadmapItemPart] = []
    finding_items: list[FindingItemPart] = []
    scores: dict[str, Any] | None = None

    @field_validator("questionnaire")
    @classmethod
    def _installed(cls, reference: QuestionnaireRef, info: ValidationInfo) -> QuestionnaireRef:
        context = info.context
        if not isinstance(context, dict) or _LOOKUP not in context:
            return reference
        try:
            context[_QUESTIONNAIRE] = context[_LOOKUP](reference.id, reference.version)
        except LookupError as error:
            raise _problem("questionnaire", str(error.args[0]) if error.args else str(error)) from None
        return reference

    @field_validator("respondents")
    @classmethod
    def _names_differ(cls, respondents: list[RespondentPart]) -> list[RespondentPart]:
        repeat = _first_repeat([respondent.name.casefold() for respondent in respondents])
        if repeat is not None:
            first, second = repeat
            raise _problem(
                "repeat",
                f"respondents[{first}] and respondents[{second}] are both named {_shown(respondents[second].name)}; "
                "give each respondent a different name.",
            )
        return respondents

    @field_validator("consensus")
    @classmethod
    def _agreed_once(cls, consensus: list[ConsensusPart]) -> list[ConsensusPart]:
        repeat = _first_repeat([agreed.question_id for agreed in consensus])
        if repeat is not None:
            first, second = repeat
            raise _problem(
                "repeat",
                f"question {consensus[second].question_id} is agreed twice (consensus[{first}] and "
                f"consensus[{second}]); keep one.",
            )
        return consensus

    @field_validator("roadmap_items")
    @classmethod
    def _planned_once(cls, items: list[RoadmapItemPart]) -> list[RoadmapItemPart]:
        repeat = _first_repeat([(item.question_id, item.to_level) for item in items])
        if repeat is not None:
            first, second = repeat
            item = items[second]
            raise _problem(
                "repeat",
                f"the step of {item.question_id} to level {item.to_level} is planned twice "
                f"(roadmap_items[{first}] and roadmap_items[{second}]); keep one.",
            )
        return items

    @field_validator("finding_items")
    @classmethod
    def _each_finding_once(cls, items: list[FindingItemPart]) -> list[FindingItemPart]:
        repeat = _first_repeat([item.finding_id for item in items])
        if repeat is not None:
            first, second = repeat
            raise _problem(
                "repeat",
                f"finding {items[second].finding_id} is a step twice (finding_items[{first}] and "
                f"finding_items[{second}]); a finding is a step of one roadmap once, so keep one.",
            )
        return items


# Export ------------------------------------------------------------------------------------------


def _answer_part(answer: Answer) -> AnswerPart:
    return AnswerPart(
        question_id=answer.question_id,
        level=answer.level,
        na=answer.na,
        comment=answer.comment,
        evidence=answer.evidence,
        evidence_date=answer.evidence_date,
    )


def _scores(report: AssessmentReport) -> dict[str, Any]:
    overall = report.score.overall
    return {
        "overall": {
            "score": overall.score,
            "stage": overall.stage,
            "completeness": overall.completeness,
            "provisional": overall.provisional,
        },
        "domains": [
            {
                "id": domain.domain_id,
                "name": domain.name,
                "score": domain.score,
                "stage": domain.stage,
                "completeness": domain.completeness,
                "target": domain.target,
                "gap": domain.gap,
                "provisional": domain.provisional,
            }
            for domain in report.score.domains
        ],
    }


def export_assessment(
    report: AssessmentReport,
    roadmap_items: Iterable[RoadmapItem] = (),
    finding_items: Iterable[FindingItem] = (),
    *,
    exported_at: datetime | None = None,
) -> dict[str, Any]:
    """Return the assessment as a JSON-ready document: its stored data, plus its scores for reading only.

    `roadmap_items` are the assessment's saved roadmap items (`storage.list_roadmap_items`), and
    `finding_items` its steps made from findings (`storage.finding_items.list_finding_items`).
    Answers that hold nothing (no level, N/A, comment, evidence or evidence date) are left out.
    """
    assessment = report.assessment
    items = tuple(roadmap_items)
    steps = tuple(finding_items)
    for what, found in (("Roadmap items", items), ("Steps made from findings", steps)):
        strangers = [item.id for item in found if item.assessment_id != assessment.id]
        if strangers:
            raise ValueError(
                f"{what} {strangers} belong to another assessment, not {assessment.id}; "
                "pass the items of the assessment being exported."
            )
    position = {question.id: index for index, question in enumerate(report.questionnaire.questions)}

    def in_questionnaire_order(question_id: str) -> tuple[int, str]:
        return position.get(question_id, len(position)), question_id

    respondents = []
    for respondent in report.respondents:
        answers = sorted(
            (a for a in report.answers_of(respondent.id).values() if a.holds_something),
            key=lambda a: in_questionnaire_order(a.question_id),
        )
        respondents.append(
            RespondentPart(name=respondent.name, role=respondent.role, answers=[_answer_part(a) for a in answers])
        )
    document = AssessmentDocument(
        format=FORMAT,
        format_version=FORMAT_VERSION,
        exported_at=exported_at or datetime.now(UTC),
        questionnaire=QuestionnaireRef(id=assessment.questionnaire_id, version=assessment.questionnaire_version),
        organisation=OrganisationPart(
            name=report.organisation.name,
            industry=report.organisation.industry,
            size_band=report.organisation.size_band,
            region=report.organisation.region,
            illustrative=report.organisation.illustrative,
        ),
        assessment=AssessmentPart(
            label=assessment.label,
            assessment_date=assessment.assessment_date,
            status=assessment.status,
            completed_at=assessment.completed_at,
        ),
        respondents=respondents,
        consensus=[
            ConsensusPart(question_id=c.question_id, level=c.level, na=c.na, note=c.note, set_by=c.set_by)
            for c in sorted(report.consensus, key=lambda c: in_questionnaire_order(c.question_id))
        ],
        targets={domain.id: report.targets[domain.id] for domain in report.questionnaire.domains},
        roadmap_items=[
            RoadmapItemPart(
                question_id=item.question_id,
                to_level=item.to_level,
                owner=item.owner,
                due_date=item.due_date,
                status=item.status,
            )
            for item in items
        ],
        finding_items=[
            FindingItemPart(
                finding_id=step.finding_key,
                step=step.text,
                owner=step.owner,
                due_date=step.due_date,
                status=step.status,
            )
            for step in steps
        ],
        scores=_scores(report),
    )
    return document.model_dump(mode="json")


def assessment_json(
    report: AssessmentReport,
    roadmap_items: Iterable[RoadmapItem] = (),
    finding_items: Iterable[FindingItem] = (),
    *,
    exported_at: datetime | None = None,
) -> str:
    """Return `export_assessment` as indented JSON text (UTF-8 characters kept as they are)."""
    document = export_assessment(report, roadmap_items, finding_items, exported_at=exported_at)
    return json.dumps(document, ensure_ascii=False, indent=2) + "\n"


# Import ------------------------------------------------------------------------------------------


def _path(location: Sequence[int | str]) -> str:
    """Return a pydantic error location as a JSON path, such as respondents[1].answers[4].level."""
    path = ""
    for part in location:
        if isinstance(part, int):
            path += f"[{part}]"
        elif part == "[key]":  # pydantic marks a bad dict key this way; the key itself is already in the path
            continue
        else:
            path += f".{part}" if path else part
    return path or "(document)"


def _printable(text: str) -> str:
    """Return text with any lone surrogate written as an escape, so the message can always be printed."""
    return text.encode("utf-8", errors="backslashreplace").decode("utf-8")


def _shown(value: object) -> str:
    text = json.dumps(value, ensure_ascii=False, default=str) if not isinstance(value, BaseModel) else "an object"
    return _printable(text if len(text) <= 60 else text[:57] + "...")


def _json_kind(value: object) -> str:
    """Name a parsed JSON value's type the way JSON does."""
    kinds: tuple[tuple[type | tuple[type, ...], str], ...] = (
        (bool, "true or false"),
        ((int, float), "a number"),
        (str, "a string"),
        (list, "an array"),
        (Mapping, "an object"),
    )
    return next((name for kind, name in kinds if isinstance(value, kind)), "null")


def _describe(error: ErrorDetails) -> str:
    kind = error["type"]
    if kind.startswith("itscm_"):
        text = error["msg"]
    elif kind == "missing":
        text = "missing; add this field."
    elif kind == "extra_forbidden":
        text = "unknown field; remove it or correct its name."
    elif kind == "string_unicode":
        text = f"{_shown(error['input'])} holds a broken character (a lone surrogate); retype the text."
    else:
        message = error["msg"]
        text = f"{message[:1].lower()}{message[1:]}, not {_shown(error['input'])}."
    return _printable(f"{_path(error['loc'])}: {text}")


def _parse(document: Mapping[str, Any] | str | bytes) -> object:
    """Return the parsed JSON value of `document`, refusing oversized or malformed input."""
    if isinstance(document, Mapping):
        return document
    if isinstance(document, bytes | bytearray):
        size = len(document)
    elif isinstance(document, str):
        size = len(document.encode("utf-8", errors="surrogatepass"))
    else:
        raise AssessmentImportError(
            f"(document): expected JSON text, bytes or a parsed object, not {type(document).__name__}."
        )
    if size > MAX_IMPORT_BYTES:
        raise AssessmentImportError(
            f"(document): the file is {size:,} bytes, larger than the {MAX_IMPORT_BYTES:,} bytes accepted; "
            "export the assessment again or remove the scores block to make it smaller."
        )
    if isinstance(document, bytes | bytearray):
        try:
            document = bytes(document).decode("utf-8-sig")
        except UnicodeDecodeError as error:
            raise AssessmentImportError(
                f"(document): not UTF-8 text (byte {error.start}); save the file as UTF-8."
            ) from None
    try:
        return json.loads(document)
    except json.JSONDecodeError as error:
        raise AssessmentImportError(
            f"(document): not valid JSON: {error.msg} at line {error.lineno} column {error.colno}."
        ) from None
    except RecursionError:
        raise AssessmentImportError(
            "(document): not valid JSON: nested too deeply; choose an assessment exported from this app as JSON."
        ) from None
    except ValueError as error:
        raise AssessmentImportError(f"(document): not valid JSON: {error}.") from None


def _check_limits(data: Mapping[str, Any]) -> None:
    """Refuse a document with more respondents or answers than an import accepts, before checking each one."""
    respondents = data.get("respondents")
    if not isinstance(respondents, list):
        return  # the full check reports what is wrong with it
    if len(respondents) > MAX_IMPORT_RESPONDENTS:
        raise AssessmentImportError(
            f"respondents: the file lists {len(respondents):,} respondents; an import accepts at most "
            f"{MAX_IMPORT_RESPONDENTS:,} per assessment. Check that the file is one assessment exported from this "
            "app, or split the respondents over several assessments."
        )
    answers = sum(
        len(person["answers"])
        for person in respondents
        if isinstance(person, Mapping) and isinstance(person.get("answers"), list)
    )
    if answers > MAX_IMPORT_ANSWERS:
        raise AssessmentImportError(
            f"respondents: the file holds {answers:,} answers in all; an import accepts at most "
            f"{MAX_IMPORT_ANSWERS:,} per assessment. Check that the file is one assessment exported from this app, "
            "or split the respondents over several assessments."
        )


def _check_format(data: object) -> Mapping[str, Any]:
    """Refuse anything that is not an assessment document this version can read, before looking further."""
    if not isinstance(data, Mapping):
        raise AssessmentImportError(
            f"(document): expected a JSON object with a format field, not {_json_kind(data)}; "
            "choose an assessment exported from this app as JSON."
        )
    found = data.get("format")
    if found != FORMAT:
        raise AssessmentImportError(
            f"format: {_shown(found) if 'format' in data else 'missing'} is not {_shown(FORMAT)}, so this is not an "
            "exported assessment; choose an assessment exported from this app as JSON."
        )
    version = data.get("format_version")
    if isinstance(version, int) and not isinstance(version, bool) and version > FORMAT_VERSION:
        raise AssessmentImportError(
            f"format_version: the file is format version {version}, written by a newer version of the app; "
            f"this one reads version {FORMAT_VERSION}: update the app to import it."
        )
    return data


def validate_document(
    document: Mapping[str, Any] | str | bytes, *, questionnaire_lookup: QuestionnaireLookup = get_questionnaire
) -> tuple[AssessmentDocument, Questionnaire]:
    """Check a whole document against the format, the import limits and its questionnaire; raise listing every problem."""
    data = _check_format(_parse(document))
    _check_limits(data)
    context: dict[str, Any] = {_LOOKUP: questionnaire_lookup}
    try:
        parsed = AssessmentDocument.model_validate(data, context=context)
    except ValidationError as error:
        raise AssessmentImportError("\n".join(_describe(detail) for detail in error.errors())) from None
    questionnaire = context[_QUESTIONNAIRE]
    return parsed, questionnaire


def _same_name(db: Database, name: str) -> Organisation | None:
    """Return the organisation whose name is `name` ignoring case, as storage tells names apart, or None."""
    key = name_key(name)
    return next((o for o in list_organisations(db) if name_key(o.name) == key), None)


def _differences(existing: Organisation, part: OrganisationPart) -> tuple[str, ...]:
    """Name each detail in which the stored organisation differs from the one in the file."""
    return tuple(
        f"{field} {getattr(existing, field)!r} in this database, {getattr(part, field)!r} in the file"
        for field in ("industry", "size_band", "region", "illustrative")
        if getattr(existing, field) != getattr(part, field)
    )


def _label_taken(db: Database, organisation: Organisation, label: str) -> bool:
    return any(a.label == label for a in list_assessments(db, organisation.id))


@dataclass(frozen=True)
class ImportPreview:
    """A document that passed every check, and what importing it would meet; nothing has been written.

    `existing` is the organisation that already has the document's organisation name (ignoring
    case), if any: then the import needs a choice, `into_existing=True` or `new_name`.
    `label_taken` tells whether that organisation already has an assessment with the document's
    label, in which case only a new name will do. Pass the preview to `import_assessment` to
    import it without checking the document again.
    """

    document: AssessmentDocument
    questionnaire: Questionnaire
    existing: Organisation | None
    label_taken: bool
    differences: tuple[str, ...]

    @property
    def organisation_name(self) -> str:
        """The organisation's name as the document gives it."""
        return self.document.organisation.name

    @property
    def label(self) -> str:
        """The assessment's label as the document gives it."""
        return self.document.assessment.label


def preview_import(
    db: Database,
    document: Mapping[str, Any] | str | bytes,
    *,
    questionnaire_lookup: QuestionnaireLookup = get_questionnaire,
) -> ImportPreview:
    """Check a document and find whether its organisation already exists, writing nothing.

    Raises AssessmentImportError listing every problem, as `import_assessment` does.
    """
    parsed, questionnaire = validate_document(document, questionnaire_lookup=questionnaire_lookup)
    existing = _same_name(db, parsed.organisation.name)
    return ImportPreview(
        document=parsed,
        questionnaire=questionnaire,
        existing=existing,
        label_taken=existing is not None and _label_taken(db, existing, parsed.assessment.label),
        differences=() if existing is None else _differences(existing, parsed.organisation),
    )


def _organisation(db: Database, part: OrganisationPart, *, into_existing: bool, new_name: str | None) -> Organisation:
    """Return the organisation the assessment goes to, as chosen; refuse a name that is taken without a choice."""
    name = part.name if new_name is None else new_name
    existing = _same_name(db, name)
    if existing is None:
        return create_organisation(db, name, part.industry, part.size_band, part.region, illustrative=part.illustrative)
    if new_name is not None:
        raise OrganisationExistsError(
            f"New organisation name: an organisation named '{existing.name}' already exists; choose a name no "
            f"organisation has yet, or add the assessment to '{existing.name}'.",
            existing,
        )
    if into_existing:
        return existing
    differences = _differences(existing, part)
    other_details = f" with other details ({'; '.join(differences)})" if differences else ""
    raise OrganisationExistsError(
        f"organisation.name: an organisation named '{existing.name}' already exists{other_details}; choose whether "
        "to add this assessment to it (its trends and benchmarks will include it) or to import it as a new "
        "organisation under another name.",
        existing,
    )


def _content(document: AssessmentDocument) -> AssessmentContent:
    """Return what the document holds inside its assessment, in the shape storage writes."""
    return AssessmentContent(
        respondents=tuple(
            RespondentContent(
                name=person.name,
                role=person.role,
                answers={
                    answer.question_id: AnswerValue(
                        level=answer.level,
                        na=answer.na,
                        comment=answer.comment,
                        evidence=answer.evidence,
                        evidence_date=answer.evidence_date,
                    )
                    for answer in person.answers
                },
            )
            for person in document.respondents
        ),
        consensus=tuple(
            ConsensusContent(question_id=c.question_id, level=c.level, na=c.na, note=c.note, set_by=c.set_by)
            for c in document.consensus
        ),
        targets=dict(document.targets),
        roadmap_items=tuple(
            RoadmapItemContent(
                question_id=item.question_id,
                to_level=item.to_level,
                owner=item.owner,
                due_date=item.due_date,
                status=item.status,
            )
            for item in document.roadmap_items
        ),
        completed=document.assessment.status == "completed",
    )


def _finding_steps(document: AssessmentDocument) -> tuple[FindingStepContent, ...]:
    """Return the document's steps made from findings, in the shape storage links them."""
    return tuple(
        FindingStepContent(
            finding_key=item.finding_id, step=item.step, owner=item.owner, due_date=item.due_date, status=item.status
        )
        for item in document.finding_items
    )


@dataclass(frozen=True)
class ImportOutcome:
    """What an import wrote: the new assessment, and which steps made from findings it linked or left out, and why."""

    assessment: Assessment
    finding_steps: LinkedFindingSteps

    def linked_note(self) -> str:
        """Say how many steps made from findings are on the roadmap again; empty when none are."""
        linked = len(self.finding_steps.linked)
        if not linked:
            return ""
        return (
            f"{_finding_steps_count(linked)} on the roadmap again, linked to "
            f"{'its finding' if linked == 1 else 'their findings'} in the exercise and incident log."
        )

    def not_carried_note(self) -> str:
        """Say how many steps made from findings were not carried and why; empty when every one was."""
        left = self.finding_steps.not_linked
        if not left:
            return ""
        reasons: dict[str, int] = {}
        for step in left:
            reasons[step.reason] = reasons.get(step.reason, 0) + 1
        why = "; ".join(f"{count} because {reason}" for reason, count in reasons.items())
        return (
            f"{_finding_steps_count(len(left))} not carried ({why}): such a step is carried only where the "
            "organisation's exercise and incident log has its finding and no roadmap holds it yet; once it does, "
            "plan the finding again on the Evidence page."
        )

    def finding_steps_note(self) -> str:
        """Say what became of the document's steps made from findings; empty when it had none."""
        return " ".join(note for note in (self.linked_note(), self.not_carried_note()) if note)


def _finding_steps_count(count: int) -> str:
    return "1 roadmap step made from a finding is" if count == 1 else f"{count} roadmap steps made from findings are"


def _write(
    db: Database,
    document: AssessmentDocument,
    questionnaire: Questionnaire,
    content: CheckedContent,
    *,
    into_existing: bool,
    new_name: str | None,
) -> Assessment:
    organisation = _organisation(db, document.organisation, into_existing=into_existing, new_name=new_name)
    label = document.assessment.label
    if _label_taken(db, organisation, label):
        raise AssessmentLabelExistsError(
            f"assessment.label: '{organisation.name}' already has an assessment labelled '{label}', so this one "
            "cannot be added to it; import it as a new organisation under another name, or change the assessment's "
            "label in the file."
        )
    assessment = create_assessment(db, organisation.id, questionnaire, label, document.assessment.assessment_date)
    write_assessment_content(db, questionnaire, assessment.id, content)
    return get_assessment(db, assessment.id)


def _clean_new_name(new_name: str) -> str:
    try:
        return clean_name(
            new_name, field="New organisation name", max_length=MAX_ORGANISATION_NAME, error=OrganisationError
        )
    except OrganisationError as error:
        raise AssessmentImportError(str(error)) from None


def import_assessment(
    db: Database,
    document: Mapping[str, Any] | str | bytes | ImportPreview,
    *,
    into_existing: bool = False,
    new_name: str | None = None,
    questionnaire_lookup: QuestionnaireLookup = get_questionnaire,
    by: str = IMPORT_ACTOR,
) -> ImportOutcome:
    """Check a whole assessment document, then write it as a new assessment in one transaction; say what it wrote.

    When an organisation with the document's organisation name exists (ignoring case), say what
    to do: `into_existing=True` adds the assessment to it (its stored details are kept), or
    `new_name` creates a new organisation with that name and the document's other details.
    `document` may be a `preview_import` result, which is not checked again. Steps made from
    findings are linked to the organisation's log where it allows (see the module's docstring),
    recorded as planned by `by`; the outcome names those left out and why.

    Raises, writing nothing: AssessmentImportError when the document has any problem (all are
    listed, each with its JSON path); OrganisationExistsError, one of them, when the organisation
    exists and no choice was made, or the new name is taken too; AssessmentLabelExistsError when
    the organisation joined already has an assessment with the same label; DatabaseBusyError when
    another change held the database for longer than the busy wait.
    """
    if into_existing and new_name is not None:
        raise AssessmentImportError(
            "Choose one: add the assessment to the existing organisation, or import it as a new organisation "
            "under another name, not both."
        )
    chosen_name = None if new_name is None else _clean_new_name(new_name)
    if isinstance(document, ImportPreview):
        parsed, questionnaire = document.document, document.questionnaire
    else:
        parsed, questionnaire = validate_document(document, questionnaire_lookup=questionnaire_lookup)
    try:
        # Checked before the write transaction opens, so the lock is held only while writing.
        content = check_assessment_content(questionnaire, _content(parsed))
        steps = check_finding_steps(_finding_steps(parsed))
        with write_transaction(db):
            assessment = _write(db, parsed, questionnaire, content, into_existing=into_existing, new_name=chosen_name)
            linked = link_finding_steps(db, assessment.id, steps, by=by)
        return ImportOutcome(assessment=assessment, finding_steps=linked)
    except DatabaseBusyError:
        raise
    except StorageError as error:
        raise AssessmentImportError(f"Nothing was imported: {error}") from error
