"""Illustrative demonstration data: fictional organisations with three yearly assessments each.

`load_demo_data` fills an installation so that every page has something to show: eight made-up
organisations (flagged illustrative) across industries, size bands and regions, each assessed in
FY2024, FY2025 and FY2026 against one questionnaire (FY2026 against its next version when one is
given, as an organisation that moved to it would). Their answers follow a maturity profile per
domain that improves year on year in the weakest domains (one domain of one organisation slips
for a year), with N/A where a question allows it and short comments and evidence on about a fifth
of the answers. Two FY2026 assessments are workshops with several respondents who disagree and a
few agreed answers; financial-services organisations aim higher in some domains; three FY2026
assessments have roadmap items with owners, due dates and statuses. Each organisation also keeps a
service register (6 to 12 services across tiers, some with an RTO longer than that of a service
depending on them) and an exercise and incident log (tabletops, failovers, recovery tests and one
real incident in the 14 months before the day of loading, some within their RTO and some not, with
findings some of which are overdue), so some of the FY2026 claims hold and some the facts don't support.

Everything follows from the seed and is written in one transaction, so the data lands whole or
not at all, next to any real organisations (whose names it never takes). `remove_demo_data`
deletes every illustrative organisation again in one transaction, after a backup, and never a
real one.
"""

from __future__ import annotations

import calendar
import math
import random
import statistics
from collections.abc import Sequence
from dataclasses import dataclass, fields, replace
from datetime import date, timedelta
from pathlib import Path
from typing import Final

from sqlite_utils import Database

from evidence.model import Exercise, Finding, Service, ServiceResult, Tier
from questionnaires.model import Question, Questionnaire
from storage.assessments import create_assessment
from storage.changes import DeletionPreview, backup_before, delete_organisation
from storage.choices import RoadmapStatus
from storage.content import (
    AssessmentContent,
    ConsensusContent,
    RespondentContent,
    RoadmapItemContent,
    write_assessment_content,
)
from storage.errors import StorageError
from storage.evidence import save_log, save_register
from storage.organisations import create_organisation, list_organisations
from storage.records import AnswerValue
from storage.transactions import write_transaction
from storage.validation import name_key


class DemoDataExists(StorageError):
    """The database already holds illustrative organisations, so the demo data is not loaded again."""


class DemoNameTaken(StorageError):
    """A real organisation already has the name of one of the fictional demo organisations."""


@dataclass(frozen=True)
class DemoSummary:
    """How many rows of each kind `load_demo_data` wrote."""

    organisations: int
    assessments: int
    completed_assessments: int
    respondents: int
    answers: int
    consensus: int
    targets: int
    roadmap_items: int
    services: int = 0
    exercises: int = 0

    def describe(self) -> str:
        """Return the summary as one sentence for the command line."""
        return (
            f"Loaded illustrative data: {self.organisations} organisations, {self.assessments} assessments "
            f"({self.completed_assessments} completed), {self.respondents} respondents, {self.answers} answers, "
            f"{self.consensus} agreed answers, {self.targets} raised targets, {self.roadmap_items} roadmap items, "
            f"{self.services} services and {self.exercises} exercises and incidents."
        )


@dataclass(frozen=True)
class DemoRemoval:
    """What `remove_demo_data` deleted, and the backup of the database taken just before."""

    removed: DeletionPreview
    backup: Path | None

    def describe(self) -> str:
        """Return the outcome as one sentence for the command line."""
        if not self.removed.organisations:
            return "No illustrative data to remove; nothing was changed."
        kept = f" The database as it was is kept at {self.backup}." if self.backup is not None else ""
        return f"Removed the illustrative data: {self.removed.describe()}.{kept}"


YEARS: Final[tuple[int, ...]] = (2024, 2025, 2026)
NOTE_SHARE: Final = 0.2
# Of an organisation's FY2026 answers (not N/A), the share with dated evidence: by organisation, in turn.
DATED_SHARES: Final = (0.95, 0.6, 0.25)
STALE_SHARE: Final = 0.08  # of the dated ones, reviewed more than a year before loading
"""Share of answers that carry a comment or evidence note (N/A answers always explain themselves)."""
ROADMAP_ITEMS: Final = 8
"""How many of the first roadmap steps get an owner, a due date and a status."""
FORCED_DISAGREEMENTS: Final = 5
"""Questions per workshop on which two respondents are made to differ by two levels."""


@dataclass(frozen=True)
class _OrganisationSpec:
    """A fictional organisation and the story its data tells."""

    name: str
    industry: str
    size_band: str
    region: str
    maturity: float  # typical domain level in FY2024, on the 1-5 reference scale (see _level)
    month: int  # month of the yearly assessment
    raised_targets: tuple[str, ...] = ()  # domains that aim one level above the default target
    respondents: int = 1  # FY2026 respondents; more than one makes it a workshop
    in_progress: bool = False  # FY2026 is still being answered
    roadmap: bool = False  # FY2026 has roadmap items
    dips: bool = False  # its strongest domain slips in FY2025 and recovers in FY2026


_ORGANISATIONS: Final[tuple[_OrganisationSpec, ...]] = (
    _OrganisationSpec(
        "Northwind Mutual Insurance",
        "Financial services",
        "1,000-4,999 employees",
        "Europe",
        maturity=2.7,
        month=3,
        raised_targets=("REC", "GOV"),
        roadmap=True,
    ),
    _OrganisationSpec(
        "Kestrel Bay Bank",
        "Financial services",
        "5,000 employees and more",
        "Asia-Pacific",
        maturity=2.8,
        month=5,
        raised_targets=("REC", "TEST"),
        respondents=4,
        roadmap=True,
    ),
    _OrganisationSpec(
        "St Aldric Health Trust",
        "Healthcare",
        "5,000 employees and more",
        "Europe",
        maturity=2.3,
        month=9,
        respondents=3,
        in_progress=True,
    ),
    _OrganisationSpec(
        "Riverbend County Council",
        "Public sector",
        "1,000-4,999 employees",
        "North America",
        maturity=2.0,
        month=6,
        roadmap=True,
    ),
    _OrganisationSpec(
        "Larchfield Home and Garden",
        "Retail",
        "250-999 employees",
        "Europe",
        maturity=1.8,
        month=10,
        in_progress=True,
    ),
    _OrganisationSpec(
        "Ostara Precision Components",
        "Manufacturing",
        "250-999 employees",
        "Latin America",
        maturity=2.2,
        month=4,
    ),
    _OrganisationSpec(
        "Meridian Grid Services",
        "Energy and utilities",
        "1,000-4,999 employees",
        "Middle East and Africa",
        maturity=2.7,
        month=2,
    ),
    _OrganisationSpec(
        "Harbourline Logistics",
        "Transport and logistics",
        "Under 250 employees",
        "Asia-Pacific",
        maturity=2.1,
        month=7,
        dips=True,
    ),
)


