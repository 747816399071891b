"""Which database engine a location or a connection is: SQLite (the embedded default) or PostgreSQL.

Kept apart from storage.postgres so that telling them apart never loads the PostgreSQL driver.
"""

from __future__ import annotations

import re
from typing import Final
from urllib.parse import parse_qsl, quote, urlencode, urlsplit, urlunsplit

POSTGRES_SCHEMES: Final = ("postgresql://", "postgres://")


def is_postgres_url(location: object) -> bool:
    """Whether a database location names a PostgreSQL server rather than a SQLite file."""
    return isinstance(location, str) and location.startswith(POSTGRES_SCHEMES)


def is_postgres(db: object) -> bool:
    """Whether a connection the storage layer holds is PostgreSQL's (storage.postgres.PostgresDatabase)."""
    return getattr(db, "engine", None) == "postgresql"


def shown_url(url: str) -> str:
    """The URL without its password, for messages and logs."""
    parts = urlsplit(url)
    if parts.password is None:
        return url
    netloc = parts.netloc.replace(f":{parts.password}@", ":***@")
    return urlunsplit(parts._replace(netloc=netloc))


def with_schema(url: str, schema: str) -> str:
    """Return `url` with its connections working in `schema` (libpq's `options=-c search_path=...`)."""
    if not re.fullmatch(r"[a-z_][a-z0-9_]{0,62}", schema):
        raise ValueError(f"schema name {schema!r} must be lower-case letters, digits and _")
    parts = urlsplit(url)
    query = [(k, v) for k, v in parse_qsl(parts.query) if k != "options"]
    query.append(("options", f"-csearch_path={schema}"))
    return urlunsplit(parts._replace(query=urlencode(query, quote_via=quote)))


def with_database(url: str, database: str) -> str:
    """Return `url` naming another database on the same server."""
    if not re.fullmatch(r"[a-z_][a-z0-9_]{0,62}", database):
        raise ValueError(f"database name {database!r} must be lower-case letters, digits and _")
    return urlunsplit(urlsplit(url)._replace(path=f"/{database}"))
