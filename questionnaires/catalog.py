"""The questionnaires this installation offers, found on disk and loaded once per file change."""

from __future__ import annotations

import os
from functools import lru_cache
from pathlib import Path

from questionnaires.loader import HEAD_FILE, load_questionnaire
from questionnaires.model import Questionnaire

SHIPPED_DIR = Path(__file__).resolve().parent
EXTRA_DIR_VARIABLE = "ITSCM_QUESTIONNAIRES"


class UnknownQuestionnaire(LookupError):
    """No questionnaire with this id and version is installed."""


def questionnaire_folders() -> list[Path]:
    """Return every questionnaire folder: the shipped ones, then those under $ITSCM_QUESTIONNAIRES."""
    roots = [SHIPPED_DIR]
    extra = os.environ.get(EXTRA_DIR_VARIABLE)
    if extra:
        roots.append(Path(extra))
    found: list[Path] = []
    for root in roots:
        if root.is_dir():
            found += sorted(p for p in root.iterdir() if (p / HEAD_FILE).is_file())
    return found


def _stamp(folder: Path) -> tuple[tuple[str, int, int], ...]:
    return tuple((p.name, p.stat().st_mtime_ns, p.stat().st_size) for p in sorted(folder.glob("*.y*ml")) if p.is_file())


@lru_cache(maxsize=32)
def _load(folder: str, stamp: tuple[tuple[str, int, int], ...]) -> Questionnaire:
    del stamp  # part of the cache key only: a changed file is loaded again
    return load_questionnaire(folder)


def load_folder(folder: Path) -> Questionnaire:
    """Load one questionnaire folder, reusing the parsed result until one of its files changes."""
    return _load(str(folder), _stamp(folder))


def available_questionnaires() -> list[Questionnaire]:
    """Return every installed questionnaire, in folder order."""
    return [load_folder(folder) for folder in questionnaire_folders()]


def get_questionnaire(questionnaire_id: str, version: str) -> Questionnaire:
    """Return the installed questionnaire with this id and version."""
    for questionnaire in available_questionnaires():
        if questionnaire.id == questionnaire_id and questionnaire.version == version:
            return questionnaire
    raise UnknownQuestionnaire(
        f"questionnaire {questionnaire_id!r} version {version!r} is not installed; "
        f"add its folder under {SHIPPED_DIR} or ${EXTRA_DIR_VARIABLE}."
    )