@dataclass(frozen=True)
class _Role:
    """A respondent and how their answers lean: `bias` in levels, `noise` as a standard deviation."""

    name: str
    role: str
    bias: float
    noise: float


_CONTINUITY_MANAGER: Final = _Role("Continuity manager", "IT service continuity", 0.0, 0.0)
# Operations tends to rate its own practices higher and risk lower, which is what workshops show.
_WORKSHOP_ROLES: Final[tuple[_Role, ...]] = (
    _CONTINUITY_MANAGER,
    _Role("IT operations lead", "IT operations", 0.4, 0.5),
    _Role("Risk officer", "Risk management", -0.4, 0.5),
    _Role("Head of service desk", "Service desk", 0.0, 0.7),
)
# Any other questionnaire gets people named for no subject in particular.
_NEUTRAL_ROLES: Final[tuple[_Role, ...]] = (
    _Role("Assessment lead", "Quality and compliance", 0.0, 0.0),
    _Role("Operations lead", "Operations", 0.4, 0.5),
    _Role("Risk officer", "Risk management", -0.4, 0.5),
    _Role("Internal auditor", "Internal audit", 0.0, 0.7),
)

_OWNERS: Final[dict[str, str]] = {
    "RISK": "Risk manager",
    "BIA": "Business continuity coordinator",
    "REC": "Head of infrastructure",
    "TEST": "Continuity manager",
    "GOV": "Chief information officer",
}
_DEFAULT_OWNER: Final = "Continuity manager"
# Status by position in the roadmap: the first steps are under way, one was dropped.
_STATUSES: Final[tuple[RoadmapStatus, ...]] = (
    "done",
    "done",
    "in_progress",
    "in_progress",
    "planned",
    "planned",
    "dropped",
    "planned",
)
_FALLBACK_EFFORT: Final = "M"  # the roadmap's effort for a step whose question has no action


@dataclass(frozen=True)
class _Note:
    """A comment and evidence note; `{year}` and `{last_year}` are filled in from the assessment."""

    comment: str
    evidence: str = ""


@dataclass(frozen=True)
class _QuestionNotes:
    """Notes a respondent might write on one question: below the default target, at or above it, or N/A."""

    low: tuple[_Note, ...] = ()
    high: tuple[_Note, ...] = ()
    na: _Note | None = None


_GENERIC: Final = _QuestionNotes(
    low=(
        _Note("Known gap; on the improvement list for next year."),
        _Note("Done informally; depends on one or two people."),
        _Note("In place for the main data centre only.", "Interview notes, continuity workshop {year}"),
    ),
    high=(
        _Note("Confirmed with the service owners in the workshop.", "Workshop notes, {year}"),
        _Note("Evidence checked by internal audit last year.", "Internal audit working papers, {last_year}"),
        _Note("Documented and followed; next review due in Q3."),
    ),
    na=_Note("Not applicable to how our IT services are run."),
)

# Notes that fit any questionnaire: nothing in them names a subject.
_NEUTRAL_GENERIC: Final = _QuestionNotes(
    low=(
        _Note("Known gap; on the improvement list for next year."),
        _Note("Done informally; depends on one or two people."),
        _Note("In place at the head office only.", "Interview notes, assessment workshop {year}"),
    ),
    high=_GENERIC.high,
    na=_Note("Not applicable to how we work."),
)

