"""The world map of needs, offers and unmet needs by state: data, stored figures, pages."""

from __future__ import annotations

import json
import re
from datetime import date, timedelta
from pathlib import Path

import pytest

from kb.catalogue import operations
from kb.extensions import db
from kb.matching import state_map
from kb.matching.service import match_service
from kb.models import Programme, StateAggregate
from kb.uow import unit_of_work
from search.places.world_map import world_map

DATA = Path(__file__).resolve().parents[1] / "search" / "data"
FUTURE = date.today() + timedelta(days=365)
CYBERCRIME = {
    "description": "Our police cybercrime unit needs a digital forensics laboratory and "
    "training for examiners in evidence handling.",
    "themes": ["cybercrime"],
    "support_types": ["equipment", "training"],
}


def test_the_map_data_covers_the_193_states_with_its_source():
    members = {
        s["iso3"]: s["m49"] for s in json.loads((DATA / "places_m49.json").read_text())["states"]
    }
    drawn = world_map()
    assert set(drawn.outlines) | set(drawn.points) | set(drawn.not_drawn) == set(members)
    assert drawn.not_drawn == ("NRU",)  # no outline at 1:110m nor a capital in Natural Earth
    assert all(drawn.m49[code] == members[code] for code in drawn.m49)
    assert len(drawn.outlines) == 165 and len(drawn.points) == 27
    assert re.fullmatch(r"(M-?\d+ -?\d+l[-\d ]+z)+", drawn.outlines["KEN"])
    assert drawn.source["commit"] and "public domain" in drawn.source["licence"]
    assert (DATA / "world_map.json").stat().st_size < 80_000  # compact: no tiles, no detail
    readme = (DATA / "README.md").read_text()
    assert "Natural Earth" in readme and drawn.source["commit"] in readme


@pytest.fixture
def catalogue(make):
    make.country("FJI")
    org = make.organisation(name="Forensics Institute")
    make.request("KEN", title="Forensics laboratory for the cybercrime unit", **CYBERCRIME)
    make.request("KEN", title="Public awareness month", themes=["awareness"])
    make.request(
        "SEN",
        title="Confidential grid need",
        description="Our electricity grid operator needs a resilience assessment.",
        themes=["critical_infrastructure"],
        visibility="secretariat",
    )
    make.programme(org, title="Digital forensics laboratories", end_date=FUTURE, **CYBERCRIME)
    make.programme(
        org,
        title="Awareness kits for Kenya only",
        themes=["awareness"],
        eligible_countries=["KEN"],
        visibility="verified",
    )
    make.programme(org, title="Ended programme", end_date=date.today() - timedelta(days=1))
    with unit_of_work():
        match_service().refresh()
    return org


def _figures(viewer):
    threshold = match_service().config.unmet_threshold
    return {
        k: (f.needs, f.offers, f.unmet) for k, f in state_map.figures(viewer, threshold).items()
    }


def test_figures_per_state_honour_visibility(catalogue, make):
    anonymous = None
    public = _figures(anonymous)
    assert public["KEN"][:2] == (2, 1)  # the global programme; not the ended nor the verified one
    assert public["SEN"] == (0, 1, 0)  # its confidential request is not counted
    assert public["FJI"] == (0, 1, 0)  # no request, one programme open to all
    member = _figures(make.user("focal_point", country="SEN"))
    assert member["KEN"][:2] == (2, 2) and member["SEN"][:2] == (1, 1)  # its own request
    secretariat = _figures(make.user("secretariat"))
    assert secretariat["SEN"][:2] == (1, 1) and secretariat["KEN"][:2] == (2, 2)
    assert secretariat["SEN"][2] == 1  # nothing covers the grid need
    assert member["SEN"][2] == 1 and public["SEN"][2] == 0  # its owner sees it, others not
    # the Kenyan awareness need: the kit covers it for those who may see the kit only
    assert public["KEN"][2] == secretariat["KEN"][2] + 1


