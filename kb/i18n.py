"""The interface in the six UN official languages (Flask-Babel over Babel's CLDR data).

The locale of a request is, in order: an explicit ``?lang=xx`` (a shareable link; it is then
remembered: in the profile of a signed-in user, in a cookie for a visitor), the profile's choice,
the cookie, the browser's ``Accept-Language``, English. Record *content* keeps its own language
(templates mark it with its ``lang``); only the frame around it follows the interface language.

Formatting (dates, numbers, relative times, country names, sorting) goes through the helpers
here so that every page, export and report speaks one style.
"""

from __future__ import annotations

import json
import re
from collections.abc import Callable, Iterable
from datetime import UTC, date, datetime, timedelta
from functools import lru_cache
from typing import Any, TypeVar

import icu
from babel import Locale
from babel import dates as babel_dates
from babel import numbers as babel_numbers
from babel.core import get_global
from babel.lists import format_list
from flask import Flask, Response, g, has_app_context, has_request_context, request
from flask_babel import Babel, get_locale
from flask_babel import format_decimal as _babel_format_decimal
from flask_babel import format_timedelta as _babel_format_timedelta
from flask_login import current_user
from markupsafe import Markup

from kb import PROJECT_ROOT
from kb.i18n_places import place_text

#: The six official languages of the UN, each named in itself, in the UN's order of listing.
LANGUAGES: dict[str, str] = {
    "ar": "العربية",
    "zh": "中文",
    "en": "English",
    "fr": "Français",
    "ru": "Русский",
    "es": "Español",
}
DEFAULT = "en"
RTL = frozenset({"ar"})
COOKIE = "lang"
COOKIE_MAX_AGE = 365 * 24 * 3600
TRANSLATIONS = PROJECT_ROOT / "translations"

#: The CLDR locale behind each language's formatting: the UN writes British English (3 Dec 2026).
FORMAT_LOCALES = {"en": "en_GB"}
T = TypeVar("T")


def init_app(app: Flask) -> None:
    app.config.setdefault("BABEL_DEFAULT_LOCALE", DEFAULT)
    app.config.setdefault("BABEL_DEFAULT_TIMEZONE", "UTC")
    app.config.setdefault("BABEL_TRANSLATION_DIRECTORIES", str(TRANSLATIONS))
    # One Babel per app: its translations cache is per instance (tests build many apps).
    Babel(app, locale_selector=select_locale)
    app.before_request(_remember_explicit_choice)
    app.after_request(_store_choice)
    app.jinja_env.add_extension("jinja2.ext.i18n")
    app.jinja_env.policies["ext.i18n.trimmed"] = True
    app.jinja_env.globals.update(
        ui_languages=LANGUAGES,
        ui_lang=current_language,
        ui_dir=direction,
        lang_url=language_url,
    )
    app.jinja_env.filters.update(
        when=lambda value: _time_element(value, format_day),
        iso_date=lambda value: date.fromisoformat(value) if value else None,
        place_text=place_text,
        when_time=lambda value: _time_element(value, format_moment),
        month=format_month,
        ago=lambda value: _time_element(value, format_ago),
        number=format_number,
        country_name=country_name,
        sort_countries=sort_countries,
        iso_country_name=iso_country_name,
        country_list=country_list,
        sort_country_codes=sort_country_codes,
        un_name=lambda country: un_name(getattr(country, "iso3", country)) or "",
        place_name=place_name,
        place_description=place_description,
        place_other_names=place_other_names,
        sort_places=sorted_places,
        reason=reason_text,
        note=system_note,
        score=lambda value: format_decimal_fixed(value, 2),
    )


# --- choosing the language -------------------------------------------------------------------


def _explicit_choice() -> str | None:
    choice = request.args.get("lang", "")
    return choice if choice in LANGUAGES else None


def select_locale() -> str:
    """Flask-Babel's locale selector: explicit link, profile, cookie, browser, English."""
    lang = chosen_language()
    return FORMAT_LOCALES.get(lang, lang)


def chosen_language() -> str:
    """The interface language of this request (one of :data:`LANGUAGES`)."""
    if not has_request_context():
        return DEFAULT
    explicit = _explicit_choice()
    if explicit:
        return explicit
    if request.path.startswith("/api/") and request.accept_languages:
        # the API answers in the language the client asks for (problem titles and details)
        return request.accept_languages.best_match(list(LANGUAGES), default=DEFAULT)
    user = current_user
    saved = getattr(user, "locale", None) if user and user.is_authenticated else None
    if saved in LANGUAGES:
        return saved
    cookie = request.cookies.get(COOKIE, "")
    if cookie in LANGUAGES:
        return cookie
    return request.accept_languages.best_match(list(LANGUAGES), default=DEFAULT)


