"""Trends by domain and by stable question id across assessments and questionnaire versions, and two assessments
compared: directions per domain and practice, roadmap steps completed, questions of one version only."""

from __future__ import annotations

import datetime as dt

import pandas as pd
import pytest
from hypothesis import given, settings
from hypothesis import strategies as st

from questionnaires.model import Questionnaire
from scoring import (
    NA,
    OVERALL,
    Comparison,
    Period,
    PracticeChange,
    ScorePoint,
    ScoringError,
    TrendPoint,
    compare,
    domain_trend,
    question_trend,
    score_assessment,
    target_trend,
    trend_point,
    version_only_questions,
)
from scoring.comparison import MIRRORED
from tests.scoring_fixtures import answers, question, questionnaire


@pytest.fixture
def two_versions():
    """FY2025 on a version with GOV-01, GOV-02; FY2026 on a version that replaced GOV-02 with GOV-03."""
    old = questionnaire([question("GOV-01"), question("GOV-02", na_allowed=True), question("BIA-01")])
    new = questionnaire([question("GOV-01"), question("GOV-03"), question("BIA-01")])
    fy25 = score_assessment(old, answers({"GOV-01": 2, "GOV-02": NA, "BIA-01": 1}))
    fy26 = score_assessment(new, answers({"GOV-01": 4, "GOV-03": 3, "BIA-01": 1}))
    return [
        trend_point("FY2026", dt.date(2026, 3, 31), fy26),
        trend_point("FY2025", dt.date(2025, 3, 31), fy25),
    ]


def test_question_trend_follows_stable_ids_across_versions(two_versions):
    frame = question_trend(two_versions)
    assert list(frame.columns) == ["label", "date", "question_id", "level", "level_change"]
    rows = [(r.label, r.question_id) for r in frame.itertuples()]
    assert rows == [
        ("FY2025", "GOV-01"),
        ("FY2025", "GOV-02"),
        ("FY2025", "BIA-01"),
        ("FY2026", "GOV-01"),
        ("FY2026", "GOV-03"),
        ("FY2026", "BIA-01"),
    ]
    by_key = frame.set_index(["label", "question_id"])
    assert by_key.loc[("FY2026", "GOV-01"), "level_change"] == 2  # 4 - 2
    assert by_key.loc[("FY2026", "BIA-01"), "level_change"] == 0  # 1 - 1
    assert pd.isna(by_key.loc[("FY2026", "GOV-03"), "level_change"])  # new question: nothing to compare
    assert pd.isna(by_key.loc[("FY2025", "GOV-02"), "level"])  # answered N/A


def test_question_dropped_from_a_version_is_absent_not_an_error(two_versions):
    frame = question_trend(two_versions)
    assert frame[frame["question_id"] == "GOV-02"]["label"].tolist() == ["FY2025"]


def test_domain_trend_gives_scores_stages_and_changes(two_versions):
    # GOV: FY2025 score 2 (GOV-02 N/A), stage 2; FY2026 (4 + 3) / 2 = 3.5, stage: share at >= 4 is 1/2 -> 3
    # overall: FY2025 (2 + 1) / 2 = 1.5, stage 1; FY2026 (3.5 + 1) / 2 = 2.25, stage 1
    frame = domain_trend(two_versions)
    assert list(frame.columns) == ["label", "date", "domain_id", "score", "stage", "score_change", "stage_change"]
    gov = frame[frame["domain_id"] == "GOV"]
    assert gov["score"].tolist() == pytest.approx([2.0, 3.5])
    assert gov["stage"].tolist() == [2, 3]
    assert gov["score_change"].iloc[1] == pytest.approx(1.5)
    assert gov["stage_change"].iloc[1] == 1
    overall = frame[frame["domain_id"] == OVERALL]
    assert overall["score_change"].iloc[1] == pytest.approx(0.75)
    assert overall["stage_change"].iloc[1] == 0


def test_trend_rows_follow_dates_not_input_order(two_versions):
    frame = domain_trend(two_versions)
    assert frame["label"].drop_duplicates().tolist() == ["FY2025", "FY2026"]
    assert frame["date"].is_monotonic_increasing


def test_change_is_missing_when_a_score_is_missing():
    points = [
        TrendPoint("A", dt.date(2024, 1, 1), {"GOV": ScorePoint(None, None)}, {}),
        TrendPoint("B", dt.date(2025, 1, 1), {"GOV": ScorePoint(3.0, 3)}, {}),
        TrendPoint("C", dt.date(2026, 1, 1), {"GOV": ScorePoint(2.0, 2)}, {}),
    ]
    frame = domain_trend(points)
    assert frame["score_change"].isna().tolist() == [True, True, False]
    assert frame["score_change"].iloc[2] == pytest.approx(-1.0)
    assert frame["stage_change"].iloc[2] == -1


