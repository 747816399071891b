"""Workshops: a room of participants answering on their own devices, steered by a facilitator.

Two modes. Self-paced (the default, and what an assessment without a workshop row is): everyone
answers any question at their own pace while the facilitator watches progress. Facilitated: the
facilitator opens one question at a time; participants vote on it without seeing each other's
votes, the facilitator reveals them, may run another round (which clears the votes; the answer
history keeps every one) and closes the question, with an agreed answer and its rationale
(consensus) or without one.

Every step takes the write lock first (write_transaction), so two facilitators acting at once are
served one after the other and the second sees what the first did; the database itself holds at
most one open question per assessment (a partial unique index).
"""

from __future__ import annotations

from collections.abc import Sequence
from typing import Any, Final

from sqlite_utils import Database

from questionnaires.model import Questionnaire
from storage.answers import save_answer
from storage.assessments import get_assessment
from storage.choices import MAX_ACTOR
from storage.consensus import clear_consensus, set_consensus
from storage.errors import StorageError
from storage.records import (
    AnsweredCount,
    Assessment,
    Consensus,
    DomainProgress,
    ItemStatus,
    RespondentProgress,
    Workshop,
    WorkshopItem,
    WorkshopMode,
)
from storage.timestamps import now_text, to_datetime, to_optional_datetime
from storage.transactions import write_transaction
from storage.validation import check_choice, check_question, check_questionnaire_matches, clean_name


class WorkshopError(StorageError):
    """A workshop step that does not fit the workshop as it stands now; the message says what to do instead."""


WORKSHOP_MODES: Final[tuple[WorkshopMode, ...]] = ("self_paced", "facilitated")
DEFAULT_MODE: Final[WorkshopMode] = "self_paced"
ITEM_STATUSES: Final[tuple[ItemStatus, ...]] = ("open", "closed")
MODE_NAMES: Final[dict[WorkshopMode, str]] = {"self_paced": "self-paced", "facilitated": "facilitated"}

_ITEM_SELECT: Final = (
    "SELECT assessment_id, question_id, status, round, revealed, opened_by, opened_at, round_started_at, closed_at "
    "FROM workshop_items"
)


def _item(row: Sequence[Any]) -> WorkshopItem:
    assessment_id, question_id, status, round_number, revealed, opened_by, opened_at, started, closed_at = row
    return WorkshopItem(
        assessment_id=assessment_id,
        question_id=question_id,
        status=status,
        round=round_number,
        revealed=bool(revealed),
        opened_by=opened_by,
        opened_at=to_datetime(opened_at),
        round_started_at=to_datetime(started),
        closed_at=to_optional_datetime(closed_at),
    )


def _facilitator(by: object) -> str:
    return clean_name(by, field="Facilitator", max_length=MAX_ACTOR, error=WorkshopError)


def _find_item(db: Database, assessment_id: int, question_id: str) -> WorkshopItem | None:
    row = db.execute(
        _ITEM_SELECT + " WHERE assessment_id = ? AND question_id = ?", [assessment_id, question_id]
    ).fetchone()
    return None if row is None else _item(row)


def _current_item(db: Database, assessment_id: int) -> WorkshopItem | None:
    row = db.execute(_ITEM_SELECT + " WHERE assessment_id = ? AND status = 'open'", [assessment_id]).fetchone()
    return None if row is None else _item(row)


def get_workshop(db: Database, assessment_id: int) -> Workshop:
    """Return an assessment's workshop: its mode (self-paced when never chosen) and the open question, if any.

    The mode and the open question come from one query, so they are read as of the same moment
    (participants' pages ask every few seconds).
    """
    assessment = get_assessment(db, assessment_id)
    row = db.execute(
        "SELECT w.mode, w.set_by, w.updated_at, i.assessment_id, i.question_id, i.status, i.round, i.revealed, "
        "i.opened_by, i.opened_at, i.round_started_at, i.closed_at "
        "FROM (SELECT ? AS id) a LEFT JOIN workshops w ON w.assessment_id = a.id "
        "LEFT JOIN workshop_items i ON i.assessment_id = a.id AND i.status = 'open'",
        [assessment.id],
    ).fetchone()
    mode, set_by, updated_at, *item = row
    return Workshop(
        assessment_id=assessment.id,
        mode=DEFAULT_MODE if mode is None else mode,
        open_item=None if item[0] is None else _item(item),
        set_by=set_by or "",
        updated_at=to_optional_datetime(updated_at),
    )


