"""A participant in a facilitated workshop answers the open question, or every question of the open domain, only;
nobody sees a vote before the reveal; a domain self-paced on its own is answered as usual."""

from __future__ import annotations

from datetime import date
from pathlib import Path

import pytest
from app_runner import open_page
from streamlit.testing.v1 import AppTest

from access.links import create_participant_link
from questionnaires.catalog import get_questionnaire
from storage import (
    connect,
    create_assessment,
    create_organisation,
    get_or_create_respondent,
    list_answers,
    save_answer,
)
from storage.workshop import (
    close_domain,
    close_item,
    get_workshop,
    next_round_in_domain,
    open_domain,
    open_item,
    reveal,
    reveal_domain,
    set_domain_mode,
    set_mode,
)
from ui.text import md

QUESTIONNAIRE = get_questionnaire("itscm", "2026.1")


@pytest.fixture
def room(database: Path) -> tuple[int, str, int]:
    """A facilitated workshop with two participants; Ben has voted 5 on RISK-03: (assessment, Ana's token, Ben's id)."""
    db = connect()
    org = create_organisation(db, "Acme", "Retail", "250-999 employees", "Europe")
    assessment = create_assessment(db, org.id, QUESTIONNAIRE, "FY2026", date(2026, 3, 1))
    token, _ = create_participant_link(db, assessment.id, "Ana", created_by="test")
    ben = get_or_create_respondent(db, assessment.id, "Ben")
    set_mode(db, assessment.id, "facilitated", by="facilitator")
    return assessment.id, token, ben.id


def shown(at: object) -> str:
    return "\n".join(str(e.value) for kind in ("markdown", "info", "caption", "subheader") for e in getattr(at, kind))


def test_with_no_question_open_a_participant_waits_for_the_facilitator(room: tuple[int, str, int]) -> None:
    at = open_page(join=room[1])
    assert not at.exception
    assert "Waiting for the facilitator to open the next question" in shown(at)
    assert len(at.radio) == 0


def test_a_participant_sees_and_answers_only_the_open_question(room: tuple[int, str, int]) -> None:
    assessment, token, _ben = room
    open_item(connect(), QUESTIONNAIRE, assessment, "RISK-03", by="facilitator")
    at = open_page(join=token)
    assert [r.key.endswith("-RISK-03") for r in at.radio] == [True]
    at.radio[0].set_value(4).run()
    assert not at.exception
    assert any("RISK-03" in str(m.value) for m in at.markdown)


def test_after_the_reveal_a_participant_can_no_longer_change_the_vote(room: tuple[int, str, int]) -> None:
    assessment, token, _ben = room
    db = connect()
    open_item(db, QUESTIONNAIRE, assessment, "RISK-03", by="facilitator")
    reveal(db, assessment, "RISK-03")
    at = open_page(join=token)
    assert "The votes are revealed" in shown(at)
    assert at.radio[0].disabled


def test_a_member_answering_for_someone_sees_no_vote_on_the_open_question_before_the_reveal(
    room: tuple[int, str, int],
) -> None:
    assessment, _token, ben = room
    db = connect()
    open_item(db, QUESTIONNAIRE, assessment, "RISK-03", by="facilitator")
    save_answer(db, QUESTIONNAIRE, assessment, ben, "RISK-03", 5, comment="Ben's private reasoning")
    at = open_page("questionnaire", assessment=assessment, respondent=ben, domain="RISK")
    assert "votes are hidden until the facilitator reveals them" in shown(at)
    assert "Ben's private reasoning" not in "\n".join(str(t.value) for t in at.text_area)
    assert not [r for r in at.radio if r.key.endswith("RISK-03")]
    reveal(db, assessment, "RISK-03")
    after = open_page("questionnaire", assessment=assessment, respondent=ben, domain="RISK")
    assert [r.value for r in after.radio if r.key.endswith("RISK-03")] == [5]


def test_votes_hidden_in_the_room_are_left_out_of_results_and_exports_until_revealed(
    room: tuple[int, str, int],
) -> None:
    from exports.report import load_report

    assessment, _token, ben = room
    db = connect()
    open_item(db, QUESTIONNAIRE, assessment, "RISK-03", by="facilitator")
    save_answer(db, QUESTIONNAIRE, assessment, ben, "RISK-03", 5)
    shown_report = load_report(db, assessment)
    assert not [a for a in shown_report.answers if a.question_id == "RISK-03"]
    assert not shown_report.score.questions["RISK-03"].answered
    assert [a.level for a in load_report(db, assessment, with_hidden_votes=True).answers] == [5]
    reveal(db, assessment, "RISK-03")
    assert [a.level for a in load_report(db, assessment).answers] == [5]


# A whole domain put to the room, and domains with a way of their own

RISK = [q.id for q in QUESTIONNAIRE.questions_in("RISK")]


def radios_of(at: AppTest) -> list[str]:
    """The question ids whose level the page offers, in page order."""
    return [r.key.rsplit("-", 2)[-2] + "-" + r.key.rsplit("-", 1)[-1] for r in at.radio if r.key]


def test_a_participant_answers_every_question_of_the_open_domain_unseen_by_others(
    room: tuple[int, str, int],
) -> None:
    assessment, token, ben = room
    db = connect()
    open_domain(db, QUESTIONNAIRE, assessment, "RISK", by="facilitator")
    save_answer(db, QUESTIONNAIRE, assessment, ben, "RISK-02", 5, comment="Ben's private reasoning")
    at = open_page(join=token)
    assert radios_of(at) == RISK
    assert "Nobody sees anyone's answers until the facilitator reveals them" in shown(at)
    assert "Ben's private reasoning" not in "\n".join(str(t.value) for t in at.text_area)
    at.radio[1].set_value(2).run()
    at.radio[4].set_value(3).run()
    assert not at.exception, at.exception
    mine = {a.question_id: a.level for a in list_answers(connect(), assessment) if a.respondent_id != ben}
    assert mine == {"RISK-02": 2, "RISK-05": 3}


