"""Search in the app: kept in step with commits, never leaking, repairable."""

from __future__ import annotations

import gc
import json
import re
import uuid
import warnings
from itertools import product

import pytest

from kb import access
from kb.catalogue import operations
from kb.extensions import db
from kb.models import SearchQueueEntry
from kb.searching.service import search_service
from kb.uow import unit_of_work
from search import SearchQuery

VALID_REQUEST = {
    "country_code": "KEN",
    "title": "Quokkaland forensic laboratory",
    "description": "Our police need a digital forensics laboratory and trained examiners.",
    "themes": ["cybercrime"],
    "support_types": ["equipment"],
    "languages": ["en"],
}


def _ids(user, text: str) -> list[str]:
    result = search_service().search(
        SearchQuery(text=text, viewer_tokens=access.viewer_tokens(user))
    )
    return [h.id for h in result.hits]


@pytest.fixture(params=["memory", "postgres"])
def search_backend(request, app, database_url):
    """The app's search on the default test backend, and on PostgreSQL in the suite's
    PostgreSQL pass (tables of its own, dropped afterwards)."""
    if request.param == "memory":
        yield "memory"
        return
    if not database_url.startswith("postgresql"):
        pytest.skip("the postgres search backend needs the suite's PostgreSQL pass")
    app.config.update(
        SEARCH_BACKEND="postgres",
        SEARCH_URL=database_url,
        SEARCH_TABLE=f"search_a_{uuid.uuid4().hex[:12]}",
    )
    app.extensions["kb_search"] = None
    try:
        yield "postgres"
    finally:
        backend = search_service().backend
        backend.drop()
        backend.close()
        app.extensions["kb_search"] = None


@pytest.mark.usefixtures("search_backend")
def test_index_follows_every_commit(make):
    focal = make.user("focal_point", country="KEN")
    secretariat = make.user("secretariat")
    with unit_of_work():
        request = operations.create_request(focal, VALID_REQUEST)
    ref = request.ref
    assert _ids(focal, "quokkaland") == [ref]  # the owner finds its draft at once
    assert _ids(None, "quokkaland") == []  # the public does not
    with unit_of_work():
        operations.change_status(focal, request, "submit")
        operations.change_status(secretariat, request, "publish")
    assert _ids(None, "quokkaland") == [ref]
    with unit_of_work():
        operations.update_record(focal, request, {**VALID_REQUEST, "title": "Wombatland lab"})
    assert _ids(None, "wombatland") == [ref] and _ids(None, "quokkaland") == []
    with unit_of_work():
        operations.change_status(focal, request, "withdraw")
    assert _ids(None, "wombatland") == []
    assert _ids(secretariat, "wombatland") == [ref]
    assert db.session.query(SearchQueueEntry).count() == 0


def test_rolled_back_changes_never_reach_the_index(make):
    focal = make.user("focal_point", country="KEN")
    with pytest.raises(RuntimeError), unit_of_work():
        operations.create_request(focal, VALID_REQUEST)
        raise RuntimeError("boom")
    assert _ids(make.user("secretariat"), "quokkaland") == []
    assert db.session.query(SearchQueueEntry).count() == 0


def test_failed_indexing_keeps_the_queue_for_later(make, monkeypatch):
    focal = make.user("focal_point", country="KEN")
    service = search_service()

    def broken(docs):
        raise OSError("disk full")

    monkeypatch.setattr(service.backend, "upsert", broken)
    with unit_of_work():  # the data commits even though indexing fails
        request = operations.create_request(focal, VALID_REQUEST)
    assert db.session.query(SearchQueueEntry).count() == 1
    monkeypatch.undo()
    assert service.drain() == 1
    assert _ids(focal, "quokkaland") == [request.ref]


VISIBILITIES = ["public", "verified", "secretariat"]
STATUSES = ["draft", "submitted", "open", "withdrawn", "closed"]


