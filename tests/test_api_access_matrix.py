"""Role x endpoint x visibility for the API: the same rules as the pages (tests/test_access_matrix).

Every role calls every endpoint that can show, count or change a record, by session and by
bearer token: details, lists and their totals, per-status totals, search totals, hits and
facet counts, country and organisation counts, history, allowed actions, updates, and the
matches of a record, of a counterpart, the best pairs and the unmet needs.
"""

from __future__ import annotations

import pytest

from kb.api import tokens
from kb.extensions import db
from kb.matching.service import match_service
from kb.models import ApiToken, User
from kb.models.types import utcnow
from kb.searching.service import search_service
from kb.uow import unit_of_work
from tests.test_access_matrix import OWNER_AND_SEC, ROLES, _records

KIND_ROLE_USERS = {
    "request": {
        "owner": ("focal_point", {"country": "KEN"}),
        "other_owner": ("focal_point", {"country": "SEN"}),
        "other_role": ("provider", {}),
    },
    "programme": {
        "owner": ("provider", "owner_org"),
        "other_owner": ("provider", {}),
        "other_role": ("focal_point", {"country": "SEN"}),
    },
}


def _user_for(role: str, kind: str, make, owner_org) -> User | None:
    if role == "anonymous":
        return None
    if role == "pending":
        return make.user(None, status="pending")
    if role == "secretariat":
        return make.user("secretariat")
    user_role, options = KIND_ROLE_USERS[kind][role]
    if options == "owner_org":
        return make.user(user_role, organisation=owner_org)
    return make.user(user_role, **options)


def _raw_token(user: User) -> str:
    """A token row even for a pending user (who cannot create one on the page)."""
    secret = tokens.SECRET_PREFIX + f"matrix{user.id}" + "x" * 30
    token = ApiToken(
        user_id=user.id,
        name="matrix",
        scope="write",
        token_hash=tokens.hash_secret(secret),
        prefix=secret[:12],
        expires_at=utcnow().replace(year=utcnow().year + 1),
    )
    with unit_of_work(index=False):
        db.session.add(token)
    return secret


class Caller:
    def __init__(self, client, headers):
        self.client, self.headers = client, headers

    def get(self, url):
        return self.client.get(url, headers=self.headers)

    def patch(self, url, **kw):
        return self.client.patch(url, headers={**self.headers, "If-Match": "*"}, **kw)


def _caller(via, role, kind, make, client, auth, owner_org) -> Caller:
    user = _user_for(role, kind, make, owner_org)
    if user is None:
        return Caller(client, {})
    if via == "token":
        return Caller(client, {"Authorization": f"Bearer {_raw_token(user)}"})
    response = auth.login(user.email)
    assert response.status_code == (403 if role == "pending" else 302)
    return Caller(client, {})


