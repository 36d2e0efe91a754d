"""Word in: download the blank forms, upload a Word document, review it as a create form.

The review form posts to the normal create page (``catalogue.create``), which saves a draft
inside the unit of work; these views never write.
"""

from __future__ import annotations

import io

from flask import Blueprint, abort, render_template, request, send_file
from flask_login import current_user, login_required
from werkzeug.exceptions import RequestEntityTooLarge
from werkzeug.wrappers import Response

from kb.catalogue.routes import KINDS, fill_choices
from kb.errors import Invalid
from kb.formfields import choices
from kb.i18n import current_language
from kb.uploads.convert import soffice_path
from kb.uploads.safety import UnsafeFile, too_large_message, upload_limit
from kb.uploads.too_large import form_page_for
from kb.wordio import service
from kb.wordio.fields import TITLES
from kb.wordio.forms import KIND_CHOICES, UploadForm
from kb.wordio.template import build_template

bp = Blueprint("wordio", __name__)
DOCX = "application/vnd.openxmlformats-officedocument.wordprocessingml.document"
_ROLES = {"focal_point", "provider", "secretariat"}


@bp.route("/word/templates/<any(request,programme):kind>.docx")
@bp.route("/word/templates/<any(ar,zh,en,fr,ru,es):form_lang>/<any(request,programme):kind>.docx")
@login_required
def template(kind: str, form_lang: str | None = None) -> Response:
    """The blank form in ``form_lang`` (default: the interface language). A separate path,
    not ``?lang=``: downloading a form in Arabic does not switch the interface to Arabic."""
    if current_user.role not in _ROLES or not current_user.is_active:
        abort(403)
    lang = form_lang or current_language()
    return send_file(
        io.BytesIO(build_template(kind, lang)),
        mimetype=DOCX,
        as_attachment=True,
        download_name=f"capacity-exchange-{kind}-{lang}.docx",
    )


@bp.route("/word/upload", methods=["GET", "POST"])
@login_required
def upload() -> str | tuple[str, int]:
    kinds = service.allowed_kinds(current_user)
    if not kinds:
        abort(403)
    try:
        form = UploadForm()
    except RequestEntityTooLarge:  # reached only when the CSRF check did not read the body
        return _upload_too_large()
    form.kind.choices = choices({k: KIND_CHOICES[k] for k in kinds})
    if request.method == "POST" and not form.validate():
        return _render_upload(form), 400
    if request.method == "GET":
        return _render_upload(form)
    data = form.file.data.read(upload_limit() + 1)
    try:
        reading = service.read_upload(data, current_user, form.kind.data)
    except Invalid as err:
        return _upload_page(form, kinds, err)
    return _review(reading)


@form_page_for("wordio.upload")
@login_required
def _upload_too_large() -> tuple[str, int]:
    """The upload form again after a body over the one upload limit, saying the limit."""
    kinds = service.allowed_kinds(current_user)
    if not kinds:
        abort(403)
    return _upload_page(UploadForm(formdata=None), kinds, UnsafeFile(too_large_message(), 413))


def _upload_page(form: UploadForm, kinds: list[str], err: Invalid) -> tuple[str, int]:
    form.kind.choices = choices({k: KIND_CHOICES[k] for k in kinds})
    form.file.errors = [*form.file.errors, err.message]
    status = err.status_code if isinstance(err, UnsafeFile) else 400
    return _render_upload(form), status


def _render_upload(form: UploadForm) -> str:
    converts = soffice_path() is not None
    return render_template("wordio/upload.html", form=form, titles=TITLES, converts=converts)


def _review(reading: service.Reading) -> str:
    kind = KINDS["requests" if reading.kind == "request" else "programmes"]
    form = kind.form(formdata=None, data=service.form_data(reading))
    fill_choices(form)
    errors = service.form_errors(reading)
    for key, messages in errors.items():
        field = getattr(form, key, None)
        if key and field is not None:
            field.errors = [*field.errors, *messages]
    return render_template(
        "wordio/review.html",
        kind=kind,
        form=form,
        reading=reading,
        problems=[message for _, message in reading.problems],
        sources=service.source_notes(reading),
    )
