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

FOLDERS = Path(__file__).resolve().parent.parent / "questionnaires"
SHIPPED = {"2026.1": FOLDERS / "itscm", "2026.2": FOLDERS / "itscm-2026.2"}
VERSIONS = tuple(SHIPPED)

DOMAIN_ORDER = ("RISK", "BIA", "REC", "TEST", "GOV")
# 2026.2 adds the practices an expert review found missing, so its domains may hold a few more.
QUESTIONS_PER_DOMAIN = {"2026.1": range(10, 15), "2026.2": range(10, 17)}
QUESTIONS_IN_ALL = {"2026.1": range(55, 71), "2026.2": range(60, 76)}
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
def _declared_patterns(version: str = "2026.1") -> dict[str, re.Pattern[str]]:
    shipped = _shipped_or_none(version)
    if shipped is None:
        return {}
    return {s.name: re.compile(s.ref_pattern) for s in shipped.standards if s.ref_pattern}


@cache
def _shipped_or_none(version: str) -> Questionnaire | None:
    """Load once for parametrization; a load failure is reported by the loading test itself."""
    try:
        return load_questionnaire(SHIPPED[version])
    except QuestionnaireError:
        return None


def _shipped(version: str) -> Questionnaire:
    q = _shipped_or_none(version)
    if q is None:
        pytest.fail(f"shipped questionnaire {version} does not load; see test_shipped_questionnaire_loads")
    return q


def _by_version() -> pytest.MarkDecorator:
    return pytest.mark.parametrize("version", VERSIONS)


def _by_question() -> pytest.MarkDecorator:
    loaded = {v: _shipped_or_none(v) for v in VERSIONS}
    pairs = [(v, x) for v, q in loaded.items() if q is not None for x in q.questions]
    return pytest.mark.parametrize(("version", "question"), pairs, ids=[f"{v}-{x.id}" for v, x in pairs])


def _by_domain() -> pytest.MarkDecorator:
    pairs = [(v, d) for v in VERSIONS for d in DOMAIN_ORDER]
    return pytest.mark.parametrize(("version", "domain_id"), pairs, ids=[f"{v}-{d}" for v, d in pairs])


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


@_by_version()
def test_shipped_questionnaire_loads(version: str) -> None:
    q = load_questionnaire(SHIPPED[version])
    assert (q.id, q.version) == ("itscm", version)
    assert q.level_numbers == LEVELS


@_by_version()
def test_domains_are_the_five_areas_in_order(version: str) -> None:
    assert tuple(d.id for d in _shipped(version).domains) == DOMAIN_ORDER


@_by_domain()
def test_each_domain_has_a_number_of_questions_in_its_range(version: str, domain_id: str) -> None:
    assert len(_shipped(version).questions_in(domain_id)) in QUESTIONS_PER_DOMAIN[version]


@_by_version()
def test_questionnaire_has_a_number_of_questions_in_its_range(version: str) -> None:
    assert len(_shipped(version).questions) in QUESTIONS_IN_ALL[version]


@_by_version()
def test_question_ids_are_unique(version: str) -> None:
    ids = [x.id for x in _shipped(version).questions]
    assert sorted({i for i in ids if ids.count(i) > 1}) == []


@_by_domain()
def test_question_ids_are_numbered_upwards_in_file_order(version: str, domain_id: str) -> None:
    numbers = [int(x.id.split("-")[1]) for x in _shipped(version).questions_in(domain_id)]
    if version == "2026.1":
        assert numbers == list(range(1, len(numbers) + 1))
    else:  # a later version keeps the ids of unchanged questions, so the numbers of replaced ones are gaps
        assert numbers == sorted(set(numbers)) and numbers[0] == 1


@_by_domain()
def test_each_domain_has_a_core_question_of_weight_3(version: str, domain_id: str) -> None:
    assert any(x.weight == 3 for x in _shipped(version).questions_in(domain_id))


@_by_version()
def test_na_is_allowed_on_at_most_15_percent_of_questions(version: str) -> None:
    questions = _shipped(version).questions
    allowing = [x.id for x in questions if x.na_allowed]
    assert len(allowing) <= MAX_NA_SHARE * len(questions), allowing


# One question at a time


