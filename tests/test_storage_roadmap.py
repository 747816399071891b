"""Tests for saving and listing roadmap items."""

from __future__ import annotations

from datetime import date, datetime
from pathlib import Path
from typing import Any

import pytest
from sqlite_utils import Database
from storage_helpers import add_assessment, build_questionnaire, table_counts

from questionnaires.model import Questionnaire
from storage import list_roadmap_items, open_database, save_roadmap_item
from storage.errors import NotFoundError, QuestionnaireMismatchError, RoadmapItemError
from storage.records import Assessment


def test_new_item_is_planned_with_no_owner_or_due_date(
    db: Database, questionnaire: Questionnaire, assessment: Assessment
) -> None:
    item = save_roadmap_item(db, questionnaire, assessment.id, "GOV-01", 3)
    assert (item.question_id, item.to_level, item.owner, item.due_date, item.status) == (
        "GOV-01",
        3,
        "",
        None,
        "planned",
    )
    assert list_roadmap_items(db, assessment.id) == (item,)


def test_saving_again_updates_the_one_item_for_that_step(
    db: Database, questionnaire: Questionnaire, assessment: Assessment
) -> None:
    save_roadmap_item(db, questionnaire, assessment.id, "GOV-01", 3)
    updated = save_roadmap_item(
        db, questionnaire, assessment.id, "GOV-01", 3, owner=" Dana ", due_date=date(2026, 9, 30), status="done"
    )
    assert (updated.owner, updated.due_date, updated.status) == ("Dana", date(2026, 9, 30), "done")
    assert list_roadmap_items(db, assessment.id) == (updated,)


def test_saving_the_same_values_again_keeps_the_time(
    db: Database, questionnaire: Questionnaire, assessment: Assessment
) -> None:
    first = save_roadmap_item(db, questionnaire, assessment.id, "GOV-01", 3, owner="Dana", due_date="2026-09-30")
    again = save_roadmap_item(db, questionnaire, assessment.id, "GOV-01", 3, owner="Dana", due_date=date(2026, 9, 30))
    assert again == first


def test_items_are_listed_by_question_then_level(
    db: Database, questionnaire: Questionnaire, assessment: Assessment
) -> None:
    for question_id, level in (("GOV-02", 2), ("BIA-01", 4), ("GOV-02", 3), ("BIA-01", 3)):
        save_roadmap_item(db, questionnaire, assessment.id, question_id, level)
    assert [(i.question_id, i.to_level) for i in list_roadmap_items(db, assessment.id)] == [
        ("BIA-01", 3),
        ("BIA-01", 4),
        ("GOV-02", 2),
        ("GOV-02", 3),
    ]


def test_due_date_given_as_datetime_keeps_the_date(
    db: Database, questionnaire: Questionnaire, assessment: Assessment
) -> None:
    item = save_roadmap_item(db, questionnaire, assessment.id, "GOV-01", 2, due_date=datetime(2026, 5, 1, 17, 0))
    assert item.due_date == date(2026, 5, 1)


@pytest.mark.parametrize(
    ("changes", "message"),
    [
        ({"status": "finished"}, "Roadmap status 'finished' is not in the list"),
        ({"due_date": "next week"}, "Due date 'next week' is not a date"),
        ({"due_date": 20260930}, "not a date"),
        ({"question_id": "GOV-42"}, "Question 'GOV-42' is not in questionnaire"),
        ({"to_level": 6}, "level 6 is not on the scale"),
        ({"to_level": 1}, "bottom of the scale"),
        ({"owner": "O" * 201}, "at most 200"),
    ],
)
def test_invalid_item_is_refused_and_nothing_is_written(
    db: Database, questionnaire: Questionnaire, assessment: Assessment, changes: dict[str, Any], message: str
) -> None:
    values: dict[str, Any] = {"question_id": "GOV-01", "to_level": 3, **changes}
    question_id, to_level = values.pop("question_id"), values.pop("to_level")
    before = table_counts(db)
    with pytest.raises(RoadmapItemError, match=message):
        save_roadmap_item(db, questionnaire, assessment.id, question_id, to_level, **values)
    assert table_counts(db) == before


def test_item_for_another_questionnaire_or_unknown_assessment_is_refused(
    db: Database, questionnaire: Questionnaire, assessment: Assessment
) -> None:
    with pytest.raises(QuestionnaireMismatchError):
        save_roadmap_item(db, build_questionnaire(version="1.1"), assessment.id, "GOV-01", 3)
    with pytest.raises(NotFoundError):
        save_roadmap_item(db, questionnaire, 999, "GOV-01", 3)
    assert db.table("roadmap_items").count == 0


def test_fields_not_given_keep_what_is_stored(
    db: Database, questionnaire: Questionnaire, assessment: Assessment
) -> None:
    save_roadmap_item(db, questionnaire, assessment.id, "GOV-01", 3, owner="Dana", due_date="2026-09-30", status="done")
    item = save_roadmap_item(db, questionnaire, assessment.id, "GOV-01", 3, owner="Lee")
    assert (item.owner, item.due_date, item.status) == ("Lee", date(2026, 9, 30), "done")
    item = save_roadmap_item(db, questionnaire, assessment.id, "GOV-01", 3, status="in_progress")
    assert (item.owner, item.due_date, item.status) == ("Lee", date(2026, 9, 30), "in_progress")


def test_a_due_date_of_none_clears_it_while_an_omitted_one_is_kept(
    db: Database, questionnaire: Questionnaire, assessment: Assessment
) -> None:
    save_roadmap_item(db, questionnaire, assessment.id, "GOV-01", 3, due_date="2026-09-30")
    assert save_roadmap_item(db, questionnaire, assessment.id, "GOV-01", 3, owner="Dana").due_date == date(2026, 9, 30)
    assert save_roadmap_item(db, questionnaire, assessment.id, "GOV-01", 3, due_date=None).due_date is None


def test_a_new_item_given_only_a_status_has_no_owner_or_due_date(
    db: Database, questionnaire: Questionnaire, assessment: Assessment
) -> None:
    item = save_roadmap_item(db, questionnaire, assessment.id, "GOV-01", 3, status="done")
    assert (item.owner, item.due_date, item.status) == ("", None, "done")


def test_two_connections_changing_different_fields_of_one_step_keep_both(
    tmp_path: Path, questionnaire: Questionnaire
) -> None:
    # Two people with the page open: one sets the status, the other (who loaded the step before) the owner.
    path = tmp_path / "shared.db"
    first, second = open_database(path), open_database(path)
    try:
        assessment = add_assessment(first, questionnaire)
        save_roadmap_item(first, questionnaire, assessment.id, "GOV-01", 3, owner="Dana", status="planned")
        save_roadmap_item(first, questionnaire, assessment.id, "GOV-01", 3, status="done")
        save_roadmap_item(second, questionnaire, assessment.id, "GOV-01", 3, owner="Lee")
        [item] = list_roadmap_items(first, assessment.id)
        assert (item.owner, item.status) == ("Lee", "done")
    finally:
        first.close()
        second.close()
