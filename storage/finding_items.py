"""Findings of the exercise and incident log turned into roadmap steps of an assessment of the same organisation.

A step names its finding by the finding's id (storage.evidence keeps it across saves and imports of the
log), so editing the log leaves the link in place; a finding removed from the log leaves its step with
`finding` None, to be shown as such. One step per finding. Owner, due date and status start as the
finding's and are then the step's own, saved field by field like any roadmap item. The status runs one
way, from the step to the finding: a step planned, in progress or done sets its finding open, in
progress or closed; a dropped step leaves the finding as it is (dropping the plan does not fix it).

Steps travel with their assessment: an upgrade to a later questionnaire version moves them to the new
assessment (`move_finding_items`), and an assessment imported from a file puts them on its roadmap again
where the organisation's log still has their findings and no roadmap holds them (`link_finding_steps`).
"""

from __future__ import annotations

import re
from collections.abc import Sequence
from dataclasses import dataclass
from datetime import date, datetime
from typing import Any, Final

from sqlite_utils import Database

from evidence.model import EXERCISE_KINDS, FindingStatus
from storage.assessments import get_assessment
from storage.choices import MAX_ACTOR, MAX_FREE_TEXT, RoadmapStatus
from storage.errors import NotFoundError, RoadmapItemError, StorageError
from storage.evidence import FINDING_KEY
from storage.organisations import get_organisation
from storage.roadmap import UNCHANGED, Unchanged, checked_plan_fields
from storage.timestamps import now_text, to_datetime, to_optional_date
from storage.transactions import write_transaction
from storage.validation import check_id, check_visible_text, clean_name

# What a step's status makes of its finding's; a dropped step leaves the finding as it is.
FINDING_STATUS_OF: Final[dict[RoadmapStatus, FindingStatus]] = {
    "planned": "open",
    "in_progress": "in progress",
    "done": "closed",
}
# A finding still open or in progress may become a step; a closed one needs none.
_ITEM_STATUS_OF: Final[dict[FindingStatus, RoadmapStatus]] = {"open": "planned", "in progress": "in_progress"}

STEP_SHAPE: Final = "From exercise <YYYY-MM-DD> <kind>: <finding>"
"""How the text of a step made from a finding reads (LoggedFinding.step)."""
_STEP: Final = re.compile(
    r"From exercise ([0-9]{4}-[0-9]{2}-[0-9]{2}) (" + "|".join(re.escape(kind) for kind in EXERCISE_KINDS) + r"): (.*)",
    re.DOTALL,
)
# A finding is free text, which keeps its layout: tabs and line breaks are the control characters it may hold.
_LAYOUT: Final = frozenset("\t\n\r")
MAX_STEP: Final = len("From exercise 2026-03-31 : ") + max(len(kind) for kind in EXERCISE_KINDS) + MAX_FREE_TEXT
"""The longest text a step made from a finding can have: the prefix and the longest finding."""


@dataclass(frozen=True)
class LoggedFinding:
    """A finding as the log holds it now, with its exercise, and the assessment whose roadmap has it (if any)."""

    key: str
    day: date
    kind: str
    exercise: str  # the exercise's title
    text: str
    owner: str
    due: date | None
    status: FindingStatus
    planned_in: int | None  # the id of the assessment whose roadmap holds it

    @property
    def step(self) -> str:
        """The roadmap step it makes: 'From exercise <date> <kind>: <finding>'."""
        return f"From exercise {self.day:%Y-%m-%d} {self.kind}: {self.text}"


@dataclass(frozen=True)
class FindingItem:
    """A roadmap step made from a finding: the step's owner, due date and status, and the finding as it is now."""

    id: int
    assessment_id: int
    finding_key: str
    step: str  # as the finding read when it was planned
    owner: str
    due_date: date | None
    status: RoadmapStatus
    updated_at: datetime
    finding: LoggedFinding | None  # None: the finding is no longer in the log

    @property
    def text(self) -> str:
        """The step as the finding reads now, or as it read when planned if the finding has left the log."""
        return self.step if self.finding is None else self.finding.step


_FINDINGS = (
    "SELECT f.finding_key, e.day, e.kind, e.title, f.text, f.owner, f.due, f.status, i.assessment_id "
    "FROM exercise_findings f JOIN exercises e ON e.id = f.exercise_id "
    "LEFT JOIN finding_roadmap_items i ON i.organisation_id = e.organisation_id AND i.finding_key = f.finding_key "
    "WHERE e.organisation_id = ?"
)
_ITEMS = (
    "SELECT id, assessment_id, organisation_id, finding_key, step, owner, due_date, status, updated_at "
    "FROM finding_roadmap_items"
)


