"""Accounts that resist abuse: password policy, no account enumeration, progressive sign-in
throttling without lock-out, proxies, password reset links, TOTP two-factor sign-in."""

from __future__ import annotations

import re
import time
from datetime import timedelta
from email import message_from_string
from email.policy import default

import pyotp
import pytest
from sqlalchemy import func, select

from kb import create_app
from kb.accounts.throttle import Policy, wait_seconds
from kb.extensions import db
from kb.models import LoginAttempt, PasswordReset, User
from kb.models.types import utcnow
from tests.factories import PASSWORD
from tests.smtp_sink import SmtpSink, wait_for

NEW = {
    "name": "Amina Ouedraogo",
    "email": "amina@example.org",
    "represents": "Ministry of Digital Economy, Burkina Faso",
    "note": "",
}


@pytest.fixture
def sink(app):
    sink = SmtpSink()
    app.config.update(SMTP_HOST="127.0.0.1", SMTP_PORT=sink.port)
    yield sink
    sink.close()


def _body(raw: str) -> str:
    return message_from_string(raw, policy=default).get_content()


@pytest.mark.parametrize("weak", ["password123", "aaaaaaaaaa", "qwertyuiop", "amina-ouedraogo"])
def test_common_and_guessable_passwords_are_refused(client, weak):
    response = client.post("/account/register", data={**NEW, "password": weak, "confirm": weak})
    body = response.get_data(as_text=True)
    assert response.status_code == 200 and 'id="password-err"' in body
    assert db.session.scalar(select(func.count()).select_from(User)) == 0


def test_a_strong_password_is_accepted(client):
    good = "lantern-okapi-drizzle"
    response = client.post("/account/register", data={**NEW, "password": good, "confirm": good})
    assert response.status_code == 302
    assert db.session.scalar(select(User.email)) == "amina@example.org"


def test_registration_does_not_tell_whether_an_address_has_an_account(client, make, sink):
    make.user("focal_point", email="taken@example.org")
    good = "lantern-okapi-drizzle"
    fresh = client.post(
        "/account/register", data={**NEW, "password": good, "confirm": good}, follow_redirects=True
    )
    taken = client.post(
        "/account/register",
        data={**NEW, "email": "TAKEN@example.org", "password": good, "confirm": good},
        follow_redirects=True,
    )
    assert fresh.status_code == taken.status_code == 200
    strip = re.compile(r'name="csrf_token"[^>]*>|amina@example.org|taken@example.org', re.I)
    assert strip.sub("", fresh.get_data(as_text=True)) == strip.sub(
        "", taken.get_data(as_text=True)
    )
    assert db.session.scalar(select(func.count()).select_from(User)) == 2  # no second "taken"
    (message,) = wait_for(sink)
    assert "already has one" in _body(message)


def test_failures_slow_down_the_guesser_without_locking_out_the_owner(client, make, app):
    user = make.user("focal_point")
    guesser = "198.51.100.7"
    for _ in range(app.config["LOGIN_MAX_FAILURES"]):
        response = client.post(
            "/account/login",
            data={"email": user.email, "password": "wrong-password"},
            environ_base={"REMOTE_ADDR": guesser},
        )
        assert response.status_code == 401
    blocked = client.post(
        "/account/login",
        data={"email": user.email, "password": PASSWORD},
        environ_base={"REMOTE_ADDR": guesser},
    )
    assert blocked.status_code == 429
    assert re.search(r"Wait \d+ seconds", blocked.get_data(as_text=True))
    # The owner, elsewhere, is not locked out by the guesser's failures.
    owner = app.test_client().post(
        "/account/login",
        data={"email": user.email, "password": PASSWORD},
        environ_base={"REMOTE_ADDR": "203.0.113.9"},
    )
    assert owner.status_code == 302


def test_the_delay_doubles_and_is_capped(app):
    policy = Policy(free=3, window_minutes=15, pair_cap=300, account_cap=30, address_cap=120)
    now = utcnow()

    def fail(n: int, addr: str = "10.0.0.1", email: str = "a@example.org") -> None:
        for _ in range(n):
            db.session.add(LoginAttempt(email=email, remote_addr=addr, at=now))
        db.session.flush()

    assert wait_seconds("a@example.org", "10.0.0.1", policy, now) == 0
    fail(3)
    assert wait_seconds("a@example.org", "10.0.0.1", policy, now) == 2
    fail(1)
    assert wait_seconds("a@example.org", "10.0.0.1", policy, now) == 4
    fail(20)
    assert wait_seconds("a@example.org", "10.0.0.1", policy, now) == 300
    # From another address the same account waits at most the account cap.
    assert wait_seconds("a@example.org", "10.9.9.9", policy, now) == 30
    # And the delay runs out.
    later = now + timedelta(seconds=301)
    assert wait_seconds("a@example.org", "10.0.0.1", policy, later) == 0


def test_behind_a_proxy_the_client_address_is_used(database_url, tmp_path, make):
    app = create_app(
        {
            "TESTING": True,
            "SECRET_KEY": "x",
            "SQLALCHEMY_DATABASE_URI": database_url,
            "WTF_CSRF_ENABLED": False,
            "INSTANCE_PATH": tmp_path,
            "SEARCH_BACKEND": "memory",
            "PROXY_HOPS": 1,
        }
    )
    with app.app_context():
        user = make.user("focal_point")
        client = app.test_client()
        client.post(
            "/account/login",
            data={"email": user.email, "password": "wrong-password"},
            headers={"X-Forwarded-For": "192.0.2.44"},
            environ_base={"REMOTE_ADDR": "10.0.0.2"},
        )
        assert db.session.scalar(select(LoginAttempt.remote_addr)) == "192.0.2.44"
        db.session.remove()
        db.engine.dispose()  # this app's own pool: closed now, not by the garbage collector


