"""The access decision as a table: every actor x every action x its own organisation and another one."""

from __future__ import annotations

import pytest

from access import AccessDenied, Action, Member, Mode, Owner, Participant, may, require, serving_mode
from access.actions import ORGANISATION_ACTIONS
from access.decide import may_plan_finding, visible_organisations

OWN, OTHER = 1, 2
ADMIN = Member(user_id=1, email="admin@example.com", role="administrator")
CONSULTANT = Member(user_id=2, email="consultant@example.com", role="consultant", organisations=frozenset({OWN}))
VIEWER = Member(user_id=3, email="viewer@example.com", role="viewer", organisations=frozenset({OWN}))
LINK = Participant(
    link_id=7, assessment_id=10, organisation_id=OWN, respondent_id=20, respondent_name="Ana", domains=frozenset()
)

# What each actor may do on its own organisation; on another organisation only the owner and administrators
# may do anything, and installation-wide actions belong to them alone.
ON_OWN = {
    "consultant": {
        Action.VIEW,
        Action.ANSWER,
        Action.PLAN,
        Action.FACILITATE,
        Action.MANAGE_ASSESSMENTS,
        Action.EXPORT,
        Action.IMPORT_OFFLINE,
        Action.MANAGE_LINKS,
        Action.EDIT_EVIDENCE,
    },
    "viewer": {Action.VIEW, Action.EXPORT},
}
ACTORS = {"owner": Owner(), "administrator": ADMIN, "consultant": CONSULTANT, "viewer": VIEWER}
TABLE = [
    (name, action, where, name in ("owner", "administrator") or (where == OWN and action in ON_OWN.get(name, set())))
    for name in ACTORS
    for action in Action
    for where in (OWN, OTHER)
]


@pytest.mark.parametrize(("actor", "action", "organisation", "allowed"), TABLE)
def test_each_role_may_do_exactly_its_actions_on_its_own_organisations_only(
    actor: str, action: Action, organisation: int, allowed: bool
) -> None:
    where = organisation if action in ORGANISATION_ACTIONS else None
    assert may(ACTORS[actor], action, organisation_id=where) is allowed


@pytest.mark.parametrize("action", [a for a in Action if a not in ORGANISATION_ACTIONS])
def test_installation_wide_actions_belong_to_the_owner_and_administrators(action: Action) -> None:
    assert may(Owner(), action) and may(ADMIN, action)
    assert not may(CONSULTANT, action) and not may(VIEWER, action) and not may(LINK, action)
    # Naming an organisation the consultant has does not turn an installation-wide action into theirs.
    assert not may(CONSULTANT, action, organisation_id=OWN)


def test_an_organisation_action_asked_without_an_organisation_is_refused_to_members() -> None:
    assert not may(CONSULTANT, Action.VIEW)
    assert not may(VIEWER, Action.EXPORT)


def test_nobody_signed_in_may_do_nothing() -> None:
    assert not any(may(None, action, organisation_id=OWN) for action in Action)


@pytest.mark.parametrize("action", list(Action))
def test_a_participant_link_answers_its_own_questionnaire_and_does_nothing_else(action: Action) -> None:
    own = {"organisation_id": OWN, "assessment_id": 10, "respondent_id": 20}
    assert may(LINK, action, **own) is (action == Action.ANSWER)


@pytest.mark.parametrize(
    "elsewhere",
    [
        {"organisation_id": OTHER, "assessment_id": 10, "respondent_id": 20},
        {"organisation_id": OWN, "assessment_id": 11, "respondent_id": 20},
        {"organisation_id": OWN, "assessment_id": 10, "respondent_id": 21},
        {"organisation_id": None, "assessment_id": None, "respondent_id": None},
    ],
)
def test_a_participant_link_never_answers_another_assessment_or_as_another_respondent(elsewhere: dict) -> None:
    assert not may(LINK, Action.ANSWER, **elsewhere)


def test_a_link_limited_to_some_domains_answers_those_only() -> None:
    limited = Participant(7, 10, OWN, 20, "Ana", domains=frozenset({"RISK"}))
    where = {"organisation_id": OWN, "assessment_id": 10, "respondent_id": 20}
    assert may(limited, Action.ANSWER, domain_id="RISK", **where)
    assert not may(limited, Action.ANSWER, domain_id="GOV", **where)


