"""Pages of calls for views: list, call, answer (web or Word), tracker, compilation."""

from __future__ import annotations

import io
from typing import Any

from flask import (
    Blueprint,
    Response,
    abort,
    flash,
    redirect,
    render_template,
    request,
    send_file,
    url_for,
)
from flask_babel import gettext as _
from flask_login import current_user, login_required
from sqlalchemy import select
from werkzeug.exceptions import RequestEntityTooLarge
from werkzeug.wrappers import Response as WerkzeugResponse

from kb import access, codes
from kb.admin.routes import secretariat_required
from kb.consultations import addressees as addr
from kb.consultations import export, operations, queries, schemas, visibility, word
from kb.consultations.docx_report import compilation_docx
from kb.errors import DomainError, Invalid
from kb.extensions import db
from kb.i18n import sorted_by_label
from kb.models import Call, CallAnswer, OewgSession, Organisation
from kb.models.types import utcnow
from kb.uow import unit_of_work
from kb.uploads.safety import too_large_message, upload_limit
from kb.uploads.too_large import form_page_for
from search.places import default_gazetteer

bp = Blueprint("calls", __name__, url_prefix="/calls")
DOCX = "application/vnd.openxmlformats-officedocument.wordprocessingml.document"


def _call(call_id: int) -> Call:
    call = db.session.get(Call, call_id)
    if call is None or not visibility.can_view_call(current_user, call):
        abort(404)
    return call


def _answer(call: Call, answer_id: int) -> CallAnswer:
    answer = db.session.get(CallAnswer, answer_id)
    if answer is None or answer.call_id != call.id:
        abort(404)
    if not visibility.can_read_answer(current_user, answer):
        abort(404)
    return answer


@bp.route("")
def index() -> str:
    calls = queries.visible_calls(current_user)
    own = {c.id: queries.own_answer(current_user, c) for c in calls}
    addressed = {c.id: addr.may_answer(current_user, c) for c in calls}
    return render_template("calls/index.html", calls=calls, own=own, addressed=addressed)


def _form_page(call: Call | None, values: dict[str, Any], errors: dict[str, list[str]]) -> Any:
    sessions = db.session.scalars(select(OewgSession).order_by(OewgSession.start_date.desc()))
    status = 422 if errors else 200
    page = render_template(
        "calls/form.html",
        call=call,
        values=values,
        errors=errors,
        sessions=sessions.all(),
        org_types=codes.labels(codes.ORGANISATION_TYPES),
        audiences=schemas.STATE_AUDIENCES,
        observer_states=addr.observer_states(),
        formats=schemas.FORMATS,
    )
    return page, status


def _values_of(call: Call) -> dict[str, Any]:
    from zoneinfo import ZoneInfo

    local = call.deadline_at.astimezone(ZoneInfo(call.deadline_tz))
    return {
        "reference": call.reference,
        "title": call.title,
        "mandate": call.mandate,
        "questions": "\n".join(call.questions),
        "addressed_states": call.addressed_states,
        "addressed_countries": " ".join(call.addressed_countries),
        "addressed_org_types": call.addressed_org_types,
        "addressed_observers": call.addressed_observers,
        "opens_on": call.opens_on.isoformat(),
        "deadline_date": local.date().isoformat(),
        "deadline_time": local.strftime("%H:%M"),
        "deadline_tz": call.deadline_tz,
        "formats": call.formats,
        "session_id": str(call.session_id or ""),
        "publish_by_default": call.publish_by_default,
        "accept_late": call.accept_late,
        "remind_days": call.remind_days,
    }


def _posted() -> dict[str, Any]:
    data: dict[str, Any] = {k: v for k, v in request.form.items()}
    data["addressed_org_types"] = request.form.getlist("addressed_org_types")
    data["formats"] = request.form.getlist("formats")
    data["publish_by_default"] = "publish_by_default" in request.form
    data["accept_late"] = "accept_late" in request.form
    data["addressed_observers"] = "addressed_observers" in request.form
    return data


@bp.route("/new", methods=["GET", "POST"])
@secretariat_required
def create() -> Any:
    if request.method == "GET":
        defaults = {
            "addressed_states": "all",
            "formats": ["web", "docx"],
            "publish_by_default": True,
            "accept_late": True,
            "remind_days": 7,
            "deadline_time": "23:59",
            "deadline_tz": "America/New_York",
        }
        return _form_page(None, defaults, {})
    data = _posted()
    try:
        with unit_of_work():
            call = operations.create_call(current_user, data)
    except Invalid as err:
        return _form_page(None, data, err.fields)
    flash(_("Call saved as a draft. Publish it to notify its addressees."), "success")
    return redirect(url_for(".detail", call_id=call.id))


@bp.route("/<int:call_id>/edit", methods=["GET", "POST"])
@secretariat_required
def edit(call_id: int) -> Any:
    call = _call(call_id)
    if request.method == "GET":
        return _form_page(call, _values_of(call), {})
    data = _posted()
    try:
        with unit_of_work():
            operations.update_call(current_user, call, data)
    except Invalid as err:
        return _form_page(call, data, err.fields)
    flash(_("Call saved."), "success")
    return redirect(url_for(".detail", call_id=call.id))


