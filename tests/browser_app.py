"""Start the real app with `streamlit run` and drive it with Debian's Chromium through Playwright."""

from __future__ import annotations

import os
import shutil
import socket
import subprocess
import sys
import time
import urllib.request
from collections.abc import Iterator, Mapping, Sequence
from contextlib import contextmanager
from pathlib import Path

ROOT = Path(__file__).resolve().parent.parent
CHROMIUM_FLAGS = [
    "--no-sandbox",
    "--disable-gpu",
    "--disable-dev-shm-usage",
    "--disable-background-networking",
    "--disable-component-update",
    "--disable-sync",
    "--disable-quic",
    "--no-first-run",
]


def chromium_path() -> str | None:
    """Debian's Chromium, never a downloaded browser."""
    return shutil.which("chromium") or shutil.which("chromium-browser")


def free_port() -> int:
    with socket.socket() as sock:
        sock.bind(("127.0.0.1", 0))
        return int(sock.getsockname()[1])


@contextmanager
def running_app(
    database: Path,
    timeout: float = 60.0,
    *,
    script: Path | str = "app.py",
    port: int | None = None,
    secrets: Path | None = None,
    options: Sequence[str] = (),
    environment: Mapping[str, str] | None = None,
) -> Iterator[str]:
    """Run `streamlit run SCRIPT` (app.py unless told) against `database`; yield its base URL.

    `port` is a free port by default; pass one from `free_port()` when something written before the
    start must name it (a sign-in redirect URI). `secrets` is the only secrets.toml the app reads
    (the project's and the user's are then ignored); `options` are more `streamlit run` options
    and `environment` more environment variables.
    """
    port = free_port() if port is None else port
    env = {
        **os.environ,
        "ITSCM_DB": str(database),
        "STREAMLIT_BROWSER_GATHER_USAGE_STATS": "false",
        **(environment or {}),
    }
    command = [sys.executable, "-m", "streamlit", "run", str(script), "--server.port", str(port)]
    command += ["--server.headless", "true"]
    # On the command line, not STREAMLIT_SECRETS_FILES: that variable is split at spaces.
    if secrets is not None:
        command += ["--secrets.files", str(secrets)]
    command += list(options)
    log = database.with_suffix(".log").open("w")
    process = subprocess.Popen(
        command,
        cwd=ROOT,
        env=env,
        stdout=log,
        stderr=subprocess.STDOUT,
    )
    url = f"http://127.0.0.1:{port}"
    try:
        deadline = time.monotonic() + timeout
        while True:
            try:
                with urllib.request.urlopen(f"{url}/_stcore/health", timeout=2) as response:
                    if response.read() == b"ok":
                        break
            except OSError:
                if process.poll() is not None or time.monotonic() > deadline:
                    raise RuntimeError(f"the app did not start; see {log.name}") from None
                time.sleep(0.25)
        yield url
    finally:
        process.terminate()
        try:
            process.wait(timeout=10)
        except subprocess.TimeoutExpired:
            process.kill()
        log.close()


def settle(page: object) -> None:
    """Wait until Streamlit has finished the rerun that the last action started."""
    page.wait_for_timeout(150)  # type: ignore[attr-defined]
    page.locator('[data-testid="stStatusWidget"]').wait_for(state="hidden", timeout=30_000)  # type: ignore[attr-defined]
    page.wait_for_timeout(100)  # type: ignore[attr-defined]
