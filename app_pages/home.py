"""Home: choose or create an organisation, then start or resume one of its assessments."""

from __future__ import annotations

from datetime import date

import streamlit as st

from demo.data import load_demo_data
from exports.report import summaries
from questionnaires.catalog import available_questionnaires
from storage import create_assessment, create_organisation, get_or_create_respondent, list_organisations
from storage.choices import INDUSTRIES, REGIONS, SIZE_BANDS
from ui.levels import level_label
from ui.session import attempt, db, go, organisation_label, recalled_int, remember
from ui.text import md

st.title("IT service continuity maturity")
st.caption(
    "Assess your organisation's IT service continuity across risk, business impact analysis, recovery, "
    "testing and governance; see where you stand and get a prioritised roadmap."
)

organisations = list_organisations(db())


def new_organisation_form(expanded: bool) -> None:
    with (
        st.expander("New organisation", expanded=expanded, icon=":material/add_business:"),
        st.form("new-organisation", clear_on_submit=True, border=False),
    ):
        name = st.text_input("Name", max_chars=200)
        industry = st.selectbox("Industry", INDUSTRIES, index=None, placeholder="Choose an industry")
        size_band = st.selectbox("Size", SIZE_BANDS, index=None, placeholder="Choose a size band")
        region = st.selectbox("Region", REGIONS, index=None, placeholder="Choose a region")
        if st.form_submit_button("Create organisation", type="primary"):
            missing = [
                label for label, value in (("industry", industry), ("size", size_band), ("region", region)) if not value
            ]
            if missing:
                st.error(f"Choose the {', '.join(missing)} of the organisation.")
                return
            created = attempt(lambda: create_organisation(db(), name, industry, size_band, region))
            if created is not None:
                remember("organisation", created.id)
                remember("assessment", None)
                st.rerun()


if not organisations:
    st.info(
        "No organisation yet. Create yours below to start a self-assessment, or load illustrative demo data "
        "(fictional organisations with three yearly assessments each) to explore every page first.",
        icon=":material/waving_hand:",
    )
    if st.button("Load illustrative demo data", icon=":material/science:"):
        questionnaire = available_questionnaires()[0]
        with st.spinner("Loading demo data..."):
            summary = attempt(lambda: load_demo_data(db(), questionnaire))
        if summary is not None:
            st.rerun()
    new_organisation_form(expanded=True)
    st.stop()

by_id = {o.id: o for o in organisations}
chosen_id = recalled_int("organisation")
if chosen_id not in by_id:
    chosen_id = organisations[0].id

left, right = st.columns([2, 1], vertical_alignment="bottom")
with left:
    chosen_id = st.selectbox(
        "Organisation",
        list(by_id),
        index=list(by_id).index(chosen_id),
        format_func=lambda oid: organisation_label(by_id[oid]),
    )
remember("organisation", chosen_id)
organisation = by_id[chosen_id]
with right:
    st.caption(md(f"{organisation.industry} · {organisation.size_band} · {organisation.region}"))
new_organisation_form(expanded=False)
if organisation.illustrative:
    st.info("Illustrative demo data: a fictional organisation, not a real assessment.", icon=":material/science:")

st.subheader("Assessments")
rows = summaries(db(), organisation.id)
if not rows:
    st.info("No assessment yet for this organisation. Start one below.", icon=":material/arrow_downward:")
for row in rows:
    a = row.assessment
    with st.container(border=True):
        cols = st.columns([1.4, 2.2, 2, 1.6, 2.4], vertical_alignment="center")
        cols[0].markdown(f"**{md(a.label)}**  \n{a.assessment_date:%d %b %Y}")
        cols[1].markdown(
            f"{md(row.questionnaire.title)}  \n{'Completed' if a.status == 'completed' else 'In progress'}"
        )
        cols[2].progress(row.completeness, text=f"{row.completeness:.0%} answered")
        stage = row.overall_stage
        cols[3].markdown(
            f"Stage **{md(level_label(row.questionnaire, stage))}**" if stage is not None else "Stage –",
            help="Overall stage: the lowest domain stage" if stage is not None else "Not every domain has answers yet",
        )
        with cols[4].container(horizontal=True, horizontal_alignment="right"):
            if st.button("Answer", key=f"answer-{a.id}", icon=":material/edit:"):
                go("questionnaire", assessment=a.id, organisation=organisation.id)
            if st.button("Results", key=f"results-{a.id}", icon=":material/insights:"):
                go("results", assessment=a.id, organisation=organisation.id)

with st.expander("New assessment", expanded=not rows, icon=":material/add_task:"):
    questionnaires = available_questionnaires()
    with st.form("new-assessment", border=False):
        choice = st.selectbox(
            "Questionnaire",
            range(len(questionnaires)),
            format_func=lambda i: f"{questionnaires[i].title} ({questionnaires[i].version})",
        )
        label = st.text_input(
            "Label", value=f"FY{date.today().year}", max_chars=50, help="For example FY2026 or Q3 2026"
        )
        day = st.date_input("Assessment date", value=date.today(), format="YYYY-MM-DD")
        respondent = st.text_input("Your name or role", value="Continuity manager", max_chars=100)
        if st.form_submit_button("Start assessment", type="primary"):
            assessment = attempt(lambda: create_assessment(db(), organisation.id, questionnaires[choice], label, day))
            if assessment is not None:
                who = respondent.strip() or "Continuity manager"
                if attempt(lambda: get_or_create_respondent(db(), assessment.id, who)) is not None:
                    go("questionnaire", assessment=assessment.id, organisation=organisation.id)
