"""Resolution of several respondents' answers and the facilitator's consensus into one level."""

from __future__ import annotations

import pytest
from hypothesis import given, settings
from hypothesis import strategies as st

from scoring import NA, Response, ScoringError, lower_median, resolve_questions
from tests.scoring_fixtures import answers, panel, question, questionnaire


@pytest.fixture
def two_questions():
    return questionnaire([question("GOV-01"), question("GOV-02", na_allowed=True)])


@pytest.mark.parametrize(
    ("levels", "expected"),
    [
        ((3,), 3),
        ((2, 4), 2),  # even count: sorted [2, 4], index (2 - 1) // 2 = 0 -> 2
        ((4, 1, 3, 2), 2),  # sorted [1, 2, 3, 4], index (4 - 1) // 2 = 1 -> 2
        ((5, 1, 3), 3),  # odd count: sorted [1, 3, 5], index 1 -> 3
        ((2, 2, 5, 5), 2),  # sorted [2, 2, 5, 5], index 1 -> 2
    ],
)
def test_lower_median_takes_the_lower_middle_value(levels, expected):
    assert lower_median(levels) == expected


def test_question_level_is_the_lower_median_of_respondents(two_questions):
    results = resolve_questions(two_questions, panel("GOV-01", [4, 3, 1, 5]))
    # sorted [1, 3, 4, 5], index (4 - 1) // 2 = 1 -> 3
    assert results["GOV-01"].level == 3
    assert results["GOV-01"].respondent_levels == (1, 3, 4, 5)
    assert not results["GOV-01"].from_consensus


def test_consensus_level_overrides_the_median(two_questions):
    results = resolve_questions(two_questions, panel("GOV-01", [1, 1]), consensus={"GOV-01": 4})
    assert results["GOV-01"].level == 4
    assert results["GOV-01"].from_consensus
    assert results["GOV-01"].respondent_levels == (1, 1)


def test_consensus_can_set_a_question_without_any_respondent(two_questions):
    results = resolve_questions(two_questions, [], consensus={"GOV-01": 2})
    assert results["GOV-01"].answered
    assert results["GOV-01"].level == 2


def test_consensus_na_makes_the_question_not_applicable(two_questions):
    results = resolve_questions(two_questions, panel("GOV-02", [3, 4]), consensus={"GOV-02": NA})
    assert results["GOV-02"].na
    assert results["GOV-02"].level is None
    assert results["GOV-02"].answered


def test_consensus_none_leaves_the_respondents_median(two_questions):
    results = resolve_questions(two_questions, panel("GOV-01", [2, 5]), consensus={"GOV-01": None})
    assert results["GOV-01"].level == 2
    assert not results["GOV-01"].from_consensus


def test_majority_of_na_answers_makes_the_question_not_applicable(two_questions):
    # 2 of 3 answering respondents said N/A: 2 > 3 / 2
    result = resolve_questions(two_questions, panel("GOV-02", [NA, NA, 3]))["GOV-02"]
    assert result.na
    assert result.level is None
    assert result.na_votes == 2


def test_na_answers_of_half_the_respondents_are_set_aside(two_questions):
    # 1 of 2 said N/A: 1 is not more than 2 / 2, so the median is over the levels [3]
    result = resolve_questions(two_questions, panel("GOV-02", [NA, 3]))["GOV-02"]
    assert not result.na
    assert result.level == 3


def test_na_minority_leaves_the_lower_median_of_the_remaining_levels(two_questions):
    # 1 of 3 said N/A; levels [2, 4] -> lower median 2
    result = resolve_questions(two_questions, panel("GOV-02", [4, NA, 2]))["GOV-02"]
    assert result.level == 2
    assert result.spread == 2


def test_spread_is_highest_minus_lowest_level(two_questions):
    result = resolve_questions(two_questions, panel("GOV-01", [2, 5, 3]))["GOV-01"]
    assert result.spread == 3  # 5 - 2
    assert result.disagreement


