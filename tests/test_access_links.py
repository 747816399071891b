"""Participant links: a 256-bit token shown once and stored only as its hash, expiry, withdrawal, domains checked
against the questionnaire, junk refused before any work, and an audit entry for each link made or withdrawn."""

from __future__ import annotations

import base64
import contextlib
import hashlib
import time
from datetime import UTC, datetime, timedelta

import pytest
from sqlite_utils import Database
from storage_helpers import add_assessment, build_questionnaire

from access import Action, may
from access.links import (
    NOT_VALID,
    LinkRefused,
    create_participant_link,
    join_url,
    participant_for,
    revoke_participant_link,
)
from questionnaires.catalog import get_questionnaire
from storage import add_respondent, list_audit, list_links, list_respondents
from storage.errors import NotFoundError
from storage.links import LinkError
from storage.records import Assessment

BY = "ana@example.org"


@pytest.fixture
def assessment(db: Database) -> Assessment:
    """An assessment against the shipped questionnaire (domains RISK, BIA, REC, TEST, GOV), as links look it up."""
    return add_assessment(db, get_questionnaire("itscm", "2026.1"))


def day(moment: datetime) -> str:
    return f"{moment.day} {moment:%b %Y}"


def every_stored_text(db: Database) -> str:
    """Every text value in every table, joined, to search for something that must not be stored."""
    values: list[str] = []
    for table in db.table_names():
        for row in db.execute(f'SELECT * FROM "{table}"').fetchall():
            values += [value for value in row if isinstance(value, str)]
    return "\n".join(values)


def test_a_link_opens_its_respondents_questionnaire_of_its_assessment(db: Database, assessment: Assessment) -> None:
    token, link = create_participant_link(db, assessment.id, "Ben Okafor", created_by=BY)
    participant = participant_for(db, token)
    [respondent] = list_respondents(db, assessment.id)
    assert (participant.link_id, participant.assessment_id, participant.organisation_id) == (
        link.id,
        assessment.id,
        assessment.organisation_id,
    )
    assert (participant.respondent_id, participant.respondent_name, participant.domains) == (
        respondent.id,
        "Ben Okafor",
        frozenset(),
    )
    assert link.expires_at - link.created_at == pytest.approx(timedelta(days=14), abs=timedelta(seconds=5))


def test_the_token_is_never_stored_only_its_sha256(db: Database, assessment: Assessment) -> None:
    token, link = create_participant_link(db, assessment.id, "Ben", created_by=BY)
    stored = every_stored_text(db)
    assert token not in stored
    assert token[:20] not in stored
    assert db.execute("SELECT token_hash FROM participant_links WHERE id = ?", [link.id]).fetchone()[0] == (
        hashlib.sha256(token.encode()).hexdigest()
    )


def test_a_token_carries_256_random_bits_and_never_repeats(db: Database, assessment: Assessment) -> None:
    tokens = {create_participant_link(db, assessment.id, "Ben", created_by=BY)[0] for _ in range(50)}
    assert len(tokens) == 50
    for token in tokens:
        assert len(base64.urlsafe_b64decode(token + "=")) == 32  # 256 bits, far above the 128 required


def test_an_existing_respondent_is_reused_ignoring_case_and_a_new_one_added(
    db: Database, assessment: Assessment
) -> None:
    ana = add_respondent(db, assessment.id, "Ana")
    assert create_participant_link(db, assessment.id, "ANA", created_by=BY)[1].respondent_id == ana.id
    ben = create_participant_link(db, assessment.id, "Ben", created_by=BY)[1]
    assert [r.name for r in list_respondents(db, assessment.id)] == ["Ana", "Ben"]
    assert ben.respondent_id != ana.id


