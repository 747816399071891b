"""A real OpenID Connect provider for the sign-in tests, and the steps a person takes to sign in and out.

The provider is oidc-provider-mock, served on a free loopback port from a thread of the test process.
It accepts any client id and secret. Its authorization form asks for a subject (`sub`): a subject it
does not know signs in with the email claim equal to the subject, so `sign_in(page, url,
"ana@example.com")` signs Ana in. For other claims (a name, an email that differs from the subject,
no email at all) set them first with `set_user_claims` or `running_oidc_provider(users=...)`.
"""

from __future__ import annotations

import json
import secrets
import threading
import urllib.parse
import urllib.request
from collections.abc import Callable, Iterator, Mapping, Sequence
from contextlib import contextmanager
from pathlib import Path

import oidc_provider_mock
import werkzeug.serving
from playwright.sync_api import Page, Route

from tests.browser_app import free_port, running_app

AUTH_COOKIE = "_streamlit_user"
APP_START_TIMEOUT_MS = 30_000


def metadata_url(issuer: str) -> str:
    """The provider's discovery document, which `server_metadata_url` in secrets.toml names."""
    return f"{issuer}/.well-known/openid-configuration"


@contextmanager
def running_oidc_provider(users: Mapping[str, Mapping[str, object]] | None = None) -> Iterator[str]:
    """Serve oidc-provider-mock on a free loopback port while the block runs; yield its issuer URL.

    `users` maps a subject to the claims its ID token carries (preset users, as `set_user_claims` does).
    """
    preset = [oidc_provider_mock.User(sub=sub, claims=dict(claims)) for sub, claims in (users or {}).items()]
    # 127.0.0.1, not localhost: the issuer in the tokens is the address the app fetched the metadata from.
    server = werkzeug.serving.make_server("127.0.0.1", 0, oidc_provider_mock.app(user_claims=preset), threaded=True)
    thread = threading.Thread(
        target=server.serve_forever, kwargs={"poll_interval": 0.1}, name="oidc-provider-mock", daemon=True
    )
    thread.start()
    try:
        yield f"http://127.0.0.1:{server.server_port}"
    finally:
        server.shutdown()
        thread.join(timeout=5)
        server.server_close()


def set_user_claims(issuer: str, subject: str, claims: Mapping[str, object]) -> None:
    """Make the provider sign `subject` in with exactly these claims (besides `sub`)."""
    request = urllib.request.Request(
        f"{issuer}/users/{urllib.parse.quote(subject, safe='')}",
        data=json.dumps(dict(claims)).encode(),
        headers={"Content-Type": "application/json"},
        method="PUT",
    )
    with urllib.request.urlopen(request, timeout=10) as response:
        if response.status != 204:
            raise RuntimeError(f"the mock provider refused the claims for {subject!r}: HTTP {response.status}")


def write_sign_in_secrets(path: Path, app_port: int, issuer: str) -> Path:
    """Write a secrets.toml whose [auth] signs in through `issuer` for the app on `app_port`; return `path`."""
    auth = {
        "redirect_uri": f"http://127.0.0.1:{app_port}/oauth2callback",
        "cookie_secret": secrets.token_hex(32),
        "client_id": "itscm-tests",
        "client_secret": secrets.token_hex(16),
        "server_metadata_url": metadata_url(issuer),
    }
    # A JSON string is a valid TOML basic string for these ASCII values.
    lines = ["[auth]", *(f"{key} = {json.dumps(value)}" for key, value in auth.items())]
    path.write_text("\n".join(lines) + "\n")
    return path


@contextmanager
def running_app_with_sign_in(
    database: Path,
    issuer: str,
    *,
    script: Path | str = "app.py",
    options: Sequence[str] = (),
    environment: Mapping[str, str] | None = None,
) -> Iterator[str]:
    """Run the app (see `running_app`) with sign-in through `issuer` configured; yield its base URL.

    The secrets file is written beside `database`, and it is the only one the app reads.
    """
    port = free_port()
    secrets_file = write_sign_in_secrets(database.with_name(f"{database.stem}-secrets.toml"), port, issuer)
    with running_app(
        database, script=script, port=port, secrets=secrets_file, options=options, environment=environment
    ) as url:
        yield url


def _no_outside_requests(route: Route) -> None:
    # The provider's pages load a stylesheet from a CDN; the tests never depend on the internet.
    route.abort()


def _back_in_app(base_url: str) -> Callable[[str], bool]:
    """Whether the browser is on one of the app's pages, past the provider and the app's callback."""
    return lambda url: url.startswith(f"{base_url}/") and "/oauth2callback" not in url and "/auth/" not in url


def wait_for_app_run(page: Page) -> None:
    """Wait until the Streamlit page is connected and its script has finished a run."""
    page.locator('[data-testid="stApp"][data-test-script-state="notRunning"]').wait_for(
        state="attached", timeout=APP_START_TIMEOUT_MS
    )


def sign_in(
    page: Page, base_url: str, subject: str, button: str = "Sign in", timeout_ms: float = APP_START_TIMEOUT_MS
) -> None:
    """Open the app, press its `button`, authorize `subject` at the provider; return once the app shows it signed in.

    Fails with what went wrong when the app does not come back signed in.
    """
    page.route("https://cdn.jsdelivr.net/**", _no_outside_requests)
    page.goto(base_url)
    page.get_by_role("button", name=button, exact=True).click(timeout=APP_START_TIMEOUT_MS)
    subject_field = page.locator('input[name="sub"]')
    try:
        subject_field.wait_for(timeout=timeout_ms)
    except Exception as error:
        raise AssertionError(
            f"pressing {button!r} did not lead to the provider's sign-in form (now at {page.url}); "
            "check the [auth] section of the app's secrets.toml and the app's log"
        ) from error
    subject_field.fill(subject)
    page.get_by_role("button", name="Authorize", exact=True).click()
    page.wait_for_url(_back_in_app(base_url), timeout=APP_START_TIMEOUT_MS)
    if not any(cookie["name"] == AUTH_COOKIE for cookie in page.context.cookies(base_url)):
        raise AssertionError(
            f"the app came back from the provider without signing {subject!r} in (no {AUTH_COOKIE} cookie); "
            "the app's log says why (token exchange, redirect_uri, cookie_secret)"
        )
    wait_for_app_run(page)
    if page.get_by_role("button", name=button, exact=True).count():
        raise AssertionError(f"the app still offers {button!r} after {subject!r} signed in")


def sign_out(page: Page, base_url: str, button: str = "Sign out") -> None:
    """Press the app's `button`, end the session at the provider; return once the app shows it signed out."""
    page.route("https://cdn.jsdelivr.net/**", _no_outside_requests)
    page.get_by_role("button", name=button, exact=True).click(timeout=APP_START_TIMEOUT_MS)
    # st.logout sends the browser to the provider's end-session page, which asks before it ends the session.
    page.get_by_role("button", name="End session", exact=True).click(timeout=APP_START_TIMEOUT_MS)
    page.wait_for_url(_back_in_app(base_url), timeout=APP_START_TIMEOUT_MS)
    if any(cookie["name"] == AUTH_COOKIE for cookie in page.context.cookies(base_url)):
        raise AssertionError(f"the app still holds the {AUTH_COOKIE} cookie after {button!r}")
    wait_for_app_run(page)
