"""Claims checked against facts: every check by hand, the sentences, and the evidenced levels and scores."""

from __future__ import annotations

from datetime import date
from pathlib import Path
from typing import Any

import pytest
from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st
from pydantic import TypeAdapter

from evidence.model import RECOVERY_KINDS, Evidence, Exercise, Finding, Service, ServiceResult
from questionnaires.loader import load_questionnaire
from questionnaires.model import CHECK_NAMES, Check
from scoring import CHECKS, NA, run_check, score_assessment, score_evidenced
from scoring.evidence_checks import day_text, listed, months_before
from tests.scoring_fixtures import answers, panel, question, questionnaire

TODAY = date(2026, 6, 30)
CHECK = TypeAdapter(Check)


def check(name: str, **parameters: Any) -> Any:
    return CHECK.validate_python({"check": name, "from_level": 3, **parameters})


def service(name: str, tier: str = "critical", **fields: Any) -> Service:
    values: dict[str, Any] = {"owner": "Ann", "mtpd_hours": 24.0, "rto_hours": 4.0, "rpo_hours": 1.0}
    return Service(name=name, tier=tier, **(values | fields))  # type: ignore[arg-type]


def exercise(day: date, kind: str, *results: tuple[str, float | None, float | None], **fields: Any) -> Exercise:
    return Exercise(
        day=day,
        kind=kind,  # type: ignore[arg-type]
        title=f"{kind} {day}",
        results=tuple(ServiceResult(name, hours, loss) for name, hours, loss in results),
        **fields,
    )


def run(name: str, evidence: Evidence, **parameters: Any) -> Any:
    return run_check(check(name, **parameters), evidence, TODAY)


# The registry and the format


def test_every_check_name_of_the_format_has_a_function_and_no_function_lacks_a_name() -> None:
    assert list(CHECKS) == list(CHECK_NAMES)


def test_dates_and_months_are_written_and_counted_the_same_everywhere() -> None:
    assert day_text(date(2026, 3, 12)) == "12 Mar 2026"
    assert months_before(date(2026, 3, 31), 1) == date(2026, 2, 28)
    assert months_before(date(2026, 6, 30), 12) == date(2025, 6, 30)
    assert months_before(date(2026, 1, 15), 13) == date(2024, 12, 15)
    assert listed(["a", "b", "c", "d", "e"]) == "a, b, c, and 2 more"
    assert listed(["a", "b"]) == "a and b"


# critical_services_tested_within


def test_tested_within_is_met_when_every_critical_service_was_recovered_in_the_window() -> None:
    evidence = Evidence(
        (service("Payments"), service("Billing"), service("Intranet", "standard")),
        (
            exercise(date(2025, 7, 1), "failover", ("Payments", 3, 0)),
            exercise(date(2026, 1, 5), "real incident", ("Billing", 9, 2)),
        ),
    )
    assert run("critical_services_tested_within", evidence, months=12).supported


def test_tested_within_names_the_stale_and_the_never_tested_services_with_their_last_test() -> None:
    evidence = Evidence(
        (service("Payments"), service("Billing"), service("Ledger")),
        (
            exercise(date(2025, 3, 12), "failover", ("Payments", 3, 0)),
            exercise(date(2026, 2, 1), "tabletop", ("Billing", None, None)),
            exercise(date(2026, 5, 1), "technical recovery test", ("Ledger", 2, 0)),
            exercise(date(2026, 8, 1), "failover", ("Payments", 1, 0)),  # planned, after today
        ),
    )
    result = run("critical_services_tested_within", evidence, months=12)
    assert not result.supported
    assert result.reason == (
        "2 of 3 critical services had no recovery test within 12 months: "
        "Payments last in a failover on 12 Mar 2025 and Billing never"
    )
    assert result.shortfalls == ("Payments last in a failover on 12 Mar 2025", "Billing never")


def test_tested_within_looks_only_at_the_declared_tier() -> None:
    evidence = Evidence((service("Payments"), service("Intranet", "important")), ())
    result = run("critical_services_tested_within", evidence, months=12, tier="important")
    assert result.shortfalls == ("Intranet never",)


# last_test_met_rto and last_test_met_rpo