@pytest.mark.parametrize("via", ["session", "token"])
@pytest.mark.parametrize("kind", ["request", "programme"])
@pytest.mark.parametrize("role", ROLES)
def test_api_role_sees_exactly_what_it_may(via, role, kind, make, client, auth):
    make.country("SEN")
    owner_org = make.organisation(name="Owner Org")
    records = _records(kind, make, owner_org)
    # A public, open record of the other kind whose matches must only list visible records.
    if kind == "request":
        counterpart = make.programme(title="Counterpart programme for capacity records")
    else:
        counterpart = make.request("KEN", title="Counterpart request for capacity records")
    search_service().reindex()
    with unit_of_work():
        match_service().refresh()
    caller = _caller(via, role, kind, make, client, auth, owner_org)
    plural = kind + "s"

    if via == "token" and role == "pending":
        # An account that is not approved has no working token: every call is refused.
        for url in (f"/api/v1/{plural}", f"/api/v1/{plural}/{records[0][0].id}", "/api/v1/me"):
            assert caller.get(url).status_code == 401
        return

    visible = {r.id for r, roles in records if role in roles}
    listing = caller.get(f"/api/v1/{plural}?per_page=100").get_json()
    assert listing["total"] == len(visible)
    assert {item["id"] for item in listing["items"]} == visible
    for status in {r.status for r, _ in records}:
        expected = sum(1 for r, roles in records if role in roles and r.status == status)
        by_status = caller.get(f"/api/v1/{plural}?status={status}").get_json()
        assert by_status["total"] == expected, status

    found = caller.get(f"/api/v1/search?kind={kind}&per_page=100").get_json()
    assert found["total"] == len(visible)
    assert {int(h["id"].split(":")[1]) for h in found["hits"]} == visible
    for facet, pairs in found["facets"].items():
        if facet in ("status", "kind"):
            assert sum(p["count"] for p in pairs) == len(visible), facet
    statuses = {p["value"]: p["count"] for p in found["facets"].get("status", [])}
    for status, count in statuses.items():
        assert count == sum(1 for r, roles in records if role in roles and r.status == status)
    worded = caller.get(f"/api/v1/search?q=capacity&kind={kind}").get_json()
    assert worded["total"] == len(visible)

    other = "programmes" if kind == "request" else "requests"
    matched = caller.get(f"/api/v1/{other}/{counterpart.id}/matches").get_json()["items"]
    assert {m["record"]["id"] for m in matched} <= visible
    for pair in caller.get("/api/v1/matches?per_page=100").get_json()["items"]:
        assert pair[kind]["id"] in visible
    for item in caller.get("/api/v1/matches/unmet").get_json()["items"]:
        assert kind == "programme" or item["request"]["id"] in visible

    if kind == "request":
        country = caller.get("/api/v1/countries/KEN").get_json()
        assert country["visible_requests"] == len(visible)
        listed = caller.get("/api/v1/countries").get_json()["items"]
        assert next(c for c in listed if c["iso3"] == "KEN")["visible_requests"] == len(visible)
    else:
        org = caller.get(f"/api/v1/organisations/{owner_org.id}").get_json()
        assert org["visible_programmes"] == len(visible)

    for record, roles in records:
        may_see = role in roles
        base = f"/api/v1/{plural}/{record.id}"
        label = (record.visibility, record.status)
        assert caller.get(base).status_code == (200 if may_see else 404), label
        assert caller.get(f"{base}/actions").status_code == (200 if may_see else 404), label
        assert caller.get(f"{base}/matches").status_code == (200 if may_see else 404), label
        history = caller.get(f"{base}/revisions").status_code
        if not may_see:
            assert history == 404, label
        else:
            assert history == (200 if role in OWNER_AND_SEC else 403), label
        edit = caller.patch(base, json={}).status_code
        if role in ("anonymous", "pending"):
            assert edit == 401, label
        elif not may_see:
            assert edit == 404, label
        elif role == "secretariat" or (role == "owner" and record.status != "withdrawn"):
            assert edit == 200, label
        else:
            assert edit == 403, label
        if may_see and role not in ("anonymous", "pending"):
            actions = caller.get(f"{base}/actions").get_json()["items"]
            assert bool(actions) is (role in OWNER_AND_SEC) or record.status == "withdrawn"


@pytest.mark.parametrize("role", ["anonymous", "other_owner", "other_role"])
def test_api_others_cannot_change_status_or_edit(role, make, client, auth):
    make.country("SEN")
    owner_org = make.organisation()
    request = make.request("KEN", title="Public open request", status="open")
    programme = make.programme(owner_org, title="Public open programme", status="open")
    for kind, record in (("request", request), ("programme", programme)):
        caller = _caller("token", role, kind, make, client, auth, owner_org)
        base = f"/api/v1/{kind}s/{record.id}"
        expected = 401 if role == "anonymous" else 403
        for action in ("withdraw", "close", "publish", "return"):
            response = caller.client.post(
                f"{base}/actions/{action}", json={"comment": "x"}, headers=caller.headers
            )
            assert response.status_code == expected, (kind, action)
        assert caller.patch(base, json={"title": "Hijacked title"}).status_code == expected
        confirm = caller.client.post(f"{base}/confirm", headers=caller.headers)
        assert confirm.status_code == expected
    db.session.expire_all()
    assert request.status == "open" and programme.title == "Public open programme"
