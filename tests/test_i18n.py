"""The interface in the six UN languages: catalogues complete, locale chosen, no plain English.

- every message marked in kb/ and templates/ is translated (not fuzzy) in ar, en, es, fr, ru, zh;
- the locale follows ``?lang=`` (remembered in a cookie, or the profile), then Accept-Language;
- a pseudo-locale render of the main pages finds no text outside a translation call, except
  record content (marked with its own ``lang``) and data (names of states, organisations, people).
"""

from __future__ import annotations

import re
from datetime import date
from html.parser import HTMLParser
from pathlib import Path

import pytest
from babel import Locale
from flask_babel import refresh
from werkzeug.exceptions import NotFound

from kb import create_app, i18n
from kb.extensions import db
from kb.i18n_catalogues import problems
from kb.i18n_pseudo import pseudo, source_messages, write_pseudo_catalogue
from kb.models import Country, Match, OewgSession, Organisation, Programme, Request, User
from kb.uow import unit_of_work
from tests.factories import PASSWORD

LANGS = ["ar", "en", "es", "fr", "ru", "zh"]


@pytest.fixture(scope="module")
def wanted() -> set[str]:
    return {m[0] if isinstance(m, tuple) else m for m in source_messages() if m}


@pytest.mark.parametrize("lang", LANGS)
def test_catalogue_is_complete(lang: str, wanted: set[str]) -> None:
    found = problems(lang, wanted)
    assert not found.missing, f"{lang}: not in the catalogue (run `make i18n`): {found.missing}"
    assert not found.untranslated, f"{lang}: untranslated: {found.untranslated}"
    assert not found.fuzzy, f"{lang}: fuzzy: {found.fuzzy}"


def test_catalogues_keep_placeholders() -> None:
    from kb.i18n_catalogues import po_path, read_catalogue

    placeholder = re.compile(r"%\([a-z_]+\)[sd]")
    for lang in LANGS:
        for message in read_catalogue(po_path(lang)):
            if not message.id or isinstance(message.id, tuple):
                continue
            wanted = sorted(placeholder.findall(message.id))
            got = sorted(placeholder.findall(message.string))
            assert wanted == got, f"{lang}: {message.id!r} -> {message.string!r}"


def test_pseudo_keeps_placeholders_and_markup() -> None:
    assert pseudo("Page %(page)s of <strong>%(pages)s</strong>") == (
        "Þáĝé %(page)s óƒ <strong>%(pages)s</strong>"
    )


# --- choosing the language -------------------------------------------------------------------


def _html_lang(body: str) -> tuple[str, str]:
    found = re.search(r'<html lang="([^"]+)" dir="([^"]+)"', body)
    assert found, body[:200]
    return found.group(1), found.group(2)


def test_default_is_english_and_accept_language_is_followed(client) -> None:
    assert _html_lang(client.get("/").get_data(as_text=True)) == ("en", "ltr")
    fr = client.get("/", headers={"Accept-Language": "fr-CH, fr;q=0.9, en;q=0.5"})
    body = fr.get_data(as_text=True)
    assert _html_lang(body) == ("fr", "ltr")
    assert "Rechercher" in body
    assert "Accept-Language" in fr.headers["Vary"]
    zh = client.get("/", headers={"Accept-Language": "zh-CN,zh;q=0.9"})
    assert _html_lang(zh.get_data(as_text=True)) == ("zh", "ltr")


def test_explicit_choice_wins_and_is_kept_in_a_cookie(client) -> None:
    ar = client.get("/?lang=ar", headers={"Accept-Language": "fr"})
    assert _html_lang(ar.get_data(as_text=True)) == ("ar", "rtl")
    assert "lang=ar" in ar.headers["Set-Cookie"]
    # the next page, without ?lang=, stays in Arabic (cookie beats Accept-Language)
    later = client.get("/requests", headers={"Accept-Language": "fr"})
    assert _html_lang(later.get_data(as_text=True)) == ("ar", "rtl")


def test_unknown_language_is_ignored(client) -> None:
    response = client.get("/?lang=xx")
    assert response.status_code == 200
    assert _html_lang(response.get_data(as_text=True)) == ("en", "ltr")
    assert "Set-Cookie" not in response.headers


