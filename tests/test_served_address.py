"""The app listens on this machine only unless someone deliberately serves it to others."""

from __future__ import annotations

import socket
import subprocess
import tomllib
from pathlib import Path

import pytest

from tests.browser_app import running_app

ROOT = Path(__file__).resolve().parent.parent


def non_loopback_addresses() -> list[str]:
    """This machine's IPv4 addresses other than loopback."""
    try:
        output = subprocess.run(["hostname", "-I"], capture_output=True, text=True, timeout=5).stdout
    except (OSError, subprocess.SubprocessError):
        return []
    return [a for a in output.split() if "." in a and not a.startswith("127.")]


def test_the_shipped_configuration_binds_the_server_to_loopback() -> None:
    config = tomllib.loads((ROOT / ".streamlit" / "config.toml").read_text())
    assert config["server"]["address"] in {"127.0.0.1", "localhost"}


def test_make_run_binds_the_server_to_loopback() -> None:
    run_recipe = (ROOT / "Makefile").read_text().split("\nrun:", 1)[1].split("\n\n", 1)[0]
    assert "--server.address 127.0.0.1" in run_recipe


def test_the_running_app_cannot_be_reached_on_another_interface(tmp_path: Path) -> None:
    others = non_loopback_addresses()
    if not others:
        pytest.skip("this machine has no network interface besides loopback")
    with running_app(tmp_path / "app.db") as url:
        port = int(url.rsplit(":", 1)[1])
        with socket.create_connection(("127.0.0.1", port), timeout=5):
            pass
        for address in others:
            with pytest.raises(OSError), socket.create_connection((address, port), timeout=5):
                pass
