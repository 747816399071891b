"""Workshops in storage: modes, one open question at a time, hidden votes, reveal, rounds, re-opening, progress."""

from __future__ import annotations

import sqlite3
import threading
from dataclasses import fields
from pathlib import Path

import pytest
from sqlite_utils import Database
from storage_helpers import add_assessment, build_questionnaire

from questionnaires.model import Questionnaire
from storage import (
    add_respondent,
    answer_history,
    list_answers,
    list_consensus,
    open_database,
    save_answer,
    set_consensus,
)
from storage.errors import AnswerError, NotFoundError, QuestionnaireMismatchError
from storage.records import AnsweredCount, Assessment, Respondent
from storage.workshop import (
    WorkshopError,
    agree,
    answered_count,
    close_item,
    get_workshop,
    list_items,
    next_round,
    open_item,
    progress,
    reopen_item,
    reveal,
    set_mode,
)

FACILITATOR = "kim@example.com"


@pytest.fixture
def people(db: Database, assessment: Assessment) -> tuple[Respondent, Respondent, Respondent]:
    """Ana, Ben and Cy, the room."""
    return tuple(add_respondent(db, assessment.id, name) for name in ("Ana", "Ben", "Cy"))  # type: ignore[return-value]


@pytest.fixture
def facilitated(db: Database, assessment: Assessment) -> Assessment:
    set_mode(db, assessment.id, "facilitated", by=FACILITATOR)
    return assessment


def levels_of(db: Database, assessment_id: int, question_id: str) -> dict[int, int | None]:
    return {a.respondent_id: a.level for a in list_answers(db, assessment_id) if a.question_id == question_id}


# Modes and their fallback


def test_an_assessment_no_facilitator_set_up_is_self_paced_and_every_question_is_open_to_answer(
    db: Database, assessment: Assessment
) -> None:
    workshop = get_workshop(db, assessment.id)
    assert (workshop.mode, workshop.open_item, workshop.set_by, workshop.updated_at) == ("self_paced", None, "", None)
    assert workshop.participant_may_answer("GOV-01") and workshop.participant_may_answer("BIA-02")
    assert workshop.votes_visible("GOV-01")


def test_in_facilitated_mode_participants_answer_only_the_open_question_until_its_votes_are_revealed(
    db: Database, questionnaire: Questionnaire, facilitated: Assessment
) -> None:
    waiting = get_workshop(db, facilitated.id)
    assert waiting.mode == "facilitated" and waiting.set_by == FACILITATOR and waiting.updated_at is not None
    # Nothing open: participants wait for the facilitator.
    assert not waiting.participant_may_answer("GOV-01")
    open_item(db, questionnaire, facilitated.id, "GOV-01", by=FACILITATOR)
    voting = get_workshop(db, facilitated.id)
    assert voting.participant_may_answer("GOV-01") and not voting.participant_may_answer("GOV-02")
    assert not voting.votes_visible("GOV-01") and voting.votes_visible("GOV-02")
    reveal(db, facilitated.id, "GOV-01")
    revealed = get_workshop(db, facilitated.id)
    assert revealed.votes_visible("GOV-01") and not revealed.participant_may_answer("GOV-01")


def test_going_back_to_self_paced_closes_the_open_question_and_lets_everyone_answer_again(
    db: Database, questionnaire: Questionnaire, facilitated: Assessment
) -> None:
    open_item(db, questionnaire, facilitated.id, "GOV-01", by=FACILITATOR)
    workshop = set_mode(db, facilitated.id, "self_paced", by=FACILITATOR)
    assert workshop.open_item is None and workshop.participant_may_answer("GOV-02")
    [item] = list_items(db, facilitated.id)
    assert item.status == "closed" and item.closed_at is not None


def test_choosing_the_same_mode_again_changes_nothing(db: Database, facilitated: Assessment) -> None:
    before = get_workshop(db, facilitated.id)
    assert set_mode(db, facilitated.id, "facilitated", by="someone else") == before


