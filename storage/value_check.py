"""Check that every row of a database holds values the app itself would have stored, table by table.

Each value goes through the function the app uses when that value is entered (storage.validation)
or read back (storage.timestamps), so what passes here is what the app can show, score and
export. Rows are streamed through one cursor per table; nothing is queried per row, so the time
grows with the number of rows and no faster.
"""

from __future__ import annotations

import math
import sqlite3
from collections.abc import Callable, Collection, Iterator
from dataclasses import dataclass
from typing import Final

from evidence.model import EXERCISE_KINDS, FINDING_STATUSES, TIERS
from questionnaires.catalog import EXTRA_DIR_VARIABLE, SHIPPED_DIR, UnknownQuestionnaire, get_questionnaire
from questionnaires.model import Questionnaire
from storage.choices import (
    ASSESSMENT_STATUSES,
    INDUSTRIES,
    MAX_ACTOR,
    MAX_AUDIT_ACTION,
    MAX_EMAIL,
    MAX_EXERCISE_TITLE,
    MAX_FREE_TEXT,
    MAX_LABEL,
    MAX_ORGANISATION_NAME,
    MAX_OWNER,
    MAX_PERSON_NAME,
    MAX_PROVIDER_NAME,
    MAX_ROLE,
    MAX_SERVICE_NAME,
    REGIONS,
    ROADMAP_STATUSES,
    ROLES,
    SIZE_BANDS,
)
from storage.errors import StorageError
from storage.evidence import CURRENCY, FINDING_KEY
from storage.finding_items import check_step_text
from storage.links import DOMAIN_ID, DOMAIN_SEPARATOR, TOKEN_HASH
from storage.timestamps import to_date, to_datetime
from storage.users import check_email, email_key
from storage.validation import (
    check_answer_value,
    check_choice,
    check_evidence_date,
    check_free_text,
    check_level,
    check_question,
    clean_name,
    name_key,
)
from storage.workshop import ITEM_STATUSES, WORKSHOP_MODES

MAX_IMPORT_SOURCE: Final = 200
"""The longest benchmark import source record_benchmark_import accepts."""

_SHOWN_CHARACTERS: Final = 60
# Tabs and line breaks are the control characters free text may hold (storage.validation).
_LAYOUT_AS_SPACES: Final = str.maketrans("\t\n\r", "   ")


# Backups made before migration 10 have no evidence dates: their rows are read with NULL in place.
_ANSWERS_DATED: Final = (
    "SELECT id, assessment_id, question_id, level, na, comment, evidence, evidence_date, updated_at FROM answers"
)
_ANSWERS_UNDATED: Final = (
    "SELECT id, assessment_id, question_id, level, na, comment, evidence, NULL, updated_at FROM answers"
)
_HISTORY_COLUMNS: Final = (
    "SELECT id, assessment_id, question_id, old_level, old_na, old_comment, old_evidence, "
    "new_level, new_na, new_comment, new_evidence, changed_at, "
)
_HISTORY_DATED: Final = _HISTORY_COLUMNS + "old_evidence_date, new_evidence_date FROM answer_history"
_HISTORY_UNDATED: Final = _HISTORY_COLUMNS + "NULL, NULL FROM answer_history"


class StoredValueError(StorageError):
    """A stored value that the app would refuse if it were entered."""


def _shown(value: object) -> str:
    text = repr(value)
    return text if len(text) <= _SHOWN_CHARACTERS else text[: _SHOWN_CHARACTERS - 3] + "..."


def _refusal(check: Callable[[], object]) -> str | None:
    try:
        check()
    except StorageError as exc:
        return str(exc)
    return None


def _moment(value: object, column: str, *, optional: bool = False) -> str | None:
    if value is None and optional:
        return None
    try:
        moment = to_datetime(value)  # type: ignore[arg-type]
    except (TypeError, ValueError):
        return f"{column} {_shown(value)} is not a date and time the app can read (such as 2026-03-31T09:30:00+00:00)"
    if moment.tzinfo is None:
        return f"{column} {_shown(value)} has no UTC offset, and the app keeps every moment in UTC"
    return None


def _day(value: object, column: str, *, optional: bool = False) -> str | None:
    if value is None and optional:
        return None
    try:
        to_date(value)  # type: ignore[arg-type]
    except (TypeError, ValueError):
        return f"{column} {_shown(value)} is not a date the app can read (such as 2026-03-31)"
    return None


def _evidence_day(value: object, column: str) -> str | None:
    if value is None:
        return None
    refused = _refusal(lambda: check_evidence_date(value, field=column, error=StoredValueError))
    if refused is None and (not isinstance(value, str) or to_date(value).isoformat() != value):
        return f"{column} {_shown(value)} is not stored as the app stores a date (such as 2026-03-31)"
    return refused