def test_facilitating_a_workshop_belongs_to_consultants_of_the_organisation_never_to_viewers_or_participants() -> None:
    # The room's participants vote; only whoever runs the room opens, reveals and agrees.
    assert may(CONSULTANT, Action.FACILITATE, organisation_id=OWN)
    assert not may(CONSULTANT, Action.FACILITATE, organisation_id=OTHER)
    assert not may(VIEWER, Action.FACILITATE, organisation_id=OWN)
    assert not may(LINK, Action.FACILITATE, organisation_id=OWN, assessment_id=10, respondent_id=20)
    with pytest.raises(AccessDenied, match=r"viewer@example\.com may not facilitate workshops here"):
        require(VIEWER, Action.FACILITATE, organisation_id=OWN)


def test_require_raises_saying_what_was_refused() -> None:
    require(CONSULTANT, Action.VIEW, organisation_id=OWN)
    with pytest.raises(AccessDenied, match=r"consultant@example\.com may not view here"):
        require(CONSULTANT, Action.VIEW, organisation_id=OTHER)


def test_visible_organisations_are_the_assigned_ones_for_consultants_and_viewers() -> None:
    class Org:
        def __init__(self, id: int) -> None:
            self.id = id

    orgs = [Org(1), Org(2), Org(3)]
    assert [o.id for o in visible_organisations(ADMIN, orgs)] == [1, 2, 3]
    assert [o.id for o in visible_organisations(Owner(), orgs)] == [1, 2, 3]
    assert [o.id for o in visible_organisations(CONSULTANT, orgs)] == [1]
    assert [o.id for o in visible_organisations(VIEWER, orgs)] == [1]
    assert visible_organisations(LINK, orgs) == [] and visible_organisations(None, orgs) == []


@pytest.mark.parametrize(
    ("configured", "address", "mode"),
    [
        (False, "127.0.0.1", Mode.PERSONAL),
        (False, "localhost", Mode.PERSONAL),
        (False, "::1", Mode.PERSONAL),
        (False, "127.0.0.2", Mode.PERSONAL),
        (False, "0.0.0.0", Mode.LOCKED),
        (False, "", Mode.LOCKED),
        (False, None, Mode.LOCKED),
        (False, "192.0.2.10", Mode.LOCKED),
        (False, "app.example.com", Mode.LOCKED),
        (True, "127.0.0.1", Mode.SHARED),
        (True, "0.0.0.0", Mode.SHARED),
    ],
)
def test_the_serving_mode_follows_the_address_and_whether_sign_in_is_configured(
    configured: bool, address: str | None, mode: Mode
) -> None:
    assert serving_mode(sign_in_configured=configured, address=address) is mode


def test_benchmark_packs_are_installation_wide_and_belong_to_administrators() -> None:
    assert Action.BENCHMARK_PACKS not in ORGANISATION_ACTIONS
    assert may(ADMIN, Action.BENCHMARK_PACKS) and may(Owner(), Action.BENCHMARK_PACKS)
    # A pack holds every organisation's scores, so a consultant may not export one even for their own client.
    assert not may(CONSULTANT, Action.BENCHMARK_PACKS, organisation_id=OWN)
    assert not may(VIEWER, Action.BENCHMARK_PACKS)


@pytest.mark.parametrize(
    ("actor", "finding_organisation", "assessment_organisation", "allowed"),
    [
        ("owner", OWN, OWN, True),
        ("administrator", OTHER, OTHER, True),
        ("consultant", OWN, OWN, True),
        ("viewer", OWN, OWN, False),
        ("consultant", OTHER, OTHER, False),
        # A finding never crosses organisations, whoever asks: not even the owner or an administrator.
        ("owner", OTHER, OWN, False),
        ("administrator", OWN, OTHER, False),
        ("consultant", OTHER, OWN, False),
        ("consultant", OWN, OTHER, False),
    ],
)
def test_a_finding_becomes_a_step_only_by_a_planner_and_only_in_its_own_organisation(
    actor: str, finding_organisation: int, assessment_organisation: int, allowed: bool
) -> None:
    decided = may_plan_finding(
        ACTORS[actor], finding_organisation_id=finding_organisation, assessment_organisation_id=assessment_organisation
    )
    assert decided is allowed


def test_a_participant_link_or_nobody_never_plans_a_finding() -> None:
    assert not may_plan_finding(LINK, finding_organisation_id=OWN, assessment_organisation_id=OWN)
    assert not may_plan_finding(None, finding_organisation_id=OWN, assessment_organisation_id=OWN)
