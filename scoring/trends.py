"""Trends across assessments, by domain and by stable question id, across questionnaire versions.

A question or domain missing from one assessment (e.g. dropped in a new version) is simply absent
for that assessment; changes are measured from the previous assessment that has the same id.
"""

from __future__ import annotations

import datetime as dt
from collections.abc import Mapping, Sequence
from dataclasses import dataclass, field

import pandas as pd

from scoring.assessment import AssessmentScore
from scoring.benchmark import OVERALL
from scoring.errors import ScoringError

DOMAIN_TREND_COLUMNS = ("label", "date", "domain_id", "score", "stage", "score_change", "stage_change")
QUESTION_TREND_COLUMNS = ("label", "date", "question_id", "level", "level_change")
TARGET_TREND_COLUMNS = ("label", "date", "domain_id", "target")


@dataclass(frozen=True, slots=True)
class ScorePoint:
    """A score and stage at one point in time (either may be None)."""

    score: float | None
    stage: int | None


@dataclass(frozen=True, slots=True)
class TrendPoint:
    """One assessment in a trend: its label (e.g. FY2026), date, domain scores, question levels and targets.

    `domains` is keyed by domain id and may hold "overall"; `questions` maps stable question ids
    to levels (None for N/A or unanswered); `targets` maps domain ids to the target level set then.
    """

    label: str
    date: dt.date
    domains: Mapping[str, ScorePoint] = field(hash=False)
    questions: Mapping[str, int | None] = field(hash=False)
    targets: Mapping[str, int] = field(default_factory=dict, hash=False)


def trend_point(label: str, date: dt.date, score: AssessmentScore) -> TrendPoint:
    """Return the trend point of a scored assessment, with "overall" among its domains."""
    domains = {OVERALL: ScorePoint(score.overall.score, score.overall.stage)} | {
        domain.domain_id: ScorePoint(domain.score, domain.stage) for domain in score.domains
    }
    questions = {question_id: None if result.na else result.level for question_id, result in score.questions.items()}
    return TrendPoint(label=label, date=date, domains=domains, questions=questions, targets=dict(score.targets))


def _ordered(points: Sequence[TrendPoint]) -> list[TrendPoint]:
    labels = [point.label for point in points]
    repeated = sorted({label for label in labels if labels.count(label) > 1})
    if repeated:
        raise ScoringError(f"trend labels must be distinct; {', '.join(repeated)} appear more than once")
    return sorted(points, key=lambda point: (point.date, point.label))


def domain_trend(points: Sequence[TrendPoint]) -> pd.DataFrame:
    """Return one row per assessment and domain: label, date, domain_id, score, stage and changes.

    Rows are in date order; score_change and stage_change are measured from the previous assessment
    that has the domain (missing when either value is missing).
    """
    rows = [
        (point.label, point.date, domain_id, value.score, value.stage)
        for point in _ordered(points)
        for domain_id, value in point.domains.items()
    ]
    frame = pd.DataFrame(rows, columns=["label", "date", "domain_id", "score", "stage"])
    frame = frame.astype({"label": "string", "domain_id": "string", "score": "float64", "stage": "Int64"}).assign(
        date=pd.to_datetime(frame["date"])
    )
    grouped = frame.groupby("domain_id", sort=False)
    frame["score_change"] = grouped["score"].diff()
    frame["stage_change"] = grouped["stage"].diff().astype("Int64")
    return frame.loc[:, list(DOMAIN_TREND_COLUMNS)]


def question_trend(points: Sequence[TrendPoint]) -> pd.DataFrame:
    """Return one row per assessment and question id: label, date, question_id, level, level_change.

    A question missing from an assessment (another questionnaire version) has no row there.
    """
    rows = [
        (point.label, point.date, question_id, level)
        for point in _ordered(points)
        for question_id, level in point.questions.items()
    ]
    frame = pd.DataFrame(rows, columns=["label", "date", "question_id", "level"])
    frame = frame.astype({"label": "string", "question_id": "string", "level": "Int64"}).assign(
        date=pd.to_datetime(frame["date"])
    )
    frame["level_change"] = frame.groupby("question_id", sort=False)["level"].diff().astype("Int64")
    return frame.loc[:, list(QUESTION_TREND_COLUMNS)]


def target_trend(points: Sequence[TrendPoint]) -> pd.DataFrame:
    """Return one row per assessment and domain with a target: label, date, domain_id, target, in date order.

    Targets are set per assessment, so a target raised for FY2026 shows from FY2026 on.
    """
    rows = [
        (point.label, point.date, domain_id, target)
        for point in _ordered(points)
        for domain_id, target in point.targets.items()
    ]
    frame = pd.DataFrame(rows, columns=list(TARGET_TREND_COLUMNS))
    return frame.astype({"label": "string", "domain_id": "string", "target": "Int64"}).assign(
        date=pd.to_datetime(frame["date"])
    )
