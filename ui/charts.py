"""Plotly figures for the pages: scored data in, go.Figure out, one clean look for all of them.

Nothing here calls streamlit or computes a score: the figures show the values the scoring objects carry.
Plotly reads trace names, tick labels, titles and hover text as a small subset of HTML, so every
string that is not a number goes through `plain` before it reaches a figure. Text that users or
questionnaire authors wrote goes into hover text through `customdata`, never into the template
itself, so a "%{...}" in it stays literal.
"""

from __future__ import annotations

import html
import textwrap
from collections.abc import Mapping, Sequence
from dataclasses import dataclass

import pandas as pd
import plotly.graph_objects as go
from plotly.subplots import make_subplots

from questionnaires.model import Phase, Questionnaire
from scoring import OVERALL, AssessmentScore, BenchmarkResult, PhaseLoad, RoadmapStep, phase_loads
from scoring.workshop import Distribution
from ui.levels import (
    NA_COLOUR,
    UNANSWERED_COLOUR,
    colorscale_bounds,
    level_colour,
    level_label,
    plotly_colorscale,
    text_colour_on,
)

FONT_FAMILY = '"Source Sans Pro", "Source Sans 3", Arial, sans-serif'
TEXT_COLOUR = "#31333f"
GRID_COLOUR = "#e6e9ef"
SCORE_COLOUR = "#2b5c8a"
TARGET_COLOUR = "#444444"
PEER_COLOUR = "#7b4ea3"
OVERALL_COLOUR = "#262730"
WINDOW_COLOUR = "#f0f2f6"
WARNING_COLOUR = "#b00020"

DOMAIN_COLOURS: tuple[str, ...] = ("#0072b2", "#e69f00", "#009e73", "#cc79a7", "#56b4e9", "#d55e00", "#882255")
"""Domain colours (Okabe-Ito, distinct for colour-blind readers); they are not level colours."""

NO_STEPS_TEXT = "No steps: every practice meets its target"
NO_TREND_TEXT = "No assessments to compare yet"
HOVER_WIDTH = 60
"""Characters per line of long texts in hover boxes."""

TREND_COLUMNS = ("label", "date", "domain_id", "score")


def plain(text: object) -> str:
    """Return `text` escaped so that plotly shows it literally instead of reading it as HTML.

    Plotly decodes &amp; &lt; &gt; and numeric references but not &quot;, so quotes become numeric ones.
    """
    return html.escape(str(text), quote=False).replace('"', "&#34;").replace("'", "&#39;")


def plain_wrapped(text: object, width: int = HOVER_WIDTH) -> str:
    """Return `text` escaped and broken into lines of about `width` characters for a hover box."""
    lines = textwrap.wrap(" ".join(str(text).split()), width) or [""]
    return "<br>".join(plain(line) for line in lines)


def _style(fig: go.Figure, title: str | None, height: int | None = None) -> go.Figure:
    """Give a figure the app's look: white, readable, tight margins, legend below the plot."""
    fig.update_layout(
        template="plotly_white",
        paper_bgcolor="#ffffff",
        plot_bgcolor="#ffffff",
        font={"family": FONT_FAMILY, "size": 13, "color": TEXT_COLOUR},
        margin={"l": 10, "r": 10, "t": 72 if title else 24, "b": 10},
        hoverlabel={"font": {"family": FONT_FAMILY, "size": 13}, "align": "left", "bgcolor": "#ffffff"},
        legend={"orientation": "h", "yref": "container", "yanchor": "bottom", "y": 0, "xanchor": "left", "x": 0},
    )
    if title:
        # Below the mode bar (the chart's tool buttons, top right), which a phone shows all the time.
        fig.update_layout(
            title={
                "text": plain(title),
                "x": 0,
                "xanchor": "left",
                "yref": "container",
                "y": 1,
                "yanchor": "top",
                "pad": {"t": MODE_BAR_HEIGHT},
                "font": {"size": 16},
            }
        )
    if height is not None:
        fig.update_layout(height=height)
    return fig


MODE_BAR_HEIGHT = 34
"""Pixels at the top of a chart that its tool buttons cover (on a phone always, elsewhere on hover)."""

RADAR_LABEL_WIDTH = 11
"""Characters per line of a domain name beside the radar: short enough that a name at the side of the
circle still fits on a phone (390 px wide), where the chart is about 360 px wide."""


def _unique_names(names: Sequence[str], ids: Sequence[str]) -> list[str]:
    """Return the names, with the id added where two names are the same (categories must differ)."""
    return [name if names.count(name) == 1 else f"{name} ({key})" for name, key in zip(names, ids, strict=True)]


def _unique_labels(names: Sequence[str], ids: Sequence[str]) -> list[str]:
    """Return escaped, unique names."""
    return [plain(name) for name in _unique_names(names, ids)]


def _closed(values: Sequence[object]) -> list[object]:
    """Return the values with the first repeated at the end, so a radar line goes all the way round."""
    return [*values, values[0]] if values else []


def _level_ticks(questionnaire: Questionnaire) -> tuple[list[int], list[str]]:
    scale = list(questionnaire.level_numbers)
    return scale, [plain(level_label(questionnaire, level)) for level in scale]


