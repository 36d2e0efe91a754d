"""Stored matches: pages read them (no engine in a page view), both directions stay current
after each commit, and supply-and-demand counts only what the viewer may see."""

from __future__ import annotations

from datetime import date, timedelta

import pytest
from flask import current_app

from kb.catalogue import operations
from kb.extensions import db
from kb.matching import aggregates
from kb.matching.service import match_service
from kb.models import MatchAggregate, MatchSuggestion
from kb.models.types import utcnow
from kb.uow import unit_of_work

FUTURE = date.today() + timedelta(days=365)
FORENSICS = {
    "description": "Our police cybercrime unit needs a digital forensics laboratory and "
    "training for examiners in evidence handling.",
    "themes": ["cybercrime"],
    "support_types": ["equipment", "training"],
}


@pytest.fixture
def catalogue(make):
    org = make.organisation(name="Forensics Institute")
    programme = make.programme(
        org,
        title="Digital forensics laboratory set-up for law enforcement",
        description="We equip digital forensics laboratories and train police examiners.",
        themes=["cybercrime"],
        support_types=["equipment", "training"],
        end_date=FUTURE,
    )
    hidden = make.programme(
        org,
        title="Confidential forensics laboratory programme",
        description="We equip digital forensics laboratories and train police examiners.",
        themes=["cybercrime"],
        support_types=["equipment"],
        visibility="secretariat",
    )
    request = make.request("KEN", title="Forensics laboratory for the cybercrime unit", **FORENSICS)
    with unit_of_work():
        match_service().refresh()
    return request, programme, hidden, org


def _stored(side: str, **where: int) -> list[int]:
    column = MatchSuggestion.programme_id if side == "request" else MatchSuggestion.request_id
    query = db.select(column).where(MatchSuggestion.side == side)
    for name, value in where.items():
        query = query.where(getattr(MatchSuggestion, name) == value)
    return list(db.session.scalars(query))


def test_both_directions_are_stored(catalogue):
    request, programme, hidden, _ = catalogue
    assert set(_stored("request", request_id=request.id)) == {programme.id, hidden.id}
    assert _stored("programme", programme_id=programme.id) == [request.id]


def test_pages_read_stored_rows_and_never_fit_the_engine(catalogue, client, app):
    request, programme, hidden, _ = catalogue
    current_app.extensions.pop("kb_match", None)  # a fresh worker: nothing fitted
    body = client.get(f"/requests/{request.id}").get_data(as_text=True)
    assert programme.title in body and hidden.title not in body
    assert request.title in client.get(f"/programmes/{programme.id}").get_data(as_text=True)
    assert client.get("/matches").status_code == 200
    api = client.get(f"/api/v1/programmes/{programme.id}/matches").get_json()
    assert [i["record"]["title"] for i in api["items"]] == [request.title]
    service = current_app.extensions.get("kb_match")
    assert service is None or service._engine is None


def test_a_new_request_enters_the_programme_list_after_its_commit(catalogue, make):
    _request, programme, _hidden, _ = catalogue
    focal = make.user("focal_point", country="FJI")
    secretariat = make.user("secretariat")
    with unit_of_work():
        new = operations.create_request(
            focal, {"country_code": "FJI", "title": "Forensics lab for police", **FORENSICS,
                    "languages": ["en"]}
        )  # fmt: skip
        operations.change_status(focal, new, "submit")
        operations.change_status(secretariat, new, "publish")
    assert new.id in _stored("programme", programme_id=programme.id)
    assert programme.id in _stored("request", request_id=new.id)
    with unit_of_work():
        operations.change_status(focal, new, "withdraw")
    assert new.id not in _stored("programme", programme_id=programme.id)
    assert _stored("request", request_id=new.id) == []


def test_a_closed_programme_leaves_every_list(catalogue, make):
    request, programme, _hidden, _ = catalogue
    with unit_of_work():
        operations.change_status(make.user("secretariat"), programme, "close")
    assert programme.id not in _stored("request", request_id=request.id)
    assert _stored("programme", programme_id=programme.id) == []


def _cell(viewer, theme="cybercrime", region="Africa") -> tuple[int, int]:
    return aggregates.supply_and_demand(viewer)[theme][region]


