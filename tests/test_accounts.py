"""Registration, vetting, login throttling, passwords, CSRF, cookies and security headers."""

from __future__ import annotations

import re

from sqlalchemy import select

from kb.extensions import db
from kb.models import User
from tests.factories import PASSWORD

REGISTRATION = {
    "name": "Amina Ouedraogo",
    "email": "Amina@Example.org",
    "represents": "Ministry of Digital Economy, Burkina Faso",
    "note": "Head of cyber policy",
    "password": "a-long-password",
    "confirm": "a-long-password",
}


def test_register_then_wait_for_approval_then_login(client, auth, make):
    response = client.post("/account/register", data=REGISTRATION)
    assert response.status_code == 302
    user = db.session.scalar(select(User).where(User.email == "amina@example.org"))
    assert user.status == "pending" and user.role is None
    assert user.password_hash.startswith("scrypt:")
    assert "a-long-password" not in user.password_hash

    refused = auth.login("amina@example.org", "a-long-password")
    assert refused.status_code == 403
    assert "waiting for approval" in refused.get_data(as_text=True)

    make.country("BFA")
    secretariat = make.user("secretariat")
    auth.login(secretariat.email)
    queue = client.get("/secretariat/queue").get_data(as_text=True)
    assert "Amina Ouedraogo" in queue and "Burkina Faso" in queue
    approved = client.post(
        f"/secretariat/accounts/{user.id}/approve",
        data={"role": "focal_point", "country_code": "BFA", "organisation_id": ""},
    )
    assert approved.status_code == 302
    auth.logout()
    db.session.expire_all()
    assert user.status == "active" and user.country_code == "BFA"

    assert auth.login("amina@example.org", "a-long-password").status_code == 302
    assert client.get("/my").status_code == 200


def test_approval_needs_a_binding(client, auth, make):
    pending = make.user(None, status="pending")
    auth.login(make.user("secretariat").email)
    response = client.post(
        f"/secretariat/accounts/{pending.id}/approve",
        data={"role": "provider", "country_code": "", "organisation_id": ""},
        follow_redirects=True,
    )
    assert "Choose the organisation" in response.get_data(as_text=True)
    db.session.expire_all()
    assert pending.status == "pending"


def test_registration_errors_name_the_fields(client, make):
    make.user("focal_point", email="taken@example.org")
    response = client.post(
        "/account/register",
        data={**REGISTRATION, "email": "taken@example.org", "password": "short", "confirm": "x"},
    )
    body = response.get_data(as_text=True)
    assert response.status_code == 200
    assert 'id="password-err"' in body and 'id="confirm-err"' in body


def test_failed_logins_are_throttled(client, auth, make, app):
    user = make.user("focal_point")
    for _ in range(app.config["LOGIN_MAX_FAILURES"]):
        assert auth.login(user.email, "wrong-password").status_code == 401
    blocked = auth.login(user.email, PASSWORD)  # even the right password now waits
    assert blocked.status_code == 429
    assert "Too many failed attempts" in blocked.get_data(as_text=True)


def test_password_change_logs_out_other_sessions(app, make):
    user = make.user("focal_point")
    first, second = app.test_client(), app.test_client()
    for c in (first, second):
        c.post("/account/login", data={"email": user.email, "password": PASSWORD})
        assert c.get("/my").status_code == 200
    response = first.post(
        "/account/password",
        data={
            "current_password": PASSWORD,
            "password": "new-password-9",
            "confirm": "new-password-9",
        },
    )
    assert response.status_code == 302
    assert first.get("/my").status_code == 200  # this session continues
    assert second.get("/my").status_code == 302  # the other one is logged out
    wrong = first.post(
        "/account/password",
        data={
            "current_password": "nope",
            "password": "new-password-8",
            "confirm": "new-password-8",
        },
    )
    assert "Wrong password" in wrong.get_data(as_text=True)


def test_remember_me_cookie_is_httponly(client, make):
    user = make.user("focal_point")
    response = client.post(
        "/account/login", data={"email": user.email, "password": PASSWORD, "remember": "y"}
    )
    cookies = response.headers.getlist("Set-Cookie")
    remember = [c for c in cookies if c.startswith("remember_token=")]
    assert remember and "HttpOnly" in remember[0] and "SameSite=Lax" in remember[0]
    session = [c for c in cookies if c.startswith("session=")]
    assert session and "HttpOnly" in session[0]


