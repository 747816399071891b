"""Illustrative demo data: its content and seed, loaded once, removed in one action, never a peer of real data."""

from __future__ import annotations

import itertools
import statistics
import subprocess
import sys
from collections import Counter
from collections.abc import Iterator
from datetime import date
from pathlib import Path

import pytest
from sqlite_utils import Database
from storage_helpers import ON_POSTGRES, build_questionnaire, child_env, table_counts

from demo.data import DemoDataExists, DemoNameTaken, DemoSummary, load_demo_data, remove_demo_data
from exports.report import business_case_of, confidence_by_domain, evidenced_score, load_report, peer_benchmark
from questionnaires.catalog import get_questionnaire
from questionnaires.model import Questionnaire
from scoring import (
    AssessmentScore,
    Response,
    build_roadmap,
    resolve_questions,
    score_assessment,
    select_peer_group,
)
from storage import (
    benchmark_data,
    create_assessment,
    create_organisation,
    get_or_create_respondent,
    list_answers,
    list_assessments,
    list_consensus,
    list_organisations,
    list_respondents,
    list_roadmap_items,
    list_targets,
    open_database,
    save_answer,
    set_assessment_status,
)
from storage.choices import INDUSTRIES, REGIONS, SIZE_BANDS
from storage.errors import StorageError
from storage.evidence import load_evidence
from storage.records import Assessment

YEARS = ("FY2024", "FY2025", "FY2026")


@pytest.fixture(scope="module")
def questionnaire() -> Questionnaire:
    return get_questionnaire("itscm", "2026.1")


@pytest.fixture(scope="module")
def loaded(
    tmp_path_factory: pytest.TempPathFactory, questionnaire: Questionnaire
) -> Iterator[tuple[Database, DemoSummary]]:
    database = open_database(tmp_path_factory.mktemp("demo") / "demo.db")
    summary = load_demo_data(database, questionnaire)
    yield database, summary
    database.close()


@pytest.fixture
def db(loaded: tuple[Database, DemoSummary]) -> Database:
    return loaded[0]


@pytest.fixture
def summary(loaded: tuple[Database, DemoSummary]) -> DemoSummary:
    return loaded[1]


def _assessments(db: Database) -> dict[tuple[str, str], Assessment]:
    """Every assessment by (organisation name, label)."""
    names = {organisation.id: organisation.name for organisation in list_organisations(db)}
    return {(names[a.organisation_id], a.label): a for a in list_assessments(db)}


def _responses(db: Database, assessment: Assessment) -> list[Response]:
    names = {respondent.id: respondent.name for respondent in list_respondents(db, assessment.id)}
    return [
        Response(answer.question_id, names[answer.respondent_id], answer.level, answer.na)
        for answer in list_answers(db, assessment.id)
    ]


def _consensus(db: Database, assessment: Assessment) -> dict[str, int | None]:
    return {agreed.question_id: agreed.level for agreed in list_consensus(db, assessment.id)}


def _score(db: Database, questionnaire: Questionnaire, assessment: Assessment) -> AssessmentScore:
    return score_assessment(
        questionnaire, _responses(db, assessment), _consensus(db, assessment), list_targets(db, assessment.id)
    )


def _answered_share(db: Database, questionnaire: Questionnaire, assessment: Assessment) -> float:
    answered = {answer.question_id for answer in list_answers(db, assessment.id) if answer.is_answered}
    return len(answered) / len(questionnaire.questions)


