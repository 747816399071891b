"""The business-case assumptions an organisation chose, kept as one row of the settings table.

The row is named "business-case:<organisation id>" and holds JSON: the expected disruptions a year and,
per level, the multiple of RTO assumed for a service no test measured. Only the figures someone set are
stored; the rest come from the defaults (scoring.business_case), so a questionnaire with another scale
still gets a figure for every level.
"""

from __future__ import annotations

import json
import math
from collections.abc import Mapping
from dataclasses import dataclass, field
from typing import Final

from sqlite_utils import Database

from storage.errors import StorageError
from storage.transactions import write_transaction

PREFIX: Final = "business-case:"


class AssumptionsError(StorageError):
    """Business-case assumptions that cannot be stored as given."""


@dataclass(frozen=True)
class StoredAssumptions:
    """The business-case figures an organisation set; None or a missing level: the default."""

    disruptions_per_year: float | None = None
    rto_multiples: Mapping[int, float] = field(default_factory=dict)


def _name(organisation_id: int) -> str:
    return f"{PREFIX}{organisation_id}"


def _number(value: object) -> float | None:
    if isinstance(value, bool) or not isinstance(value, int | float) or not math.isfinite(value):
        return None
    return float(value)


def load_assumptions(db: Database, organisation_id: int) -> StoredAssumptions:
    """Return the assumptions stored for an organisation; figures that are not numbers are left to the defaults."""
    row = db.execute("SELECT value FROM settings WHERE name = ?", [_name(organisation_id)]).fetchone()
    if row is None:
        return StoredAssumptions()
    try:
        data = json.loads(row[0])
    except ValueError:
        return StoredAssumptions()
    if not isinstance(data, dict):
        return StoredAssumptions()
    multiples: dict[int, float] = {}
    raw = data.get("rto_multiples")
    for level, value in raw.items() if isinstance(raw, dict) else ():
        number = _number(value)
        if str(level).lstrip("-").isdigit() and number is not None:
            multiples[int(level)] = number
    return StoredAssumptions(_number(data.get("disruptions_per_year")), multiples)


def save_assumptions(db: Database, organisation_id: int, assumptions: StoredAssumptions) -> StoredAssumptions:
    """Store an organisation's assumptions whole, replacing what was stored; every figure must be a number."""
    figures = [assumptions.disruptions_per_year, *assumptions.rto_multiples.values()]
    if any(value is not None and _number(value) is None for value in figures):
        raise AssumptionsError("Every business-case assumption must be a number; correct the figure and save again.")
    value = json.dumps(
        {
            "disruptions_per_year": assumptions.disruptions_per_year,
            "rto_multiples": {str(level): multiple for level, multiple in sorted(assumptions.rto_multiples.items())},
        }
    )
    with write_transaction(db):
        db.execute(
            "INSERT INTO settings (name, value) VALUES (?, ?) ON CONFLICT (name) DO UPDATE SET value = excluded.value",
            [_name(organisation_id), value],
        )
    return load_assumptions(db, organisation_id)


def delete_assumptions(db: Database, organisation_id: int) -> None:
    """Delete an organisation's assumptions; call it inside the caller's write transaction."""
    db.execute("DELETE FROM settings WHERE name = ?", [_name(organisation_id)])
