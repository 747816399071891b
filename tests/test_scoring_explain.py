"""The worked example of a domain's score and stage agrees with the scoring it explains."""

from __future__ import annotations

import pytest
from hypothesis import given, settings
from hypothesis import strategies as st

from scoring import NA, Response, ScoringError, score_assessment
from scoring.explain import explain_domain
from tests.scoring_fixtures import question, questionnaire

Q = questionnaire(
    [
        question("A-01", weight=2),
        question("A-02", weight=3),
        question("A-03", weight=1, na_allowed=True),
        question("A-04"),
    ]
)


def test_explanation_lists_terms_na_and_unanswered_questions() -> None:
    result = score_assessment(
        Q, [Response("A-01", "r", 3), Response("A-02", "r", 2), Response("A-03", "r", None, True)]
    )
    explanation = explain_domain(Q, result.questions, "A")
    assert [(t.question_id, t.level, t.weight) for t in explanation.terms] == [("A-01", 3, 2.0), ("A-02", 2, 3.0)]
    assert explanation.not_applicable == ("A-03",)
    assert explanation.unanswered == ("A-04",)
    # (3×2 + 2×3) / (2 + 3) = 12 / 5 = 2.4
    assert explanation.formula() == "(3×2 + 2×3) / (2 + 3) = 12 / 5 = 2.40"
    # Share at or above 2: 5/5 = 1.0 reaches 0.8; at or above 3: 2/5 = 0.4 does not, so stage 2.
    shares = {s.level: (s.share, s.reaches_threshold) for s in explanation.shares}
    assert shares[2] == (1.0, True)
    assert shares[3] == (0.4, False)
    assert explanation.stage == 2


def test_explanation_of_an_unanswered_domain_has_no_score_or_stage() -> None:
    explanation = explain_domain(Q, score_assessment(Q, []).questions, "A")
    assert explanation.score is None
    assert explanation.stage is None
    assert explanation.formula() == "no answered question: no score"


def test_explaining_an_unknown_domain_is_a_scoring_error() -> None:
    with pytest.raises(ScoringError, match="unknown domain 'Z'"):
        explain_domain(Q, {}, "Z")


@settings(max_examples=100, deadline=None)
@given(st.lists(st.one_of(st.none(), st.integers(1, 5)), min_size=4, max_size=4), st.booleans())
def test_explanation_matches_the_domain_score_and_stage(levels: list[int | None], na: bool) -> None:
    responses = [Response(f"A-0{i + 1}", "r", level) for i, level in enumerate(levels) if level is not None]
    consensus = {"A-03": NA} if na else None
    result = score_assessment(Q, responses, consensus)
    explanation = explain_domain(Q, result.questions, "A")
    domain = result.domain("A")
    assert explanation.stage == domain.stage
    assert explanation.score == pytest.approx(domain.score) if domain.score is not None else explanation.score is None
