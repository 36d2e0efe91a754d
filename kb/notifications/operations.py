"""In-app notifications, and email when SMTP is configured (sent after the commit).

Each recipient reads them in their own language (the profile's, else the language of the page
that caused them): the text is worded once per recipient, under that locale.
"""

from __future__ import annotations

import smtplib
from collections.abc import Callable, Iterator
from contextlib import contextmanager
from email.message import EmailMessage

from flask import current_app
from flask_babel import force_locale
from flask_babel import gettext as _
from sqlalchemy import func, select, update

from kb.extensions import db
from kb.i18n import FORMAT_LOCALES, LANGUAGES, current_language
from kb.models import Notification, Programme, Request, User
from kb.models.types import utcnow


def owners_of(record: Request | Programme) -> list[User]:
    """Active users who act for the record's state or organisation."""
    query = select(User).where(User.status == "active")
    if isinstance(record, Request):
        query = query.where(User.role == "focal_point", User.country_code == record.country_code)
    else:
        query = query.where(User.role == "provider", User.organisation_id == record.organisation_id)
    return list(db.session.scalars(query))


def language_of(user: User | None) -> str:
    """The language ``user`` reads: the profile's choice, else the current page's."""
    saved = getattr(user, "locale", None)
    return saved if saved in LANGUAGES else current_language()


@contextmanager
def in_language_of(user: User | None) -> Iterator[str]:
    """Word messages (``gettext``, dates, country names) in ``user``'s language inside."""
    lang = language_of(user)
    with force_locale(FORMAT_LOCALES.get(lang, lang)):
        yield lang


def notify(users: list[User], text: Callable[[], str], link: str) -> None:
    """Add a notification for each user and queue an email for after the commit, each worded
    by ``text()`` in the user's own language."""
    base = current_app.config["PUBLIC_URL"].rstrip("/")
    for user in users:
        address = base + link
        with in_language_of(user):
            message = str(text())
            subject = _("Capacity Exchange: %(text)s", text=message[:80])
            body = _(
                "%(text)s\n\nOpen: %(link)s\n\nYou get this email because you act for a "
                "state or an organisation in Capacity Exchange.",
                text=message,
                link=address,
            )
        db.session.add(Notification(user_id=user.id, text=message[:500], link=link))
        queue_email(user.email, subject, body + "\n")


def queue_email(to: str, subject: str, body: str, headers: dict[str, str] | None = None) -> None:
    """Queue one email, sent after the commit by the ``email.send`` job (dropped with the
    transaction on rollback). ``headers``: extra headers (``List-Unsubscribe`` …)."""
    from kb.jobs import enqueue_after_commit

    extra = {"headers": headers} if headers else {}
    enqueue_after_commit("email.send", to=to, subject=subject, body=body, **extra)


def send_email(to: str, subject: str, body: str, headers: dict[str, str] | None = None) -> None:
    """Send one email now (the ``email.send`` job); raises on SMTP errors so it is retried.
    Without ``KB_SMTP_HOST`` the email is only logged."""
    host = current_app.config.get("SMTP_HOST")
    if not host:
        current_app.logger.info("Email not sent: KB_SMTP_HOST is not set. %s", (to, subject, body))
        return
    message = EmailMessage()
    message["From"] = current_app.config["SMTP_FROM"]
    message["To"] = to
    message["Subject"] = subject
    for name, value in (headers or {}).items():
        message[name] = value
    message.set_content(body)
    with smtplib.SMTP(host, current_app.config["SMTP_PORT"], timeout=10) as smtp:
        smtp.send_message(message)


def unread_count(user: User) -> int:
    query = select(func.count()).select_from(Notification)
    query = query.where(Notification.user_id == user.id, Notification.read_at.is_(None))
    return db.session.scalar(query) or 0


def mark_read_for(user: User, path: str) -> int:
    """Mark the user's unread notifications that link to ``path`` read; return how many.

    Reads first, so that a page view with nothing to mark never opens a write transaction."""
    unread = (
        select(Notification.id)
        .where(
            Notification.user_id == user.id,
            Notification.read_at.is_(None),
            Notification.link == path,
        )
        .limit(1)
    )
    if db.session.scalar(unread) is None:
        return 0
    result = db.session.execute(
        update(Notification)
        .where(
            Notification.user_id == user.id,
            Notification.read_at.is_(None),
            Notification.link == path,
        )
        .values(read_at=utcnow())
    )
    return result.rowcount or 0


def mark_all_read(user: User) -> None:
    db.session.execute(
        update(Notification)
        .where(Notification.user_id == user.id, Notification.read_at.is_(None))
        .values(read_at=utcnow())
    )


def recent(user: User, limit: int = 100) -> list[Notification]:
    query = (
        select(Notification)
        .where(Notification.user_id == user.id)
        .order_by(Notification.created_at.desc(), Notification.id.desc())
        .limit(limit)
    )
    return list(db.session.scalars(query))
