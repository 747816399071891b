"""Roadmap: the prioritised steps from current levels to targets, by phase, with owners, dates and statuses."""

from __future__ import annotations

from datetime import date
from fractions import Fraction

import pandas as pd
import streamlit as st

from access import Action
from exports.report import PlannedStep, roadmap_facts, save_business_case_assumptions
from scoring import phase_loads
from scoring.business_case import BusinessCase, money_text
from scoring.evidence_checks import listed
from scoring.roadmap import PhaseFit, RoadmapStep, phase_fits
from storage import save_roadmap_item
from storage.choices import ROADMAP_STATUSES
from storage.finding_items import FindingItem, list_finding_items, save_finding_item
from ui.access import allowed
from ui.charts import roadmap_timeline
from ui.downloads import report_buttons, workbook_button
from ui.levels import level_label
from ui.session import PAGES, attempt, db, page_header, require_report
from ui.text import md

STATUS_WORDS = {"planned": "Planned", "in_progress": "In progress", "done": "Done", "dropped": "Dropped"}
# The save_roadmap_item fields a step's widgets edit, one widget each.
FIELDS = ("owner", "due_date", "status")
NOT_SHOWN = object()

view = require_report()
questionnaire = view.questionnaire

page_header("Roadmap", view)
may_plan = allowed(Action.PLAN, organisation_id=view.organisation.id)
workbook_button(view, key="roadmap-workbook")
report_buttons(view, key="roadmap-report")


def save_finding_field(item: FindingItem, field: str) -> None:
    """Save the one field of a step made from a finding that the user changed."""
    if not allowed(Action.PLAN, organisation_id=view.organisation.id):
        st.error("You may read this roadmap but not change it.", icon=":material/lock:")
        return
    value = st.session_state[f"finding-step-{item.id}-{field}"]
    if field == "owner":
        value = value or ""
    elif field == "due_date":
        value = value if isinstance(value, date) else None
    attempt(lambda: save_finding_item(db(), view.assessment.id, item.id, **{field: value}))


@st.fragment
def finding_card(number: int, item: FindingItem) -> None:
    """One step made from a finding of the exercise log: its text, whether the finding is still there, its fields."""
    for field, value in (("owner", item.owner), ("due_date", item.due_date), ("status", item.status)):
        st.session_state.setdefault(f"finding-step-{item.id}-{field}", value)
    with st.container(border=True, key=f"finding-step-{item.id}"):
        text, fields = st.columns([1, 1], vertical_alignment="center")
        text.markdown(f"**{number}.** {md(item.text)}")
        if item.finding is None:
            text.warning(
                "This finding is no longer in the exercise and incident log: it was removed there. Keep the step, "
                "or set it to dropped.",
                icon=":material/link_off:",
            )
        else:
            text.caption(f"Finding in the log: {md(item.finding.status)} · exercise {md(item.finding.exercise)}")
        row = fields.container(horizontal=True)
        row.text_input(
            "Owner",
            width="stretch",
            disabled=not may_plan,
            key=f"finding-step-{item.id}-owner",
            on_change=save_finding_field,
            args=(item, "owner"),
        )
        row.date_input(
            "Due date",
            width=150,
            disabled=not may_plan,
            key=f"finding-step-{item.id}-due_date",
            format="YYYY-MM-DD",
            on_change=save_finding_field,
            args=(item, "due_date"),
        )
        row.selectbox(
            "Status",
            ROADMAP_STATUSES,
            width=140,
            disabled=not may_plan,
            format_func=STATUS_WORDS.get,
            key=f"finding-step-{item.id}-status",
            on_change=save_finding_field,
            args=(item, "status"),
        )


def finding_steps() -> None:
    """The steps made from findings of the organisation's exercise and incident log (on the Evidence page)."""
    items = attempt(lambda: list_finding_items(db(), view.assessment.id))
    if not items:
        return
    st.subheader("From the exercise and incident log", anchor=False)
    st.caption(
        "Findings of exercises and incidents put on this roadmap from the Evidence page. Setting a step in "
        "progress or done sets its finding in progress or closed in the log; planned reopens it."
    )
    for number, item in enumerate(items, start=1):
        finding_card(number, item)