def test_no_points_give_empty_frames_with_the_columns():
    assert list(domain_trend([]).columns) == [
        "label",
        "date",
        "domain_id",
        "score",
        "stage",
        "score_change",
        "stage_change",
    ]
    assert question_trend([]).empty


def test_repeated_labels_raise_a_scoring_error():
    point = TrendPoint("FY2026", dt.date(2026, 1, 1), {}, {})
    with pytest.raises(ScoringError, match="FY2026"):
        question_trend([point, point])


# Targets by period


def test_target_trend_gives_each_assessments_targets_in_date_order():
    quest = questionnaire([question("GOV-01"), question("BIA-01")])
    fy25 = score_assessment(quest, answers({"GOV-01": 2}), targets={"GOV": 4})
    fy26 = score_assessment(quest, answers({"GOV-01": 3}), targets={"GOV": 4, "BIA": 2})
    points = [trend_point("FY2026", dt.date(2026, 3, 1), fy26), trend_point("FY2025", dt.date(2025, 3, 1), fy25)]
    frame = target_trend(points)
    assert list(frame.columns) == ["label", "date", "domain_id", "target"]
    assert [(r.label, r.domain_id, r.target) for r in frame.itertuples()] == [
        ("FY2025", "GOV", 4),
        ("FY2025", "BIA", 3),  # the questionnaire's default target
        ("FY2026", "GOV", 4),
        ("FY2026", "BIA", 2),
    ]
    assert target_trend([]).empty


# Two assessments compared: directions, practices, completed steps, questions of one version only

ACTIONS = {level: (f"Do step {level}", "S") for level in (2, 3, 4, 5)}


def period(label: str, quest: Questionnaire, levels: dict, *, done=(), targets=None, year: int = 2026) -> Period:
    """One assessment of `quest` answered at `levels` (a level, NA or None per question id)."""
    score = score_assessment(quest, answers(levels), targets=targets)
    return Period(label, dt.date(year, 3, 31), quest, score, frozenset(done))


@pytest.fixture
def v1() -> Questionnaire:
    """GOV-01..03 and BIA-01 (N/A allowed); every level has an action."""
    return questionnaire(
        [
            question("GOV-01", actions=ACTIONS),
            question("GOV-02", actions=ACTIONS),
            question("GOV-03", actions=ACTIONS),
            question("BIA-01", na_allowed=True, actions=ACTIONS),
        ]
    )


def by_id(comparison: Comparison) -> dict[str, PracticeChange]:
    return {p.question_id: p for p in comparison.practices}


def test_practices_that_rose_fell_or_stayed_are_improved_declined_or_unchanged_with_the_statements_that_changed(v1):
    before = period("FY2025", v1, {"GOV-01": 2, "GOV-02": 4, "GOV-03": 3, "BIA-01": 2}, year=2025)
    after = period("FY2026", v1, {"GOV-01": 3, "GOV-02": 2, "GOV-03": 3, "BIA-01": 2})
    practices = by_id(compare(before, after))
    assert [practices[q].direction for q in ("GOV-01", "GOV-02", "GOV-03", "BIA-01")] == [
        "improved",
        "declined",
        "unchanged",
        "unchanged",
    ]
    assert (practices["GOV-01"].earlier_statement, practices["GOV-01"].later_statement) == (
        "GOV-01 at level 2",
        "GOV-01 at level 3",
    )
    assert (practices["GOV-02"].earlier_level, practices["GOV-02"].later_level) == (4, 2)
    assert practices["GOV-03"].earlier_statement is None and practices["GOV-03"].later_statement is None


def test_a_practice_answered_na_or_not_at_all_on_either_side_is_not_comparable(v1):
    before = period("FY2025", v1, {"GOV-01": 2, "GOV-02": None, "BIA-01": NA}, year=2025)
    after = period("FY2026", v1, {"GOV-01": None, "GOV-02": 3, "BIA-01": 4})
    practices = by_id(compare(before, after))
    assert {q: practices[q].direction for q in ("GOV-01", "GOV-02", "GOV-03", "BIA-01")} == dict.fromkeys(
        ("GOV-01", "GOV-02", "GOV-03", "BIA-01"), "not comparable"
    )
    assert (practices["BIA-01"].earlier_na, practices["BIA-01"].earlier_level) == (True, None)
    assert practices["BIA-01"].later_statement is None  # statements only come with a level that moved


