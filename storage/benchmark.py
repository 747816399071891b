"""Benchmark inputs: the latest completed assessment of each organisation, and import records."""

from __future__ import annotations

from typing import Any

import pandas as pd
from sqlite_utils import Database

from storage.errors import BenchmarkImportError
from storage.records import BenchmarkData, BenchmarkImport
from storage.timestamps import now_text, to_datetime
from storage.transactions import write_transaction
from storage.validation import clean_name

# One row per organisation: its latest completed assessment on the questionnaire (newest
# assessment date, then latest completion). Window functions work in SQLite and PostgreSQL.
_LATEST = """
    WITH ranked AS (
        SELECT a.id, ROW_NUMBER() OVER (
            PARTITION BY a.organisation_id
            ORDER BY a.assessment_date DESC, a.completed_at DESC, a.id DESC
        ) AS position
        FROM assessments AS a
        WHERE a.questionnaire_id = ? AND a.status = 'completed'
    )
    SELECT id FROM ranked WHERE position = 1
"""

_ASSESSMENTS = f"""
    SELECT a.id AS assessment_id, a.organisation_id, o.name AS organisation_name, o.industry,
           o.size_band, o.region, o.illustrative, a.questionnaire_id, a.questionnaire_version,
           a.status, a.label, a.assessment_date, a.completed_at
    FROM assessments AS a JOIN organisations AS o ON o.id = a.organisation_id
    WHERE a.id IN ({_LATEST})
    ORDER BY a.organisation_id
"""  # noqa: S608 - composed from constants only

_ANSWERS = f"""
    SELECT assessment_id, respondent_id, question_id, level, na
    FROM answers
    WHERE assessment_id IN ({_LATEST}) AND (level IS NOT NULL OR na = 1)
    ORDER BY assessment_id, respondent_id, question_id
"""  # noqa: S608 - composed from constants only

_CONSENSUS = f"""
    SELECT assessment_id, question_id, level, na
    FROM consensus
    WHERE assessment_id IN ({_LATEST})
    ORDER BY assessment_id, question_id
"""  # noqa: S608 - composed from constants only

_ASSESSMENT_COLUMNS = (
    "assessment_id",
    "organisation_id",
    "organisation_name",
    "industry",
    "size_band",
    "region",
    "illustrative",
    "questionnaire_id",
    "questionnaire_version",
    "status",
    "label",
    "assessment_date",
    "completed_at",
)


def _frame(rows: list[dict[str, Any]], columns: tuple[str, ...]) -> pd.DataFrame:
    return pd.DataFrame.from_records(rows, columns=list(columns))


def benchmark_data(db: Database, questionnaire_id: str) -> BenchmarkData:
    """Return, per organisation, its latest completed assessment on a questionnaire with its answers.

    Storage returns attributes and raw answers (cleared answers left out); peer-group
    filtering and scores belong to scoring/.
    """
    params = [questionnaire_id]
    assessments = _frame(list(db.query(_ASSESSMENTS, params)), _ASSESSMENT_COLUMNS).astype(
        {"assessment_id": "int64", "organisation_id": "int64", "illustrative": "bool"}
    )
    assessments["assessment_date"] = pd.to_datetime(assessments["assessment_date"], format="ISO8601")
    assessments["completed_at"] = pd.to_datetime(assessments["completed_at"], format="ISO8601", utc=True)
    answer_columns = ("assessment_id", "respondent_id", "question_id", "level", "na")
    answers = _frame(list(db.query(_ANSWERS, params)), answer_columns).astype(
        {"assessment_id": "int64", "respondent_id": "int64", "level": "Int64", "na": "bool"}
    )
    consensus_columns = ("assessment_id", "question_id", "level", "na")
    consensus = _frame(list(db.query(_CONSENSUS, params)), consensus_columns).astype(
        {"assessment_id": "int64", "level": "Int64", "na": "bool"}
    )
    return BenchmarkData(assessments=assessments, answers=answers, consensus=consensus)


def _import(row: dict[str, Any]) -> BenchmarkImport:
    return BenchmarkImport(
        id=row["id"], source=row["source"], imported_at=to_datetime(row["imported_at"]), row_count=row["row_count"]
    )


def record_benchmark_import(db: Database, source: str, row_count: int) -> BenchmarkImport:
    """Record that `row_count` benchmark rows were imported from `source`, and return the record."""
    clean_source = clean_name(source, field="Import source", max_length=200, error=BenchmarkImportError)
    if isinstance(row_count, bool) or not isinstance(row_count, int) or row_count < 0:
        raise BenchmarkImportError(f"Row count {row_count!r} must be a whole number of 0 or more.")
    with write_transaction(db):
        table = db.table("benchmark_imports")
        table.insert({"source": clean_source, "imported_at": now_text(), "row_count": row_count})
        rows = db.query(
            "SELECT id, source, imported_at, row_count FROM benchmark_imports WHERE id = ?", [int(table.last_pk)]
        )
        return _import(next(rows))


def list_benchmark_imports(db: Database) -> tuple[BenchmarkImport, ...]:
    """Return every recorded benchmark import, oldest first."""
    rows = db.query("SELECT id, source, imported_at, row_count FROM benchmark_imports ORDER BY id")
    return tuple(_import(row) for row in rows)
