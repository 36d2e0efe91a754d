"""Seed, stats, config and migrations."""

from __future__ import annotations

import json
import os
import stat
import uuid
from pathlib import Path

import pytest
import sqlalchemy as sa
from alembic import command
from alembic.config import Config
from alembic.script import ScriptDirectory

from kb import PROJECT_ROOT, codes, create_app
from kb.config import load_secret_key
from kb.searching.service import search_service


def test_seed_is_idempotent_and_stats_reports_counts(runner):
    first = runner.invoke(args=["kb", "seed"])
    assert first.exit_code == 0, first.output
    assert "countries: 193 added" in first.output
    stats = json.loads(runner.invoke(args=["kb", "stats"]).output)
    again = runner.invoke(args=["kb", "seed"])
    assert "Seed already loaded." in again.output
    assert json.loads(runner.invoke(args=["kb", "stats"]).output) == stats

    assert stats["countries"] == 193
    assert stats["organisations"] >= 25
    assert stats["programmes"]["total"] >= 60 and stats["requests"]["total"] >= 40
    assert set(stats["requests"]["by_visibility"]) == set(codes.VISIBILITIES)
    assert {"closed", "draft", "open"} <= set(stats["programmes"]["by_status"])
    assert stats["users"]["by_role"] == {"focal_point": 2, "provider": 2, "secretariat": 1}


def test_seed_covers_every_code(runner, app):
    from kb.extensions import db
    from kb.models import Organisation, Programme, Request

    runner.invoke(args=["kb", "seed", "--no-demo-users"])
    programmes = db.session.scalars(sa.select(Programme)).all()
    requests = db.session.scalars(sa.select(Request)).all()
    for table, attr in ((codes.THEMES, "themes"), (codes.SUPPORT_TYPES, "support_types")):
        for code in table:
            assert any(code in getattr(p, attr) for p in programmes), code
            assert any(code in getattr(r, attr) for r in requests), code
    assert {r.country.region for r in requests} == set(codes.REGIONS)
    org_types = {o.type for o in db.session.scalars(sa.select(Organisation))}
    assert org_types == set(codes.ORGANISATION_TYPES)
    assert {"fr", "es"} <= {r.text_language for r in requests}
    assert {"fr", "es"} <= {p.text_language for p in programmes}


def test_secret_key_is_generated_once_with_private_permissions(tmp_path, monkeypatch):
    monkeypatch.delenv("KB_SECRET_KEY", raising=False)
    key = load_secret_key(tmp_path)
    assert len(key) == 64 and load_secret_key(tmp_path) == key
    mode = stat.S_IMODE(os.stat(tmp_path / "secret_key").st_mode)
    assert mode == 0o600
    monkeypatch.setenv("KB_SECRET_KEY", "from-env")
    assert load_secret_key(tmp_path) == "from-env"


def test_environment_configures_the_app(tmp_path, monkeypatch):
    monkeypatch.setenv("KB_DATABASE_URL", f"sqlite:///{tmp_path}/env.sqlite3")
    monkeypatch.setenv("KB_LOGIN_MAX_FAILURES", "3")
    monkeypatch.setenv("KB_SECURE_COOKIES", "1")
    app = create_app({"SECRET_KEY": "x", "INSTANCE_PATH": tmp_path})
    assert app.config["SQLALCHEMY_DATABASE_URI"].endswith("env.sqlite3")
    assert app.config["LOGIN_MAX_FAILURES"] == 3
    assert app.config["SESSION_COOKIE_SECURE"] is True


def test_search_writer_settings_reach_the_whoosh_backend(tmp_path, monkeypatch):
    monkeypatch.setenv("KB_DATABASE_URL", f"sqlite:///{tmp_path}/env.sqlite3")
    monkeypatch.setenv("KB_SEARCH_LIMITMB", "64")
    monkeypatch.setenv("KB_SEARCH_PROCS", "1")
    app = create_app({"SECRET_KEY": "x", "INSTANCE_PATH": tmp_path})
    with app.app_context():
        backend = search_service().backend
    assert (backend.limitmb, backend.procs) == (64, 1)