if view.score.overall.answered == 0:
    st.info("No answers yet, so no roadmap. Answer the questions first.", icon=":material/info:")
    st.page_link(PAGES["questionnaire"], label="Go to the questionnaire", icon=":material/checklist:")
    finding_steps()
    st.stop()

# Grouped by phase; within a phase, in priority order.
# One build of the roadmap and one read of the register and log for everything below.
facts = roadmap_facts(db(), view)
planned = sorted(facts.planned, key=lambda p: (p.step.phase_index, p.step.order))
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

# Answers the organisation's register and log don't bear out: closing each gap comes first.
evidenced = facts.evidenced
if evidenced is not None and evidenced.claims:
    st.subheader("Steps to make the answers hold")
    st.caption(
        "Answers the service register and the exercise and incident log don't support, each with why. Close "
        "these gaps first: until then each practice counts at the level the facts support."
    )
    st.markdown("\n".join(f"{n}. {md(claim.closing_step)}" for n, claim in enumerate(evidenced.claims, 1)))


def what_if_section() -> None:
    """The smallest set of roadmap steps that raises the overall stage by one, or why there is none."""
    st.subheader("What raises the overall stage", anchor=False)
    found = facts.what_if
    if not found.steps:
        st.info(md(found.reason), icon=":material/info:")
        return
    st.caption(
        f"The overall stage is the weakest domain's, so it rises from {found.current} to {found.reached} only when "
        "every domain at its stage gets there. The fewest steps that do it (then the fewest effort points):"
    )
    st.markdown(
        "\n".join(
            f"{n}. {md(step.action)} ({md(step.question_id)} → level {step.to_level}, effort {md(step.effort)})"
            for n, step in enumerate(found.steps, 1)
        )
        + f"\n\n{len(found.steps)} step{'' if len(found.steps) == 1 else 's'}, {found.points} effort points."
    )


def money(value: float | None, case: BusinessCase) -> str:
    return "not summed" if value is None else money_text(value, case.currency)


def whole(value: float | None) -> float | None:
    """An amount in whole units for a table (None stays empty)."""
    return None if value is None else round(value)


def money_columns(case: BusinessCase, *names: str) -> dict[str, object]:
    """Money columns in whole units with thousands separators, the currency in the heading when there is one."""
    unit = f" ({case.currency})" if case.currency else ""
    return {name: st.column_config.NumberColumn(f"{name}{unit}", format="localized") for name in names}


def assumptions_form(case: BusinessCase) -> None:
    """Every assumption next to the figures, editable by those who may plan."""
    multiples = case.assumptions.rto_multiples
    with st.form("business-case-assumptions", border=True):
        st.markdown("**Assumptions**")
        disruptions = st.number_input(
            "Expected disruptions a year (per service)",
            min_value=0.0,
            value=float(case.assumptions.disruptions_per_year),
            step=0.5,
            disabled=not may_plan,
            key="bc-disruptions",
        )
        st.caption(
            "A service no recovery test measured is assumed to recover in its RTO times the multiple for its "
            "capability level (higher levels never slower):"
        )
        columns = st.columns(len(multiples))
        chosen = {
            level: column.number_input(
                f"Level {level}",
                min_value=0.0,
                value=float(multiple),
                step=0.25,
                disabled=not may_plan,
                key=f"bc-multiple-{level}",
            )
            for column, (level, multiple) in zip(columns, sorted(multiples.items()), strict=True)
        }
        if st.form_submit_button("Save assumptions", disabled=not may_plan):
            if not allowed(Action.PLAN, organisation_id=view.organisation.id):
                st.error("You may read this business case but not change it.", icon=":material/lock:")
            elif attempt(lambda: save_business_case_assumptions(db(), view, disruptions, chosen)) is not None:
                st.rerun()
    if not may_plan:
        st.caption("Only people who may plan this organisation's roadmap can change the assumptions.")


