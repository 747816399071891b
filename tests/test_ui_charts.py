"""The level colour scale and the plotly figures the pages draw: data in, figure out."""

from __future__ import annotations

import datetime as dt
import itertools
import json
import re
from pathlib import Path

import pandas as pd
import plotly.graph_objects as go
import pytest
from hypothesis import given, settings
from hypothesis import strategies as st

from questionnaires.loader import load_questionnaire
from questionnaires.model import Questionnaire
from scoring import (
    AssessmentScore,
    BenchmarkResult,
    Response,
    benchmark,
    build_roadmap,
    domain_trend,
    phase_loads,
    score_assessment,
    score_columns,
    trend_point,
)
from tests.scoring_fixtures import answers, question, questionnaire
from ui.charts import MODE_BAR_HEIGHT, domain_bars, plain, question_heatmap, radar, roadmap_timeline, trend_lines
from ui.levels import (
    NA_COLOUR,
    PALETTE,
    UNANSWERED_COLOUR,
    colorscale_bounds,
    contrast_ratio,
    level_colour,
    level_label,
    plotly_colorscale,
    style_levels,
    text_colour_on,
)

MINI = Path(__file__).resolve().parent / "fixtures" / "mini.yaml"
FIVE = (1, 2, 3, 4, 5)
ELEVEN = tuple(range(2, 12))
EVIL = "<img src=x onerror=alert(1)>"


@pytest.fixture(scope="module")
def mini() -> Questionnaire:
    """The two-domain test questionnaire: RISK-01..03 (RISK-03 allows N/A) and TEST-01..03, levels 1-5."""
    return load_questionnaire(MINI)


@pytest.fixture
def scored(mini: Questionnaire) -> AssessmentScore:
    """RISK-01 2, RISK-02 4, RISK-03 N/A, TEST-01 3, TEST-02 1, TEST-03 unanswered; TEST's target is 4."""
    responses = [
        Response("RISK-01", "ana", 2),
        Response("RISK-02", "ana", 4),
        Response("RISK-03", "ana", None, na=True),
        Response("TEST-01", "ana", 3),
        Response("TEST-02", "ana", 1),
    ]
    return score_assessment(mini, responses, targets={"TEST": 4})


def trace(fig: go.Figure, name: str) -> go.Figure:
    """Return the one trace of `fig` with this name."""
    found = [t for t in fig.data if t.name == name]
    assert len(found) == 1, f"expected one trace named {name!r}, found {[t.name for t in fig.data]}"
    return found[0]


def as_lists(grid: object) -> list[list[object]]:
    return [list(row) for row in grid]  # type: ignore[union-attr]


def colour_at(colorscale: list[list[float | str]], position: float) -> str:
    """Return the colour a stepwise colorscale gives at a position strictly inside one of its bands."""
    for (start, colour), (end, same) in zip(colorscale[::2], colorscale[1::2], strict=True):
        assert colour == same, "each band must be one solid colour"
        if start < position < end:
            return str(colour)
    raise AssertionError(f"position {position} is in no band")


# The level colour scale


def test_levels_one_to_five_take_the_five_palette_steps_from_red_to_green():
    assert [level_colour(level, FIVE) for level in FIVE] == list(PALETTE)
    assert PALETTE[0] == "#d7191c"
    assert PALETTE[-1] == "#1a9641"


@pytest.mark.parametrize(
    ("score", "level"),
    [(2.4, 2), (2.6, 3), (2.5, 2), (1.0, 1), (4.99, 5), (0.2, 1), (7.5, 5)],
)
def test_a_fractional_score_takes_the_colour_of_its_nearest_level(score, level):
    assert level_colour(score, FIVE) == level_colour(level, FIVE)


def test_a_two_to_eleven_scale_runs_from_red_to_green_with_a_colour_per_level():
    colours = [level_colour(level, ELEVEN) for level in ELEVEN]
    assert colours[0] == PALETTE[0]
    assert colours[-1] == PALETTE[-1]
    assert len(set(colours)) == len(ELEVEN)
    assert level_colour(6.4, ELEVEN) == level_colour(6, ELEVEN)
    assert level_colour(6.6, ELEVEN) == level_colour(7, ELEVEN)
    # The middle of the scale sits between the palette's yellow and its neighbours.
    assert level_colour(6, ELEVEN) not in PALETTE