def test_supply_and_demand_counts_only_what_the_viewer_may_see(catalogue, make):
    _request, _programme, _hidden, org = catalogue
    anonymous = None
    provider = make.user("provider", organisation=org)
    secretariat = make.user("secretariat")
    assert _cell(anonymous) == (1, 1)  # the confidential programme is not counted
    assert _cell(provider) == (1, 2)  # its owner counts it
    assert _cell(secretariat) == (1, 2)
    make.request("KEN", title="A confidential need", visibility="secretariat", **FORENSICS)
    with unit_of_work():
        match_service().refresh()
    assert _cell(anonymous) == (1, 1) and _cell(provider) == (1, 2)
    assert _cell(secretariat) == (2, 2)
    assert _cell(make.user("focal_point", country="KEN")) == (2, 1)


def test_counts_kept_after_commits_equal_a_rebuild(catalogue, make):
    request, programme, _hidden, _ = catalogue
    secretariat = make.user("secretariat")
    with unit_of_work():
        operations.update_record(secretariat, request, {"themes": ["awareness"]}, partial=True)
        operations.change_status(secretariat, programme, "close")
    kept = sorted(db.session.execute(db.select(MatchAggregate)).scalars(), key=_key)
    kept = [(_key(a), a.count) for a in kept]
    with unit_of_work():
        aggregates.rebuild()
    rebuilt = [
        (_key(a), a.count) for a in sorted(db.session.scalars(db.select(MatchAggregate)), key=_key)
    ]
    assert kept == rebuilt and kept


def _key(a: MatchAggregate) -> tuple[str, str, str, str]:
    return (a.level, a.kind, a.theme, a.region)


def test_overview_pairs_follow_the_stored_levels(catalogue, make):
    from kb.matching import queries

    request, programme, hidden, org = catalogue

    def pairs(viewer) -> set[int]:
        ids = queries.best_pairs(viewer, queries.MatchFilters()).fetch(0, 1000)
        rows = queries.load_pairs(list(ids))
        return {s.programme_id for s in rows if s.request_id == request.id}

    assert pairs(None) == {programme.id}
    assert pairs(make.user("focal_point", country="KEN")) == {programme.id}
    assert pairs(make.user("provider", organisation=org)) == {programme.id, hidden.id}
    assert pairs(make.user("secretariat")) == {programme.id, hidden.id}


def test_unmet_needs_use_the_programmes_each_viewer_may_see(catalogue, make):
    from kb.matching import queries

    request, programme, _hidden, _ = catalogue
    secretariat = make.user("secretariat")
    with unit_of_work():
        operations.change_status(secretariat, programme, "close")
    anonymous_unmet = [r.id for r, _ in queries.unmet_needs(None, queries.MatchFilters(), 0.3)]
    assert request.id in anonymous_unmet  # the only programme it may see is closed
    best = dict(queries.unmet_needs(secretariat, queries.MatchFilters(), 1.01))
    assert best[request] > 0  # the Secretariat sees the confidential one
    assert queries.unmet_count(None, queries.MatchFilters(), 0.3) == len(anonymous_unmet)


def _ranked(viewer) -> list[int]:
    """The overview's pairs ranked at read time (the path owners take)."""
    from kb.matching import queries

    query = queries._filtered(queries._ranked_pairs(viewer, False), queries.MatchFilters())
    return list(db.session.scalars(query))


def test_stored_overview_flags_give_the_pairs_ranked_at_read_time(make):
    """Several requests, programmes at every level: the flags stored with each list give
    public, verified and Secretariat viewers exactly the pairs ranking per view gave, after
    a full refresh and after commits refresh only what changed."""
    from kb.matching import queries

    org = make.organisation()
    programmes = []
    for n, visibility in enumerate(["public", "verified", "secretariat"] * 3):
        programmes.append(make.programme(
            org, title=f"Forensics laboratory course {n}", visibility=visibility,
            description="We equip digital forensics laboratories and train police examiners "
            f"in evidence handling, cohort {n}.", themes=["cybercrime"],
            support_types=["equipment", "training"], end_date=FUTURE))  # fmt: skip
    for n in range(4):
        make.request("KEN", title=f"Forensics laboratory for unit {n}", **FORENSICS)
    with unit_of_work():
        match_service().refresh()
    viewers = [None, make.user(None), make.user("secretariat")]  # anonymous, verified, all

    def check() -> None:
        for viewer in viewers:
            stored = list(queries.best_pairs(viewer, queries.MatchFilters()).fetch(0, 1000))
            assert stored == _ranked(viewer) and stored, viewer

    check()
    secretariat = viewers[2]
    with unit_of_work():  # a public programme becomes confidential, another closes
        operations.update_record(secretariat, programmes[0], {"visibility": "secretariat"},
                                 partial=True)  # fmt: skip
        operations.change_status(secretariat, programmes[3], "close")
    check()


