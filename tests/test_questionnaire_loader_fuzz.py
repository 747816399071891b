"""The loader raises only QuestionnaireError, whatever text or mutated file it is given."""

from __future__ import annotations

from pathlib import Path

from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st

from questionnaires.errors import QuestionnaireError
from questionnaires.loader import parse_questionnaire
from questionnaires.model import Questionnaire

FIXTURE = (Path(__file__).resolve().parent / "fixtures" / "mini.yaml").read_text()
LINES = FIXTURE.splitlines()
TOKENS = [
    "yes",
    "~",
    "[]",
    "{}",
    "&a x",
    "*a",
    "!!binary AAAA",
    "1e999",
    "0x1F",
    "-",
    "? a",
    "<<: *a",
    "'",
    '"',
    "\t",
    ": :",
    "!!python/name:os.system",
    "@",
    "%YAML 1.1",
    "---",
    "...",
    "[[[",
    "]]",
    "null",
    "-1",
    "99999999999999999999",
]
FUZZ = settings(max_examples=300, deadline=None, suppress_health_check=[HealthCheck.too_slow])


def loads_or_refuses(raw: bytes) -> None:
    try:
        result = parse_questionnaire(raw, "fuzz.yaml")
    except QuestionnaireError as exc:
        assert exc.problems, "an error must carry at least one problem"
        for problem in exc.problems:
            assert problem.file == "fuzz.yaml"
            assert problem.message
        return
    assert isinstance(result, Questionnaire)


@FUZZ
@given(st.text(max_size=400))
def test_arbitrary_text_loads_or_raises_questionnaire_error(text: str) -> None:
    loads_or_refuses(text.encode("utf-8", "surrogatepass"))


@FUZZ
@given(st.binary(max_size=400))
def test_arbitrary_bytes_load_or_raise_questionnaire_error(raw: bytes) -> None:
    loads_or_refuses(raw)


@st.composite
def mutated_fixture(draw: st.DrawFn) -> str:
    lines = list(LINES)
    for _ in range(draw(st.integers(1, 4))):
        i = draw(st.integers(0, len(lines) - 1))
        kind = draw(st.sampled_from(["delete", "duplicate", "token", "truncate", "indent", "char"]))
        if kind == "delete":
            del lines[i]
        elif kind == "duplicate":
            lines.insert(i, lines[i])
        elif kind == "token":
            line = lines[i]
            head = line.split(":", 1)[0] + ": " if ":" in line else ""
            lines[i] = head + draw(st.sampled_from(TOKENS))
        elif kind == "truncate":
            lines = lines[: i + 1]
        elif kind == "indent":
            lines[i] = " " * draw(st.integers(1, 3)) + lines[i]
        else:
            line = lines[i]
            pos = draw(st.integers(0, len(line)))
            lines[i] = line[:pos] + draw(st.text(min_size=1, max_size=3)) + line[pos:]
        if not lines:
            break
    return "\n".join(lines)


@FUZZ
@given(mutated_fixture())
def test_mutated_valid_file_loads_or_raises_questionnaire_error(text: str) -> None:
    loads_or_refuses(text.encode("utf-8", "surrogatepass"))
