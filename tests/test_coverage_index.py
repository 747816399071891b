"""Tests for the coverage index: which questions cite each clause, control or article of a standard."""

from __future__ import annotations

import random
from functools import cache
from pathlib import Path
from typing import Any

import pytest
from hypothesis import given, settings
from hypothesis import strategies as st

from questionnaires.coverage import (
    TABLE_COLUMNS,
    CoverageEntry,
    coverage_by_standard,
    coverage_index,
    coverage_table,
    natural_key,
    questions_without_references,
)
from questionnaires.loader import load_questionnaire
from questionnaires.model import Questionnaire

SHIPPED = Path(__file__).resolve().parent.parent / "questionnaires" / "itscm"

ISO = "ISO 22301:2019"
NIST = "NIST SP 800-53"
DORA = "DORA"


def _question(question_id: str, references: list[tuple[str, str]]) -> dict[str, Any]:
    return {
        "id": question_id,
        "domain": question_id.split("-")[0],
        "text": f"Is practice {question_id} in place?",
        "guidance": f"Guidance for {question_id}.",
        "evidence": [f"Evidence for {question_id}"],
        "levels": {n: f"{question_id} at level {n}" for n in range(1, 6)},
        "references": [{"standard": standard, "ref": ref} for standard, ref in references],
    }


def _questionnaire(domains: list[str], questions: list[dict[str, Any]]) -> Questionnaire:
    return Questionnaire.model_validate(
        {
            "id": "coverage-test",
            "version": "1",
            "title": "Coverage test",
            "levels": [{"number": n, "name": f"Level {n}", "description": f"Level {n}."} for n in range(1, 6)],
            "domains": [{"id": d, "name": d, "description": f"Domain {d}."} for d in domains],
            "questions": questions,
        }
    )


@pytest.fixture
def small() -> Questionnaire:
    """Two domains; the GOV questions come first in the list although RISK is the first domain."""
    return _questionnaire(
        ["RISK", "GOV"],
        [
            _question("GOV-01", [(ISO, "8.10"), (DORA, "Art. 11"), (ISO, "8.10")]),
            _question("GOV-02", []),
            _question("RISK-01", [(NIST, "CP-10"), (ISO, "8.2"), (DORA, "Art. 5"), (NIST, "CP-2")]),
            _question("RISK-02", [(NIST, "CP-9(1)"), (ISO, "8.10"), (DORA, "Art. 11")]),
        ],
    )


@cache
def _shipped() -> Questionnaire:
    return load_questionnaire(SHIPPED)


def test_coverage_index_lists_each_cited_ref_once_in_natural_order(small: Questionnaire) -> None:
    assert coverage_index(small) == (
        CoverageEntry(DORA, "Art. 5", ("RISK-01",), ("RISK",)),
        CoverageEntry(DORA, "Art. 11", ("RISK-02", "GOV-01"), ("RISK", "GOV")),
        CoverageEntry(ISO, "8.2", ("RISK-01",), ("RISK",)),
        CoverageEntry(ISO, "8.10", ("RISK-02", "GOV-01"), ("RISK", "GOV")),
        CoverageEntry(NIST, "CP-2", ("RISK-01",), ("RISK",)),
        CoverageEntry(NIST, "CP-9(1)", ("RISK-02",), ("RISK",)),
        CoverageEntry(NIST, "CP-10", ("RISK-01",), ("RISK",)),
    )


def test_coverage_index_lists_questions_in_domain_order_not_list_order(small: Questionnaire) -> None:
    entry = next(e for e in coverage_index(small) if e.ref == "8.10")
    assert entry.question_ids == ("RISK-02", "GOV-01")
    assert entry.domain_ids == ("RISK", "GOV")


def test_coverage_index_counts_a_question_once_when_it_repeats_a_reference(small: Questionnaire) -> None:
    entry = next(e for e in coverage_index(small) if e.ref == "8.10")
    assert entry.question_ids.count("GOV-01") == 1


def test_coverage_index_is_empty_when_no_question_cites_anything() -> None:
    bare = _questionnaire(["GOV"], [_question("GOV-01", []), _question("GOV-02", [])])
    assert coverage_index(bare) == ()
    assert dict(coverage_by_standard(bare)) == {}
    assert questions_without_references(bare) == ("GOV-01", "GOV-02")


def test_coverage_entries_are_frozen(small: Questionnaire) -> None:
    entry = coverage_index(small)[0]
    with pytest.raises(AttributeError):
        entry.ref = "changed"  # type: ignore[misc]


def test_coverage_by_standard_groups_entries_under_their_standard(small: Questionnaire) -> None:
    grouped = coverage_by_standard(small)
    assert list(grouped) == [DORA, ISO, NIST]
    assert [e.ref for e in grouped[DORA]] == ["Art. 5", "Art. 11"]
    assert [e.ref for e in grouped[ISO]] == ["8.2", "8.10"]
    assert [e.ref for e in grouped[NIST]] == ["CP-2", "CP-9(1)", "CP-10"]


def test_coverage_by_standard_cannot_be_changed_by_the_caller(small: Questionnaire) -> None:
    grouped = coverage_by_standard(small)
    with pytest.raises(TypeError):
        grouped["BCI GPG 2018"] = ()  # type: ignore[index]


def test_questions_without_references_names_only_the_uncited_questions(small: Questionnaire) -> None:
    assert questions_without_references(small) == ("GOV-02",)