def test_a_three_level_scale_uses_red_yellow_and_green():
    assert [level_colour(level, (0, 1, 2)) for level in (0, 1, 2)] == [PALETTE[0], PALETTE[2], PALETTE[4]]


def test_no_answer_is_neutral_grey_and_not_applicable_has_its_own_lighter_grey():
    assert level_colour(None, FIVE) == UNANSWERED_COLOUR
    assert level_colour(float("nan"), FIVE) == UNANSWERED_COLOUR
    assert NA_COLOUR != UNANSWERED_COLOUR
    assert {NA_COLOUR, UNANSWERED_COLOUR}.isdisjoint(PALETTE)
    assert contrast_ratio(NA_COLOUR, "#000000") > contrast_ratio(UNANSWERED_COLOUR, "#000000")


def test_neighbouring_palette_steps_differ_in_lightness_not_only_in_hue():
    for lower, upper in itertools.pairwise(PALETTE):
        assert contrast_ratio(lower, upper) >= 1.5, (lower, upper)


def test_the_text_colour_is_black_on_light_steps_and_white_on_dark_ones():
    assert text_colour_on("#ffffff") == "#000000"
    assert text_colour_on("#000000") == "#ffffff"
    assert text_colour_on(PALETTE[0]) == "#ffffff"
    assert [text_colour_on(colour) for colour in PALETTE[1:4]] == ["#000000"] * 3
    assert text_colour_on(NA_COLOUR) == "#000000"


@settings(max_examples=200, deadline=None)
@given(st.tuples(*[st.integers(0, 255)] * 3))
def test_the_chosen_text_colour_always_meets_the_normal_text_contrast_minimum(rgb):
    background = "#" + "".join(f"{channel:02x}" for channel in rgb)
    chosen = text_colour_on(background)
    other = "#ffffff" if chosen == "#000000" else "#000000"
    assert contrast_ratio(background, chosen) >= 4.5
    assert contrast_ratio(background, chosen) >= contrast_ratio(background, other)


@pytest.mark.parametrize("scale", [FIVE, ELEVEN, (0, 1, 2, 3)])
def test_the_heatmap_colorscale_gives_each_level_one_solid_band_in_its_colour(scale):
    colorscale = plotly_colorscale(scale)
    zmin, zmax = colorscale_bounds(scale)
    assert colorscale[0][0] == 0
    assert colorscale[-1][0] == 1
    assert len(colorscale) == 2 * len(scale)
    for level in scale:
        assert colour_at(colorscale, (level - zmin) / (zmax - zmin)) == level_colour(level, scale)


def test_a_level_label_joins_the_number_and_the_name(mini):
    assert level_label(mini, 3) == "3 Defined"
    assert level_label(mini, 1) == "1 Initial"
    assert level_label(mini, 9) == "9"


def _cell_css(html: str) -> dict[tuple[int, int], str]:
    """Return the background colour of each styled cell in a Styler's HTML, by (row, column)."""
    found: dict[tuple[int, int], str] = {}
    for selectors, body in re.findall(r"([^{}]+)\{([^}]*)\}", html.split("</style>")[0]):
        background = re.search(r"background-color: (#[0-9a-f]{6})", body)
        for row, column in re.findall(r"_row(\d+)_col(\d+)", selectors):
            if background:
                found[(int(row), int(column))] = background.group(1)
    return found