def test_an_unknown_mode_or_an_empty_facilitator_is_refused_saying_what_to_give(
    db: Database, assessment: Assessment
) -> None:
    with pytest.raises(WorkshopError, match=r"Workshop mode 'guided' is not in the list; choose one of: self_paced"):
        set_mode(db, assessment.id, "guided", by=FACILITATOR)  # type: ignore[arg-type]
    with pytest.raises(WorkshopError, match="Facilitator is empty"):
        set_mode(db, assessment.id, "facilitated", by="  ")
    assert get_workshop(db, assessment.id).updated_at is None


def test_no_question_is_put_to_the_room_of_a_self_paced_assessment(
    db: Database, questionnaire: Questionnaire, assessment: Assessment
) -> None:
    with pytest.raises(WorkshopError, match=r"is self-paced.*Switch it to facilitated"):
        open_item(db, questionnaire, assessment.id, "GOV-01", by=FACILITATOR)
    assert list_items(db, assessment.id) == ()


def test_a_workshop_of_a_missing_assessment_or_with_another_questionnaire_is_refused(
    db: Database, facilitated: Assessment
) -> None:
    with pytest.raises(NotFoundError):
        get_workshop(db, 999)
    with pytest.raises(QuestionnaireMismatchError):
        open_item(db, build_questionnaire(version="2.0"), facilitated.id, "GOV-01", by=FACILITATOR)
    with pytest.raises(WorkshopError, match="Question 'XYZ-99' is not in questionnaire"):
        open_item(db, build_questionnaire(), facilitated.id, "XYZ-99", by=FACILITATOR)


# One open question at a time


def test_a_second_question_cannot_be_opened_while_one_is_open(
    db: Database, questionnaire: Questionnaire, facilitated: Assessment
) -> None:
    first = open_item(db, questionnaire, facilitated.id, "GOV-01", by=FACILITATOR)
    assert (first.status, first.round, first.revealed, first.opened_by) == ("open", 1, False, FACILITATOR)
    assert open_item(db, questionnaire, facilitated.id, "GOV-01", by=FACILITATOR) == first
    with pytest.raises(WorkshopError, match=r"GOV-01 is open \(round 1\); close it before opening BIA-01"):
        open_item(db, questionnaire, facilitated.id, "BIA-01", by=FACILITATOR)
    close_item(db, facilitated.id, "GOV-01")
    assert open_item(db, questionnaire, facilitated.id, "BIA-01", by=FACILITATOR).is_open


def test_the_database_itself_refuses_a_second_open_question(db: Database, facilitated: Assessment) -> None:
    insert = (
        "INSERT INTO workshop_items (assessment_id, question_id, status, round, revealed, opened_by, opened_at, "
        "round_started_at) VALUES (?, ?, 'open', 1, 0, 'x', '2026-03-31T09:00:00+00:00', '2026-03-31T09:00:00+00:00')"
    )
    db.execute(insert, [facilitated.id, "GOV-01"])
    with pytest.raises(sqlite3.IntegrityError, match="UNIQUE"):
        db.execute(insert, [facilitated.id, "GOV-02"])


def test_two_facilitators_racing_to_open_questions_leave_exactly_one_open(tmp_path: Path) -> None:
    path = str(tmp_path / "race.db")
    questionnaire = build_questionnaire(extra_questions=20)
    setup = open_database(path)
    assessment = add_assessment(setup, questionnaire)
    set_mode(setup, assessment.id, "facilitated", by=FACILITATOR)
    rounds = 10
    outcomes: list[list[str]] = [[] for _ in range(rounds)]
    start = threading.Barrier(2, timeout=30)

    def facilitator(number: int) -> None:
        db = open_database(path)
        try:
            for race in range(rounds):
                start.wait()
                question_id = f"GOV-{101 + 2 * race + number}"
                try:
                    open_item(db, questionnaire, assessment.id, question_id, by=f"facilitator {number}")
                    outcomes[race].append(question_id)
                except WorkshopError as refused:
                    outcomes[race].append(f"refused: {refused}")
                start.wait()
                if number == 0:
                    open_now = get_workshop(db, assessment.id).open_item
                    assert open_now is not None
                    close_item(db, assessment.id, open_now.question_id)
        finally:
            db.close()

    threads = [threading.Thread(target=facilitator, args=(number,)) for number in (0, 1)]
    for thread in threads:
        thread.start()
    for thread in threads:
        thread.join(timeout=60)
    items = list_items(setup, assessment.id)
    setup.close()
    for outcome in outcomes:
        opened = [entry for entry in outcome if not entry.startswith("refused")]
        refusals = [entry for entry in outcome if entry.startswith("refused")]
        assert len(opened) == 1 and len(refusals) == 1, outcome
        assert f"{opened[0]} is open (round 1); close it before opening" in refusals[0]
    assert len(items) == rounds and all(item.status == "closed" for item in items)


