"""Pages as people use them: forms with per-field errors, filters, freshness, queues."""

from __future__ import annotations

import re

from kb.extensions import db
from kb.history import revisions_for
from kb.models import Programme, Request
from tests.factories import days_ago

REQUEST_FORM = {
    "country_code": "KEN",
    "title": "Tabletop exercise for the energy sector",
    "description": "We want a national tabletop exercise with grid operators and the CERT.",
    "text_language": "en",
    "themes": ["critical_infrastructure", "incident_response"],
    "support_types": ["exercise"],
    "languages": ["en", "fr"],
    "visibility": "public",
    "urgency": "high",
    "target_audience": "Grid operators",
    "timeframe": "2027",
}


def test_focal_point_creates_submits_and_secretariat_publishes(client, auth, make):
    focal = make.user("focal_point", country="KEN")
    secretariat = make.user("secretariat")
    auth.login(focal.email)
    response = client.post("/requests/new", data=REQUEST_FORM)
    assert response.status_code == 302
    request_id = int(response.location.rsplit("/", 1)[1])
    page = client.get(f"/requests/{request_id}").get_data(as_text=True)
    assert "Tabletop exercise for the energy sector" in page and "Submit for publication" in page
    client.post(f"/requests/{request_id}/status/submit")
    auth.logout()
    assert client.get(f"/requests/{request_id}").status_code == 404  # not published yet

    auth.login(secretariat.email)
    queue = client.get("/secretariat/queue").get_data(as_text=True)
    assert "Tabletop exercise for the energy sector" in queue
    client.post(f"/requests/{request_id}/status/publish")
    auth.logout()
    public = client.get(f"/requests/{request_id}")
    assert public.status_code == 200
    assert "<h2>History</h2>" not in public.get_data(as_text=True)
    listing = client.get("/requests?theme=critical_infrastructure").get_data(as_text=True)
    assert "Tabletop exercise for the energy sector" in listing


def test_form_errors_are_shown_per_field_and_nothing_is_saved(client, auth, make):
    auth.login(make.user("focal_point", country="KEN").email)
    # Themes may be left empty (a need in prose: they are suggested); languages may not.
    bad = {**REQUEST_FORM, "title": "", "themes": [], "languages": [], "description": "short"}
    response = client.post("/requests/new", data=bad)
    body = response.get_data(as_text=True)
    assert response.status_code == 200
    for field in ("title", "languages", "description"):
        assert f'id="{field}-err"' in body
    assert 'id="themes-err"' not in body and "Choose a language." in body
    assert db.session.query(Request).count() == 0


def test_programme_form_rejects_bad_dates_with_field_error(client, auth, make):
    provider = make.user("provider")
    auth.login(provider.email)
    data = {
        "organisation_id": provider.organisation_id,
        "title": "Digital forensics bootcamp",
        "description": "Hands-on forensics training for investigators and prosecutors.",
        "text_language": "en",
        "themes": ["cybercrime"],
        "support_types": ["training"],
        "languages": ["en"],
        "delivery_mode": "online",
        "cost_model": "free",
        "start_date": "2027-06-01",
        "end_date": "2027-05-01",
        "visibility": "public",
    }
    response = client.post("/programmes/new", data=data)
    assert 'id="end_date-err"' in response.get_data(as_text=True)
    assert db.session.query(Programme).count() == 0
    response = client.post("/programmes/new", data={**data, "end_date": "2027-07-01"})
    assert response.status_code == 302


def test_provider_cannot_post_for_another_organisation(client, auth, make):
    provider = make.user("provider")
    other = make.organisation()
    auth.login(provider.email)
    response = client.post(
        "/programmes/new",
        data={
            "organisation_id": other.id,
            "title": "Programme in someone else's name",
            "description": "This should never be saved under another organisation.",
            "themes": ["awareness"],
            "support_types": ["training"],
            "languages": ["en"],
        },
    )
    assert response.status_code == 200  # the choice is not offered: form error
    assert db.session.query(Programme).count() == 0


def test_edit_keeps_history_with_old_and_new_values(client, auth, make):
    focal = make.user("focal_point", country="KEN")
    request = make.request("KEN", title="Original title of request")
    auth.login(focal.email)
    form = {**REQUEST_FORM, "title": "Revised title of request"}
    assert client.post(f"/requests/{request.id}/edit", data=form).status_code == 302
    page = client.get(f"/requests/{request.id}").get_data(as_text=True)
    assert "Original title of request" in page and "Revised title of request" in page
    assert revisions_for(request)[0].changes["title"] == [
        "Original title of request",
        "Revised title of request",
    ]


def test_list_filters_and_pagination(client, make, app):
    app.config["PER_PAGE"] = 3
    for i in range(5):
        make.request("KEN", title=f"Kenya cyber request {i}", themes=["cybercrime"])
    make.request("COL", title="Colombia awareness request", themes=["awareness"], languages=["es"])
    page1 = client.get("/requests?theme=cybercrime").get_data(as_text=True)
    assert "5 requests match" in page1 and "Page 1 of 2" in page1
    assert 'rel="next"' in page1
    page2 = client.get("/requests?theme=cybercrime&page=2").get_data(as_text=True)
    assert len(re.findall(r"Kenya cyber request \d", page2)) == 2
    latin = client.get("/requests?region=Latin+America+and+the+Caribbean").get_data(as_text=True)
    assert "Colombia awareness request" in latin and "Kenya cyber" not in latin
    spanish = client.get("/requests?language=es").get_data(as_text=True)
    assert "1 request match" in spanish
    words = client.get("/requests?q=colombia+awareness").get_data(as_text=True)
    assert "1 request match" in words
    odd = client.get("/requests?theme=bogus&page=999&country=XXX")
    assert odd.status_code == 200 and "Ignored unknown values" in odd.get_data(as_text=True)


