"""The Results page: whole questions among the strongest and weakest practices, and why the overall stage is what it is."""

from __future__ import annotations

import json
from datetime import date
from pathlib import Path

import pandas as pd
import pytest
from app_runner import open_page
from streamlit.testing.v1 import AppTest

from evidence.model import Exercise, Service, ServiceResult
from questionnaires.catalog import get_questionnaire
from storage import (
    add_respondent,
    connect,
    create_assessment,
    create_organisation,
    get_or_create_respondent,
    open_item,
    reveal,
    save_answer,
    set_consensus,
    set_mode,
)
from storage.evidence import save_log, save_register
from ui.text import md

QUESTIONNAIRE = get_questionnaire("itscm", "2026.1")


@pytest.fixture
def assessment_id(database: Path) -> int:
    db = connect()
    org = create_organisation(db, "Acme", "Retail", "250-999 employees", "Europe")
    assessment = create_assessment(db, org.id, QUESTIONNAIRE, "FY2026", date(2026, 3, 1))
    get_or_create_respondent(db, assessment.id, "Continuity manager")
    return assessment.id


def answer(assessment: int, level_in: dict[str, int], level: int = 3, skip: str | None = None) -> None:
    """Answer every question at `level`, or at the level given for its domain; leave domain `skip` unanswered."""
    db = connect()
    respondent = get_or_create_respondent(db, assessment, "Continuity manager")
    for question in QUESTIONNAIRE.questions:
        if question.domain != skip:
            chosen = level_in.get(question.domain, level)
            save_answer(db, QUESTIONNAIRE, assessment, respondent.id, question.id, chosen)


def results(assessment: int) -> AppTest:
    return open_page("results", assessment=assessment)


def captions(at: AppTest) -> list[str]:
    return [str(c.value) for c in at.caption]


def test_the_strongest_and_weakest_practices_show_their_whole_question(assessment_id: int) -> None:
    answer(assessment_id, {"TEST": 4, "GOV": 1})
    at = results(assessment_id)
    assert not at.exception
    markdown = "\n".join(str(m.value) for m in at.markdown)
    for domain, level in (("TEST", "4 Managed"), ("GOV", "1 Initial")):
        # The five of the domain with the highest weight, as the page ranks them among equal levels.
        ranked = sorted(QUESTIONNAIRE.questions_in(domain), key=lambda q: (-q.weight, q.id))[:5]
        for question in ranked:
            assert f"**{level}** · {md(question.id)}, weight {question.weight}: {md(question.text)}" in markdown


def test_the_overall_stage_names_the_one_domain_that_holds_it_down(assessment_id: int) -> None:
    answer(assessment_id, {"TEST": 1})
    at = results(assessment_id)
    assert at.metric[0].value == "1 Initial"
    assert md("Stage 1 because Testing and exercising is at 1.") in captions(at)


def test_every_domain_sharing_the_lowest_stage_is_named(assessment_id: int) -> None:
    answer(assessment_id, {"RISK": 2, "GOV": 2}, level=4)
    assert md("Stage 2 because Risk assessment and Governance are at 2.") in captions(results(assessment_id))


def test_without_an_overall_stage_the_unanswered_domain_is_named(assessment_id: int) -> None:
    answer(assessment_id, {}, skip="BIA")
    at = results(assessment_id)
    assert not at.exception
    assert md(
        "No overall stage yet because Business impact analysis has no stage (nothing answered there, or only N/A)."
    ) in captions(at)


def answers_table(at: AppTest) -> pd.DataFrame | None:
    return next((frame.value for frame in at.dataframe if "Rationale" in frame.value.columns), None)


