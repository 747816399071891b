"""Target levels per domain: the questionnaire's default unless someone set another."""

from __future__ import annotations

from collections.abc import Mapping

from questionnaires.model import Questionnaire
from scoring.errors import ScoringError


def resolve_targets(questionnaire: Questionnaire, targets: Mapping[str, int] | None = None) -> dict[str, int]:
    """Return a target level for every domain, in domain order.

    Domains missing from `targets` get `scoring.default_target`. Raises ScoringError for an unknown
    domain or a target that is not a level of the scale.
    """
    given = dict(targets or {})
    domain_ids = [domain.id for domain in questionnaire.domains]
    unknown = sorted(set(given) - set(domain_ids))
    if unknown:
        raise ScoringError(
            f"targets name domain(s) {', '.join(unknown)}, which questionnaire {questionnaire.id} "
            f"does not define; use one of {', '.join(domain_ids)}"
        )
    scale = questionnaire.level_numbers
    default = questionnaire.default_target
    resolved = {domain_id: given.get(domain_id, default) for domain_id in domain_ids}
    for domain_id, target in resolved.items():
        if isinstance(target, bool) or not isinstance(target, int) or target not in scale:
            raise ScoringError(
                f"target {target!r} for domain {domain_id} is not a level of the scale; "
                f"use one of {', '.join(str(n) for n in scale)}"
            )
    return resolved


def gap(target: int, stage: int | None) -> int | None:
    """Return target - stage (negative when above target), or None when there is no stage."""
    return None if stage is None else target - stage
