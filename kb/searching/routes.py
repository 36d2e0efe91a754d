"""The search page and its JSON twin; the URL holds the whole query."""

from __future__ import annotations

from typing import Any

from flask import Blueprint, jsonify, render_template, request, url_for
from flask_babel import gettext as _
from flask_login import current_user
from markupsafe import Markup, escape
from werkzeug.datastructures import MultiDict
from werkzeug.wrappers import Response

from kb import access, codes
from kb.codes import N_
from kb.fragments import lazy, value_of
from kb.i18n import iso_country_name, place_description, place_name, sort_key
from kb.searching import query_notes
from kb.searching.documents import country_names, load_records
from kb.searching.service import search_service
from search import IndexUnavailable, Notice, Reading, SearchQuery, SearchResult
from search.interface.query import normalise_value
from search.interface.results import Broader
from search.places import default_gazetteer

bp = Blueprint("searching", __name__)

#: URL parameter → search filter field (a parameter may repeat: values are OR-ed).
PARAMS = {
    "kind": "kind",
    "theme": "themes",
    "support_type": "support_types",
    "region": "regions",
    "country": "countries",
    "place": "place",
    "organisation_type": "organisation_type",
    "language": "languages",
    "status": "status",
    "funder": "funders",
    "implementer": "implementers",
    "beneficiary": "beneficiaries",
}
FACET_LABELS = {
    "kind": (
        N_("Kind"),
        {"request": N_("Requests"), "programme": N_("Programmes"), "initiative": N_("Initiatives")},
    ),
    "themes": (N_("Theme"), codes.THEMES),
    "support_types": (N_("Support type"), codes.SUPPORT_TYPES),
    "regions": (N_("Region"), codes.ELIGIBLE_REGIONS),
    "countries": (N_("Country"), {}),
    "organisation_type": (N_("Organisation type"), codes.ORGANISATION_TYPES),
    "languages": (N_("Language"), codes.LANGUAGES),
    "status": (N_("Status"), codes.MIXED_STATUSES),
    "funders": (N_("Funders"), {}),
    "implementers": (N_("Implementers"), {}),
    "beneficiaries": (N_("Beneficiary states"), {}),
}
MAX_TEXT = 2000
#: While the index is being built (a new install, a new release's schema): pages answer 503.
REBUILDING = N_(
    "The search index is being rebuilt after an update. Search will be back in a few "
    "minutes; the rest of the site works as usual."
)
#: Seconds a client should wait before asking again while the index is being rebuilt.
RETRY_AFTER = "30"
#: At most this many undone readings per search (``literal`` parameters).
MAX_LITERAL = 20


def build_query(args: MultiDict[str, str], user: Any, per_page: int = 20) -> SearchQuery:
    filters = {field: args.getlist(param) for param, field in PARAMS.items() if param in args}
    page = args.get("page", "1")
    return SearchQuery(
        text=(args.get("q") or "")[:MAX_TEXT],
        filters=filters,
        viewer_tokens=access.viewer_tokens(user),
        sort=args.get("sort", "relevance"),  # type: ignore[arg-type]
        page=int(page) if page.isascii() and page.isdigit() else 1,
        per_page=per_page,
        literal=frozenset(args.getlist("literal")[:MAX_LITERAL]),
    )


def reading_label(reading: Reading) -> str:
    """A chip's text: "In French", "Theme: Incident response", "Sahel: 10 member states — …"."""
    if reading.field == "languages":
        return _("In %(language)s", language=codes.label(codes.LANGUAGES, reading.value))
    if reading.field == "themes":
        return _("Theme: %(theme)s", theme=codes.label(codes.THEMES, reading.value))
    if reading.field == "kind":
        return _("Requests only") if reading.value == "request" else _("Programmes only")
    if reading.field == "support_types":
        return _("Support: %(list)s", list=codes.label(codes.SUPPORT_TYPES, reading.value))
    if reading.field == "place":
        place = default_gazetteer().get(reading.value)
        if place is not None:
            return place_description(place)
    return reading.detail or reading.label