def test_signed_in_choice_is_kept_in_the_profile(client, make, auth) -> None:
    user = make.user("focal_point", email="fp@example.org")
    auth.login("fp@example.org")
    client.get("/?lang=ru")
    db.session.expire_all()
    assert db.session.get(User, user.id).locale == "ru"
    # another browser (no cookie) signed in as the same user gets Russian
    other = client.application.test_client()
    other.post("/account/login", data={"email": "fp@example.org", "password": "password-123"})
    body = other.get("/", headers={"Accept-Language": "es"}).get_data(as_text=True)
    assert _html_lang(body) == ("ru", "ltr")


def test_switcher_names_each_language_in_itself_and_keeps_the_page(client) -> None:
    body = client.get("/search?q=cert&theme=cybercrime").get_data(as_text=True)
    for code, name in i18n.LANGUAGES.items():
        assert f'lang="{code}"' in body and f">{name}</a>" in body
    assert "/search?q=cert&amp;theme=cybercrime&amp;lang=fr" in body


def test_codes_and_countries_in_the_locale(client, make) -> None:
    make.request(country="CIV", themes=["confidence_building"])
    with client.application.test_request_context("/?lang=fr"):
        from kb import codes

        assert codes.label(codes.THEMES, "confidence_building") == "Mesures de confiance"
        civ = db.session.get(Country, "CIV")
        assert i18n.country_name(civ) == "Côte d’Ivoire"
    with client.application.test_request_context("/?lang=zh"):
        refresh()  # the test's app context is shared by the two requests: forget fr
        assert i18n.country_name(db.session.get(Country, "CIV")) == "科特迪瓦"
    with client.application.test_request_context("/?lang=en"):
        refresh()  # English is CLDR's too (it was the UN short name)
        assert i18n.country_name(db.session.get(Country, "CIV")) == "Côte d’Ivoire"


def test_french_sorting_puts_accented_names_with_their_letter() -> None:
    names = ["Équateur", "Zambie", "Égypte", "Émirats arabes unis", "Espagne", "Algérie"]
    assert i18n.sorted_by_label(names, str) == [
        "Algérie",
        "Égypte",
        "Émirats arabes unis",
        "Équateur",
        "Espagne",
        "Zambie",
    ]


def test_names_sort_by_the_collation_of_the_language(app) -> None:
    """CLDR collation per language: Chinese by pinyin, Spanish ñ after n, Russian by alphabet."""
    chinese = ["中国", "阿联酋", "巴西", "美国", "埃及", "日本", "德国"]
    assert sorted(chinese, key=lambda t: i18n.sort_key(t, "zh")) == [
        "阿联酋",  # ā
        "埃及",  # āi
        "巴西",  # bā
        "德国",  # dé
        "美国",  # měi
        "日本",  # rì
        "中国",  # zhōng
    ]
    assert sorted(
        ["Omán", "Níger", "Noruega", "Nueva Zelandia", "Ñandú"],
        key=lambda t: i18n.sort_key(t, "es"),
    ) == [
        "Níger",
        "Noruega",
        "Nueva Zelandia",
        "Ñandú",
        "Omán",
    ]
    assert sorted(
        ["Эстония", "Ёлка", "Египет", "Австрия"], key=lambda t: i18n.sort_key(t, "ru")
    ) == [
        "Австрия",
        "Египет",
        "Ёлка",
        "Эстония",
    ]
    with app.test_request_context("/?lang=zh"):
        refresh()
        assert i18n.sorted_by_label(["中国", "巴西", "阿联酋"], str) == ["阿联酋", "巴西", "中国"]


def test_the_countries_page_lists_states_in_the_order_of_the_language(client) -> None:
    from kb.seed import seed_countries

    with client.application.app_context():
        seed_countries()
        db.session.commit()
    asia = ["阿富汗", "巴基斯坦", "日本", "中国"]  # Āfùhàn, Bājīsītǎn, Rìběn, Zhōngguó
    page = client.get("/countries?lang=zh").get_data(as_text=True)
    found = [page.index(f">{name}<") for name in asia]
    assert found == sorted(found)
    africa = ["Djibouti", "Égypte", "Érythrée", "Eswatini", "Éthiopie", "Gabon"]
    page = client.get("/countries?lang=fr").get_data(as_text=True)
    found = [page.index(f">{name}<") for name in africa]
    assert found == sorted(found)


