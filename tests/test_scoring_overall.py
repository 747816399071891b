"""Overall score, stage and completeness from the domain results."""

from __future__ import annotations

import pytest

from scoring import score_assessment
from tests.scoring_fixtures import answers, question, questionnaire


def two_domains(gov_weight: float = 2.0, bia_weight: float = 1.0, **scoring):
    return questionnaire(
        [question("GOV-01"), question("GOV-02"), question("BIA-01"), question("BIA-02")],
        domains={"GOV": gov_weight, "BIA": bia_weight},
        scoring=scoring,
    )


def test_overall_score_is_the_weighted_mean_of_domain_scores():
    # GOV (weight 2) = (2 + 2) / 2 = 2; BIA (weight 1) = (4 + 5) / 2 = 4.5
    # overall = (2 x 2 + 1 x 4.5) / 3 = 8.5 / 3
    result = score_assessment(two_domains(), answers({"GOV-01": 2, "GOV-02": 2, "BIA-01": 4, "BIA-02": 5}))
    assert result.overall.score == pytest.approx(8.5 / 3)


def test_overall_stage_is_the_lowest_domain_stage_by_default():
    # GOV stage 2, BIA: levels 4 and 5, at >= 5 share 1 / 2 < 0.8, at >= 4 share 1 -> stage 4
    result = score_assessment(two_domains(), answers({"GOV-01": 2, "GOV-02": 2, "BIA-01": 4, "BIA-02": 5}))
    assert [d.stage for d in result.domains] == [2, 4]
    assert result.overall.stage == 2


def test_overall_stage_can_be_the_overall_score_rounded_down():
    # GOV (weight 1) levels 3, 3 -> score 3, stage 3; BIA (weight 3) levels 5, 4 -> score 4.5, stage 4
    # overall = (1 x 3 + 3 x 4.5) / 4 = 16.5 / 4 = 4.125 -> rounded down 4, while the lowest stage is 3
    given = answers({"GOV-01": 3, "GOV-02": 3, "BIA-01": 5, "BIA-02": 4})
    floor = score_assessment(two_domains(1.0, 3.0, overall_stage="floor_of_score"), given)
    assert floor.overall.score == pytest.approx(4.125)
    assert floor.overall.stage == 4
    assert score_assessment(two_domains(1.0, 3.0), given).overall.stage == 3


def test_floor_of_score_tolerates_float_error():
    # domain weights 0.1 and 0.1, scores 1 and 5: (0.1 + 0.5) / 0.2 = 3 exactly,
    # but 2.9999999999999996 in floating point; rounded down it must still be 3.
    q = two_domains(gov_weight=0.1, bia_weight=0.1, overall_stage="floor_of_score")
    result = score_assessment(q, answers({"GOV-01": 1, "GOV-02": 1, "BIA-01": 5, "BIA-02": 5}))
    assert result.overall.stage == 3


def test_overall_stage_is_none_when_any_domain_has_nothing_answered():
    # BIA unanswered: the overall score is GOV's score alone, but there is no overall stage
    result = score_assessment(two_domains(), answers({"GOV-01": 4, "GOV-02": 2}))
    assert result.overall.score == pytest.approx(3.0)
    assert result.overall.stage is None


def test_overall_stage_is_none_with_floor_of_score_when_a_domain_is_unscored():
    q = two_domains(overall_stage="floor_of_score")
    result = score_assessment(q, answers({"GOV-01": 4, "GOV-02": 4}))
    assert result.overall.score == pytest.approx(4.0)
    assert result.overall.stage is None


def test_overall_score_is_none_when_nothing_is_answered():
    result = score_assessment(two_domains(), [])
    assert result.overall.score is None
    assert result.overall.stage is None
    assert result.overall.completeness == 0.0


def test_overall_completeness_counts_every_question():
    # 3 of 4 questions answered -> 0.75, provisional
    result = score_assessment(two_domains(), answers({"GOV-01": 4, "GOV-02": 2, "BIA-01": 1}))
    assert result.overall.completeness == pytest.approx(0.75)
    assert result.overall.provisional
    assert (result.overall.answered, result.overall.total) == (3, 4)


def test_complete_assessment_is_not_provisional():
    result = score_assessment(two_domains(), answers({"GOV-01": 1, "GOV-02": 1, "BIA-01": 1, "BIA-02": 1}))
    assert result.overall.completeness == 1.0
    assert not result.overall.provisional
    assert result.overall.stage == 1
