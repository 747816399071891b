"""CSV exports of one assessment: every respondent's answers, and the results per domain and overall.

The files are UTF-8 with a header row, written by the csv module (fields quoted only when they
hold a comma, quote or line break; lines end in CRLF). The `*_bytes` variants start with a byte
order mark so that Excel opens them as UTF-8 instead of the system code page. Every text cell
goes through `csv_safe`, so a comment such as `=HYPERLINK(...)` arrives as text, never as a
formula; numbers are written as plain numbers.

The full answers export has more columns than `cli.py score` reads; `answers_csv_for_scoring`
writes only the columns that reader accepts (question_id, level, respondent, comment).
"""

from __future__ import annotations

import csv
import io
from collections.abc import Iterable, Sequence
from typing import Final

from exports.report import AssessmentReport
from exports.safe_text import csv_safe
from storage.records import Answer

ANSWER_COLUMNS: Final[tuple[str, ...]] = (
    "organisation",
    "assessment",
    "questionnaire_id",
    "questionnaire_version",
    "respondent",
    "question_id",
    "domain",
    "level",
    "comment",
    "evidence",
    "evidence_date",
    "updated_at",
)
SCORING_COLUMNS: Final[tuple[str, ...]] = ("question_id", "level", "respondent", "comment")
RESULT_COLUMNS: Final[tuple[str, ...]] = (
    "id",
    "name",
    "score",
    "stage",
    "completeness",
    "target",
    "gap",
    "provisional",
)
OVERALL_ID: Final = "overall"
NA_LEVEL: Final = "na"

Cell = str | int | float | None


def _write(columns: Sequence[str], rows: Iterable[Sequence[Cell]]) -> str:
    """Return CSV text with a header row; text cells are neutralised, numbers written as they are."""
    buffer = io.StringIO(newline="")
    writer = csv.writer(buffer, quoting=csv.QUOTE_MINIMAL, lineterminator="\r\n")
    writer.writerow([csv_safe(column) for column in columns])
    for row in rows:
        writer.writerow(["" if cell is None else csv_safe(cell) if isinstance(cell, str) else cell for cell in row])
    return buffer.getvalue()


def _with_bom(text: str) -> bytes:
    return text.encode("utf-8-sig")


def _level(answer: Answer) -> str | int | None:
    if answer.na:
        return NA_LEVEL
    return answer.level


def _ordered_answers(report: AssessmentReport) -> list[tuple[str, Answer]]:
    """Return (respondent name, answer) for every answer with content, by respondent then questionnaire order."""
    position = {question.id: index for index, question in enumerate(report.questionnaire.questions)}
    rows: list[tuple[str, Answer]] = []
    for respondent in report.respondents:
        given = report.answers_of(respondent.id).values()
        kept = [a for a in given if a.holds_something]
        kept.sort(key=lambda a: (position.get(a.question_id, len(position)), a.question_id))
        rows += [(respondent.name, answer) for answer in kept]
    return rows


def answers_csv(report: AssessmentReport) -> str:
    """Return one row per respondent and question answered or commented, with the assessment's context."""
    domains = {question.id: question.domain for question in report.questionnaire.questions}
    assessment = report.assessment
    rows = (
        (
            report.organisation.name,
            assessment.label,
            assessment.questionnaire_id,
            assessment.questionnaire_version,
            respondent,
            answer.question_id,
            domains.get(answer.question_id, ""),
            _level(answer),
            answer.comment,
            answer.evidence,
            None if answer.evidence_date is None else answer.evidence_date.isoformat(),
            None if answer.updated_at is None else answer.updated_at.isoformat(),
        )
        for respondent, answer in _ordered_answers(report)
    )
    return _write(ANSWER_COLUMNS, rows)


def answers_csv_bytes(report: AssessmentReport) -> bytes:
    """Return `answers_csv` as UTF-8 with a byte order mark, ready to download and open in Excel."""
    return _with_bom(answers_csv(report))


def answers_csv_for_scoring(report: AssessmentReport) -> str:
    """Return the answered questions in the columns `cli.py score` reads: question_id, level, respondent, comment.

    Questions that only carry a comment are left out, because that reader needs a level or na on every row.
    """
    rows = (
        (answer.question_id, _level(answer), respondent, answer.comment)
        for respondent, answer in _ordered_answers(report)
        if answer.is_answered
    )
    return _write(SCORING_COLUMNS, rows)


def results_csv(report: AssessmentReport) -> str:
    """Return one row per domain and a last "overall" row: score, stage, completeness, target, gap, provisional."""
    rows: list[tuple[Cell, ...]] = [
        (
            domain.domain_id,
            domain.name,
            domain.score,
            domain.stage,
            domain.completeness,
            domain.target,
            domain.gap,
            _flag(domain.provisional),
        )
        for domain in report.score.domains
    ]
    overall = report.score.overall
    rows.append(
        (
            OVERALL_ID,
            "Overall",
            overall.score,
            overall.stage,
            overall.completeness,
            None,
            None,
            _flag(overall.provisional),
        )
    )
    return _write(RESULT_COLUMNS, rows)


def results_csv_bytes(report: AssessmentReport) -> bytes:
    """Return `results_csv` as UTF-8 with a byte order mark, ready to download and open in Excel."""
    return _with_bom(results_csv(report))


def _flag(value: bool) -> str:
    return "true" if value else "false"