@_by_question()
def test_question_id_matches_its_domain(version: str, question: Question) -> None:
    match = ID_PATTERN.match(question.id)
    assert match, f"{question.id} does not match {ID_PATTERN.pattern}"
    assert match.group(1) == question.domain


@_by_question()
def test_question_has_five_distinct_level_statements(version: str, question: Question) -> None:
    assert tuple(sorted(question.levels)) == LEVELS
    normalised = {" ".join(s.lower().split()) for s in question.levels.values()}
    assert len(normalised) == len(LEVELS)


@_by_question()
def test_level_statements_are_under_40_words(version: str, question: Question) -> None:
    long = {n: len(s.split()) for n, s in question.levels.items() if len(s.split()) >= MAX_STATEMENT_WORDS}
    assert long == {}


@_by_question()
def test_question_has_an_action_for_each_step_up(version: str, question: Question) -> None:
    assert tuple(sorted(question.actions)) == ACTION_LEVELS
    for action in question.actions.values():
        assert action.action.strip()
        assert action.effort in ("S", "M", "L")


@_by_question()
def test_question_has_2_to_4_evidence_examples(version: str, question: Question) -> None:
    assert len(question.evidence) in EVIDENCE_COUNT


@_by_question()
def test_question_weight_is_1_to_3(version: str, question: Question) -> None:
    assert question.weight in WEIGHTS


@_by_question()
def test_question_has_guidance_of_2_to_4_sentences(version: str, question: Question) -> None:
    assert question.guidance.strip()
    assert len(sentences(question.guidance)) in GUIDANCE_SENTENCES


@_by_question()
def test_na_is_never_allowed_on_a_weight_3_question(version: str, question: Question) -> None:
    assert not (question.na_allowed and question.weight == 3)


@_by_question()
def test_references_name_a_declared_standard_with_a_well_formed_ref(version: str, question: Question) -> None:
    bad = [
        (r.standard, r.ref)
        for r in question.references
        if r.standard not in _declared_patterns(version) or not _declared_patterns(version)[r.standard].match(r.ref)
    ]
    assert bad == []


@_by_question()
def test_question_text_is_no_near_duplicate_of_another(version: str, question: Question) -> None:
    close = [
        (other.id, round(jaccard(question.text, other.text), 2), round(ratio(question.text, other.text), 2))
        for other in _shipped(version).questions
        if other.id != question.id and near_duplicate(question.text, other.text)
    ]
    assert close == []


# The checks themselves must be able to fail


@_by_question()
def test_a_copy_with_one_word_changed_counts_as_a_near_duplicate(version: str, question: Question) -> None:
    copy = with_one_word_changed(question.text)
    assert copy != question.text
    assert near_duplicate(question.text, copy)


def test_near_duplicate_check_passes_distinct_questions_and_flags_reworded_ones() -> None:
    original = "Is there an approved IT service continuity policy that sets its scope?"
    assert near_duplicate(original, "Is there an approved IT service continuity policy that sets its objectives?")
    assert near_duplicate(original, "Does an approved IT service continuity policy set the scope?")
    assert not near_duplicate(original, "Are backups copied to storage that cannot be altered or deleted?")


@_by_version()
def test_shipped_texts_stay_clear_of_the_near_duplicate_limits(version: str) -> None:
    # A margin below the limits, so a small edit to one question does not flip the check.
    texts = [x.text for x in _shipped(version).questions]
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


# What 2026.2 fixed after the expert review

LATEST = "2026.2"


def _latest_questions() -> list[Question]:
    q = _shipped_or_none(LATEST)
    return list(q.questions) if q else []


@pytest.mark.parametrize("question", _latest_questions(), ids=[x.id for x in _latest_questions()])
def test_every_evidence_example_of_2026_2_supports_a_named_level_up_to_at_least_3(question: Question) -> None:
    levels = [level for level, _ in question.evidence_examples]
    assert None not in levels
    assert all(2 <= level <= 5 for level in levels if level is not None)
    assert max(level for level in levels if level is not None) >= 3


