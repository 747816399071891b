"""Trends: an organisation's assessments over time, what changed since the previous one, and any two side by side."""

from __future__ import annotations

import pandas as pd
import streamlit as st

from access import Action
from exports.report import AssessmentReport, compare_reports, organisation_history
from scoring import Comparison, PracticeChange
from scoring.comparison import Direction
from ui.access import allowed
from ui.charts import trend_panels
from ui.downloads import report_buttons, workbook_button
from ui.levels import level_label, style_levels
from ui.session import PAGES, attempt, db, page_header, require_report
from ui.text import md

DIRECTION_WORDS: dict[Direction, str] = {
    "improved": "↑ improved",
    "declined": "↓ declined",
    "unchanged": "= unchanged",
    "not comparable": "not comparable",
    "new": "new",
    "dropped": "dropped",
}
SHOWN_BY_DEFAULT: tuple[Direction, ...] = ("improved", "declined")

view = require_report()
page_header("Trends", view)
if not allowed(Action.VIEW, organisation_id=view.organisation.id):
    st.error("You may not see this organisation's trends.", icon=":material/lock:")
    st.stop()
# As on Results and Roadmap: the report's two buttons keep a row of their own, so a phone shows their labels whole.
workbook_button(view, key="trends-workbook")
report_buttons(view, key="trends-report")

questionnaire = view.questionnaire
history = attempt(lambda: organisation_history(db(), view.organisation.id, questionnaire.id))
if history is None:
    st.stop()
for problem in history.skipped:
    st.warning(f"Left out of the trends: {md(problem)}", icon=":material/warning:")


def answer_text(report: AssessmentReport, level: int | None, na: bool) -> str:
    """A practice's answer as a table shows it: its level and name, N/A, or a dash when there is none."""
    if na:
        return "N/A"
    return "–" if level is None else level_label(report.questionnaire, level)


def named(report: AssessmentReport) -> str:
    """An assessment as the page names it: its label and date."""
    return f"{report.assessment.label} ({report.assessment.assessment_date:%d %b %Y})"


reports = {r.assessment.id: r for r in history.reports}
if len(reports) < 2:
    # The assessment in view is always among them: its questionnaire loaded.
    st.info(
        f"Trends need two or more assessments of {md(view.organisation.name)} on {md(questionnaire.title)}; so far "
        f"there is one, {md(named(view))}. When the next one is due (for example a year on), start it on the Home "
        "page: this page then shows scores and stages by period, what changed per domain and practice, and the "
        "roadmap steps completed.",
        icon=":material/info:",
    )
    st.page_link(PAGES["home"], label="Start the next assessment on the Home page", icon=":material/home:")
    st.stop()


# Domain names of every version, the newest name winning.
domain_names = {d.id: d.name for r in history.reports for d in r.questionnaire.domains}
compared: dict[tuple[int, int], Comparison] = {}


def comparison_of(earlier: AssessmentReport, later: AssessmentReport) -> Comparison | None:
    """The comparison of two assessments, computed once per run."""
    pair = (earlier.assessment.id, later.assessment.id)
    if pair not in compared:
        found = attempt(lambda: compare_reports(db(), earlier, later))
        if found is None:
            return None
        compared[pair] = found
    return compared[pair]


def domain_table(comparison: Comparison, earlier: AssessmentReport, later: AssessmentReport, *, key: str) -> None:
    """Overall and per domain: both scores, stages and targets, the change, which way, and how many practices moved."""
    a, b = earlier.assessment.label, later.assessment.label
    targets = [{d.domain_id: d.target for d in r.score.domains} for r in (earlier, later)]
    frame = pd.DataFrame(
        [
            {
                "Domain": change.name,
                f"Score {a}": None if change.earlier is None else change.earlier.score,
                f"Score {b}": None if change.later is None else change.later.score,
                "Score change": None if change.score_change is None else round(change.score_change, 2),
                f"Stage {a}": None if change.earlier is None else change.earlier.stage,
                f"Stage {b}": None if change.later is None else change.later.stage,
                f"Target {a}": targets[0].get(change.domain_id),
                f"Target {b}": targets[1].get(change.domain_id),
                "Direction": DIRECTION_WORDS[change.direction],
                "Practices improved": change.improved,
                "Practices declined": change.declined,
                "Practices unchanged": change.unchanged,
            }
            for change in (comparison.overall, *comparison.domains)
        ]
    )
    levels = [f"{what} {label}" for what in ("Score", "Stage", "Target") for label in (a, b)]
    st.dataframe(
        style_levels(frame, levels, questionnaire.level_numbers),
        hide_index=True,
        column_config={
            "Score change": st.column_config.NumberColumn(format="%+.2f"),
            "Direction": st.column_config.TextColumn(
                help="By score; with scores level, by stage. Not comparable when a side has no score."
            ),
        },
        key=key,
    )


