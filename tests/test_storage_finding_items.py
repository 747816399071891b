"""Findings of the exercise log: lasting ids across saves and imports, roadmap steps made from them, renamed services."""

from __future__ import annotations

import sqlite3
from dataclasses import replace
from datetime import date

import pytest
from sqlite_utils import Database

from evidence.files import log_csv, log_xlsx, read_log
from evidence.model import Exercise, Finding, Service, ServiceResult
from questionnaires.model import Questionnaire
from storage import create_assessment, create_organisation, delete_assessment, open_database
from storage.errors import ExerciseLogError, NotFoundError, RoadmapItemError, ServiceRegisterError
from storage.evidence import load_evidence, save_log, save_register
from storage.finding_items import list_finding_items, list_findings, plan_finding, save_finding_item
from storage.migrations import MIGRATIONS
from storage.records import Assessment, Organisation

PAYMENTS = Service(name="Payments", owner="Ana", tier="critical", mtpd_hours=8, rto_hours=4, rpo_hours=0.25)
CORE = Service(
    name="Core banking", owner="CIO", tier="critical", mtpd_hours=12, rto_hours=6, rpo_hours=0, depends_on=("Payments",)
)
FAILOVER = Exercise(
    day=date(2025, 10, 14),
    kind="failover",
    title="Data centre failover",
    results=(ServiceResult("Payments", recovery_hours=3.5), ServiceResult("Core banking", recovery_hours=7)),
    findings=(
        Finding("Runbook step 4 out of date", owner="Ben", due=date(2026, 1, 31), status="in progress"),
        Finding("No second DNS provider"),
    ),
)
TABLETOP = Exercise(
    day=date(2025, 3, 2), kind="tabletop", title="Ransomware tabletop", findings=(Finding("No call tree for HR"),)
)


@pytest.fixture
def organisation(db: Database) -> Organisation:
    """Northwind Bank, with a register of two services and a log of a failover and a tabletop."""
    organisation = create_organisation(db, "Northwind Bank", "Financial services", "250-999 employees", "Europe")
    save_register(db, organisation.id, (PAYMENTS, CORE))
    save_log(db, organisation.id, (FAILOVER, TABLETOP))
    return organisation


@pytest.fixture
def fy2026(db: Database, organisation: Organisation, questionnaire: Questionnaire) -> Assessment:
    return create_assessment(db, organisation.id, questionnaire, "FY2026", date(2026, 2, 1))


def keys(db: Database, organisation: Organisation) -> list[str]:
    return [f.key for e in load_evidence(db, organisation.id).exercises for f in e.findings]


# Lasting ids


def test_every_saved_finding_gets_an_id_unique_in_its_log(db: Database, organisation: Organisation) -> None:
    found = keys(db, organisation)
    assert len(found) == 3
    assert all(found) and len(set(found)) == 3


def test_saving_the_log_again_keeps_every_findings_id(db: Database, organisation: Organisation) -> None:
    before = keys(db, organisation)
    save_log(db, organisation.id, load_evidence(db, organisation.id).exercises)
    assert keys(db, organisation) == before


def test_a_finding_edited_in_place_keeps_its_id(db: Database, organisation: Organisation) -> None:
    failover, tabletop = load_evidence(db, organisation.id).exercises
    edited = replace(failover.findings[0], text="Runbook step 4 rewritten", owner="Cleo")
    save_log(db, organisation.id, (replace(failover, findings=(edited, failover.findings[1])), tabletop))
    assert keys(db, organisation)[0] == failover.findings[0].key


@pytest.mark.parametrize(("write", "name"), [(log_xlsx, "log.xlsx"), (log_csv, "log.csv")])
def test_a_log_exported_and_imported_again_keeps_every_findings_id(
    db: Database, organisation: Organisation, write: object, name: str
) -> None:
    before = keys(db, organisation)
    exported = write(load_evidence(db, organisation.id).exercises)  # type: ignore[operator]
    save_log(db, organisation.id, read_log(exported, name, ["Payments", "Core banking"]))
    assert keys(db, organisation) == before


def test_a_finding_without_an_id_is_the_stored_finding_of_its_exercise_with_the_same_text(
    db: Database, organisation: Organisation
) -> None:
    before = keys(db, organisation)
    save_log(db, organisation.id, (FAILOVER, TABLETOP))  # as written by hand: no ids
    assert keys(db, organisation) == before


