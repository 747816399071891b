"""Checks of claims against facts: pure functions over the service register and the exercise log.

Each check takes the evidence, the check's declared parameters (a model of questionnaires.model) and
today's date, and returns a CheckResult: whether the facts support the claim and, when not, why in
one clause that names the services, the exercises (kind and date) and the figures.

Rules, as published to users:

- A recovery test is an exercise of a kind in which services are actually recovered: a technical
  recovery test, a failover, a full-scale exercise or a real incident. Walk-throughs, tabletops and
  simulations prove no recovery time.
- Exercises dated after today are plans, not facts: every check leaves them out.
- A service's last test is its latest recovery test that measured the figure in question; two on the
  same day count as the worse of the two.
- "Within N months" counts back N calendar months from today (31 Mar less one month is 28 or 29 Feb).
- A check about services finds no support in an empty register (or a tier without services): the
  facts are missing, so the claim is not evidenced. Findings need an exercise or incident in the log.
- critical_services_tested_within: every service of the tier had a recovery test within N months.
- last_test_met_rto / last_test_met_rpo: at least `percent` % of the tier's services (100: all) had
  their last measured recovery time within their RTO (data loss within their RPO); a service never
  measured counts as missed.
- rto_consistent_along_dependencies: no service depends, directly or further down the chain, on a
  service whose RTO is longer than its own.
- rto_not_above_mtpd: every service's RTO is at most its MTPD.
- bia_refreshed_within: every service of the tier had its BIA reviewed within N months.
- findings_closed_by_due: of the findings due by today, at least `percent` % (100: all) are closed.
"""

from __future__ import annotations

from collections.abc import Callable, Iterable, Mapping, Sequence
from dataclasses import dataclass
from datetime import date
from typing import Any, Final

from evidence.model import RECOVERY_KINDS, Evidence, Exercise, Service
from questionnaires.model import (
    BiaRefreshedWithin,
    CriticalServicesTestedWithin,
    FindingsClosedByDue,
    LastTestMetRpo,
    LastTestMetRto,
    RtoConsistentAlongDependencies,
    RtoNotAboveMtpd,
)

NAMED: Final = 3
"""How many services or findings a reason names before it says "and N more"."""

TOLERANCE: Final = 1e-9
_MONTHS: Final = ("Jan", "Feb", "Mar", "Apr", "May", "Jun", "Jul", "Aug", "Sep", "Oct", "Nov", "Dec")


@dataclass(frozen=True, slots=True)
class CheckResult:
    """Whether the facts support a claim; when not, why in one clause and each shortfall on its own."""

    check: str
    supported: bool
    reason: str = ""  # one clause, no final full stop; "" when the claim is supported
    shortfalls: tuple[str, ...] = ()  # one phrase per service or finding that falls short


def day_text(day: date) -> str:
    """Return a date as "12 Mar 2026", the same in every locale."""
    return f"{day.day} {_MONTHS[day.month - 1]} {day.year}"


def hours_text(hours: float) -> str:
    """Return hours as "9 h" or "0.25 h"."""
    return f"{hours:g} h"


def against_objective(achieved: float | None, objective: float) -> str:
    """Return "met" when a recovery time or data loss achieved is within its objective, "missed" above it, "" unmeasured."""
    if achieved is None:
        return ""
    return "met" if achieved <= objective + TOLERANCE else "missed"


def months_before(today: date, months: int) -> date:
    """Return the date `months` calendar months before today, the day clamped to the month's length."""
    index = today.year * 12 + today.month - 1 - months
    year, month = divmod(index, 12)
    month += 1
    next_month = date(year + (month == 12), month % 12 + 1, 1)
    last_day = (next_month - date(year, month, 1)).days
    return date(year, month, min(today.day, last_day))


def listed(items: Sequence[str], limit: int = NAMED) -> str:
    """Join phrases as "a, b, and c", naming at most `limit` and counting the rest."""
    shown = list(items[:limit])
    rest = len(items) - len(shown)
    if rest:
        shown.append(f"{rest} more")
    if len(shown) <= 2:
        return " and ".join(shown)
    return ", ".join(shown[:-1]) + ", and " + shown[-1]


def _tier_services(evidence: Evidence, tier: str) -> tuple[Service, ...]:
    return tuple(s for s in evidence.services if s.tier == tier)


def _no_services(check: str, tier: str | None = None) -> CheckResult:
    what = f"no {tier} service" if tier else "no service"
    return CheckResult(check, False, f"{what} in the register, so the facts are missing")


def _past(exercises: Iterable[Exercise], today: date) -> Iterable[Exercise]:
    return (e for e in exercises if e.day <= today)


def _last_recovery_tests(evidence: Evidence, today: date) -> dict[str, Exercise]:
    """Return, per service, its latest recovery test (any result recorded for it)."""
    latest: dict[str, Exercise] = {}
    for exercise in _past(evidence.exercises, today):
        if exercise.kind not in RECOVERY_KINDS:
            continue
        for name in exercise.services:
            known = latest.get(name)
            if known is None or exercise.day > known.day:
                latest[name] = exercise
    return latest


