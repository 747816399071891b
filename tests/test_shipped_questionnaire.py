"""Tests over the shipped ITSCM questionnaire: structure, wording limits, references and distinctness.

Per-question tests are parametrized by question id, so a failure names the question to fix.
"""

from __future__ import annotations

import difflib
import re
from functools import cache
from itertools import combinations
from pathlib import Path

import pytest

from questionnaires.errors import QuestionnaireError
from questionnaires.loader import load_questionnaire
from questionnaires.model import Question, Questionnaire

SHIPPED = Path(__file__).resolve().parent.parent / "questionnaires" / "itscm"

DOMAIN_ORDER = ("RISK", "BIA", "REC", "TEST", "GOV")
QUESTIONS_PER_DOMAIN = range(10, 15)
QUESTIONS_IN_ALL = range(55, 71)
ID_PATTERN = re.compile(r"^(RISK|BIA|REC|TEST|GOV)-(\d{2})$")
LEVELS = (1, 2, 3, 4, 5)
ACTION_LEVELS = (2, 3, 4, 5)
MAX_STATEMENT_WORDS = 40
EVIDENCE_COUNT = range(2, 5)
WEIGHTS = range(1, 4)
GUIDANCE_SENTENCES = range(2, 5)
MAX_NA_SHARE = 0.15

# Two question texts are near-duplicates when either measure reaches its limit. Measured on the
# shipped content the highest values sit well below both; a copy with one word changed reaches them.
JACCARD_LIMIT = 0.6
RATIO_LIMIT = 0.8
# fmt: off
STOP_WORDS = frozenset({
    "a", "an", "and", "any", "are", "as", "at", "be", "been", "by", "can", "do", "does", "each", "every",
    "for", "from", "has", "have", "how", "if", "in", "into", "is", "it", "its", "of", "on", "or", "our",
    "so", "such", "than", "that", "the", "their", "there", "these", "they", "this", "those", "to", "was",
    "were", "what", "when", "where", "whether", "which", "who", "with", "within", "without", "you", "your",
})
# fmt: on


@cache
def _declared_patterns() -> dict[str, re.Pattern[str]]:
    shipped = _shipped_or_none()
    if shipped is None:
        return {}
    return {s.name: re.compile(s.ref_pattern) for s in shipped.standards if s.ref_pattern}


@cache
def _shipped_or_none() -> Questionnaire | None:
    """Load once for parametrization; a load failure is reported by the loading test itself."""
    try:
        return load_questionnaire(SHIPPED)
    except QuestionnaireError:
        return None


def _shipped() -> Questionnaire:
    q = _shipped_or_none()
    if q is None:
        pytest.fail("the shipped questionnaire does not load; see test_shipped_questionnaire_loads")
    return q


def _questions() -> list[Question]:
    q = _shipped_or_none()
    return list(q.questions) if q else []


def _by_question() -> pytest.MarkDecorator:
    questions = _questions()
    return pytest.mark.parametrize("question", questions, ids=[x.id for x in questions])


def _by_domain() -> pytest.MarkDecorator:
    return pytest.mark.parametrize("domain_id", DOMAIN_ORDER)


def content_words(text: str) -> set[str]:
    """Return the lowercased words of `text` without stop words."""
    return {word for word in re.findall(r"[a-z0-9]+", text.lower()) if word not in STOP_WORDS}


def jaccard(a: str, b: str) -> float:
    """Return the share of content words two texts have in common (0 to 1)."""
    left, right = content_words(a), content_words(b)
    union = left | right
    return len(left & right) / len(union) if union else 1.0


def ratio(a: str, b: str) -> float:
    """Return difflib's character-level similarity of two texts, ignoring case (0 to 1)."""
    return difflib.SequenceMatcher(None, a.lower(), b.lower()).ratio()