def _finding(row: tuple[Any, ...]) -> LoggedFinding:
    key, day, kind, title, text, owner, due, status, planned_in = row
    return LoggedFinding(
        key=str(key),
        day=date.fromisoformat(day),
        kind=str(kind),
        exercise=str(title),
        text=str(text),
        owner=str(owner),
        due=to_optional_date(due),
        status=status,
        planned_in=None if planned_in is None else int(planned_in),
    )


def list_findings(db: Database, organisation_id: int) -> tuple[LoggedFinding, ...]:
    """Return every finding of an organisation's log in the log's order, each with where it is planned."""
    organisation = get_organisation(db, organisation_id)
    rows = db.execute(_FINDINGS + " ORDER BY e.position, f.position", [organisation.id]).fetchall()
    return tuple(_finding(row) for row in rows)


def _logged(db: Database, organisation_id: int, key: str) -> LoggedFinding | None:
    row = db.execute(_FINDINGS + " AND f.finding_key = ?", [organisation_id, key]).fetchone()
    return None if row is None else _finding(row)


def _item(db: Database, row: dict[str, Any]) -> FindingItem:
    return FindingItem(
        id=row["id"],
        assessment_id=row["assessment_id"],
        finding_key=row["finding_key"],
        step=row["step"],
        owner=row["owner"],
        due_date=to_optional_date(row["due_date"]),
        status=row["status"],
        updated_at=to_datetime(row["updated_at"]),
        finding=_logged(db, row["organisation_id"], row["finding_key"]),
    )


def list_finding_items(db: Database, assessment_id: int) -> tuple[FindingItem, ...]:
    """Return the steps made from findings on an assessment's roadmap, in the order they were planned."""
    assessment = get_assessment(db, assessment_id)
    rows = db.query(_ITEMS + " WHERE assessment_id = ? ORDER BY id", [assessment.id])
    return tuple(_item(db, row) for row in rows)


def plan_finding(db: Database, assessment_id: int, finding_key: object, *, by: str) -> FindingItem:
    """Turn a finding of the assessment's organisation's log into a step of the assessment's roadmap.

    The finding is looked up in the log of the assessment's own organisation only, so an id from
    another organisation's log is not found. A finding already planned, or closed, is refused.
    """
    actor = clean_name(by, field="Planned by", max_length=MAX_ACTOR, error=RoadmapItemError)
    if not isinstance(finding_key, str) or not finding_key.strip():
        raise RoadmapItemError("Choose a finding of the log to plan; none was given.")
    with write_transaction(db):
        assessment = get_assessment(db, assessment_id)
        organisation = get_organisation(db, assessment.organisation_id)
        finding = _logged(db, organisation.id, finding_key.strip())
        if finding is None:
            raise RoadmapItemError(
                f"No finding with id {finding_key.strip()[:60]!r} in the exercise and incident log of "
                f"{organisation.name}; choose one of its findings on the Evidence page."
            )
        if finding.planned_in is not None:
            where = get_assessment(db, finding.planned_in)
            raise RoadmapItemError(
                f"This finding is already a step of the roadmap of {where.label}; edit it on that Roadmap page."
            )
        if finding.status not in _ITEM_STATUS_OF:
            raise RoadmapItemError("This finding is closed, so it needs no roadmap step; reopen it in the log first.")
        now = now_text()
        cursor = db.execute(
            "INSERT INTO finding_roadmap_items (organisation_id, assessment_id, finding_key, step, owner, due_date, "
            "status, created_by, created_at, updated_at) VALUES (?, ?, ?, ?, ?, ?, ?, ?, ?, ?)",
            [
                organisation.id,
                assessment.id,
                finding.key,
                finding.step,
                finding.owner,
                None if finding.due is None else finding.due.isoformat(),
                _ITEM_STATUS_OF[finding.status],
                actor,
                now,
                now,
            ],
        )
        return _item(db, next(iter(db.query(_ITEMS + " WHERE id = ?", [int(cursor.lastrowid)]))))  # type: ignore[arg-type]