def _domain_colour(index: int) -> str:
    return DOMAIN_COLOURS[index % len(DOMAIN_COLOURS)]


def radar(
    scores: AssessmentScore,
    questionnaire: Questionnaire,
    peers: BenchmarkResult | None = None,
    *,
    title: str | None = None,
) -> go.Figure:
    """Return a radar of domain scores against targets (and the peer median when peers are shown).

    One axis per domain; the radial axis runs over the questionnaire's levels. A domain with no score
    leaves a gap in the score line (and the score is not filled) and gets a grey "Not scored" marker
    at the rim of its axis that says why on hover.
    """
    domains = list(scores.domains)
    scale = questionnaire.level_numbers
    theta = _unique_labels([d.name for d in domains], [d.domain_id for d in domains])
    # Long domain names break over lines on the axis, so they fit beside the circle.
    names = _unique_names([d.name for d in domains], [d.domain_id for d in domains])
    wrapped = ["<br>".join(plain(line) for line in textwrap.wrap(name, RADAR_LABEL_WIDTH)) for name in names]
    unscored = [i for i, d in enumerate(domains) if d.score is None]
    fig = go.Figure()
    score_data = [
        [
            theta[i],
            plain(level_label(questionnaire, d.stage)) if d.stage is not None else "none yet",
            f"{d.answered} of {d.total} answered" + (" (provisional)" if d.provisional else ""),
        ]
        for i, d in enumerate(domains)
    ]
    fig.add_trace(
        go.Scatterpolar(
            name="Score",
            r=_closed([d.score for d in domains]),
            theta=_closed(theta),
            mode="lines+markers",
            # A filled area would cut across an unscored domain's axis as if it scored low there.
            fill="none" if unscored else "toself",
            fillcolor="rgba(43, 92, 138, 0.12)",
            line={"color": SCORE_COLOUR, "width": 2.5},
            marker={
                "size": 11,
                "color": _closed([level_colour(d.score, scale) for d in domains]),
                "line": {"color": SCORE_COLOUR, "width": 1.5},
            },
            customdata=_closed(score_data),
            hovertemplate="<b>%{customdata[0]}</b><br>Score %{r:.2f}<br>Stage %{customdata[1]}"
            "<br>%{customdata[2]}<extra></extra>",
        )
    )
    fig.add_trace(
        go.Scatterpolar(
            name="Target",
            r=_closed([d.target for d in domains]),
            theta=_closed(theta),
            mode="lines",
            line={"color": TARGET_COLOUR, "width": 2, "dash": "dash"},
            customdata=_closed(
                [[theta[i], plain(level_label(questionnaire, d.target))] for i, d in enumerate(domains)]
            ),
            hovertemplate="<b>%{customdata[0]}</b><br>Target %{customdata[1]}<extra></extra>",
        )
    )
    if peers is not None and peers.available:
        figures = [peers.figure(d.domain_id) for d in domains]
        medians = [None if f is None else f.median for f in figures]
        if any(median is not None for median in medians):
            fig.add_trace(
                go.Scatterpolar(
                    name="Peer median",
                    r=_closed(medians),
                    theta=_closed(theta),
                    mode="lines+markers",
                    line={"color": PEER_COLOUR, "width": 2, "dash": "dot"},
                    marker={"size": 6, "color": PEER_COLOUR},
                    customdata=_closed(
                        [
                            [
                                theta[i],
                                "–" if f is None or f.q1 is None else f"{f.q1:.2f}–{f.q3:.2f}",
                                0 if f is None else f.n,
                            ]
                            for i, f in enumerate(figures)
                        ]
                    ),
                    hovertemplate="<b>%{customdata[0]}</b><br>Peer median %{r:.2f}<br>Middle half %{customdata[1]}"
                    "<br>%{customdata[2]} peers<extra></extra>",
                )
            )
    if unscored:
        fig.add_trace(
            go.Scatterpolar(
                name="Not scored",
                r=[scale[-1]] * len(unscored),
                theta=[theta[i] for i in unscored],
                mode="markers",
                marker={"size": 10, "symbol": "x", "color": UNANSWERED_COLOUR},
                customdata=[[theta[i]] for i in unscored],
                hovertemplate="<b>%{customdata[0]}</b><br>No score yet: nothing answered, or all N/A<extra></extra>",
            )
        )
    # The rings are numbered halfway between the last domain and the first (at the top), so no number sits on
    # a domain's marker or under its name; level names would not fit there on a phone (the hover names them).
    radial_angle = 90 + 180 / max(len(domains), 1)
    fig.update_layout(
        polar={
            "bgcolor": "#ffffff",
            # Leave room at the sides: domain names sit outside the circle and must not be clipped.
            "domain": {"x": [0.22, 0.78], "y": [0.05, 0.95]},
            "radialaxis": {
                "range": [scale[0], scale[-1]],
                "tickvals": list(scale),
                "ticktext": [str(level) for level in scale],
                "tickfont": {"size": 11},
                "gridcolor": GRID_COLOUR,
                "angle": radial_angle,
                "tickangle": radial_angle,
            },
            "angularaxis": {
                "direction": "clockwise",
                "rotation": 90,
                "gridcolor": GRID_COLOUR,
                "tickmode": "array",
                "tickvals": theta,
                "ticktext": wrapped,
            },
        },
    )
    return _style(fig, title, height=460)