def test_after_the_domain_is_revealed_a_participant_can_no_longer_change_its_answers(
    room: tuple[int, str, int],
) -> None:
    assessment, token, _ben = room
    db = connect()
    open_domain(db, QUESTIONNAIRE, assessment, "RISK", by="facilitator")
    reveal_domain(db, assessment, "RISK")
    at = open_page(join=token)
    assert "The answers to this domain are revealed" in shown(at)
    assert radios_of(at) == RISK and all(r.disabled for r in at.radio)


def test_another_round_on_one_question_of_the_revealed_domain_reopens_only_that_question(
    room: tuple[int, str, int],
) -> None:
    assessment, token, _ben = room
    db = connect()
    open_domain(db, QUESTIONNAIRE, assessment, "RISK", by="facilitator")
    reveal_domain(db, assessment, "RISK")
    next_round_in_domain(db, QUESTIONNAIRE, assessment, "RISK-03")
    at = open_page(join=token)
    assert [r.disabled for r in at.radio] == [q != "RISK-03" for q in RISK]
    assert md("RISK-03, round 2: answer it again") in shown(at)


def test_a_participant_whose_link_leaves_out_the_open_domain_waits_for_the_facilitator(
    room: tuple[int, str, int],
) -> None:
    assessment, _token, _ben = room
    db = connect()
    token, _ = create_participant_link(db, assessment, "Cy", domains=("BIA",), created_by="test")
    open_domain(db, QUESTIONNAIRE, assessment, "RISK", by="facilitator")
    at = open_page(join=token)
    assert not at.exception
    assert "Waiting for the facilitator to open the next question" in shown(at)
    assert not at.radio


def test_a_self_paced_domain_is_answered_as_usual_while_a_facilitated_one_shows_only_what_is_open(
    room: tuple[int, str, int],
) -> None:
    assessment, token, _ben = room
    db = connect()
    set_mode(db, assessment, "self_paced", by="facilitator")
    set_domain_mode(db, QUESTIONNAIRE, assessment, "REC", "facilitated", by="facilitator")
    open_item(db, QUESTIONNAIRE, assessment, "REC-02", by="facilitator")
    at = open_page(join=token)
    assert not at.exception, at.exception
    # The first domain, self-paced: every question answered at one's own pace, with the room one click away.
    assert radios_of(at) == RISK
    assert md("The room is answering Recovery strategies now.") in shown(at)
    at.radio[0].set_value(4).run()
    assert [(a.question_id, a.level) for a in list_answers(connect(), assessment) if a.level] == [("RISK-01", 4)]
    # The facilitated domain: only its open question.
    at.button(key=f"join-room-{assessment}").click().run()
    assert not at.exception, at.exception
    assert radios_of(at) == ["REC-02"]
    close_item(db, assessment, "REC-02")
    at.run()
    assert not at.radio
    assert "The facilitator puts this domain's questions to the room" in shown(at)


def test_a_participant_cannot_answer_a_facilitated_domains_question_that_is_not_open(
    room: tuple[int, str, int],
) -> None:
    assessment, token, _ben = room
    db = connect()
    open_domain(db, QUESTIONNAIRE, assessment, "RISK", by="facilitator")
    at = open_page(join=token)
    # The facilitator closes the domain while the participant's page still shows it: the answer is refused
    # when it is saved, and the page waits for the next question.
    close_domain(db, assessment, "RISK")
    at.radio[0].set_value(4).run()
    assert not at.exception, at.exception
    assert list_answers(connect(), assessment) == ()
    assert "Waiting for the facilitator to open the next question" in shown(at)


def test_every_step_on_a_domain_changes_what_a_participants_page_follows(room: tuple[int, str, int]) -> None:
    # The page reruns by itself when get_workshop differs from what it showed (follow_the_facilitator).
    assessment, _token, _ben = room
    db = connect()
    seen = [get_workshop(db, assessment)]
    for step in (
        lambda: set_domain_mode(db, QUESTIONNAIRE, assessment, "GOV", "self_paced", by="facilitator"),
        lambda: open_domain(db, QUESTIONNAIRE, assessment, "RISK", by="facilitator"),
        lambda: reveal_domain(db, assessment, "RISK"),
        lambda: next_round_in_domain(db, QUESTIONNAIRE, assessment, "RISK-01"),
        lambda: reveal_domain(db, assessment, "RISK"),
        lambda: close_domain(db, assessment, "RISK"),
        lambda: set_mode(db, assessment, "self_paced", by="facilitator"),
    ):
        step()
        seen.append(get_workshop(db, assessment))
        assert seen[-1] != seen[-2], step


def test_votes_of_the_open_domain_are_left_out_of_results_and_exports_until_revealed(
    room: tuple[int, str, int],
) -> None:
    from exports.report import load_report

    assessment, _token, ben = room
    db = connect()
    open_domain(db, QUESTIONNAIRE, assessment, "RISK", by="facilitator")
    save_answer(db, QUESTIONNAIRE, assessment, ben, "RISK-03", 5)
    save_answer(db, QUESTIONNAIRE, assessment, ben, "RISK-07", 2)
    assert not load_report(db, assessment).answers
    assert len(load_report(db, assessment, with_hidden_votes=True).answers) == 2
    reveal_domain(db, assessment, "RISK")
    assert sorted(a.question_id for a in load_report(db, assessment).answers) == ["RISK-03", "RISK-07"]