def _snapshot(db: Database) -> list[tuple[object, ...]]:
    """Everything the demo data wrote, without ids or timestamps, in a stable order."""
    rows: list[tuple[object, ...]] = []
    for organisation in list_organisations(db):
        rows.append((organisation.name, organisation.industry, organisation.size_band, organisation.region))
        for assessment in list_assessments(db, organisation.id):
            rows.append((organisation.name, assessment.label, assessment.assessment_date, assessment.status))
            names = {r.id: (r.name, r.role) for r in list_respondents(db, assessment.id)}
            rows += [
                (assessment.label, *names[a.respondent_id], a.question_id, a.level, a.na, a.comment, a.evidence)
                for a in list_answers(db, assessment.id)
            ]
            rows += [(assessment.label, c.question_id, c.level, c.note) for c in list_consensus(db, assessment.id)]
            rows += [(assessment.label, *target) for target in list_targets(db, assessment.id).items()]
            rows += [
                (assessment.label, i.question_id, i.to_level, i.owner, i.due_date, i.status)
                for i in list_roadmap_items(db, assessment.id)
            ]
    return rows


def test_demo_data_adds_eight_illustrative_organisations_with_distinct_plausible_names(db: Database) -> None:
    organisations = list_organisations(db)
    names = [organisation.name for organisation in organisations]
    assert len(organisations) == 8
    assert all(organisation.illustrative for organisation in organisations)
    assert len({name.casefold() for name in names}) == 8
    assert not [name for name in names if "demo" in name.casefold() or "illustrative" in name.casefold()]


def test_organisations_span_several_industries_size_bands_and_regions(db: Database) -> None:
    organisations = list_organisations(db)
    assert len({o.industry for o in organisations}) >= 6
    assert {o.size_band for o in organisations} == set(SIZE_BANDS)
    assert {o.region for o in organisations} == set(REGIONS)
    assert {o.industry for o in organisations} <= set(INDUSTRIES)
    assert Counter(o.industry for o in organisations)["Financial services"] == 2


def test_each_organisation_has_three_yearly_assessments_dated_in_their_year(
    db: Database, questionnaire: Questionnaire
) -> None:
    for organisation in list_organisations(db):
        assessments = list_assessments(db, organisation.id)
        assert [a.label for a in assessments] == list(YEARS)
        assert [a.assessment_date.year for a in assessments] == [2024, 2025, 2026]
        assert {(a.questionnaire_id, a.questionnaire_version) for a in assessments} == {
            (questionnaire.id, questionnaire.version)
        }


def test_fy2026_is_in_progress_for_two_organisations_and_every_other_assessment_is_completed(db: Database) -> None:
    statuses = Counter((label, a.status) for (_name, label), a in _assessments(db).items())
    assert statuses == {
        ("FY2024", "completed"): 8,
        ("FY2025", "completed"): 8,
        ("FY2026", "completed"): 6,
        ("FY2026", "in_progress"): 2,
    }
    completed = [a for a in list_assessments(db) if a.status == "completed"]
    assert all(a.completed_at is not None for a in completed)


def test_completed_assessments_answer_everything_and_those_in_progress_sixty_to_eighty_percent(
    db: Database, questionnaire: Questionnaire
) -> None:
    for assessment in list_assessments(db):
        share = _answered_share(db, questionnaire, assessment)
        if assessment.status == "completed":
            assert share == 1.0
        else:
            assert 0.6 <= share <= 0.8


def test_summary_counts_match_what_the_database_holds(db: Database, summary: DemoSummary) -> None:
    assessments = list_assessments(db)
    assert summary.organisations == len(list_organisations(db)) == 8
    assert summary.assessments == len(assessments) == 24
    assert summary.completed_assessments == sum(a.status == "completed" for a in assessments) == 22
    assert summary.respondents == sum(len(list_respondents(db, a.id)) for a in assessments)
    assert summary.answers == sum(len(list_answers(db, a.id)) for a in assessments)
    assert summary.consensus == sum(len(list_consensus(db, a.id)) for a in assessments)
    assert summary.targets == sum(len(list_targets(db, a.id)) for a in assessments)
    assert summary.roadmap_items == sum(len(list_roadmap_items(db, a.id)) for a in assessments)


def test_summary_describes_its_counts_in_one_line(summary: DemoSummary) -> None:
    line = summary.describe()
    assert "\n" not in line
    for count in (summary.organisations, summary.assessments, summary.answers, summary.roadmap_items):
        assert str(count) in line


