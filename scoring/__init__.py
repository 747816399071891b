"""The scoring engine: pure functions from answers to scores, stages, roadmaps, benchmarks and trends.

Nothing here reads files or databases or keeps state; every function takes plain data (the
questionnaire model, frozen dataclasses, pandas DataFrames) and returns new data.

Answers and consensus (scoring.responses)
    Response(question_id, respondent, level, na=False)      one respondent's answer
    NA                                                      a consensus of "not applicable"
    resolve_questions(questionnaire, responses, consensus=None) -> dict[str, QuestionResult]
        QuestionResult(question_id, domain_id, level, na, answered, respondent_levels, na_votes,
                       spread, disagreement, from_consensus)

Scores, stages, completeness and gaps (scoring.assessment, scoring.domains, scoring.targets)
    score_assessment(questionnaire, responses, consensus=None, targets=None) -> AssessmentScore
    score_questions(questionnaire, questions, targets=None) -> AssessmentScore
        AssessmentScore(overall: OverallScore, domains: tuple[DomainScore, ...], questions, targets)
        OverallScore(score, stage, completeness, answered, total, provisional)
        DomainScore(domain_id, name, weight, score, stage, completeness, answered, not_applicable,
                    total, target, gap, provisional)
    resolve_targets(questionnaire, targets=None) -> dict[str, int]

Roadmap (scoring.roadmap)
    build_roadmap(questionnaire, questions, targets=None, capacities=None) -> tuple[RoadmapStep, ...]
        RoadmapStep(order, question_id, domain_id, practice, from_level, to_level, action, effort,
                    points, priority, phase_index, phase_name, overflow)
    phase_loads(questionnaire, steps, capacities=None) -> tuple[PhaseLoad, ...]
    roadmap_is_provisional(questions) -> bool

Peer benchmark (scoring.benchmark)
    select_peer_group(assessments, questionnaire_id, subject_organisation_id, peer_filter=None,
                      *, subject_illustrative, date_column="completed_at", completed_status="completed")
        -> DataFrame (illustrative and real organisations are never each other's peers)
    benchmark(peers, subject_scores, min_peer_group=5) -> BenchmarkResult(n, min_peer_group, figures, reason)
        PeerFigure(score_id, n, subject_score, percentile_rank, q1, median, q3, reason)
    score_columns(assessment_score) -> {"overall": score, domain_id: score, ...}

Trends (scoring.trends)
    trend_point(label, date, assessment_score) -> TrendPoint
    domain_trend(points) -> DataFrame[label, date, domain_id, score, stage, score_change, stage_change]
    question_trend(points) -> DataFrame[label, date, question_id, level, level_change]
    target_trend(points) -> DataFrame[label, date, domain_id, target] (trend points carry each assessment's targets)

Two assessments compared (scoring.comparison)
    compare(earlier: Period, later: Period) -> Comparison(earlier, later, overall, domains, practices, completed)
        Period(label, date, questionnaire, score, done=frozenset of (question_id, level) marked done)
        DomainChange(domain_id, name, earlier, later, direction, improved, declined, unchanged),
            .score_change, .stage_change
        PracticeChange(question_id, domain_id, practice, earlier_level, earlier_na, later_level, later_na,
                       direction, earlier_statement, later_statement)
        CompletedStep(question_id, domain_id, practice, to_level, action, earlier_level, later_level,
                      marked_done, reached)
        direction: improved, declined, unchanged, not comparable, new or dropped
    completed_steps(earlier, later) -> tuple[CompletedStep, ...]
    version_only_questions(questionnaires) -> tuple[VersionOnlyQuestion(question_id, domain_id, text, versions), ...]

Workshops (scoring.workshop)
    distributions(questionnaire, responses, agreements=()) -> tuple[Distribution, ...]
        Distribution(question_id, domain_id, counts, na_votes, votes, median, spread, disagreement, agreed),
        .open_disagreement
    disagreements_first(distributions) -> the open disagreements (widest spread first), then the rest
    open_disagreements(distributions) -> the open disagreements only
    summary(questionnaire, responses, agreements=()) -> WorkshopSummary(agreed, open, settled)
        AgreedItem(question_id, domain_id, level, na, note, set_by, distribution)
    Agreement(question_id, level, na=False, note="", set_by="") is an agreed answer; storage's Consensus serves too

Claims checked against facts (scoring.evidence_checks, scoring.evidenced)
    run_check(check, evidence, today) -> CheckResult(check, supported, reason, shortfalls)
        check: a question's declared check (questionnaires.model.Check); evidence: evidence.model.Evidence
    CHECKS: {check name: function(evidence, parameters, today) -> CheckResult}, one per name of the format
    score_evidenced(questionnaire, answered: AssessmentScore, evidence, today) -> EvidencedScore
        EvidencedScore(answered: AssessmentScore, evidenced: AssessmentScore, questions), .claims
        EvidencedQuestion(question_id, domain_id, answered_level, evidenced_level, na, checked, claims), .capped
        UnsupportedClaim(question_id, check, from_level, answered, supported, reason, shortfalls), .sentence
            e.g. "REC-07 answered 4; the last failover of Payments took 9 h against an RTO of 4 h on
            12 Mar 2026: the facts support 3"
    evidence_questions(questionnaire, questions, evidence, today) -> dict[str, EvidencedQuestion]

Confidence per domain (scoring.confidence)
    evidence_freshness(evidence_date, today, valid_months) -> "fresh" | "stale" | "undated"
    newest_evidence_dates(pairs of (question_id, date or None)) -> {question_id: newest date}
    domain_confidence(questionnaire, results, evidence_dates, claims, today) -> {domain_id: DomainConfidence}
        DomainConfidence(domain_id, level "High" | "Medium" | "Low" | None, answered, fresh, stale, undated,
                         disagreements, unsupported, reasons), e.g. reason
            "3 of 12 answers have evidence older than 12 months: BIA-03, BIA-07, BIA-11"
    confidence_rule(questionnaire) -> the rule with the questionnaire's figures, as Results and the workbook state it

Business case and what-if (scoring.business_case, scoring.what_if)
    business_case(questionnaire, questions, steps, evidence, assumptions, today) -> BusinessCase
        BusinessCase(assumptions, currency, services, domains, phases, problem), .total, .removed, .not_costed
        ServiceExposure(service, tier, rto_hours, cost_per_hour, currency, recovery_hours, source, level,
                        domain_id, exposure, removed_by_phase), .remaining
        Assumptions(disruptions_per_year, rto_multiples); default_assumptions(questionnaire)
    raise_overall_stage(questionnaire, score, steps) -> WhatIf(current, reached, steps, reason), .points

Every rule is stated in the docstring of the module that implements it. Invalid input (an answer to
an unknown question, a level off the scale, N/A where it is not allowed, an unknown domain in the
targets) raises ScoringError with a message that says how to fix it.
"""

