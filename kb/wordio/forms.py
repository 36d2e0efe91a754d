"""The upload form: one Word file and, for free text, what it should become."""

from __future__ import annotations

from flask_babel import lazy_gettext as _l
from flask_wtf import FlaskForm
from flask_wtf.file import FileField, FileRequired
from wtforms import SelectField

from kb.codes import N_
from kb.formfields import choices

KIND_CHOICES = {"request": N_("A capacity-building request"), "programme": N_("A programme")}


class UploadForm(FlaskForm):
    file = FileField(
        _l("Word document (.docx)"),
        validators=[FileRequired(message=_l("Choose a Word document (.docx) to upload."))],
        description=_l("A filled Capacity Exchange form, or any Word document."),
    )
    kind = SelectField(
        _l("If it is not one of our forms, make it"),
        choices=choices(KIND_CHOICES),
        description=_l("A filled form says itself whether it is a request or a programme."),
    )