def test_every_answer_fits_the_questionnaire(db: Database, questionnaire: Questionnaire) -> None:
    questions = {question.id: question for question in questionnaire.questions}
    for assessment in list_assessments(db):
        for answer in list_answers(db, assessment.id):
            question = questions[answer.question_id]
            assert answer.is_answered
            if answer.na:
                assert question.na_allowed and answer.level is None
            else:
                assert answer.level in questionnaire.level_numbers


def test_some_answers_are_not_applicable_and_about_a_fifth_carry_a_comment_or_evidence(db: Database) -> None:
    answers = [answer for assessment in list_assessments(db) for answer in list_answers(db, assessment.id)]
    # FY2026 answers carry more evidence: that year's is dated (see the dated-evidence test).
    earlier = [
        answer
        for assessment in list_assessments(db)
        if assessment.label != "FY2026"
        for answer in list_answers(db, assessment.id)
    ]
    noted = [answer for answer in earlier if answer.comment or answer.evidence]
    assert 0.12 <= len(noted) / len(earlier) <= 0.3
    assert any(answer.evidence for answer in noted)
    not_applicable = [answer for answer in answers if answer.na]
    assert 0 < len(not_applicable) < 0.1 * len(answers)
    assert all(answer.comment for answer in not_applicable)


def test_answers_use_the_whole_range_of_levels(db: Database, questionnaire: Questionnaire) -> None:
    levels = Counter(answer.level for assessment in list_assessments(db) for answer in list_answers(db, assessment.id))
    assert set(questionnaire.level_numbers) <= set(levels)


def test_most_assessments_have_one_continuity_manager_and_two_workshops_have_several(db: Database) -> None:
    several = []
    for (name, label), assessment in _assessments(db).items():
        respondents = list_respondents(db, assessment.id)
        assert respondents[0].name == "Continuity manager"
        if len(respondents) > 1:
            several.append((name, label, len(respondents)))
    assert len(several) == 2
    assert all(label == "FY2026" and 3 <= count <= 4 for _name, label, count in several)


def test_workshop_respondents_disagree_and_consensus_is_set_only_where_they_do(
    db: Database, questionnaire: Questionnaire
) -> None:
    agreed_total = 0
    for assessment in list_assessments(db):
        if len(list_respondents(db, assessment.id)) < 2:
            assert list_consensus(db, assessment.id) == ()
            continue
        questions = resolve_questions(questionnaire, _responses(db, assessment), _consensus(db, assessment))
        disputed = {qid for qid, result in questions.items() if result.spread is not None and result.spread >= 2}
        agreed = {agreed.question_id for agreed in list_consensus(db, assessment.id)}
        assert len(disputed) >= 3
        assert agreed and agreed <= disputed
        agreed_total += len(agreed)
        for respondent in list_respondents(db, assessment.id)[1:]:
            theirs = {a.question_id: a.level for a in list_answers(db, assessment.id, respondent.id)}
            assert theirs, f"{respondent.name} answered nothing"
    assert agreed_total >= 3


def test_fy2026_scores_better_than_fy2024_on_average(db: Database, questionnaire: Questionnaire) -> None:
    assessments = _assessments(db)
    gains = []
    for organisation in list_organisations(db):
        first = _score(db, questionnaire, assessments[(organisation.name, "FY2024")]).overall.score
        last = _score(db, questionnaire, assessments[(organisation.name, "FY2026")]).overall.score
        assert first is not None and last is not None
        gains.append(last - first)
    assert statistics.fmean(gains) >= 0.3
    assert all(gain > 0 for gain in gains)


def test_one_domain_of_one_organisation_scores_clearly_lower_than_the_year_before(
    db: Database, questionnaire: Questionnaire
) -> None:
    assessments = _assessments(db)
    dips = []
    for organisation in list_organisations(db):
        scores = [_score(db, questionnaire, assessments[(organisation.name, label)]) for label in YEARS]
        for domain in questionnaire.domains:
            series = [score.domain(domain.id).score for score in scores]
            if any(b is not None and a is not None and b <= a - 0.4 for a, b in itertools.pairwise(series)):
                dips.append((organisation.name, domain.id))
    assert len(dips) >= 1


