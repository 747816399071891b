"""Two sessions answering the same assessment never undo each other, and a failed save says so."""

from __future__ import annotations

from collections.abc import Iterator
from datetime import date
from pathlib import Path

import pytest
from app_runner import open_page
from streamlit.testing.v1 import AppTest

import storage
from questionnaires.catalog import get_questionnaire
from storage import (
    answer_history,
    close_thread_connections,
    connect,
    create_assessment,
    create_organisation,
    get_or_create_respondent,
    list_answers,
)
from storage.errors import DatabaseBusyError

QUESTION = "RISK-05"


@pytest.fixture
def ids(tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> Iterator[tuple[int, int]]:
    monkeypatch.setenv("ITSCM_DB", str(tmp_path / "app.db"))
    db = connect()
    questionnaire = get_questionnaire("itscm", "2026.1")
    org = create_organisation(db, "Acme", "Retail", "250-999 employees", "Europe")
    assessment = create_assessment(db, org.id, questionnaire, "FY2026", date(2026, 3, 1))
    respondent = get_or_create_respondent(db, assessment.id, "Continuity manager")
    storage.save_answer(db, questionnaire, assessment.id, respondent.id, QUESTION, 3)
    yield assessment.id, respondent.id
    close_thread_connections()


def open_tab(assessment_id: int) -> AppTest:
    return open_page("questionnaire", assessment=assessment_id, domain="RISK")


def key(kind: str, ids: tuple[int, int]) -> str:
    return f"{kind}-{ids[0]}-{ids[1]}-{QUESTION}"


WIDGET_KINDS = {"radio": "level", "text_area": "comment"}


def shown(at: AppTest, element: str, ids: tuple[int, int]) -> object:
    """The question's widget of this element type as the page shows it now (its key gains a version when the
    page puts into it a value that did not come from the browser)."""
    prefix = key(WIDGET_KINDS[element], ids)
    found = [w for w in getattr(at, element) if w.key == prefix or w.key.startswith(f"{prefix}-v")]
    assert len(found) == 1, [w.key for w in getattr(at, element)]
    return found[0]


def stored(ids: tuple[int, int]) -> tuple[int | None, str]:
    (answer,) = [a for a in list_answers(connect(), ids[0]) if a.question_id == QUESTION]
    return answer.level, answer.comment


def test_a_comment_saved_in_an_older_tab_keeps_the_level_a_newer_tab_set(ids: tuple[int, int]) -> None:
    tab_a = open_tab(ids[0])
    tab_b = open_tab(ids[0])
    tab_b.radio(key=key("level", ids)).set_value(5).run()
    tab_a.text_area(key=key("comment", ids)).input("Risk register reviewed in March").run()
    assert not tab_a.exception and not tab_b.exception
    assert stored(ids) == (5, "Risk register reviewed in March")
    # The older tab now shows the level the other tab chose.
    assert shown(tab_a, "radio", ids).value == 5


def test_a_level_changed_elsewhere_is_not_overwritten_and_the_user_is_told(ids: tuple[int, int]) -> None:
    tab_a = open_tab(ids[0])
    tab_b = open_tab(ids[0])
    tab_b.radio(key=key("level", ids)).set_value(5).run()
    tab_a.radio(key=key("level", ids)).set_value(2).run()
    assert stored(ids)[0] == 5
    assert shown(tab_a, "radio", ids).value == 5
    warning = "\n".join(w.value for w in tab_a.warning)
    assert "changed elsewhere" in warning and "was not applied" in warning
    history = answer_history(connect(), ids[0], QUESTION)
    assert [(h.after.level, h.applied) for h in history] == [(3, True), (5, True), (2, False)]


def test_a_failed_save_says_not_saved_and_shows_what_is_stored(
    ids: tuple[int, int], monkeypatch: pytest.MonkeyPatch
) -> None:
    def busy(*args: object, **kwargs: object) -> None:
        raise DatabaseBusyError("Not saved: the database is busy with another change. Nothing was written.")

    monkeypatch.setattr(storage, "update_answer", busy)
    tab = open_tab(ids[0])
    tab.radio(key=key("level", ids)).set_value(4).run()
    assert not tab.exception
    error = "\n".join(e.value for e in tab.error)
    assert "was not saved" in error and "The level shown is the one stored" in error
    assert shown(tab, "radio", ids).value == 3
    assert stored(ids)[0] == 3


def test_a_comment_that_failed_to_save_stays_in_its_field_and_can_be_retried(
    ids: tuple[int, int], monkeypatch: pytest.MonkeyPatch
) -> None:
    real = storage.update_answer
    failing = [True]

    def sometimes_busy(*args: object, **kwargs: object) -> object:
        if failing[0]:
            raise DatabaseBusyError("Not saved: the database is busy with another change. Nothing was written.")
        return real(*args, **kwargs)

    monkeypatch.setattr(storage, "update_answer", sometimes_busy)
    tab = open_tab(ids[0])
    tab.text_area(key=key("comment", ids)).input("typed during an import").run()
    assert shown(tab, "text_area", ids).value == "typed during an import"
    assert "Your text is still in the field" in "\n".join(e.value for e in tab.error)
    failing[0] = False
    tab.button(key=key("retry", ids)).click().run()
    assert stored(ids) == (3, "typed during an import")
    assert not tab.error
