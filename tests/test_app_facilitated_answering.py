"""A participant in a facilitated workshop answers the open question only; nobody sees a vote before the reveal."""

from __future__ import annotations

from datetime import date
from pathlib import Path

import pytest
from app_runner import open_page

from access.links import create_participant_link
from questionnaires.catalog import get_questionnaire
from storage import connect, create_assessment, create_organisation, get_or_create_respondent, save_answer
from storage.workshop import open_item, reveal, set_mode

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
