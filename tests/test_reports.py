"""The landscape report and briefing packs: figures, Word files, sessions — and no leaks."""

from __future__ import annotations

import io
import re
from datetime import date, timedelta

import docx

from kb.extensions import db
from kb.matching.service import match_service
from kb.models import Match, OewgSession
from kb.uow import unit_of_work
from tests.factories import days_ago

DOCX = "application/vnd.openxmlformats-officedocument.wordprocessingml.document"


def _docx_text(data: bytes) -> str:
    document = docx.Document(io.BytesIO(data))
    cells = [c.text for t in document.tables for row in t.rows for c in row.cells]
    return "\n".join([p.text for p in document.paragraphs] + cells)


def _page_text(html: str) -> str:
    """A page's text without its tags (record titles sit in spans with their own ``lang``)."""
    return re.sub(r"<[^>]+>", "", html)


def _catalogue(make):
    make.country("SEN")
    org = make.organisation(type="academia")
    make.request(
        "KEN", title="Public awareness campaign", themes=["awareness"], created_at=days_ago(30)
    )
    make.request(
        "SEN",
        title="Confidential grid weakness assessment",
        themes=["critical_infrastructure"],
        visibility="secretariat",
        created_at=days_ago(20),
    )
    make.programme(
        org, title="Awareness toolkit for ministries", themes=["awareness"], created_at=days_ago(10)
    )
    _refresh()
    return org


def _refresh() -> None:
    """Factories commit directly: compute the stored counts and matches reports read."""
    with unit_of_work():
        match_service().refresh()


def test_landscape_counts_only_visible_records(client, make, auth):
    _catalogue(make)
    page = client.get("/reports/landscape").get_data(as_text=True)
    assert "<strong>1</strong> requests" in page and "<strong>1</strong> programmes" in page
    assert "Confidential grid weakness" not in page
    word = client.get("/reports/landscape.docx")
    assert word.status_code == 200 and word.mimetype == DOCX
    text = _docx_text(word.data)
    assert "Confidential grid weakness" not in text and "Public records only." in text
    auth.login(make.user("secretariat").email)
    page = client.get("/reports/landscape").get_data(as_text=True)
    assert "<strong>2</strong> requests" in page


def test_landscape_period_and_bad_dates(client, make):
    _catalogue(make)
    old = (date.today() - timedelta(days=3000)).isoformat()
    older = (date.today() - timedelta(days=2900)).isoformat()
    page = client.get(f"/reports/landscape?from={old}&to={older}").get_data(as_text=True)
    assert "<strong>0</strong> requests" in page
    assert client.get("/reports/landscape?from=nonsense&to=2026-13-45").status_code == 200


def test_briefing_since_last_session_and_for_a_session(client, make, auth):
    _catalogue(make)
    db.session.add_all(
        [
            OewgSession(name="Old session", start_date=date(2024, 3, 4), end_date=date(2024, 3, 8)),
            OewgSession(
                name="Recent session",
                start_date=date.today() - timedelta(days=60),
                end_date=date.today() - timedelta(days=56),
            ),
        ]
    )
    db.session.commit()
    page = client.get("/reports/briefing?session=last").get_data(as_text=True)
    assert "since Recent session" in page
    assert "Public awareness campaign" in page and "Awareness toolkit for ministries" in page
    assert "Confidential grid weakness" not in page
    text = _docx_text(client.get("/reports/briefing.docx?session=last").data)
    assert "Public awareness campaign" in text and "Confidential grid weakness" not in text
    recent = db.session.scalar(db.select(OewgSession).where(OewgSession.name == "Recent session"))
    page = client.get(f"/reports/briefing?session={recent.id}").get_data(as_text=True)
    assert "for Recent session" in page
    auth.login(make.user("focal_point", country="SEN").email)
    page = client.get("/reports/briefing?session=last").get_data(as_text=True)
    assert "Confidential grid weakness" in page  # the requesting state sees its own


