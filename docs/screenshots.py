"""Take the README's screenshots: the app on illustrative demo data, in Debian's Chromium.

Run from the repository root: `.venv/bin/python docs/screenshots.py`. Writes docs/*.png.
"""

from __future__ import annotations

import sys
import tempfile
from pathlib import Path

ROOT = Path(__file__).resolve().parent.parent
sys.path.insert(0, str(ROOT))

from playwright.sync_api import sync_playwright  # noqa: E402

from demo.data import load_demo_data  # noqa: E402
from questionnaires.catalog import get_questionnaire  # noqa: E402
from storage import list_assessments, list_organisations, open_database  # noqa: E402
from tests.browser_app import CHROMIUM_FLAGS, chromium_path, running_app  # noqa: E402


def main() -> None:
    database = Path(tempfile.mkdtemp()) / "screens.db"
    db = open_database(database)
    load_demo_data(db, get_questionnaire("itscm", "2026.1"))
    organisation = next(o for o in list_organisations(db) if o.name.startswith("Northwind"))
    assessment = max(list_assessments(db, organisation.id), key=lambda a: a.assessment_date)
    db.close()
    executable = chromium_path()
    if executable is None:
        raise SystemExit("Install Debian's chromium package first.")
    pages = {
        "home": f"/?organisation={organisation.id}",
        "questionnaire": f"/questionnaire?assessment={assessment.id}&domain=REC",
        "results": f"/results?assessment={assessment.id}",
        "roadmap": f"/roadmap?assessment={assessment.id}",
    }
    with running_app(database) as url, sync_playwright() as playwright:
        browser = playwright.chromium.launch(executable_path=executable, args=CHROMIUM_FLAGS)
        page = browser.new_page(viewport={"width": 1400, "height": 1500})
        for name, path in pages.items():
            page.goto(url + path)
            page.locator('[data-testid="stStatusWidget"]').wait_for(state="hidden", timeout=30_000)
            page.wait_for_timeout(2500)
            target = ROOT / "docs" / f"{name}.png"
            page.screenshot(path=str(target))
            print(f"wrote {target.relative_to(ROOT)}")
        browser.close()


if __name__ == "__main__":
    main()