def undo_url(key: str) -> str:
    """The current search with the reading ``key`` undone (its words searched as words)."""
    args = MultiDict(request.args)
    keys = args.getlist("literal")
    args.setlist("literal", [*keys, key] if key not in keys else keys)
    args.pop("page", None)
    return url_for(request.endpoint or "searching.search_page", **args.to_dict(flat=False))


def redo_url() -> str:
    """The current search with every undone reading read again."""
    args = MultiDict(request.args)
    args.pop("literal", None)
    args.pop("page", None)
    return url_for(request.endpoint or "searching.search_page", **args.to_dict(flat=False))


def notice_html(result: SearchResult) -> Markup | None:
    """The situation of the results (one sentence, ``SearchResult.notices``) in the reader's
    language, the corrected query shown as a link to that query; then what was said about the
    query text itself."""
    parts = [_notice(n, result) for n in result.notices]
    parts += [escape(query_notes.translate(m)) for m in result.query_messages]
    if not parts:
        return escape(result.message) if result.message else None
    return Markup(" ").join(parts)


def quoted(text: str | Markup) -> Markup:
    """``text`` between the quotation marks of the interface language (“…”, « … », «…»)."""
    # Translators: quotation marks around words of the user's query, e.g. « %(text)s » in French
    return escape(_("“%(text)s”")) % {"text": text}


def _words(words: tuple[str, ...]) -> Markup:
    return Markup(", ").join(quoted(w) for w in words)


def _scope(result: SearchResult, keys: tuple[str, ...]) -> str:
    """The readings ``keys`` by name: "Senegal", "In French"."""
    names = []
    for r in result.readings:
        if r.key in keys:
            place = default_gazetteer().get(r.value) if r.field == "place" else None
            names.append(place_name(place) if place is not None else reading_label(r))
    return ", ".join(names)


#: "“nonsense” is not a known theme." per field of ``Notice("unknown_value")``.
UNKNOWN_VALUE = {
    "kind": N_("“%(value)s” is not a known record kind."),
    "themes": N_("“%(value)s” is not a known theme."),
    "support_types": N_("“%(value)s” is not a known support type."),
    "languages": N_("“%(value)s” is not a known language code."),
    "regions": N_("“%(value)s” is not a known region."),
    "countries": N_("“%(value)s” is not a known country code."),
}


def value_label(field: str, value: str) -> str:
    """A filter value by name in the reader's language ("Cybercrime", "Kenya")."""
    if field in ("countries", "beneficiaries"):
        return iso_country_name(value)
    labels = FACET_LABELS.get(field, ("", {}))[1]
    return codes.label(labels, value)


def _with_text(text: str) -> str:
    """The current search with the query text ``text``."""
    args = MultiDict(request.args)
    args.setlist("q", [text] if text else [])
    args.pop("page", None)
    args.pop("literal", None)
    return url_for("searching.search_page", **args.to_dict(flat=False))


def _unknown_value(n: Notice) -> Markup:
    """“nonsense” is not a known theme. The closest known values: <a>Cybercrime</a>."""
    field = n.keys[0]
    text = escape(_(UNKNOWN_VALUE.get(field, UNKNOWN_VALUE["themes"]))) % {"value": n.missing[0]}
    if not n.choices:
        return text
    alias = (
        n.words.partition(":")[0] if n.words else next(p for p, f in PARAMS.items() if f == field)
    )
    q = request.args.get("q", "")
    links = Markup(", ").join(
        Markup('<a href="{}">{}</a>').format(
            _with_text(q.replace(n.words, f"{alias}:{choice}", 1) if n.words else q),
            value_label(field, choice),
        )
        for choice in n.choices
    )
    listed = (
        _("The closest known values: %(list)s.") if n.close else _("The known values: %(list)s.")
    )
    return text + Markup(" ") + escape(listed) % {"list": links}