def test_a_new_finding_without_an_id_gets_a_new_one(db: Database, organisation: Organisation) -> None:
    before = keys(db, organisation)
    extra = replace(TABLETOP, findings=(*TABLETOP.findings, Finding("No out-of-hours contact list")))
    save_log(db, organisation.id, (FAILOVER, extra))
    after = keys(db, organisation)
    assert after[:3] == before
    assert after[3] not in before


def test_the_same_finding_id_twice_in_a_log_is_refused_saying_how_to_fix_it(
    db: Database, organisation: Organisation
) -> None:
    failover, tabletop = load_evidence(db, organisation.id).exercises
    copy = replace(tabletop.findings[0], key=failover.findings[0].key)
    with pytest.raises(ExerciseLogError, match=r"is already used by exercise 1, finding 1; .*clear the id of the copy"):
        save_log(db, organisation.id, (failover, replace(tabletop, findings=(copy,))))


def test_a_finding_id_that_is_not_an_id_is_refused(db: Database, organisation: Organisation) -> None:
    bad = replace(TABLETOP, findings=(Finding("x", key="=cmd|' /C calc'!A0"),))
    with pytest.raises(ExerciseLogError, match=r"Finding id .* is not an id: use up to 40 letters"):
        save_log(db, organisation.id, (bad,))


def test_the_migration_gives_findings_saved_before_it_an_id_each() -> None:
    db = Database(sqlite3.connect(":memory:"))
    for migration in MIGRATIONS:
        if migration.number == 8:
            db.execute(
                "INSERT INTO organisations (name, name_key, industry, size_band, region, created_at) "
                "VALUES ('A', 'a', 'Retail', 'Under 250 employees', 'Europe', '2025-01-01')"
            )
            db.execute(
                "INSERT INTO exercises (organisation_id, position, day, kind, title) "
                "VALUES (1, 0, '2025-01-01', 'tabletop', 'T')"
            )
            for position in range(2):
                db.execute(
                    "INSERT INTO exercise_findings (exercise_id, position, text, status) VALUES (1, ?, 'f', 'open')",
                    [position],
                )
        migration.apply(db)
    found = [row[0] for row in db.execute("SELECT finding_key FROM exercise_findings").fetchall()]
    assert len(found) == 2 and all(found) and found[0] != found[1]


# Roadmap steps made from findings


def test_a_finding_becomes_a_step_with_the_findings_owner_due_date_and_status(
    db: Database, organisation: Organisation, fy2026: Assessment
) -> None:
    finding = list_findings(db, organisation.id)[0]
    item = plan_finding(db, fy2026.id, finding.key, by="ana@example.org")
    assert item.text == "From exercise 2025-10-14 failover: Runbook step 4 out of date"
    assert (item.owner, item.due_date, item.status) == ("Ben", date(2026, 1, 31), "in_progress")
    assert list_finding_items(db, fy2026.id) == (item,)
    assert list_findings(db, organisation.id)[0].planned_in == fy2026.id


def test_a_finding_is_planned_once_only(db: Database, organisation: Organisation, fy2026: Assessment) -> None:
    key = list_findings(db, organisation.id)[1].key
    plan_finding(db, fy2026.id, key, by="ana")
    with pytest.raises(RoadmapItemError, match="already a step of the roadmap of FY2026"):
        plan_finding(db, fy2026.id, key, by="ana")
    assert len(list_finding_items(db, fy2026.id)) == 1


def test_the_database_itself_keeps_one_step_per_finding(
    db: Database, organisation: Organisation, fy2026: Assessment
) -> None:
    item = plan_finding(db, fy2026.id, list_findings(db, organisation.id)[1].key, by="ana")
    with pytest.raises(sqlite3.IntegrityError, match=r"UNIQUE|unique constraint"):
        db.execute(
            "INSERT INTO finding_roadmap_items (organisation_id, assessment_id, finding_key, step, created_by, "
            "created_at, updated_at) VALUES (?, ?, ?, 's', 'x', 'now', 'now')",
            [organisation.id, fy2026.id, item.finding_key],
        )