def peer_boxes(
    result: BenchmarkResult,
    questionnaire: Questionnaire,
    *,
    title: str | None = None,
) -> go.Figure:
    """Return one box per score (overall, then each domain with figures) with this organisation marked.

    Boxes are drawn from the aggregates the core returns: the quartiles as the box and the 10th and
    90th percentiles as the whiskers. No peer's own score is ever given to plotly, so no hover and no
    chart spec can reveal one; withheld figures (too few peers) get no box.
    """
    names = {OVERALL: "Overall"} | dict(
        zip(
            [d.id for d in questionnaire.domains],
            _unique_names([d.name for d in questionnaire.domains], [d.id for d in questionnaire.domains]),
            strict=True,
        )
    )
    shown = [f for f in result.figures if f.median is not None and f.score_id in names]
    x = [plain(names[f.score_id]) for f in shown]
    fig = go.Figure()
    fig.add_trace(
        go.Box(
            name="Peers",
            x=x,
            q1=[f.q1 for f in shown],
            median=[f.median for f in shown],
            q3=[f.q3 for f in shown],
            lowerfence=[f.low for f in shown],
            upperfence=[f.high for f in shown],
            marker={"color": PEER_COLOUR},
            line={"color": PEER_COLOUR},
            fillcolor="rgba(123, 78, 163, 0.18)",
            boxpoints=False,
            hoverinfo="x+y",
        )
    )
    marked = [f for f in shown if f.subject_score is not None]
    fig.add_trace(
        go.Scatter(
            name="This organisation",
            x=[plain(names[f.score_id]) for f in marked],
            y=[f.subject_score for f in marked],
            mode="markers",
            marker={"size": 13, "symbol": "diamond", "color": SCORE_COLOUR, "line": {"color": "#ffffff", "width": 1.5}},
            customdata=[[f.percentile_rank, f.n] for f in marked],
            hovertemplate="<b>%{x}</b><br>This organisation %{y:.2f}<br>Percentile rank %{customdata[0]:.0f}"
            "<br>among %{customdata[1]} peers<extra></extra>",
        )
    )
    tickvals, ticktext = _level_ticks(questionnaire)
    fig.update_layout(
        xaxis={"type": "category", "categoryorder": "array", "categoryarray": x, "showgrid": False},
        yaxis={
            "title": {"text": "Score"},
            "range": [tickvals[0] - 0.2, tickvals[-1] + 0.2],
            "tickvals": tickvals,
            "ticktext": ticktext,
            "gridcolor": GRID_COLOUR,
            "zeroline": False,
        },
        boxmode="overlay",
    )
    return _style(fig, title, height=420)


@dataclass(frozen=True, slots=True)
class _Cell:
    """What one heatmap cell shows: its level (None when there is none), label, colour and hover text."""

    level: int | None
    status: int | None
    label: str
    colour: str
    hover: tuple[str, str, str]


_NA_STATUS = 0
_UNANSWERED_STATUS = 1


def _heatmap_cell(scores: AssessmentScore, questionnaire: Questionnaire, question_id: str, text: str) -> _Cell:
    scale = questionnaire.level_numbers
    result = scores.questions.get(question_id)
    qid = plain(question_id)
    if result is not None and result.answered and result.na:
        return _Cell(None, _NA_STATUS, f"{qid}<br>N/A", NA_COLOUR, (qid, plain_wrapped(text), "Not applicable"))
    if result is None or not result.answered or result.level is None:
        return _Cell(
            None, _UNANSWERED_STATUS, f"{qid}<br>–", UNANSWERED_COLOUR, (qid, plain_wrapped(text), "Not answered yet")
        )
    name = plain(level_label(questionnaire, result.level))
    return _Cell(
        result.level,
        None,
        f"{qid}<br>{result.level}",
        level_colour(result.level, scale),
        (qid, plain_wrapped(text), name),
    )