def test_style_levels_colours_the_level_cells_and_leaves_other_columns_alone():
    table = pd.DataFrame(
        {
            "Practice": ["RISK-01", "RISK-02", "RISK-03", "TEST-01"],
            "Level": [1, 5, None, 3],
            "Score": [2.6, 4.0, None, "N/A"],
        }
    )
    styled = style_levels(table, ["Level", "Score"], FIVE)
    html = styled.to_html()
    css = _cell_css(html)
    assert css[(0, 1)] == level_colour(1, FIVE)
    assert css[(1, 1)] == level_colour(5, FIVE)
    assert css[(2, 1)] == UNANSWERED_COLOUR
    assert css[(0, 2)] == level_colour(3, FIVE)
    assert css[(3, 2)] == NA_COLOUR
    assert not any(column == 0 for _, column in css)
    assert f"color: {text_colour_on(PALETTE[0])}" in html
    # Whole levels show without decimals, scores with two, empty cells as a dash.
    cells = re.findall(r'class="data row(\d+) col(\d+)" >([^<]*)</td>', html)
    shown = {(int(row), int(column)): text for row, column, text in cells}
    assert shown[(1, 1)] == "5"
    assert shown[(0, 2)] == "2.60"
    assert shown[(2, 1)] == "–"


def test_style_levels_puts_the_dash_of_an_empty_level_cell_in_the_data_streamlit_shows():
    # st.dataframe shows an empty cell as "None" whatever the Styler's text for it, so the dash must be data.
    table = pd.DataFrame({"Domain": ["Overall", "Risk"], "Target": [None, 3], "Stage": [2, 3]})
    styled = style_levels(table, ["Target", "Stage"], FIVE)
    assert list(styled.data["Target"]) == ["–", "3"]
    assert list(styled.data["Stage"]) == [2, 3]  # no empty cell: numbers stay numbers
    assert _cell_css(styled.to_html())[(0, 1)] == UNANSWERED_COLOUR
    assert list(table["Target"].isna()) == [True, False]  # the caller's table is left as it was


def test_style_levels_shows_decimals_outside_the_level_columns_without_pandas_six_places():
    table = pd.DataFrame({"Question": ["BIA-01", "BIA-02"], "Median": [3, 4], "Spread": [0.0, 2.5]})
    html = style_levels(table, ["Median"], FIVE).to_html()
    cells = re.findall(r'class="data row(\d+) col(\d+)" >([^<]*)</td>', html)
    shown = {(int(row), int(column)): text for row, column, text in cells}
    assert (shown[(0, 2)], shown[(1, 2)]) == ("0", "2.50")
    assert shown[(0, 0)] == "BIA-01"


def test_style_levels_rejects_a_column_the_table_does_not_have():
    with pytest.raises(KeyError, match="Stage"):
        style_levels(pd.DataFrame({"Level": [1]}), ["Stage"], FIVE)


# Escaping


def test_plain_escapes_markup_and_quotes_into_references_plotly_decodes():
    assert plain('<b>"R&D" isn\'t</b>') == "&lt;b&gt;&#34;R&amp;D&#34; isn&#39;t&lt;/b&gt;"
    assert plain(3) == "3"


def evil_questionnaire(mini: Questionnaire) -> Questionnaire:
    """The mini questionnaire with markup in a domain name and in RISK-01's text."""
    first = mini.questions[0].model_copy(update={"text": f"Risk method {EVIL}?"})
    domains = [mini.domains[0].model_copy(update={"name": "R&D <script>x</script>"}), *mini.domains[1:]]
    return mini.model_copy(update={"questions": [first, *mini.questions[1:]], "domains": domains})


def test_heatmap_hover_shows_question_text_escaped(mini):
    evil = evil_questionnaire(mini)
    score = score_assessment(evil, answers({"RISK-01": 2}))
    fig = question_heatmap(score, evil)
    hover = trace(fig, "Level").customdata[0][0]
    assert hover[0] == "RISK-01"
    assert hover[1] == "Risk method &lt;img src=x onerror=alert(1)&gt;?"
    assert hover[2] == "2 Repeatable"
    assert "<img" not in fig.to_json()
    assert "<script>" not in fig.to_json()


