"""The improvement roadmap: steps, their order, and their phases under capacity."""

from __future__ import annotations

import itertools
from fractions import Fraction

import pytest
from hypothesis import given, settings
from hypothesis import strategies as st

from scoring import (
    NA,
    PhaseLoad,
    ScoringError,
    build_roadmap,
    phase_loads,
    resolve_questions,
    roadmap_is_provisional,
)
from scoring.roadmap import phase_fits
from tests.scoring_fixtures import answers, question, questionnaire


@pytest.fixture
def plan():
    """GOV weight 2, BIA weight 1; answers GOV-01 1, GOV-02 2, BIA-01 1, BIA-02 none, BIA-03 4, BIA-04 N/A."""
    q = questionnaire(
        [
            question("GOV-01", weight=3, actions={2: ("Write a policy.", "S"), 3: ("Approve the policy.", "M")}),
            question("GOV-02", weight=1, actions={3: ("Review providers.", "L")}),
            question("BIA-01", weight=2),
            question("BIA-02"),
            question("BIA-03", actions={4: ("Unused.", "S")}),
            question("BIA-04", na_allowed=True),
        ],
        domains={"GOV": 2.0, "BIA": 1.0},
    )
    results = resolve_questions(q, answers({"GOV-01": 1, "GOV-02": 2, "BIA-01": 1, "BIA-03": 4, "BIA-04": NA}))
    return q, results


def test_roadmap_orders_by_level_then_priority_then_effort(plan):
    # candidates (priority = question weight x domain weight, points S=1 M=3 L=8):
    #   GOV-01 -> 2 (6, 1)  BIA-01 -> 2 (2, 3)  GOV-01 -> 3 (6, 3)  GOV-02 -> 3 (2, 8)  BIA-01 -> 3 (2, 3)
    # to level 2 first (priority 6 before 2), then level 3: GOV-01 (6), then BIA-01 before GOV-02 (3 < 8 points)
    q, results = plan
    steps = build_roadmap(q, results)
    assert [(s.question_id, s.to_level) for s in steps] == [
        ("GOV-01", 2),
        ("BIA-01", 2),
        ("GOV-01", 3),
        ("BIA-01", 3),
        ("GOV-02", 3),
    ]
    assert [s.order for s in steps] == [1, 2, 3, 4, 5]
    assert [s.priority for s in steps] == [6.0, 2.0, 6.0, 2.0, 2.0]
    assert [s.points for s in steps] == [1, 3, 3, 3, 8]


def test_roadmap_steps_carry_from_level_action_and_practice(plan):
    q, results = plan
    first, _, third, *_ = build_roadmap(q, results)
    assert (first.from_level, first.to_level, first.action, first.effort) == (1, 2, "Write a policy.", "S")
    assert (third.from_level, third.to_level, third.action, third.effort) == (2, 3, "Approve the policy.", "M")
    assert first.practice == "Practice GOV-01?"
    assert first.domain_id == "GOV"


def test_missing_action_falls_back_to_the_level_statement_with_medium_effort(plan):
    q, results = plan
    step = next(s for s in build_roadmap(q, results) if s.question_id == "BIA-01")
    assert step.action == "Reach level 2: BIA-01 at level 2"
    assert (step.effort, step.points) == ("M", 3)


def test_unanswered_na_and_on_target_questions_get_no_steps(plan):
    q, results = plan
    ids = {s.question_id for s in build_roadmap(q, results)}
    assert ids.isdisjoint({"BIA-02", "BIA-03", "BIA-04"})
    assert roadmap_is_provisional(results)


def test_roadmap_is_not_provisional_when_every_question_is_answered():
    q = questionnaire([question("GOV-01")])
    assert not roadmap_is_provisional(resolve_questions(q, answers({"GOV-01": 1})))


def test_phases_fill_in_order_and_respect_capacity(plan):
    # capacities 4, 6, unlimited:
    #   GOV-01 -> 2 (1): phase 0 (1 of 4)     BIA-01 -> 2 (3): phase 0 (4 of 4)
    #   GOV-01 -> 3 (3): phase 0 full -> phase 1 (3 of 6)
    #   BIA-01 -> 3 (3): phase 1 (6 of 6)     GOV-02 -> 3 (8): phases 0 and 1 full -> phase 2
    q, results = plan
    steps = build_roadmap(q, results, capacities=[4, 6, None])
    assert [s.phase_index for s in steps] == [0, 0, 1, 1, 2]
    assert [s.phase_name for s in steps] == ["0-3 months", "0-3 months", "3-12 months", "3-12 months", "12-24 months"]
    assert not any(s.overflow for s in steps)


