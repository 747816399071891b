"""Roadmap: the prioritised steps from current levels to targets, by phase, with owners, dates and statuses."""

from __future__ import annotations

import hashlib
from datetime import date
from fractions import Fraction

import pandas as pd
import streamlit as st

from exports.report import PlannedStep, planned_roadmap
from scoring import phase_loads
from scoring.roadmap import PhaseFit, phase_fits
from storage import save_roadmap_item
from storage.choices import ROADMAP_STATUSES
from ui.charts import roadmap_timeline
from ui.downloads import workbook_button
from ui.session import PAGES, attempt, db, page_header, require_report
from ui.text import md

STATUS_WORDS = {"planned": "Planned", "in_progress": "In progress", "done": "Done", "dropped": "Dropped"}
# The editor's editable columns and the save_roadmap_item field each one sets.
EDITABLE = {"Owner": "owner", "Due": "due_date", "Status": "status"}
# Rows taller than 4rem let the grid wrap text: three lines hold the longest action in its column.
ROW_HEIGHT = 78

view = require_report()
questionnaire = view.questionnaire

page_header("Roadmap", view)
workbook_button(view, key="roadmap-workbook")

if view.score.overall.answered == 0:
    st.info("No answers yet, so no roadmap. Answer the questions first.", icon=":material/info:")
    st.page_link(PAGES["questionnaire"], label="Go to the questionnaire", icon=":material/checklist:")
    st.stop()

# Grouped by phase; within a phase, in priority order.
planned = sorted(planned_roadmap(db(), view), key=lambda p: (p.step.phase_index, p.step.order))
steps = [p.step for p in planned]
if view.score.overall.provisional:
    st.warning(
        "Provisional: unanswered questions are not in the roadmap yet. Answer them to complete it.",
        icon=":material/hourglass_top:",
    )
st.caption(
    "One step per level from each practice's current level to its domain's target (targets are set on the "
    "Results page). Lower levels come first, then practices that matter more, then smaller efforts. A step "
    "to a level never comes before the step to the level below it."
)

if not planned:
    st.success("Every answered practice meets its domain's target: there is nothing to schedule.")
    st.page_link(PAGES["results"], label="Raise a target on the Results page", icon=":material/insights:")
    st.stop()

st.plotly_chart(roadmap_timeline(steps, questionnaire), key="timeline", config={"displaylogo": False})


def points_a_month(pace: Fraction) -> str:
    return str(pace.numerator) if pace.denominator == 1 else f"{float(pace):.1f}"


def phase_line(fit: PhaseFit) -> str:
    """One phase's steps and effort points against what it can hold, as a markdown list item."""
    load = fit.load
    head = f"- **{md(load.name)}**: {load.steps} step{'' if load.steps == 1 else 's'}, "
    if fit.can_hold is None:
        return head + f"{load.points} effort points (no capacity set)"
    if fit.implied and fit.pace is not None:
        return head + (
            f"{load.points} effort points; no capacity is set (at {points_a_month(fit.pace)} points a month, "
            f"the pace of the phases with one, its {load.end_month - load.start_month} months hold about "
            f"{fit.can_hold})"
        )
    return head + f"{load.points} of {fit.can_hold} effort points"


def overflow_message(fit: PhaseFit) -> str:
    load = fit.load
    about = "about " if fit.implied else ""
    return (
        f"{md(load.name)}: {load.points} effort points against a capacity of {about}{fit.can_hold}: more than "
        "the phase can hold. Lower targets on the Results page, or raise the phases' capacity in the "
        "questionnaire (scoring, phases)."
    )


fits = phase_fits(phase_loads(questionnaire, steps))
st.markdown("**Effort by phase**\n\n" + "\n".join(phase_line(fit) for fit in fits))
for fit in fits:
    if fit.over:
        st.warning(overflow_message(fit), icon=":material/warning:")


