"""Read an answers CSV (question_id, level, optional respondent and comment) into scoring responses."""

from __future__ import annotations

import csv
import io
from dataclasses import dataclass

from questionnaires.model import Questionnaire
from scoring.responses import Response

MAX_CSV_BYTES = 5_000_000
REQUIRED = ("question_id", "level")
OPTIONAL = ("respondent", "comment")


class AnswersCsvError(ValueError):
    """An answers CSV has problems; the message lists each one with its row number."""


@dataclass(frozen=True)
class CsvAnswer:
    """One row of an answers CSV: a response and its comment."""

    response: Response
    comment: str


def read_answers_csv(raw: bytes, questionnaire: Questionnaire, name: str = "answers.csv") -> list[CsvAnswer]:
    """Parse and check every row; raise AnswersCsvError listing all problems, or return the answers."""
    if len(raw) > MAX_CSV_BYTES:
        raise AnswersCsvError(f"{name}: the file is larger than {MAX_CSV_BYTES:,} bytes; split it.")
    try:
        text = raw.decode("utf-8-sig")
    except UnicodeDecodeError as exc:
        raise AnswersCsvError(f"{name}: not UTF-8 text (byte {exc.start}); save the CSV as UTF-8.") from None
    reader = csv.DictReader(io.StringIO(text, newline=""))
    header = [h.strip() for h in (reader.fieldnames or [])]
    missing = [column for column in REQUIRED if column not in header]
    if missing:
        raise AnswersCsvError(
            f"{name}: row 1: missing column(s) {', '.join(missing)}; the header must include "
            "question_id and level (respondent and comment are optional)."
        )
    unknown = [h for h in header if h not in REQUIRED + OPTIONAL]
    if unknown:
        raise AnswersCsvError(
            f"{name}: row 1: unknown column(s) {', '.join(unknown)}; use question_id, level, respondent, comment."
        )
    reader.fieldnames = header
    levels = set(questionnaire.level_numbers)
    scale = f"{questionnaire.min_level}-{questionnaire.max_level}"
    problems: list[str] = []
    answers: list[CsvAnswer] = []
    seen: dict[tuple[str, str], int] = {}
    try:
        rows = list(reader)
    except csv.Error as exc:
        raise AnswersCsvError(f"{name}: row {reader.line_num}: {exc}; check the quoting.") from None
    for number, row in enumerate(rows, start=2):
        if None in row:
            problems.append(f"row {number}: more values than columns; check commas and quoting.")
            continue
        qid = (row.get("question_id") or "").strip()
        raw_level = (row.get("level") or "").strip()
        respondent = (row.get("respondent") or "").strip()
        comment = row.get("comment") or ""
        if not qid and not raw_level:
            continue
        question = questionnaire.find_question(qid)
        if question is None:
            problems.append(
                f"row {number}: unknown question id {qid!r}; use an id of questionnaire {questionnaire.id!r}, "
                f"such as {questionnaire.questions[0].id}."
            )
            continue
        level: int | None = None
        na = False
        if raw_level.lower() in {"na", "n/a"}:
            if not question.na_allowed:
                problems.append(f"row {number}: {qid} does not allow N/A; give a level {scale}.")
                continue
            na = True
        elif raw_level.isdigit() and int(raw_level) in levels:
            level = int(raw_level)
        else:
            problems.append(f"row {number}: level {raw_level!r} is not valid; use {scale} or na.")
            continue
        key = (respondent, qid)
        if key in seen:
            who = f" by {respondent!r}" if respondent else ""
            problems.append(f"row {number}: {qid} answered twice{who} (first at row {seen[key]}); keep one row.")
            continue
        seen[key] = number
        answers.append(CsvAnswer(Response(qid, respondent, level, na), comment))
    if problems:
        raise AnswersCsvError("\n".join(f"{name}: {p}" for p in problems))
    return answers