def test_briefing_lists_matches_only_when_both_sides_are_visible(client, make):
    org = _catalogue(make)
    secret = make.request("SEN", title="Hidden need", visibility="secretariat")
    programme = make.programme(org, title="Visible programme")
    public = make.request("KEN", title="Visible need")
    db.session.add_all(
        [
            Match(
                request=secret, programme=programme, status="proposed", proposed_by_side="provider"
            ),
            Match(
                request=public,
                programme=programme,
                status="completed",
                proposed_by_side="provider",
                outcome_note="Done well",
            ),
        ]
    )
    db.session.commit()
    page = client.get("/reports/briefing").get_data(as_text=True)
    assert "Hidden need" not in page
    assert "Visible need ↔ Visible programme: Done well" in _page_text(page)


def test_sessions_are_managed_by_the_secretariat(client, make, auth):
    auth.login(make.user("focal_point").email)
    assert client.get("/reports/sessions").status_code == 403
    auth.logout()
    auth.login(make.user("secretariat").email)
    bad = client.post(
        "/reports/sessions",
        data={
            "name": "Global mechanism, first session",
            "start_date": "2026-07-10",
            "end_date": "2026-07-01",
        },
    )
    assert "ends before it starts" in bad.get_data(as_text=True)
    ok = client.post(
        "/reports/sessions",
        data={
            "name": "Global mechanism, first session",
            "start_date": "2026-07-01",
            "end_date": "2026-07-03",
        },
    )
    assert ok.status_code == 302
    assert db.session.scalar(db.select(OewgSession.name)) == "Global mechanism, first session"


def test_landscape_docx_carries_charts_and_tables_that_fit(client, make):
    _catalogue(make)
    document = docx.Document(io.BytesIO(client.get("/reports/landscape.docx").data))
    pictures = [rel for rel in document.part.rels.values() if rel.reltype.endswith("/image")]
    assert len(pictures) >= 2  # a chart per breakdown and the monthly trend
    assert all(rel.target_part.blob.startswith(b"\x89PNG") for rel in pictures)
    assert "█" not in _docx_text(client.get("/reports/landscape.docx").data)
    table = next(t for t in document.tables if t.rows[0].cells[1].text == "Requests")
    widths = [cell.width for cell in table.rows[0].cells]
    assert widths[0] > widths[1]  # the label column is the wide one
    longest = max(len(w) for row in table.rows for w in row.cells[0].text.split())
    # about 0.2 cm a character at 10 pt: the longest word fits on one line
    assert widths[0] >= docx.shared.Cm(0.19 * longest)


def test_briefing_page_and_docx_carry_the_same_charts(client, make, auth):
    _catalogue(make)
    page = client.get("/reports/briefing").get_data(as_text=True)
    assert page.count('<figure class="chart">') == 2
    assert "New requests and programmes by theme" in page
    assert "New requests and unmet needs by region" in page
    document = docx.Document(io.BytesIO(client.get("/reports/briefing.docx").data))
    pictures = [rel for rel in document.part.rels.values() if rel.reltype.endswith("/image")]
    assert len(pictures) == 2 and all(r.target_part.blob.startswith(b"\x89PNG") for r in pictures)
    themes = next(t for t in document.tables if t.rows[0].cells[1].text == "Requests")
    assert [c.text for c in themes.rows[1].cells] == ["Awareness", "1", "1"]  # public only
    regions = next(t for t in document.tables if t.rows[0].cells[1].text == "New requests")
    assert [c.text for c in regions.rows[0].cells][1:] == ["New requests", "Unmet needs"]
    assert "Critical infrastructure" not in _docx_text(client.get("/reports/briefing.docx").data)
    auth.login(make.user("secretariat").email)
    page = client.get("/reports/briefing").get_data(as_text=True)
    assert "Critical infrastructure" in page  # the Secretariat's pack counts the hidden request