def _name(value: object, field: str, max_length: int, *, required: bool = True) -> str | None:
    # The app stores names as clean_name returns them, so a stored name is already at most
    # max_length long; testing that first keeps a hostile megabyte-long name cheap to refuse.
    if isinstance(value, str) and len(value) > max_length:
        return f"{field} is {len(value)} characters long; the app allows at most {max_length}"
    # Printable text with no surrounding spaces is what clean_name keeps unchanged (see _free_text_accepted):
    # judged without going character by character, which matters for a long audit log.
    if type(value) is str and (value or not required) and value.isprintable() and value == value.strip():
        return None
    refused = _refusal(
        lambda: clean_name(value, field=field, max_length=max_length, error=StoredValueError, required=required)
    )
    if refused is None and isinstance(value, str) and value != value.strip():
        return f"{field} {_shown(value)} starts or ends with spaces, which the app trims before storing a name"
    return refused


def _name_key(name: object, key: object) -> str | None:
    if isinstance(name, str) and key != name_key(name):
        return f"name_key {_shown(key)} is not the name in lower case, so a duplicate name would go unnoticed"
    return None


def _free_text_accepted(value: object) -> bool:
    """Whether check_free_text is sure to accept `value`, judged without going character by character.

    str.isprintable() is False for every character check_visible_text refuses (control characters
    and the text-direction ones are not printable), so printable text of an allowed length passes;
    anything else is left to the app's own check, which also gives the message.
    """
    return (
        type(value) is str
        and len(value) <= MAX_FREE_TEXT
        and (value.isprintable() or value.translate(_LAYOUT_AS_SPACES).isprintable())
    )


def _free_text(value: object, field: str) -> str | None:
    if _free_text_accepted(value):
        return None
    return _refusal(lambda: check_free_text(value, field=field, error=StoredValueError))


def _email(value: object, key: object) -> str | None:
    refused = _name(value, "email", MAX_EMAIL) or _refusal(lambda: check_email(value, error=StoredValueError))
    if refused is None and isinstance(value, str) and key != email_key(value):
        return f"email_key {_shown(key)} is not the address in lower case, so the same person could be added twice"
    return refused


def _token_hash(value: object) -> str | None:
    if isinstance(value, str) and TOKEN_HASH.fullmatch(value):
        return None
    return f"token_hash {_shown(value)} is not a SHA-256 hex digest (64 characters 0-9, a-f)"


def _optional_id(value: object, column: str) -> str | None:
    if value is None or (isinstance(value, int) and not isinstance(value, bool)):
        return None
    return f"{column} {_shown(value)} is not a whole number"


def _flag(value: object, column: str) -> str | None:
    if isinstance(value, int) and value in (0, 1):
        return None
    return f"{column} {_shown(value)} is neither 0 nor 1"


MIN_PACK_ROW_NUMBER: Final = 2
"""Row 1 of a benchmark pack is its header, so stored rows start at 2."""
PACK_YEARS: Final = (2000, 2100)
"""The years a benchmark pack row may carry."""
PACK_SCORES: Final = (0.0, 100.0)
"""The widest range a stored pack score may take (the import checks it against the questionnaire's scale)."""


def _content_hash(value: object) -> str | None:
    if isinstance(value, str) and len(value) == 64 and all(ch in "0123456789abcdef" for ch in value):
        return None
    return f"content_hash {_shown(value)} is not a SHA-256 hash (64 lowercase hexadecimal characters)"


def _pack_year(value: object) -> str | None:
    low, high = PACK_YEARS
    if isinstance(value, int) and not isinstance(value, bool) and low <= value <= high:
        return None
    return f"year {_shown(value)} is not a whole year from {low} to {high}"


def _pack_score(value: object) -> str | None:
    low, high = PACK_SCORES
    if isinstance(value, (int, float)) and not isinstance(value, bool) and low <= value <= high:
        return None
    return f"score {_shown(value)} is not a number from {low:g} to {high:g}"


@dataclass(frozen=True)
class _Scale:
    """What one questionnaire allows, looked up once: the questionnaire and its domain ids."""

    questionnaire: Questionnaire
    domain_ids: frozenset[str]


