"""Everything known about one assessment, gathered from storage and scored: what pages and exports show.

No streamlit here: pages and the exporters call these functions and draw or write what they return.
"""

from __future__ import annotations

import threading
from collections.abc import Collection, Iterable, Sequence
from dataclasses import dataclass
from datetime import date

import pandas as pd
from sqlite_utils import Database

from evidence.model import Evidence
from questionnaires.catalog import UnknownQuestionnaire, get_questionnaire
from questionnaires.model import Questionnaire
from scoring import (
    NA,
    AssessmentScore,
    BenchmarkResult,
    Comparison,
    PeerFilter,
    Period,
    Response,
    RoadmapStep,
    VersionOnlyQuestion,
    benchmark,
    build_roadmap,
    compare,
    domain_trend,
    question_trend,
    score_assessment,
    score_columns,
    select_peer_group,
    target_trend,
    trend_point,
    version_only_questions,
)
from scoring.benchmark import LOCAL_SOURCE, pack_peers
from scoring.business_case import Assumptions, BusinessCase, assumptions_with, business_case, step_services
from scoring.confidence import DomainConfidence, domain_confidence, newest_evidence_dates
from scoring.evidenced import EvidencedScore, score_evidenced
from scoring.what_if import WhatIf, raise_overall_stage
from storage import (
    benchmark_data,
    get_assessment,
    get_organisation,
    list_answers,
    list_assessments,
    list_consensus,
    list_respondents,
    list_roadmap_items,
    list_targets,
)
from storage.benchmark import benchmark_change_mark, benchmark_pack_rows, database_key, open_in_workshop
from storage.business_case import StoredAssumptions, load_assumptions, save_assumptions
from storage.evidence import count_evidence, load_evidence
from storage.records import Answer, Assessment, Consensus, Organisation, Respondent, RoadmapItem
from storage.workshop import get_workshop


@dataclass(frozen=True)
class AssessmentReport:
    """One assessment with its organisation, questionnaire, people, answers and scores."""

    assessment: Assessment
    organisation: Organisation
    questionnaire: Questionnaire
    respondents: tuple[Respondent, ...]
    answers: tuple[Answer, ...]
    consensus: tuple[Consensus, ...]
    targets: dict[str, int]
    score: AssessmentScore

    def answers_of(self, respondent_id: int) -> dict[str, Answer]:
        """Return one respondent's answers by question id."""
        return {a.question_id: a for a in self.answers if a.respondent_id == respondent_id}


def responses_of(answers: Iterable[Answer]) -> list[Response]:
    """Turn stored answers into scoring responses (respondents named by their id)."""
    return [
        Response(a.question_id, str(a.respondent_id), a.level, a.na) for a in answers if a.level is not None or a.na
    ]


def consensus_of(consensus: Iterable[Consensus]) -> dict[str, object]:
    """Turn stored consensus rows into the mapping scoring expects (a level or NA per question)."""
    return {c.question_id: (NA if c.na else c.level) for c in consensus}


def load_report(db: Database, assessment_id: int, *, with_hidden_votes: bool = False) -> AssessmentReport:
    """Load and score one assessment.

    While the room votes with hidden votes (the open question, or the questions of the open domain, of a
    facilitated workshop), those votes are left out
    (of the answers, the scores and everything shown or exported from them) until the facilitator
    reveals them; `with_hidden_votes` keeps them, for a complete copy of the data (JSON export).
    """
    assessment = get_assessment(db, assessment_id)
    questionnaire = get_questionnaire(assessment.questionnaire_id, assessment.questionnaire_version)
    answers = list_answers(db, assessment_id)
    if not with_hidden_votes:
        hidden = set(get_workshop(db, assessment_id).hidden_votes(questionnaire.questions))
        answers = tuple(a for a in answers if a.question_id not in hidden)
    consensus = list_consensus(db, assessment_id)
    targets = list_targets(db, assessment_id)
    score = score_assessment(questionnaire, responses_of(answers), consensus_of(consensus), targets)
    return AssessmentReport(
        assessment=assessment,
        organisation=get_organisation(db, assessment.organisation_id),
        questionnaire=questionnaire,
        respondents=list_respondents(db, assessment_id),
        answers=answers,
        consensus=consensus,
        targets=score.targets,
        score=score,
    )