def frame(rows: list[PlannedStep]) -> pd.DataFrame:
    """The editor's rows: numbered from 1 within each phase, due dates as dates (blank when none)."""
    numbers: dict[int, int] = {}
    records = []
    for p in rows:
        numbers[p.step.phase_index] = numbers.get(p.step.phase_index, 0) + 1
        records.append(
            {
                "Phase": p.step.phase_name,
                "#": numbers[p.step.phase_index],
                "Action": p.step.action,
                "Owner": p.owner,
                "Due": p.due_date,
                "Status": p.status,
                "Effort": p.step.effort,
                "Step": f"{p.step.question_id}: {p.step.from_level} → {p.step.to_level}",
                "Domain": questionnaire.domain(p.step.domain_id).name,
                "Practice": p.step.practice,
            }
        )
    table = pd.DataFrame(records)
    # A date column even when no step has a due date yet, so the editor's schema (and its edits) stay put.
    table["Due"] = pd.to_datetime(table["Due"])
    return table


def as_date(value: object) -> date | None:
    """A due date from the editor: a date, a timestamp, an ISO text, or empty."""
    if value is None or (isinstance(value, float) and pd.isna(value)) or value is pd.NaT:
        return None
    if isinstance(value, pd.Timestamp):
        return value.date()
    if isinstance(value, date):
        return value
    return date.fromisoformat(str(value)[:10]) if str(value).strip() else None


def field_value(column: str, value: object) -> object:
    """The value save_roadmap_item takes for an edited cell of `column`."""
    if column == "Due":
        return as_date(value)
    if column == "Status":
        return str(value) if value else "planned"
    return "" if value is None else str(value)


# Edits are kept by row number, so the editor is keyed by the steps it shows: when the steps change
# (a target or an answer changed elsewhere), a new editor starts and no edit lands on another step.
steps_digest = hashlib.sha256(repr([(s.question_id, s.to_level) for s in steps]).encode()).hexdigest()[:12]
editor_key = f"roadmap-editor-{view.assessment.id}-{steps_digest}"
seen_key = f"{editor_key}-seen"
NOT_SEEN = object()


def save_new_edits(rows: list[PlannedStep]) -> None:
    """Save each cell edited since the last run, and only that field of its step.

    The editor replays every edit of this session on each run; saving only the cells that changed
    since the last run keeps an old edit from overwriting what another person saved since.
    """
    edits = st.session_state.get(editor_key, {}).get("edited_rows", {})
    cells = {(int(row), column): value for row, changes in edits.items() for column, value in changes.items()}
    seen = st.session_state.get(seen_key, {})
    for (row, column), value in cells.items():
        if column not in EDITABLE or seen.get((row, column), NOT_SEEN) == value:
            continue
        step = rows[row].step
        field = {EDITABLE[column]: field_value(column, value)}
        attempt(
            lambda s=step, f=field: save_roadmap_item(
                db(), questionnaire, view.assessment.id, s.question_id, s.to_level, **f
            )
        )
    st.session_state[seen_key] = cells


st.markdown("**Steps**")
st.caption("Owner, due date and status are saved as soon as you change them. Scroll the table sideways for more.")
st.data_editor(
    frame(planned),
    key=editor_key,
    hide_index=True,
    height="content",
    row_height=ROW_HEIGHT,
    placeholder="",
    disabled=["Phase", "#", "Action", "Effort", "Step", "Domain", "Practice"],
    column_config={
        "Phase": st.column_config.TextColumn(width=96),
        "#": st.column_config.NumberColumn(width=40, help="Order within the phase"),
        "Action": st.column_config.TextColumn(width=360, help="What to do to reach the step's level"),
        "Owner": st.column_config.TextColumn(width=150, max_chars=200),
        "Due": st.column_config.DateColumn(width=110, format="YYYY-MM-DD"),
        "Status": st.column_config.SelectboxColumn(
            width=110, options=list(ROADMAP_STATUSES), format_func=STATUS_WORDS.get, required=True
        ),
        "Effort": st.column_config.TextColumn(width=60, help="S, M or L"),
        "Step": st.column_config.TextColumn(width=130, help="Practice and the levels this step moves it between"),
        "Domain": st.column_config.TextColumn(width=150),
        "Practice": st.column_config.TextColumn(width=360),
    },
)
save_new_edits(planned)
