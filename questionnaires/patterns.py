"""Checks on the regular expressions a questionnaire declares, so none can take minutes to match."""

from __future__ import annotations

import re
from typing import Any

try:  # Python 3.11+
    from re import _parser as sre_parse  # type: ignore[attr-defined]
except ImportError:  # pragma: no cover
    import sre_parse  # type: ignore[no-redef]

_REPEATS = {"MAX_REPEAT", "MIN_REPEAT", "POSSESSIVE_REPEAT"}


def _has_branch(items: Any) -> bool:
    """Return True when a parsed pattern holds an alternation anywhere."""
    for op, value in items:
        name = str(op)
        if name == "BRANCH":
            return True
        if name in _REPEATS and _has_branch(value[2]):
            return True
        if name == "SUBPATTERN" and _has_branch(value[-1]):
            return True
    return False


def _nested_repetition(items: Any, inside_unbounded: bool) -> bool:
    """Return True when a repeat without a small bound holds another repeat or an alternation."""
    for op, value in items:
        name = str(op)
        if name in _REPEATS:
            _low, high, body = value
            if inside_unbounded and high > 1:
                return True
            unbounded = high == sre_parse.MAXREPEAT or high > 10
            if unbounded and _has_branch(body):
                return True
            if _nested_repetition(body, inside_unbounded or unbounded):
                return True
        elif name == "SUBPATTERN":
            if _nested_repetition(value[-1], inside_unbounded):
                return True
        elif name == "BRANCH":
            if any(_nested_repetition(branch, inside_unbounded) for branch in value[1]):
                return True
        elif name in {"ASSERT", "ASSERT_NOT"} and _nested_repetition(value[1], inside_unbounded):
            return True
    return False


def pattern_problem(pattern: str) -> str | None:
    """Return why `pattern` can't be used as a ref_pattern, or None when it can."""
    if len(pattern) > 200:
        return "ref_pattern is longer than 200 characters; shorten it."
    try:
        parsed = sre_parse.parse(pattern)
    except (re.error, RecursionError, OverflowError) as error:
        return f"ref_pattern is not a valid regular expression ({error}); correct it."
    if any(str(op) in {"GROUPREF", "GROUPREF_EXISTS"} for op, _ in parsed):
        return "ref_pattern may not use back-references; write the form out."
    if _nested_repetition(parsed, False):
        return (
            "ref_pattern repeats a group that itself repeats or has alternatives (e.g. (a+)+), which can take "
            "minutes to match; bound the outer repeat, e.g. {0,3}."
        )
    return None
