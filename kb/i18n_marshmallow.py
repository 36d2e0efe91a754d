"""marshmallow's own error messages in the six languages (the API's validation errors).

marshmallow has no translation hook: its messages are class attributes, copied into each field
when the field is made (at import of a schema) and formatted with ``str.format`` when a value
fails. :func:`apply` replaces them, before any schema is defined (``kb/__init__.py`` calls it),
with :class:`Message` strings that translate themselves when formatted: an error is worded when
it is raised, in the request's language (the API client's ``Accept-Language``).
"""

from __future__ import annotations

from typing import Any

from flask import has_app_context
from flask_babel import gettext
from marshmallow import fields, validate

from kb.codes import N_


class Message(str):
    """An English message (a ``str``, as marshmallow expects) that ``format`` translates."""

    __slots__ = ()

    def format(self, *args: Any, **kwargs: Any) -> str:
        text = gettext(str(self)) if has_app_context() else str(self)
        return text.format(*args, **kwargs)


def apply() -> None:
    messages = {
        fields.Field: {
            "required": N_("Missing data for required field."),
            "null": N_("Field may not be null."),
            "validator_failed": N_("Invalid value."),
        },
        fields.String: {"invalid": N_("Not a valid string.")},
        fields.Integer: {"invalid": N_("Not a valid integer.")},
        fields.Decimal: {
            "invalid": N_("Not a valid number."),
            "special": N_("Special numeric values (nan or infinity) are not permitted."),
        },
        fields.Date: {"invalid": N_("Not a valid date.")},
        fields.Email: {"invalid": N_("Not a valid email address.")},
        fields.Url: {"invalid": N_("Not a valid URL.")},
        fields.List: {"invalid": N_("Not a valid list.")},
        fields.Boolean: {"invalid": N_("Not a valid boolean.")},
        fields.Nested: {"type": N_("Invalid type.")},
    }
    for field, texts in messages.items():
        own = field.__dict__.get("default_error_messages", {})
        field.default_error_messages = {**own, **{k: Message(v) for k, v in texts.items()}}
    validate.Length.message_min = Message(N_("Shorter than minimum length {min}."))
    validate.Length.message_max = Message(N_("Longer than maximum length {max}."))
    validate.Length.message_all = Message(N_("Length must be between {min} and {max}."))
    validate.Length.message_equal = Message(N_("Length must be {equal}."))