def test_financial_services_organisations_aim_for_level_four_in_one_or_two_domains(db: Database) -> None:
    for organisation in list_organisations(db):
        for assessment in list_assessments(db, organisation.id):
            targets = list_targets(db, assessment.id)
            if organisation.industry == "Financial services":
                assert 1 <= len(targets) <= 2
                assert set(targets.values()) == {4}
            else:
                assert targets == {}


def test_three_fy2026_assessments_have_roadmap_items_that_are_the_first_steps_of_their_roadmap(
    db: Database, questionnaire: Questionnaire
) -> None:
    with_items = []
    for (name, label), assessment in _assessments(db).items():
        items = list_roadmap_items(db, assessment.id)
        if not items:
            continue
        with_items.append((name, label))
        questions = resolve_questions(questionnaire, _responses(db, assessment), _consensus(db, assessment))
        steps = build_roadmap(questionnaire, questions, list_targets(db, assessment.id))
        first = {(step.question_id, step.to_level) for step in steps[: len(items)]}
        assert {(item.question_id, item.to_level) for item in items} == first
        assert len(items) >= 5
    assert len(with_items) == 3
    assert {label for _name, label in with_items} == {"FY2026"}


def test_roadmap_items_have_owners_due_dates_after_the_assessment_and_several_statuses(db: Database) -> None:
    statuses: Counter[str] = Counter()
    for assessment in list_assessments(db):
        for item in list_roadmap_items(db, assessment.id):
            assert item.owner
            assert item.due_date is not None and item.due_date > assessment.assessment_date
            statuses[item.status] += 1
    assert {"done", "in_progress", "planned"} <= set(statuses)


def test_the_same_seed_gives_the_same_data(db: Database, questionnaire: Questionnaire) -> None:
    again = open_database(":memory:")
    try:
        load_demo_data(again, questionnaire, seed=2026)
        assert _snapshot(again) == _snapshot(db)
    finally:
        again.close()


def _load_in_child(path: Path, hash_seed: str) -> None:
    code = (
        "from questionnaires.catalog import get_questionnaire\n"
        "from storage import open_database\n"
        "from demo.data import load_demo_data\n"
        f"db = open_database({str(path)!r})\n"
        "load_demo_data(db, get_questionnaire('itscm', '2026.1'), seed=2026)\n"
        "db.close()\n"
    )
    env = {**child_env(), "PYTHONHASHSEED": hash_seed}
    subprocess.run([sys.executable, "-c", code], env=env, check=True, timeout=120)


def test_the_same_seed_gives_the_same_data_in_processes_with_different_hash_seeds(db: Database, tmp_path: Path) -> None:
    snapshots = []
    for hash_seed in ("1", "2"):
        path = tmp_path / f"hash-{hash_seed}.db"
        _load_in_child(path, hash_seed)
        child = open_database(path)
        try:
            snapshots.append(_snapshot(child))
        finally:
            child.close()
    assert snapshots[0] == snapshots[1] == _snapshot(db)


def test_a_different_seed_gives_different_answers(db: Database, questionnaire: Questionnaire) -> None:
    other = open_database(":memory:")
    try:
        load_demo_data(other, questionnaire, seed=7)
        assert len(list_organisations(other)) == 8
        assert _snapshot(other) != _snapshot(db)
    finally:
        other.close()


def test_a_second_load_is_refused_and_writes_nothing(db: Database, questionnaire: Questionnaire) -> None:
    before = table_counts(db)
    with pytest.raises(DemoDataExists, match="already holds 8 illustrative organisations") as raised:
        load_demo_data(db, questionnaire)
    assert isinstance(raised.value, StorageError)
    assert table_counts(db) == before


@pytest.fixture
def empty_db(tmp_path: Path) -> Iterator[Database]:
    database = open_database(tmp_path / "itscm.db")
    yield database
    database.close()


