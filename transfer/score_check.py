"""Every assessment scored on two databases and compared: the proof that a copy changed no result."""

from __future__ import annotations

from dataclasses import dataclass

from sqlite_utils import Database

from exports.report import load_report
from questionnaires.catalog import UnknownQuestionnaire
from storage import list_assessments


@dataclass(frozen=True)
class Figures:
    """What one scope (the overall result or one domain) of an assessment comes to."""

    scope: str
    stage: int | None
    score: float | None
    answered: int
    total: int


@dataclass(frozen=True)
class ScoreCheck:
    """The outcome of comparing every assessment's scores on two databases.

    `checked`: assessments scored on both; `unscored`: assessments whose questionnaire is not installed, so
    scored on neither (their rows are still counted); `differences`: one sentence per figure that differs.
    """

    checked: int
    unscored: tuple[str, ...]
    differences: tuple[str, ...]


def assessment_figures(db: Database, assessment_id: int) -> tuple[Figures, ...]:
    """The overall and per-domain stage, score and answered count of one assessment, hidden workshop votes included."""
    score = load_report(db, assessment_id, with_hidden_votes=True).score
    overall = score.overall
    figures = [Figures("overall", overall.stage, overall.score, overall.answered, overall.total)]
    figures += [Figures(f"domain {d.domain_id}", d.stage, d.score, d.answered, d.total) for d in score.domains]
    return tuple(figures)


def _differences(name: str, source: tuple[Figures, ...], target: tuple[Figures, ...]) -> list[str]:
    if [f.scope for f in source] != [f.scope for f in target]:
        return [f"{name}: the domains differ ({len(source) - 1} on the source, {len(target) - 1} on the copy)"]
    found = []
    for before, after in zip(source, target, strict=True):
        for field in ("stage", "score", "answered", "total"):
            was, now = getattr(before, field), getattr(after, field)
            if was != now:
                found.append(f"{name}, {before.scope}: {field} {was} on the source, {now} on the copy")
    return found


def compare_scores(source: Database, target: Database) -> ScoreCheck:
    """Score every assessment of `source` and of `target` and say which figures differ (none after a good copy)."""
    before = {a.id: a for a in list_assessments(source)}
    after = {a.id: a for a in list_assessments(target)}
    differences = [f"assessment {i} is on the source only" for i in sorted(before.keys() - after.keys())]
    differences += [f"assessment {i} is on the copy only" for i in sorted(after.keys() - before.keys())]
    checked = 0
    unscored: list[str] = []
    for assessment_id in sorted(before.keys() & after.keys()):
        assessment = before[assessment_id]
        name = f"assessment {assessment_id} ({assessment.label})"
        try:
            figures = assessment_figures(source, assessment_id)
        except UnknownQuestionnaire as exc:
            unscored.append(f"{name}: {exc}")
            continue
        differences += _differences(name, figures, assessment_figures(target, assessment_id))
        checked += 1
    return ScoreCheck(checked=checked, unscored=tuple(unscored), differences=tuple(differences))