def test_dates_follow_the_locale(app) -> None:
    from datetime import UTC, datetime

    moment = datetime(2026, 12, 3, 5, 26, tzinfo=UTC)
    expected = {"en": "3 Dec 2026", "fr": "3 déc. 2026", "ru": "3 дек. 2026", "zh": "2026年12月3日"}
    for lang, text in expected.items():
        with app.test_request_context(f"/?lang={lang}"):
            refresh()
            assert i18n.format_day(moment).replace("\u202fг.", "") == text
            assert i18n.format_moment(moment).endswith("05:26 UTC")
    with app.test_request_context("/?lang=fr"):
        refresh()
        ago = i18n.format_ago(datetime(2026, 10, 1, tzinfo=UTC), now=moment)
        assert ago == "il y a 2 mois"


def test_every_member_state_has_a_cldr_name() -> None:
    import json

    from kb import PROJECT_ROOT

    countries = json.loads((PROJECT_ROOT / "seed_data" / "countries.json").read_text())
    ar = Locale("ar").territories
    for country in countries:
        code = i18n.alpha2(country["iso3"])
        assert code and code in ar, country


# --- the pseudo-locale render ----------------------------------------------------------------

#: Attributes people read (or hear from a screen reader).
READ_ATTRIBUTES = ("title", "placeholder", "aria-label", "alt")
#: Code, and dates and times (formatted by Babel from CLDR, not by the catalogues).
SKIPPED_ELEMENTS = {"script", "style", "code", "kbd", "samp", "pre", "time"}
VOID = {"meta", "link", "img", "br", "hr", "input", "source", "wbr", "area", "col", "embed"}
ENGLISH_WORD = re.compile(r"[A-Za-z]{2,}")


class _VisibleText(HTMLParser):
    """Text a reader sees, except record content (an element with its own ``lang``, or
    ``translate="no"``) and dates (``<time>``, or ``data-datetime`` in a chart)."""

    def __init__(self) -> None:
        super().__init__(convert_charrefs=True)
        self.stack: list[tuple[str, bool]] = []
        self.texts: list[str] = []

    def _skipping(self) -> bool:
        return any(skip for _tag, skip in self.stack)

    def handle_starttag(self, tag: str, attrs: list[tuple[str, str | None]]) -> None:
        named = dict(attrs)
        skip = (
            tag in SKIPPED_ELEMENTS
            or (tag != "html" and "lang" in named)
            or named.get("translate") == "no"
            or "data-datetime" in named  # a date in SVG, where <time> cannot be
        )
        if not (skip or self._skipping()):
            for name in READ_ATTRIBUTES:
                if named.get(name):
                    self.texts.append(named[name] or "")
            if tag == "input" and named.get("type") in ("submit", "button") and named.get("value"):
                self.texts.append(named["value"] or "")
        if tag not in VOID:
            self.stack.append((tag, skip))

    def handle_endtag(self, tag: str) -> None:
        for i in range(len(self.stack) - 1, -1, -1):
            if self.stack[i][0] == tag:
                del self.stack[i:]
                break

    def handle_data(self, data: str) -> None:
        if data.strip() and not self._skipping():
            self.texts.append(data)


def _data_strings() -> list[str]:
    """What the data holds and pages show as it is: names, titles, e-mail addresses, places."""
    found: set[str] = set()
    for country in db.session.query(Country):
        # shown by CLDR's name, which the pseudo-locale reads in English
        found.update({country.name, country.iso3, i18n.state_name(country.iso3, "en")})
    for org in db.session.query(Organisation):
        found.update({org.name, org.display_name, org.acronym or ""})
        found.add(f"{org.name} ({org.acronym})")
    for user in db.session.query(User):
        found.update({user.name, user.email})
    for model in (Request, Programme):
        for record in db.session.query(model):
            found.update({record.title, getattr(record, "contact_email", None) or ""})
            found.add(record.description)  # in the edit form's text area
    # places of search/places (UN groups, M49 regions, organisations): names in en/fr/es data
    from search.places import default_gazetteer

    found.update(place.name for place in default_gazetteer().places())
    found.update(i18n.state_name(place.code, "en") for place in default_gazetteer().states())
    return sorted((s for s in found if s), key=len, reverse=True)


def plain_english(html: str, data: list[str]) -> list[str]:
    parser = _VisibleText()
    parser.feed(html)
    leftovers = []
    for text in parser.texts:
        rest = text
        for value in data:
            rest = rest.replace(value, " ")
        # acronyms (CSV, ICT, OEWG, UTC) and URLs are the same in every language
        rest = re.sub(r"https?://\S+|\b[A-Z]{2,6}s?\b|\S+@\S+", " ", rest)
        if ENGLISH_WORD.search(rest):
            leftovers.append(text.strip())
    return leftovers


