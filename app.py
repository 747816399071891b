"""The maturity assessment app: page configuration, who is using it, and navigation only."""

import os

import streamlit as st

from access import Participant
from ui.access import account_box, pages_for, resolve_actor, set_actor
from ui.browser import reload_after_reconnect

st.set_page_config(page_title="Maturity assessment", page_icon=":material/health_and_safety:", layout="wide")
# Behind the proxy another app process may take over this browser: the page then loads again from the database.
# Only there: a page that loads again on every new connection also loses a file chosen for upload when the
# browser opens a new connection to the same process (seen in the Evidence page's browser test).
if os.environ.get("ITSCM_BEHIND_PROXY") == "1":
    reload_after_reconnect()

# Who is using this session is decided before any page runs: a participant link, the owner of a
# personal installation, or a signed-in member; otherwise a page says why nothing is shown.
actor = resolve_actor()
set_actor(actor)
account_box(actor)

participant = isinstance(actor, Participant)
pages = {
    "home": st.Page("app_pages/home.py", title="Home", icon=":material/home:", default=not participant),
    "questionnaire": st.Page(
        "app_pages/questionnaire.py", title="Questionnaire", icon=":material/checklist:", default=participant
    ),
    "results": st.Page("app_pages/results.py", title="Results", icon=":material/insights:"),
    "roadmap": st.Page("app_pages/roadmap.py", title="Roadmap", icon=":material/route:"),
    "trends": st.Page("app_pages/trends.py", title="Trends", icon=":material/timeline:"),
    "benchmark": st.Page("app_pages/benchmark.py", title="Benchmark", icon=":material/leaderboard:"),
    "workshop": st.Page("app_pages/workshop.py", title="Workshop", icon=":material/groups:"),
    "links": st.Page("app_pages/links.py", title="Participant links", icon=":material/link:"),
    "evidence": st.Page("app_pages/evidence.py", title="Evidence", icon=":material/fact_check:"),
    "data": st.Page("app_pages/data.py", title="Data", icon=":material/database:"),
    "admin": st.Page("app_pages/admin.py", title="Admin", icon=":material/admin_panel_settings:"),
}
# A participant sees one page and no menu: nothing to navigate to.
st.navigation(list(pages_for(actor, pages)), position="hidden" if participant else "sidebar").run()
