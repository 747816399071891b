"""Upgrading an assessment to the next questionnaire version: kept answers carried, the rest left to answer."""

from __future__ import annotations

from dataclasses import replace
from datetime import date

import pytest
from sqlite_utils import Database
from storage_helpers import table_counts

from evidence.model import Exercise, Finding
from questionnaires.catalog import get_questionnaire
from questionnaires.lineage import lineage
from questionnaires.model import Questionnaire
from storage import (
    create_assessment,
    create_organisation,
    get_or_create_respondent,
    list_answers,
    list_consensus,
    list_roadmap_items,
    list_targets,
    save_answer,
    save_roadmap_item,
    set_consensus,
    set_target,
    upgrade_assessment,
)
from storage.errors import AssessmentError
from storage.evidence import load_evidence, save_log
from storage.finding_items import FindingItem, list_finding_items, list_findings, plan_finding, save_finding_item
from storage.records import Assessment

OLDER = get_questionnaire("itscm", "2026.1")
NEWER = get_questionnaire("itscm", "2026.2")


def level_for(questionnaire: Questionnaire, index: int) -> int:
    return questionnaire.level_numbers[index % len(questionnaire.level_numbers)]


@pytest.fixture
def answered(db: Database) -> Assessment:
    """A fully answered 2026.1 assessment with two respondents, a consensus, a target and roadmap steps."""
    organisation = create_organisation(db, "Northwind Bank", "Financial services", "1,000-4,999 employees", "Europe")
    assessment = create_assessment(db, organisation.id, OLDER, "FY2026", date(2026, 3, 31))
    ana = get_or_create_respondent(db, assessment.id, "Ana")
    ben = get_or_create_respondent(db, assessment.id, "Ben")
    for i, question in enumerate(OLDER.questions):
        na = question.na_allowed and i % 2 == 0
        level = None if na else level_for(OLDER, i)
        save_answer(db, OLDER, assessment.id, ana.id, question.id, level, na=na, comment=f"Ana on {question.id}")
        save_answer(db, OLDER, assessment.id, ben.id, question.id, level_for(OLDER, i + 1), evidence="doc.pdf")
    set_consensus(db, OLDER, assessment.id, "RISK-01", 3, note="Agreed in the workshop", set_by="Facilitator")
    set_consensus(db, OLDER, assessment.id, "GOV-11", 2, note="Merged away in 2026.2", set_by="Facilitator")
    set_target(db, OLDER, assessment.id, "REC", 4)
    save_roadmap_item(db, OLDER, assessment.id, "RISK-01", 4, owner="Ana", status="in_progress")
    save_roadmap_item(db, OLDER, assessment.id, "REC-05", 4, owner="Ben")
    return assessment


def test_upgrading_a_fully_answered_assessment_keeps_every_unchanged_answer(db: Database, answered: Assessment) -> None:
    before = {(a.respondent_id, a.question_id): a for a in list_answers(db, answered.id)}
    upgrade = upgrade_assessment(db, answered.id, OLDER, NEWER)
    kept = set(lineage(OLDER, NEWER).kept)
    names = {a.respondent_id: a for a in list_answers(db, answered.id)}
    assert names  # the earlier assessment still has its answers
    after = list_answers(db, upgrade.assessment.id)
    carried = {(a.question_id, a.level, a.na, a.comment, a.evidence) for a in after}
    expected = set()
    for answer in before.values():
        question = NEWER.find_question(answer.question_id)
        if answer.question_id in kept and not (
            answer.na and question and question.na_requires_justification and not answer.comment
        ):
            expected.add((answer.question_id, answer.level, answer.na, answer.comment, answer.evidence))
    assert carried == expected
    assert {a.question_id for a in after} <= kept
    assert upgrade.carried_answers == len(after)


def test_the_upgraded_assessment_is_on_the_new_version_with_the_old_one_untouched(
    db: Database, answered: Assessment
) -> None:
    before = list_answers(db, answered.id)
    upgrade = upgrade_assessment(db, answered.id, OLDER, NEWER)
    assert (upgrade.assessment.questionnaire_version, upgrade.assessment.label) == ("2026.2", "FY2026 (2026.2)")
    assert (upgrade.assessment.organisation_id, upgrade.assessment.assessment_date) == (
        answered.organisation_id,
        answered.assessment_date,
    )
    assert upgrade.assessment.status == "in_progress"
    assert list_answers(db, answered.id) == before


def test_new_and_merged_questions_are_listed_to_answer_with_what_they_replace(
    db: Database, answered: Assessment
) -> None:
    upgrade = upgrade_assessment(db, answered.id, OLDER, NEWER)
    for new_id in ("REC-14", "REC-15", "TEST-14", "GOV-15", "GOV-19", "BIA-14"):
        assert new_id in upgrade.to_answer
    assert sorted(upgrade.replaced["TEST-14"]) == ["GOV-11", "TEST-13"]
    assert "RISK-01" in upgrade.carried_questions and "RISK-01" not in upgrade.to_answer
    assert set(upgrade.carried_questions) | set(upgrade.to_answer) == {q.id for q in NEWER.questions}


def test_consensus_targets_and_roadmap_steps_of_kept_questions_are_carried(db: Database, answered: Assessment) -> None:
    upgrade = upgrade_assessment(db, answered.id, OLDER, NEWER)
    new_id = upgrade.assessment.id
    assert [(c.question_id, c.level, c.note) for c in list_consensus(db, new_id)] == [
        ("RISK-01", 3, "Agreed in the workshop")
    ]
    assert list_targets(db, new_id) == {"REC": 4}
    assert [(i.question_id, i.to_level, i.owner, i.status) for i in list_roadmap_items(db, new_id)] == [
        ("RISK-01", 4, "Ana", "in_progress")
    ]


