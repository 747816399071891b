"""Renaming and deleting organisations, assessments and respondents; a deletion is backed up first."""

from __future__ import annotations

from datetime import date
from pathlib import Path

import pytest
from sqlite_utils import Database
from storage_helpers import add_assessment, build_questionnaire

from questionnaires.model import Questionnaire
from storage import (
    add_respondent,
    answer_history,
    create_organisation,
    delete_assessment,
    delete_organisation,
    list_answers,
    list_assessments,
    list_organisations,
    open_database,
    preview_assessment_deletion,
    preview_organisation_deletion,
    rename_assessment,
    rename_organisation,
    rename_respondent,
    save_answer,
    set_target,
)
from storage.assessments import create_assessment
from storage.errors import AssessmentError, NotFoundError, OrganisationError, RespondentError
from storage.records import Assessment, Respondent


def test_an_organisation_can_be_renamed_but_not_to_another_ones_name(db: Database, assessment: Assessment) -> None:
    other = create_organisation(db, "Contoso", "Retail", "250-999 employees", "Europe")
    renamed = rename_organisation(db, other.id, "  Contoso Retail  ")
    assert renamed.name == "Contoso Retail"
    with pytest.raises(OrganisationError, match="already exists"):
        rename_organisation(db, other.id, "NORTHWIND BANK")
    with pytest.raises(OrganisationError, match="empty"):
        rename_organisation(db, other.id, "  ")


def test_an_assessment_label_is_unique_within_its_organisation(
    db: Database, questionnaire: Questionnaire, assessment: Assessment
) -> None:
    second = create_assessment(db, assessment.organisation_id, questionnaire, "FY2027", date(2027, 3, 1))
    assert rename_assessment(db, second.id, "FY2027 (draft)").label == "FY2027 (draft)"
    with pytest.raises(AssessmentError, match="already has an assessment labelled"):
        rename_assessment(db, second.id, assessment.label)


def test_a_respondent_can_be_renamed_within_the_assessment(
    db: Database, assessment: Assessment, respondent: Respondent
) -> None:
    other = add_respondent(db, assessment.id, "Ben")
    assert rename_respondent(db, other.id, "Ben Okafor").name == "Ben Okafor"
    with pytest.raises(RespondentError, match="already has a respondent named 'Ana'"):
        rename_respondent(db, other.id, "ana")


def test_deleting_an_assessment_removes_its_answers_and_history_and_nothing_else(
    db: Database, questionnaire: Questionnaire, assessment: Assessment, respondent: Respondent
) -> None:
    keep = create_assessment(db, assessment.organisation_id, questionnaire, "FY2027", date(2027, 3, 1))
    kept_respondent = add_respondent(db, keep.id, "Ana")
    for a, r in ((assessment.id, respondent.id), (keep.id, kept_respondent.id)):
        save_answer(db, questionnaire, a, r, "GOV-01", 3)
        save_answer(db, questionnaire, a, r, "GOV-01", 4)
    set_target(db, questionnaire, assessment.id, "GOV", 4)
    preview = preview_assessment_deletion(db, assessment.id)
    assert (preview.assessments, preview.respondents, preview.answers) == (1, 1, 1)
    outcome = delete_assessment(db, assessment.id)
    assert outcome.removed == preview
    assert outcome.backup is None  # a database in memory has no folder to back up into
    assert [a.id for a in list_assessments(db)] == [keep.id]
    assert len(answer_history(db, keep.id)) == 2
    with pytest.raises(NotFoundError):
        list_answers(db, assessment.id)
    assert db.execute("SELECT count(*) FROM answer_history WHERE assessment_id = ?", [assessment.id]).fetchone()[0] == 0


def test_history_stays_append_only_outside_a_deletion(
    db: Database, questionnaire: Questionnaire, assessment: Assessment, respondent: Respondent
) -> None:
    save_answer(db, questionnaire, assessment.id, respondent.id, "GOV-01", 3)
    with pytest.raises(Exception, match="append-only"):
        db.execute("DELETE FROM answer_history")