def _remember_explicit_choice() -> None:
    """A signed-in user's explicit choice is kept in the profile (one small write)."""
    explicit = _explicit_choice()
    if explicit is None:
        return
    g.ui_language_choice = explicit
    if current_user.is_authenticated and getattr(current_user, "locale", None) != explicit:
        from kb.accounts.operations import set_locale
        from kb.uow import unit_of_work

        with unit_of_work(index=False):
            set_locale(current_user, explicit)


def _store_choice(response: Response) -> Response:
    choice = g.get("ui_language_choice")
    if choice and request.cookies.get(COOKIE) != choice:
        response.set_cookie(
            COOKIE, choice, max_age=COOKIE_MAX_AGE, samesite="Lax", secure=request.is_secure
        )
    response.vary.add("Accept-Language")
    response.vary.add("Cookie")
    return response


def _request_locale() -> Locale | None:
    """The request's locale, read once per request (pages ask for it hundreds of times, and
    Flask-Babel's lookup walks several context proxies each time). Under ``force_locale`` (a
    notification or an e-mail worded in its recipient's language, in a request or in a
    background job), the forced locale."""
    if not has_app_context():
        return None
    forced = getattr(getattr(g, "_flask_babel", None), "forced_babel_locale", None)
    if forced is not None:
        return forced
    if not has_request_context():
        return None
    cached = request.__dict__.get("_kb_locale", _UNSET)
    if cached is _UNSET:
        cached = get_locale()
        request.__dict__["_kb_locale"] = cached
    return cached


_UNSET: Any = object()


def current_language() -> str:
    locale = _request_locale()
    return locale.language if locale is not None else DEFAULT


def direction(lang: str | None = None) -> str:
    return "rtl" if (lang or current_language()) in RTL else "ltr"


def language_url(lang: str) -> str:
    """This page in ``lang``: same path and query, ``lang`` replaced (a shareable link)."""
    args = request.args.to_dict(flat=False)
    args["lang"] = [lang]
    from urllib.parse import urlencode

    return f"{request.path}?{urlencode(args, doseq=True, errors='replace')}"


# --- formatting ------------------------------------------------------------------------------


def _aware(value: datetime) -> datetime:
    return value if value.tzinfo is not None else value.replace(tzinfo=UTC)


def _time_element(value: date | datetime | None, formatter: Callable[[Any], str]) -> Markup:
    """``<time datetime="…">`` around a formatted date: machines read the ISO value."""
    if value is None:
        return Markup("—")
    iso = _aware(value).isoformat() if isinstance(value, datetime) else value.isoformat()
    return Markup('<time datetime="%s">%s</time>') % (iso, formatter(value))


def day_element(value: date | datetime | None) -> Markup:
    """A day in ``<time>``, as the ``when`` filter writes it."""
    return _time_element(value, format_day)


def format_day(value: date | datetime | None) -> str:
    """A day in the locale's medium style: 3 Dec 2026, 3 déc. 2026, 2026年12月3日."""
    if value is None:
        return "—"
    if isinstance(value, datetime):
        value = _aware(value).astimezone(UTC).date()
    return _medium_day(value, str(get_locale() or DEFAULT))


@lru_cache(maxsize=8192)
def _medium_day(value: date, locale: str) -> str:
    """Babel's medium date, kept: a calendar or a list formats the same days again and again
    (about 0.1 ms each through Babel)."""
    return babel_dates.format_date(value, format="medium", locale=locale)


def format_month(value: str | date) -> str:
    """A month (``2026-03`` or a date) in the locale: Mar 2026, mars 2026, 2026年3月."""
    from babel.dates import format_skeleton

    if isinstance(value, str):
        value = date.fromisoformat(f"{value}-01")
    locale = get_locale() or Locale.parse(DEFAULT)
    return format_skeleton("yMMM", value, locale=locale)


def format_moment(value: datetime | None) -> str:
    """A day and a time (UTC): 3 Dec 2026, 05:26 UTC."""
    if value is None:
        return "—"
    value = _aware(value).astimezone(UTC)
    locale = get_locale() or Locale.parse(DEFAULT)
    from babel.dates import format_time

    return f"{format_day(value)}, {format_time(value, 'HH:mm', locale=locale)} UTC"


