"""Opening another connection never drops what a connection of the same process holds on the database.

POSIX file locks belong to the process: closing any handle on the database file releases all of
them. A check that read the file's header with open()/close() dropped the shared lock every open
connection holds, so another process closing its connection believed it was the last one and
deleted the WAL under the open connections (seen as "disk I/O error" in the app).
"""

from __future__ import annotations

import subprocess
import sys
from pathlib import Path

import pytest

from storage import open_database

# SQLite's file locks and WAL.
pytestmark = pytest.mark.sqlite_only


def read_from_another_process(database: Path) -> None:
    script = f"import sqlite3; c = sqlite3.connect({str(database)!r}); c.execute('SELECT count(*) FROM sqlite_master').fetchone(); c.close()"
    subprocess.run([sys.executable, "-c", script], check=True, timeout=30)


def test_a_new_connection_keeps_the_wal_of_connections_already_open(tmp_path: Path) -> None:
    database = tmp_path / "locks.db"
    holder = open_database(database)
    try:
        open_database(database).close()  # what a new Streamlit thread does while others are open
        read_from_another_process(database)
        assert Path(f"{database}-wal").exists() and Path(f"{database}-shm").exists()
        assert holder.execute("SELECT count(*) FROM organisations").fetchone() == (0,)
    finally:
        holder.close()
