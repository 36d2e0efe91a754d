"""Alert e-mails: written in the recipient's language, each with a one-click unsubscribe.

The unsubscribe link carries a signed token (itsdangerous, keyed with the app's secret) naming
the account and the saved searches the e-mail is about, so it works without signing in. The
``List-Unsubscribe`` / ``List-Unsubscribe-Post`` headers (RFC 8058) let mail programs
unsubscribe with one click (a POST); the link in the text opens a page with one button, so
that mail scanners which open links do not unsubscribe people.
"""

from __future__ import annotations

from collections.abc import Iterator
from contextlib import contextmanager
from dataclasses import dataclass
from typing import Any

from flask import current_app
from flask_babel import force_locale, ngettext
from flask_babel import gettext as _
from itsdangerous import BadData, URLSafeSerializer

from kb.i18n import DEFAULT, FORMAT_LOCALES, LANGUAGES, country_name, format_day
from kb.models import CatalogueRecord, Programme, Request, SavedSearch, User

SALT = "kb.alerts.unsubscribe"


def _serializer() -> URLSafeSerializer:
    return URLSafeSerializer(current_app.config["SECRET_KEY"], salt=SALT)


def unsubscribe_token(user: User, searches: list[SavedSearch]) -> str:
    return _serializer().dumps({"u": user.id, "s": sorted(s.id for s in searches)})


def unsubscribe_link(user: User, searches: list[SavedSearch]) -> str:
    """The page that stops these e-mails, in the recipient's language."""
    extra = {"lang": user.locale} if user.locale in LANGUAGES else {}
    return absolute("alerts.unsubscribe", token=unsubscribe_token(user, searches), **extra)


def read_token(token: str) -> tuple[int, list[int]]:
    """``(user id, saved search ids)`` from a token. :raise ValueError: not a valid token."""
    try:
        data = _serializer().loads(token)
        user_id = int(data["u"])
        ids = [int(i) for i in data["s"]]
    except (BadData, KeyError, TypeError, ValueError) as err:
        raise ValueError("invalid unsubscribe token") from err
    return user_id, ids


def absolute(endpoint: str, **values: Any) -> str:
    """An absolute URL under ``KB_PUBLIC_URL``, built without a request (jobs run outside one)."""
    adapter = current_app.url_map.bind("localhost", script_name="/")
    path = adapter.build(endpoint, values)
    return current_app.config["PUBLIC_URL"].rstrip("/") + path


@contextmanager
def in_language_of(user: User) -> Iterator[None]:
    """Translate and format in the recipient's chosen language (English if none)."""
    lang = user.locale if user.locale in LANGUAGES else DEFAULT
    with force_locale(FORMAT_LOCALES.get(lang, lang)):
        yield


@dataclass(frozen=True)
class Email:
    to: str
    subject: str
    body: str
    headers: dict[str, str]


def _record_line(record: CatalogueRecord) -> str:
    plural = "requests" if isinstance(record, Request) else "programmes"
    url = absolute("catalogue.detail", plural=plural, record_id=record.id)
    if isinstance(record, Request):
        what = _("Request from %(state)s", state=country_name(record.country))
    else:
        assert isinstance(record, Programme)
        what = _("Programme by %(provider)s", provider=record.owner_label)
    when = format_day(record.published_at) if record.published_at else ""
    return f"- {record.title}\n  {what} · {when}\n  {url}"


#: Records listed per saved search in one e-mail; the rest are on the saved search's page.
MAX_LISTED = 30


def _record_lines(saved: SavedSearch, records: list[CatalogueRecord]) -> list[str]:
    lines = [_record_line(r) for r in records[:MAX_LISTED]]
    rest = len(records) - MAX_LISTED
    if rest > 0:
        link = absolute("alerts.detail", saved_id=saved.id)
        lines.append(
            ngettext(
                "… and %(num)s more: %(link)s", "… and %(num)s more: %(link)s", rest, link=link
            )
        )
    return lines


def _headers(link: str) -> dict[str, str]:
    return {
        "List-Unsubscribe": f"<{link}>",
        "List-Unsubscribe-Post": "List-Unsubscribe=One-Click",
        "Auto-Submitted": "auto-generated",
    }


def instant(user: User, saved: SavedSearch, records: list[CatalogueRecord]) -> Email:
    """The e-mail sent at once for new matches of one saved search."""
    link = unsubscribe_link(user, [saved])
    with in_language_of(user):
        subject = ngettext(
            "Capacity Exchange: %(num)s new match for “%(name)s”",
            "Capacity Exchange: %(num)s new matches for “%(name)s”",
            len(records),
            name=saved.name,
        )
        lines = [
            _("New records match your saved search “%(name)s”:", name=saved.name),
            "",
            *_record_lines(saved, records),
            "",
            _("Your saved searches: %(link)s", link=absolute("alerts.index")),
            _("Stop e-mails for this search: %(link)s", link=link),
        ]
    return Email(user.email, subject, "\n".join(lines) + "\n", _headers(link))


def digest(
    user: User, frequency: str, groups: list[tuple[SavedSearch, list[CatalogueRecord]]]
) -> Email:
    """One digest for one person: every saved search with new matches, each with its records."""
    searches = [saved for saved, _records in groups]
    link_all = unsubscribe_link(user, searches)
    total = sum(len(records) for _saved, records in groups)
    with in_language_of(user):
        if frequency == "weekly":
            subject = ngettext(
                "Capacity Exchange weekly digest: %(num)s new match",
                "Capacity Exchange weekly digest: %(num)s new matches",
                total,
            )
        else:
            subject = ngettext(
                "Capacity Exchange daily digest: %(num)s new match",
                "Capacity Exchange daily digest: %(num)s new matches",
                total,
            )
        lines = [_("New records match your saved searches."), ""]
        for saved, records in groups:
            lines += [f"== {saved.name} ==", *_record_lines(saved, records)]
            if len(groups) > 1:
                one = unsubscribe_link(user, [saved])
                lines.append(_("Stop e-mails for this search: %(link)s", link=one))
            lines.append("")
        lines += [
            _("Your saved searches: %(link)s", link=absolute("alerts.index")),
            _("Stop all the e-mails of this digest: %(link)s", link=link_all),
        ]
    return Email(user.email, subject, "\n".join(lines) + "\n", _headers(link_all))
