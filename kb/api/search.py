"""Search: the same query, access tokens and totals as ``/search`` and ``/search.json``."""

from __future__ import annotations

from typing import Any

from flask import request, url_for
from flask_login import current_user
from flask_smorest import Blueprint

from kb.api import schemas
from kb.api.common import page_links
from kb.api.docs import errors
from kb.api.problems import Problem
from kb.searching.routes import REBUILDING, RETRY_AFTER, build_query, result_summary
from kb.searching.service import search_service
from search import BadQuery, IndexUnavailable

blp = Blueprint(
    "api_search",
    __name__,
    url_prefix="/search",
    description="Full-text search with facets; totals and facets count visible records only.",
)


@blp.route("", endpoint="search")
@blp.arguments(schemas.SearchArgsSchema, location="query")
@blp.response(200, schemas.SearchResultSchema)
@errors(blp, 400, 422, 503)
def search(args: dict[str, Any]) -> Any:
    """Search requests, programmes and initiatives (parameters may repeat: values are
    OR-ed; `funder`, `implementer` and `beneficiary` facet initiatives)."""
    query = build_query(request.args, current_user, per_page=args["per_page"])
    try:
        result = search_service().search(query)
    except BadQuery as err:
        raise Problem(400, detail=str(err), errors={"q": [str(err)]}) from err
    except IndexUnavailable as err:
        headers = {"Retry-After": RETRY_AFTER}
        raise Problem(503, detail=REBUILDING, headers=headers) from err
    return {
        **result_summary(args.get("q", ""), result),
        "facets": {
            name: [{"value": v, "count": n} for v, n in pairs]
            for name, pairs in result.facets.items()
        },
        "hits": [_hit(h) for h in result.hits],
        "links": page_links(result.page, result.pages),
    }


def _hit(hit: Any) -> dict[str, Any]:
    from kb.searching.routes import hit_url

    plural, record_id = hit.kind + "s", int(hit.id.split(":")[1])
    api = "api_initiatives.initiative" if hit.kind == "initiative" else f"api_{plural}.record"
    key = "initiative_id" if hit.kind == "initiative" else "record_id"
    return {
        "id": hit.id,
        "kind": hit.kind,
        "title": hit.title,
        "score": round(hit.score, 4),
        "snippet": hit.snippet,
        "url": url_for(api, **{key: record_id}, _external=True),
        "html_url": hit_url(hit.kind, record_id, external=True),
    }
