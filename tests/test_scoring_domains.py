"""Domain score, stage and completeness from the resolved answers of its questions."""

from __future__ import annotations

import pytest

from scoring import NA, score_assessment
from tests.scoring_fixtures import answers, question, questionnaire


def gov(*weights: int, na_allowed: bool = False, **scoring):
    """A one-domain questionnaire with questions GOV-01, GOV-02, ... of the given weights."""
    return questionnaire(
        [question(f"GOV-{i:02d}", weight=w, na_allowed=na_allowed) for i, w in enumerate(weights, start=1)],
        scoring=scoring,
    )


def levels_for(*levels):
    return answers({f"GOV-{i:02d}": level for i, level in enumerate(levels, start=1)})


def test_domain_score_is_the_weighted_mean_of_levels():
    # (3 x 2 + 1 x 4) / (3 + 1) = 10 / 4 = 2.5
    domain = score_assessment(gov(3, 1), levels_for(2, 4)).domain("GOV")
    assert domain.score == pytest.approx(2.5)


def test_domain_stage_is_reached_at_exactly_the_threshold():
    # levels 4, 4, 4, 4, 1 with equal weights: weight at >= 4 is 4 / 5 = 0.8 >= 0.8 -> stage 4
    domain = score_assessment(gov(1, 1, 1, 1, 1), levels_for(4, 4, 4, 4, 1)).domain("GOV")
    assert domain.stage == 4


def test_domain_stage_falls_when_the_share_is_just_under_the_threshold():
    # levels 4, 4, 4, 1, 1: at >= 4, 3 and 2 the share is 3 / 5 = 0.6 < 0.8; at >= 1 it is 5 / 5 -> stage 1
    domain = score_assessment(gov(1, 1, 1, 1, 1), levels_for(4, 4, 4, 1, 1)).domain("GOV")
    assert domain.stage == 1
    assert domain.score == pytest.approx(14 / 5)


def test_domain_stage_threshold_comparison_tolerates_float_error():
    # weights 10 + 4 at level 4, 10 + 1 at level 1: share at >= 4 = 14 / 25 = 0.56 exactly,
    # but 0.56 x 25 = 14.000000000000002 in floating point; the stage must still be 4.
    q = gov(10, 4, 10, 1, stage_threshold=0.56)
    assert score_assessment(q, levels_for(4, 4, 1, 1)).domain("GOV").stage == 4


def test_domain_stage_counts_question_weights():
    # weight 4 at level 3 and weight 1 at level 1: at >= 3 the share is 4 / 5 = 0.8 -> stage 3
    # (counting questions instead of weight would give 1 / 2 -> stage 1)
    domain = score_assessment(gov(4, 1), levels_for(3, 1)).domain("GOV")
    assert domain.stage == 3
    assert domain.score == pytest.approx((4 * 3 + 1 * 1) / 5)


def test_domain_stage_uses_the_questionnaire_threshold():
    # levels 3, 3, 1 equal weights: at >= 3 the share is 2 / 3 = 0.667; >= 0.6 but < 0.8
    assert score_assessment(gov(1, 1, 1, stage_threshold=0.6), levels_for(3, 3, 1)).domain("GOV").stage == 3
    assert score_assessment(gov(1, 1, 1), levels_for(3, 3, 1)).domain("GOV").stage == 1


def test_domain_stage_is_never_under_the_lowest_level_of_the_scale():
    q = questionnaire(
        [question("GOV-01", levels=(0, 1, 2, 3)), question("GOV-02", levels=(0, 1, 2, 3))], levels=(0, 1, 2, 3)
    )
    # levels 0 and 3: at >= 3, 2 and 1 the share is 1 / 2 < 0.8; at >= 0 it is 2 / 2 -> stage 0
    domain = score_assessment(q, answers({"GOV-01": 0, "GOV-02": 3})).domain("GOV")
    assert domain.stage == 0
    assert domain.score == pytest.approx(1.5)


def test_na_question_leaves_numerator_and_denominator():
    # GOV-01 weight 1 level 2, GOV-02 weight 5 N/A: score = 2 x 1 / 1 = 2, stage 2
    domain = score_assessment(gov(1, 5, na_allowed=True), levels_for(2, NA)).domain("GOV")
    assert domain.score == pytest.approx(2.0)
    assert domain.stage == 2
    assert domain.not_applicable == 1
    assert domain.completeness == 1.0


def test_domain_score_and_stage_are_none_when_nothing_is_answered():
    domain = score_assessment(gov(1, 1), []).domain("GOV")
    assert domain.score is None
    assert domain.stage is None
    assert domain.gap is None
    assert domain.completeness == 0.0
    assert domain.provisional


def test_domain_with_only_na_answers_has_no_score_but_is_complete():
    domain = score_assessment(gov(1, 1, na_allowed=True), levels_for(NA, NA)).domain("GOV")
    assert domain.score is None
    assert domain.stage is None
    assert domain.completeness == 1.0
    assert not domain.provisional


def test_completeness_counts_na_as_answered_and_marks_partial_results_provisional():
    # answered: GOV-01 (level), GOV-02 (N/A) of 4 questions -> 2 / 4 = 0.5
    domain = score_assessment(gov(1, 1, 1, 1, na_allowed=True), levels_for(3, NA)).domain("GOV")
    assert domain.completeness == pytest.approx(0.5)
    assert domain.answered == 2
    assert domain.total == 4
    assert domain.provisional
    assert domain.score == pytest.approx(3.0)