def business_case_section() -> None:
    """Exposure per service and domain, what each phase removes against its effort, and the assumptions."""
    st.subheader("Business case", anchor=False)
    case = facts.business_case
    if case is None:
        st.info(
            "No business case yet: the organisation's service register is empty. Add its services, with RTO and "
            "downtime cost per hour, on the Evidence page.",
            icon=":material/info:",
        )
        return
    st.caption(
        "Expected yearly downtime exposure of each service: downtime cost per hour × the hours its recovery "
        "exceeds its RTO × the expected disruptions a year. The recovery is the one its last test measured, "
        "else the one its answered capability implies. Illustrative: a planning figure, not a forecast."
    )
    if case.problem:
        st.warning(md(case.problem), icon=":material/warning:")
    else:
        st.markdown(
            f"**Exposure now: {money(case.total, case)} a year**; the roadmap is expected to remove "
            f"{money(case.removed, case)}."
        )
    rows = [
        {
            "Service": s.service,
            "Tier": s.tier,
            "RTO (h)": s.rto_hours,
            "Recovery (h)": s.recovery_hours,
            # The figures first, where a narrow screen shows them without scrolling; where they come from last.
            "Exposure a year": whole(s.exposure),
            "After the roadmap": whole(s.remaining),
            "Cost per hour": whole(s.cost_per_hour),
            **({} if case.currency else {"Currency": s.currency}),
            "From": s.source,
        }
        for s in case.services
    ]
    st.dataframe(
        pd.DataFrame(rows),
        hide_index=True,
        key="bc-services",
        column_config=money_columns(case, "Cost per hour", "Exposure a year", "After the roadmap"),
    )
    if case.not_costed:
        st.caption("Not costed (no downtime cost in the register): " + md(", ".join(case.not_costed)) + ".")
    if case.without_basis:
        st.caption(
            "No basis (no recovery test, no answered question that protects it): "
            + md(", ".join(case.without_basis))
            + "."
        )
    if not case.problem:
        left, right = st.columns([2, 3])
        left.markdown("**By domain** (where each service's capability is held down)")
        left.dataframe(
            pd.DataFrame(
                [{"Domain": d.name, "Services": d.services, "Exposure a year": whole(d.exposure)} for d in case.domains]
            ),
            hide_index=True,
            key="bc-domains",
            column_config=money_columns(case, "Exposure a year"),
        )
        right.markdown("**By phase**: exposure removed against effort")
        right.dataframe(
            pd.DataFrame(
                [
                    {
                        "Phase": p.name,
                        "Steps": p.steps,
                        "Effort points": p.points,
                        "Exposure removed": whole(p.removed),
                        "Per effort point": whole(p.removed_per_point),
                    }
                    for p in case.phases
                ]
            ),
            hide_index=True,
            key="bc-phases",
            column_config=money_columns(case, "Exposure removed", "Per effort point"),
        )
    assumptions_form(case)


if not planned:
    st.success("Every answered practice meets its domain's target: there is nothing to schedule.")
    st.page_link(PAGES["results"], label="Raise a target on the Results page", icon=":material/insights:")
    finding_steps()
    what_if_section()
    business_case_section()
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
            f"{load.points} of about {fit.can_hold} effort points (no capacity set: "
            f"{load.end_month - load.start_month} months at {points_a_month(fit.pace)} points a month, the pace of "
            "the phases that have one)"
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

what_if_section()
business_case_section()


def as_date(value: object) -> date | None:
    """A due date from the date input: a date, or None when it is empty."""
    return value if isinstance(value, date) else None


def _step_id(step: RoadmapStep) -> str:
    return f"{view.assessment.id}-{step.question_id}-{step.to_level}"


def widget_key(step: RoadmapStep, field: str) -> str:
    """A step's widget; its version changes when the page shows a value saved elsewhere (see sync_widgets)."""
    version = st.session_state.get(f"roadmap-version-{_step_id(step)}", 0)
    key = f"roadmap-{_step_id(step)}-{field}"
    return f"{key}-v{version}" if version else key


def stored_value(plan: PlannedStep, field: str) -> object:
    return {"owner": plan.owner, "due_date": plan.due_date, "status": plan.status}[field]


