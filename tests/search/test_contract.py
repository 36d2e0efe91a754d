"""Behaviour every backend must share (memory, whoosh in RAM, whoosh on disk)."""

from __future__ import annotations

from conftest import CORPUS, PUBLIC, doc

from search import SearchQuery, SearchResult

SECRET = frozenset({"secretariat"})


def test_accent_folding(search):
    assert "request:1" in search("Cote d'Ivoire").ids
    assert "request:1" in search("cybercriminalite").ids
    assert "request:1" in search("EQUIPE").ids


def test_french_and_spanish_stemming(search):
    assert "request:1" in search("analyste").ids  # fr: analystes
    assert "request:1" in search("former").ids
    assert "request:3" in search("delito").ids  # es: delitos


def test_synonyms_cert_across_languages(search):
    ids = set(search("CERT").ids)
    assert {"request:1", "programme:2"} <= ids  # équipe de réponse aux incidents; CSIRT
    assert "request:1" in search("incident response team").ids
    assert "programme:2" in search("équipe de réponse aux incidents").ids


def test_synonyms_cybercrime_across_languages(search):
    for text in ("cyber crime", "cybercriminalité", "ciberdelito", "cybercrime"):
        ids = set(search(text).ids)
        assert {"request:1", "request:3", "request:5"} <= ids, text


def test_synonyms_critical_infrastructure(search):
    assert "programme:4" in search("CII").ids
    assert "request:6" in search("critical infrastructure", SECRET).ids


def test_title_outranks_description(backend):
    backend.upsert(
        [
            doc("programme:10", "Quasar logistics", "Nothing else here."),
            doc("programme:11", "Unrelated title", "Some quasar mention in the body text."),
        ]
    )
    res = backend.search(SearchQuery(text="quasar"))
    assert res.ids == ["programme:10", "programme:11"]
    assert res.hits[0].score > res.hits[1].score


def test_phrase_and_boolean_operators(search):
    assert search('"energy grids"').ids == ["programme:4"]
    assert search('"grids energy"').total == 0
    assert set(search("Kenya OR Fiji").ids) == {"request:3", "request:5", "programme:4"}
    assert search("Kenya AND prosecutors").ids == ["request:5"]
    assert set(search("Kenya AND forensics").ids) == {"request:3", "request:5"}  # criminalística
    assert set(search("Kenya NOT prosecutors").ids) == {"request:3"}
    assert set(search("Kenya -prosecutors").ids) == {"request:3"}
    assert set(search("(Kenya OR Fiji) training").ids) >= {"request:3", "programme:4"}


def test_field_filters_in_text_and_in_query(search):
    assert set(search("theme:cybercrime").ids) == {"request:1", "request:3", "request:5"}
    assert set(search("country:ken").ids) == {"request:3", "request:5"}
    assert search("kind:programme training").ids == ["programme:4"]
    assert search("lang:fr").ids == ["request:1"]
    assert set(search("region:africa").ids) == {"request:1", "request:5"}
    assert set(search("", filters={"countries": ["KEN"], "kind": ["request"]}).ids) == {
        "request:3",
        "request:5",
    }
    assert search("", filters={"themes": ["gender"]}).total == 0


def test_prefix(search):
    assert "request:5" in search("forens*").ids
    assert "programme:4" in search("infrastruc*").ids


def test_facet_counts(search):
    res = search("")
    assert res.total == 5
    assert dict(res.facets["kind"]) == {"request": 3, "programme": 2}
    assert dict(res.facets["themes"])["cybercrime"] == 3
    assert dict(res.facets["countries"]) == {"KEN": 2, "CIV": 1, "FJI": 1}
    filtered = search("", filters={"kind": ["request"]})
    assert dict(filtered.facets["kind"]) == {"request": 3}


def test_access_hides_hits_and_totals(search):
    anon = search("zanzibarian")
    assert anon.total == 0 and anon.hits == []
    owner = search("zanzibarian", frozenset({"owner:country:TZA"}))
    assert owner.ids == ["request:6"]
    assert search("", frozenset()).total == 0


