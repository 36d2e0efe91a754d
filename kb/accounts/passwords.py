"""The password policy: long enough, and not guessable (common, breached or patterned).

``zxcvbn`` (Dropbox's estimator, offline) scores a password from 0 to 4 by the cheapest way to
guess it: its dictionaries hold the most common passwords from public breach lists, English
words, names and keyboard patterns, and it penalises repeats, sequences, dates and the
person's own name or address (passed as ``user_inputs``). We ask for a score of 3 ("safely
unguessable: moderate protection from offline slow-hash attacks"), as OWASP ASVS 2.1.7 asks
for a check against breached and common passwords, without a composition rule (ASVS 2.1.9).
"""

from __future__ import annotations

import re
from collections.abc import Iterable

from flask_babel import get_locale
from flask_babel import gettext as _
from zxcvbn import zxcvbn

from kb.errors import Invalid

MIN_LENGTH = 10
MAX_LENGTH = 200
MIN_SCORE = 3
#: zxcvbn's cost grows with the length; beyond this it only slows the page down.
_SCORED_CHARS = 100


def check_password(password: str, user_inputs: Iterable[str] = (), field: str = "password") -> None:
    """Raise :class:`Invalid` naming ``field`` when ``password`` is too short or guessable."""
    if len(password) < MIN_LENGTH:
        _refuse(field, _("Use at least %(num)s characters.", num=MIN_LENGTH))
    if len(password) > MAX_LENGTH:
        _refuse(field, _("Use at most %(num)s characters.", num=MAX_LENGTH))
    inputs = [part for value in user_inputs for part in _parts(value)]
    if _only_personal(password, inputs):
        _refuse(field, _("Do not build the password from your name or email address."))
    result = zxcvbn(password[:_SCORED_CHARS], user_inputs=inputs)
    if result["score"] < MIN_SCORE:
        # zxcvbn words its feedback in English only: other languages get the general advice
        english = _speaks_english()
        feedback = (result.get("feedback") or {}) if english else {}
        hint = feedback.get("warning") or _("This password is easy to guess.")
        advice = " ".join(feedback.get("suggestions") or [])
        advice = advice or _("A few unusual words together work well.")
        _refuse(field, f"{hint} {advice}")


def _speaks_english() -> bool:
    locale = get_locale()
    return locale is None or locale.language == "en"


def _parts(value: str) -> list[str]:
    """The pieces of a name or address a guesser would try: "amina@example.org" → amina, …"""
    value = value.strip().lower()
    pieces = [value] if value else []
    for sep in ("@", ".", " ", "-", "_"):
        value = value.replace(sep, " ")
    return pieces + [p for p in value.split() if len(p) >= 3]


def _only_personal(password: str, parts: list[str]) -> bool:
    """True when the password's letters are little more than the person's name or address."""
    letters = re.sub(r"[^a-z]", "", password.lower())
    for part in sorted({re.sub(r"[^a-z]", "", p) for p in parts}, key=len, reverse=True):
        if len(part) >= 3:
            letters = letters.replace(part, "")
    return len(letters) < 4


def _refuse(field: str, message: str) -> None:
    raise Invalid(_("Choose a stronger password."), {field: [message]})