def sync_widgets(plan: PlannedStep) -> None:
    """Show what is stored: on first view, and for a field saved since (here or in another tab or by another person).

    A value saved elsewhere goes into new versions of the step's widgets rather than into the old ones, so
    a rerun the browser sent before it saw the value cannot write the old value back.
    """
    shown = st.session_state.setdefault(f"roadmap-shown-{view.assessment.id}", {})
    step = plan.step
    keys = {field: widget_key(step, field) for field in FIELDS}
    values = {field: stored_value(plan, field) for field in FIELDS}
    seen = {field: shown.get(f"{_step_id(step)}-{field}", NOT_SHOWN) for field in FIELDS}
    newer = [field for field in FIELDS if keys[field] in st.session_state and seen[field] != values[field]]
    if any(st.session_state[keys[field]] != values[field] for field in newer):
        version = f"roadmap-version-{_step_id(step)}"
        current = {field: st.session_state.get(keys[field]) for field in FIELDS}
        st.session_state[version] = st.session_state.get(version, 0) + 1
        keys = {field: widget_key(step, field) for field in FIELDS}
        for field in FIELDS:
            st.session_state[keys[field]] = values[field] if field in newer else current[field]
    for field in FIELDS:
        if keys[field] not in st.session_state:
            st.session_state[keys[field]] = values[field]
        shown[f"{_step_id(step)}-{field}"] = values[field]


def save_field(step: RoadmapStep, field: str) -> None:
    """Save the one field the user changed, so a field another person changed meanwhile is kept."""
    if not allowed(Action.PLAN, organisation_id=view.organisation.id):
        st.error("You may read this roadmap but not change it.", icon=":material/lock:")
        return
    value = st.session_state[widget_key(step, field)]
    if field == "owner":
        value = value or ""
    elif field == "due_date":
        value = as_date(value)
    attempt(
        lambda: save_roadmap_item(
            db(), questionnaire, view.assessment.id, step.question_id, step.to_level, **{field: value}
        )
    )


# A fragment: changing a step's owner, date or status reruns that card only, not the whole roadmap, whose
# dozens of cards would otherwise all be sent to the browser again for each edit.
@st.fragment
def step_card(number: int, plan: PlannedStep) -> None:
    """One step: its number in the phase and full action, where it comes from, and its owner, due date and status."""
    step = plan.step
    sync_widgets(plan)
    with st.container(border=True, key=f"step-{step.question_id}-{step.to_level}"):
        text, fields = st.columns([5, 6], vertical_alignment="center")
        text.markdown(f"**{number}.** {md(step.action)}")
        text.caption(
            f"{md(questionnaire.domain(step.domain_id).name)} · {md(step.question_id)} level "
            f"{md(level_label(questionnaire, step.from_level))} → {md(level_label(questionnaire, step.to_level))} · "
            f"effort {md(step.effort)}",
            help=f"The practice: {md(step.practice)}",
        )
        if services := protects.get(step.order):
            text.caption(f"Protects {md(listed(services))}")
        # A row that wraps: owner and due date side by side even on a phone, where the columns stack.
        row = fields.container(horizontal=True)
        row.text_input(
            "Owner",
            width="stretch",
            disabled=not may_plan,
            key=widget_key(step, "owner"),
            on_change=save_field,
            args=(step, "owner"),
        )
        row.date_input(
            "Due date",
            width=150,
            disabled=not may_plan,
            key=widget_key(step, "due_date"),
            format="YYYY-MM-DD",
            on_change=save_field,
            args=(step, "due_date"),
        )
        row.selectbox(
            "Status",
            ROADMAP_STATUSES,
            width=140,
            disabled=not may_plan,
            format_func=STATUS_WORDS.get,
            key=widget_key(step, "status"),
            on_change=save_field,
            args=(step, "status"),
        )


protects = facts.protects
st.caption("Owner, due date and status are saved as soon as you change them.")
for fit in fits:
    in_phase = [p for p in planned if p.step.phase_index == fit.load.index]
    if not in_phase:
        continue
    st.subheader(md(fit.load.name), anchor=False)
    for number, plan in enumerate(in_phase, start=1):
        step_card(number, plan)
finding_steps()
