"""The control that copies an assessment onto the next version of its questionnaire (in the assessment's menu)."""

from __future__ import annotations

import streamlit as st

from questionnaires.catalog import UnknownQuestionnaire, get_questionnaire, successor
from storage import upgrade_assessment
from storage.records import Assessment
from storage.upgrade import upgraded_label
from ui.access import record
from ui.database import db
from ui.session import attempt, remember
from ui.text import md


def upgrade_form(assessment: Assessment) -> None:
    """Offer a copy of the assessment on the next questionnaire version, when one is installed."""
    try:
        earlier = get_questionnaire(assessment.questionnaire_id, assessment.questionnaire_version)
    except UnknownQuestionnaire:
        return
    later = successor(earlier)
    if later is None:
        return
    st.divider()
    st.markdown(f"**Move to version {md(later.version)}**")
    st.caption(
        f"Makes a new assessment on {md(later.title)} {md(later.version)} with the answers, agreed levels, "
        f"targets and roadmap steps of the questions it keeps; new and merged questions are left to answer. "
        "Roadmap steps made from findings of the exercise and incident log move to the new assessment with their "
        f"owner, due date and status (a finding is a step of one roadmap only); otherwise {md(assessment.label)} "
        "stays as it is (delete it once you no longer need it)."
    )
    with st.form(f"upgrade-{assessment.id}", border=False):
        label = st.text_input(
            "Label of the new assessment",
            value=upgraded_label(assessment.label, later.version),
            key=f"upgrade-label-{assessment.id}",
        )
        if st.form_submit_button(f"Copy onto {later.version}", icon=":material/upgrade:"):
            done = attempt(lambda: upgrade_assessment(db(), assessment.id, earlier, later, label))
            if done is not None:
                record(
                    f"copied the assessment {assessment.label} onto version {later.version}",
                    assessment.organisation_id,
                    done.describe(),
                )
                remember("assessment", done.assessment.id)
                st.session_state["home-flash"] = md(done.describe())
                st.rerun()