def question_heatmap(scores: AssessmentScore, questionnaire: Questionnaire, *, title: str | None = None) -> go.Figure:
    """Return a grid of every question's level: one row per domain, one column per question position.

    Cells take the level colours; N/A and unanswered cells take their greys; a domain with fewer
    questions leaves the rest of its row blank. Each cell shows the question id and its level.
    """
    scale = questionnaire.level_numbers
    rows = [questionnaire.questions_in(domain.id) for domain in questionnaire.domains]
    width = max((len(row) for row in rows), default=0) or 1
    cells: list[list[_Cell | None]] = [
        [_heatmap_cell(scores, questionnaire, q.id, q.text) for q in row] + [None] * (width - len(row)) for row in rows
    ]
    columns = list(range(1, width + 1))
    y = list(range(len(rows)))
    blank = ("", "", "")
    zmin, zmax = colorscale_bounds(scale)
    tickvals, ticktext = _level_ticks(questionnaire)
    hovertemplate = "<b>%{customdata[0]}</b><br>%{customdata[1]}<br>Level: %{customdata[2]}<extra></extra>"
    fig = go.Figure()
    fig.add_trace(
        go.Heatmap(
            name="Level",
            x=columns,
            y=y,
            z=[[None if c is None else c.level for c in row] for row in cells],
            text=[["" if c is None or c.level is None else c.label for c in row] for row in cells],
            customdata=[[blank if c is None else c.hover for c in row] for row in cells],
            colorscale=plotly_colorscale(scale),
            zmin=zmin,
            zmax=zmax,
            xgap=3,
            ygap=3,
            hoverongaps=False,
            hovertemplate=hovertemplate,
            # Under the grid, not beside it: on a phone the grid keeps the width (the legend of levels wraps).
            colorbar={
                "title": {"text": "Level", "side": "top"},
                "tickvals": tickvals,
                "ticktext": ticktext,
                "thickness": 12,
                "orientation": "h",
                "x": 0,
                "xanchor": "left",
                "yref": "container",
                "y": 0,
                "yanchor": "bottom",
                "len": 1,
            },
        )
    )
    if any(c is not None and c.status is not None for row in cells for c in row):
        fig.add_trace(
            go.Heatmap(
                name="Not applicable or not answered",
                x=columns,
                y=y,
                z=[[None if c is None else c.status for c in row] for row in cells],
                text=[["" if c is None or c.status is None else c.label for c in row] for row in cells],
                customdata=[[blank if c is None else c.hover for c in row] for row in cells],
                colorscale=[[0, NA_COLOUR], [0.5, NA_COLOUR], [0.5, UNANSWERED_COLOUR], [1, UNANSWERED_COLOUR]],
                zmin=_NA_STATUS,
                zmax=_UNANSWERED_STATUS,
                showscale=False,
                xgap=3,
                ygap=3,
                hoverongaps=False,
                hovertemplate=hovertemplate,
            )
        )
    # Cell labels as a text layer so each takes the readable text colour of its own cell.
    placed = [
        (column, row_index, c)
        for row_index, row in enumerate(cells)
        for column, c in zip(columns, row, strict=True)
        if c
    ]
    fig.add_trace(
        go.Scatter(
            name="Cell labels",
            x=[column for column, _, _ in placed],
            y=[row_index for _, row_index, _ in placed],
            text=[c.label for _, _, c in placed],
            mode="text",
            textfont={
                "size": 12 if width <= 12 else 10 if width <= 20 else 8,
                "color": [text_colour_on(c.colour) for _, _, c in placed],
            },
            hoverinfo="skip",
            showlegend=False,
        )
    )
    # Long domain names on two lines, so the names column stays narrow on a phone.
    names = [
        _two_lines(name)
        for name in _unique_labels([d.name for d in questionnaire.domains], [d.id for d in questionnaire.domains])
    ]
    fig.update_layout(
        xaxis={
            "title": {"text": "Question within domain"},
            "tickvals": columns,
            "showgrid": False,
            "zeroline": False,
            "range": [0.5, width + 0.5],
        },
        yaxis={
            "tickvals": y,
            "ticktext": names,
            "autorange": "reversed",
            "showgrid": False,
            "zeroline": False,
            "automargin": True,
        },
        showlegend=False,
    )
    fig = _style(fig, title, height=190 + 62 * len(rows))
    fig.update_layout(margin={"b": 110})  # room under the axis title for the level scale
    return fig


def _two_lines(label: str, longest: int = 14) -> str:
    """Break a label (already escaped) at the space nearest its middle when it is longer than `longest`."""
    if len(label) <= longest or " " not in label:
        return label
    middle = len(label) / 2
    cut = min((i for i, char in enumerate(label) if char == " "), key=lambda i: abs(i - middle))
    return f"{label[:cut]}<br>{label[cut + 1 :]}"