def test_tokens_agree_with_can_view_for_every_role_and_state(make):
    make.country("SEN")
    owner_org = make.organisation()
    users = [
        None,
        make.user(None, status="pending"),
        make.user("focal_point", country="KEN"),
        make.user("focal_point", country="SEN"),
        make.user("provider", organisation=owner_org),
        make.user("provider"),
        make.user("secretariat"),
        make.user("focal_point", country="KEN", status="disabled"),
    ]
    for visibility, status in product(VISIBILITIES, STATUSES):
        records = [
            make.request("KEN", visibility=visibility, status=status),
            make.programme(owner_org, visibility=visibility, status=status),
        ]
        for record, user in product(records, users):
            by_tokens = bool(set(access.record_tokens(record)) & access.viewer_tokens(user))
            assert by_tokens == access.can_view(user, record), (record, user)


def _seed_secret(make):
    make.country("SEN")
    make.request("KEN", title="Ordinary public request on awareness", visibility="public")
    secret = make.request(
        "SEN",
        title="Zanzibarian vulnerability in the national grid",
        description="Confidential: zanzibarian gaps in the SCADA estate of the electricity grid.",
        themes=["critical_infrastructure"],
        visibility="secretariat",
    )
    search_service().reindex()
    return secret


def test_search_pages_never_reveal_confidential_records(make, client):
    _seed_secret(make)
    for query in ("zanzibarian", "zanzibarien", "zanzibar*", "grid", ""):
        data = client.get(f"/search.json?q={query}").get_json()
        blob = json.dumps(data)
        assert "anzibar" not in blob.replace(query, "") if query else "anzibar" not in blob
        assert "SEN" not in json.dumps(data["facets"])
        assert "critical_infrastructure" not in json.dumps(data["facets"])
        page = client.get(f"/search?q={query}").get_data(as_text=True)
        assert "Zanzibarian vulnerability" not in page
    data = client.get("/search.json?q=grid").get_json()
    assert data["total"] == 0 and data["suggestion"] is None
    everything = client.get("/search.json").get_json()
    assert everything["total"] == 1


def test_search_shows_confidential_records_to_owner_and_secretariat(make, client, auth):
    secret = _seed_secret(make)
    for user in (make.user("focal_point", country="SEN"), make.user("secretariat")):
        auth.login(user.email)
        data = client.get("/search.json?q=zanzibarian").get_json()
        assert [h["id"] for h in data["hits"]] == [secret.ref]
        auth.logout()
    auth.login(make.user("focal_point", country="KEN").email)
    assert client.get("/search.json?q=zanzibarian").get_json()["total"] == 0


def test_search_page_filters_facets_and_sharing_url(make, client):
    make.request("KEN", title="Kenyan awareness campaign", themes=["awareness"])
    make.request("KEN", title="Kenyan CERT training", themes=["incident_response"])
    search_service().reindex()
    page = client.get("/search?q=kenyan&theme=awareness").get_data(as_text=True)
    assert "1 result for" in page and "Kenyan awareness campaign" in page
    assert "Kenyan CERT training" not in page
    assert 'aria-current="true"' in page  # the chosen facet is marked
    assert re.search(r">\s*Kenya</a>", page) and not re.search(r">\s*KEN</a>", page)
    data = client.get("/search.json?q=kenyan&theme=awareness&theme=incident_response").get_json()
    assert data["total"] == 2  # values of one filter are OR-ed


def test_country_facet_says_named_states_and_place_finds_every_programme_a_state_may_join(
    make, client
):
    """One eligibility rule (issue 11 point 1): the Country facet counts the states a
    programme names, and says so; "open to" a state is the Place filter's, as everywhere."""
    make.programme(title="Quokka drill for Senegal only", eligible_countries=["SEN"])
    make.programme(title="Quokka course open to all")
    make.programme(title="Quokka school for Africa", eligible_regions=["Africa"])
    make.programme(title="Quokka exchange for Kenya only", eligible_countries=["KEN"])
    make.request("SEN", title="Quokka need of Senegal")
    search_service().reindex()
    page = client.get("/search?q=quokka&kind=programme").get_data(as_text=True)
    assert "<h2>Named states</h2>" in page and "<h2>Country</h2>" not in page
    assert "Every programme a state may join: choose the state under Place." in page
    assert '<option value="SEN">Senegal</option>' in page  # states in the Place menu
    named = client.get("/search.json?q=quokka&kind=programme&country=SEN").get_json()
    assert [h["title"] for h in named["hits"]] == ["Quokka drill for Senegal only"]
    open_to = client.get("/search.json?q=quokka&kind=programme&place=SEN").get_json()
    assert sorted(h["title"] for h in open_to["hits"]) == [
        "Quokka course open to all",
        "Quokka drill for Senegal only",
        "Quokka school for Africa",
    ]
    chosen = client.get("/search?q=quokka&kind=programme&place=SEN").get_data(as_text=True)
    assert "Its requests, and the programmes it is eligible for, whatever their status" in chosen
    requests_only = client.get("/search?q=quokka&kind=request").get_data(as_text=True)
    assert "<h2>Country</h2>" in requests_only and "Named states" not in requests_only
    mixed = client.get("/search?q=quokka").get_data(as_text=True)
    assert "<h2>Country or named state</h2>" in mixed
    french = client.get("/search?q=quokka&kind=programme&lang=fr").get_data(as_text=True)
    assert "<h2>États nommés</h2>" in french


