"""Benchmark packs: anonymised domain scores that installations hand each other as CSV.

A pack has one row per organisation (its latest completed assessment on a questionnaire) with
only what a peer group is chosen by and compared on: questionnaire_id, industry, size_band,
region, year, overall and one column per domain id. No names, no ids, no answers. An exported
pack holds rows only of groups (same questionnaire, industry, size band, region and year) of at
least 5 organisations (or the questionnaire's larger minimum peer group), sorted so that the
order of rows says nothing about which organisation came first; illustrative (demo)
organisations and peers imported from other packs are never exported.

Reading a pack checks every row and reports every problem with its row number; a pack with any
problem imports nothing. The pack's content hash (over its sorted rows, so the same pack saved
again or with its rows reordered has the same hash) is stored with it and a second import of it
is refused, so no peer counts twice.
"""

from __future__ import annotations

import csv
import hashlib
import io
import json
import math
from collections import Counter
from collections.abc import Sequence
from dataclasses import dataclass
from typing import Final

from sqlite_utils import Database

from exports.report import peer_table
from exports.safe_text import FORMULA_STARTS, csv_safe
from questionnaires.catalog import available_questionnaires
from questionnaires.model import Questionnaire
from scoring import OVERALL
from scoring.benchmark import LOCAL_SOURCE, PRIVACY_FLOOR
from storage.benchmark import import_benchmark_pack
from storage.choices import INDUSTRIES, REGIONS, SIZE_BANDS
from storage.records import BenchmarkImport, BenchmarkPackRow

FIXED_COLUMNS: Final = ("questionnaire_id", "industry", "size_band", "region", "year")
GROUP_COLUMNS: Final = FIXED_COLUMNS
MAX_PACK_BYTES: Final = 5_000_000
"""The largest pack file read (about 40,000 rows)."""
MAX_PACK_ROWS: Final = 50_000
MAX_PROBLEMS_LISTED: Final = 50
YEARS: Final = (2000, 2100)
DECIMALS: Final = 4
"""Scores are written rounded to this many decimals."""


class BenchmarkPackError(ValueError):
    """A benchmark pack that cannot be imported; `problems` lists every row-numbered problem."""

    def __init__(self, name: str, problems: Sequence[str]) -> None:
        self.problems = tuple(problems)
        listed = "; ".join(self.problems[:MAX_PROBLEMS_LISTED])
        more = len(self.problems) - MAX_PROBLEMS_LISTED
        super().__init__(
            f"{name}: nothing was imported, {len(self.problems)} problem(s) to fix in the file first: {listed}"
            + (f"; and {more} more" if more > 0 else "")
        )


@dataclass(frozen=True)
class BenchmarkPack:
    """A checked pack, ready to import: its rows and the hash of its content."""

    rows: tuple[BenchmarkPackRow, ...]
    content_hash: str

    @property
    def organisations(self) -> int:
        """How many peer organisations the pack holds (one per row)."""
        return len(self.rows)


def _questionnaires() -> dict[str, list[Questionnaire]]:
    by_id: dict[str, list[Questionnaire]] = {}
    for questionnaire in available_questionnaires():
        by_id.setdefault(questionnaire.id, []).append(questionnaire)
    return by_id


def _domain_ids(versions: Sequence[Questionnaire]) -> list[str]:
    return list(dict.fromkeys(d.id for q in versions for d in q.domains))


def _min_group(versions: Sequence[Questionnaire]) -> int:
    return max([PRIVACY_FLOOR, *(q.scoring.min_peer_group for q in versions)])


def _score_text(value: object) -> str:
    if value is None or (isinstance(value, float) and math.isnan(value)):
        return ""
    return f"{float(value):.{DECIMALS}f}"  # type: ignore[arg-type]


