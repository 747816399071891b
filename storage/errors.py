"""Exceptions raised by the storage layer; each message says what is wrong and how to fix it."""

from __future__ import annotations


class StorageError(Exception):
    """Base class of every error the storage layer raises on purpose."""


class NotFoundError(StorageError):
    """An organisation, assessment or respondent with the given id does not exist."""


class OrganisationError(StorageError):
    """An organisation's name, industry, size band or region is not acceptable."""


class AssessmentError(StorageError):
    """An assessment's label, date or status is not acceptable."""


class QuestionnaireMismatchError(StorageError):
    """The questionnaire passed in is not the one the assessment was started with."""


class RespondentError(StorageError):
    """A respondent's name or role is not acceptable."""


class AnswerError(StorageError):
    """An answer or consensus names an unknown question, a level outside the scale or a disallowed N/A."""


class TargetError(StorageError):
    """A target names an unknown domain or a level outside the questionnaire's scale."""


class RoadmapItemError(StorageError):
    """A roadmap item has an unknown question, level or status, or a due date that is not a date."""


class BenchmarkImportError(StorageError):
    """A benchmark import record has an empty source name or a negative row count."""


class ServiceRegisterError(StorageError):
    """A service register has problems (names, objectives, dependencies); the message lists each one."""


class ExerciseLogError(StorageError):
    """An exercise and incident log has problems (dates, kinds, services, findings); the message lists each one."""


class SchemaTooNewError(StorageError):
    """The database was written by a newer version of the app than the one running."""


class BackupError(StorageError):
    """A backup could not be written: the source is missing or the destination already exists."""


class DatabaseBusyError(StorageError):
    """Another connection held the write lock for longer than the busy wait, so nothing was written."""


class DatabaseUnavailableError(StorageError):
    """The database file (ITSCM_DB) cannot be opened: a folder, a file that is not SQLite, or a place not writable."""
