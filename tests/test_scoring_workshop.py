"""What a workshop room sees: vote distributions, disagreements first, and the summary of what was agreed."""

from __future__ import annotations

from random import Random

import pytest
from hypothesis import given, settings
from hypothesis import strategies as st

from questionnaires.model import Questionnaire
from scoring import NA, Response, ScoringError
from scoring.workshop import (
    Agreement,
    Distribution,
    disagreements_first,
    distributions,
    open_disagreements,
    summary,
)
from tests.scoring_fixtures import panel, question, questionnaire


@pytest.fixture
def room() -> Questionnaire:
    """Four questions over two domains, levels 1-5, disagreement at a spread of 2 (the default)."""
    return questionnaire(
        [question("GOV-01"), question("GOV-02", na_allowed=True), question("BIA-01"), question("BIA-02")]
    )


def by_id(found: tuple[Distribution, ...]) -> dict[str, Distribution]:
    return {distribution.question_id: distribution for distribution in found}


def test_a_distribution_counts_every_level_of_the_scale_zeros_included(room: Questionnaire) -> None:
    # Votes 1, 4, 4, 5: counts by hand 1:1, 2:0, 3:0, 4:2, 5:1; sorted [1, 4, 4, 5], lower median index 1 -> 4;
    # spread 5 - 1 = 4 >= 2, a disagreement.
    gov = by_id(distributions(room, panel("GOV-01", [4, 1, 5, 4])))["GOV-01"]
    assert gov.counts == ((1, 1), (2, 0), (3, 0), (4, 2), (5, 1))
    assert (gov.votes, gov.na_votes, gov.median, gov.spread) == (4, 0, 4, 4)
    assert gov.disagreement and gov.open_disagreement and not gov.agreed


def test_na_votes_are_counted_beside_the_levels_and_leave_the_spread_alone(room: Questionnaire) -> None:
    # Votes 2, N/A, 3: levels [2, 3], lower median 2, spread 1 (no disagreement); 3 votes of which 1 N/A.
    gov = by_id(distributions(room, panel("GOV-02", [2, NA, 3])))["GOV-02"]
    assert gov.counts == ((1, 0), (2, 1), (3, 1), (4, 0), (5, 0))
    assert (gov.votes, gov.na_votes, gov.median, gov.spread, gov.disagreement) == (3, 1, 2, 1, False)


def test_a_question_nobody_answered_has_no_median_and_no_spread(room: Questionnaire) -> None:
    bia = by_id(distributions(room, []))["BIA-02"]
    assert bia.counts == ((1, 0), (2, 0), (3, 0), (4, 0), (5, 0))
    assert (bia.votes, bia.median, bia.spread, bia.disagreement) == (0, None, None, False)


def test_the_threshold_is_the_questionnaires_disagreement_spread(room: Questionnaire) -> None:
    strict = questionnaire([question("GOV-01")], scoring={"disagreement_spread": 3})
    # Spread 4 - 2 = 2: a disagreement at the default threshold of 2, not at 3.
    assert by_id(distributions(room, panel("GOV-01", [2, 4])))["GOV-01"].disagreement
    assert not by_id(distributions(strict, panel("GOV-01", [2, 4])))["GOV-01"].disagreement


def test_an_agreed_disagreement_is_settled_not_open(room: Questionnaire) -> None:
    found = by_id(distributions(room, panel("GOV-01", [1, 5]), [Agreement("GOV-01", 3, note="Policy exists")]))
    assert found["GOV-01"].disagreement and found["GOV-01"].agreed
    assert not found["GOV-01"].open_disagreement


def test_open_disagreements_come_first_widest_spread_first_then_questionnaire_order(room: Questionnaire) -> None:
    responses = [
        *panel("GOV-01", [2, 4]),  # spread 2: open
        *panel("GOV-02", [3, 3]),  # spread 0
        *panel("BIA-01", [1, 5]),  # spread 4: open, widest
        *panel("BIA-02", [1, 4]),  # spread 3, but agreed: settled
    ]
    found = distributions(room, responses, [Agreement("BIA-02", 2)])
    assert [d.question_id for d in found] == ["GOV-01", "GOV-02", "BIA-01", "BIA-02"]
    assert [d.question_id for d in disagreements_first(found)] == ["BIA-01", "GOV-01", "GOV-02", "BIA-02"]
    assert [d.question_id for d in open_disagreements(found)] == ["BIA-01", "GOV-01"]