@pytest.mark.parametrize(
    "q", ['"unbalanced', "((a", "AND OR NOT", "*", "x" * 10_000, "a\x00b\x1f", "foo:bar", "é" * 300]
)
def test_bad_queries_never_fail(client, make, q):
    make.request("KEN")
    for path in ("/search", "/search.json"):
        assert (
            client.get(path, query_string={"q": q, "page": "x", "sort": "bogus"}).status_code == 200
        )


@pytest.mark.usefixtures("search_backend")
def test_reindex_and_check_commands(runner, make):
    make.request("KEN", title="First indexed request")
    result = runner.invoke(args=["search", "reindex"])
    assert result.exit_code == 0 and "Indexed 1 documents." in result.output
    report = json.loads(runner.invoke(args=["search", "check", "--json"]).output)
    assert report["ok"] and report["database"] == report["index"] == 1

    make.request("KEN", title="Added behind the indexer's back")  # factory: no queue row
    bad = runner.invoke(args=["search", "check"])
    assert bad.exit_code == 1 and "missing from index: 1" in bad.output
    fixed = runner.invoke(args=["search", "check", "--repair"])
    assert "Repaired." in fixed.output
    assert json.loads(runner.invoke(args=["search", "check", "--json"]).output)["ok"]


@pytest.mark.usefixtures("search_backend")
def test_orphans_are_removed_by_repair(make):
    record = make.request("KEN")
    service = search_service()
    service.reindex()
    db.session.delete(record)
    db.session.commit()
    report = service.check(repair=True)
    assert report.orphans == [record.ref]
    assert service.check().ok


def test_search_page_shows_how_the_query_was_read_and_undoes_it(make, client):
    make.request(
        "SEN", title="Atelier pour les procureurs", languages=["fr"], themes=["cybercrime"]
    )
    make.request("KEN", title="Workshop for prosecutors", languages=["en"], themes=["cybercrime"])
    search_service().reindex()
    page = client.get("/search?q=workshops+for+prosecutors+in+French").get_data(as_text=True)
    assert "Read as:" in page and "In French" in page and "Support: Training" in page
    assert "Atelier pour les procureurs" in page and "Workshop for prosecutors" not in page
    undo = re.search(r'href="([^"]*literal=languages(?:%3A|:)fr[^"]*)"', page)
    assert undo, "the language chip links to the search without it"
    again = client.get(undo.group(1).replace("&amp;", "&")).get_data(as_text=True)
    assert "Workshop for prosecutors" in again and "Read the query again" in again
    assert "In French" not in again
    data = client.get("/search.json?q=workshops+for+prosecutors+in+French").get_json()
    chips = {c["key"]: c for c in data["interpretation"]}
    assert (
        chips["languages:fr"]["effect"] == "filter"
        and chips["languages:fr"]["words"] == "in French"
    )
    assert "literal=languages:fr" in chips["languages:fr"]["undo_url"].replace("%3A", ":")
    assert "/search.json" in chips["languages:fr"]["undo_url"]
    api = client.get("/api/v1/search?q=workshops+for+prosecutors+in+French").get_json()
    assert [c["key"] for c in api["interpretation"]] == list(chips)
    assert "/api/v1/search" in api["interpretation"][0]["undo_url"]


