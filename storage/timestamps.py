"""Timestamps and dates as stored: ISO 8601 text, UTC for moments."""

from __future__ import annotations

from datetime import UTC, date, datetime


def now_text() -> str:
    """Return the current UTC time as ISO 8601 text with microseconds."""
    return datetime.now(UTC).isoformat(timespec="microseconds")


def to_datetime(text: str) -> datetime:
    """Return the moment stored as ISO 8601 text."""
    return datetime.fromisoformat(text)


def to_optional_datetime(text: str | None) -> datetime | None:
    """Return the moment stored as ISO 8601 text, or None when nothing is stored."""
    return None if text is None else datetime.fromisoformat(text)


def to_date(text: str) -> date:
    """Return the calendar date stored as YYYY-MM-DD text."""
    return date.fromisoformat(text)


def to_optional_date(text: str | None) -> date | None:
    """Return the calendar date stored as YYYY-MM-DD text, or None when nothing is stored."""
    return None if text is None else date.fromisoformat(text)
