"""An organisation's service register and its exercise and incident log: checked, saved whole, read back.

`save_register` and `save_log` replace the register or the log of one organisation in one write
transaction, after checking every row; any problem and nothing is written. The checks are also
offered on their own (`check_register`, `check_log`) so that file imports can report every problem
by sheet and row before anything is saved. Services are named uniquely per organisation, ignoring
case; dependencies and exercise results refer to services by name.
"""

from __future__ import annotations

import math
import re
import secrets
from collections.abc import Callable, Iterable, Mapping, Sequence
from dataclasses import dataclass, replace
from datetime import date, timedelta
from typing import Any, Final, Literal, TypeVar

from sqlite_utils import Database

from evidence.model import (
    EXERCISE_KINDS,
    FINDING_STATUSES,
    RECOVERY_KINDS,
    TIERS,
    Evidence,
    Exercise,
    Finding,
    Service,
    ServiceResult,
)
from storage.choices import (
    EARLIEST_ASSESSMENT_DATE,
    MAX_DAYS_AHEAD,
    MAX_DUE_DAYS_AHEAD,
    MAX_EXERCISE_TITLE,
    MAX_EXERCISES,
    MAX_FINDINGS_PER_EXERCISE,
    MAX_LINKS_PER_SERVICE,
    MAX_OWNER,
    MAX_PROVIDER_NAME,
    MAX_SERVICE_NAME,
    MAX_SERVICES,
)
from storage.errors import ExerciseLogError, ServiceRegisterError, StorageError
from storage.organisations import get_organisation
from storage.timestamps import to_optional_date
from storage.transactions import write_transaction
from storage.validation import check_choice, check_date, check_free_text, clean_name, name_key

CURRENCY: Final = re.compile(r"[A-Z]{3}")
"""A currency as its ISO 4217 code: three capital letters such as EUR."""

FINDING_KEY: Final = re.compile(r"[A-Za-z0-9_-]{1,40}")
"""A finding's key: up to 40 letters, digits, - and _ (a save gives a new finding 12 hexadecimal digits)."""

SEPARATOR: Final = ";"
"""What separates the names of dependencies and providers in a file, so no service or provider name holds it."""

Part = Literal["service", "exercise", "result", "finding"]
T = TypeVar("T")


@dataclass(frozen=True)
class EvidenceProblem:
    """One thing wrong in a register or a log: where it is (by position, from 0) and what to do about it."""

    part: Part
    index: int  # the service's position in the register, or the exercise's in the log
    subject: str  # how the message names the row on its own, e.g. "Payments" or "Exercise 2, finding 1"
    message: str  # what is wrong and how to fix it, readable without the subject
    item: int | None = None  # the result's or finding's position within its exercise

    def __str__(self) -> str:
        return f"{self.subject}: {self.message}"


def _joined(problems: Sequence[EvidenceProblem], what: str) -> str:
    if len(problems) == 1:
        return f"{problems[0]}"
    listed = "\n".join(f"- {problem}" for problem in problems)
    return f"The {what} was not saved: {len(problems)} problems.\n{listed}"


def _register_error(problems: Sequence[EvidenceProblem]) -> ServiceRegisterError:
    error = ServiceRegisterError(_joined(problems, "service register"))
    error.problems = tuple(problems)  # type: ignore[attr-defined]
    return error


def _log_error(problems: Sequence[EvidenceProblem]) -> ExerciseLogError:
    error = ExerciseLogError(_joined(problems, "exercise and incident log"))
    error.problems = tuple(problems)  # type: ignore[attr-defined]
    return error


class _Collector:
    """Runs checks that raise StorageError and keeps each message instead of stopping at the first."""

    def __init__(self, part: Part, index: int, subject: str, item: int | None = None) -> None:
        self.part, self.index, self.subject, self.item = part, index, subject, item
        self.problems: list[EvidenceProblem] = []

    def add(self, message: str) -> None:
        self.problems.append(EvidenceProblem(self.part, self.index, self.subject, message, self.item))

    def run(self, check: Callable[[], T]) -> T | None:
        try:
            return check()
        except StorageError as error:
            self.add(str(error))
            return None