@pytest.mark.parametrize(
    ("levels", "spread", "disagreement"),
    [
        ([2, 3], 1, False),  # 3 - 2 = 1 < 2
        ([1, 3], 2, True),  # 3 - 1 = 2 >= 2
        ([4], 0, False),
        ([3, 3, 3], 0, False),
    ],
)
def test_disagreement_is_flagged_from_a_spread_of_two(two_questions, levels, spread, disagreement):
    result = resolve_questions(two_questions, panel("GOV-01", levels))["GOV-01"]
    assert result.spread == spread
    assert result.disagreement is disagreement


def test_disagreement_spread_comes_from_the_questionnaire():
    strict = questionnaire([question("GOV-01")], scoring={"disagreement_spread": 3})
    assert not resolve_questions(strict, panel("GOV-01", [1, 3]))["GOV-01"].disagreement  # 2 < 3
    assert resolve_questions(strict, panel("GOV-01", [1, 4]))["GOV-01"].disagreement  # 3 >= 3


def test_spread_is_none_when_no_respondent_gave_a_level(two_questions):
    result = resolve_questions(two_questions, panel("GOV-02", [NA, NA]))["GOV-02"]
    assert result.spread is None
    assert not result.disagreement


def test_disagreement_is_still_shown_when_a_consensus_is_set(two_questions):
    result = resolve_questions(two_questions, panel("GOV-01", [1, 5]), consensus={"GOV-01": 3})["GOV-01"]
    assert result.level == 3
    assert result.spread == 4
    assert result.disagreement


def test_blank_response_counts_as_not_answered(two_questions):
    results = resolve_questions(two_questions, [Response("GOV-01", "r1", None)])
    assert not results["GOV-01"].answered
    assert results["GOV-01"].level is None
    assert not results["GOV-01"].na


def test_every_question_gets_a_result_in_questionnaire_order(two_questions):
    results = resolve_questions(two_questions, answers({"GOV-02": 1}))
    assert list(results) == ["GOV-01", "GOV-02"]
    assert not results["GOV-01"].answered
    assert results["GOV-02"].domain_id == "GOV"


@pytest.mark.parametrize(
    ("responses", "consensus", "message"),
    [
        ([Response("GOV-99", "r1", 3)], None, "GOV-99"),
        ([Response("GOV-01", "r1", 6)], None, "not on the scale"),
        ([Response("GOV-01", "r1", 0)], None, "not on the scale"),
        ([Response("GOV-01", "r1", True)], None, "not on the scale"),
        ([Response("GOV-01", "r1", None, na=True)], None, "does not allow N/A"),
        ([Response("GOV-02", "r1", 2, na=True)], None, "both level 2 and N/A"),
        ([Response("GOV-01", "r1", 2), Response("GOV-01", "r1", 3)], None, "more than once"),
        ([], {"GOV-99": 2}, "GOV-99"),
        ([], {"GOV-01": 9}, "not on the scale"),
        ([], {"GOV-01": NA}, "does not allow N/A"),
    ],
)
def test_invalid_answers_raise_a_scoring_error_that_names_the_problem(two_questions, responses, consensus, message):
    with pytest.raises(ScoringError, match=message):
        resolve_questions(two_questions, responses, consensus)


def test_question_in_an_undefined_domain_raises_a_scoring_error():
    broken = questionnaire([question("GOV-01")]).model_copy(
        update={"domains": [questionnaire([question("BIA-01")]).domains[0]]}
    )
    with pytest.raises(ScoringError, match="does not define"):
        resolve_questions(broken, [])


@settings(max_examples=60, deadline=None)
@given(st.lists(st.integers(1, 5), min_size=1, max_size=9), st.randoms(use_true_random=False))
def test_median_is_a_respondent_level_whatever_the_row_order(levels, rng):
    q = questionnaire([question("GOV-01")])
    rows = panel("GOV-01", levels)
    shuffled = rows[:]
    rng.shuffle(shuffled)
    first = resolve_questions(q, rows)["GOV-01"]
    assert first == resolve_questions(q, shuffled)["GOV-01"]
    assert first.level in levels
    # the lower median: at least half the levels are at or above it, more than half at or below
    assert sum(level >= first.level for level in levels) * 2 >= len(levels)
    assert sum(level <= first.level for level in levels) * 2 >= len(levels)
