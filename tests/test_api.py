"""The REST API: lists, records, writes with ETags, actions, history, auth and errors."""

from __future__ import annotations

import json
import logging

import pytest

from kb.api import tokens
from kb.extensions import db
from kb.matching.service import match_service
from kb.models import Request, Revision, User
from kb.uow import unit_of_work
from kb.uploads.safety import upload_limit

PROBLEM = "application/problem+json"


def bearer(user: User, scope: str = "write") -> dict[str, str]:
    with unit_of_work(index=False):
        _, secret = tokens.create_token(user, "test", scope, 30)
    return {"Authorization": f"Bearer {secret}"}


def request_body(**kw):
    return {
        "title": "Training for our national CERT",
        "description": "Our national CERT needs analysts trained in malware triage and forensics.",
        "themes": ["incident_response"],
        "support_types": ["training"],
        "languages": ["en", "fr"],
        "country_code": "KEN",
        **kw,
    }


def assert_problem(response, status: int, *fields: str) -> dict:
    assert response.status_code == status, response.get_data(as_text=True)
    assert response.mimetype == PROBLEM
    body = response.get_json()
    assert {"type", "title", "status", "detail", "instance", "errors", "request_id"} <= set(body)
    assert body["status"] == status
    assert body["request_id"] == response.headers["X-Request-ID"]
    for field in fields:
        assert field in body["errors"], body
    assert "Traceback" not in response.get_data(as_text=True)
    return body


# --- reading ---------------------------------------------------------------------------------


def test_index_spec_and_docs_page(client):
    index = client.get("/api/v1/")
    assert index.status_code == 200
    assert set(index.get_json()["links"]) >= {"requests", "programmes", "search", "openapi"}
    spec = client.get("/api/v1/openapi.json").get_json()
    assert spec["openapi"].startswith("3.")
    assert "/api/v1/requests/{record_id}/actions/{action}" in spec["paths"]
    docs = client.get("/api/v1/docs")
    html = docs.get_data(as_text=True)
    assert docs.status_code == 200
    assert "script-src 'self'" in docs.headers["Content-Security-Policy"]
    assert "<script>" not in html and "style=" not in html
    assert "/static/api/swagger-ui-bundle.js" in html
    with client.get("/static/api/swagger-ui-bundle.js") as bundle:
        assert bundle.status_code == 200


def test_list_paginates_with_totals_links_and_filters(client, make):
    for i in range(5):
        make.request("KEN", title=f"Request number {i} about cybercrime", themes=["cybercrime"])
    make.request("KEN", title="Hidden draft request", status="draft")
    first = client.get("/api/v1/requests?per_page=2&theme=cybercrime")
    body = first.get_json()
    assert first.status_code == 200
    assert (body["total"], body["pages"], len(body["items"])) == (5, 3, 2)
    assert first.headers["X-Total-Count"] == "5"
    assert 'rel="next"' in first.headers["Link"]
    assert body["links"]["prev"] is None and "page=2" in body["links"]["next"]
    assert "theme=cybercrime" in body["links"]["next"]
    last = client.get(body["links"]["last"]).get_json()
    assert len(last["items"]) == 1 and last["links"]["next"] is None
    assert client.get("/api/v1/requests?page=9").get_json()["items"] == []
    by_title = client.get("/api/v1/requests?sort=title").get_json()["items"]
    assert [r["title"] for r in by_title] == sorted(r["title"] for r in by_title)


def test_list_rejects_unknown_codes_per_field(client, make):
    make.country("KEN")
    assert_problem(client.get("/api/v1/requests?theme=nope&per_page=0"), 422, "theme", "per_page")
    assert_problem(client.get("/api/v1/requests?country=XYZ"), 422, "country")
    assert client.get("/api/v1/requests?country=ken").status_code == 200