def evidenced_score(db: Database, report: AssessmentReport, today: date | None = None) -> EvidencedScore | None:
    """Return the assessment scored as answered and as evidenced, or None when its organisation has no evidence.

    The evidence is the organisation's service register and exercise and incident log as they stand now,
    checked as of `today` (default: the current date). An organisation with neither a register nor a log
    gets None, so nothing changes for one that does not use them.
    """
    if count_evidence(db, [report.organisation.id]) == (0, 0):
        return None
    return _evidenced(report, load_evidence(db, report.organisation.id), today)


def _evidenced(report: AssessmentReport, evidence: Evidence, today: date | None) -> EvidencedScore | None:
    if not evidence.services and not evidence.exercises:
        return None
    return score_evidenced(report.questionnaire, report.score, evidence, today or date.today())


def confidence_by_domain(
    report: AssessmentReport, evidenced: EvidencedScore | None, today: date | None = None
) -> dict[str, DomainConfidence]:
    """Return each domain's confidence (scoring.confidence) from the answers' evidence dates, spread and checks.

    `evidenced` is `evidenced_score(db, report)`: its unsupported claims lower the domains they are in
    (None, for an organisation without a register or log, lowers nothing).
    """
    dates = newest_evidence_dates((a.question_id, a.evidence_date) for a in report.answers)
    claims = () if evidenced is None else evidenced.claims
    return domain_confidence(report.questionnaire, report.score.questions, dates, claims, today or date.today())


def assumptions_of(db: Database, report: AssessmentReport) -> Assumptions:
    """Return the business-case assumptions of the report's organisation: what it set, else the defaults."""
    stored = load_assumptions(db, report.organisation.id)
    return assumptions_with(report.questionnaire, stored.disruptions_per_year, stored.rto_multiples)


def business_case_of(db: Database, report: AssessmentReport, today: date | None = None) -> BusinessCase | None:
    """Return the assessment's business case, or None when its organisation's register has no service.

    The register and log as they stand now, tests after `today` (default: the current date) left out.
    """
    steps = build_roadmap(report.questionnaire, report.score.questions, report.targets)
    return _business_case(db, report, steps, load_evidence(db, report.organisation.id), today)


def _business_case(
    db: Database, report: AssessmentReport, steps: Sequence[RoadmapStep], evidence: Evidence, today: date | None
) -> BusinessCase | None:
    if not evidence.services:
        return None
    return business_case(
        report.questionnaire, report.score.questions, steps, evidence, assumptions_of(db, report), today or date.today()
    )


def save_business_case_assumptions(
    db: Database, report: AssessmentReport, disruptions_per_year: float, rto_multiples: dict[int, float]
) -> Assumptions:
    """Check and store the organisation's business-case assumptions; raises ScoringError, storing nothing, when unusable."""
    checked = assumptions_with(report.questionnaire, disruptions_per_year, rto_multiples)
    save_assumptions(
        db, report.organisation.id, StoredAssumptions(checked.disruptions_per_year, dict(checked.rto_multiples))
    )
    return checked


def protected_services(db: Database, report: AssessmentReport) -> dict[int, tuple[str, ...]]:
    """Return, per roadmap step order, the names of the organisation's services the step protects."""
    evidence = load_evidence(db, report.organisation.id)
    steps = build_roadmap(report.questionnaire, report.score.questions, report.targets)
    return step_services(report.questionnaire, steps, evidence)


def what_if_of(report: AssessmentReport) -> WhatIf:
    """Return the smallest set of the assessment's roadmap steps that raises its overall stage by one."""
    steps = build_roadmap(report.questionnaire, report.score.questions, report.targets)
    return raise_overall_stage(report.questionnaire, report.score, steps)


@dataclass(frozen=True)
class AssessmentInView:
    """An assessment with its organisation, questionnaire and people, without answers or scores.

    What the questionnaire page needs to show one respondent's questions: it loads that
    respondent's answers itself, so a participant's page never reads or scores anyone else's.
    """

    assessment: Assessment
    organisation: Organisation
    questionnaire: Questionnaire
    respondents: tuple[Respondent, ...]


def load_assessment_in_view(db: Database, assessment_id: int) -> AssessmentInView:
    """Load an assessment's facts and people, without answers or scores."""
    assessment = get_assessment(db, assessment_id)
    return AssessmentInView(
        assessment=assessment,
        organisation=get_organisation(db, assessment.organisation_id),
        questionnaire=get_questionnaire(assessment.questionnaire_id, assessment.questionnaire_version),
        respondents=list_respondents(db, assessment_id),
    )


