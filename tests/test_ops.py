"""Operating the app: health and readiness, request ids, JSON logs, the start-up check."""

from __future__ import annotations

import gc
import json
import logging
import subprocess
import sys
import warnings
from pathlib import Path

import pytest
from flask import Flask

from kb import create_app
from kb.ops.startup import DatabaseUnavailable

PROJECT = Path(__file__).resolve().parent.parent
APP = "kb:create_app()"


def test_healthz_answers_without_the_database(app: Flask, client) -> None:
    app.config["SQLALCHEMY_DATABASE_URI"] = "postgresql+psycopg://nobody@127.0.0.1:1/none"
    response = client.get("/healthz")
    assert response.status_code == 200
    assert response.get_json() == {"status": "alive"}


def test_readyz_reports_each_check(app: Flask, client) -> None:
    from kb.searching.service import search_service

    search_service().reindex()
    response = client.get("/readyz")
    assert response.status_code == 200, response.get_json()
    body = response.get_json()
    assert body["status"] == "ready"
    assert body["checks"] == {"database": "ok", "index": "ok", "queue": "ok (embedded)"}


def test_readyz_is_503_with_the_reason_when_the_queue_is_unreachable(app: Flask, client) -> None:
    from kb.searching.service import search_service

    search_service().reindex()
    app.config["QUEUE_URL"] = "redis://127.0.0.1:1/0"
    app.extensions.pop("kb_jobs", None)
    response = client.get("/readyz")
    assert response.status_code == 503
    body = response.get_json()
    assert body["status"] == "not ready"
    assert body["checks"]["database"] == "ok"
    assert body["checks"]["queue"].startswith("failing: ")
    app.extensions.pop("kb_jobs", None)


def test_readyz_is_503_when_the_database_is_unreachable(tmp_path: Path) -> None:
    broken = create_app(
        {
            "TESTING": True,
            "SECRET_KEY": "x",
            "SQLALCHEMY_DATABASE_URI": "postgresql+psycopg://nobody@127.0.0.1:1/none",
            "SQLALCHEMY_ENGINE_OPTIONS": {"connect_args": {"connect_timeout": 2}},
            "INSTANCE_PATH": tmp_path,
            "SEARCH_BACKEND": "memory",
        }
    )
    response = broken.test_client().get("/readyz")
    assert response.status_code == 503
    body = response.get_json()
    assert body["checks"]["database"] == "failing: OperationalError"
    assert "127.0.0.1" not in json.dumps(body)  # hosts stay in the log


def test_readyz_is_503_when_the_index_cannot_be_read(tmp_path: Path) -> None:
    """Its files are there and say it is current, but their contents are not an index:
    searches would fail, so the process is not ready (it said "ok")."""
    app = create_app(
        {
            "TESTING": True,
            "SECRET_KEY": "x",
            "SQLALCHEMY_DATABASE_URI": f"sqlite:///{tmp_path / 'kb.sqlite3'}",
            "INSTANCE_PATH": tmp_path,
            "SEARCH_BACKEND": "whoosh",
            "SEARCH_DIR": str(tmp_path / "index"),
            "SEARCH_PROCS": 1,
        }
    )
    from kb.searching.service import search_service

    with app.app_context():
        document = {
            "id": "request:1", "kind": "request", "title": "CSIRT training",
            "description": "", "text_language": "en", "themes": [], "support_types": [],
            "languages": ["en"], "regions": ["global"], "countries": [], "country_names": [],
            "organisation_name": None, "organisation_type": None, "status": "open",
            "visibility": "public", "access": ["public"],
            "created_at": "2025-01-01T00:00:00Z", "updated_at": "2025-01-01T00:00:00Z",
        }  # fmt: skip
        search_service().backend.rebuild([document])
    assert app.test_client().get("/readyz").get_json()["checks"]["index"] == "ok"
    app.extensions.pop("kb_search").backend.close()  # a process that has not opened it yet
    for toc in (tmp_path / "index" / "current").glob("*.toc"):
        toc.write_bytes(b"not an index")
    with warnings.catch_warnings():
        warnings.simplefilter("ignore", ResourceWarning)  # whoosh leaves the bad file open
        response = app.test_client().get("/readyz")
        app.extensions.pop("kb_search").backend.close()
        gc.collect()
    assert response.status_code == 503
    assert response.get_json()["checks"]["index"].startswith("failing: ")


def test_a_page_while_the_database_is_down_is_the_apps_500_with_its_reference(
    tmp_path: Path,
) -> None:
    """Drawing the error page needs the database too (the header's cached parts): it fell
    through to the server's bare "Internal Server Error", without the reference."""
    broken = create_app(
        {
            "TESTING": True,
            "PROPAGATE_EXCEPTIONS": False,
            "SECRET_KEY": "x",
            "SQLALCHEMY_DATABASE_URI": "postgresql+psycopg://nobody@127.0.0.1:1/none",
            "SQLALCHEMY_ENGINE_OPTIONS": {"connect_args": {"connect_timeout": 2}},
            "INSTANCE_PATH": tmp_path,
            "SEARCH_BACKEND": "memory",
        }
    )
    response = broken.test_client().get("/requests", headers={"Accept-Language": "fr"})
    assert response.status_code == 500
    page = response.get_data(as_text=True)
    ref = response.headers["X-Request-ID"]
    assert f"L’erreur a été enregistrée sous la référence {ref}." in page
    assert '<html lang="fr" dir="ltr">' in page and "127.0.0.1" not in page