@bp.route("/<int:call_id>")
def detail(call_id: int) -> str:
    call = _call(call_id)
    own = queries.own_answer(current_user, call)
    return render_template(
        "calls/call.html",
        call=call,
        own=own,
        may_answer=addr.may_answer(current_user, call),
        deadline=operations.deadline_text(call),
        addressed_count=len(addr.addressees(call)),
        is_secretariat=access.is_secretariat(current_user),
    )


@bp.route("/<int:call_id>/publish", methods=["POST"])
@secretariat_required
def publish(call_id: int) -> WerkzeugResponse:
    call = _call(call_id)
    with unit_of_work():
        notified = operations.publish_call(current_user, call)
    flash(_("Call published; %(num)d people notified.", num=notified), "success")
    return redirect(url_for(".detail", call_id=call.id))


@bp.route("/<int:call_id>/close", methods=["GET", "POST"])
@secretariat_required
def close(call_id: int) -> Any:
    call = _call(call_id)
    if request.method == "GET" or request.form.get("confirmed") != "yes":
        return render_template("calls/confirm_close.html", call=call)
    with unit_of_work():
        operations.close_call(current_user, call)
    flash(_("Call closed: it no longer takes answers."), "success")
    return redirect(url_for(".detail", call_id=call.id))


@bp.route("/<int:call_id>/template.docx")
def template(call_id: int) -> Response:
    call = _call(call_id)
    return send_file(
        io.BytesIO(word.build_answer_template(call)),
        mimetype=DOCX,
        as_attachment=True,
        download_name=f"{_slug(call.reference)}-answer.docx",
    )


def _slug(text: str) -> str:
    return "".join(c if c.isalnum() else "-" for c in text).strip("-")[:60] or "call"


def _answer_page(
    call: Call,
    answer: CallAnswer | None,
    values: dict[str, Any],
    errors: dict[str, list[str]],
    status: int = 200,
    reviewing: bool = False,
) -> Any:
    page = render_template(
        "calls/answer.html",
        call=call,
        answer=answer,
        values=values,
        errors=errors,
        deadline=operations.deadline_text(call),
        reviewing=reviewing,
        late=utcnow() > call.deadline_at,
    )
    return page, status


def _saved_values(call: Call, own: CallAnswer | None) -> dict[str, Any]:
    """The answer form's values as last saved (the call's defaults before any)."""
    values: dict[str, Any] = {"publishable": own.publishable if own else call.publish_by_default}
    for number, text in enumerate(own.answers if own else [], start=1):
        values[f"answer_{number}"] = text
    return values


def _answerable(call_id: int) -> tuple[Any, Any]:
    """The call the signed-in user may answer (403 otherwise) and their saved answer."""
    call = _call(call_id)
    if not addr.may_answer(current_user, call):
        abort(403)
    return call, queries.own_answer(current_user, call)


@form_page_for("calls.answer")
@login_required
def _answer_too_large(call_id: int) -> Any:
    """The answer form again, as last saved, after a body over the one upload limit."""
    call, own = _answerable(call_id)
    errors = {"file": [too_large_message()]}
    return _answer_page(call, own, _saved_values(call, own), errors, 413)


@bp.route("/<int:call_id>/answer", methods=["GET", "POST"])
@login_required
def answer(call_id: int) -> Any:
    call, own = _answerable(call_id)
    if request.method == "GET":
        return _answer_page(call, own, _saved_values(call, own), {})
    try:
        posted_file = request.files.get("file")
    except RequestEntityTooLarge:  # reached only when the CSRF check did not read the body
        return _answer_too_large(call_id)
    if posted_file is not None and posted_file.filename:
        data = posted_file.read(upload_limit() + 1)
        try:
            values = word.read_answer_upload(data, call)
        except Invalid as err:
            return _answer_page(call, own, {}, err.fields or {"file": [err.message]}, 400)
        values.setdefault("publishable", own.publishable if own else call.publish_by_default)
        flash(_("Read from your Word file: review the answers, then save or submit."), "info")
        return _answer_page(call, own, values, {}, reviewing=True)
    data = {k: v for k, v in request.form.items()}
    data["publishable"] = "publishable" in request.form
    submit = request.form.get("action") == "submit"
    source = "docx" if request.form.get("source") == "docx" else "web"
    try:
        with unit_of_work():
            saved = operations.save_answer(current_user, call, data, submit=submit, source=source)
    except Invalid as err:
        return _answer_page(call, own, data, err.fields, 422)
    except DomainError as err:
        return _answer_page(call, own, data, {"_": [err.message]}, err.status_code)
    if submit:
        message = (
            _("Answer submitted (marked late: the deadline had passed).")
            if saved.late
            else _("Answer submitted. Thank you.")
        )
        flash(message, "success")
    else:
        flash(_("Draft saved. It is not submitted yet."), "success")
    return redirect(url_for(".detail", call_id=call.id))


