"""The Benchmark page: group figures only, never another organisation's name, answers or single score."""

from __future__ import annotations

import json
from collections.abc import Iterator
from datetime import date
from pathlib import Path

import pytest
from app_runner import new_session, open_page
from streamlit.testing.v1 import AppTest

from access.identity import add_member
from exports.benchmark_pack import export_pack, import_pack
from questionnaires.catalog import get_questionnaire
from storage import (
    connect,
    create_assessment,
    create_organisation,
    get_or_create_respondent,
    save_answer,
    set_assessment_status,
)
from ui.text import md

QUESTIONNAIRE = get_questionnaire("itscm", "2026.1")
SECRET = "Bravoquartz"  # in every peer's name and comments: must never reach the subject's page
PEER_LEVELS = (1, 2, 2, 4, 4, 5)
"""Six peers: percentile rank of a 3 is 100 x 3 / 6 = 50; quartiles 2 and 4, median 3; whiskers 1.5 and 4.5."""
AUTH = {
    "redirect_uri": "http://127.0.0.1:8501/oauth2callback",
    "cookie_secret": "x" * 32,
    "client_id": "itscm",
    "client_secret": "secret",
    "server_metadata_url": "http://127.0.0.1:9/.well-known/openid-configuration",
}


def organisation(name: str, level: int) -> int:
    """An organisation whose completed assessment answers every question at `level`; returns the assessment id."""
    db = connect()
    org = create_organisation(db, name, "Retail", "250-999 employees", "Europe")
    assessment = create_assessment(db, org.id, QUESTIONNAIRE, "FY2026", date(2026, 3, 1))
    person = get_or_create_respondent(db, assessment.id, f"{name} manager")
    for question in QUESTIONNAIRE.questions:
        save_answer(db, QUESTIONNAIRE, assessment.id, person.id, question.id, level, comment=f"{name} note")
    set_assessment_status(db, assessment.id, "completed")
    return assessment.id


@pytest.fixture
def subject(database: Path) -> int:
    return organisation("Alpha Retail", 3)


def with_peers(levels: tuple[int, ...]) -> None:
    for n, level in enumerate(levels):
        organisation(f"{SECRET} Bank {n}", level)


def everything_shown(at: AppTest) -> str:
    """Every element's content on the page and in the sidebar, as sent to the browser."""

    def walk(node: object) -> Iterator[object]:
        yield node
        for child in getattr(node, "children", {}).values():
            yield from walk(child)

    return "\n".join(str(getattr(node, "proto", "")) for root in (at.main, at.sidebar) for node in walk(root))


def chart_specs(at: AppTest) -> list[dict]:
    return [json.loads(chart.proto.spec) for chart in at.get("plotly_chart")]


def numbers_in(node: object) -> Iterator[float]:
    if isinstance(node, bool):
        return
    if isinstance(node, int | float):
        yield float(node)
    elif isinstance(node, dict):
        for value in node.values():
            yield from numbers_in(value)
    elif isinstance(node, list):
        for value in node:
            yield from numbers_in(value)


def benchmark_page(assessment: int) -> AppTest:
    at = open_page("benchmark", assessment=assessment)
    assert not at.exception
    return at


def test_four_peers_give_no_figures_and_say_how_many_more_are_needed(subject: int) -> None:
    with_peers((1, 2, 4, 5))
    at = benchmark_page(subject)
    info = " ".join(str(i.value) for i in at.info)
    assert "4 peer organisations match" in info and "1 more" in info
    assert not at.metric
    specs = chart_specs(at)
    assert [trace["name"] for spec in specs for trace in spec["data"]] == ["Score", "Target"]


def test_five_peers_give_percentile_rank_median_and_quartiles(subject: int) -> None:
    with_peers((1, 2, 4, 4, 5))
    at = benchmark_page(subject)
    metrics = {m.label: m.value for m in at.metric}
    # 3 against 1, 2, 4, 4, 5: 2 below -> 40.
    assert metrics["Overall percentile rank"] == "40"
    assert metrics["Peer median"] == "4.00"
    assert metrics["Middle half of peers"] == "2.00 – 4.00"


def test_the_figures_table_shows_every_score_to_two_decimals_and_ranks_whole(subject: int) -> None:
    # Rounded values alone showed 2.6 beside 2.52 and 3 beside 3.35.
    with_peers((1, 2, 4, 4, 5))
    at = benchmark_page(subject)
    table = next(frame for frame in at.dataframe if "Peer median" in frame.value.columns)
    columns = json.loads(table.proto.columns)
    formats = {column: columns[column]["type_config"]["format"] for column in columns if column in table.value}
    assert formats == {
        "This organisation": "%.2f",
        "Percentile rank": "%d",
        "Peer Q1": "%.2f",
        "Peer median": "%.2f",
        "Peer Q3": "%.2f",
    }