def test_access_hides_facet_counts(search):
    res = search("grid")
    assert "TZA" not in dict(res.facets["countries"])
    assert "submitted" not in dict(res.facets["status"])
    assert dict(search("grid", SECRET).facets["countries"]).get("TZA") == 1


def test_access_hides_suggestions_and_fuzzy(search):
    res = search("zanzibarain")
    assert res.total == 0 and res.suggestion is None and not res.fuzzy
    assert "zanzibar" not in (res.message or "")
    sec = search("zanzibarain", SECRET)
    assert sec.suggestion == "zanzibarian"
    assert sec.fuzzy and sec.ids == ["request:6"]


def test_access_hides_snippets(search):
    res = search("grid")
    for hit in res.hits:
        assert "zanzibar" not in (hit.snippet or "")
        assert hit.id != "request:6"


def test_snippets_are_escaped_and_marked(backend):
    backend.upsert([doc("programme:20", "Tags", "Use <script>alert(1)</script> to teach xyzzy.")])
    res = backend.search(SearchQuery(text="xyzzy"))
    snip = res.hits[0].snippet
    assert "<script>" not in snip and "&lt;script&gt;" in snip
    assert "<mark>xyzzy</mark>" in snip
    assert backend.search(SearchQuery(text="xyzzy", snippets=False)).hits[0].snippet is None


def test_synonym_snippet_marks_surface(search):
    res = search("CERT")
    snips = {h.id: h.snippet or "" for h in res.hits}
    assert "<mark>" in snips["programme:2"] or "<mark>" in snips["request:1"]


def test_did_you_mean_and_fuzzy(search):
    res = search("forensiks")
    assert res.suggestion == "forensics"
    assert res.fuzzy and "request:5" in res.ids


def test_sort_by_date(search):
    newest = search("", sort="newest").ids
    assert newest == ["request:5", "request:3", "request:1", "programme:2", "programme:4"]
    updated = search("", sort="updated").ids
    assert updated[0] == "programme:4"


def test_pagination(search):
    p1 = search("", sort="newest", per_page=2, page=1)
    p2 = search("", sort="newest", per_page=2, page=2)
    p3 = search("", sort="newest", per_page=2, page=3)
    assert p1.total == p2.total == p3.total == 5 and p1.pages == 3
    assert p1.ids + p2.ids + p3.ids == search("", sort="newest").ids
    assert search("", page=9).hits == []
    relevance = [search("training", per_page=1, page=i).ids for i in (1, 2, 3)]
    assert len({tuple(r) for r in relevance}) == 3


def test_upsert_replaces_and_delete_removes(backend):
    backend.upsert([doc("programme:2", "Renamed offering", "Now about quokkas.")])
    assert backend.search(SearchQuery(text="quokkas")).ids == ["programme:2"]
    assert backend.search(SearchQuery(text='"CSIRT maturity"')).total == 0
    assert backend.count() == len(CORPUS)
    backend.delete(["programme:2", "request:999"])
    assert backend.search(SearchQuery(text="quokkas")).total == 0
    assert "programme:2" not in backend.ids()
    assert backend.count() == len(CORPUS) - 1


def test_rebuild_replaces_everything(backend):
    progress: list[int] = []
    n = backend.rebuild([doc("request:77", "Only one", "left")], progress=progress.append)
    assert n == 1 and progress[-1] == 1
    assert backend.ids() == {"request:77"}
    assert backend.search(SearchQuery(text="")).ids == ["request:77"]


def test_result_shape(search):
    res = search("training", per_page=2)
    assert isinstance(res, SearchResult)
    assert res.page == 1 and res.per_page == 2 and len(res.hits) <= 2
    assert all(h.kind in ("request", "programme") and h.title for h in res.hits)
    assert set(res.facets) == {
        "kind",
        "themes",
        "support_types",
        "regions",
        "countries",
        "organisation_type",
        "languages",
        "status",
        "funders",
        "implementers",
        "beneficiaries",
    }
    assert search("x", facets=False).facets == {}


def test_messages_for_odd_input(search):
    res = search('"unclosed (paren AND OR')
    assert res.message
    assert search("foo:bar").message
    assert search("*").message
    assert search("AND OR NOT").total == 5