def test_answers_by_respondent_show_who_answered_what_the_spread_and_the_agreed_answer_with_its_rationale(
    assessment_id: int,
) -> None:
    db = connect()
    manager = get_or_create_respondent(db, assessment_id, "Continuity manager")
    cio = add_respondent(db, assessment_id, "CIO")
    first, second, na_question = (
        QUESTIONNAIRE.questions[0],
        QUESTIONNAIRE.questions[1],
        next(q for q in QUESTIONNAIRE.questions if q.na_allowed),
    )
    save_answer(db, QUESTIONNAIRE, assessment_id, manager.id, first.id, 1)
    save_answer(db, QUESTIONNAIRE, assessment_id, cio.id, first.id, 4)
    save_answer(db, QUESTIONNAIRE, assessment_id, manager.id, second.id, 3)
    save_answer(db, QUESTIONNAIRE, assessment_id, cio.id, na_question.id, None, True)
    set_consensus(db, QUESTIONNAIRE, assessment_id, first.id, 2, note="Method exists, used once.", set_by="Facilitator")
    at = results(assessment_id)
    assert not at.exception
    assert "Answers by respondent" in [h.value for h in at.subheader]
    table = answers_table(at).set_index("Question")
    assert list(table.index) == [first.id, second.id, na_question.id]
    assert table.loc[first.id, ["Continuity manager", "CIO", "Spread", "Result"]].tolist() == ["1", "4", 3, "2"]
    assert table.loc[first.id, "From"] == "consensus (Facilitator)"
    assert table.loc[first.id, "Rationale"] == "Method exists, used once."
    assert table.loc[second.id, ["Continuity manager", "CIO", "Result", "From"]].tolist() == [
        "3",
        "",
        "3",
        "lower median",
    ]
    assert table.loc[na_question.id, ["CIO", "Result"]].tolist() == ["N/A", "N/A"]


def test_answers_by_respondent_leave_out_a_question_whose_votes_are_still_hidden(assessment_id: int) -> None:
    db = connect()
    manager = get_or_create_respondent(db, assessment_id, "Continuity manager")
    cio = add_respondent(db, assessment_id, "CIO")
    voting, answered = QUESTIONNAIRE.questions[0].id, QUESTIONNAIRE.questions[1].id
    for respondent in (manager, cio):
        save_answer(db, QUESTIONNAIRE, assessment_id, respondent.id, answered, 3)
    set_mode(db, assessment_id, "facilitated", by="Facilitator")
    open_item(db, QUESTIONNAIRE, assessment_id, voting, by="Facilitator")
    save_answer(db, QUESTIONNAIRE, assessment_id, cio.id, voting, 5)
    assert list(answers_table(results(assessment_id))["Question"]) == [answered]
    reveal(db, assessment_id, voting)
    assert list(answers_table(results(assessment_id))["Question"]) == [voting, answered]


def test_one_respondent_has_no_answers_by_respondent_section(assessment_id: int) -> None:
    answer(assessment_id, {})
    at = results(assessment_id)
    assert "Answers by respondent" not in [h.value for h in at.subheader]
    assert answers_table(at) is None


# The level as answered and as evidenced

LATER = get_questionnaire("itscm", "2026.2")


def evidenced_assessment(recovery_hours: float | None) -> int:
    """An assessment on 2026.2 answered at 4 throughout; with hours, a register and a failover of Payments."""
    db = connect()
    org = create_organisation(db, "Acme", "Retail", "250-999 employees", "Europe")
    assessment = create_assessment(db, org.id, LATER, "FY2026", date(2026, 3, 1))
    respondent = get_or_create_respondent(db, assessment.id, "Continuity manager")
    for question in LATER.questions:
        save_answer(db, LATER, assessment.id, respondent.id, question.id, 4)
    if recovery_hours is not None:
        payments = Service("Payments", "Head of payments", "critical", 24.0, 4.0, 1.0, bia_reviewed_on=date.today())
        save_register(db, org.id, [payments])
        failover = Exercise(date.today(), "failover", "Payments failover", (ServiceResult("Payments", 9.0, 0.5),))
        save_log(db, org.id, [failover])
    return assessment.id


def markdown_text(at: AppTest) -> str:
    return "\n".join(str(m.value) for m in at.markdown)


