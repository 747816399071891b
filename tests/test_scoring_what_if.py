"""The what-if: the smallest set of roadmap steps that raises the overall stage by one level."""

from __future__ import annotations

import dataclasses
from collections.abc import Mapping, Sequence
from itertools import combinations

from hypothesis import assume, given, settings
from hypothesis import strategies as st
from scoring_fixtures import answers, question, questionnaire

from questionnaires.model import Questionnaire
from scoring import AssessmentScore, RoadmapStep, build_roadmap, score_assessment, score_questions
from scoring.what_if import raise_overall_stage


def _applied(model: Questionnaire, score: AssessmentScore, steps: Sequence[RoadmapStep]) -> AssessmentScore:
    """Score the assessment once `steps` are done: a practice rises only as far as its unbroken chain of steps."""
    chosen = {(s.question_id, s.to_level) for s in steps}
    questions = {}
    for qid, result in score.questions.items():
        level = result.level
        while level is not None and (qid, level + 1) in chosen:
            level += 1
        questions[qid] = dataclasses.replace(result, level=level)
    return score_questions(model, questions, score.targets)


def _setup(
    levels: Mapping[str, int], weights: Mapping[str, int] | None = None, targets: Mapping[str, int] | None = None
) -> tuple[Questionnaire, AssessmentScore, tuple[RoadmapStep, ...]]:
    model = questionnaire(
        [
            question(qid, weight=(weights or {}).get(qid, 1), actions={2: ("Up to 2", "S"), 3: ("Up to 3", "L")})
            for qid in levels
        ]
    )
    score = score_assessment(model, answers(dict(levels)), targets=targets)
    return model, score, build_roadmap(model, score.questions, score.targets)


def test_only_the_domains_at_the_overall_stage_get_steps() -> None:
    model, score, steps = _setup({"A-01": 1, "A-02": 2, "B-01": 2, "B-02": 2})
    found = raise_overall_stage(model, score, steps)
    assert (found.current, found.reached) == (1, 2)
    assert [(s.question_id, s.to_level) for s in found.steps] == [("A-01", 2)]
    assert found.points == 1
    assert _applied(model, score, found.steps).overall.stage == 2


def test_the_heaviest_practice_is_raised_when_that_takes_fewer_steps_than_the_biggest_gaps() -> None:
    # A domain at 1 with weights 4, 1, 1 at level 1: one step on the weight-4 practice is not enough
    # (4 of 6 < 0.8), so two steps; the weight-4 one plus one other.
    model, score, steps = _setup(
        {"A-01": 1, "A-02": 1, "A-03": 1, "B-01": 3}, weights={"A-01": 4}, targets={"A": 3, "B": 3}
    )
    found = raise_overall_stage(model, score, steps)
    assert [(s.question_id, s.to_level) for s in found.steps] == [("A-01", 2), ("A-02", 2)]


def test_a_target_at_the_overall_stage_means_no_set_reaches_the_next_and_says_which_to_raise() -> None:
    model, score, steps = _setup({"A-01": 2, "B-01": 3}, targets={"A": 2, "B": 3})
    found = raise_overall_stage(model, score, steps)
    assert found.steps == () and found.reached is None
    assert found.reason == (
        "No set of roadmap steps reaches stage 3: the roadmap stops below level 3 in Domain A (target 2). "
        "Raise the target to 3 or more on the Results page."
    )


def test_the_highest_stage_and_no_stage_say_why_nothing_is_listed() -> None:
    model, score, steps = _setup({"A-01": 5})
    assert raise_overall_stage(model, score, steps).reason == "The overall stage is 5, the highest level of the scale."
    unanswered = score_assessment(model, [])
    assert "no overall stage yet" in raise_overall_stage(model, unanswered, ()).reason


def _brute_force(
    model: Questionnaire, score: AssessmentScore, steps: Sequence[RoadmapStep], level: int
) -> tuple[int, tuple[int, ...]] | None:
    """Return (points, roadmap orders) of the smallest set reaching `level`, trying every subset."""
    for size in range(len(steps) + 1):
        reaching = [
            subset
            for subset in combinations(steps, size)
            if (_applied(model, score, subset).overall.stage or 0) >= level
        ]
        if reaching:
            return min((sum(s.points for s in subset), tuple(sorted(s.order for s in subset))) for subset in reaching)
    return None


@settings(max_examples=80, deadline=None)
@given(
    levels=st.lists(st.integers(1, 3), min_size=2, max_size=6),
    weights=st.lists(st.integers(1, 4), min_size=6, max_size=6),
    target_a=st.integers(1, 4),
    target_b=st.integers(1, 4),
)
def test_the_steps_raise_the_overall_stage_and_no_smaller_set_does(
    levels: list[int], weights: list[int], target_a: int, target_b: int
) -> None:
    ids = [f"{'A' if i % 2 == 0 else 'B'}-{i:02d}" for i in range(len(levels))]
    model, score, steps = _setup(
        dict(zip(ids, levels, strict=True)),
        weights=dict(zip(ids, weights, strict=False)),
        targets={"A": target_a, "B": target_b},
    )
    assume(len(steps) <= 10)
    found = raise_overall_stage(model, score, steps)
    current = score.overall.stage
    assert current is not None
    best = _brute_force(model, score, steps, current + 1) if current < 5 else None
    if best is None:
        assert found.steps == () and found.reason
        return
    assert (_applied(model, score, found.steps).overall.stage or 0) >= current + 1
    assert (len(found.steps), found.points, tuple(s.order for s in found.steps)) == (
        len(best[1]),
        best[0],
        best[1],
    )