def test_search_page_one_notice_and_places(make, client):
    make.request("SEN", title="Incident response training", themes=["incident_response"])
    make.request("KEN", title="Incident response training", themes=["incident_response"])
    search_service().reindex()
    page = client.get("/search?q=incident+response+training+for+the+Sahel").get_data(as_text=True)
    assert "Sahel: 10 member states" in page
    assert page.count("Request from") == 1 and "Senegal" in page
    fuzzy = client.get("/search?q=incidnet+response").get_data(as_text=True)
    assert fuzzy.count('class="flash flash-info notice"') == 1
    assert "Did you mean" not in fuzzy  # the notice already says what is shown


def test_the_notice_is_in_the_readers_language(make, client):
    """The sentence saying what is shown is worded in the reader's language, the corrected
    query still a link to it."""
    make.request("SEN", title="Incident response training", themes=["incident_response"])
    search_service().reindex()
    page = client.get("/search?q=incidnet+response&lang=fr").get_data(as_text=True)
    assert page.count('class="flash flash-info notice"') == 1
    # with the language's quotation marks, as the other sentences of the page
    assert "Aucune fiche ne contient « incidnet » ; voici les résultats pour « <a" in page
    assert "“" not in page.split('class="flash flash-info notice"')[1].split("</p>")[0]
    assert "showing results for" not in page and "/search?q=incident+response" in page
    es = client.get("/search?q=incidnet+response&lang=es").get_data(as_text=True)
    assert "Ningún registro contiene «incidnet»" in es
    relaxed = client.get("/search?q=incident+response+zanzibarian&lang=es").get_data(as_text=True)
    assert "Ningún registro contiene todas las palabras de" in relaxed


PARSER_TRIGGERS = [
    "x" * 600,
    '"' + " ".join(["word"] * 20) + '"',
    '"open quote',
    "theme: cert",
    "foo:bar",
    "a* b",
    "a ) b",
    "AND OR",
    "(a b",
    " OR ".join(f"w{i}" for i in range(40)),
]


def test_query_notes_are_translated(app, client, make):
    """Every sentence the query parser says about the query text has a translation."""
    from kb.searching import query_notes
    from search.querylang.parser import parse

    said = {m for q in PARSER_TRIGGERS for m in parse(q).messages}
    assert len(said) >= 10
    assert all(query_notes.is_known(m) for m in said), [
        m for m in said if not query_notes.is_known(m)
    ]
    with app.test_request_context("/?lang=fr"):
        assert all(query_notes.translate(m) != m for m in said)
    make.request("KEN", title="Open data portal security review")
    page = client.get('/search?q="open+data&lang=fr').get_data(as_text=True)
    assert "Un guillemet non fermé" in page and "An unclosed quote" not in page


def test_an_unknown_theme_is_named_with_the_known_ones_in_the_readers_language(make, client):
    make.request("KEN", title="Forensics laboratory", themes=["cybercrime"])
    search_service().reindex()
    page = client.get("/search?q=forensics+theme:cybercrim").get_data(as_text=True)
    assert "“cybercrim” is not a known theme. The closest known values: " in page
    assert '<a href="/search?q=forensics+theme:cybercrime">Cybercrime</a>' in page
    fr = client.get("/search?q=forensics+theme:nonsense&lang=fr").get_data(as_text=True)
    assert "« nonsense » n’est pas un thème connu. Valeurs connues : " in fr
    assert ">Cybercriminalité</a>" in fr and "is not a known" not in fr
    data = client.get("/search.json?q=theme:nonsense").get_json()
    assert data["total"] == 0 and data["message"].startswith("“nonsense” is not a known theme")


def test_nothing_found_offers_broader_searches_counted_for_the_viewer(make, client, auth):
    make.request("KEN", title="Forensics laboratory", themes=["cybercrime"])
    make.request(
        "SEN", title="Forensics laboratory for the secret police", visibility="secretariat"
    )
    search_service().reindex()
    page = client.get("/search?q=forensics&theme=gender").get_data(as_text=True)
    assert "These broader searches find something:" in page
    assert '<a href="/search?q=forensics"><q>forensics</q> without Theme: Gender</a>' in page
    assert "1 result</span>" in page  # the secretariat's record is not counted
    data = client.get("/search.json?q=forensics+kind:programme").get_json()
    assert data["total"] == 0
    assert [(b["query"], b["dropped"], b["total"]) for b in data["broader"]] == [
        ("forensics", ["kind:programme"], 1)
    ]
    auth.login(make.user("secretariat").email)
    seen = client.get("/search.json?q=forensics+kind:programme").get_json()
    assert seen["broader"][0]["total"] == 2
    auth.logout()
    es = client.get("/search?q=forensics&theme=gender&lang=es").get_data(as_text=True)
    assert "Estas búsquedas más amplias encuentran resultados:" in es and "1 resultado<" in es