def _number(value: object, field: str, *, unit: str, example: str, required: bool = True) -> float | None:
    """Return a finite number of 0 or more as a float (None when optional and missing), else raise."""
    if value is None:
        if required:
            raise StorageError(f"{field} is missing; give it in {unit}, such as {example}.")
        return None
    if isinstance(value, bool) or not isinstance(value, int | float):
        raise StorageError(f"{field} {value!r} is not a number; give it in {unit}, such as {example}.")
    number = float(value)
    if not math.isfinite(number):
        raise StorageError(f"{field} {value!r} is not a finite number; give it in {unit}, such as {example}.")
    if number < 0:
        raise StorageError(f"{field} {number:g} is below zero; give 0 or more {unit}.")
    return number


def _day(value: object, field: str, *, days_ahead: int) -> date:
    """Return a date within the app's range: from 2000-01-01 to `days_ahead` days from today."""
    day = check_date(value, field=field, error=StorageError)
    latest = date.today() + timedelta(days=days_ahead)
    if not EARLIEST_ASSESSMENT_DATE <= day <= latest:
        raise StorageError(
            f"{field} {day:%Y-%m-%d} is outside the allowed range {EARLIEST_ASSESSMENT_DATE:%Y-%m-%d} "
            f"to {latest:%Y-%m-%d}; enter the real date."
        )
    return day


def _names(values: object, field: str, max_length: int, found: _Collector) -> tuple[str, ...]:
    """Return a list of names cleaned, after checking each is a name and none repeats (ignoring case)."""
    if isinstance(values, str) or not isinstance(values, tuple | list):
        found.add(f"{field} must be a list of names, not {type(values).__name__}.")
        return ()
    if len(values) > MAX_LINKS_PER_SERVICE:
        found.add(f"{field} lists {len(values)} names; a service may list at most {MAX_LINKS_PER_SERVICE}.")
        return ()
    cleaned: list[str] = []
    seen: set[str] = set()
    for value in values:
        name = found.run(lambda v=value: clean_name(v, field=field, max_length=max_length, error=StorageError))
        if name is None:
            continue
        if SEPARATOR in name:
            found.add(
                f"{field}: '{name}' contains '{SEPARATOR}', which separates names in a file; use another character."
            )
            continue
        if name_key(name) in seen:
            found.add(f"{field} names '{name}' twice; list it once.")
            continue
        seen.add(name_key(name))
        cleaned.append(name)
    return tuple(cleaned)


def _service(service: object, index: int) -> tuple[Service | None, list[EvidenceProblem]]:
    if not isinstance(service, Service):
        found = _Collector("service", index, f"Service {index + 1}")
        found.add(f"it must be a Service, not {type(service).__name__}.")
        return None, found.problems
    subject = (
        service.name.strip()
        if isinstance(service.name, str) and 0 < len(service.name.strip()) <= MAX_SERVICE_NAME
        else f"Service {index + 1}"
    )
    found = _Collector("service", index, subject)
    name = found.run(lambda: clean_name(service.name, field="Name", max_length=MAX_SERVICE_NAME, error=StorageError))
    if name is not None and SEPARATOR in name:
        found.add(f"Name contains '{SEPARATOR}', which separates names in a file; use another character.")
    owner = found.run(
        lambda: clean_name(service.owner, field="Owner", max_length=MAX_OWNER, error=StorageError, required=False)
    )
    tier = found.run(lambda: check_choice(service.tier, TIERS, field="Tier", error=StorageError))
    mtpd = found.run(lambda: _number(service.mtpd_hours, "MTPD", unit="hours", example="24"))
    rto = found.run(lambda: _number(service.rto_hours, "RTO", unit="hours", example="4"))
    rpo = found.run(lambda: _number(service.rpo_hours, "RPO", unit="hours", example="0.25"))
    if mtpd is not None and rto is not None and rto > mtpd:
        found.add(
            f"RTO {rto:g} h is above its MTPD of {mtpd:g} h; an RTO must not exceed the MTPD: "
            "lower the RTO or raise the MTPD."
        )
    cost = found.run(
        lambda: _number(
            service.downtime_cost_per_hour,
            "Downtime cost per hour",
            unit="money per hour",
            example="12000",
            required=False,
        )
    )
    currency = _currency(service.currency, cost, found)
    depends_on = _names(service.depends_on, "Depends on", MAX_SERVICE_NAME, found)
    providers = _names(service.providers, "Providers", MAX_PROVIDER_NAME, found)
    reviewed = (
        None
        if service.bia_reviewed_on is None
        else found.run(lambda: _day(service.bia_reviewed_on, "BIA reviewed on", days_ahead=MAX_DAYS_AHEAD))
    )
    if found.problems:
        return None, found.problems
    assert name is not None and owner is not None and tier is not None
    assert mtpd is not None and rto is not None and rpo is not None
    return (
        Service(
            name=name,
            owner=owner,
            tier=tier,  # type: ignore[arg-type]
            mtpd_hours=mtpd,
            rto_hours=rto,
            rpo_hours=rpo,
            downtime_cost_per_hour=cost,
            currency=currency,
            depends_on=depends_on,
            providers=providers,
            bia_reviewed_on=reviewed,
        ),
        [],
    )


