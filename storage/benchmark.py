"""Benchmark inputs: the latest completed assessment of each organisation, and import records."""

from __future__ import annotations

from typing import Any

import pandas as pd
from sqlite_utils import Database

from storage.engines import is_postgres
from storage.errors import BenchmarkImportError
from storage.records import BenchmarkData, BenchmarkImport, BenchmarkPackRow
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


_OPEN_IN_WORKSHOP = f"""
    SELECT assessment_id FROM workshop_items WHERE status = 'open' AND assessment_id IN ({_LATEST})
    UNION
    SELECT assessment_id FROM workshop_domains WHERE status = 'open' AND assessment_id IN ({_LATEST})
"""  # noqa: S608 - composed from constants only

# Everything whose change can change a peer's score or the group: the answers and agreed answers of
# completed assessments on the questionnaire (every answer write is in the append-only history, so
# its newest id moves), those assessments themselves (added, deleted, completed, reopened, re-dated)
# and imported packs. Answering an assessment in progress changes no peer. Organisation attributes
# (industry, size band, region) are set when the organisation is created and never edited.
_CHANGE_MARK = """
    SELECT (SELECT COALESCE(MAX(h.id), 0)
            FROM assessments AS a JOIN answer_history AS h ON h.assessment_id = a.id
            WHERE a.questionnaire_id = ? AND a.status = 'completed'),
           (SELECT COUNT(*) || '/' || COALESCE(MAX(c.updated_at), '')
            FROM assessments AS a JOIN consensus AS c ON c.assessment_id = a.id
            WHERE a.questionnaire_id = ? AND a.status = 'completed'),
           (SELECT COUNT(*) || '/' || COALESCE(SUM(id), 0) || '/' || COALESCE(MAX(completed_at), '')
                || '/' || COALESCE(MAX(assessment_date), '') || '/' ||
                COALESCE(SUM(CASE WHEN status = 'completed' THEN id ELSE 0 END), 0)
            FROM assessments WHERE questionnaire_id = ?),
           (SELECT COUNT(*) || '/' || COALESCE(MAX(id), 0) FROM benchmark_imports)
"""


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


def open_in_workshop(db: Database, questionnaire_id: str) -> frozenset[int]:
    """Return the peer assessments (latest completed ones) with a question or domain open in a workshop."""
    rows = db.query(_OPEN_IN_WORKSHOP, [questionnaire_id, questionnaire_id])
    return frozenset(int(row["assessment_id"]) for row in rows)


def benchmark_change_mark(db: Database, questionnaire_id: str) -> tuple[object, ...]:
    """Return a mark that differs whenever any peer score of a questionnaire may have changed.

    It covers every answer and agreed answer of a completed assessment on the questionnaire, those
    assessments (added, deleted, completed, reopened, re-dated) and imported packs; caches of peer
    scores are keyed by it.
    """
    return tuple(db.execute(_CHANGE_MARK, [questionnaire_id] * 3).fetchone())


def database_key(db: Database) -> str | None:
    """Return the file a database lives in, or None for an in-memory one (which nothing may cache).

    A PostgreSQL database is named by its server, database and schema.
    """
    if is_postgres(db):
        return db.key()  # type: ignore[attr-defined]
    path = next((row[2] for row in db.execute("PRAGMA database_list") if row[1] == "main"), "")
    return path or None


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


_PACK_ROWS = """
    SELECT r.import_id, r.row_number, i.source, r.questionnaire_id, r.industry, r.size_band, r.region,
           r.year, r.score_id, r.score
    FROM benchmark_pack_rows AS r JOIN benchmark_imports AS i ON i.id = r.import_id
    WHERE r.questionnaire_id = ?
    ORDER BY r.import_id, r.row_number, r.score_id
"""
PACK_ROW_COLUMNS = (
    "import_id",
    "row_number",
    "source",
    "questionnaire_id",
    "industry",
    "size_band",
    "region",
    "year",
    "score_id",
    "score",
)


def benchmark_pack_rows(db: Database, questionnaire_id: str) -> pd.DataFrame:
    """Return every imported pack score on a questionnaire: one row per pack row and score, with its source."""
    frame = _frame(list(db.query(_PACK_ROWS, [questionnaire_id])), PACK_ROW_COLUMNS)
    return frame.astype({"import_id": "int64", "row_number": "int64", "year": "int64", "score": "float64"})


def import_benchmark_pack(
    db: Database, source: str, content_hash: str, rows: list[BenchmarkPackRow]
) -> BenchmarkImport:
    """Store a checked benchmark pack whole, under its source, or nothing when it was imported before.

    The caller checks the rows (exports.benchmark_pack); `content_hash` identifies the pack's
    content, so the same pack under another file name or source is refused as well.
    """
    clean_source = clean_name(source, field="Import source", max_length=200, error=BenchmarkImportError)
    if not isinstance(content_hash, str) or len(content_hash) != 64:
        raise BenchmarkImportError("The pack's content hash must be 64 hexadecimal characters (SHA-256).")
    with write_transaction(db):
        earlier = list(
            db.query(
                "SELECT i.source, i.imported_at FROM benchmark_packs AS p JOIN benchmark_imports AS i "
                "ON i.id = p.import_id WHERE p.content_hash = ?",
                [content_hash],
            )
        )
        if earlier:
            raise BenchmarkImportError(
                f"This pack was already imported from {earlier[0]['source']} on {earlier[0]['imported_at'][:10]}; "
                "its peers are counted once. Import a different pack."
            )
        table = db.table("benchmark_imports")
        table.insert({"source": clean_source, "imported_at": now_text(), "row_count": len(rows)})
        import_id = int(table.last_pk)
        db.table("benchmark_packs").insert({"import_id": import_id, "content_hash": content_hash})
        db.table("benchmark_pack_rows").insert_all(
            (
                {
                    "import_id": import_id,
                    "row_number": row.row_number,
                    "questionnaire_id": row.questionnaire_id,
                    "industry": row.industry,
                    "size_band": row.size_band,
                    "region": row.region,
                    "year": row.year,
                    "score_id": score_id,
                    "score": float(score),
                }
                for row in rows
                for score_id, score in row.scores.items()
            ),
            batch_size=500,
        )
        stored = db.query("SELECT id, source, imported_at, row_count FROM benchmark_imports WHERE id = ?", [import_id])
        return _import(next(stored))
