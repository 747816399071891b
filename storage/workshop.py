"""Workshops: a room of participants answering on their own devices, steered by a facilitator.

Two modes, chosen for the assessment and, where a domain needs another, per domain. Self-paced (the
default, and what an assessment without a workshop row is): everyone answers any of the domain's
questions at their own pace while the facilitator watches progress. Facilitated: the facilitator puts
to the room one question at a time, or a whole domain at once; participants vote without seeing each
other's votes, the facilitator reveals them, may run another round (which clears the votes; the
answer history keeps every one) and closes the question or domain, with agreed answers and their
rationale (consensus) or without.

Every step takes the write lock first (write_transaction), so two facilitators acting at once are
served one after the other and the second sees what the first did; the database itself holds at
most one open thing per assessment, a question or a domain (partial unique indexes and triggers).
"""

from __future__ import annotations

from collections.abc import Iterator, Sequence
from contextlib import contextmanager
from typing import Any, Final

from sqlite_utils import Database

from questionnaires.model import Domain, Question, Questionnaire
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
    QuestionRound,
    RespondentProgress,
    Workshop,
    WorkshopDomainItem,
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


_DOMAIN_SELECT: Final = (
    "SELECT assessment_id, domain_id, status, round, revealed, opened_by, opened_at, round_started_at, closed_at "
    "FROM workshop_domains"
)


def _revotes(db: Database, assessment_id: int, domain_id: str) -> tuple[QuestionRound, ...]:
    rows = db.execute(
        "SELECT question_id, round, revealed, round_started_at FROM workshop_domain_rounds "
        "WHERE assessment_id = ? AND domain_id = ? ORDER BY question_id",
        [assessment_id, domain_id],
    ).fetchall()
    return tuple(
        QuestionRound(question_id=question_id, round=number, revealed=bool(revealed), round_started_at=to_datetime(at))
        for question_id, number, revealed, at in rows
    )


def _domain_item(db: Database, row: Sequence[Any]) -> WorkshopDomainItem:
    assessment_id, domain_id, status, round_number, revealed, opened_by, opened_at, started, closed_at = row
    return WorkshopDomainItem(
        assessment_id=assessment_id,
        domain_id=domain_id,
        status=status,
        round=round_number,
        revealed=bool(revealed),
        opened_by=opened_by,
        opened_at=to_datetime(opened_at),
        round_started_at=to_datetime(started),
        closed_at=to_optional_datetime(closed_at),
        # Another round of one question exists only while its domain is open.
        revotes=_revotes(db, assessment_id, domain_id) if status == "open" else (),
    )


def _find_domain(db: Database, assessment_id: int, domain_id: str) -> WorkshopDomainItem | None:
    row = db.execute(
        _DOMAIN_SELECT + " WHERE assessment_id = ? AND domain_id = ?", [assessment_id, domain_id]
    ).fetchone()
    return None if row is None else _domain_item(db, row)


def _current_domain(db: Database, assessment_id: int) -> WorkshopDomainItem | None:
    row = db.execute(_DOMAIN_SELECT + " WHERE assessment_id = ? AND status = 'open'", [assessment_id]).fetchone()
    return None if row is None else _domain_item(db, row)


@contextmanager
def _snapshot(db: Database) -> Iterator[None]:
    """Run the block's reads in one read transaction, so they see the database as of one moment.

    Inside a transaction already open (a write step reading back what it did), the block just runs.
    """
    conn = db.conn
    if conn.in_transaction:
        yield
        return
    conn.execute("BEGIN")
    try:
        yield
    finally:
        if conn.in_transaction:
            conn.execute("COMMIT")


