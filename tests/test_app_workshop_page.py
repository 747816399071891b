"""The Workshop page: participants and their join links, live progress, hidden votes and the reveal, agreeing
an answer with its rationale, another round, and open disagreements discussed first; modes per domain and a
whole domain put to the room."""

from __future__ import annotations

import json
from collections.abc import Iterator
from dataclasses import dataclass
from datetime import date
from pathlib import Path

import pandas as pd
import pyarrow as pa
import pytest
from app_runner import ROOT, TIMEOUT, new_session, open_page
from streamlit.testing.v1 import AppTest

from access import Member, Owner
from access.identity import add_member
from access.links import LinkRefused, participant_for
from exports.report import responses_of
from questionnaires.catalog import get_questionnaire
from scoring.workshop import distributions
from storage import (
    add_respondent,
    answer_history,
    connect,
    create_assessment,
    create_organisation,
    get_workshop,
    list_answers,
    list_consensus,
    list_links,
    list_respondents,
    open_item,
    save_answer,
    set_mode,
)
from storage.workshop import open_domain
from ui.charts import vote_distribution
from ui.text import md

QUESTIONNAIRE = get_questionnaire("itscm", "2026.1")
# The order the facilitator goes through: domains as the questionnaire shows them, questions in file order.
FIRST, SECOND, THIRD = (q.id for q in QUESTIONNAIRE.questions_in(QUESTIONNAIRE.domains[0].id)[:3])
AUTH = {
    "redirect_uri": "http://127.0.0.1:8501/oauth2callback",
    "cookie_secret": "x" * 32,
    "client_id": "itscm",
    "client_secret": "secret",
    "server_metadata_url": "http://127.0.0.1:9/.well-known/openid-configuration",
}


@dataclass(frozen=True)
class Room:
    organisation_id: int
    assessment_id: int
    respondents: dict[str, int]


@pytest.fixture
def room(database: Path) -> Room:
    """Acme's FY2026 assessment with three participants (Ana, Bo, Cy) who have answered nothing yet."""
    db = connect()
    org = create_organisation(db, "Acme", "Retail", "250-999 employees", "Europe")
    assessment = create_assessment(db, org.id, QUESTIONNAIRE, "FY2026", date(2026, 3, 1))
    people = {name: add_respondent(db, assessment.id, name).id for name in ("Ana", "Bo", "Cy")}
    return Room(org.id, assessment.id, people)


def key(room: Room, name: str) -> str:
    return f"workshop-{name}-{room.assessment_id}"


def workshop(room: Room) -> AppTest:
    at = open_page("workshop", assessment=room.assessment_id)
    assert not at.exception, at.exception
    return at


def vote(room: Room, name: str, question_id: str, level: int, comment: str = "") -> None:
    db = connect()
    save_answer(db, QUESTIONNAIRE, room.assessment_id, room.respondents[name], question_id, level, comment=comment)


def facilitated_with_open(room: Room, question_id: str) -> None:
    db = connect()
    set_mode(db, room.assessment_id, "facilitated", by="Owner")
    open_item(db, QUESTIONNAIRE, room.assessment_id, question_id, by="Owner")


def everything_shown(at: AppTest) -> str:
    """Every element's content on the page, as sent to the browser."""

    def walk(node: object) -> Iterator[object]:
        yield node
        for child in getattr(node, "children", {}).values():
            yield from walk(child)

    return "\n".join(str(getattr(node, "proto", "")) for node in walk(at.main))


def table_with(at: AppTest, column: str) -> pd.DataFrame:
    return next(frame.value for frame in at.dataframe if column in frame.value.columns)


def charts(at: AppTest) -> list[dict[str, object]]:
    return [json.loads(chart.proto.spec) for chart in at.get("plotly_chart")]


def add(at: AppTest, room: Room, name: str, role: str = "", domains: tuple[str, ...] = ()) -> AppTest:
    at.text_input(key=key(room, "name")).input(name)
    at.text_input(key=key(room, "role")).input(role)
    at.multiselect(key=key(room, "domains")).set_value(list(domains))
    at.button(key=key(room, "add-button")).click().run()
    assert not at.exception, at.exception
    return at


def shown_token(at: AppTest) -> str:
    [code] = at.code
    assert code.value.startswith("http://localhost:8501/?join=")
    return code.value.split("?join=", 1)[1]


