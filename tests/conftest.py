"""Fixtures shared by several test files."""

from __future__ import annotations

import os
import secrets
from collections.abc import Iterator
from pathlib import Path

import pytest
from playwright.sync_api import sync_playwright
from sqlite_utils import Database
from storage_helpers import add_assessment, build_questionnaire

from questionnaires.model import Questionnaire
from storage import add_respondent, close_thread_connections, open_database
from storage.records import Assessment, Respondent
from tests.browser_app import CHROMIUM_FLAGS, chromium_path

# ------------------------------------------------------------------------------------- PostgreSQL runs

# `ITSCM_TEST_ENGINE=postgresql pytest` runs the suite on PostgreSQL: a database of its own on the server at
# ITSCM_TEST_POSTGRES_ADMIN_URL (default: the local one) for the session, where every SQLite location a test opens
# (a file path or ':memory:', in the tests and in the apps they start) is served by a schema of its own
# (storage.connection). Tests of the SQLite file itself are marked sqlite_only and skipped.
ENGINE = os.environ.get("ITSCM_TEST_ENGINE", "sqlite")
ADMIN_URL = os.environ.get("ITSCM_TEST_POSTGRES_ADMIN_URL", "postgresql://postgres@127.0.0.1:5432/postgres")
ON_POSTGRES = ENGINE == "postgresql"


def _admin(statement: str) -> None:
    import psycopg

    with psycopg.connect(ADMIN_URL, autocommit=True) as conn:
        conn.execute(statement)


def pytest_sessionstart(session: pytest.Session) -> None:
    if ENGINE not in ("sqlite", "postgresql"):
        raise pytest.UsageError(f"ITSCM_TEST_ENGINE must be sqlite or postgresql, not {ENGINE!r}")
    if not ON_POSTGRES or os.environ.get("ITSCM_TEST_POSTGRES_URL"):
        return
    from storage.engines import with_database

    name = f"itscm_test_{secrets.token_hex(6)}"
    _admin(f"CREATE DATABASE {name}")
    os.environ["ITSCM_TEST_POSTGRES_URL"] = with_database(ADMIN_URL, name)
    session.config.stash[_DATABASE] = name


def pytest_sessionfinish(session: pytest.Session) -> None:
    name = session.config.stash.get(_DATABASE, None)
    if name:
        close_thread_connections()
        _admin(f"DROP DATABASE IF EXISTS {name} WITH (FORCE)")


_DATABASE = pytest.StashKey[str]()


def pytest_collection_modifyitems(config: pytest.Config, items: list[pytest.Item]) -> None:
    if not ON_POSTGRES:
        return
    skip = pytest.mark.skip(reason="a feature of the SQLite file; PostgreSQL has its own (pg_dump, server settings)")
    for item in items:
        if item.get_closest_marker("sqlite_only"):
            item.add_marker(skip)


def pytest_report_header(config: pytest.Config) -> str:
    return f"database engine: {ENGINE}"


@pytest.fixture
def database(tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> Iterator[Path]:
    """A database file for the app and the core's connections, named by ITSCM_DB while the test runs."""
    path = tmp_path / "app.db"
    monkeypatch.setenv("ITSCM_DB", str(path))
    yield path
    close_thread_connections()


@pytest.fixture(scope="session")
def browser() -> Iterator[object]:
    """Debian's Chromium, headless, driven by Playwright (never a downloaded browser)."""
    executable = chromium_path()
    if executable is None:
        pytest.fail("Chromium is not installed: `make test` installs Debian's chromium package.")
    with sync_playwright() as playwright:
        instance = playwright.chromium.launch(executable_path=executable, args=CHROMIUM_FLAGS)
        yield instance
        instance.close()


@pytest.fixture
def oidc_provider() -> Iterator[str]:
    """A real OpenID Connect provider (oidc-provider-mock) on loopback for one test; yields its issuer URL."""
    # Imported here: loading the provider (Flask, Authlib) costs every test run half a second otherwise.
    from tests.oidc_provider import running_oidc_provider

    with running_oidc_provider() as issuer:
        yield issuer


# The storage tests share one small setting: a database in memory holding one organisation, one
# assessment against a small questionnaire, and one respondent. A test file that needs another
# setting defines a fixture of the same name, which takes precedence over these.


@pytest.fixture
def db() -> Iterator[Database]:
    """An empty database in memory with the current schema."""
    database = open_database(":memory:")
    yield database
    database.close()


@pytest.fixture
def questionnaire() -> Questionnaire:
    """The storage tests' small questionnaire: domains GOV and BIA, four questions, levels 1-5."""
    return build_questionnaire()


@pytest.fixture
def assessment(db: Database, questionnaire: Questionnaire) -> Assessment:
    """Northwind Bank's FY2026 assessment against `questionnaire`."""
    return add_assessment(db, questionnaire)


@pytest.fixture
def respondent(db: Database, assessment: Assessment) -> Respondent:
    """Ana, the assessment's one respondent."""
    return add_respondent(db, assessment.id, "Ana")
