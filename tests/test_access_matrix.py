"""Role x route x visibility: nobody sees, counts or edits what they may not.

Each row of CASES is one record state; the set names the roles that may see it. Every role is
logged in once per test and checked against every page that can show the record.
"""

from __future__ import annotations

import re

import pytest

from kb.models import Programme, Request
from tests.factories import Factory

ROLES = ["anonymous", "pending", "owner", "other_owner", "other_role", "secretariat"]
EVERYONE = set(ROLES)
APPROVED = {"owner", "other_owner", "other_role", "secretariat"}
OWNER_AND_SEC = {"owner", "secretariat"}

CASES: list[tuple[str, str, set[str]]] = [
    ("public", "open", EVERYONE),
    ("verified", "open", APPROVED),
    ("secretariat", "open", OWNER_AND_SEC),
    ("public", "draft", OWNER_AND_SEC),
    ("public", "submitted", OWNER_AND_SEC),
    ("public", "withdrawn", OWNER_AND_SEC),
    ("verified", "closed", APPROVED),
    ("secretariat", "closed", OWNER_AND_SEC),
]


def _login_as(role: str, kind: str, make: Factory, auth, owner_org) -> None:
    if role == "anonymous":
        return
    if role == "pending":
        user = make.user(None, status="pending")
    elif role == "secretariat":
        user = make.user("secretariat")
    elif kind == "request":
        user = {
            "owner": lambda: make.user("focal_point", country="KEN"),
            "other_owner": lambda: make.user("focal_point", country="SEN"),
            "other_role": lambda: make.user("provider"),
        }[role]()
    else:
        user = {
            "owner": lambda: make.user("provider", organisation=owner_org),
            "other_owner": lambda: make.user("provider"),
            "other_role": lambda: make.user("focal_point", country="SEN"),
        }[role]()
    response = auth.login(user.email)
    if role == "pending":
        assert response.status_code == 403  # cannot log in before approval
    else:
        assert response.status_code == 302


def _records(kind: str, make: Factory, owner_org) -> list[tuple[Request | Programme, set[str]]]:
    made = []
    for i, (visibility, status, roles) in enumerate(CASES):
        title = f"Zeta{kind}{i} capacity record"
        if kind == "request":
            record = make.request("KEN", title=title, visibility=visibility, status=status)
        else:
            record = make.programme(owner_org, title=title, visibility=visibility, status=status)
        made.append((record, roles))
    return made


def _count(html: str) -> int:
    match = re.search(r'class="result-count">(\d+) ', html)
    assert match, "result count missing"
    return int(match.group(1))


@pytest.mark.parametrize("kind", ["request", "programme"])
@pytest.mark.parametrize("role", ROLES)
def test_role_sees_exactly_what_it_may(role, kind, make, client, auth):
    make.country("SEN")
    owner_org = make.organisation(name="Owner Org")
    records = _records(kind, make, owner_org)
    _login_as(role, kind, make, auth, owner_org)
    plural = kind + "s"

    listing = client.get(f"/{plural}").get_data(as_text=True)
    expected_visible = [r for r, roles in records if role in roles]
    assert _count(listing) == len(expected_visible)

    owner_page = (
        client.get("/countries/KEN")
        if kind == "request"
        else client.get(f"/organisations/{owner_org.id}")
    ).get_data(as_text=True)
    home = client.get("/").get_data(as_text=True)

    for record, roles in records:
        may_see = role in roles
        detail = client.get(f"/{plural}/{record.id}")
        assert detail.status_code == (200 if may_see else 404), (record.visibility, record.status)
        assert (record.title in listing) is may_see
        assert (record.title in owner_page) is may_see
        if not may_see:
            assert record.title not in home
            assert client.get(f"/{plural}?status={record.status}").status_code == 200
        if may_see:
            body = detail.get_data(as_text=True)
            assert ("<h2>History</h2>" in body) is (role in OWNER_AND_SEC)
        edit = client.get(f"/{plural}/{record.id}/edit")
        if role == "anonymous" or role == "pending":
            assert edit.status_code == 302 and "/account/login" in edit.location
        elif not may_see:
            assert edit.status_code == 404
        elif role == "secretariat" or (role == "owner" and record.status != "withdrawn"):
            assert edit.status_code == 200
        else:
            assert edit.status_code == 403


@pytest.mark.parametrize("role", ["anonymous", "other_owner", "other_role"])
def test_others_cannot_change_status_or_edit(role, make, client, auth):
    owner_org = make.organisation()
    make.country("SEN")
    request = make.request("KEN", title="Public open request", status="open")
    programme = make.programme(owner_org, title="Public open programme", status="open")
    for kind, record in (("request", request), ("programme", programme)):
        auth.logout()
        _login_as(role, kind, make, auth, owner_org)
        for action in ("withdraw", "close", "publish", "return"):
            response = client.post(f"/{kind}s/{record.id}/status/{action}", data={"comment": "x"})
            expected = 302 if role == "anonymous" else 403
            assert response.status_code == expected
            if role == "anonymous":
                assert "/account/login" in response.location
        response = client.post(
            f"/{kind}s/{record.id}/edit", data={"title": "Hijacked title", "description": "x" * 30}
        )
        assert response.status_code in (302, 403)
    from kb.extensions import db

    db.session.expire_all()
    assert db.session.get(Request, request.id).status == "open"
    assert db.session.get(Programme, programme.id).title == "Public open programme"


def test_secretariat_pages_need_secretariat(make, client, auth):
    for role in ("focal_point", "provider"):
        user = make.user(role)
        auth.login(user.email)
        assert client.get("/secretariat/queue").status_code == 403
        assert client.get("/secretariat/accounts").status_code == 403
        assert client.post(f"/secretariat/accounts/{user.id}/approve").status_code == 403
        auth.logout()
    assert client.get("/secretariat/queue").status_code == 302


def test_country_page_lists_only_eligible_visible_open_programmes(make, client):
    make.country("FJI")
    make.country("KEN")
    org = make.organisation()
    shown = [
        make.programme(org, title="Global programme"),
        make.programme(org, title="Pacific region programme", eligible_regions=["Asia-Pacific"]),
        make.programme(org, title="Fiji only programme", eligible_countries=["FJI"]),
    ]
    hidden = [
        make.programme(org, title="Africa only programme", eligible_regions=["Africa"]),
        make.programme(org, title="Kenya only programme", eligible_countries=["KEN"]),
        make.programme(org, title="Closed global programme", status="closed"),
        make.programme(org, title="Verified global programme", visibility="verified"),
    ]
    body = client.get("/countries/FJI").get_data(as_text=True)
    for p in shown:
        assert p.title in body
    for p in hidden:
        assert p.title not in body