def test_demo_data_loads_next_to_real_organisations_which_stay_unmarked(
    empty_db: Database, questionnaire: Questionnaire
) -> None:
    real = create_organisation(empty_db, "Our company", "Retail", "Under 250 employees", "Europe")
    load_demo_data(empty_db, questionnaire)
    assert [o.name for o in list_organisations(empty_db, include_illustrative=False)] == [real.name]
    assert len(list_organisations(empty_db)) == 9


def test_a_real_organisation_with_a_demo_name_is_named_in_the_refusal_and_nothing_is_written(
    empty_db: Database, questionnaire: Questionnaire
) -> None:
    create_organisation(empty_db, "harbourline LOGISTICS", "Retail", "Under 250 employees", "Europe")
    before = table_counts(empty_db)
    with pytest.raises(
        DemoNameTaken, match=r"a real organisation already has the name .*'harbourline LOGISTICS'.*rename"
    ):
        load_demo_data(empty_db, questionnaire)
    assert table_counts(empty_db) == before


def test_demo_data_loads_against_a_small_questionnaire_too(empty_db: Database) -> None:
    small = build_questionnaire()
    summary = load_demo_data(empty_db, small)
    assert (summary.organisations, summary.assessments) == (8, 24)
    assert {a.questionnaire_id for a in list_assessments(empty_db)} == {small.id}
    assert summary.answers == sum(len(list_answers(empty_db, a.id)) for a in list_assessments(empty_db))


# Removing the demo data: every illustrative organisation goes, after one backup; real ones stay.


def _real_completed(db: Database, questionnaire: Questionnaire, name: str, level: int) -> int:
    organisation = create_organisation(db, name, "Retail", "250-999 employees", "Europe")
    assessment = create_assessment(db, organisation.id, questionnaire, "FY2026", date(2026, 2, 1))
    person = get_or_create_respondent(db, assessment.id, "Manager")
    for question in questionnaire.questions[:6]:
        save_answer(db, questionnaire, assessment.id, person.id, question.id, level)
    set_assessment_status(db, assessment.id, "completed")
    return organisation.id


def test_remove_deletes_every_illustrative_organisation_and_keeps_real_ones(
    empty_db: Database, questionnaire: Questionnaire, tmp_path: Path
) -> None:
    real_id = _real_completed(empty_db, questionnaire, "Our company", 3)
    real_before = _snapshot_of(empty_db, real_id)
    summary = load_demo_data(empty_db, questionnaire)
    removal = remove_demo_data(empty_db)
    assert [o.name for o in list_organisations(empty_db)] == ["Our company"]
    assert _snapshot_of(empty_db, real_id) == real_before
    assert (removal.removed.organisations, removal.removed.assessments) == (8, 24)
    assert removal.removed.answers == summary.answers
    assert "Removed the illustrative data: 8 organisations, 24 assessments" in removal.describe()
    if ON_POSTGRES:  # the server's own backups (pg_dump) are the way back there
        assert removal.backup is None
        return
    # One backup, taken before anything went, holds the demo data: a restore brings it back.
    assert removal.backup is not None
    assert list((tmp_path / "backups").iterdir()) == [removal.backup]
    kept = open_database(removal.backup)
    try:
        assert len(list_organisations(kept)) == 9
    finally:
        kept.close()


def _snapshot_of(db: Database, organisation_id: int) -> list[tuple[object, ...]]:
    return [
        (a.label, a.status, answer.question_id, answer.level)
        for a in list_assessments(db, organisation_id)
        for answer in list_answers(db, a.id)
    ]


def test_remove_without_demo_data_changes_nothing_and_takes_no_backup(
    empty_db: Database, questionnaire: Questionnaire, tmp_path: Path
) -> None:
    _real_completed(empty_db, questionnaire, "Our company", 3)
    before = table_counts(empty_db)
    removal = remove_demo_data(empty_db)
    assert removal.backup is None
    assert removal.describe() == "No illustrative data to remove; nothing was changed."
    assert table_counts(empty_db) == before
    assert not (tmp_path / "backups").exists()