def test_a_closed_finding_needs_no_step(db: Database, organisation: Organisation, fy2026: Assessment) -> None:
    closed = replace(TABLETOP, findings=(Finding("No call tree for HR", status="closed"),))
    save_log(db, organisation.id, (FAILOVER, closed))
    with pytest.raises(RoadmapItemError, match="closed, so it needs no roadmap step"):
        plan_finding(db, fy2026.id, list_findings(db, organisation.id)[2].key, by="ana")


def test_the_step_stays_linked_when_the_log_is_edited_reordered_and_imported_again(
    db: Database, organisation: Organisation, fy2026: Assessment
) -> None:
    finding = list_findings(db, organisation.id)[1]
    plan_finding(db, fy2026.id, finding.key, by="ana")
    failover, tabletop = load_evidence(db, organisation.id).exercises
    reworded = replace(failover.findings[1], text="No second DNS provider for payments")
    save_log(db, organisation.id, (tabletop, replace(failover, findings=(reworded, failover.findings[0]))))
    save_log(
        db,
        organisation.id,
        read_log(log_xlsx(load_evidence(db, organisation.id).exercises), "l.xlsx", ["Payments", "Core banking"]),
    )
    (item,) = list_finding_items(db, fy2026.id)
    assert item.finding is not None and item.finding.key == finding.key
    assert item.text == "From exercise 2025-10-14 failover: No second DNS provider for payments"


def test_a_finding_deleted_from_the_log_leaves_its_step_saying_so(
    db: Database, organisation: Organisation, fy2026: Assessment
) -> None:
    finding = list_findings(db, organisation.id)[2]
    plan_finding(db, fy2026.id, finding.key, by="ana")
    save_log(db, organisation.id, (FAILOVER,))
    (item,) = list_finding_items(db, fy2026.id)
    assert item.finding is None
    assert item.text == "From exercise 2025-03-02 tabletop: No call tree for HR"


def test_a_step_is_edited_field_by_field_without_losing_another_persons_change(
    db: Database, organisation: Organisation, fy2026: Assessment
) -> None:
    item = plan_finding(db, fy2026.id, list_findings(db, organisation.id)[1].key, by="ana")
    save_finding_item(db, fy2026.id, item.id, owner="Dana")
    saved = save_finding_item(db, fy2026.id, item.id, due_date=date(2026, 6, 30))
    assert (saved.owner, saved.due_date, saved.status) == ("Dana", date(2026, 6, 30), "planned")


@pytest.mark.parametrize(
    ("status", "finding_status"),
    [("in_progress", "in progress"), ("done", "closed"), ("planned", "open"), ("dropped", "open")],
)
def test_the_steps_status_is_written_to_its_finding_except_dropped(
    db: Database, organisation: Organisation, fy2026: Assessment, status: str, finding_status: str
) -> None:
    item = plan_finding(db, fy2026.id, list_findings(db, organisation.id)[1].key, by="ana")
    saved = save_finding_item(db, fy2026.id, item.id, status=status)  # type: ignore[arg-type]
    assert saved.finding is not None and saved.finding.status == finding_status
    assert list_findings(db, organisation.id)[1].status == finding_status


def test_deleting_the_assessment_deletes_its_steps_made_from_findings(
    db: Database, organisation: Organisation, fy2026: Assessment
) -> None:
    plan_finding(db, fy2026.id, list_findings(db, organisation.id)[1].key, by="ana")
    delete_assessment(db, fy2026.id, backup=False)
    assert list_findings(db, organisation.id)[1].planned_in is None


# One organisation's findings never reach another's assessment


@pytest.fixture
def rival(db: Database, questionnaire: Questionnaire) -> tuple[Organisation, Assessment]:
    """Another organisation with a log of its own and an assessment."""
    other = create_organisation(db, "Contoso", "Retail", "Under 250 employees", "Europe")
    save_register(db, other.id, (PAYMENTS,))
    save_log(db, other.id, (TABLETOP,))
    return other, create_assessment(db, other.id, questionnaire, "FY2026", date(2026, 2, 1))