class _RowChecker:
    """Streams each table of one database and yields '<table> row <id>: <problem>' for each bad row."""

    def __init__(self, conn: sqlite3.Connection, *, dated_evidence: bool) -> None:
        self.conn = conn
        self.dated_evidence = dated_evidence
        self.scales: dict[int, _Scale] = {}
        self.accepted_choices: set[tuple[object, ...]] = set()

    def rows(self, sql: str) -> Iterator[tuple[object, ...]]:
        cursor = self.conn.execute(sql)
        while batch := cursor.fetchmany(1000):
            yield from batch

    def organisations(self) -> Iterator[tuple[object, list[str | None]]]:
        for row_id, name, key, industry, size_band, region, illustrative, created_at in self.rows(
            "SELECT id, name, name_key, industry, size_band, region, illustrative, created_at FROM organisations"
        ):
            yield (
                row_id,
                [
                    _name(name, "name", MAX_ORGANISATION_NAME),
                    _name_key(name, key),
                    _refusal(lambda v=industry: check_choice(v, INDUSTRIES, field="industry", error=StoredValueError)),
                    _refusal(
                        lambda v=size_band: check_choice(v, SIZE_BANDS, field="size band", error=StoredValueError)
                    ),
                    _refusal(lambda v=region: check_choice(v, REGIONS, field="region", error=StoredValueError)),
                    _flag(illustrative, "illustrative"),
                    _moment(created_at, "created_at"),
                ],
            )

    def assessments(self) -> Iterator[tuple[object, list[str | None]]]:
        found: dict[tuple[object, object], _Scale | str] = {}
        users: dict[tuple[object, object], list[object]] = {}
        for row_id, questionnaire_id, version, label, day, status, created_at, completed_at in self.rows(
            "SELECT id, questionnaire_id, questionnaire_version, label, assessment_date, status, created_at, "
            "completed_at FROM assessments"
        ):
            key = (questionnaire_id, version)
            if key not in found:
                found[key] = _scale(questionnaire_id, version)
            scale = found[key]
            if isinstance(scale, _Scale) and isinstance(row_id, int):
                self.scales[row_id] = scale
            elif isinstance(scale, str):
                users.setdefault(key, []).append(row_id)
            yield (
                row_id,
                [
                    _name(label, "label", MAX_LABEL),
                    _day(day, "assessment_date"),
                    _refusal(
                        lambda v=status: check_choice(v, ASSESSMENT_STATUSES, field="status", error=StoredValueError)
                    ),
                    _moment(created_at, "created_at"),
                    _moment(completed_at, "completed_at", optional=True),
                ],
            )
        for key, ids in users.items():
            shown = ", ".join(str(i) for i in ids[:3]) + (f" and {len(ids) - 3} more" if len(ids) > 3 else "")
            yield None, [f"{found[key]} (used by assessment{'s' if len(ids) > 1 else ''} {shown})"]

    def respondents(self) -> Iterator[tuple[object, list[str | None]]]:
        for row_id, name, key, role, created_at in self.rows(
            "SELECT id, name, name_key, role, created_at FROM respondents"
        ):
            yield (
                row_id,
                [
                    _name(name, "name", MAX_PERSON_NAME),
                    _name_key(name, key),
                    _name(role, "role", MAX_ROLE, required=False),
                    _moment(created_at, "created_at"),
                ],
            )

    def _answer(
        self,
        assessment_id: object,
        question_id: object,
        level: object,
        na: object,
        comment: object,
        evidence: object,
        *,
        what: str = "Answer",
        comment_field: str = "comment",
        must_answer: bool = False,
    ) -> str | None:
        flag = _flag(na, f"{what} na")
        if flag is not None:
            return flag
        scale = self.scales.get(assessment_id)  # type: ignore[arg-type]
        if scale is None:
            # The assessment is missing (a broken link) or its questionnaire is not installed, both
            # reported on their own; the text can still be checked.
            return _refusal(
                lambda: check_free_text(comment, field=f"{what} {comment_field}", error=StoredValueError)
            ) or _refusal(lambda: check_free_text(evidence, field=f"{what} evidence", error=StoredValueError))
        if must_answer and level is None and not na:
            return f"{what} to {question_id}: neither a level nor N/A is agreed"
        if (
            _free_text_accepted(comment)
            and _free_text_accepted(evidence)
            and self._choice_accepted(scale, question_id, level, na)
        ):
            return None
        return _refusal(
            lambda: check_answer_value(
                scale.questionnaire,
                question_id,
                level,
                bool(na),
                comment,
                evidence,
                what=what,
                comment_field=comment_field,
            )
        )

    def _choice_accepted(self, scale: _Scale, question_id: object, level: object, na: object) -> bool:
        """Whether check_answer_value accepts this question, level and N/A (asked once per distinct choice)."""
        # The types are part of the key: 1, 1.0 and True are equal as keys but not as levels.
        key = (
            scale.questionnaire.id,
            scale.questionnaire.version,
            type(question_id),
            question_id,
            type(level),
            level,
            na,
        )
        if key in self.accepted_choices:
            return True
        questionnaire = scale.questionnaire
        if _refusal(lambda: check_answer_value(questionnaire, question_id, level, bool(na), "", "")) is not None:
            return False
        self.accepted_choices.add(key)
        return True

    def answers(self) -> Iterator[tuple[object, list[str | None]]]:
        for row_id, assessment_id, question_id, level, na, comment, evidence, evidence_date, updated_at in self.rows(
            _ANSWERS_DATED if self.dated_evidence else _ANSWERS_UNDATED
        ):
            yield (
                row_id,
                [
                    self._answer(assessment_id, question_id, level, na, comment, evidence),
                    _evidence_day(evidence_date, "evidence_date"),
                    _moment(updated_at, "updated_at"),
                ],
            )

    def answer_history(self) -> Iterator[tuple[object, list[str | None]]]:
        for row in self.rows(_HISTORY_DATED if self.dated_evidence else _HISTORY_UNDATED):
            row_id, assessment_id, question_id = row[:3]
            old, new, changed_at = row[3:7], row[7:11], row[11]
            yield (
                row_id,
                [
                    self._answer(assessment_id, question_id, *old, what="Previous answer"),
                    self._answer(assessment_id, question_id, *new, what="New answer"),
                    _evidence_day(row[12], "old_evidence_date"),
                    _evidence_day(row[13], "new_evidence_date"),
                    _moment(changed_at, "changed_at"),
                ],
            )

    def consensus(self) -> Iterator[tuple[object, list[str | None]]]:
        for row_id, assessment_id, question_id, level, na, note, set_by, updated_at in self.rows(
            "SELECT id, assessment_id, question_id, level, na, note, set_by, updated_at FROM consensus"
        ):
            yield (
                row_id,
                [
                    self._answer(
                        assessment_id,
                        question_id,
                        level,
                        na,
                        note,
                        "",
                        what="Consensus",
                        comment_field="note",
                        must_answer=True,
                    ),
                    _name(set_by, "set_by", MAX_PERSON_NAME, required=False),
                    _moment(updated_at, "updated_at"),
                ],
            )

    def targets(self) -> Iterator[tuple[object, list[str | None]]]:
        for row_id, assessment_id, domain_id, level, updated_at in self.rows(
            "SELECT id, assessment_id, domain_id, level, updated_at FROM targets"
        ):
            yield row_id, [self._target(assessment_id, domain_id, level), _moment(updated_at, "updated_at")]

    def _target(self, assessment_id: object, domain_id: object, level: object) -> str | None:
        scale = self.scales.get(assessment_id)  # type: ignore[arg-type]
        if scale is None:
            return None
        if domain_id not in scale.domain_ids:
            return (
                f"domain {_shown(domain_id)} is not in questionnaire '{scale.questionnaire.id}' "
                f"version {scale.questionnaire.version}"
            )
        return _refusal(
            lambda: check_level(scale.questionnaire, level, field=f"Target for {domain_id}", error=StoredValueError)
        )

    def roadmap_items(self) -> Iterator[tuple[object, list[str | None]]]:
        for row_id, assessment_id, question_id, to_level, owner, due_date, status, updated_at in self.rows(
            "SELECT id, assessment_id, question_id, to_level, owner, due_date, status, updated_at FROM roadmap_items"
        ):
            yield (
                row_id,
                [
                    self._step(assessment_id, question_id, to_level),
                    _name(owner, "owner", MAX_OWNER, required=False),
                    _day(due_date, "due_date", optional=True),
                    _refusal(
                        lambda v=status: check_choice(v, ROADMAP_STATUSES, field="status", error=StoredValueError)
                    ),
                    _moment(updated_at, "updated_at"),
                ],
            )

    def _step(self, assessment_id: object, question_id: object, to_level: object) -> str | None:
        scale = self.scales.get(assessment_id)  # type: ignore[arg-type]
        if scale is None:
            return None
        questionnaire = scale.questionnaire
        refused = _refusal(lambda: check_question(questionnaire, question_id, error=StoredValueError)) or _refusal(
            lambda: check_level(
                questionnaire, to_level, field=f"Roadmap step for {question_id}", error=StoredValueError
            )
        )
        if refused is None and to_level == questionnaire.min_level:
            return (
                f"Roadmap step for {question_id}: level {to_level} is the bottom of the scale, so no step leads to it"
            )
        return refused

    def benchmark_imports(self) -> Iterator[tuple[object, list[str | None]]]:
        for row_id, source, imported_at, row_count in self.rows(
            "SELECT id, source, imported_at, row_count FROM benchmark_imports"
        ):
            count_ok = isinstance(row_count, int) and row_count >= 0
            yield (
                row_id,
                [
                    _name(source, "source", MAX_IMPORT_SOURCE),
                    _moment(imported_at, "imported_at"),
                    None if count_ok else f"row_count {_shown(row_count)} is not a whole number of 0 or more",
                ],
            )

    def benchmark_packs(self) -> Iterator[tuple[object, list[str | None]]]:
        for import_id, content_hash in self.rows("SELECT import_id, content_hash FROM benchmark_packs"):
            yield import_id, [_content_hash(content_hash)]

    def benchmark_pack_rows(self) -> Iterator[tuple[object, list[str | None]]]:
        for row_id, row_number, questionnaire_id, industry, size_band, region, year, score_id, score in self.rows(
            "SELECT id, row_number, questionnaire_id, industry, size_band, region, year, score_id, score "
            "FROM benchmark_pack_rows"
        ):
            row_ok = isinstance(row_number, int) and row_number >= MIN_PACK_ROW_NUMBER
            yield (
                row_id,
                [
                    None if row_ok else f"row_number {_shown(row_number)} is not a data row of a CSV file (2 or more)",
                    _name(questionnaire_id, "questionnaire_id", MAX_LABEL),
                    _refusal(lambda v=industry: check_choice(v, INDUSTRIES, field="industry", error=StoredValueError)),
                    _refusal(
                        lambda v=size_band: check_choice(v, SIZE_BANDS, field="size band", error=StoredValueError)
                    ),
                    _refusal(lambda v=region: check_choice(v, REGIONS, field="region", error=StoredValueError)),
                    _pack_year(year),
                    _name(score_id, "score_id", MAX_LABEL),
                    _pack_score(score),
                ],
            )

    def settings(self) -> Iterator[tuple[object, list[str | None]]]:
        for name, value in self.rows("SELECT name, value FROM settings"):
            yield (
                _shown(name),
                [None if isinstance(name, str) and isinstance(value, str) else "the name and the value must be text"],
            )

    def deletions_in_progress(self) -> Iterator[tuple[object, list[str | None]]]:
        # A row here exists only inside the transaction that deletes an assessment; one left in a
        # backup would let that assessment's history be deleted at any time after the restore.
        for (assessment_id,) in self.rows("SELECT assessment_id FROM deletions_in_progress"):
            yield (
                assessment_id,
                ["an interrupted deletion is recorded, which would leave that assessment's history unprotected"],
            )

    def users(self) -> Iterator[tuple[object, list[str | None]]]:
        for row_id, email, key, role, active, created_at in self.rows(
            "SELECT id, email, email_key, role, active, created_at FROM users"
        ):
            yield (
                row_id,
                [
                    _email(email, key),
                    _refusal(lambda v=role: check_choice(v, ROLES, field="role", error=StoredValueError)),
                    _flag(active, "active"),
                    _moment(created_at, "created_at"),
                ],
            )

    def participant_links(self) -> Iterator[tuple[object, list[str | None]]]:
        for row_id, token_hash, assessment_id, domains, created_by, created_at, expires_at, revoked_at in self.rows(
            "SELECT id, token_hash, assessment_id, domains, created_by, created_at, expires_at, revoked_at "
            "FROM participant_links"
        ):
            yield (
                row_id,
                [
                    _token_hash(token_hash),
                    self._link_domains(assessment_id, domains),
                    _name(created_by, "created_by", MAX_ACTOR),
                    _moment(created_at, "created_at"),
                    _moment(expires_at, "expires_at"),
                    _moment(revoked_at, "revoked_at", optional=True),
                ],
            )

    def _link_domains(self, assessment_id: object, domains: object) -> str | None:
        if not isinstance(domains, str):
            return f"domains {_shown(domains)} is not text"
        ids = domains.split(DOMAIN_SEPARATOR) if domains else []
        if not all(DOMAIN_ID.fullmatch(domain) for domain in ids) or len(set(ids)) != len(ids):
            return (
                f"domains {_shown(domains)} is not a list of distinct domain ids separated by commas, such as BIA,REC"
            )
        scale = self.scales.get(assessment_id)  # type: ignore[arg-type]
        if scale is None:
            return None
        unknown = [domain for domain in ids if domain not in scale.domain_ids]
        if unknown:
            return (
                f"domain {_shown(unknown[0])} is not in questionnaire '{scale.questionnaire.id}' "
                f"version {scale.questionnaire.version}"
            )
        return None

    def workshops(self) -> Iterator[tuple[object, list[str | None]]]:
        for assessment_id, mode, set_by, updated_at in self.rows(
            "SELECT assessment_id, mode, set_by, updated_at FROM workshops"
        ):
            yield (
                assessment_id,
                [
                    _refusal(lambda v=mode: check_choice(v, WORKSHOP_MODES, field="mode", error=StoredValueError)),
                    _name(set_by, "set_by", MAX_ACTOR),
                    _moment(updated_at, "updated_at"),
                ],
            )

    def workshop_items(self) -> Iterator[tuple[object, list[str | None]]]:
        for row in self.rows(
            "SELECT id, assessment_id, question_id, status, round, revealed, opened_by, opened_at, round_started_at, "
            "closed_at FROM workshop_items"
        ):
            (
                row_id,
                assessment_id,
                question_id,
                status,
                round_number,
                revealed,
                opened_by,
                opened_at,
                started,
                closed,
            ) = row
            yield (
                row_id,
                [
                    self._workshop_question(assessment_id, question_id),
                    _refusal(lambda v=status: check_choice(v, ITEM_STATUSES, field="status", error=StoredValueError)),
                    _round(round_number, 1),
                    _flag(revealed, "revealed"),
                    _name(opened_by, "opened_by", MAX_ACTOR),
                    _moment(opened_at, "opened_at"),
                    _moment(started, "round_started_at"),
                    _moment(closed, "closed_at", optional=True),
                    _closing(status, closed),
                ],
            )

    def workshop_domain_modes(self) -> Iterator[tuple[object, list[str | None]]]:
        for row_id, assessment_id, domain_id, mode, set_by, updated_at in self.rows(
            "SELECT rowid, assessment_id, domain_id, mode, set_by, updated_at FROM workshop_domain_modes"
        ):
            yield (
                row_id,
                [
                    self._workshop_domain(assessment_id, domain_id),
                    _refusal(lambda v=mode: check_choice(v, WORKSHOP_MODES, field="mode", error=StoredValueError)),
                    _name(set_by, "set_by", MAX_ACTOR),
                    _moment(updated_at, "updated_at"),
                ],
            )

    def workshop_domains(self) -> Iterator[tuple[object, list[str | None]]]:
        for row in self.rows(
            "SELECT id, assessment_id, domain_id, status, round, revealed, opened_by, opened_at, round_started_at, "
            "closed_at FROM workshop_domains"
        ):
            row_id, assessment_id, domain_id, status, round_number, revealed, opened_by, opened_at, started, closed = (
                row
            )
            yield (
                row_id,
                [
                    self._workshop_domain(assessment_id, domain_id),
                    _refusal(lambda v=status: check_choice(v, ITEM_STATUSES, field="status", error=StoredValueError)),
                    _round(round_number, 1),
                    _flag(revealed, "revealed"),
                    _name(opened_by, "opened_by", MAX_ACTOR),
                    _moment(opened_at, "opened_at"),
                    _moment(started, "round_started_at"),
                    _moment(closed, "closed_at", optional=True),
                    _closing(status, closed, what="domain"),
                ],
            )

    def workshop_domain_rounds(self) -> Iterator[tuple[object, list[str | None]]]:
        for row_id, assessment_id, domain_id, question_id, round_number, revealed, started in self.rows(
            "SELECT rowid, assessment_id, domain_id, question_id, round, revealed, round_started_at "
            "FROM workshop_domain_rounds"
        ):
            yield (
                row_id,
                [
                    self._workshop_question(assessment_id, question_id)
                    or self._in_domain(assessment_id, question_id, domain_id),
                    _round(round_number, 2),
                    _flag(revealed, "revealed"),
                    _moment(started, "round_started_at"),
                ],
            )

    def _workshop_domain(self, assessment_id: object, domain_id: object) -> str | None:
        scale = self.scales.get(assessment_id)  # type: ignore[arg-type]
        if scale is None or domain_id in scale.domain_ids:
            return None
        return (
            f"domain {_shown(domain_id)} is not in questionnaire '{scale.questionnaire.id}' "
            f"version {scale.questionnaire.version}"
        )

    def _in_domain(self, assessment_id: object, question_id: object, domain_id: object) -> str | None:
        scale = self.scales.get(assessment_id)  # type: ignore[arg-type]
        question = None if scale is None else scale.questionnaire.find_question(question_id)  # type: ignore[arg-type]
        if question is None or question.domain == domain_id:
            return None
        return f"question {question.id} is in domain {question.domain}, not {_shown(domain_id)}"

    def _workshop_question(self, assessment_id: object, question_id: object) -> str | None:
        scale = self.scales.get(assessment_id)  # type: ignore[arg-type]
        if scale is None:
            return None
        questionnaire = scale.questionnaire
        return _refusal(lambda: check_question(questionnaire, question_id, error=StoredValueError))

    def services(self) -> Iterator[tuple[object, list[str | None]]]:
        for row in self.rows(
            "SELECT id, position, name, name_key, owner, tier, mtpd_hours, rto_hours, rpo_hours, "
            "downtime_cost_per_hour, currency, bia_reviewed_on FROM services"
        ):
            row_id, position, name, key, owner, tier, mtpd, rto, rpo, cost, currency, reviewed = row
            yield (
                row_id,
                [
                    _position(position),
                    _name(name, "name", MAX_SERVICE_NAME),
                    _name_key(name, key),
                    _name(owner, "owner", MAX_OWNER, required=False),
                    _refusal(lambda v=tier: check_choice(v, TIERS, field="tier", error=StoredValueError)),
                    _amount(mtpd, "mtpd_hours"),
                    _amount(rto, "rto_hours"),
                    _amount(rpo, "rpo_hours"),
                    _objectives(rto, mtpd),
                    _amount(cost, "downtime_cost_per_hour", optional=True),
                    None
                    if isinstance(currency, str) and (currency == "" or CURRENCY.fullmatch(currency))
                    else f"currency {_shown(currency)} is neither empty nor a three-letter code such as EUR",
                    _day(reviewed, "bia_reviewed_on", optional=True),
                ],
            )

    def service_dependencies(self) -> Iterator[tuple[object, list[str | None]]]:
        for row_id, service_id, depends_on_id, position in self.rows(
            "SELECT rowid, service_id, depends_on_id, position FROM service_dependencies"
        ):
            yield (
                row_id,
                [
                    _position(position),
                    "a service depends on itself" if service_id == depends_on_id else None,
                ],
            )

    def service_providers(self) -> Iterator[tuple[object, list[str | None]]]:
        for row_id, position, provider, key in self.rows(
            "SELECT rowid, position, provider, provider_key FROM service_providers"
        ):
            yield (
                row_id,
                [
                    _position(position),
                    _name(provider, "provider", MAX_PROVIDER_NAME),
                    None
                    if not isinstance(provider, str) or key == name_key(provider)
                    else f"provider_key {_shown(key)} is not the provider in lower case",
                ],
            )

    def exercises(self) -> Iterator[tuple[object, list[str | None]]]:
        for row_id, position, day, kind, title, participants in self.rows(
            "SELECT id, position, day, kind, title, participants FROM exercises"
        ):
            yield (
                row_id,
                [
                    _position(position),
                    _day(day, "day"),
                    _refusal(lambda v=kind: check_choice(v, EXERCISE_KINDS, field="kind", error=StoredValueError)),
                    _name(title, "title", MAX_EXERCISE_TITLE),
                    _free_text(participants, "participants"),
                ],
            )

    def exercise_results(self) -> Iterator[tuple[object, list[str | None]]]:
        for row_id, position, recovery, loss in self.rows(
            "SELECT rowid, position, recovery_hours, data_loss_hours FROM exercise_results"
        ):
            yield (
                row_id,
                [
                    _position(position),
                    _amount(recovery, "recovery_hours", optional=True),
                    _amount(loss, "data_loss_hours", optional=True),
                ],
            )

    def exercise_findings(self) -> Iterator[tuple[object, list[str | None]]]:
        for row_id, position, text, owner, due, status in self.rows(
            "SELECT id, position, text, owner, due, status FROM exercise_findings"
        ):
            yield (
                row_id,
                [
                    _position(position),
                    _free_text(text, "text")
                    or (
                        None if isinstance(text, str) and text.strip() else "text is empty, so the finding says nothing"
                    ),
                    _name(owner, "owner", MAX_OWNER, required=False),
                    _day(due, "due", optional=True),
                    _refusal(
                        lambda v=status: check_choice(v, FINDING_STATUSES, field="status", error=StoredValueError)
                    ),
                ],
            )

    def finding_roadmap_items(self) -> Iterator[tuple[object, list[str | None]]]:
        # organisation_id and assessment_id are references, which the foreign key check follows. The finding is
        # named by its id in the log of the step's own organisation; an id missing there is a finding removed
        # from the log (the step says so), and the same id may be in another organisation's log, so the
        # organisation a finding belongs to is judged by the step's organisation_id alone.
        for row in self.rows(
            "SELECT i.id, i.organisation_id, a.organisation_id, i.assessment_id, i.finding_key, i.step, i.owner, "
            "i.due_date, i.status, i.created_by, i.created_at, i.updated_at "
            "FROM finding_roadmap_items i LEFT JOIN assessments a ON a.id = i.assessment_id"
        ):
            row_id, organisation_id, assessment_organisation, assessment_id, key = row[:5]
            step, owner, due_date, status, created_by, created_at, updated_at = row[5:]
            yield (
                row_id,
                [
                    None
                    if assessment_organisation is None or organisation_id == assessment_organisation
                    else (
                        f"organisation_id {_shown(organisation_id)} differs from organisation "
                        f"{_shown(assessment_organisation)} of assessment {_shown(assessment_id)}; a finding becomes "
                        "a step of an assessment of its own organisation only"
                    ),
                    None
                    if isinstance(key, str) and FINDING_KEY.fullmatch(key)
                    else f"finding_key {_shown(key)} is not a finding id (up to 40 letters, digits, - and _)",
                    _refusal(lambda v=step: check_step_text(v, field="step", error=StoredValueError)),
                    _name(owner, "owner", MAX_OWNER, required=False),
                    _day(due_date, "due_date", optional=True),
                    _refusal(
                        lambda v=status: check_choice(v, ROADMAP_STATUSES, field="status", error=StoredValueError)
                    ),
                    _name(created_by, "created_by", MAX_ACTOR),
                    _moment(created_at, "created_at"),
                    _moment(updated_at, "updated_at"),
                ],
            )

    def audit_log(self) -> Iterator[tuple[object, list[str | None]]]:
        for row_id, at, actor, action, organisation_id, detail in self.rows(
            "SELECT id, at, actor, action, organisation_id, detail FROM audit_log"
        ):
            yield (
                row_id,
                [
                    _moment(at, "at"),
                    _name(actor, "actor", MAX_ACTOR),
                    _name(action, "action", MAX_AUDIT_ACTION),
                    # A number, not a reference: the log outlives a deleted organisation.
                    _optional_id(organisation_id, "organisation_id"),
                    _free_text(detail, "detail"),
                ],
            )