@dataclass(frozen=True)
class AssessmentSummary:
    """One line of an organisation's list of assessments.

    `questionnaire` is None when the questionnaire the assessment was started with cannot be
    loaded (removed, or broken); `problem` then says which one and why, and there are no figures.
    """

    assessment: Assessment
    questionnaire: Questionnaire | None
    completeness: float
    overall_stage: int | None
    overall_score: float | None
    problem: str | None = None


def summaries(db: Database, organisation_id: int) -> list[AssessmentSummary]:
    """Summarise an organisation's assessments, newest first; one that cannot be loaded says why."""
    rows = []
    for assessment in sorted(
        list_assessments(db, organisation_id), key=lambda a: (a.assessment_date, a.id), reverse=True
    ):
        try:
            view = load_report(db, assessment.id)
        except UnknownQuestionnaire as exc:
            rows.append(AssessmentSummary(assessment, None, 0.0, None, None, problem=str(exc)))
            continue
        rows.append(
            AssessmentSummary(
                assessment=assessment,
                questionnaire=view.questionnaire,
                completeness=view.score.overall.completeness,
                overall_stage=view.score.overall.stage,
                overall_score=view.score.overall.score,
            )
        )
    return rows


@dataclass(frozen=True)
class PlannedStep:
    """A roadmap step with what the organisation has planned for it (owner, due date, status)."""

    step: RoadmapStep
    owner: str
    due_date: date | None
    status: str


def planned_roadmap(db: Database, view: AssessmentReport) -> list[PlannedStep]:
    """Build the roadmap for an assessment and join the owners, dates and statuses saved for it."""
    return _planned(db, view, build_roadmap(view.questionnaire, view.score.questions, view.targets))


def _planned(db: Database, view: AssessmentReport, steps: Sequence[RoadmapStep]) -> list[PlannedStep]:
    saved: dict[tuple[str, int], RoadmapItem] = {
        (item.question_id, item.to_level): item for item in list_roadmap_items(db, view.assessment.id)
    }
    planned = []
    for step in steps:
        item = saved.get((step.question_id, step.to_level))
        planned.append(
            PlannedStep(
                step=step,
                owner=item.owner if item else "",
                due_date=item.due_date if item else None,
                status=item.status if item else "planned",
            )
        )
    return planned


@dataclass(frozen=True)
class RoadmapFacts:
    """What the Roadmap page shows beside the steps, from one build of the roadmap and one load of the evidence."""

    planned: list[PlannedStep]
    evidenced: EvidencedScore | None  # None: the organisation has no register and no log
    business_case: BusinessCase | None  # None: its register has no service
    what_if: WhatIf
    protects: dict[int, tuple[str, ...]]  # per step order, the services the step protects


def roadmap_facts(db: Database, report: AssessmentReport, today: date | None = None) -> RoadmapFacts:
    """Return the planned roadmap, the score as evidenced, the business case, the what-if and the services protected.

    The same as planned_roadmap, evidenced_score, business_case_of, what_if_of and protected_services, with the
    roadmap built once and the organisation's register and log read once.
    """
    steps = build_roadmap(report.questionnaire, report.score.questions, report.targets)
    evidence = load_evidence(db, report.organisation.id)
    return RoadmapFacts(
        planned=_planned(db, report, steps),
        evidenced=_evidenced(report, evidence, today),
        business_case=_business_case(db, report, steps, evidence, today),
        what_if=raise_overall_stage(report.questionnaire, report.score, steps),
        protects=step_services(report.questionnaire, steps, evidence),
    )


_PEER_TABLES: dict[tuple[str, str], tuple[tuple[object, ...], pd.DataFrame]] = {}
_PEER_TABLES_LOCK = threading.Lock()
_PEER_TABLES_KEPT = 32
"""Questionnaires x databases whose peer tables stay in memory; the oldest goes first."""


def _scored_latest(db: Database, questionnaire_id: str) -> pd.DataFrame:
    """Score the latest completed assessment of every organisation from three queries, not one per assessment."""
    data = benchmark_data(db, questionnaire_id)
    latest = data.assessments.drop(columns=["organisation_name", "label"])
    hidden = open_in_workshop(db, questionnaire_id)
    answers: dict[int, list[Response]] = {}
    for assessment_id, respondent_id, question_id, level, na in data.answers.itertuples(index=False):
        answers.setdefault(int(assessment_id), []).append(
            Response(question_id, str(respondent_id), None if pd.isna(level) else int(level), bool(na))
        )
    agreed: dict[int, dict[str, object]] = {}
    for assessment_id, question_id, level, na in data.consensus.itertuples(index=False):
        agreed.setdefault(int(assessment_id), {})[question_id] = NA if na else (None if pd.isna(level) else int(level))
    rows: list[dict[str, float | None]] = []
    for assessment_id, version in zip(latest["assessment_id"], latest["questionnaire_version"], strict=True):
        if int(assessment_id) in hidden:
            # Votes the room has not seen yet stay out of every score, as on the assessment's own pages.
            score = load_report(db, int(assessment_id)).score
        else:
            questionnaire = get_questionnaire(questionnaire_id, version)
            score = score_assessment(questionnaire, answers.get(int(assessment_id), []), agreed.get(int(assessment_id)))
        rows.append(score_columns(score))
    scores = pd.DataFrame.from_records(rows, index=latest.index) if rows else pd.DataFrame(index=latest.index)
    return pd.concat([latest, scores], axis=1).assign(year=latest["assessment_date"].dt.year, source=LOCAL_SOURCE)


