"""Who may do what on which organisation: one decision, asked by every page, query and export.

The core of access is pure (no streamlit, no SQL): `actors` names who is asking, `actions` what
they want to do, `decide.may` answers, and `mode` tells how the installation is served.
"""

from access.actions import Action
from access.actors import Actor, Member, Owner, Participant
from access.decide import AccessDenied, may, require, visible_organisations
from access.mode import Mode, serving_mode

__all__ = [
    "AccessDenied",
    "Action",
    "Actor",
    "Member",
    "Mode",
    "Owner",
    "Participant",
    "may",
    "require",
    "serving_mode",
    "visible_organisations",
]