@bp.route("/<int:call_id>/answers/<int:answer_id>")
def answer_detail(call_id: int, answer_id: int) -> str:
    call = _call(call_id)
    item = _answer(call, answer_id)
    manage = access.is_secretariat(current_user) or visibility.is_own(current_user, item)
    organisations = []
    if access.is_secretariat(current_user):
        organisations = sorted_by_label(
            db.session.scalars(select(Organisation)), lambda o: o.display_name
        )
    return render_template(
        "calls/answer_detail.html",
        call=call,
        answer=item,
        manage=manage,
        organisations=organisations,
    )


@bp.route("/<int:call_id>/answers/<int:answer_id>/publication", methods=["POST"])
@login_required
def publication(call_id: int, answer_id: int) -> WerkzeugResponse:
    call = _call(call_id)
    item = _answer(call, answer_id)
    with unit_of_work():
        operations.set_publishable(current_user, item, request.form.get("publishable") == "yes")
    flash(_("Publication choice saved."), "success")
    return redirect(url_for(".answer_detail", call_id=call.id, answer_id=item.id))


@bp.route("/<int:call_id>/answers/<int:answer_id>/draft", methods=["POST"])
@login_required
def make_draft(call_id: int, answer_id: int) -> WerkzeugResponse:
    call = _call(call_id)
    item = _answer(call, answer_id)
    try:
        question = int(request.form.get("question", ""))
    except ValueError:
        abort(400)
    owner = request.form.get("organisation_id", "").strip()
    if owner and not (owner.isdigit() and len(owner) < 10):
        abort(400)
    with unit_of_work():
        record = operations.draft_from_answer(
            current_user, item, question, int(owner) if owner else None
        )
    flash(_("Draft created from the answer: complete it and submit it for publication."), "success")
    return redirect(url_for("catalogue.detail", plural=record.kind + "s", record_id=record.id))


def _tracker_filters() -> tuple[str, frozenset[str] | None, str, str | None]:
    group = request.args.get("group", "").strip()
    status = request.args.get("status", "").strip()
    if status and status not in queries.TRACKER_STATUSES:
        status = ""
    place_code = request.args.get("place", "").strip()
    states = None
    error = None
    if place_code:
        place = default_gazetteer().get(place_code)
        if place is None:
            error = _("Place: unknown place %(code)s.", code=place_code[:40])
        else:
            states = frozenset(place.members)
    return group, states, status, error


@bp.route("/<int:call_id>/tracker", methods=["GET", "POST"])
@secretariat_required
def tracker(call_id: int) -> Any:
    call = _call(call_id)
    if request.method == "POST":
        keys = request.form.getlist("addressee")
        if not keys:
            flash(_("Select the addressees to remind."), "error")
        else:
            try:
                with unit_of_work():
                    reminded, people = operations.remind(current_user, call, keys)
            except DomainError as err:
                flash(err.message, "error")
            else:
                flash(
                    _(
                        "Reminder sent to %(num)d addressees (%(people)d people).",
                        num=reminded,
                        people=people,
                    ),
                    "success",
                )
        return redirect(url_for(".tracker", call_id=call.id, **request.args))
    group, states, status, error = _tracker_filters()
    rows = queries.tracker(call, group, states, status)
    fmt = request.args.get("format", "")
    if fmt in {"csv", "xlsx"}:
        content = export.tracker_file(call, rows, fmt)
        name = f"{_slug(call.reference)}-tracker.{fmt}"
        mimetype = "text/csv" if fmt == "csv" else export.XLSX
        return Response(
            content,
            mimetype=mimetype,
            headers={"Content-Disposition": f'attachment; filename="{name}"'},
        )
    groups = sorted({a.group for a in addr.addressees(call)})
    page = render_template(
        "calls/tracker.html",
        call=call,
        rows=rows,
        counts=queries.status_counts(rows),
        groups=groups,
        filters={"group": group, "status": status, "place": request.args.get("place", "")},
        place_error=error,
        deadline=operations.deadline_text(call),
    )
    return page, 400 if error else 200


@bp.route("/<int:call_id>/report")
def report(call_id: int) -> str:
    call = _call(call_id)
    result = queries.compilation(call, current_user)
    return render_template(
        "calls/report.html",
        report=result,
        call=call,
        deadline=operations.deadline_text(call),
        is_secretariat=access.is_secretariat(current_user),
    )


@bp.route("/<int:call_id>/report.docx")
def report_word(call_id: int) -> Response:
    call = _call(call_id)
    result = queries.compilation(call, current_user)
    content = compilation_docx(
        result, operations.deadline_text(call), access.is_secretariat(current_user)
    )
    return Response(
        content,
        mimetype=DOCX,
        headers={
            "Content-Disposition": f'attachment; filename="{_slug(call.reference)}-views.docx"'
        },
    )