def test_every_figure_escapes_user_text_in_names_labels_and_titles(mini):
    evil = evil_questionnaire(mini)
    score = score_assessment(evil, answers({"RISK-01": 1, "TEST-01": 2}))
    steps = build_roadmap(evil, score.questions, score.targets)
    trend = domain_trend([trend_point("FY<1>", dt.date(2025, 1, 1), score)])
    figures = [
        radar(score, evil, title=EVIL),
        question_heatmap(score, evil, title=EVIL),
        domain_bars(score, evil, title=EVIL),
        roadmap_timeline(steps, evil, title=EVIL),
        trend_lines(trend, evil, title=EVIL),
    ]
    for fig in figures:
        text = fig.to_json()
        assert "<img" not in text
        assert "<script>" not in text
        assert fig.layout.title.text == plain(EVIL)
    assert "R&amp;D &lt;script&gt;x&lt;/script&gt;" in list(trace(figures[0], "Score").theta)
    # The heatmap breaks a long name at a space, never inside an escaped character.
    assert "R&amp;D<br>&lt;script&gt;x&lt;/script&gt;" in list(figures[1].layout.yaxis.ticktext)
    assert "R&amp;D &lt;script&gt;x&lt;/script&gt;" in [t.name for t in figures[3].data]
    assert list(figures[4].data[0].x) == ["FY&lt;1&gt;"]


# Radar


def test_radar_draws_domain_scores_and_dashed_targets_on_one_axis_per_domain(mini, scored):
    fig = radar(scored, mini)
    assert [t.name for t in fig.data] == ["Score", "Target"]
    score, target = trace(fig, "Score"), trace(fig, "Target")
    names = [d.name for d in mini.domains]
    assert list(score.theta) == [*names, names[0]]
    assert list(score.r)[:-1] == [d.score for d in scored.domains]
    assert score.r[-1] == score.r[0]
    assert list(target.r)[:-1] == [d.target for d in scored.domains] == [3, 4]
    assert target.line.dash == "dash"
    assert list(score.marker.color)[:-1] == [level_colour(d.score, FIVE) for d in scored.domains]


def test_radar_radial_axis_spans_the_level_scale_with_level_numbers(mini, scored):
    axis = radar(scored, mini).layout.polar.radialaxis
    assert list(axis.range) == [1, 5]
    assert list(axis.tickvals) == [1, 2, 3, 4, 5]
    assert list(axis.ticktext) == ["1", "2", "3", "4", "5"]


@pytest.mark.parametrize("count", [2, 3, 5, 7])
def test_radar_numbers_its_rings_halfway_between_two_domains_so_no_number_sits_on_a_marker(count):
    several = questionnaire([question(f"D{i}-01") for i in range(count)])
    fig = radar(score_assessment(several, answers({f"D{i}-01": 3 for i in range(count)})), several)
    polar = fig.layout.polar
    sector = 360 / count
    # Domains run clockwise from the top: domain i sits at 90 - i x sector degrees.
    domain_angles = [(polar.angularaxis.rotation - i * sector) % 360 for i in range(count)]
    ring_angle = polar.radialaxis.angle % 360
    nearest = min(min(abs(ring_angle - a), 360 - abs(ring_angle - a)) for a in domain_angles)
    assert nearest == pytest.approx(sector / 2)
    assert polar.radialaxis.tickangle == polar.radialaxis.angle  # the numbers read level


def peer_result(subject: AssessmentScore, organisations: int) -> BenchmarkResult:
    peers = pd.DataFrame(
        {
            "organisation_id": range(organisations),
            "overall": [2.0 + 0.25 * i for i in range(organisations)],
            "RISK": [1.0 + 0.5 * i for i in range(organisations)],
            "TEST": [2.0 + 0.1 * i for i in range(organisations)],
        }
    )
    return benchmark(peers, score_columns(subject))


def test_radar_adds_the_peer_median_when_peer_figures_are_shown(mini, scored):
    peers = peer_result(scored, 6)
    fig = radar(scored, mini, peers)
    assert [t.name for t in fig.data] == ["Score", "Target", "Peer median"]
    medians = [peers.figure(d.domain_id).median for d in scored.domains]
    assert list(trace(fig, "Peer median").r)[:-1] == medians


def test_radar_has_no_peer_line_when_the_peer_group_is_too_small(mini, scored):
    peers = peer_result(scored, 3)
    assert not peers.available
    assert [t.name for t in radar(scored, mini, peers).data] == ["Score", "Target"]