def test_adding_a_participant_shows_their_join_link_and_a_qr_code_once(room: Room) -> None:
    at = add(workshop(room), room, "Dee", role="Head of IT operations")
    assert len(at.code) == 1
    assert len(at.get("image")) == 1
    assert "Dee" in at.success[0].value
    participants = table_with(at, "Participant")
    assert participants[participants["Participant"] == "Dee"][["Role", "Link", "Domains"]].values.tolist() == [
        ["Head of IT operations", "active", "all"]
    ]
    at.run()
    assert not at.code
    assert not at.get("image")


def test_the_join_link_opens_that_participants_questionnaire_for_their_domains(room: Room) -> None:
    at = add(workshop(room), room, "Dee", role="CIO", domains=("BIA", "GOV"))
    participant = participant_for(connect(), shown_token(at))
    assert participant.respondent_name == "Dee"
    assert participant.assessment_id == room.assessment_id
    assert participant.domains == frozenset({"BIA", "GOV"})
    joined = new_session(join=shown_token(at)).run()
    assert not joined.exception
    assert "Dee" in everything_shown(joined)


def test_a_participant_whose_name_is_taken_is_refused_and_no_link_is_made(room: Room) -> None:
    at = add(workshop(room), room, "ana")
    assert md("already has a respondent named 'Ana'") in at.error[0].value
    assert not at.code
    assert table_with(at, "Participant")["Link"].tolist() == ["no link"] * 3


def respondent_id(room: Room, name: str) -> int:
    return next(r.id for r in list_respondents(connect(), room.assessment_id) if r.name == name)


def test_renewing_a_link_refuses_the_old_token_and_keeps_the_domains(room: Room) -> None:
    at = add(workshop(room), room, "Dee", domains=("BIA",))
    old = shown_token(at)
    at.selectbox(key=key(room, "link-of")).set_value(respondent_id(room, "Dee"))
    at.button(key=key(room, "renew")).click().run()
    new = shown_token(at)
    assert new != old
    assert len(at.get("image")) == 1
    with pytest.raises(LinkRefused, match="withdrawn"):
        participant_for(connect(), old)
    assert participant_for(connect(), new).domains == frozenset({"BIA"})
    assert len(list_links(connect(), room.assessment_id)) == 2


def test_withdrawing_a_link_refuses_its_token_and_shows_it_withdrawn(room: Room) -> None:
    at = add(workshop(room), room, "Dee")
    token = shown_token(at)
    at.selectbox(key=key(room, "link-of")).set_value(respondent_id(room, "Dee"))
    at.button(key=key(room, "withdraw")).click().run()
    assert not at.exception
    with pytest.raises(LinkRefused, match="withdrawn"):
        participant_for(connect(), token)
    participants = table_with(at, "Participant")
    assert participants[participants["Participant"] == "Dee"]["Link"].tolist() == ["withdrawn"]
    assert not at.code


def test_progress_counts_each_participants_answers_per_domain(room: Room) -> None:
    bia = [q.id for q in QUESTIONNAIRE.questions_in("BIA")]
    gov = [q.id for q in QUESTIONNAIRE.questions_in("GOV")]
    for question_id in bia[:2] + gov[:1]:
        vote(room, "Ana", question_id, 3)
    vote(room, "Bo", gov[0], 2)
    progress = table_with(workshop(room), "Answered").set_index("Participant")
    assert progress["Answered"].to_dict() == {"Ana": 3, "Bo": 1, "Cy": 0}
    assert progress.loc["Ana", "BIA"] == f"2/{len(bia)}"
    assert progress.loc["Ana", "GOV"] == f"1/{len(gov)}"
    assert progress.loc["Cy", "RISK"] == f"0/{len(QUESTIONNAIRE.questions_in('RISK'))}"


def test_choosing_facilitated_and_opening_puts_the_next_question_to_the_room(room: Room) -> None:
    at = workshop(room)
    at.radio(key=key(room, "mode")).set_value("facilitated").run()
    assert get_workshop(connect(), room.assessment_id).mode == "facilitated"
    assert at.selectbox(key=key(room, "question-to-open")).value == FIRST
    at.button(key=key(room, "open-button")).click().run()
    assert not at.exception
    opened = get_workshop(connect(), room.assessment_id).open_item
    assert opened is not None and (opened.question_id, opened.round, opened.revealed) == (FIRST, 1, False)
    assert "0 of 3 have voted" in everything_shown(at)