def test_forwarded_headers_are_ignored_without_proxies(client, make):
    user = make.user("focal_point")
    client.post(
        "/account/login",
        data={"email": user.email, "password": "wrong-password"},
        headers={"X-Forwarded-For": "192.0.2.44"},
        environ_base={"REMOTE_ADDR": "10.0.0.2"},
    )
    assert db.session.scalar(select(LoginAttempt.remote_addr)) == "10.0.0.2"


def _reset_link(sink: SmtpSink) -> str:
    (message,) = wait_for(sink)
    return re.search(r"http://\S+/account/reset/\S+", _body(message)).group(0)


def test_password_reset_by_email_link_works_once(app, client, make, sink):
    user = make.user("focal_point")
    unknown = client.post("/account/reset", data={"email": "nobody@example.org"})
    known = client.post("/account/reset", data={"email": user.email.upper()})
    assert unknown.status_code == known.status_code == 302  # the same answer either way
    link = _reset_link(sink)
    path = link.split("://", 1)[1].split("/", 1)[1]
    assert client.get("/" + path).status_code == 200
    weak = client.post("/" + path, data={"password": "password123", "confirm": "password123"})
    assert 'id="password-err"' in weak.get_data(as_text=True)
    new = "heron-basalt-quiver"
    done = client.post("/" + path, data={"password": new, "confirm": new})
    assert done.status_code == 302
    again = client.post("/" + path, data={"password": new, "confirm": new})
    assert again.status_code == 302 and "/account/reset" in again.headers["Location"]
    login = client.post("/account/login", data={"email": user.email, "password": new})
    assert login.status_code == 302
    stored = db.session.scalar(select(PasswordReset.token_hash))
    assert stored and path.rsplit("/", 1)[1] not in stored  # only a hash is kept


def test_an_expired_reset_link_is_refused(client, make, sink):
    user = make.user("focal_point")
    client.post("/account/reset", data={"email": user.email})
    link = _reset_link(sink)
    reset = db.session.scalar(select(PasswordReset))
    reset.expires_at = utcnow() - timedelta(seconds=1)
    db.session.commit()
    path = "/" + link.split("://", 1)[1].split("/", 1)[1]
    assert client.get(path).status_code == 302


def _enable_2fa(client, user) -> str:
    client.post("/account/login", data={"email": user.email, "password": PASSWORD})
    page = client.get("/account/two-factor").get_data(as_text=True)
    assert "<svg" in page
    secret = re.search(r'<code class="secret">([A-Z2-7]+)</code>', page).group(1)
    wrong = client.post("/account/two-factor", data={"code": "000000"})
    assert 'id="code-err"' in wrong.get_data(as_text=True)
    assert (
        client.post("/account/two-factor", data={"code": pyotp.TOTP(secret).now()}).status_code
        == 302
    )
    client.post("/account/logout")
    return secret


def test_two_factor_sign_in(app, make):
    user = make.user("secretariat")
    client = app.test_client()
    secret = _enable_2fa(client, user)
    step = client.post("/account/login", data={"email": user.email, "password": PASSWORD})
    assert step.status_code == 302 and "/account/login/code" in step.headers["Location"]
    assert client.get("/my").status_code == 302  # not signed in yet
    assert client.post("/account/login/code", data={"code": "123456"}).status_code == 401
    # The code typed at set-up was used; the app's next code (one step of drift) is accepted.
    code = pyotp.TOTP(secret).at(time.time() + 30)
    assert client.post("/account/login/code", data={"code": code}).status_code == 302
    assert client.get("/my").status_code == 200
    # A code cannot be used twice.
    other = app.test_client()
    other.post("/account/login", data={"email": user.email, "password": PASSWORD})
    assert other.post("/account/login/code", data={"code": code}).status_code == 401


def test_secretariat_must_set_up_two_factor_when_required(app, make):
    app.config["REQUIRE_2FA"] = True
    user = make.user("secretariat")
    client = app.test_client()
    login = client.post("/account/login", data={"email": user.email, "password": PASSWORD})
    assert "/account/two-factor" in login.headers["Location"]
    queue = client.get("/secretariat/queue")
    assert queue.status_code == 302 and "/account/two-factor" in queue.headers["Location"]
    focal = make.user("focal_point")
    other = app.test_client()
    other.post("/account/login", data={"email": focal.email, "password": PASSWORD})
    assert other.get("/my").status_code == 200  # only the Secretariat is required


def test_login_and_register_shortcuts(client):
    location = client.get("/login?next=/requests").headers["Location"]
    assert location.endswith("/account/login?next=/requests")
    assert client.get("/register").headers["Location"].endswith("/account/register")


@pytest.mark.parametrize(
    "payload",
    [
        b"[" * 50_000 + b"]" * 50_000,
        b'{"records": ' + b"[" * 5_000 + b"]" * 5_000 + b"}",
        "ünïcödé,title\n".encode("utf-16"),
        b"\xff\xfe\x00\x00garbage",
    ],
)
def test_malformed_imports_get_a_message_not_a_500(client, make, payload):
    client.post(
        "/account/login", data={"email": make.user("secretariat").email, "password": PASSWORD}
    )
    from io import BytesIO

    response = client.post(
        "/secretariat/import",
        data={"file": (BytesIO(payload), "upload.json"), "kind": "", "dry_run": "y"},
        content_type="multipart/form-data",
    )
    assert response.status_code < 500
