"""Installation settings: the secret that signs offline questionnaires, made once and kept."""

from __future__ import annotations

import multiprocessing
import secrets
from pathlib import Path
from types import SimpleNamespace

import pytest
from sqlite_utils import Database

import storage.settings
from storage import open_database
from storage.settings import OFFLINE_SIGNING, SettingError, installation_secret


def stored_rows(db: Database) -> list[tuple[str, str]]:
    return [(row["name"], row["value"]) for row in db.query("SELECT name, value FROM settings ORDER BY name")]


def test_the_secret_is_made_on_first_use_as_64_hex_characters(db: Database) -> None:
    assert stored_rows(db) == []
    secret = installation_secret(db)
    assert len(secret) == 64
    assert int(secret, 16) > 0
    assert stored_rows(db) == [(OFFLINE_SIGNING, secret.decode())]


def test_the_secret_is_kept_across_connections(tmp_path: Path) -> None:
    path = tmp_path / "itscm.db"
    first = open_database(path)
    secret = installation_secret(first)
    first.close()
    again = open_database(path)
    try:
        assert installation_secret(again) == secret
        assert len(stored_rows(again)) == 1
    finally:
        again.close()


def test_each_installation_and_each_name_gets_its_own_secret(db: Database) -> None:
    other = open_database(":memory:")
    try:
        assert installation_secret(db) != installation_secret(other)
    finally:
        other.close()
    assert installation_secret(db, "another-purpose") != installation_secret(db)


def test_a_rival_that_creates_the_secret_first_wins_and_both_get_the_same(
    tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    path = tmp_path / "itscm.db"
    mine, rival = open_database(path), open_database(path)
    theirs: list[bytes] = []

    def rival_goes_first(nbytes: int) -> str:
        # The rival's secret is committed after this process found none and before it inserts its own.
        with monkeypatch.context() as inner:
            inner.setattr(storage.settings, "secrets", secrets)
            theirs.append(installation_secret(rival))
        return secrets.token_hex(nbytes)

    monkeypatch.setattr(storage.settings, "secrets", SimpleNamespace(token_hex=rival_goes_first))
    try:
        assert installation_secret(mine) == theirs[0]
        assert stored_rows(mine) == [(OFFLINE_SIGNING, theirs[0].decode())]
    finally:
        mine.close()
        rival.close()


def _ask_for_the_secret(path: str, start: object, results: object) -> None:
    db = open_database(path)
    start.wait()  # type: ignore[attr-defined]
    results.put(installation_secret(db))  # type: ignore[attr-defined]
    db.close()


def test_processes_asking_at_once_end_with_one_secret(tmp_path: Path) -> None:
    path = tmp_path / "itscm.db"
    open_database(path).close()
    context = multiprocessing.get_context("fork")
    start = context.Barrier(4)
    results = context.Queue()
    children = [context.Process(target=_ask_for_the_secret, args=(str(path), start, results)) for _ in range(4)]
    for child in children:
        child.start()
    secrets_seen = {results.get(timeout=30) for _ in children}
    for child in children:
        child.join(timeout=30)
    assert [child.exitcode for child in children] == [0, 0, 0, 0]
    db = open_database(path)
    try:
        assert secrets_seen == {installation_secret(db)}
        assert len(stored_rows(db)) == 1
    finally:
        db.close()


def test_a_stored_secret_too_short_to_be_a_key_is_refused(db: Database) -> None:
    db.execute("INSERT INTO settings (name, value) VALUES (?, ?)", [OFFLINE_SIGNING, "1234"])
    with pytest.raises(SettingError, match=r"^The setting 'offline-signing' in the settings table is too short"):
        installation_secret(db)