def last_measured(evidence: Evidence, today: date, field: str) -> dict[str, tuple[Exercise, float]]:
    """Return, per service, its latest recovery test that measured `field`, the worse one on a tie."""
    latest: dict[str, tuple[Exercise, float]] = {}
    for exercise in _past(evidence.exercises, today):
        if exercise.kind not in RECOVERY_KINDS:
            continue
        for result in exercise.results:
            value = getattr(result, field)
            if value is None:
                continue
            known = latest.get(result.service)
            if known is None or exercise.day > known[0].day or (exercise.day == known[0].day and value > known[1]):
                latest[result.service] = (exercise, value)
    return latest


def critical_services_tested_within(
    evidence: Evidence, parameters: CriticalServicesTestedWithin, today: date
) -> CheckResult:
    """Every service of the tier had a recovery test within the last N months."""
    name = parameters.check
    services = _tier_services(evidence, parameters.tier)
    if not services:
        return _no_services(name, parameters.tier)
    since = months_before(today, parameters.months)
    latest = _last_recovery_tests(evidence, today)
    shortfalls: list[str] = []
    for service in services:
        last = latest.get(service.name)
        if last is None:
            shortfalls.append(f"{service.name} never")
        elif last.day < since:
            shortfalls.append(f"{service.name} last in a {last.kind} on {day_text(last.day)}")
    if not shortfalls:
        return CheckResult(name, True)
    reason = (
        f"{len(shortfalls)} of {len(services)} {parameters.tier} services had no recovery test within "
        f"{parameters.months} months: {listed(shortfalls)}"
    )
    return CheckResult(name, False, reason, tuple(shortfalls))


def _last_test_met(
    evidence: Evidence,
    today: date,
    name: str,
    tier: str,
    percent: int,
    field: str,
    objective: Callable[[Service], float],
    phrase: Callable[[Service, Exercise, float], str],
    unmeasured: str,
    objective_name: str,
) -> CheckResult:
    services = _tier_services(evidence, tier)
    if not services:
        return _no_services(name, tier)
    latest = last_measured(evidence, today, field)
    shortfalls: list[str] = []
    for service in services:
        last = latest.get(service.name)
        if last is None:
            shortfalls.append(f"{service.name} has {unmeasured} in the log")
        elif last[1] > objective(service) + TOLERANCE:
            shortfalls.append(phrase(service, last[0], last[1]))
    met = len(services) - len(shortfalls)
    if met * 100 >= percent * len(services):
        return CheckResult(name, True, "", tuple(shortfalls))
    reason = listed(shortfalls)
    if percent < 100:
        reason = (
            f"only {met} of {len(services)} {tier} services ({100 * met // len(services)} %, under the "
            f"{percent} % claimed) met their {objective_name} at their last test; {reason}"
        )
    return CheckResult(name, False, reason, tuple(shortfalls))


def last_test_met_rto(evidence: Evidence, parameters: LastTestMetRto, today: date) -> CheckResult:
    """The last measured recovery of each service of the tier took no longer than its RTO."""
    return _last_test_met(
        evidence,
        today,
        parameters.check,
        parameters.tier,
        parameters.percent,
        "recovery_hours",
        lambda s: s.rto_hours,
        lambda s, e, hours: (
            f"the last {e.kind} of {s.name} took {hours_text(hours)} against an RTO of "
            f"{hours_text(s.rto_hours)} on {day_text(e.day)}"
        ),
        "no measured recovery time",
        "RTO",
    )


def last_test_met_rpo(evidence: Evidence, parameters: LastTestMetRpo, today: date) -> CheckResult:
    """The last measured data loss of each service of the tier was no more than its RPO."""
    return _last_test_met(
        evidence,
        today,
        parameters.check,
        parameters.tier,
        parameters.percent,
        "data_loss_hours",
        lambda s: s.rpo_hours,
        lambda s, e, hours: (
            f"the last {e.kind} of {s.name} lost {hours_text(hours)} of data against an RPO of "
            f"{hours_text(s.rpo_hours)} on {day_text(e.day)}"
        ),
        "no measured data loss",
        "RPO",
    )


def _slowest_below(services: Mapping[str, Service]) -> dict[str, tuple[float, str | None]]:
    """Return, per service, the longest RTO among everything it depends on and the first step towards it.

    Iterative depth-first search with memory, so a long chain never hits the recursion limit. A cycle is
    followed no further where it closes, but every direct dependency is always compared, so any
    inconsistency is found (one along a chain always shows in one of its links).
    """
    best: dict[str, tuple[float, str | None]] = {}
    for root in services:
        if root in best:
            continue
        on_path = {root}
        stack = [(root, iter(services[root].depends_on))]
        while stack:
            node, pending = stack[-1]
            for dependency in pending:
                if dependency in services and dependency not in best and dependency not in on_path:
                    on_path.add(dependency)
                    stack.append((dependency, iter(services[dependency].depends_on)))
                    break
            else:
                stack.pop()
                on_path.discard(node)
                slowest: tuple[float, str | None] = (float("-inf"), None)
                for dependency in services[node].depends_on:
                    if dependency in services:
                        below = max(services[dependency].rto_hours, best.get(dependency, (float("-inf"), None))[0])
                        if below > slowest[0]:
                            slowest = (below, dependency)
                best[node] = slowest
    return best


