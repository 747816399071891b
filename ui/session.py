"""Streamlit glue shared by the pages: the database connection, URL state and error display."""

from __future__ import annotations

from collections.abc import Callable
from typing import TypeVar

import streamlit as st
from sqlite_utils import Database
from streamlit.delta_generator import DeltaGenerator

from access import AccessDenied, Action, Participant, visible_organisations
from exports.report import AssessmentInView, AssessmentReport, load_assessment_in_view, load_report
from questionnaires.catalog import UnknownQuestionnaire
from questionnaires.errors import QuestionnaireError
from scoring import ScoringError
from storage import get_assessment, list_assessments, list_organisations
from storage.errors import NotFoundError, StorageError
from storage.records import Assessment, Organisation
from ui.access import allowed, current_actor
from ui.database import db, show_error
from ui.text import md

PAGES = {
    "home": "app_pages/home.py",
    "questionnaire": "app_pages/questionnaire.py",
    "results": "app_pages/results.py",
    "roadmap": "app_pages/roadmap.py",
    "trends": "app_pages/trends.py",
    "benchmark": "app_pages/benchmark.py",
    "data": "app_pages/data.py",
    "workshop": "app_pages/workshop.py",
    "links": "app_pages/links.py",
    "evidence": "app_pages/evidence.py",
    "admin": "app_pages/admin.py",
}
CORE_ERRORS = (StorageError, ScoringError, QuestionnaireError, UnknownQuestionnaire, AccessDenied)
T = TypeVar("T")


def attempt(action: Callable[[], T]) -> T | None:
    """Run a core call; show its error message and return None if it fails."""
    try:
        return action()
    except CORE_ERRORS as exc:
        show_error(exc)
        return None


def url_int(name: str) -> int | None:
    """Read a positive whole number from the URL's query parameters, or None."""
    value = st.query_params.get(name)
    if value is None or not str(value).isdigit():
        return None
    return int(value)


def remember(name: str, value: int | str | None) -> None:
    """Keep a selection in the URL (so a refresh keeps it) and in the session (so page switches do)."""
    if value is None:
        st.query_params.pop(name, None)
        st.session_state.pop(f"remember-{name}", None)
        return
    st.query_params[name] = str(value)
    st.session_state[f"remember-{name}"] = str(value)


def recalled_int(name: str) -> int | None:
    """The selection from the URL, else from this session; written back to the URL."""
    value = url_int(name)
    if value is None:
        stored = st.session_state.get(f"remember-{name}")
        value = int(stored) if stored is not None and str(stored).isdigit() else None
    if value is not None:
        remember(name, value)
    return value


def go(page: str, **params: int | str) -> None:
    """Switch to one of the app's pages, carrying the assessment and other selections in the URL."""
    query = {name: str(value) for name, value in params.items()}
    for name, value in query.items():
        st.session_state[f"remember-{name}"] = value
    st.switch_page(PAGES[page], query_params=query)


def organisation_label(organisation: Organisation) -> str:
    """An organisation's name, marked when it is illustrative demo data."""
    return f"{organisation.name} (illustrative)" if organisation.illustrative else organisation.name


def _latest(assessments: tuple[Assessment, ...]) -> Assessment | None:
    return max(assessments, key=lambda a: (a.assessment_date, a.id), default=None)


def _visible(assessment: Assessment) -> bool:
    return allowed(Action.VIEW, organisation_id=assessment.organisation_id) or allowed(
        Action.ANSWER, organisation_id=assessment.organisation_id, assessment_id=assessment.id
    )


def visible_organisation_list() -> list[Organisation]:
    """The organisations this session's actor may see, alphabetically."""
    return visible_organisations(current_actor(), list_organisations(db()))


def chosen_assessment_id() -> int | None:
    """The assessment in view: the one chosen, as long as it belongs to the organisation chosen.

    The organisation chosen last (on Home or in a page's header) wins: when the remembered
    assessment belongs to another organisation, the chosen organisation's latest assessment is
    shown instead, so a page never goes on showing the previous client's results. An id this
    actor may not see is treated exactly like one that does not exist, whatever the URL says.
    A participant link always shows its own assessment.
    """
    actor = current_actor()
    if isinstance(actor, Participant):
        return actor.assessment_id
    conn = db()
    organisation_id = recalled_int("organisation")
    if organisation_id is not None and organisation_id not in {o.id for o in visible_organisation_list()}:
        remember("organisation", None)
        organisation_id = None
    assessment_id = recalled_int("assessment")
    if assessment_id is not None:
        try:
            assessment = get_assessment(conn, assessment_id)
        except NotFoundError:
            assessment = None
        if assessment is not None and not _visible(assessment):
            assessment = None
        if assessment is None:
            remember("assessment", None)
            st.warning(f"Assessment {assessment_id} does not exist (any more). Choose one on the Home page.")
        elif organisation_id in (None, assessment.organisation_id):
            remember("organisation", assessment.organisation_id)
            return assessment.id
    if organisation_id is None:
        remember("assessment", None)
        return None
    try:
        latest = _latest(list_assessments(conn, organisation_id))
    except NotFoundError:
        remember("organisation", None)
        latest = None
    remember("assessment", latest.id if latest else None)
    return latest.id if latest else None