def broader_links(result: SearchResult) -> list[dict[str, Any]]:
    """The broader searches offered when nothing matches: what each leaves out, its URL and
    how many records it finds for the viewer."""
    out = []
    for b in result.broader:
        names = [_("“%(text)s”", text=d) for d in b.dropped]  # plain text, as quoted()
        names += [f"{_(FACET_LABELS[f][0])}: {value_label(f, v)}" for f, v in b.without]
        out.append(
            {"without": ", ".join(names), "url": _broader_url(b), "total": b.total, "query": b.text}
        )
    return out


def _broader_url(b: Broader, external: bool = False) -> str:
    args = MultiDict(request.args)
    args.setlist("q", [b.text] if b.text else [])
    drop = set(b.without)
    for param, field in PARAMS.items():
        if param in args:
            # The engine names the filter in its canonical form (``org:GCC`` for the
            # ``org:gcc`` typed in the URL): compare in that form, or the link keeps it.
            args.setlist(
                param,
                [v for v in args.getlist(param) if (field, normalise_value(field, v)) not in drop],
            )
    args.pop("page", None)
    return url_for("searching.search_page", _external=external, **args.to_dict(flat=False))


def _notice(n: Notice, result: SearchResult) -> Markup:
    if n.kind == "unknown_value":
        return _unknown_value(n)
    missing = _words(n.missing) if n.missing else escape(_("those words"))
    if n.kind == "relaxed":
        text = _("No record contains all of “%(words)s”; showing those that match most of it.")
        return escape(text) % {"words": n.words}
    if n.kind == "corrected" and n.suggestion:
        args = MultiDict(request.args)
        args.setlist("q", [n.suggestion])
        args.pop("page", None)
        link = quoted(
            Markup('<a href="{}">{}</a>').format(
                url_for("searching.search_page", **args.to_dict(flat=False)), n.suggestion
            )
        )
        text = (
            _(
                "No record contains %(missing)s; showing results for %(query)s "
                "that match most of it."
            )
            if n.relaxed
            else _("No record contains %(missing)s; showing results for %(query)s.")
        )
        return escape(text) % {"missing": missing, "query": link}
    if n.kind == "corrected":
        text = (
            _(
                "No record contains %(missing)s; showing results for similar words "
                "that match most of it."
            )
            if n.relaxed
            else _("No record contains %(missing)s; showing results for similar words.")
        )
        return escape(text) % {"missing": missing}
    if n.kind == "filters_only":
        scope = _scope(result, n.keys)
        if scope:
            text = _("No record contains %(missing)s; showing every record for %(scope)s.")
            return escape(text) % {"missing": missing, "scope": scope}
        return escape(_("No record contains %(missing)s; showing every record.")) % {
            "missing": missing
        }
    text = _("Nothing matches %(filters)s; showing every match, those first.")
    return escape(text) % {"filters": _scope(result, n.keys)}


def readings_json(result: SearchResult) -> list[dict[str, Any]]:
    """How the query was read, each part with the URL that undoes it."""
    return [
        {
            "key": r.key,
            "field": r.field,
            "value": r.value,
            "words": r.surface,
            "label": reading_label(r),
            "effect": r.effect,
            "undo_url": undo_url(r.key),
        }
        for r in result.readings
    ]


def _records_for(result: SearchResult) -> dict[str, Any]:
    from kb.initiatives import queries as initiatives

    refs = {(h.kind, int(h.id.split(":")[1])) for h in result.hits}
    records = load_records(refs)
    # Defence in depth: the index filtered by access tokens; check the rows too.
    return {
        f"{kind}:{rid}": record
        for (kind, rid), record in records.items()
        if (
            initiatives.can_view(current_user, record)
            if kind == "initiative"
            else access.can_view(current_user, record)
        )
    }