def _start(db: Database, questionnaire: Questionnaire, assessment_id: int) -> Assessment:
    assessment = get_assessment(db, assessment_id)
    check_questionnaire_matches(assessment, questionnaire)
    return assessment


def set_mode(db: Database, assessment_id: int, mode: WorkshopMode, *, by: str) -> Workshop:
    """Choose how the room answers; the same mode again changes nothing.

    Going back to self-paced closes the open question (without an agreed answer): with nobody
    steering, participants answer every question again.
    """
    chosen = check_choice(mode, WORKSHOP_MODES, field="Workshop mode", error=WorkshopError)
    facilitator = _facilitator(by)
    with write_transaction(db):
        assessment = get_assessment(db, assessment_id)
        stored = db.execute("SELECT mode FROM workshops WHERE assessment_id = ?", [assessment.id]).fetchone()
        if stored is not None and stored[0] == chosen:
            return get_workshop(db, assessment.id)
        now = now_text()
        db.execute(
            "INSERT INTO workshops (assessment_id, mode, set_by, updated_at) VALUES (?, ?, ?, ?) "
            "ON CONFLICT (assessment_id) DO UPDATE SET mode = excluded.mode, set_by = excluded.set_by, "
            "updated_at = excluded.updated_at",
            [assessment.id, chosen, facilitator, now],
        )
        current = _current_item(db, assessment.id)
        if chosen == "self_paced" and current is not None:
            _updated(db, assessment.id, current.question_id, _CLOSED, [now])
        return get_workshop(db, assessment.id)


def _require_facilitated(db: Database, assessment: Assessment) -> None:
    if get_workshop(db, assessment.id).mode != "facilitated":
        raise WorkshopError(
            f"Assessment '{assessment.label}' is self-paced: participants answer every question at their own pace. "
            "Switch it to facilitated to put questions to the room one at a time."
        )


def _opening(
    db: Database, questionnaire: Questionnaire, assessment_id: int, question_id: str
) -> tuple[Assessment, WorkshopItem | None]:
    """Return the assessment and its open item (None or `question_id` itself), refusing what cannot be opened now."""
    assessment = _start(db, questionnaire, assessment_id)
    _require_facilitated(db, assessment)
    current = _current_item(db, assessment.id)
    if current is not None and current.question_id != question_id:
        raise WorkshopError(
            f"{current.question_id} is open (round {current.round}); close it before opening {question_id}, "
            "so the room votes on one question at a time."
        )
    return assessment, current


# What an item becomes when it closes (SET clause of _updated).
_CLOSED: Final = "status = 'closed', closed_at = ?"


def _updated(
    db: Database, assessment_id: int, question_id: str, assignments: str, values: list[object]
) -> WorkshopItem:
    """Apply `assignments` (a SET clause written in this module, never user text) to one item and return it."""
    db.execute(
        f"UPDATE workshop_items SET {assignments} WHERE assessment_id = ? AND question_id = ?",  # noqa: S608
        [*values, assessment_id, question_id],
    )
    item = _find_item(db, assessment_id, question_id)
    assert item is not None
    return item


def _clear_votes(db: Database, questionnaire: Questionnaire, assessment_id: int, question_id: str) -> int:
    """Clear every respondent's level or N/A for a question, keeping comments; the history keeps the votes."""
    rows = db.execute(
        "SELECT respondent_id, comment, evidence FROM answers "
        "WHERE assessment_id = ? AND question_id = ? AND (level IS NOT NULL OR na = 1)",
        [assessment_id, question_id],
    ).fetchall()
    for respondent_id, comment, evidence in rows:
        save_answer(db, questionnaire, assessment_id, respondent_id, question_id, None, False, comment, evidence)
    return len(rows)