def get_workshop(db: Database, assessment_id: int) -> Workshop:
    """Return an assessment's workshop: its mode (self-paced when never chosen), the domains' own modes, what is open.

    Everything is read in one read transaction, so the modes and what is open are as of the same
    moment (participants' pages ask every few seconds).
    """
    assessment = get_assessment(db, assessment_id)
    with _snapshot(db):
        row = db.execute(
            "SELECT w.mode, w.set_by, w.updated_at, i.assessment_id, i.question_id, i.status, i.round, i.revealed, "
            "i.opened_by, i.opened_at, i.round_started_at, i.closed_at "
            "FROM (SELECT ? AS id) a LEFT JOIN workshops w ON w.assessment_id = a.id "
            "LEFT JOIN workshop_items i ON i.assessment_id = a.id AND i.status = 'open'",
            [assessment.id],
        ).fetchone()
        domain_modes: dict[str, WorkshopMode] = dict(
            db.execute(
                "SELECT domain_id, mode FROM workshop_domain_modes WHERE assessment_id = ? ORDER BY domain_id",
                [assessment.id],
            ).fetchall()
        )
        open_domain = _current_domain(db, assessment.id)
    mode, set_by, updated_at, *item = row
    return Workshop(
        assessment_id=assessment.id,
        mode=DEFAULT_MODE if mode is None else mode,
        open_item=None if item[0] is None else _item(item),
        set_by=set_by or "",
        updated_at=to_optional_datetime(updated_at),
        domain_modes=domain_modes,
        open_domain=open_domain,
    )


def list_domain_items(db: Database, assessment_id: int) -> tuple[WorkshopDomainItem, ...]:
    """Return the domains put to the room whole, in the order they were first opened."""
    assessment = get_assessment(db, assessment_id)
    with _snapshot(db):
        rows = db.execute(_DOMAIN_SELECT + " WHERE assessment_id = ? ORDER BY id", [assessment.id]).fetchall()
        return tuple(_domain_item(db, row) for row in rows)


def _start(db: Database, questionnaire: Questionnaire, assessment_id: int) -> Assessment:
    assessment = get_assessment(db, assessment_id)
    check_questionnaire_matches(assessment, questionnaire)
    return assessment


def _check_domain(questionnaire: Questionnaire, domain_id: object) -> Domain:
    """Return the domain with this id, or raise naming the questionnaire it is missing from."""
    for domain in questionnaire.domains:
        if domain.id == domain_id:
            return domain
    raise WorkshopError(
        f"Domain {domain_id!r} is not in questionnaire '{questionnaire.id}' version {questionnaire.version}; "
        f"use one of its domain ids: {', '.join(domain.id for domain in questionnaire.domains)}."
    )


def _close_what_turned_self_paced(db: Database, questionnaire: Questionnaire | None, assessment_id: int) -> None:
    """Close the open question or domain when its domain is now answered at the participants' own pace.

    With nobody steering, participants answer those questions again at once. Without the
    questionnaire the open question's domain is unknown: it closes when the assessment is self-paced.
    """
    workshop = get_workshop(db, assessment_id)
    now = now_text()
    item = workshop.open_item
    if item is not None:
        question = None if questionnaire is None else questionnaire.find_question(item.question_id)
        mode = workshop.mode if question is None else workshop.mode_of(question.domain)
        if mode == "self_paced":
            _updated(db, assessment_id, item.question_id, _CLOSED, [now])
    opened = workshop.open_domain
    if opened is not None and workshop.mode_of(opened.domain_id) == "self_paced":
        _close_domain(db, assessment_id, opened.domain_id, now)


def set_mode(
    db: Database,
    assessment_id: int,
    mode: WorkshopMode,
    *,
    by: str,
    questionnaire: Questionnaire | None = None,
) -> Workshop:
    """Choose how the room answers the assessment's domains (those without a way of their own); the same mode again changes nothing.

    Going back to self-paced closes the open question or domain (without an agreed answer) when its
    domain follows the assessment: with nobody steering, participants answer every question again.
    Give the questionnaire so that a question of a domain facilitated on its own stays open.
    """
    chosen = check_choice(mode, WORKSHOP_MODES, field="Workshop mode", error=WorkshopError)
    facilitator = _facilitator(by)
    with write_transaction(db):
        assessment = get_assessment(db, assessment_id)
        if questionnaire is not None:
            check_questionnaire_matches(assessment, questionnaire)
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
        _close_what_turned_self_paced(db, questionnaire, assessment.id)
        return get_workshop(db, assessment.id)