def test_an_na_without_the_reason_the_new_version_asks_for_is_not_carried_and_says_why(db: Database) -> None:
    organisation = create_organisation(db, "Acme", "Retail", "250-999 employees", "Europe")
    assessment = create_assessment(db, organisation.id, OLDER, "FY2026", date(2026, 3, 31))
    ana = get_or_create_respondent(db, assessment.id, "Ana")
    save_answer(db, OLDER, assessment.id, ana.id, "RISK-09", None, na=True)
    save_answer(db, OLDER, assessment.id, ana.id, "GOV-14", None, na=True, comment="We buy no ICT services.")
    upgrade = upgrade_assessment(db, assessment.id, OLDER, NEWER)
    assert [(n.respondent, n.question_id) for n in upgrade.not_carried] == [("Ana", "RISK-09")]
    assert "N/A needs a reason" in upgrade.not_carried[0].reason
    assert "RISK-09" in upgrade.to_answer and "GOV-14" in upgrade.carried_questions


def test_an_upgrade_to_a_version_that_does_not_follow_is_refused_and_writes_nothing(
    db: Database, answered: Assessment
) -> None:
    before = table_counts(db)
    with pytest.raises(AssessmentError, match=r"itscm 2026\.1 does not say it follows itscm 2026\.1"):
        upgrade_assessment(db, answered.id, OLDER, OLDER)
    assert table_counts(db) == before


def test_an_upgrade_to_a_label_already_taken_is_refused_and_writes_nothing(db: Database, answered: Assessment) -> None:
    before = table_counts(db)
    with pytest.raises(AssessmentError, match="already has an assessment labelled 'FY2026'"):
        upgrade_assessment(db, answered.id, OLDER, NEWER, label="FY2026")
    assert table_counts(db) == before


# Roadmap steps made from findings of the exercise and incident log


@pytest.fixture
def finding_steps(db: Database, answered: Assessment) -> tuple[FindingItem, ...]:
    """Two findings of the organisation's log on the 2026.1 roadmap, one of them edited since it was planned."""
    tabletop = Exercise(
        date(2025, 10, 14),
        "tabletop",
        "Ransomware tabletop",
        findings=(
            Finding("No call tree for HR"),
            Finding("Runbook out of date", owner="Ben", due=date(2026, 1, 31), status="in progress"),
        ),
    )
    save_log(db, answered.organisation_id, (tabletop,))
    first, second = list_findings(db, answered.organisation_id)
    plan_finding(db, answered.id, first.key, by="ana@example.org")
    edited = plan_finding(db, answered.id, second.key, by="ana@example.org")
    save_finding_item(db, answered.id, edited.id, owner="Dana", due_date=date(2026, 6, 30), status="done")
    return list_finding_items(db, answered.id)


def test_steps_made_from_findings_move_to_the_upgraded_assessment_with_their_owner_due_date_and_status(
    db: Database, answered: Assessment, finding_steps: tuple[FindingItem, ...]
) -> None:
    log = load_evidence(db, answered.organisation_id)
    roadmap = list_roadmap_items(db, answered.id)
    counts = table_counts(db)
    upgrade = upgrade_assessment(db, answered.id, OLDER, NEWER)
    moved = list_finding_items(db, upgrade.assessment.id)
    assert [(i.text, i.owner, i.due_date, i.status) for i in moved] == [
        ("From exercise 2025-10-14 tabletop: No call tree for HR", "", None, "planned"),
        ("From exercise 2025-10-14 tabletop: Runbook out of date", "Dana", date(2026, 6, 30), "done"),
    ]
    # The same rows, with every field as it was, on the new roadmap instead of the old one.
    new_id = upgrade.assessment.id
    assert moved == tuple(
        replace(i, assessment_id=new_id, finding=replace(i.finding, planned_in=new_id))  # type: ignore[type-var]
        for i in finding_steps
    )
    assert upgrade.moved_finding_steps == moved
    assert list_finding_items(db, answered.id) == ()
    assert [f.planned_in for f in list_findings(db, answered.organisation_id)] == [new_id, new_id]
    # Nothing else changes: the log, the old roadmap, and no step made from a finding is added or lost.
    assert load_evidence(db, answered.organisation_id) == log
    assert list_roadmap_items(db, answered.id) == roadmap
    assert table_counts(db)["finding_roadmap_items"] == counts["finding_roadmap_items"] == 2


def test_the_upgrade_says_which_steps_made_from_findings_moved(
    db: Database, answered: Assessment, finding_steps: tuple[FindingItem, ...]
) -> None:
    text = upgrade_assessment(db, answered.id, OLDER, NEWER).describe()
    assert (
        "from FY2026, which is unchanged but for its 2 roadmap steps made from findings, moved to the new one: " in text
    )
    assert text.endswith(
        "Steps made from findings of the exercise and incident log move with their owner, due date and status, "
        "since a finding is a step of one roadmap only."
    )


def test_an_upgrade_without_steps_made_from_findings_leaves_the_earlier_assessment_unchanged(
    db: Database, answered: Assessment
) -> None:
    upgrade = upgrade_assessment(db, answered.id, OLDER, NEWER)
    assert upgrade.moved_finding_steps == ()
    assert "from FY2026, which is unchanged: " in upgrade.describe()
    assert "Steps made from findings" not in upgrade.describe()


def test_a_refused_upgrade_leaves_the_steps_made_from_findings_where_they_were(
    db: Database, answered: Assessment, finding_steps: tuple[FindingItem, ...]
) -> None:
    with pytest.raises(AssessmentError, match="already has an assessment labelled 'FY2026'"):
        upgrade_assessment(db, answered.id, OLDER, NEWER, label="FY2026")
    assert list_finding_items(db, answered.id) == finding_steps
