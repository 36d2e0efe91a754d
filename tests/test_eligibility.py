"""One eligibility rule: the engine, the Python predicate and the SQL filters agree.

Random programmes (states, regions, places, ``global``, statuses, end dates, deadlines) are stored,
then for every test state and a random day the SQL clause (lists, country pages, reports,
API), the rule on plain dicts and the matching engine's vectorised hard rules must return
the same programmes.  Runs on SQLite and, with ``KB_TEST_DATABASE_URL``, PostgreSQL.
"""

from __future__ import annotations

from datetime import date, timedelta

from flask import Flask
from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st
from sqlalchemy import delete, select

from kb.catalogue import eligibility as sql_rule
from kb.extensions import db
from kb.matching.documents import programme_dict
from kb.models import Country, Programme
from kb.searching.documents import states_of_places
from search.matching import MatchEngine
from search.matching import eligibility as rule
from tests.factories import Factory

TODAY = date(2026, 12, 3)
STATES = ["KEN", "SEN", "FJI", "COL", "EST"]
# UN groups, ``global`` and places of the gazetteer (Eastern Africa: KEN; ECOWAS: SEN)
REGION_CHOICES = ["Africa", "Asia-Pacific", "Eastern Europe", "global", "m49:014", "org:ECOWAS"]

programmes = st.lists(
    st.fixed_dictionaries(
        {
            "status": st.sampled_from(["open", "open", "closed", "draft"]),
            "end": st.one_of(st.none(), st.integers(-2, 2)),
            "deadline": st.one_of(st.none(), st.integers(-2, 2)),
            "regions": st.lists(st.sampled_from(REGION_CHOICES), max_size=2, unique=True),
            "countries": st.lists(st.sampled_from(STATES), max_size=2, unique=True),
        }
    ),
    min_size=1,
    max_size=8,
)


def _day(offset: int | None, today: date) -> date | None:
    return None if offset is None else today + timedelta(days=offset)


@settings(
    max_examples=25,
    deadline=None,
    suppress_health_check=[HealthCheck.function_scoped_fixture, HealthCheck.too_slow],
)
@given(specs=programmes, shift=st.integers(-1, 1))
def test_sql_python_and_engine_agree(app: Flask, specs: list[dict], shift: int) -> None:
    make = Factory()
    for iso3 in STATES:
        make.country(iso3)
    db.session.execute(delete(Programme))
    db.session.commit()
    organisation = make.organisation()
    today = TODAY + timedelta(days=shift)
    for s in specs:
        make.programme(
            organisation,
            status=s["status"],
            end_date=_day(s["end"], TODAY),
            application_deadline=_day(s["deadline"], TODAY),
            eligible_regions=s["regions"],
            eligible_countries=s["countries"],
        )
    stored = list(db.session.scalars(select(Programme)))
    dicts = {p.ref: programme_dict(p) for p in stored}
    engine = MatchEngine().fit(dicts.values())
    for iso3 in STATES:
        country = db.session.get(Country, iso3)
        assert country is not None
        in_sql = {
            p.ref
            for p in db.session.scalars(
                select(Programme).where(sql_rule.eligible_clause(country, today))
            )
        }
        params = rule.params_for(iso3, country.region, today)
        in_python = {ref for ref, d in dicts.items() if rule.holds(rule.ELIGIBLE, d, params)}
        request = {
            "id": "request:1",
            "title": "CSIRT capacity building",
            "description": "Incident responders training.",
            "themes": ["incident_response"],
            "support_types": ["training"],
            "languages": ["en"],
            "country": iso3,
            "region": country.region,
        }
        in_engine = {m.programme_id for m in engine.match_request(request, 50, today=today)}
        assert in_sql == in_python == in_engine, (iso3, today)
        place_only = {
            p.ref
            for p in db.session.scalars(select(Programme).where(sql_rule.open_to_clause(country)))
        }
        assert place_only == {
            ref for ref, d in dicts.items() if rule.open_to(d, iso3, country.region)
        }
        # search's place filter: a programme open to places beyond the UN groups lists the
        # states it is open to in its document
        for ref, d in dicts.items():
            if states := states_of_places(d):
                assert (iso3 in states) == rule.open_to(d, iso3, country.region), ref
    for region in ("Africa", "Asia-Pacific"):
        members = {
            c.iso3: c.region
            for c in db.session.scalars(select(Country).where(Country.region == region))
        }
        some = {
            p.ref
            for p in db.session.scalars(select(Programme).where(sql_rule.region_clause(region)))
        }
        assert some == {
            ref
            for ref, d in dicts.items()
            if any(rule.open_to(d, s, r) for s, r in members.items())
        }


def test_states_listed_close_the_programme_to_their_region(app: Flask, make: Factory) -> None:
    """A programme listing Africa and Kenya is open to Kenya only (the form's promise)."""
    make.country("SEN")
    kenya = make.country("KEN")
    senegal = db.session.get(Country, "SEN")
    p = make.programme(eligible_regions=["Africa"], eligible_countries=["KEN"])
    africa = make.programme(eligible_regions=["Africa"])
    world = make.programme(eligible_regions=["global"])

    def open_to(country: Country) -> set[int]:
        query = select(Programme.id).where(sql_rule.eligible_clause(country, TODAY))
        return set(db.session.scalars(query))

    assert open_to(kenya) == {p.id, africa.id, world.id}
    assert open_to(senegal) == {africa.id, world.id}
    assert not p.is_global and world.is_global