def test_radar_leaves_a_gap_and_a_hover_note_for_a_domain_without_a_score(mini):
    score = score_assessment(mini, answers({"RISK-01": 3}))
    fig = radar(score, mini)
    assert list(trace(fig, "Score").r) == [3.0, None, 3.0]
    assert trace(fig, "Score").fill == "none"
    unscored = trace(fig, "Not scored")
    assert list(unscored.theta) == ["Testing and exercising"]
    assert "No score yet" in unscored.hovertemplate


# Question heatmap


def test_heatmap_puts_domains_in_rows_and_question_positions_in_columns(mini, scored):
    fig = question_heatmap(scored, mini)
    levels = trace(fig, "Level")
    assert as_lists(levels.z) == [[2, 4, None], [3, 1, None]]
    assert list(levels.x) == [1, 2, 3]
    # Long names on two lines, so the names column stays narrow on a phone; the level scale sits under the grid.
    assert list(fig.layout.yaxis.ticktext) == ["Risk<br>assessment", "Testing and<br>exercising"]
    assert levels.colorbar.orientation == "h"
    assert fig.layout.yaxis.autorange == "reversed"
    # N/A (0) and unanswered (1) cells are painted by a second, grey layer.
    assert as_lists(trace(fig, "Not applicable or not answered").z) == [[None, None, 0], [None, None, 1]]


def test_heatmap_cells_show_the_question_id_and_level(mini, scored):
    labels = trace(question_heatmap(scored, mini), "Cell labels")
    assert list(labels.text) == [
        "RISK-01<br>2",
        "RISK-02<br>4",
        "RISK-03<br>N/A",
        "TEST-01<br>3",
        "TEST-02<br>1",
        "TEST-03<br>–",
    ]
    assert list(labels.x) == [1, 2, 3, 1, 2, 3]
    assert list(labels.y) == [0, 0, 0, 1, 1, 1]


def test_heatmap_colours_come_from_the_level_scale_with_readable_labels(mini, scored):
    fig = question_heatmap(scored, mini)
    levels = trace(fig, "Level")
    assert as_lists(levels.colorscale) == plotly_colorscale(FIVE)
    assert (levels.zmin, levels.zmax) == colorscale_bounds(FIVE)
    backgrounds = [
        level_colour(2, FIVE),
        level_colour(4, FIVE),
        NA_COLOUR,
        level_colour(3, FIVE),
        level_colour(1, FIVE),
        UNANSWERED_COLOUR,
    ]
    assert list(trace(fig, "Cell labels").textfont.color) == [text_colour_on(c) for c in backgrounds]
    assert list(levels.colorbar.ticktext) == [level_label(mini, level) for level in FIVE]


def test_heatmap_hover_names_the_question_and_its_level(mini, scored):
    fig = question_heatmap(scored, mini)
    first = trace(fig, "Level").customdata[0][0]
    assert list(first) == ["RISK-01", "Is there a documented risk assessment method?", "2 Repeatable"]
    assert list(trace(fig, "Not applicable or not answered").customdata[0][2])[2] == "Not applicable"
    assert list(trace(fig, "Not applicable or not answered").customdata[1][2])[2] == "Not answered yet"


def test_heatmap_leaves_cells_blank_past_the_end_of_a_shorter_domain(mini):
    shorter = mini.model_copy(update={"questions": [q for q in mini.questions if q.id not in {"TEST-02", "TEST-03"}]})
    score = score_assessment(shorter, answers({"RISK-01": 5, "RISK-02": 4, "RISK-03": 3, "TEST-01": 2}))
    fig = question_heatmap(score, shorter)
    assert as_lists(trace(fig, "Level").z) == [[5, 4, 3], [2, None, None]]
    assert [t.name for t in fig.data] == ["Level", "Cell labels"]
    assert list(trace(fig, "Cell labels").text) == ["RISK-01<br>5", "RISK-02<br>4", "RISK-03<br>3", "TEST-01<br>2"]
    assert trace(fig, "Level").hoverongaps is False


# Domain bars


