"""Rate limits: per token and per client address, on the API only, with Retry-After."""

from __future__ import annotations

import uuid

import pytest
from flask import Flask

from kb.api import tokens
from kb.uow import unit_of_work


def _secret(user) -> str:
    with unit_of_work(index=False):
        _, secret = tokens.create_token(user, "limits", "read", 30)
    return secret


@pytest.fixture
def limited(app: Flask) -> Flask:
    app.config["API_RATE_LIMIT"] = "3/minute"
    return app


def test_429_with_retry_after_per_address(limited, client):
    for _ in range(3):
        response = client.get("/api/v1/codes")
        assert response.status_code == 200
        assert response.headers["X-RateLimit-Limit"] == "3"
    assert "Retry-After" not in response.headers
    refused = client.get("/api/v1/codes")
    assert refused.status_code == 429
    assert refused.mimetype == "application/problem+json"
    assert refused.get_json()["type"].endswith("/problems/rate-limited")
    assert 1 <= int(refused.headers["Retry-After"]) <= 60
    assert refused.headers["X-RateLimit-Remaining"] == "0"
    # Another address has its own budget; the HTML pages are not limited at all.
    other = client.get("/api/v1/codes", environ_base={"REMOTE_ADDR": "10.0.0.7"})
    assert other.status_code == 200
    for _ in range(5):
        assert client.get("/countries").status_code == 200


def test_each_token_has_its_own_budget(limited, client, make):
    first = {"Authorization": f"Bearer {_secret(make.user('provider'))}"}
    second = {"Authorization": f"Bearer {_secret(make.user('provider'))}"}
    for _ in range(3):
        assert client.get("/api/v1/me", headers=first).status_code == 200
    assert client.get("/api/v1/me", headers=first).status_code == 429
    assert client.get("/api/v1/me", headers=second).status_code == 200
    assert client.get("/api/v1/me").status_code == 200  # the address's own budget


def test_bad_tokens_count_against_the_address(limited, client):
    bad = {"Authorization": "Bearer cxk_guess"}
    for _ in range(3):
        assert client.get("/api/v1/me", headers=bad).status_code == 401
    assert client.get("/api/v1/me", headers=bad).status_code == 429


def test_redis_storage_when_configured(app, client):
    redis = pytest.importorskip("redis")
    url = "redis://127.0.0.1:6379/15"
    try:
        redis.Redis.from_url(url, socket_connect_timeout=0.5).ping()
    except redis.exceptions.ConnectionError:
        pytest.skip("no Redis server on 127.0.0.1:6379")
    from kb import create_app

    fresh = create_app(
        {
            **{k: app.config[k] for k in ("SECRET_KEY", "SQLALCHEMY_DATABASE_URI", "TESTING")},
            "INSTANCE_PATH": app.instance_path,
            "SEARCH_BACKEND": "memory",
            "REDIS_URL": url,
            "RATELIMIT_KEY_PREFIX": f"kb-test-{uuid.uuid4().hex}",
            "API_RATE_LIMIT": "2/minute",
        }
    )
    assert fresh.config["RATELIMIT_STORAGE_URI"] == url
    with fresh.test_client() as redis_client:
        codes = [redis_client.get("/api/v1/codes").status_code for _ in range(3)]
    with fresh.app_context():
        from kb.extensions import db

        db.engine.dispose()
    assert codes == [200, 200, 429]


def test_limit_comes_from_the_environment(monkeypatch, tmp_path):
    from kb.config import from_environment

    monkeypatch.setenv("KB_API_RATE_LIMIT", "5/second")
    monkeypatch.setenv("KB_REDIS_URL", "redis://cache:6379/0")
    config = from_environment(tmp_path, secret_key="x")
    assert config["API_RATE_LIMIT"] == "5/second"
    assert config["REDIS_URL"] == "redis://cache:6379/0"


def test_unreachable_redis_does_not_break_the_api(app):
    from kb import create_app
    from kb.extensions import db

    broken = create_app(
        {
            **{k: app.config[k] for k in ("SECRET_KEY", "SQLALCHEMY_DATABASE_URI", "TESTING")},
            "INSTANCE_PATH": app.instance_path,
            "SEARCH_BACKEND": "memory",
            "REDIS_URL": "redis://127.0.0.1:1/0",
        }
    )
    with broken.test_client() as broken_client:
        assert broken_client.get("/api/v1/codes/themes").status_code == 200
    with broken.app_context():
        db.engine.dispose()
