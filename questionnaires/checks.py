"""Cross-reference checks that a schema alone cannot express: unique ids and references that resolve."""

from __future__ import annotations

from typing import Any

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


def _scale(levels: dict[int, Any]) -> str:
    return ", ".join(str(n) for n in sorted(levels))