def near_duplicate(a: str, b: str) -> bool:
    """Tell whether two question texts are close enough to be the same question."""
    return jaccard(a, b) >= JACCARD_LIMIT or ratio(a, b) >= RATIO_LIMIT


def with_one_word_changed(text: str) -> str:
    """Return `text` with its longest content word replaced by an unrelated word."""
    words = text.split()
    candidates = [i for i, word in enumerate(words) if content_words(word)]
    longest = max(candidates, key=lambda i: len(words[i]))
    return " ".join([*words[:longest], "paperwork", *words[longest + 1 :]])


def sentences(text: str) -> list[str]:
    """Split prose into sentences at a stop followed by a capital letter."""
    return [s for s in re.split(r"(?<=[.!?])\s+(?=[A-Z])", text.strip()) if s]


# Whole questionnaire


def test_shipped_questionnaire_loads() -> None:
    q = load_questionnaire(SHIPPED)
    assert q.id == "itscm"
    assert q.level_numbers == LEVELS


def test_domains_are_the_five_areas_in_order() -> None:
    assert tuple(d.id for d in _shipped().domains) == DOMAIN_ORDER


@_by_domain()
def test_each_domain_has_10_to_14_questions(domain_id: str) -> None:
    assert len(_shipped().questions_in(domain_id)) in QUESTIONS_PER_DOMAIN


def test_questionnaire_has_55_to_70_questions() -> None:
    assert len(_shipped().questions) in QUESTIONS_IN_ALL


def test_question_ids_are_unique() -> None:
    ids = [x.id for x in _shipped().questions]
    assert sorted({i for i in ids if ids.count(i) > 1}) == []


@_by_domain()
def test_question_ids_are_numbered_from_01_in_file_order(domain_id: str) -> None:
    numbers = [int(x.id.split("-")[1]) for x in _shipped().questions_in(domain_id)]
    assert numbers == list(range(1, len(numbers) + 1))


@_by_domain()
def test_each_domain_has_a_core_question_of_weight_3(domain_id: str) -> None:
    assert any(x.weight == 3 for x in _shipped().questions_in(domain_id))


def test_na_is_allowed_on_at_most_15_percent_of_questions() -> None:
    questions = _shipped().questions
    allowing = [x.id for x in questions if x.na_allowed]
    assert len(allowing) <= MAX_NA_SHARE * len(questions), allowing


# One question at a time


@_by_question()
def test_question_id_matches_its_domain(question: Question) -> None:
    match = ID_PATTERN.match(question.id)
    assert match, f"{question.id} does not match {ID_PATTERN.pattern}"
    assert match.group(1) == question.domain


@_by_question()
def test_question_has_five_distinct_level_statements(question: Question) -> None:
    assert tuple(sorted(question.levels)) == LEVELS
    normalised = {" ".join(s.lower().split()) for s in question.levels.values()}
    assert len(normalised) == len(LEVELS)


@_by_question()
def test_level_statements_are_under_40_words(question: Question) -> None:
    long = {n: len(s.split()) for n, s in question.levels.items() if len(s.split()) >= MAX_STATEMENT_WORDS}
    assert long == {}


@_by_question()
def test_question_has_an_action_for_each_step_up(question: Question) -> None:
    assert tuple(sorted(question.actions)) == ACTION_LEVELS
    for action in question.actions.values():
        assert action.action.strip()
        assert action.effort in ("S", "M", "L")


@_by_question()
def test_question_has_2_to_4_evidence_examples(question: Question) -> None:
    assert len(question.evidence) in EVIDENCE_COUNT


@_by_question()
def test_question_weight_is_1_to_3(question: Question) -> None:
    assert question.weight in WEIGHTS


@_by_question()
def test_question_has_guidance_of_2_to_4_sentences(question: Question) -> None:
    assert question.guidance.strip()
    assert len(sentences(question.guidance)) in GUIDANCE_SENTENCES


@_by_question()
def test_na_is_never_allowed_on_a_weight_3_question(question: Question) -> None:
    assert not (question.na_allowed and question.weight == 3)