@pytest.mark.parametrize("question", _latest_questions(), ids=[x.id for x in _latest_questions()])
def test_level_4_of_2026_2_is_a_measured_target_not_reporting_to_management(question: Question) -> None:
    statement = question.levels[4].lower()
    assert "reported to management" not in statement and "report to management" not in statement
    # A level 4 statement names what is counted or over which period a target held.
    assert re.search(
        r"\d|quarter|year|review|cycle|target|limit|margin|share|number|period|last|every|all ", statement
    ), statement


@pytest.mark.parametrize("question", _latest_questions(), ids=[x.id for x in _latest_questions()])
def test_level_5_of_2026_2_is_an_improvement_with_a_shown_effect_not_a_tool(question: Question) -> None:
    statement = question.levels[5].lower()
    assert not re.search(r"\bin a (shared )?tool\b|\bkept in a tool\b", statement), statement


def test_only_one_question_of_2026_2_judges_recovery_against_the_rto() -> None:
    timed = sorted(
        x.id
        for x in _shipped(LATEST).questions
        for statement in x.levels.values()
        if re.search(r"(within|met|meet|against) (the |their |its |both their )?(RTO|RPO)", statement)
    )
    assert set(timed) == {"TEST-11"}


def test_every_na_of_2026_2_needs_a_written_reason() -> None:
    assert [x.id for x in _shipped(LATEST).questions if x.na_allowed and not x.na_requires_justification] == []


def test_2026_2_drops_the_standards_whose_clauses_could_not_be_checked() -> None:
    names = {s.name for s in _shipped(LATEST).standards}
    assert names.isdisjoint({"ISO/TS 22317:2021", "ISO 22300:2021"})
    assert {r.standard for x in _shipped(LATEST).questions for r in x.references} <= names


def test_every_bia_question_of_2026_2_cites_iso_22301_8_2_2() -> None:
    missing = [
        x.id
        for x in _shipped(LATEST).questions_in("BIA")
        if ("ISO 22301:2019", "8.2.2") not in {(r.standard, r.ref) for r in x.references}
    ]
    assert missing == []


@pytest.mark.parametrize(
    ("question_id", "cited"),
    [
        ("RISK-03", [("DORA", "Art. 6(8)(b)")]),
        ("RISK-04", [("DORA", "Art. 6(1)"), ("ISO 22301:2019", "5.1(b)")]),
        ("RISK-07", [("DORA", "Art. 10(1)"), ("NIST SP 800-53", "CP-8(2)")]),
        ("RISK-09", [("DORA", "Art. 29(1)"), ("DORA", "Art. 28(4)(c)")]),
        ("RISK-11", [("DORA", "Art. 8(3)"), ("ISO 22301:2019", "8.2.1(b)")]),
        ("BIA-06", [("DORA", "Art. 12(6)")]),
        ("BIA-07", [("NIST SP 800-53", "CP-2 a.2"), ("NIST SP 800-53", "CP-2(8)")]),
        ("REC-03", [("DORA", "Art. 12(3)"), ("NIST SP 800-53", "CP-9(3)"), ("NIST SP 800-53", "CP-9(7)")]),
        ("REC-04", [("NIST SP 800-53", "CP-9(2)"), ("NIST SP 800-53", "CP-4"), ("DORA", "Art. 12(2)")]),
        ("REC-06", [("NIST SP 800-53", "CP-8(2)"), ("NIST SP 800-53", "CP-8(3)"), ("NIST SP 800-53", "CP-8(5)")]),
        ("REC-08", [("NIST SP 800-53", "CP-10(4)")]),
        ("REC-18", [("ISO 22301:2019", "8.4.4"), ("ISO 22301:2019", "8.4.5")]),
        ("TEST-12", [("ISO 22301:2019", "8.5")]),
        ("TEST-14", [("DORA", "Art. 24(5)")]),
        ("GOV-04", [("ISO 22301:2019", "8.4.2")]),
        ("GOV-05", [("DORA", "Art. 5(2)(g)")]),
        ("GOV-08", [("ISO 22301:2019", "8.4.3"), ("DORA", "Art. 14(1)")]),
    ],
)
def test_2026_2_carries_the_reference_corrections_of_the_review(question_id: str, cited: list[tuple[str, str]]) -> None:
    refs = {(r.standard, r.ref) for r in _shipped(LATEST).question(question_id).references}
    assert [c for c in cited if c not in refs] == []


