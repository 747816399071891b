"""Load a questionnaire from a YAML file or a folder of them, reporting every problem at once.

A folder holds `questionnaire.yaml` (everything but the questions, which it may also hold) and any
number of further `*.yaml` files that each hold only a `questions:` list; questions are taken in
file-name order. The loader raises only QuestionnaireError.
"""

from __future__ import annotations

from dataclasses import dataclass
from pathlib import Path
from typing import Any

from pydantic import ValidationError

from questionnaires.checks import cross_reference_problems
from questionnaires.errors import Problem, QuestionnaireError
from questionnaires.messages import errors_of
from questionnaires.model import Questionnaire
from questionnaires.yaml_source import MAX_BYTES, SourceMap, dotted, read_yaml

HEAD_FILE = "questionnaire.yaml"
MAX_FILES = 50


@dataclass(frozen=True)
class _Origin:
    """Where a merged question came from: its file's source map and its index there."""

    source: SourceMap
    index: int


class _Document:
    """A questionnaire document merged from one or more files, able to locate any path."""

    def __init__(self, data: dict[str, Any], head: SourceMap, origins: list[_Origin]) -> None:
        self.data = data
        self.head = head
        self.origins = origins

    def locate(self, path: tuple[str | int, ...]) -> tuple[str, int | None]:
        if len(path) >= 2 and path[0] == "questions" and isinstance(path[1], int) and path[1] < len(self.origins):
            origin = self.origins[path[1]]
            return origin.source.file, origin.source.line_of(("questions", origin.index, *path[2:]))
        return self.head.file, self.head.line_of(path)

    def problem(self, path: tuple[str | int, ...], message: str) -> Problem:
        file, line = self.locate(path)
        return Problem(_label(self.data, path), file, line, message)

    def lines(self) -> dict[Any, int]:
        """Return the line of each path in merged coordinates (used for 'first given at line N')."""
        merged = dict(self.head.lines)
        for i, origin in enumerate(self.origins):
            prefix = ("questions", origin.index)
            for path, line in origin.source.lines.items():
                if path[:2] == prefix:
                    merged[("questions", i, *path[2:])] = line
        return merged


def _label(data: dict[str, Any], path: tuple[str | int, ...]) -> str:
    """Dotted path, with the question id added after its index so the reader can find it."""
    text = dotted(path)
    if len(path) >= 2 and path[0] == "questions" and isinstance(path[1], int):
        questions = data.get("questions")
        if isinstance(questions, list) and path[1] < len(questions) and isinstance(questions[path[1]], dict):
            qid = questions[path[1]].get("id")
            if isinstance(qid, str):
                text = dotted(("questions", f"{path[1]}[{qid}]", *path[2:]))
    return text


def _read_file(path: Path, name: str) -> tuple[Any, SourceMap]:
    try:
        size = path.stat().st_size
        if size > MAX_BYTES:
            raise QuestionnaireError(
                [Problem("", name, None, f"the file is {size:,} bytes; the limit is {MAX_BYTES:,}. Split it up.")]
            )
        raw = path.read_bytes()
    except OSError as exc:
        raise QuestionnaireError([Problem("", name, None, f"cannot read the file ({exc.strerror}).")]) from None
    return read_yaml(raw, name)


def _merge_folder(folder: Path) -> _Document:
    head_path = folder / HEAD_FILE
    if not head_path.is_file():
        raise QuestionnaireError(
            [Problem("", str(folder), None, f"a questionnaire folder needs a {HEAD_FILE}; add one.")]
        )
    parts = sorted(p for p in folder.iterdir() if p.suffix in {".yaml", ".yml"} and p.name != HEAD_FILE)
    if len(parts) > MAX_FILES:
        raise QuestionnaireError([Problem("", str(folder), None, f"more than {MAX_FILES} files; merge some.")])
    problems: list[Problem] = []
    head: tuple[Any, SourceMap] | None = None
    try:
        head = _read_file(head_path, str(head_path))
    except QuestionnaireError as exc:
        problems += exc.problems
    data, head_source = head if head else ({}, SourceMap(str(head_path)))
    if not isinstance(data, dict):
        problems.append(Problem("", str(head_path), 1, "expected a mapping with id, version, title and so on."))
        data = {}
    origins: list[_Origin] = []
    questions = data.get("questions", [])
    if isinstance(questions, list):
        origins = [_Origin(head_source, i) for i in range(len(questions))]
        questions = list(questions)
    for part in parts:
        try:
            part_data, part_source = _read_file(part, str(part))
        except QuestionnaireError as exc:
            problems += exc.problems
            continue
        if not isinstance(part_data, dict) or set(part_data) != {"questions"}:
            problems.append(
                Problem("", str(part), 1, "a questions file holds only a 'questions:' list; move other fields out.")
            )
            continue
        part_questions = part_data["questions"]
        if not isinstance(part_questions, list):
            problems.append(Problem("questions", str(part), part_source.line_of(("questions",)), "expected a list."))
            continue
        origins += [_Origin(part_source, i) for i in range(len(part_questions))]
        if isinstance(questions, list):
            questions += part_questions
    if problems:
        raise QuestionnaireError(problems)
    data = {**data, "questions": questions}
    return _Document(data, head_source, origins)


def _single(data: Any, source: SourceMap) -> _Document:
    if not isinstance(data, dict):
        raise QuestionnaireError(
            [Problem("", source.file, 1, "expected a mapping with id, version, title, levels, domains and questions.")]
        )
    questions = data.get("questions")
    count = len(questions) if isinstance(questions, list) else 0
    return _Document(data, source, [_Origin(source, i) for i in range(count)])


def _validate(doc: _Document) -> Questionnaire:
    sources = {id(doc.head): doc.head} | {id(o.source): o.source for o in doc.origins}
    problems = [problem for source in sources.values() for problem in source.problems]
    model: Questionnaire | None = None
    # A line already reported while reading (a refused tag, say) is not reported again by the schema,
    # which would only complain about the value the reader had to drop.
    reported = {(p.file, p.line) for p in problems}
    try:
        model = Questionnaire.model_validate(doc.data)
    except ValidationError as exc:
        found = [doc.problem(path, message) for path, message in errors_of(exc)]
        problems += [p for p in found if (p.file, p.line) not in reported]
    problems += [doc.problem(path, message) for path, message in cross_reference_problems(doc.data, doc.lines())]
    if problems or model is None:
        raise QuestionnaireError(problems)
    return model


def load_questionnaire(path: str | Path) -> Questionnaire:
    """Load and validate a questionnaire from a YAML file or a folder (see the module docstring)."""
    target = Path(path)
    try:
        if target.is_dir():
            return _validate(_merge_folder(target))
        data, source = _read_file(target, str(target))
        return _validate(_single(data, source))
    except QuestionnaireError:
        raise
    except (RecursionError, MemoryError, OSError, ValueError, TypeError, KeyError, AttributeError) as exc:
        # Any surprise from a parser is still the user's file being unreadable, never a traceback.
        raise QuestionnaireError([Problem("", str(target), None, f"cannot be read ({type(exc).__name__}).")]) from None


def parse_questionnaire(raw: bytes, name: str = "<upload>") -> Questionnaire:
    """Load and validate a questionnaire from the bytes of one YAML file (e.g. an upload)."""
    try:
        data, source = read_yaml(raw, name)
        return _validate(_single(data, source))
    except QuestionnaireError:
        raise
    except (RecursionError, MemoryError, ValueError, TypeError, KeyError, AttributeError) as exc:
        raise QuestionnaireError([Problem("", name, None, f"cannot be read ({type(exc).__name__}).")]) from None
