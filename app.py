"""The ITSCM maturity assessment app: page configuration and navigation only."""

import streamlit as st

st.set_page_config(page_title="ITSCM maturity", page_icon=":material/health_and_safety:", layout="wide")

pages = [
    st.Page("app_pages/home.py", title="Home", icon=":material/home:", default=True),
    st.Page("app_pages/questionnaire.py", title="Questionnaire", icon=":material/checklist:"),
    st.Page("app_pages/results.py", title="Results", icon=":material/insights:"),
    st.Page("app_pages/roadmap.py", title="Roadmap", icon=":material/route:"),
    st.Page("app_pages/data.py", title="Data", icon=":material/database:"),
]
st.navigation(pages).run()