def test_step_that_fits_no_phase_goes_to_the_last_phase_as_overflow(plan):
    # as above, but the last phase holds 5 points: GOV-02 -> 3 (8 points) fits nowhere
    q, results = plan
    steps = build_roadmap(q, results, capacities=[4, 6, 5])
    assert [s.overflow for s in steps] == [False, False, False, False, True]
    assert steps[-1].phase_index == 2
    loads = phase_loads(q, steps, capacities=[4, 6, 5])
    assert [(load.points, load.steps) for load in loads] == [(4, 2), (6, 2), (8, 1)]
    assert [load.over_capacity for load in loads] == [False, False, True]


def test_default_phase_capacities_come_from_the_questionnaire(plan):
    # default capacities 12, 36, unlimited: the first four steps take 1 + 3 + 3 + 3 = 10 points of
    # phase 0; GOV-02 -> 3 (8 points) would make 18 > 12, so it goes to phase 1
    q, results = plan
    steps = build_roadmap(q, results)
    assert [s.phase_index for s in steps] == [0, 0, 0, 0, 1]
    assert [(load.capacity, load.points) for load in phase_loads(q, steps)] == [(12, 10), (36, 8), (None, 0)]


def test_step_never_goes_to_an_earlier_phase_than_its_practice_previous_step():
    # GOV-01 -> 2 costs L = 8 points and does not fit phase 0 (capacity 5): phase 1.
    # GOV-01 -> 3 costs S = 1 point and would fit phase 0, but must follow its previous step: phase 1.
    q = questionnaire([question("GOV-01", actions={2: ("Big.", "L"), 3: ("Small.", "S")})])
    steps = build_roadmap(q, resolve_questions(q, answers({"GOV-01": 1})), capacities=[5, None, None])
    assert [(s.to_level, s.phase_index) for s in steps] == [(2, 1), (3, 1)]


def test_questionnaire_order_breaks_ties():
    # identical weight, domain and effort: GOV-02 is listed first, so its step comes first
    q = questionnaire([question("GOV-02"), question("GOV-01")])
    steps = build_roadmap(q, resolve_questions(q, answers({"GOV-01": 2, "GOV-02": 2})))
    assert [s.question_id for s in steps] == ["GOV-02", "GOV-01"]


def test_roadmap_climbs_every_level_up_to_the_target():
    q = questionnaire([question("GOV-01")])
    steps = build_roadmap(q, resolve_questions(q, answers({"GOV-01": 1})), targets={"GOV": 5})
    assert [(s.from_level, s.to_level) for s in steps] == [(1, 2), (2, 3), (3, 4), (4, 5)]


def test_effort_points_come_from_the_questionnaire():
    q = questionnaire(
        [question("GOV-01", actions={2: ("A.", "S"), 3: ("B.", "L")})],
        scoring={"effort_points": {"S": 2, "M": 5, "L": 13}},
    )
    steps = build_roadmap(q, resolve_questions(q, answers({"GOV-01": 1})))
    assert [s.points for s in steps] == [2, 13]


@pytest.mark.parametrize("capacities", [[1, 2], [1, 2, 3, 4], [1, -1, None], [1, 2.5, None]])
def test_invalid_capacities_raise_a_scoring_error(plan, capacities):
    q, results = plan
    with pytest.raises(ScoringError, match="capacit"):
        build_roadmap(q, results, capacities=capacities)


efforts = st.sampled_from(["S", "M", "L"])


