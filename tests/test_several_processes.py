"""Several app processes on one database: what one process writes, the others see at their next action.

Each test keeps this process's connection open (as an app process keeps its own) while another OS process
writes through its own connection, as a second app process behind the proxy would.
"""

from __future__ import annotations

import multiprocessing
from collections.abc import Callable
from datetime import date
from pathlib import Path

import pytest
from sqlite_utils import Database

from access.links import LinkRefused, create_participant_link, participant_for, revoke_participant_link
from exports.report import peer_table
from questionnaires.catalog import get_questionnaire
from storage import (
    create_assessment,
    create_organisation,
    get_or_create_respondent,
    open_database,
    save_answer,
    set_assessment_status,
)

QUESTIONNAIRE = get_questionnaire("itscm", "2026.1")
FIRST = QUESTIONNAIRE.questions[0].id


def _revoke(path: str, link_id: int) -> None:
    db = open_database(path)
    try:
        revoke_participant_link(db, link_id, by="ana@example.org")
    finally:
        db.close()


def _complete_a_peer(path: str, name: str) -> None:
    db = open_database(path)
    try:
        org = create_organisation(db, name, "Retail", "250-999 employees", "Europe")
        assessment = create_assessment(db, org.id, QUESTIONNAIRE, "FY2026", date(2026, 2, 1))
        person = get_or_create_respondent(db, assessment.id, "Manager")
        save_answer(db, QUESTIONNAIRE, assessment.id, person.id, FIRST, 4)
        set_assessment_status(db, assessment.id, "completed")
    finally:
        db.close()


def in_another_process(target: Callable[..., None], *args: object) -> None:
    """Run `target(*args)` in a new Python process (spawned: nothing of this one is shared) and wait for it."""
    process = multiprocessing.get_context("spawn").Process(target=target, args=args)
    process.start()
    process.join(timeout=60)
    assert process.exitcode == 0


@pytest.fixture
def db(tmp_path: Path) -> Database:
    database = open_database(tmp_path / "shared.db")
    yield database
    database.close()


def test_a_link_withdrawn_by_another_process_is_refused_at_the_next_action_here(db: Database, tmp_path: Path) -> None:
    org = create_organisation(db, "Acme", "Retail", "250-999 employees", "Europe")
    assessment = create_assessment(db, org.id, QUESTIONNAIRE, "FY2026", date(2026, 3, 1))
    token, link = create_participant_link(db, assessment.id, "Ben Okafor", created_by="ana@example.org")
    assert participant_for(db, token).link_id == link.id
    in_another_process(_revoke, str(tmp_path / "shared.db"), link.id)
    with pytest.raises(LinkRefused, match="withdrawn"):
        participant_for(db, token)


def test_peer_scores_kept_in_this_process_are_scored_again_after_another_process_completes_an_assessment(
    db: Database, tmp_path: Path
) -> None:
    path = str(tmp_path / "shared.db")
    for number in range(5):
        _complete_a_peer(path, f"Peer {number}")
    kept = peer_table(db, "itscm")
    assert peer_table(db, "itscm") is kept  # kept in this process's memory while nothing changes
    in_another_process(_complete_a_peer, path, "Peer from another process")
    changed = peer_table(db, "itscm")
    assert changed is not kept and len(changed) == len(kept) + 1
