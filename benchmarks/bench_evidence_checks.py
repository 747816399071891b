"""Time the claims checks: every check of questionnaire 2026.2 over 500 services and 2,000 log entries.

Run from the repository root:  .venv/bin/python benchmarks/bench_evidence_checks.py
Prints median timings; asserts nothing. Target: one assessment scored as evidenced (every check run,
the answered and evidenced scores) under 200 ms, so the Results page stays responsive.
"""

from __future__ import annotations

import random
import statistics
import sys
import time
from collections.abc import Callable
from datetime import date, timedelta
from pathlib import Path

sys.path.insert(0, str(Path(__file__).resolve().parents[1]))

from evidence.model import EXERCISE_KINDS, TIERS, Evidence, Exercise, Finding, Service, ServiceResult
from questionnaires.loader import load_questionnaire
from scoring import Response, run_check, score_assessment, score_evidenced

SERVICES = 500
LOG_ENTRIES = 2_000
TODAY = date(2026, 6, 30)
TARGET_MS = 200.0


def register(rng: random.Random) -> tuple[Service, ...]:
    """500 services, a fifth critical, each depending on up to 3 services listed after it."""
    hours = (0.5, 1, 2, 4, 8, 24, 72)
    services = []
    for i in range(SERVICES):
        rto = rng.choice(hours)
        later = range(i + 1, SERVICES)
        depends = rng.sample(later, min(len(later), rng.randint(0, 3)))
        services.append(
            Service(
                name=f"Service {i:03d}",
                owner=f"Owner {i % 40}",
                tier=TIERS[0] if i % 5 == 0 else rng.choice(TIERS[1:]),
                mtpd_hours=rto * rng.choice((0.5, 2, 3)),
                rto_hours=rto,
                rpo_hours=rng.choice(hours),
                depends_on=tuple(f"Service {j:03d}" for j in depends),
                bia_reviewed_on=TODAY - timedelta(days=rng.randint(0, 900)),
            )
        )
    return tuple(services)


def log(rng: random.Random, services: tuple[Service, ...]) -> tuple[Exercise, ...]:
    """2,000 exercises and incidents over four years, each covering 1 to 5 services, some with findings."""
    exercises = []
    for i in range(LOG_ENTRIES):
        day = TODAY - timedelta(days=rng.randint(-60, 4 * 365))
        covered = rng.sample(services, rng.randint(1, 5))
        exercises.append(
            Exercise(
                day=day,
                kind=rng.choice(EXERCISE_KINDS),
                title=f"Exercise {i}",
                results=tuple(
                    ServiceResult(s.name, s.rto_hours * rng.uniform(0.3, 1.6), s.rpo_hours * rng.uniform(0, 1.4))
                    for s in covered
                ),
                findings=tuple(
                    Finding(f"Finding {i}.{k}", due=day + timedelta(days=90), status=rng.choice(("open", "closed")))
                    for k in range(rng.randint(0, 2))
                ),
            )
        )
    return tuple(exercises)


def median_ms(run: Callable[[], object], repeat: int) -> tuple[float, float]:
    """Return the median and the fastest time of `repeat` runs, in milliseconds."""
    times = []
    for _ in range(repeat):
        started = time.perf_counter()
        run()
        times.append((time.perf_counter() - started) * 1000)
    return statistics.median(times), min(times)


def main() -> None:
    rng = random.Random(2026)
    questionnaire = load_questionnaire(Path(__file__).resolve().parents[1] / "questionnaires" / "itscm-2026.2")
    services = register(rng)
    evidence = Evidence(services, log(rng, services))
    # Every question answered at the top level, so every declared check is a claim and runs.
    top = questionnaire.max_level
    answered = score_assessment(questionnaire, [Response(q.id, "r1", top) for q in questionnaire.questions])
    checks = [(q.id, c) for q in questionnaire.questions for c in q.checks]
    findings = sum(len(e.findings) for e in evidence.exercises)
    print(
        f"evidence: {len(services)} services ({sum(s.tier == 'critical' for s in services)} critical, "
        f"{sum(len(s.depends_on) for s in services)} dependencies), {len(evidence.exercises):,} log entries, "
        f"{findings:,} findings; questionnaire {questionnaire.version}: {len(checks)} checks"
    )
    for question_id, check in checks:
        median, fastest = median_ms(lambda check=check: run_check(check, evidence, TODAY), 15)
        outcome = run_check(check, evidence, TODAY)
        print(
            f"  {question_id} {check.check}: median {median:.1f} ms, fastest {fastest:.1f} ms "
            f"({'supported' if outcome.supported else f'{len(outcome.shortfalls)} shortfalls'})"
        )
    median, fastest = median_ms(lambda: score_evidenced(questionnaire, answered, evidence, TODAY), 15)
    scored = score_evidenced(questionnaire, answered, evidence, TODAY)
    verdict = "within" if median < TARGET_MS else "OVER"
    print(
        f"one assessment scored as evidenced (every check, answered and evidenced scores, "
        f"{len(scored.claims)} unsupported claims): median {median:.1f} ms, fastest {fastest:.1f} ms "
        f"({verdict} the target of {TARGET_MS:.0f} ms)"
    )


if __name__ == "__main__":
    main()