def set_domain_mode(
    db: Database,
    questionnaire: Questionnaire,
    assessment_id: int,
    domain_id: str,
    mode: WorkshopMode | None,
    *,
    by: str,
) -> Workshop:
    """Give one domain a way of answering of its own, or (None) let it follow the assessment's way again.

    A domain that becomes self-paced has its open question or the domain itself closed (without an
    agreed answer), as the assessment's switch to self-paced does. The same choice again changes nothing.
    """
    domain = _check_domain(questionnaire, domain_id)
    chosen = None if mode is None else check_choice(mode, WORKSHOP_MODES, field="Domain mode", error=WorkshopError)
    facilitator = _facilitator(by)
    with write_transaction(db):
        assessment = _start(db, questionnaire, assessment_id)
        stored = db.execute(
            "SELECT mode FROM workshop_domain_modes WHERE assessment_id = ? AND domain_id = ?",
            [assessment.id, domain.id],
        ).fetchone()
        if (None if stored is None else stored[0]) == chosen:
            return get_workshop(db, assessment.id)
        if chosen is None:
            db.execute(
                "DELETE FROM workshop_domain_modes WHERE assessment_id = ? AND domain_id = ?",
                [assessment.id, domain.id],
            )
        else:
            db.execute(
                "INSERT INTO workshop_domain_modes (assessment_id, domain_id, mode, set_by, updated_at) "
                "VALUES (?, ?, ?, ?, ?) ON CONFLICT (assessment_id, domain_id) DO UPDATE SET mode = excluded.mode, "
                "set_by = excluded.set_by, updated_at = excluded.updated_at",
                [assessment.id, domain.id, chosen, facilitator, now_text()],
            )
        _close_what_turned_self_paced(db, questionnaire, assessment.id)
        return get_workshop(db, assessment.id)


def _require_facilitated(db: Database, assessment: Assessment, domain: Domain) -> None:
    workshop = get_workshop(db, assessment.id)
    if workshop.mode_of(domain.id) == "facilitated":
        return
    if domain.id in workshop.domain_modes:
        raise WorkshopError(
            f"Domain '{domain.name}' ({domain.id}) of assessment '{assessment.label}' is self-paced: participants "
            "answer its questions at their own pace. Switch the domain to facilitated to put them to the room."
        )
    raise WorkshopError(
        f"Assessment '{assessment.label}' is self-paced: participants answer every question at their own pace. "
        "Switch it to facilitated to put questions to the room one at a time."
    )


def _refuse_beside_open_domain(db: Database, assessment: Assessment, opening: str) -> None:
    opened = _current_domain(db, assessment.id)
    if opened is not None:
        raise WorkshopError(
            f"Domain {opened.domain_id} is open (round {opened.round}); close it before opening {opening}, "
            "so the room answers one question or one domain at a time."
        )


def _opening(
    db: Database, questionnaire: Questionnaire, assessment_id: int, question: Question
) -> tuple[Assessment, WorkshopItem | None]:
    """Return the assessment and its open item (None or `question` itself), refusing what cannot be opened now."""
    assessment = _start(db, questionnaire, assessment_id)
    _require_facilitated(db, assessment, questionnaire.domain(question.domain))
    current = _current_item(db, assessment.id)
    if current is not None and current.question_id != question.id:
        raise WorkshopError(
            f"{current.question_id} is open (round {current.round}); close it before opening {question.id}, "
            "so the room votes on one question at a time."
        )
    _refuse_beside_open_domain(db, assessment, question.id)
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
        assessment, current = _opening(db, questionnaire, assessment_id, question)
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
        assessment, current = _opening(db, questionnaire, assessment_id, question)
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


# Domains put to the room whole


def _close_domain(db: Database, assessment_id: int, domain_id: str, now: str) -> None:
    db.execute(
        "UPDATE workshop_domains SET status = 'closed', closed_at = ? WHERE assessment_id = ? AND domain_id = ?",
        [now, assessment_id, domain_id],
    )
    db.execute(
        "DELETE FROM workshop_domain_rounds WHERE assessment_id = ? AND domain_id = ?", [assessment_id, domain_id]
    )


def _domain_now(db: Database, assessment_id: int, domain_id: str) -> WorkshopDomainItem:
    item = _find_domain(db, assessment_id, domain_id)
    assert item is not None
    return item


