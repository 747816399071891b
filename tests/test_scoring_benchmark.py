"""Peer benchmark: peer group selection, the minimum group size, percentile ranks and quartiles."""

from __future__ import annotations

import math

import numpy as np
import pandas as pd
import pytest
from hypothesis import given, settings
from hypothesis import strategies as st

from scoring import OVERALL, PeerFilter, ScoringError, benchmark, select_peer_group
from scoring.benchmark import pack_peers


def row(org, overall, *, assessment=None, date="2026-01-15", status="completed", questionnaire="itscm", **extra):
    return {
        "organisation_id": org,
        "assessment_id": assessment or f"{org}-{date}",
        "questionnaire_id": questionnaire,
        "status": status,
        "completed_at": pd.Timestamp(date),
        "industry": extra.get("industry", "finance"),
        "size_band": extra.get("size_band", "large"),
        "region": extra.get("region", "EU"),
        "illustrative": extra.get("illustrative", False),
        OVERALL: overall,
        "GOV": extra.get("gov", overall),
    }


def peers_with(scores, **extra):
    columns = list(row("columns", 0.0))
    return pd.DataFrame([row(f"org{i}", score, **extra) for i, score in enumerate(scores)], columns=columns)


def test_four_peers_give_no_figures_at_all():
    peers = select_peer_group(peers_with([1.0, 2.0, 3.0, 4.0]), "itscm", "subject", subject_illustrative=False)
    result = benchmark(peers, {OVERALL: 2.5, "GOV": 2.5})
    assert result.n == 4
    assert not result.available
    assert result.figures == ()
    assert "4 peer organisation(s)" in result.reason


def test_five_peers_give_figures():
    # peers [1, 2, 3, 3, 4], subject 3: below 2, level 2 -> 100 x (2 + 0.5 x 2) / 5 = 60
    # numpy linear quartiles over 5 values: positions 1, 2, 3 -> 2, 3, 3
    peers = select_peer_group(peers_with([1.0, 2.0, 3.0, 3.0, 4.0]), "itscm", "subject", subject_illustrative=False)
    result = benchmark(peers, {OVERALL: 3.0})
    assert result.available
    figure = result.figure(OVERALL)
    assert figure.n == 5
    assert figure.percentile_rank == pytest.approx(60.0)
    assert (figure.q1, figure.median, figure.q3) == pytest.approx((2.0, 3.0, 3.0))


def test_quartiles_interpolate_linearly():
    # six peers 1..6: q1 at position 1.25 -> 2.25, median at 2.5 -> 3.5, q3 at 3.75 -> 4.75
    # subject 3.5: below 3, level 0 -> 100 x 3 / 6 = 50
    result = benchmark(peers_with([6.0, 1.0, 5.0, 2.0, 4.0, 3.0]), {OVERALL: 3.5})
    figure = result.figure(OVERALL)
    assert (figure.q1, figure.median, figure.q3) == pytest.approx((2.25, 3.5, 4.75))
    assert figure.percentile_rank == pytest.approx(50.0)


def test_percentile_rank_counts_nearly_equal_scores_as_level():
    # 3.0000000000000004 counts as level with 3: below 2, level 1 of 5 -> 100 x 2.5 / 5 = 50
    result = benchmark(peers_with([1.0, 2.0, 3.0, 4.0, 5.0]), {OVERALL: 3.0000000000000004})
    assert result.figure(OVERALL).percentile_rank == pytest.approx(50.0)


def test_subject_organisation_is_never_its_own_peer():
    data = pd.concat(
        [peers_with([1.0, 2.0, 3.0, 4.0]), pd.DataFrame([row("subject", 5.0), row("subject", 4.0, date="2025-01-01")])]
    )
    peers = select_peer_group(data, "itscm", "subject", subject_illustrative=False)
    assert "subject" not in set(peers["organisation_id"])
    assert benchmark(peers, {OVERALL: 5.0}).figures == ()


def test_illustrative_organisations_are_never_peers_of_a_real_one():
    data = pd.concat([peers_with([1.0, 2.0, 3.0, 4.0]), peers_with([5.0] * 8, illustrative=True)])
    data["organisation_id"] = [f"real{i}" for i in range(4)] + [f"demo{i}" for i in range(8)]
    peers = select_peer_group(data, "itscm", "subject", subject_illustrative=False)
    assert sorted(peers["organisation_id"]) == ["real0", "real1", "real2", "real3"]
    assert not benchmark(peers, {OVERALL: 3.0}).available


def test_real_organisations_are_never_peers_of_an_illustrative_one():
    data = peers_with([1.0, 2.0, 3.0, 4.0, 5.0, 1.0])
    data["illustrative"] = [True, True, False, False, False, False]
    peers = select_peer_group(data, "itscm", "org0", subject_illustrative=True)
    assert peers["organisation_id"].tolist() == ["org1"]


