"""The one error type the questionnaire loader raises, and the problems it carries."""

from __future__ import annotations

from dataclasses import dataclass


@dataclass(frozen=True)
class Problem:
    """One thing wrong with a questionnaire file: where it is and how to fix it."""

    path: str
    file: str
    line: int | None
    message: str

    def __str__(self) -> str:
        where = f"{self.file}:{self.line}" if self.line is not None else self.file
        if not self.path:
            return f"{where}: {self.message}"
        return f"{self.path} at {where}: {self.message}"


class QuestionnaireError(Exception):
    """A questionnaire file could not be loaded; `problems` lists every reason at once."""

    def __init__(self, problems: list[Problem]) -> None:
        self.problems = sorted(problems, key=lambda p: (p.file, p.line or 0, p.path))
        super().__init__("\n".join(str(p) for p in self.problems))
