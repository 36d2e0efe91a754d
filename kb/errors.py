"""Domain exceptions raised by operations and mapped to HTTP in one place (``kb.web``).

Messages are marked with ``lazy_gettext`` where they are raised: they are worded when read
(``message``, ``fields``), in the language of the request that shows them — a flash message on
a page, or an API problem's ``detail`` by ``Accept-Language``.
"""

from __future__ import annotations

from typing import Any

from flask import has_app_context
from flask_babel import gettext


class DomainError(Exception):
    """Base class: ``message`` is safe to show to the user."""

    status_code = 400

    def __init__(self, message: Any, fields: dict[str, list[Any]] | None = None) -> None:
        super().__init__(message)
        self._message = message
        self._fields = fields or {}

    @property
    def message(self) -> str:
        """The message in the current language (a lazy message is translated now, a message
        marked ``N_()`` looked up now)."""
        return _worded(self._message)

    @property
    def fields(self) -> dict[str, list[str]]:
        return {name: [_worded(m) for m in messages] for name, messages in self._fields.items()}

    @fields.setter
    def fields(self, value: dict[str, list[Any]]) -> None:
        self._fields = value

    def __str__(self) -> str:
        return self.message


def _worded(message: Any) -> str:
    """A lazy message as worded now; a plain one (``N_()``) through the catalogue, unchanged
    when the catalogue lacks it (already worded, or not meant for translation)."""
    if isinstance(message, str) and has_app_context():
        return gettext(message)
    return str(message)


class NotFound(DomainError):
    status_code = 404


class Forbidden(DomainError):
    status_code = 403


class Invalid(DomainError):
    """Input broke a business rule; ``fields`` names the offending fields."""

    status_code = 422


class Conflict(DomainError):
    """The record's state does not allow the action (e.g. publishing a draft)."""

    status_code = 409
