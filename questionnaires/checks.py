"""Cross-reference checks that a schema alone cannot express: unique ids and references that resolve."""

from __future__ import annotations

import re
from typing import Any

from questionnaires.patterns import pattern_problem

Found = tuple[tuple[str | int, ...], str]


def _items(data: Any, key: str) -> list[tuple[int, dict[str, Any]]]:
    value = data.get(key) if isinstance(data, dict) else None
    if not isinstance(value, list):
        return []
    return [(i, item) for i, item in enumerate(value) if isinstance(item, dict)]


def _duplicates(data: Any, key: str, field: str, what: str, lines: dict[Any, int]) -> list[Found]:
    found: list[Found] = []
    first: dict[Any, int] = {}
    for i, item in _items(data, key):
        value = item.get(field)
        if not isinstance(value, str | int) or isinstance(value, bool):
            continue
        if value in first:
            at = lines.get((key, first[value], field))
            where = f" (first used at line {at})" if at else ""
            found.append(((key, i, field), f"duplicate {what} {value!r}{where}; give each one its own {field}."))
        else:
            first[value] = i
    return found


def cross_reference_problems(data: Any, lines: dict[Any, int]) -> list[Found]:
    """Return every broken cross-reference in a questionnaire document (as plain data)."""
    found: list[Found] = []
    found += _duplicates(data, "levels", "number", "level number", lines)
    found += _duplicates(data, "domains", "id", "domain id", lines)
    found += _duplicates(data, "questions", "id", "question id", lines)

    levels = {
        item["number"]: item.get("name", "")
        for _, item in _items(data, "levels")
        if isinstance(item.get("number"), int) and not isinstance(item.get("number"), bool)
    }
    domain_ids = [item["id"] for _, item in _items(data, "domains") if isinstance(item.get("id"), str)]
    lowest = min(levels) if levels else None
    used_domains: set[str] = set()

    for i, question in _items(data, "questions"):
        domain = question.get("domain")
        if isinstance(domain, str):
            used_domains.add(domain)
            if domain_ids and domain not in domain_ids:
                found.append(
                    (
                        ("questions", i, "domain"),
                        f"unknown domain {domain!r}; use one of {', '.join(domain_ids)} or add it under domains.",
                    )
                )
        statements = question.get("levels")
        if isinstance(statements, dict) and levels:
            for number, name in sorted(levels.items()):
                if number not in statements:
                    found.append(
                        (
                            ("questions", i, "levels"),
                            f"no statement for level {number} ({name}); add '{number}: <what level {number} looks like>'.",
                        )
                    )
            for number in statements:
                if number not in levels:
                    found.append(
                        (
                            ("questions", i, "levels", number),
                            f"level {number} is not in the scale ({_scale(levels)}); remove it or add the level.",
                        )
                    )
        actions = question.get("actions")
        if isinstance(actions, dict) and levels:
            for number in actions:
                if number not in levels:
                    found.append(
                        (
                            ("questions", i, "actions", number),
                            f"action for level {number}, which is not in the scale ({_scale(levels)}); "
                            "use a level number.",
                        )
                    )
                elif number == lowest:
                    found.append(
                        (
                            ("questions", i, "actions", number),
                            f"an action leads up to a level; nothing leads to the lowest level {number}, remove it.",
                        )
                    )

    found += _question_extension_problems(data, levels)
    found += _check_problems(data, levels)
    found += _reference_problems(data)

    for i, domain in _items(data, "domains"):
        domain_id = domain.get("id")
        if isinstance(domain_id, str) and "questions" in data and domain_id not in used_domains:
            found.append((("domains", i, "id"), f"domain {domain_id!r} has no questions; add some or remove it."))

    scoring = data.get("scoring") if isinstance(data, dict) else None
    if isinstance(scoring, dict) and levels:
        target = scoring.get("default_target")
        if isinstance(target, int) and not isinstance(target, bool) and target not in levels:
            found.append(
                (
                    ("scoring", "default_target"),
                    f"default_target {target} is not in the scale ({_scale(levels)}); use a level number.",
                )
            )
    return found