def _scoped_catalogue(make):
    for iso3 in ("KEN", "SEN", "FJI"):
        make.country(iso3)
    org = make.organisation()
    kenya = make.request("KEN", title="Kenyan forensics lab", created_at=days_ago(5))
    senegal = make.request("SEN", title="Senegalese CERT", created_at=days_ago(5))
    make.request("FJI", title="Fijian awareness drive", created_at=days_ago(5))
    make.request(
        "KEN", title="Kenyan secret grid audit", visibility="secretariat", created_at=days_ago(5)
    )
    make.programme(org, title="Worldwide training", created_at=days_ago(5))
    make.programme(
        org, title="African academy", eligible_regions=["Africa"], created_at=days_ago(5)
    )
    make.programme(
        org, title="Pacific only course", eligible_countries=["FJI"], created_at=days_ago(5)
    )
    programme = make.programme(org, title="Matched programme", created_at=days_ago(5))
    for request in (kenya, senegal):
        db.session.add(
            Match(
                request=request,
                programme=programme,
                status="completed",
                proposed_by_side="provider",
                outcome_note=f"Outcome for {request.country_code}",
            )
        )
    db.session.commit()


def test_briefing_for_one_state(client, make, auth):
    _scoped_catalogue(make)
    response = client.get("/reports/briefing?state=ken")
    page = response.get_data(as_text=True)
    assert response.status_code == 200
    assert "Briefing pack: Kenya, " in page
    new, unmet = page.split("Unmet needs by region")
    assert "Kenyan forensics lab" in new and "Senegalese CERT" not in new
    assert "Fijian awareness drive" not in new
    assert "Worldwide training" in new and "African academy" in new
    assert "Pacific only course" not in new  # not open to Kenya (the shared eligibility rule)
    assert "<h3>Africa" in new and "<h3>Asia-Pacific" not in new  # only the state's group
    assert "Outcome for KEN" in new and "Outcome for SEN" not in new
    assert "Kenyan forensics lab" in unmet and "Senegalese CERT" not in unmet
    assert "Kenyan secret grid audit" not in page  # confidential: never shown to anonymous
    assert "Kenyan secret grid audit" not in _docx_text(
        client.get("/reports/briefing.docx?state=KEN").data
    )
    auth.login(make.user("secretariat").email)
    assert "Kenyan secret grid audit" in client.get("/reports/briefing?state=KEN").get_data(
        as_text=True
    )


def test_briefing_for_a_place(client, make):
    _scoped_catalogue(make)
    page = client.get("/reports/briefing?place=org:ECOWAS").get_data(as_text=True)
    assert "Senegalese CERT" in page and "Kenyan forensics lab" not in page
    assert "Pacific only course" not in page and "African academy" in page
    page = client.get("/reports/briefing?place=m49:014").get_data(as_text=True)
    assert "Kenyan forensics lab" in page and "Senegalese CERT" not in page
    page = client.get("/reports/briefing?place=group:Asia-Pacific").get_data(as_text=True)
    assert "Fijian awareness drive" in page and "Pacific only course" in page
    assert "African academy" not in page


def test_briefing_docx_names_its_scope(client, make):
    _scoped_catalogue(make)
    response = client.get("/reports/briefing.docx?state=KEN")
    assert response.status_code == 200 and response.mimetype == DOCX
    assert "KEN" in response.headers["Content-Disposition"]
    text = _docx_text(response.data)
    assert "Briefing pack: Kenya, " in text
    assert "Kenyan forensics lab" in text and "Senegalese CERT" not in text


def test_briefing_bad_scope_is_a_clear_message(client, make):
    _scoped_catalogue(make)
    for query, message in (
        ("state=XYZ", "State: unknown code XYZ"),
        ("state=K%C3%89N", "State: unknown code"),
        ("place=org:NOPE", "Place: unknown code org:NOPE"),
        ("state=KEN&place=m49:014", "Choose a state or a place, not both."),
    ):
        response = client.get(f"/reports/briefing?{query}")
        assert response.status_code == 400, query
        assert message in response.get_data(as_text=True), query
        word = client.get(f"/reports/briefing.docx?{query}")
        assert word.status_code == 400 and message in word.get_data(as_text=True)


