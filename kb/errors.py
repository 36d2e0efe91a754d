"""Domain exceptions raised by operations and mapped to HTTP in one place (``kb.web``)."""

from __future__ import annotations


class DomainError(Exception):
    """Base class: ``message`` is safe to show to the user."""

    status_code = 400

    def __init__(self, message: str, fields: dict[str, list[str]] | None = None) -> None:
        super().__init__(message)
        self.message = message
        self.fields = fields or {}


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
