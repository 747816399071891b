"""Workshops in storage: modes (per assessment and per domain), one question or domain open at a time, hidden votes,
reveal, rounds, re-opening, progress, restore checks and deletion."""

from __future__ import annotations

import sqlite3
import threading
from dataclasses import fields
from datetime import date
from pathlib import Path

import pytest
from sqlite_utils import Database
from storage_helpers import add_assessment, build_questionnaire

from questionnaires.catalog import get_questionnaire
from questionnaires.model import Questionnaire
from storage import (
    LATEST_VERSION,
    add_respondent,
    answer_history,
    create_assessment,
    delete_assessment,
    list_answers,
    list_consensus,
    open_database,
    save_answer,
    set_consensus,
)
from storage.errors import AnswerError, NotFoundError, QuestionnaireMismatchError
from storage.records import AnsweredCount, Assessment, Respondent
from storage.restore import RestoreError, check_backup
from storage.workshop import (
    WorkshopError,
    agree,
    answered_count,
    answered_counts,
    close_domain,
    close_item,
    get_workshop,
    list_domain_items,
    list_items,
    next_round,
    next_round_in_domain,
    open_domain,
    open_item,
    progress,
    reopen_domain,
    reopen_item,
    reveal,
    reveal_domain,
    set_domain_mode,
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
    assert workshop.participant_may_answer("GOV-01", "GOV") and workshop.participant_may_answer("BIA-02", "BIA")
    assert workshop.votes_visible("GOV-01", "GOV")


def test_in_facilitated_mode_participants_answer_only_the_open_question_until_its_votes_are_revealed(
    db: Database, questionnaire: Questionnaire, facilitated: Assessment
) -> None:
    waiting = get_workshop(db, facilitated.id)
    assert waiting.mode == "facilitated" and waiting.set_by == FACILITATOR and waiting.updated_at is not None
    # Nothing open: participants wait for the facilitator.
    assert not waiting.participant_may_answer("GOV-01", "GOV")
    open_item(db, questionnaire, facilitated.id, "GOV-01", by=FACILITATOR)
    voting = get_workshop(db, facilitated.id)
    assert voting.participant_may_answer("GOV-01", "GOV") and not voting.participant_may_answer("GOV-02", "GOV")
    assert not voting.votes_visible("GOV-01", "GOV") and voting.votes_visible("GOV-02", "GOV")
    reveal(db, facilitated.id, "GOV-01")
    revealed = get_workshop(db, facilitated.id)
    assert revealed.votes_visible("GOV-01", "GOV") and not revealed.participant_may_answer("GOV-01", "GOV")


def test_going_back_to_self_paced_closes_the_open_question_and_lets_everyone_answer_again(
    db: Database, questionnaire: Questionnaire, facilitated: Assessment
) -> None:
    open_item(db, questionnaire, facilitated.id, "GOV-01", by=FACILITATOR)
    workshop = set_mode(db, facilitated.id, "self_paced", by=FACILITATOR)
    assert workshop.open_item is None and workshop.participant_may_answer("GOV-02", "GOV")
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
    with pytest.raises(sqlite3.IntegrityError, match=r"UNIQUE|unique constraint"):
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
    assert get_workshop(db, facilitated.id).participant_may_answer("GOV-01", "GOV")


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


# Modes per domain and their fallback


def test_a_domain_with_a_mode_of_its_own_overrides_the_assessments_and_the_others_follow_the_assessment(
    db: Database, questionnaire: Questionnaire, facilitated: Assessment
) -> None:
    workshop = set_domain_mode(db, questionnaire, facilitated.id, "GOV", "self_paced", by=FACILITATOR)
    assert workshop.domain_modes == {"GOV": "self_paced"}
    assert (workshop.mode_of("GOV"), workshop.mode_of("BIA")) == ("self_paced", "facilitated")
    # GOV answered at any time; BIA waits for the facilitator.
    assert workshop.participant_may_answer("GOV-01", "GOV") and not workshop.participant_may_answer("BIA-01", "BIA")
    # Without its own mode the domain follows the assessment again, whichever that is.
    back = set_domain_mode(db, questionnaire, facilitated.id, "GOV", None, by=FACILITATOR)
    assert back.domain_modes == {} and back.mode_of("GOV") == "facilitated"
    set_mode(db, facilitated.id, "self_paced", by=FACILITATOR)
    assert get_workshop(db, facilitated.id).mode_of("GOV") == "self_paced"


def test_a_question_of_a_self_paced_domain_is_answered_while_another_domains_question_is_open(
    db: Database, questionnaire: Questionnaire, assessment: Assessment
) -> None:
    set_domain_mode(db, questionnaire, assessment.id, "BIA", "facilitated", by=FACILITATOR)
    open_item(db, questionnaire, assessment.id, "BIA-01", by=FACILITATOR)
    workshop = get_workshop(db, assessment.id)
    assert workshop.mode == "self_paced" and workshop.mode_of("BIA") == "facilitated"
    assert workshop.participant_may_answer("GOV-01", "GOV") and workshop.participant_may_answer("GOV-02", "GOV")
    assert workshop.participant_may_answer("BIA-01", "BIA") and not workshop.participant_may_answer("BIA-02", "BIA")
    assert workshop.hidden_votes(questionnaire.questions) == ("BIA-01",)


def test_nothing_of_a_domain_self_paced_on_its_own_is_put_to_the_room(
    db: Database, questionnaire: Questionnaire, facilitated: Assessment
) -> None:
    set_domain_mode(db, questionnaire, facilitated.id, "GOV", "self_paced", by=FACILITATOR)
    refusal = r"Domain 'Governance' \(GOV\) of assessment 'FY2026' is self-paced.*Switch the domain to facilitated"
    with pytest.raises(WorkshopError, match=refusal):
        open_item(db, questionnaire, facilitated.id, "GOV-01", by=FACILITATOR)
    with pytest.raises(WorkshopError, match=refusal):
        open_domain(db, questionnaire, facilitated.id, "GOV", by=FACILITATOR)
    assert open_item(db, questionnaire, facilitated.id, "BIA-01", by=FACILITATOR).is_open


def test_a_domain_turning_self_paced_closes_what_is_open_in_it_and_nothing_elsewhere(
    db: Database, questionnaire: Questionnaire, facilitated: Assessment
) -> None:
    open_item(db, questionnaire, facilitated.id, "GOV-01", by=FACILITATOR)
    still = set_domain_mode(db, questionnaire, facilitated.id, "BIA", "self_paced", by=FACILITATOR)
    assert still.open_item is not None and still.open_item.question_id == "GOV-01"
    closed = set_domain_mode(db, questionnaire, facilitated.id, "GOV", "self_paced", by=FACILITATOR)
    assert closed.open_item is None and closed.participant_may_answer("GOV-01", "GOV")
    set_domain_mode(db, questionnaire, facilitated.id, "BIA", None, by=FACILITATOR)
    open_domain(db, questionnaire, facilitated.id, "BIA", by=FACILITATOR)
    after = set_domain_mode(db, questionnaire, facilitated.id, "BIA", "self_paced", by=FACILITATOR)
    assert after.open_domain is None
    [bia] = list_domain_items(db, facilitated.id)
    assert (bia.domain_id, bia.status) == ("BIA", "closed") and bia.closed_at is not None


def test_the_assessment_going_self_paced_keeps_open_what_a_domain_facilitated_on_its_own_has_open(
    db: Database, questionnaire: Questionnaire, facilitated: Assessment
) -> None:
    set_domain_mode(db, questionnaire, facilitated.id, "BIA", "facilitated", by=FACILITATOR)
    open_item(db, questionnaire, facilitated.id, "BIA-01", by=FACILITATOR)
    kept = set_mode(db, facilitated.id, "self_paced", by=FACILITATOR, questionnaire=questionnaire)
    assert kept.open_item is not None and kept.open_item.question_id == "BIA-01"
    close_item(db, facilitated.id, "BIA-01")
    open_domain(db, questionnaire, facilitated.id, "BIA", by=FACILITATOR)
    set_mode(db, facilitated.id, "facilitated", by=FACILITATOR)
    assert set_mode(db, facilitated.id, "self_paced", by=FACILITATOR).open_domain is not None


def test_an_unknown_domain_or_domain_mode_is_refused_and_the_same_choice_again_changes_nothing(
    db: Database, questionnaire: Questionnaire, assessment: Assessment
) -> None:
    with pytest.raises(WorkshopError, match=r"Domain 'XYZ' is not in questionnaire .* domain ids: GOV, BIA"):
        set_domain_mode(db, questionnaire, assessment.id, "XYZ", "facilitated", by=FACILITATOR)
    with pytest.raises(WorkshopError, match=r"Domain mode 'guided' is not in the list; choose one of: self_paced"):
        set_domain_mode(db, questionnaire, assessment.id, "GOV", "guided", by=FACILITATOR)  # type: ignore[arg-type]
    with pytest.raises(QuestionnaireMismatchError):
        set_domain_mode(db, build_questionnaire(version="2.0"), assessment.id, "GOV", "facilitated", by=FACILITATOR)
    assert get_workshop(db, assessment.id).domain_modes == {}
    first = set_domain_mode(db, questionnaire, assessment.id, "GOV", "facilitated", by=FACILITATOR)
    assert set_domain_mode(db, questionnaire, assessment.id, "GOV", "facilitated", by="someone else") == first


# A whole domain put to the room


def test_an_open_domain_lets_participants_answer_all_its_questions_unseen_until_the_domain_is_revealed(
    db: Database, questionnaire: Questionnaire, facilitated: Assessment
) -> None:
    opened = open_domain(db, questionnaire, facilitated.id, "GOV", by=FACILITATOR)
    assert (opened.domain_id, opened.status, opened.round, opened.revealed, opened.opened_by) == (
        "GOV",
        "open",
        1,
        False,
        FACILITATOR,
    )
    voting = get_workshop(db, facilitated.id)
    assert voting.open_domain == opened and voting.open_item is None
    assert voting.participant_may_answer("GOV-01", "GOV") and voting.participant_may_answer("GOV-02", "GOV")
    assert not voting.participant_may_answer("BIA-01", "BIA")
    assert voting.hidden_votes(questionnaire.questions) == ("GOV-01", "GOV-02")
    revealed = reveal_domain(db, facilitated.id, "GOV")
    assert revealed.revealed and reveal_domain(db, facilitated.id, "GOV") == revealed  # again: no change
    after = get_workshop(db, facilitated.id)
    assert after.hidden_votes(questionnaire.questions) == ()
    assert not after.participant_may_answer("GOV-01", "GOV") and not after.participant_may_answer("GOV-02", "GOV")


def test_opening_the_open_domain_again_changes_nothing_and_a_closed_one_is_re_opened_not_opened_again(
    db: Database, questionnaire: Questionnaire, facilitated: Assessment
) -> None:
    with pytest.raises(WorkshopError, match="Domain GOV has not been put to the room yet; open it"):
        reopen_domain(db, questionnaire, facilitated.id, "GOV", by=FACILITATOR)
    opened = open_domain(db, questionnaire, facilitated.id, "GOV", by=FACILITATOR)
    assert open_domain(db, questionnaire, facilitated.id, "GOV", by="someone else") == opened
    close_domain(db, facilitated.id, "GOV")
    with pytest.raises(WorkshopError, match="Domain GOV was put to the room already and is closed; re-open it"):
        open_domain(db, questionnaire, facilitated.id, "GOV", by=FACILITATOR)


def test_revealing_or_closing_a_domain_that_is_not_open_is_refused_saying_what_is_open(
    db: Database, questionnaire: Questionnaire, facilitated: Assessment
) -> None:
    with pytest.raises(WorkshopError, match=r"Domain 'GOV' is not open .* \(nothing is open\); refresh"):
        reveal_domain(db, facilitated.id, "GOV")
    open_item(db, questionnaire, facilitated.id, "BIA-01", by=FACILITATOR)
    with pytest.raises(WorkshopError, match=r"\(question BIA-01 is open now\)"):
        close_domain(db, facilitated.id, "GOV")
    close_item(db, facilitated.id, "BIA-01")
    open_domain(db, questionnaire, facilitated.id, "BIA", by=FACILITATOR)
    with pytest.raises(WorkshopError, match=r"\(domain BIA is open now\)"):
        reveal_domain(db, facilitated.id, "GOV")


def test_another_round_for_one_question_of_a_revealed_domain_clears_and_hides_its_votes_only(
    db: Database, questionnaire: Questionnaire, facilitated: Assessment, people: tuple[Respondent, ...]
) -> None:
    ana, ben, _ = people
    open_domain(db, questionnaire, facilitated.id, "GOV", by=FACILITATOR)
    for question_id, levels in (("GOV-01", (1, 4)), ("GOV-02", (3, 3))):
        for respondent, level in zip((ana, ben), levels, strict=True):
            save_answer(db, questionnaire, facilitated.id, respondent.id, question_id, level, comment="why")
    with pytest.raises(WorkshopError, match=r"votes on GOV-01 \(round 1\) are still hidden; reveal the domain GOV"):
        next_round_in_domain(db, questionnaire, facilitated.id, "GOV-01")
    reveal_domain(db, facilitated.id, "GOV")
    agree(db, questionnaire, facilitated.id, "GOV-01", 2, note="First thoughts", by=FACILITATOR)

    again = next_round_in_domain(db, questionnaire, facilitated.id, "GOV-01")

    assert (again.round_of("GOV-01"), again.revealed_for("GOV-01"), again.round_of("GOV-02")) == (2, False, 1)
    workshop = get_workshop(db, facilitated.id)
    assert workshop.hidden_votes(questionnaire.questions) == ("GOV-01",)
    assert workshop.participant_may_answer("GOV-01", "GOV") and not workshop.participant_may_answer("GOV-02", "GOV")
    assert set(levels_of(db, facilitated.id, "GOV-01").values()) == {None}
    assert levels_of(db, facilitated.id, "GOV-02") == {ana.id: 3, ben.id: 3}
    assert list_consensus(db, facilitated.id) == ()
    assert {(c.respondent_id, c.before.level) for c in answer_history(db, facilitated.id, "GOV-01")} >= {
        (ana.id, 1),
        (ben.id, 4),
    }
    assert next_round_in_domain(db, questionnaire, facilitated.id, "GOV-02").round_of("GOV-02") == 2
    revealed = reveal_domain(db, facilitated.id, "GOV")
    assert revealed.revealed_for("GOV-01") and revealed.revealed_for("GOV-02")
    assert get_workshop(db, facilitated.id).hidden_votes(questionnaire.questions) == ()


def test_agreeing_in_an_open_domain_leaves_it_open_and_closing_it_keeps_votes_and_agreed_answers(
    db: Database, questionnaire: Questionnaire, facilitated: Assessment, people: tuple[Respondent, ...]
) -> None:
    ana, *_ = people
    open_domain(db, questionnaire, facilitated.id, "GOV", by=FACILITATOR)
    save_answer(db, questionnaire, facilitated.id, ana.id, "GOV-02", 4)
    reveal_domain(db, facilitated.id, "GOV")
    agree(db, questionnaire, facilitated.id, "GOV-01", 3, note="Plan exists", by=FACILITATOR)
    next_round_in_domain(db, questionnaire, facilitated.id, "GOV-02")
    opened = get_workshop(db, facilitated.id).open_domain
    assert opened is not None and [r.question_id for r in opened.revotes] == ["GOV-02"]

    closed = close_domain(db, facilitated.id, "GOV")

    assert (closed.status, closed.revotes) == ("closed", ()) and closed.closed_at is not None
    workshop = get_workshop(db, facilitated.id)
    assert workshop.open_domain is None and workshop.hidden_votes(questionnaire.questions) == ()
    assert not workshop.participant_may_answer("GOV-01", "GOV")
    assert [(c.question_id, c.level) for c in list_consensus(db, facilitated.id)] == [("GOV-01", 3)]
    assert db.execute("SELECT count(*) FROM workshop_domain_rounds").fetchone()[0] == 0
    # With the domain closed, a question of it can go to the room on its own.
    assert open_item(db, questionnaire, facilitated.id, "GOV-02", by=FACILITATOR).is_open


def test_re_opening_a_domain_starts_a_new_round_clearing_its_votes_and_agreed_answers_keeping_the_history(
    db: Database, questionnaire: Questionnaire, facilitated: Assessment, people: tuple[Respondent, ...]
) -> None:
    ana, ben, _ = people
    save_answer(db, questionnaire, facilitated.id, ana.id, "BIA-01", 2)  # another domain: untouched
    open_domain(db, questionnaire, facilitated.id, "GOV", by=FACILITATOR)
    save_answer(db, questionnaire, facilitated.id, ana.id, "GOV-01", 1, comment="keep me")
    save_answer(db, questionnaire, facilitated.id, ben.id, "GOV-02", 5)
    reveal_domain(db, facilitated.id, "GOV")
    agree(db, questionnaire, facilitated.id, "GOV-02", 4, note="Settled", by=FACILITATOR)
    close_domain(db, facilitated.id, "GOV")

    reopened = reopen_domain(db, questionnaire, facilitated.id, "GOV", by="lee@example.com")

    assert (reopened.status, reopened.round, reopened.revealed, reopened.opened_by) == (
        "open",
        2,
        False,
        "lee@example.com",
    )
    assert list_consensus(db, facilitated.id) == ()
    assert set(levels_of(db, facilitated.id, "GOV-01").values()) == {None}
    assert set(levels_of(db, facilitated.id, "GOV-02").values()) == {None}
    assert levels_of(db, facilitated.id, "BIA-01") == {ana.id: 2}
    [ana_gov] = [a for a in list_answers(db, facilitated.id, ana.id) if a.question_id == "GOV-01"]
    assert ana_gov.comment == "keep me"
    assert (ben.id, 5) in {(c.respondent_id, c.before.level) for c in answer_history(db, facilitated.id, "GOV-02")}


# One open thing at a time: a question or a domain


def test_a_question_cannot_be_opened_while_a_domain_is_open_nor_a_domain_while_a_question_or_another_domain_is(
    db: Database, questionnaire: Questionnaire, facilitated: Assessment
) -> None:
    open_domain(db, questionnaire, facilitated.id, "GOV", by=FACILITATOR)
    with pytest.raises(WorkshopError, match=r"Domain GOV is open \(round 1\); close it before opening BIA-01"):
        open_item(db, questionnaire, facilitated.id, "BIA-01", by=FACILITATOR)
    with pytest.raises(WorkshopError, match=r"Domain GOV is open \(round 1\); close it before opening domain BIA"):
        open_domain(db, questionnaire, facilitated.id, "BIA", by=FACILITATOR)
    close_domain(db, facilitated.id, "GOV")
    open_item(db, questionnaire, facilitated.id, "BIA-01", by=FACILITATOR)
    with pytest.raises(WorkshopError, match=r"BIA-01 is open \(round 1\); close it before opening domain GOV"):
        reopen_domain(db, questionnaire, facilitated.id, "GOV", by=FACILITATOR)
    assert [d.status for d in list_domain_items(db, facilitated.id)] == ["closed"]


def test_the_database_itself_refuses_a_domain_open_beside_a_question_or_another_domain(
    db: Database, facilitated: Assessment
) -> None:
    moment = "'2026-03-31T09:00:00+00:00'"
    open_question = (
        "INSERT INTO workshop_items (assessment_id, question_id, status, round, revealed, opened_by, opened_at, "
        f"round_started_at) VALUES (?, ?, 'open', 1, 0, 'x', {moment}, {moment})"
    )
    open_a_domain = (
        "INSERT INTO workshop_domains (assessment_id, domain_id, status, round, revealed, opened_by, opened_at, "
        f"round_started_at) VALUES (?, ?, 'open', 1, 0, 'x', {moment}, {moment})"
    )
    db.execute(open_a_domain, [facilitated.id, "GOV"])
    with pytest.raises(sqlite3.IntegrityError, match=r"UNIQUE|unique constraint"):
        db.execute(open_a_domain, [facilitated.id, "BIA"])
    with pytest.raises(sqlite3.IntegrityError, match="a domain of this assessment is open"):
        db.execute(open_question, [facilitated.id, "BIA-01"])
    db.execute("UPDATE workshop_domains SET status = 'closed', closed_at = " + moment)
    db.execute(open_question, [facilitated.id, "BIA-01"])
    with pytest.raises(sqlite3.IntegrityError, match="a question of this assessment is open"):
        db.execute("UPDATE workshop_domains SET status = 'open', closed_at = NULL")
    with pytest.raises(sqlite3.IntegrityError, match="a question of this assessment is open"):
        db.execute(open_a_domain, [facilitated.id, "BIA"])


def test_two_facilitators_racing_one_for_a_question_one_for_a_domain_leave_exactly_one_thing_open(
    tmp_path: Path,
) -> None:
    path = str(tmp_path / "race.db")
    questionnaire = build_questionnaire(extra_questions=10)
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
                try:
                    if number == 0:
                        step = "question"
                        open_item(db, questionnaire, assessment.id, f"GOV-{101 + race}", by="facilitator 0")
                    else:
                        step = "domain"
                        put_before = list_domain_items(db, assessment.id) != ()
                        (reopen_domain if put_before else open_domain)(
                            db, questionnaire, assessment.id, "BIA", by="facilitator 1"
                        )
                    outcomes[race].append(step)
                except WorkshopError as refused:
                    outcomes[race].append(f"refused: {refused}")
                start.wait()
                if number == 0:
                    workshop = get_workshop(db, assessment.id)
                    if workshop.open_item is not None:
                        close_item(db, assessment.id, workshop.open_item.question_id)
                    if workshop.open_domain is not None:
                        close_domain(db, assessment.id, workshop.open_domain.domain_id)
                start.wait()
        finally:
            db.close()

    threads = [threading.Thread(target=facilitator, args=(number,)) for number in (0, 1)]
    for thread in threads:
        thread.start()
    for thread in threads:
        thread.join(timeout=60)
    setup.close()
    for outcome in outcomes:
        opened = [entry for entry in outcome if not entry.startswith("refused")]
        refusals = [entry for entry in outcome if entry.startswith("refused")]
        assert len(opened) == 1 and len(refusals) == 1, outcome
        assert "is open (round" in refusals[0] and "close it before opening" in refusals[0], outcome


# Hidden votes of a domain: counts only


def test_while_a_domain_votes_the_room_sees_per_question_how_many_voted_and_never_a_level(
    db: Database, questionnaire: Questionnaire, facilitated: Assessment, people: tuple[Respondent, ...]
) -> None:
    ana, ben, _ = people
    open_domain(db, questionnaire, facilitated.id, "BIA", by=FACILITATOR)
    save_answer(db, questionnaire, facilitated.id, ana.id, "BIA-01", 4)
    save_answer(db, questionnaire, facilitated.id, ben.id, "BIA-01", 5)
    save_answer(db, questionnaire, facilitated.id, ben.id, "BIA-02", None, na=True)
    save_answer(db, questionnaire, facilitated.id, ana.id, "GOV-01", 3)  # another domain: not asked about
    counts = answered_counts(db, facilitated.id, ["BIA-01", "BIA-02"])
    assert counts == (
        AnsweredCount("BIA-01", 2, 3, ("Cy",)),
        AnsweredCount("BIA-02", 1, 3, ("Ana", "Cy")),
    )
    # Ana and Ben answered 4 and 5: neither number may be told apart in what is returned.
    assert "4" not in repr(counts) and "5" not in repr(counts)
    assert answered_counts(db, facilitated.id, []) == ()
    with pytest.raises(NotFoundError):
        answered_counts(db, 999, ["BIA-01"])


# Restore and deletion


@pytest.fixture
def workshop_backup(tmp_path: Path) -> Path:
    """A database file the app wrote: domain modes, a closed domain and an open one with a question voting again."""
    path = tmp_path / "domains.db"
    shipped = get_questionnaire("itscm", "2026.1")
    db = open_database(path)
    try:
        assessment = add_assessment(db, shipped)
        ana = add_respondent(db, assessment.id, "Ana")
        set_mode(db, assessment.id, "facilitated", by=FACILITATOR)
        set_domain_mode(db, shipped, assessment.id, "GOV", "self_paced", by=FACILITATOR)
        set_domain_mode(db, shipped, assessment.id, "REC", "facilitated", by=FACILITATOR)
        open_domain(db, shipped, assessment.id, "RISK", by=FACILITATOR)
        close_domain(db, assessment.id, "RISK")
        open_domain(db, shipped, assessment.id, "REC", by=FACILITATOR)
        save_answer(db, shipped, assessment.id, ana.id, "REC-01", 3)
        reveal_domain(db, assessment.id, "REC")
        next_round_in_domain(db, shipped, assessment.id, "REC-01")
    finally:
        db.close()
    return path


def edited(backup: Path, statement: str) -> Path:
    """Run `statement` on `backup` as someone editing the file would: no foreign keys, no CHECK constraints."""
    conn = sqlite3.connect(backup, isolation_level=None)
    try:
        conn.execute("PRAGMA foreign_keys = OFF")
        conn.execute("PRAGMA ignore_check_constraints = ON")
        conn.execute(statement)
    finally:
        conn.close()
    return backup


@pytest.mark.sqlite_only
def test_a_backup_with_domain_modes_and_domains_put_to_the_room_is_accepted(workshop_backup: Path) -> None:
    checked = check_backup(workshop_backup)
    assert (checked.schema_version, checked.assessments) == (LATEST_VERSION, 1)


@pytest.mark.parametrize(
    ("statement", "problem"),
    [
        (
            "UPDATE workshop_domain_modes SET domain_id = 'XYZ' WHERE domain_id = 'GOV'",
            r"workshop_domain_modes row \d+: domain 'XYZ' is not in questionnaire 'itscm'",
        ),
        ("UPDATE workshop_domain_modes SET mode = 'guided'", r"workshop_domain_modes row \d+: mode 'guided' is not in"),
        ("UPDATE workshop_domain_modes SET set_by = ''", r"workshop_domain_modes row \d+: set_by is empty"),
        (
            "UPDATE workshop_domains SET domain_id = 'XYZ' WHERE domain_id = 'RISK'",
            r"workshop_domains row 1: domain 'XYZ' is not in questionnaire",
        ),
        ("UPDATE workshop_domains SET status = 'paused' WHERE id = 1", r"workshop_domains row 1: status 'paused'"),
        ("UPDATE workshop_domains SET round = 0 WHERE id = 1", r"workshop_domains row 1: round 0 is not a whole"),
        ("UPDATE workshop_domains SET revealed = 2 WHERE id = 2", r"workshop_domains row 2: revealed 2 is neither"),
        (
            "UPDATE workshop_domains SET opened_at = '2026-03-31T09:30:00' WHERE id = 2",
            r"workshop_domains row 2: opened_at .* has no UTC offset",
        ),
        (
            "UPDATE workshop_domains SET closed_at = NULL WHERE id = 1",
            r"workshop_domains row 1: a closed domain has no closing time",
        ),
        (
            "UPDATE workshop_domains SET closed_at = '2026-03-31T09:30:00+00:00' WHERE id = 2",
            r"workshop_domains row 2: an open domain has a closing time",
        ),
        (
            "UPDATE workshop_domain_rounds SET question_id = 'XYZ-99'",
            r"workshop_domain_rounds row \d+: Question 'XYZ-99' is not in questionnaire 'itscm'",
        ),
        (
            "UPDATE workshop_domain_rounds SET question_id = 'GOV-01'",
            r"workshop_domain_rounds row \d+: question GOV-01 is in domain GOV, not 'REC'",
        ),
        ("UPDATE workshop_domain_rounds SET round = 1", r"workshop_domain_rounds row \d+: round 1 is not a whole"),
        (
            "UPDATE workshop_domain_rounds SET round_started_at = 'soon'",
            r"workshop_domain_rounds row \d+: round_started_at 'soon' is not a date and time",
        ),
        (
            "UPDATE workshop_domain_rounds SET domain_id = 'TEST'",
            r"workshop_domain_rounds row \d+: .*refers to a row of workshop_domains that does not exist",
        ),
    ],
)
@pytest.mark.sqlite_only
def test_restore_names_a_bad_value_in_domain_modes_domains_and_their_rounds(
    workshop_backup: Path, statement: str, problem: str
) -> None:
    with pytest.raises(RestoreError, match=problem):
        check_backup(edited(workshop_backup, statement))


def test_deleting_an_assessment_takes_its_domain_modes_and_domains_and_no_other(
    db: Database, questionnaire: Questionnaire, facilitated: Assessment, people: tuple[Respondent, ...]
) -> None:
    keep = create_assessment(db, facilitated.organisation_id, questionnaire, "FY2027", date(2027, 3, 1))
    for assessment in (facilitated, keep):
        set_mode(db, assessment.id, "facilitated", by=FACILITATOR)
        set_domain_mode(db, questionnaire, assessment.id, "BIA", "self_paced", by=FACILITATOR)
        open_domain(db, questionnaire, assessment.id, "GOV", by=FACILITATOR)
        reveal_domain(db, assessment.id, "GOV")
        next_round_in_domain(db, questionnaire, assessment.id, "GOV-01")
    kept = (get_workshop(db, keep.id), list_domain_items(db, keep.id))

    delete_assessment(db, facilitated.id)

    for table in ("workshop_domain_modes", "workshop_domains", "workshop_domain_rounds"):
        left = db.execute(f"SELECT count(*) FROM {table} WHERE assessment_id = ?", [facilitated.id]).fetchone()[0]
        assert left == 0, table
    assert (get_workshop(db, keep.id), list_domain_items(db, keep.id)) == kept
    assert db.execute("PRAGMA foreign_key_check").fetchall() == []
