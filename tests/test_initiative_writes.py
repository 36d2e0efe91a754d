"""Initiatives written by hand: the form (the Secretariat and the partners' providers), its
moderation and history, and POST/PATCH/actions in the API."""

from __future__ import annotations

from sqlalchemy import func, select

from kb.extensions import db
from kb.models import Revision
from kb.models.initiative import Initiative
from tests.test_api import assert_problem, bearer


def _form(funders, implementers, **kw):
    return {
        "title": "Cyber diplomacy course for Kenyan diplomats",
        "description": "A course on norms of responsible state behaviour in cyberspace.",
        "text_language": "en",
        "funders": [str(i) for i in funders],
        "implementers": [str(i) for i in implementers],
        "beneficiary_countries": ["KEN"],
        "work_status": "ongoing",
        "start_date": "2026-01-01",
        "end_date": "2026-12-31",
        "themes": ["diplomacy"],
        "support_types": ["training"],
        "budget_amount": "250000",
        "budget_currency": "usd",
        "budget_visibility": "secretariat",
        "visibility": "public",
        "outputs": "https://example.org/report.pdf",
        **kw,
    }


def test_provider_writes_submits_and_secretariat_publishes(client, auth, make):
    make.country("KEN")
    donor, agency, other = make.organisation(), make.organisation(), make.organisation()
    make.user("provider", organisation=agency, email="agency@example.org")
    make.user("provider", organisation=other, email="other@example.org")
    make.user("secretariat", email="sec@example.org")

    auth.login("agency@example.org")
    # validation names the field; a provider must name its own organisation
    page = client.post("/initiatives/new", data=_form([donor.id], [], title="abc"))
    assert page.status_code == 400
    text = page.get_data(as_text=True)
    assert 'id="title-err"' in text
    text = client.post("/initiatives/new", data=_form([donor.id], [])).get_data(as_text=True)
    assert 'id="funders-err"' in text and "Name your own organisation" in text
    bad = client.post(
        "/initiatives/new",
        data=_form([donor.id], [agency.id], end_date="2025-01-01", budget_currency="dollars"),
    )
    text = bad.get_data(as_text=True)
    assert 'id="end_date-err"' in text and 'id="budget_currency-err"' in text
    assert db.session.scalar(select(func.count()).select_from(Initiative)) == 0

    created = client.post("/initiatives/new", data=_form([donor.id], [agency.id]))
    assert created.status_code == 302
    item = db.session.scalar(select(Initiative))
    assert item.status == "draft" and item.budget_currency == "USD"
    assert [o.id for o in item.organisations("funder")] == [donor.id]
    # a draft: its partners and the Secretariat see it, nobody else
    assert client.get(f"/initiatives/{item.id}").status_code == 200
    auth.logout()
    assert client.get(f"/initiatives/{item.id}").status_code == 404
    auth.login("other@example.org")
    assert client.get(f"/initiatives/{item.id}").status_code == 404
    assert client.get(f"/initiatives/{item.id}/edit").status_code == 404
    auth.logout()

    auth.login("agency@example.org")
    edited = client.post(
        f"/initiatives/{item.id}/edit",
        data=_form([donor.id, other.id], [agency.id], title="Cyber diplomacy course, 2026"),
    )
    assert edited.status_code == 302
    assert client.post(f"/initiatives/{item.id}/status/publish").status_code == 403
    assert client.post(f"/initiatives/{item.id}/status/submit").status_code == 302
    auth.logout()

    auth.login("sec@example.org")
    client.post(f"/initiatives/{item.id}/status/publish")
    db.session.refresh(item)
    assert item.status == "published" and item.title == "Cyber diplomacy course, 2026"
    history = client.get(f"/initiatives/{item.id}").get_data(as_text=True)
    assert "Cyber diplomacy course for Kenyan diplomats" in history  # the earlier title
    actions = [
        r.action
        for r in db.session.scalars(
            select(Revision).where(Revision.record_kind == "initiative").order_by(Revision.id)
        )
    ]
    assert actions == ["created", "edited", "submit", "publish"]
    edit = db.session.scalar(select(Revision).where(Revision.action == "edited"))
    assert edit.changes["funders"][1] == [donor.display_name, other.display_name]
    auth.logout()

    # published: everyone sees it, the budget only where its own visibility allows
    public = client.get(f"/initiatives/{item.id}").get_data(as_text=True)
    assert "Cyber diplomacy course, 2026" in public and "250,000" not in public
    assert client.get(f"/initiatives/{item.id}/edit").status_code == 302  # to the login


def test_api_create_patch_and_moderate(client, make):
    make.country("KEN")
    donor, agency = make.organisation(), make.organisation()
    provider = make.user("provider", organisation=agency, email="agency@example.org")
    sec = make.user("secretariat", email="sec@example.org")
    headers = bearer(provider)
    body = {
        "title": "CSIRT twinning for Kenya",
        "description": "Twinning of the national CSIRT with a peer team.",
        "funders": [donor.id],
        "implementers": [agency.id],
        "beneficiary_countries": ["ken"],
        "budget_amount": 90000,
        "budget_currency": "EUR",
    }
    bad = client.post(
        "/api/v1/initiatives",
        json={**body, "beneficiary_countries": ["XXX"], "budget_currency": None},
        headers=headers,
    )
    assert_problem(bad, 422, "beneficiary_countries")
    bad = client.post(
        "/api/v1/initiatives", json={**body, "funders": [], "implementers": []}, headers=headers
    )
    assert_problem(bad, 422, "funders")
    created = client.post("/api/v1/initiatives", json=body, headers=headers)
    assert created.status_code == 201, created.get_json()
    data = created.get_json()
    assert data["status"] == "draft" and data["beneficiary_countries"] == ["KEN"]
    assert data["themes"]  # suggested from the text when none is given
    path = created.headers["Location"]
    assert_problem(client.patch(path, json={"title": "New"}, headers=headers), 428)
    etag = client.get(path, headers=headers).headers["ETag"]
    changed = client.patch(
        path,
        json={"work_status": "completed", "end_date": "2026-06-30"},
        headers={**headers, "If-Match": etag},
    )
    assert changed.status_code == 200 and changed.get_json()["work_status"] == "completed"
    stale = client.patch(path, json={"title": "Again"}, headers={**headers, "If-Match": etag})
    assert_problem(stale, 412)
    assert client.post(f"{path}/actions/submit", headers=headers).status_code == 200
    assert_problem(client.post(f"{path}/actions/publish", headers=headers), 403)
    assert_problem(client.post(f"{path}/actions/return", headers=bearer(sec)), 422, "comment")
    published = client.post(f"{path}/actions/publish", headers=bearer(sec))
    assert published.get_json()["status"] == "published"
    assert client.get(path).get_json()["budget_amount"] == "90000.00"
    spec = client.get("/api/v1/openapi.json").get_json()
    assert {"get", "post"} <= set(spec["paths"]["/api/v1/initiatives"])
    assert "patch" in spec["paths"]["/api/v1/initiatives/{initiative_id}"]
