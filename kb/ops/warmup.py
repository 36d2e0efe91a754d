"""Warm a new server process before it takes traffic.

A fresh process compiles each template and each SQL statement on its first use and loads
the gazetteer, the code lists and the translations: its first views of the main pages take
several times as long as the next ones (a /matches view 700 ms, then 100 ms, at 10,000
programmes). After a deployment or restart that cost would fall on the first delegates to
arrive, one page each, under load. gunicorn's ``post_worker_init`` hook (``gunicorn.conf.py``)
calls :func:`warm` before the worker accepts a connection, so it falls on nobody.

The views are anonymous GETs of public pages (nothing is written) and a failure is logged,
never raised: a worker that could not warm up still serves.
"""

from __future__ import annotations

import logging
import time
from typing import Any

from flask import Flask
from sqlalchemy import select

log = logging.getLogger("kb")

#: The main pages and API calls, as an anonymous visitor asks for them.
PATHS = (
    "/",
    "/search?q=cyber",
    "/search.json?q=cyber",
    "/requests",
    "/programmes",
    "/matches",
    "/countries",
    "/organisations",
    "/api/v1/requests",
    "/api/v1/programmes",
    "/api/v1/matches",
)


def _record_paths() -> list[str]:
    """One public record of each kind: its page and its API twin."""
    from kb.extensions import db
    from kb.models import Country, Organisation, Programme, Request

    paths: list[str] = []
    for model, prefix in ((Request, "requests"), (Programme, "programmes")):
        found = db.session.scalar(
            select(model.id).where(model.visibility == "public", model.status == "open").limit(1)
        )
        if found is not None:
            paths += [f"/{prefix}/{found}", f"/api/v1/{prefix}/{found}"]
    country = db.session.scalar(select(Country.iso3).order_by(Country.iso3).limit(1))
    if country is not None:
        paths.append(f"/countries/{country}")
    organisation = db.session.scalar(select(Organisation.id).order_by(Organisation.id).limit(1))
    if organisation is not None:
        paths.append(f"/organisations/{organisation}")
    return paths


def warm(app: Flask) -> dict[str, Any]:
    """View the main pages once in this process; return what was viewed and how long it took."""
    started = time.perf_counter()
    statuses: dict[str, int] = {}
    try:
        with app.app_context():
            paths = [*PATHS, *_record_paths()]
        client = app.test_client()
        for path in paths:
            statuses[path] = client.get(path, headers={"X-Request-ID": "warm-up"}).status_code
    except Exception:  # a worker that could not warm up still serves
        log.warning("Warm-up stopped early: the first views will be slower", exc_info=True)
    seconds = round(time.perf_counter() - started, 2)
    failed = sorted(p for p, status in statuses.items() if status >= 500)
    if failed:
        log.warning("Warm-up: %s answered with a server error", ", ".join(failed))
    log.info("Worker warmed up in %.2f s (%d views)", seconds, len(statuses))
    return {"seconds": seconds, "statuses": statuses}