def test_domain_bars_show_scores_in_their_stage_colour_with_target_markers(mini, scored):
    fig = domain_bars(scored, mini)
    bars, targets = trace(fig, "Score"), trace(fig, "Target")
    assert list(bars.x) == [d.score for d in scored.domains]
    assert list(bars.marker.color) == [level_colour(d.stage, FIVE) for d in scored.domains]
    assert list(bars.text) == [f"{d.score:.2f}" for d in scored.domains]
    assert list(targets.x) == [3, 4]
    assert list(fig.layout.yaxis.ticktext) == ["Risk assessment", "Testing and exercising"]


def test_domain_bars_say_when_a_domain_has_no_score(mini):
    score = score_assessment(mini, answers({"TEST-01": 3}))
    fig = domain_bars(score, mini)
    assert list(trace(fig, "Score").marker.color) == [UNANSWERED_COLOUR, level_colour(3, FIVE)]
    assert [a.text for a in fig.layout.annotations] == ["no score yet: nothing answered, or all N/A"]
    assert [a.y for a in fig.layout.annotations] == [0]


# Roadmap timeline


def segments(fig: go.Figure) -> list[tuple[str, int, float, float, int]]:
    """Return (domain, phase row, start month, end month, points) of every domain segment."""
    found = []
    for t in fig.data:
        if t.name == "Phase":
            continue
        for base, width, row, data in zip(t.base, t.x, t.y, t.customdata, strict=True):
            found.append((t.name, row, base, base + width, data[2]))
    return found


def test_roadmap_timeline_splits_each_phase_by_domain_effort(mini, scored):
    steps = build_roadmap(mini, scored.questions, scored.targets)
    assert steps
    fig = roadmap_timeline(steps, mini)
    window = trace(fig, "Phase")
    phases = mini.scoring.phases
    assert list(window.base) == [p.start_month for p in phases]
    assert list(window.x) == [p.end_month - p.start_month for p in phases]
    parts = segments(fig)
    assert {name for name, *_ in parts} <= {d.name for d in mini.domains}
    for load in phase_loads(mini, steps):
        mine = [part for part in parts if part[1] == load.index]
        assert sum(points for *_, points in mine) == load.points
        if mine:
            assert min(start for _, _, start, _, _ in mine) == pytest.approx(load.start_month)
            assert max(end for _, _, _, end, _ in mine) == pytest.approx(load.end_month)
    texts = [a.text for a in fig.layout.annotations]
    assert any(f"of {phases[0].capacity} points" in text for text in texts)
    assert any("no capacity limit" in text for text in texts)


def test_an_empty_roadmap_says_that_every_practice_meets_its_target(mini):
    fig = roadmap_timeline((), mini)
    assert [a.text for a in fig.layout.annotations] == ["No steps: every practice meets its target"]
    assert list(trace(fig, "Phase").y) == [0, 1, 2]
    assert segments(fig) == []


def test_a_phase_over_its_capacity_is_flagged(mini, scored):
    capacities = (1, 1, 1)
    steps = build_roadmap(mini, scored.questions, scored.targets, capacities)
    assert any(step.overflow for step in steps)
    fig = roadmap_timeline(steps, mini, capacities)
    assert any("over capacity" in a.text for a in fig.layout.annotations)
    hovers = [data[4] for t in fig.data if t.name != "Phase" for data in t.customdata]
    assert any("beyond every phase's capacity" in hover for hover in hovers)


def test_the_roadmap_timeline_stays_one_trace_per_domain_with_150_steps():
    many = questionnaire(
        [question(f"{domain}-{n:02d}") for domain in ("GOV", "BIA", "REC", "TEST") for n in range(1, 11)]
    )
    low = score_assessment(many, answers({q.id: 1 for q in many.questions}), targets={d.id: 5 for d in many.domains})
    steps = build_roadmap(many, low.questions, low.targets)
    assert len(steps) >= 150
    fig = roadmap_timeline(steps, many)
    assert len(fig.data) == 1 + len(many.domains)
    assert sum(points for *_, points in segments(fig)) == sum(step.points for step in steps)
    phases = many.scoring.phases
    for _, row, start, end, _ in segments(fig):
        assert phases[row].start_month - 1e-9 <= start < end <= phases[row].end_month + 1e-9
    assert len(fig.to_json()) < 60_000


