"""Time the what-if and the business case on questionnaire 2026.2 with a large roadmap and register.

Run from the repository root:  .venv/bin/python benchmarks/bench_what_if.py
Prints median timings against their floors; asserts nothing. Floors: the what-if (the smallest set of
roadmap steps that raises the overall stage, exact) well under a second, 250 ms, on every question answered
at random low levels with every target at the top, the largest roadmap the questionnaire can give; the business
case of 500 services over that roadmap under 1,000 ms, so the Roadmap page stays responsive.
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

from evidence.model import TIERS, Evidence, Exercise, Service, ServiceResult
from questionnaires.loader import load_questionnaire
from scoring import Response, build_roadmap, score_assessment
from scoring.business_case import business_case, default_assumptions
from scoring.what_if import raise_overall_stage

TODAY = date(2026, 6, 30)
SERVICES = 500
WHAT_IF_FLOOR_MS = 250.0
BUSINESS_CASE_FLOOR_MS = 1000.0
ROUNDS = 20


def median_ms(run: Callable[[], object], repeat: int) -> tuple[float, float]:
    """Return the median and the fastest time of `repeat` runs, in milliseconds."""
    times = []
    for _ in range(repeat):
        started = time.perf_counter()
        run()
        times.append((time.perf_counter() - started) * 1000)
    return statistics.median(times), min(times)


def evidence(rng: random.Random) -> Evidence:
    """500 costed services, half of them with a failover that measured a recovery time."""
    services = tuple(
        Service(f"Service {i:03d}", "Owner", rng.choice(TIERS), 48, rng.choice((1, 4, 8, 24)), 1, 1000.0, "EUR")
        for i in range(SERVICES)
    )
    tests = tuple(
        Exercise(
            TODAY - timedelta(days=rng.randint(1, 400)),
            "failover",
            f"Failover {s.name}",
            (ServiceResult(s.name, s.rto_hours * rng.uniform(0.5, 3)),),
        )
        for s in services[::2]
    )
    return Evidence(services, tests)


def verdict(median: float, floor: float) -> str:
    return f"{'within' if median < floor else 'OVER'} the floor of {floor:.0f} ms"


def main() -> None:
    rng = random.Random(2026)
    questionnaire = load_questionnaire(Path(__file__).resolve().parents[1] / "questionnaires" / "itscm-2026.2")
    top = questionnaire.max_level
    targets = {domain.id: top for domain in questionnaire.domains}
    facts = evidence(rng)
    what_if_times, case_times, sizes = [], [], []
    for _ in range(ROUNDS):
        answers = [Response(q.id, "r1", rng.randint(1, 3)) for q in questionnaire.questions]
        score = score_assessment(questionnaire, answers, targets=targets)
        steps = build_roadmap(questionnaire, score.questions, score.targets)
        found = raise_overall_stage(questionnaire, score, steps)
        sizes.append((len(steps), len(found.steps)))
        what_if_times.append(
            median_ms(lambda score=score, steps=steps: raise_overall_stage(questionnaire, score, steps), 5)[0]
        )
        assumptions = default_assumptions(questionnaire)
        case_times.append(
            median_ms(
                lambda score=score, steps=steps, assumptions=assumptions: business_case(
                    questionnaire, score.questions, steps, facts, assumptions, TODAY
                ),
                3,
            )[0]
        )
    roadmap_steps = statistics.median(s for s, _ in sizes)
    chosen = statistics.median(c for _, c in sizes)
    what_if = statistics.median(what_if_times)
    case = statistics.median(case_times)
    print(
        f"questionnaire {questionnaire.version}: {len(questionnaire.questions)} questions, targets {top}, "
        f"{ROUNDS} random assessments; roadmap median {roadmap_steps:.0f} steps, what-if median {chosen:.0f} steps"
    )
    print(
        f"what-if (exact): median {what_if:.1f} ms, worst {max(what_if_times):.1f} ms ({verdict(what_if, WHAT_IF_FLOOR_MS)})"
    )
    print(
        f"business case, {SERVICES} services: median {case:.1f} ms, worst {max(case_times):.1f} ms "
        f"({verdict(case, BUSINESS_CASE_FLOOR_MS)})"
    )


if __name__ == "__main__":
    main()
