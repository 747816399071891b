"""The page's connection to the database, and how a core error is shown."""

from __future__ import annotations

import streamlit as st
from sqlite_utils import Database

from storage import connect
from storage.errors import StorageError
from ui.text import md


def db() -> Database:
    """This thread's connection to the database (one per thread, never shared).

    When the database cannot be opened (ITSCM_DB names a folder, a file that is not a database,
    a place that cannot be written), the page shows why and how to fix it, and stops.
    """
    try:
        return connect()
    except StorageError as exc:
        show_error(exc)
        st.stop()
    raise AssertionError("unreachable")  # pragma: no cover


def show_error(exc: Exception) -> None:
    """Show a core error as a clear message, never a traceback."""
    st.error(md(str(exc)), icon=":material/error:")