def test_a_finding_id_of_another_organisation_is_not_found(
    db: Database, organisation: Organisation, fy2026: Assessment, rival: tuple[Organisation, Assessment]
) -> None:
    theirs = list_findings(db, rival[0].id)[0].key
    with pytest.raises(RoadmapItemError, match=r"No finding with id .* in the exercise and incident log of Northwind"):
        plan_finding(db, fy2026.id, theirs, by="mallory")
    ours = list_findings(db, organisation.id)[0].key
    with pytest.raises(RoadmapItemError, match=r"No finding with id .* log of Contoso"):
        plan_finding(db, rival[1].id, ours, by="mallory")
    assert list_finding_items(db, fy2026.id) == list_finding_items(db, rival[1].id) == ()


def test_the_same_id_in_two_organisations_logs_stays_with_each(
    db: Database, organisation: Organisation, fy2026: Assessment, rival: tuple[Organisation, Assessment]
) -> None:
    ours = list_findings(db, organisation.id)[2].key
    crafted = replace(TABLETOP, findings=(Finding("Planted", key=ours),))
    save_log(db, rival[0].id, (crafted,))
    item = plan_finding(db, fy2026.id, ours, by="ana")
    assert item.finding is not None and item.finding.text == "No call tree for HR"
    save_finding_item(db, fy2026.id, item.id, status="done")
    assert list_findings(db, rival[0].id)[0].status == "open"


def test_a_step_of_another_assessment_cannot_be_edited_through_this_one(
    db: Database, organisation: Organisation, fy2026: Assessment, rival: tuple[Organisation, Assessment]
) -> None:
    theirs = plan_finding(db, rival[1].id, list_findings(db, rival[0].id)[0].key, by="ana")
    with pytest.raises(NotFoundError, match=f"No roadmap step {theirs.id} made from a finding"):
        save_finding_item(db, fy2026.id, theirs.id, owner="Mallory")


def test_the_database_itself_refuses_a_step_in_another_organisations_assessment(
    db: Database, organisation: Organisation, rival: tuple[Organisation, Assessment]
) -> None:
    with pytest.raises(sqlite3.IntegrityError, match="assessment of its own organisation only"):
        db.execute(
            "INSERT INTO finding_roadmap_items (organisation_id, assessment_id, finding_key, step, created_by, "
            "created_at, updated_at) VALUES (?, ?, 'k', 's', 'x', 'now', 'now')",
            [organisation.id, rival[1].id],
        )


# Renaming a service


def test_a_renamed_service_keeps_its_results_and_the_dependencies_on_it(
    db: Database, organisation: Organisation
) -> None:
    renamed = replace(PAYMENTS, name="Card payments")
    save_register(db, organisation.id, (renamed, CORE), renamed={"Payments": "Card payments"})
    evidence = load_evidence(db, organisation.id)
    assert [s.name for s in evidence.services] == ["Card payments", "Core banking"]
    assert evidence.services[1].depends_on == ("Card payments",)
    assert evidence.exercises[0].services == ("Card payments", "Core banking")


def test_two_services_can_swap_names(db: Database, organisation: Organisation) -> None:
    swapped = (replace(PAYMENTS, name="Core banking"), replace(CORE, name="Payments", depends_on=("Core banking",)))
    save_register(db, organisation.id, swapped, renamed={"Payments": "Core banking", "Core banking": "Payments"})
    results = load_evidence(db, organisation.id).exercises[0].results
    assert [(r.service, r.recovery_hours) for r in results] == [("Core banking", 3.5), ("Payments", 7.0)]


def test_a_service_left_out_without_a_rename_is_refused_saying_how_to_rename_it(
    db: Database, organisation: Organisation
) -> None:
    with pytest.raises(ServiceRegisterError, match="To rename it, change its name in the register table"):
        save_register(
            db, organisation.id, (replace(PAYMENTS, name="Card payments"), replace(CORE, depends_on=("Card payments",)))
        )
    assert [s.name for s in load_evidence(db, organisation.id).services] == ["Payments", "Core banking"]


def test_a_database_file_reopened_keeps_the_ids(tmp_path: object) -> None:
    path = f"{tmp_path}/itscm.db"
    db = open_database(path)
    organisation = create_organisation(db, "Northwind Bank", "Financial services", "250-999 employees", "Europe")
    save_register(db, organisation.id, (PAYMENTS, CORE))
    save_log(db, organisation.id, (FAILOVER,))
    before = keys(db, organisation)
    db.close()
    assert keys(open_database(path), organisation) == before