@pytest.fixture
def pseudo_app(tmp_path: Path, database_url: str, _schema: None):
    from tests.conftest import IsolatedClient, _test_config

    write_pseudo_catalogue(tmp_path / "pseudo")
    config = _test_config(database_url, tmp_path / "instance")
    config["BABEL_TRANSLATION_DIRECTORIES"] = str(tmp_path / "pseudo")
    app = create_app(config)
    app.test_client_class = IsolatedClient
    with app.app_context():
        yield app
        db.session.remove()
        from tests.conftest import _empty_tables

        _empty_tables()
        db.engine.dispose()


#: The main pages, seen by a visitor; ``{request}`` and ``{programme}`` are record ids.
PUBLIC_PAGES = [
    "/",
    "/requests",
    "/programmes",
    "/requests/{request}",
    "/programmes/{programme}",
    "/search?q=forensics",
    "/search?q=zzzznothing",
    "/no-such-page",
    "/countries",
    "/countries/KEN",
    "/organisations",
    "/organisations/{organisation}",
    "/matches",
    "/reports/landscape",
    "/reports/briefing",
    "/reports/briefing?session=last&state=KEN",
    "/places",
    "/places/m49:002",
    "/places/group:Africa",
    "/account/login",
    "/account/register",
    "/account/reset",
]
#: The same, signed in as the focal point of the request's state.
SIGNED_IN_PAGES = [
    "/my",
    "/alerts",
    "/programmes?theme=cybercrime",
    "/search?q=forensics",
    "/notifications",
    "/requests/new",
    "/account/password",
    "/account/two-factor",
    "/account/tokens",
    "/matches/{match}",
    "/requests/{request}/status/withdraw",
    "/requests/{request}",
    "/requests/{request}/edit",
    "/matches/cases",
    "/word/upload",
    "/alerts",
    "/calendar",
    "/calls",
]


def test_no_plain_english_on_the_main_pages(pseudo_app) -> None:
    from tests.factories import Factory

    make = Factory()
    provider_org = make.organisation(name="Global Forum Demo", acronym="GFD")
    request = make.request(
        country="KEN",
        title="Forensics lab for the police",
        themes=["cybercrime"],
        support_types=["training"],
    )
    programme = make.programme(
        organisation=provider_org,
        title="Forensics training for police units",
        themes=["cybercrime"],
        support_types=["training"],
    )
    focal = make.user("focal_point", country="KEN", email="focal@example.org")
    match = _proposed_match(request, programme, focal)
    session = OewgSession(
        name="OEWG 2026-1", start_date=date(2026, 3, 2), end_date=date(2026, 3, 6), location="NY"
    )
    db.session.add(session)
    db.session.commit()
    client = pseudo_app.test_client()
    # the search pages' queries and the match's message (written by a user)
    data = [*_data_strings(), "forensics", "zzzznothing", match.message, session.name]
    failures = {}
    pages = [*PUBLIC_PAGES, "/account/login?signin", *SIGNED_IN_PAGES]
    for pattern in pages:
        if pattern == "/account/login?signin":
            client.post("/account/login", data={"email": "focal@example.org", "password": PASSWORD})
            continue
        url = pattern.format(
            request=request.id,
            programme=programme.id,
            organisation=provider_org.id,
            match=match.id,
        )
        joiner = "&" if "?" in url else "?"
        response = client.get(f"{url}{joiner}lang=en")
        assert response.status_code in (200, 404), url
        left = plain_english(response.get_data(as_text=True), data)
        if left:
            failures[url] = left
    failures.update(_saved_search_pages(pseudo_app, focal, data))
    failures.update(_account_security_pages(pseudo_app, make, data))
    ids = {"programme": programme.id, "organisation": provider_org.id}
    failures.update(_secretariat_pages(pseudo_app, make, data, ids))
    assert not failures, f"plain English outside translation calls: {failures}"


#: A saved search's page and the unsubscribe page of its e-mails.
SAVED_SEARCH_PAGES = ["/alerts/{saved}", "/alerts/unsubscribe/{token}"]