def domain_bars(scores: AssessmentScore, questionnaire: Questionnaire, *, title: str | None = None) -> go.Figure:
    """Return horizontal bars of each domain's score in its stage colour, with a marker at its target."""
    scale = questionnaire.level_numbers
    domains = list(scores.domains)
    y = list(range(len(domains)))
    names = _unique_labels([d.name for d in domains], [d.domain_id for d in domains])
    hover = [
        [
            names[i],
            plain(level_label(questionnaire, d.stage)) if d.stage is not None else "none yet",
            plain(level_label(questionnaire, d.target)),
            f"{d.answered} of {d.total} answered" + (" (provisional)" if d.provisional else ""),
        ]
        for i, d in enumerate(domains)
    ]
    colours = [level_colour(d.stage, scale) for d in domains]
    fig = go.Figure()
    fig.add_trace(
        go.Bar(
            name="Score",
            orientation="h",
            x=[d.score for d in domains],
            y=y,
            marker={"color": colours, "line": {"color": "#8a8f98", "width": 1}},
            text=["" if d.score is None else f"{d.score:.2f}" for d in domains],
            textposition="inside",
            insidetextanchor="end",
            textfont={"color": [text_colour_on(colour) for colour in colours]},
            customdata=hover,
            hovertemplate="<b>%{customdata[0]}</b><br>Score %{x:.2f}<br>Stage %{customdata[1]}"
            "<br>Target %{customdata[2]}<br>%{customdata[3]}<extra></extra>",
        )
    )
    fig.add_trace(
        go.Scatter(
            name="Target",
            x=[d.target for d in domains],
            y=y,
            mode="markers",
            marker={
                "symbol": "line-ns-open",
                "size": 30,
                "color": TARGET_COLOUR,
                "line": {"width": 3, "color": TARGET_COLOUR},
            },
            customdata=hover,
            hovertemplate="<b>%{customdata[0]}</b><br>Target %{customdata[2]}<extra></extra>",
        )
    )
    for row, domain in zip(y, domains, strict=True):
        if domain.score is None:
            fig.add_annotation(
                x=min(0, scale[0]),
                y=row,
                text="no score yet: nothing answered, or all N/A",
                showarrow=False,
                xanchor="left",
                font={"color": "#6b6f76"},
            )
    # Level names fit as tick labels on a short scale; a long one keeps to numbers.
    tickvals, ticktext = _level_ticks(questionnaire)
    fig.update_layout(
        xaxis={
            "range": [min(0, scale[0]), scale[-1] + 0.6],
            "tickvals": tickvals,
            "ticktext": ticktext if len(scale) <= 6 else [str(level) for level in tickvals],
            "gridcolor": GRID_COLOUR,
            "zeroline": False,
        },
        yaxis={"tickvals": y, "ticktext": names, "autorange": "reversed", "automargin": True},
        bargap=0.35,
    )
    return _style(fig, title, height=110 + 48 * len(domains))


def _domain_names(questionnaire: Questionnaire) -> dict[str, str]:
    return {domain.id: domain.name for domain in questionnaire.domains}


@dataclass(frozen=True, slots=True)
class _DomainLoad:
    """The effort points and steps one domain has in one phase."""

    domain_id: str
    points: int
    steps: int
    overflow: int


def _phase_breakdown(steps: Sequence[RoadmapStep], phase_index: int, order: Sequence[str]) -> list[_DomainLoad]:
    """Return each domain's load in one phase, in questionnaire order, leaving out domains with no steps."""
    in_phase = [step for step in steps if step.phase_index == phase_index]
    known = list(order) + sorted({step.domain_id for step in in_phase} - set(order))
    loads = []
    for domain_id in known:
        mine = [step for step in in_phase if step.domain_id == domain_id]
        if mine:
            loads.append(
                _DomainLoad(domain_id, sum(s.points for s in mine), len(mine), sum(1 for s in mine if s.overflow))
            )
    return loads


@dataclass(frozen=True, slots=True)
class _Segment:
    """Where one domain's share of one phase sits on the timeline, in months."""

    row: int
    part: _DomainLoad
    start: float
    length: float


def _segments(
    phases: Sequence[Phase], loads: Sequence[PhaseLoad], breakdowns: Sequence[list[_DomainLoad]]
) -> list[_Segment]:
    """Return the segments that divide each phase's months by its domains' shares of its effort points."""
    segments = []
    for row, (phase, load, breakdown) in enumerate(zip(phases, loads, breakdowns, strict=True)):
        span = phase.end_month - phase.start_month
        before = 0
        for part in breakdown:
            start = phase.start_month + span * before / load.points
            segments.append(_Segment(row, part, start, span * part.points / load.points))
            before += part.points
    return segments