def test_country_and_place_pages_link_to_their_briefing(client, make):
    make.country("KEN")
    page = client.get("/countries/KEN").get_data(as_text=True)
    assert "/reports/briefing?state=KEN" in page
    page = client.get("/places/org:ECOWAS").get_data(as_text=True)
    assert "/reports/briefing?place=org:ECOWAS" in page or "place=org%3AECOWAS" in page


def test_word_reports_in_the_readers_language(client, make):
    """The landscape and briefing .docx speak French or Arabic (right to left), charts too."""
    _catalogue(make)
    french = _docx_text(client.get("/reports/landscape.docx?lang=fr").data)
    for text in (
        "Le paysage du renforcement des capacités",
        "Demandes et programmes par catégorie",
        "Sensibilisation",  # a theme's label
        "Fiches publiques seulement.",
    ):
        assert text in french, text
    assert "Requests and programmes" not in french and "Summary" not in french
    arabic = docx.Document(io.BytesIO(client.get("/reports/landscape.docx?lang=ar").data))
    normal = arabic.styles["Normal"].element
    assert normal.find(".//" + docx.oxml.ns.qn("w:bidi")) is not None  # paragraphs RTL
    first_table = arabic.tables[0]._tbl.tblPr
    assert first_table.find(docx.oxml.ns.qn("w:bidiVisual")) is not None  # columns RTL
    assert "الطلبات" in _docx_text(client.get("/reports/landscape.docx?lang=ar").data)
    assert arabic.inline_shapes, "the charts are pictures in the document"
    chinese = _docx_text(client.get("/reports/briefing.docx?lang=zh").data)
    assert "简报材料" in chinese and "按区域分列的新请求" in chinese


def test_briefing_lists_the_newest_and_counts_all_it_may_show(client, make, monkeypatch):
    """A pack reads a bounded number of records: each list holds the newest, its heading
    counts them all — and a record the viewer may not see changes no figure."""
    from kb.reports import data

    monkeypatch.setattr(data, "BRIEFING_LISTED", 2)
    make.country("KEN")
    org = make.organisation()
    for age, title in ((9, "Oldest course"), (5, "Middle course"), (1, "Newest course")):
        make.programme(org, title=title, themes=["awareness"], created_at=days_ago(age))
    for age in (8, 4, 2):
        make.request(
            "KEN", title=f"Kenyan need {age}", themes=["awareness"], created_at=days_ago(age)
        )
    _refresh()

    def figures(path: str) -> tuple[str, str]:
        html = client.get(path).get_data(as_text=True)
        return html, _page_text(html)

    paths = ("/reports/briefing", "/reports/briefing?state=KEN")
    before = {}
    for path in paths:
        html, text = figures(path)
        assert "New programmes (3)" in text and "Showing the newest 2 of 3." in text
        assert "Newest course" in text and "Middle course" in text and "Oldest course" not in text
        assert "Africa (3)" in text and "Kenyan need 2" in text and "Kenyan need 8" not in text
        assert "sort=newest" in html
        before[path] = html.split("At a glance", 1)[1]
    make.programme(org, title="Hidden course", themes=["awareness"], visibility="secretariat",
                   created_at=days_ago(1))  # fmt: skip
    make.request("KEN", title="Hidden need", themes=["awareness"], visibility="secretariat",
                 created_at=days_ago(1))  # fmt: skip
    _refresh()
    for path in paths:  # nothing hidden counts or shows
        assert figures(path)[0].split("At a glance", 1)[1] == before[path]
    text = _docx_text(client.get("/reports/briefing.docx").data)
    assert "New programmes (3)" in text and "Showing the newest 2 of 3." in text
