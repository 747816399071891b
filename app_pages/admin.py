"""Admin: who may sign in, with which role and organisations, and the audit log of what was done."""

from __future__ import annotations

import pandas as pd
import streamlit as st

from access import Action
from access.actors import ROLE_DESCRIPTIONS, ROLES
from access.identity import add_member, change_active, change_organisations, change_role
from storage import list_organisations
from storage.audit import list_audit
from storage.users import list_users
from ui.access import allowed, current_actor
from ui.session import attempt, db, organisation_label
from ui.text import md

st.title("Admin", anchor=False)
if not allowed(Action.ADMINISTER):
    st.error("Only administrators may open this page.", icon=":material/lock:")
    st.stop()

by = current_actor().label
organisations = {o.id: o for o in list_organisations(db())}


def names(ids: frozenset[int]) -> str:
    return ", ".join(organisation_label(organisations[i]) for i in sorted(ids) if i in organisations) or "–"


users_tab, audit_tab = st.tabs(["Users and roles", "Audit log"])

with users_tab:
    st.caption(
        "Roles: "
        + "; ".join(f"**{role}**: {description}" for role, description in ROLE_DESCRIPTIONS.items())
        + ". People sign in with the identity provider; here they get a role. The first administrators come from "
        "`[access] administrators` in the secrets."
    )
    users = list_users(db())
    st.dataframe(
        pd.DataFrame(
            [
                {
                    "E-mail": user.email,
                    "Role": user.role,
                    "Organisations": "all" if user.role == "administrator" else names(user.organisations),
                    "Active": "yes" if user.active else "no",
                }
                for user in users
            ],
            columns=["E-mail", "Role", "Organisations", "Active"],
        ),
        hide_index=True,
    )

    # The fields' keys carry a count of the people added: after an addition the form starts empty (a widget
    # whose key is only removed from the session gets the browser's value back), after a refusal it keeps
    # what was typed.
    added = st.session_state.get("add-user-count", 0)
    with (
        st.expander("Add a person", icon=":material/person_add:", expanded=not users),
        st.form("add-user", border=False),
    ):
        email = st.text_input("E-mail address (as the identity provider gives it)", key=f"add-user-email-{added}")
        role = st.selectbox("Role", ROLES, index=1, key=f"add-user-role-{added}")
        chosen = st.multiselect(
            "Organisations (consultants and viewers only)",
            list(organisations),
            format_func=lambda oid: organisation_label(organisations[oid]),
            key=f"add-user-orgs-{added}",
        )
        if st.form_submit_button("Add", type="primary") and attempt(
            lambda: add_member(db(), email, role, chosen, by=by)
        ):
            st.session_state["add-user-count"] = added + 1
            st.rerun()

    if users:
        st.markdown("**Change a person's role, organisations or access**")
        people = {user.id: user for user in users}
        picked = st.selectbox("Person", list(people), format_func=lambda uid: people[uid].email, key="edit-user")
        user = people[picked]
        with st.form(f"edit-user-{user.id}", border=False):
            new_role = st.selectbox("Role", ROLES, index=ROLES.index(user.role))
            new_orgs = st.multiselect(
                "Organisations",
                list(organisations),
                default=[i for i in user.organisations if i in organisations],
                format_func=lambda oid: organisation_label(organisations[oid]),
            )
            active = st.checkbox("May sign in", value=user.active)
            if st.form_submit_button("Save changes", type="primary"):
                changes = []
                if new_role != user.role:
                    changes.append(lambda: change_role(db(), user.id, new_role, by=by))
                if frozenset(new_orgs) != user.organisations:
                    changes.append(lambda: change_organisations(db(), user.id, new_orgs, by=by))
                if active != user.active:
                    changes.append(lambda: change_active(db(), user.id, active, by=by))
                if all(attempt(change) is not None for change in changes):
                    st.rerun()

with audit_tab:
    st.caption("Every sign-in, link, role change, export, import, restore and deletion; the log cannot be edited.")
    only = st.selectbox(
        "Organisation",
        [None, *organisations],
        format_func=lambda oid: "all" if oid is None else organisation_label(organisations[oid]),
        key="audit-organisation",
    )
    entries = list_audit(db(), limit=500, organisation_id=only)
    st.dataframe(
        pd.DataFrame(
            [
                {
                    "When": entry.at.astimezone().strftime("%Y-%m-%d %H:%M:%S"),
                    "Who": entry.actor,
                    "What": entry.action,
                    "Organisation": "–"
                    if entry.organisation_id is None
                    else (
                        organisation_label(organisations[entry.organisation_id])
                        if entry.organisation_id in organisations
                        else f"{entry.organisation_id} (deleted)"
                    ),
                    "Detail": entry.detail,
                }
                for entry in entries
            ],
            columns=["When", "Who", "What", "Organisation", "Detail"],
        ),
        hide_index=True,
    )
    st.caption(md(f"The newest {len(entries)} entries."))