def roadmap_timeline(
    steps: Sequence[RoadmapStep],
    questionnaire: Questionnaire,
    capacities: Sequence[int | None] | None = None,
    *,
    title: str | None = None,
) -> go.Figure:
    """Return the roadmap as a timeline: one row per phase over its months, split by domain's effort.

    Each phase's bar spans its months; its coloured segments divide the bar by each domain's share of
    the phase's effort points (the points are in the hover). The text above a bar gives the steps,
    the points and the capacity (`capacities` overrides the questionnaire's, as in `build_roadmap`).
    """
    phases = questionnaire.scoring.phases
    loads = phase_loads(questionnaire, steps, capacities)
    names = _domain_names(questionnaire)
    order = [domain.id for domain in questionnaire.domains]
    rows = list(range(len(phases)))
    breakdowns = [_phase_breakdown(steps, index, order) for index in rows]
    fig = go.Figure()
    window_hover = []
    for load, breakdown in zip(loads, breakdowns, strict=True):
        lines = [f"{plain(names.get(b.domain_id, b.domain_id))}: {b.points} points, {b.steps} steps" for b in breakdown]
        capacity = "no limit" if load.capacity is None else f"capacity {load.capacity}"
        window_hover.append(
            [plain(load.name), load.start_month, load.end_month, capacity, "<br>".join(lines) or "no steps"]
        )
    fig.add_trace(
        go.Bar(
            name="Phase",
            orientation="h",
            base=[phase.start_month for phase in phases],
            x=[phase.end_month - phase.start_month for phase in phases],
            y=rows,
            width=0.7,
            marker={"color": WINDOW_COLOUR, "line": {"color": "#c8cdd6", "width": 1}},
            customdata=window_hover,
            hovertemplate="<b>%{customdata[0]}</b> (months %{customdata[1]}–%{customdata[2]}, %{customdata[3]})"
            "<br>%{customdata[4]}<extra></extra>",
            showlegend=False,
        )
    )
    segments = _segments(phases, loads, breakdowns)
    for domain_index, domain_id in enumerate([*order, *sorted({s.domain_id for s in steps} - set(order))]):
        mine = [segment for segment in segments if segment.part.domain_id == domain_id]
        if not mine:
            continue
        name = plain(names.get(domain_id, domain_id))
        fig.add_trace(
            go.Bar(
                name=name,
                orientation="h",
                base=[segment.start for segment in mine],
                x=[segment.length for segment in mine],
                y=[segment.row for segment in mine],
                width=0.45,
                marker={"color": _domain_colour(domain_index), "line": {"color": "#ffffff", "width": 1}},
                customdata=[
                    [
                        name,
                        plain(phases[segment.row].name),
                        segment.part.points,
                        segment.part.steps,
                        f"<br>{segment.part.overflow} step(s) beyond every phase's capacity"
                        if segment.part.overflow
                        else "",
                    ]
                    for segment in mine
                ],
                hovertemplate="<b>%{customdata[0]}</b><br>%{customdata[1]}: %{customdata[2]} effort points in "
                "%{customdata[3]} step(s)%{customdata[4]}<extra></extra>",
            )
        )
    for row, load in enumerate(loads if steps else ()):
        if load.capacity is None:
            text = f"{load.steps} steps · {load.points} points (no capacity limit)"
        else:
            text = f"{load.steps} steps · {load.points} of {load.capacity} points"
        if load.over_capacity:
            text = f'<span style="color:{WARNING_COLOUR}"><b>{text}: over capacity</b></span>'
        fig.add_annotation(
            x=load.start_month,
            y=row - 0.35,
            text=text,
            showarrow=False,
            xanchor="left",
            yanchor="bottom",
            font={"size": 12},
        )
    if not steps:
        fig.add_annotation(
            x=0.5,
            y=0.5,
            xref="paper",
            yref="paper",
            text=NO_STEPS_TEXT,
            showarrow=False,
            font={"size": 15},
            bgcolor="#ffffff",
            bordercolor="#c8cdd6",
            borderpad=6,
        )
    boundaries = sorted({p.start_month for p in phases} | {p.end_month for p in phases})
    fig.update_layout(
        barmode="overlay",
        xaxis={
            "title": {"text": "Months from start"},
            "tickvals": boundaries,
            "range": [boundaries[0], boundaries[-1] + 0.5],
            "gridcolor": GRID_COLOUR,
            "zeroline": False,
        },
        yaxis={
            "tickvals": rows,
            "ticktext": [plain(phase.name) for phase in phases],
            "autorange": "reversed",
            "automargin": True,
            "showgrid": False,
        },
        bargap=0.3,
    )
    return _style(fig, title, height=150 + 80 * len(phases))


def _number_or_none(value: object) -> float | None:
    """Return a score as a float, or None for a missing one (None, NaN or pd.NA), which plotly leaves as a gap."""
    return None if value is None or pd.isna(value) else float(value)


def trend_lines(
    domain_trend_df: pd.DataFrame,
    questionnaire: Questionnaire | None = None,
    *,
    title: str | None = None,
) -> go.Figure:
    """Return one line per domain (and a bold "Overall" line when present) of score per assessment.

    `domain_trend_df` is what `scoring.domain_trend` returns. With `questionnaire`, domains get their
    names and order and the y axis its level labels; domain ids of other versions still get a line.
    """
    missing = [column for column in TREND_COLUMNS if column not in domain_trend_df.columns]
    if missing:
        raise ValueError(f"trend_lines needs the columns of scoring.domain_trend; missing: {', '.join(missing)}")
    frame = domain_trend_df.sort_values(["date", "label"], kind="stable")
    labels = list(dict.fromkeys(str(label) for label in frame["label"]))
    names: Mapping[str, str] = _domain_names(questionnaire) if questionnaire is not None else {}
    present = list(dict.fromkeys(str(domain_id) for domain_id in frame["domain_id"]))
    known = [domain_id for domain_id in names if domain_id in present]
    others = [domain_id for domain_id in present if domain_id not in names and domain_id != OVERALL]
    ordered = known + others + ([OVERALL] if OVERALL in present else [])
    # Colours follow the questionnaire's domain order, as in the roadmap timeline.
    palette_order = [*names, *others]
    fig = go.Figure()
    for domain_id in ordered:
        rows = frame[frame["domain_id"] == domain_id]
        name = "Overall" if domain_id == OVERALL else plain(names.get(domain_id, domain_id))
        stages = rows["stage"] if "stage" in rows.columns else [None] * len(rows)
        customdata = [
            [
                name,
                pd.Timestamp(date).strftime("%Y-%m-%d") if not pd.isna(date) else "no date",
                "none"
                if pd.isna(stage)
                else plain(level_label(questionnaire, int(stage)) if questionnaire else int(stage)),
            ]
            for date, stage in zip(rows["date"], stages, strict=True)
        ]
        overall = domain_id == OVERALL
        colour = OVERALL_COLOUR if overall else _domain_colour(palette_order.index(domain_id))
        fig.add_trace(
            go.Scatter(
                name=name,
                x=[plain(label) for label in rows["label"]],
                y=[_number_or_none(score) for score in rows["score"]],
                mode="lines+markers",
                line={"color": colour, "width": 3.5 if overall else 2},
                marker={"size": 9 if overall else 7, "color": colour},
                customdata=customdata,
                hovertemplate="<b>%{customdata[0]}</b><br>%{x} (%{customdata[1]})<br>Score %{y:.2f}"
                "<br>Stage %{customdata[2]}<extra></extra>",
            )
        )
    fig.update_layout(
        xaxis={
            "type": "category",
            "categoryorder": "array",
            "categoryarray": [plain(label) for label in labels],
            "title": {"text": "Assessment"},
            "showgrid": False,
        },
        yaxis={"title": {"text": "Score"}, "gridcolor": GRID_COLOUR, "zeroline": False},
    )
    if questionnaire is not None:
        tickvals, ticktext = _level_ticks(questionnaire)
        fig.update_layout(
            yaxis={"range": [tickvals[0] - 0.2, tickvals[-1] + 0.2], "tickvals": tickvals, "ticktext": ticktext}
        )
    if frame.empty:
        fig.add_annotation(
            x=0.5, y=0.5, xref="paper", yref="paper", text=NO_TREND_TEXT, showarrow=False, font={"size": 15}
        )
    return _style(fig, title, height=420)