def peer_table(db: Database, questionnaire_id: str) -> pd.DataFrame:
    """Return every possible peer on a questionnaire with its scores, from this installation and imported packs.

    One row per organisation (its latest completed assessment) and per imported pack row. The table
    holds identities and single scores: it is for the core's statistics only, never shown or passed to
    a page. It is kept in memory per database file and questionnaire, keyed by a mark of the latest
    change (any answer, agreed answer, assessment or import), so reruns do not score every peer again.
    """
    key = database_key(db)
    mark = benchmark_change_mark(db, questionnaire_id)
    if key is not None:
        with _PEER_TABLES_LOCK:
            cached = _PEER_TABLES.get((key, questionnaire_id))
        if cached is not None and cached[0] == mark:
            return cached[1]
    table = pd.concat(
        [_scored_latest(db, questionnaire_id), pack_peers(benchmark_pack_rows(db, questionnaire_id))],
        ignore_index=True,
    )
    if key is not None:
        with _PEER_TABLES_LOCK:
            _PEER_TABLES.pop((key, questionnaire_id), None)
            _PEER_TABLES[(key, questionnaire_id)] = (mark, table)
            while len(_PEER_TABLES) > _PEER_TABLES_KEPT:
                _PEER_TABLES.pop(next(iter(_PEER_TABLES)))
    return table


def peer_benchmark(db: Database, report: AssessmentReport, peer_filter: PeerFilter | None = None) -> BenchmarkResult:
    """Compare an assessment with the latest completed assessment of every other organisation.

    Peers are chosen by `select_peer_group` (so illustrative organisations are only ever peers of
    illustrative ones, real of real) and scored by the same rules; peers of imported benchmark packs
    count too, labelled by source. With fewer than the questionnaire's minimum peer group (never
    under 5) the result carries no figures, so no organisation can be singled out. Only aggregates
    leave: the result holds no identity and no single peer's score.
    """
    chosen = select_peer_group(
        peer_table(db, report.questionnaire.id),
        report.questionnaire.id,
        report.organisation.id,
        peer_filter,
        subject_illustrative=report.organisation.illustrative,
        date_column="assessment_date",
    )
    subject = score_columns(report.score)
    # A domain no peer's questionnaire version has is a column of blanks: its figure is withheld.
    absent = {score_id: float("nan") for score_id in subject if score_id not in chosen.columns}
    return benchmark(chosen.assign(**absent), subject, report.questionnaire.scoring.min_peer_group)


def organisation_trend(db: Database, report: AssessmentReport) -> tuple[pd.DataFrame, pd.DataFrame]:
    """The organisation's assessments on this questionnaire up to this one: by domain and by question."""
    earlier = [
        a
        for a in list_assessments(db, report.organisation.id)
        if a.questionnaire_id == report.questionnaire.id and a.assessment_date <= report.assessment.assessment_date
    ]
    points = [
        trend_point(a.label, a.assessment_date, load_report(db, a.id).score)
        for a in sorted(earlier, key=lambda a: (a.assessment_date, a.id))
    ]
    return domain_trend(points), question_trend(points)


@dataclass(frozen=True)
class OrganisationHistory:
    """An organisation's assessments on one questionnaire (any of its versions), oldest first, each scored.

    `domains` and `targets` are `scoring.domain_trend` and `scoring.target_trend` of them;
    `version_only` lists the questions some of their versions lack (empty on one version). An
    assessment whose questionnaire version is not installed is left out, and `skipped` says which and why.
    """

    reports: tuple[AssessmentReport, ...]
    domains: pd.DataFrame
    targets: pd.DataFrame
    version_only: tuple[VersionOnlyQuestion, ...]
    skipped: tuple[str, ...]

    def previous(self, assessment_id: int) -> AssessmentReport | None:
        """Return the assessment just before this one, or None for the first (or one not in the history)."""
        ids = [r.assessment.id for r in self.reports]
        index = ids.index(assessment_id) if assessment_id in ids else 0
        return self.reports[index - 1] if index > 0 else None


