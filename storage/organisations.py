"""Organisations: the clients or units that are assessed."""

from __future__ import annotations

from typing import Any

from sqlite_utils import Database

from storage.choices import INDUSTRIES, MAX_ORGANISATION_NAME, REGIONS, SIZE_BANDS
from storage.errors import NotFoundError, OrganisationError
from storage.records import Organisation
from storage.timestamps import now_text, to_datetime
from storage.transactions import write_transaction
from storage.validation import check_choice, check_id, clean_name, name_key

_SELECT = "SELECT id, name, industry, size_band, region, illustrative, created_at FROM organisations"


def _organisation(row: dict[str, Any]) -> Organisation:
    return Organisation(
        id=row["id"],
        name=row["name"],
        industry=row["industry"],
        size_band=row["size_band"],
        region=row["region"],
        illustrative=bool(row["illustrative"]),
        created_at=to_datetime(row["created_at"]),
    )


def create_organisation(
    db: Database,
    name: str,
    industry: str,
    size_band: str,
    region: str,
    *,
    illustrative: bool = False,
) -> Organisation:
    """Store a new organisation and return it; names are trimmed and must be unique (ignoring case)."""
    clean = clean_name(name, field="Organisation name", max_length=MAX_ORGANISATION_NAME, error=OrganisationError)
    check_choice(industry, INDUSTRIES, field="Industry", error=OrganisationError)
    check_choice(size_band, SIZE_BANDS, field="Size band", error=OrganisationError)
    check_choice(region, REGIONS, field="Region", error=OrganisationError)
    if not isinstance(illustrative, bool):
        raise OrganisationError(f"illustrative must be True or False, not {illustrative!r}.")
    with write_transaction(db):
        clash = db.execute("SELECT name FROM organisations WHERE name_key = ?", [name_key(clean)]).fetchone()
        if clash is not None:
            raise OrganisationError(
                f"An organisation named '{clash[0]}' already exists; open it, or choose another name."
            )
        table = db.table("organisations")
        table.insert(
            {
                "name": clean,
                "name_key": name_key(clean),
                "industry": industry,
                "size_band": size_band,
                "region": region,
                "illustrative": int(illustrative),
                "created_at": now_text(),
            }
        )
        return get_organisation(db, int(table.last_pk))


def get_organisation(db: Database, organisation_id: int) -> Organisation:
    """Return the organisation with this id, or raise NotFoundError."""
    check_id(organisation_id, what="organisation")
    rows = list(db.query(_SELECT + " WHERE id = ?", [organisation_id]))
    if not rows:
        raise NotFoundError(f"No organisation with id {organisation_id}; pick one from the list of organisations.")
    return _organisation(rows[0])


def list_organisations(db: Database, *, include_illustrative: bool = True) -> tuple[Organisation, ...]:
    """Return every organisation in alphabetical order, optionally leaving out illustrative ones."""
    if include_illustrative:
        rows = db.query(_SELECT + " ORDER BY name_key, id")
    else:
        rows = db.query(_SELECT + " WHERE illustrative = 0 ORDER BY name_key, id")
    return tuple(_organisation(row) for row in rows)
