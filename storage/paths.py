"""Where the database lives: one environment variable, with a default under data/."""

from __future__ import annotations

import os
from pathlib import Path
from typing import Final

ENV_VAR: Final = "ITSCM_DB"
MEMORY: Final = ":memory:"
REPO_ROOT: Final = Path(__file__).resolve().parent.parent
DEFAULT_PATH: Final = REPO_ROOT / "data" / "itscm.db"


def database_path(path: str | Path | None = None) -> Path | str:
    """Return the database file to use: `path`, else $ITSCM_DB, else data/itscm.db in the repository.

    The default is anchored at the repository root, so the app finds the same file
    whatever directory it starts in; a path given explicitly (argument or variable) is
    read like any path, relative to the current directory. The result is absolute, or
    ':memory:' unchanged.
    """
    chosen: str | Path = path if path is not None else os.environ.get(ENV_VAR, "") or DEFAULT_PATH
    if str(chosen) == MEMORY:
        return MEMORY
    return Path(chosen).expanduser().resolve()
