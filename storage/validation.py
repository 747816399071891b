"""Checks run on user input before anything is written; each raises with what to fix."""

from __future__ import annotations

import unicodedata
from collections.abc import Sequence
from datetime import date, datetime

from questionnaires.model import Question, Questionnaire
from storage.choices import MAX_FREE_TEXT
from storage.errors import AnswerError, NotFoundError, QuestionnaireMismatchError, StorageError
from storage.records import AnswerValue, Assessment

# Characters that reorder how text is displayed (bidirectional overrides and isolates): in a name
# or a comment they can make text read differently from what is stored.
_BIDI_CONTROLS = frozenset("\u202a\u202b\u202c\u202d\u202e\u2066\u2067\u2068\u2069")
# Free text keeps its layout: tabs and line breaks are the only control characters it may hold.
_LAYOUT = frozenset("\t\n\r")


def _hidden_character(text: str, allowed: frozenset[str]) -> tuple[int, str] | None:
    for position, char in enumerate(text, start=1):
        if char in allowed:
            continue
        if char in _BIDI_CONTROLS or unicodedata.category(char) == "Cc":
            return position, char
    return None


def check_visible_text(
    text: str, *, field: str, error: type[StorageError], allowed: frozenset[str] = frozenset()
) -> str:
    """Return `text` after checking it holds no control or text-direction characters (except `allowed`)."""
    found = _hidden_character(text, allowed)
    if found is not None:
        position, char = found
        name = unicodedata.name(char, "control character")
        raise error(
            f"{field} contains an invisible control character (U+{ord(char):04X} {name}) at character {position}; "
            "remove it and type the text again (such characters can hide or reorder what is shown)."
        )
    return text


def clean_name(value: object, *, field: str, max_length: int, error: type[StorageError], required: bool = True) -> str:
    """Return a name with surrounding whitespace trimmed, after checking it is text of a sensible length."""
    if not isinstance(value, str):
        raise error(f"{field} must be text, not {type(value).__name__}.")
    cleaned = check_visible_text(value.strip(), field=field, error=error)
    if required and not cleaned:
        raise error(f"{field} is empty; enter at least one visible character.")
    if len(cleaned) > max_length:
        raise error(f"{field} is {len(cleaned)} characters long; shorten it to at most {max_length} characters.")
    return cleaned


def name_key(name: str) -> str:
    """Return the form of a name used to tell duplicates apart, ignoring case."""
    return name.casefold()


def check_free_text(value: object, *, field: str, error: type[StorageError]) -> str:
    """Return free text unchanged after checking it is text no longer than the limit."""
    if not isinstance(value, str):
        raise error(f"{field} must be text, not {type(value).__name__}.")
    if len(value) > MAX_FREE_TEXT:
        raise error(f"{field} is {len(value)} characters long; shorten it to at most {MAX_FREE_TEXT} characters.")
    return check_visible_text(value, field=field, error=error, allowed=_LAYOUT)


def check_choice(value: object, choices: Sequence[str], *, field: str, error: type[StorageError]) -> str:
    """Return `value` after checking it is one of the fixed `choices`."""
    if not isinstance(value, str) or value not in choices:
        raise error(f"{field} {value!r} is not in the list; choose one of: {', '.join(choices)}.")
    return value


def check_id(value: object, *, what: str) -> int:
    """Return a row id after checking it is an integer (a bool is not), else raise NotFoundError."""
    if isinstance(value, bool) or not isinstance(value, int):
        raise NotFoundError(f"No {what} with id {value!r}: ids are whole numbers; pick the {what} from the list.")
    return value


def check_date(value: object, *, field: str, error: type[StorageError]) -> date:
    """Return a calendar date given as a date, a datetime (its date part) or YYYY-MM-DD text."""
    if isinstance(value, datetime):
        return value.date()
    if isinstance(value, date):
        return value
    if isinstance(value, str):
        try:
            return date.fromisoformat(value.strip())
        except ValueError:
            pass
    raise error(f"{field} {value!r} is not a date; give a date such as 2026-03-31.")