def format_ago(value: datetime | None, now: datetime | None = None) -> str:
    """A relative time: 2 months ago, il y a 2 mois."""
    if value is None:
        return "—"
    now = now or datetime.now(UTC)
    return _babel_format_timedelta(_aware(value) - now, add_direction=True)


def format_number(value: float | int) -> str:
    if isinstance(value, int) and not isinstance(value, bool):
        # Pages print hundreds of counts (the world map: three per state); Babel's pattern
        # work is the same for every one, so whole numbers are formatted once per language.
        return _format_int(value, str(_request_locale() or DEFAULT))
    return _babel_format_decimal(value)


@lru_cache(maxsize=4096)
def _format_int(value: int, locale: str) -> str:
    return babel_numbers.format_decimal(value, locale=locale)


def format_decimal_fixed(value: float, digits: int) -> str:
    return _babel_format_decimal(value, format="0." + "0" * digits)


def system_note(comment: str | None) -> str:
    """A revision comment as shown: a note the system wrote (``N_()``, stored in English, e.g.
    "End date passed.") in the interface language; a person's comment as written."""
    from flask_babel import gettext

    return gettext(comment) if comment else ""


# --- places and sorting ----------------------------------------------------------------------

_ALPHA2: dict[str, list[str]] = get_global("territory_aliases")

#: States shown by their UN short name instead of CLDR's: in which languages ("*": all six)
#: and why. CLDR's names are the display names everywhere else (the names people use, as the
#: issue asks); these are the few where CLDR's name would be wrong in a UN setting, or is an
#: abbreviation rather than a name (docs/I18N.md, "Country names"). Their UN names come from
#: the gazetteer data (``places_m49.json``) and, for the observer States,
#: ``seed_data/observer_states.json``. CLDR 47 (Babel 2.19) names checked on 3 Dec 2026.
UN_NAMED_STATES: dict[str, tuple[str, str]] = {
    "PSE": ("*", "CLDR names the territories (Palestinian Territories), not the observer State"),
    "VAT": ("*", "CLDR names the city (Vatican City), not the Holy See, the observer State"),
    "COD": ("*", "CLDR's Congo - Kinshasa is a label telling the two Congos apart"),
    "COG": ("*", "CLDR's Congo - Brazzaville is a label telling the two Congos apart"),
    "MMR": ("*", "CLDR adds (Burma), a name the UN has not used since 1989"),
    "CIV": ("ar", "the State asks that its name not be translated (CLDR ar: Ivory Coast)"),
    "CPV": ("en fr ar", "Cabo Verde at the UN since 2013 (CLDR: Cape Verde, Cap-Vert)"),
    "TLS": ("fr ru", "Timor-Leste at the UN (CLDR fr, ru: East Timor)"),
    "TUR": ("fr es", "Türkiye at the UN since 2022 (CLDR fr, es: Turquie, Turquía)"),
    "ARE": ("ru", "CLDR ru abbreviates: ОАЭ"),
    "PRK": ("ru", "CLDR ru abbreviates: КНДР"),
    "MHL": ("ru", "CLDR ru abbreviates: Маршалловы о-ва"),
    "SLB": ("ru", "CLDR ru abbreviates: Соломоновы о-ва"),
    "SYC": ("ru", "CLDR ru abbreviates: Сейшельские о-ва"),
    "ATG": ("en", "CLDR en abbreviates: Antigua & Barbuda"),
    "BIH": ("en", "CLDR en abbreviates: Bosnia & Herzegovina"),
    "KNA": ("en", "CLDR en abbreviates: St. Kitts & Nevis"),
    "LCA": ("en", "CLDR en abbreviates: St. Lucia"),
    "VCT": ("en", "CLDR en abbreviates: St. Vincent & Grenadines"),
    "STP": ("en", "CLDR en abbreviates: São Tomé & Príncipe"),
    "TTO": ("en", "CLDR en abbreviates: Trinidad & Tobago"),
}


def _un_named(iso3: str, lang: str) -> bool:
    languages = UN_NAMED_STATES.get(iso3, ("", ""))[0]
    return languages == "*" or lang in languages.split()


def alpha2(iso3: str) -> str | None:
    """ISO 3166-1 alpha-3 to alpha-2 through CLDR's territory aliases (KEN -> KE)."""
    found = _ALPHA2.get(iso3)
    return found[0] if found else None


