"""What raises the overall stage: the smallest set of roadmap steps that lifts it to the next level.

Rules, as published to users:

- The overall stage is the lowest domain stage (the weakest link), so it rises only when every
  domain at that stage reaches the next level; domains already above it need nothing.
- A practice counts at the next level only when all of its roadmap steps up to that level are in
  the set (a step to L+1 never without the step to L); steps above the next level are never needed.
- Smallest means fewest steps, then fewest effort points, then the steps earliest in the roadmap
  (the set whose roadmap positions, in order, come first).
- The search is exact: per domain, a knapsack over the practices below the next level (each is worth
  its question weight), which is fast because question weights are small whole numbers.
- When the roadmap has no steps to the next level in a domain that needs them (its target is not
  above the overall stage), no set reaches it and the answer says which targets to raise.
- Under the "floor_of_score" rule (the overall score rounded down) the what-if is not computed; the
  answer says so.
"""

from __future__ import annotations

import math
from collections.abc import Sequence
from dataclasses import dataclass

from questionnaires.model import Questionnaire
from scoring.assessment import AssessmentScore
from scoring.domains import TOLERANCE
from scoring.roadmap import RoadmapStep


@dataclass(frozen=True, slots=True)
class WhatIf:
    """The steps that raise the overall stage from `current` to `reached`, or why none do."""

    current: int | None
    reached: int | None
    steps: tuple[RoadmapStep, ...]
    reason: str = ""  # "" when `steps` reach the next stage

    @property
    def points(self) -> int:
        """The effort points of the steps."""
        return sum(step.points for step in self.steps)


Cost = tuple[int, int, tuple[int, ...]]


@dataclass(frozen=True, slots=True)
class _Item:
    weight: int
    steps: tuple[RoadmapStep, ...]

    @property
    def cost(self) -> Cost:
        return (len(self.steps), sum(s.points for s in self.steps), tuple(sorted(s.order for s in self.steps)))


def _add(cost: Cost, item: _Item) -> Cost:
    extra = item.cost
    return (cost[0] + extra[0], cost[1] + extra[1], tuple(sorted(cost[2] + extra[2])))


def cheapest_reaching(items: Sequence[_Item], needed: int) -> tuple[_Item, ...] | None:
    """Return the items whose weights add up to at least `needed` at the lowest cost, or None when none do."""
    if needed <= 0:
        return ()
    best: list[tuple[Cost, tuple[int, ...]] | None] = [None] * (needed + 1)
    best[0] = ((0, 0, ()), ())
    for index, item in enumerate(items):
        for have in range(needed, -1, -1):
            known = best[have]
            if known is None:
                continue
            reach = min(needed, have + item.weight)
            candidate = (_add(known[0], item), (*known[1], index))
            current = best[reach]
            if current is None or candidate[0] < current[0]:
                best[reach] = candidate
    found = best[needed]
    return None if found is None else tuple(items[i] for i in found[1])


def _domain_items(
    questionnaire: Questionnaire, domain_id: str, score: AssessmentScore, steps: Sequence[RoadmapStep], level: int
) -> tuple[list[_Item], int, int]:
    """Return the practices below `level` with their steps up to it, the weight at or above it, and the total."""
    items: list[_Item] = []
    at_or_above = 0
    total = 0
    for question in questionnaire.questions:
        if question.domain != domain_id:
            continue
        result = score.questions.get(question.id)
        if result is None or not result.answered or result.na or result.level is None:
            continue
        total += question.weight
        if result.level >= level:
            at_or_above += question.weight
            continue
        chain = tuple(s for s in steps if s.question_id == question.id and s.to_level <= level)
        if any(s.to_level == level for s in chain):
            items.append(_Item(question.weight, chain))
    return items, at_or_above, total


def raise_overall_stage(questionnaire: Questionnaire, score: AssessmentScore, steps: Sequence[RoadmapStep]) -> WhatIf:
    """Return the smallest set of `steps` whose completion raises the overall stage of `score` by one level."""
    stage = score.overall.stage
    if questionnaire.scoring.overall_stage != "lowest_domain":
        return WhatIf(
            stage,
            None,
            (),
            "The overall stage here is the overall score rounded down, not the weakest domain; the what-if "
            "covers the weakest-link rule only.",
        )
    if stage is None:
        return WhatIf(None, None, (), "There is no overall stage yet: every domain needs an answer first.")
    above = [n for n in questionnaire.level_numbers if n > stage]
    if not above:
        return WhatIf(stage, None, (), f"The overall stage is {stage}, the highest level of the scale.")
    level = above[0]
    threshold = questionnaire.scoring.stage_threshold
    chosen: list[RoadmapStep] = []
    blocked: list[str] = []
    for domain in score.domains:
        if domain.stage is None or domain.stage >= level:
            continue
        items, have, total = _domain_items(questionnaire, domain.domain_id, score, steps, level)
        needed = max(0, math.ceil(threshold * total - TOLERANCE - have))
        picked = cheapest_reaching(items, needed)
        if picked is None:
            blocked.append(f"{domain.name} (target {domain.target})")
            continue
        chosen.extend(step for item in picked for step in item.steps)
    if blocked:
        return WhatIf(
            stage,
            None,
            (),
            f"No set of roadmap steps reaches stage {level}: the roadmap stops below level {level} in "
            f"{', '.join(blocked)}. Raise the target to {level} or more on the Results page.",
        )
    return WhatIf(stage, level, tuple(sorted(chosen, key=lambda s: s.order)))