def test_figures_kept_after_commits_equal_a_rebuild(catalogue, make):
    secretariat = make.user("secretariat")
    focal = make.user("focal_point", country="FJI")
    with unit_of_work():
        new = operations.create_request(
            focal, {"country_code": "FJI", "title": "Forensics lab for the police", **CYBERCRIME,
                    "languages": ["en"]}
        )  # fmt: skip
        operations.change_status(focal, new, "submit")
        operations.change_status(secretariat, new, "publish")
    assert _figures(None)["FJI"][0] == 1
    kept = sorted(
        (a.level, a.kind, a.state, a.count) for a in db.session.scalars(db.select(StateAggregate))
    )
    with unit_of_work():
        state_map.rebuild(match_service().config.unmet_threshold)
    rebuilt = sorted(
        (a.level, a.kind, a.state, a.count) for a in db.session.scalars(db.select(StateAggregate))
    )
    assert kept == rebuilt and kept
    with unit_of_work():
        operations.change_status(focal, new, "withdraw")
    assert _figures(None).get("FJI", (0, 0, 0))[0] == 0


def test_pages_draw_the_map_from_stored_figures(client, catalogue, make):
    page = client.get("/matches").get_data(as_text=True)
    assert 'id="world-map"' in page and "<svg" in page
    svg = page[page.index("<svg viewBox") : page.index("</svg>")]
    assert svg.count('<a href="/countries/') == 3  # each state of the app links to its page
    assert svg.count('class="map-other"') >= 165  # the rest of the world is drawn, plain
    kenya = re.search(
        r'<a href="/countries/KEN" aria-label="[^"]+"><path d="[^"]+" class="b(\d)"><title>([^<]+)',
        page,
    )
    assert kenya and "needs: 2, offers: 1" in kenya.group(2)
    assert "Confidential grid need" not in page
    table = page[page.index('id="world-map-table-caption"') :]
    assert re.search(r"/countries/KEN\">Kenya</a></th><td>2</td><td>1</td>", table)
    # the page reads the stored counts, nothing else: change one and the page follows
    row = db.session.get(StateAggregate, ("public", "request", "KEN"))
    row.count = 7
    db.session.commit()
    page = client.get("/matches?map=needs").get_data(as_text=True)
    assert "needs: 7, offers: 1" in page
    assert 'aria-current="true" class="current">Needs (open requests)' in page
    assert "/matches?map=offers#world-map" in page
    assert "do not imply official endorsement" in page


def test_landscape_and_region_pages_carry_the_map(client, catalogue):
    landscape = client.get("/reports/landscape").get_data(as_text=True)
    assert 'id="world-map"' in landscape and "/reports/landscape?map=unmet#world-map" in landscape
    africa = client.get("/places/group:Africa").get_data(as_text=True)
    assert 'id="world-map"' in africa
    table = africa[africa.index('id="world-map-table-caption"') :]
    assert "/countries/KEN" in table and "/countries/FJI" not in table  # its states only
    assert 'class="map-out"' in africa  # the other states are drawn, not shaded nor linked
    assert '<a href="/countries/FJI"' not in africa[africa.index('id="world-map"') :]


def test_an_unknown_measure_falls_back_to_unmet_needs(client, catalogue):
    page = client.get("/matches?map=<script>").get_data(as_text=True)
    assert 'class="map measure-unmet"' in page and "<script>#" not in page


def test_the_landscape_docx_carries_the_map_and_its_table(client, catalogue):
    import io

    import docx

    document = docx.Document(io.BytesIO(client.get("/reports/landscape.docx").data))
    headings = [p.text for p in document.paragraphs if p.style.name.startswith("Heading")]
    assert "Needs, offers and unmet needs by state" in headings
    pictures = [r for r in document.part.rels.values() if r.reltype.endswith("/image")]
    assert all(r.target_part.blob.startswith(b"\x89PNG") for r in pictures)
    first = re.search(r'r:embed="(rId\d+)"', document.element.body.xml).group(1)
    assert document.part.rels[first].target_part.blob[:4] == b"\x89PNG"  # the map comes first
    table = next(t for t in document.tables if t.rows[0].cells[0].text == "State")
    rows = [[c.text for c in r.cells] for r in table.rows[1:]]
    assert rows[0][:3] == ["Kenya", "2", "1"]  # public figures; Senegal's hidden need absent
    assert all(r[0] != "Senegal" for r in rows)
    assert any("do not imply official endorsement" in p.text for p in document.paragraphs)