def test_disabled_account_cannot_log_in(client, auth, make):
    user = make.user("focal_point", status="disabled")
    assert auth.login(user.email).status_code == 403


def test_csrf_is_enforced_on_forms(app, client, make):
    app.config["WTF_CSRF_ENABLED"] = True
    user = make.user("focal_point")
    response = client.post("/account/login", data={"email": user.email, "password": PASSWORD})
    assert response.status_code == 400
    page = client.get("/account/login").get_data(as_text=True)
    token = re.search(r'name="csrf_token" type="hidden" value="([^"]+)"', page).group(1)
    response = client.post(
        "/account/login", data={"email": user.email, "password": PASSWORD, "csrf_token": token}
    )
    assert response.status_code == 302
    assert client.post("/account/logout").status_code == 400  # logout is CSRF-protected too


def test_security_headers_and_no_inline_code(client, make):
    make.request("KEN")
    for path in ("/", "/requests", "/requests/1", "/account/login", "/countries"):
        response = client.get(path)
        csp = response.headers["Content-Security-Policy"]
        assert "default-src 'self'" in csp and "script-src 'self'" in csp
        assert "unsafe-inline" not in csp
        assert response.headers["X-Frame-Options"] == "DENY"
        assert response.headers["X-Content-Type-Options"] == "nosniff"
        body = response.get_data(as_text=True)
        assert " style=" not in body and "<style" not in body  # the CSP forbids inline styles
        assert "<script>" not in body
        assert "http://" not in body.replace("http://127.0.0.1", "")  # no external assets


def test_login_redirects_only_to_local_paths(client, make):
    user = make.user("focal_point")
    response = client.post(
        "/account/login?next=https://evil.example/x",
        data={"email": user.email, "password": PASSWORD},
    )
    assert response.location.endswith("/my")
    client.post("/account/logout")
    response = client.post(
        "/account/login?next=/requests", data={"email": user.email, "password": PASSWORD}
    )
    assert response.location.endswith("/requests")


def test_create_admin_cli(runner):
    result = runner.invoke(
        args=["kb", "create-admin", "--email", "chief@un.example", "--name", "Chief"],
        input="a-strong-password\na-strong-password\n",
    )
    assert result.exit_code == 0, result.output
    user = db.session.scalar(select(User).where(User.email == "chief@un.example"))
    assert user.role == "secretariat" and user.status == "active"
    again = runner.invoke(
        args=["kb", "create-admin", "--email", "chief@un.example", "--name", "Chief"],
        input="a-strong-password\na-strong-password\n",
    )
    assert again.exit_code != 0 and "already exists" in again.output


def test_queue_preselects_role_and_state_or_organisation_from_what_they_wrote(client, auth, make):
    make.country("CIV")
    diplo = make.organisation(name="DiploFoundation", acronym="Diplo")
    focal = make.user(None, status="pending", email="amina@example.org")
    focal.represents = "Ministère de l'Économie numérique, Cote d'Ivoire"
    provider = make.user(None, status="pending", email="dana@diplomacy.example")
    provider.represents, provider.note = "Training team", "I run courses at DiploFoundation."
    unknown = make.user(None, status="pending", email="x@example.org")
    unknown.represents = "A think tank"
    db.session.commit()
    auth.login(make.user("secretariat").email)
    page = client.get("/secretariat/queue").get_data(as_text=True)

    def form_of(user):
        start = page.index(f"/secretariat/accounts/{user.id}/approve")
        return page[start : page.index("</form>", start)]

    def selected(html, name):
        select = re.search(rf'<select[^>]*name="{name}"[^>]*>(.*?)</select>', html, re.S)[1]
        return re.findall(r'<option selected value="([^"]*)"', select)

    assert selected(form_of(focal), "role") == ["focal_point"]
    assert selected(form_of(focal), "country_code") == ["CIV"]
    assert selected(form_of(provider), "role") == ["provider"]
    assert selected(form_of(provider), "organisation_id") == [str(diplo.id)]
    assert selected(form_of(unknown), "country_code") in ([], [""])
    assert selected(form_of(unknown), "organisation_id") in ([], [""])
    assert page.count("preselected from what they wrote") == 2
