"""The questionnaire loader: valid files load, and every bad input gets exact, located messages."""

from __future__ import annotations

import time
from pathlib import Path

import pytest

from questionnaires.errors import QuestionnaireError
from questionnaires.loader import load_questionnaire, parse_questionnaire

ROOT = Path(__file__).resolve().parent.parent
BAD = ROOT / "tests" / "bad_questionnaires"
FIXTURE = ROOT / "tests" / "fixtures" / "mini.yaml"


def problems_of(path: Path) -> list[str]:
    with pytest.raises(QuestionnaireError) as caught:
        load_questionnaire(path)
    return [str(p).replace(str(path), "{file}") for p in caught.value.problems]


EXPECTED = {
    "unknown_field": [
        "questions.0[GOV-01].colour at {file}:14: 'colour' is not a field of this format; "
        "remove it or fix its spelling (see questionnaires/template.yaml).",
    ],
    "missing_level_statement": [
        "questions.0[GOV-01].levels at {file}:15: no statement for level 2 (Defined); "
        "add '2: <what level 2 looks like>'.",
    ],
    "duplicate_question_id": [
        "questions.1[GOV-01].id at {file}:18: duplicate question id 'GOV-01' (first used at line 10); "
        "give each one its own id.",
    ],
    "duplicate_key": [
        "questions.0.text at {file}:13: duplicate key 'text' (first given at line 12); keep one of them.",
    ],
    "unknown_domain": [
        "domains.0.id at {file}:8: domain 'GOV' has no questions; add some or remove it.",
        "questions.0[GOV-01].domain at {file}:11: unknown domain 'GOVERNANCE'; use one of GOV or add it under domains.",
    ],
    "wrong_types": [
        'version at {file}:2: expected text, got the number 1.5; put it in quotes, e.g. version: "1.0".',
        "questions.0[GOV-01].evidence at {file}:14: expected a list, got the text 'The policy'; "
        "write the items as a '- item' list.",
        "questions.0[GOV-01].weight at {file}:15: expected a whole number, got the text 'high'; "
        "write a number such as 2.",
    ],
    "unquoted_yes": [
        "questions.0[GOV-01].na_allowed at {file}:15: expected true or false, got the text 'yes' "
        "(YAML 1.2 reads yes as text); write true or false.",
    ],
    "bad_action_levels": [
        "questions.0[GOV-01].actions.2.effort at {file}:17: the text 'XL' is not allowed; expected 'S', 'M' or 'L'.",
        "questions.0[GOV-01].actions.7 at {file}:18: action for level 7, which is not in the scale (1, 2); "
        "use a level number.",
    ],
    "python_tag": [
        "title at {file}:3: the tag tag:yaml.org,2002:python/object:os.system is not allowed; remove it.",
    ],
    "tab_indentation": [
        "{file}:3: this is not valid YAML (found character '\\t' that cannot start any token); "
        "check the indentation and quoting near here.",
    ],
    "alias_bomb": [
        "{file}:6: aliases (*name) expand this document beyond 200,000 values; write the values out instead.",
    ],
    "deep_nesting": ["{file}:1: the document nests deeper than 32 levels; flatten it."],
    "empty": [
        "{file}: the file is empty; a questionnaire needs id, version, title, levels, domains and questions.",
    ],
    "binary_garbage": [
        "{file}:1: this is not UTF-8 text (byte 0 cannot be decoded); save the file as UTF-8 YAML.",
    ],
}


@pytest.mark.parametrize("case", sorted(EXPECTED))
def test_bad_input_gets_exactly_the_expected_messages(case: str) -> None:
    assert problems_of(BAD / f"{case}.yaml") == EXPECTED[case]


def test_every_file_of_the_bad_input_corpus_has_expected_messages() -> None:
    assert sorted(p.stem for p in BAD.glob("*.yaml")) == sorted(EXPECTED)


def test_alias_bomb_is_refused_in_under_a_second() -> None:
    started = time.perf_counter()
    with pytest.raises(QuestionnaireError):
        load_questionnaire(BAD / "alias_bomb.yaml")
    assert time.perf_counter() - started < 1.0


def test_huge_file_is_refused_before_parsing(tmp_path: Path) -> None:
    huge = tmp_path / "huge.yaml"
    huge.write_text("title: " + "x" * 2_500_000)
    assert problems_of(huge) == [
        "{file}: the file is 2,500,007 bytes; the limit is 2,000,000. Split it up.",
    ]


