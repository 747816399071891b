"""A long job of one kind cannot start twice at once, in one app process or in several sharing the database."""

from __future__ import annotations

import multiprocessing as mp
import os
from datetime import UTC, datetime
from pathlib import Path
from typing import Any

import pytest

from storage import open_database
from storage.job_locks import LEASE, acquire_job_lock, job_lock_holder, release_job_lock, renew_job_lock
from ui.jobs import exclusive

# Child processes are started fresh (spawn), as a second app process would be, never forked from this one.
SPAWN = mp.get_context("spawn")
WAIT_SECONDS = 60


def _hold(path: str, kind: str, held: Any, finish: Any, release: bool) -> None:
    """In another process: take the job lock of `kind`, say so, wait, then end the job or die holding it."""
    os.environ["ITSCM_DB"] = path
    with exclusive(kind) as mine:
        held.put(mine)
        finish.wait(WAIT_SECONDS)
        if not release:
            os._exit(0)  # killed mid-job: nothing runs the release


def _start_holder(path: Path, kind: str, *, release: bool = True) -> tuple[Any, Any]:
    held, finish = SPAWN.Queue(), SPAWN.Event()
    process = SPAWN.Process(target=_hold, args=(str(path), kind, held, finish, release))
    process.start()
    assert held.get(timeout=WAIT_SECONDS) is True
    return process, finish


def test_a_second_job_of_the_same_kind_is_refused_while_the_first_runs(database: Path) -> None:
    with exclusive("export") as first:
        assert first
        with exclusive("export") as second:
            assert not second
        with exclusive("restore") as other:
            assert other


def test_the_lock_is_released_when_the_job_ends_even_by_an_error(database: Path) -> None:
    with pytest.raises(RuntimeError), exclusive("import") as got:
        assert got
        raise RuntimeError("boom")
    with exclusive("import") as again:
        assert again


def test_another_process_on_the_same_database_is_refused_while_the_first_holds_then_gets_the_lock(
    database: Path,
) -> None:
    process, finish = _start_holder(database, "portfolio")
    try:
        with exclusive("portfolio") as mine:
            assert not mine
        with exclusive("import") as other_kind:
            assert other_kind
    finally:
        finish.set()
        process.join(WAIT_SECONDS)
    assert process.exitcode == 0
    with exclusive("portfolio") as mine:
        assert mine


def test_a_killed_process_keeps_the_lock_until_its_lease_expires_then_it_is_taken_over(database: Path) -> None:
    process, finish = _start_holder(database, "restore", release=False)
    finish.set()
    process.join(WAIT_SECONDS)
    db = open_database(database)
    dead = job_lock_holder(db, "restore")
    assert dead is not None
    assert not acquire_job_lock(db, "restore", "next job")
    later = datetime.now(UTC) + LEASE
    assert acquire_job_lock(db, "restore", "next job", now=later)
    assert job_lock_holder(db, "restore", now=later) == "next job"
    db.close()


def test_a_release_by_anyone_but_the_holder_leaves_the_lock_held(database: Path) -> None:
    db = open_database(database)
    assert acquire_job_lock(db, "export", "holder")
    release_job_lock(db, "export", "someone else")
    assert job_lock_holder(db, "export") == "holder"
    assert not acquire_job_lock(db, "export", "someone else")
    release_job_lock(db, "export", "holder")
    assert job_lock_holder(db, "export") is None
    db.close()


def test_a_renewed_lease_outlives_the_first_one_and_only_the_holder_can_renew(database: Path) -> None:
    db = open_database(database)
    start = datetime.now(UTC)
    assert acquire_job_lock(db, "export", "holder", now=start)
    assert not renew_job_lock(db, "export", "someone else", now=start + LEASE / 2)
    assert renew_job_lock(db, "export", "holder", now=start + LEASE / 2)
    assert not acquire_job_lock(db, "export", "next job", now=start + LEASE)
    assert acquire_job_lock(db, "export", "next job", now=start + LEASE / 2 + LEASE)
    db.close()
