"""Who is using this browser session, decided before any page runs; the pages shown when nobody may see data.

The decision itself is access.may; this module only finds the actor (a participant link in the URL,
the owner of a personal installation, or the signed-in member) and stops the run with a clear page
when there is none.
"""

from __future__ import annotations

import os
from collections.abc import Callable, Iterator
from typing import Final

import streamlit as st

from access import AccessDenied, Action, Actor, Member, Mode, Owner, Participant, may, serving_mode
from access.identity import member_for
from access.links import LinkRefused, participant_for
from storage import connect
from storage.audit import record_event
from ui.database import db
from ui.text import md

JOIN: Final = "join"
ADMINISTRATORS_VARIABLE: Final = "ITSCM_ADMINISTRATORS"
_ACTOR: Final = "access-actor"


def _secrets_section(name: str) -> dict[str, object]:
    # st.secrets raises when there is no secrets file at all; no file means no sign-in.
    try:
        section = st.secrets.get(name)
    except Exception:
        return {}
    return dict(section) if section else {}


def sign_in_configured() -> bool:
    """Whether `.streamlit/secrets.toml` has an [auth] section for st.login."""
    return bool(_secrets_section("auth"))


def current_mode() -> Mode:
    """Personal, shared or locked, from the sign-in configuration and the address the server listens on."""
    return serving_mode(sign_in_configured=sign_in_configured(), address=st.get_option("server.address"))


def configured_administrators() -> list[str]:
    """The first administrators: [access] administrators in secrets, and $ITSCM_ADMINISTRATORS (comma-separated)."""
    listed = _secrets_section("access").get("administrators", [])
    names = [str(name) for name in listed] if isinstance(listed, list | tuple) else []
    names += os.environ.get(ADMINISTRATORS_VARIABLE, "").split(",")
    return [name.strip() for name in names if name.strip()]


def _once(key: str, actor: str, action: str, organisation_id: int | None = None, detail: str = "") -> None:
    """Record an event in the audit log once per browser session."""
    if st.session_state.get(key):
        return
    record_event(db(), actor, action, organisation_id, detail)
    st.session_state[key] = True


def _participant(token: str) -> Participant:
    try:
        participant = participant_for(db(), token)
    except LinkRefused as exc:
        st.session_state.pop(JOIN, None)
        st.title("Maturity assessment", anchor=False)
        st.error(md(exc), icon=":material/link_off:")
        st.stop()
    _once(f"audit-link-{participant.link_id}", participant.label, "participant link used", participant.organisation_id)
    return participant


def _locked_page() -> None:
    st.title("Sign-in needs to be configured", anchor=False)
    st.warning(
        "This app is served beyond this computer without sign-in, so it shows no data. Anyone who can reach it "
        "would otherwise see and change every organisation's assessments.",
        icon=":material/lock:",
    )
    st.markdown(
        "To serve it to others, configure sign-in with your organisation's identity provider (Microsoft Entra ID, "
        "Google, Okta, Keycloak) in `.streamlit/secrets.toml` under `[auth]`, and name the first administrators "
        "under `[access] administrators`; the README's **Sign-in** section has complete examples. To use it on "
        "your own, run it on this computer only (`make run`, which listens on 127.0.0.1).\n\n"
        "Participants who were given a link still reach their questionnaire."
    )


def _sign_in_page() -> None:
    st.title("Maturity assessment", anchor=False)
    st.info("Sign in with your organisation's account to see the assessments you work on.", icon=":material/login:")
    st.button("Sign in", type="primary", icon=":material/login:", on_click=st.login)


def _not_authorised_page(email: str) -> None:
    st.title("Not authorised yet", anchor=False)
    st.warning(
        md(
            f"You are signed in as {email}, but this installation has not given you a role yet. Ask an "
            "administrator to add you (Admin page, or python cli.py users add EMAIL --role ROLE)."
        ),
        icon=":material/person_off:",
    )
    st.button("Sign out", on_click=st.logout)