def test_domains_move_by_score_and_count_their_practices_moves(v1):
    before = period("FY2025", v1, {"GOV-01": 2, "GOV-02": 4, "GOV-03": 3, "BIA-01": 3}, year=2025)
    after = period("FY2026", v1, {"GOV-01": 4, "GOV-02": 3, "GOV-03": 3, "BIA-01": 2})
    result = compare(before, after)
    gov, bia = result.domains
    assert (gov.domain_id, gov.direction, gov.improved, gov.declined, gov.unchanged) == ("GOV", "improved", 1, 1, 1)
    assert gov.score_change == pytest.approx(1 / 3)  # 3 -> 3.33
    assert (bia.direction, bia.score_change, bia.stage_change) == ("declined", pytest.approx(-1.0), -1)
    overall = result.overall
    assert (overall.domain_id, overall.name) == (OVERALL, "Overall")
    assert (overall.improved, overall.declined, overall.unchanged) == (1, 2, 1)


def test_a_domain_with_a_level_score_moves_by_its_stage(v1):
    # GOV: 1, 5, 3 has the same mean (3) as 3, 3, 3, but only the latter reaches stage 3.
    before = period("FY2025", v1, {"GOV-01": 1, "GOV-02": 5, "GOV-03": 3}, year=2025)
    after = period("FY2026", v1, {"GOV-01": 3, "GOV-02": 3, "GOV-03": 3})
    gov = compare(before, after).domains[0]
    assert gov.score_change == pytest.approx(0.0)
    assert (gov.earlier.stage, gov.later.stage, gov.direction) == (1, 3, "improved")
    assert compare(after, after).domains[0].direction == "unchanged"


def test_a_domain_without_a_score_on_one_side_is_not_comparable(v1):
    before = period("FY2025", v1, {"GOV-01": 2}, year=2025)
    after = period("FY2026", v1, {"GOV-01": 3, "BIA-01": NA})
    result = compare(before, after)
    assert result.domains[1].direction == "not comparable"
    assert result.domains[1].score_change is None
    # The overall score is the mean of the domains with a score; the overall stage waits for every domain.
    assert (result.overall.direction, result.overall.stage_change) == ("improved", None)


@pytest.fixture
def v2(v1: Questionnaire) -> Questionnaire:
    """The next version: GOV-03 dropped, GOV-04 and a new domain REC (REC-01) added, GOV-01's statements reworded."""
    gov01 = question("GOV-01", actions=ACTIONS)
    gov01["levels"] = {level: f"GOV-01 reworded at level {level}" for level in (1, 2, 3, 4, 5)}
    changed = questionnaire(
        [
            gov01,
            question("GOV-02", actions=ACTIONS),
            question("GOV-04", actions=ACTIONS),
            question("BIA-01", na_allowed=True, actions=ACTIONS),
            question("REC-01", actions=ACTIONS),
        ]
    )
    return changed.model_copy(update={"version": "2"})


def test_versions_compare_by_stable_question_id_with_new_and_dropped_questions_and_domains(v1, v2):
    before = period("FY2025", v1, {"GOV-01": 2, "GOV-02": 3, "GOV-03": 1, "BIA-01": 2}, year=2025)
    after = period("FY2026", v2, {"GOV-01": 3, "GOV-02": 3, "GOV-04": 2, "BIA-01": 2, "REC-01": 2})
    result = compare(before, after)
    practices = by_id(result)
    assert list(practices) == ["GOV-01", "GOV-02", "GOV-04", "BIA-01", "REC-01", "GOV-03"]
    assert [practices[q].direction for q in ("GOV-01", "GOV-04", "REC-01", "GOV-03")] == [
        "improved",
        "new",
        "new",
        "dropped",
    ]
    # Each side's statement comes from its own version.
    assert (practices["GOV-01"].earlier_statement, practices["GOV-01"].later_statement) == (
        "GOV-01 at level 2",
        "GOV-01 reworded at level 3",
    )
    # GOV: (2 + 3 + 1) / 3 = 2 on version 1, (3 + 3 + 2) / 3 = 2.67 on version 2.
    assert [(d.domain_id, d.direction) for d in result.domains] == [
        ("GOV", "improved"),
        ("BIA", "unchanged"),
        ("REC", "new"),
    ]
    assert result.domains[2].earlier is None
    backward = compare(after, before)
    assert [(d.domain_id, d.direction) for d in backward.domains][-1] == ("REC", "dropped")
    assert by_id(backward)["GOV-04"].direction == "dropped"