def test_postgres_search_needs_a_postgres_url(tmp_path, monkeypatch):
    monkeypatch.setenv("KB_DATABASE_URL", f"sqlite:///{tmp_path}/env.sqlite3")
    monkeypatch.setenv("KB_SEARCH_BACKEND", "postgres")
    with pytest.raises(ValueError, match="KB_SEARCH_BACKEND=postgres needs a PostgreSQL"):
        create_app({"SECRET_KEY": "x", "INSTANCE_PATH": tmp_path})
    monkeypatch.setenv("KB_SEARCH_URL", "postgresql+psycopg://kb@search-db/kb")
    app = create_app({"SECRET_KEY": "x", "INSTANCE_PATH": tmp_path})
    assert app.config["SEARCH_URL"] == "postgresql+psycopg://kb@search-db/kb"
    assert app.config["SEARCH_TABLE"] == "search_documents"
    monkeypatch.setenv("KB_SEARCH_TABLE", "Search-Docs")
    with pytest.raises(ValueError, match="KB_SEARCH_TABLE must be"):
        create_app({"SECRET_KEY": "x", "INSTANCE_PATH": tmp_path})


def test_postgres_search_defaults_to_the_app_database(tmp_path, monkeypatch):
    monkeypatch.setenv("KB_DATABASE_URL", "postgresql+psycopg://kb@db/kb")
    monkeypatch.setenv("KB_SEARCH_BACKEND", "postgres")
    app = create_app({"SECRET_KEY": "x", "INSTANCE_PATH": tmp_path})
    assert app.config["SEARCH_URL"] == "postgresql+psycopg://kb@db/kb"
    with app.app_context():
        service = search_service()  # no connection yet: the engine is made on first use
        assert service.backend.table == "search_documents" and service.lock_path is None


@pytest.mark.parametrize(
    ("name", "value", "message"),
    [
        ("KB_PER_PAGE", "twenty", "KB_PER_PAGE must be a whole number, not 'twenty'"),
        ("KB_SEARCH_LIMITMB", "4", "KB_SEARCH_LIMITMB must be at least 16, not 4"),
        ("KB_LOGIN_MAX_FAILURES", "0", "KB_LOGIN_MAX_FAILURES must be at least 1, not 0"),
    ],
)
def test_bad_numeric_setting_names_the_variable(tmp_path, monkeypatch, name, value, message):
    monkeypatch.setenv(name, value)
    with pytest.raises(ValueError) as caught:
        create_app({"SECRET_KEY": "x", "INSTANCE_PATH": tmp_path})
    assert str(caught.value) == message


@pytest.fixture
def empty_database(database_url: str, tmp_path: Path):
    """A new empty database of the same kind as the suite's."""
    if not database_url.startswith("postgresql"):
        yield f"sqlite:///{tmp_path}/migrations.sqlite3"
        return
    name = f"kb_migrations_{uuid.uuid4().hex[:8]}"
    admin = sa.create_engine(database_url, isolation_level="AUTOCOMMIT")
    with admin.connect() as conn:
        conn.execute(sa.text(f'CREATE DATABASE "{name}"'))
    url = sa.engine.make_url(database_url).set(database=name)
    try:
        yield url.render_as_string(hide_password=False)
    finally:
        with admin.connect() as conn:
            conn.execute(sa.text(f'DROP DATABASE "{name}" WITH (FORCE)'))
        admin.dispose()


@pytest.fixture
def migrations(empty_database: str, tmp_path: Path):
    """The Alembic configuration of ``migrations/``, inside the context of an app on an empty
    database (:func:`empty_database`): a test moves it up and down with ``command``."""
    app = create_app(
        {"SECRET_KEY": "x", "SQLALCHEMY_DATABASE_URI": empty_database, "INSTANCE_PATH": tmp_path}
    )
    with app.app_context():
        config = Config(str(PROJECT_ROOT / "migrations" / "alembic.ini"))
        config.set_main_option("script_location", str(PROJECT_ROOT / "migrations"))
        yield config


def test_migrations_upgrade_from_empty_match_models_and_downgrade(migrations):
    from alembic.autogenerate import compare_metadata
    from alembic.migration import MigrationContext

    from kb.extensions import db

    config = migrations
    command.upgrade(config, "head")
    with db.engine.connect() as conn:
        diff = compare_metadata(MigrationContext.configure(conn), db.metadata)
        tables = set(sa.inspect(conn).get_table_names())
    type_only = [d for d in diff if isinstance(d, list)]  # type changes of our decorators
    assert [d for d in diff if not isinstance(d, list)] == [], diff
    assert all(d[0][0] == "modify_type" for d in type_only) or not type_only
    assert {"requests", "programmes", "revisions", "users", "countries"} <= tables
    script = ScriptDirectory.from_config(config)
    head = script.get_revision(script.get_current_head())
    command.downgrade(config, "-1")
    with db.engine.connect() as conn:
        current = MigrationContext.configure(conn).get_current_revision()
    assert current == head.down_revision
    command.upgrade(config, "head")  # and back up again
    db.engine.dispose()
