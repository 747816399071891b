"""Business-case assumptions stored per organisation in the settings table, and gone with the organisation."""

from __future__ import annotations

import pytest
from sqlite_utils import Database

from storage import create_organisation
from storage.business_case import AssumptionsError, StoredAssumptions, load_assumptions, save_assumptions
from storage.changes import delete_organisation

FACTS = {"industry": "Healthcare", "size_band": "Under 250 employees", "region": "Europe"}


def test_an_organisation_without_stored_assumptions_gets_the_defaults_marker(db: Database) -> None:
    organisation = create_organisation(db, "Acme", **FACTS)
    assert load_assumptions(db, organisation.id) == StoredAssumptions()


def test_saved_assumptions_come_back_and_belong_to_one_organisation(db: Database) -> None:
    acme = create_organisation(db, "Acme", **FACTS)
    other = create_organisation(db, "Other", **FACTS)
    saved = save_assumptions(db, acme.id, StoredAssumptions(2.5, {1: 4.0, 2: 3.0}))
    assert saved == StoredAssumptions(2.5, {1: 4.0, 2: 3.0})
    assert load_assumptions(db, acme.id) == saved
    assert load_assumptions(db, other.id) == StoredAssumptions()
    assert save_assumptions(db, acme.id, StoredAssumptions(1.0)) == StoredAssumptions(1.0)


def test_a_figure_that_is_not_a_number_is_refused(db: Database) -> None:
    acme = create_organisation(db, "Acme", **FACTS)
    with pytest.raises(AssumptionsError, match="must be a number"):
        save_assumptions(db, acme.id, StoredAssumptions(float("nan")))
    assert load_assumptions(db, acme.id) == StoredAssumptions()


def test_a_row_edited_by_hand_into_nonsense_falls_back_to_the_defaults(db: Database) -> None:
    acme = create_organisation(db, "Acme", **FACTS)
    db.execute("INSERT INTO settings (name, value) VALUES (?, ?)", [f"business-case:{acme.id}", "not json"])
    assert load_assumptions(db, acme.id) == StoredAssumptions()


def test_deleting_the_organisation_deletes_its_assumptions(db: Database) -> None:
    acme = create_organisation(db, "Acme", **FACTS)
    save_assumptions(db, acme.id, StoredAssumptions(3.0))
    delete_organisation(db, acme.id, backup=False)
    assert db.execute("SELECT COUNT(*) FROM settings WHERE name LIKE 'business-case:%'").fetchone()[0] == 0
