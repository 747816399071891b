"""Run the app's pages in Streamlit's AppTest, as the page tests do."""

from __future__ import annotations

from pathlib import Path

from streamlit.testing.v1 import AppTest

ROOT = Path(__file__).resolve().parent.parent
TIMEOUT = 60


def new_session(**params: int | str) -> AppTest:
    """A new browser session of the app (not run yet), with these query parameters in its URL."""
    at = AppTest.from_file(str(ROOT / "app.py"), default_timeout=TIMEOUT)
    for name, value in params.items():
        at.query_params[name] = str(value)
    return at


def open_page(page: str | None = None, **params: int | str) -> AppTest:
    """Open one page (Home when None) in a new session and run it."""
    at = new_session(**params)
    if page:
        at.switch_page(f"app_pages/{page}.py")
    return at.run()
