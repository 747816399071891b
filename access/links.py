"""Participant links: a random token in a URL opens one respondent's questionnaire of one assessment.

The token carries 256 random bits and is shown once, when the link is made; the database keeps only
its SHA-256, so neither a backup nor someone reading the database can open a link. A token that is
not even shaped like one is refused before anything is hashed or queried.
"""

from __future__ import annotations

import hashlib
import re
import secrets
from collections.abc import Collection
from datetime import UTC, datetime, timedelta
from typing import Final

from sqlite_utils import Database

from access.actors import Participant
from questionnaires.catalog import UnknownQuestionnaire, get_questionnaire
from storage.assessments import get_assessment
from storage.audit import record_event
from storage.choices import MAX_LINK_DAYS, MIN_LINK_DAYS
from storage.errors import StorageError
from storage.links import LinkError, find_link, get_link, insert_link, revoke_link
from storage.records import ParticipantLink
from storage.respondents import get_or_create_respondent, get_respondent
from storage.transactions import write_transaction


class LinkRefused(StorageError):
    """A participant link that does not open: unknown, withdrawn or expired; the message tells the participant what to do."""


TOKEN_BYTES: Final = 32
# secrets.token_urlsafe(32) is the unpadded base64url of 32 bytes: always 43 characters of this alphabet.
TOKEN_LENGTH: Final = 43
_TOKEN_SHAPE: Final = re.compile(r"[A-Za-z0-9_-]{43}")

LINK_CREATED: Final = "participant link created"
LINK_REVOKED: Final = "participant link revoked"

NOT_VALID: Final = "This link is not valid: check that it was copied whole, or ask the facilitator for a new one."


def token_hash(token: str) -> str:
    """Return the SHA-256 hex digest stored for a token."""
    return hashlib.sha256(token.encode("ascii")).hexdigest()


def _day(moment: datetime) -> str:
    """A date as participants read it, e.g. '3 Dec 2026' (UTC)."""
    day = moment.astimezone(UTC)
    return f"{day.day} {day:%b %Y}"


def _checked_days(days: object) -> int:
    if isinstance(days, bool) or not isinstance(days, int) or not MIN_LINK_DAYS <= days <= MAX_LINK_DAYS:
        raise LinkError(
            f"A link lasts {MIN_LINK_DAYS} to {MAX_LINK_DAYS} days, not {days!r}; give a whole number of days "
            "such as 14."
        )
    return days


def _checked_domains(domains: Collection[str], domain_ids: list[str], where: str) -> tuple[str, ...]:
    if isinstance(domains, str):
        raise LinkError(f"Domains must be a list of domain ids such as ['BIA'], not the text {domains!r}.")
    unknown = [repr(domain) for domain in domains if domain not in domain_ids]
    if unknown:
        raise LinkError(
            f"Domain {', '.join(unknown)} is not in {where}; choose from {', '.join(domain_ids)} "
            "(or none, for every domain)."
        )
    # Kept in the questionnaire's order, each once, whatever order they were given in.
    return tuple(domain for domain in domain_ids if domain in set(domains))


def create_participant_link(
    db: Database,
    assessment_id: int,
    respondent_name: str,
    *,
    days: int = 14,
    domains: Collection[str] = (),
    created_by: str,
) -> tuple[str, ParticipantLink]:
    """Make a link for a respondent (found by name, or added) and return its token with the stored link.

    The token is returned once and never stored; join_url turns it into the address to send.
    """
    lifetime = _checked_days(days)
    assessment = get_assessment(db, assessment_id)
    try:
        questionnaire = get_questionnaire(assessment.questionnaire_id, assessment.questionnaire_version)
    except UnknownQuestionnaire as exc:
        raise LinkError(f"No link can be made for assessment '{assessment.label}': {exc}") from None
    chosen = _checked_domains(
        domains,
        [domain.id for domain in questionnaire.domains],
        f"questionnaire '{questionnaire.id}' version {questionnaire.version}",
    )
    token = secrets.token_urlsafe(TOKEN_BYTES)
    with write_transaction(db):
        respondent = get_or_create_respondent(db, assessment.id, respondent_name)
        link = insert_link(
            db,
            token_hash(token),
            assessment.id,
            respondent.id,
            chosen,
            created_by,
            datetime.now(UTC) + timedelta(days=lifetime),
        )
        record_event(
            db,
            created_by,
            LINK_CREATED,
            assessment.organisation_id,
            f"link {link.id} for {respondent.name} on assessment '{assessment.label}' ({assessment.id}); "
            f"domains {', '.join(link.domains) or 'all'}; expires {_day(link.expires_at)}",
        )
    return token, link


def participant_for(db: Database, token: str, *, now: datetime | None = None) -> Participant:
    """Return the participant a link's token opens, or raise LinkRefused saying why and what to do."""
    # Checked before hashing or querying: a junk parameter costs a length test and one regex match.
    if not isinstance(token, str) or len(token) != TOKEN_LENGTH or not _TOKEN_SHAPE.fullmatch(token):
        raise LinkRefused(NOT_VALID)
    link = find_link(db, token_hash(token))
    if link is None:
        raise LinkRefused(NOT_VALID)
    if link.revoked_at is not None:
        raise LinkRefused(
            f"This link was withdrawn by the facilitator on {_day(link.revoked_at)}; "
            "ask them for a new one if you still have answers to give."
        )
    moment = datetime.now(UTC) if now is None else now
    if moment >= link.expires_at:
        raise LinkRefused(f"This link expired on {_day(link.expires_at)}; ask the facilitator for a new one.")
    assessment = get_assessment(db, link.assessment_id)
    respondent = get_respondent(db, link.respondent_id)
    return Participant(
        link_id=link.id,
        assessment_id=assessment.id,
        organisation_id=assessment.organisation_id,
        respondent_id=respondent.id,
        respondent_name=respondent.name,
        domains=frozenset(link.domains),
    )


def revoke_participant_link(db: Database, link_id: int, *, by: str) -> ParticipantLink:
    """Withdraw a link now and record it in the audit log; withdrawing it again changes and records nothing."""
    with write_transaction(db):
        before = get_link(db, link_id)
        link = revoke_link(db, before.id)
        if before.revoked_at is None:
            assessment = get_assessment(db, link.assessment_id)
            respondent = get_respondent(db, link.respondent_id)
            record_event(
                db,
                by,
                LINK_REVOKED,
                assessment.organisation_id,
                f"link {link.id} for {respondent.name} on assessment '{assessment.label}' ({assessment.id})",
            )
        return link


def join_url(base_url: str, token: str) -> str:
    """Return the address a participant opens: the app's base URL with the token as ?join=."""
    return f"{base_url.rstrip('/')}/?join={token}"