# Hidden votes, reveal and rounds


def test_while_votes_are_hidden_the_room_sees_how_many_voted_and_who_is_still_to(
    db: Database, questionnaire: Questionnaire, facilitated: Assessment, people: tuple[Respondent, ...]
) -> None:
    ana, ben, _ = people
    open_item(db, questionnaire, facilitated.id, "GOV-01", by=FACILITATOR)
    save_answer(db, questionnaire, facilitated.id, ana.id, "GOV-01", 2)
    save_answer(db, questionnaire, facilitated.id, ben.id, "GOV-01", 5)
    save_answer(db, questionnaire, facilitated.id, ben.id, "GOV-02", 3)
    assert answered_count(db, facilitated.id, "GOV-01") == AnsweredCount("GOV-01", 2, 3, ("Cy",))


def test_answered_count_never_returns_levels(
    db: Database, questionnaire: Questionnaire, assessment: Assessment, people: tuple[Respondent, ...]
) -> None:
    for respondent, level in zip(people, (4, 5, 3), strict=True):
        save_answer(db, questionnaire, assessment.id, respondent.id, "BIA-01", level)
    count = answered_count(db, assessment.id, "BIA-01")
    assert [field.name for field in fields(AnsweredCount)] == ["question_id", "answered", "respondents", "waiting"]
    assert (count.answered, count.respondents, count.waiting) == (3, 3, ())
    # Three respondents answered 4, 5 and 3: none of those numbers may be told apart in what is returned.
    assert "4" not in repr(count) and "5" not in repr(count)


def test_a_cleared_answer_is_not_counted_and_n_a_is(
    db: Database, questionnaire: Questionnaire, assessment: Assessment, people: tuple[Respondent, ...]
) -> None:
    ana, ben, _ = people
    save_answer(db, questionnaire, assessment.id, ana.id, "BIA-02", None, na=True)
    save_answer(db, questionnaire, assessment.id, ben.id, "BIA-02", 2)
    save_answer(db, questionnaire, assessment.id, ben.id, "BIA-02", None, comment="not sure")
    assert answered_count(db, assessment.id, "BIA-02") == AnsweredCount("BIA-02", 1, 3, ("Ben", "Cy"))


def test_revealing_shows_the_votes_and_is_refused_for_a_question_that_is_not_open(
    db: Database, questionnaire: Questionnaire, facilitated: Assessment
) -> None:
    open_item(db, questionnaire, facilitated.id, "GOV-01", by=FACILITATOR)
    assert reveal(db, facilitated.id, "GOV-01").revealed
    assert reveal(db, facilitated.id, "GOV-01").revealed  # again: no change, no error
    with pytest.raises(WorkshopError, match=r"'GOV-02' is not the open question .* \(GOV-01 is open now\); refresh"):
        reveal(db, facilitated.id, "GOV-02")
    close_item(db, facilitated.id, "GOV-01")
    with pytest.raises(WorkshopError, match=r"\(no question is open\)"):
        reveal(db, facilitated.id, "GOV-01")


def test_a_new_round_clears_the_votes_hides_them_and_keeps_every_earlier_vote_and_comment(
    db: Database, questionnaire: Questionnaire, facilitated: Assessment, people: tuple[Respondent, ...]
) -> None:
    ana, ben, _ = people
    open_item(db, questionnaire, facilitated.id, "GOV-01", by=FACILITATOR)
    save_answer(db, questionnaire, facilitated.id, ana.id, "GOV-01", 1, comment="No plan seen")
    save_answer(db, questionnaire, facilitated.id, ben.id, "GOV-01", 4)
    first = reveal(db, facilitated.id, "GOV-01")
    second = next_round(db, questionnaire, facilitated.id, "GOV-01")
    assert (second.round, second.revealed) == (2, False)
    assert second.round_started_at > first.round_started_at and second.opened_at == first.opened_at
    assert answered_count(db, facilitated.id, "GOV-01").answered == 0
    [ana_answer] = [a for a in list_answers(db, facilitated.id, ana.id) if a.question_id == "GOV-01"]
    assert (ana_answer.level, ana_answer.comment) == (None, "No plan seen")
    earlier = [(c.respondent_id, c.before.level) for c in answer_history(db, facilitated.id, "GOV-01")]
    assert (ana.id, 1) in earlier and (ben.id, 4) in earlier
    assert get_workshop(db, facilitated.id).participant_may_answer("GOV-01")