# Trends


def test_trend_lines_draw_one_line_per_domain_and_a_bold_overall_line(mini, scored):
    earlier = score_assessment(mini, answers({"RISK-01": 1, "RISK-02": 2, "TEST-01": 2, "TEST-02": 1, "TEST-03": 1}))
    frame = domain_trend(
        [trend_point("FY2026", dt.date(2026, 3, 1), scored), trend_point("FY2025", dt.date(2025, 3, 1), earlier)]
    )
    fig = trend_lines(frame, mini)
    assert [t.name for t in fig.data] == ["Risk assessment", "Testing and exercising", "Overall"]
    for t, domain_id in zip(fig.data, ["RISK", "TEST", "overall"], strict=True):
        rows = frame[frame["domain_id"] == domain_id]
        assert list(t.x) == ["FY2025", "FY2026"]
        assert list(t.y) == pytest.approx(list(rows["score"]))
    assert trace(fig, "Overall").line.width > trace(fig, "Risk assessment").line.width
    assert list(fig.layout.xaxis.categoryarray) == ["FY2025", "FY2026"]
    assert list(fig.layout.yaxis.ticktext)[2] == "3 Defined"


def test_trend_lines_without_a_questionnaire_name_domains_by_id_and_leave_unscored_gaps(mini):
    first = score_assessment(mini, answers({"RISK-01": 2}))
    second = score_assessment(mini, answers({"RISK-01": 3, "TEST-01": 4}))
    frame = domain_trend([trend_point("A", dt.date(2025, 1, 1), first), trend_point("B", dt.date(2026, 1, 1), second)])
    fig = trend_lines(frame)
    assert [t.name for t in fig.data] == ["RISK", "TEST", "Overall"]
    assert list(trace(fig, "TEST").y) == [None, 4.0]


def test_trend_lines_with_no_assessments_say_there_is_nothing_to_compare():
    fig = trend_lines(domain_trend([]))
    assert len(fig.data) == 0
    assert [a.text for a in fig.layout.annotations] == ["No assessments to compare yet"]


def test_trend_lines_name_the_missing_columns():
    with pytest.raises(ValueError, match="domain_id"):
        trend_lines(pd.DataFrame({"label": [], "date": [], "score": []}))


# Every figure


def all_figures(mini: Questionnaire, scored: AssessmentScore) -> dict[str, go.Figure]:
    steps = build_roadmap(mini, scored.questions, scored.targets)
    trend = domain_trend([trend_point("FY2026", dt.date(2026, 3, 1), scored)])
    return {
        "radar": radar(scored, mini, peer_result(scored, 6)),
        "heatmap": question_heatmap(scored, mini),
        "bars": domain_bars(scored, mini),
        "timeline": roadmap_timeline(steps, mini),
        "timeline_empty": roadmap_timeline((), mini),
        "trend": trend_lines(trend, mini),
    }


def test_every_figure_serialises_to_json_with_the_same_clean_look(mini, scored):
    for name, fig in all_figures(mini, scored).items():
        data = json.loads(fig.to_json())
        assert data["data"], name
        layout = fig.layout
        assert layout.paper_bgcolor == "#ffffff", name
        assert layout.plot_bgcolor == "#ffffff", name
        assert layout.font.size >= 12, name
        assert layout.margin.l <= 20 and layout.margin.r <= 20, name
        assert layout.height is not None and layout.height >= 200, name


def test_figures_without_a_title_have_no_title_text(mini, scored):
    for name, fig in all_figures(mini, scored).items():
        assert not fig.layout.title.text, name


def test_a_figure_title_sits_below_the_tool_buttons_a_phone_always_shows(mini, scored):
    fig = radar(scored, mini, title="Domain scores and targets")
    title = fig.layout.title
    assert (title.yref, title.y, title.yanchor) == ("container", 1, "top")
    assert title.pad.t >= MODE_BAR_HEIGHT
    # The title's line (its font size and a little more) fits between the tool buttons and the plot.
    assert fig.layout.margin.t >= title.pad.t + title.font.size + 16