def test_facets_of_a_search_that_finds_nothing_link_to_what_they_count(make, client):
    make.request("KEN", title="Kenyan awareness campaign", themes=["awareness"])
    make.request("KEN", title="Kenyan CERT training", themes=["incident_response"])
    make.request("SEN", title="Secret CERT plan", themes=["awareness"], visibility="secretariat")
    search_service().reindex()
    data = client.get("/search.json?q=zanzibarian").get_json()
    assert data["total"] == 0 and data["facets_without_text"] is True
    assert dict(data["facets"]["themes"]) == {"awareness": 1, "incident_response": 1}
    page = client.get("/search?q=zanzibarian").get_data(as_text=True)
    assert 'id="facets-browse"' in page
    link = re.search(r'<a href="(/search\?[^"]*theme=awareness[^"]*)"', page)[1]
    assert "q=" not in link  # the link leaves the words out, as the count does
    followed = client.get(link.replace("&amp;", "&").replace("/search?", "/search.json?"))
    assert followed.get_json()["total"] == 1  # the count the facet showed
    found = client.get("/search.json?q=kenyan").get_json()
    assert found["facets_without_text"] is False
    assert 'id="facets-browse"' not in client.get("/search?q=kenyan").get_data(as_text=True)


def test_a_broader_search_drops_a_filter_typed_in_another_case(make, client):
    """The URL says ``place=org:gcc``, the engine names the filter ``org:GCC``: the link
    "without the place" must leave the place out, whatever case it was typed in."""
    make.request("KEN", title="Forensics laboratory", themes=["cybercrime"])
    search_service().reindex()
    data = client.get("/search.json?q=forensics&place=org:gcc&kind=request").get_json()
    assert data["total"] == 0
    assert [b["without"] for b in data["broader"]] == [[{"field": "place", "value": "org:GCC"}]]
    url = data["broader"][0]["url"]
    assert "place=" not in url and "kind=request" in url
    assert client.get(url.replace("/search?", "/search.json?")).get_json()["total"] == 1


def test_a_misspelt_phrase_offers_the_corrected_phrase(make, client):
    make.request("KEN", title="Incident response training", themes=["incident_response"])
    search_service().reindex()
    data = client.get('/search.json?q="incident respnse"').get_json()
    assert data["total"] == 0 and data["suggestion"] == '"incident response"'
    page = client.get('/search?q="incident respnse"').get_data(as_text=True)
    assert "Did you mean" in page and "%22incident+response%22" in page


def test_check_says_how_to_mend_an_index_it_cannot_read(app, runner, make, tmp_path):
    """It ended in a whoosh traceback."""
    app.config.update(SEARCH_BACKEND="whoosh", SEARCH_DIR=str(tmp_path / "index"), SEARCH_PROCS=1)
    app.extensions["kb_search"] = None
    make.request("KEN", title="First indexed request")
    assert runner.invoke(args=["search", "reindex"]).exit_code == 0
    app.extensions.pop("kb_search").backend.close()
    for toc in (tmp_path / "index" / "current").glob("*.toc"):
        toc.write_bytes(b"not an index")
    with warnings.catch_warnings():
        warnings.simplefilter("ignore", ResourceWarning)  # whoosh leaves the bad file open
        app.extensions["kb_search"] = None
        damaged = runner.invoke(args=["search", "check"])
        output, code = damaged.output, damaged.exit_code
        del damaged
        app.extensions.pop("kb_search").backend.close()
        gc.collect()
    assert code == 1 and "the search index cannot be read" in output
    assert "Build a new one with `flask search reindex`." in output
    app.extensions["kb_search"] = None
    assert runner.invoke(args=["search", "reindex"]).exit_code == 0
    assert json.loads(runner.invoke(args=["search", "check", "--json"]).output)["ok"]
    app.extensions.pop("kb_search").backend.close()