def _snapshot() -> dict[str, list[tuple]]:
    """Every stored suggestion (by pair and side), aggregate, map count and report count."""
    from kb.models import MatchNeed, ReportCount, StateAggregate

    def rows(query):
        return sorted(tuple(r) for r in db.session.execute(query))

    s = MatchSuggestion
    return {
        "suggestions": rows(db.select(s.side, s.request_id, s.programme_id, s.score)),
        "needs": rows(db.select(MatchNeed.request_id, MatchNeed.best_all, MatchNeed.best_public)),
        "aggregates": rows(
            db.select(
                MatchAggregate.level,
                MatchAggregate.kind,
                MatchAggregate.theme,
                MatchAggregate.region,
                MatchAggregate.count,
            )
        ),
        "map": rows(
            db.select(
                StateAggregate.level,
                StateAggregate.kind,
                StateAggregate.state,
                StateAggregate.count,
            )
        ),
        "report": rows(
            db.select(
                ReportCount.level,
                ReportCount.kind,
                ReportCount.dimension,
                ReportCount.code,
                ReportCount.count,
            )
        ),
    }


def test_many_changed_records_are_refreshed_in_chunks_as_a_full_refresh_would(
    catalogue, make, monkeypatch
):
    """An import's follow-up: many new requests are relisted in chunks and merged into the
    stored programme lists; many new programmes relist everything but recount only their
    own facts. Both leave what a full refresh stores."""
    from kb.matching import service as service_module

    _, _, _, org = catalogue
    monkeypatch.setattr(service_module, "REFRESH_CHUNK", 2)  # several chunks
    monkeypatch.setattr(service_module, "BULK_FROM", 2)
    monkeypatch.setattr(service_module, "FULL_REFRESH_PROGRAMMES", 2)
    monkeypatch.setattr(service_module, "PROGRAMME_KEEP", 3)  # lists fill up, rows fall off
    new_requests = [
        make.request(country, title=f"Forensics laboratory {n} for the police", **FORENSICS)
        for n, country in enumerate(["KEN", "SEN", "FJI", "KEN", "SEN"])
    ]
    service = match_service()
    with unit_of_work():
        service.refresh_records([("request", r.id) for r in new_requests])
    chunked = _snapshot()
    with unit_of_work():
        service.refresh()
    assert chunked == _snapshot()

    new_programmes = [
        make.programme(org, title=f"Forensics training {n}", end_date=FUTURE, **FORENSICS)
        for n in range(3)
    ]
    fits = service.fits
    with unit_of_work():
        service.refresh_records([("programme", p.id) for p in new_programmes])
    assert (service.fits, service.updates) == (fits, 1)  # encoded against the last fit
    incremental = _snapshot()
    with unit_of_work():
        service.refresh(refit=False)  # the same engine: the refresh paths must agree
    assert incremental == _snapshot()
    assert any(row[0] == "programme" for row in incremental["suggestions"])


def _lists(side: str) -> dict[int, list[tuple[int, float]]]:
    """Per record of ``side``: its stored (other record, score) pairs by rank."""
    s = MatchSuggestion
    mine, other = (s.request_id, s.programme_id)
    if side == "programme":
        mine, other = other, mine
    out: dict[int, list[tuple[int, float]]] = {}
    query = db.select(mine, other, s.score).where(s.side == side).order_by(mine, s.rank, other)
    for key, value, score in db.session.execute(query):
        out.setdefault(key, []).append((value, score))
    return out


def _both() -> dict[str, dict[int, list[tuple[int, float]]]]:
    return {side: _lists(side) for side in ("request", "programme")}


def _within(incremental: dict, refit: dict, tolerance: float) -> None:
    """The same records in every stored list, scores within ``tolerance``."""
    for side in ("request", "programme"):
        assert incremental[side].keys() == refit[side].keys()
        for key, found in incremental[side].items():
            assert {i for i, _ in found} == {i for i, _ in refit[side][key]}, (side, key)
            scores = dict(refit[side][key])
            worst = max(abs(score - scores[i]) for i, score in found)
            assert worst <= tolerance, (side, key, worst)


