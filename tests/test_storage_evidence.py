"""The service register and the exercise and incident log: saved whole after every check, read back, deleted."""

from __future__ import annotations

import math
from datetime import date, timedelta

import pytest
from sqlite_utils import Database

from evidence.model import Evidence, Exercise, Finding, Service, ServiceResult
from storage import (
    create_organisation,
    delete_organisation,
    preview_organisation_deletion,
)
from storage.errors import ExerciseLogError, NotFoundError, ServiceRegisterError
from storage.evidence import load_evidence, save_log, save_register
from storage.records import Organisation

PAYMENTS = Service(
    name="Payments",
    owner="Head of Payments",
    tier="critical",
    mtpd_hours=8,
    rto_hours=4,
    rpo_hours=0.25,
    downtime_cost_per_hour=120_000,
    currency="EUR",
    depends_on=("Core banking",),
    providers=("CloudCo", "NetLink"),
    bia_reviewed_on=date(2025, 11, 3),
)
CORE = Service(name="Core banking", owner="CIO", tier="critical", mtpd_hours=12, rto_hours=6, rpo_hours=0)
PAYROLL = Service(name="Payroll", owner="HR", tier="standard", mtpd_hours=72, rto_hours=48, rpo_hours=24)
REGISTER = (PAYMENTS, CORE, PAYROLL)

FAILOVER = Exercise(
    day=date(2025, 10, 14),
    kind="failover",
    title="Data centre failover",
    results=(
        ServiceResult("Payments", recovery_hours=3.5, data_loss_hours=0.1),
        ServiceResult("Core banking", recovery_hours=7),
    ),
    participants="Ana, Ben",
    findings=(Finding("Runbook step 4 out of date", owner="Ben", due=date(2026, 1, 31), status="in progress"),),
)
TABLETOP = Exercise(
    day=date(2025, 3, 2),
    kind="tabletop",
    title="Ransomware tabletop",
    results=(ServiceResult("Payroll"),),
    findings=(Finding("No call tree for HR"),),
)
LOG = (FAILOVER, TABLETOP)


@pytest.fixture
def organisation(db: Database) -> Organisation:
    """Northwind Bank, with nothing in its register or log."""
    return create_organisation(db, "Northwind Bank", "Financial services", "250-999 employees", "Europe")


def saved(db: Database, organisation: Organisation) -> Evidence:
    """Save the sample register and log for `organisation` and return what is read back."""
    save_register(db, organisation.id, REGISTER)
    save_log(db, organisation.id, LOG)
    return load_evidence(db, organisation.id)


def test_a_new_organisation_has_an_empty_register_and_log(db: Database, organisation: Organisation) -> None:
    assert load_evidence(db, organisation.id) == Evidence()


def test_the_register_and_the_log_read_back_as_saved(db: Database, organisation: Organisation) -> None:
    evidence = saved(db, organisation)
    assert evidence.services == REGISTER
    assert evidence.exercises == LOG
    assert evidence.service("Payments") == PAYMENTS


def test_saving_the_register_again_replaces_it_whole(db: Database, organisation: Organisation) -> None:
    save_register(db, organisation.id, REGISTER)
    save_register(db, organisation.id, (CORE,))
    assert load_evidence(db, organisation.id).services == (CORE,)


def test_names_are_trimmed_and_currency_is_kept_in_capitals(db: Database, organisation: Organisation) -> None:
    service = Service("  Web shop ", "", "important", 24, 8, 1, downtime_cost_per_hour=500, currency="usd")
    (stored,) = save_register(db, organisation.id, (service,))
    assert (stored.name, stored.currency) == ("Web shop", "USD")


def test_a_dependency_and_a_result_in_other_capitals_take_the_registers_spelling(
    db: Database, organisation: Organisation
) -> None:
    lower = Service("Web shop", "", "important", 24, 8, 1, depends_on=("payments",))
    save_register(db, organisation.id, (PAYMENTS.__class__(**{**PAYMENTS.__dict__, "depends_on": ()}), lower))
    save_log(db, organisation.id, (Exercise(date(2025, 1, 1), "failover", "Test", (ServiceResult("WEB SHOP", 1),)),))
    evidence = load_evidence(db, organisation.id)
    assert evidence.services[1].depends_on == ("Payments",)
    assert evidence.exercises[0].services == ("Web shop",)


def test_two_organisations_never_see_each_others_register_or_log(db: Database, organisation: Organisation) -> None:
    other = create_organisation(db, "Contoso", "Retail", "250-999 employees", "Europe")
    saved(db, organisation)
    assert load_evidence(db, other.id) == Evidence()
    save_register(db, other.id, (CORE,))
    with pytest.raises(ExerciseLogError, match="service 'Payments' is not in the register"):
        save_log(db, other.id, (FAILOVER,))
    assert load_evidence(db, organisation.id).services == REGISTER


def test_an_unknown_organisation_is_refused(db: Database) -> None:
    with pytest.raises(NotFoundError, match="No organisation with id 99"):
        save_register(db, 99, REGISTER)
    with pytest.raises(NotFoundError):
        load_evidence(db, 99)