@lru_cache(maxsize=1)
def observer_state_names() -> dict[str, dict[str, str]]:
    """The observer States' UN names per language (CLDR names them as territories, not as
    the UN does: "Palestinian Territories", "Vatican City")."""
    with (PROJECT_ROOT / "seed_data" / "observer_states.json").open(encoding="utf-8") as fh:
        return {row["iso3"]: row["names"] for row in json.load(fh)["states"]}


@lru_cache(maxsize=1)
def _un_names() -> dict[str, dict[str, str]]:
    """Every state's UN short name per language: member states from the gazetteer (English:
    the UN short name; French and Spanish: UNTERM's; Arabic, Chinese, Russian: UNSD M49's),
    the observer States from ``seed_data/observer_states.json``."""
    from search.places import default_gazetteer

    out = {
        p.code: {lang: p.names[lang][0] for lang in LANGUAGES if p.names.get(lang)} | {"en": p.name}
        for p in default_gazetteer().states()
    }
    for iso3, names in observer_state_names().items():
        out[iso3] = dict(names)
    return out


@lru_cache(maxsize=8)
def _territories(lang: str) -> dict[str, str]:
    return dict(Locale.parse(lang).territories)


def state_codes() -> list[str]:
    """The ISO alpha-3 codes of the 193 member states and the observer States."""
    return list(_un_names())


def un_name(iso3: str, lang: str | None = None) -> str | None:
    """The state's UN short name in ``lang`` (the interface language): "Republic of Korea",
    "République de Corée", "大韩民国"; ``None`` for a code the UN data lacks."""
    names = _un_names().get((iso3 or "").upper())
    if names is None:
        return None
    return names.get(lang or current_language()) or names["en"]


def state_name(iso3: str, lang: str | None = None) -> str:
    """THE name of a state as shown, in ``lang`` (the interface language): CLDR's, through
    Babel (ISO alpha-3 -> alpha-2 by CLDR's territory aliases) — "South Korea", "Corée du
    Sud", "Émirats arabes unis" — except the :data:`UN_NAMED_STATES`, shown by their UN short
    name. Every page, select, facet, map, export, report, Word form, API list and e-mail names
    a state through this function (``country_name``, ``iso_country_name``, ``place_name``)."""
    iso3 = (iso3 or "").upper()
    lang = lang or current_language()
    if not _un_named(iso3, lang):
        code = alpha2(iso3)
        name = _territories(lang).get(code) if code else None
        if name:
            return name
    return un_name(iso3, lang) or iso3


def state_names(iso3: str) -> set[str]:
    """Every name of the state the app knows, in the six languages: CLDR's, the UN short
    names, and the gazetteer's (formal names, common short forms: "Ivory Coast", "DRC") —
    what a Word form or a query may write for it."""
    from search.places import default_gazetteer

    iso3 = (iso3 or "").upper()
    names = {state_name(iso3, lang) for lang in LANGUAGES}
    names |= {n for n in (un_name(iso3, lang) for lang in LANGUAGES) if n}
    code = alpha2(iso3)
    names |= {_territories(lang)[code] for lang in LANGUAGES if code in _territories(lang)}
    try:
        place = default_gazetteer().state(iso3)
    except KeyError:
        return names
    return names | set(place.all_names())


def country_name(country: Any) -> str:
    """A country (a ``Country`` row, anything with an ``iso3`` or ``country_code``, or an
    ISO alpha-3 code) by its name in the interface language: :func:`state_name`."""
    if country is None:
        return ""
    if isinstance(country, str):
        return state_name(country) if country else ""
    iso3 = getattr(country, "iso3", None) or getattr(country, "country_code", None)
    return state_name(iso3) if iso3 else getattr(country, "name", "") or ""


@lru_cache(maxsize=8)
def collator(lang: str) -> icu.Collator:
    """CLDR's collation for ``lang`` (ICU, through PyICU), made once per language."""
    return icu.Collator.createInstance(icu.Locale(lang))


def sort_key(text: str, lang: str | None = None) -> tuple[bytes, str]:
    """The key that puts names in the alphabetical order of the interface language (or
    ``lang``), as CLDR collates it: "Émirats arabes unis" among the E in French, Chinese by
    pinyin (阿联酋 ā, 巴西 bā … 中国 zhōng), Arabic and Russian by their alphabets. Every list
    sorted by name goes through it (countries, places, organisations, facets' ties, the
    addressees of a call, the world map's table); code lists keep their own order. The text
    itself breaks ties, so the order is the same on every run.
    """
    return (collator(lang or current_language()).getSortKey(text), text)


