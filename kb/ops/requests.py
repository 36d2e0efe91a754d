"""Request ids: ``X-Request-ID`` honoured (when sane) or generated, returned on every
response and written into every log line of the request; one access line per request in
JSON log mode."""

from __future__ import annotations

import logging
import time

from flask import Flask, Response, g, request

from kb.api.problems import request_id

access_log = logging.getLogger("kb.access")


def init_app(app: Flask) -> None:
    app.before_request(_start)
    app.after_request(_finish)


def _start() -> None:
    g.kb_started = time.perf_counter()
    request_id()  # fixes g.kb_request_id for the logs


def _finish(response: Response) -> Response:
    response.headers["X-Request-ID"] = request_id()
    started = g.get("kb_started")
    from flask import current_app

    if started is not None and current_app.config.get("LOG_FORMAT") == "json":
        duration = round((time.perf_counter() - started) * 1000, 1)
        access_log.info(
            "%s %s %s",
            request.method,
            request.path,
            response.status_code,
            extra={
                "method": request.method,
                "path": request.path,
                "status": response.status_code,
                "duration_ms": duration,
            },
        )
    return response