def test_the_illustrative_column_is_required_to_choose_peers():
    with pytest.raises(ScoringError, match="illustrative"):
        select_peer_group(
            peers_with([1.0]).drop(columns="illustrative"), "itscm", "subject", subject_illustrative=False
        )


def test_latest_completed_assessment_of_each_organisation_is_chosen():
    data = pd.DataFrame(
        [
            row("org0", 1.0, date="2024-01-01"),
            row("org0", 3.0, date="2025-06-01"),
            row("org0", 5.0, date="2026-01-01", status="in_progress"),
            *[row(f"org{i}", 2.0) for i in range(1, 5)],
        ]
    )
    peers = select_peer_group(data, "itscm", "subject", subject_illustrative=False)
    assert len(peers) == 5
    assert peers.set_index("organisation_id").loc["org0", OVERALL] == 3.0
    # peers [3, 2, 2, 2, 2], subject 2.5: below 4, level 0 -> 80
    assert benchmark(peers, {OVERALL: 2.5}).figure(OVERALL).percentile_rank == pytest.approx(80.0)


def test_dated_completion_wins_over_an_undated_one():
    data = pd.DataFrame([row("org0", 1.0, date="2025-01-01"), row("org0", 4.0, date="2025-01-01")])
    data.loc[1, "completed_at"] = pd.NaT
    peers = select_peer_group(data, "itscm", "subject", subject_illustrative=False)
    assert peers[OVERALL].tolist() == [1.0]


def test_other_questionnaires_are_not_peers():
    data = pd.concat([peers_with([1.0, 2.0, 3.0, 4.0]), pd.DataFrame([row("org9", 2.0, questionnaire="other")])])
    assert len(select_peer_group(data, "itscm", "subject", subject_illustrative=False)) == 4


def test_filters_narrow_the_peer_group():
    data = pd.concat(
        [peers_with([1.0, 2.0, 3.0, 4.0, 5.0]), peers_with([2.0], industry="energy").assign(organisation_id="e1")]
    )
    assert len(select_peer_group(data, "itscm", "subject", subject_illustrative=False)) == 6
    finance = select_peer_group(data, "itscm", "subject", PeerFilter(industry="finance"), subject_illustrative=False)
    assert len(finance) == 5
    assert benchmark(finance, {OVERALL: 3.0}).available
    energy = select_peer_group(
        data, "itscm", "subject", PeerFilter(industry="energy", region="EU"), subject_illustrative=False
    )
    assert len(energy) == 1
    assert not benchmark(energy, {OVERALL: 3.0}).available


def test_domain_scored_by_too_few_peers_is_withheld():
    data = peers_with([1.0, 2.0, 3.0, 4.0, 5.0])
    data.loc[[0, 1], "GOV"] = np.nan
    result = benchmark(data, {OVERALL: 3.0, "GOV": 3.0})
    assert result.figure(OVERALL).median == pytest.approx(3.0)
    gov = result.figure("GOV")
    assert gov.n == 3
    assert (gov.percentile_rank, gov.q1, gov.median, gov.q3) == (None, None, None, None)
    assert gov.reason


def test_unscored_subject_gets_quartiles_but_no_rank():
    figure = benchmark(peers_with([1.0, 2.0, 3.0, 4.0, 5.0]), {OVERALL: None}).figure(OVERALL)
    assert figure.percentile_rank is None
    assert figure.median == pytest.approx(3.0)


def test_questionnaire_minimum_peer_group_is_respected():
    assert not benchmark(peers_with([1.0, 2.0, 3.0, 4.0, 5.0]), {OVERALL: 3.0}, min_peer_group=6).available


def test_minimum_peer_group_under_five_is_refused():
    with pytest.raises(ScoringError, match="at least 5"):
        benchmark(peers_with([1.0, 2.0, 3.0, 4.0, 5.0]), {OVERALL: 3.0}, min_peer_group=4)


def test_missing_columns_raise_a_scoring_error():
    with pytest.raises(ScoringError, match="BIA"):
        benchmark(peers_with([1.0] * 5), {"BIA": 3.0})
    with pytest.raises(ScoringError, match="completed_at"):
        select_peer_group(
            peers_with([1.0]).drop(columns="completed_at"), "itscm", "subject", subject_illustrative=False
        )


def test_result_reveals_no_peer_identity():
    peers = select_peer_group(peers_with([1.0, 2.0, 3.0, 4.0, 5.0]), "itscm", "subject", subject_illustrative=False)
    text = repr(benchmark(peers, {OVERALL: 3.0, "GOV": 3.0}))
    assert not any(f"org{i}" in text for i in range(5))