def export_pack(db: Database) -> bytes:
    """Return this installation's anonymised domain scores as a benchmark pack (CSV, UTF-8).

    Only groups of at least the minimum peer group of organisations are written; see the module notes.
    """
    by_id = _questionnaires()
    domain_columns = list(dict.fromkeys(d for versions in by_id.values() for d in _domain_ids(versions)))
    header = [*FIXED_COLUMNS, OVERALL, *domain_columns]
    lines: list[list[str]] = []
    for questionnaire_id, versions in sorted(by_id.items()):
        table = peer_table(db, questionnaire_id)
        own = table[(table["source"] == LOCAL_SOURCE) & ~table["illustrative"].eq(True)]
        if own.empty:
            continue
        sizes = own.groupby(["industry", "size_band", "region", "year"])["organisation_id"].transform("nunique")
        shown = own[sizes >= _min_group(versions)]
        for record in shown.to_dict("records"):
            lines.append(
                [
                    questionnaire_id,
                    str(record["industry"]),
                    str(record["size_band"]),
                    str(record["region"]),
                    str(int(record["year"])),
                    *(_score_text(record.get(column)) for column in [OVERALL, *domain_columns]),
                ]
            )
    lines.sort()
    out = io.StringIO()
    writer = csv.writer(out, lineterminator="\n")
    writer.writerow(header)
    writer.writerows([[csv_safe(cell) for cell in line] for line in lines])
    return out.getvalue().encode("utf-8")


def _unquoted(cell: str) -> str:
    # csv_safe prefixes a quote to formula-like text; take it off again on the way in.
    text = cell.strip()
    return text[1:] if text.startswith("'") and text[1:].startswith(FORMULA_STARTS) else text


def _decoded(raw: bytes, name: str) -> str:
    if len(raw) > MAX_PACK_BYTES:
        raise BenchmarkPackError(
            name, [f"the file is {len(raw):,} bytes; a pack may hold {MAX_PACK_BYTES:,}: split it into smaller packs"]
        )
    try:
        return raw.decode("utf-8-sig")
    except UnicodeDecodeError as error:
        raise BenchmarkPackError(
            name, [f"byte {error.start + 1} is not UTF-8 text: save the pack as CSV UTF-8 and import it again"]
        ) from None


def _header_problems(header: list[str], domain_ids: set[str]) -> list[str]:
    problems: list[str] = []
    missing = [column for column in (*FIXED_COLUMNS, OVERALL) if column not in header]
    if missing:
        problems.append(
            f"row 1 (header): column(s) {', '.join(missing)} missing; a pack starts with {', '.join(FIXED_COLUMNS)}, overall"
        )
    repeated = sorted(column for column, count in Counter(header).items() if count > 1)
    if repeated:
        problems.append(f"row 1 (header): column(s) {', '.join(repeated)} appear more than once; keep one of each")
    unknown = [c for c in header if c not in (*FIXED_COLUMNS, OVERALL) and c not in domain_ids]
    if unknown:
        problems.append(
            f"row 1 (header): column(s) {', '.join(unknown)} are neither pack columns nor domain ids of an installed "
            "questionnaire; remove them or install the questionnaire"
        )
    return problems


def _choice(value: str, choices: Sequence[str], column: str, where: str, problems: list[str]) -> str:
    if value not in choices:
        problems.append(f"{where}: {column} {value!r} is not in the list; use one of: {', '.join(choices)}")
    return value