def test_last_test_met_rto_when_the_latest_measured_recovery_is_within_the_rto() -> None:
    evidence = Evidence(
        (service("Payments", rto_hours=4),),
        (
            exercise(date(2025, 1, 1), "failover", ("Payments", 9, 0)),
            exercise(date(2026, 3, 12), "failover", ("Payments", 4, 0)),
        ),
    )
    assert run("last_test_met_rto", evidence).supported


def test_last_test_missed_rto_names_the_service_the_exercise_and_the_hours() -> None:
    evidence = Evidence(
        (service("Payments", rto_hours=4),),
        (
            exercise(date(2025, 1, 1), "failover", ("Payments", 2, 0)),
            exercise(date(2026, 3, 12), "failover", ("Payments", 9, 0)),
            exercise(date(2026, 4, 1), "simulation", ("Payments", 1, 0)),  # recovers nothing
            exercise(date(2026, 5, 1), "failover", ("Payments", None, 0)),  # measured no time
        ),
    )
    result = run("last_test_met_rto", evidence)
    assert not result.supported
    assert result.reason == "the last failover of Payments took 9 h against an RTO of 4 h on 12 Mar 2026"


def test_two_recoveries_on_one_day_count_as_the_worse_whatever_their_order() -> None:
    day = date(2026, 3, 12)
    tests = [
        exercise(day, "failover", ("Payments", 9, 0)),
        exercise(day, "technical recovery test", ("Payments", 2, 0)),
    ]
    for ordered in (tests, tests[::-1]):
        assert not run("last_test_met_rto", Evidence((service("Payments"),), tuple(ordered))).supported


def test_a_never_tested_service_did_not_meet_its_rto() -> None:
    result = run("last_test_met_rto", Evidence((service("Billing"),), ()))
    assert result.reason == "Billing has no measured recovery time in the log"


def test_last_test_met_rto_with_a_share_counts_the_services_that_met_it() -> None:
    services = tuple(service(f"S{i}", rto_hours=4) for i in range(10))
    tests = tuple(exercise(date(2026, 3, 12), "failover", (f"S{i}", 9 if i == 0 else 3, 0)) for i in range(10))
    assert run("last_test_met_rto", Evidence(services, tests), percent=90).supported
    result = run("last_test_met_rto", Evidence((*services, service("S10")), tests), percent=95)
    assert result.reason == (
        "only 9 of 11 critical services (81 %, under the 95 % claimed) met their RTO at their last test; "
        "the last failover of S0 took 9 h against an RTO of 4 h on 12 Mar 2026 and "
        "S10 has no measured recovery time in the log"
    )


def test_last_test_missed_rpo_names_the_data_lost_against_the_rpo() -> None:
    evidence = Evidence(
        (service("Payments", rpo_hours=1), service("Billing", rpo_hours=0.25)),
        (exercise(date(2026, 3, 12), "full-scale exercise", ("Payments", 3, 2), ("Billing", 3, 0.25)),),
    )
    result = run("last_test_met_rpo", evidence)
    assert (
        result.reason
        == "the last full-scale exercise of Payments lost 2 h of data against an RPO of 1 h on 12 Mar 2026"
    )


# rto_consistent_along_dependencies


def test_rtos_that_grow_down_the_chain_are_consistent() -> None:
    evidence = Evidence(
        (
            service("Payments", rto_hours=8, depends_on=("Ledger",)),
            service("Ledger", rto_hours=4, depends_on=("Storage", "Unknown")),
            service("Storage", rto_hours=2),
        ),
        (),
    )
    assert run("rto_consistent_along_dependencies", evidence).supported


def test_an_inconsistent_chain_is_named_from_the_service_down_to_the_slow_dependency() -> None:
    evidence = Evidence(
        (
            service("Payments", rto_hours=4, depends_on=("Ledger",)),
            service("Ledger", rto_hours=2, depends_on=("Storage",)),
            service("Storage", rto_hours=8),
        ),
        (),
    )
    result = run("rto_consistent_along_dependencies", evidence)
    assert result.shortfalls == (
        "Payments (RTO 4 h) depends on Ledger (RTO 2 h), which depends on Storage (RTO 8 h)",
        "Ledger (RTO 2 h) depends on Storage (RTO 8 h)",
    )


