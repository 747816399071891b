"""Confidence per domain: evidence freshness, respondents' spread and checks passed, with what lowers it."""

from __future__ import annotations

from datetime import date

import pytest
from hypothesis import given
from hypothesis import strategies as st

from scoring.confidence import (
    CONFIDENCE_LEVELS,
    ConfidenceLevel,
    DomainConfidence,
    domain_confidence,
    evidence_freshness,
    newest_evidence_dates,
)
from scoring.evidenced import UnsupportedClaim
from scoring.responses import NA, ConsensusValue, Response, resolve_questions
from tests.scoring_fixtures import answers, panel, question, questionnaire

TODAY = date(2026, 6, 30)
FRESH = date(2026, 1, 15)
STALE = date(2025, 3, 3)
BIA = questionnaire([question(f"BIA-{n:02d}", na_allowed=True) for n in range(1, 11)] + [question("GOV-01")])
BIA_IDS = tuple(f"BIA-{n:02d}" for n in range(1, 11))


def claim(question_id: str) -> UnsupportedClaim:
    return UnsupportedClaim(question_id, "last_test_met_rto", 3, 4, 2, "no test of Payments", ())


def confidence(
    dates: dict[str, date],
    *,
    responses: list[Response] | None = None,
    claims: tuple[UnsupportedClaim, ...] = (),
    consensus: dict[str, ConsensusValue] | None = None,
) -> DomainConfidence:
    given_answers = responses if responses is not None else answers(dict.fromkeys(BIA_IDS, 3))
    results = resolve_questions(BIA, given_answers, consensus)
    return domain_confidence(BIA, results, dates, claims, TODAY)["BIA"]


@pytest.mark.parametrize(
    ("day", "expected"),
    [
        (None, "undated"),
        (date(2025, 6, 30), "fresh"),  # exactly 12 months before today
        (date(2025, 6, 29), "stale"),
        (TODAY, "fresh"),
    ],
)
def test_evidence_is_stale_only_when_dated_before_the_same_day_twelve_months_ago(
    day: date | None, expected: str
) -> None:
    assert evidence_freshness(day, TODAY, 12) == expected


def test_a_short_month_keeps_evidence_fresh_up_to_its_last_day() -> None:
    assert evidence_freshness(date(2026, 2, 28), date(2026, 3, 31), 1) == "fresh"
    assert evidence_freshness(date(2026, 2, 27), date(2026, 3, 31), 1) == "stale"


def test_the_newest_date_of_several_respondents_counts_and_undated_answers_are_skipped() -> None:
    pairs = [("BIA-01", STALE), ("BIA-01", FRESH), ("BIA-02", None), ("BIA-03", STALE)]
    assert newest_evidence_dates(pairs) == {"BIA-01": FRESH, "BIA-03": STALE}


def test_every_answer_with_fresh_dated_evidence_and_nothing_else_gives_high_with_no_reasons() -> None:
    found = confidence(dict.fromkeys(BIA_IDS, FRESH))
    assert (found.level, found.reasons) == ("High", ())


def test_three_stale_of_ten_lowers_one_step_naming_the_questions() -> None:
    dates = dict.fromkeys(BIA_IDS, FRESH) | {"BIA-03": STALE, "BIA-07": STALE, "BIA-10": STALE}
    found = confidence(dates)
    assert found.level == "Medium"
    assert found.reasons == ("3 of 10 answers have evidence older than 12 months: BIA-03, BIA-07, BIA-10",)


def test_eight_fresh_of_ten_is_enough_for_high_and_names_nothing() -> None:
    dates = dict.fromkeys(BIA_IDS, FRESH) | {"BIA-01": STALE}
    del dates["BIA-02"]
    found = confidence(dates)
    assert (found.level, found.reasons) == ("High", ())
    assert (found.stale, found.undated) == (("BIA-01",), ("BIA-02",))


def test_no_dated_evidence_at_all_lowers_two_steps_to_low() -> None:
    found = confidence({})
    assert found.level == "Low"
    assert found.reasons == (f"10 of 10 answers have no dated evidence: {', '.join(BIA_IDS)}",)


