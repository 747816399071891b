"""Everything known about one assessment, gathered from storage and scored: what pages and exports show.

No streamlit here: pages and the exporters call these functions and draw or write what they return.
"""

from __future__ import annotations

from collections.abc import Collection, Iterable
from dataclasses import dataclass
from datetime import date

import pandas as pd
from sqlite_utils import Database

from questionnaires.catalog import UnknownQuestionnaire, get_questionnaire
from questionnaires.model import Questionnaire
from scoring import (
    NA,
    AssessmentScore,
    BenchmarkResult,
    PeerFilter,
    Response,
    RoadmapStep,
    benchmark,
    build_roadmap,
    domain_trend,
    question_trend,
    score_assessment,
    score_columns,
    select_peer_group,
    trend_point,
)
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
    steps = build_roadmap(view.questionnaire, view.score.questions, view.targets)
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


def peer_benchmark(db: Database, report: AssessmentReport, peer_filter: PeerFilter | None = None) -> BenchmarkResult:
    """Compare an assessment with the latest completed assessment of every other organisation.

    Peers are chosen by `select_peer_group` (so illustrative organisations are only ever peers of
    illustrative ones, real of real) and scored by the same rules; with fewer than the
    questionnaire's minimum peer group (never under 5) the result carries no figures, so no
    organisation can be singled out.
    """
    latest = benchmark_data(db, report.questionnaire.id).assessments
    chosen = select_peer_group(
        latest,
        report.questionnaire.id,
        report.organisation.id,
        peer_filter,
        subject_illustrative=report.organisation.illustrative,
        date_column="assessment_date",
    )
    # Only the chosen peers are loaded and scored: the selection needs no scores.
    scores = [score_columns(load_report(db, int(assessment_id)).score) for assessment_id in chosen["assessment_id"]]
    peers = chosen.assign(
        **{score_id: [row.get(score_id) for row in scores] for score_id in score_columns(report.score)}
    )
    return benchmark(peers, score_columns(report.score), report.questionnaire.scoring.min_peer_group)


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
