"""The service register and the exercise and incident log, as plain data (no storage, no Streamlit).

Services are named uniquely within an organisation; dependencies and exercise results refer to services by
name, so a register and a log can be written by hand in a spreadsheet. Times are in hours (a float, so 15
minutes is 0.25); money is per hour in the register's currency.
"""

from __future__ import annotations

from dataclasses import dataclass, field
from datetime import date
from typing import Final, Literal

Tier = Literal["critical", "important", "standard"]
TIERS: Final[tuple[Tier, ...]] = ("critical", "important", "standard")

ExerciseKind = Literal[
    "walk-through",
    "tabletop",
    "simulation",
    "technical recovery test",
    "failover",
    "full-scale exercise",
    "real incident",
]
EXERCISE_KINDS: Final[tuple[ExerciseKind, ...]] = (
    "walk-through",
    "tabletop",
    "simulation",
    "technical recovery test",
    "failover",
    "full-scale exercise",
    "real incident",
)
# The kinds in which services are actually recovered, so an achieved recovery time can be measured.
RECOVERY_KINDS: Final[frozenset[ExerciseKind]] = frozenset(
    {"technical recovery test", "failover", "full-scale exercise", "real incident"}
)

FindingStatus = Literal["open", "in progress", "closed"]
FINDING_STATUSES: Final[tuple[FindingStatus, ...]] = ("open", "in progress", "closed")


@dataclass(frozen=True)
class Service:
    """One IT service of the register with its recovery objectives and what it depends on."""

    name: str
    owner: str
    tier: Tier
    mtpd_hours: float  # maximum tolerable period of disruption
    rto_hours: float  # recovery time objective
    rpo_hours: float  # recovery point objective (data loss tolerated)
    downtime_cost_per_hour: float | None = None
    currency: str = ""
    depends_on: tuple[str, ...] = ()  # names of other services in the register
    providers: tuple[str, ...] = ()  # third-party providers it relies on
    bia_reviewed_on: date | None = None  # when its business impact analysis was last reviewed


@dataclass(frozen=True)
class ServiceResult:
    """What one exercise or incident showed for one service: the recovery time and data loss achieved."""

    service: str
    recovery_hours: float | None = None  # None: not measured (e.g. a tabletop)
    data_loss_hours: float | None = None


@dataclass(frozen=True)
class Finding:
    """A weakness an exercise or incident found, with who fixes it by when.

    `key` names the finding for good, so a roadmap step made from it stays linked however the log is
    edited, exported and imported again; blank for a finding not yet saved (the save gives it one). It is
    not compared: two findings that say the same thing are equal, whatever their ids.
    """

    text: str
    owner: str = ""
    due: date | None = None
    status: FindingStatus = "open"
    key: str = field(default="", compare=False)


@dataclass(frozen=True)
class Exercise:
    """One exercise, test or real incident, the services it covered and what it found."""

    day: date
    kind: ExerciseKind
    title: str
    results: tuple[ServiceResult, ...] = ()
    participants: str = ""
    findings: tuple[Finding, ...] = ()

    @property
    def services(self) -> tuple[str, ...]:
        """The names of the services it covered."""
        return tuple(r.service for r in self.results)


@dataclass(frozen=True)
class Evidence:
    """An organisation's register and log together: what the checks read."""

    services: tuple[Service, ...] = ()
    exercises: tuple[Exercise, ...] = ()

    def service(self, name: str) -> Service | None:
        """Return the service with this name, or None."""
        return next((s for s in self.services if s.name == name), None)
