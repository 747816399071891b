"""Copy a whole installation into an empty database and prove it: the same rows and the same scores on both."""

from __future__ import annotations

from collections.abc import Callable
from dataclasses import dataclass

from sqlite_utils import Database

from storage.copy import CopiedTable, copy_database, row_counts
from storage.errors import StorageError
from transfer.score_check import ScoreCheck, compare_scores

SHOWN_DIFFERENCES = 10


class CopyCheckFailed(StorageError):
    """After the copy, a table's rows or an assessment's scores differed between the two; the copy was undone."""


@dataclass(frozen=True)
class CheckedCopy:
    """A copy that passed its check: the tables copied and the score comparison."""

    tables: tuple[CopiedTable, ...]
    scores: ScoreCheck

    def rows(self, table: str) -> int:
        """How many rows of `table` were copied."""
        return next((t.rows for t in self.tables if t.name == table), 0)


def copy_and_check(
    source: Database, target: Database, *, progress: Callable[[CopiedTable], None] | None = None
) -> CheckedCopy:
    """Copy `source` into the empty `target`, then compare every table's row count and every assessment's scores.

    The check runs inside the copy's transaction: when anything differs, CopyCheckFailed says what, and
    the target is left empty, as it was.
    """
    outcome: list[ScoreCheck] = []

    def check(copied: list[CopiedTable]) -> None:
        tables = [t.name for t in copied]
        counted = row_counts(source, tables), row_counts(target, tables)
        differences = [
            f"{table}: {counted[0][table]:,} rows on the source, {counted[1][table]:,} on the copy"
            for table in tables
            if counted[0][table] != counted[1][table]
        ]
        scores = compare_scores(source, target)
        differences += scores.differences
        if differences:
            more = len(differences) - SHOWN_DIFFERENCES
            raise CopyCheckFailed(
                f"the copy differs from the source, so nothing was copied (the target is as it was): "
                f"{'; '.join(differences[:SHOWN_DIFFERENCES])}{f'; and {more} more' if more > 0 else ''}"
            )
        outcome.append(scores)

    tables = copy_database(source, target, progress=progress, check=check)
    return CheckedCopy(tables=tuple(tables), scores=outcome[0])