def test_deep_nesting_far_beyond_the_recursion_limit_is_a_clear_error() -> None:
    with pytest.raises(QuestionnaireError, match="nests deeper than 32 levels"):
        parse_questionnaire(b"[" * 200_000 + b"]" * 200_000)


def test_recursive_alias_is_a_clear_error() -> None:
    with pytest.raises(QuestionnaireError, match="alias refers to its own anchor"):
        parse_questionnaire(b"title: &a [*a]\n")


def test_missing_file_is_a_clear_error(tmp_path: Path) -> None:
    assert problems_of(tmp_path / "nope.yaml") == ["{file}: cannot read the file (No such file or directory)."]


def test_all_problems_of_a_file_are_reported_at_once() -> None:
    broken = (BAD / "wrong_types.yaml").read_text().replace("    text: Is there a policy?\n", "    txt: Is it?\n")
    with pytest.raises(QuestionnaireError) as caught:
        parse_questionnaire(broken.encode(), "broken.yaml")
    messages = str(caught.value)
    assert "version at broken.yaml:2" in messages
    assert "weight at broken.yaml:15" in messages
    assert "'txt' is not a field" in messages
    assert "the required field 'text' is missing" in messages


def test_template_documents_a_valid_questionnaire() -> None:
    questionnaire = load_questionnaire(ROOT / "questionnaires" / "template.yaml")
    assert questionnaire.id == "template"
    assert questionnaire.scoring.stage_threshold == 0.8
    assert [q.id for q in questionnaire.questions] == ["GOV-01", "GOV-02"]


def test_template_mentions_every_field_of_the_format() -> None:
    from questionnaires import model

    text = (ROOT / "questionnaires" / "template.yaml").read_text()
    classes = [model.Questionnaire, model.Level, model.Scoring, model.Phase, model.Domain]
    classes += [model.Question, model.Action, model.Reference, *model.CHECK_MODELS]
    for cls in classes:
        for field in cls.model_fields:
            assert f"{field}:" in text, f"{cls.__name__}.{field} is not documented in the template"
    for name in model.CHECK_NAMES:
        assert name in text, f"the check {name} is not documented in the template"


def test_fixture_loads_with_levels_domains_and_questions() -> None:
    questionnaire = load_questionnaire(FIXTURE)
    assert questionnaire.level_numbers == (1, 2, 3, 4, 5)
    assert [d.id for d in questionnaire.domains] == ["RISK", "TEST"]
    assert questionnaire.question("RISK-03").na_allowed is True
    assert questionnaire.question("TEST-01").actions[5].effort == "L"


def test_yaml_1_2_keeps_yes_and_no_as_text() -> None:
    text = FIXTURE.read_text().replace("guidance: Ransomware and similar threats.", "guidance: yes")
    questionnaire = parse_questionnaire(text.encode())
    assert questionnaire.question("RISK-02").guidance == "yes"


def test_folder_merges_question_files_and_locates_problems_in_their_own_file(tmp_path: Path) -> None:
    text = FIXTURE.read_text()
    head, questions = text.split("questions:\n", 1)
    (tmp_path / "questionnaire.yaml").write_text(head)
    (tmp_path / "risk.yaml").write_text("questions:\n" + questions.replace("weight: 2\n", "weight: two\n", 1))
    with pytest.raises(QuestionnaireError) as caught:
        load_questionnaire(tmp_path)
    [problem] = caught.value.problems
    assert problem.file == str(tmp_path / "risk.yaml")
    assert problem.path == "questions.1[RISK-02].weight"
    line = (tmp_path / "risk.yaml").read_text().splitlines()[problem.line - 1]
    assert line.strip() == "weight: two"


def test_folder_question_file_may_hold_only_questions(tmp_path: Path) -> None:
    head, questions = FIXTURE.read_text().split("questions:\n", 1)
    (tmp_path / "questionnaire.yaml").write_text(head)
    (tmp_path / "extra.yaml").write_text("title: Another\nquestions:\n" + questions)
    with pytest.raises(QuestionnaireError, match="holds only a 'questions:' list"):
        load_questionnaire(tmp_path)


def test_folder_merge_gives_the_same_questionnaire_as_one_file(tmp_path: Path) -> None:
    head, questions = FIXTURE.read_text().split("questions:\n", 1)
    (tmp_path / "questionnaire.yaml").write_text(head)
    (tmp_path / "questions.yaml").write_text("questions:\n" + questions)
    assert load_questionnaire(tmp_path) == load_questionnaire(FIXTURE)
