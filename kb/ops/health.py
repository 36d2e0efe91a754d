"""``/healthz`` (the process answers; touches nothing) and ``/readyz`` (database, search index
and job queue reachable: 200, else 503 with the reason of each failing check)."""

from __future__ import annotations

from collections.abc import Callable

from flask import Blueprint, Response, current_app, jsonify
from sqlalchemy import text

from kb.extensions import db

bp = Blueprint("ops", __name__)


@bp.route("/healthz")
def healthz() -> Response:
    response = jsonify(status="alive")
    response.headers["Cache-Control"] = "no-store"
    return response


def _database() -> str:
    db.session.execute(text("SELECT 1"))
    return "ok"


def _index() -> str:
    from kb.searching.service import search_service

    service = search_service()
    if not service.ready():  # queues the rebuild when the index is missing or outdated
        return "rebuilding (searches answer 503 until it is done; other pages work)"
    service.backend.count()  # reads the index itself: one that cannot be read fails here
    if service.backend.needs_rebuild():
        return "ok (outdated: rebuild queued, searches use the previous index)"
    return "ok"


def _queue() -> str:
    from kb.jobs.queue import get_queue

    queue = get_queue()
    queue.check()
    return f"ok ({queue.kind})"


CHECKS: dict[str, Callable[[], str]] = {"database": _database, "index": _index, "queue": _queue}


@bp.route("/readyz")
def readyz() -> tuple[Response, int]:
    checks: dict[str, str] = {}
    ready = True
    for name, check in CHECKS.items():
        try:
            checks[name] = check()
        except Exception as exc:  # report, never raise: this page is for load balancers
            db.session.rollback()
            ready = False
            detail = str(exc).strip().splitlines()[0][:200] if str(exc).strip() else ""
            if name == "database":  # driver messages name hosts: keep them in the log
                detail = type(exc).__name__
            checks[name] = f"failing: {detail or type(exc).__name__}"
            # the text, not the exception: a kept record would keep its frames and files
            current_app.logger.warning("Readiness check %s failed: %s", name, str(exc))
    response = jsonify(status="ready" if ready else "not ready", checks=checks)
    response.headers["Cache-Control"] = "no-store"
    return response, 200 if ready else 503
