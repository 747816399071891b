"""Participant links: one respondent of one assessment, found by the SHA-256 of the link's token.

The token is made and checked by access.links; storage never sees it, only its hash, so a copy of
the database hands out no working link.
"""

from __future__ import annotations

import re
from collections.abc import Collection
from datetime import UTC, datetime
from typing import Any, Final

from sqlite_utils import Database

from storage.assessments import get_assessment
from storage.choices import MAX_ACTOR
from storage.errors import NotFoundError, StorageError
from storage.records import ParticipantLink
from storage.respondents import get_respondent
from storage.timestamps import now_text, to_datetime, to_optional_datetime
from storage.transactions import write_transaction
from storage.validation import check_id, clean_name


class LinkError(StorageError):
    """A participant link's token hash, domains, creator or expiry is not acceptable."""


# The hex digest of SHA-256, as hashlib's hexdigest() writes it.
TOKEN_HASH: Final = re.compile(r"[0-9a-f]{64}")
# A questionnaire domain id (questionnaires.model.Domain); ids never hold the separator.
DOMAIN_ID: Final = re.compile(r"[A-Z][A-Z0-9]{0,15}")
DOMAIN_SEPARATOR: Final = ","

_SELECT = (
    "SELECT id, assessment_id, respondent_id, domains, created_by, created_at, expires_at, revoked_at "
    "FROM participant_links"
)


def domains_text(domains: Collection[str]) -> str:
    """Return the stored form of a link's domains ('' for every domain), after checking each is a domain id."""
    if isinstance(domains, str):
        raise LinkError(f"domains must be a list of domain ids such as ['BIA', 'REC'], not the text {domains!r}.")
    unique: list[str] = []
    for domain in domains:
        if not isinstance(domain, str) or not DOMAIN_ID.fullmatch(domain):
            raise LinkError(
                f"Domain {domain!r} is not a domain id; use the questionnaire's ids, such as BIA "
                "(capital letters and digits)."
            )
        if domain not in unique:
            unique.append(domain)
    return DOMAIN_SEPARATOR.join(unique)


def parse_domains(text: str) -> tuple[str, ...]:
    """Return the domains stored as text (empty for every domain)."""
    return tuple(text.split(DOMAIN_SEPARATOR)) if text else ()


def check_token_hash(value: object) -> str:
    """Return a token hash after checking it is a SHA-256 hex digest (64 lower-case hex characters)."""
    if not isinstance(value, str) or not TOKEN_HASH.fullmatch(value):
        raise LinkError("The token hash must be the SHA-256 hex digest of the token (64 characters 0-9, a-f).")
    return value


def _moment_text(value: object, field: str) -> str:
    if not isinstance(value, datetime) or value.tzinfo is None:
        raise LinkError(f"{field} {value!r} must be a date and time with its time zone, such as datetime.now(UTC).")
    return value.astimezone(UTC).isoformat(timespec="microseconds")


def _link(row: dict[str, Any]) -> ParticipantLink:
    return ParticipantLink(
        id=row["id"],
        assessment_id=row["assessment_id"],
        respondent_id=row["respondent_id"],
        domains=parse_domains(row["domains"]),
        created_by=row["created_by"],
        created_at=to_datetime(row["created_at"]),
        expires_at=to_datetime(row["expires_at"]),
        revoked_at=to_optional_datetime(row["revoked_at"]),
    )


def insert_link(
    db: Database,
    token_hash: str,
    assessment_id: int,
    respondent_id: int,
    domains: Collection[str],
    created_by: str,
    expires_at: datetime,
) -> ParticipantLink:
    """Store a participant link for a respondent of an assessment, open until `expires_at`."""
    checked_hash = check_token_hash(token_hash)
    stored_domains = domains_text(domains)
    creator = clean_name(created_by, field="Link creator", max_length=MAX_ACTOR, error=LinkError)
    expiry = _moment_text(expires_at, "Link expiry")
    if expires_at <= datetime.now(UTC):
        raise LinkError(f"Link expiry {expires_at:%Y-%m-%d %H:%M} is already past; give a later date and time.")
    with write_transaction(db):
        assessment = get_assessment(db, assessment_id)
        respondent = get_respondent(db, respondent_id)
        if respondent.assessment_id != assessment.id:
            raise LinkError(
                f"Respondent '{respondent.name}' answers another assessment, not '{assessment.label}'; "
                "add the respondent to this assessment first."
            )
        if db.execute("SELECT 1 FROM participant_links WHERE token_hash = ?", [checked_hash]).fetchone():
            raise LinkError("This token hash is already used by another link; make a new token.")
        table = db.table("participant_links")
        table.insert(
            {
                "token_hash": checked_hash,
                "assessment_id": assessment.id,
                "respondent_id": respondent.id,
                "domains": stored_domains,
                "created_by": creator,
                "created_at": now_text(),
                "expires_at": expiry,
                "revoked_at": None,
            }
        )
        return get_link(db, int(table.last_pk))


def get_link(db: Database, link_id: int) -> ParticipantLink:
    """Return the participant link with this id, or raise NotFoundError."""
    check_id(link_id, what="participant link")
    rows = list(db.query(_SELECT + " WHERE id = ?", [link_id]))
    if not rows:
        raise NotFoundError(f"No participant link with id {link_id}; pick one from the assessment's links.")
    return _link(rows[0])


def find_link(db: Database, token_hash: str) -> ParticipantLink | None:
    """Return the link whose token has this SHA-256 hex digest, or None (also for text that is no digest)."""
    if not isinstance(token_hash, str) or not TOKEN_HASH.fullmatch(token_hash):
        return None
    rows = list(db.query(_SELECT + " WHERE token_hash = ?", [token_hash]))
    return _link(rows[0]) if rows else None


def revoke_link(db: Database, link_id: int) -> ParticipantLink:
    """Withdraw a link from now on; a link withdrawn already keeps the time it was first withdrawn."""
    with write_transaction(db):
        link = get_link(db, link_id)
        db.execute(
            "UPDATE participant_links SET revoked_at = coalesce(revoked_at, ?) WHERE id = ?", [now_text(), link.id]
        )
        return get_link(db, link.id)


def list_links(db: Database, assessment_id: int) -> tuple[ParticipantLink, ...]:
    """Return an assessment's participant links, oldest first, withdrawn and expired ones included."""
    assessment = get_assessment(db, assessment_id)
    rows = db.query(_SELECT + " WHERE assessment_id = ? ORDER BY id", [assessment.id])
    return tuple(_link(row) for row in rows)