def test_an_rto_above_the_mtpd_is_refused_with_how_to_fix_it(db: Database, organisation: Organisation) -> None:
    too_slow = Service("Payments", "", "critical", mtpd_hours=8, rto_hours=9, rpo_hours=1)
    with pytest.raises(ServiceRegisterError) as refused:
        save_register(db, organisation.id, (too_slow,))
    assert str(refused.value) == (
        "Payments: RTO 9 h is above its MTPD of 8 h; an RTO must not exceed the MTPD: lower the RTO or raise the MTPD."
    )


def _service(**changes: object) -> Service:
    return Service(**{**CORE.__dict__, **changes})  # type: ignore[arg-type]


REGISTER_REFUSALS = [
    (
        (_service(name="  "),),
        "Service 1: Name is empty; enter at least one visible character.",
    ),
    (
        (_service(name="x" * 201),),
        "Service 1: Name is 201 characters long; shorten it to at most 200 characters.",
    ),
    (
        (_service(tier="gold"),),
        "Core banking: Tier 'gold' is not in the list; choose one of: critical, important, standard.",
    ),
    (
        (_service(rpo_hours=-1),),
        "Core banking: RPO -1 is below zero; give 0 or more hours.",
    ),
    (
        (_service(mtpd_hours=math.inf),),
        "Core banking: MTPD inf is not a finite number; give it in hours, such as 24.",
    ),
    (
        (_service(rto_hours="4"),),
        "Core banking: RTO '4' is not a number; give it in hours, such as 4.",
    ),
    (
        (_service(downtime_cost_per_hour=1000),),
        "Core banking: A downtime cost per hour needs its currency; add the three-letter code, such as EUR or USD.",
    ),
    (
        (_service(currency="euro"),),
        "Core banking: Currency 'euro' is not a currency code; give its three-letter ISO 4217 code, such as EUR "
        "or USD.",
    ),
    (
        (_service(depends_on=("Core banking",)),),
        "Core banking: it depends on itself; remove its own name from depends on.",
    ),
    (
        (_service(depends_on=("Mainframe",)),),
        "Core banking: it depends on 'Mainframe', which is not in the register; add that service or correct the name.",
    ),
    (
        (_service(providers=("CloudCo", "cloudco")),),
        "Core banking: Providers names 'cloudco' twice; list it once.",
    ),
    (
        (_service(bia_reviewed_on=date(1999, 12, 31)),),
        "Core banking: BIA reviewed on 1999-12-31 is outside the allowed range 2000-01-01 to "
        f"{date.today() + timedelta(days=366):%Y-%m-%d}; enter the real date.",
    ),
    (
        (CORE, _service(name="CORE BANKING")),
        "CORE BANKING: the name 'CORE BANKING' is already used by service 1; give each service its own name "
        "(names are compared ignoring case).",
    ),
    (
        (_service(providers=("CloudCo; NetLink",)),),
        "Core banking: Providers: 'CloudCo; NetLink' contains ';', which separates names in a file; use another "
        "character.",
    ),
    (
        (_service(owner="Ana\u202eBen"),),
        "Core banking: Owner contains an invisible control character (U+202E RIGHT-TO-LEFT OVERRIDE) at character 4; "
        "remove it and type the text again (such characters can hide or reorder what is shown).",
    ),
]


@pytest.mark.parametrize(("register", "message"), REGISTER_REFUSALS, ids=[m[:40] for _, m in REGISTER_REFUSALS])
def test_a_bad_register_is_refused_with_its_message_and_nothing_is_written(
    db: Database, organisation: Organisation, register: tuple[Service, ...], message: str
) -> None:
    save_register(db, organisation.id, (PAYROLL,))
    with pytest.raises(ServiceRegisterError) as refused:
        save_register(db, organisation.id, register)
    assert str(refused.value) == message
    assert load_evidence(db, organisation.id).services == (PAYROLL,)


def test_every_problem_of_a_register_is_listed_at_once(db: Database, organisation: Organisation) -> None:
    with pytest.raises(ServiceRegisterError) as refused:
        save_register(db, organisation.id, (_service(tier="gold"), _service(name="Web", rto_hours=20)))
    assert str(refused.value).splitlines() == [
        "The service register was not saved: 2 problems.",
        "- Core banking: Tier 'gold' is not in the list; choose one of: critical, important, standard.",
        "- Web: RTO 20 h is above its MTPD of 12 h; an RTO must not exceed the MTPD: lower the RTO or raise the MTPD.",
    ]


def test_a_service_with_results_in_the_log_cannot_leave_the_register(db: Database, organisation: Organisation) -> None:
    saved(db, organisation)
    with pytest.raises(ServiceRegisterError, match="Payroll: the exercise log holds 1 result for it"):
        save_register(db, organisation.id, (PAYMENTS, CORE))
    assert load_evidence(db, organisation.id).services == REGISTER


