"""Trends by domain and by stable question id across assessments and questionnaire versions."""

from __future__ import annotations

import datetime as dt

import pandas as pd
import pytest

from scoring import (
    NA,
    OVERALL,
    ScorePoint,
    ScoringError,
    TrendPoint,
    domain_trend,
    question_trend,
    score_assessment,
    trend_point,
)
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