@settings(max_examples=80, deadline=None)
@given(
    st.lists(st.floats(1.0, 5.0, allow_nan=False), min_size=0, max_size=12),
    st.one_of(st.none(), st.floats(1.0, 5.0, allow_nan=False)),
)
def test_small_groups_get_nothing_and_ranks_stay_between_0_and_100(scores, subject):
    result = benchmark(
        select_peer_group(peers_with(scores), "itscm", "subject", subject_illustrative=False), {OVERALL: subject}
    )
    assert result.n == len(scores)
    if len(scores) < 5:
        assert result.figures == ()
        return
    figure = result.figure(OVERALL)
    assert figure.q1 <= figure.median <= figure.q3
    if subject is None:
        assert figure.percentile_rank is None
    else:
        assert 0.0 <= figure.percentile_rank <= 100.0
        below = sum(score < subject - 1e-9 for score in scores)
        level = sum(math.isclose(score, subject, rel_tol=0, abs_tol=1e-9) for score in scores)
        assert figure.percentile_rank == pytest.approx(100 * (below + 0.5 * level) / len(scores))


def test_percentile_ranks_match_hand_computed_values():
    peers = select_peer_group(
        peers_with([1.0, 2.0, 3.0, 3.0, 4.0, 5.0]), "itscm", "subject", subject_illustrative=False
    )
    # 3.0 against 1, 2, 3, 3, 4, 5: 2 below and 2 level -> 100 x (2 + 1) / 6 = 50.
    assert benchmark(peers, {OVERALL: 3.0, "GOV": 3.0}).figure(OVERALL).percentile_rank == pytest.approx(50.0)
    # 4.5: 5 below -> 100 x 5 / 6.
    assert benchmark(peers, {OVERALL: 4.5, "GOV": 4.5}).figure(OVERALL).percentile_rank == pytest.approx(500 / 6)
    # 1.0: none below, 1 level -> 100 x 0.5 / 6.
    assert benchmark(peers, {OVERALL: 1.0, "GOV": 1.0}).figure(OVERALL).percentile_rank == pytest.approx(50 / 6)


def test_whiskers_are_the_10th_and_90th_percentiles_not_a_single_peer():
    peers = select_peer_group(peers_with([1.0, 2.0, 3.0, 4.0, 5.0]), "itscm", "subject", subject_illustrative=False)
    figure = benchmark(peers, {OVERALL: 3.0, "GOV": 3.0}).figure(OVERALL)
    # Linear interpolation over 5 scores: position 0.4 and 3.6.
    assert (figure.low, figure.high) == (pytest.approx(1.4), pytest.approx(4.6))
    assert figure.low not in {1.0, 2.0, 3.0, 4.0, 5.0} and figure.high not in {1.0, 2.0, 3.0, 4.0, 5.0}


def test_a_year_range_keeps_peers_whose_latest_assessment_falls_in_it():
    frame = pd.DataFrame(
        [row(f"old{i}", 1.0, date="2022-06-01") for i in range(3)] + [row(f"new{i}", 4.0) for i in range(5)]
    )
    recent = select_peer_group(frame, "itscm", "subject", PeerFilter(year_from=2025), subject_illustrative=False)
    assert set(recent["organisation_id"]) == {f"new{i}" for i in range(5)}
    old = select_peer_group(
        frame, "itscm", "subject", PeerFilter(year_from=2021, year_to=2023), subject_illustrative=False
    )
    assert set(old["organisation_id"]) == {"old0", "old1", "old2"}


def test_the_result_counts_peers_per_source_and_how_many_are_missing():
    frame = pd.DataFrame(
        [row(f"org{i}", 2.0) | {"source": "This installation"} for i in range(2)]
        + [row(f"pack{i}", 3.0) | {"source": "Peer survey 2025"} for i in range(2)]
    )
    result = benchmark(select_peer_group(frame, "itscm", "s", subject_illustrative=False), {OVERALL: 2.0})
    assert not result.available
    assert result.missing == 1
    assert result.sources == (("Peer survey 2025", 2), ("This installation", 2))


def test_pack_rows_become_one_peer_each_labelled_by_source():
    rows = pd.DataFrame(
        [
            {
                "import_id": 1,
                "row_number": number,
                "source": "Peer survey",
                "questionnaire_id": "itscm",
                "industry": "Retail",
                "size_band": "250-999 employees",
                "region": "Europe",
                "year": 2025,
                "score_id": score_id,
                "score": float(number),
            }
            for number in range(2, 7)
            for score_id in (OVERALL, "GOV")
        ]
    )
    peers = pack_peers(rows)
    assert len(peers) == 5
    assert set(peers["source"]) == {"Peer survey"}
    assert list(peers[OVERALL]) == [2.0, 3.0, 4.0, 5.0, 6.0]
    chosen = select_peer_group(peers, "itscm", 1, subject_illustrative=False, date_column="assessment_date")
    result = benchmark(chosen, {OVERALL: 4.0, "GOV": 4.0})
    assert result.available and result.sources == (("Peer survey", 5),)