def test_a_new_round_is_refused_for_a_question_that_is_not_open(
    db: Database, questionnaire: Questionnaire, facilitated: Assessment
) -> None:
    with pytest.raises(WorkshopError, match="is not the open question"):
        next_round(db, questionnaire, facilitated.id, "GOV-01")


# Agreeing, closing and re-opening


def test_agreeing_records_the_consensus_with_rationale_and_who_set_it_and_closes_the_question(
    db: Database, questionnaire: Questionnaire, facilitated: Assessment
) -> None:
    open_item(db, questionnaire, facilitated.id, "GOV-01", by=FACILITATOR)
    agreed = agree(db, questionnaire, facilitated.id, "GOV-01", 3, note="Plan exists, untested", by=FACILITATOR)
    assert (agreed.level, agreed.note, agreed.set_by) == (3, "Plan exists, untested", FACILITATOR)
    assert list_consensus(db, facilitated.id) == (agreed,)
    assert get_workshop(db, facilitated.id).open_item is None
    [item] = list_items(db, facilitated.id)
    assert item.status == "closed"


def test_agreeing_another_question_leaves_the_open_one_open(
    db: Database, questionnaire: Questionnaire, facilitated: Assessment
) -> None:
    open_item(db, questionnaire, facilitated.id, "GOV-01", by=FACILITATOR)
    agree(db, questionnaire, facilitated.id, "BIA-02", None, na=True, note="No third parties", by=FACILITATOR)
    open_now = get_workshop(db, facilitated.id).open_item
    assert open_now is not None and open_now.question_id == "GOV-01"


def test_a_refused_agreement_closes_nothing(
    db: Database, questionnaire: Questionnaire, facilitated: Assessment
) -> None:
    open_item(db, questionnaire, facilitated.id, "GOV-01", by=FACILITATOR)
    with pytest.raises(AnswerError, match="level 9 is not on the scale"):
        agree(db, questionnaire, facilitated.id, "GOV-01", 9, by=FACILITATOR)
    assert get_workshop(db, facilitated.id).open_item is not None and list_consensus(db, facilitated.id) == ()


def test_a_closed_question_is_re_opened_not_opened_again(
    db: Database, questionnaire: Questionnaire, facilitated: Assessment
) -> None:
    with pytest.raises(WorkshopError, match="has not been put to the room yet; open it"):
        reopen_item(db, questionnaire, facilitated.id, "GOV-01", by=FACILITATOR)
    open_item(db, questionnaire, facilitated.id, "GOV-01", by=FACILITATOR)
    close_item(db, facilitated.id, "GOV-01")
    with pytest.raises(WorkshopError, match="GOV-01 was put to the room already and is closed; re-open it"):
        open_item(db, questionnaire, facilitated.id, "GOV-01", by=FACILITATOR)


def test_re_opening_keeps_earlier_votes_in_the_history_and_clears_the_consensus(
    db: Database, questionnaire: Questionnaire, facilitated: Assessment, people: tuple[Respondent, ...]
) -> None:
    ana, ben, cy = people
    open_item(db, questionnaire, facilitated.id, "GOV-01", by=FACILITATOR)
    for respondent, level in ((ana, 2), (ben, 5), (cy, 3)):
        save_answer(db, questionnaire, facilitated.id, respondent.id, "GOV-01", level)
    next_round(db, questionnaire, facilitated.id, "GOV-01")
    save_answer(db, questionnaire, facilitated.id, ana.id, "GOV-01", 3)
    agree(db, questionnaire, facilitated.id, "GOV-01", 3, note="Agreed in round 2", by=FACILITATOR)
    history_before = answer_history(db, facilitated.id, "GOV-01")

    reopened = reopen_item(db, questionnaire, facilitated.id, "GOV-01", by="lee@example.com")

    assert (reopened.status, reopened.round, reopened.revealed, reopened.opened_by) == (
        "open",
        3,
        False,
        "lee@example.com",
    )
    assert list_consensus(db, facilitated.id) == ()
    assert set(levels_of(db, facilitated.id, "GOV-01").values()) == {None}
    history = answer_history(db, facilitated.id, "GOV-01")
    assert history[: len(history_before)] == history_before
    every_vote = {(c.respondent_id, c.after.level) for c in history if c.after.level is not None}
    assert every_vote == {(ana.id, 2), (ben.id, 5), (cy.id, 3), (ana.id, 3)}