def _currency(value: object, cost: float | None, found: _Collector) -> str:
    if not isinstance(value, str):
        found.add(f"Currency must be text, not {type(value).__name__}.")
        return ""
    code = value.strip().upper()
    if code and not CURRENCY.fullmatch(code):
        found.add(
            f"Currency {value!r} is not a currency code; give its three-letter ISO 4217 code, such as EUR or USD."
        )
    elif cost is not None and not code:
        found.add("A downtime cost per hour needs its currency; add the three-letter code, such as EUR or USD.")
    return code


def check_register(services: Sequence[Service]) -> tuple[tuple[Service, ...], list[EvidenceProblem]]:
    """Return the register cleaned (names trimmed, currency in capitals) and every problem found in it.

    Nothing is read or written: the register is judged on its own. Names must be unique ignoring
    case, and a dependency must name another service of the same register.
    """
    if isinstance(services, str) or not isinstance(services, Sequence):
        raise ServiceRegisterError(f"The register must be a list of services, not {type(services).__name__}.")
    if len(services) > MAX_SERVICES:
        problem = EvidenceProblem(
            "service",
            MAX_SERVICES,
            f"Service {MAX_SERVICES + 1}",
            f"the register holds {len(services):,} services, more than the {MAX_SERVICES:,} allowed; "
            "split the organisation's register or leave out retired services.",
        )
        return (), [problem]
    cleaned: list[Service | None] = []
    problems: list[EvidenceProblem] = []
    for index, service in enumerate(services):
        checked, found = _service(service, index)
        cleaned.append(checked)
        problems += found
    keys: dict[str, int] = {}
    for index, service in enumerate(cleaned):
        if service is None:
            continue
        key = name_key(service.name)
        if key in keys:
            problems.append(
                EvidenceProblem(
                    "service",
                    index,
                    service.name,
                    f"the name '{service.name}' is already used by service {keys[key] + 1}; give each service its "
                    "own name (names are compared ignoring case).",
                )
            )
        else:
            keys[key] = index
    known = {name_key(s.name.strip()) for s in services if isinstance(s, Service) and isinstance(s.name, str)}
    known |= set(keys)
    for index, service in enumerate(cleaned):
        if service is None:
            continue
        for other in service.depends_on:
            if name_key(other) == name_key(service.name):
                problems.append(
                    EvidenceProblem(
                        "service", index, service.name, "it depends on itself; remove its own name from depends on."
                    )
                )
            elif name_key(other) not in known:
                problems.append(
                    EvidenceProblem(
                        "service",
                        index,
                        service.name,
                        f"it depends on '{other}', which is not in the register; add that service or correct the name.",
                    )
                )
    problems.sort(key=lambda p: p.index)
    return tuple(s for s in cleaned if s is not None), problems


def _result(result: object, index: int, item: int, services: dict[str, str], kind: object) -> ServiceResult | None:
    found = _Collector("result", index, f"Exercise {index + 1}, result {item + 1}", item)
    if not isinstance(result, ServiceResult):
        found.add(f"it must be a ServiceResult, not {type(result).__name__}.")
        raise _Refused(found.problems)
    name = found.run(
        lambda: clean_name(result.service, field="Service", max_length=MAX_SERVICE_NAME, error=StorageError)
    )
    canonical = None
    if name is not None:
        canonical = services.get(name_key(name))
        if canonical is None:
            found.add(f"service '{name}' is not in the register; add it to the register or correct the name.")
    recovery = found.run(
        lambda: _number(result.recovery_hours, "Recovery time", unit="hours", example="3.5", required=False)
    )
    loss = found.run(lambda: _number(result.data_loss_hours, "Data loss", unit="hours", example="0.25", required=False))
    measured = recovery is not None or loss is not None
    if measured and isinstance(kind, str) and kind in EXERCISE_KINDS and kind not in RECOVERY_KINDS:
        found.add(
            f"a {kind} recovers no service, so it has no achieved recovery time or data loss; leave them empty, "
            f"or record it as one of: {', '.join(k for k in EXERCISE_KINDS if k in RECOVERY_KINDS)}."
        )
    if found.problems:
        raise _Refused(found.problems)
    assert canonical is not None
    return ServiceResult(service=canonical, recovery_hours=recovery, data_loss_hours=loss)