def check_evidence_date(value: object, *, field: str, error: type[StorageError]) -> date | None:
    """Return the date evidence was gathered (None when not given), refusing one later than today."""
    if value is None or value == "":
        return None
    if isinstance(value, datetime) or not isinstance(value, date | str):
        raise error(f"{field} {value!r} is not a date; give a date such as 2026-03-31, or leave it empty.")
    day = check_date(value, field=field, error=error)
    if day > date.today():
        raise error(
            f"{field} {day.isoformat()} is in the future; give the date the evidence was produced or last "
            "reviewed, today at the latest."
        )
    return day


def check_questionnaire_matches(assessment: Assessment, questionnaire: Questionnaire) -> None:
    """Check that `questionnaire` is the id and version the assessment was started with."""
    if (questionnaire.id, questionnaire.version) != (
        assessment.questionnaire_id,
        assessment.questionnaire_version,
    ):
        raise QuestionnaireMismatchError(
            f"Assessment {assessment.id} was started with questionnaire '{assessment.questionnaire_id}' "
            f"version {assessment.questionnaire_version}, but '{questionnaire.id}' version "
            f"{questionnaire.version} was given; load that questionnaire version to work on it."
        )


def check_question(
    questionnaire: Questionnaire, question_id: object, *, error: type[StorageError] = AnswerError
) -> Question:
    """Return the question with this id, or raise naming the questionnaire it is missing from."""
    for question in questionnaire.questions:
        if question.id == question_id:
            return question
    raise error(
        f"Question {question_id!r} is not in questionnaire '{questionnaire.id}' version "
        f"{questionnaire.version}; use one of its question ids, such as {questionnaire.questions[0].id}."
    )


def check_level(questionnaire: Questionnaire, level: object, *, field: str, error: type[StorageError]) -> int:
    """Return `level` after checking it is one of the questionnaire's level numbers."""
    numbers = questionnaire.level_numbers
    if isinstance(level, bool) or not isinstance(level, int) or level not in numbers:
        raise error(
            f"{field}: level {level!r} is not on the scale of questionnaire '{questionnaire.id}'; "
            f"choose one of {', '.join(str(n) for n in numbers)}."
        )
    return level


def check_answer_value(
    questionnaire: Questionnaire,
    question_id: object,
    level: object,
    na: object,
    comment: object,
    evidence: object,
    *,
    evidence_date: object = None,
    what: str = "Answer",
    comment_field: str = "comment",
) -> AnswerValue:
    """Return the answer content after checking it fits the question; nothing is written here."""
    question = check_question(questionnaire, question_id)
    where = f"{what} to {question.id}"
    if not isinstance(na, bool):
        raise AnswerError(f"{where}: na must be True or False, not {na!r}.")
    if na and level is not None:
        raise AnswerError(f"{where}: both level {level!r} and N/A were given; give one or the other.")
    if na and not question.na_allowed:
        raise AnswerError(f"{where}: N/A is not allowed for this question; choose a level instead.")
    checked_level = None if level is None else check_level(questionnaire, level, field=where, error=AnswerError)
    checked_comment = check_free_text(comment, field=f"{where}: {comment_field}", error=AnswerError)
    if na and question.na_requires_justification and not checked_comment.strip():
        raise AnswerError(
            f"{where}: N/A needs a reason here (e.g. no provider supplies this service); write why in the "
            f"{comment_field} first, then choose N/A."
        )
    return AnswerValue(
        level=checked_level,
        na=na,
        comment=checked_comment,
        evidence=check_free_text(evidence, field=f"{where}: evidence", error=AnswerError),
        evidence_date=check_evidence_date(evidence_date, field=f"{where}: evidence date", error=AnswerError),
    )
