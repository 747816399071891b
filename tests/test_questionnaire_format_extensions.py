"""Declared standards, levelled evidence, N/A justification, replaced ids and the derived default target."""

from __future__ import annotations

import re
import time
from pathlib import Path

import pytest
from ruamel.yaml import YAML

from questionnaires.errors import QuestionnaireError
from questionnaires.loader import parse_questionnaire
from questionnaires.model import Questionnaire
from questionnaires.patterns import pattern_problem

FIXTURE = Path(__file__).resolve().parent / "fixtures" / "mini.yaml"


def mini(**changes: object) -> dict:
    data = YAML(typ="safe", pure=True).load(FIXTURE.read_text())
    data.update(changes)
    return data


def dump(data: dict) -> bytes:
    import io

    out = io.StringIO()
    YAML().dump(data, out)
    return out.getvalue().encode()


def load(data: dict) -> Questionnaire:
    return parse_questionnaire(dump(data), "q.yaml")


def problems(data: dict) -> list[str]:
    with pytest.raises(QuestionnaireError) as caught:
        load(data)
    return [p.message for p in caught.value.problems]


STANDARDS = [
    {"name": "ISO 22301:2019", "ref_pattern": r"^(4|5|6|7|8|9|10)(\.[1-9]\d?){0,3}$"},
    {
        "name": "DORA",
        "applies_to": "EU financial entities in scope of DORA",
        "ref_pattern": r"^Art\. [1-9]\d*(\([1-9]\d?\))?$",
    },
]


def test_references_to_declared_standards_in_their_declared_form_load() -> None:
    questionnaire = load(mini(standards=STANDARDS))
    assert [s.name for s in questionnaire.standards] == ["ISO 22301:2019", "DORA"]


def test_a_reference_to_an_undeclared_standard_is_refused_naming_the_declared_ones() -> None:
    data = mini(standards=STANDARDS[:1])
    assert any("standard 'DORA' is not declared; use one of ISO 22301:2019" in p for p in problems(data))


def test_a_ref_not_in_the_declared_form_is_refused_with_the_form() -> None:
    data = mini(standards=STANDARDS)
    data["questions"][0]["references"] = [{"standard": "ISO 22301:2019", "ref": "clause 8"}]
    assert any("ref 'clause 8' is not in the form declared for ISO 22301:2019" in p for p in problems(data))


def test_without_declared_standards_any_standard_name_is_accepted() -> None:
    data = mini()
    data["questions"][0]["references"] = [{"standard": "House rules 2025", "ref": "chapter nine"}]
    assert load(data).questions[0].references[0].standard == "House rules 2025"


@pytest.mark.parametrize("pattern", ["(a+)+$", "(a|aa)*$", "(x*)*y", r"(\w+\s?)+$"])
def test_a_ref_pattern_that_can_backtrack_for_minutes_is_refused_quickly(pattern: str) -> None:
    data = mini(standards=[{"name": "ISO 22301:2019", "ref_pattern": pattern}, STANDARDS[1]])
    started = time.perf_counter()
    found = problems(data)
    assert time.perf_counter() - started < 1
    assert any("can take minutes to match" in p for p in found)


@pytest.mark.parametrize(("pattern", "why"), [("[", "not a valid regular expression"), (r"(a)\1", "back-references")])
def test_a_broken_ref_pattern_is_refused_saying_why(pattern: str, why: str) -> None:
    assert why in (pattern_problem(pattern) or "")


def test_the_reference_text_marks_related_and_analogous_references_and_whom_a_standard_binds() -> None:
    data = mini(standards=STANDARDS)
    data["questions"][0]["references"] = [
        {"standard": "ISO 22301:2019", "ref": "8.2.2"},
        {"standard": "DORA", "ref": "Art. 12(5)", "relation": "by_analogy"},
        {"standard": "DORA", "ref": "Art. 26", "relation": "related"},
    ]
    questionnaire = load(data)
    assert questionnaire.references_text(questionnaire.questions[0]) == (
        "ISO 22301:2019 8.2.2; "
        "DORA Art. 12(5) (by analogy) [binds EU financial entities in scope of DORA]; "
        "DORA Art. 26 (related) [binds EU financial entities in scope of DORA]"
    )


def test_evidence_tied_to_a_level_is_shown_with_its_level_next_to_plain_examples() -> None:
    data = mini()
    data["questions"][0]["evidence"] = ["Method document", {"level": 4, "text": "Quarterly accuracy figures"}]
    question = load(data).questions[0]
    assert question.evidence_lines == ("Method document", "Level 4: Quarterly accuracy figures")


def test_evidence_for_a_level_outside_the_scale_is_refused() -> None:
    data = mini()
    data["questions"][0]["evidence"] = [{"level": 7, "text": "Something"}]
    assert any("evidence for level 7, which is not in the scale (1, 2, 3, 4, 5)" in p for p in problems(data))


def test_asking_for_an_na_justification_where_na_is_not_allowed_is_refused() -> None:
    data = mini()
    data["questions"][0]["na_requires_justification"] = True
    assert any("N/A is not allowed here" in p for p in problems(data))


