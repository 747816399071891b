"""Home: choose, create, rename or delete an organisation; start, resume, rename or delete its assessments."""

from __future__ import annotations

from collections.abc import Callable
from datetime import date

import streamlit as st

from access import Action
from demo.data import load_demo_data, remove_demo_data
from exports.report import AssessmentSummary, summaries
from questionnaires.catalog import available_questionnaires, catalogue_warnings, successor
from questionnaires.model import Questionnaire
from storage import (
    create_organisation,
    delete_assessment,
    delete_organisation,
    list_respondents,
    preview_assessment_deletion,
    preview_organisation_deletion,
    rename_assessment,
    rename_organisation,
    rename_respondent,
)
from storage.changes import Deletion, deletions_backed_up
from storage.choices import INDUSTRIES, REGIONS, SIZE_BANDS
from storage.records import Organisation
from storage.start import start_assessment
from ui.access import allowed, record
from ui.levels import level_label
from ui.session import attempt, db, go, organisation_label, recalled_int, remember, visible_organisation_list
from ui.text import md
from ui.upgrade import upgrade_form

# Wide enough that no real date is outside it: the range that applies is checked by the core, with a
# message, instead of the date picker silently keeping its old value.
PICKER_RANGE = (date(1900, 1, 1), date(2199, 12, 31))

# The respondent an assessment starts with when nobody types a name.
FIRST_RESPONDENT = "Respondent 1"
# Up to this many domains are named in the introduction; more are counted.
DOMAINS_NAMED = 6


def introduction(questionnaire: Questionnaire | None) -> str:
    """What the app does, in the words of the questionnaire in use (its title and domains) when there is one."""
    if questionnaire is None:
        return "Assess your organisation's maturity, see where you stand and get a prioritised roadmap."
    names = [domain.name for domain in questionnaire.domains]
    if len(names) == 1:
        scope = f"in {names[0]}"
    elif len(names) <= DOMAINS_NAMED:
        scope = f"across {', '.join(names[:-1])} and {names[-1]}"
    else:
        scope = f"across its {len(names)} domains"
    return (
        f"{questionnaire.title}: assess your organisation {scope}; see where you stand and get a prioritised roadmap."
    )


st.title("Maturity assessment")
# Filled in once the organisation in view, and so the questionnaire in use, is known.
intro = st.empty()

# A message from the action of the previous run (a deletion, the demo data), shown once.
flash = st.session_state.pop("home-flash", None)
if flash is not None:
    st.success(flash, icon=":material/check_circle:")

organisations = visible_organisation_list()
offered = available_questionnaires()
intro.caption(md(introduction(offered[0] if offered else None)))
for warning in catalogue_warnings():
    st.warning(md(warning), icon=":material/rule:")
if not offered:
    st.error(
        "No questionnaire could be loaded, so no assessment can be started; see the warnings above and check "
        "the folder named by ITSCM_QUESTIONNAIRES (python cli.py validate PATH lists every problem).",
        icon=":material/error:",
    )


def field_key(name: str) -> str:
    """A key for a field of the new-organisation form, new after each organisation created.

    Removing a field's value from the session does not empty it: the browser sends back what it shows.
    Fields under new keys start empty, while a refused form keeps what was typed.
    """
    round_number = st.session_state.get("new-org-round", 0)
    return name if not round_number else f"{name}-{round_number}"


def new_organisation_form(expanded: bool) -> None:
    # The form keeps what was typed when something is wrong (clear_on_submit would empty it).
    with (
        st.expander("New organisation", expanded=expanded, icon=":material/add_business:"),
        st.form("new-organisation", border=False),
    ):
        name = st.text_input("Name", key=field_key("new-org-name"))
        industry = st.selectbox(
            "Industry", INDUSTRIES, index=None, placeholder="Choose an industry", key=field_key("new-org-industry")
        )
        size_band = st.selectbox(
            "Size", SIZE_BANDS, index=None, placeholder="Choose a size band", key=field_key("new-org-size")
        )
        region = st.selectbox(
            "Region", REGIONS, index=None, placeholder="Choose a region", key=field_key("new-org-region")
        )
        if st.form_submit_button("Create organisation", type="primary"):
            missing = [
                label for label, value in (("industry", industry), ("size", size_band), ("region", region)) if not value
            ]
            if missing:
                st.error(f"Choose the {', '.join(missing)} of the organisation.")
                return
            created = attempt(lambda: create_organisation(db(), name, industry, size_band, region))
            if created is not None:
                st.session_state["new-org-round"] = st.session_state.get("new-org-round", 0) + 1
                remember("organisation", created.id)
                remember("assessment", None)
                st.rerun()


