"""Installation-wide settings: values that belong to this database, not to one assessment.

The first is the secret that signs offline questionnaires (see exports.offline): it is made the
first time it is needed and then kept, so a file exported here can be checked when it comes back,
and a file exported by another installation, or edited, cannot pass the check. A backup carries
its secret with it, so a restored database still accepts the files exported before.
"""

from __future__ import annotations

import secrets
from typing import Final

from sqlite_utils import Database

from storage.errors import StorageError
from storage.transactions import write_transaction

OFFLINE_SIGNING: Final = "offline-signing"
"""The name of the secret that signs offline questionnaires."""

SECRET_BYTES: Final = 32
"""Random bytes in a new secret (stored as 64 hexadecimal characters): 256 bits, HMAC-SHA256's key size."""

_SELECT: Final = "SELECT value FROM settings WHERE name = ?"


class SettingError(StorageError):
    """A stored setting is not usable as it is (for example a secret too short to be a key)."""


def _stored(db: Database, name: str) -> str | None:
    row = db.execute(_SELECT, [name]).fetchone()
    return None if row is None else str(row[0])


def installation_secret(db: Database, name: str = OFFLINE_SIGNING) -> bytes:
    """Return this installation's secret called `name`, creating a random one the first time it is asked for.

    Two processes asking at once end up with the same secret: each tries to insert its own with
    INSERT OR IGNORE inside a write transaction, and both then read the one that was kept.
    """
    value = _stored(db, name)
    if value is None:
        candidate = secrets.token_hex(SECRET_BYTES)
        with write_transaction(db):
            db.execute("INSERT OR IGNORE INTO settings (name, value) VALUES (?, ?)", [name, candidate])
            value = _stored(db, name)
    if value is None or len(value) < 2 * SECRET_BYTES:
        # A short value (typed in by hand, say) would make signatures guessable; never sign with it.
        raise SettingError(
            f"The setting {name!r} in the settings table is too short to be a secret key; delete that row "
            "and a new secret is made (files signed with the old one must then be exported again)."
        )
    return value.encode("utf-8")
