"""The stored codes programmes list (``kb.catalogue.listed``): written with the programme,
taken back with a rolled-back write, made exact by the full refresh, and never fewer than
the programmes list, so the SQL eligibility filter finds a programme the moment it is saved."""

from __future__ import annotations

from sqlalchemy import select

from kb.catalogue import eligibility, listed
from kb.extensions import db
from kb.models import ListedCode, Programme


def _stored() -> set[tuple[str, str]]:
    return set(db.session.execute(select(ListedCode.field, ListedCode.code)).all())


def test_a_programme_write_stores_its_codes_in_the_same_transaction(make) -> None:
    make.programme(eligible_countries=["KEN", "UGA"], eligible_regions=["m49:014"])
    assert {
        ("eligible_countries", "KEN"),
        ("eligible_countries", "UGA"),
        ("eligible_regions", "m49:014"),
    } <= _stored()
    assert {"KEN", "UGA"} <= listed.listed_codes("eligible_countries")


def test_an_edit_adds_the_new_codes_and_a_rollback_takes_them_back(make) -> None:
    record = make.programme(eligible_countries=["KEN"])
    record.eligible_countries = ["KEN", "TZA"]
    db.session.flush()
    assert ("eligible_countries", "TZA") in _stored()
    assert "TZA" in listed.listed_codes("eligible_countries")  # read inside the transaction
    db.session.rollback()
    assert ("eligible_countries", "TZA") not in _stored()
    assert "TZA" not in listed.listed_codes("eligible_countries")


def test_the_full_rebuild_keeps_exactly_what_programmes_list(make) -> None:
    kept = make.programme(eligible_countries=["GHA"])
    dropped = make.programme(eligible_countries=["NGA"], eligible_regions=["African"])
    db.session.delete(dropped)
    db.session.commit()
    assert ("eligible_countries", "NGA") in _stored()  # more than listed: only costs a test
    listed.rebuild()
    db.session.commit()
    assert _stored() == {("eligible_countries", "GHA")}
    assert kept.eligible_countries == ["GHA"]


def test_the_place_filter_finds_a_programme_as_soon_as_it_is_saved(make) -> None:
    for iso3 in ("KEN", "UGA", "GHA"):
        make.country(iso3)
    first = make.programme(eligible_countries=["GHA"])
    place = eligibility.states_clause(["KEN", "UGA"])
    assert db.session.scalars(select(Programme.id).where(place)).all() == []
    second = make.programme(eligible_countries=["UGA"])  # a code no programme listed before
    place = eligibility.states_clause(["KEN", "UGA"])
    assert db.session.scalars(select(Programme.id).where(place)).all() == [second.id]
    assert first.id != second.id