def _position(value: object) -> str | None:
    if isinstance(value, int) and not isinstance(value, bool) and value >= 0:
        return None
    return f"position {_shown(value)} is not a whole number of 0 or more"


def _amount(value: object, column: str, *, optional: bool = False) -> str | None:
    if value is None and optional:
        return None
    if isinstance(value, int | float) and not isinstance(value, bool) and math.isfinite(value) and value >= 0:
        return None
    return f"{column} {_shown(value)} is not a number of 0 or more"


def _objectives(rto: object, mtpd: object) -> str | None:
    if _amount(rto, "rto") or _amount(mtpd, "mtpd"):
        return None  # reported on their own
    if rto > mtpd:  # type: ignore[operator]
        return f"rto_hours {rto!r} is above mtpd_hours {mtpd!r}; an RTO never exceeds the MTPD"
    return None


def _round(value: object, lowest: int) -> str | None:
    if isinstance(value, int) and not isinstance(value, bool) and value >= lowest:
        return None
    return f"round {_shown(value)} is not a whole number of {lowest} or more"


def _closing(status: object, closed_at: object, *, what: str = "question") -> str | None:
    if status == "open" and closed_at is not None:
        return f"an open {what} has a closing time (closed_at), so the room would never see it as open"
    if status == "closed" and closed_at is None:
        return f"a closed {what} has no closing time (closed_at)"
    return None