def _row(
    number: int, cells: dict[str, str], by_id: dict[str, list[Questionnaire]], problems: list[str]
) -> BenchmarkPackRow | None:
    where = f"row {number}"
    found = len(problems)
    questionnaire_id = cells.get("questionnaire_id", "")
    versions = by_id.get(questionnaire_id)
    if versions is None:
        problems.append(
            f"{where}: questionnaire_id {questionnaire_id!r} is not installed here; installed: {', '.join(sorted(by_id))}"
        )
    industry = _choice(cells.get("industry", ""), INDUSTRIES, "industry", where, problems)
    size_band = _choice(cells.get("size_band", ""), SIZE_BANDS, "size_band", where, problems)
    region = _choice(cells.get("region", ""), REGIONS, "region", where, problems)
    year_text = cells.get("year", "")
    year = int(year_text) if year_text.isdigit() else None
    if year is None or not YEARS[0] <= year <= YEARS[1]:
        problems.append(f"{where}: year {year_text!r} is not a year from {YEARS[0]} to {YEARS[1]}; write e.g. 2025")
    scores: dict[str, float] = {}
    if versions is not None:
        low = min(q.min_level for q in versions)
        high = max(q.max_level for q in versions)
        allowed = {OVERALL, *_domain_ids(versions)}
        for column, text in cells.items():
            if column in FIXED_COLUMNS or text == "":
                continue
            if column not in allowed:
                problems.append(
                    f"{where}: {column} is not a domain of questionnaire {questionnaire_id}; leave it empty"
                )
                continue
            try:
                value = float(text)
            except ValueError:
                value = math.nan
            if not low <= value <= high:
                problems.append(f"{where}: {column} {text!r} is not a score from {low} to {high}")
                continue
            scores[column] = round(value, DECIMALS)
        if OVERALL not in scores and not any(p.startswith(f"{where}: {OVERALL} ") for p in problems[found:]):
            problems.append(f"{where}: overall is empty; every row needs its overall score")
    if len(problems) > found or year is None:
        return None
    return BenchmarkPackRow(number, questionnaire_id, industry, size_band, region, year, scores)


def _content_hash(rows: Sequence[BenchmarkPackRow]) -> str:
    canonical = sorted(
        json.dumps(
            [r.questionnaire_id, r.industry, r.size_band, r.region, r.year, sorted(r.scores.items())],
            separators=(",", ":"),
        )
        for r in rows
    )
    return hashlib.sha256("\n".join(canonical).encode("utf-8")).hexdigest()


def read_pack(raw: bytes, name: str = "the pack") -> BenchmarkPack:
    """Check a benchmark pack row by row and return it, or raise BenchmarkPackError listing every problem."""
    text = _decoded(raw, name)
    try:
        table = list(csv.reader(io.StringIO(text, newline="")))
    except csv.Error as error:
        raise BenchmarkPackError(name, [f"the file is not CSV ({error}); export it again as CSV"]) from None
    if not table or not any(cell.strip() for cell in table[0]):
        raise BenchmarkPackError(name, ["row 1 (header): the file is empty; a pack starts with a header row"])
    if len(table) - 1 > MAX_PACK_ROWS:
        raise BenchmarkPackError(name, [f"{len(table) - 1:,} rows; a pack may hold {MAX_PACK_ROWS:,}: split it"])
    by_id = _questionnaires()
    header = [cell.strip() for cell in table[0]]
    problems = _header_problems(header, {d for versions in by_id.values() for d in _domain_ids(versions)})
    if problems:
        raise BenchmarkPackError(name, problems)
    rows: list[BenchmarkPackRow] = []
    for number, line in enumerate(table[1:], start=2):
        if not any(cell.strip() for cell in line):
            continue
        if len(line) != len(header):
            problems.append(f"row {number}: {len(line)} cells where the header has {len(header)}; fill or remove cells")
            continue
        row = _row(number, {c: _unquoted(v) for c, v in zip(header, line, strict=True)}, by_id, problems)
        if row is not None:
            rows.append(row)
    if not problems and not rows:
        problems.append("row 2: the pack has a header but no rows; export a pack with rows")
    groups = Counter((r.questionnaire_id, r.industry, r.size_band, r.region, r.year) for r in rows)
    for row in rows:
        key = (row.questionnaire_id, row.industry, row.size_band, row.region, row.year)
        smallest = _min_group(by_id[row.questionnaire_id])
        if groups[key] < smallest:
            problems.append(
                f"row {row.row_number}: its group ({row.industry}, {row.size_band}, {row.region}, {row.year}) has "
                f"{groups[key]} row(s); a pack holds only groups of {smallest} or more, so none can be singled out"
            )
    if problems:
        raise BenchmarkPackError(name, problems)
    return BenchmarkPack(rows=tuple(rows), content_hash=_content_hash(rows))


def import_pack(db: Database, raw: bytes, source: str, name: str = "the pack") -> BenchmarkImport:
    """Check a pack and store it whole under `source`; raises BenchmarkPackError or BenchmarkImportError."""
    pack = read_pack(raw, name)
    return import_benchmark_pack(db, source, pack.content_hash, list(pack.rows))