def resolve_actor() -> Actor:
    """Find who is using this session, or show why nobody may see data and stop the run.

    A participant link in the URL wins in every mode (its own token is its permission). Then the
    owner in personal mode, else the signed-in member in shared mode.
    """
    token = st.query_params.get(JOIN) or st.session_state.get(JOIN)
    if token:
        participant = _participant(str(token))
        st.session_state[JOIN] = str(token)
        st.query_params[JOIN] = str(token)  # a refresh keeps working
        return participant
    mode = current_mode()
    if mode is Mode.PERSONAL:
        return Owner()
    if mode is Mode.LOCKED:
        _locked_page()
        st.stop()
    if not st.user.is_logged_in:
        _sign_in_page()
        st.stop()
    email = str(st.user.get("email") or "")
    member = member_for(db(), email, configured_administrators()) if email else None
    if member is None:
        _not_authorised_page(email or "an account without an e-mail address")
        st.stop()
    _once("audit-sign-in", member.label, "signed in", None, f"role {member.role}")
    return member


def set_actor(actor: Actor) -> None:
    """Keep this run's actor for the pages (set by app.py before any page runs)."""
    st.session_state[_ACTOR] = actor


def _still_valid(actor: Actor) -> Actor:
    """The actor as the database sees them now: a link withdrawn or expired, or a member deactivated or given
    other organisations since app.py last ran, counts at once (raises AccessDenied for one no longer allowed)."""
    if isinstance(actor, Participant):
        try:
            return participant_for(db(), str(st.session_state.get(JOIN, "")))
        except LinkRefused as exc:
            raise AccessDenied(str(exc)) from None
    if isinstance(actor, Member):
        member = member_for(db(), actor.email, configured_administrators())
        if member is None:
            raise AccessDenied(
                f"{actor.email} may no longer use this installation; ask an administrator if this is a mistake."
            )
        st.session_state[_ACTOR] = member
        return member
    return actor


def current_actor() -> Actor:
    """This session's actor, checked again against the database.

    app.py finds the actor before a page runs, but a widget's callback and a fragment's rerun run
    without app.py: checking again here is what stops a withdrawn link or a deactivated member from
    saving through a page that is still open. One or two small queries.
    """
    actor = st.session_state.get(_ACTOR)
    if actor is None:  # a page run without app.py's gate: refuse rather than guess
        st.error("This page must be opened through the app.", icon=":material/error:")
        st.stop()
    return _still_valid(actor)


def allowed(action: Action, **where: int | str | None) -> bool:
    """Whether this session's actor may do `action` now (see access.may); no longer allowed at all: False."""
    try:
        actor = current_actor()
    except AccessDenied:
        return False
    return may(actor, action, **where)  # type: ignore[arg-type]


def record(action: str, organisation_id: int | None = None, detail: str = "") -> None:
    """Write an entry for this session's actor in the audit log."""
    actor = current_actor()
    record_event(db(), actor.label, action, organisation_id, detail)


def audited(
    make: Callable[[], bytes], action: str, organisation_id: int | None = None, detail: str = ""
) -> Callable[[], bytes]:
    """A download's data function that writes the export to the audit log when the file is made.

    Streamlit makes a download's file on another thread when it is clicked, without this session's
    state, so who is exporting is taken now.
    """
    label = current_actor().label

    def make_and_record() -> bytes:
        data = make()
        record_event(connect(), label, action, organisation_id, detail)
        return data

    return make_and_record


def account_box(actor: Actor) -> None:
    """In the sidebar: who is signed in, with what role, and a way to sign out."""
    if isinstance(actor, Member):
        with st.sidebar:
            st.caption(md(f"Signed in as {actor.email} ({actor.role})"))
            st.button("Sign out", on_click=st.logout, icon=":material/logout:", key="sign-out")


def pages_for(actor: Actor, pages: dict[str, st.Page]) -> Iterator[st.Page]:
    """The pages this actor may open, in menu order."""
    if isinstance(actor, Participant):
        yield pages["questionnaire"]
        return
    admin = isinstance(actor, Member) and actor.role == "administrator"
    viewer = isinstance(actor, Member) and actor.role == "viewer"
    for name, page in pages.items():
        if name == "admin" and not admin:
            continue
        if name in ("questionnaire", "workshop", "links") and viewer:
            continue
        yield page