def test_record_has_etag_last_modified_and_304(client, make):
    record = make.request("KEN")
    response = client.get(f"/api/v1/requests/{record.id}")
    assert response.status_code == 200
    assert response.get_json()["country_name"] == "Kenya"
    etag = response.headers["ETag"]
    assert response.headers["Last-Modified"]
    again = client.get(f"/api/v1/requests/{record.id}", headers={"If-None-Match": etag})
    assert again.status_code == 304
    assert_problem(client.get("/api/v1/requests/999999"), 404)
    assert_problem(client.get("/api/v1/requests/99999999999"), 404)


def test_directory_and_codes(client, make):
    make.country("KEN")
    org = make.organisation(name="Cyber Org", type="academia")
    make.programme(org)
    make.programme(org, status="draft")
    with unit_of_work():  # the stored counts, as after each commit
        match_service().refresh()
    countries = client.get("/api/v1/countries").get_json()
    assert countries["total"] >= 1
    orgs = client.get("/api/v1/organisations?type=academia").get_json()
    assert [(o["name"], o["visible_programmes"]) for o in orgs["items"]] == [("Cyber Org", 1)]
    assert client.get(f"/api/v1/organisations/{org.id}").get_json()["visible_programmes"] == 1
    assert client.get("/api/v1/countries/ken").get_json()["iso3"] == "KEN"
    assert_problem(client.get("/api/v1/countries/ZZZ"), 404)
    lists = client.get("/api/v1/codes").get_json()["lists"]
    assert {"themes", "support_types", "languages", "regions", "delivery_modes"} <= set(lists)
    themes = client.get("/api/v1/codes/themes").get_json()
    assert {"code": "cybercrime", "label": "Cybercrime"} in themes


def test_search_uses_the_same_query_as_search_json(client, make):
    make.request("KEN", title="Cybercrime legislation support")
    make.request("KEN", title="Secret cybercrime plan", visibility="secretariat")
    from kb.searching.service import search_service

    search_service().reindex()
    body = client.get("/api/v1/search?q=cybercrime&kind=request").get_json()
    assert body["total"] == 1
    assert body["hits"][0]["title"] == "Cybercrime legislation support"
    assert body["hits"][0]["url"].endswith(f"/api/v1/requests/{body['hits'][0]['id'][8:]}")
    legacy = client.get("/search.json?q=cybercrime&kind=request").get_json()
    assert legacy["total"] == body["total"]
    assert_problem(client.get("/api/v1/search?theme=bogus"), 422, "theme")


# --- writing -------------------------------------------------------------------------------


def test_focal_point_creates_with_a_write_token(client, make):
    focal = make.user("focal_point", country="KEN")
    response = client.post("/api/v1/requests", json=request_body(), headers=bearer(focal))
    assert response.status_code == 201, response.get_json()
    body = response.get_json()
    assert body["status"] == "draft" and body["country_code"] == "KEN"
    assert response.headers["Location"].endswith(f"/api/v1/requests/{body['id']}")
    assert response.headers["ETag"]
    assert db.session.get(Request, body["id"]).created_by_id == focal.id


def test_create_refusals(client, make):
    focal = make.user("focal_point", country="KEN")
    provider = make.user("provider")
    make.country("SEN")
    url = "/api/v1/requests"
    assert_problem(client.post(url, json=request_body()), 401)
    assert_problem(client.post(url, json=request_body(), headers=bearer(focal, "read")), 403)
    assert_problem(client.post(url, json=request_body(), headers=bearer(provider)), 403)
    other_state = request_body(country_code="SEN")
    assert_problem(client.post(url, json=other_state, headers=bearer(focal)), 403)
    bad = client.post(url, json={"title": "x", "themes": ["nope"]}, headers=bearer(focal))
    assert_problem(bad, 422, "title", "themes", "description")
    headers = bearer(focal)
    assert_problem(client.post(url, data="title=x", headers=headers), 415)
    broken = {**headers, "Content-Type": "application/json"}
    assert_problem(client.post(url, data="{not json", headers=broken), 400)
    assert_problem(client.post(url, data="[1, 2]", headers=broken), 422, "_body")
    assert_problem(client.post(url, json=request_body(title="Nul\x00byte title")), 401)
    assert_problem(
        client.post(url, json=request_body(title="Nul\x00byte title"), headers=headers),
        422,
        "title",
    )
    over_limit = client.application.config["MAX_CONTENT_LENGTH"] + 1
    huge = json.dumps(request_body(description="x" * over_limit))
    too_large = assert_problem(client.post(url, data=huge, headers=broken), 413)
    limit = round(upload_limit() / 1048576)
    assert too_large["detail"] == (
        f"The request body is too large: the limit is {limit} MB."
    )  # the app's own words (docs/OPERATIONS.md), not the server's generic text
    assert db.session.query(Request).count() == 0