VOTE_LABEL_WIDTH = 10
"""Characters per line of a level name under its bar: five levels side by side still fit a phone's width."""


def vote_distribution(
    distribution: Distribution, questionnaire: Questionnaire, *, title: str | None = None
) -> go.Figure:
    """Return a small bar chart of how the votes on one question fall: one bar per level, N/A beside when given.

    Every level of the scale has its bar (zero included), in its level colour, with the number of
    votes on it; the level names are the questionnaire's, escaped.
    """
    scale = questionnaire.level_numbers
    names = [level_label(questionnaire, level) for level, _ in distribution.counts]
    level_names = {level.number: level.name for level in questionnaire.levels}
    # The number on one line and the name under it: five labels side by side fit without turning.
    categories = [
        "<br>".join(
            [
                str(level),
                *(
                    plain(line)
                    for line in textwrap.wrap(level_names.get(level, ""), VOTE_LABEL_WIDTH, break_long_words=False)
                ),
            ]
        )
        for level, _ in distribution.counts
    ]
    counts = [votes for _, votes in distribution.counts]
    colours = [level_colour(level, scale) for level, _ in distribution.counts]
    hover = [plain(name) for name in names]
    if distribution.na_votes:
        categories.append("N/A")
        counts.append(distribution.na_votes)
        colours.append(NA_COLOUR)
        hover.append("N/A")
    fig = go.Figure(
        go.Bar(
            name="Votes",
            x=list(range(len(categories))),
            y=counts,
            marker={"color": colours, "line": {"color": "#8a8f98", "width": 1}},
            text=[str(count) if count else "" for count in counts],
            textposition="inside",
            textfont={"color": [text_colour_on(colour) for colour in colours]},
            customdata=hover,
            hovertemplate="<b>%{customdata}</b>: %{y} vote(s)<extra></extra>",
        )
    )
    fig.update_layout(
        xaxis={
            "tickvals": list(range(len(categories))),
            "ticktext": categories,
            "tickangle": 0,
            "tickfont": {"size": 11},
            "showgrid": False,
        },
        yaxis={
            "title": {"text": "Votes"},
            "rangemode": "tozero",
            "dtick": 1 if max(counts, default=0) <= 10 else None,
            "gridcolor": GRID_COLOUR,
            "zeroline": False,
        },
        showlegend=False,
        bargap=0.25,
    )
    return _style(fig, title, height=260)


STAGE_COLOUR = "#8a8f98"
TARGET_TREND_COLUMNS = ("label", "domain_id", "target")
TREND_PANEL_COLUMNS = 2
"""Panels side by side in `trend_panels`: two still leave each panel readable on a phone."""


def _by_label(rows: pd.DataFrame, column: str, labels: Sequence[str]) -> list[float | None]:
    """Return the column's value for each label, None where the label has no row or no value."""
    values = {str(label): value for label, value in zip(rows["label"], rows[column], strict=True)}
    return [_number_or_none(values.get(label)) for label in labels]


def _level_name(questionnaire: Questionnaire | None, value: float | None) -> str:
    if value is None:
        return "none"
    return plain(level_label(questionnaire, int(value)) if questionnaire else int(value))


