"""Properties of a whole assessment's scoring that hold for any questionnaire and answers."""

from __future__ import annotations

import dataclasses

import pytest
from hypothesis import assume, given, settings
from hypothesis import strategies as st

from scoring import NA, Response, ScoringError, score_assessment
from tests.scoring_fixtures import answers, question, questionnaire

SCALES = [(1, 2, 3, 4, 5), (0, 1, 2, 3), (1, 2, 3, 4, 5, 6, 7)]


@st.composite
def questionnaires(draw):
    scale = draw(st.sampled_from(SCALES))
    domain_ids = ["GOV", "BIA", "TST"][: draw(st.integers(1, 3))]
    questions = [
        question(
            f"{domain_id}-{i:02d}",
            weight=draw(st.integers(1, 10)),
            na_allowed=draw(st.booleans()),
            levels=scale,
        )
        for domain_id in domain_ids
        for i in range(1, draw(st.integers(1, 4)) + 1)
    ]
    return questionnaire(
        questions,
        domains={d: draw(st.sampled_from([0.1, 0.5, 1.0, 2.0, 3.0])) for d in domain_ids},
        levels=scale,
        scoring={
            "stage_threshold": draw(st.sampled_from([0.5, 0.56, 0.7, 0.8, 1.0])),
            "overall_stage": draw(st.sampled_from(["lowest_domain", "floor_of_score"])),
        },
    )


def single_answer(q, data):
    """Draw one respondent's answer per question: a level, N/A where allowed, or nothing."""
    return {
        item.id: data.draw(
            st.one_of(
                st.none(),
                st.sampled_from(q.level_numbers),
                st.just(NA) if item.na_allowed else st.nothing(),
            )
        )
        for item in q.questions
    }


def all_stages(result):
    return [result.overall.stage] + [d.stage for d in result.domains]


@settings(max_examples=80, deadline=None)
@given(questionnaires(), st.data())
def test_scores_and_stages_stay_within_the_level_range(q, data):
    result = score_assessment(q, answers(single_answer(q, data)))
    low, high = q.min_level, q.max_level
    for score in [result.overall.score] + [d.score for d in result.domains]:
        assert score is None or low - 1e-9 <= score <= high + 1e-9
    for stage in all_stages(result):
        assert stage is None or stage in q.level_numbers
    for domain in result.domains:
        assert (domain.score is None) == (domain.stage is None)
        assert 0.0 <= domain.completeness <= 1.0


@settings(max_examples=60, deadline=None)
@given(questionnaires(), st.integers(1, 4), st.data(), st.randoms(use_true_random=False))
def test_row_order_of_responses_never_matters(q, respondents, data, rng):
    rows = [
        response
        for respondent in range(respondents)
        for response in answers(single_answer(q, data), respondent=f"r{respondent}")
    ]
    shuffled = rows[:]
    rng.shuffle(shuffled)
    assert score_assessment(q, rows) == score_assessment(q, shuffled)


@settings(max_examples=80, deadline=None)
@given(questionnaires(), st.data())
def test_adding_an_na_answer_changes_no_score_or_stage(q, data):
    given_answers = single_answer(q, data)
    open_na = [item.id for item in q.questions if item.na_allowed and given_answers[item.id] is None]
    assume(open_na)
    before = score_assessment(q, answers(given_answers))
    after = score_assessment(q, answers(given_answers | {data.draw(st.sampled_from(open_na)): NA}))
    assert after.overall.score == before.overall.score
    assert all_stages(after) == all_stages(before)
    assert [d.score for d in after.domains] == [d.score for d in before.domains]
    assert after.overall.completeness > before.overall.completeness


def at_least(after, before):
    return before is None or (after is not None and after >= before - 1e-9)


@settings(max_examples=100, deadline=None)
@given(questionnaires(), st.data())
def test_raising_one_answer_never_lowers_a_score_or_stage(q, data):
    given_answers = single_answer(q, data)
    raisable = [qid for qid, level in given_answers.items() if isinstance(level, int) and level < q.max_level]
    assume(raisable)
    chosen = data.draw(st.sampled_from(raisable))
    higher = data.draw(st.sampled_from([n for n in q.level_numbers if n > given_answers[chosen]]))
    before = score_assessment(q, answers(given_answers))
    after = score_assessment(q, answers(given_answers | {chosen: higher}))
    assert at_least(after.overall.score, before.overall.score)
    assert at_least(after.overall.stage, before.overall.stage)
    for old, new in zip(before.domains, after.domains, strict=True):
        assert at_least(new.score, old.score)
        assert at_least(new.stage, old.stage)


def test_assessment_score_holds_every_question_and_the_targets():
    q = questionnaire([question("GOV-01"), question("BIA-01")])
    result = score_assessment(q, answers({"GOV-01": 2}), targets={"BIA": 4})
    assert list(result.questions) == ["GOV-01", "BIA-01"]
    assert result.targets == {"GOV": 3, "BIA": 4}
    assert [d.domain_id for d in result.domains] == ["GOV", "BIA"]
    with pytest.raises(ScoringError):
        result.domain("XYZ")
    with pytest.raises(dataclasses.FrozenInstanceError):
        result.overall.score = 5.0  # type: ignore[misc]


def test_unknown_question_raises_scoring_error_not_key_error():
    q = questionnaire([question("GOV-01")])
    with pytest.raises(ScoringError, match="BIA-07"):
        score_assessment(q, [Response("BIA-07", "r1", 3)])
