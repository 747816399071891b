"""The one decision every page, query and export asks: may this actor do this action here?"""

from __future__ import annotations

from collections.abc import Iterable
from typing import TypeVar

from access.actions import ORGANISATION_ACTIONS, ROLE_ACTIONS, Action
from access.actors import Actor, Member, Owner, Participant

T = TypeVar("T")


class AccessDenied(PermissionError):
    """The actor may not do this; the message says what and whom to ask."""


def may(
    actor: Actor | None,
    action: Action,
    *,
    organisation_id: int | None = None,
    assessment_id: int | None = None,
    respondent_id: int | None = None,
    domain_id: str | None = None,
) -> bool:
    """Whether `actor` may do `action` on the organisation (and assessment, respondent, domain) named.

    Ids come from the database, never from the URL: callers look up an assessment's organisation
    before asking. An action about an organisation asked without one is refused for everyone but
    the owner and administrators. Nobody (None) may do anything.
    """
    if actor is None:
        return False
    if isinstance(actor, Owner):
        return True
    if isinstance(actor, Participant):
        # A link answers its own questionnaire and does nothing else.
        return (
            action == Action.ANSWER
            and organisation_id == actor.organisation_id
            and assessment_id == actor.assessment_id
            and respondent_id == actor.respondent_id
            and (domain_id is None or actor.answers_domain(domain_id))
        )
    if actor.role == "administrator":
        return True
    if action not in ORGANISATION_ACTIONS or organisation_id is None:
        return False
    return organisation_id in actor.organisations and action in ROLE_ACTIONS[actor.role]


def may_plan_finding(actor: Actor | None, *, finding_organisation_id: int, assessment_organisation_id: int) -> bool:
    """Whether `actor` may make a finding of one organisation's log a step of an assessment's roadmap.

    Both organisations come from the database: the finding's log and the assessment must be of the
    same organisation, and the actor must be allowed to plan there.
    """
    return finding_organisation_id == assessment_organisation_id and may(
        actor, Action.PLAN, organisation_id=assessment_organisation_id
    )


def require(actor: Actor | None, action: Action, **where: int | str | None) -> None:
    """Raise AccessDenied unless `may` allows it."""
    if not may(actor, action, **where):  # type: ignore[arg-type]
        who = "Nobody signed in" if actor is None else f"{getattr(actor, 'label', 'This user')}"
        raise AccessDenied(
            f"{who} may not {action.value} here; ask an administrator to assign the organisation or change the role."
        )


def visible_organisations(actor: Actor | None, organisations: Iterable[T], id_of: str = "id") -> list[T]:
    """The organisations (objects with an id) this actor may view, in the order given."""
    if isinstance(actor, Owner) or (isinstance(actor, Member) and actor.role == "administrator"):
        return list(organisations)
    if isinstance(actor, Member):
        return [o for o in organisations if getattr(o, id_of) in actor.organisations]
    return []