def test_an_empty_word_filter_points_to_the_full_search(client, make):
    """Seen on the demo data: the lists' "Search words" need every word in a title or
    description, so /requests?q=Kenya showed "Nothing matches" though Kenya has requests; the
    empty list now links the same words to the search, which reads places and synonyms."""
    make.request("KEN", title="National CERT mentoring", themes=["incident_response"])
    empty = client.get("/requests?q=Kenya").get_data(as_text=True)
    assert "0 requests match" in empty
    assert 'href="/search?q=Kenya&amp;kind=request"' in empty
    found = client.get("/requests?q=mentoring").get_data(as_text=True)
    assert "1 request match" in found and "/search?q=mentoring" not in found
    fr = client.get("/programmes?q=xyzzy&lang=fr").get_data(as_text=True)
    assert 'href="/search?q=xyzzy&amp;kind=programme"' in fr and "« xyzzy »" in fr


def test_programme_filters_by_provider_type_and_eligible_country(client, make):
    make.country("FJI")
    ngo = make.organisation(type="civil_society")
    company = make.organisation(type="private_sector")
    make.programme(ngo, title="NGO programme for the Pacific", eligible_regions=["Asia-Pacific"])
    make.programme(company, title="Company programme for Africa", eligible_regions=["Africa"])
    body = client.get("/programmes?organisation_type=civil_society").get_data(as_text=True)
    assert "NGO programme" in body and "Company programme" not in body
    body = client.get("/programmes?country=FJI").get_data(as_text=True)
    assert "NGO programme" in body and "Company programme" not in body


def test_stale_records_are_flagged_and_owner_confirms(client, auth, make):
    focal = make.user("focal_point", country="KEN")
    old = make.request("KEN", title="Old request", last_confirmed_at=days_ago(400))
    fresh = make.request("KEN", title="Fresh request", last_confirmed_at=days_ago(10))
    listing = client.get("/requests").get_data(as_text=True)
    assert listing.count(">stale</span>") == 1
    auth.login(focal.email)
    work = client.get("/my").get_data(as_text=True)
    stale_section = work.split('id="stale"')[1].split("</section>")[0]
    assert "Old request" in stale_section and "Fresh request" not in stale_section
    page = client.get(f"/requests/{old.id}").get_data(as_text=True)
    assert "Yes, still current" in page
    assert client.post(f"/requests/{old.id}/confirm").status_code == 302
    db.session.expire_all()
    assert client.get(f"/requests/{old.id}").get_data(as_text=True).count(">stale</span>") == 0
    assert revisions_for(old)[0].action == "confirmed"
    assert fresh.id != old.id


def test_my_work_groups_returned_items(client, auth, make):
    focal = make.user("focal_point", country="KEN")
    make.request("KEN", title="Returned one", status="draft", return_comment="Add dates")
    make.request("KEN", title="Plain draft", status="draft")
    make.request("SEN", title="Senegal draft", status="draft")
    auth.login(focal.email)
    work = client.get("/my").get_data(as_text=True)
    returned = work.split('id="returned"')[1].split("</section>")[0]
    assert "Returned one" in returned and "Plain draft" not in returned
    assert "Senegal draft" not in work


def test_not_found_and_method_errors_are_pages(client):
    response = client.get("/requests/424242")
    assert response.status_code == 404 and "Not found" in response.get_data(as_text=True)
    assert client.get("/nowhere").status_code == 404
    assert client.get("/account/logout").status_code == 405


def test_countries_page_lists_all_regions(client, make):
    for iso in ("KEN", "FJI", "COL", "EST", "DEU"):
        make.country(iso)
    body = client.get("/countries").get_data(as_text=True)
    for region in ("Africa", "Asia-Pacific", "Eastern Europe", "Western Europe and Others"):
        link = "/places/group:" + region.replace(" ", "%20")
        assert f'<h2><a href="{link}">{region}</a>' in body


def test_pagination_links_keep_every_filter_and_ignore_a_clashing_argument(app, client, make):
    app.config["PER_PAGE"] = 2
    for n in range(5):
        make.request("KEN", title=f"Paged request number {n}", themes=["awareness", "gender"])
    page = client.get("/requests?plural=x&theme=awareness&theme=gender")
    assert page.status_code == 200
    html = page.get_data(as_text=True)
    nxt = re.search(r'<a rel="next" href="([^"]+)"', html)[1].replace("&amp;", "&")
    assert nxt.startswith("/requests?") and "page=2" in nxt
    assert "theme=awareness" in nxt and "theme=gender" in nxt and "plural" not in nxt
    assert client.get(nxt).status_code == 200


def test_a_form_post_without_its_optional_text_boxes_is_taken(client, auth, make):
    """A script posting the form without the optional text boxes gets what a browser that
    leaves them empty gets (it got "Field may not be null")."""
    make.country("KEN")
    auth.login(make.user("focal_point", country="KEN").email)
    minimal = {k: v for k, v in REQUEST_FORM.items() if k not in ("target_audience", "timeframe")}
    response = client.post("/requests/new", data=minimal)
    assert response.status_code == 302, response.get_data(as_text=True)