def test_demo_data_can_be_loaded_again_after_it_was_removed(empty_db: Database, questionnaire: Questionnaire) -> None:
    load_demo_data(empty_db, questionnaire)
    remove_demo_data(empty_db)
    assert load_demo_data(empty_db, questionnaire).organisations == 8


# Demo data among real organisations: never each other's peers.


def test_a_real_organisations_peers_are_exactly_the_other_real_ones_when_demo_data_is_loaded(
    empty_db: Database, questionnaire: Questionnaire
) -> None:
    load_demo_data(empty_db, questionnaire)
    real_ids = [_real_completed(empty_db, questionnaire, f"Real {n}", 1 + n % 5) for n in range(5)]
    subject = load_report(empty_db, list_assessments(empty_db, real_ids[0])[0].id)
    peers = select_peer_group(
        benchmark_data(empty_db, questionnaire.id).assessments,
        questionnaire.id,
        real_ids[0],
        subject_illustrative=False,
        date_column="assessment_date",
    )
    assert sorted(peers["organisation_id"]) == real_ids[1:]
    assert peer_benchmark(empty_db, subject).n == 4
    # And the demo organisations still compare only among themselves: 7 others, not 12.
    demo = next(o for o in list_organisations(empty_db) if o.illustrative)
    demo_latest = max(list_assessments(empty_db, demo.id), key=lambda a: a.assessment_date)
    assert peer_benchmark(empty_db, load_report(empty_db, demo_latest.id)).n == 7


def test_a_single_real_organisation_next_to_the_demo_gets_no_peer_figures(
    empty_db: Database, questionnaire: Questionnaire
) -> None:
    load_demo_data(empty_db, questionnaire)
    real_id = _real_completed(empty_db, questionnaire, "Alone", 2)
    result = peer_benchmark(empty_db, load_report(empty_db, list_assessments(empty_db, real_id)[0].id))
    assert result.n == 0
    assert not result.available
    assert result.figures == ()


def test_with_the_next_version_fy2026_is_answered_on_it_and_earlier_years_on_the_first(tmp_path: Path) -> None:
    older, newer = get_questionnaire("itscm", "2026.1"), get_questionnaire("itscm", "2026.2")
    database = open_database(tmp_path / "demo.db")
    load_demo_data(database, older, later=newer)
    versions = {
        (a.label, a.questionnaire_version)
        for o in list_organisations(database)
        for a in list_assessments(database, o.id)
    }
    assert versions == {("FY2024", "2026.1"), ("FY2025", "2026.1"), ("FY2026", "2026.2")}
    for organisation in list_organisations(database):
        for assessment in list_assessments(database, organisation.id):
            report = load_report(database, assessment.id)  # every answer loads and scores on its own version
            questionnaire = newer if assessment.label == "FY2026" else older
            ids = {q.id for q in questionnaire.questions}
            assert {a.question_id for a in list_answers(database, assessment.id)} <= ids
            assert report.score.overall.score is not None
    # N/A where the new version asks for a reason always carries one.
    for organisation in list_organisations(database):
        latest = next(a for a in list_assessments(database, organisation.id) if a.label == "FY2026")
        for answer in list_answers(database, latest.id):
            if answer.na and newer.question(answer.question_id).na_requires_justification:
                assert answer.comment.strip()


# Evidence behind the scores: every organisation's register and log, and claims both held and refused


def test_every_illustrative_organisation_has_a_service_register_and_an_exercise_log(db: Database) -> None:
    for organisation in list_organisations(db):
        evidence = load_evidence(db, organisation.id)
        assert 6 <= len(evidence.services) <= 12, organisation.name
        assert {service.tier for service in evidence.services} >= {"critical", "important"}
        assert {exercise.kind for exercise in evidence.exercises} >= {"tabletop", "failover", "real incident"}
        assert all(service.owner and service.currency for service in evidence.services)
        assert any(finding.owner and finding.due for exercise in evidence.exercises for finding in exercise.findings)