_NOTES: Final[dict[str, _QuestionNotes]] = {
    "RISK-01": _QuestionNotes(
        low=(_Note("Risks are rated in a spreadsheet, but each team uses its own scale."),),
        high=(_Note("5x5 likelihood and impact matrix taken from the enterprise risk framework.", "Risk method v2.1"),),
    ),
    "RISK-02": _QuestionNotes(
        low=(_Note("Ransomware and cloud outages are not yet in the risk assessment."),),
        high=(
            _Note(
                "Threat list covers ransomware, loss of a cloud region and supplier failure.",
                "Continuity risk assessment {year}, appendix B",
            ),
        ),
    ),
    "RISK-03": _QuestionNotes(
        low=(_Note("No agreed tolerance; acceptance is decided case by case."),),
        high=(_Note("Risk appetite approved by the board in {last_year}.", "Board minutes, risk appetite item"),),
    ),
    "RISK-05": _QuestionNotes(
        low=(_Note("Register exists but about half of the risks have no owner.", "Risk register export, {year}"),),
        high=(_Note("Every continuity risk has an owner; treatments reviewed monthly.", "GRC tool report"),),
    ),
    "RISK-07": _QuestionNotes(
        low=(_Note("Single points of failure known informally: the core switch and one DBA."),),
        high=(_Note("SPOF review per critical service with the architects.", "SPOF analysis workbook, {last_year}"),),
    ),
    "RISK-08": _QuestionNotes(na=_Note("No alternate site or cloud region; recovery is onto replacement hardware.")),
    "RISK-09": _QuestionNotes(
        high=(_Note("Reliance on one hyperscaler assessed and accepted, with an exit plan."),),
        na=_Note("All ICT services are run in-house."),
    ),
    "RISK-11": _QuestionNotes(
        low=(_Note("Last repeated in {last_year}; not re-run after the data-centre move."),),
    ),
    "RISK-12": _QuestionNotes(
        high=(_Note("The {last_year} storage outage added two new risks.", "Post-incident review PIR-{last_year}-07"),),
    ),
    "BIA-01": _QuestionNotes(
        low=(_Note("Each department did its own BIA in a different template."),),
        high=(_Note("One BIA method and template for all business units.", "BIA method and template v3"),),
    ),
    "BIA-02": _QuestionNotes(
        low=(_Note("Our BIA is still a list of IT systems with criticality tiers."),),
    ),
    "BIA-04": _QuestionNotes(
        low=(_Note("Downtime cost estimated only for online sales."),),
        high=(
            _Note(
                "Cost per hour of downtime agreed with finance for every critical service.",
                "Downtime cost model, {year}",
            ),
        ),
    ),
    "BIA-06": _QuestionNotes(
        low=(_Note("RTOs exist for the core systems; RPO and MBCO not agreed yet."),),
        high=(_Note("MTPD, RTO, RPO and MBCO agreed for every tier-1 service.", "Service catalogue, recovery fields"),),
    ),
    "BIA-07": _QuestionNotes(
        high=(_Note("Recovery order agreed: identity, network, ERP, then the customer portal.", "Recovery sequence"),),
    ),
    "BIA-08": _QuestionNotes(
        low=(_Note("Dependencies mapped for the ERP only; the CMDB is incomplete."),),
        high=(_Note("Dependency maps from the CMDB, checked in the BIA workshops.", "CMDB dependency views, {year}"),),
    ),
    "BIA-09": _QuestionNotes(
        low=(_Note("ERP has a 4 h RTO but depends on a file server with a 24 h RTO."),),
    ),
    "BIA-12": _QuestionNotes(
        high=(_Note("Business owners signed off their BIA results in {year}.", "BIA sign-off forms, 12 of 12"),),
    ),
    "BIA-13": _QuestionNotes(
        low=(_Note("BIA last updated in {last_year}; several new services are missing."),),
    ),
    "REC-02": _QuestionNotes(
        high=(_Note("Daily backups for tier 1, weekly for tier 3.", "Backup policy v4; backup job report"),),
    ),
    "REC-03": _QuestionNotes(
        low=(_Note("Backups sit on the same storage array and domain as production."),),
        high=(_Note("Immutable copy in object storage with a 30-day retention lock.", "Backup architecture diagram"),),
    ),
    "REC-04": _QuestionNotes(
        low=(_Note("Restores are done only when a user asks for a lost file."),),
        high=(
            _Note(
                "Restore test of the ERP database in March; took 6 h against an RTO of 4 h.",
                "Restore test report RT-{year}-03",
            ),
        ),
    ),
    "REC-05": _QuestionNotes(
        low=(_Note("Second site holds backups only; no capacity to run services there."),),
        high=(_Note("Second data centre sized for all tier-1 workloads.", "Capacity plan {year}, DR section"),),
    ),
    "REC-06": _QuestionNotes(
        high=(_Note("Two carriers with separate building entries since {last_year}.", "Network diagram"),),
    ),
    "REC-07": _QuestionNotes(na=_Note("No services run in or recover to the cloud.")),
    "REC-08": _QuestionNotes(
        low=(_Note("Servers are rebuilt by hand from runbooks."),),
        high=(_Note("Core platform rebuilt from infrastructure code in the last test.", "Pipeline run log"),),
    ),
    "REC-09": _QuestionNotes(
        low=(_Note("Recovery steps are in the heads of two senior administrators."),),
        high=(_Note("Plans per service in the wiki, walked through by a second engineer.", "Recovery plan index"),),
    ),
    "REC-10": _QuestionNotes(
        high=(_Note("Reconciliation checklist used after the last failover.", "Failover checklist, {year}"),),
    ),
    "REC-12": _QuestionNotes(na=_Note("No critical IT services are outsourced.")),
    "REC-13": _QuestionNotes(
        low=(_Note("No exit plans yet; the main hosting contract renews next year."),),
        na=_Note("All critical IT services are run in-house."),
    ),
    "TEST-01": _QuestionNotes(
        low=(_Note("Tests happen when there is time; no yearly programme."),),
        high=(_Note("Yearly test programme approved by the steering group.", "Test and exercise programme {year}"),),
    ),
    "TEST-02": _QuestionNotes(
        low=(_Note("Only the ERP and email were tested last year."),),
    ),
    "TEST-04": _QuestionNotes(
        low=(_Note("Failover has never been run with live work."),),
        high=(
            _Note(
                "Customer portal failed over to the second site and ran there for two days.",
                "Failover test report DR-{last_year}-02",
            ),
        ),
    ),
    "TEST-06": _QuestionNotes(
        high=(_Note("Nightly automated restore of one randomly chosen database.", "Pipeline dashboard"),),
    ),
    "TEST-07": _QuestionNotes(
        low=(_Note("Scenarios so far are single-server failures."),),
        high=(_Note("Ransomware tabletop with the executive team in {last_year}.", "Exercise report and actions"),),
    ),
    "TEST-08": _QuestionNotes(na=_Note("No critical IT providers to involve.")),
    "TEST-09": _QuestionNotes(
        high=(_Note("Call-tree test reached 92 % of staff within 30 minutes.", "Notification test report, {year}"),),
    ),
    "TEST-10": _QuestionNotes(
        low=(_Note("Tests are run and judged by the same team."),),
    ),
    "TEST-11": _QuestionNotes(
        low=(_Note("Recovery times are not measured during tests."),),
        high=(_Note("File server restored in 3 h 10 min against an RTO of 4 h.", "Test log with timings"),),
    ),
    "TEST-12": _QuestionNotes(
        high=(_Note("After-action report within two weeks of every major test.", "After-action reports, {year}"),),
    ),
    "TEST-13": _QuestionNotes(
        low=(_Note("Findings from the {last_year} test are still open."),),
    ),
    "GOV-01": _QuestionNotes(
        low=(_Note("Draft policy written, not yet approved."),),
        high=(_Note("Policy approved by the executive board; covers both data centres.", "ITSCM policy v3.0"),),
    ),
    "GOV-02": _QuestionNotes(
        high=(_Note("The CIO is the accountable executive, named in the policy."),),
    ),
    "GOV-03": _QuestionNotes(
        low=(_Note("Roles are clear in IT but not in the business units."),),
    ),
    "GOV-05": _QuestionNotes(
        low=(_Note("No dedicated budget; continuity work competes with projects."),),
        high=(_Note("Budget approved for {year}, including the second-site refresh.", "IT capital plan {year}"),),
    ),
    "GOV-06": _QuestionNotes(
        high=(_Note("Quarterly report: plan currency, test coverage, open findings.", "Continuity KPI dashboard"),),
    ),
    "GOV-07": _QuestionNotes(
        low=(_Note("No training records for recovery team members."),),
    ),
    "GOV-09": _QuestionNotes(
        high=(
            _Note(
                "Internal audit reviewed ITSCM in {last_year}; three findings, two closed.",
                "Internal audit report IA-{last_year}-11",
            ),
        ),
    ),
    "GOV-12": _QuestionNotes(
        high=(_Note("Review held after the {last_year} storage outage.", "Post-incident review and action log"),),
    ),
    "GOV-13": _QuestionNotes(
        low=(_Note("Plans are Word files on a share with no review dates."),),
    ),
    "GOV-14": _QuestionNotes(
        low=(_Note("Procurement keeps a contract list, but cloud services are missing."),),
        na=_Note("No ICT services are bought from outside providers."),
    ),
}