@pytest.fixture
def v2_merged(v1: Questionnaire) -> Questionnaire:
    """A declared successor of v1 in which GOV-05 merges GOV-02 and GOV-03."""
    merged = question("GOV-05", actions=ACTIONS)
    merged["replaces"] = ["GOV-02", "GOV-03"]
    later = questionnaire(
        [question("GOV-01", actions=ACTIONS), merged, question("BIA-01", na_allowed=True, actions=ACTIONS)]
    )
    return later.model_copy(update={"version": "2", "previous_version": v1.version})


def test_a_merged_question_is_compared_with_the_lowest_level_of_those_it_replaces(v1, v2_merged):
    before = period("FY2025", v1, {"GOV-01": 2, "GOV-02": 4, "GOV-03": 2, "BIA-01": 2}, year=2025)
    after = period("FY2026", v2_merged, {"GOV-01": 2, "GOV-05": 3, "BIA-01": 2})
    practices = by_id(compare(before, after))
    assert list(practices) == ["GOV-01", "GOV-05", "BIA-01"]  # GOV-02 and GOV-03 are not listed as dropped
    merged = practices["GOV-05"]
    assert (merged.earlier_level, merged.later_level, merged.direction, merged.replaces) == (
        2,
        3,
        "improved",
        ("GOV-02", "GOV-03"),
    )
    assert merged.earlier_statement == "GOV-03 at level 2"


def test_a_merged_question_whose_predecessors_were_all_na_is_not_comparable(v1, v2_merged):
    v1_na = v1.model_copy(update={"questions": [q.model_copy(update={"na_allowed": True}) for q in v1.questions]})
    before = period("FY2025", v1_na, {"GOV-02": NA, "GOV-03": NA}, year=2025)
    after = period("FY2026", v2_merged.model_copy(update={"previous_version": v1_na.version}), {"GOV-05": 3})
    merged = by_id(compare(before, after))["GOV-05"]
    assert (merged.earlier_level, merged.earlier_na, merged.direction) == (None, True, "not comparable")


def test_questions_in_only_some_versions_are_listed_with_the_versions_that_have_them(v1, v2):
    found = version_only_questions([v1, v2, v1])
    assert [(q.question_id, q.domain_id, q.versions) for q in found] == [
        ("GOV-03", "GOV", ("1",)),
        ("GOV-04", "GOV", ("2",)),
        ("REC-01", "REC", ("2",)),
    ]
    assert found[0].text == "Practice GOV-03?"
    assert version_only_questions([v1]) == ()
    assert version_only_questions([v1, v1]) == ()
    assert version_only_questions([]) == ()


def test_three_versions_name_every_version_that_has_a_question(v1, v2):
    v3 = v2.model_copy(update={"version": "3"})
    found = {q.question_id: q.versions for q in version_only_questions([v1, v2, v3])}
    assert found == {"GOV-03": ("1",), "GOV-04": ("2", "3"), "REC-01": ("2", "3")}


def steps_of(comparison: Comparison) -> list[tuple[str, int, bool, bool]]:
    return [(c.question_id, c.to_level, c.marked_done, c.reached) for c in comparison.completed]


def test_a_step_of_the_earlier_roadmap_is_completed_when_its_practice_reaches_the_level(v1):
    # Target 3 everywhere: GOV-01 at 1 plans steps to 2 and 3; GOV-02 at 2 plans a step to 3.
    before = period("FY2025", v1, {"GOV-01": 1, "GOV-02": 2, "GOV-03": 3, "BIA-01": 3}, year=2025)
    after = period("FY2026", v1, {"GOV-01": 2, "GOV-02": 3, "GOV-03": 3, "BIA-01": 3})
    assert steps_of(compare(before, after)) == [("GOV-01", 2, False, True), ("GOV-02", 3, False, True)]
    [first, _] = compare(before, after).completed
    assert (first.action, first.earlier_level, first.later_level) == ("Do step 2", 1, 2)
    assert first.practice == "Practice GOV-01?"


