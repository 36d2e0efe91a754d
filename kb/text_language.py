"""The language a record's text is written in: declared by its author, else detected.

One rule for every way a record is written (forms, API, bulk import, Word forms detect
their own): a blank or missing language means "detect it from the title and description"
(``search.text.detect.record_language``). A partial update that leaves the language out
keeps the stored one.
"""

from __future__ import annotations

from typing import Any

from flask_babel import lazy_gettext as _l
from marshmallow import fields, post_load, pre_load, validate
from wtforms.fields.choices import SelectChoice

from kb import codes
from kb.codes import N_
from kb.formfields import choices
from search.text.detect import record_language


def text_language_field(error: Any) -> fields.String:
    """The schema field: a two-letter code, or nothing (then detected by
    :func:`detected_language`)."""
    return fields.String(
        load_default=None,
        allow_none=True,
        validate=validate.Regexp(r"^[a-z]{2}$", error=error),
        metadata={
            "description": "ISO 639-1 code of the language the title and description are "
            "written in; leave it out (or empty) to have it detected from the text."
        },
    )


def blank_as_missing(data: Any) -> Any:
    """``pre_load``: an empty language ("" from a form or a spreadsheet cell) is none."""
    value = data.get("text_language") if isinstance(data, dict) else None
    if isinstance(value, str) and not value.strip():
        data = {**data, "text_language": None}
    return data


def detected_language(data: dict[str, Any]) -> dict[str, Any]:
    """``post_load``: fill a language left out (present as None) from the loaded text."""
    if "text_language" in data and data["text_language"] is None:
        data["text_language"] = record_language(
            None, data.get("title") or "", data.get("description") or ""
        )
    return data


def language_choices() -> list[SelectChoice]:
    """The form's options: "Detect from the text" (the default), then the languages."""
    return [SelectChoice("", _l("Detect from the text")), *choices(codes.LANGUAGES)]


class DetectedLanguage:
    """Mixin of the input schemas with a ``text_language``: blank means missing, and a
    missing one is detected from the loaded title and description."""

    @pre_load
    def _blank_language(self, data: Any, **kwargs: Any) -> Any:
        return blank_as_missing(data)

    @post_load
    def _language(self, data: dict[str, Any], **kwargs: Any) -> dict[str, Any]:
        return detected_language(data)


#: The revision comment of a language corrected by ``flask kb check-languages --fix``
#: (stored in English, shown in the reader's language: ``i18n.system_note``).
DETECTED_NOTE = N_("The language of the text was detected from the text itself.")


def language_mismatches(kinds: tuple[str, ...], progress: Any = None) -> list[tuple[Any, str]]:
    """Records whose title and description are confidently written in another language than
    the one stored (``search.text.detect.detect_language``; None when it cannot tell): a
    record saved before the language was detected kept the form's English. Each with the
    language found. Reads every record of ``kinds``: a command, never a page."""
    from kb.extensions import db
    from kb.models import Programme, Request
    from kb.models.initiative import Initiative
    from search.text.detect import detect_language

    models = {"request": Request, "programme": Programme, "initiative": Initiative}
    found: list[tuple[Any, str]] = []
    for kind in kinds:
        records = db.session.scalars(db.select(models[kind]).order_by(models[kind].id)).all()
        for n, record in enumerate(records, 1):
            written = detect_language(f"{record.title}\n{record.description or ''}")
            if written and written != (record.text_language or "")[:2]:
                found.append((record, written))
            if progress is not None and (n % 1000 == 0 or n == len(records)):
                progress(kind, n, len(records))
    return found


def correct_language(record: Any, written: str) -> None:
    """Store the detected language, with a revision that says how it was found."""
    from kb.extensions import db
    from kb.history import record_revision
    from kb.models.types import utcnow

    before = record.text_language
    record.text_language = written
    record.updated_at = utcnow()
    db.session.flush()
    record_revision(record, None, "edited", {"text_language": [before, written]}, DETECTED_NOTE)
