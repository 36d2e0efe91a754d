"""Logs: one line per record, as text or as JSON (``KB_LOG_FORMAT=json``), each carrying the
request id of the request it belongs to (``-`` outside a request)."""

from __future__ import annotations

import json
import logging
from datetime import UTC, datetime

from flask import Flask, g, has_request_context

TEXT_FORMAT = "%(asctime)s %(levelname)s [%(request_id)s] %(name)s: %(message)s"
_HANDLER_MARK = "_kb_handler"


class RequestIdFilter(logging.Filter):
    def filter(self, record: logging.LogRecord) -> bool:
        rid = g.get("kb_request_id") if has_request_context() else None
        record.request_id = rid or "-"
        return True


class JsonFormatter(logging.Formatter):
    """One JSON object per line: time, level, logger, message, request_id (+ exception)."""

    def format(self, record: logging.LogRecord) -> str:
        entry: dict[str, object] = {
            "time": datetime.fromtimestamp(record.created, UTC).isoformat(timespec="milliseconds"),
            "level": record.levelname,
            "logger": record.name,
            "message": record.getMessage(),
            "request_id": getattr(record, "request_id", "-"),
        }
        for key in ("method", "path", "status", "duration_ms"):
            if hasattr(record, key):
                entry[key] = getattr(record, key)
        if record.exc_info:
            entry["exception"] = self.formatException(record.exc_info)
        return json.dumps(entry, ensure_ascii=False)


def configure_logging(app: Flask) -> None:
    """Send the app's (and the libraries') logs to stderr in the configured format, once per
    process (a later app replaces the handler: tests build many apps)."""
    fmt = str(app.config.get("LOG_FORMAT") or "text").lower()
    if fmt not in ("text", "json"):
        raise ValueError(f"KB_LOG_FORMAT must be 'text' or 'json', not {fmt!r}")
    level = str(app.config.get("LOG_LEVEL") or "INFO").upper()
    if level not in logging.getLevelNamesMapping():
        raise ValueError(f"KB_LOG_LEVEL must be a logging level such as INFO, not {level!r}")
    handler = logging.StreamHandler()
    setattr(handler, _HANDLER_MARK, True)
    handler.addFilter(RequestIdFilter())
    handler.setFormatter(JsonFormatter() if fmt == "json" else logging.Formatter(TEXT_FORMAT))
    root = logging.getLogger()
    for old in [h for h in root.handlers if getattr(h, _HANDLER_MARK, False)]:
        root.removeHandler(old)
    root.addHandler(handler)
    root.setLevel(level)
    for chatty in ("alembic.runtime.plugins",):  # set-up notes on every start
        logging.getLogger(chatty).setLevel(max(logging.WARNING, root.level))
    # the app logger goes through the root handler only (no second default handler)
    from flask.logging import default_handler

    app.logger.removeHandler(default_handler)
    app.logger.setLevel(level)
    app.config["LOG_FORMAT"] = fmt