def organisation_history(db: Database, organisation_id: int, questionnaire_id: str) -> OrganisationHistory:
    """Load and score every assessment of an organisation on one questionnaire, in date order, for its trends."""
    reports: list[AssessmentReport] = []
    skipped: list[str] = []
    ordered = sorted(list_assessments(db, organisation_id), key=lambda a: (a.assessment_date, a.id))
    for assessment in ordered:
        if assessment.questionnaire_id != questionnaire_id:
            continue
        try:
            reports.append(load_report(db, assessment.id))
        except UnknownQuestionnaire as exc:
            skipped.append(f"{assessment.label}: {exc}")
    points = [trend_point(r.assessment.label, r.assessment.assessment_date, r.score) for r in reports]
    return OrganisationHistory(
        reports=tuple(reports),
        domains=domain_trend(points),
        targets=target_trend(points),
        version_only=version_only_questions([r.questionnaire for r in reports]),
        skipped=tuple(skipped),
    )


def _period(db: Database, report: AssessmentReport) -> Period:
    done = frozenset(
        (item.question_id, item.to_level)
        for item in list_roadmap_items(db, report.assessment.id)
        if item.status == "done"
    )
    return Period(report.assessment.label, report.assessment.assessment_date, report.questionnaire, report.score, done)


def compare_reports(db: Database, earlier: AssessmentReport, later: AssessmentReport) -> Comparison:
    """Compare two scored assessments (`scoring.compare`), with the roadmap steps marked done on each."""
    return compare(_period(db, earlier), _period(db, later))


@dataclass(frozen=True)
class RespondentAnswer:
    """What one respondent answered to one question: a level, N/A, or nothing yet, with their comment."""

    respondent_id: int
    name: str
    level: int | None
    na: bool
    comment: str

    @property
    def answered(self) -> bool:
        """Whether the respondent gave a level or N/A."""
        return self.na or self.level is not None


@dataclass(frozen=True)
class QuestionAnswers:
    """One question of a multi-respondent assessment: who answered what, the spread, and the answer used.

    `answers` has one entry per respondent, in the order they joined (unanswered ones included).
    `level`/`na` is the assessment's answer (the agreed one when `agreed`, else the lower median);
    `rationale` and `agreed_by` come with an agreed answer and are empty otherwise.
    """

    question_id: str
    domain_id: str
    answers: tuple[RespondentAnswer, ...]
    spread: int | None
    disagreement: bool
    level: int | None
    na: bool
    agreed: bool
    rationale: str
    agreed_by: str


def answers_by_respondent(report: AssessmentReport, hidden: Collection[str] = ()) -> tuple[QuestionAnswers, ...]:
    """Return, in questionnaire order, each question someone answered or agreed: who answered what and the outcome.

    Questions in `hidden` (a facilitated vote not revealed yet) are left out, so a screen the room
    can see never shows votes before the facilitator reveals them. Spread, disagreement and the
    answer used are the scores' own (report.score), so this table and the results never differ.
    """
    left_out = set(hidden)
    given: dict[tuple[int, str], Answer] = {(a.respondent_id, a.question_id): a for a in report.answers}
    agreed = {c.question_id: c for c in report.consensus}
    rows = []
    for question in report.questionnaire.questions:
        result = report.score.questions.get(question.id)
        if question.id in left_out or result is None:
            continue
        answers = []
        for respondent in report.respondents:
            answer = given.get((respondent.id, question.id))
            answers.append(
                RespondentAnswer(
                    respondent_id=respondent.id,
                    name=respondent.name,
                    level=None if answer is None else answer.level,
                    na=answer is not None and answer.na,
                    comment="" if answer is None else answer.comment,
                )
            )
        consensus = agreed.get(question.id)
        if consensus is None and not any(answer.answered for answer in answers):
            continue
        rows.append(
            QuestionAnswers(
                question_id=question.id,
                domain_id=question.domain,
                answers=tuple(answers),
                spread=result.spread,
                disagreement=result.disagreement,
                level=result.level,
                na=result.na,
                agreed=consensus is not None,
                rationale="" if consensus is None else consensus.note,
                agreed_by="" if consensus is None else consensus.set_by,
            )
        )
    return tuple(rows)