def test_update_requires_if_match_and_refuses_stale_versions(client, make):
    focal = make.user("focal_point", country="KEN")
    record = make.request("KEN")
    headers = bearer(focal)
    url = f"/api/v1/requests/{record.id}"
    etag = client.get(url).headers["ETag"]
    body = assert_problem(client.patch(url, json={"urgency": "high"}, headers=headers), 428)
    assert "If-Match" in body["detail"]
    stale = {**headers, "If-Match": '"not-the-etag"'}
    assert_problem(client.patch(url, json={"urgency": "high"}, headers=stale), 412)
    fresh = {**headers, "If-Match": etag}
    changed = client.patch(url, json={"urgency": "high"}, headers=fresh)
    assert changed.status_code == 200 and changed.get_json()["urgency"] == "high"
    assert changed.headers["ETag"] != etag
    # The first writer won; a second writer holding the old ETag is refused.
    assert_problem(client.patch(url, json={"urgency": "low"}, headers=fresh), 412)
    assert_problem(client.patch(url, json={"urgency": "urgent"}, headers=fresh), 412)
    new = {**headers, "If-Match": changed.headers["ETag"]}
    assert_problem(client.patch(url, json={"urgency": "urgent"}, headers=new), 422, "urgency")
    assert_problem(client.patch(url, json={"country_code": "SEN"}, headers=new), 422)
    revisions = db.session.query(Revision).filter_by(record_id=record.id).all()
    assert [r.changes for r in revisions] == [{"urgency": ["medium", "high"]}]


def test_update_refusals(client, make):
    make.country("SEN")
    other = make.user("focal_point", country="SEN")
    hidden = make.request("KEN", visibility="secretariat")
    public = make.request("KEN")
    for record, status in ((hidden, 404), (public, 403)):
        response = client.patch(
            f"/api/v1/requests/{record.id}",
            json={"urgency": "high"},
            headers={**bearer(other), "If-Match": "*"},
        )
        assert_problem(response, status)


def test_lifecycle_actions(client, make):
    focal = make.user("focal_point", country="KEN")
    secretariat = make.user("secretariat")
    record = make.request("KEN", status="draft")
    base = f"/api/v1/requests/{record.id}"
    mine, sec = bearer(focal), bearer(secretariat)
    names = [a["name"] for a in client.get(f"{base}/actions", headers=mine).get_json()["items"]]
    assert "submit" in names and "publish" not in names
    submitted = client.post(f"{base}/actions/submit", headers=mine)
    assert submitted.status_code == 200 and submitted.get_json()["status"] == "submitted"
    assert_problem(client.post(f"{base}/actions/publish", headers=mine), 403)
    assert_problem(client.post(f"{base}/actions/return", json={}, headers=sec), 422, "comment")
    assert_problem(client.post(f"{base}/actions/fulfil", headers=sec), 409)
    assert_problem(client.post(f"{base}/actions/explode", headers=sec), 404)
    stale = {**sec, "If-Match": '"old"'}
    assert_problem(client.post(f"{base}/actions/publish", headers=stale), 412)
    published = client.post(f"{base}/actions/publish", json={"comment": "Looks good."}, headers=sec)
    assert published.get_json()["status"] == "open"
    history = client.get(f"{base}/revisions", headers=mine).get_json()
    assert [r["action"] for r in history["items"]] == ["publish", "submit"]
    assert history["items"][0]["comment"] == "Looks good."