def test_a_programme_that_lapses_at_midnight_leaves_the_stored_figures_that_day(catalogue, make):
    """Counted on its last day; from the next day the stored figures leave it out, before any
    refresh or expiry job ran (map, supply and demand, an owner's own confidential ones)."""
    from kb.matching.aggregates import supply_and_demand

    today = date.today()
    make.programme(
        catalogue, title="Incident response clinic", themes=["cybercrime"], end_date=today
    )
    make.programme(
        catalogue,
        title="Confidential clinic",
        themes=["cybercrime"],
        application_deadline=today,
        visibility="secretariat",
    )
    with unit_of_work():
        match_service().refresh()
    threshold = match_service().config.unmet_threshold
    secretariat = make.user("secretariat")

    def offers(viewer, day):
        return state_map.figures(viewer, threshold, day)["KEN"].offers

    def supply(viewer, day):
        return supply_and_demand(viewer, day)["cybercrime"]["Africa"][1]

    assert offers(None, today) == offers(None, today + timedelta(days=1)) + 1
    assert offers(secretariat, today) == offers(secretariat, today + timedelta(days=1)) + 2
    assert supply(None, today) == supply(None, today + timedelta(days=1)) + 1
    assert supply(secretariat, today) == supply(secretariat, today + timedelta(days=1)) + 2
    # the daily job closes them; the refresh then stores what readers already showed
    next_day = state_map.figures(secretariat, threshold, today + timedelta(days=1))
    tomorrow = {s: f.offers for s, f in next_day.items()}
    lapsing = (Programme.end_date == today) | (Programme.application_deadline == today)
    db.session.execute(db.update(Programme).where(lapsing).values(status="closed"))
    with unit_of_work():
        match_service().refresh()
    after = {s: f.offers for s, f in state_map.figures(secretariat, threshold, today).items()}
    assert {s: n for s, n in after.items() if n} == {s: n for s, n in tomorrow.items() if n}


def test_a_programme_is_one_fact_whatever_the_states_it_is_open_to(make):
    """The stored facts stay one row per programme (its audience), however many states it
    is open to; the per-state counts read it for each of them; rows of the earlier form (one
    per state) still count until their programme changes."""
    from sqlalchemy import func, select

    from kb.models import StateFact

    for iso3 in ("KEN", "SEN", "CIV", "DEU"):
        make.country(iso3)
    org = make.organisation(name="Regional Academy")
    africa = make.programme(org, title="Academy for Africa", eligible_regions=["Africa"])
    listed = make.programme(org, title="Two states", eligible_countries=["KEN", "DEU"])
    with unit_of_work():
        match_service().refresh()
    rows = db.session.execute(
        select(StateFact.record_id, func.count(), func.max(StateFact.audience))
        .where(StateFact.kind == "programme")
        .group_by(StateFact.record_id)
    ).all()
    assert {(r, n) for r, n, _ in rows} == {(africa.id, 1), (listed.id, 1)}
    offers = {s: f.offers for s, f in state_map.figures(None, 0.3).items()}
    assert offers == {"KEN": 2, "SEN": 1, "CIV": 1, "DEU": 1}

    # An edit recounts the states before and after (Africa's leave, Germany's come).
    with unit_of_work(index=False):
        africa.eligible_regions = ["Western Europe and Others"]
        db.session.flush()
        state_map.update_records([], [africa.id], 0.3)  # what the refresher does after it
    offers = {s: f.offers for s, f in state_map.figures(None, 0.3).items()}
    assert offers == {"KEN": 1, "DEU": 2}

    # A row of the earlier form (one per state) is read as before, and replaced on a change.
    with unit_of_work(index=False):
        db.session.add(
            StateFact(kind="programme", record_id=listed.id, level="public", state="SEN")
        )
        db.session.flush()
        state_map.rebuild_counts()
    offers = {s: f.offers for s, f in state_map.figures(None, 0.3).items()}
    assert offers == {"KEN": 1, "DEU": 2, "SEN": 1}
    with unit_of_work(index=False):
        state_map.update_records([], [listed.id], 0.3)
    offers = {s: f.offers for s, f in state_map.figures(None, 0.3).items()}
    assert offers == {"KEN": 1, "DEU": 2}
