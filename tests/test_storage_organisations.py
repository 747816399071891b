"""Tests for storing and listing organisations."""

from __future__ import annotations

from typing import Any

import pytest
from sqlite_utils import Database
from storage_helpers import table_counts

from storage import create_organisation, get_organisation, list_organisations
from storage.choices import INDUSTRIES, MAX_ORGANISATION_NAME, REGIONS, SIZE_BANDS
from storage.errors import NotFoundError, OrganisationError

VALID = {"industry": "Healthcare", "size_band": "Under 250 employees", "region": "Europe"}


def test_created_organisation_is_returned_as_stored(db: Database) -> None:
    created = create_organisation(db, "  St Mary's Hospital ", **VALID, illustrative=True)
    assert created.name == "St Mary's Hospital"
    assert (created.industry, created.size_band, created.region) == (
        "Healthcare",
        "Under 250 employees",
        "Europe",
    )
    assert created.illustrative is True
    assert get_organisation(db, created.id) == created


def test_organisations_are_listed_alphabetically_ignoring_case(db: Database) -> None:
    for name in ("beta Ltd", "Alpha plc", "Gamma AG"):
        create_organisation(db, name, **VALID)
    assert [o.name for o in list_organisations(db)] == ["Alpha plc", "beta Ltd", "Gamma AG"]


def test_illustrative_organisations_can_be_left_out_of_the_list(db: Database) -> None:
    create_organisation(db, "Real client", **VALID)
    create_organisation(db, "Demo client", **VALID, illustrative=True)
    assert [o.name for o in list_organisations(db, include_illustrative=False)] == ["Real client"]
    assert len(list_organisations(db)) == 2


def test_unknown_organisation_id_raises_not_found(db: Database) -> None:
    with pytest.raises(NotFoundError, match="No organisation with id 42"):
        get_organisation(db, 42)


def test_name_of_the_maximum_length_is_accepted(db: Database) -> None:
    name = "N" * MAX_ORGANISATION_NAME
    assert create_organisation(db, name, **VALID).name == name


@pytest.mark.parametrize(
    ("changes", "message"),
    [
        ({"name": ""}, "empty"),
        ({"name": "   \t"}, "empty"),
        ({"name": "N" * (MAX_ORGANISATION_NAME + 1)}, "at most 200"),
        ({"name": 7}, "must be text"),
        ({"industry": "Mining"}, "Industry 'Mining' is not in the list"),
        ({"size_band": "huge"}, "Size band"),
        ({"region": "Mars"}, "Region"),
        ({"illustrative": "yes"}, "True or False"),
    ],
)
def test_invalid_organisation_is_refused_and_nothing_is_written(
    db: Database, changes: dict[str, Any], message: str
) -> None:
    values: dict[str, Any] = {"name": "Northwind", **VALID, **changes}
    before = table_counts(db)
    with pytest.raises(OrganisationError, match=message):
        create_organisation(db, **values)
    assert table_counts(db) == before


def test_duplicate_name_ignoring_case_and_spaces_is_refused(db: Database) -> None:
    create_organisation(db, "Northwind Bank", **VALID)
    with pytest.raises(OrganisationError, match="already exists"):
        create_organisation(db, " NORTHWIND bank ", **VALID)
    assert len(list_organisations(db)) == 1


@pytest.mark.parametrize("industry", INDUSTRIES)
def test_every_listed_industry_is_accepted(db: Database, industry: str) -> None:
    assert create_organisation(db, "Org", industry, SIZE_BANDS[0], REGIONS[0]).industry == industry


def test_fixed_lists_have_the_expected_entries() -> None:
    assert len(INDUSTRIES) == 11 and INDUSTRIES[-1] == "Other"
    assert len(SIZE_BANDS) == 4
    assert REGIONS == ("Europe", "North America", "Latin America", "Asia-Pacific", "Middle East and Africa")