def test_a_dependency_cycle_is_checked_link_by_link_without_looping() -> None:
    evidence = Evidence(
        (service("A", rto_hours=8, depends_on=("B",)), service("B", rto_hours=2, depends_on=("A",))),
        (),
    )
    assert run("rto_consistent_along_dependencies", evidence).shortfalls == ("B (RTO 2 h) depends on A (RTO 8 h)",)


# rto_not_above_mtpd and bia_refreshed_within


def test_an_rto_above_the_mtpd_is_named_with_both_figures() -> None:
    evidence = Evidence(
        (service("Payments", rto_hours=8, mtpd_hours=4), service("Billing", rto_hours=4, mtpd_hours=4)), ()
    )
    result = run("rto_not_above_mtpd", evidence)
    assert result.reason == "Payments has an RTO of 8 h above its MTPD of 4 h"


def test_bia_refreshed_within_names_the_stale_and_never_reviewed_services() -> None:
    evidence = Evidence(
        (
            service("Payments", bia_reviewed_on=date(2025, 6, 29)),
            service("Billing"),
            service("Ledger", bia_reviewed_on=date(2025, 6, 30)),
        ),
        (),
    )
    result = run("bia_refreshed_within", evidence, months=12)
    assert (
        result.reason
        == "2 of 3 critical services had no BIA review within 12 months: Payments last on 29 Jun 2025 and Billing never"
    )


# findings_closed_by_due


def test_an_overdue_finding_is_named_with_its_exercise_and_days_late() -> None:
    findings = (
        Finding("Backups not restorable", due=date(2026, 4, 15), status="in progress"),
        Finding("Runbook outdated", due=date(2026, 4, 1), status="closed"),
        Finding("DNS TTL too long", due=date(2026, 7, 31)),
        Finding("No owner", due=None),
    )
    evidence = Evidence((), (exercise(date(2026, 3, 12), "failover", findings=findings),))
    result = run("findings_closed_by_due", evidence)
    assert result.reason == (
        "the finding 'Backups not restorable' of the failover on 12 Mar 2026 is still in progress "
        "76 days after its due date of 15 Apr 2026"
    )
    assert run("findings_closed_by_due", evidence, percent=50).supported


def test_findings_closed_by_due_when_nothing_due_is_open() -> None:
    evidence = Evidence(
        (), (exercise(date(2026, 3, 12), "tabletop", findings=(Finding("x", due=date(2026, 4, 1), status="closed"),)),)
    )
    assert run("findings_closed_by_due", evidence).supported


# Missing facts


@pytest.mark.parametrize(
    ("name", "parameters", "reason"),
    [
        ("critical_services_tested_within", {"months": 12}, "no critical service in the register"),
        ("last_test_met_rto", {}, "no critical service in the register"),
        ("last_test_met_rpo", {"tier": "important"}, "no important service in the register"),
        ("rto_consistent_along_dependencies", {}, "no service in the register"),
        ("rto_not_above_mtpd", {}, "no service in the register"),
        ("bia_refreshed_within", {"months": 12}, "no critical service in the register"),
        ("findings_closed_by_due", {}, "no exercise or incident in the log"),
    ],
)
def test_with_no_facts_a_check_says_they_are_missing_and_supports_nothing(
    name: str, parameters: dict[str, Any], reason: str
) -> None:
    result = run(name, Evidence(), **parameters)
    assert not result.supported
    assert result.reason.startswith(reason)
    assert result.reason.endswith("so the facts are missing")


# Evidenced levels and scores

CHECKED = questionnaire(
    [
        question("REC-07", na_allowed=True)
        | {
            "checks": [
                {"check": "last_test_met_rto", "from_level": 4},
                {"check": "rto_not_above_mtpd", "from_level": 3},
            ]
        },
        question("REC-08"),
        question("TEST-01") | {"checks": [{"check": "critical_services_tested_within", "from_level": 3, "months": 12}]},
    ]
)
PAYMENTS = Evidence(
    (service("Payments", rto_hours=4, mtpd_hours=24),),
    (exercise(date(2026, 3, 12), "failover", ("Payments", 9, 0)),),
)