def test_the_registers_and_logs_follow_from_the_seed_and_the_day(tmp_path: Path, questionnaire: Questionnaire) -> None:
    day = date(2026, 6, 30)
    loaded = []
    for name in ("a.db", "b.db"):
        database = open_database(tmp_path / name)
        load_demo_data(database, questionnaire, today=day)
        loaded.append([load_evidence(database, o.id) for o in list_organisations(database)])
        database.close()
    assert loaded[0] == loaded[1]
    assert max(exercise.day for evidence in loaded[0] for exercise in evidence.exercises) <= day


def test_fy2026_demo_assessments_on_2026_2_show_claims_the_facts_support_and_claims_they_do_not(
    tmp_path: Path,
) -> None:
    database = open_database(tmp_path / "later.db")
    load_demo_data(database, get_questionnaire("itscm", "2026.1"), later=get_questionnaire("itscm", "2026.2"))
    unsupported = supported = 0
    for assessment in list_assessments(database):
        if assessment.label != "FY2026":
            continue
        report = load_report(database, assessment.id)
        evidenced = evidenced_score(database, report)
        assert evidenced is not None
        unsupported += len(evidenced.claims)
        checks = {q.id: q.checks for q in report.questionnaire.questions}
        supported += sum(
            1
            for q in evidenced.questions.values()
            if q.answered_level is not None
            and not q.capped
            and any(q.answered_level >= check.from_level for check in checks[q.question_id])
        )
    database.close()
    assert unsupported >= 1
    assert supported >= 1


def test_removing_the_demo_data_removes_its_registers_and_logs(tmp_path: Path, questionnaire: Questionnaire) -> None:
    database = open_database(tmp_path / "removed.db")
    load_demo_data(database, questionnaire)
    removed = remove_demo_data(database)
    assert removed.removed.services >= 48 and removed.removed.exercises >= 40
    assert table_counts(database)["services"] == table_counts(database)["exercises"] == 0
    database.close()


def test_every_organisation_shows_a_business_case_in_one_currency_with_exposure_to_remove(db: Database) -> None:
    for organisation in list_organisations(db):
        latest = max(list_assessments(db, organisation.id), key=lambda a: a.assessment_date)
        case = business_case_of(db, load_report(db, latest.id))
        assert case is not None, organisation.name
        assert not case.problem and not case.not_costed, organisation.name
        assert (case.total or 0) > 0, organisation.name


def test_fy2026_evidence_is_dated_so_confidence_runs_from_high_to_low(db: Database) -> None:
    today = date.today()
    seen: Counter[str] = Counter()
    stale = 0
    for assessment in list_assessments(db):
        answers = list_answers(db, assessment.id)
        dated = [answer for answer in answers if answer.evidence_date is not None]
        if assessment.label != "FY2026":
            assert dated == []
            continue
        for answer in dated:
            assert answer.evidence, "a dated answer names its evidence"
            assert answer.evidence_date <= today
            stale += (today - answer.evidence_date).days > 365
        report = load_report(db, assessment.id)
        for domain in confidence_by_domain(report, evidenced_score(db, report)).values():
            seen[domain.level] += 1
    assert {"High", "Medium", "Low"} <= set(seen), seen
    assert stale > 0, "some evidence is older than a year, so the questionnaire flags it"


def test_the_same_seed_and_day_date_the_same_evidence(tmp_path: Path, questionnaire: Questionnaire) -> None:
    def dates(name: str) -> list[tuple[str, object]]:
        database = open_database(tmp_path / name)
        load_demo_data(database, questionnaire, today=date(2026, 9, 1))
        found = [
            (answer.question_id, answer.evidence_date)
            for assessment in list_assessments(database)
            for answer in list_answers(database, assessment.id)
        ]
        database.close()
        return found

    first = dates("one.db")
    assert first == dates("two.db")
    assert any(day is not None for _, day in first)