def _organisation_names(result: SearchResult) -> dict[str, str]:
    """Names of the organisations in the funder and implementer facets (one query)."""
    from sqlalchemy import select

    from kb.extensions import db
    from kb.models import Organisation

    ids = {
        int(value)
        for name in ("funders", "implementers")
        for value, _n in result.facets.get(name, [])
        if value.isdigit() and len(value) < 10
    }
    if not ids:
        return {}
    orgs = db.session.scalars(select(Organisation).where(Organisation.id.in_(ids)))
    return {str(o.id): o.display_name for o in orgs}


def _facet_labels(result: SearchResult) -> dict[str, Any]:
    """Each facet's heading and value labels (names of the states and organisations shown)."""
    organisations = _organisation_names(result)
    return {
        **FACET_LABELS,
        "countries": (N_("Country"), country_names()),
        "funders": (N_("Funders"), organisations),
        "implementers": (N_("Implementers"), organisations),
    }


#: Values shown per facet (the most frequent).
FACET_SHOWN = 12


Facet = tuple[str, list[tuple[str, int, str]], list[tuple[str, str]]]


#: The Country facet counts a request's state and the states a programme *names* (those it
#: is targeted at), not every state a programme is open to (a programme open to all would
#: count for every state): its heading says which, by the kinds shown. Every programme a
#: state may join is the Place filter's (``place=<ISO3>``, the one eligibility rule).
COUNTRY_HEADINGS = {
    "request": N_("Country"),
    "programme": N_("Named states"),
    "mixed": N_("Country or named state"),
}


def country_heading(kinds: list[str]) -> str:
    """The Country facet's heading for the kinds a search shows (all when none chosen)."""
    if kinds and all(k == "request" for k in kinds):
        return COUNTRY_HEADINGS["request"]
    if kinds and all(k == "programme" for k in kinds):
        return COUNTRY_HEADINGS["programme"]
    return COUNTRY_HEADINGS["mixed"]


def _facets(result: SearchResult, selected: dict[str, list[str]]) -> dict[str, Facet]:
    """Each facet's heading, its shown values as ``(value, count, label)`` — the most frequent
    first, values with the same count in the alphabetical order of their labels in the
    interface language (:func:`kb.i18n.sort_key`) — and the selected values that no record
    of the result has, as ``(value, label)``."""
    out = {}
    for field, (heading, labels) in _facet_labels(result).items():
        if field == "countries":
            heading = country_heading(selected.get("kind", []))

        def label(value: str, labels: dict[str, str] = labels, field: str = field) -> str:
            if field in ("countries", "beneficiaries"):
                return iso_country_name(value)
            return codes.label(labels, value)

        counts = result.facets.get(field, [])
        rows = sorted(
            ((value, n, label(value)) for value, n in counts),
            key=lambda row: (-row[1], sort_key(row[2])),
        )
        found = {value for value, _n in counts}
        extra = [(v, label(v)) for v in selected.get(field, []) if v not in found]
        out[field] = (heading, rows[:FACET_SHOWN], extra)
    return out


def facets_without_text(text: str, result: SearchResult) -> bool:
    """Nothing matched the words: the engine then counts the facets of what the filters
    leave without them (the closest ways on), not of the (empty) result."""
    return result.total == 0 and bool(text.strip())


def hit_url(kind: str, record_id: int, external: bool = False) -> str:
    """The page of a search hit."""
    if kind == "initiative":
        return url_for("initiatives.detail", initiative_id=record_id, _external=external)
    return url_for("catalogue.detail", plural=kind + "s", record_id=record_id, _external=external)


def toggle_url(field: str, value: str, browse: bool = False) -> str:
    """The current search with ``value`` of ``field`` added, or removed if present; with
    ``browse`` (nothing matched the words, so the facets count what the filters leave
    without them: :func:`facets_without_text`) the words are left out too, so that each
    link returns the count it shows."""
    param = next(p for p, f in PARAMS.items() if f == field)
    args = MultiDict(request.args)
    if browse:
        for key in ("q", "literal"):
            args.pop(key, None)
    values = args.getlist(param)
    args.setlist(param, [v for v in values if v != value] if value in values else [*values, value])
    args.pop("page", None)
    return url_for("searching.search_page", **args.to_dict(flat=False))