def _opening_domain(
    db: Database, questionnaire: Questionnaire, assessment_id: int, domain: Domain
) -> tuple[Assessment, WorkshopDomainItem | None]:
    """Return the assessment and its open domain (None or `domain` itself), refusing what cannot be opened now."""
    assessment = _start(db, questionnaire, assessment_id)
    _require_facilitated(db, assessment, domain)
    current = _current_item(db, assessment.id)
    if current is not None:
        raise WorkshopError(
            f"{current.question_id} is open (round {current.round}); close it before opening domain {domain.id}, "
            "so the room answers one question or one domain at a time."
        )
    opened = _current_domain(db, assessment.id)
    if opened is not None and opened.domain_id != domain.id:
        raise WorkshopError(
            f"Domain {opened.domain_id} is open (round {opened.round}); close it before opening domain {domain.id}, "
            "so the room answers one domain at a time."
        )
    return assessment, opened


def open_domain(
    db: Database, questionnaire: Questionnaire, assessment_id: int, domain_id: str, *, by: str
) -> WorkshopDomainItem:
    """Put a whole domain to the room (round 1, votes hidden) and return it; opening the open domain again changes nothing.

    Every participant answers all its questions; nobody sees a vote until the facilitator reveals
    the domain. Answers given before count as round 1 votes. Refused while a question or another
    domain is open, for a domain put to the room before (re-open it instead), and when the domain
    is self-paced.
    """
    domain = _check_domain(questionnaire, domain_id)
    facilitator = _facilitator(by)
    with write_transaction(db):
        assessment, current = _opening_domain(db, questionnaire, assessment_id, domain)
        if current is not None:
            return current
        if _find_domain(db, assessment.id, domain.id) is not None:
            raise WorkshopError(
                f"Domain {domain.id} was put to the room already and is closed; re-open it to vote on it again "
                "(the votes so far stay in the answer history)."
            )
        now = now_text()
        db.execute(
            "INSERT INTO workshop_domains (assessment_id, domain_id, status, round, revealed, opened_by, opened_at, "
            "round_started_at, closed_at) VALUES (?, ?, 'open', 1, 0, ?, ?, ?, NULL)",
            [assessment.id, domain.id, facilitator, now, now],
        )
        return _domain_now(db, assessment.id, domain.id)


def reopen_domain(
    db: Database, questionnaire: Questionnaire, assessment_id: int, domain_id: str, *, by: str
) -> WorkshopDomainItem:
    """Put a closed domain to the room again: a new round with hidden votes on all its questions, their agreed answers removed.

    The respondents' levels and N/A for its questions are cleared through save_answer, so the answer
    history keeps every earlier vote; their comments stay. Re-opening the open domain changes nothing.
    """
    domain = _check_domain(questionnaire, domain_id)
    facilitator = _facilitator(by)
    with write_transaction(db):
        assessment, current = _opening_domain(db, questionnaire, assessment_id, domain)
        if current is not None:
            return current
        if _find_domain(db, assessment.id, domain.id) is None:
            raise WorkshopError(
                f"Domain {domain.id} has not been put to the room yet; open it instead of re-opening it."
            )
        for question in questionnaire.questions_in(domain.id):
            _clear_votes(db, questionnaire, assessment.id, question.id)
            clear_consensus(db, assessment.id, question.id)
        db.execute(
            "DELETE FROM workshop_domain_rounds WHERE assessment_id = ? AND domain_id = ?", [assessment.id, domain.id]
        )
        now = now_text()
        db.execute(
            "UPDATE workshop_domains SET status = 'open', round = round + 1, revealed = 0, opened_by = ?, "
            "opened_at = ?, round_started_at = ?, closed_at = NULL WHERE assessment_id = ? AND domain_id = ?",
            [facilitator, now, now, assessment.id, domain.id],
        )
        return _domain_now(db, assessment.id, domain.id)


def _the_open_domain(db: Database, assessment: Assessment, domain_id: object) -> WorkshopDomainItem:
    """Return the open domain when it is `domain_id`; otherwise say what is open now (another facilitator may have moved on)."""
    opened = _current_domain(db, assessment.id)
    if opened is None or opened.domain_id != domain_id:
        current = _current_item(db, assessment.id)
        if opened is not None:
            now_open = f"domain {opened.domain_id} is open now"
        elif current is not None:
            now_open = f"question {current.question_id} is open now"
        else:
            now_open = "nothing is open"
        raise WorkshopError(
            f"Domain {domain_id!r} is not open in assessment '{assessment.label}' ({now_open}); "
            "refresh the page to see where the workshop stands."
        )
    return opened