def test_one_peer_is_counted_in_the_singular(subject: int) -> None:
    with_peers((2,))
    at = benchmark_page(subject)
    info = " ".join(str(i.value) for i in at.info)
    assert "1 peer organisation matches this group" in info and "4 more" in info


def test_box_plot_and_radar_are_built_from_group_figures_only(subject: int) -> None:
    with_peers(PEER_LEVELS)
    at = benchmark_page(subject)
    boxes, radar = chart_specs(at)
    peers = next(trace for trace in boxes["data"] if trace["type"] == "box")
    assert "y" not in peers and "x" in peers
    assert peers["q1"][0] == pytest.approx(2.0) and peers["median"][0] == pytest.approx(3.0)
    assert (peers["lowerfence"][0], peers["upperfence"][0]) == (pytest.approx(1.5), pytest.approx(4.5))
    assert "Peer median" in [trace["name"] for trace in radar["data"]]
    # The lowest and the highest peer (1 and 5) are single organisations' scores: in no chart's data.
    for spec in (boxes, radar):
        assert not [n for n in numbers_in(spec["data"]) if n in (1.0, 5.0)]


def test_nothing_of_another_organisation_reaches_the_page(subject: int) -> None:
    with_peers(PEER_LEVELS)
    at = benchmark_page(subject)
    # In personal mode the one user owns every organisation, so the header's organisation picker lists
    # them all (the consultant's test below has no such list); nothing else may name a peer.
    picker = [line for line in everything_shown(at).splitlines() if line.strip().startswith("options:")]
    assert any(SECRET in line for line in picker)
    shown = "\n".join(
        line for line in everything_shown(at).splitlines() if not line.strip().startswith("options:")
    ) + json.dumps(chart_specs(at))
    assert SECRET not in shown
    assert "Alpha Retail" in shown
    table = at.dataframe[0].value
    assert table["Percentile rank"].iloc[0] == 50
    assert set(table["Peers scored"]) == {6}


def test_the_pack_download_holds_no_names(subject: int) -> None:
    with_peers(PEER_LEVELS)
    at = benchmark_page(subject)
    assert at.expander and "Benchmark packs" in at.expander[0].label
    assert [b.proto.label for b in at.get("download_button")] == ["Export a benchmark pack (.csv)"]
    raw = export_pack(connect()).decode("utf-8")
    assert SECRET not in raw and "Alpha" not in raw and len(raw.splitlines()) == 8


def test_imported_peers_count_towards_five_and_are_labelled_by_source(subject: int) -> None:
    lines = [f"itscm,Retail,250-999 employees,Europe,2025,{v},{v},{v},{v},{v},{v}" for v in (1, 2, 3.5, 4, 5)]
    header = "questionnaire_id,industry,size_band,region,year,overall,RISK,BIA,REC,TEST,GOV"
    import_pack(connect(), "\n".join([header, *lines]).encode(), "Partner survey")
    at = benchmark_page(subject)
    captions = " ".join(str(c.value) for c in at.caption)
    assert md("5 from Partner survey (imported pack)") in captions
    assert {m.label: m.value for m in at.metric}["Overall percentile rank"] == "40"


def test_a_narrower_peer_group_can_fall_under_five(subject: int) -> None:
    with_peers(PEER_LEVELS)
    at = benchmark_page(subject)
    at.selectbox(key="benchmark-industry").select("Healthcare").run()
    assert not at.exception
    assert not at.metric
    assert "0 peer organisations match" in " ".join(str(i.value) for i in at.info)


def test_a_consultant_of_one_client_sees_figures_over_the_whole_installation(subject: int) -> None:
    with_peers(PEER_LEVELS)
    db = connect()
    alpha = next(row["id"] for row in db.query("SELECT id FROM organisations WHERE name = 'Alpha Retail'"))
    add_member(db, "consultant@example.com", "consultant", [alpha], by="test")
    at = new_session(assessment=subject)
    at.secrets["auth"] = AUTH
    at.user = {"is_logged_in": True, "email": "consultant@example.com"}
    at.switch_page("app_pages/benchmark.py")
    at.run()
    assert not at.exception
    assert {m.label: m.value for m in at.metric}["Overall percentile rank"] == "50"
    shown = everything_shown(at) + json.dumps(chart_specs(at))
    assert SECRET not in shown
    # Packs hold every organisation's scores: not a consultant's to export or import.
    assert not at.expander