def practice_table(
    comparison: Comparison, earlier: AssessmentReport, later: AssessmentReport, *, key: str
) -> list[PracticeChange]:
    """The practices, filtered by direction (improved and declined first shown), with the statements that changed."""
    counts = {d: sum(1 for p in comparison.practices if p.direction == d) for d in DIRECTION_WORDS}
    offered = [d for d in DIRECTION_WORDS if counts[d]]
    if key not in st.session_state:
        st.session_state[key] = [d for d in SHOWN_BY_DEFAULT if d in offered]
    shown = st.multiselect(
        "Show practices that",
        offered,
        key=key,
        format_func=lambda d: f"{DIRECTION_WORDS[d]} ({counts[d]})",
    )
    rows = [p for p in comparison.practices if p.direction in shown]
    if not rows:
        st.caption("No practice to show: choose which kinds of change to list above.")
        return rows
    a, b = earlier.assessment.label, later.assessment.label
    frame = pd.DataFrame(
        [
            {
                "Practice": p.question_id + (f" (replaces {', '.join(p.replaces)})" if p.replaces else ""),
                "Domain": domain_names.get(p.domain_id, p.domain_id),
                "Question": p.practice,
                a: answer_text(earlier, p.earlier_level, p.earlier_na),
                b: answer_text(later, p.later_level, p.later_na),
                "Direction": DIRECTION_WORDS[p.direction],
                f"What {a}'s level says": p.earlier_statement or "",
                f"What {b}'s level says": p.later_statement or "",
            }
            for p in rows
        ]
    )
    st.dataframe(
        frame,
        hide_index=True,
        column_config={
            "Question": st.column_config.TextColumn(width="medium"),
            f"What {a}'s level says": st.column_config.TextColumn(width="large"),
            f"What {b}'s level says": st.column_config.TextColumn(width="large"),
        },
        key=f"{key}-table",
    )
    return rows


def completed_table(comparison: Comparison, earlier: AssessmentReport, later: AssessmentReport) -> None:
    """The roadmap steps completed between the two assessments, and how that is known."""
    a, b = earlier.assessment.label, later.assessment.label
    if not comparison.completed:
        st.caption(
            f"No roadmap step was completed between {md(a)} and {md(b)}: none of {md(a)}'s steps was reached in "
            f"{md(b)}, and none is marked done."
        )
        return

    def how(marked: bool, reached: bool) -> str:
        return ", ".join(word for word, yes in (("marked done", marked), ("level reached", reached)) if yes)

    st.dataframe(
        pd.DataFrame(
            [
                {
                    "Practice": c.question_id,
                    "Domain": domain_names.get(c.domain_id, c.domain_id),
                    "Step": f"to {level_label(later.questionnaire, c.to_level)}",
                    f"Level {a} → {b}": f"{answer_text(earlier, c.earlier_level, False)} → "
                    f"{answer_text(later, c.later_level, False)}",
                    "How we know": how(c.marked_done, c.reached),
                    "Action": c.action,
                }
                for c in comparison.completed
            ]
        ),
        hide_index=True,
        column_config={"Action": st.column_config.TextColumn(width="large")},
    )


# --- Scores, stages and targets by period ---

st.subheader("Scores and stages by period", anchor=False)
st.caption(
    "Per assessment: each domain's score (line), stage (dotted, squares) and target (dashed); the overall stage is "
    + (
        "the lowest domain stage."
        if questionnaire.scoring.overall_stage == "lowest_domain"
        else "the overall score rounded down."
    )
    + " Levels: "
    + ", ".join(md(level_label(questionnaire, level)) for level in questionnaire.level_numbers)
    + "."
)
st.plotly_chart(
    trend_panels(history.domains, history.targets, questionnaire), key="trend-panels", config={"displaylogo": False}
)
by_period = pd.DataFrame(
    [
        {
            "Assessment": r.assessment.label,
            "Date": r.assessment.assessment_date,
            "Version": r.questionnaire.version,
            "Overall": "–" if r.score.overall.score is None else f"{r.score.overall.score:.2f}",
            "Overall stage": r.score.overall.stage,
            **{
                domain_names[d.domain_id]: "–"
                if d.score is None
                else f"{d.score:.2f} · stage {'–' if d.stage is None else d.stage}"
                for d in r.score.domains
            },
            "Answered": f"{r.score.overall.completeness:.0%}"
            + (" (provisional)" if r.score.overall.provisional else ""),
        }
        for r in history.reports
    ]
)
st.dataframe(by_period, hide_index=True, key="trend-by-period")