def test_a_service_kept_in_the_register_keeps_its_results(db: Database, organisation: Organisation) -> None:
    saved(db, organisation)
    changed = _service(owner="CTO")
    save_register(db, organisation.id, (PAYMENTS, changed, PAYROLL))
    evidence = load_evidence(db, organisation.id)
    assert evidence.services[1].owner == "CTO"
    assert evidence.exercises == LOG


def _exercise(**changes: object) -> Exercise:
    return Exercise(**{**FAILOVER.__dict__, **changes})  # type: ignore[arg-type]


LOG_REFUSALS = [
    (
        _exercise(results=(ServiceResult("Payrol", 2),)),
        "Exercise 1, result 1: service 'Payrol' is not in the register; add it to the register or correct the name.",
    ),
    (
        _exercise(results=(ServiceResult("Payroll", 2), ServiceResult("payroll", 3))),
        "Exercise 1, result 2: service 'Payroll' has a result already in this exercise; keep one result per service.",
    ),
    (
        _exercise(results=(ServiceResult("Payroll", -2),)),
        "Exercise 1, result 1: Recovery time -2 is below zero; give 0 or more hours.",
    ),
    (
        _exercise(results=(ServiceResult("Payroll", data_loss_hours=math.nan),)),
        "Exercise 1, result 1: Data loss nan is not a finite number; give it in hours, such as 0.25.",
    ),
    (
        _exercise(kind="tabletop", results=(ServiceResult("Payroll", 2),)),
        "Exercise 1, result 1: a tabletop recovers no service, so it has no achieved recovery time or data loss; "
        "leave them empty, or record it as one of: technical recovery test, failover, full-scale exercise, "
        "real incident.",
    ),
    (
        _exercise(kind="drill"),
        "Exercise 1: Kind 'drill' is not in the list; choose one of: walk-through, tabletop, simulation, technical "
        "recovery test, failover, full-scale exercise, real incident.",
    ),
    (
        _exercise(day="14/10/2025"),
        "Exercise 1: Date '14/10/2025' is not a date; give a date such as 2026-03-31.",
    ),
    (
        _exercise(day=date.today() + timedelta(days=400)),
        f"Exercise 1: Date {date.today() + timedelta(days=400):%Y-%m-%d} is outside the allowed range 2000-01-01 to "
        f"{date.today() + timedelta(days=366):%Y-%m-%d}; enter the real date.",
    ),
    (
        _exercise(title=""),
        "Exercise 1: Title is empty; enter at least one visible character.",
    ),
    (
        _exercise(findings=(Finding("  "),)),
        "Exercise 1, finding 1: Finding is empty; write what the exercise found.",
    ),
    (
        _exercise(findings=(Finding("Fix it", status="done"),)),
        "Exercise 1, finding 1: Status 'done' is not in the list; choose one of: open, in progress, closed.",
    ),
    (
        _exercise(findings=(Finding("Fix it", due="soon"),)),
        "Exercise 1, finding 1: Due date 'soon' is not a date; give a date such as 2026-03-31.",
    ),
]


@pytest.mark.parametrize(("exercise", "message"), LOG_REFUSALS, ids=[m[:50] for _, m in LOG_REFUSALS])
def test_a_bad_log_is_refused_with_its_message_and_nothing_is_written(
    db: Database, organisation: Organisation, exercise: Exercise, message: str
) -> None:
    before = saved(db, organisation)
    with pytest.raises(ExerciseLogError) as refused:
        save_log(db, organisation.id, (exercise,))
    assert str(refused.value) == message
    assert load_evidence(db, organisation.id) == before


def test_an_empty_log_clears_the_log(db: Database, organisation: Organisation) -> None:
    saved(db, organisation)
    save_log(db, organisation.id, ())
    assert load_evidence(db, organisation.id).exercises == ()


def test_deleting_an_organisation_deletes_its_register_and_log_and_counts_them_first(
    db: Database, organisation: Organisation
) -> None:
    other = create_organisation(db, "Contoso", "Retail", "250-999 employees", "Europe")
    saved(db, organisation)
    save_register(db, other.id, (CORE,))
    preview = preview_organisation_deletion(db, organisation.id)
    assert (preview.services, preview.exercises) == (3, 2)
    assert preview.describe() == "1 organisation, 0 answers, 3 services and 2 exercises"
    delete_organisation(db, organisation.id, backup=False)
    # Only Contoso's one service (no dependencies, providers or log) is left.
    counts = {
        table: db.execute(f"SELECT count(*) FROM {table}").fetchone()[0]
        for table in (
            "services",
            "service_dependencies",
            "service_providers",
            "exercises",
            "exercise_results",
            "exercise_findings",
        )
    }
    assert counts == {table: 1 if table == "services" else 0 for table in counts}
    assert load_evidence(db, other.id).services == (CORE,)


def test_the_database_itself_refuses_an_rto_above_the_mtpd(db: Database, organisation: Organisation) -> None:
    save_register(db, organisation.id, (CORE,))
    with pytest.raises(Exception, match=r"CHECK constraint failed|violates check constraint"):
        db.execute("UPDATE services SET rto_hours = 99")
