"""Small questionnaires and answer sets for the scoring tests, built in Python."""

from __future__ import annotations

from collections.abc import Mapping, Sequence
from typing import Any

from questionnaires.model import Questionnaire
from scoring.responses import NA, NotApplicable, Response

LEVEL_NAMES = {0: "None", 1: "Initial", 2: "Repeatable", 3: "Defined", 4: "Managed", 5: "Optimised"}


def question(
    question_id: str,
    *,
    weight: int = 1,
    na_allowed: bool = False,
    actions: Mapping[int, tuple[str, str]] | None = None,
    levels: Sequence[int] = (1, 2, 3, 4, 5),
    text: str | None = None,
) -> dict[str, Any]:
    """Return the data of one question; its domain is the prefix of its id."""
    return {
        "id": question_id,
        "domain": question_id.split("-")[0],
        "text": text or f"Practice {question_id}?",
        "guidance": f"Guidance for {question_id}.",
        "evidence": [f"Evidence for {question_id}"],
        "weight": weight,
        "na_allowed": na_allowed,
        "levels": {level: f"{question_id} at level {level}" for level in levels},
        "actions": {level: {"action": action, "effort": effort} for level, (action, effort) in (actions or {}).items()},
    }


def questionnaire(
    questions: Sequence[dict[str, Any]],
    *,
    domains: Mapping[str, float] | None = None,
    scoring: Mapping[str, Any] | None = None,
    levels: Sequence[int] = (1, 2, 3, 4, 5),
) -> Questionnaire:
    """Return a validated questionnaire; domains default to the question prefixes, weight 1."""
    domain_weights = dict(domains or {})
    for data in questions:
        domain_weights.setdefault(data["domain"], 1.0)
    return Questionnaire.model_validate(
        {
            "id": "test",
            "version": "1",
            "title": "Test questionnaire",
            "levels": [
                {"number": n, "name": LEVEL_NAMES.get(n, f"Level {n}"), "description": f"Level {n}."} for n in levels
            ],
            "scoring": dict(scoring or {}),
            "domains": [
                {"id": domain_id, "name": f"Domain {domain_id}", "weight": float(weight), "description": "D."}
                for domain_id, weight in domain_weights.items()
            ],
            "questions": list(questions),
        }
    )


def answers(levels: Mapping[str, int | NotApplicable | None], respondent: str = "r1") -> list[Response]:
    """Return one respondent's answers: a level, NA, or None for no answer."""
    return [
        Response(question_id, respondent, None, na=True)
        if level is NA
        else Response(question_id, respondent, level if isinstance(level, int) else None)
        for question_id, level in levels.items()
    ]


def panel(question_id: str, levels: Sequence[int | NotApplicable]) -> list[Response]:
    """Return several respondents' answers to one question (respondents r1, r2, ...)."""
    return [
        Response(question_id, f"r{i}", None, na=True)
        if level is NA
        else Response(question_id, f"r{i}", level if isinstance(level, int) else None)
        for i, level in enumerate(levels, start=1)
    ]
