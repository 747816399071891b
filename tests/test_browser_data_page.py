"""The Data page in a real browser: import an offline questionnaire, then back up and restore."""

from __future__ import annotations

import io
import sqlite3
from datetime import date
from pathlib import Path

import pytest
from openpyxl import load_workbook
from playwright.sync_api import expect
from sqlite_utils import Database

from exports.offline import offline_workbook
from questionnaires.catalog import get_questionnaire
from storage import create_assessment, create_organisation, get_or_create_respondent, open_database
from tests.browser_app import running_app, settle

pytestmark = pytest.mark.browser

QUESTIONNAIRE = get_questionnaire("itscm", "2026.1")


def filled_offline_workbook(db: Database, assessment_id: int, respondent_id: int) -> bytes:
    """The assessment's offline questionnaire, filled in as a person would in Excel: level 3 everywhere."""
    raw = offline_workbook(
        db,
        QUESTIONNAIRE,
        organisation_name="Initech",
        assessment_label="FY2026",
        assessment_id=assessment_id,
        respondent_name="Continuity manager",
        respondent_id=respondent_id,
    )
    workbook = load_workbook(io.BytesIO(raw))
    sheet = workbook["Questionnaire"]
    header = [cell.value for cell in sheet[1]]
    level_col = header.index("Level") + 1
    comment_col = header.index("Comment") + 1
    for row in range(2, 2 + len(QUESTIONNAIRE.questions)):
        sheet.cell(row, level_col).value = 3
    sheet.cell(2, comment_col).value = "checked by audit"
    out = io.BytesIO()
    workbook.save(out)
    return out.getvalue()


def count(database: Path, sql: str) -> int:
    conn = open_database(database)
    try:
        return int(conn.execute(sql).fetchone()[0])
    finally:
        conn.close()


@pytest.mark.sqlite_only
def test_offline_import_then_backup_and_restore(browser: object, tmp_path: Path) -> None:
    database = tmp_path / "data.db"
    db = open_database(database)
    org = create_organisation(db, "Initech", "Technology", "250-999 employees", "Europe")
    assessment = create_assessment(db, org.id, QUESTIONNAIRE, "FY2026", date(2026, 2, 1))
    respondent = get_or_create_respondent(db, assessment.id, "Continuity manager")
    upload = tmp_path / "offline.xlsx"
    upload.write_bytes(filled_offline_workbook(db, assessment.id, respondent.id))
    db.close()

    with running_app(database) as url:
        page = browser.new_page(viewport={"width": 1400, "height": 1000})
        page.goto(f"{url}/data?assessment={assessment.id}")
        page.get_by_role("tab", name="Import").click()
        page.locator('[data-testid="stFileUploader"]').first.locator('input[type="file"]').set_input_files(upload)
        settle(page)
        page.get_by_text("65 answer rows for Continuity manager").wait_for(timeout=30_000)
        page.get_by_role("button", name="Import", exact=True).click()
        settle(page)
        page.get_by_text("Imported offline.xlsx: 65 answers changed.").wait_for(timeout=30_000)
        assert count(database, "SELECT count(*) FROM answers WHERE level = 3") == 65
        # Only the outcome stays: the upload and its checks are cleared.
        expect(page.get_by_text("65 answer rows for Continuity manager")).to_have_count(0)
        expect(page.get_by_text("offline.xlsx", exact=True)).to_have_count(0)

        # Back up, change something, restore: the change is gone and the old database is kept.
        page.get_by_role("tab", name="Backup and restore").click()
        with page.expect_download() as download:
            page.get_by_role("button", name="Download a backup").click()
        backup = tmp_path / "backup.db"
        download.value.save_as(backup)
        assert count(backup, "SELECT count(*) FROM answers") == 65

        conn = sqlite3.connect(database)
        conn.execute("UPDATE answers SET level = 1")
        conn.commit()
        conn.close()

        page.locator('[data-testid="stFileUploader"]').nth(2).locator('input[type="file"]').set_input_files(backup)
        settle(page)
        page.get_by_text("every check passed").wait_for(timeout=30_000)
        page.get_by_text("Replace all current data with this backup").click()
        settle(page)
        page.get_by_role("button", name="Restore", exact=True).click()
        settle(page)
        page.get_by_text("Restored. The previous database is kept at").wait_for(timeout=30_000)
    assert count(database, "SELECT count(*) FROM answers WHERE level = 3") == 65
    kept = list((tmp_path / "backups").glob("data-before-restore-*.db"))
    assert len(kept) == 1
    assert count(kept[0], "SELECT count(*) FROM answers WHERE level = 1") == 65
