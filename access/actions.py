"""What an actor may ask to do; each action is about one organisation or about the whole installation."""

from __future__ import annotations

from enum import StrEnum
from typing import Final


class Action(StrEnum):
    """Everything the app lets someone do, named for the decision it needs."""

    VIEW = "view"  # an organisation's assessments, results, roadmap and answers
    ANSWER = "answer"  # save answers to the questionnaire
    PLAN = "plan"  # targets, roadmap owners, dates and statuses, consensus
    FACILITATE = "facilitate workshops"  # workshop mode, open, reveal, new round, close, agree
    MANAGE_ASSESSMENTS = "manage assessments"  # start, rename, delete, complete; respondents
    EXPORT = "export"  # an assessment's workbook, CSV, JSON and offline questionnaire
    IMPORT_OFFLINE = "import offline questionnaire"
    MANAGE_LINKS = "manage participant links"
    EDIT_EVIDENCE = "edit the service register and exercise log"  # edit, import
    CREATE_ORGANISATION = "create organisation"
    MANAGE_ORGANISATION = "rename or delete organisation"
    IMPORT_JSON = "import assessment JSON"
    PORTFOLIO = "export portfolio"
    BENCHMARK_PACKS = "export or import benchmark packs"  # anonymised scores of the whole installation
    BACKUP = "back up"
    RESTORE = "restore"
    DEMO = "load or remove demo data"
    ADMINISTER = "administer users and roles"


# Actions about one organisation: the decision depends on whether it is the actor's.
ORGANISATION_ACTIONS: Final = frozenset(
    {
        Action.VIEW,
        Action.ANSWER,
        Action.PLAN,
        Action.FACILITATE,
        Action.MANAGE_ASSESSMENTS,
        Action.EXPORT,
        Action.IMPORT_OFFLINE,
        Action.MANAGE_LINKS,
        Action.EDIT_EVIDENCE,
        Action.MANAGE_ORGANISATION,
    }
)
# What each role may do on the organisations assigned to it (administrators may do everything everywhere).
ROLE_ACTIONS: Final = {
    "consultant": frozenset(
        {
            Action.VIEW,
            Action.ANSWER,
            Action.PLAN,
            Action.FACILITATE,
            Action.MANAGE_ASSESSMENTS,
            Action.EXPORT,
            Action.IMPORT_OFFLINE,
            Action.MANAGE_LINKS,
            Action.EDIT_EVIDENCE,
        }
    ),
    "viewer": frozenset({Action.VIEW, Action.EXPORT}),
}