def test_before_the_reveal_the_page_shows_how_many_voted_and_no_level_of_anyone(room: Room) -> None:
    facilitated_with_open(room, FIRST)
    vote(room, "Ana", FIRST, 2, comment="AnaThinksRepeatable")
    vote(room, "Bo", FIRST, 5, comment="BoThinksOptimised")
    at = workshop(room)
    shown = everything_shown(at)
    assert "2 of 3 have voted" in shown
    assert md("Still to vote: Cy") in [caption.value for caption in at.caption]
    for hidden in ("Repeatable", "Optimised", "AnaThinks", "BoThinks", "spread", "median"):
        assert hidden not in shown, hidden
    assert not charts(at)
    assert not at.text_area


def test_revealing_shows_the_distribution_of_the_votes_and_the_comments(room: Room) -> None:
    facilitated_with_open(room, FIRST)
    vote(room, "Ana", FIRST, 2, comment="AnaThinksRepeatable")
    vote(room, "Bo", FIRST, 5)
    at = workshop(room)
    at.button(key=key(room, "reveal")).click().run()
    assert get_workshop(connect(), room.assessment_id).open_item.revealed
    [chart] = charts(at)
    assert chart["data"][0]["y"] == [0, 1, 0, 0, 1]
    shown = everything_shown(at)
    assert "spread 3" in shown
    assert "AnaThinksRepeatable" in shown
    assert "Disagreement" in shown


def test_agreeing_stores_the_consensus_with_its_rationale_and_closes_the_question(room: Room) -> None:
    facilitated_with_open(room, FIRST)
    vote(room, "Ana", FIRST, 2)
    vote(room, "Bo", FIRST, 4)
    at = workshop(room)
    at.button(key=key(room, "reveal")).click().run()
    at.selectbox(key=key(room, f"agreed-{FIRST}")).set_value(3)
    at.text_area(key=key(room, f"rationale-{FIRST}")).input("Documented method, applied to two services of five.")
    at.button(key=key(room, f"agree-button-{FIRST}")).click().run()
    assert not at.exception
    [agreed] = list_consensus(connect(), room.assessment_id)
    assert (agreed.question_id, agreed.level, agreed.na) == (FIRST, 3, False)
    assert agreed.note == "Documented method, applied to two services of five."
    assert agreed.set_by == Owner().label
    assert get_workshop(connect(), room.assessment_id).open_item is None
    summary = "\n".join(str(m.value) for m in at.markdown)
    assert "**Agreed** (1)" in summary
    assert "two services of five" in summary
    assert "**Disagreements settled** (1)" in summary


def test_agreeing_without_a_rationale_is_refused_with_a_message(room: Room) -> None:
    facilitated_with_open(room, FIRST)
    vote(room, "Ana", FIRST, 2)
    at = workshop(room)
    at.button(key=key(room, "reveal")).click().run()
    at.button(key=key(room, f"agree-button-{FIRST}")).click().run()
    assert at.error[0].value.startswith("Give the rationale")
    assert list_consensus(connect(), room.assessment_id) == ()


def test_another_round_clears_the_votes_and_keeps_them_in_the_answer_history(room: Room) -> None:
    facilitated_with_open(room, FIRST)
    vote(room, "Ana", FIRST, 2, comment="keep me")
    vote(room, "Bo", FIRST, 4)
    at = workshop(room)
    at.button(key=key(room, "reveal")).click().run()
    at.button(key=key(room, "round")).click().run()
    assert not at.exception
    item = get_workshop(connect(), room.assessment_id).open_item
    assert item is not None and (item.round, item.revealed) == (2, False)
    answers = [a for a in list_answers(connect(), room.assessment_id) if a.question_id == FIRST]
    assert all(a.level is None and not a.na for a in answers)
    assert [a.comment for a in answers if a.respondent_id == room.respondents["Ana"]] == ["keep me"]
    earlier = {change.before.level for change in answer_history(connect(), room.assessment_id, FIRST)}
    assert {2, 4} <= earlier
    assert "0 of 3 have voted" in everything_shown(at)
    assert not charts(at)