def test_domains_are_checked_against_the_questionnaire_and_kept_in_its_order(
    db: Database, assessment: Assessment
) -> None:
    token, link = create_participant_link(db, assessment.id, "Ben", domains=["GOV", "BIA", "GOV"], created_by=BY)
    assert link.domains == ("BIA", "GOV")
    participant = participant_for(db, token)
    assert participant.domains == {"BIA", "GOV"}
    where = {"organisation_id": assessment.organisation_id, "assessment_id": assessment.id}
    assert may(participant, Action.ANSWER, respondent_id=participant.respondent_id, domain_id="BIA", **where)
    assert not may(participant, Action.ANSWER, respondent_id=participant.respondent_id, domain_id="REC", **where)


@pytest.mark.parametrize(
    ("domains", "problem"),
    [
        (["HR"], r"Domain 'HR' is not in questionnaire 'itscm' version 2026\.1; choose from RISK, BIA, REC, TEST, GOV"),
        (["bia", "XX"], r"Domain 'bia', 'XX' is not in"),
        ("BIA", r"not the text 'BIA'"),
    ],
)
def test_a_domain_not_in_the_questionnaire_is_refused_and_nothing_is_written(
    db: Database, assessment: Assessment, domains: object, problem: str
) -> None:
    with pytest.raises(LinkError, match=problem):
        create_participant_link(db, assessment.id, "Ben", domains=domains, created_by=BY)  # type: ignore[arg-type]
    assert list_links(db, assessment.id) == ()
    assert list_respondents(db, assessment.id) == ()
    assert list_audit(db) == ()


@pytest.mark.parametrize("days", [0, -1, 366, True, 1.5, "14"])
def test_a_lifetime_outside_1_to_365_days_is_refused(db: Database, assessment: Assessment, days: object) -> None:
    with pytest.raises(LinkError, match="A link lasts 1 to 365 days"):
        create_participant_link(db, assessment.id, "Ben", days=days, created_by=BY)  # type: ignore[arg-type]


@pytest.mark.parametrize("days", [1, 365])
def test_a_lifetime_of_1_or_365_days_is_accepted(db: Database, assessment: Assessment, days: int) -> None:
    link = create_participant_link(db, assessment.id, "Ben", days=days, created_by=BY)[1]
    assert link.expires_at - link.created_at == pytest.approx(timedelta(days=days), abs=timedelta(seconds=5))


def test_a_link_to_an_assessment_whose_questionnaire_is_not_installed_is_refused(db: Database) -> None:
    orphan = add_assessment(db, build_questionnaire(), label="Old model")
    with pytest.raises(LinkError, match="No link can be made for assessment 'Old model': questionnaire 'storage-test'"):
        create_participant_link(db, orphan.id, "Ben", created_by=BY)
    with pytest.raises(NotFoundError, match="No assessment with id 99"):
        create_participant_link(db, 99, "Ben", created_by=BY)


def test_making_a_link_is_audited_with_the_organisation(db: Database, assessment: Assessment) -> None:
    link = create_participant_link(db, assessment.id, "Ben", days=7, domains=["BIA"], created_by=BY)[1]
    [entry] = list_audit(db)
    assert (entry.actor, entry.action, entry.organisation_id) == (
        BY,
        "participant link created",
        assessment.organisation_id,
    )
    assert entry.detail == (
        f"link {link.id} for Ben on assessment 'FY2026' ({assessment.id}); domains BIA; expires {day(link.expires_at)}"
    )


def test_an_expired_link_is_refused_naming_the_day_it_expired(db: Database, assessment: Assessment) -> None:
    token, link = create_participant_link(db, assessment.id, "Ben", days=3, created_by=BY)
    assert participant_for(db, token, now=link.expires_at - timedelta(seconds=1)).link_id == link.id
    with pytest.raises(LinkRefused) as refused:
        participant_for(db, token, now=link.expires_at)
    assert str(refused.value) == f"This link expired on {day(link.expires_at)}; ask the facilitator for a new one."
    assert day(datetime(2026, 12, 3, tzinfo=UTC)) == "3 Dec 2026"


