"""Peer benchmark: where an assessment stands among other organisations, without revealing any of them.

Rules, as published to users:

- The peer group is the latest completed assessment of each other organisation on the same
  questionnaire, optionally narrowed to one industry, size band and region.
- Illustrative (demo) organisations are never peers of a real one, and real ones never peers of
  an illustrative one: the demo stays a self-contained illustration.
- With fewer peer organisations than the questionnaire's `min_peer_group` (never under 5) no peer
  figure is given at all, so no single organisation can be singled out. The same holds for each
  domain: a domain scored by too few peers gets no figures.
- Percentile rank = 100 x (peers below + half the peers level with the score) / peers with a score.
  Scores within 1e-9 of each other count as level.
- Quartiles (q1, median, q3) use linear interpolation between peer scores (numpy's default); the
  whiskers of a box plot are the 10th and 90th percentiles, interpolated the same way, never the
  lowest or highest peer score.
- A period narrows the group to peers whose latest completed assessment is dated in a range of years.
- Peers from imported benchmark packs count like any other; each peer carries its source, and the
  result says how many peers came from each source.
- Only these aggregates leave this module; individual peer scores and identities never do.
"""

from __future__ import annotations

from collections.abc import Mapping, Sequence
from dataclasses import dataclass

import numpy as np
import pandas as pd

from scoring.assessment import AssessmentScore
from scoring.errors import ScoringError

OVERALL = "overall"
"""Column and figure name of the overall score; domain figures use the domain ids."""

PRIVACY_FLOOR = 5
"""The smallest peer group that may ever be shown, whatever a questionnaire asks for."""

SELECTION_COLUMNS = ("organisation_id", "assessment_id", "questionnaire_id", "status", "illustrative")
FILTER_COLUMNS = ("industry", "size_band", "region")
TOLERANCE = 1e-9


@dataclass(frozen=True, slots=True)
class PeerFilter:
    """Optional narrowing of the peer group; None means any value."""

    industry: str | None = None
    size_band: str | None = None
    region: str | None = None
    year_from: int | None = None
    year_to: int | None = None

    def items(self) -> tuple[tuple[str, str], ...]:
        """Return the (column, value) pairs that are set."""
        return tuple(
            (column, value)
            for column, value in (
                ("industry", self.industry),
                ("size_band", self.size_band),
                ("region", self.region),
            )
            if value is not None
        )


@dataclass(frozen=True, slots=True)
class PeerFigure:
    """Peer statistics for one score (overall or a domain); values are None when withheld."""

    score_id: str
    n: int
    subject_score: float | None
    percentile_rank: float | None
    q1: float | None
    median: float | None
    q3: float | None
    reason: str | None = None
    low: float | None = None
    high: float | None = None


@dataclass(frozen=True, slots=True)
class BenchmarkResult:
    """The peer comparison: the group size and, when it is large enough, one figure per score."""

    n: int
    min_peer_group: int
    figures: tuple[PeerFigure, ...]
    reason: str | None = None
    sources: tuple[tuple[str, int], ...] = ()
    """Peers per source ("This installation" or an imported pack's source), largest first."""

    @property
    def missing(self) -> int:
        """How many more peer organisations the group needs before figures are shown."""
        return max(0, self.min_peer_group - self.n)

    @property
    def available(self) -> bool:
        """Whether the peer group is large enough for any figure to be shown."""
        return self.reason is None

    def figure(self, score_id: str) -> PeerFigure | None:
        """Return the figure for one score id ("overall" or a domain id), if there is one."""
        return next((figure for figure in self.figures if figure.score_id == score_id), None)


def score_columns(score: AssessmentScore) -> dict[str, float | None]:
    """Return an assessment's scores keyed like benchmark columns: "overall" and each domain id."""
    return {OVERALL: score.overall.score} | {domain.domain_id: domain.score for domain in score.domains}


def _require_columns(frame: pd.DataFrame, columns: Sequence[str], what: str) -> None:
    missing = [column for column in columns if column not in frame.columns]
    if missing:
        raise ScoringError(f"the {what} lack column(s) {', '.join(missing)}; add them to the data")


def select_peer_group(
    assessments: pd.DataFrame,
    questionnaire_id: str,
    subject_organisation_id: object,
    peer_filter: PeerFilter | None = None,
    *,
    subject_illustrative: bool,
    date_column: str = "completed_at",
    completed_status: str = "completed",
) -> pd.DataFrame:
    """Return one row per peer organisation: its latest completed assessment on the questionnaire.

    `assessments` has columns organisation_id, assessment_id, questionnaire_id, status, illustrative,
    the date column (datetimes or ISO 8601 text), industry, size_band, region and one score column per
    figure. The subject organisation is left out, and so is every organisation whose illustrative flag
    differs from `subject_illustrative` (demo and real data never mix); the filter applies to each
    peer's latest assessment. The result holds identities: pass it to `benchmark`, never show it.
    """
    chosen_filter = peer_filter or PeerFilter()
    _require_columns(
        assessments,
        [*SELECTION_COLUMNS, date_column, *(column for column, _ in chosen_filter.items())],
        "assessments",
    )
    candidates = assessments[
        (assessments["questionnaire_id"] == questionnaire_id)
        & (assessments["status"] == completed_status)
        & (assessments["organisation_id"] != subject_organisation_id)
        # Demo and real data never mix; a missing flag (NaN) reads as real, as storage never leaves one out.
        & (assessments["illustrative"].eq(True) == bool(subject_illustrative))
    ]
    # Undated rows sort first, so a dated completion wins; assessment_id breaks exact ties.
    latest = candidates.sort_values([date_column, "assessment_id"], na_position="first", kind="stable").drop_duplicates(
        "organisation_id", keep="last"
    )
    for column, value in chosen_filter.items():
        latest = latest[latest[column] == value]
    if chosen_filter.year_from is not None or chosen_filter.year_to is not None:
        years = latest["year"] if "year" in latest.columns else pd.to_datetime(latest[date_column]).dt.year
        lowest = chosen_filter.year_from if chosen_filter.year_from is not None else -(10**6)
        highest = chosen_filter.year_to if chosen_filter.year_to is not None else 10**6
        latest = latest[years.between(lowest, highest)]
    return latest.reset_index(drop=True)