def save_finding_item(
    db: Database,
    assessment_id: int,
    item_id: int,
    *,
    owner: str | Unchanged = UNCHANGED,
    due_date: date | str | Unchanged | None = UNCHANGED,
    status: RoadmapStatus | Unchanged = UNCHANGED,
) -> FindingItem:
    """Save the fields given of a step made from a finding; the others keep what is stored (no lost updates).

    The step must be on this assessment's roadmap. A new status is written to the finding too, when it
    is still in the log (see FINDING_STATUS_OF).
    """
    check_id(item_id, what="roadmap step")
    clean_owner, due = checked_plan_fields(owner, due_date, status)
    with write_transaction(db):
        assessment = get_assessment(db, assessment_id)
        rows = list(db.query(_ITEMS + " WHERE id = ? AND assessment_id = ?", [item_id, assessment.id]))
        if not rows:
            raise NotFoundError(
                f"No roadmap step {item_id} made from a finding on the roadmap of {assessment.label}; "
                "reload the Roadmap page."
            )
        row = rows[0]
        changes: dict[str, object] = {}
        if clean_owner is not UNCHANGED and clean_owner != row["owner"]:
            changes["owner"] = clean_owner
        if due is not UNCHANGED and to_optional_date(row["due_date"]) != due:
            changes["due_date"] = None if due is None else due.isoformat()  # type: ignore[union-attr]
        if status is not UNCHANGED and status != row["status"]:
            changes["status"] = status
        if changes:
            columns = ", ".join(f"{column} = ?" for column in changes)
            db.execute(
                f"UPDATE finding_roadmap_items SET {columns}, updated_at = ? WHERE id = ?",  # noqa: S608
                [*changes.values(), now_text(), row["id"]],
            )
        if "status" in changes and status in FINDING_STATUS_OF:
            db.execute(
                "UPDATE exercise_findings SET status = ? WHERE finding_key = ? "
                "AND exercise_id IN (SELECT id FROM exercises WHERE organisation_id = ?)",
                [FINDING_STATUS_OF[status], row["finding_key"], row["organisation_id"]],  # type: ignore[index]
            )
        return _item(db, next(iter(db.query(_ITEMS + " WHERE id = ?", [row["id"]]))))


def check_step_text(value: object, *, field: str, error: type[StorageError]) -> str:
    """Return the text of a step made from a finding after checking it reads as a finding makes it (STEP_SHAPE)."""
    if not isinstance(value, str):
        raise error(f"{field} must be text, not {type(value).__name__}.")
    if len(value) > MAX_STEP:
        raise error(f"{field} is {len(value)} characters long; a step made from a finding has at most {MAX_STEP}.")
    match = _STEP.fullmatch(value)
    if match is None:
        raise error(
            f"{field} does not read '{STEP_SHAPE}' as a step made from a finding does (kinds: "
            f"{', '.join(EXERCISE_KINDS)}); write it that way or export the assessment again."
        )
    try:
        date.fromisoformat(match[1])
    except ValueError:
        raise error(
            f"{field} gives {match[1]} as the exercise's date, which is not a date such as 2026-03-31."
        ) from None
    finding = match[3]
    if len(finding) > MAX_FREE_TEXT:
        raise error(f"{field} holds a finding {len(finding)} characters long; a finding has at most {MAX_FREE_TEXT}.")
    check_visible_text(value, field=field, error=error, allowed=_LAYOUT)
    if not finding.strip():
        raise error(f"{field} names no finding after '{match[1]} {match[2]}:'; add the finding's text.")
    return value


def move_finding_items(db: Database, from_assessment_id: int, to_assessment_id: int) -> tuple[FindingItem, ...]:
    """Move every step made from a finding from one assessment's roadmap to another's; return them as moved.

    Both assessments must be of the same organisation. A step keeps its owner, due date, status and
    when those were last saved: only the roadmap that holds it changes (a finding is a step of one
    roadmap only). Runs in one transaction, a savepoint of the caller's when one is open.
    """
    with write_transaction(db):
        source = get_assessment(db, from_assessment_id)
        target = get_assessment(db, to_assessment_id)
        if source.organisation_id != target.organisation_id:
            raise RoadmapItemError(
                f"{source.label} and {target.label} are assessments of different organisations; steps made from "
                "findings stay with their organisation."
            )
        moved = {
            int(row[0])
            for row in db.execute(
                "SELECT id FROM finding_roadmap_items WHERE assessment_id = ?", [source.id]
            ).fetchall()
        }
        db.execute("UPDATE finding_roadmap_items SET assessment_id = ? WHERE assessment_id = ?", [target.id, source.id])
        rows = db.query(_ITEMS + " WHERE assessment_id = ? ORDER BY id", [target.id])
        return tuple(_item(db, row) for row in rows if row["id"] in moved)