def test_re_opening_is_refused_while_another_question_is_open(
    db: Database, questionnaire: Questionnaire, facilitated: Assessment
) -> None:
    open_item(db, questionnaire, facilitated.id, "GOV-01", by=FACILITATOR)
    agree(db, questionnaire, facilitated.id, "GOV-01", 2, by=FACILITATOR)
    open_item(db, questionnaire, facilitated.id, "GOV-02", by=FACILITATOR)
    with pytest.raises(WorkshopError, match="GOV-02 is open"):
        reopen_item(db, questionnaire, facilitated.id, "GOV-01", by=FACILITATOR)
    assert [c.question_id for c in list_consensus(db, facilitated.id)] == ["GOV-01"]


def test_consensus_set_elsewhere_on_a_question_never_opened_survives_opening_it(
    db: Database, questionnaire: Questionnaire, facilitated: Assessment
) -> None:
    # Only re-opening a question the room closed removes its agreed answer.
    set_consensus(db, questionnaire, facilitated.id, "GOV-01", 4, set_by="Kim")
    open_item(db, questionnaire, facilitated.id, "GOV-01", by=FACILITATOR)
    assert [c.level for c in list_consensus(db, facilitated.id)] == [4]


# Progress


def test_progress_lists_every_respondent_by_domain_including_those_with_nothing_answered(
    db: Database, questionnaire: Questionnaire, assessment: Assessment, people: tuple[Respondent, ...]
) -> None:
    ana, ben, _ = people
    save_answer(db, questionnaire, assessment.id, ana.id, "GOV-01", 3)
    save_answer(db, questionnaire, assessment.id, ana.id, "GOV-02", 2)
    save_answer(db, questionnaire, assessment.id, ana.id, "BIA-02", None, na=True)
    save_answer(db, questionnaire, assessment.id, ben.id, "BIA-01", 4)
    save_answer(db, questionnaire, assessment.id, ben.id, "BIA-01", None)  # cleared: not answered
    rows = progress(db, questionnaire, assessment.id)
    assert [(r.name, [(d.domain_id, d.answered, d.total) for d in r.domains]) for r in rows] == [
        ("Ana", [("GOV", 2, 2), ("BIA", 1, 2)]),
        ("Ben", [("GOV", 0, 2), ("BIA", 0, 2)]),
        ("Cy", [("GOV", 0, 2), ("BIA", 0, 2)]),
    ]
    assert [(r.answered, r.total) for r in rows] == [(3, 4), (0, 4), (0, 4)]
    latest = max(a.updated_at for a in list_answers(db, assessment.id, ana.id) if a.updated_at is not None)
    assert rows[0].last_answered_at == latest
    assert rows[1].last_answered_at is None and rows[2].last_answered_at is None


def test_progress_of_an_assessment_with_nobody_yet_is_empty(
    db: Database, questionnaire: Questionnaire, assessment: Assessment
) -> None:
    assert progress(db, questionnaire, assessment.id) == ()


def test_progress_never_holds_a_level(
    db: Database, questionnaire: Questionnaire, assessment: Assessment, people: tuple[Respondent, ...]
) -> None:
    save_answer(db, questionnaire, assessment.id, people[0].id, "GOV-01", 5)
    [ana, *_] = progress(db, questionnaire, assessment.id)
    assert {field.name for field in fields(ana)} == {"respondent_id", "name", "domains", "last_answered_at"}
    assert {field.name for field in fields(ana.domains[0])} == {"domain_id", "answered", "total"}
