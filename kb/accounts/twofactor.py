"""Optional TOTP two-factor sign-in (RFC 6238, with pyotp), required for the Secretariat when
``KB_REQUIRE_2FA=1``.

A secret is shown once (as a QR code and as text) and saved only when the person proves their
app has it by typing a valid code. Each accepted code's time step is kept so a code cannot be
replayed (OWASP ASVS 2.8.4); one step of clock drift either way is accepted.
"""

from __future__ import annotations

import time

import pyotp
import segno
from flask_babel import gettext as _
from flask_babel import lazy_gettext as _l

from kb.errors import Invalid
from kb.extensions import db
from kb.models import User

ISSUER = "Capacity Exchange"
STEP = 30
WRONG_CODE = _l("That code is not valid. Type the 6 digits your app shows now.")


def new_secret() -> str:
    return pyotp.random_base32()


def provisioning_uri(user: User, secret: str) -> str:
    return pyotp.TOTP(secret).provisioning_uri(name=user.email, issuer_name=ISSUER)


def qr_svg(uri: str) -> str:
    """The otpauth URI as an inline SVG QR code (no image request, no external service)."""
    return segno.make(uri, error="m").svg_inline(scale=4, dark="#111", light="#fff")


def _accepted_step(secret: str, code: str, last_step: int | None, now: float | None = None) -> int:
    code = "".join(code.split())
    if not (code.isdigit() and len(code) == 6):
        raise Invalid(str(WRONG_CODE), {"code": [str(WRONG_CODE)]})
    totp = pyotp.TOTP(secret)
    step = int((now or time.time()) // STEP)
    for candidate in (step, step - 1, step + 1):
        if candidate > (last_step or -1) and totp.at(candidate * STEP) == code:
            return candidate
    raise Invalid(str(WRONG_CODE), {"code": [str(WRONG_CODE)]})


def enable(user: User, secret: str, code: str) -> None:
    """Turn two-factor sign-in on once ``code`` proves the app holds ``secret``."""
    user.totp_last_step = _accepted_step(secret, code, None)
    user.totp_secret = secret
    db.session.flush()


def verify(user: User, code: str) -> None:
    """Accept a sign-in code once. :raise Invalid: wrong, expired or already used."""
    if not user.totp_secret:
        raise Invalid(_("Two-factor sign-in is not enabled for this account."))
    user.totp_last_step = _accepted_step(user.totp_secret, code, user.totp_last_step)
    db.session.flush()


def disable(user: User, password: str, code: str) -> None:
    """Turn two-factor sign-in off; needs the password and a current code."""
    if not user.check_password(password):
        raise Invalid(_("The password is wrong."), {"password": [_("Wrong password.")]})
    verify(user, code)
    user.totp_secret = None
    user.totp_last_step = None
    db.session.flush()
