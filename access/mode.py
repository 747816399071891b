"""How the installation is served: personal, shared with sign-in, or locked until sign-in is configured."""

from __future__ import annotations

import ipaddress
from enum import StrEnum


class Mode(StrEnum):
    """Personal: this machine only, no sign-in. Shared: sign-in required. Locked: served beyond this
    machine without sign-in, so no data is shown (participant links still work)."""

    PERSONAL = "personal"
    SHARED = "shared"
    LOCKED = "locked"


def is_loopback(address: str | None) -> bool:
    """Whether a server address listens on this machine only (an empty address means every interface)."""
    if not address:
        return False
    if address.strip().lower() == "localhost":
        return True
    try:
        return ipaddress.ip_address(address.strip().strip("[]")).is_loopback
    except ValueError:
        return False


def serving_mode(*, sign_in_configured: bool, address: str | None) -> Mode:
    """The mode for a server listening on `address`, with or without sign-in configured."""
    if sign_in_configured:
        return Mode.SHARED
    return Mode.PERSONAL if is_loopback(address) else Mode.LOCKED
