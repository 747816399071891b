"""Who is asking: the owner of a personal installation, a signed-in member, or a participant link."""

from __future__ import annotations

from dataclasses import dataclass, field
from typing import Final

# Storage keeps the role list (it checks every stored role); access reads it from there, never the reverse.
from storage.choices import ROLES, Role

__all__ = ["ROLES", "ROLE_DESCRIPTIONS", "Actor", "Member", "Owner", "Participant", "Role"]

ROLE_DESCRIPTIONS: Final[dict[Role, str]] = {
    "administrator": "everything, and the Admin page (users, roles, organisations, audit log)",
    "consultant": "the organisations assigned to them: assessments, workshops, results, roadmaps, exports, links",
    "viewer": "read-only on the organisations assigned to them: results, roadmap and exports",
}


@dataclass(frozen=True)
class Owner:
    """The one user of a personal installation (served on this machine only, no sign-in configured)."""

    label: str = "owner (personal mode)"


@dataclass(frozen=True)
class Member:
    """A signed-in person with a role; consultants and viewers work on their assigned organisations only."""

    user_id: int
    email: str
    role: Role
    organisations: frozenset[int] = field(default_factory=frozenset)

    @property
    def label(self) -> str:
        """How the audit log names this person."""
        return self.email


@dataclass(frozen=True)
class Participant:
    """Someone who opened a participant link: one respondent of one assessment, optionally some domains only."""

    link_id: int
    assessment_id: int
    organisation_id: int
    respondent_id: int
    respondent_name: str
    domains: frozenset[str] = field(default_factory=frozenset)

    @property
    def label(self) -> str:
        """How the audit log names this participant."""
        return f"participant link {self.link_id} ({self.respondent_name})"

    def answers_domain(self, domain_id: str) -> bool:
        """Whether the link lets its participant answer this domain (no domains listed: every domain)."""
        return not self.domains or domain_id in self.domains


Actor = Owner | Member | Participant