def test_an_open_disagreement_and_an_unsupported_claim_each_lower_one_step() -> None:
    responses = answers(dict.fromkeys(BIA_IDS[1:], 3)) + panel("BIA-01", [1, 4])
    found = confidence(dict.fromkeys(BIA_IDS, FRESH), responses=responses, claims=(claim("BIA-05"),))
    assert found.level == "Low"
    assert found.reasons == (
        "1 of 10 answers has respondents 2 or more levels apart and no agreed answer: BIA-01",
        "1 of 10 answers claims more than the service register and exercise log support: BIA-05",
    )


def test_an_agreed_answer_settles_a_disagreement() -> None:
    responses = answers(dict.fromkeys(BIA_IDS[1:], 3)) + panel("BIA-01", [1, 4])
    found = confidence(dict.fromkeys(BIA_IDS, FRESH), responses=responses, consensus={"BIA-01": 2})
    assert (found.level, found.disagreements) == ("High", ())


def test_na_and_unanswered_questions_are_not_counted() -> None:
    responses = answers({"BIA-01": 3, "BIA-02": NA})
    found = confidence({"BIA-01": FRESH}, responses=responses)
    assert (found.level, found.answered) == ("High", ("BIA-01",))


def test_a_domain_with_nothing_answered_has_no_confidence() -> None:
    found = confidence({}, responses=[])
    assert (found.level, found.reasons) == (None, ())


def test_a_claim_in_another_domain_does_not_lower_this_one() -> None:
    found = confidence(dict.fromkeys(BIA_IDS, FRESH), claims=(claim("GOV-01"),))
    assert found.level == "High"


def test_the_validity_period_comes_from_the_questionnaire() -> None:
    short = questionnaire([question("BIA-01")], scoring={"evidence_valid_months": 3})
    results = resolve_questions(short, answers({"BIA-01": 3}))
    found = domain_confidence(short, results, {"BIA-01": FRESH}, (), TODAY)["BIA"]
    assert found.reasons == ("1 of 1 answer has evidence older than 3 months: BIA-01",)


# Each question's evidence: 0 undated, 1 stale, 2 fresh.
states = st.lists(st.sampled_from([0, 1, 2]), min_size=10, max_size=10)
spreads = st.lists(st.booleans(), min_size=10, max_size=10)
claimed = st.sets(st.sampled_from(BIA_IDS))


def _scenario(state: list[int], split: list[bool], claims: set[str]) -> DomainConfidence:
    dates = {qid: (STALE if s == 1 else FRESH) for qid, s in zip(BIA_IDS, state, strict=True) if s}
    responses = [r for qid, wide in zip(BIA_IDS, split, strict=True) for r in panel(qid, [1, 4] if wide else [3, 3])]
    return confidence(dates, responses=responses, claims=tuple(claim(q) for q in sorted(claims)))


def _rank(level: ConfidenceLevel | None) -> int:
    return [None, *CONFIDENCE_LEVELS].index(level)


@given(states, spreads, claimed, st.integers(0, 9))
def test_adding_fresh_evidence_never_lowers_confidence(
    state: list[int], split: list[bool], claims: set[str], index: int
) -> None:
    before = _scenario(state, split, claims)
    after = _scenario([*state[:index], 2, *state[index + 1 :]], split, claims)
    assert _rank(after.level) >= _rank(before.level)


@given(states, spreads, claimed, st.integers(0, 9))
def test_more_stale_evidence_never_raises_confidence(
    state: list[int], split: list[bool], claims: set[str], index: int
) -> None:
    before = _scenario(state, split, claims)
    after = _scenario([*state[:index], 1, *state[index + 1 :]], split, claims)
    assert _rank(after.level) <= _rank(before.level)


@given(states, spreads, claimed)
def test_every_step_down_comes_with_a_reason_naming_its_questions(
    state: list[int], split: list[bool], claims: set[str]
) -> None:
    found = _scenario(state, split, claims)
    assert (found.level == "High") == (found.reasons == ())
    named = {qid for reason in found.reasons for qid in reason.split(": ")[1].split(", ")}
    assert named <= set(BIA_IDS)
    assert set(found.unsupported) == claims