def test_an_edit_is_encoded_against_the_last_fit_within_tolerance_of_a_refit(catalogue, make):
    """A programme edit's follow-up encodes the edited programme against the last fit (no
    refit). An edit of codes, languages or eligibility then stores exactly what a full
    refit (``flask match refresh``) stores, and the hard rules apply at once (a programme
    that now lists Senegal only leaves Kenya's list); an edit of the text stores the same
    records, with scores that differ by the word weights the edit would have moved — on
    this catalogue of five programmes, up to 0.1; 0.03 on the 66 seed programmes and 3,000
    bench ones (docs/MATCHING.md, "Fitting incrementally")."""
    request, _programme, _hidden, org = catalogue
    others = [
        make.programme(
            org,
            title=f"Cybercrime investigation course {n}",
            end_date=FUTURE,
            description="Training for police investigators in digital evidence.",
            themes=["cybercrime"],
            support_types=["training"],
        )
        for n in range(3)
    ]
    senegal = make.request("SEN", title="Forensics training for the gendarmerie", **FORENSICS)
    service = match_service()
    secretariat = make.user("secretariat")
    with unit_of_work():
        service.refresh()
    fits, updates = service.fits, service.updates
    changes = {"eligible_countries": ["SEN"], "support_types": ["training", "equipment"]}
    with unit_of_work():
        operations.update_record(secretariat, others[0], changes, partial=True)
    assert (service.fits, service.updates) == (fits, updates + 1)
    assert others[0].id not in _stored("request", request_id=request.id)
    assert _stored("programme", programme_id=others[0].id) == [senegal.id]
    incremental = _both()
    with unit_of_work():
        service.refresh()  # a full fit, as flask match refresh
    assert service.fits == fits + 1
    assert incremental == _both()

    text = {"description": "Forensic examiners trained in mobile evidence and laboratories."}
    with unit_of_work():
        operations.update_record(secretariat, others[1], text, partial=True)
    assert service.fits == fits + 1
    incremental = _both()
    with unit_of_work():
        service.refresh()
    _within(incremental, _both(), 0.1)


def test_owners_read_the_flags_and_rank_only_what_their_own_records_touch(make):
    """A focal point and a provider with confidential records: the overview merged from the
    stored flags and the few requests their records touch is the list ranked per view over
    every pair, in the same order, with the same total, page by page and with a filter."""
    from kb.matching import queries

    own, other = make.organisation(name="Own Institute"), make.organisation(name="Other")
    for n, (org, visibility) in enumerate(
        [(own, "public"), (own, "secretariat"), (own, "verified"), (other, "public"),
         (other, "secretariat"), (other, "verified"), (other, "public")]
    ):  # fmt: skip
        make.programme(
            org, title=f"Forensics laboratory course {n}", visibility=visibility,
            description="We equip digital forensics laboratories and train police examiners "
            f"in evidence handling, cohort {n}.", themes=["cybercrime"],
            support_types=["equipment", "training"], end_date=FUTURE)  # fmt: skip
    for n, (state, visibility) in enumerate(
        [("KEN", "public"), ("KEN", "secretariat"), ("UGA", "public"), ("UGA", "verified"),
         ("TZA", "secretariat"), ("TZA", "public")]
    ):  # fmt: skip
        make.request(state, title=f"Forensics laboratory for unit {n}", visibility=visibility,
                     **FORENSICS)  # fmt: skip
    with unit_of_work():
        match_service().refresh()
    viewers = [make.user("provider", organisation=own), make.user("focal_point", country="KEN")]
    for viewer in viewers:
        assert queries._touched_by_own(viewer)
        for filters in (queries.MatchFilters(), queries.MatchFilters(country="UGA")):
            ranked = list(
                db.session.scalars(queries._filtered(queries._ranked_pairs(viewer, True), filters))
            )
            merged = queries.best_pairs(viewer, filters)
            assert merged.count() == len(ranked) and len(merged.parts) == 2
            assert merged.fetch(0, 100) == ranked and ranked
            paged = [i for start in range(0, len(ranked), 2) for i in merged.fetch(start, 2)]
            assert paged == ranked