def test_open_disagreements_of_equal_spread_keep_questionnaire_order(room: Questionnaire) -> None:
    found = distributions(room, [*panel("BIA-02", [1, 3]), *panel("GOV-01", [3, 5])])
    assert [d.question_id for d in open_disagreements(found)] == ["GOV-01", "BIA-02"]


def test_the_summary_lists_what_was_agreed_with_rationale_what_remains_open_and_what_was_settled(
    room: Questionnaire,
) -> None:
    responses = [*panel("GOV-01", [1, 4]), *panel("GOV-02", [2, 2]), *panel("BIA-01", [2, 5])]
    agreements = [
        Agreement("GOV-01", 2, note="Only IT has a plan", set_by="ana@example.com"),
        Agreement("GOV-02", None, na=True, note="No outsourcing", set_by="ana@example.com"),
    ]
    result = summary(room, responses, agreements)
    assert [(i.question_id, i.level, i.na, i.note, i.set_by) for i in result.agreed] == [
        ("GOV-01", 2, False, "Only IT has a plan", "ana@example.com"),
        ("GOV-02", None, True, "No outsourcing", "ana@example.com"),
    ]
    # GOV-01 disagreed (spread 3) and was agreed: settled. GOV-02 never disagreed. BIA-01 disagrees, unagreed.
    assert [i.question_id for i in result.settled] == ["GOV-01"]
    assert result.settled[0].distribution.spread == 3
    assert [d.question_id for d in result.open] == ["BIA-01"]


def test_a_workshop_with_nothing_agreed_summarises_to_its_open_disagreements_only(room: Questionnaire) -> None:
    result = summary(room, panel("GOV-01", [1, 3]))
    assert result.agreed == () and result.settled == ()
    assert [d.question_id for d in result.open] == ["GOV-01"]


@pytest.mark.parametrize(
    ("agreements", "message"),
    [
        ([Agreement("GOV-01", 2), Agreement("GOV-01", 3)], "GOV-01 has more than one agreed answer"),
        ([Agreement("GOV-01", None)], "neither a level nor N/A"),
        ([Agreement("XYZ-99", 2)], "names question 'XYZ-99', which is not in questionnaire"),
        ([Agreement("GOV-01", None, na=True)], "does not allow N/A"),
        ([Agreement("GOV-01", 9)], "level 9 .* not on the scale"),
    ],
)
def test_an_agreement_the_questionnaire_does_not_allow_is_refused_saying_why(
    room: Questionnaire, agreements: list[Agreement], message: str
) -> None:
    with pytest.raises(ScoringError, match=message):
        summary(room, [], agreements)


VOTE = st.one_of(st.none(), st.integers(min_value=1, max_value=5), st.just(NA))
QUESTIONS = ("GOV-01", "GOV-02", "BIA-01", "BIA-02")


@st.composite
def workshops(draw: st.DrawFn) -> tuple[list[list[Response]], list[Agreement]]:
    """Respondents, each with a vote (or none) per question, and agreements for some questions."""
    people = []
    for number in range(draw(st.integers(min_value=0, max_value=7))):
        votes = []
        for question_id in QUESTIONS:
            vote = draw(VOTE)
            if vote is NA and question_id != "GOV-02":
                vote = None  # only GOV-02 allows N/A
            if vote is not None:
                votes.append(Response(question_id, f"person {number}", None if vote is NA else vote, na=vote is NA))
        people.append(votes)
    agreed = draw(st.lists(st.sampled_from(QUESTIONS), unique=True, max_size=3))
    agreements = [Agreement(q, draw(st.integers(min_value=1, max_value=5)), note=f"why {q}") for q in agreed]
    return people, agreements


@given(workshops(), st.randoms(use_true_random=False))
@settings(max_examples=200, deadline=None)
def test_the_order_of_respondents_never_matters(
    workshop: tuple[list[list[Response]], list[Agreement]], shuffler: Random
) -> None:
    room = questionnaire(
        [question("GOV-01"), question("GOV-02", na_allowed=True), question("BIA-01"), question("BIA-02")]
    )
    people, agreements = workshop
    as_given = [response for votes in people for response in votes]
    reordered = list(people)
    shuffler.shuffle(reordered)
    shuffled = [response for votes in reordered for response in votes]
    shuffler.shuffle(shuffled)
    assert distributions(room, shuffled, agreements) == distributions(room, as_given, agreements)
    assert summary(room, shuffled, agreements) == summary(room, as_given, agreements)
    for distribution in distributions(room, as_given, agreements):
        # Every vote is counted once: levels in the counts, N/A beside them.
        assert sum(count for _, count in distribution.counts) + distribution.na_votes == distribution.votes
