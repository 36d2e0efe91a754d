"""Fixtures: an app per test over a schema created once; every table emptied after each test.

Set ``KB_TEST_DATABASE_URL`` (e.g. ``postgresql+psycopg://postgres@127.0.0.1:5432/test``)
to run the suite against PostgreSQL; the default is a SQLite file in a temporary folder.
"""

from __future__ import annotations

import os
import threading
import weakref
from collections.abc import Iterator
from pathlib import Path
from typing import Any

import pytest
from flask import Flask
from flask.testing import FlaskClient, FlaskCliRunner
from hypothesis import settings
from sqlalchemy import event, text
from sqlalchemy.pool import Pool
from werkzeug.serving import make_server
from werkzeug.test import TestResponse

from kb import create_app
from kb.extensions import db
from tests.factories import Factory


@pytest.fixture(scope="session", autouse=True)
def _compiled_catalogues() -> None:
    """The .mo files are generated (``make`` compiles them); plain ``pytest`` compiles too."""
    from kb.i18n_catalogues import compile_stale

    compile_stale()


# CI runs the property tests on a fixed sequence of examples (the same run twice gives the same
# verdict); a local run explores new random examples each time.
settings.register_profile("ci", derandomize=True, print_blob=True)
if os.environ.get("CI"):
    settings.load_profile("ci")


class _OrphanConnections:
    """Close the DB connections whose pool has been dropped, before the garbage collector does.

    The suite makes many apps (one per test, more in some tests), and a request thread of a
    live server can hand its connection back after the test disposed the engine. Such a
    connection would otherwise be closed by the garbage collector at a random later moment,
    and psycopg's ``ResourceWarning`` would then fail whichever test happens to be running.
    """

    def __init__(self) -> None:
        self._open: list[tuple[weakref.ref[Any], Any]] = []
        self._lock = threading.Lock()

    def track(self, dbapi_connection: Any, record: Any) -> None:
        if not type(dbapi_connection).__module__.startswith("psycopg"):
            return  # only psycopg warns; sqlite3 connections belong to their thread
        with self._lock:
            self._open.append((weakref.ref(record), dbapi_connection))

    def close_orphans(self, everything: bool = False) -> None:
        with self._lock:
            kept = []
            for record, connection in self._open:
                if everything or record() is None:
                    connection.close()
                elif not connection.closed:
                    kept.append((record, connection))
            self._open = kept


_orphans = _OrphanConnections()


@pytest.fixture(scope="session", autouse=True)
def _close_orphan_connections() -> Iterator[None]:
    event.listen(Pool, "connect", _orphans.track)
    yield
    event.remove(Pool, "connect", _orphans.track)
    _orphans.close_orphans(everything=True)


@pytest.fixture(autouse=True)
def _orphans_closed_after_each_test() -> Iterator[None]:
    yield
    _orphans.close_orphans()


@pytest.fixture(scope="session")
def database_url(tmp_path_factory: pytest.TempPathFactory) -> str:
    return os.environ.get("KB_TEST_DATABASE_URL") or (
        f"sqlite:///{tmp_path_factory.mktemp('db') / 'test.sqlite3'}"
    )


@pytest.fixture(scope="session")
def _schema(database_url: str, tmp_path_factory: pytest.TempPathFactory) -> Iterator[None]:
    app = create_app(_test_config(database_url, tmp_path_factory.mktemp("instance")))
    with app.app_context():
        db.drop_all()
        db.create_all()
        yield
        db.session.remove()
        db.drop_all()
        db.engine.dispose()


def _test_config(database_url: str, instance: Path) -> dict[str, object]:
    return {
        "TESTING": True,
        "SECRET_KEY": "test-secret",
        "SQLALCHEMY_DATABASE_URI": database_url,
        "WTF_CSRF_ENABLED": False,
        "INSTANCE_PATH": instance,
        "SEARCH_BACKEND": "memory",
    }


class IsolatedClient(FlaskClient):
    """Each request gets its own app context (own ``g`` and DB session), as in production.

    Without this, requests would reuse the test's app context, sharing ``g`` (flask-login
    caches the user there) and the test's session.
    """

    def open(self, *args: Any, **kwargs: Any) -> TestResponse:
        with self.application.app_context():
            return super().open(*args, **kwargs)


@pytest.fixture
def app(_schema: None, database_url: str, tmp_path: Path) -> Iterator[Flask]:
    app = create_app(_test_config(database_url, tmp_path / "instance"))
    app.test_client_class = IsolatedClient
    with app.app_context():
        yield app
        db.session.remove()
        _empty_tables()
        db.engine.dispose()


def _empty_tables() -> None:
    tables = list(reversed(db.metadata.sorted_tables))
    with db.engine.begin() as conn:
        if conn.dialect.name == "postgresql":
            names = ", ".join(t.name for t in tables)
            conn.execute(text(f"TRUNCATE {names} RESTART IDENTITY CASCADE"))
        else:
            for table in tables:
                conn.execute(table.delete())


@pytest.fixture
def client(app: Flask) -> FlaskClient:
    return app.test_client()


@pytest.fixture
def runner(app: Flask) -> FlaskCliRunner:
    return app.test_cli_runner()


@pytest.fixture
def make(app: Flask) -> Factory:
    return Factory()


@pytest.fixture
def live_server(app: Flask) -> Iterator[str]:
    """The app served over HTTP on a free local port (browser and curl tests)."""
    server = make_server("127.0.0.1", 0, app, threaded=True)
    thread = threading.Thread(target=server.serve_forever, daemon=True)
    thread.start()
    try:
        yield f"http://127.0.0.1:{server.server_port}"
    finally:
        server.shutdown()
        thread.join(timeout=5)


class AuthActions:
    """Log a test client in and out (like the Flask tutorial's helper)."""

    def __init__(self, client: FlaskClient) -> None:
        self._client = client

    def login(self, email: str, password: str = "password-123"):
        return self._client.post("/account/login", data={"email": email, "password": password})

    def logout(self):
        return self._client.post("/account/logout")


@pytest.fixture
def auth(client: FlaskClient) -> AuthActions:
    return AuthActions(client)
