"""Long jobs (exports, imports, restores): one at a time per kind across all sessions, with progress."""

from __future__ import annotations

import threading
from collections.abc import Callable, Iterator
from contextlib import contextmanager

_GUARD = threading.Lock()
_RUNNING: dict[str, threading.Lock] = {}


@contextmanager
def exclusive(kind: str) -> Iterator[bool]:
    """Hold the lock for one kind of job; yields False (and holds nothing) when one is already running."""
    with _GUARD:
        lock = _RUNNING.setdefault(kind, threading.Lock())
    acquired = lock.acquire(blocking=False)
    try:
        yield acquired
    finally:
        if acquired:
            lock.release()


def progress_reporter(bar: object, text: str) -> Callable[[float], None]:
    """A callback for the core's `progress(fraction)` that moves a Streamlit progress bar."""

    def report(fraction: float) -> None:
        bar.progress(min(max(fraction, 0.0), 1.0), text=f"{text} {fraction:.0%}")  # type: ignore[attr-defined]

    return report
