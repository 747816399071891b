"""Roadmap: the prioritised steps from current levels to targets, by phase, with owners, dates and statuses."""

from __future__ import annotations

from datetime import date

import pandas as pd
import streamlit as st

from exports.report import PlannedStep, planned_roadmap
from storage import save_roadmap_item
from storage.choices import ROADMAP_STATUSES
from ui.charts import roadmap_timeline
from ui.downloads import workbook_button
from ui.session import PAGES, assessment_caption, attempt, db, require_report

view = require_report()
questionnaire = view.questionnaire

st.title("Roadmap")
assessment_caption(view)
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


def frame(rows: list[PlannedStep]) -> pd.DataFrame:
    return pd.DataFrame(
        [
            {
                "#": p.step.order,
                "Phase": p.step.phase_name,
                "Step": f"{p.step.question_id}: {p.step.from_level} → {p.step.to_level}",
                "Action": p.step.action,
                "Effort": p.step.effort,
                "Owner": p.owner,
                "Due": p.due_date,
                "Status": p.status,
                "Domain": questionnaire.domain(p.step.domain_id).name,
                "Practice": p.step.practice,
            }
            for p in rows
        ]
    )


editor_key = f"roadmap-editor-{view.assessment.id}"


def as_date(value: object) -> date | None:
    """A due date from the editor: a date, a timestamp, an ISO text, or empty."""
    if value is None or (isinstance(value, float) and pd.isna(value)) or value is pd.NaT:
        return None
    if isinstance(value, pd.Timestamp):
        return value.date()
    if isinstance(value, date):
        return value
    return date.fromisoformat(str(value)[:10]) if str(value).strip() else None


def save_changes(rows: list[PlannedStep], edited: pd.DataFrame) -> None:
    """Save every owner, due date and status that differs from what is stored."""
    for current, (_, row) in zip(rows, edited.iterrows(), strict=True):
        owner = "" if pd.isna(row["Owner"]) else str(row["Owner"])
        due = as_date(row["Due"])
        status = str(row["Status"]) if row["Status"] else "planned"
        if (owner, due, status) == (current.owner, current.due_date, current.status):
            continue
        attempt(
            lambda c=current, o=owner, d=due, s=status: save_roadmap_item(
                db(),
                questionnaire,
                view.assessment.id,
                c.step.question_id,
                c.step.to_level,
                owner=o,
                due_date=d,
                status=s,
            )
        )


edited = st.data_editor(
    frame(planned),
    key=editor_key,
    hide_index=True,
    disabled=["#", "Phase", "Step", "Action", "Effort", "Domain", "Practice"],
    column_config={
        "#": st.column_config.NumberColumn(width="small", help="Priority order"),
        "Step": st.column_config.TextColumn(help="Practice and the levels this step moves it between"),
        "Action": st.column_config.TextColumn(width="medium"),
        "Effort": st.column_config.TextColumn(width="small", help="S, M or L"),
        "Practice": st.column_config.TextColumn(width="large"),
        "Owner": st.column_config.TextColumn(max_chars=200),
        "Due": st.column_config.DateColumn(format="YYYY-MM-DD"),
        "Status": st.column_config.SelectboxColumn(options=list(ROADMAP_STATUSES), required=True),
    },
)
save_changes(planned, edited)
st.caption("Owner, due date and status are saved as soon as you change them.")