def test_public_token_default():
    assert SearchQuery().viewer_tokens == PUBLIC


def test_initiatives_have_funder_implementer_and_beneficiary_facets(backend):
    """An initiative document: its own kind, facets by funder, implementer and beneficiary
    state (filters too, and in the query text), and access as for any document."""
    backend.upsert(
        [
            doc(
                "initiative:1",
                "National CSIRT capacity for Kenya",
                "Incident response tooling and training for the national CSIRT.",
                countries=["KEN"],
                regions=["Africa"],
                status="ongoing",
                funders=["7"],
                implementers=["8", "9"],
                beneficiaries=["ken"],
            ),
            doc(
                "initiative:2",
                "Confidential CSIRT support",
                "Incident response support.",
                funders=["7"],
                beneficiaries=["SEN"],
                access=["secretariat", "owner:org:7"],
            ),
        ]
    )
    res = backend.search(SearchQuery(text="CSIRT", filters={"kind": ["initiatives"]}))
    assert res.ids == ["initiative:1"]
    assert dict(res.facets["funders"]) == {"7": 1}
    assert dict(res.facets["implementers"]) == {"8": 1, "9": 1}
    assert dict(res.facets["beneficiaries"]) == {"KEN": 1}
    assert backend.search(SearchQuery(filters={"implementers": ["9"]})).ids == ["initiative:1"]
    assert backend.search(SearchQuery(text="beneficiary:ken csirt")).ids == ["initiative:1"]
    owner = backend.search(
        SearchQuery(
            text="CSIRT", filters={"funders": ["7"]}, viewer_tokens=frozenset({"owner:org:7"})
        )
    )
    assert owner.ids == ["initiative:2"]  # initiative:1 is public: "owner:org:7" alone is not
    assert dict(owner.facets["beneficiaries"]) == {"SEN": 1}
    assert "SEN" not in dict(backend.search(SearchQuery(text="CSIRT")).facets["beneficiaries"])


def test_count_upto_stops_at_the_limit_and_counts_only_visible_records(backend):
    from search.querylang.parser import Word

    session = backend.session(PUBLIC, {})
    try:
        assert session.count_upto(None, 100) == 5
        assert session.count_upto(None, 2) == 2
        assert session.count_upto(Word("zanzibarian"), 10) == 0  # not public
    finally:
        session.close()
    session = backend.session(SECRET, {"kind": ("request",)})
    try:
        assert session.count_upto(Word("zanzibarian"), 10) == 1
        assert session.count_upto(Word("zanzibarian"), 0) == 0
    finally:
        session.close()


def test_spelling_looks_up_a_bounded_number_of_words(backend, monkeypatch):
    """A query of many unknown words spell-checks only the first ``MAX_SPELL_WORDS``."""
    from search.backends import engine

    looked_up: list[str] = []
    open_session = backend.session

    def session(*args, **kwargs):
        s = open_session(*args, **kwargs)
        similar = s.similar

        def counted(word):
            looked_up.append(word)
            return similar(word)

        s.similar = counted
        return s

    monkeypatch.setattr(backend, "session", session)
    words = [f"zq{chr(97 + i)}rtonic" for i in range(engine.MAX_SPELL_WORDS + 4)]
    res = backend.search(SearchQuery(text=" ".join(words), viewer_tokens=PUBLIC))
    assert res.total == 0
    assert set(looked_up) == set(words[: engine.MAX_SPELL_WORDS])


def test_nothing_found_offers_the_facets_of_what_the_viewer_may_see(search):
    """Zero results with no filter: the facets of every record the viewer may see are the
    closest ways on (with filters: of what they leave); a hidden record counts nowhere."""
    every = search("")
    res = search("xylophonezebra")
    assert res.total == 0 and res.hits == []
    assert dict(res.facets["kind"]) == dict(every.facets["kind"])
    assert sum(dict(res.facets["kind"]).values()) == every.total
    assert "TZA" not in dict(res.facets["countries"])
    assert "TZA" in dict(search("xylophonezebra", SECRET).facets["countries"])