def _saved_search_pages(app, focal: User, data: list[str]) -> dict[str, list[str]]:
    from werkzeug.datastructures import MultiDict

    from kb.alerts import operations as alerts
    from kb.alerts.emails import unsubscribe_token

    with unit_of_work():
        args = MultiDict([("theme", "cybercrime")])
        saved = alerts.save_search(focal, "requests", args, "", "daily")
    client = app.test_client()
    client.post("/account/login", data={"email": focal.email, "password": PASSWORD})
    ids = {"saved": saved.id, "token": unsubscribe_token(focal, [saved])}
    found = {}
    for pattern in SAVED_SEARCH_PAGES:
        url = pattern.format(**ids)
        response = client.get(f"{url}?lang=en")
        assert response.status_code == 200, url
        left = plain_english(response.get_data(as_text=True), [saved.name, *data])
        if left:
            found[pattern] = left
    return found


def _proposed_match(request: Request, programme: Programme, focal: User) -> Match:
    from kb.history import record_revision

    match = Match(
        request_id=request.id,
        programme_id=programme.id,
        status="proposed",
        proposed_by_side="requester",
        proposed_by_id=focal.id,
        message="Could this fit?",
        score=0.42,
    )
    db.session.add(match)
    db.session.flush()
    record_revision(match, focal, "proposed", {"status": [None, "proposed"]})
    db.session.commit()
    return match


#: The Secretariat's own pages.
SECRETARIAT_PAGES = [
    "/secretariat/queue",
    "/secretariat/accounts",
    "/secretariat/jobs",
    "/secretariat/import",
    "/reports/sessions",
    "/reports/briefing?session=last",
    "/programmes/new",
    "/programmes/{programme}/edit",
    "/organisations/new",
    "/organisations/{organisation}/edit",
    "/calendar/events/new",
    "/calls/new",
]


def _secretariat_pages(app, make, data: list[str], ids: dict[str, int]) -> dict[str, list[str]]:
    admin = make.user("secretariat", email="sec@example.org")
    waiting = make.user("provider", email="waiting@example.org", status="pending")
    # names and organisations made since (the selects show "Name (ACRONYM)")
    data = [*_data_strings(), waiting.represents or "", *data]
    client = app.test_client()
    client.post("/account/login", data={"email": admin.email, "password": PASSWORD})
    found = {}
    for pattern in SECRETARIAT_PAGES:
        url = pattern.format(**ids)
        joiner = "&" if "?" in url else "?"
        response = client.get(f"{url}{joiner}lang=en")
        assert response.status_code == 200, url
        left = plain_english(response.get_data(as_text=True), [d for d in data if d])
        if left:
            found[url] = left
    # the review page of an uploaded Word form (a blank one: every problem is listed)
    from kb.wordio.template import build_template
    from tests.test_word_pages import upload

    review = upload(client, build_template("request"), "request")
    assert review.status_code == 200
    left = plain_english(review.get_data(as_text=True), [d for d in data if d])
    if left:
        found["/word/upload (review)"] = left
    # an import's status page: a dry run with a probable duplicate (a title already in the
    # catalogue), and an import refused for a bad row
    from kb.transfer.formats import write
    from tests.test_transfer_import import follow_import, request_row
    from tests.test_transfer_import import upload as upload_file

    title = "Forensics lab for the police"
    for row in (request_row("p-1", title=title), request_row("p-2", themes=["nope"])):
        sent = upload_file(client, write([row], "requests", "csv"), dry_run="y")
        page = follow_import(client, sent)
        left = plain_english(page, [row["title"], "nope", *[d for d in data if d]])
        if left:
            found[f"{IMPORT_STATUS_PAGE} ({row['key']})"] = left
    return found


#: The status page of an import (rendered by ``_secretariat_pages`` after an upload).
IMPORT_STATUS_PAGE = "/secretariat/import/{job}"


#: Rendered by ``_account_security_pages``: a password-reset link, the sign-in code page and
#: the two-factor page once two-factor sign-in is on.
ACCOUNT_SECURITY_PAGES = ["/account/reset/{token}", "/account/login/code", "/account/two-factor"]