_CONSENSUS_NOTES: Final[tuple[str, ...]] = (
    "Agreed on the evidence seen, not on plans for next quarter.",
    "Operations and risk rated this differently; settled on what is documented and tested.",
    "Applies to tier-1 services only so far, hence the agreed level.",
    "Agreed after reviewing the latest test report together.",
)


@dataclass(frozen=True)
class _Content:
    """The people, owners and notes of the demo data for one questionnaire."""

    roles: tuple[_Role, ...]  # the first answers every assessment; the others join workshops
    owners: dict[str, str]  # roadmap owner by domain id
    default_owner: str | None  # None: "<domain name> lead"
    notes: dict[str, _QuestionNotes]  # by question id
    generic: _QuestionNotes

    def owner(self, questionnaire: Questionnaire, domain_id: str) -> str:
        """Return who owns a roadmap step of this domain."""
        if domain_id in self.owners:
            return self.owners[domain_id]
        return self.default_owner or f"{questionnaire.domain(domain_id).name} lead"


# The shipped questionnaire the notes, roles and owners were written for; its later versions keep its id.
_WRITTEN_FOR: Final = "itscm"
_SHIPPED_CONTENT: Final = _Content(_WORKSHOP_ROLES, _OWNERS, _DEFAULT_OWNER, _NOTES, _GENERIC)
_NEUTRAL_CONTENT: Final = _Content(_NEUTRAL_ROLES, {}, None, {}, _NEUTRAL_GENERIC)


def _content(questionnaire: Questionnaire) -> _Content:
    """Return the demo's people and notes: those written for the shipped questionnaire, else neutral ones."""
    return _SHIPPED_CONTENT if questionnaire.id == _WRITTEN_FOR else _NEUTRAL_CONTENT


@dataclass(frozen=True)
class _PlannedAssessment:
    """One yearly assessment to write, with everything that belongs to it (targets only where raised)."""

    label: str
    assessment_date: date
    questionnaire: Questionnaire
    content: AssessmentContent


@dataclass(frozen=True)
class _PlannedOrganisation:
    """An organisation to write and its assessments, oldest first."""

    spec: _OrganisationSpec
    assessments: tuple[_PlannedAssessment, ...]


def _round(value: float) -> int:
    # Half up, not Python's half to even: 2.5 should read as 3 in a maturity profile.
    return math.floor(value + 0.5)


# The profiles, biases and noise above are written on a 1-5 scale; _level maps them onto the questionnaire's.
_REFERENCE_LOW: Final = 1
_REFERENCE_HIGH: Final = 5


def _is_reference(questionnaire: Questionnaire) -> bool:
    return questionnaire.level_numbers == tuple(range(_REFERENCE_LOW, _REFERENCE_HIGH + 1))


def _level(questionnaire: Questionnaire, value: float) -> int:
    """Return the level of the questionnaire's scale that `value` (on the 1-5 reference scale) stands for.

    The value keeps its place between the ends of the scale, then goes to the nearest level on the
    scale (half up), so a 0-5 scale gets 0 for the weakest practices and a 1-4 scale never a 5.
    """
    scale = questionnaire.level_numbers
    low, high = scale[0], scale[-1]
    if _is_reference(questionnaire):
        return min(max(_round(value), low), high)
    position = low + (value - _REFERENCE_LOW) * (high - low) / (_REFERENCE_HIGH - _REFERENCE_LOW)
    return min(scale, key=lambda level: (abs(level - position), -level))


def _reference(questionnaire: Questionnaire, level: float) -> float:
    """Return where a level (or a mean of levels) of the questionnaire's scale sits on the 1-5 reference scale."""
    if _is_reference(questionnaire):
        return level
    low, high = questionnaire.min_level, questionnaire.max_level
    return _REFERENCE_LOW + (level - low) * (_REFERENCE_HIGH - _REFERENCE_LOW) / (high - low)


def _note(questionnaire: Questionnaire, question_id: str, level: int | None, rng: random.Random) -> _Note | None:
    content = _content(questionnaire)
    notes = content.notes.get(question_id, content.generic)
    if level is None:
        return notes.na or content.generic.na
    if rng.random() >= NOTE_SHARE:
        return None
    low = level < questionnaire.default_target
    choices = (notes.low if low else notes.high) or (content.generic.low if low else content.generic.high)
    return rng.choice(choices)


def _answer(
    questionnaire: Questionnaire, question_id: str, level: int | None, year: int, rng: random.Random
) -> AnswerValue:
    """Return an answer with a level, or N/A when `level` is None, sometimes with a note."""
    note = _note(questionnaire, question_id, level, rng)
    comment = "" if note is None else note.comment.format(year=year, last_year=year - 1)
    evidence = "" if note is None else note.evidence.format(year=year, last_year=year - 1)
    return AnswerValue(level=level, na=level is None, comment=comment, evidence=evidence)


