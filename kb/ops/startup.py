"""The start-up check: a server refuses to start on a database it cannot use."""

from __future__ import annotations

import sys
import threading
from typing import Any

import click
from flask import Flask, current_app
from flask.cli import with_appcontext
from sqlalchemy import inspect, text
from sqlalchemy.engine import make_url

from kb.extensions import db


class DatabaseUnavailable(RuntimeError):
    """Raised by :func:`check_database` while a server boots: gunicorn prints the message and
    halts ("Worker failed to boot", exit status 3) instead of restarting workers forever."""


def should_check(app: Flask) -> bool:
    """Servers check: gunicorn (``kb:create_app()``) and any WSGI server given ``kb.wsgi:app``.
    Tests, scripts and ``flask …`` commands (``db upgrade`` creates the schema) don't."""
    import click

    if app.config.get("TESTING") or click.get_current_context(silent=True) is not None:
        return False
    return bool(app.config.get("CHECK_DATABASE_ON_START")) or "gunicorn" in sys.modules


def check_index_soon(app: Flask) -> None:
    """At a server process's first request, look at the search index: when it is missing or
    outdated (a new release's schema), its rebuild is queued as a job, never run in a page
    view (:meth:`kb.searching.service.SearchService.ready`). Done at the first request, not
    here: with ``gunicorn --preload`` this runs in the master, whose threads do not survive
    the fork."""
    looked = threading.Event()

    def look() -> None:
        if looked.is_set():
            return
        looked.set()
        try:
            from kb.searching.service import search_service

            search_service().ready()
        except Exception:  # the page must not fail for it: searches look again
            db.session.rollback()
            app.logger.exception("Could not look at the search index at start-up.")

    app.before_request(look)


def check_database(app: Flask) -> None:
    """Connect once and look for the schema; stop with a clear message if either fails."""
    problem = schema_problem(app, dispose=True)
    if problem is not None:
        raise DatabaseUnavailable(f"Capacity Exchange cannot start: {problem}")


def schema_problem(app: Flask, *, dispose: bool = False) -> str | None:
    """Why this database cannot serve this release (unreachable, no schema, an older
    revision), or None. ``dispose``: close the pool after (a server's master, before it forks
    its workers)."""
    url = make_url(str(app.config["SQLALCHEMY_DATABASE_URI"])).render_as_string(hide_password=True)
    with app.app_context():
        try:
            with db.engine.connect() as connection:
                has_schema = inspect(connection).has_table("users")
                revision = _revision(connection) if has_schema else None
        except Exception as exc:
            reason = str(exc).strip().splitlines()[0] if str(exc).strip() else type(exc).__name__
            return (
                f"the database {url} is unreachable ({reason}). "
                "Start the database or correct KB_DATABASE_URL."
            )
        finally:
            if dispose:
                db.engine.dispose()
    if not has_schema:
        return f"the database {url} has no schema. Run `flask db upgrade` first."
    wanted = _head()
    if revision is not None and revision != wanted:
        return (
            f"the database {url} is at schema revision {revision}, this release needs "
            f"{wanted}. Run `flask db upgrade` first."
        )
    return None


def _revision(connection: Any) -> str | None:
    """The database's Alembic revision (None: not managed by Alembic, e.g. a test schema)."""
    if not inspect(connection).has_table("alembic_version"):
        return None
    return connection.execute(text("SELECT version_num FROM alembic_version")).scalar()


def _head() -> str:
    from alembic.config import Config
    from alembic.script import ScriptDirectory

    from kb import PROJECT_ROOT

    config = Config()
    config.set_main_option("script_location", str(PROJECT_ROOT / "migrations"))
    return str(ScriptDirectory.from_config(config).get_current_head())


@with_appcontext
def require_current_schema() -> None:
    """Before any ``flask kb|search|match`` command: the database has this release's schema
    (else one sentence saying what to run, instead of a traceback from a missing table)."""
    problem = schema_problem(current_app._get_current_object())  # type: ignore[attr-defined]
    if problem is not None:
        raise click.ClickException(f"Cannot run this command: {problem}")