def _finding(finding: object, index: int, item: int) -> Finding:
    found = _Collector("finding", index, f"Exercise {index + 1}, finding {item + 1}", item)
    if not isinstance(finding, Finding):
        found.add(f"it must be a Finding, not {type(finding).__name__}.")
        raise _Refused(found.problems)
    text = found.run(lambda: check_free_text(finding.text, field="Finding", error=StorageError))
    if isinstance(text, str) and not text.strip():
        found.add("Finding is empty; write what the exercise found.")
    owner = found.run(
        lambda: clean_name(finding.owner, field="Owner", max_length=MAX_OWNER, error=StorageError, required=False)
    )
    due = (
        None if finding.due is None else found.run(lambda: _day(finding.due, "Due date", days_ahead=MAX_DUE_DAYS_AHEAD))
    )
    status = found.run(lambda: check_choice(finding.status, FINDING_STATUSES, field="Status", error=StorageError))
    key = finding.key.strip() if isinstance(finding.key, str) else None
    if key is None:
        found.add(f"Finding id must be text, not {type(finding.key).__name__}.")
    elif key and not FINDING_KEY.fullmatch(key):
        found.add(
            f"Finding id {key[:60]!r} is not an id: use up to 40 letters, digits, - and _, or leave it blank "
            "for a new finding."
        )
    if found.problems:
        raise _Refused(found.problems)
    assert text is not None and owner is not None and status is not None and key is not None
    return Finding(text=text, owner=owner, due=due, status=status, key=key)  # type: ignore[arg-type]


class _Refused(Exception):
    """Carries the problems of one result or finding out of its check."""

    def __init__(self, problems: list[EvidenceProblem]) -> None:
        super().__init__(len(problems))
        self.problems = problems


def _exercise(exercise: object, index: int, services: dict[str, str]) -> tuple[Exercise | None, list[EvidenceProblem]]:
    found = _Collector("exercise", index, f"Exercise {index + 1}")
    if not isinstance(exercise, Exercise):
        found.add(f"it must be an Exercise, not {type(exercise).__name__}.")
        return None, found.problems
    day = found.run(lambda: _day(exercise.day, "Date", days_ahead=MAX_DAYS_AHEAD))
    kind = found.run(lambda: check_choice(exercise.kind, EXERCISE_KINDS, field="Kind", error=StorageError))
    title = found.run(
        lambda: clean_name(exercise.title, field="Title", max_length=MAX_EXERCISE_TITLE, error=StorageError)
    )
    participants = found.run(lambda: check_free_text(exercise.participants, field="Participants", error=StorageError))
    problems = found.problems
    results: list[ServiceResult] = []
    findings: list[Finding] = []
    if not isinstance(exercise.results, tuple | list):
        found.add(f"results must be a list, not {type(exercise.results).__name__}.")
    else:
        seen: set[str] = set()
        for item, result in enumerate(exercise.results):
            try:
                checked = _result(result, index, item, services, exercise.kind)
            except _Refused as refused:
                problems += refused.problems
                continue
            assert checked is not None
            if name_key(checked.service) in seen:
                problems.append(
                    EvidenceProblem(
                        "result",
                        index,
                        f"Exercise {index + 1}, result {item + 1}",
                        f"service '{checked.service}' has a result already in this exercise; keep one result per "
                        "service.",
                        item,
                    )
                )
                continue
            seen.add(name_key(checked.service))
            results.append(checked)
    if not isinstance(exercise.findings, tuple | list):
        found.add(f"findings must be a list, not {type(exercise.findings).__name__}.")
    elif len(exercise.findings) > MAX_FINDINGS_PER_EXERCISE:
        found.add(
            f"it has {len(exercise.findings):,} findings, more than the {MAX_FINDINGS_PER_EXERCISE} allowed; "
            "group related findings together."
        )
    else:
        for item, finding in enumerate(exercise.findings):
            try:
                findings.append(_finding(finding, index, item))
            except _Refused as refused:
                problems += refused.problems
    if problems:
        return None, problems
    assert day is not None and kind is not None and title is not None and participants is not None
    return (
        Exercise(
            day=day,
            kind=kind,  # type: ignore[arg-type]
            title=title,
            results=tuple(results),
            participants=participants,
            findings=tuple(findings),
        ),
        [],
    )