def test_a_request_whose_list_was_never_computed_says_so(make, client):
    """Just saved (its job has not run): the page says the matches are being computed, not
    "no match" nor "unmet"; once computed, with nothing found, it says the need is unmet."""
    request = make.request("KEN", title="Forensics laboratory for the cybercrime unit", **FORENSICS)
    body = client.get(f"/requests/{request.id}").get_data(as_text=True)
    assert "Matches for this request are being computed" in body
    assert "listed among unmet needs" not in body and "No strong or good match" not in body
    with unit_of_work():
        match_service().refresh()
    body = client.get(f"/requests/{request.id}").get_data(as_text=True)
    assert "Matches for this request are being computed" not in body
    assert "listed among unmet needs" in body


def test_the_overview_filters_keep_exactly_the_pairs_of_the_requests_they_name(make):
    """Region, state, theme, scope and date filters (tested on the requests alone) keep the
    same pairs as filtering the unfiltered list record by record, for approved users (the
    flags) and owners (flags merged with their ranked requests)."""
    from kb.matching import queries
    from kb.models import Country, Request

    for iso3 in ("KEN", "SEN", "COL", "DEU"):
        make.country(iso3)
    for n, state in enumerate(("KEN", "SEN", "COL", "DEU", "KEN")):
        themes = ["cybercrime"] if n % 2 else ["cybercrime", "incident_response"]
        make.request(state, title=f"Forensics laboratory for unit {n}", **{**FORENSICS,
                     "themes": themes})  # fmt: skip
    for n in range(3):
        make.programme(title=f"Forensics laboratory course {n}", themes=["cybercrime"],
                       description="We equip digital forensics laboratories and train police "
                       "examiners in evidence handling.", support_types=["equipment", "training"],
                       end_date=FUTURE,
                       visibility="secretariat" if n == 2 else "public")  # fmt: skip
    with unit_of_work():
        match_service().refresh()
    kenya = make.user("focal_point", country="KEN")
    region_of = {c.iso3: c.region for c in db.session.query(Country)}
    for viewer in (None, make.user("secretariat"), kenya):
        every = queries.best_pairs(viewer, queries.MatchFilters()).fetch(0, 1000)
        assert every
        pairs = {p.id: p for p in queries.load_pairs(every)}
        cases = {
            "region": lambda r: region_of[r.country_code] == "Africa",
            "country": lambda r: r.country_code == "SEN",
            "theme": lambda r: "incident_response" in r.themes,
            "states": lambda r: r.country_code in {"COL", "DEU"},
            "since": lambda r: True,
        }
        for name, keep in cases.items():
            value = {"region": "Africa", "country": "SEN", "theme": "incident_response",
                     "states": frozenset({"COL", "DEU"}),
                     "since": date.today() - timedelta(days=1)}[name]  # fmt: skip
            found = queries.best_pairs(viewer, queries.MatchFilters(**{name: value}))
            expected = [i for i in every if keep(db.session.get(Request, pairs[i].request_id))]
            assert found.fetch(0, 1000) == expected, name
            assert found.count() == len(expected), name
        assert any(region_of[pairs[i].request.country_code] != "Africa" for i in every)


def _touch(record) -> None:
    """The record changed and its job after the commit has not run yet (a worker is busy)."""
    record.updated_at = utcnow()
    db.session.commit()


LISTED_PROGRAMME = "a programme listed here changed since; they are being updated."
LISTED_REQUEST = "a request listed here changed since; they are being updated."


def test_a_page_says_when_a_record_it_lists_changed_since_its_list(catalogue, client):
    """The list still shows the other record's old score and reasons: the page says so
    (it said nothing: only its own record's changes were noted)."""
    request, programme, _hidden, _ = catalogue
    request_page, programme_page = f"/requests/{request.id}", f"/programmes/{programme.id}"
    assert LISTED_PROGRAMME not in client.get(request_page).get_data(as_text=True)
    _touch(programme)
    assert LISTED_PROGRAMME in client.get(request_page).get_data(as_text=True)
    assert LISTED_REQUEST not in client.get(programme_page).get_data(as_text=True)
    refresh = [("programme", programme.id), ("request", request.id)]
    with unit_of_work():
        match_service().refresh_records(refresh)
    assert LISTED_PROGRAMME not in client.get(request_page).get_data(as_text=True)
    _touch(request)
    assert LISTED_REQUEST in client.get(programme_page).get_data(as_text=True)
    with unit_of_work():
        match_service().refresh_records(refresh)
    assert LISTED_REQUEST not in client.get(programme_page).get_data(as_text=True)