def _scale(questionnaire_id: object, version: object) -> _Scale | str:
    """Return what the questionnaire allows, or a sentence saying why it cannot be found."""
    if not isinstance(questionnaire_id, str) or not isinstance(version, str):
        return f"questionnaire {_shown(questionnaire_id)} version {_shown(version)} is not a questionnaire name"
    try:
        questionnaire = get_questionnaire(questionnaire_id, version)
    except UnknownQuestionnaire:
        return (
            f"questionnaire '{questionnaire_id}' version '{version}' is not installed; add its folder under "
            f"{SHIPPED_DIR} or ${EXTRA_DIR_VARIABLE}, then restore again"
        )
    return _Scale(
        questionnaire=questionnaire,
        domain_ids=frozenset(d.id for d in questionnaire.domains),
    )


def foreign_key_problems(conn: sqlite3.Connection) -> Iterator[str]:
    """Yield one sentence per row whose reference to another table leads nowhere (PRAGMA foreign_key_check)."""
    columns: dict[str, dict[int, str]] = {}
    cursor = conn.execute("PRAGMA foreign_key_check")
    while batch := cursor.fetchmany(1000):
        for table, row_id, parent, link in batch:
            if table not in columns:
                by_link: dict[int, list[str]] = {}
                for fk_id, _seq, _parent, column, *_rest in conn.execute(
                    "SELECT * FROM pragma_foreign_key_list(?)", [table]
                ):
                    by_link.setdefault(fk_id, []).append(column)
                columns[table] = {fk_id: ", ".join(names) for fk_id, names in by_link.items()}
            named = columns[table].get(link, "a reference")
            yield f"{table} row {row_id}: {named} refers to a row of {parent} that does not exist"


