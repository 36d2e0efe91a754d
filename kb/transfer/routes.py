"""Pages: exports of the filtered lists, and the Secretariat's import page."""

from __future__ import annotations

from datetime import date

from flask import Blueprint, abort, jsonify, redirect, render_template, request, url_for
from flask_babel import gettext as _
from flask_login import current_user
from werkzeug.utils import secure_filename
from werkzeug.wrappers import Response

from kb.admin.routes import secretariat_required
from kb.catalogue import queries
from kb.errors import Invalid
from kb.transfer.background import import_status as import_status_of
from kb.transfer.background import start_import
from kb.transfer.export import MIMETYPES, TooManyRows, export_list
from kb.transfer.forms import ImportForm
from kb.transfer.reading import read_file
from kb.uploads.safety import too_large_message, upload_limit
from kb.uploads.too_large import form_page_for
from kb.views import copy_errors

bp = Blueprint("transfer", __name__)


@bp.route("/<any(requests,programmes):plural>/export.<any(csv,xlsx,json):fmt>")
def export(plural: str, fmt: str) -> Response | tuple[str, int]:
    """The list page's records (same query string), in the import format."""
    try:
        data = export_list(current_user, plural, request.args, fmt)
    except TooManyRows as err:
        filters = queries.Filters.from_args(request.args, plural[:-1])
        back = url_for("catalogue.list_records", plural=plural, **filters.link_args())
        page = render_template(
            "transfer/too_many.html", plural=plural, message=err.message, back=back
        )
        return page, 400
    filename = f"{plural}-{date.today().isoformat()}.{fmt}"
    return Response(
        data,
        mimetype=MIMETYPES[fmt],
        headers={
            "Content-Disposition": f'attachment; filename="{filename}"',
            "Cache-Control": "private, no-store",
            "X-Content-Type-Options": "nosniff",
        },
    )


@bp.route("/secretariat/import", methods=["GET", "POST"])
@secretariat_required
def import_file() -> str | Response:
    """The upload form; a checked file is imported by a job whose page follows it."""
    form = ImportForm()
    if form.validate_on_submit():
        data = form.file.data.read(upload_limit() + 1)
        try:
            kind, _rows = read_file(data, form.kind.data or None)  # refused here, at once
        except Invalid as err:
            copy_errors(form, err)
        else:
            name = secure_filename(form.file.data.filename or "") or _("an uploaded file")
            job_id = start_import(data, name, kind, bool(form.dry_run.data), current_user)
            return redirect(url_for(".import_status", job_id=job_id), 303)
    return _import_page(form)


@form_page_for("transfer.import_file")
@secretariat_required
def _import_too_large() -> tuple[str, int]:
    """The upload form again after a body over the one upload limit, saying the limit."""
    form = ImportForm(formdata=None)
    form.file.errors = [too_large_message()]
    return _import_page(form), 413


def _import_page(form: ImportForm) -> str:
    limit_mb = upload_limit() // (1024 * 1024)
    return render_template("transfer/import.html", form=form, upload_limit_mb=limit_mb)


@bp.route("/secretariat/import/<int:job_id>")
@secretariat_required
def import_status(job_id: int) -> str:
    """An import's progress (the page refreshes itself, or a script polls the JSON twin),
    then its report."""
    status = import_status_of(job_id)
    if status is None:
        abort(404)
    return render_template("transfer/import_status.html", job=status)


@bp.route("/secretariat/import/<int:job_id>.json")
@secretariat_required
def import_status_json(job_id: int) -> Response:
    status = import_status_of(job_id)
    if status is None:
        abort(404)
    keys = ("id", "status", "step", "percent", "progress", "total", "finished", "stalled")
    response = jsonify({key: status[key] for key in keys})
    response.headers["Cache-Control"] = "no-store"
    return response
