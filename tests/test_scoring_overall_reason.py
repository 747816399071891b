"""Why the overall stage is what it is: the domains that hold it down, or the score it rounds from."""

from __future__ import annotations

from hypothesis import given
from hypothesis import strategies as st

from scoring import score_assessment
from scoring.overall_reason import overall_stage_reason
from tests.scoring_fixtures import answers, question, questionnaire

IDS = ("GOV-01", "BIA-01", "REC-01")


def three_domains(**scoring):
    return questionnaire([question(qid) for qid in IDS], scoring=scoring)


def reason(levels: dict[str, int], **scoring):
    q = three_domains(**scoring)
    return overall_stage_reason(q, score_assessment(q, answers(levels)))


def test_the_one_lowest_domain_is_named_as_holding_the_stage_down():
    why = reason({"GOV-01": 3, "BIA-01": 1, "REC-01": 4})
    assert why.holding_down == ("Domain BIA",)
    assert why.sentence == "Stage 1 because Domain BIA is at 1."


def test_every_domain_sharing_the_lowest_stage_is_named_in_questionnaire_order():
    why = reason({"GOV-01": 2, "BIA-01": 4, "REC-01": 2})
    assert why.sentence == "Stage 2 because Domain GOV and Domain REC are at 2."


def test_when_every_domain_is_at_the_same_stage_the_sentence_says_so():
    assert reason({"GOV-01": 3, "BIA-01": 3, "REC-01": 3}).sentence == "Stage 3 because every domain is at 3."


def test_under_floor_of_score_the_sentence_names_the_overall_score_not_a_domain():
    # scores 2, 4, 5 -> overall (2 + 4 + 5) / 3 = 3.67, rounded down 3; the lowest domain would give 2
    why = reason({"GOV-01": 2, "BIA-01": 4, "REC-01": 5}, overall_stage="floor_of_score")
    assert why.holding_down == ()
    assert why.sentence == "Stage 3 because the overall score 3.67 rounds down to 3."


def test_without_an_overall_stage_the_domains_without_one_are_named():
    why = reason({"GOV-01": 3})
    assert why.stage is None
    assert why.sentence == (
        "No overall stage yet because Domain BIA and Domain REC have no stage (nothing answered there, or only N/A)."
    )


@given(st.lists(st.integers(1, 5), min_size=3, max_size=3))
def test_the_domains_named_are_exactly_those_at_the_overall_stage(levels):
    q = three_domains()
    score = score_assessment(q, answers(dict(zip(IDS, levels, strict=True))))
    why = overall_stage_reason(q, score)
    assert why.stage == score.overall.stage == min(levels)
    assert set(why.holding_down) == {d.name for d in score.domains if d.stage == min(levels)}
    assert why.sentence.startswith(f"Stage {min(levels)} because ")