def _domain_levels(
    spec: _OrganisationSpec, questionnaire: Questionnaire, rng: random.Random
) -> dict[str, tuple[float, ...]]:
    """Return each domain's typical level per year: the weakest half improves fastest."""
    bases = {domain.id: min(max(spec.maturity + rng.uniform(-0.8, 0.8), 1.5), 4.0) for domain in questionnaire.domains}
    ranked = sorted(bases, key=lambda domain_id: bases[domain_id])
    weakest = set(ranked[: (len(ranked) + 1) // 2])
    dip = ranked[-1] if spec.dips else None
    levels: dict[str, tuple[float, ...]] = {}
    for domain_id, base in bases.items():
        series = [base]
        for _year in YEARS[1:]:
            gain = rng.uniform(0.3, 0.6) if domain_id in weakest else rng.uniform(0.0, 0.2)
            series.append(min(series[-1] + gain, 4.5))
        if domain_id == dip and len(series) > 2:
            # A year of slippage (key people left, a migration took priority), then a recovery past the start.
            series[1] = base - 0.8
            series[2] = base + 0.3
        levels[domain_id] = tuple(series)
    return levels


def _raised_targets(spec: _OrganisationSpec, questionnaire: Questionnaire) -> dict[str, int]:
    raised = min(questionnaire.default_target + 1, questionnaire.max_level)
    if raised == questionnaire.default_target:
        return {}
    domain_ids = [domain.id for domain in questionnaire.domains]
    return {domain_id: raised for domain_id in spec.raised_targets if domain_id in domain_ids}


def _answered_ids(questionnaire: Questionnaire, rng: random.Random) -> set[str]:
    """Return the questions answered so far in an assessment still in progress: the first part of each domain."""
    share = rng.uniform(0.65, 0.75)
    answered: set[str] = set()
    for domain in questionnaire.domains:
        questions = questionnaire.questions_in(domain.id)
        answered.update(question.id for question in questions[: _round(len(questions) * share)])
    return answered


def _true_levels(
    questionnaire: Questionnaire,
    domain_levels: dict[str, tuple[float, ...]],
    offsets: dict[str, float],
    year_index: int,
    rng: random.Random,
) -> dict[str, int]:
    return {
        question.id: _level(
            questionnaire, domain_levels[question.domain][year_index] + offsets[question.id] + rng.gauss(0.0, 0.3)
        )
        for question in questionnaire.questions
    }


def _single_respondent(
    questionnaire: Questionnaire,
    levels: dict[str, int],
    na_ids: set[str],
    answered: set[str],
    year: int,
    rng: random.Random,
) -> RespondentContent:
    answers = {
        question.id: _answer(
            questionnaire, question.id, None if question.id in na_ids else levels[question.id], year, rng
        )
        for question in questionnaire.questions
        if question.id in answered
    }
    lead = _content(questionnaire).roles[0]
    return RespondentContent(lead.name, lead.role, answers)


def _workshop(
    questionnaire: Questionnaire,
    levels: dict[str, int],
    na_ids: set[str],
    answered: set[str],
    year: int,
    roles: Sequence[_Role],
    rng: random.Random,
) -> tuple[tuple[RespondentContent, ...], dict[str, list[int]]]:
    """Return several respondents' answers and the levels each question got, by question id.

    Every respondent leans their own way; on a few questions two of them are made to differ by
    two levels, so the workshop always has disagreements to settle.
    """
    scale = questionnaire.level_numbers
    rated = [q.id for q in questionnaire.questions if q.id in answered and q.id not in na_ids]
    forced = set(rng.sample(rated, min(FORCED_DISAGREEMENTS, len(rated))))
    # The lead answers everything answered so far; while the assessment is in
    # progress the others have not quite caught up.
    share = 1.0 if len(answered) == len(levels) else 0.85
    # Draw in questionnaire order: iterating a set of strings would follow the per-process hash
    # seed and break determinism.
    ordered = [question.id for question in questionnaire.questions if question.id in answered]
    covered = [answered] + [forced | {qid for qid in ordered if rng.random() < share} for _role in roles[1:]]
    respondents: list[RespondentContent] = []
    given: dict[str, list[int]] = {}
    for index, role in enumerate(roles):
        answers: dict[str, AnswerValue] = {}
        for question in questionnaire.questions:
            if question.id not in covered[index]:
                continue
            if question.id in na_ids:
                answers[question.id] = _answer(questionnaire, question.id, None, year, rng)
                continue
            true = levels[question.id]
            level = (
                _level(questionnaire, _reference(questionnaire, true) + role.bias + rng.gauss(0.0, role.noise))
                if index
                else true
            )
            if question.id in forced and index in (1, 2):
                # Two levels apart on the scale (by position, so a scale with gaps works too).
                low = max(0, min(scale.index(true) - 1, len(scale) - 3))
                level = scale[min(low + 2, len(scale) - 1)] if index == 1 else scale[low]
            answers[question.id] = _answer(questionnaire, question.id, level, year, rng)
            given.setdefault(question.id, []).append(level)
        respondents.append(RespondentContent(role.name, role.role, answers))
    return tuple(respondents), given


def _consensus(
    questionnaire: Questionnaire, given: dict[str, list[int]], count: int, rng: random.Random
) -> tuple[ConsensusContent, ...]:
    spread = questionnaire.scoring.disagreement_spread
    disputed = [qid for qid, levels in given.items() if max(levels) - min(levels) >= spread]
    chosen = sorted(rng.sample(disputed, min(count, len(disputed))))
    return tuple(
        ConsensusContent(
            question_id=qid,
            level=_level(questionnaire, _reference(questionnaire, statistics.fmean(given[qid]))),
            note=rng.choice(_CONSENSUS_NOTES),
            set_by=_content(questionnaire).roles[0].name,
        )
        for qid in chosen
    )


def _effective_levels(
    respondents: Sequence[RespondentContent], consensus: Sequence[ConsensusContent]
) -> dict[str, int | None]:
    """Return the assessment's level per answered question (None for N/A), as scoring resolves it.

    An agreed level wins; otherwise N/A when most respondents said N/A, else the lower median.
    """
    votes: dict[str, list[int | None]] = {}
    for respondent in respondents:
        for question_id, answer in respondent.answers.items():
            votes.setdefault(question_id, []).append(answer.level)
    resolved: dict[str, int | None] = {}
    for question_id, levels in votes.items():
        given = [level for level in levels if level is not None]
        resolved[question_id] = None if (len(levels) - len(given)) * 2 > len(levels) else statistics.median_low(given)
    resolved.update({agreed.question_id: agreed.level for agreed in consensus})
    return resolved


def _month_end(start: date, months: int) -> date:
    month_index = start.month - 1 + months
    year, month = start.year + month_index // 12, month_index % 12 + 1
    return date(year, month, calendar.monthrange(year, month)[1])


def _roadmap(
    questionnaire: Questionnaire, levels: dict[str, int | None], targets: dict[str, int], start: date
) -> tuple[RoadmapItemContent, ...]:
    """Return owners, due dates and statuses for the first steps of the assessment's roadmap.

    Steps are found and ordered by the published roadmap rules (storage does not import the
    scoring package): one step per level from the current level up to the domain's target;
    lower levels first, then higher question weight x domain weight, then lower effort, then
    questionnaire order.
    """
    default = questionnaire.default_target
    points = questionnaire.scoring.effort_points
    domain_weights = {domain.id: domain.weight for domain in questionnaire.domains}
    candidates: list[tuple[tuple[int, float, int, int], Question, int]] = []
    for index, question in enumerate(questionnaire.questions):
        current = levels.get(question.id)
        if current is None:
            continue
        target = targets.get(question.domain, default)
        priority = question.weight * domain_weights[question.domain]
        for level in questionnaire.level_numbers:
            if current < level <= target:
                action = question.actions.get(level)
                effort = action.effort if action is not None else _FALLBACK_EFFORT
                candidates.append(((level, -priority, points[effort], index), question, level))
    candidates.sort(key=lambda candidate: candidate[0])
    return tuple(
        RoadmapItemContent(
            question_id=question.id,
            to_level=level,
            owner=_content(questionnaire).owner(questionnaire, question.domain),
            due_date=_month_end(start, 2 + position),
            status=_STATUSES[position % len(_STATUSES)],
        )
        for position, (_key, question, level) in enumerate(candidates[:ROADMAP_ITEMS])
    )


def _plan_organisation(
    spec: _OrganisationSpec, first: Questionnaire, last: Questionnaire, rng: random.Random
) -> _PlannedOrganisation:
    domain_levels = _domain_levels(spec, first, rng)
    for domain in last.domains:  # a domain the later version adds starts where the organisation stands
        domain_levels.setdefault(domain.id, tuple(spec.maturity for _ in YEARS))
    # A practice's strength relative to its domain persists from year to year (and across versions by id).
    first_ids = {question.id for question in first.questions}
    offsets = {question.id: rng.gauss(0.0, 0.45) for question in first.questions}
    offsets |= {q.id: rng.gauss(0.0, 0.45) for q in last.questions if q.id not in first_ids}
    na_allowed = [question.id for question in first.questions if question.na_allowed]
    na_ids = set(rng.sample(na_allowed, min(len(na_allowed), rng.choice((1, 2)))))
    assessments: list[_PlannedAssessment] = []
    for year_index, year in enumerate(YEARS):
        latest = year_index == len(YEARS) - 1
        questionnaire = last if latest else first
        targets = _raised_targets(spec, questionnaire)
        all_ids = {question.id for question in questionnaire.questions}
        na_ids = {i for i in na_ids if i in all_ids and questionnaire.question(i).na_allowed}
        levels = _true_levels(questionnaire, domain_levels, offsets, year_index, rng)
        answered = _answered_ids(questionnaire, rng) if latest and spec.in_progress else all_ids
        consensus: tuple[ConsensusContent, ...] = ()
        if latest and spec.respondents > 1:
            roles = _content(questionnaire).roles[: spec.respondents]
            respondents, given = _workshop(questionnaire, levels, na_ids, answered, year, roles, rng)
            consensus = _consensus(questionnaire, given, 2 if spec.in_progress else 4, rng)
        else:
            respondents = (_single_respondent(questionnaire, levels, na_ids, answered, year, rng),)
        assessment_date = date(year, spec.month, rng.randint(3, 26))
        roadmap: tuple[RoadmapItemContent, ...] = ()
        if latest and spec.roadmap:
            roadmap = _roadmap(questionnaire, _effective_levels(respondents, consensus), targets, assessment_date)
        assessments.append(
            _PlannedAssessment(
                label=f"FY{year}",
                assessment_date=assessment_date,
                questionnaire=questionnaire,
                content=AssessmentContent(
                    respondents=respondents,
                    consensus=consensus,
                    targets=targets,
                    roadmap_items=roadmap,
                    completed=not (latest and spec.in_progress),
                ),
            )
        )
    return _PlannedOrganisation(spec, tuple(assessments))


def _dated_answer(
    questionnaire: Questionnaire, question_id: str, answer: AnswerValue, year: int, today: date, rng: random.Random
) -> AnswerValue:
    """The answer with evidence reviewed on a day before `today` (an evidence note given where it had none)."""
    stale = rng.random() < STALE_SHARE
    day = _ago(today, rng.randint(380, 500) if stale else rng.randint(5, 300))
    if answer.evidence:
        return replace(answer, evidence_date=day)
    content = _content(questionnaire)
    notes = content.notes.get(question_id, content.generic)
    low = answer.level is not None and answer.level < questionnaire.default_target
    choices = (notes.low if low else notes.high) or (content.generic.low if low else content.generic.high)
    with_evidence = [n for n in choices if n.evidence] or [n for n in content.generic.high if n.evidence]
    if not with_evidence:
        return replace(answer, evidence_date=day)
    note = rng.choice(with_evidence)
    return replace(answer, evidence=note.evidence.format(year=year, last_year=year - 1), evidence_date=day)


def _with_dated_evidence(planned: _PlannedOrganisation, index: int, seed: int, today: date) -> _PlannedOrganisation:
    """Date the evidence of a share of the latest assessment's answers (DATED_SHARES), the same for the same seed."""
    rng = random.Random(f"{seed}-dated-{index}")
    share = DATED_SHARES[index % len(DATED_SHARES)]
    *earlier, latest = planned.assessments
    year = latest.assessment_date.year
    respondents = tuple(
        replace(
            respondent,
            answers={
                question_id: _dated_answer(latest.questionnaire, question_id, answer, year, today, rng)
                if answer.level is not None and rng.random() < share
                else answer
                for question_id, answer in respondent.answers.items()
            },
        )
        for respondent in latest.content.respondents
    )
    content = replace(latest.content, respondents=respondents)
    return replace(planned, assessments=(*earlier, replace(latest, content=content)))


def _plan(questionnaire: Questionnaire, later: Questionnaire | None, seed: int) -> tuple[_PlannedOrganisation, ...]:
    rng = random.Random(seed)
    return tuple(_plan_organisation(spec, questionnaire, later or questionnaire, rng) for spec in _ORGANISATIONS)


@dataclass(frozen=True)
class _DemoService:
    """A service of the demo register: its place in a typical IT estate and its recovery objectives."""

    name: str
    tier: Tier
    owner: str
    mtpd_hours: float
    rto_hours: float
    rpo_hours: float
    cost_per_hour: float  # downtime cost per hour in the organisation's currency, before its size factor
    depends_on: tuple[str, ...] = ()
    providers: tuple[str, ...] = ()


# The first six are in every register; the rest are added in order up to the organisation's count.
_SERVICES: Final[tuple[_DemoService, ...]] = (
    _DemoService("Core database", "critical", "Head of infrastructure", 8, 2, 0.25, 40_000),
    _DemoService("Identity and access", "critical", "Head of security", 8, 1, 0.5, 25_000),
    _DemoService(
        "Orders and payments",
        "critical",
        "Head of digital",
        24,
        4,
        0.5,
        60_000,
        ("Core database", "Identity and access"),
        ("Cobalt Payments Ltd",),
    ),
    _DemoService(
        "Customer portal",
        "critical",
        "Head of digital",
        24,
        4,
        1,
        30_000,
        ("Orders and payments", "Identity and access"),
        ("Nimbus Cloud Hosting",),
    ),
    _DemoService("Network and remote access", "critical", "Head of infrastructure", 8, 2, 4, 20_000),
    _DemoService(
        "Email and collaboration", "important", "IT operations lead", 48, 8, 4, 5_000, (), ("Nimbus Cloud Hosting",)
    ),
    _DemoService("ERP", "important", "Finance systems lead", 72, 24, 4, 15_000, ("Core database",)),
    _DemoService("Service desk tooling", "important", "Head of service desk", 48, 8, 4, 3_000),
    _DemoService("HR and payroll", "important", "HR systems lead", 120, 24, 8, 4_000, (), ("Paylane Services",)),
    _DemoService("Data warehouse", "standard", "Data platform lead", 168, 72, 24, 1_500, ("Core database",)),
    _DemoService("Document management", "standard", "IT operations lead", 120, 48, 24, 1_000),
    _DemoService("Intranet", "standard", "Internal communications lead", 168, 72, 24, 500),
)
_CURRENCIES: Final[dict[str, str]] = {"Europe": "EUR", "North America": "USD"}
_UK: Final[frozenset[str]] = frozenset({"St Aldric Health Trust", "Larchfield Home and Garden"})
_SIZE_FACTOR: Final[dict[str, float]] = {
    "Under 250 employees": 0.1,
    "250-999 employees": 0.3,
    "1,000-4,999 employees": 1.0,
    "5,000 employees and more": 3.0,
}


def _ago(today: date, days: int) -> date:
    return today - timedelta(days=days)


def _demo_register(spec: _OrganisationSpec, index: int, today: date, rng: random.Random) -> tuple[Service, ...]:
    """The organisation's service register: 6 to 12 services; in every third one the core database is too slow."""
    chosen = _SERVICES[: rng.randint(6, len(_SERVICES))]
    names = {service.name for service in chosen}
    currency = "GBP" if spec.name in _UK else _CURRENCIES.get(spec.region, "USD")
    factor = _SIZE_FACTOR.get(spec.size_band, 1.0)
    # A BIA gone stale in every fourth organisation; the others were reviewed in the last ten months.
    stale = "Network and remote access" if index % 4 == 2 else None
    services = []
    for service in chosen:
        rto = service.rto_hours
        if service.name == "Core database" and index % 3 == 0:
            rto = 6  # longer than the 4 h of the orders and payments that depend on it
        services.append(
            Service(
                name=service.name,
                owner=service.owner,
                tier=service.tier,
                mtpd_hours=service.mtpd_hours,
                rto_hours=rto,
                rpo_hours=service.rpo_hours,
                downtime_cost_per_hour=round(service.cost_per_hour * factor * rng.choice((0.8, 1.0, 1.25)), -2),
                currency=currency,
                depends_on=tuple(name for name in service.depends_on if name in names),
                providers=service.providers,
                bia_reviewed_on=_ago(today, rng.randint(400, 520) if service.name == stale else rng.randint(20, 300)),
            )
        )
    return tuple(services)


def _demo_log(register: Sequence[Service], index: int, today: date, rng: random.Random) -> tuple[Exercise, ...]:
    """The organisation's exercise and incident log over the 14 months before `today`.

    Every other organisation's failover of its orders and payments missed the RTO; every fourth left its
    customer portal untested for over a year; every other one has a finding open past its due date.
    """
    rto = {service.name: service.rto_hours for service in register}
    rpo = {service.name: service.rpo_hours for service in register}

    def met(name: str) -> ServiceResult:
        return ServiceResult(
            name, round(rto[name] * rng.uniform(0.5, 0.9), 2), round(rpo[name] * rng.uniform(0, 0.8), 2)
        )

    overdue = index % 2 == 1
    portal_day = _ago(today, 430 if index % 4 == 3 else rng.randint(60, 150))
    failover_hours = 9.0 if index % 2 == 0 else round(rto["Orders and payments"] * 0.75, 2)
    exercises = [
        Exercise(
            _ago(today, rng.randint(300, 360)),
            "tabletop",
            "Ransomware tabletop with the crisis team",
            participants="Crisis team, IT operations, communications",
            findings=(
                Finding("Crisis contact list out of date", "Continuity manager", _ago(today, 240), "closed"),
                Finding("No pre-approved message for customers", "Head of communications", _ago(today, 200), "closed"),
            ),
        ),
        Exercise(
            _ago(today, rng.randint(160, 220)),
            "failover",
            "Orders and payments failover to the second data centre",
            (ServiceResult("Orders and payments", failover_hours, 0.25),),
            participants="Infrastructure, payments team",
            findings=(
                Finding(
                    "Failover runbook misses the payment gateway's certificate step",
                    "Head of digital",
                    _ago(today, 60) if overdue else today + timedelta(days=45),
                    "open" if overdue else "in progress",
                ),
            ),
        ),
        Exercise(
            _ago(today, rng.randint(60, 120)),
            "technical recovery test",
            "Restore of the core platform from backup",
            tuple(met(name) for name in ("Core database", "Identity and access", "Network and remote access")),
            participants="Infrastructure, security",
            findings=(
                Finding(
                    "Restore steps for the directory not written down", "Head of security", _ago(today, 20), "closed"
                ),
            ),
        ),
        Exercise(portal_day, "technical recovery test", "Customer portal rebuild", (met("Customer portal"),)),
        Exercise(
            _ago(today, rng.randint(200, 280)),
            "real incident",
            "Email outage after a provider's configuration change",
            (ServiceResult("Email and collaboration", round(rto["Email and collaboration"] * 0.75, 2), 0.0),),
            participants="IT operations, service desk",
            findings=(
                Finding(
                    "Provider changes not announced to the service desk",
                    "IT operations lead",
                    _ago(today, 100),
                    "closed",
                ),
            ),
        ),
    ]
    return tuple(sorted(exercises, key=lambda exercise: exercise.day))


def _demo_evidence(
    spec: _OrganisationSpec, index: int, seed: int, today: date
) -> tuple[tuple[Service, ...], tuple[Exercise, ...]]:
    # Its own random stream, so the answers drawn from the seed stay as they were before there was evidence.
    rng = random.Random(f"{seed}:{spec.name}")
    register = _demo_register(spec, index, today, rng)
    return register, _demo_log(register, index, today, rng)


def load_demo_data(
    db: Database,
    questionnaire: Questionnaire,
    *,
    later: Questionnaire | None = None,
    seed: int = 2026,
    today: date | None = None,
) -> DemoSummary:
    """Write the illustrative organisations and their assessments against `questionnaire`, in one transaction.

    With `later` (the next version of `questionnaire`), the latest year is answered against it.

    The same seed always gives the same organisations, answers, notes, agreed answers, targets
    and roadmap items, and (for the same `today`, default the current date) the same service registers
    and exercise logs, dated in the 14 months before `today`. Real organisations may exist and are left alone. Raises, writing nothing,
    DemoDataExists when the database already holds illustrative organisations and DemoNameTaken
    when a real organisation has one of the fictional names; any other StorageError also leaves
    the database as it was.
    """
    day = today or date.today()
    plan = tuple(
        _with_dated_evidence(planned, index, seed, day)
        for index, planned in enumerate(_plan(questionnaire, later, seed))
    )
    evidence = [_demo_evidence(planned.spec, index, seed, day) for index, planned in enumerate(plan)]
    with write_transaction(db):
        organisations = list_organisations(db)
        existing = [organisation for organisation in organisations if organisation.illustrative]
        if existing:
            raise DemoDataExists(
                f"This database already holds {len(existing)} illustrative organisations (for example "
                f"'{existing[0].name}'), so the demo data was not loaded again; to load it afresh, "
                "remove it first (`python cli.py demo --remove`)."
            )
        demo_names = {name_key(planned.spec.name) for planned in plan}
        taken = [organisation.name for organisation in organisations if name_key(organisation.name) in demo_names]
        if taken:
            raise DemoNameTaken(
                "The demo data was not loaded: a real organisation already has the name of a fictional demo "
                f"organisation ({', '.join(repr(name) for name in taken)}); rename it first, or load the demo "
                "into another database (ITSCM_DB)."
            )
        answers = 0
        for planned, (register, log) in zip(plan, evidence, strict=True):
            spec = planned.spec
            organisation = create_organisation(
                db, spec.name, spec.industry, spec.size_band, spec.region, illustrative=True
            )
            save_register(db, organisation.id, register)
            save_log(db, organisation.id, log)
            for assessment in planned.assessments:
                created = create_assessment(
                    db, organisation.id, assessment.questionnaire, assessment.label, assessment.assessment_date
                )
                answers += write_assessment_content(db, assessment.questionnaire, created.id, assessment.content)
    contents = [assessment.content for organisation in plan for assessment in organisation.assessments]
    return DemoSummary(
        organisations=len(plan),
        assessments=len(contents),
        completed_assessments=sum(content.completed for content in contents),
        respondents=sum(len(content.respondents) for content in contents),
        answers=answers,
        consensus=sum(len(content.consensus) for content in contents),
        targets=sum(len(content.targets) for content in contents),
        roadmap_items=sum(len(content.roadmap_items) for content in contents),
        services=sum(len(register) for register, _log in evidence),
        exercises=sum(len(log) for _register, log in evidence),
    )


def remove_demo_data(db: Database) -> DemoRemoval:
    """Delete every illustrative organisation with all its assessments, in one transaction; real ones stay.

    A SQLite database is backed up first (into `backups/` beside it; PostgreSQL has its own backups), so a
    restore brings the demo data back; nothing is backed up or changed when there is no demo data.
    """
    if not any(organisation.illustrative for organisation in list_organisations(db)):
        return DemoRemoval(removed=DeletionPreview(0, 0, 0, 0), backup=None)
    copy = backup_before(db, "removing-demo-data")
    with write_transaction(db):
        removed = [
            delete_organisation(db, organisation.id, backup=False).removed
            for organisation in list_organisations(db)
            if organisation.illustrative
        ]
    total = DeletionPreview(*(sum(getattr(part, field.name) for part in removed) for field in fields(DeletionPreview)))
    return DemoRemoval(removed=total, backup=copy)