def _withheld(score_id: str, n: int, subject: float | None, reason: str) -> PeerFigure:
    return PeerFigure(score_id, n, subject, None, None, None, None, reason)


def _as_score(value: float | None) -> float | None:
    if value is None:
        return None
    number = float(value)
    return None if np.isnan(number) else number


def benchmark(
    peers: pd.DataFrame,
    subject_scores: Mapping[str, float | None],
    min_peer_group: int = PRIVACY_FLOOR,
) -> BenchmarkResult:
    """Compare the subject's scores with a peer group chosen by `select_peer_group`.

    `subject_scores` maps score ids ("overall", domain ids) to the subject's scores (None when
    unscored); each id must be a column of `peers`. Figures come in the order of `subject_scores`.
    """
    whole = isinstance(min_peer_group, int) and not isinstance(min_peer_group, bool)
    if not whole or min_peer_group < PRIVACY_FLOOR:
        raise ScoringError(
            f"min_peer_group {min_peer_group!r} is too small: peer figures need at least {PRIVACY_FLOOR} organisations"
        )
    score_ids = list(subject_scores)
    _require_columns(peers, score_ids, "peer assessments")
    n = int(peers["organisation_id"].nunique()) if "organisation_id" in peers.columns else len(peers)
    sources: tuple[tuple[str, int], ...] = ()
    if "source" in peers.columns and n:
        counted = peers.drop_duplicates("organisation_id")["source"].value_counts(sort=False)
        sources = tuple(sorted(((str(k), int(v)) for k, v in counted.items()), key=lambda item: (-item[1], item[0])))
    if n < min_peer_group:
        return BenchmarkResult(
            n=n,
            min_peer_group=min_peer_group,
            figures=(),
            reason=f"{n} peer organisation(s) match; peer figures need at least {min_peer_group}",
            sources=sources,
        )
    values = peers[score_ids].to_numpy(dtype=float, na_value=np.nan)
    present = ~np.isnan(values)
    counts = present.sum(axis=0)
    shown = counts >= min_peer_group
    quartiles = np.full((5, len(score_ids)), np.nan)
    if shown.any():
        quartiles[:, shown] = np.nanquantile(values[:, shown], [0.25, 0.5, 0.75, 0.1, 0.9], axis=0)
    subjects = np.array([_as_score(subject_scores[s]) for s in score_ids], dtype=float)
    # NaN compares false, so unscored peers count as neither below nor level.
    below = (values < subjects - TOLERANCE).sum(axis=0)
    level = (np.abs(values - subjects) <= TOLERANCE).sum(axis=0)
    with np.errstate(invalid="ignore", divide="ignore"):
        ranks = 100.0 * (below + 0.5 * level) / counts
    figures: list[PeerFigure] = []
    for index, score_id in enumerate(score_ids):
        count = int(counts[index])
        subject = None if np.isnan(subjects[index]) else float(subjects[index])
        if not shown[index]:
            figures.append(
                _withheld(score_id, count, subject, f"{count} peer(s) scored; figures need {min_peer_group}")
            )
            continue
        figures.append(
            PeerFigure(
                score_id=score_id,
                n=count,
                subject_score=subject,
                percentile_rank=None if subject is None else float(ranks[index]),
                q1=float(quartiles[0, index]),
                median=float(quartiles[1, index]),
                q3=float(quartiles[2, index]),
                low=float(quartiles[3, index]),
                high=float(quartiles[4, index]),
            )
        )
    return BenchmarkResult(n=n, min_peer_group=min_peer_group, figures=tuple(figures), sources=sources)


LOCAL_SOURCE = "This installation"
"""The source label of peers whose assessments are stored in this installation."""

PACK_COLUMNS = ("import_id", "row_number", "source", "questionnaire_id", "industry", "size_band", "region", "year")


def pack_peers(rows: pd.DataFrame) -> pd.DataFrame:
    """Turn imported benchmark-pack rows (one row per score) into peers, one row per pack row.

    `rows` has the PACK_COLUMNS plus score_id and score. Each pack row becomes one peer
    organisation with a key of its own ("pack <import>:<row>", never equal to a stored
    organisation's id), status "completed", not illustrative, and its source; its scores
    become one column per score id, as `benchmark` expects.
    """
    _require_columns(rows, [*PACK_COLUMNS, "score_id", "score"], "benchmark pack rows")
    if rows.empty:
        return pd.DataFrame(columns=[*SELECTION_COLUMNS, *FILTER_COLUMNS, "year", "source"])
    wide = rows.pivot_table(index=list(PACK_COLUMNS), columns="score_id", values="score", aggfunc="first", dropna=False)
    wide.columns = [str(column) for column in wide.columns]
    wide = wide.reset_index()
    keys = "pack " + wide["import_id"].astype(str) + ":" + wide["row_number"].astype(str)
    return wide.assign(
        organisation_id=keys,
        assessment_id=keys,
        status="completed",
        illustrative=False,
        assessment_date=pd.to_datetime(wide["year"].astype(str) + "-01-01"),
    ).drop(columns=["import_id", "row_number"])
