"""Sign-in through st.login for real: Chromium, a Streamlit app and an OpenID Connect provider on loopback."""

from __future__ import annotations

from pathlib import Path

import pytest
from playwright.sync_api import expect

from tests.oidc_provider import (
    running_app_with_sign_in,
    running_oidc_provider,
    set_user_claims,
    sign_in,
    sign_out,
    wait_for_app_run,
)

pytestmark = pytest.mark.browser

SIGN_IN_APP = Path(__file__).parent / "fixtures" / "sign_in_app.py"


def test_a_person_signs_in_stays_signed_in_after_a_reload_and_signs_out(
    browser: object, oidc_provider: str, tmp_path: Path
) -> None:
    with running_app_with_sign_in(tmp_path / "app.db", oidc_provider, script=SIGN_IN_APP) as url:
        page = browser.new_page()
        page.goto(url)
        expect(page.get_by_role("heading", name="Signed out")).to_be_visible(timeout=30_000)

        sign_in(page, url, "ana@example.com")
        expect(page.get_by_text("Signed in as ana@example.com")).to_be_visible()

        page.reload()
        wait_for_app_run(page)
        expect(page.get_by_text("Signed in as ana@example.com")).to_be_visible()

        sign_out(page, url)
        expect(page.get_by_role("button", name="Sign in")).to_be_visible()
        page.reload()
        wait_for_app_run(page)
        expect(page.get_by_role("heading", name="Signed out")).to_be_visible()
        page.close()


def test_claims_set_at_the_provider_reach_st_user(browser: object, oidc_provider: str, tmp_path: Path) -> None:
    set_user_claims(oidc_provider, "entra-object-id-1", {"email": "bo@example.com", "name": "Bo"})
    with running_app_with_sign_in(tmp_path / "app.db", oidc_provider, script=SIGN_IN_APP) as url:
        page = browser.new_page()
        sign_in(page, url, "entra-object-id-1")
        expect(page.get_by_text("Signed in as bo@example.com")).to_be_visible()
        page.close()


def test_sign_in_says_so_when_the_app_cannot_reach_the_provider(browser: object, tmp_path: Path) -> None:
    with running_oidc_provider() as issuer:
        pass  # the provider is gone again: its address now refuses connections
    with running_app_with_sign_in(tmp_path / "app.db", issuer, script=SIGN_IN_APP) as url:
        page = browser.new_page()
        with pytest.raises(AssertionError, match="did not lead to the provider's sign-in form"):
            sign_in(page, url, "ana@example.com", timeout_ms=5_000)
        page.close()