def rto_consistent_along_dependencies(
    evidence: Evidence, parameters: RtoConsistentAlongDependencies, today: date
) -> CheckResult:
    """No service depends, directly or down the chain, on a service with a longer RTO than its own."""
    name = parameters.check
    if not evidence.services:
        return _no_services(name)
    services = {s.name: s for s in evidence.services}
    best = _slowest_below(services)
    shortfalls: list[str] = []
    for service in evidence.services:
        slowest, step = best[service.name]
        if step is None or slowest <= service.rto_hours + TOLERANCE:
            continue
        chain = [services[step]]
        while chain[-1].rto_hours < slowest and len(chain) < len(services):
            following = best[chain[-1].name][1]
            if following is None:
                break
            chain.append(services[following])
        hops = ", which depends on ".join(f"{s.name} (RTO {hours_text(s.rto_hours)})" for s in chain)
        shortfalls.append(f"{service.name} (RTO {hours_text(service.rto_hours)}) depends on {hops}")
    if not shortfalls:
        return CheckResult(name, True)
    return CheckResult(name, False, listed(shortfalls), tuple(shortfalls))


def rto_not_above_mtpd(evidence: Evidence, parameters: RtoNotAboveMtpd, today: date) -> CheckResult:
    """Every service's RTO is at most its MTPD."""
    name = parameters.check
    if not evidence.services:
        return _no_services(name)
    shortfalls = [
        f"{s.name} has an RTO of {hours_text(s.rto_hours)} above its MTPD of {hours_text(s.mtpd_hours)}"
        for s in evidence.services
        if s.rto_hours > s.mtpd_hours + TOLERANCE
    ]
    if not shortfalls:
        return CheckResult(name, True)
    return CheckResult(name, False, listed(shortfalls), tuple(shortfalls))


def bia_refreshed_within(evidence: Evidence, parameters: BiaRefreshedWithin, today: date) -> CheckResult:
    """Every service of the tier had its business impact analysis reviewed within the last N months."""
    name = parameters.check
    services = _tier_services(evidence, parameters.tier)
    if not services:
        return _no_services(name, parameters.tier)
    since = months_before(today, parameters.months)
    shortfalls = [
        f"{s.name} never" if s.bia_reviewed_on is None else f"{s.name} last on {day_text(s.bia_reviewed_on)}"
        for s in services
        if s.bia_reviewed_on is None or s.bia_reviewed_on < since
    ]
    if not shortfalls:
        return CheckResult(name, True)
    reason = (
        f"{len(shortfalls)} of {len(services)} {parameters.tier} services had no BIA review within "
        f"{parameters.months} months: {listed(shortfalls)}"
    )
    return CheckResult(name, False, reason, tuple(shortfalls))


def findings_closed_by_due(evidence: Evidence, parameters: FindingsClosedByDue, today: date) -> CheckResult:
    """Of the log's findings due by today, at least `percent` % are closed (100: none is open past its due date)."""
    name = parameters.check
    exercises = tuple(_past(evidence.exercises, today))
    if not exercises:
        return CheckResult(name, False, "no exercise or incident in the log, so the facts are missing")
    due = 0
    shortfalls: list[str] = []
    for exercise in exercises:
        for finding in exercise.findings:
            if finding.due is None or finding.due >= today:
                continue
            due += 1
            if finding.status != "closed":
                late = (today - finding.due).days
                shortfalls.append(
                    f"the finding '{finding.text}' of the {exercise.kind} on {day_text(exercise.day)} is still "
                    f"{finding.status} {late} days after its due date of {day_text(finding.due)}"
                )
    closed = due - len(shortfalls)
    if closed * 100 >= parameters.percent * due:
        return CheckResult(name, True, "", tuple(shortfalls))
    reason = listed(shortfalls)
    if parameters.percent < 100:
        reason = (
            f"only {closed} of {due} findings due by today ({100 * closed // due} %, under the "
            f"{parameters.percent} % claimed) are closed; {reason}"
        )
    return CheckResult(name, False, reason, tuple(shortfalls))


CHECKS: Final[Mapping[str, Callable[[Evidence, Any, date], CheckResult]]] = {
    "critical_services_tested_within": critical_services_tested_within,
    "last_test_met_rto": last_test_met_rto,
    "last_test_met_rpo": last_test_met_rpo,
    "rto_consistent_along_dependencies": rto_consistent_along_dependencies,
    "rto_not_above_mtpd": rto_not_above_mtpd,
    "bia_refreshed_within": bia_refreshed_within,
    "findings_closed_by_due": findings_closed_by_due,
}
"""Each check name of the questionnaire format and the function that runs it."""


def run_check(check: Any, evidence: Evidence, today: date) -> CheckResult:
    """Run one declared check (a model of questionnaires.model's Check union) over the evidence."""
    return CHECKS[check.check](evidence, check, today)
