"""Errors raised by the scoring engine; every message says what is wrong and how to fix it."""


class ScoringError(ValueError):
    """The answers, targets or settings given to the scoring engine do not fit the questionnaire."""