def iso_country_name(iso3: str) -> str:
    """The name of the state with ISO alpha-3 code ``iso3`` in the interface language (the
    code itself if it is not a member or observer State)."""
    return state_name(iso3) if (iso3 or "").upper() in _un_names() else iso3


def sort_country_codes(codes: Iterable[str]) -> list[str]:
    """ISO alpha-3 codes in the alphabetical order of their states' names in the interface
    language."""
    return sorted(codes, key=lambda c: sort_key(iso_country_name(c)))


def country_list(codes: Iterable[str]) -> str:
    """States named by their codes, in the alphabetical order of the interface language and
    separated as it separates names ("Égypte, Émirats arabes unis, Kenya")."""
    return join_names(sorted((iso_country_name(c) for c in codes), key=sort_key))


def place_name(place: Any) -> str:
    """A place's name (search.places) in the interface language: a member state by its
    country name (:func:`country_name`), any other place by the first of its names in that
    language in the gazetteer data (UNSD M49 names, organisations' own names), capitalised
    as a label; English: the gazetteer's name."""
    if place is None:
        return ""
    lang = current_language()
    if getattr(place, "kind", None) == "state":
        return state_name(place.code.removeprefix("state:"), lang)
    names = getattr(place, "names", {}).get(lang) if lang != DEFAULT else None
    name = names[0] if names else place.name
    return name[:1].upper() + name[1:]


#: How the names of a list are separated, by language (Chinese: the enumeration comma).
LIST_SEPARATORS = {"zh": "、", "ar": "، "}


def join_names(names: Iterable[str]) -> str:
    """Names in a list, separated as the interface language separates them."""
    return LIST_SEPARATORS.get(current_language(), ", ").join(names)


def place_description(place: Any, limit: int = 5) -> str:
    """ "Eastern Africa: 18 member states — Burundi, Comoros, …" in the interface language,
    the states named and sorted in that language."""
    from flask_babel import gettext as _
    from flask_babel import ngettext

    from search.places import default_gazetteer

    name = place_name(place)
    if place.kind == "state":
        return _("%(place)s: UN member state", place=name)
    g = default_gazetteer()
    names = sorted((place_name(g.state(c)) for c in place.members), key=sort_key)
    shown = join_names([*names[:limit], "…"] if len(names) > limit else names)
    return ngettext(
        "%(place)s: %(num)s member state — %(states)s",
        "%(place)s: %(num)s member states — %(states)s",
        len(names),
        place=name,
        states=shown,
    )


def place_other_names(place: Any) -> list[tuple[str, str]]:
    """``(language, name)``: the place's name in each of the other UN languages, where it
    differs from the name shown, in the order of :data:`LANGUAGES`."""
    shown = {place_name(place)}
    out = []
    for lang in LANGUAGES:
        names = place.names.get(lang) if lang != DEFAULT else [place.name]
        if lang != current_language() and names and names[0] not in shown:
            shown.add(names[0])
            out.append((lang, names[0]))
    return out


def sorted_places(places: Iterable[T]) -> list[T]:
    """Places in the alphabetical order of their names in the interface language."""
    return sorted_by_label(places, place_name)


def sort_countries(countries: Iterable[Any]) -> list[Any]:
    """Countries in the alphabetical order of their names in the interface language."""
    return sorted_by_label(countries, country_name)


def country_choices(countries: Iterable[Any]) -> list[tuple[str, str]]:
    """``(iso3, name)`` for a select: names in the interface language, in its order."""
    return [(c.iso3, country_name(c)) for c in sort_countries(countries)]


def organisation_choices(organisations: Iterable[Any]) -> list[tuple[Any, str]]:
    """``(id, name)`` for a select: organisations in the alphabetical order of the interface
    language (their names are their own, in whatever language they were registered)."""
    return [(o.id, o.display_name) for o in sorted_by_label(organisations, _display_name)]


def _display_name(item: Any) -> str:
    return item.display_name


def sorted_by_label(items: Iterable[T], label: Callable[[T], str]) -> list[T]:
    """``items`` in the order of their labels in the interface language (:func:`sort_key`)."""
    return sorted(items, key=lambda item: sort_key(label(item)))


# --- match reasons ---------------------------------------------------------------------------

_AGE = re.compile(r"Updated (\d+) (day|days|months|years) ago")
_AGE_DAYS = {"day": 1, "days": 1, "months": 30.4, "years": 365.25}


