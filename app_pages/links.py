"""Participant links: a link per respondent that opens this assessment's questionnaire and nothing else."""

from __future__ import annotations

from datetime import UTC, datetime

import pandas as pd
import streamlit as st

from access import Action
from access.links import create_participant_link, join_url, revoke_participant_link
from storage.links import list_links
from ui.access import allowed, current_actor
from ui.address import base_url
from ui.session import attempt, db, page_header, require_report
from ui.text import md

view = require_report()
page_header("Participant links", view)
organisation_id = view.organisation.id
if not allowed(Action.MANAGE_LINKS, organisation_id=organisation_id):
    st.error("You may not manage this organisation's participant links.", icon=":material/lock:")
    st.stop()

by = current_actor().label
st.caption(
    "A link lets one person answer this assessment as one respondent, on any device, without an account. It opens "
    "the questionnaire and nothing else, and stops working when it expires or is withdrawn. Only a fingerprint of "
    "the link is stored, so it is shown once: copy it when it is made."
)


made = st.session_state.pop(f"made-link-{view.assessment.id}", None)
if made is not None:
    name, url = made
    st.success(md(f"Link for {name}, shown only now: copy it and send it to them."), icon=":material/link:")
    st.code(url, language=None, wrap_lines=True)  # a phone shows the whole link

with st.form(f"new-link-{view.assessment.id}", border=True):
    st.markdown("**New link**")
    known = [r.name for r in view.respondents]
    name = st.text_input("Respondent (a name already listed answers as that respondent)", placeholder=", ".join(known))
    days = st.number_input("Valid for (days)", min_value=1, max_value=365, value=14, step=1)
    domains = st.multiselect(
        "Only these domains (none chosen: every domain)",
        [d.id for d in view.questionnaire.domains],
        format_func=lambda domain_id: view.questionnaire.domain(domain_id).name,
    )
    if st.form_submit_button("Create the link", type="primary"):
        created = attempt(
            lambda: create_participant_link(
                db(), view.assessment.id, name, days=int(days), domains=domains, created_by=by
            )
        )
        if created is not None:
            token, _link = created
            st.session_state[f"made-link-{view.assessment.id}"] = (name.strip(), join_url(base_url(), token))
            st.rerun()

links = list_links(db(), view.assessment.id)
names = {r.id: r.name for r in view.respondents}
now = datetime.now(UTC)


def status(revoked_at: datetime | None, expires_at: datetime) -> str:
    if revoked_at is not None:
        return f"withdrawn {revoked_at.astimezone():%d %b %Y}"
    return "expired" if expires_at <= now else "active"


st.markdown(f"**Links of this assessment** ({len(links)})")
st.dataframe(
    pd.DataFrame(
        [
            {
                "Link": link.id,
                "Respondent": names.get(link.respondent_id, str(link.respondent_id)),
                "Domains": ", ".join(link.domains) or "all",
                "Made by": link.created_by,
                "Expires": link.expires_at.astimezone().strftime("%Y-%m-%d %H:%M"),
                "Status": status(link.revoked_at, link.expires_at),
            }
            for link in links
        ],
        columns=["Link", "Respondent", "Domains", "Made by", "Expires", "Status"],
    ),
    hide_index=True,
)
active = [link for link in links if link.revoked_at is None and link.expires_at > now]
if active:
    with st.form(f"revoke-{view.assessment.id}", border=False):
        chosen = st.selectbox(
            "Withdraw a link",
            [link.id for link in active],
            format_func=lambda link_id: next(
                f"{link_id}: {names.get(link.respondent_id, '')}" for link in active if link.id == link_id
            ),
        )
        if st.form_submit_button("Withdraw") and attempt(lambda: revoke_participant_link(db(), chosen, by=by)):
            st.rerun()