from scoring.assessment import AssessmentScore, score_assessment, score_questions
from scoring.benchmark import (
    OVERALL,
    BenchmarkResult,
    PeerFigure,
    PeerFilter,
    benchmark,
    score_columns,
    select_peer_group,
)
from scoring.comparison import (
    Comparison,
    CompletedStep,
    DomainChange,
    Period,
    PracticeChange,
    VersionOnlyQuestion,
    compare,
    completed_steps,
    version_only_questions,
)
from scoring.confidence import DomainConfidence, domain_confidence, evidence_freshness, newest_evidence_dates
from scoring.domains import DomainScore, OverallScore
from scoring.errors import ScoringError
from scoring.evidence_checks import CHECKS, CheckResult, run_check
from scoring.evidenced import EvidencedQuestion, EvidencedScore, UnsupportedClaim, evidence_questions, score_evidenced
from scoring.responses import NA, NotApplicable, QuestionResult, Response, lower_median, resolve_questions
from scoring.roadmap import PhaseLoad, RoadmapStep, build_roadmap, phase_loads, roadmap_is_provisional
from scoring.targets import gap, resolve_targets
from scoring.trends import ScorePoint, TrendPoint, domain_trend, question_trend, target_trend, trend_point
from scoring.workshop import (
    AgreedItem,
    Agreement,
    Distribution,
    WorkshopSummary,
    disagreements_first,
    distributions,
    open_disagreements,
    summary,
)

__all__ = [
    "CHECKS",
    "NA",
    "OVERALL",
    "AgreedItem",
    "Agreement",
    "AssessmentScore",
    "BenchmarkResult",
    "CheckResult",
    "Comparison",
    "CompletedStep",
    "Distribution",
    "DomainChange",
    "DomainConfidence",
    "DomainScore",
    "EvidencedQuestion",
    "EvidencedScore",
    "NotApplicable",
    "OverallScore",
    "PeerFigure",
    "PeerFilter",
    "Period",
    "PhaseLoad",
    "PracticeChange",
    "QuestionResult",
    "Response",
    "RoadmapStep",
    "ScorePoint",
    "ScoringError",
    "TrendPoint",
    "UnsupportedClaim",
    "VersionOnlyQuestion",
    "WorkshopSummary",
    "benchmark",
    "build_roadmap",
    "compare",
    "completed_steps",
    "disagreements_first",
    "distributions",
    "domain_confidence",
    "domain_trend",
    "evidence_freshness",
    "evidence_questions",
    "gap",
    "lower_median",
    "newest_evidence_dates",
    "open_disagreements",
    "phase_loads",
    "question_trend",
    "resolve_questions",
    "resolve_targets",
    "roadmap_is_provisional",
    "run_check",
    "score_assessment",
    "score_columns",
    "score_evidenced",
    "score_questions",
    "select_peer_group",
    "summary",
    "target_trend",
    "trend_point",
    "version_only_questions",
]
