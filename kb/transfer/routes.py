"""Pages: exports of the filtered lists, and the Secretariat's import page."""

from __future__ import annotations

from datetime import date

from flask import Blueprint, render_template, request, url_for
from flask_login import current_user
from werkzeug.utils import secure_filename
from werkzeug.wrappers import Response

from kb.admin.routes import secretariat_required
from kb.catalogue import queries
from kb.errors import Invalid
from kb.transfer.export import MIMETYPES, TooManyRows, export_list
from kb.transfer.forms import ImportForm
from kb.transfer.importer import ImportReport, run_import
from kb.transfer.reading import read_file
from kb.uploads.safety import upload_limit
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
def import_file() -> str:
    form = ImportForm()
    report: ImportReport | None = None
    if form.validate_on_submit():
        data = form.file.data.read(upload_limit() + 1)
        try:
            kind, rows = read_file(data, form.kind.data or None)
            name = secure_filename(form.file.data.filename or "") or "an uploaded file"
            report = run_import(
                rows,
                kind,
                current_user,
                dry_run=bool(form.dry_run.data),
                comment=f"Imported from {name}",
            )
        except Invalid as err:
            copy_errors(form, err)
    return render_template("transfer/import.html", form=form, report=report)