@dataclass(frozen=True)
class FindingStepContent:
    """A step made from a finding as a file carries it: the finding's id, the step's text, owner, due date, status."""

    finding_key: str
    step: str
    owner: str = ""
    due_date: date | None = None
    status: RoadmapStatus = "planned"


@dataclass(frozen=True)
class UnlinkedFindingStep:
    """A step made from a finding that was not put on the roadmap, and why."""

    content: FindingStepContent
    reason: str


@dataclass(frozen=True)
class LinkedFindingSteps:
    """What `link_finding_steps` did: the steps now on the roadmap, and those left out with why."""

    linked: tuple[FindingStepContent, ...]
    not_linked: tuple[UnlinkedFindingStep, ...]


def check_finding_steps(steps: Sequence[FindingStepContent]) -> tuple[FindingStepContent, ...]:
    """Check every value of `steps` as planning and saving a step would, reading no database; return them as stored.

    Raises RoadmapItemError on the first fault, and when two steps name the same finding (a finding
    is a step of one roadmap only).
    """
    checked: dict[str, FindingStepContent] = {}
    for number, step in enumerate(steps, start=1):
        where = f"Step {number} made from a finding"
        key = step.finding_key
        if not isinstance(key, str) or not FINDING_KEY.fullmatch(key):
            raise RoadmapItemError(
                f"{where}: finding id {str(key)[:60]!r} is not an id; use up to 40 letters, digits, - and _."
            )
        if key in checked:
            raise RoadmapItemError(f"{where}: finding {key} is already a step; a finding is a step once only.")
        text = check_step_text(step.step, field=f"{where}: the step", error=RoadmapItemError)
        try:
            owner, due = checked_plan_fields(step.owner, step.due_date, step.status)
        except RoadmapItemError as error:
            raise RoadmapItemError(f"{where}: {error}") from None
        checked[key] = FindingStepContent(key, text, owner, due, step.status)  # type: ignore[arg-type]
    return tuple(checked.values())


def link_finding_steps(
    db: Database, assessment_id: int, steps: Sequence[FindingStepContent], *, by: str
) -> LinkedFindingSteps:
    """Put steps made from findings on an assessment's roadmap again, each where its finding allows; say why not.

    A step is linked when the log of the assessment's organisation has a finding with its id that no
    roadmap holds yet; it keeps its text, owner, due date and status, and the finding is left as the log
    has it. Any other step is left out with the reason. Checks `steps` first (see check_finding_steps);
    runs in one transaction, a savepoint of the caller's when one is open.
    """
    actor = clean_name(by, field="Planned by", max_length=MAX_ACTOR, error=RoadmapItemError)
    checked = check_finding_steps(steps)
    with write_transaction(db):
        assessment = get_assessment(db, assessment_id)
        organisation = get_organisation(db, assessment.organisation_id)
        logged = {finding.key: finding for finding in list_findings(db, organisation.id)}
        labels: dict[int, str] = {}
        linked: list[FindingStepContent] = []
        not_linked: list[UnlinkedFindingStep] = []
        for step in checked:
            finding = logged.get(step.finding_key)
            if finding is None:
                reason = (
                    f"the exercise and incident log of {organisation.name} has no findings"
                    if not logged
                    else f"the exercise and incident log of {organisation.name} has no finding with its id"
                )
                not_linked.append(UnlinkedFindingStep(step, reason))
            elif finding.planned_in is not None:
                if finding.planned_in not in labels:
                    labels[finding.planned_in] = get_assessment(db, finding.planned_in).label
                not_linked.append(
                    UnlinkedFindingStep(
                        step, f"its finding is already a step of the roadmap of {labels[finding.planned_in]}"
                    )
                )
            else:
                linked.append(step)
        now = now_text()
        db.conn.executemany(
            "INSERT INTO finding_roadmap_items (organisation_id, assessment_id, finding_key, step, owner, due_date, "
            "status, created_by, created_at, updated_at) VALUES (?, ?, ?, ?, ?, ?, ?, ?, ?, ?)",
            [
                (
                    organisation.id,
                    assessment.id,
                    step.finding_key,
                    step.step,
                    step.owner,
                    None if step.due_date is None else step.due_date.isoformat(),
                    step.status,
                    actor,
                    now,
                    now,
                )
                for step in linked
            ],
        )
    return LinkedFindingSteps(linked=tuple(linked), not_linked=tuple(not_linked))