def test_a_withdrawn_link_is_refused_and_withdrawing_is_audited_once(db: Database, assessment: Assessment) -> None:
    token, link = create_participant_link(db, assessment.id, "Ben", created_by=BY)
    revoked = revoke_participant_link(db, link.id, by="boss@example.org")
    assert revoked.revoked_at is not None
    with pytest.raises(LinkRefused, match=f"This link was withdrawn by the facilitator on {day(revoked.revoked_at)}"):
        participant_for(db, token)
    again = revoke_participant_link(db, link.id, by="boss@example.org")
    assert again.revoked_at == revoked.revoked_at
    entries = list_audit(db, action="participant link revoked")
    assert [(e.actor, e.organisation_id) for e in entries] == [("boss@example.org", assessment.organisation_id)]
    assert entries[0].detail == f"link {link.id} for Ben on assessment 'FY2026' ({assessment.id})"


def test_withdrawing_one_link_leaves_the_others_open(db: Database, assessment: Assessment) -> None:
    first, first_link = create_participant_link(db, assessment.id, "Ben", created_by=BY)
    second, _ = create_participant_link(db, assessment.id, "Ben", created_by=BY)
    revoke_participant_link(db, first_link.id, by=BY)
    assert participant_for(db, second).respondent_name == "Ben"
    with pytest.raises(LinkRefused):
        participant_for(db, first)


def test_a_well_formed_token_that_was_never_issued_is_not_valid(db: Database, assessment: Assessment) -> None:
    token, _ = create_participant_link(db, assessment.id, "Ben", created_by=BY)
    other = ("A" if token[0] != "A" else "B") + token[1:]
    with pytest.raises(LinkRefused) as refused:
        participant_for(db, other)
    assert str(refused.value) == (
        "This link is not valid: check that it was copied whole, or ask the facilitator for a new one."
    )


class NoDatabase:
    """Stands in for the database where a refusal must not reach it: any use fails the test."""

    def __getattr__(self, name: str) -> object:
        raise AssertionError(f"the database was used ({name}) for a token that is not one")


JUNK = [
    "",
    "abc",
    "x" * 42,
    "x" * 44,
    "x" * 42 + "=",
    "x" * 42 + "/",
    "x" * 42 + " ",
    "x" * 42 + "é",
    "' OR 1=1 --" + "x" * 32,
    "x" * 10_000_000,
    None,
    43,
    b"x" * 43,
]


@pytest.mark.parametrize("junk", JUNK, ids=lambda value: repr(value)[:20])
def test_junk_is_refused_as_not_valid_without_touching_the_database(junk: object) -> None:
    with pytest.raises(LinkRefused) as refused:
        participant_for(NoDatabase(), junk)  # type: ignore[arg-type]
    assert str(refused.value) == NOT_VALID


def test_junk_and_unknown_tokens_are_refused_in_microseconds(db: Database, assessment: Assessment) -> None:
    create_participant_link(db, assessment.id, "Ben", created_by=BY)
    unknown = "A" * 43

    def seconds_each(token: object, repeat: int) -> float:
        best = float("inf")
        for _ in range(5):  # the best of five runs, so a busy machine does not decide the outcome
            started = time.perf_counter()
            for _ in range(repeat):
                with contextlib.suppress(LinkRefused):
                    participant_for(db, token)  # type: ignore[arg-type]
            best = min(best, (time.perf_counter() - started) / repeat)
        return best

    # Measured on this 2-core machine: 0.3 µs for junk (no hash, no query), 9 µs for an unknown token.
    assert seconds_each("x" * 10_000_000, 1_000) < 50e-6
    assert seconds_each("not a token", 1_000) < 50e-6
    assert seconds_each(unknown, 200) < 1e-3


def test_the_join_url_puts_the_token_after_the_base_address() -> None:
    assert join_url("https://itscm.example.org/", "tok_en-1") == "https://itscm.example.org/?join=tok_en-1"
    assert join_url("http://localhost:8501", "t") == "http://localhost:8501/?join=t"
