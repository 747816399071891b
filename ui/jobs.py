"""Long jobs (exports, imports, restores): one at a time per kind across all sessions and app processes.

The lock lives in the database (storage.job_locks), so app processes that share one database refuse
the same kind of job at once too. A running job renews its lease each time it reports progress.
"""

from __future__ import annotations

import secrets
import threading
import time
from collections.abc import Callable, Iterator
from contextlib import contextmanager, suppress

from storage import connect
from storage.errors import StorageError
from storage.job_locks import acquire_job_lock, release_job_lock, renew_job_lock
from ui.database import db

RENEW_EVERY_SECONDS = 60.0
"""Progress reports renew the lease at most this often (the lease itself is storage.job_locks.LEASE)."""

# The job this thread is running, if any: (kind, holder token, when its lease was last renewed).
_running = threading.local()


@contextmanager
def exclusive(kind: str) -> Iterator[bool]:
    """Hold the lock for one kind of job; yields False (and holds nothing) when one is already running."""
    holder = secrets.token_urlsafe(16)
    acquired = acquire_job_lock(db(), kind, holder)
    if acquired:
        _running.job = (kind, holder, time.monotonic())
    try:
        yield acquired
    finally:
        if acquired:
            _running.job = None
            # The database busy or gone: the lease runs out on its own. (connect, not db(): nothing to show here.)
            with suppress(StorageError):
                release_job_lock(connect(), kind, holder)


def _renew() -> None:
    job = getattr(_running, "job", None)
    if job is None or time.monotonic() - job[2] < RENEW_EVERY_SECONDS:
        return
    kind, holder, _ = job
    _running.job = (kind, holder, time.monotonic())
    # A busy database delays the renewal to the next report; the lease has minutes left.
    with suppress(StorageError):
        renew_job_lock(connect(), kind, holder)


def progress_reporter(bar: object, text: str) -> Callable[[float], None]:
    """A callback for the core's `progress(fraction)` that moves a Streamlit progress bar and keeps the job's lock."""

    def report(fraction: float) -> None:
        bar.progress(min(max(fraction, 0.0), 1.0), text=f"{text} {fraction:.0%}")  # type: ignore[attr-defined]
        _renew()

    return report
