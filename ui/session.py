"""Streamlit glue shared by the pages: the database connection, URL state and error display."""

from __future__ import annotations

from collections.abc import Callable
from typing import TypeVar

import streamlit as st
from sqlite_utils import Database

from exports.report import AssessmentReport, load_report
from questionnaires.catalog import UnknownQuestionnaire
from questionnaires.errors import QuestionnaireError
from scoring import ScoringError
from storage import connect
from storage.errors import NotFoundError, StorageError
from storage.records import Organisation
from ui.text import md

PAGES = {
    "home": "app_pages/home.py",
    "questionnaire": "app_pages/questionnaire.py",
    "results": "app_pages/results.py",
    "roadmap": "app_pages/roadmap.py",
    "data": "app_pages/data.py",
}
CORE_ERRORS = (StorageError, ScoringError, QuestionnaireError, UnknownQuestionnaire)
T = TypeVar("T")


def db() -> Database:
    """This thread's connection to the database (one per thread, never shared)."""
    return connect()


def show_error(exc: Exception) -> None:
    """Show a core error as a clear message, never a traceback."""
    st.error(md(str(exc)), icon=":material/error:")


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


def require_report() -> AssessmentReport:
    """Load the assessment named in the URL (or chosen earlier in this session), or stop with guidance."""
    assessment_id = recalled_int("assessment")
    if assessment_id is None:
        st.info("Choose or create an assessment on the Home page first.", icon=":material/info:")
        st.page_link(PAGES["home"], label="Go to Home", icon=":material/home:")
        st.stop()
    try:
        return load_report(db(), assessment_id)
    except NotFoundError:
        remember("assessment", None)
        st.warning(f"Assessment {assessment_id} does not exist (any more). Choose one on the Home page.")
        st.page_link(PAGES["home"], label="Go to Home", icon=":material/home:")
        st.stop()
    except CORE_ERRORS as exc:
        show_error(exc)
        st.stop()
    raise AssertionError("unreachable")  # pragma: no cover


def assessment_caption(view: AssessmentReport) -> None:
    """The line under a page title saying which assessment is shown."""
    org = view.organisation
    status = "completed" if view.assessment.status == "completed" else "in progress"
    st.caption(
        md(
            f"{organisation_label(org)} · {view.assessment.label} · {view.assessment.assessment_date:%d %b %Y} · "
            f"{view.questionnaire.title} {view.questionnaire.version} · {status}"
        )
    )
    if org.illustrative:
        st.info("Illustrative demo data: a fictional organisation, not a real assessment.", icon=":material/science:")