def value_problems(conn: sqlite3.Connection, tables: Collection[str]) -> Iterator[str]:
    """Yield '<table> row <id>: <problem>' for every stored value the app would refuse, table by table.

    `tables` are the tables the database's schema version has; a table this module does not know
    is not read (the schema check has already compared every table with the migrations).
    """
    answer_columns = {row[1] for row in conn.execute("PRAGMA table_info(answers)")}
    checker = _RowChecker(conn, dated_evidence="evidence_date" in answer_columns)
    checks: dict[str, Callable[[], Iterator[tuple[object, list[str | None]]]]] = {
        "organisations": checker.organisations,
        "assessments": checker.assessments,
        "respondents": checker.respondents,
        "answers": checker.answers,
        "answer_history": checker.answer_history,
        "consensus": checker.consensus,
        "targets": checker.targets,
        "roadmap_items": checker.roadmap_items,
        "benchmark_imports": checker.benchmark_imports,
        "benchmark_packs": checker.benchmark_packs,
        "benchmark_pack_rows": checker.benchmark_pack_rows,
        "settings": checker.settings,
        "deletions_in_progress": checker.deletions_in_progress,
        # user_organisations holds two references and nothing else: the foreign key check covers it.
        "users": checker.users,
        "participant_links": checker.participant_links,
        "audit_log": checker.audit_log,
        "workshops": checker.workshops,
        "workshop_items": checker.workshop_items,
        "workshop_domain_modes": checker.workshop_domain_modes,
        "workshop_domains": checker.workshop_domains,
        "workshop_domain_rounds": checker.workshop_domain_rounds,
        "services": checker.services,
        "service_dependencies": checker.service_dependencies,
        "service_providers": checker.service_providers,
        "exercises": checker.exercises,
        "exercise_results": checker.exercise_results,
        "exercise_findings": checker.exercise_findings,
        "finding_roadmap_items": checker.finding_roadmap_items,
    }
    # Parents come first in `checks`, so every assessment's questionnaire is known before its rows are read.
    for table, check in checks.items():
        if table not in tables:
            continue
        for row_id, found in check():
            for problem in found:
                if problem is not None:
                    yield problem if row_id is None else f"{table} row {row_id}: {problem}"