@st.composite
def roadmap_cases(draw):
    count = draw(st.integers(1, 8))
    questions = [
        question(
            f"{'GOV' if i % 2 else 'BIA'}-{i:02d}",
            weight=draw(st.integers(1, 10)),
            actions={level: ("Act.", draw(efforts)) for level in draw(st.sets(st.integers(2, 5)))},
        )
        for i in range(1, count + 1)
    ]
    q = questionnaire(questions, domains={"GOV": draw(st.sampled_from([0.5, 1.0, 2.0])), "BIA": 1.0})
    given_levels = {data["id"]: draw(st.one_of(st.none(), st.integers(1, 5))) for data in questions}
    targets = {d.id: draw(st.integers(1, 5)) for d in q.domains}
    capacities = draw(st.lists(st.one_of(st.none(), st.integers(0, 12)), min_size=3, max_size=3))
    return q, given_levels, targets, capacities


@settings(max_examples=80, deadline=None)
@given(roadmap_cases())
def test_roadmap_never_schedules_a_level_before_the_one_below_it(case):
    q, given_levels, targets, capacities = case
    results = resolve_questions(q, answers(given_levels))
    steps = build_roadmap(q, results, targets, capacities)
    by_practice: dict[str, list] = {}
    for step in steps:
        by_practice.setdefault(step.question_id, []).append(step)
    for question_id, practice_steps in by_practice.items():
        current = results[question_id].level
        target = targets[results[question_id].domain_id]
        assert [s.to_level for s in practice_steps] == list(range(current + 1, target + 1))
        for lower, higher in itertools.pairwise(practice_steps):
            assert lower.order < higher.order
            assert lower.phase_index <= higher.phase_index
            assert higher.from_level == lower.to_level
    expected = sum(max(0, targets[r.domain_id] - r.level) for r in results.values() if r.level is not None and not r.na)
    assert len(steps) == expected
    for index, capacity in enumerate(capacities):
        placed = sum(s.points for s in steps if s.phase_index == index and not s.overflow)
        assert capacity is None or placed <= capacity
        assert all(s.phase_index == len(capacities) - 1 for s in steps if s.overflow)


def load(start: int, end: int, capacity: int | None, points: int) -> PhaseLoad:
    return PhaseLoad(0, f"{start}-{end} months", start, end, capacity, points, steps=1)


def test_a_phase_without_capacity_can_hold_its_months_at_the_pace_of_the_phases_with_one():
    # 12 points in 3 months and 36 in 9 are both 4 points a month: 12 months at 4 hold 48, and 150 is more
    first, second, last = phase_fits([load(0, 3, 12, 12), load(3, 12, 36, 36), load(12, 24, None, 150)])
    assert (last.can_hold, last.pace, last.implied, last.over) == (48, Fraction(4), True, True)
    assert [(fit.can_hold, fit.implied, fit.over) for fit in (first, second)] == [
        (12, False, False),
        (36, False, False),
    ]


def test_the_fastest_pace_of_the_phases_with_a_capacity_is_used_and_rounded_down():
    # 10 points in 3 months (10/3 a month) is faster than 9 in 9 (1 a month): 4 months hold 13.3, so 13
    *_, last = phase_fits([load(0, 3, 10, 0), load(3, 12, 9, 0), load(12, 16, None, 13)])
    assert (last.pace, last.can_hold, last.over) == (Fraction(10, 3), 13, False)
    *_, fuller = phase_fits([load(0, 3, 10, 0), load(3, 12, 9, 0), load(12, 16, None, 14)])
    assert fuller.over


def test_a_phase_over_its_own_capacity_is_over_without_a_pace():
    [fit] = phase_fits([load(0, 3, 5, 8)])
    assert (fit.can_hold, fit.pace, fit.implied, fit.over) == (5, None, False, True)


def test_without_any_capacity_no_phase_is_ever_over():
    fits = phase_fits([load(0, 3, None, 100), load(3, 12, None, 1000)])
    assert [(fit.can_hold, fit.over) for fit in fits] == [(None, False), (None, False)]


def test_phase_fits_of_the_shipped_phases_follow_the_roadmap_loads(plan):
    # default phases 0-3 (12), 3-12 (36), 12-24 (no capacity): 10, 8 and 0 points; the last can hold 48
    q, results = plan
    fits = phase_fits(phase_loads(q, build_roadmap(q, results)))
    assert [(fit.load.points, fit.can_hold, fit.over) for fit in fits] == [
        (10, 12, False),
        (8, 36, False),
        (0, 48, False),
    ]