def test_an_unsupported_claim_is_capped_below_its_from_level_and_said_in_one_sentence() -> None:
    answered = score_assessment(CHECKED, answers({"REC-07": 4, "REC-08": 5, "TEST-01": 5}))
    scored = score_evidenced(CHECKED, answered, PAYMENTS, TODAY)
    rec07 = scored.questions["REC-07"]
    assert (rec07.answered_level, rec07.evidenced_level, rec07.capped) == (4, 3, True)
    assert [c.sentence for c in scored.claims] == [
        "REC-07 answered 4; the last failover of Payments took 9 h against an RTO of 4 h on 12 Mar 2026: "
        "the facts support 3"
    ]
    assert scored.questions["TEST-01"].evidenced_level == 5
    assert scored.answered.domain("REC").score == 4.5
    assert scored.evidenced.domain("REC").score == 4.0
    assert (scored.answered.domain("REC").stage, scored.evidenced.domain("REC").stage) == (4, 3)
    assert scored.evidenced.overall.stage == 3


def test_the_lowest_cap_wins_when_several_claims_fail() -> None:
    evidence = Evidence((service("Payments", rto_hours=8, mtpd_hours=4),), PAYMENTS.exercises)
    answered = score_assessment(CHECKED, answers({"REC-07": 5}))
    scored = score_evidenced(CHECKED, answered, evidence, TODAY)
    assert [c.supported for c in scored.claims] == [3, 2]
    assert scored.questions["REC-07"].evidenced_level == 2


def test_an_answer_below_the_from_level_claims_nothing_the_check_refuses() -> None:
    scored = score_evidenced(CHECKED, score_assessment(CHECKED, answers({"REC-07": 3})), PAYMENTS, TODAY)
    assert (scored.questions["REC-07"].evidenced_level, scored.claims) == (3, ())


def test_the_answered_level_is_the_lower_median_of_the_respondents_before_the_facts_cap_it() -> None:
    answered = score_assessment(CHECKED, panel("REC-07", [5, 4, 5, 4]))
    scored = score_evidenced(CHECKED, answered, PAYMENTS, TODAY)
    assert scored.claims[0].sentence.startswith("REC-07 answered 4;")


def test_on_a_scale_with_gaps_the_cap_is_the_level_below_on_the_scale() -> None:
    gapped = questionnaire(
        [question("REC-01", levels=(0, 2, 4)) | {"checks": [{"check": "last_test_met_rto", "from_level": 4}]}],
        levels=(0, 2, 4),
    )
    scored = score_evidenced(gapped, score_assessment(gapped, answers({"REC-01": 4})), PAYMENTS, TODAY)
    assert scored.questions["REC-01"].evidenced_level == 2


# Properties

SHIPPED = load_questionnaire(Path(__file__).resolve().parents[1] / "questionnaires" / "itscm-2026.2")
NAMES = [f"S{i}" for i in range(6)]
days = st.dates(min_value=date(2024, 1, 1), max_value=date(2026, 12, 31))
hours = st.sampled_from([0.5, 1.0, 2.0, 4.0, 8.0, 24.0, 72.0])


@st.composite
def registers(draw: st.DrawFn) -> tuple[Service, ...]:
    count = draw(st.integers(0, len(NAMES)))
    return tuple(
        Service(
            name=NAMES[i],
            owner="o",
            tier=draw(st.sampled_from(["critical", "important", "standard"])),
            mtpd_hours=draw(hours),
            rto_hours=draw(hours),
            rpo_hours=draw(hours),
            depends_on=tuple(draw(st.lists(st.sampled_from(NAMES), max_size=3, unique=True))),
            bia_reviewed_on=draw(st.none() | days),
        )
        for i in range(count)
    )


exercises = st.builds(
    Exercise,
    day=days,
    kind=st.sampled_from([*sorted(RECOVERY_KINDS), "tabletop"]),
    title=st.just("t"),
    results=st.lists(
        st.builds(
            ServiceResult,
            service=st.sampled_from(NAMES),
            recovery_hours=st.none() | hours,
            data_loss_hours=st.none() | hours,
        ),
        max_size=3,
    ).map(tuple),
    findings=st.lists(
        st.builds(
            Finding, text=st.just("f"), due=st.none() | days, status=st.sampled_from(["open", "in progress", "closed"])
        ),
        max_size=2,
    ).map(tuple),
)
evidences = st.builds(Evidence, services=registers(), exercises=st.lists(exercises, max_size=8).map(tuple))