def check_log(
    exercises: Sequence[Exercise], service_names: Iterable[str]
) -> tuple[tuple[Exercise, ...], list[EvidenceProblem]]:
    """Return the log cleaned and every problem found in it, judged against the register's service names.

    A result naming a service in other capitals is given the register's spelling.
    """
    if isinstance(exercises, str) or not isinstance(exercises, Sequence):
        raise ExerciseLogError(f"The log must be a list of exercises, not {type(exercises).__name__}.")
    if len(exercises) > MAX_EXERCISES:
        problem = EvidenceProblem(
            "exercise",
            MAX_EXERCISES,
            f"Exercise {MAX_EXERCISES + 1}",
            f"the log holds {len(exercises):,} exercises, more than the {MAX_EXERCISES:,} allowed; "
            "leave out the oldest ones.",
        )
        return (), [problem]
    services = {name_key(name): name for name in service_names}
    cleaned: list[Exercise] = []
    problems: list[EvidenceProblem] = []
    keys: dict[str, str] = {}
    for index, exercise in enumerate(exercises):
        checked, found = _exercise(exercise, index, services)
        problems += found
        if checked is None:
            continue
        cleaned.append(checked)
        for item, finding in enumerate(checked.findings):
            subject = f"Exercise {index + 1}, finding {item + 1}"
            if finding.key and finding.key in keys:
                problems.append(
                    EvidenceProblem(
                        "finding",
                        index,
                        subject,
                        f"finding id '{finding.key}' is already used by {keys[finding.key]}; each finding keeps its "
                        "own id: clear the id of the copy so the save gives it a new one.",
                        item,
                    )
                )
            elif finding.key:
                keys[finding.key] = subject.lower()
    return tuple(cleaned), problems


# Reading


def _service_names(db: Database, organisation_id: int) -> dict[str, tuple[int, str]]:
    """The organisation's services by name key: (id, name)."""
    rows = db.execute("SELECT id, name, name_key FROM services WHERE organisation_id = ?", [organisation_id])
    return {str(key): (int(row_id), str(name)) for row_id, name, key in rows.fetchall()}


def _load_services(db: Database, organisation_id: int) -> tuple[Service, ...]:
    depends: dict[int, list[str]] = {}
    for service_id, name in db.execute(
        "SELECT d.service_id, s.name FROM service_dependencies d JOIN services s ON s.id = d.depends_on_id "
        "WHERE d.organisation_id = ? ORDER BY d.service_id, d.position",
        [organisation_id],
    ).fetchall():
        depends.setdefault(int(service_id), []).append(str(name))
    providers: dict[int, list[str]] = {}
    for service_id, provider in db.execute(
        "SELECT p.service_id, p.provider FROM service_providers p JOIN services s ON s.id = p.service_id "
        "WHERE s.organisation_id = ? ORDER BY p.service_id, p.position",
        [organisation_id],
    ).fetchall():
        providers.setdefault(int(service_id), []).append(str(provider))
    rows: Iterable[dict[str, Any]] = db.query(
        "SELECT id, name, owner, tier, mtpd_hours, rto_hours, rpo_hours, downtime_cost_per_hour, currency, "
        "bia_reviewed_on FROM services WHERE organisation_id = ? ORDER BY position, id",
        [organisation_id],
    )
    return tuple(
        Service(
            name=row["name"],
            owner=row["owner"],
            tier=row["tier"],
            mtpd_hours=float(row["mtpd_hours"]),
            rto_hours=float(row["rto_hours"]),
            rpo_hours=float(row["rpo_hours"]),
            downtime_cost_per_hour=None
            if row["downtime_cost_per_hour"] is None
            else float(row["downtime_cost_per_hour"]),
            currency=row["currency"],
            depends_on=tuple(depends.get(row["id"], ())),
            providers=tuple(providers.get(row["id"], ())),
            bia_reviewed_on=to_optional_date(row["bia_reviewed_on"]),
        )
        for row in rows
    )


def _optional_float(value: object) -> float | None:
    return None if value is None else float(value)  # type: ignore[arg-type]


