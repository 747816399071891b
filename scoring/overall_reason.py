"""Why the overall stage is what it is: which domains hold it down, or the overall score it rounds from.

It decides nothing: it reads the domain stages and the overall stage that `score_overall` already
set, under the questionnaire's rule (the lowest domain stage, or the overall score rounded down),
and names what sets it, so a reader knows which domain to improve first.
"""

from __future__ import annotations

from collections.abc import Sequence
from dataclasses import dataclass
from typing import Literal

from questionnaires.model import Questionnaire
from scoring.assessment import AssessmentScore


@dataclass(frozen=True, slots=True)
class OverallStageReason:
    """What sets the overall stage: the lowest domains, the overall score, or the domains without a stage."""

    rule: Literal["lowest_domain", "floor_of_score"]
    stage: int | None
    score: float | None
    holding_down: tuple[str, ...]
    """Names of the domains at the lowest stage (under lowest_domain), in questionnaire order."""
    unscored: tuple[str, ...]
    """Names of the domains with no stage yet; while there are any, there is no overall stage."""
    domains: int

    @property
    def sentence(self) -> str:
        """One plain sentence, e.g. "Stage 1 because Testing and exercising is at 1."."""
        if self.stage is None:
            if not self.unscored:
                return "No overall stage yet: nothing is answered."
            verb = "has" if len(self.unscored) == 1 else "have"
            return (
                f"No overall stage yet because {_listed(self.unscored)} {verb} no stage "
                "(nothing answered there, or only N/A)."
            )
        if self.rule == "floor_of_score":
            return f"Stage {self.stage} because the overall score {self.score:.2f} rounds down to {self.stage}."
        if len(self.holding_down) == self.domains > 1:
            return f"Stage {self.stage} because every domain is at {self.stage}."
        verb = "is" if len(self.holding_down) == 1 else "are"
        return f"Stage {self.stage} because {_listed(self.holding_down)} {verb} at {self.stage}."


def _listed(names: Sequence[str]) -> str:
    """Return names joined as in a sentence: "A", "A and B", "A, B and C"."""
    return names[0] if len(names) == 1 else f"{', '.join(names[:-1])} and {names[-1]}"


def overall_stage_reason(questionnaire: Questionnaire, score: AssessmentScore) -> OverallStageReason:
    """Return what sets the overall stage of `score` under the questionnaire's overall stage rule."""
    rule = questionnaire.scoring.overall_stage
    stage = score.overall.stage
    lowest = [d.name for d in score.domains if stage is not None and d.stage == stage]
    return OverallStageReason(
        rule=rule,
        stage=stage,
        score=score.overall.score,
        holding_down=tuple(lowest) if rule == "lowest_domain" else (),
        unscored=tuple(d.name for d in score.domains if d.stage is None),
        domains=len(score.domains),
    )