def demo_controls() -> None:
    """Load or remove the illustrative demo data, at any time."""
    if not allowed(Action.DEMO):
        return
    has_demo = any(o.illustrative for o in organisations)
    with st.expander("Illustrative demo data", icon=":material/science:"):
        st.caption(
            "Eight fictional organisations with three yearly assessments each, to explore every page. They are "
            "marked illustrative everywhere and are never counted as peers of a real organisation."
        )
        if not has_demo:
            if st.button(
                "Load illustrative demo data", icon=":material/science:", disabled=not available_questionnaires()
            ):
                questionnaire = available_questionnaires()[0]
                with st.spinner("Loading demo data..."):
                    summary = attempt(lambda: load_demo_data(db(), questionnaire, later=successor(questionnaire)))
                if summary is not None:
                    record("loaded the demo data")
                    st.session_state["home-flash"] = "Illustrative demo data loaded."
                    st.rerun()
        elif st.button("Remove the demo data", icon=":material/delete_sweep:"):
            removal = attempt(lambda: remove_demo_data(db()))
            if removal is not None:
                record("removed the demo data", None, removal.describe())
                remember("organisation", None)
                remember("assessment", None)
                st.session_state["home-flash"] = md(removal.describe())
                st.rerun()


def confirm_deletion(
    what: str, preview_text: str, key: str, delete: Callable[[], Deletion | None], organisation_id: int
) -> None:
    """Name what goes, ask for a tick, delete (with a backup first where the database is a file), say how to undo it."""
    if deletions_backed_up(db()):
        undo = "A backup of the whole database is taken first, so a restore on the Data page can bring it back."
    else:
        # PostgreSQL: the app takes no copy of its own; the server's backups (pg_dump) are the way back.
        undo = (
            "The database is on a PostgreSQL server, so the app takes no backup of its own: only the server's "
            "backups (pg_dump) can bring it back. To keep a copy, export each assessment as JSON on the Data page "
            "first (it can be imported again)."
        )
    st.warning(f"Deleting {what} removes {preview_text}. {undo}", icon=":material/warning:")
    sure = st.checkbox(f"Yes, delete {what}", key=f"{key}-sure")
    if st.button("Delete", key=f"{key}-delete", type="primary", disabled=not sure, icon=":material/delete:"):
        outcome = delete()
        if outcome is not None:
            record(f"deleted {what}", organisation_id, outcome.removed.describe())
            remember("assessment", None)
            kept = f" The database as it was is kept at {outcome.backup}." if outcome.backup else ""
            st.session_state["home-flash"] = md(f"Deleted {what}.{kept}")
            st.rerun()


def manage_organisation(organisation: Organisation) -> None:
    with st.popover("Rename or delete", icon=":material/settings:"):
        with st.form(f"rename-org-{organisation.id}", border=False):
            name = st.text_input("New name", value=organisation.name, key=f"rename-org-name-{organisation.id}")
            if st.form_submit_button("Rename") and attempt(lambda: rename_organisation(db(), organisation.id, name)):
                st.rerun()
        st.divider()
        preview = preview_organisation_deletion(db(), organisation.id)
        confirm_deletion(
            f"the organisation {md(organisation.name)}",
            preview.describe(),
            f"delete-org-{organisation.id}",
            lambda: attempt(lambda: delete_organisation(db(), organisation.id)),
            organisation.id,
        )


def manage_assessment(row: AssessmentSummary) -> None:
    a = row.assessment
    with st.popover("", icon=":material/more_vert:", help="Rename, respondents, delete"):
        with st.form(f"rename-assessment-{a.id}", border=False):
            label = st.text_input("New label", value=a.label, key=f"rename-assessment-label-{a.id}")
            if st.form_submit_button("Rename") and attempt(lambda: rename_assessment(db(), a.id, label)):
                st.rerun()
        respondents = list_respondents(db(), a.id)
        if respondents:
            st.markdown("**Respondents**")
        for person in respondents:
            with st.form(f"rename-respondent-{person.id}", border=False):
                name = st.text_input(
                    "Respondent", value=person.name, key=f"rename-respondent-{person.id}", label_visibility="collapsed"
                )
                if st.form_submit_button("Rename respondent") and attempt(
                    lambda p=person.id, n=name: rename_respondent(db(), p, n)
                ):
                    st.rerun()
        upgrade_form(a)
        st.divider()
        confirm_deletion(
            f"the assessment {md(a.label)}",
            preview_assessment_deletion(db(), a.id).describe(),
            f"delete-assessment-{a.id}",
            lambda: attempt(lambda: delete_assessment(db(), a.id)),
            a.organisation_id,
        )


may_create = allowed(Action.CREATE_ORGANISATION)
if not organisations:
    if may_create:
        st.info(
            "No organisation yet. Create yours below to start a self-assessment, or load illustrative demo data "
            "(fictional organisations with three yearly assessments each) to explore every page first.",
            icon=":material/waving_hand:",
        )
        new_organisation_form(expanded=True)
    else:
        st.info(
            "No organisation is assigned to you yet. Ask an administrator to assign the organisations you work on.",
            icon=":material/info:",
        )
    demo_controls()
    st.stop()