def score_meaning(strong_from: float, good_from: float) -> str:
    """What a match score means, with the thresholds in force, in the interface language."""
    from flask_babel import gettext as _

    return _(
        "The score estimates the chance (0 to 1) that a reviewer would call this a good match, "
        "learnt from judged pairs: strong from %(strong)s, good from %(good)s. A programme that "
        "does not cover the request's main theme or is offered in none of its languages is "
        "labelled weak whatever its score.",
        strong=format_decimal_fixed(strong_from, 2),
        good=format_decimal_fixed(good_from, 2),
    )


def reason_text(reason: Any) -> str:
    """A match reason in the interface language, from its ``kind`` and ``items``.

    The engine (``search/``, framework-free) words its reasons in English; this says the same
    in the interface language. Words of the records themselves (``text``) stay as written.
    """
    from flask_babel import gettext as _

    from kb import codes

    def part(name: str) -> Any:
        return reason.get(name) if isinstance(reason, dict) else getattr(reason, name, None)

    kind, items, english = part("kind"), tuple(part("items") or ()), part("text") or ""
    joined = ", ".join
    if kind == "text":
        if not items:
            return _("Related text")
        # the records' own words, as written: not for translation
        words = Markup('<span translate="no">%s</span>') % joined(items)
        return Markup(_("Text: %(words)s", words=words))
    if kind in ("themes", "support"):
        table = codes.THEMES if kind == "themes" else codes.SUPPORT_TYPES
        shown = joined(codes.label(table, c) for c in items)
        text = _("Themes: %(list)s", list=shown) if kind == "themes" else None
        text = text or _("Support: %(list)s", list=shown)
        if "(inferred from text)" in english:
            text = _("%(reason)s (inferred from text)", reason=text)
        return text
    if kind == "language":
        if items:
            languages = joined(codes.label(codes.LANGUAGES, c) for c in items)
            if english.endswith("(interpretation or translation)"):
                return _(
                    "Offered in %(languages)s (interpretation or translation)", languages=languages
                )
            return _("Offered in %(languages)s", languages=languages)
        if english == "Languages not stated":
            return _("Languages not stated")
        wanted = _engine_languages(english.removeprefix("Not offered in "))
        if english.startswith("Not offered in ") and wanted:
            names = [codes.label(codes.LANGUAGES, c) for c in wanted]
            languages = format_list(names, style="or", locale=current_language())
            return _("Not offered in %(languages)s", languages=languages)
        return _("Not offered in the languages asked for")
    if kind == "region":
        code = items[0] if items else "global"
        if code == "global":
            return _("Eligible: open to all countries")
        if code in codes.REGIONS:
            return _("Eligible: %(region)s", region=codes.label(codes.REGIONS, code))
        from search.places import default_gazetteer

        place = default_gazetteer().get(code) if ":" in code else None
        if place is not None and place.kind != "state":  # Eastern Africa, the EAC …
            return _("Eligible: %(region)s", region=place_name(place))
        return _("Targeted at %(country)s", country=country_name(_IsoOnly(code, english)))
    if kind == "delivery":
        return codes.label(codes.DELIVERY_MODES, items[0]) if items else _("Delivery")
    if kind == "track_record" and len(items) > 1:  # (region, theme): search.matching.history
        return _(
            "Has delivered work on %(themes)s in %(region)s",
            themes=joined(codes.label(codes.THEMES, c) for c in items[1:]),
            region=codes.label(codes.REGIONS, items[0]),
        )
    if kind == "freshness":
        found = _AGE.search(english)
        if found and int(found.group(1)) == 0:
            return _("Updated today")
        if found:
            days = int(found.group(1)) * _AGE_DAYS[found.group(2)]
            return _(
                "Updated %(ago)s",
                ago=_babel_format_timedelta(timedelta(days=-days), add_direction=True),
            )
        return _("Update date unknown")
    return english


@lru_cache(maxsize=1)
def _engine_language_codes() -> dict[str, str]:
    """The engine's English language names -> codes (``Spanish`` -> ``es``)."""
    from search.matching.codes import LANGUAGES as ENGINE_LANGUAGES

    return {name: code for code, name in ENGINE_LANGUAGES.items()}


def _engine_languages(names: str) -> tuple[str, ...]:
    """The codes of "Spanish or French" as the engine words them, or () when any name is not
    one of its languages."""
    found = tuple(_engine_language_codes().get(n.strip(), "") for n in names.split(" or "))
    return found if all(found) else ()


class _IsoOnly:
    def __init__(self, iso3: str, english: str) -> None:
        self.iso3 = iso3
        self.name = english.removeprefix("Targeted at ")
