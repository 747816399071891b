"""Reliability tests: concurrent writer processes, writers killed mid-save, and text round trips."""

from __future__ import annotations

import os
import random
import signal
import sqlite3
import subprocess
import time
from pathlib import Path

import pytest
from hypothesis import given, settings
from hypothesis import strategies as st
from storage_helpers import add_assessment, build_questionnaire, start_child

from storage import (
    add_respondent,
    create_organisation,
    get_organisation,
    list_answers,
    list_organisations,
    open_database,
    save_answer,
)
from storage.choices import MAX_ORGANISATION_NAME
from storage.errors import StorageError

WRITERS = 16
WRITES_PER_WRITER = 100
KILL_ROUNDS = 20
QUESTIONS_PER_BATCH = 100


def _integrity(path: Path) -> str:
    conn = sqlite3.connect(path)
    try:
        return conn.execute("PRAGMA integrity_check").fetchone()[0]
    finally:
        conn.close()


@pytest.mark.slow
def test_sixteen_writer_processes_store_every_answer_without_errors(tmp_path: Path) -> None:
    path = tmp_path / "itscm.db"
    db = open_database(path)
    assessment = add_assessment(db, build_questionnaire(extra_questions=WRITES_PER_WRITER))
    db.close()
    children = [
        start_child("write_distinct_answers", str(path), assessment.id, writer, WRITES_PER_WRITER)
        for writer in range(WRITERS)
    ]
    exit_codes = [child.wait(timeout=600) for child in children]
    assert exit_codes == [0] * WRITERS
    db = open_database(path)
    try:
        assert db.table("answers").count == WRITERS * WRITES_PER_WRITER
        assert db.table("answer_history").count == WRITERS * WRITES_PER_WRITER
        assert db.table("respondents").count == WRITERS
    finally:
        db.close()
    assert _integrity(path) == "ok"


def _wait_until_ready(child: subprocess.Popen[bytes], ack_path: Path) -> None:
    deadline = time.monotonic() + 120
    while time.monotonic() < deadline:
        if ack_path.exists() and ack_path.read_text(encoding="utf-8").startswith("ready\n"):
            return
        if child.poll() is not None:
            pytest.fail(f"writer exited with {child.returncode} before it was ready")
        time.sleep(0.01)
    pytest.fail("writer did not become ready within 120 s")


def _acknowledged(ack_path: Path) -> list[tuple[int, str, int]]:
    # A line without its newline was cut off by the kill and was never acknowledged.
    lines = ack_path.read_text(encoding="utf-8").splitlines(keepends=True)
    complete = [line.split() for line in lines[1:] if line.endswith("\n")]
    return [(int(respondent), question, int(level)) for respondent, question, level in complete]


@pytest.mark.slow
def test_writer_killed_at_random_moments_loses_no_acknowledged_answer(tmp_path: Path) -> None:
    rng = random.Random(20260331)
    path = tmp_path / "itscm.db"
    db = open_database(path)
    assessment = add_assessment(db, build_questionnaire(extra_questions=QUESTIONS_PER_BATCH))
    db.close()
    acknowledged: list[tuple[int, str, int]] = []
    for round_number in range(KILL_ROUNDS):
        ack_path = tmp_path / f"acks-{round_number}.txt"
        child = start_child(
            "write_until_killed", str(path), assessment.id, round_number, str(ack_path), QUESTIONS_PER_BATCH
        )
        _wait_until_ready(child, ack_path)
        time.sleep(rng.uniform(0.0, 0.3))
        os.kill(child.pid, signal.SIGKILL)
        assert child.wait(timeout=60) == -signal.SIGKILL
        acknowledged += _acknowledged(ack_path)
    assert _integrity(path) == "ok"
    assert len(acknowledged) > KILL_ROUNDS
    db = open_database(path)
    try:
        stored = {(a.respondent_id, a.question_id): a.level for a in list_answers(db, assessment.id)}
    finally:
        db.close()
    missing = [ack for ack in acknowledged if stored.get((ack[0], ack[1])) != ack[2]]
    assert missing == []


# SQLite text cannot hold lone surrogates (category Cs); control characters other than tabs and line
# breaks, and text-direction overrides, are refused on the way in. Everything else survives as given.
BIDI_CONTROLS = "\u202a\u202b\u202c\u202d\u202e\u2066\u2067\u2068\u2069"
ANY_TEXT = st.text(
    st.characters(exclude_categories=("Cs", "Cc"), exclude_characters=BIDI_CONTROLS, include_characters="\t\n\r"),
    max_size=300,
)
USER_TEXT = st.builds(str.__add__, st.sampled_from(["", "=", "+", "-", "@", "\t", "\r", " "]), ANY_TEXT)
HIDDEN = st.one_of(st.characters(categories=("Cc",), exclude_characters="\t\n\r"), st.sampled_from(BIDI_CONTROLS))


@pytest.mark.slow
@settings(max_examples=150, deadline=None)
@given(comment=USER_TEXT, evidence=USER_TEXT, answer=st.one_of(st.none(), st.just("na"), st.integers(1, 5)))
def test_saved_answer_text_is_read_back_exactly(comment: str, evidence: str, answer: int | str | None) -> None:
    questionnaire = build_questionnaire()
    db = open_database(":memory:")
    try:
        assessment = add_assessment(db, questionnaire)
        respondent = add_respondent(db, assessment.id, "Ana")
        level = answer if isinstance(answer, int) else None
        saved = save_answer(
            db, questionnaire, assessment.id, respondent.id, "BIA-02", level, answer == "na", comment, evidence
        )
        expected = (level, answer == "na", comment, evidence)
        assert (saved.level, saved.na, saved.comment, saved.evidence) == expected
        if expected == (None, False, "", ""):
            # An empty answer that was never given is not stored at all.
            assert list_answers(db, assessment.id) == ()
        else:
            assert list_answers(db, assessment.id) == (saved,)
    finally:
        db.close()


@pytest.mark.slow
@settings(max_examples=150, deadline=None)
@given(
    name=st.text(
        st.characters(exclude_categories=("Cs", "Cc"), exclude_characters=BIDI_CONTROLS),
        min_size=1,
        max_size=MAX_ORGANISATION_NAME,
    ).filter(lambda name: name.strip() != "")
)
def test_organisation_name_is_read_back_without_surrounding_whitespace(name: str) -> None:
    db = open_database(":memory:")
    try:
        created = create_organisation(db, name, "Other", "250-999 employees", "Europe")
        assert get_organisation(db, created.id).name == name.strip()
        assert [o.name for o in list_organisations(db)] == [name.strip()]
    finally:
        db.close()


@settings(max_examples=60, deadline=None)
@given(before=ANY_TEXT, hidden=HIDDEN, after=ANY_TEXT)
def test_text_with_a_control_or_direction_character_is_refused_and_nothing_is_written(
    before: str, hidden: str, after: str
) -> None:
    questionnaire = build_questionnaire()
    db = open_database(":memory:")
    try:
        assessment = add_assessment(db, questionnaire)
        respondent = add_respondent(db, assessment.id, "Ana")
        text = before + hidden + after
        with pytest.raises(StorageError, match=f"U\\+{ord(hidden):04X}"):
            save_answer(db, questionnaire, assessment.id, respondent.id, "BIA-02", 3, comment=text)
        with pytest.raises(StorageError, match="invisible control character"):
            create_organisation(db, "Acme" + hidden + "Ltd", "Other", "250-999 employees", "Europe")
        assert list_answers(db, assessment.id) == ()
        assert len(list_organisations(db)) == 1
    finally:
        db.close()
