"""Coverage of standards by a questionnaire: which questions cite each clause, control or article.

The index is derived from the questions' references only. Standards and refs are sorted in natural
order, so numbers inside them compare as numbers: 8.2 before 8.10, Art. 5 before Art. 11,
CP-2 before CP-9(1) before CP-10. Questions are listed in display order: domains in the
questionnaire's order, questions in file order within their domain.
"""

from __future__ import annotations

import re
from collections.abc import Mapping
from dataclasses import dataclass
from types import MappingProxyType

import pandas as pd

from questionnaires.model import Question, Questionnaire

TABLE_COLUMNS: tuple[str, ...] = ("standard", "ref", "questions", "domains")

_CHUNKS = re.compile(r"(\d+)")

NaturalKey = tuple[tuple[tuple[int, int | str], ...], str]


@dataclass(frozen=True)
class CoverageEntry:
    """One clause, control or article of a standard, and the questions and domains that cite it."""

    standard: str
    ref: str
    question_ids: tuple[str, ...]
    domain_ids: tuple[str, ...]


def natural_key(text: str) -> NaturalKey:
    """Return a sort key that orders runs of digits by value and the rest case-insensitively."""
    chunks = tuple(
        (0, int(chunk)) if chunk.isdigit() else (1, chunk.casefold()) for chunk in _CHUNKS.split(text) if chunk
    )
    # The text itself breaks ties (e.g. "art. 5" and "Art. 5"), so the order is total and stable.
    return chunks, text


def _display_order(questionnaire: Questionnaire) -> tuple[Question, ...]:
    """Return the questions domain by domain, in the questionnaire's domain order, then file order."""
    rank = {domain.id: i for i, domain in enumerate(questionnaire.domains)}
    # Questions of an unknown domain go last rather than disappearing from the index.
    indexed = sorted(
        enumerate(questionnaire.questions), key=lambda item: (rank.get(item[1].domain, len(rank)), item[0])
    )
    return tuple(question for _, question in indexed)


def coverage_index(questionnaire: Questionnaire) -> tuple[CoverageEntry, ...]:
    """Return one entry per distinct (standard, ref) cited, sorted by standard then ref."""
    questions: dict[tuple[str, str], list[str]] = {}
    domains: dict[tuple[str, str], list[str]] = {}
    for question in _display_order(questionnaire):
        for reference in question.references:
            key = (reference.standard, reference.ref)
            cited_by = questions.setdefault(key, [])
            if question.id not in cited_by:
                cited_by.append(question.id)
            in_domains = domains.setdefault(key, [])
            if question.domain not in in_domains:
                in_domains.append(question.domain)
    ordered = sorted(questions, key=lambda key: (natural_key(key[0]), natural_key(key[1])))
    return tuple(
        CoverageEntry(standard=key[0], ref=key[1], question_ids=tuple(questions[key]), domain_ids=tuple(domains[key]))
        for key in ordered
    )


def coverage_by_standard(questionnaire: Questionnaire) -> Mapping[str, tuple[CoverageEntry, ...]]:
    """Return the coverage entries grouped by standard, standards in natural order (read-only)."""
    grouped: dict[str, list[CoverageEntry]] = {}
    for entry in coverage_index(questionnaire):
        grouped.setdefault(entry.standard, []).append(entry)
    return MappingProxyType({standard: tuple(entries) for standard, entries in grouped.items()})


def questions_without_references(questionnaire: Questionnaire) -> tuple[str, ...]:
    """Return the ids of the questions that cite no reference, in display order."""
    return tuple(question.id for question in _display_order(questionnaire) if not question.references)


def coverage_table(questionnaire: Questionnaire) -> pd.DataFrame:
    """Return the coverage index as a table for display and export, one row per (standard, ref).

    Columns: standard, ref, questions (ids joined by ", "), domains (ids joined by ", ").
    """
    rows = [
        (entry.standard, entry.ref, ", ".join(entry.question_ids), ", ".join(entry.domain_ids))
        for entry in coverage_index(questionnaire)
    ]
    return pd.DataFrame(rows, columns=list(TABLE_COLUMNS))