def reveal_domain(db: Database, assessment_id: int, domain_id: str) -> WorkshopDomainItem:
    """Show the room how the votes fall on every question of the open domain (a question voting again included).

    Participants can no longer change their answers to the domain's questions; revealing again changes nothing.
    """
    with write_transaction(db):
        assessment = get_assessment(db, assessment_id)
        opened = _the_open_domain(db, assessment, domain_id)
        db.execute(
            "UPDATE workshop_domains SET revealed = 1 WHERE assessment_id = ? AND domain_id = ? AND revealed = 0",
            [assessment.id, opened.domain_id],
        )
        db.execute(
            "UPDATE workshop_domain_rounds SET revealed = 1 WHERE assessment_id = ? AND domain_id = ? AND revealed = 0",
            [assessment.id, opened.domain_id],
        )
        return _domain_now(db, assessment.id, opened.domain_id)


def next_round_in_domain(
    db: Database, questionnaire: Questionnaire, assessment_id: int, question_id: str
) -> WorkshopDomainItem:
    """Vote again on one question of the open domain once its votes are revealed; the rest of the domain stays as it is.

    The question's votes are cleared (the history keeps them) and so is its agreed answer, if the room
    agreed one; its new votes are hidden until the facilitator reveals the domain again.
    """
    question = check_question(questionnaire, question_id, error=WorkshopError)
    with write_transaction(db):
        assessment = _start(db, questionnaire, assessment_id)
        opened = _the_open_domain(db, assessment, question.domain)
        if not opened.revealed_for(question.id):
            raise WorkshopError(
                f"The votes on {question.id} (round {opened.round_of(question.id)}) are still hidden; reveal the "
                f"domain {opened.domain_id} first, so the room sees them before voting again."
            )
        _clear_votes(db, questionnaire, assessment.id, question.id)
        clear_consensus(db, assessment.id, question.id)
        db.execute(
            "INSERT INTO workshop_domain_rounds (assessment_id, domain_id, question_id, round, revealed, "
            "round_started_at) VALUES (?, ?, ?, ?, 0, ?) ON CONFLICT (assessment_id, question_id) DO UPDATE SET "
            "round = excluded.round, revealed = 0, round_started_at = excluded.round_started_at",
            [assessment.id, opened.domain_id, question.id, opened.round_of(question.id) + 1, now_text()],
        )
        return _domain_now(db, assessment.id, opened.domain_id)


def close_domain(db: Database, assessment_id: int, domain_id: str) -> WorkshopDomainItem:
    """Close the open domain; its votes stand, agreed answers stay, disagreements not agreed stay open."""
    with write_transaction(db):
        assessment = get_assessment(db, assessment_id)
        opened = _the_open_domain(db, assessment, domain_id)
        _close_domain(db, assessment.id, opened.domain_id, now_text())
        return _domain_now(db, assessment.id, opened.domain_id)


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


def answered_counts(db: Database, assessment_id: int, question_ids: Sequence[str]) -> tuple[AnsweredCount, ...]:
    """Return, for each question in `question_ids` (in that order), how many have answered and who is still to.

    Never what anyone answered: this is what the facilitator's screen shows per question while a
    whole domain is voting with hidden votes.
    """
    people = db.execute(
        "SELECT id, name FROM respondents WHERE assessment_id = ? ORDER BY id", [assessment_id]
    ).fetchall()
    if not people:
        get_assessment(db, assessment_id)  # a missing assessment is an error, not an empty room
    answered: dict[str, set[int]] = {question_id: set() for question_id in question_ids}
    if question_ids and people:
        marks = ", ".join("?" for _ in answered)
        rows = db.execute(
            "SELECT question_id, respondent_id FROM answers WHERE assessment_id = ? "  # noqa: S608
            f"AND question_id IN ({marks}) AND (level IS NOT NULL OR na = 1)",
            [assessment_id, *answered],
        ).fetchall()
        for question_id, respondent_id in rows:
            answered[question_id].add(respondent_id)
    return tuple(
        AnsweredCount(
            question_id=question_id,
            answered=sum(1 for respondent_id, _ in people if respondent_id in answered[question_id]),
            respondents=len(people),
            waiting=tuple(name for respondent_id, name in people if respondent_id not in answered[question_id]),
        )
        for question_id in question_ids
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
