"""Where the database lives: one environment variable, with a default under data/."""

from __future__ import annotations

import os
import stat
from pathlib import Path
from typing import Final

from storage.engines import is_postgres_url
from storage.errors import DatabaseUnavailableError

ENV_VAR: Final = "ITSCM_DB"
URL_ENV_VAR: Final = "ITSCM_DATABASE_URL"
"""A postgresql:// URL: the app keeps its data on that PostgreSQL server instead of a SQLite file."""
TEST_URL_ENV_VAR: Final = "ITSCM_TEST_POSTGRES_URL"
"""For the test suite: every SQLite location opened (a file path or ':memory:') is served by a schema of its own
on this PostgreSQL database instead (see storage.connection), so the same tests run on both engines."""
MEMORY: Final = ":memory:"
REPO_ROOT: Final = Path(__file__).resolve().parent.parent
DEFAULT_PATH: Final = REPO_ROOT / "data" / "itscm.db"


def database_path(path: str | Path | None = None) -> Path | str:
    """Return the database to use: `path`, else $ITSCM_DATABASE_URL, else $ITSCM_DB, else data/itscm.db.

    The default is anchored at the repository root, so the app finds the same file
    whatever directory it starts in; a path given explicitly (argument or variable) is
    read like any path, relative to the current directory. The result is absolute, or
    ':memory:' or a postgresql:// URL unchanged.
    """
    if path is None:
        url = os.environ.get(URL_ENV_VAR, "").strip()
        if url:
            if not is_postgres_url(url):
                raise DatabaseUnavailableError(
                    f"{URL_ENV_VAR} must be a PostgreSQL URL such as postgresql://user:password@host:5432/itscm, "
                    f"not {url[:60]!r}; unset it to keep the data in a SQLite file ({ENV_VAR})."
                )
            return url
    chosen: str | Path = path if path is not None else os.environ.get(ENV_VAR, "") or DEFAULT_PATH
    if str(chosen) == MEMORY:
        return MEMORY
    if is_postgres_url(chosen):
        return str(chosen)
    return Path(chosen).expanduser().resolve()


HOW_TO_FIX: Final = f"set {ENV_VAR} to a file path such as data/itscm.db"


def _origin(path: str | Path | None) -> str:
    if path is not None:
        return ""
    chosen = os.environ.get(ENV_VAR, "")
    return f" ({ENV_VAR}={chosen})" if chosen else f" (the default; {ENV_VAR} is not set)"


def database_unavailable(
    target: Path, problem: str, fix: str = HOW_TO_FIX, *, path: str | Path | None = None
) -> DatabaseUnavailableError:
    """Return the error for a database file that cannot be used, saying where, what is wrong and how to fix it.

    `path` is what the caller asked for (None: the setting), so the message can say where the path came from.
    """
    return DatabaseUnavailableError(f"Cannot use {target} as the database{_origin(path)}: {problem}; {fix}.")


def _mode(path: Path) -> int | None:
    """Return the file mode of `path`, or None when it does not exist or cannot be looked at."""
    # Path.is_dir() and friends raise on some errors (a folder this user may not enter); here
    # any path that cannot be looked at counts as missing, and the checks below say why.
    try:
        return path.stat().st_mode
    except OSError:
        return None


def _first_existing(target: Path) -> tuple[Path, int]:
    for candidate in (target, *target.parents):
        mode = _mode(candidate)
        if mode is not None:
            return candidate, mode
    return Path(target.anchor), stat.S_IFDIR


def check_database_path(path: str | Path | None = None) -> Path | str:
    """Return the database file to use, as `database_path` does, after checking it can be a database.

    Raises DatabaseUnavailableError, before anything is created, when the path is a folder, lies
    under a file, is not readable and writable, or sits in a folder that cannot be written (SQLite
    creates its -wal and -shm files beside the database). Only the file's metadata is looked at.
    """
    target = database_path(path)
    if target == MEMORY or is_postgres_url(target):
        return target
    target = Path(target)

    def refuse(problem: str, fix: str = HOW_TO_FIX) -> DatabaseUnavailableError:
        return database_unavailable(target, problem, fix, path=path)

    existing, mode = _first_existing(target)
    if existing == target and stat.S_ISDIR(mode):
        raise refuse("it is a folder, not a file")
    if existing != target:
        if not stat.S_ISDIR(mode):
            raise refuse(f"{existing} is a file, so no folder can be made inside it")
        if not os.access(existing, os.W_OK | os.X_OK):
            raise refuse(f"the folder {existing} is not writable by this user", f"make it writable, or {HOW_TO_FIX}")
        return target
    if not stat.S_ISREG(mode):
        raise refuse("it is not a regular file")
    if not os.access(target, os.R_OK | os.W_OK):
        raise refuse("this user cannot both read and write it", f"give this user access to it, or {HOW_TO_FIX}")
    if not os.access(target.parent, os.W_OK | os.X_OK):
        raise refuse(
            f"its folder {target.parent} is not writable, and SQLite keeps its -wal and -shm files there",
            f"make the folder writable, or {HOW_TO_FIX}",
        )
    # The file's first bytes are not read here: opening and closing the database file in a process
    # drops every POSIX lock SQLite holds on it in that process, so a connection open in another thread
    # would lose its locks (and another process could then delete the WAL under it). A file that is not
    # SQLite is reported by SQLite itself when the connection first reads it (see storage.connection).
    return target
