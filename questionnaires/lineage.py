"""How the questions of one questionnaire version carry on into the next: kept, replaced, retired or new.

A later version names the version it follows (`previous_version`); a question that keeps its meaning
keeps its id, a question that replaces or merges earlier ones lists them in `replaces`, and ids no
question carries on are listed under `retired`. Trends, comparisons and upgrades read this one map.
"""

from __future__ import annotations

from dataclasses import dataclass

from questionnaires.model import Questionnaire


class NotASuccessor(ValueError):
    """The later questionnaire does not say it follows the earlier one."""


@dataclass(frozen=True)
class Lineage:
    """The questions of `earlier` and `later` matched by the later version's own declarations."""

    earlier_version: str
    later_version: str
    kept: tuple[str, ...]  # ids in both versions, later version's order
    replaced: dict[str, tuple[str, ...]]  # later id -> the earlier ids it replaces or merges
    retired: tuple[str, ...]  # earlier ids that nothing carries on
    new: tuple[str, ...]  # later ids with no earlier counterpart

    def predecessors(self, later_id: str) -> tuple[str, ...]:
        """Return the earlier ids a later question carries on: itself when kept, those it replaces, or none."""
        if later_id in self.kept:
            return (later_id,)
        return self.replaced.get(later_id, ())

    def successors(self, earlier_id: str) -> tuple[str, ...]:
        """Return the later ids that carry on an earlier question (none when it was retired)."""
        if earlier_id in self.kept:
            return (earlier_id,)
        return tuple(new for new, olds in self.replaced.items() if earlier_id in olds)


def follows(earlier: Questionnaire, later: Questionnaire) -> bool:
    """Return True when `later` is the next version of `earlier` by its own declaration."""
    return earlier.id == later.id and later.previous_version == earlier.version


def lineage(earlier: Questionnaire, later: Questionnaire) -> Lineage:
    """Match the questions of two versions of one questionnaire.

    When `later` declares it follows `earlier`, its `replaces` and `retired` lists are used; otherwise
    (two unrelated versions, or the same one) questions are matched by id only, and an earlier id the
    later version lacks counts as retired.
    """
    earlier_ids = [q.id for q in earlier.questions]
    later_ids = [q.id for q in later.questions]
    in_earlier, in_later = set(earlier_ids), set(later_ids)
    replaced: dict[str, tuple[str, ...]] = {}
    if follows(earlier, later):
        for question in later.questions:
            olds = tuple(old for old in question.replaces if old in in_earlier)
            if olds and question.id not in in_earlier:
                replaced[question.id] = olds
    carried = {old for olds in replaced.values() for old in olds}
    kept = tuple(i for i in later_ids if i in in_earlier)
    return Lineage(
        earlier_version=earlier.version,
        later_version=later.version,
        kept=kept,
        replaced=replaced,
        retired=tuple(i for i in earlier_ids if i not in in_later and i not in carried),
        new=tuple(i for i in later_ids if i not in in_earlier and i not in replaced),
    )


def successor_lineage(earlier: Questionnaire, later: Questionnaire) -> Lineage:
    """Return the lineage of a declared successor; raise NotASuccessor when `later` does not follow `earlier`."""
    if not follows(earlier, later):
        raise NotASuccessor(
            f"{later.id} {later.version} does not say it follows {earlier.id} {earlier.version} "
            f"(its previous_version is {later.previous_version or 'not set'}); an assessment can move only to "
            "the version that names its own as previous_version."
        )
    return lineage(earlier, later)