def test_open_disagreements_are_discussed_first_widest_spread_first(room: Room) -> None:
    for name, level in (("Ana", 3), ("Bo", 3)):
        vote(room, name, FIRST, level)
    for name, level in (("Ana", 2), ("Bo", 4)):
        vote(room, name, SECOND, level)
    for name, level in (("Ana", 1), ("Bo", 5)):
        vote(room, name, THIRD, level)
    at = workshop(room)
    assert table_with(at, "Spread")["Question"].tolist() == [THIRD, SECOND, FIRST]
    assert table_with(at, "Spread")["Status"].tolist() == ["open disagreement", "open disagreement", ""]
    assert at.selectbox(key=key(room, "discuss")).value == THIRD


def shown_cells(at: AppTest, column: str) -> list[str]:
    """The text the browser shows in a column of the table holding it (a Styler's display values)."""
    frame = next(frame for frame in at.dataframe if column in frame.value.columns)
    display = pa.ipc.open_stream(frame.proto.arrow_data.styler.display_values).read_pandas()
    return [str(value) for value in display[column]]


def test_counts_read_in_the_singular_or_plural_and_spreads_as_whole_numbers(room: Room) -> None:
    for name, level in (("Ana", 2), ("Bo", 4)):
        vote(room, name, SECOND, level)
    vote(room, "Ana", FIRST, 3)
    at = workshop(room)
    assert any(c.value.startswith("1 open disagreement (levels 2 or more apart)") for c in at.caption)
    assert shown_cells(at, "Spread") == ["2", "0"]  # not 2.000000
    assert "2 votes · lower median 2 Repeatable · spread 2" in [m.value for m in at.markdown]
    assert "**Still open** (1 disagreement)" in [m.value for m in at.markdown]


def test_with_no_participants_the_progress_section_says_what_will_show_there(database: Path) -> None:
    db = connect()
    org = create_organisation(db, "Acme", "Retail", "250-999 employees", "Europe")
    assessment = create_assessment(db, org.id, QUESTIONNAIRE, "FY2026", date(2026, 3, 1))
    at = open_page("workshop", assessment=assessment.id)
    assert not at.exception, at.exception
    assert "Each participant's answers per domain show here once participants are added." in [
        c.value for c in at.caption
    ]


def test_the_domains_way_pickers_keep_the_questionnaires_order_when_a_phone_stacks_the_columns(room: Room) -> None:
    # A phone stacks columns one under the other: pickers must go row by row, not column by column.
    at = workshop(room)
    in_order = [key(room, f"mode-{domain.id}") for domain in QUESTIONNAIRE.domains]
    assert [s.key for s in at.selectbox if s.key in in_order] == in_order


def test_a_viewer_cannot_open_the_workshop_page(room: Room) -> None:
    user = add_member(connect(), "viewer@example.com", "viewer", [room.organisation_id], by="test")
    vote(room, "Ana", FIRST, 2, comment="NotForViewers")
    # Through the app: the page is not in a viewer's menu, so asking for it shows another page.
    at = new_session(assessment=room.assessment_id)
    at.secrets["auth"] = AUTH
    at.user = {"is_logged_in": True, "email": "viewer@example.com"}
    at.switch_page("app_pages/workshop.py")
    at.run()
    assert not at.exception
    assert "NotForViewers" not in everything_shown(at)
    assert not [b for b in at.button if b.key and b.key.startswith("workshop-")]
    # The page itself refuses a viewer too, should it ever be reached.
    page = AppTest.from_file(str(ROOT / "app_pages" / "workshop.py"), default_timeout=TIMEOUT)
    page.session_state["access-actor"] = Member(user.id, user.email, "viewer", frozenset({room.organisation_id}))
    page.query_params["assessment"] = str(room.assessment_id)
    page.run()
    assert not page.exception
    assert page.error[0].value.startswith("You may not facilitate")
    assert "NotForViewers" not in everything_shown(page)
    assert not page.text_input


