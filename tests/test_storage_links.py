"""Participant links in storage: a token hash, one respondent of one assessment, domains, expiry and withdrawal."""

from __future__ import annotations

import hashlib
from datetime import UTC, datetime, timedelta

import pytest
from sqlite_utils import Database
from storage_helpers import add_assessment, table_counts

from questionnaires.model import Questionnaire
from storage import add_respondent, find_link, get_link, insert_link, list_links, revoke_link
from storage.errors import NotFoundError
from storage.links import LinkError
from storage.records import Assessment, Respondent

HASH = hashlib.sha256(b"token").hexdigest()
LATER = datetime.now(UTC) + timedelta(days=14)


def test_a_link_is_stored_and_found_by_its_hash(db: Database, assessment: Assessment, respondent: Respondent) -> None:
    link = insert_link(db, HASH, assessment.id, respondent.id, ["BIA", "GOV"], "ana@example.org", LATER)
    assert (link.assessment_id, link.respondent_id, link.domains, link.created_by) == (
        assessment.id,
        respondent.id,
        ("BIA", "GOV"),
        "ana@example.org",
    )
    assert link.expires_at == LATER
    assert link.revoked_at is None
    assert find_link(db, HASH) == link == get_link(db, link.id)
    assert link.is_open(datetime.now(UTC))


def test_a_link_for_every_domain_stores_no_domains(
    db: Database, assessment: Assessment, respondent: Respondent
) -> None:
    link = insert_link(db, HASH, assessment.id, respondent.id, [], "ana@example.org", LATER)
    assert link.domains == ()
    assert db.execute("SELECT domains FROM participant_links").fetchone()[0] == ""


def test_repeated_domains_are_stored_once(db: Database, assessment: Assessment, respondent: Respondent) -> None:
    link = insert_link(db, HASH, assessment.id, respondent.id, ["GOV", "BIA", "GOV"], "ana@example.org", LATER)
    assert link.domains == ("GOV", "BIA")


@pytest.mark.parametrize("token_hash", ["", "abc", HASH.upper(), HASH + "0", HASH[:-1] + "g", None])
def test_text_that_is_not_a_sha256_digest_is_refused_and_never_found(
    db: Database, assessment: Assessment, respondent: Respondent, token_hash: object
) -> None:
    with pytest.raises(LinkError, match="SHA-256 hex digest"):
        insert_link(db, token_hash, assessment.id, respondent.id, [], "ana", LATER)  # type: ignore[arg-type]
    assert find_link(db, token_hash) is None  # type: ignore[arg-type]


@pytest.mark.parametrize(
    ("domains", "problem"),
    [(["bia"], "Domain 'bia' is not a domain id"), (["B,IA"], "is not a domain id"), ("BIA", "not the text 'BIA'")],
)
def test_domains_that_are_not_domain_ids_are_refused(
    db: Database, assessment: Assessment, respondent: Respondent, domains: object, problem: str
) -> None:
    with pytest.raises(LinkError, match=problem):
        insert_link(db, HASH, assessment.id, respondent.id, domains, "ana", LATER)  # type: ignore[arg-type]


def test_an_expiry_in_the_past_or_without_a_time_zone_is_refused(
    db: Database, assessment: Assessment, respondent: Respondent
) -> None:
    before = table_counts(db)
    with pytest.raises(LinkError, match="already past"):
        insert_link(db, HASH, assessment.id, respondent.id, [], "ana", datetime.now(UTC) - timedelta(seconds=1))
    with pytest.raises(LinkError, match="time zone"):
        insert_link(db, HASH, assessment.id, respondent.id, [], "ana", datetime(2099, 1, 1))
    assert table_counts(db) == before


def test_a_respondent_of_another_assessment_is_refused(
    db: Database, questionnaire: Questionnaire, assessment: Assessment
) -> None:
    other = add_assessment(db, questionnaire, label="FY2027")
    stranger = add_respondent(db, other.id, "Ben")
    with pytest.raises(LinkError, match="Respondent 'Ben' answers another assessment, not 'FY2026'"):
        insert_link(db, HASH, assessment.id, stranger.id, [], "ana", LATER)
    with pytest.raises(NotFoundError, match="No respondent with id 99"):
        insert_link(db, HASH, assessment.id, 99, [], "ana", LATER)
    with pytest.raises(NotFoundError, match="No assessment with id 99"):
        insert_link(db, HASH, 99, stranger.id, [], "ana", LATER)


def test_a_hash_already_used_is_refused(db: Database, assessment: Assessment, respondent: Respondent) -> None:
    insert_link(db, HASH, assessment.id, respondent.id, [], "ana", LATER)
    with pytest.raises(LinkError, match="already used by another link"):
        insert_link(db, HASH, assessment.id, respondent.id, [], "ana", LATER)


def test_the_creator_is_checked_like_a_name(db: Database, assessment: Assessment, respondent: Respondent) -> None:
    with pytest.raises(LinkError, match="Link creator is empty"):
        insert_link(db, HASH, assessment.id, respondent.id, [], "  ", LATER)
    with pytest.raises(LinkError, match="Link creator contains an invisible control character"):
        insert_link(db, HASH, assessment.id, respondent.id, [], "ana\x00", LATER)


def test_revoking_twice_keeps_the_first_time(db: Database, assessment: Assessment, respondent: Respondent) -> None:
    link = insert_link(db, HASH, assessment.id, respondent.id, [], "ana", LATER)
    first = revoke_link(db, link.id)
    assert first.revoked_at is not None
    assert not first.is_open(datetime.now(UTC))
    assert revoke_link(db, link.id).revoked_at == first.revoked_at
    with pytest.raises(NotFoundError, match="No participant link with id 99"):
        revoke_link(db, 99)


def test_an_assessments_links_are_listed_oldest_first_and_only_its_own(
    db: Database, questionnaire: Questionnaire, assessment: Assessment, respondent: Respondent
) -> None:
    other = add_assessment(db, questionnaire, label="FY2027")
    insert_link(
        db, hashlib.sha256(b"other").hexdigest(), other.id, add_respondent(db, other.id, "Ben").id, [], "a", LATER
    )
    first = insert_link(db, hashlib.sha256(b"1").hexdigest(), assessment.id, respondent.id, [], "ana", LATER)
    second = insert_link(db, hashlib.sha256(b"2").hexdigest(), assessment.id, respondent.id, ["GOV"], "ana", LATER)
    revoke_link(db, first.id)
    assert [link.id for link in list_links(db, assessment.id)] == [first.id, second.id]
    with pytest.raises(NotFoundError):
        list_links(db, 99)
