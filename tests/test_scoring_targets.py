"""Target levels per domain and the gap between target and stage."""

from __future__ import annotations

import pytest

from scoring import ScoringError, gap, resolve_targets, score_assessment
from tests.scoring_fixtures import answers, question, questionnaire


def two_domains(**scoring):
    return questionnaire([question("GOV-01"), question("BIA-01")], scoring=scoring)


def test_every_domain_gets_the_default_target_of_three():
    assert resolve_targets(two_domains()) == {"GOV": 3, "BIA": 3}


def test_default_target_comes_from_the_questionnaire():
    assert resolve_targets(two_domains(default_target=4), {"BIA": 2}) == {"GOV": 4, "BIA": 2}


def test_gap_is_target_minus_stage():
    # GOV stage 1, target 3 -> gap 2; BIA stage 2, target 5 -> gap 3
    result = score_assessment(two_domains(), answers({"GOV-01": 1, "BIA-01": 2}), targets={"BIA": 5})
    assert [(d.target, d.stage, d.gap) for d in result.domains] == [(3, 1, 2), (5, 2, 3)]


def test_gap_is_negative_when_the_stage_is_above_target():
    # stage 5, target 3 -> gap 3 - 5 = -2
    result = score_assessment(two_domains(), answers({"GOV-01": 5, "BIA-01": 3}))
    assert result.domain("GOV").gap == -2
    assert result.domain("BIA").gap == 0


def test_gap_is_none_without_a_stage():
    assert gap(3, None) is None
    assert score_assessment(two_domains(), answers({"GOV-01": 2})).domain("BIA").gap is None


@pytest.mark.parametrize(
    ("targets", "message"),
    [({"XYZ": 3}, "XYZ"), ({"GOV": 7}, "not a level"), ({"GOV": True}, "not a level"), ({"GOV": 2.5}, "not a level")],
)
def test_invalid_targets_raise_a_scoring_error(targets, message):
    with pytest.raises(ScoringError, match=message):
        resolve_targets(two_domains(), targets)