def _load_exercises(db: Database, organisation_id: int) -> tuple[Exercise, ...]:
    results: dict[int, list[ServiceResult]] = {}
    for exercise_id, name, recovery, loss in db.execute(
        "SELECT r.exercise_id, s.name, r.recovery_hours, r.data_loss_hours FROM exercise_results r "
        "JOIN services s ON s.id = r.service_id WHERE r.organisation_id = ? ORDER BY r.exercise_id, r.position",
        [organisation_id],
    ).fetchall():
        results.setdefault(int(exercise_id), []).append(
            ServiceResult(
                service=str(name), recovery_hours=_optional_float(recovery), data_loss_hours=_optional_float(loss)
            )
        )
    findings: dict[int, list[Finding]] = {}
    for exercise_id, text, owner, due, status, key in db.execute(
        "SELECT f.exercise_id, f.text, f.owner, f.due, f.status, f.finding_key FROM exercise_findings f "
        "JOIN exercises e ON e.id = f.exercise_id WHERE e.organisation_id = ? ORDER BY f.exercise_id, f.position",
        [organisation_id],
    ).fetchall():
        findings.setdefault(int(exercise_id), []).append(
            Finding(text=str(text), owner=str(owner), due=to_optional_date(due), status=status, key=str(key))
        )
    rows: Iterable[dict[str, Any]] = db.query(
        "SELECT id, day, kind, title, participants FROM exercises WHERE organisation_id = ? ORDER BY position, id",
        [organisation_id],
    )
    return tuple(
        Exercise(
            day=date.fromisoformat(row["day"]),
            kind=row["kind"],
            title=row["title"],
            results=tuple(results.get(row["id"], ())),
            participants=row["participants"],
            findings=tuple(findings.get(row["id"], ())),
        )
        for row in rows
    )


def load_evidence(db: Database, organisation_id: int) -> Evidence:
    """Return an organisation's register and log, in the order they were saved."""
    organisation = get_organisation(db, organisation_id)
    return Evidence(services=_load_services(db, organisation.id), exercises=_load_exercises(db, organisation.id))


def count_evidence(db: Database, organisation_ids: Sequence[int]) -> tuple[int, int]:
    """Return how many services and how many exercises these organisations hold."""
    if not organisation_ids:
        return 0, 0
    marks = ", ".join("?" for _ in organisation_ids)
    services = db.execute(f"SELECT count(*) FROM services WHERE organisation_id IN ({marks})", list(organisation_ids))  # noqa: S608
    exercises = db.execute(f"SELECT count(*) FROM exercises WHERE organisation_id IN ({marks})", list(organisation_ids))  # noqa: S608
    return int(services.fetchone()[0]), int(exercises.fetchone()[0])


# Writing


def delete_evidence(db: Database, organisation_id: int) -> None:
    """Delete an organisation's log and register; call it inside the caller's write transaction."""
    exercises = "SELECT id FROM exercises WHERE organisation_id = ?"
    db.execute(f"DELETE FROM exercise_findings WHERE exercise_id IN ({exercises})", [organisation_id])  # noqa: S608
    db.execute("DELETE FROM exercise_results WHERE organisation_id = ?", [organisation_id])
    db.execute("DELETE FROM exercises WHERE organisation_id = ?", [organisation_id])
    services = "SELECT id FROM services WHERE organisation_id = ?"
    db.execute(f"DELETE FROM service_providers WHERE service_id IN ({services})", [organisation_id])  # noqa: S608
    db.execute("DELETE FROM service_dependencies WHERE organisation_id = ?", [organisation_id])
    db.execute("DELETE FROM services WHERE organisation_id = ?", [organisation_id])


def _still_used(db: Database, organisation_id: int, removed: dict[str, tuple[int, str]]) -> list[EvidenceProblem]:
    problems: list[EvidenceProblem] = []
    for service_id, name in removed.values():
        used = db.execute(
            "SELECT count(*) FROM exercise_results WHERE organisation_id = ? AND service_id = ?",
            [organisation_id, service_id],
        ).fetchone()[0]
        if used:
            problems.append(
                EvidenceProblem(
                    "service",
                    -1,
                    name,
                    f"the exercise log holds {used} result{'s' if used != 1 else ''} for it, so it cannot leave the "
                    "register. To rename it, change its name in the register table on the Evidence page and save: "
                    "its results and dependencies follow. To drop it, remove its results from the log first.",
                )
            )
    return problems