def require_assessment() -> AssessmentInView:
    """The assessment in view without answers or scores (see chosen_assessment_id), or stop with guidance."""
    return _require(load_assessment_in_view)


def require_report() -> AssessmentReport:
    """Load and score the assessment in view (see chosen_assessment_id), or stop with guidance."""
    return _require(load_report)


def _require(load: Callable[[Database, int], T]) -> T:
    assessment_id = chosen_assessment_id()
    if assessment_id is None:
        st.info("Choose or create an assessment on the Home page first.", icon=":material/info:")
        st.page_link(PAGES["home"], label="Go to Home", icon=":material/home:")
        st.stop()
    try:
        return load(db(), assessment_id)
    except NotFoundError:
        remember("assessment", None)
        st.warning(f"Assessment {assessment_id} does not exist (any more). Choose one on the Home page.")
        st.page_link(PAGES["home"], label="Go to Home", icon=":material/home:")
        st.stop()
    except CORE_ERRORS as exc:
        show_error(exc)
        st.stop()
    raise AssertionError("unreachable")  # pragma: no cover


def _switch(name: str, key: str) -> None:
    remember(name, st.session_state[key])
    if name == "organisation":
        remember("assessment", None)


def page_header(title: str, view: AssessmentReport | AssessmentInView) -> None:
    """The page title with the organisation and assessment in view named large, and pickers to switch them.

    Every page that shows one assessment starts with this, so nobody projects one client's
    results believing they are another's.
    """
    org = view.organisation
    a = view.assessment
    status = "completed" if a.status == "completed" else "in progress"
    st.title(f"{title}: {md(organisation_label(org))}", anchor=False)
    if isinstance(current_actor(), Participant):
        st.markdown(f"**{md(a.label)}** · {md(view.questionnaire.title)}")
        return
    with st.container(border=True):
        facts, pick_org, pick_assessment = st.columns([3, 2, 2], vertical_alignment="bottom")
        facts.markdown(
            f"**{md(a.label)}** · {a.assessment_date:%d %b %Y} · {status}  \n"
            f"{md(view.questionnaire.title)} {md(view.questionnaire.version)}"
        )
        organisation_picker(pick_org, org.id)
        assessments = {x.id: x for x in sorted(list_assessments(db(), org.id), key=lambda x: x.assessment_date)}
        st.session_state["header-assessment"] = a.id
        pick_assessment.selectbox(
            "Assessment",
            list(assessments),
            format_func=lambda aid: f"{assessments[aid].label} ({assessments[aid].assessment_date:%d %b %Y})",
            key="header-assessment",
            on_change=_switch,
            args=("assessment", "header-assessment"),
        )
    if org.illustrative:
        st.info("Illustrative demo data: a fictional organisation, not a real assessment.", icon=":material/science:")


def chosen_organisation() -> Organisation | None:
    """The organisation in view, for pages about an organisation rather than one assessment.

    The same choice as chosen_assessment_id makes (the organisation chosen last, else the
    assessment's in the URL), and the same rule: an id this actor may not see is treated exactly
    like one that does not exist. When none is chosen, the first one this actor may see; None
    when there is none (a participant link sees no organisation page).
    """
    if isinstance(current_actor(), Participant):
        return None
    chosen_assessment_id()
    organisations = visible_organisation_list()
    organisation_id = recalled_int("organisation")
    return next((o for o in organisations if o.id == organisation_id), organisations[0] if organisations else None)


def organisation_picker(place: DeltaGenerator, organisation_id: int) -> None:
    """A select box of the organisations this actor may see, on `organisation_id`; a choice switches to it."""
    organisations = {o.id: o for o in visible_organisation_list()}
    st.session_state["header-organisation"] = organisation_id
    place.selectbox(
        "Organisation",
        list(organisations),
        format_func=lambda oid: organisation_label(organisations[oid]),
        key="header-organisation",
        on_change=_switch,
        args=("organisation", "header-organisation"),
    )


def organisation_header(title: str, organisation: Organisation) -> None:
    """The page title naming the organisation in view, with a picker to switch to another one this actor may see."""
    st.title(f"{title}: {md(organisation_label(organisation))}", anchor=False)
    organisation_picker(st.container(), organisation.id)
    if organisation.illustrative:
        st.info("Illustrative demo data: a fictional organisation, not a real assessment.", icon=":material/science:")