def trend_panels(
    domain_trend_df: pd.DataFrame,
    target_trend_df: pd.DataFrame | None = None,
    questionnaire: Questionnaire | None = None,
    *,
    title: str | None = None,
) -> go.Figure:
    """Return one small panel per domain (the overall result first) of score, stage and target per assessment.

    `domain_trend_df` is what `scoring.domain_trend` returns and `target_trend_df` what
    `scoring.target_trend` returns. Every panel has the same assessments along its x axis, so a domain
    missing from one questionnaire version (or not scored) leaves a gap there. Each trace carries its
    domain id as `meta`. With `questionnaire`, domains get their names and order and scores their level
    colours; domain ids of other versions still get a panel.
    """
    missing = [column for column in TREND_COLUMNS if column not in domain_trend_df.columns]
    if target_trend_df is not None:
        missing += [column for column in TARGET_TREND_COLUMNS if column not in target_trend_df.columns]
    if missing:
        raise ValueError(
            "trend_panels needs the columns of scoring.domain_trend and scoring.target_trend; "
            f"missing: {', '.join(missing)}"
        )
    frame = domain_trend_df.sort_values(["date", "label"], kind="stable")
    labels = list(dict.fromkeys(str(label) for label in frame["label"]))
    names: Mapping[str, str] = _domain_names(questionnaire) if questionnaire is not None else {}
    present = list(dict.fromkeys(str(domain_id) for domain_id in frame["domain_id"]))
    panels = ([OVERALL] if OVERALL in present else []) + [d for d in names if d in present]
    panels += [d for d in present if d not in panels]
    titles = ["Overall" if d == OVERALL else plain(names.get(d, d)) for d in panels]
    rows = max(1, -(-len(panels) // TREND_PANEL_COLUMNS))
    fig = make_subplots(
        rows=rows,
        cols=TREND_PANEL_COLUMNS,
        subplot_titles=titles or None,
        shared_xaxes="all",
        shared_yaxes="all",
        horizontal_spacing=0.08,
        vertical_spacing=0.3 / rows if rows > 1 else 0.1,
    )
    x = [plain(label) for label in labels]
    scale = questionnaire.level_numbers if questionnaire is not None else None
    for index, (domain_id, name) in enumerate(zip(panels, titles, strict=True)):
        where = {"row": index // TREND_PANEL_COLUMNS + 1, "col": index % TREND_PANEL_COLUMNS + 1}
        mine = frame[frame["domain_id"] == domain_id]
        scores = _by_label(mine, "score", labels)
        stages = _by_label(mine, "stage", labels) if "stage" in mine.columns else [None] * len(labels)
        first = index == 0
        fig.add_trace(
            go.Scatter(
                name="Score",
                legendgroup="score",
                showlegend=first,
                meta=domain_id,
                x=x,
                y=scores,
                mode="lines+markers",
                line={"color": SCORE_COLOUR, "width": 2.5},
                marker={
                    "size": 9,
                    "color": [level_colour(s, scale) if scale and s is not None else SCORE_COLOUR for s in scores],
                    "line": {"color": SCORE_COLOUR, "width": 1.5},
                },
                customdata=[[name, _level_name(questionnaire, stage)] for stage in stages],
                hovertemplate="<b>%{customdata[0]}</b>, %{x}<br>Score %{y:.2f}<br>Stage %{customdata[1]}"
                "<extra></extra>",
            ),
            **where,
        )
        fig.add_trace(
            go.Scatter(
                name="Stage",
                legendgroup="stage",
                showlegend=first,
                meta=domain_id,
                x=x,
                y=stages,
                mode="lines+markers",
                line={"color": STAGE_COLOUR, "width": 1.5, "dash": "dot"},
                marker={"size": 6, "symbol": "square", "color": STAGE_COLOUR},
                customdata=[[name, _level_name(questionnaire, stage)] for stage in stages],
                hovertemplate="<b>%{customdata[0]}</b>, %{x}<br>Stage %{customdata[1]}<extra></extra>",
            ),
            **where,
        )
        if target_trend_df is None or domain_id == OVERALL:
            continue
        targets = _by_label(target_trend_df[target_trend_df["domain_id"] == domain_id], "target", labels)
        if all(target is None for target in targets):
            continue
        fig.add_trace(
            go.Scatter(
                name="Target",
                legendgroup="target",
                showlegend=not any(t.name == "Target" for t in fig.data),
                meta=domain_id,
                x=x,
                y=targets,
                mode="lines",
                line={"color": TARGET_COLOUR, "width": 2, "dash": "dash", "shape": "hv"},
                customdata=[[name, _level_name(questionnaire, target)] for target in targets],
                hovertemplate="<b>%{customdata[0]}</b>, %{x}<br>Target %{customdata[1]}<extra></extra>",
            ),
            **where,
        )
    fig.update_xaxes(type="category", categoryorder="array", categoryarray=x, showgrid=False, showticklabels=True)
    fig.update_yaxes(gridcolor=GRID_COLOUR, zeroline=False)
    if questionnaire is not None:
        tickvals = list(questionnaire.level_numbers)
        fig.update_yaxes(range=[tickvals[0] - 0.3, tickvals[-1] + 0.3], tickvals=tickvals)
    fig.update_annotations(font={"size": 14})  # the panel titles
    if frame.empty:
        fig.add_annotation(
            x=0.5, y=0.5, xref="paper", yref="paper", text=NO_TREND_TEXT, showarrow=False, font={"size": 15}
        )
    styled = _style(fig, title, height=110 + 220 * rows)
    if not title:
        # The first row's panel titles sit above the plots: keep them below the mode bar.
        styled.update_layout(margin={"t": MODE_BAR_HEIGHT + 20})
    return styled
