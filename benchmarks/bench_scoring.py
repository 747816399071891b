"""Time the scoring engine: one workshop assessment, a 10,000-organisation benchmark, a roadmap.

Run from the repository root:  .venv/bin/python benchmarks/bench_scoring.py
Prints median timings; asserts nothing. Targets: scoring under 10 ms, benchmark under 300 ms.
"""

from __future__ import annotations

import random
import statistics
import sys
import time
from collections.abc import Callable
from pathlib import Path

sys.path.insert(0, str(Path(__file__).resolve().parents[1]))

import numpy as np
import pandas as pd

from questionnaires.model import Questionnaire
from scoring import (
    OVERALL,
    PeerFilter,
    Response,
    benchmark,
    build_roadmap,
    score_assessment,
    select_peer_group,
)

DOMAINS = ("GOV", "RA", "BIA", "STR", "TST", "IMP")
QUESTIONS_PER_DOMAIN = 10
RESPONDENTS = 10
ORGANISATIONS = 10_000
ASSESSMENTS_PER_ORGANISATION = 3


def workshop_questionnaire() -> Questionnaire:
    """A questionnaire of 6 domains x 10 questions, levels 1-5, with actions for every step."""
    return Questionnaire.model_validate(
        {
            "id": "bench",
            "version": "1",
            "title": "Benchmark questionnaire",
            "levels": [{"number": n, "name": f"Level {n}", "description": f"Level {n}."} for n in range(1, 6)],
            "domains": [
                {"id": d, "name": f"Domain {d}", "weight": 1.0 + i % 3, "description": "D."}
                for i, d in enumerate(DOMAINS)
            ],
            "questions": [
                {
                    "id": f"{d}-{i:02d}",
                    "domain": d,
                    "text": f"Practice {d}-{i:02d}?",
                    "guidance": "Guidance.",
                    "evidence": ["Evidence"],
                    "weight": 1 + i % 5,
                    "na_allowed": i % 4 == 0,
                    "levels": {n: f"Statement {n}" for n in range(1, 6)},
                    "actions": {n: {"action": f"Reach {n}.", "effort": "SML"[n % 3]} for n in range(2, 6)},
                }
                for d in DOMAINS
                for i in range(1, QUESTIONS_PER_DOMAIN + 1)
            ],
        }
    )


def workshop_responses(questionnaire: Questionnaire, rng: random.Random) -> list[Response]:
    """Ten respondents answering every question, a few of them N/A where allowed."""
    return [
        Response(q.id, f"r{r}", None, na=True)
        if q.na_allowed and rng.random() < 0.2
        else Response(q.id, f"r{r}", rng.randint(1, 5))
        for q in questionnaire.questions
        for r in range(RESPONDENTS)
    ]


def portfolio(rng: np.random.Generator) -> pd.DataFrame:
    """10,000 organisations with three assessments each, the latest sometimes still in progress."""
    rows = ORGANISATIONS * ASSESSMENTS_PER_ORGANISATION
    organisation = np.repeat(np.arange(ORGANISATIONS), ASSESSMENTS_PER_ORGANISATION)
    year = np.tile(np.arange(2024, 2024 + ASSESSMENTS_PER_ORGANISATION), ORGANISATIONS)
    frame = pd.DataFrame(
        {
            "organisation_id": [f"org{o}" for o in organisation],
            "assessment_id": np.arange(rows),
            "questionnaire_id": rng.choice(["itscm", "other"], rows, p=[0.95, 0.05]),
            "status": rng.choice(["completed", "in_progress"], rows, p=[0.9, 0.1]),
            "completed_at": pd.to_datetime([f"{y}-03-31" for y in year]),
            "industry": rng.choice(["finance", "energy", "health", "public"], rows),
            "size_band": rng.choice(["small", "medium", "large"], rows),
            "region": rng.choice(["EU", "UK", "NA"], rows),
            "illustrative": np.zeros(rows, dtype=bool),
            OVERALL: rng.uniform(1, 5, rows),
        }
    )
    for domain in DOMAINS:
        scores = rng.uniform(1, 5, rows)
        scores[rng.random(rows) < 0.02] = np.nan
        frame[domain] = scores
    return frame


def median_ms(run: Callable[[], object], repeat: int) -> tuple[float, float]:
    """Return the median and the fastest time of `repeat` runs, in milliseconds."""
    run()  # warm-up: imports, caches
    times = []
    for _ in range(repeat):
        start = time.perf_counter()
        run()
        times.append((time.perf_counter() - start) * 1000)
    return statistics.median(times), min(times)


def main() -> None:
    """Print the timings."""
    questionnaire = workshop_questionnaire()
    responses = workshop_responses(questionnaire, random.Random(7))
    scored = score_assessment(questionnaire, responses)
    median, fastest = median_ms(lambda: score_assessment(questionnaire, responses), 300)
    print(
        f"score one assessment ({len(questionnaire.questions)} questions x {RESPONDENTS} respondents, "
        f"{len(responses)} answers): median {median:.2f} ms, fastest {fastest:.2f} ms (target < 10 ms)"
    )

    targets = dict.fromkeys(DOMAINS, 5)
    steps = build_roadmap(questionnaire, scored.questions, targets)
    median, fastest = median_ms(lambda: build_roadmap(questionnaire, scored.questions, targets), 300)
    print(f"build roadmap ({len(steps)} steps, targets 5): median {median:.2f} ms, fastest {fastest:.2f} ms")

    frame = portfolio(np.random.default_rng(7))
    subject = {OVERALL: 3.1} | dict.fromkeys(DOMAINS, 3.0)

    def select_and_compare(peer_filter: PeerFilter | None = None) -> object:
        peers = select_peer_group(frame, "itscm", "org0", peer_filter, subject_illustrative=False)
        return benchmark(peers, subject)

    peers = select_peer_group(frame, "itscm", "org0", subject_illustrative=False)
    median, fastest = median_ms(select_and_compare, 30)
    print(
        f"benchmark over {ORGANISATIONS:,} organisations ({len(frame):,} assessment rows, {len(peers):,} peers, "
        f"{len(subject)} scores), selection + statistics: median {median:.1f} ms, fastest {fastest:.1f} ms "
        "(target < 300 ms)"
    )
    narrow = PeerFilter(industry="finance", size_band="large", region="EU")
    median, fastest = median_ms(lambda: select_and_compare(narrow), 30)
    print(f"  the same with industry, size band and region filters: median {median:.1f} ms, fastest {fastest:.1f} ms")

    latest_only = peers.copy()
    median, fastest = median_ms(
        lambda: benchmark(select_peer_group(latest_only, "itscm", "org0", subject_illustrative=False), subject), 30
    )
    print(
        f"  on {len(latest_only):,} rows that are already one per organisation: median {median:.1f} ms, "
        f"fastest {fastest:.1f} ms"
    )


if __name__ == "__main__":
    main()