@_by_question()
def test_references_name_a_declared_standard_with_a_well_formed_ref(question: Question) -> None:
    bad = [
        (r.standard, r.ref)
        for r in question.references
        if r.standard not in _declared_patterns() or not _declared_patterns()[r.standard].match(r.ref)
    ]
    assert bad == []


@_by_question()
def test_question_text_is_no_near_duplicate_of_another(question: Question) -> None:
    close = [
        (other.id, round(jaccard(question.text, other.text), 2), round(ratio(question.text, other.text), 2))
        for other in _shipped().questions
        if other.id != question.id and near_duplicate(question.text, other.text)
    ]
    assert close == []


# The checks themselves must be able to fail


@_by_question()
def test_a_copy_with_one_word_changed_counts_as_a_near_duplicate(question: Question) -> None:
    copy = with_one_word_changed(question.text)
    assert copy != question.text
    assert near_duplicate(question.text, copy)


def test_near_duplicate_check_passes_distinct_questions_and_flags_reworded_ones() -> None:
    original = "Is there an approved IT service continuity policy that sets its scope?"
    assert near_duplicate(original, "Is there an approved IT service continuity policy that sets its objectives?")
    assert near_duplicate(original, "Does an approved IT service continuity policy set the scope?")
    assert not near_duplicate(original, "Are backups copied to storage that cannot be altered or deleted?")


def test_shipped_texts_stay_clear_of_the_near_duplicate_limits() -> None:
    # A margin below the limits, so a small edit to one question does not flip the check.
    texts = [x.text for x in _shipped().questions]
    assert max(jaccard(a, b) for a, b in combinations(texts, 2)) < JACCARD_LIMIT - 0.1
    assert max(ratio(a, b) for a, b in combinations(texts, 2)) < RATIO_LIMIT - 0.1


@pytest.mark.parametrize(
    ("standard", "ref"),
    [
        ("ISO 22301:2019", "8 .2"),
        ("ISO 22301:2019", "11.1"),
        ("ISO/TS 22317:2021", "5.2"),
        ("ISO 22300:2021", "MTD"),
        ("NIST SP 800-34", "Step 8"),
        ("NIST SP 800-34", "3"),
        ("NIST SP 800-53", "CP9"),
        ("NIST SP 800-53", "CP-9 (1)"),
        ("NIST SP 800-53", "IR-4"),
        ("DORA", "Art 11"),
        ("DORA", "Article 11(6)"),
        ("DORA RTS 2024/1774", "Art. 26(2"),
        ("COBIT 2019", "DSS04.09"),
        ("COBIT 2019", "DSS4.02"),
        ("BCI GPG 2018", "PP7"),
        ("FFIEC BCM 2019", "section 3"),
    ],
)
def test_reference_check_rejects_malformed_refs(standard: str, ref: str) -> None:
    assert standard not in _declared_patterns() or not _declared_patterns()[standard].match(ref)


@pytest.mark.parametrize(
    ("standard", "ref"),
    [
        ("ISO 22301:2019", "8.2.3"),
        ("ISO 22301:2019", "10.1"),
        ("ISO/TS 22317:2021", "BIA"),
        ("ISO 22300:2021", "MBCO"),
        ("NIST SP 800-34", "Step 3"),
        ("NIST SP 800-53", "CP-9(1)"),
        ("NIST SP 800-53", "CP-10"),
        ("DORA", "Art. 11(6)(a)"),
        ("DORA RTS 2024/1774", "Art. 26(1)(e)"),
        ("COBIT 2019", "DSS04.02"),
        ("BCI GPG 2018", "PP3"),
        ("FFIEC BCM 2019", "Risk assessment"),
    ],
)
def test_reference_check_accepts_the_documented_formats(standard: str, ref: str) -> None:
    assert _declared_patterns()[standard].match(ref)