@st.composite
def answer_sets(draw: st.DrawFn) -> dict[str, Any]:
    chosen: dict[str, Any] = {}
    for q in SHIPPED.questions:
        options: list[Any] = [None, *SHIPPED.level_numbers] + ([NA] if q.na_allowed else [])
        chosen[q.id] = draw(st.sampled_from(options))
    return chosen


FAST = settings(max_examples=60, deadline=None, suppress_health_check=[HealthCheck.too_slow])


@FAST
@given(answer_sets(), evidences)
def test_the_evidenced_level_never_exceeds_the_answered_one_and_na_and_unchecked_questions_are_untouched(
    chosen: dict[str, Any], evidence: Evidence
) -> None:
    scored = score_evidenced(SHIPPED, score_assessment(SHIPPED, answers(chosen)), evidence, TODAY)
    for q in SHIPPED.questions:
        result = scored.questions[q.id]
        answered, evidenced = result.answered_level, result.evidenced_level
        assert answered is None or (evidenced is not None and evidenced <= answered)
        if answered is None or not q.checks:
            assert evidenced == answered and not result.claims
        assert scored.evidenced.questions[q.id].na == (chosen[q.id] is NA)
    for answered_domain, evidenced_domain in zip(scored.answered.domains, scored.evidenced.domains, strict=True):
        assert evidenced_domain.completeness == answered_domain.completeness
        if answered_domain.score is not None:
            assert evidenced_domain.score is not None and evidenced_domain.score <= answered_domain.score + 1e-9


@FAST
@given(answer_sets(), evidences, st.data())
def test_adding_a_passing_recovery_test_never_lowers_the_evidenced_level(
    chosen: dict[str, Any], evidence: Evidence, data: st.DataObject
) -> None:
    answered = score_assessment(SHIPPED, answers(chosen))
    before = score_evidenced(SHIPPED, answered, evidence, TODAY)
    if not evidence.services:
        return
    tested = data.draw(st.sampled_from(evidence.services))
    passing = exercise(
        data.draw(st.dates(min_value=date(2024, 1, 1), max_value=TODAY)),
        data.draw(st.sampled_from(sorted(RECOVERY_KINDS))),
        (tested.name, tested.rto_hours, tested.rpo_hours),
    )
    after = score_evidenced(SHIPPED, answered, Evidence(evidence.services, (*evidence.exercises, passing)), TODAY)
    for question_id, result in before.questions.items():
        earlier, later = result.evidenced_level, after.questions[question_id].evidenced_level
        assert earlier is None or (later is not None and later >= earlier), question_id


@pytest.mark.parametrize(
    ("question_id", "declared"),
    [
        ("TEST-02", [("critical_services_tested_within", 3)]),
        ("TEST-11", [("last_test_met_rto", 4), ("last_test_met_rpo", 4)]),
        ("TEST-14", [("findings_closed_by_due", 4)]),
        ("BIA-06", [("rto_not_above_mtpd", 3)]),
        ("BIA-09", [("rto_consistent_along_dependencies", 4)]),
        ("BIA-13", [("bia_refreshed_within", 3)]),
    ],
)
def test_questionnaire_2026_2_checks_the_factual_claims_of_its_practices(
    question_id: str, declared: list[tuple[str, int]]
) -> None:
    assert [(c.check, c.from_level) for c in SHIPPED.question(question_id).checks] == declared


def test_a_register_that_bears_out_every_claim_of_2026_2_leaves_every_level_as_answered() -> None:
    services = (
        service("Payments", rto_hours=4, depends_on=("Ledger",), bia_reviewed_on=date(2026, 1, 10)),
        service("Ledger", rto_hours=2, bia_reviewed_on=date(2026, 1, 10)),
    )
    log = (exercise(date(2026, 3, 12), "failover", ("Payments", 3, 0.5), ("Ledger", 2, 0)),)
    top = dict.fromkeys((q.id for q in SHIPPED.questions), SHIPPED.max_level)
    scored = score_evidenced(SHIPPED, score_assessment(SHIPPED, answers(top)), Evidence(services, log), TODAY)
    assert scored.claims == ()
    assert scored.evidenced.overall == scored.answered.overall