@bp.errorhandler(IndexUnavailable)
def _unreadable_index(_error: IndexUnavailable) -> tuple[str, int, dict[str, str]]:
    """The index became unreadable while the page was drawn (the service queued its
    rebuild): the same 503 page as while it is being rebuilt, not a 500."""
    return _rebuilding_page()


def _rebuilding_page() -> tuple[str, int, dict[str, str]]:
    page = render_template("error.html", title=_("Temporarily unavailable"), message=_(REBUILDING))
    return page, 503, {"Retry-After": RETRY_AFTER}


@bp.route("/search")
def search_page() -> str | tuple[str, int, dict[str, str]]:
    """The results are searched, loaded and drawn only when the page's cached blocks (per
    viewer class, data generation and index generation: :mod:`kb.fragments`) are not at hand.
    While there is no index to read (it is being rebuilt, by a job), a 503 page says so."""
    query = build_query(request.args, current_user)
    service = search_service()
    if not service.ready():
        return _rebuilding_page()
    result = lazy(lambda: service.search(query))
    selected = {f: request.args.getlist(p) for p, f in PARAMS.items()}
    return render_template(
        "search.html",
        query=query,
        result=result,
        records=lazy(lambda: _records_for(value_of(result))),
        index_generation=service.generation(),
        facets=lazy(lambda: _facets(value_of(result), selected)),
        browse=lazy(lambda: facets_without_text(query.text or "", value_of(result))),
        hit_url=hit_url,
        selected=selected,
        toggle_url=toggle_url,
        reading_label=reading_label,
        notice=lazy(lambda: notice_html(value_of(result))),
        broader=lazy(lambda: broader_links(value_of(result))),
        undo_url=undo_url,
        redo_url=redo_url,
    )


def result_summary(text: str, result: SearchResult) -> dict[str, Any]:
    """The fields ``/search.json`` and the API's search share (both add facets and hits)."""
    return {
        "query": text,
        "total": result.total,
        "page": result.page,
        "pages": result.pages,
        "per_page": result.per_page,
        "suggestion": result.suggestion,
        "fuzzy": result.fuzzy,
        "relaxed": result.relaxed,
        "missing": result.missing,
        "message": result.message,
        # the facets count what the filters leave without the words (nothing matched them)
        "facets_without_text": facets_without_text(text, result),
        "interpretation": readings_json(result),
        "broader": [
            {
                "query": b.text,
                "without": [{"field": f, "value": v} for f, v in b.without],
                "dropped": list(b.dropped),
                "total": b.total,
                "url": _broader_url(b, external=True),
            }
            for b in result.broader
        ],
    }


@bp.route("/search.json")
def search_json() -> Response | tuple[Response, int, dict[str, str]]:
    query = build_query(request.args, current_user, per_page=_per_page())
    try:
        result = search_service().search(query)
    except IndexUnavailable:
        return jsonify({"error": _(REBUILDING)}), 503, {"Retry-After": RETRY_AFTER}
    return jsonify(
        {
            **result_summary(request.args.get("q", ""), result),
            "facets": {k: [[v, n] for v, n in pairs] for k, pairs in result.facets.items()},
            "hits": [
                {
                    "id": h.id,
                    "kind": h.kind,
                    "title": h.title,
                    "score": round(h.score, 4),
                    "snippet": h.snippet,
                    "url": hit_url(h.kind, int(h.id.split(":")[1]), external=True),
                }
                for h in result.hits
            ],
        }
    )


def _per_page() -> int:
    raw = request.args.get("per_page", "20")
    return min(int(raw), 100) if raw.isascii() and raw.isdigit() and int(raw) > 0 else 20
