"""The API's entry points: index, the caller, problem types, and the interactive docs page."""

from __future__ import annotations

from typing import Any

from flask import Blueprint as FlaskBlueprint
from flask import render_template, url_for
from flask_login import current_user
from flask_smorest import Blueprint
from flask_wtf.csrf import generate_csrf

from kb.api import schemas
from kb.api.auth import principal
from kb.api.docs import errors, quoted
from kb.api.problems import PROBLEM_TYPES

blp = Blueprint("api_meta", __name__, url_prefix="", description="Index, caller, problem types.")

#: The HTML docs page: not part of the spec (plain Flask blueprint).
docs_page = FlaskBlueprint("api_docs_page", __name__)


@blp.route("/", endpoint="index")
@blp.response(200, schemas.IndexSchema)
def index() -> Any:
    """Links to every collection, the spec and the docs."""

    def link(endpoint: str, **kw: Any) -> str:
        return url_for(endpoint, **kw, _external=True)

    return {
        "version": "1",
        "links": {
            "requests": link("api_requests.records"),
            "programmes": link("api_programmes.records"),
            "countries": link("api_directory.countries"),
            "organisations": link("api_directory.organisations"),
            "codes": link("api_codes.all_lists"),
            "search": link("api_search.search"),
            "me": link("api_meta.me"),
            "openapi": link("api-docs.openapi_json"),
            "docs": link("api_docs_page.docs"),
        },
    }


@blp.route("/me", endpoint="me")
@blp.response(200, schemas.MeSchema)
def me() -> Any:
    """Who you are to the API; session callers also get the CSRF token for writes."""
    caller = principal()
    user = current_user if caller.method != "anonymous" else None
    return {
        "auth": caller.method,
        "scope": caller.scope,
        "user": user,
        "csrf_token": generate_csrf() if caller.method == "session" else None,
    }


@blp.route(f"/problems/<any({quoted(PROBLEM_TYPES)}):slug>", endpoint="problem_type")
@blp.response(200, schemas.ProblemTypeSchema)
@errors(blp, 404)
def problem_type(slug: str) -> Any:
    """What a problem `type` means."""
    status, title, description = PROBLEM_TYPES[slug]
    return {
        "type": url_for("api_meta.problem_type", slug=slug, _external=True),
        "status": status,
        "title": title,
        "description": description,
    }


@docs_page.route("/api/v1/docs", endpoint="docs")
def docs() -> str:
    """Swagger UI over /api/v1/openapi.json, served from static/api (no CDN, no inline code)."""
    return render_template("api/docs.html")
