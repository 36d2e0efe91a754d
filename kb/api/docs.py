"""The OpenAPI side: the flask-smorest ``Api`` adapted to problem details, and doc helpers."""

from __future__ import annotations

import copy
from collections.abc import Callable
from http import HTTPStatus
from typing import Any, TypeVar

from flask_smorest import Api, Blueprint
from flask_smorest.utils import prepare_response
from marshmallow import Schema, missing

from kb.api.problems import PROBLEM_MEDIA_TYPE
from kb.api.schemas import ProblemSchema

F = TypeVar("F", bound=Callable[..., Any])

SECURITY_SCHEMES = {
    "bearerAuth": {
        "type": "http",
        "scheme": "bearer",
        "description": "A personal API token from /account/tokens (read or write scope).",
    },
    "cookieAuth": {
        "type": "apiKey",
        "in": "cookie",
        "name": "session",
        "description": "The browser session; writes also need the `X-CSRFToken` header.",
    },
}

RESPONSE_HEADERS = {
    401: {
        "WWW-Authenticate": {"description": '`Bearer realm="api"…`', "schema": {"type": "string"}}
    },
    405: {"Allow": {"description": "The allowed methods.", "schema": {"type": "string"}}},
    429: {"Retry-After": {"description": "Seconds to wait.", "schema": {"type": "integer"}}},
    503: {"Retry-After": {"description": "Seconds to wait.", "schema": {"type": "integer"}}},
}


class KbApi(Api):
    """flask-smorest's Api, with problem details for every documented error response.

    Errors themselves are rendered by ``kb.web`` → :func:`kb.api.problems.problem_for`, so the
    extension's own JSON error handler is not registered.
    """

    ERROR_SCHEMA = ProblemSchema

    def _register_error_handlers(self) -> None:
        return None

    def _register_responses(self) -> None:
        for status in HTTPStatus:
            response: dict[str, Any] = {"description": status.phrase}
            if status >= 400:
                response["schema"] = ProblemSchema
            if status in RESPONSE_HEADERS:
                response["headers"] = RESPONSE_HEADERS[status]
            prepare_response(response, self.spec, PROBLEM_MEDIA_TYPE)
            self.spec.components.response(status.name, response, lazy=True)
        default = {"description": "An error, as problem details.", "schema": ProblemSchema}
        prepare_response(default, self.spec, PROBLEM_MEDIA_TYPE)
        self.spec.components.response(self.DEFAULT_ERROR_RESPONSE_NAME, default, lazy=True)


def quoted(names: Any) -> str:
    """Arguments of werkzeug's ``any`` converter (values may contain dashes)."""
    return ", ".join(f'"{name}"' for name in names)


def errors(blp: Blueprint, *statuses: int) -> Callable[[F], F]:
    """Document the problem responses an operation may give (429 is added everywhere)."""

    def decorate(func: F) -> F:
        for status in (*statuses, 429):
            func = blp.alt_response(status, response=HTTPStatus(status).name)(func)
        return func

    return decorate


def body_doc(blp: Blueprint, schema: type[Schema] | Schema, required: bool = True) -> Any:
    """Document a JSON request body without parsing it (the operations validate it)."""
    return blp.doc(
        requestBody={"required": required, "content": {"application/json": {"schema": schema}}}
    )


_partials: dict[type[Schema], type[Schema]] = {}


def partial_schema(schema: type[Schema]) -> type[Schema]:
    """``schema`` with no required fields and no defaults: the body of a ``PATCH``."""
    if schema not in _partials:
        fields = {}
        for name, field in schema._declared_fields.items():
            clone = copy.copy(field)
            clone.required = False
            clone.load_default = missing
            fields[name] = clone
        name = schema.__name__.replace("BodySchema", "PatchSchema")
        doc = f"Any subset of the fields of {schema.__name__.removesuffix('Schema')}."
        _partials[schema] = type(name, (schema,), {**fields, "__doc__": doc})
    return _partials[schema]