def _renamed_dependencies(services: Sequence[Service], renamed: Mapping[str, str]) -> list[Service]:
    """The services with each dependency on a renamed service given its new name (unless the old name stays)."""
    names = {name_key(s.name) for s in services if isinstance(s, Service) and isinstance(s.name, str)}
    new_names = {name_key(old): new for old, new in renamed.items() if name_key(old) not in names}
    if not new_names:
        return list(services)
    return [
        replace(s, depends_on=tuple(new_names.get(name_key(d), d) if isinstance(d, str) else d for d in s.depends_on))
        if isinstance(s, Service) and isinstance(s.depends_on, tuple | list)
        else s
        for s in services
    ]


def save_register(
    db: Database,
    organisation_id: int,
    services: Sequence[Service],
    *,
    renamed: Mapping[str, str] | None = None,
) -> tuple[Service, ...]:
    """Replace an organisation's service register with `services`, all or nothing, and return it as saved.

    Every service is checked first (see check_register); a service left out of the new register
    must not have results in the exercise log. A service kept (same name ignoring case) keeps its
    place in the log. `renamed` maps stored names to the new names of the same services: a renamed
    service keeps its results in the log, and dependencies on it follow it, in the same transaction.
    """
    renamed = {old: new for old, new in (renamed or {}).items() if isinstance(old, str) and isinstance(new, str)}
    if isinstance(services, str) or not isinstance(services, Sequence):
        raise ServiceRegisterError(f"The register must be a list of services, not {type(services).__name__}.")
    cleaned, problems = check_register(_renamed_dependencies(services, renamed))
    if problems:
        raise _register_error(problems)
    with write_transaction(db):
        organisation = get_organisation(db, organisation_id)
        stored = _service_names(db, organisation.id)
        wanted = {name_key(s.name) for s in cleaned}
        moves = {
            name_key(old): name_key(new)
            for old, new in renamed.items()
            if name_key(old) in stored and name_key(new) in wanted and name_key(old) != name_key(new)
        }
        # Each stored row under the name it takes now; a renamed row takes its new name from any row that had it.
        existing = {key: value for key, value in stored.items() if key not in moves}
        existing.update({new: stored[old] for old, new in moves.items()})
        kept = {existing[key][0] for key in wanted if key in existing}
        removed = {key: value for key, value in stored.items() if value[0] not in kept}
        refused = _still_used(db, organisation.id, removed)
        if refused:
            raise _register_error(refused)
        db.execute(
            "DELETE FROM service_providers WHERE service_id IN (SELECT id FROM services WHERE organisation_id = ?)",
            [organisation.id],
        )
        db.execute("DELETE FROM service_dependencies WHERE organisation_id = ?", [organisation.id])
        for service_id, _name in removed.values():
            db.execute("DELETE FROM services WHERE id = ?", [service_id])
        for old in moves:
            # Out of the way first, so two services swapping names never hold the same name at once.
            db.execute("UPDATE services SET name_key = ? WHERE id = ?", [f"#{stored[old][0]}", stored[old][0]])
        ids: dict[str, int] = {}
        for position, service in enumerate(cleaned):
            key = name_key(service.name)
            values = [
                position,
                service.name,
                service.owner,
                service.tier,
                service.mtpd_hours,
                service.rto_hours,
                service.rpo_hours,
                service.downtime_cost_per_hour,
                service.currency,
                None if service.bia_reviewed_on is None else service.bia_reviewed_on.isoformat(),
            ]
            if key in existing:
                ids[key] = existing[key][0]
                db.execute(
                    "UPDATE services SET position = ?, name = ?, owner = ?, tier = ?, mtpd_hours = ?, rto_hours = ?, "
                    "rpo_hours = ?, downtime_cost_per_hour = ?, currency = ?, bia_reviewed_on = ?, name_key = ? "
                    "WHERE id = ?",
                    [*values, key, ids[key]],
                )
            else:
                cursor = db.execute(
                    "INSERT INTO services (position, name, owner, tier, mtpd_hours, rto_hours, rpo_hours, "
                    "downtime_cost_per_hour, currency, bia_reviewed_on, organisation_id, name_key) "
                    "VALUES (?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?)",
                    [*values, organisation.id, key],
                )
                ids[key] = int(cursor.lastrowid)  # type: ignore[arg-type]
        for service in cleaned:
            service_id = ids[name_key(service.name)]
            for position, other in enumerate(service.depends_on):
                db.execute(
                    "INSERT INTO service_dependencies (service_id, depends_on_id, organisation_id, position) "
                    "VALUES (?, ?, ?, ?)",
                    [service_id, ids[name_key(other)], organisation.id, position],
                )
            for position, provider in enumerate(service.providers):
                db.execute(
                    "INSERT INTO service_providers (service_id, position, provider, provider_key) VALUES (?, ?, ?, ?)",
                    [service_id, position, provider, name_key(provider)],
                )
        return _load_services(db, organisation.id)