def open_item(
    db: Database, questionnaire: Questionnaire, assessment_id: int, question_id: str, *, by: str
) -> WorkshopItem:
    """Put a question to the room (round 1, votes hidden) and return it; opening the open question again changes nothing.

    Answers given before (at the participants' own pace) count as round 1 votes. Refused while
    another question is open, for a question put to the room before (re-open it instead), and in
    self-paced mode.
    """
    question = check_question(questionnaire, question_id, error=WorkshopError)
    facilitator = _facilitator(by)
    with write_transaction(db):
        assessment, current = _opening(db, questionnaire, assessment_id, question.id)
        if current is not None:
            return current
        if _find_item(db, assessment.id, question.id) is not None:
            raise WorkshopError(
                f"{question.id} was put to the room already and is closed; re-open it to vote again "
                "(the votes so far stay in the answer history)."
            )
        now = now_text()
        db.execute(
            "INSERT INTO workshop_items (assessment_id, question_id, status, round, revealed, opened_by, opened_at, "
            "round_started_at, closed_at) VALUES (?, ?, 'open', 1, 0, ?, ?, ?, NULL)",
            [assessment.id, question.id, facilitator, now, now],
        )
        opened = _find_item(db, assessment.id, question.id)
        assert opened is not None
        return opened


def reopen_item(
    db: Database, questionnaire: Questionnaire, assessment_id: int, question_id: str, *, by: str
) -> WorkshopItem:
    """Put a closed question to the room again: a new round with hidden votes, its agreed answer removed.

    The respondents' levels and N/A for it are cleared through save_answer, so the answer history
    keeps every earlier vote; their comments stay. Re-opening the open question changes nothing.
    """
    question = check_question(questionnaire, question_id, error=WorkshopError)
    facilitator = _facilitator(by)
    with write_transaction(db):
        assessment, current = _opening(db, questionnaire, assessment_id, question.id)
        if current is not None:
            return current
        if _find_item(db, assessment.id, question.id) is None:
            raise WorkshopError(f"{question.id} has not been put to the room yet; open it instead of re-opening it.")
        _clear_votes(db, questionnaire, assessment.id, question.id)
        clear_consensus(db, assessment.id, question.id)
        now = now_text()
        return _updated(
            db,
            assessment.id,
            question.id,
            "status = 'open', round = round + 1, revealed = 0, opened_by = ?, opened_at = ?, round_started_at = ?, "
            "closed_at = NULL",
            [facilitator, now, now],
        )


def _the_open_item(db: Database, assessment: Assessment, question_id: object) -> WorkshopItem:
    """Return the open item when it is `question_id`; otherwise say what is open now (another facilitator may have moved on)."""
    current = _current_item(db, assessment.id)
    if current is None or current.question_id != question_id:
        now_open = "no question is open" if current is None else f"{current.question_id} is open now"
        raise WorkshopError(
            f"{question_id!r} is not the open question of assessment '{assessment.label}' ({now_open}); "
            "refresh the page to see where the workshop stands."
        )
    return current


def reveal(db: Database, assessment_id: int, question_id: str) -> WorkshopItem:
    """Show the room how the open question's votes fall; participants can no longer change theirs this round."""
    with write_transaction(db):
        assessment = get_assessment(db, assessment_id)
        item = _the_open_item(db, assessment, question_id)
        return item if item.revealed else _updated(db, assessment.id, item.question_id, "revealed = 1", [])


def next_round(db: Database, questionnaire: Questionnaire, assessment_id: int, question_id: str) -> WorkshopItem:
    """Vote again on the open question: its votes are cleared (the history keeps them) and hidden until revealed."""
    with write_transaction(db):
        assessment = _start(db, questionnaire, assessment_id)
        item = _the_open_item(db, assessment, question_id)
        _clear_votes(db, questionnaire, assessment.id, item.question_id)
        return _updated(
            db, assessment.id, item.question_id, "round = round + 1, revealed = 0, round_started_at = ?", [now_text()]
        )


def close_item(db: Database, assessment_id: int, question_id: str) -> WorkshopItem:
    """Close the open question without an agreed answer (the room moves on; a disagreement stays open)."""
    with write_transaction(db):
        assessment = get_assessment(db, assessment_id)
        item = _the_open_item(db, assessment, question_id)
        return _updated(db, assessment.id, item.question_id, _CLOSED, [now_text()])


