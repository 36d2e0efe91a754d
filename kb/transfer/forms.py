"""The Secretariat's import form."""

from __future__ import annotations

from flask_babel import lazy_gettext as _l
from flask_wtf import FlaskForm
from flask_wtf.file import FileField, FileRequired
from wtforms import BooleanField, SelectField

from kb.codes import N_
from kb.formfields import choices

KIND_CHOICES = {
    "": N_("Recognise from the columns"),
    "requests": N_("Requests"),
    "programmes": N_("Programmes"),
    "organisations": N_("Organisations"),
    "initiatives": N_("Initiatives"),
}


class ImportForm(FlaskForm):
    file = FileField(
        _l("File"),
        validators=[FileRequired(_l("Choose a file."))],
        description=_l("CSV, XLSX or JSON in the import format (see the documentation)."),
    )
    kind = SelectField(_l("The file holds"), choices=choices(KIND_CHOICES), default="")
    dry_run = BooleanField(
        _l("Check only (dry run): report what would change, write nothing"), default=True
    )
