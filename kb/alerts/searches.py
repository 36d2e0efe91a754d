"""What a saved search is: its kinds, its normalised arguments, its name and its link.

A saved search keeps the arguments of the page it was saved from (a filtered list of requests
or programmes, or the search page), cleaned: unknown arguments and codes are dropped, paging
and sorting are not kept. Two kinds are offered rather than saved: ``state_programmes`` (a
focal point: new programmes its state is eligible for in its requests' themes) and
``org_requests`` (a provider: new requests its organisation's programmes could serve).
"""

from __future__ import annotations

import hashlib
import json
from typing import Any

from flask_babel import gettext as _
from flask_babel import lazy_gettext as _l
from werkzeug.datastructures import MultiDict

from kb import codes
from kb.catalogue.queries import Filters
from kb.extensions import db
from kb.i18n import country_name, place_name
from kb.models import Country, Organisation, SavedSearch, User
from search.places import default_gazetteer

#: Kinds a user saves from a page.
SAVED_KINDS = ("requests", "programmes", "search")
#: Kinds offered to focal points and providers.
OFFERED_KINDS = ("state_programmes", "org_requests")
KINDS = SAVED_KINDS + OFFERED_KINDS
#: Which records a kind can match: "request", "programme" or both.
MATCHES = {
    "requests": ("request",),
    "programmes": ("programme",),
    "search": ("request", "programme"),
    "state_programmes": ("programme",),
    "org_requests": ("request",),
}
FREQUENCIES = {
    "app": _l("In the app only"),
    "instant": _l("E-mail at once"),
    "daily": _l("Daily e-mail digest"),
    "weekly": _l("Weekly e-mail digest"),
}
DIGESTS = ("daily", "weekly")
#: The search page's arguments kept in a saved search (as ``searching.routes.PARAMS``).
SEARCH_ARGS = (
    "kind",
    "theme",
    "support_type",
    "region",
    "country",
    "place",
    "organisation_type",
    "language",
    "status",
)
MAX_VALUES = 20
MAX_VALUE_CHARS = 200
MAX_NAME = 120


def normalise(kind: str, args: MultiDict[str, str]) -> dict[str, list[str]]:
    """The arguments worth keeping for ``kind``, as ``{name: [values]}`` (sorted keys)."""
    if kind in ("requests", "programmes"):
        filters = Filters.from_args(args, kind[:-1])
        return {k: [v] for k, v in sorted(filters.active().items())}
    params: dict[str, list[str]] = {}
    text = (args.get("q") or "").strip()[:MAX_VALUE_CHARS]
    if text:
        params["q"] = [text]
    for name in (*SEARCH_ARGS, "literal"):
        values = [v.strip()[:MAX_VALUE_CHARS] for v in args.getlist(name) if v.strip()]
        if values:
            params[name] = sorted(dict.fromkeys(values))[:MAX_VALUES]
    return dict(sorted(params.items()))


def offered_params(kind: str, user: User) -> dict[str, list[str]] | None:
    """The arguments of an offered search for ``user``, or None when it is not for them."""
    if kind == "state_programmes" and user.role == "focal_point" and user.country_code:
        return {"country": [user.country_code]}
    if kind == "org_requests" and user.role == "provider" and user.organisation_id:
        return {"organisation": [str(user.organisation_id)]}
    return None


def key_of(kind: str, params: dict[str, list[str]]) -> str:
    text = json.dumps([kind, params], sort_keys=True, ensure_ascii=False)
    return hashlib.sha256(text.encode()).hexdigest()


def as_args(params: dict[str, Any]) -> MultiDict[str, str]:
    return MultiDict([(k, str(v)) for k, values in params.items() for v in values])


_LABELS = {
    "theme": (_l("Theme"), codes.THEMES),
    "support_type": (_l("Support type"), codes.SUPPORT_TYPES),
    "region": (_l("Region"), codes.ELIGIBLE_REGIONS),
    "organisation_type": (_l("Provider type"), codes.ORGANISATION_TYPES),
    "language": (_l("Language"), codes.LANGUAGES),
    "status": (_l("Status"), codes.MIXED_STATUSES),
    "kind": (_l("Kind"), {"request": _l("Requests"), "programme": _l("Programmes")}),
}


def _value_label(name: str, value: str) -> str:
    if name in _LABELS:
        table = _LABELS[name][1]
        text = table.get(value)
        if isinstance(table, codes.CodeList):
            return codes.label(table, value)
        return str(_(text) if isinstance(text, str) else text) if text else value
    if name == "country":
        country = db.session.get(Country, value.upper())
        return country_name(country) if country is not None else value
    if name == "place":
        place = default_gazetteer().get(value)
        return place_name(place) if place is not None else value
    return value


def conditions(saved: SavedSearch) -> list[str]:
    """The search in words, one condition each ("Theme: Cybercrime"), in the interface language."""
    params: dict[str, list[str]] = saved.params or {}
    if saved.kind == "state_programmes":
        country = db.session.get(Country, (params.get("country") or [""])[0])
        state = country_name(country) if country is not None else "?"
        return [
            _(
                "Programmes %(state)s is eligible for, in the themes of its requests",
                state=state,
            )
        ]
    if saved.kind == "org_requests":
        org_id = (params.get("organisation") or ["0"])[0]
        org = db.session.get(Organisation, int(org_id)) if org_id.isdigit() else None
        name = org.display_name if org is not None else "?"
        return [_("Requests the programmes of %(organisation)s could serve", organisation=name)]
    parts = []
    for name, values in params.items():
        shown = ", ".join(_value_label(name, v) for v in values)
        if name == "q":
            parts.append(_("Words: %(words)s", words=f"“{shown}”"))
        elif name == "literal":
            continue
        elif name == "country":
            parts.append(_("State: %(value)s", value=shown))
        elif name == "place":
            parts.append(_("Place: %(value)s", value=shown))
        else:
            label = _LABELS.get(name, (name, {}))[0]
            parts.append(f"{label}: {shown}")
    return parts


def kind_label(kind: str) -> str:
    return {
        "requests": _("Requests"),
        "programmes": _("Programmes"),
        "search": _("Search"),
        "state_programmes": _("Programmes"),
        "org_requests": _("Requests"),
    }[kind]


def default_name(kind: str, params: dict[str, list[str]], user: User) -> str:
    """A name for a new saved search: what it lists and its main conditions."""
    probe = SavedSearch(kind=kind, params=params)
    if kind in OFFERED_KINDS:
        return conditions(probe)[0][:MAX_NAME]
    values = [
        f"“{v}”" if name == "q" else _value_label(name, v)
        for name, vs in params.items()
        if name != "literal"
        for v in vs
    ]
    if not values:
        text = _("All requests") if kind == "requests" else _("All programmes")
        return text if kind != "search" else _("Everything")
    return f"{kind_label(kind)}: {', '.join(values)}"[:MAX_NAME]


def results_path(saved: SavedSearch, build: Any) -> str:
    """The page that shows the search's results now (``build`` is ``url_for``-like)."""
    params: dict[str, list[str]] = saved.params or {}
    if saved.kind in ("requests", "programmes"):
        return str(build("catalogue.list_records", plural=saved.kind, **params))
    if saved.kind == "search":
        return str(build("searching.search_page", **params))
    if saved.kind == "state_programmes":
        from kb.alerts.matching import state_themes

        code = (params.get("country") or [""])[0]
        themes = state_themes(code)
        return str(build("searching.search_page", kind="programme", place=code, theme=themes))
    org_id = (params.get("organisation") or ["0"])[0]
    return str(build("directory.organisation", org_id=int(org_id) if org_id.isdigit() else 0))