def test_steps_marked_done_count_on_either_roadmap_and_stale_marks_do_not(v1):
    before = period(
        "FY2025",
        v1,
        {"GOV-01": 1, "GOV-02": 2, "GOV-03": 3, "BIA-01": 3},
        done={("GOV-02", 3)},  # done on the earlier plan, though the practice fell back
        year=2025,
    )
    after = period(
        "FY2026",
        v1,
        {"GOV-01": 1, "GOV-02": 1, "GOV-03": 2, "BIA-01": 3},
        # GOV-03's step to 3 is on the later roadmap; GOV-03 to 5 is above the target (on no roadmap).
        done={("GOV-03", 3), ("GOV-03", 5)},
    )
    assert steps_of(compare(before, after)) == [("GOV-02", 3, True, False), ("GOV-03", 3, True, False)]


def test_a_step_both_marked_done_and_reached_says_so_once(v1):
    before = period("FY2025", v1, {"GOV-01": 2, "GOV-02": 3, "GOV-03": 3, "BIA-01": 3}, done={("GOV-01", 3)})
    after = period("FY2026", v1, {"GOV-01": 3, "GOV-02": 3, "GOV-03": 3, "BIA-01": 3}, done={("GOV-01", 3)})
    assert steps_of(compare(before, after)) == [("GOV-01", 3, True, True)]


def test_a_step_of_a_dropped_question_is_completed_only_when_marked_done(v1, v2):
    before = period("FY2025", v1, {"GOV-01": 3, "GOV-02": 3, "GOV-03": 2, "BIA-01": 2}, year=2025)
    after = period("FY2026", v2, {"GOV-01": 3, "GOV-02": 3, "GOV-04": 3, "BIA-01": 3, "REC-01": 3})
    assert steps_of(compare(before, after)) == [("BIA-01", 3, False, True)]
    marked = period("FY2025", v1, {"GOV-01": 3, "GOV-02": 3, "GOV-03": 2, "BIA-01": 2}, done={("GOV-03", 3)})
    assert steps_of(compare(marked, after)) == [("BIA-01", 3, False, True), ("GOV-03", 3, True, False)]


# Properties of a comparison

PROPERTY_QUESTIONNAIRE = questionnaire(
    [
        question("GOV-01", weight=2),
        question("GOV-02"),
        question("BIA-01", na_allowed=True),
        question("BIA-02", weight=3),
    ]
)
answer_sets = st.fixed_dictionaries(
    {
        "GOV-01": st.one_of(st.none(), st.integers(1, 5)),
        "GOV-02": st.one_of(st.none(), st.integers(1, 5)),
        "BIA-01": st.one_of(st.none(), st.just(NA), st.integers(1, 5)),
        "BIA-02": st.one_of(st.none(), st.integers(1, 5)),
    }
)


@settings(max_examples=150, deadline=None)
@given(first=answer_sets, second=answer_sets)
def test_swapping_the_two_assessments_mirrors_every_direction_and_change(first, second):
    a = period("A", PROPERTY_QUESTIONNAIRE, first, year=2025)
    b = period("B", PROPERTY_QUESTIONNAIRE, second)
    forward, backward = compare(a, b), compare(b, a)
    for ahead, behind in zip((forward.overall, *forward.domains), (backward.overall, *backward.domains), strict=True):
        assert behind.direction == MIRRORED[ahead.direction]
        assert (ahead.improved, ahead.declined, ahead.unchanged) == (behind.declined, behind.improved, behind.unchanged)
        if ahead.score_change is not None:
            assert behind.score_change == pytest.approx(-ahead.score_change)
    for ahead, behind in zip(forward.practices, backward.practices, strict=True):
        assert behind.direction == MIRRORED[ahead.direction]
        assert (ahead.earlier_statement, ahead.later_statement) == (behind.later_statement, behind.earlier_statement)
    # Every practice is counted once overall, and the domains' counts add up to it.
    comparable = sum(1 for p in forward.practices if p.direction in ("improved", "declined", "unchanged"))
    assert forward.overall.improved + forward.overall.declined + forward.overall.unchanged == comparable
    assert sum(d.improved + d.declined + d.unchanged for d in forward.domains) == comparable


@settings(max_examples=80, deadline=None)
@given(levels=answer_sets)
def test_an_assessment_compared_with_itself_is_unchanged_wherever_it_has_an_answer(levels):
    a = period("A", PROPERTY_QUESTIONNAIRE, levels)
    result = compare(a, a)
    assert {p.direction for p in result.practices} <= {"unchanged", "not comparable"}
    assert {d.direction for d in (result.overall, *result.domains)} <= {"unchanged", "not comparable"}
    assert all(c.marked_done is False and c.reached is False for c in result.completed) and not result.completed