def test_replaced_ids_map_to_the_questions_that_carry_them_on() -> None:
    data = mini(previous_version="0.9")
    data["questions"][0]["id"] = "RISK-09"
    data["questions"][0]["replaces"] = ["RISK-01", "TEST-07"]
    assert load(data).replaced_by() == {"RISK-01": ("RISK-09",), "TEST-07": ("RISK-09",)}


def test_replaces_needs_a_previous_version() -> None:
    data = mini()
    data["questions"][0]["replaces"] = ["RISK-07"]
    assert any("previous_version" in p for p in problems(data))


def test_a_replaced_id_may_not_be_reused_by_another_question() -> None:
    data = mini(previous_version="0.9")
    data["questions"][0]["replaces"] = ["RISK-02"]
    assert any("RISK-02 is replaced but also still a question of this version" in p for p in problems(data))


def test_a_retired_id_may_not_also_be_kept() -> None:
    data = mini(previous_version="0.9", retired=[{"id": "RISK-01", "reason": "Gone."}])
    assert any("RISK-01 is retired but also kept or replaced" in p for p in problems(data))


@pytest.mark.parametrize(
    ("scale", "expected"),
    [((1, 2, 3, 4, 5), 3), ((0, 1, 2, 3, 4, 5), 3), ((1, 2, 3, 4), 3), ((1, 2), 2), ((0, 1, 2, 3), 2)],
)
def test_the_default_target_is_derived_from_the_scale_when_not_set(scale: tuple[int, ...], expected: int) -> None:
    data = mini()
    data["levels"] = [{"number": n, "name": f"L{n}", "description": "A level."} for n in scale]
    for question in data["questions"]:
        question["levels"] = {n: f"Statement {n}." for n in scale}
        question["actions"] = {n: {"action": "Do it.", "effort": "S"} for n in scale[1:]}
    data.pop("scoring", None)
    assert load(data).default_target == expected


def test_a_default_target_set_in_the_file_wins() -> None:
    assert load(mini(scoring={"default_target": 4})).default_target == 4


def located(data: dict) -> list[str]:
    with pytest.raises(QuestionnaireError) as caught:
        load(data)
    return [str(p) for p in caught.value.problems]


def with_checks(*checks: dict) -> dict:
    data = mini()
    data["questions"][3]["checks"] = list(checks)
    return data


def test_declared_checks_load_with_their_typed_parameters_and_defaults() -> None:
    data = with_checks(
        {"check": "critical_services_tested_within", "from_level": 3, "months": 12},
        {"check": "last_test_met_rto", "from_level": 4, "tier": "important", "percent": 90},
        {"check": "rto_not_above_mtpd", "from_level": 3},
    )
    tested, rto, mtpd = load(data).question("TEST-01").checks
    assert (tested.check, tested.from_level, tested.months, tested.tier) == (
        "critical_services_tested_within",
        3,
        12,
        "critical",
    )
    assert (rto.tier, rto.percent) == ("important", 90)
    assert mtpd.check == "rto_not_above_mtpd"
    assert load(mini()).question("TEST-01").checks == []


def test_an_unknown_check_name_is_refused_at_its_line_listing_the_known_ones() -> None:
    [message] = located(with_checks({"check": "tested_recently", "from_level": 3}))
    assert re.match(r"questions\.3\[TEST-01\]\.checks\.0\.check at q\.yaml:\d+: ", message), message
    assert "unknown check 'tested_recently'; use one of critical_services_tested_within, last_test_met_rto" in message


def test_a_check_without_a_name_is_refused_listing_the_known_ones() -> None:
    [message] = problems(with_checks({"from_level": 3, "months": 12}))
    assert message.startswith("the check is not named; add check: <name>, one of critical_services_tested_within")


@pytest.mark.parametrize(
    ("check", "field", "why"),
    [
        ({"check": "bia_refreshed_within", "from_level": 3, "months": 0}, "months", "must be at least 1"),
        ({"check": "bia_refreshed_within", "from_level": 3, "months": 121}, "months", "must be at most 120"),
        ({"check": "bia_refreshed_within", "from_level": 3, "months": "12"}, "months", "expected a whole number"),
        ({"check": "last_test_met_rto", "from_level": 4, "tier": "gold"}, "tier", "'gold' is not allowed"),
        ({"check": "last_test_met_rpo", "from_level": 4, "percent": 101}, "percent", "must be at most 100"),
        ({"check": "rto_not_above_mtpd", "from_level": 3, "months": 12}, "months", "is not a field"),
        ({"check": "findings_closed_by_due"}, "from_level", "'from_level' is missing"),
    ],
)
def test_a_bad_check_parameter_is_refused_at_its_own_line(check: dict, field: str, why: str) -> None:
    [message] = located(with_checks(check))
    assert re.match(rf"questions\.3\[TEST-01\]\.checks\.0\.{field} at q\.yaml:\d+: ", message), message
    assert why in message


@pytest.mark.parametrize(
    ("level", "why"),
    [(7, "from_level 7 is not in the scale (1, 2, 3, 4, 5)"), (1, "from_level 1 is the lowest level")],
)
def test_a_from_level_off_the_scale_or_at_its_bottom_is_refused(level: int, why: str) -> None:
    [message] = located(with_checks({"check": "rto_not_above_mtpd", "from_level": level}))
    assert re.match(r"questions\.3\[TEST-01\]\.checks\.0\.from_level at q\.yaml:\d+: ", message), message
    assert why in message