by_id = {o.id: o for o in organisations}
chosen_id = recalled_int("organisation")
if chosen_id not in by_id:
    chosen_id = organisations[0].id

left, middle, right = st.columns([3, 2, 1.3], vertical_alignment="bottom")
with left:
    chosen_id = st.selectbox(
        "Organisation",
        list(by_id),
        index=list(by_id).index(chosen_id),
        format_func=lambda oid: organisation_label(by_id[oid]),
    )
if chosen_id != recalled_int("organisation"):
    # Another organisation: the assessment in view is its latest one from now on (see ui.session).
    remember("assessment", None)
remember("organisation", chosen_id)
organisation = by_id[chosen_id]
with middle:
    st.caption(md(f"{organisation.industry} · {organisation.size_band} · {organisation.region}"))
may_manage = allowed(Action.MANAGE_ASSESSMENTS, organisation_id=organisation.id)
may_answer = allowed(Action.ANSWER, organisation_id=organisation.id)
if allowed(Action.MANAGE_ORGANISATION, organisation_id=organisation.id):
    with right:
        manage_organisation(organisation)
if may_create:
    new_organisation_form(expanded=False)
if organisation.illustrative:
    st.info("Illustrative demo data: a fictional organisation, not a real assessment.", icon=":material/science:")

st.subheader(f"Assessments of {md(organisation.name)}", anchor=False)
rows = summaries(db(), organisation.id)
loaded = [row for row in rows if row.questionnaire is not None]
if loaded:
    # The organisation's latest assessment says which questionnaire it works with.
    latest = max(loaded, key=lambda row: (row.assessment.assessment_date, row.assessment.id))
    intro.caption(md(introduction(latest.questionnaire)))
if not rows:
    st.info(
        "No assessment yet for this organisation." + (" Start one below." if may_manage else ""),
        icon=":material/arrow_downward:" if may_manage else ":material/info:",
    )
for row in rows:
    a = row.assessment
    with st.container(border=True):
        cols = st.columns([1.4, 2.2, 2, 1.6, 2.8], vertical_alignment="center")
        cols[0].markdown(f"**{md(a.label)}**  \n{a.assessment_date:%d %b %Y}")
        status = "Completed" if a.status == "completed" else "In progress"
        if row.questionnaire is None:
            cols[1].markdown(f"{md(a.questionnaire_id)} {md(a.questionnaire_version)}  \n{status}")
            cols[2].error(md(row.problem or "Its questionnaire cannot be loaded."), icon=":material/error:")
        else:
            cols[1].markdown(f"{md(row.questionnaire.title)}  \n{status}")
            cols[2].progress(row.completeness, text=f"{row.completeness:.0%} answered")
            stage = row.overall_stage
            cols[3].markdown(
                f"Stage **{md(level_label(row.questionnaire, stage))}**" if stage is not None else "Stage –",
                help="Overall stage: the lowest domain stage"
                if stage is not None
                else "Not every domain has answers yet",
            )
        with cols[4].container(horizontal=True, horizontal_alignment="right"):
            if may_answer and st.button("Answer", key=f"answer-{a.id}", icon=":material/edit:"):
                go("questionnaire", assessment=a.id, organisation=organisation.id)
            if st.button("Results", key=f"results-{a.id}", icon=":material/insights:"):
                go("results", assessment=a.id, organisation=organisation.id)
            if may_manage:
                manage_assessment(row)

if not may_manage:
    demo_controls()
    st.stop()

with st.expander("New assessment", expanded=not rows, icon=":material/add_task:"):
    # The newest version of each questionnaire first: a new assessment should not start on a superseded one.
    questionnaires = sorted(available_questionnaires(), key=lambda q: successor(q) is not None)
    with st.form("new-assessment", border=False):
        choice = st.selectbox(
            "Questionnaire",
            range(len(questionnaires)),
            format_func=lambda i: f"{questionnaires[i].title} ({questionnaires[i].version})",
        )
        label = st.text_input("Label", value=f"FY{date.today().year}", help="For example FY2026 or Q3 2026")
        day = st.date_input(
            "Assessment date",
            value=date.today(),
            min_value=PICKER_RANGE[0],
            max_value=PICKER_RANGE[1],
            format="YYYY-MM-DD",
        )
        respondent = st.text_input("Your name or role", value=FIRST_RESPONDENT)
        if st.form_submit_button("Start assessment", type="primary"):
            started = attempt(
                lambda: start_assessment(
                    db(),
                    organisation.id,
                    questionnaires[choice],
                    label,
                    day,
                    respondent.strip() or FIRST_RESPONDENT,
                )
            )
            if started is not None:
                go("questionnaire", assessment=started[0].id, organisation=organisation.id)

demo_controls()
