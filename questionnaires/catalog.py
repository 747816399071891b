"""The questionnaires this installation offers, found on disk and loaded once per file change.

The shipped questionnaires are the folders under questionnaires/ that hold a questionnaire.yaml;
extra ones live under the folder named by $ITSCM_QUESTIONNAIRES, as folders or single .yaml files.
A folder or file that does not load is skipped with a warning naming it and its first problem, so
one broken extra questionnaire never takes the others (the shipped one included) down with it.
"""

from __future__ import annotations

import os
from dataclasses import dataclass
from functools import lru_cache
from pathlib import Path

from questionnaires.errors import QuestionnaireError
from questionnaires.loader import HEAD_FILE, load_questionnaire
from questionnaires.model import Questionnaire

SHIPPED_DIR = Path(__file__).resolve().parent
EXTRA_DIR_VARIABLE = "ITSCM_QUESTIONNAIRES"
YAML_SUFFIXES = (".yaml", ".yml")


class UnknownQuestionnaire(LookupError):
    """No questionnaire with this id and version is installed."""


@dataclass(frozen=True)
class Catalogue:
    """What the questionnaire folders hold: every questionnaire that loaded, and one warning per one skipped."""

    questionnaires: tuple[Questionnaire, ...]
    warnings: tuple[str, ...]


@dataclass(frozen=True)
class _Entry:
    path: Path
    origin: str  # where the entry comes from, for warnings


def _one_line(text: str) -> str:
    return " ".join(text.split())


def _is_dir(path: Path) -> bool:
    try:
        return path.is_dir()
    except OSError:
        return False


def _has_yaml(folder: Path) -> bool:
    try:
        return any(p.suffix in YAML_SUFFIXES for p in folder.iterdir())
    except OSError:
        return False


def _extra_root(warnings: list[str]) -> Path | None:
    """Return the $ITSCM_QUESTIONNAIRES folder, or None (with a warning when it is set but unusable)."""
    extra = os.environ.get(EXTRA_DIR_VARIABLE, "")
    if not extra:
        return None
    root = Path(extra).expanduser()
    if _is_dir(root):
        return root
    problem = "is a file, not a folder" if root.exists() else "does not exist"
    warnings.append(
        f"{EXTRA_DIR_VARIABLE}={extra} {problem}, so no extra questionnaire is loaded; point it at a folder "
        f"holding one folder (with a {HEAD_FILE}) or one .yaml file per questionnaire, or unset it."
    )
    return None


def _entries(warnings: list[str]) -> list[_Entry]:
    """Return every questionnaire folder or file to load: the shipped ones, then the extra ones."""
    entries = [
        _Entry(folder, "shipped questionnaire")
        for folder in sorted(SHIPPED_DIR.iterdir())
        if (folder / HEAD_FILE).is_file()
    ]
    root = _extra_root(warnings)
    if root is None:
        return entries
    try:
        children = sorted(p for p in root.iterdir() if not p.name.startswith("."))
    except OSError as exc:
        warnings.append(f"{EXTRA_DIR_VARIABLE}={root} cannot be read ({exc.strerror}); check its permissions.")
        return entries
    for child in children:
        # A sub-folder without any YAML (documentation, version control) is not meant as a questionnaire.
        if (_is_dir(child) and _has_yaml(child)) or (child.suffix in YAML_SUFFIXES and not _is_dir(child)):
            entries.append(_Entry(child, EXTRA_DIR_VARIABLE))
    return entries


def _stamp(path: Path) -> tuple[tuple[str, int, int], ...]:
    files = sorted(p for p in path.glob("*.y*ml") if p.is_file()) if path.is_dir() else [path]
    return tuple((p.name, p.stat().st_mtime_ns, p.stat().st_size) for p in files)


@lru_cache(maxsize=64)
def _load(path: str, stamp: tuple[tuple[str, int, int], ...]) -> Questionnaire | QuestionnaireError:
    del stamp  # part of the cache key only: a changed file is loaded again
    # A failure is cached too, so a broken folder is not parsed again on every lookup.
    try:
        return load_questionnaire(path)
    except QuestionnaireError as exc:
        return exc


def _skipped(entry: _Entry, problem: str) -> str:
    return _one_line(f"{entry.origin}: skipped {entry.path}: {problem}")


def _load_entry(entry: _Entry) -> Questionnaire | str:
    """Return the questionnaire at `entry`, or the warning that says why it was skipped."""
    try:
        loaded = _load(str(entry.path), _stamp(entry.path))
    except OSError as exc:
        return _skipped(entry, f"cannot be read ({exc.strerror}); check its permissions.")
    if isinstance(loaded, Questionnaire):
        return loaded
    more = len(loaded.problems) - 1
    rest = f" ({more} more problem(s): `python cli.py validate {entry.path}` lists them all)" if more else ""
    return _skipped(entry, f"{loaded.problems[0]}{rest}")


def catalogue() -> Catalogue:
    """Return every installed questionnaire that loads, in folder order, and a warning for each one skipped."""
    warnings: list[str] = []
    found: dict[tuple[str, str], tuple[Questionnaire, Path]] = {}
    for entry in _entries(warnings):
        loaded = _load_entry(entry)
        if isinstance(loaded, str):
            warnings.append(loaded)
            continue
        key = (loaded.id, loaded.version)
        if key in found:
            warnings.append(
                _skipped(
                    entry,
                    f"questionnaire {loaded.id!r} version {loaded.version!r} is already installed from "
                    f"{found[key][1]}; give this one another version (or remove it).",
                )
            )
            continue
        found[key] = (loaded, entry.path)
    return Catalogue(tuple(q for q, _path in found.values()), tuple(warnings))


def available_questionnaires() -> list[Questionnaire]:
    """Return every installed questionnaire that loads, in folder order (broken ones are skipped)."""
    return list(catalogue().questionnaires)


def catalogue_warnings() -> tuple[str, ...]:
    """Return one line per questionnaire folder or file skipped, or per unusable $ITSCM_QUESTIONNAIRES."""
    return catalogue().warnings


def get_questionnaire(questionnaire_id: str, version: str) -> Questionnaire:
    """Return the installed questionnaire with this id and version."""
    found = catalogue()
    for questionnaire in found.questionnaires:
        if questionnaire.id == questionnaire_id and questionnaire.version == version:
            return questionnaire
    skipped = f" Not loaded, for example: {found.warnings[0]}" if found.warnings else ""
    raise UnknownQuestionnaire(
        f"questionnaire {questionnaire_id!r} version {version!r} is not installed; "
        f"add its folder under {SHIPPED_DIR} or ${EXTRA_DIR_VARIABLE}.{skipped}"
    )


def successor(questionnaire: Questionnaire) -> Questionnaire | None:
    """Return the installed version that says it follows `questionnaire`, or None when there is none."""
    return next(
        (
            q
            for q in catalogue().questionnaires
            if q.id == questionnaire.id and q.previous_version == questionnaire.version
        ),
        None,
    )


def current_questionnaires() -> list[Questionnaire]:
    """Return the installed questionnaires no other installed version follows (what new assessments use)."""
    return [q for q in available_questionnaires() if successor(q) is None]