def test_the_vote_chart_has_a_bar_per_level_and_n_a_beside_with_names_escaped(room: Room) -> None:
    na_question = next(q for q in QUESTIONNAIRE.questions if q.na_allowed)
    db = connect()
    save_answer(db, QUESTIONNAIRE, room.assessment_id, room.respondents["Ana"], na_question.id, None, True)
    vote(room, "Bo", na_question.id, 4)
    answers = list_answers(db, room.assessment_id)
    [found] = [d for d in distributions(QUESTIONNAIRE, responses_of(answers)) if d.question_id == na_question.id]
    evil = QUESTIONNAIRE.model_copy(
        update={
            "levels": [
                level.model_copy(update={"name": "<b>Managed</b>"}) if level.number == 4 else level
                for level in QUESTIONNAIRE.levels
            ]
        }
    )
    figure = vote_distribution(found, evil)
    assert list(figure.data[0].y) == [0, 0, 0, 1, 0, 1]
    assert figure.layout.xaxis.ticktext[-1] == "N/A"
    assert figure.layout.xaxis.ticktext[3] == "4<br>&lt;b&gt;Managed&lt;/b&gt;"
    assert figure.data[0].customdata[3] == "4 &lt;b&gt;Managed&lt;/b&gt;"


# Modes per domain and a whole domain put to the room

BIA = [q.id for q in QUESTIONNAIRE.questions_in("BIA")]


def facilitated_with_domain_open(room: Room, domain_id: str) -> None:
    db = connect()
    set_mode(db, room.assessment_id, "facilitated", by="Owner")
    open_domain(db, QUESTIONNAIRE, room.assessment_id, domain_id, by="Owner")


def test_a_domain_given_a_way_of_its_own_overrides_the_assessments_until_it_follows_it_again(room: Room) -> None:
    at = workshop(room)
    at.radio(key=key(room, "mode")).set_value("facilitated").run()
    at.selectbox(key=key(room, "mode-GOV")).set_value("self_paced").run()
    assert not at.exception, at.exception
    stored = get_workshop(connect(), room.assessment_id)
    assert (stored.mode, stored.domain_modes) == ("facilitated", {"GOV": "self_paced"})
    # Only the facilitated domains' questions and domains can be put to the room.
    assert not [qid for qid in at.selectbox(key=key(room, "question-to-open")).options if qid.startswith("GOV-")]
    domains = at.selectbox(key=key(room, "domain-to-open")).options
    assert "Governance" not in "".join(domains) and any(option.startswith("Recovery strategies") for option in domains)
    assert at.selectbox(key=key(room, "mode-GOV")).value == "self_paced"
    at.selectbox(key=key(room, "mode-GOV")).set_value("").run()
    assert get_workshop(connect(), room.assessment_id).domain_modes == {}


def test_a_self_paced_assessment_with_one_facilitated_domain_puts_only_that_domain_to_the_room(room: Room) -> None:
    at = workshop(room)
    at.selectbox(key=key(room, "mode-REC")).set_value("facilitated").run()
    assert not at.exception, at.exception
    assert get_workshop(connect(), room.assessment_id).mode_of("REC") == "facilitated"
    assert at.selectbox(key=key(room, "domain-to-open")).options == [
        f"Recovery strategies ({len(QUESTIONNAIRE.questions_in('REC'))} questions)"
    ]
    at.button(key=key(room, "open-domain-button")).click().run()
    assert not at.exception, at.exception
    opened = get_workshop(connect(), room.assessment_id).open_domain
    assert opened is not None and (opened.domain_id, opened.round, opened.revealed) == ("REC", 1, False)


def test_while_a_domain_is_open_the_page_counts_votes_per_question_and_shows_no_level_of_anyone(room: Room) -> None:
    facilitated_with_domain_open(room, "BIA")
    vote(room, "Ana", BIA[0], 2, comment="AnaThinksRepeatable")
    vote(room, "Bo", BIA[0], 5, comment="BoThinksOptimised")
    vote(room, "Bo", BIA[1], 4)
    at = workshop(room)
    counts = table_with(at, "Still to vote").set_index("Question")
    assert counts.index.tolist() == BIA
    assert counts.loc[BIA[0]].tolist() == [2, "Cy"]
    assert counts.loc[BIA[1]].tolist() == [1, "Ana, Cy"]
    assert counts.loc[BIA[2]].tolist() == [0, "Ana, Bo, Cy"]
    shown = everything_shown(at)
    assert f"3 of {3 * len(BIA)} answers in" in shown
    for hidden in ("Repeatable", "Optimised", "Managed", "AnaThinks", "BoThinks", "spread", "median"):
        assert hidden not in shown, hidden
    assert not charts(at)
    assert not at.text_area