def _account_security_pages(app, make, data: list[str]) -> dict[str, list[str]]:
    """The password-reset link's page, the sign-in code page and two-factor turned on."""
    from kb.accounts import resets, twofactor

    user = make.user("provider", email="second@example.org")
    data = [user.name, *data]
    tokens: list[str] = []
    resets.request_reset(user.email, lambda token: tokens.append(token) or token)
    secret = twofactor.new_secret()
    user.totp_secret = secret
    db.session.commit()
    client = app.test_client()
    pages = {f"/account/reset/{tokens[0]}": None}
    login = client.post("/account/login", data={"email": user.email, "password": PASSWORD})
    assert "/account/login/code" in login.headers["Location"]
    pages["/account/login/code"] = None
    found = {}
    for url in pages:
        left = plain_english(client.get(f"{url}?lang=en").get_data(as_text=True), data)
        if left:
            found[url] = left
    signed_in = app.test_client()
    user.totp_secret = None
    db.session.commit()
    signed_in.post("/account/login", data={"email": user.email, "password": PASSWORD})
    user.totp_secret = secret
    db.session.commit()
    left = plain_english(signed_in.get("/account/two-factor?lang=en").get_data(as_text=True), data)
    if left:
        found["/account/two-factor (on)"] = left
    return found


def test_api_problems_speak_the_accept_language(client) -> None:
    fr = client.get("/api/v1/requests/424242", headers={"Accept-Language": "fr"})
    assert fr.status_code == 404
    body = fr.get_json()
    assert body["title"] == "Introuvable"
    assert body["detail"] == "Cette fiche n’existe pas, ou vous ne pouvez pas la voir."
    assert body["type"].endswith("/not-found")  # the type (a code) does not change
    en = client.get("/api/v1/requests/424242").get_json()
    assert en["title"] == "Not found"


def test_api_code_lists_speak_the_accept_language(client) -> None:
    fr = client.get("/api/v1/codes/themes", headers={"Accept-Language": "fr"})
    assert {"code": "confidence_building", "label": "Mesures de confiance"} in fr.get_json()
    assert "Accept-Language" in fr.headers["Vary"]
    zh = client.get("/api/v1/codes", headers={"Accept-Language": "zh"}).get_json()["lists"]
    assert {"code": "m49:014", "label": "东非"} in zh["places"]
    en = client.get("/api/v1/codes/themes").get_json()
    assert {"code": "confidence_building", "label": "Confidence building"} in en


def test_domain_errors_are_worded_when_shown(client, make, auth) -> None:
    """An operation's error is marked lazily: an API client reads it in its Accept-Language,
    a page shows it in the reader's language."""
    fr = client.get("/api/v1/countries/XYZ", headers={"Accept-Language": "fr"})
    assert fr.status_code == 404 and fr.get_json()["detail"] == "Ce pays n’existe pas."
    zh = client.get("/api/v1/countries/XYZ", headers={"Accept-Language": "zh"})
    assert zh.get_json()["detail"] == "没有该国家。"
    from flask_babel import lazy_gettext

    from kb.errors import Conflict

    err = Conflict(lazy_gettext("This programme is not open."))
    with client.application.test_request_context("/?lang=ru"):
        refresh()
        assert err.message == "Эта программа не открыта."
    with client.application.test_request_context("/?lang=es"):
        refresh()
        assert str(err) == "Este programa no está abierto."


def test_exports_name_their_columns_in_the_readers_language(client, make) -> None:
    """The header row names the columns in the reader's language (``headings=codes``: the
    codes); a second XLSX sheet pairs each code with its name, and the readable columns are in
    that language."""
    import io

    from openpyxl import load_workbook

    make.request(country="CIV", themes=["confidence_building"])
    data = client.get("/requests/export.xlsx?lang=fr").data
    book = load_workbook(io.BytesIO(data), read_only=True)
    header = next(book.worksheets[0].iter_rows(values_only=True))
    assert header[2:4] == ("Titre", "Description")
    data = client.get("/requests/export.xlsx?lang=fr&headings=codes").data
    book = load_workbook(io.BytesIO(data), read_only=True)
    records, names = book.worksheets
    header = next(records.iter_rows(values_only=True))
    assert header[:3] == ("key", "country", "title")
    row = dict(zip(header, next(records.iter_rows(min_row=2, values_only=True)), strict=False))
    assert row["country_name"] == "Côte d’Ivoire" and row["themes_names"] == "Mesures de confiance"
    assert names.title == "Colonnes"
    legend = dict(names.iter_rows(values_only=True))
    assert legend["themes"] == "Thèmes" and legend["themes_names"] == "Thèmes (noms)"
    assert legend["country"] == "État demandeur (code ISO 3166 alpha-3)"


