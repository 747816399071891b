"""Turn pydantic validation errors into messages that say what is wrong and how to fix it."""

from __future__ import annotations

from typing import Any

from pydantic import ValidationError

from questionnaires.model import CHECK_NAMES

_FIELD_HINTS = {
    "na_allowed": "write true or false",
    "version": 'put it in quotes, e.g. version: "1.0"',
    "standard": "use one of the standards listed in questionnaires/template.yaml",
}


def _shown(value: Any) -> str:
    if isinstance(value, bool):
        return f"the boolean {str(value).lower()}"
    if isinstance(value, int | float):
        return f"the number {value}"
    if isinstance(value, str):
        short = value if len(value) <= 40 else value[:37] + "..."
        return f"the text {short!r}"
    if isinstance(value, dict):
        return "a mapping"
    if isinstance(value, list):
        return "a list"
    if value is None:
        return "nothing (an empty value)"
    return type(value).__name__


def _hint(field: str) -> str:
    hint = _FIELD_HINTS.get(field)
    return f"; {hint}" if hint else ""


def describe(error: dict[str, Any]) -> str:
    """Describe one pydantic error dict in plain words, with the fix."""
    kind = error["type"]
    value = error.get("input")
    ctx = error.get("ctx") or {}
    loc = error.get("loc") or ()
    field = str(next((part for part in reversed(loc) if isinstance(part, str) and part != "[key]"), ""))
    got = _shown(value)
    if kind == "missing":
        return f"the required field '{field}' is missing; add it."
    if kind == "extra_forbidden":
        return f"'{field}' is not a field of this format; remove it or fix its spelling (see questionnaires/template.yaml)."
    if kind == "bool_type":
        extra = ""
        if isinstance(value, str) and value.lower() in {"yes", "no", "on", "off", "y", "n"}:
            extra = f" (YAML 1.2 reads {value} as text)"
        return f"expected true or false, got {got}{extra}; write true or false."
    if kind in {"int_type", "int_parsing", "int_from_float"}:
        return f"expected a whole number, got {got}; write a number such as 2."
    if kind in {"float_type", "float_parsing"}:
        return f"expected a number, got {got}; write a number such as 0.8."
    if kind == "string_type":
        return f"expected text, got {got}{_hint(field) or '; put it in quotes'}."
    if kind == "string_too_short":
        return "this text is empty; write the text."
    if kind == "string_too_long":
        return f"this text is longer than {ctx.get('max_length')} characters; shorten it."
    if kind == "string_pattern_mismatch":
        return f"{got} is not a valid {field or 'value'}; it must match {ctx.get('pattern')}."
    if kind in {"list_type", "tuple_type"}:
        return f"expected a list, got {got}; write the items as a '- item' list."
    if kind == "dict_type":
        return f"expected a mapping of names to values, got {got}."
    if kind == "model_type" or kind == "model_attributes_type":
        return f"expected a mapping with fields, got {got}."
    if kind in {"too_short", "too_long"}:
        bound = ctx.get("min_length") if kind == "too_short" else ctx.get("max_length")
        side = "at least" if kind == "too_short" else "at most"
        return f"this list needs {side} {bound} items; it has {ctx.get('actual_length')}."
    if kind in {"greater_than", "greater_than_equal", "less_than", "less_than_equal"}:
        words = {
            "greater_than": "above",
            "greater_than_equal": "at least",
            "less_than": "below",
            "less_than_equal": "at most",
        }
        bound = next(iter(ctx.values()), "")
        return f"{got} is out of range; it must be {words[kind]} {bound}."
    if kind in {"literal_error", "enum"}:
        return f"{got} is not allowed; expected {ctx.get('expected')}{_hint(field)}."
    if kind == "union_tag_invalid":
        return f"unknown check {ctx.get('tag')!r}; use one of {', '.join(CHECK_NAMES)}."
    if kind == "union_tag_not_found":
        return f"the check is not named; add check: <name>, one of {', '.join(CHECK_NAMES)}."
    if kind == "value_error":
        return str(ctx.get("error") or error.get("msg")) + "."
    return f"{error.get('msg', 'invalid value')} (got {got})."


def _is_check_tag(loc: tuple[Any, ...], i: int) -> bool:
    # A check's fields are located by pydantic under its name (checks.0.last_test_met_rto.tier); the
    # file has no such key, so the name is dropped to find the line.
    return i >= 2 and loc[i - 2] == "checks" and isinstance(loc[i - 1], int) and loc[i] in CHECK_NAMES


def clean_loc(loc: tuple[Any, ...]) -> tuple[str | int, ...]:
    """Drop pydantic's internal markers (such as '[key]', function names or a check's name) from a location."""
    return tuple(
        part
        for i, part in enumerate(loc)
        if part != "[key]"
        and not (isinstance(part, str) and part.startswith("function-"))
        and not _is_check_tag(loc, i)
    )


def _path_of(err: dict[str, Any]) -> tuple[str | int, ...]:
    path = clean_loc(tuple(err["loc"]))
    if err["type"] == "union_tag_invalid":
        return (*path, "check")
    return path


def errors_of(exc: ValidationError) -> list[tuple[tuple[str | int, ...], str]]:
    """Return (path, message) for every error in a pydantic ValidationError."""
    return [(_path_of(dict(err)), describe(dict(err))) for err in exc.errors(include_url=False)]
