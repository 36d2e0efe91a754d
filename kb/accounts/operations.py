"""Account operations: registration, login throttling, approval, passwords."""

from __future__ import annotations

import secrets

from flask_babel import gettext as _
from sqlalchemy import delete, func, select

from kb import access
from kb.accounts.passwords import check_password
from kb.accounts.throttle import record_failure
from kb.directory import lookup
from kb.errors import Conflict, Forbidden, Invalid, NotFound
from kb.extensions import db
from kb.models import Country, LoginAttempt, Organisation, User
from kb.models.types import utcnow
from kb.models.user import ACTIVE, DISABLED, PENDING
from kb.notifications.operations import in_language_of, queue_email


def load_user(user_id: str) -> User | None:
    """flask-login loader: the id carries a session token that a password change rotates."""
    raw_id, _, token = user_id.partition(":")
    if not raw_id.isdigit():
        return None
    user = db.session.get(User, int(raw_id))
    if user is None or not secrets.compare_digest(user.session_token, token):
        return None
    return user


def set_locale(user: User, lang: str) -> None:
    """Keep the interface language ``lang`` in ``user``'s profile."""
    from kb.i18n import LANGUAGES

    if lang not in LANGUAGES:
        raise Invalid(
            _("Unknown language."),
            {"lang": [_("Choose one of %(codes)s.", codes=", ".join(LANGUAGES))]},
        )
    user.locale = lang
    db.session.flush()


def register(name: str, email: str, password: str, represents: str, note: str = "") -> User | None:
    """Create a pending account; the Secretariat approves it later.

    When the address already has an account, nothing is created and its owner is emailed
    instead, so the page cannot tell anyone which addresses have accounts (the caller shows
    the same message either way). Returns the new account, or ``None``.

    :raise Invalid: weak password.
    """
    email = email.strip().lower()
    check_password(password, (email, name))
    existing = db.session.scalar(select(User).where(func.lower(User.email) == email))
    if existing is not None:
        with in_language_of(existing):  # the owner's language (else the page's)
            subject = _("Capacity Exchange: someone tried to register with your address")
            body = _(
                "Someone tried to register a new Capacity Exchange account with this email "
                "address, which already has one. If it was you, log in instead, or reset your "
                "password from the login page. If not, you need do nothing."
            )
        queue_email(email, subject, body)
        return None
    user = User(
        name=name.strip(),
        email=email,
        represents=represents.strip(),
        note=note.strip(),
        status=PENDING,
        session_token=secrets.token_hex(16),
    )
    user.set_password(password)
    db.session.add(user)
    db.session.flush()
    return user


def authenticate(email: str, password: str, remote_addr: str) -> User | None:
    """The active user with these credentials, or ``None`` (the failure is recorded).

    A pending account with the right password raises :class:`Forbidden` so the person
    learns that approval is awaited.
    """
    email = email.strip().lower()
    user = db.session.scalar(select(User).where(func.lower(User.email) == email))
    if user is None or not user.check_password(password):
        record_failure(email, remote_addr)
        return None
    if user.status == PENDING:
        raise Forbidden(_("Your account is waiting for approval by the Secretariat."))
    if user.status != ACTIVE:
        raise Forbidden(_("This account is disabled. Contact the Secretariat."))
    db.session.execute(delete(LoginAttempt).where(LoginAttempt.email == email))
    return user


def change_password(user: User, current: str, new: str) -> None:
    if not user.check_password(current):
        raise Invalid(
            _("The current password is wrong."), {"current_password": [_("Wrong password.")]}
        )
    check_password(new, (user.email, user.name))
    user.set_password(new)
    user.session_token = secrets.token_hex(16)
    db.session.flush()


def approve(
    actor: User,
    user: User,
    role: str,
    country_code: str | None = None,
    organisation_id: int | None = None,
) -> None:
    """Activate ``user`` with a role bound to a state (focal point) or organisation (provider).

    :raise Forbidden: not Secretariat. :raise Invalid: binding missing or unknown.
    """
    if not access.is_secretariat(actor):
        raise Forbidden(_("Only the Secretariat approves accounts."))
    if role == "focal_point":
        if not country_code or db.session.get(Country, country_code) is None:
            raise Invalid(_("Choose the state."), {"country_code": [_("Choose the state.")]})
        organisation_id = None
    elif role == "provider":
        if not organisation_id or db.session.get(Organisation, organisation_id) is None:
            raise Invalid(
                _("Choose the organisation."), {"organisation_id": [_("Choose the organisation.")]}
            )
        country_code = None
    elif role == "secretariat":
        country_code, organisation_id = None, None
    else:
        raise Invalid(_("Unknown role."), {"role": [_("Choose a role.")]})
    user.role = role
    user.country_code = country_code
    user.organisation_id = organisation_id
    user.status = ACTIVE
    user.approved_at = utcnow()
    db.session.flush()


def suggested_binding(user: User) -> tuple[str, str | None, int | None] | None:
    """(role, state, organisation id) suggested for a pending account from what it wrote: a
    listed organisation it names makes it that organisation's provider, else a state it names
    makes it that state's focal point; None when it names neither."""
    text = f"{user.represents}\n{user.note}"
    org = lookup.mentioned_organisation(text)
    if org is not None:
        return "provider", None, org.id
    states = lookup.mentioned_countries(text)
    return ("focal_point", states[0], None) if states else None


def set_disabled(actor: User, user: User, disabled: bool) -> None:
    if not access.is_secretariat(actor):
        raise Forbidden(_("Only the Secretariat manages accounts."))
    if user.id == actor.id:
        raise Conflict(_("You cannot disable your own account."))
    user.status = DISABLED if disabled else (ACTIVE if user.role else PENDING)
    user.session_token = secrets.token_hex(16)
    db.session.flush()


def get_user(user_id: int) -> User:
    user = db.session.get(User, user_id)
    if user is None:
        raise NotFound(_("No such account."))
    return user


def create_admin(name: str, email: str, password: str) -> User:
    """Create an active Secretariat account (CLI)."""
    user = register(name, email, password, represents="Secretariat")
    if user is None:
        raise Conflict(_("An account with this email already exists."))
    user.role = "secretariat"
    user.status = ACTIVE
    user.approved_at = utcnow()
    db.session.flush()
    return user