def test_marshmallow_messages_speak_the_request_language(app) -> None:
    """The API's validation errors (marshmallow's own messages and the schemas') are worded
    when a value fails, in the request's language."""
    from marshmallow import ValidationError

    from kb.catalogue.schemas import RequestInputSchema

    bad = {"description": "short", "themes": ["nonsense"], "languages": []}
    for lang, expected in {
        "fr": ("Donnée manquante pour un champ obligatoire.", "La longueur doit être comprise"),
        "ru": ("Нет данных для обязательного поля.", "Длина должна быть от 20 до 20000."),
        "en": ("Missing data for required field.", "Length must be between 20 and 20000."),
    }.items():
        with app.test_request_context(f"/?lang={lang}"):
            refresh()
            with pytest.raises(ValidationError) as caught:
                RequestInputSchema().load(bad)
            messages = caught.value.messages
            assert messages["title"] == [expected[0]]
            assert messages["description"][0].startswith(expected[1])
    with app.test_request_context("/?lang=es"):
        refresh()
        with pytest.raises(ValidationError) as caught:
            RequestInputSchema().load(bad)
        assert caught.value.messages["themes"] == {0: ["Código desconocido: nonsense."]}
        assert caught.value.messages["languages"] == ["Elija un idioma."]


# --- every page of the app is rendered in the pseudo-locale --------------------------------

#: GET routes that are not HTML pages (files, feeds, JSON) or only redirect, with the reason
#: they are outside the pseudo-locale render; everything under ``/api/`` is JSON (its problem
#: details are checked by ``test_api_problems_speak_the_accept_language``).
NOT_PAGES = {
    "static": "CSS, scripts and images",
    "transfer.export": "a CSV, XLSX or JSON download (headings: tests/test_export_readable.py)",
    "initiatives.export": "a CSV or XLSX download (tests/test_initiative_transfer.py)",
    "initiatives.template": "the empty CSV or XLSX template of initiatives (column codes)",
    "calendar.feed": "an iCalendar feed (text/calendar)",
    "calls.report_word": "a .docx download (Word output: tests/test_calls.py)",
    "calls.template": "a .docx download (the call's answer form)",
    "reports.briefing_word": "a .docx download (Word reports: tests/test_reports.py)",
    "reports.landscape_word": "a .docx download (Word reports: tests/test_reports.py)",
    "wordio.template": "a .docx download (Word forms: tests/test_word_languages.py)",
    "searching.search_json": "JSON (the search page's twin)",
    "transfer.import_status_json": "JSON polled by the import's status page",
    "ops.healthz": "a JSON probe for load balancers",
    "ops.readyz": "a JSON probe for load balancers",
    "main.account_shortcut": "only redirects to the account pages (/login, /register)",
}


def test_every_html_page_is_rendered_in_the_pseudo_locale(app) -> None:
    """Every GET route of the URL map that answers with an HTML page is in one of the lists
    the pseudo-locale tests render (here, ``tests/test_calls.py`` and
    ``tests/test_initiatives.py``), or in :data:`NOT_PAGES` with its reason."""
    from tests.test_calls import CALL_PAGES
    from tests.test_initiatives import INITIATIVE_PAGES

    rendered = [
        *PUBLIC_PAGES,
        *SIGNED_IN_PAGES,
        *SECRETARIAT_PAGES,
        *SAVED_SEARCH_PAGES,
        *ACCOUNT_SECURITY_PAGES,
        IMPORT_STATUS_PAGE,
        *(url for urls in CALL_PAGES.values() for url in urls),
        *(url for urls in INITIATIVE_PAGES.values() for url in urls),
    ]
    adapter = app.url_map.bind("localhost")
    covered = set()
    for pattern in rendered:
        path = re.sub(r"\{[a-z_]+\}", "1", pattern).split("?")[0]
        try:
            endpoint, _args = adapter.match(path, method="GET")
        except NotFound:
            continue  # the error page ("/no-such-page")
        covered.add(endpoint)
    pages = {
        rule.endpoint
        for rule in app.url_map.iter_rules()
        if "GET" in (rule.methods or ()) and not rule.rule.startswith("/api/")
    }
    assert not set(NOT_PAGES) - pages, "NOT_PAGES names routes that no longer exist"
    missing = sorted(pages - covered - set(NOT_PAGES))
    assert not missing, f"HTML pages outside the pseudo-locale render: {missing}"
