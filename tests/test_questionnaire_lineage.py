"""Lineage between questionnaire versions: which questions are kept, replaced, retired or new."""

from __future__ import annotations

import pytest

from questionnaires.catalog import get_questionnaire
from questionnaires.lineage import NotASuccessor, follows, lineage, successor_lineage
from questionnaires.model import Questionnaire

OLDER = get_questionnaire("itscm", "2026.1")
NEWER = get_questionnaire("itscm", "2026.2")


def test_2026_2_follows_2026_1_and_not_the_other_way() -> None:
    assert follows(OLDER, NEWER) and not follows(NEWER, OLDER) and not follows(OLDER, OLDER)


def test_the_lineage_of_2026_2_accounts_for_every_question_of_both_versions() -> None:
    lin = lineage(OLDER, NEWER)
    replaced_old = {old for olds in lin.replaced.values() for old in olds}
    assert sorted([*lin.kept, *lin.retired, *replaced_old]) == sorted(q.id for q in OLDER.questions)
    assert sorted([*lin.kept, *lin.replaced, *lin.new]) == sorted(q.id for q in NEWER.questions)


def test_merged_questions_name_their_predecessors_and_each_predecessor_its_successor() -> None:
    lin = lineage(OLDER, NEWER)
    assert sorted(lin.predecessors("REC-14")) == ["REC-05", "RISK-08"]
    assert lin.successors("RISK-08") == ("REC-14",)
    assert lin.predecessors("RISK-01") == ("RISK-01",) and lin.successors("RISK-01") == ("RISK-01",)
    assert lin.predecessors("REC-15") == () and "REC-15" in lin.new


def test_versions_that_do_not_follow_each_other_match_by_id_only() -> None:
    lin = lineage(NEWER, OLDER)
    assert lin.replaced == {}
    assert "REC-14" in lin.retired and "REC-05" in lin.new


def _renumbered(questionnaire: Questionnaire, version: str) -> Questionnaire:
    return questionnaire.model_copy(update={"version": version, "previous_version": None})


def test_an_upgrade_needs_a_declared_successor() -> None:
    with pytest.raises(NotASuccessor, match=r"does not say it follows itscm 2026\.1"):
        successor_lineage(OLDER, _renumbered(NEWER, "2027.1"))