def _question_extension_problems(data: Any, levels: dict[int, Any]) -> list[Found]:
    """Return problems with levelled evidence, N/A justification, and replaced or retired ids."""
    found: list[Found] = []
    question_ids = {q.get("id") for _, q in _items(data, "questions")}
    has_previous = isinstance(data, dict) and isinstance(data.get("previous_version"), str)
    replaced: dict[str, int] = {}
    for i, question in _items(data, "questions"):
        for j, example in _items(question, "evidence"):
            level = example.get("level")
            if levels and isinstance(level, int) and not isinstance(level, bool) and level not in levels:
                found.append(
                    (
                        ("questions", i, "evidence", j, "level"),
                        f"evidence for level {level}, which is not in the scale ({_scale(levels)}); use a level number.",
                    )
                )
        if question.get("na_requires_justification") is True and question.get("na_allowed") is not True:
            found.append(
                (
                    ("questions", i, "na_requires_justification"),
                    "a justification is asked for N/A answers, but N/A is not allowed here; set na_allowed: true "
                    "or remove na_requires_justification.",
                )
            )
        olds = question.get("replaces")
        if not isinstance(olds, list) or not olds:
            continue
        if not has_previous:
            found.append(
                (
                    ("questions", i, "replaces"),
                    'replaces names ids of an earlier version; say which with previous_version: "<version>" '
                    "at the top of the questionnaire.",
                )
            )
        for j, old in enumerate(olds):
            if not isinstance(old, str):
                continue
            if old in question_ids and old != question.get("id"):
                found.append(
                    (
                        ("questions", i, "replaces", j),
                        f"{old} is replaced but also still a question of this version; a replaced id is never "
                        "reused, so remove it from replaces or give the question a new id.",
                    )
                )
            if old == question.get("id"):
                found.append(
                    (
                        ("questions", i, "replaces", j),
                        f"{old} replaces itself; a question that keeps its meaning keeps its id without replaces.",
                    )
                )
            replaced.setdefault(old, i)
    for i, retired in _items(data, "retired"):
        old = retired.get("id")
        if old in question_ids or old in replaced:
            found.append(
                (
                    ("retired", i, "id"),
                    f"{old} is retired but also kept or replaced in this version; list it in one place only.",
                )
            )
        if not has_previous:
            found.append(
                (("retired", i, "id"), "retired names ids of an earlier version; add previous_version at the top.")
            )
    return found


def _check_problems(data: Any, levels: dict[int, Any]) -> list[Found]:
    """Return checks whose from_level is off the scale or the lowest level (below which nothing is left)."""
    found: list[Found] = []
    if not levels:
        return found
    lowest = min(levels)
    for i, question in _items(data, "questions"):
        for j, check in _items(question, "checks"):
            level = check.get("from_level")
            if not isinstance(level, int) or isinstance(level, bool):
                continue
            if level not in levels:
                found.append(
                    (
                        ("questions", i, "checks", j, "from_level"),
                        f"from_level {level} is not in the scale ({_scale(levels)}); use the level whose claim "
                        "the check tests.",
                    )
                )
            elif level == lowest:
                found.append(
                    (
                        ("questions", i, "checks", j, "from_level"),
                        f"from_level {level} is the lowest level, which claims nothing the facts could refuse; "
                        "use a higher level.",
                    )
                )
    return found


def _reference_problems(data: Any) -> list[Found]:
    """Return problems with declared standards and with references that don't match their declaration."""
    found: list[Found] = []
    declared: dict[str, re.Pattern[str] | None] = {}
    found += _duplicates(data, "standards", "name", "standard", {})
    for i, standard in _items(data, "standards"):
        name, pattern = standard.get("name"), standard.get("ref_pattern")
        if not isinstance(name, str):
            continue
        compiled = None
        if isinstance(pattern, str):
            problem = pattern_problem(pattern)
            if problem:
                found.append((("standards", i, "ref_pattern"), problem))
            else:
                compiled = re.compile(pattern)
        declared.setdefault(name, compiled)
    if not declared:
        return found
    names = ", ".join(sorted(declared))
    for i, question in _items(data, "questions"):
        for j, reference in _items(question, "references"):
            standard, ref = reference.get("standard"), reference.get("ref")
            if not isinstance(standard, str):
                continue
            if standard not in declared:
                found.append(
                    (
                        ("questions", i, "references", j, "standard"),
                        f"standard {standard!r} is not declared; use one of {names} or add it under standards.",
                    )
                )
                continue
            compiled = declared[standard]
            if compiled is not None and isinstance(ref, str) and not compiled.fullmatch(ref.strip()):
                found.append(
                    (
                        ("questions", i, "references", j, "ref"),
                        f"ref {ref!r} is not in the form declared for {standard} ({compiled.pattern}); "
                        "correct the ref or the standard's ref_pattern.",
                    )
                )
    return found


def _scale(levels: dict[int, Any]) -> str:
    return ", ".join(str(n) for n in sorted(levels))
