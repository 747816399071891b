"""Fixtures shared by several test files."""

from __future__ import annotations

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