def test_deleting_an_organisation_removes_all_its_assessments(
    db: Database, questionnaire: Questionnaire, assessment: Assessment, respondent: Respondent
) -> None:
    save_answer(db, questionnaire, assessment.id, respondent.id, "GOV-01", 3)
    create_assessment(db, assessment.organisation_id, questionnaire, "FY2027", date(2027, 3, 1))
    other = create_organisation(db, "Contoso", "Retail", "250-999 employees", "Europe")
    preview = preview_organisation_deletion(db, assessment.organisation_id)
    assert preview.describe() == "1 organisation, 2 assessments, 1 respondent and 1 answer"
    delete_organisation(db, assessment.organisation_id)
    assert [o.id for o in list_organisations(db)] == [other.id]
    assert list_assessments(db) == ()


@pytest.mark.sqlite_only
def test_a_deletion_takes_a_backup_first_that_still_holds_what_was_deleted(tmp_path: Path) -> None:
    questionnaire = build_questionnaire()
    db = open_database(tmp_path / "live.db")
    try:
        assessment = add_assessment(db, questionnaire)
        respondent = add_respondent(db, assessment.id, "Ana")
        save_answer(db, questionnaire, assessment.id, respondent.id, "GOV-01", 3)
        outcome = delete_assessment(db, assessment.id)
    finally:
        db.close()
    assert outcome.backup is not None and outcome.backup.parent == tmp_path / "backups"
    copy = open_database(outcome.backup)
    try:
        assert [a.level for a in list_answers(copy, assessment.id)] == [3]
    finally:
        copy.close()


def test_deleting_takes_the_participant_links_and_organisation_assignments_with_it_and_keeps_the_users(
    db: Database, questionnaire: Questionnaire, assessment: Assessment, respondent: Respondent
) -> None:
    from datetime import UTC, datetime, timedelta

    from storage import add_user, assign_organisations, get_user, insert_link, list_links

    later = datetime.now(UTC) + timedelta(days=14)
    keep = create_assessment(db, assessment.organisation_id, questionnaire, "FY2027", date(2027, 3, 1))
    kept_link = insert_link(db, "b" * 64, keep.id, add_respondent(db, keep.id, "Ben").id, [], "ana", later)
    insert_link(db, "a" * 64, assessment.id, respondent.id, ["GOV"], "ana", later)
    other = create_organisation(db, "Contoso", "Retail", "250-999 employees", "Europe")
    user = add_user(db, "ana@example.org", "consultant")
    assign_organisations(db, user.id, [assessment.organisation_id, other.id])

    delete_assessment(db, assessment.id)
    assert (
        db.execute("SELECT count(*) FROM participant_links WHERE assessment_id = ?", [assessment.id]).fetchone()[0] == 0
    )
    assert list_links(db, keep.id) == (kept_link,)

    delete_organisation(db, assessment.organisation_id)
    assert db.execute("SELECT count(*) FROM participant_links").fetchone()[0] == 0
    assert get_user(db, user.id).organisations == {other.id}
    assert db.execute("PRAGMA foreign_key_check").fetchall() == []


def test_deleting_an_assessment_takes_its_workshop_and_the_questions_put_to_the_room_and_no_other(
    db: Database, questionnaire: Questionnaire, assessment: Assessment
) -> None:
    from storage import get_or_create_respondent
    from storage.workshop import agree, get_workshop, list_items, open_item, set_mode

    keep = create_assessment(db, assessment.organisation_id, questionnaire, "FY2027", date(2027, 3, 1))
    for workshop in (assessment, keep):
        set_mode(db, workshop.id, "facilitated", by="Kim")
        open_item(db, questionnaire, workshop.id, "GOV-01", by="Kim")
        save_answer(db, questionnaire, workshop.id, get_or_create_respondent(db, workshop.id, "Ana").id, "GOV-01", 3)
        agree(db, questionnaire, workshop.id, "GOV-01", 3, note="Agreed", by="Kim")
        open_item(db, questionnaire, workshop.id, "GOV-02", by="Kim")
    kept = (get_workshop(db, keep.id), list_items(db, keep.id))

    delete_assessment(db, assessment.id)

    for table in ("workshops", "workshop_items"):
        left = db.execute(f"SELECT count(*) FROM {table} WHERE assessment_id = ?", [assessment.id]).fetchone()[0]
        assert left == 0, table
    assert (get_workshop(db, keep.id), list_items(db, keep.id)) == kept
    assert db.execute("PRAGMA foreign_key_check").fetchall() == []
