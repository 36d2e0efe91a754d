"""Capacity Exchange: the Flask application.

``create_app`` builds the app; everything else is bound to it there.
"""

from __future__ import annotations

from pathlib import Path
from typing import Any

from flask import Flask

from kb import i18n_marshmallow

i18n_marshmallow.apply()  # before any schema is defined

PROJECT_ROOT = Path(__file__).resolve().parent.parent


def create_app(overrides: dict[str, Any] | None = None) -> Flask:
    """Build the application. ``overrides`` (tests) win over the environment."""
    app = Flask(
        __name__,
        instance_path=str(PROJECT_ROOT / "instance"),
        template_folder=str(PROJECT_ROOT / "templates"),
        static_folder=str(PROJECT_ROOT / "static"),
    )
    from kb.inputs import CleanRequest

    app.request_class = CleanRequest  # control characters stop at the boundary
    overrides = dict(overrides or {})
    if "INSTANCE_PATH" in overrides:
        app.instance_path = str(overrides.pop("INSTANCE_PATH"))
    Path(app.instance_path).mkdir(parents=True, exist_ok=True)

    from kb.config import check_search, from_environment

    app.config.from_mapping(
        from_environment(Path(app.instance_path), secret_key=overrides.get("SECRET_KEY"))
    )
    app.config.from_mapping(overrides)
    check_search(app.config)
    if "MAX_CONTENT_LENGTH" not in overrides:  # the one upload limit, plus the form's fields
        from kb.config import DEFAULT_UPLOAD_MB, FORM_OVERHEAD_BYTES, upload_limit_bytes

        megabytes = int(app.config["MAX_UPLOAD_MB"] or DEFAULT_UPLOAD_MB)
        app.config["MAX_CONTENT_LENGTH"] = upload_limit_bytes(megabytes) + FORM_OVERHEAD_BYTES

    from kb.ops.logs import configure_logging

    configure_logging(app)

    _init_extensions(app)
    _register_blueprints(app)
    _trust_proxies(app)

    from kb import cli, web

    web.init_app(app)
    cli.init_app(app)

    from kb.ops import requests as request_ids
    from kb.ops.health import bp as ops_bp
    from kb.ops.startup import check_database, check_index_soon, should_check

    request_ids.init_app(app)
    app.register_blueprint(ops_bp)
    if should_check(app):
        check_database(app)
        check_index_soon(app)
    return app


def _trust_proxies(app: Flask) -> None:
    """Behind ``KB_PROXY_HOPS`` reverse proxies, take the client's address, scheme and host
    from their X-Forwarded-* headers (Werkzeug's ProxyFix); with 0, trust none of them."""
    hops = int(app.config.get("PROXY_HOPS") or 0)
    if hops:
        from werkzeug.middleware.proxy_fix import ProxyFix

        app.wsgi_app = ProxyFix(  # type: ignore[method-assign]
            app.wsgi_app, x_for=hops, x_proto=hops, x_host=hops, x_prefix=hops
        )


def _init_extensions(app: Flask) -> None:
    from flask_babel import lazy_gettext

    from kb import i18n
    from kb.extensions import csrf, db, login_manager, migrate

    i18n.init_app(app)
    db.init_app(app)
    migrate.init_app(app, db, directory=str(PROJECT_ROOT / "migrations"), render_as_batch=True)
    csrf.init_app(app)
    login_manager.init_app(app)
    login_manager.login_view = "accounts.login"
    login_manager.login_message = lazy_gettext("Please log in to see this page.")
    login_manager.login_message_category = "info"

    from kb.accounts.operations import load_user

    login_manager.user_loader(load_user)

    from kb import fragments
    from kb.catalogue import listed

    fragments.init_app(app)
    listed.init_app()


def _register_blueprints(app: Flask) -> None:
    from kb.accounts.routes import bp as accounts_bp
    from kb.admin.routes import bp as admin_bp
    from kb.alerts.routes import bp as alerts_bp
    from kb.calendar.routes import bp as calendar_bp
    from kb.catalogue.routes import bp as catalogue_bp
    from kb.consultations.routes import bp as calls_bp
    from kb.directory.routes import bp as directory_bp
    from kb.initiatives.routes import bp as initiatives_bp
    from kb.main.routes import bp as main_bp
    from kb.matching.routes import bp as matching_bp
    from kb.places.routes import bp as places_bp
    from kb.reports.routes import bp as reports_bp
    from kb.searching.routes import bp as searching_bp
    from kb.transfer.routes import bp as transfer_bp
    from kb.wordio.routes import bp as wordio_bp

    app.register_blueprint(main_bp)
    app.register_blueprint(catalogue_bp)
    app.register_blueprint(directory_bp)
    app.register_blueprint(places_bp)
    app.register_blueprint(searching_bp)
    app.register_blueprint(matching_bp)
    app.register_blueprint(reports_bp)
    app.register_blueprint(calls_bp)
    app.register_blueprint(calendar_bp)
    app.register_blueprint(initiatives_bp)
    app.register_blueprint(accounts_bp, url_prefix="/account")
    app.register_blueprint(admin_bp, url_prefix="/secretariat")
    app.register_blueprint(wordio_bp)
    app.register_blueprint(transfer_bp)
    app.register_blueprint(alerts_bp)

    from kb import api

    api.init_app(app)