@pytest.mark.parametrize(("question_id", "relation"), [("TEST-10", "related"), ("REC-14", "by_analogy")])
def test_references_that_only_neighbour_the_practice_are_marked_as_such(question_id: str, relation: str) -> None:
    relations = {r.relation for r in _shipped(LATEST).question(question_id).references if r.standard == "DORA"}
    assert relation in relations


def test_dora_article_12_5_is_cited_only_by_analogy() -> None:
    direct = [
        x.id
        for x in _shipped(LATEST).questions
        for r in x.references
        if (r.standard, r.ref) == ("DORA", "Art. 12(5)") and r.relation != "by_analogy"
    ]
    assert direct == []


@pytest.mark.parametrize(
    ("question_id", "weight", "na_allowed"),
    [("REC-13", 2, True), ("TEST-05", 3, False), ("TEST-06", 1, False), ("REC-14", 3, False)],
)
def test_2026_2_weights_and_na_follow_the_review(question_id: str, weight: int, na_allowed: bool) -> None:
    question = _shipped(LATEST).question(question_id)
    assert (question.weight, question.na_allowed) == (weight, na_allowed)


@pytest.mark.parametrize(
    ("question_id", "replaced"),
    [
        ("REC-14", ["RISK-08", "REC-05"]),
        ("TEST-14", ["TEST-13", "GOV-11"]),
        ("REC-18", ["REC-09", "GOV-13"]),
        ("GOV-15", ["GOV-12", "RISK-12"]),
    ],
)
def test_overlapping_practices_of_2026_1_are_merged_into_one_question(question_id: str, replaced: list[str]) -> None:
    assert sorted(_shipped(LATEST).question(question_id).replaces) == sorted(replaced)


@pytest.mark.parametrize(
    ("question_id", "words"),
    [
        ("REC-15", ["clean", "restore point"]),
        ("REC-16", ["identity", "dns"]),
        ("GOV-16", ["stand", "failback"]),
        ("GOV-17", ["notif", "regulat"]),
        ("GOV-18", ["key", "people"]),
        ("REC-17", ["security"]),
        ("GOV-19", ["contract"]),
        ("BIA-14", ["inventory"]),
        ("BIA-15", ["capacity"]),
    ],
)
def test_2026_2_asks_about_the_practices_the_review_found_missing(question_id: str, words: list[str]) -> None:
    question = _shipped(LATEST).question(question_id)
    text = " ".join([question.text, question.guidance, *question.levels.values()]).lower()
    assert [w for w in words if w not in text] == []


def test_every_2026_1_id_is_kept_replaced_or_retired_in_2026_2() -> None:
    older, newer = _shipped("2026.1"), _shipped(LATEST)
    assert newer.previous_version == older.version
    kept = {x.id for x in newer.questions}
    replaced = set(newer.replaced_by())
    retired = {r.id for r in newer.retired}
    unaccounted = [x.id for x in older.questions if x.id not in kept | replaced | retired]
    assert unaccounted == []
    assert (replaced | retired) <= {x.id for x in older.questions}
    assert kept.isdisjoint(replaced | retired)


@pytest.mark.parametrize(
    ("standard", "ref", "ok"),
    [
        ("ISO 22301:2019", "8.2.1(b)", True),
        ("ISO 22301:2019", "8.4", True),
        ("ISO 22301:2019", "8.2.1 b", False),
        ("DORA", "Art. 24(1)(a)(iv)", True),
        ("DORA", "Art. 28(4)(c)", True),
        ("DORA", "Article 28", False),
        ("DORA RTS 2024/1774", "Art. 24(1)(a)(iv)", True),
        ("NIST SP 800-53", "CP-2 a.2", True),
        ("NIST SP 800-53", "CP-7 c", True),
        ("NIST SP 800-53", "CP-9(3)", True),
        ("NIST SP 800-53", "CP-9 (3)", False),
        ("NIST SP 800-53", "SC-7", False),
    ],
)
def test_2026_2_reference_forms_accept_the_documented_forms_and_refuse_others(
    standard: str, ref: str, ok: bool
) -> None:
    pattern = _declared_patterns(LATEST)[standard]
    assert bool(pattern.fullmatch(ref)) is ok