def test_coverage_table_has_one_row_per_ref_with_joined_ids(small: Questionnaire) -> None:
    table = coverage_table(small)
    assert tuple(table.columns) == TABLE_COLUMNS == ("standard", "ref", "questions", "domains")
    assert len(table) == 7
    row = table[(table["standard"] == DORA) & (table["ref"] == "Art. 11")].iloc[0]
    assert row["questions"] == "RISK-02, GOV-01"
    assert row["domains"] == "RISK, GOV"
    assert list(table["ref"]) == ["Art. 5", "Art. 11", "8.2", "8.10", "CP-2", "CP-9(1)", "CP-10"]


def test_coverage_table_of_an_uncited_questionnaire_is_empty_with_its_columns() -> None:
    table = coverage_table(_questionnaire(["GOV"], [_question("GOV-01", [])]))
    assert table.empty
    assert tuple(table.columns) == TABLE_COLUMNS


@pytest.mark.parametrize(
    ("lower", "higher"),
    [
        ("8.2", "8.10"),
        ("8.2.3", "8.3"),
        ("9", "10.1"),
        ("Art. 5", "Art. 11"),
        ("Art. 11", "Art. 11(6)"),
        ("Art. 11(6)", "Art. 11(6)(a)"),
        ("Art. 11(6)(a)", "Art. 11(7)"),
        ("CP-2", "CP-9(1)"),
        ("CP-9(1)", "CP-9(8)"),
        ("CP-9(8)", "CP-10"),
        ("Step 2", "Step 10"),
        ("DSS04.02", "DSS04.08"),
        ("PP1", "PP6"),
        ("ISO 22300:2021", "ISO 22301:2019"),
    ],
)
def test_natural_key_orders_numbers_by_value(lower: str, higher: str) -> None:
    assert natural_key(lower) < natural_key(higher)


@settings(max_examples=100, deadline=None)
@given(st.lists(st.integers(min_value=0, max_value=10_000), min_size=1, max_size=20), st.randoms())
def test_natural_sort_matches_numeric_sort_whatever_the_input_order(numbers: list[int], rnd: random.Random) -> None:
    refs = [f"CP-{n}" for n in numbers]
    rnd.shuffle(refs)
    assert sorted(refs, key=natural_key) == [f"CP-{n}" for n in sorted(numbers)]


POOL = [(ISO, "8.2"), (ISO, "8.10"), (DORA, "Art. 5"), (DORA, "Art. 11(6)"), (NIST, "CP-9(1)"), (NIST, "CP-10")]


@settings(max_examples=60, deadline=None)
@given(
    st.lists(
        st.tuples(st.sampled_from(["RISK", "BIA", "GOV"]), st.lists(st.sampled_from(POOL), max_size=5)),
        min_size=1,
        max_size=12,
    )
)
def test_coverage_index_holds_exactly_the_cited_pairs(specs: list[tuple[str, list[tuple[str, str]]]]) -> None:
    counters: dict[str, int] = {}
    questions = []
    for domain, refs in specs:
        counters[domain] = counters.get(domain, 0) + 1
        questions.append(_question(f"{domain}-{counters[domain]:02d}", refs))
    q = _questionnaire(["RISK", "BIA", "GOV"], questions)
    index = coverage_index(q)

    cited = {(r.standard, r.ref, x.id) for x in q.questions for r in x.references}
    indexed = [(e.standard, e.ref, qid) for e in index for qid in e.question_ids]
    assert sorted(indexed) == sorted(cited)
    keys = [(natural_key(e.standard), natural_key(e.ref)) for e in index]
    assert keys == sorted(keys)
    assert len(set(keys)) == len(keys)
    for entry in index:
        assert entry.domain_ids == tuple(dict.fromkeys(qid.split("-")[0] for qid in entry.question_ids))
    assert set(questions_without_references(q)) == {x.id for x in q.questions if not x.references}


def test_shipped_coverage_holds_every_reference_of_every_question() -> None:
    q = _shipped()
    cited = {(r.standard, r.ref, x.id) for x in q.questions for r in x.references}
    indexed = [(e.standard, e.ref, qid) for e in coverage_index(q) for qid in e.question_ids]
    assert len(indexed) == len(set(indexed))
    assert set(indexed) == cited


def test_shipped_coverage_is_sorted_by_standard_then_ref() -> None:
    keys = [(natural_key(e.standard), natural_key(e.ref)) for e in coverage_index(_shipped())]
    assert keys == sorted(keys)
    assert len(set(keys)) == len(keys)


def test_shipped_coverage_lists_domains_in_questionnaire_order() -> None:
    q = _shipped()
    order = [d.id for d in q.domains]
    for entry in coverage_index(q):
        assert [order.index(d) for d in entry.domain_ids] == sorted(order.index(d) for d in entry.domain_ids)
        assert set(entry.domain_ids) == {q.question(qid).domain for qid in entry.question_ids}


def test_shipped_coverage_table_matches_its_index() -> None:
    q = _shipped()
    index = coverage_index(q)
    table = coverage_table(q)
    assert len(table) == len(index)
    assert list(zip(table["standard"], table["ref"], strict=True)) == [(e.standard, e.ref) for e in index]
    assert sum(len(entries) for entries in coverage_by_standard(q).values()) == len(index)


def test_shipped_questions_without_references_are_exactly_the_uncited_ones() -> None:
    q = _shipped()
    assert set(questions_without_references(q)) == {x.id for x in q.questions if not x.references}