def test_history_is_for_owner_and_secretariat(client, make):
    make.country("SEN")
    record = make.request("KEN")
    other = make.user("focal_point", country="SEN")
    url = f"/api/v1/requests/{record.id}/revisions"
    assert_problem(client.get(url), 403)
    assert_problem(client.get(url, headers=bearer(other)), 403)
    assert client.get(url, headers=bearer(make.user("secretariat"))).status_code == 200


def test_confirm_resets_freshness(client, make):
    focal = make.user("focal_point", country="KEN")
    record = make.request("KEN")
    response = client.post(f"/api/v1/requests/{record.id}/confirm", headers=bearer(focal))
    assert response.status_code == 200
    assert_problem(client.post(f"/api/v1/requests/{record.id}/confirm"), 401)


def test_programme_create_and_update(client, make):
    org = make.organisation()
    provider = make.user("provider", organisation=org)
    body = {
        "title": "Incident response bootcamp",
        "description": "Five days of hands-on incident response for national CSIRTs.",
        "themes": ["incident_response"],
        "support_types": ["training", "exercise"],
        "languages": ["en"],
        "organisation_id": org.id,
        "start_date": "2027-01-10",
        "end_date": "2027-01-15",
    }
    headers = bearer(provider)
    created = client.post("/api/v1/programmes", json=body, headers=headers)
    assert created.status_code == 201, created.get_json()
    url = created.headers["Location"]
    bad_dates = {**headers, "If-Match": created.headers["ETag"]}
    response = client.patch(url, json={"end_date": "2026-01-01"}, headers=bad_dates)
    assert_problem(response, 422, "end_date")
    too_big = client.post(
        "/api/v1/programmes", json={**body, "organisation_id": 2**40}, headers=headers
    )
    assert_problem(too_big, 422, "organisation_id")


# --- session authentication and CSRF ---------------------------------------------------------


def test_session_writes_need_the_csrf_header(app, client, make, auth):
    app.config["WTF_CSRF_ENABLED"] = True
    focal = make.user("focal_point", country="KEN")
    record = make.request("KEN")
    url = f"/api/v1/requests/{record.id}"
    app.config["WTF_CSRF_ENABLED"] = False
    auth.login(focal.email)
    app.config["WTF_CSRF_ENABLED"] = True
    me = client.get("/api/v1/me").get_json()
    assert me["auth"] == "session" and me["user"]["id"] == focal.id
    etag = client.get(url).headers["ETag"]
    refused = client.patch(url, json={"urgency": "high"}, headers={"If-Match": etag})
    body = assert_problem(refused, 403)
    assert body["type"].endswith("/problems/csrf-failed")
    headers = {"If-Match": etag, "X-CSRFToken": me["csrf_token"]}
    assert client.patch(url, json={"urgency": "high"}, headers=headers).status_code == 200
    # A token request needs no CSRF token even with CSRF protection on.
    client.post("/account/logout", data={"csrf_token": me["csrf_token"]})
    token = bearer(focal)
    etag = client.get(url).headers["ETag"]
    done = client.patch(url, json={"urgency": "low"}, headers={**token, "If-Match": etag})
    assert done.status_code == 200


def test_me_for_each_kind_of_caller(client, make):
    assert client.get("/api/v1/me").get_json() == {
        "auth": "anonymous",
        "scope": None,
        "user": None,
        "csrf_token": None,
    }
    me = client.get("/api/v1/me", headers=bearer(make.user("provider"), "read")).get_json()
    assert (me["auth"], me["scope"], me["csrf_token"]) == ("token", "read", None)


# --- tokens ----------------------------------------------------------------------------------