# --- Changes since the previous assessment ---

later = reports[view.assessment.id]
earlier = history.previous(view.assessment.id)
if earlier is None:
    st.subheader("Changes", anchor=False)
    st.info(
        f"{md(later.assessment.label)} is the first assessment, so there is nothing before it to compare with. "
        "Choose a later one in the header above, or compare any two below.",
        icon=":material/info:",
    )
else:
    st.subheader(f"Changes since {md(earlier.assessment.label)}", anchor=False)
    changes = comparison_of(earlier, later)
    if changes is not None:
        st.caption(
            f"{md(named(later))} against the assessment before it, {md(named(earlier))}: by domain and by practice "
            "(stable question id). A practice answered N/A or not answered on either side is not comparable."
        )
        provisional = [r.assessment.label for r in (earlier, later) if r.score.overall.provisional]
        if provisional:
            st.warning(
                f"Provisional: {md(' and '.join(provisional))} {'is' if len(provisional) == 1 else 'are'} not fully "
                "answered yet, so these changes can still move.",
                icon=":material/hourglass_top:",
            )
        if earlier.questionnaire.version != later.questionnaire.version:
            st.caption(
                f"{md(earlier.assessment.label)} used version {md(earlier.questionnaire.version)} and "
                f"{md(later.assessment.label)} version {md(later.questionnaire.version)}: questions in one of them "
                "only are new or dropped (listed below)."
            )
        domain_table(changes, earlier, later, key="trends-changes-domains")
        st.markdown("**Practices**")
        practice_table(changes, earlier, later, key=f"trends-practices-{earlier.assessment.id}-{later.assessment.id}")
        st.markdown(f"**Roadmap steps completed since {md(earlier.assessment.label)}**")
        st.caption(
            f"Steps of {md(earlier.assessment.label)}'s roadmap whose practice reached the step's level in "
            f"{md(later.assessment.label)}, and steps marked done on either roadmap."
        )
        completed_table(changes, earlier, later)

# --- Any two side by side ---

st.subheader("Side by side", anchor=False)
ids = list(reports)
pick_key = f"trends-pick-{view.organisation.id}-{questionnaire.id}"
# At first the whole span: the first assessment and the one in view (the latest when the first is in view).
defaults = (ids[0], later.assessment.id if later.assessment.id != ids[0] else ids[-1])
for side, default in zip(("left", "right"), defaults, strict=True):
    if st.session_state.get(f"{pick_key}-{side}") not in ids:
        st.session_state[f"{pick_key}-{side}"] = default
left_pick, right_pick = st.columns(2)
left_id = left_pick.selectbox("Compare", ids, key=f"{pick_key}-left", format_func=lambda aid: named(reports[aid]))
right_id = right_pick.selectbox("with", ids, key=f"{pick_key}-right", format_func=lambda aid: named(reports[aid]))
if left_id == right_id:
    st.info("Choose two different assessments to compare.", icon=":material/info:")
else:
    first, second = sorted((reports[left_id], reports[right_id]), key=lambda r: ids.index(r.assessment.id))
    pair = comparison_of(first, second)
    if pair is not None:
        domain_table(pair, first, second, key="trends-side-domains")
        a, b = first.assessment.label, second.assessment.label
        with st.expander(f"Practices: {md(b)} against {md(a)}", icon=":material/compare_arrows:"):
            practice_table(
                pair, first, second, key=f"trends-side-practices-{first.assessment.id}-{second.assessment.id}"
            )

# --- Questions of one version only ---

if history.version_only:
    st.subheader("Questions in one version only", anchor=False)
    used: dict[str, list[str]] = {}
    for r in history.reports:
        used.setdefault(r.questionnaire.version, []).append(r.assessment.label)
    st.caption(
        "These assessments use more than one version of the questionnaire ("
        + "; ".join(f"{md(version)}: {md(', '.join(labels))}" for version, labels in used.items())
        + "). Trends follow domains and stable question ids across versions; the questions below are in some "
        "versions only, so they have no change to show."
    )
    st.dataframe(
        pd.DataFrame(
            [
                {
                    "Question": q.question_id,
                    "Domain": domain_names.get(q.domain_id, q.domain_id),
                    "Text": q.text,
                    "Found in version": ", ".join(q.versions),
                }
                for q in history.version_only
            ]
        ),
        hide_index=True,
        column_config={"Text": st.column_config.TextColumn(width="large")},
        key="trend-version-only",
    )