def _exercise_key(day: date, kind: str, title: str) -> tuple[str, str, str]:
    return day.isoformat(), kind, name_key(title)


def _with_keys(db: Database, organisation_id: int, exercises: Sequence[Exercise]) -> list[Exercise]:
    """Give every finding without an id one: the id of the stored finding it is, else a new one.

    A finding without an id is the stored finding of the same exercise (date, kind and title) with the
    same text, when one is left unclaimed (a file written before ids, or by hand); otherwise it is new.
    """
    claimed = {f.key for e in exercises for f in e.findings if f.key}
    stored: dict[tuple[tuple[str, str, str], str], list[str]] = {}
    for day, kind, title, text, key in db.execute(
        "SELECT e.day, e.kind, e.title, f.text, f.finding_key FROM exercise_findings f "
        "JOIN exercises e ON e.id = f.exercise_id WHERE e.organisation_id = ? ORDER BY e.position, f.position",
        [organisation_id],
    ).fetchall():
        if key not in claimed:
            stored.setdefault((_exercise_key(date.fromisoformat(day), kind, title), text), []).append(str(key))
    keyed: list[Exercise] = []
    for exercise in exercises:
        findings: list[Finding] = []
        for finding in exercise.findings:
            key = finding.key
            if not key:
                same = stored.get((_exercise_key(exercise.day, exercise.kind, exercise.title), finding.text), [])
                key = same.pop(0) if same else _new_key(claimed)
                claimed.add(key)
            findings.append(replace(finding, key=key))
        keyed.append(replace(exercise, findings=tuple(findings)))
    return keyed


def _new_key(taken: set[str]) -> str:
    while (key := secrets.token_hex(6)) in taken:
        continue
    return key


def save_log(db: Database, organisation_id: int, exercises: Sequence[Exercise]) -> tuple[Exercise, ...]:
    """Replace an organisation's exercise and incident log with `exercises`, all or nothing, and return it as saved.

    Every exercise is checked first (see check_log), against the register as stored when the
    write lock is held: each result must name a service of the organisation's register. Each finding
    keeps its id (see `_with_keys`), so a roadmap step made from it stays linked to it.
    """
    with write_transaction(db):
        organisation = get_organisation(db, organisation_id)
        existing = _service_names(db, organisation.id)
        checked, problems = check_log(exercises, [name for _id, name in existing.values()])
        if problems:
            raise _log_error(problems)
        cleaned = _with_keys(db, organisation.id, checked)
        db.execute(
            "DELETE FROM exercise_findings WHERE exercise_id IN (SELECT id FROM exercises WHERE organisation_id = ?)",
            [organisation.id],
        )
        db.execute("DELETE FROM exercise_results WHERE organisation_id = ?", [organisation.id])
        db.execute("DELETE FROM exercises WHERE organisation_id = ?", [organisation.id])
        for position, exercise in enumerate(cleaned):
            cursor = db.execute(
                "INSERT INTO exercises (organisation_id, position, day, kind, title, participants) "
                "VALUES (?, ?, ?, ?, ?, ?)",
                [
                    organisation.id,
                    position,
                    exercise.day.isoformat(),
                    exercise.kind,
                    exercise.title,
                    exercise.participants,
                ],
            )
            exercise_id = int(cursor.lastrowid)  # type: ignore[arg-type]
            for item, result in enumerate(exercise.results):
                db.execute(
                    "INSERT INTO exercise_results (exercise_id, service_id, organisation_id, position, recovery_hours, "
                    "data_loss_hours) VALUES (?, ?, ?, ?, ?, ?)",
                    [
                        exercise_id,
                        existing[name_key(result.service)][0],
                        organisation.id,
                        item,
                        result.recovery_hours,
                        result.data_loss_hours,
                    ],
                )
            for item, finding in enumerate(exercise.findings):
                db.execute(
                    "INSERT INTO exercise_findings (exercise_id, position, text, owner, due, status, finding_key) "
                    "VALUES (?, ?, ?, ?, ?, ?, ?)",
                    [
                        exercise_id,
                        item,
                        finding.text,
                        finding.owner,
                        None if finding.due is None else finding.due.isoformat(),
                        finding.status,
                        finding.key,
                    ],
                )
        return _load_exercises(db, organisation.id)