def test_request_id_is_honoured_or_generated_and_returned(client) -> None:
    given = client.get("/healthz", headers={"X-Request-ID": "abc-12345"})
    assert given.headers["X-Request-ID"] == "abc-12345"
    made = client.get("/healthz", headers={"X-Request-ID": "bad id <script>"})
    assert made.headers["X-Request-ID"] not in ("", "bad id <script>")
    assert client.get("/").headers["X-Request-ID"] != made.headers["X-Request-ID"]


def test_json_logs_carry_the_request_id(app: Flask, client, capsys) -> None:
    from kb.ops.logs import configure_logging

    app.config["LOG_FORMAT"] = "json"
    configure_logging(app)
    try:
        client.get("/healthz", headers={"X-Request-ID": "request-42"})
        lines = [json.loads(line) for line in capsys.readouterr().err.splitlines() if line]
        access = [e for e in lines if e["logger"] == "kb.access"]
        assert access and access[-1]["request_id"] == "request-42"
        assert access[-1]["path"] == "/healthz" and access[-1]["status"] == 200
    finally:
        app.config["LOG_FORMAT"] = "text"
        configure_logging(app)
        logging.getLogger().setLevel(logging.WARNING)


def test_a_server_refuses_to_start_when_the_database_is_unreachable(tmp_path: Path) -> None:
    config = {
        "SECRET_KEY": "x",
        "SQLALCHEMY_DATABASE_URI": "postgresql+psycopg://nobody:secret@127.0.0.1:1/none",
        "SQLALCHEMY_ENGINE_OPTIONS": {"connect_args": {"connect_timeout": 2}},
        "INSTANCE_PATH": tmp_path,
        "SEARCH_BACKEND": "memory",
    }
    with pytest.raises(DatabaseUnavailable) as refused:
        create_app({**config, "CHECK_DATABASE_ON_START": True})
    message = str(refused.value)
    assert "cannot start" in message and "unreachable" in message
    assert "secret" not in message and "KB_DATABASE_URL" in message


def _flask(url: str, *args: str) -> subprocess.CompletedProcess[str]:
    """``flask --app kb ARGS`` on the database ``url``, in a process of its own."""
    return subprocess.run(
        [sys.executable, "-m", "flask", "--app", "kb", *args],
        cwd=PROJECT,
        env={"PATH": "/usr/bin:/bin", "KB_DATABASE_URL": url, "KB_SECRET_KEY": "x"},
        capture_output=True,
        text=True,
        timeout=120,
    )


def test_a_server_refuses_an_empty_database_but_flask_commands_still_work(
    tmp_path: Path,
) -> None:
    url = f"sqlite:///{tmp_path / 'empty.sqlite3'}"
    config = {
        "SECRET_KEY": "x",
        "SQLALCHEMY_DATABASE_URI": url,
        "INSTANCE_PATH": tmp_path,
        "CHECK_DATABASE_ON_START": True,
    }
    with pytest.raises(DatabaseUnavailable, match="flask db upgrade"):
        create_app(config)
    upgraded = _flask(url, "db", "upgrade")
    assert upgraded.returncode == 0, upgraded.stderr
    create_app(config)  # starts now

    # a database left at an older revision (a new release, no upgrade yet) is refused too
    import sqlite3

    with sqlite3.connect(tmp_path / "empty.sqlite3") as connection:
        connection.execute("UPDATE alembic_version SET version_num = '0021'")
    with pytest.raises(DatabaseUnavailable, match="at schema revision 0021"):
        create_app(config)
    # and so do the operators' commands, with the same sentence instead of a traceback
    stats = _flask(url, "kb", "stats")
    assert stats.returncode == 1 and "Traceback" not in stats.stderr, stats.stderr
    assert "Cannot run this command" in stats.stderr and "at schema revision 0021" in stats.stderr


def test_gunicorn_stops_with_the_message_when_the_database_is_unreachable(
    tmp_path: Path,
) -> None:
    env = {
        "PATH": "/usr/bin:/bin",
        "KB_DATABASE_URL": "postgresql+psycopg://kb:secret@127.0.0.1:1/kb",
        "KB_SECRET_KEY": "x",
        "KB_SEARCH_DIR": str(tmp_path / "index"),
    }
    served = subprocess.run(
        [str(Path(sys.executable).parent / "gunicorn"), "-w", "1", "-b", "127.0.0.1:0", APP],
        cwd=PROJECT,
        env=env,
        capture_output=True,
        text=True,
        timeout=120,
    )
    assert served.returncode != 0
    assert "Capacity Exchange cannot start: the database" in served.stderr
    assert "kb:***@127.0.0.1:1/kb is unreachable" in served.stderr


def test_a_new_worker_views_the_main_pages_before_it_serves(app: Flask, make, caplog) -> None:
    """gunicorn's post_worker_init (gunicorn.conf.py) warms the process: every main page and
    a record of each kind answer, and nothing is written (the data generation is unchanged)."""
    import runpy
    from types import SimpleNamespace

    from kb import fragments
    from kb.extensions import db

    make.request("KEN", status="open", visibility="public")
    make.programme()
    before = fragments.generation()
    config = runpy.run_path(str(Path(__file__).resolve().parents[1] / "gunicorn.conf.py"))
    with caplog.at_level(logging.INFO, logger="kb"):
        config["post_worker_init"](SimpleNamespace(wsgi=app))
    assert "Worker warmed up in" in caplog.text and "server error" not in caplog.text
    db.session.rollback()
    assert fragments.generation() == before

    from kb.ops.warmup import warm

    viewed = warm(app)["statuses"]
    assert {"/matches", "/search?q=cyber", "/countries/KEN"} <= set(viewed)
    assert any(p.startswith("/requests/") for p in viewed)
    assert any(p.startswith("/programmes/") for p in viewed)
    assert all(status == 200 for status in viewed.values()), viewed