def test_revealing_the_domain_shows_every_questions_votes_and_the_room_agrees_one_by_one(room: Room) -> None:
    facilitated_with_domain_open(room, "BIA")
    vote(room, "Ana", BIA[0], 3)
    vote(room, "Bo", BIA[0], 3)
    vote(room, "Ana", BIA[1], 1, comment="AnaSawNothing")
    vote(room, "Bo", BIA[1], 5)
    at = workshop(room)
    at.button(key=key(room, "reveal-domain")).click().run()
    assert not at.exception, at.exception
    opened = get_workshop(connect(), room.assessment_id).open_domain
    assert opened is not None and opened.revealed
    # The widest disagreement is discussed first, with its votes and comments.
    assert at.selectbox(key=key(room, "domain-discuss")).value == BIA[1]
    [chart] = charts(at)
    assert chart["data"][0]["y"] == [1, 0, 0, 0, 1]
    assert "AnaSawNothing" in everything_shown(at)
    at.selectbox(key=key(room, f"agreed-{BIA[1]}")).set_value(2)
    at.text_area(key=key(room, f"rationale-{BIA[1]}")).input("Impacts known for two services only.")
    at.button(key=key(room, f"agree-button-{BIA[1]}")).click().run()
    assert not at.exception, at.exception
    [agreed] = list_consensus(connect(), room.assessment_id)
    assert (agreed.question_id, agreed.level, agreed.note) == (BIA[1], 2, "Impacts known for two services only.")
    # The domain stays open for the next question.
    assert get_workshop(connect(), room.assessment_id).open_domain is not None
    at.selectbox(key=key(room, "domain-discuss")).set_value(BIA[0]).run()
    assert charts(at)[0]["data"][0]["y"] == [0, 0, 2, 0, 0]


def test_another_round_for_one_question_of_the_domain_hides_its_votes_again_and_counts_them(room: Room) -> None:
    facilitated_with_domain_open(room, "BIA")
    vote(room, "Ana", BIA[0], 1, comment="keep me")
    vote(room, "Bo", BIA[0], 5)
    vote(room, "Ana", BIA[1], 3)
    at = workshop(room)
    at.button(key=key(room, "reveal-domain")).click().run()
    at.selectbox(key=key(room, "domain-discuss")).set_value(BIA[0]).run()
    at.button(key=key(room, f"domain-round-{BIA[0]}")).click().run()
    assert not at.exception, at.exception
    opened = get_workshop(connect(), room.assessment_id).open_domain
    assert opened is not None and (opened.round_of(BIA[0]), opened.revealed_for(BIA[0])) == (2, False)
    assert opened.revealed_for(BIA[1])
    answers = [a for a in list_answers(connect(), room.assessment_id) if a.question_id == BIA[0]]
    assert all(a.level is None for a in answers) and "keep me" in [a.comment for a in answers]
    assert table_with(at, "Still to vote")["Question"].tolist() == [BIA[0]]
    assert not at.button(key=key(room, "reveal-domain")).disabled
    vote(room, "Cy", BIA[0], 4)
    at.run()
    assert table_with(at, "Still to vote").values.tolist() == [[BIA[0], 1, "Ana, Bo"]]


def test_closing_the_domain_leaves_nothing_open_and_its_questions_go_to_the_discussion(room: Room) -> None:
    facilitated_with_domain_open(room, "BIA")
    vote(room, "Ana", BIA[0], 1)
    vote(room, "Bo", BIA[0], 5)
    at = workshop(room)
    at.button(key=key(room, "reveal-domain")).click().run()
    at.button(key=key(room, "close-domain")).click().run()
    assert not at.exception, at.exception
    workshop_now = get_workshop(connect(), room.assessment_id)
    assert workshop_now.open_domain is None and workshop_now.open_item is None
    assert table_with(at, "Spread")["Question"].tolist() == [BIA[0]]
    assert table_with(at, "Spread")["Status"].tolist() == ["open disagreement"]
    # Put to the room again as a whole, it is a new round that clears the votes (the history keeps them).
    assert at.selectbox(key=key(room, "domain-to-open")).value == QUESTIONNAIRE.domains[0].id
    at.selectbox(key=key(room, "domain-to-open")).set_value("BIA")
    at.button(key=key(room, "open-domain-button")).click().run()
    reopened = get_workshop(connect(), room.assessment_id).open_domain
    assert reopened is not None and reopened.round == 2
    assert {a.level for a in list_answers(connect(), room.assessment_id) if a.question_id == BIA[0]} == {None}
