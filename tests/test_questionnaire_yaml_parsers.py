"""A questionnaire text reads the same through the C parser (fast, YAML 1.1 syntax) and the YAML 1.2 parser."""

from __future__ import annotations

import io
from pathlib import Path
from typing import Any

import pytest
from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st
from ruamel.yaml import YAML

from questionnaires import yaml_source
from questionnaires.errors import Problem, QuestionnaireError
from questionnaires.yaml_source import SourceMap, c_parser_reads, read_yaml

ROOT = Path(__file__).resolve().parent.parent
SHIPPED = sorted((ROOT / "questionnaires").rglob("*.yaml"))


def fail(message: str, line: int | None = None, path: tuple[str | int, ...] = ()) -> QuestionnaireError:
    return QuestionnaireError([Problem(".".join(map(str, path)), "doc.yaml", line, message)])


def read_with(text: str, *, fast: bool) -> tuple[Any, dict[Any, int], list[Problem]]:
    data, source = yaml_source._read_text(text, SourceMap("doc.yaml"), fail, fast=fast)
    return data, source.lines, source.problems


def outcome(text: str, *, fast: bool) -> tuple[Any, ...]:
    """What a parser makes of `text`: the data, lines and problems, or the refusal's message."""
    try:
        return ("read", *read_with(text, fast=fast))
    except QuestionnaireError as exc:
        return ("refused", str(exc))


def test_the_c_parser_is_installed() -> None:
    assert yaml_source._CParser is not None


@pytest.mark.parametrize("path", SHIPPED, ids=lambda p: str(p.relative_to(ROOT)))
def test_every_shipped_questionnaire_file_is_read_by_the_c_parser_as_the_yaml_1_2_parser_reads_it(path: Path) -> None:
    text = path.read_text(encoding="utf-8")
    assert c_parser_reads(text)
    assert read_with(text, fast=True) == read_with(text, fast=False)


def test_a_colon_inside_a_flow_value_refused_by_the_c_parser_is_read_by_the_yaml_1_2_parser() -> None:
    text = "references:\n  - {standard: ISO 22301:2019, ref: '8.2'}\n"
    with pytest.raises(Exception):  # noqa: B017 - whichever error libyaml raises
        read_with(text, fast=True)
    data, source = read_yaml(text.encode(), "doc.yaml")
    assert data == {"references": [{"standard": "ISO 22301:2019", "ref": "8.2"}]}
    assert source.lines[("references", 0, "standard")] == 2


@pytest.mark.parametrize("separator", ["\x85", "\u2028", "\u2029"])
def test_characters_yaml_1_1_reads_as_line_breaks_send_the_text_to_the_yaml_1_2_parser(separator: str) -> None:
    text = f"title: before{separator}after\nnext: 2\n"
    assert not c_parser_reads(text)
    assert users_outcome(text) == outcome(text, fast=False)
    data, source = read_yaml(text.encode(), "doc.yaml")
    assert data["next"] == 2
    assert source.lines[("next",)] == 2


def test_a_text_with_a_directive_is_read_by_the_yaml_1_2_parser() -> None:
    text = "%YAML 1.2\n---\nanswer: yes\n"
    assert not c_parser_reads(text)
    data, _ = read_yaml(text.encode(), "doc.yaml")
    assert data == {"answer": "yes"}


@pytest.mark.parametrize(
    "value", ["yes", "no", "on", "off", "0o17", "017", "1_000", "0b101", ".inf", "~", "2026-01-31"]
)
def test_scalars_keep_their_yaml_1_2_meaning_on_both_parsers(value: str) -> None:
    text = f"value: {value}\n"
    assert c_parser_reads(text)
    assert read_with(text, fast=True) == read_with(text, fast=False)


@pytest.mark.parametrize(
    "text",
    [
        "a: &x [1, 2]\nb: *x\nc: *x\n",
        "a: *missing\n",
        "a: 1\na: 2\n",
        "? [1, 2]\n: complex\n",
        "<<: {a: 1}\n",
        "a: !!python/name:os.system x\n",
        "a: !!binary AAAA\n",
        "a: [1, 2\n",
        "- a\nb: c\n",
        "a: |\n  two\n  lines\n",
        "a: >-\n  folded\n  text\n",
        "a: 'single ''quoted'''\nb: \"tab\\there\"\n",
        "---\na: 1\n---\nb: 2\n",
        "a:\n  - b: 1\n    c: [x, {d: e}]\n",
    ],
)
def test_odd_and_hostile_texts_read_or_refused_alike_on_both_parsers(text: str) -> None:
    fast = outcome(text, fast=True) if _c_reads(text) else None
    pure = outcome(text, fast=False)
    if fast is not None:
        assert fast == pure
    # What a user gets (C first, YAML 1.2 when C refuses) is what the YAML 1.2 parser gives.
    assert users_outcome(text) == pure


def users_outcome(text: str) -> tuple[Any, ...]:
    try:
        data, source = read_yaml(text.encode(), "doc.yaml")
    except QuestionnaireError as exc:
        return ("refused", str(exc))
    return ("read", data, source.lines, source.problems)


def _c_reads(text: str) -> bool:
    """Whether the C parser reads `text` without a syntax error (a refusal by the limits counts as read)."""
    try:
        read_with(text, fast=True)
    except QuestionnaireError:
        return True
    except Exception:
        return False
    return True


def test_an_alias_bomb_is_refused_by_the_limits_on_the_c_parser() -> None:
    lines = ["a0: &a0 [x, x, x, x, x, x, x, x, x, x]"]
    lines += [f"a{i}: &a{i} [{', '.join([f'*a{i - 1}'] * 10)}]" for i in range(1, 9)]
    text = "\n".join(lines) + "\n"
    assert c_parser_reads(text)
    with pytest.raises(QuestionnaireError, match="expand this document beyond"):
        read_with(text, fast=True)


def test_deep_nesting_is_refused_by_the_limits_on_the_c_parser() -> None:
    text = "a: " + "[" * 40 + "]" * 40 + "\n"
    with pytest.raises(QuestionnaireError, match="nests deeper than 32"):
        read_with(text, fast=True)


TEXT = st.text(
    alphabet=st.characters(codec="utf-8", exclude_categories=("Cs",), exclude_characters="\x00"), max_size=12
)
SCALARS = st.one_of(TEXT, st.integers(-(10**6), 10**6), st.booleans(), st.none(), st.floats(allow_nan=False))
VALUES = st.recursive(
    SCALARS,
    lambda inner: st.one_of(
        st.lists(inner, max_size=4),
        st.dictionaries(st.text(alphabet="abcdefg_", min_size=1, max_size=6), inner, max_size=4),
    ),
    max_leaves=20,
)


def dumped(value: Any, flow: bool | None) -> str:
    yaml = YAML(typ="safe", pure=True)
    yaml.default_flow_style = flow
    yaml.width = 40
    out = io.StringIO()
    yaml.dump({"root": value}, out)
    return out.getvalue()


@settings(max_examples=150, deadline=None, suppress_health_check=[HealthCheck.too_slow])
@given(value=VALUES, flow=st.sampled_from([None, True, False]))
def test_any_document_reads_the_same_whichever_parser_reads_it(value: Any, flow: bool | None) -> None:
    text = dumped(value, flow)
    pure = outcome(text, fast=False)
    if c_parser_reads(text) and _c_reads(text):
        assert outcome(text, fast=True) == pure
    assert users_outcome(text) == pure