def test_token_page_creates_shows_once_lists_and_revokes(client, make, auth):
    user = make.user("provider")
    auth.login(user.email)
    page = client.post(
        "/account/tokens", data={"name": "dashboard", "scope": "write", "expires_in_days": "30"}
    )
    html = page.get_data(as_text=True)
    assert page.status_code == 200
    secret = html.split('id="new-token" type="text" readonly value="')[1].split('"')[0]
    assert secret.startswith("cxk_") and len(secret) > 40
    listing = client.get("/account/tokens").get_data(as_text=True)
    assert secret not in listing and secret[:12] in listing and "dashboard" in listing
    stored = tokens.tokens_of(db.session.get(User, user.id))[0]
    assert stored.token_hash == tokens.hash_secret(secret) and stored.scope == "write"
    auth.logout()
    headers = {"Authorization": f"Bearer {secret}"}
    assert client.get("/api/v1/me", headers=headers).get_json()["auth"] == "token"
    db.session.expire_all()
    assert db.session.get(type(stored), stored.id).last_used_at is not None
    auth.login(user.email)
    revoked = client.post(f"/account/tokens/{stored.id}/revoke")
    assert revoked.status_code == 302
    auth.logout()
    body = assert_problem(client.get("/api/v1/me", headers=headers), 401)
    assert body["type"].endswith("/problems/invalid-token")


def test_token_page_validates_and_needs_login(client, make, auth):
    assert client.get("/account/tokens").status_code == 302
    auth.login(make.user("provider").email)
    page = client.post("/account/tokens", data={"name": "", "scope": "admin"})
    assert page.status_code == 422
    assert client.post("/account/tokens/99999/revoke").status_code == 404


def test_disabled_or_expired_users_tokens_stop_working(client, make):
    from datetime import timedelta

    from kb.models.types import utcnow

    user = make.user("provider")
    headers = bearer(user)
    assert client.get("/api/v1/me", headers=headers).get_json()["auth"] == "token"
    user.status = "disabled"
    db.session.commit()
    assert_problem(client.get("/api/v1/me", headers=headers), 401)
    user.status = "active"
    token = tokens.tokens_of(user)[0]
    token.expires_at = utcnow() - timedelta(seconds=1)
    db.session.commit()
    assert_problem(client.get("/api/v1/requests", headers=headers), 401)
    assert_problem(client.get("/api/v1/me", headers={"Authorization": "Basic abc"}), 401)
    assert_problem(client.get("/api/v1/me", headers={"Authorization": "Bearer cxk_nope"}), 401)


# --- errors ----------------------------------------------------------------------------------


def test_unknown_paths_and_methods_are_problems(client):
    assert_problem(client.get("/api/v1/nothing-here"), 404)
    response = client.delete("/api/v1/codes")
    assert_problem(response, 405)
    assert "GET" in response.headers["Allow"]


def test_server_errors_are_logged_with_the_request_id(client, monkeypatch, caplog):
    import kb.api.search

    def broken():
        raise RuntimeError("boom: secret internals")

    monkeypatch.setattr(kb.api.search, "search_service", broken)
    with caplog.at_level(logging.ERROR):
        response = client.get("/api/v1/search", headers={"X-Request-ID": "trace-12345678"})
    body = assert_problem(response, 500)
    assert body["request_id"] == "trace-12345678"
    assert "boom" not in response.get_data(as_text=True)
    assert any("trace-12345678" in r.getMessage() for r in caplog.records)


def test_html_pages_keep_html_errors(client):
    response = client.get("/no-such-page")
    assert response.status_code == 404 and response.mimetype == "text/html"
    assert "request_id" not in response.get_data(as_text=True)  # a page, not a problem body
    assert response.headers["X-Request-ID"]  # every response carries one (kb.ops.requests)


@pytest.mark.parametrize("path", ["/api/v1/requests", "/api/v1/codes/themes", "/api/v1/me"])
def test_responses_carry_request_id_and_cache_headers(client, path):
    response = client.get(path)
    assert response.headers["X-Request-ID"]
    assert "no-cache" in response.headers["Cache-Control"]
    assert "Authorization" in response.headers["Vary"]