def agree(
    db: Database,
    questionnaire: Questionnaire,
    assessment_id: int,
    question_id: str,
    level: int | None,
    *,
    na: bool = False,
    note: str = "",
    by: str,
) -> Consensus:
    """Record the room's agreed answer (a level or N/A) with its rationale, and close the question if it is open.

    The consensus is stored by storage.consensus (set_by = `by`), so it is the assessment's answer
    to the question whatever the respondents voted. Works in either mode.
    """
    with write_transaction(db):
        consensus = set_consensus(db, questionnaire, assessment_id, question_id, level, na=na, note=note, set_by=by)
        current = _current_item(db, consensus.assessment_id)
        if current is not None and current.question_id == consensus.question_id:
            _updated(db, consensus.assessment_id, consensus.question_id, _CLOSED, [now_text()])
        return consensus


def list_items(db: Database, assessment_id: int) -> tuple[WorkshopItem, ...]:
    """Return the questions put to the room, in the order they were first opened."""
    assessment = get_assessment(db, assessment_id)
    rows = db.execute(_ITEM_SELECT + " WHERE assessment_id = ? ORDER BY id", [assessment.id]).fetchall()
    return tuple(_item(row) for row in rows)


def progress(db: Database, questionnaire: Questionnaire, assessment_id: int) -> tuple[RespondentProgress, ...]:
    """Return each respondent's answered count per domain (N/A included), in the order they joined.

    Respondents who have answered nothing are listed with zeros. Only counts and times leave
    storage here, never a level: the facilitator's screen may be on the wall.
    """
    assessment = _start(db, questionnaire, assessment_id)
    domain_of = {question.id: question.domain for question in questionnaire.questions}
    totals: dict[str, int] = {domain.id: 0 for domain in questionnaire.domains}
    for domain_id in domain_of.values():
        totals[domain_id] = totals.get(domain_id, 0) + 1
    people = db.execute(
        "SELECT id, name FROM respondents WHERE assessment_id = ? ORDER BY id", [assessment.id]
    ).fetchall()
    counts: dict[int, dict[str, int]] = {respondent_id: {} for respondent_id, _ in people}
    latest: dict[int, str] = {}
    rows = db.execute(
        # A cleared answer keeps its row with neither a level nor N/A: it is not answered.
        "SELECT respondent_id, question_id, updated_at FROM answers "
        "WHERE assessment_id = ? AND (level IS NOT NULL OR na = 1)",
        [assessment.id],
    ).fetchall()
    for respondent_id, question_id, updated_at in rows:
        domain_id = domain_of.get(question_id)
        by_domain = counts.get(respondent_id)
        if domain_id is None or by_domain is None:
            continue
        by_domain[domain_id] = by_domain.get(domain_id, 0) + 1
        # Stored moments are UTC ISO text of one width, so they sort as text.
        if updated_at > latest.get(respondent_id, ""):
            latest[respondent_id] = updated_at
    return tuple(
        RespondentProgress(
            respondent_id=respondent_id,
            name=name,
            domains=tuple(
                DomainProgress(domain_id, counts[respondent_id].get(domain_id, 0), total)
                for domain_id, total in totals.items()
            ),
            last_answered_at=to_optional_datetime(latest.get(respondent_id)),
        )
        for respondent_id, name in people
    )


def answered_count(db: Database, assessment_id: int, question_id: str) -> AnsweredCount:
    """Return how many respondents have answered a question and who is still to, never what anyone answered.

    This is what the room sees while votes are hidden ("7 of 12 have voted").
    """
    rows = db.execute(
        "SELECT r.name, EXISTS (SELECT 1 FROM answers a WHERE a.assessment_id = r.assessment_id "
        "AND a.respondent_id = r.id AND a.question_id = ? AND (a.level IS NOT NULL OR a.na = 1)) "
        "FROM respondents r WHERE r.assessment_id = ? ORDER BY r.id",
        [question_id, assessment_id],
    ).fetchall()
    if not rows:
        get_assessment(db, assessment_id)  # a missing assessment is an error, not an empty room
    return AnsweredCount(
        question_id=question_id,
        answered=sum(1 for _, answered in rows if answered),
        respondents=len(rows),
        waiting=tuple(name for name, answered in rows if not answered),
    )