def test_with_a_register_and_log_both_scores_and_the_unsupported_claim_are_shown(database: Path) -> None:
    at = results(evidenced_assessment(9.0))
    assert not at.exception
    score = at.metric[1]
    # The value is the score as answered; the delta what the facts take off it.
    assert (score.label, float(score.value)) == ("Overall score", 4.0)
    assert float(score.proto.delta) < 0 and score.proto.delta_description == "as evidenced"
    assert at.metric[0].proto.delta.endswith(" as evidenced")
    assert "As answered and as evidenced" in [h.value for h in at.subheader]
    table = at.dataframe[1].value
    test = table[table["Domain"] == "Testing and exercising"].iloc[0]
    assert (test["Stage as answered"], test["Unsupported claims"]) == (4, 1)
    assert test["Score as evidenced"] < test["Score as answered"]
    text = markdown_text(at)
    assert "Claims the facts don't support" in text
    assert "- " + md("TEST-11 answered 4; ") in text
    assert md("the last failover of Payments took 9 h against an RTO of 4 h") in text
    assert md("the facts support 3") in text


def test_without_a_register_or_log_one_caption_points_to_them_and_one_score_is_shown(database: Path) -> None:
    at = results(evidenced_assessment(None))
    assert not at.exception
    assert at.metric[1].label == "Overall score"
    assert any("no service register or exercise and incident log yet" in c for c in captions(at))
    assert "Claims the facts don't support" not in markdown_text(at)


def test_how_scoring_works_states_the_confidence_what_if_and_business_case_rules(assessment_id: int) -> None:
    answer(assessment_id, {})
    at = results(assessment_id)
    assert not at.exception
    (rules,) = [e for e in at.expander if e.label == "How scoring works"]
    # The rules as one line of words: the page breaks its lines where the source does.
    text = " ".join(" ".join(str(m.value) for m in rules.markdown).split())
    for stated in (
        # Confidence, with the shares of scoring.confidence and the questionnaire's months and spread.
        "A domain's **confidence** starts at High and loses one step when fewer than 80% of the domain's answered, "
        "non-N/A questions have fresh evidence (dated on or after the same day 12 months ago;",
        "two steps when fewer than 50%; one step when one or more of them have respondents 2 or more levels apart "
        "and no agreed answer; and one step when one or more of them claim more than the service register and "
        "exercise log support. It never falls below Low, and a domain with nothing answered has none.",
        # What raises the overall stage, under the shipped questionnaire's weakest-link rule.
        "**What raises the overall stage** (Roadmap page): the overall stage rises only when every domain at that "
        "stage reaches the next level. The what-if finds the smallest set of roadmap steps that does it: fewest "
        "steps, then fewest effort points, then the steps earliest in the roadmap.",
        "steps above the next level are never needed.",
        "the page says which targets to raise.",
        # The business case, with its default assumptions.
        "**Business case** (Roadmap page, from the service register): a service's exposure a year = downtime cost "
        "per hour x the hours by which its recovery exceeds its RTO (none when within it) x the expected "
        "disruptions a year (an assumption set per organisation, default 1).",
        "by default 2.5, 2, 1.5, 1, 1 for levels 1-5: 1 at the second-highest level and above, 0.5 more for each "
        "level below; a higher level is never slower",
        "the exposure a phase removes is the fall over that phase.",
        "A service without a downtime cost counts nowhere, and a register in several currencies is not summed.",
    ):
        assert stated in text


def test_coverage_by_standard_names_its_columns_in_words_like_every_other_table(assessment_id: int) -> None:
    answer(assessment_id, {})
    at = results(assessment_id)
    assert not at.exception
    coverage = next(frame for frame in at.dataframe if "ref" in frame.value.columns)
    columns = json.loads(coverage.proto.columns)
    labels = {column: columns[column].get("label") for column in coverage.value.columns}
    assert labels == {"standard": "Standard", "ref": "Reference", "questions": "Questions", "domains": "Domains"}
