"""Saved searches: save from a list or the search page, manage, see matches, unsubscribe."""

from __future__ import annotations

from urllib.parse import parse_qsl, urlencode

from flask import Blueprint, abort, flash, redirect, render_template, request, url_for
from flask_babel import gettext as _
from flask_babel import lazy_gettext as _l
from flask_login import current_user, login_required
from flask_wtf import FlaskForm
from werkzeug.datastructures import MultiDict
from werkzeug.wrappers import Response
from wtforms import HiddenField, SelectField, StringField
from wtforms.validators import DataRequired, Length

from kb.alerts import operations
from kb.alerts.searches import FREQUENCIES, MAX_NAME, conditions, results_path
from kb.errors import DomainError, NotFound
from kb.extensions import csrf
from kb.uow import unit_of_work
from kb.views import copy_errors, safe_next

bp = Blueprint("alerts", __name__)
MAX_QUERY = 4000
MAX_FIELDS = 200


def _frequencies() -> list[tuple[str, str]]:
    return [(code, str(text)) for code, text in FREQUENCIES.items()]


class SaveForm(FlaskForm):
    """ "Save this search" under a list or the search page (hidden: what to save)."""

    kind = HiddenField()
    query = HiddenField()
    frequency = SelectField(_l("Tell me of new matches"), default="app")

    def __init__(self, *args: object, **kwargs: object) -> None:
        super().__init__(*args, **kwargs)
        self.frequency.choices = _frequencies()


class OfferForm(FlaskForm):
    kind = HiddenField()
    frequency = SelectField(_l("Tell me of new matches"), default="daily")

    def __init__(self, *args: object, **kwargs: object) -> None:
        super().__init__(*args, **kwargs)
        self.frequency.choices = _frequencies()


class EditForm(FlaskForm):
    name = StringField(_l("Name"), validators=[DataRequired(), Length(max=MAX_NAME)])
    frequency = SelectField(_l("Tell me of new matches"))

    def __init__(self, *args: object, **kwargs: object) -> None:
        super().__init__(*args, **kwargs)
        self.frequency.choices = _frequencies()


class DeleteForm(FlaskForm):
    pass


@bp.app_template_global()
def alert_save(kind: str) -> dict[str, object] | None:
    """For "Save this search" under a list or the search page: the form (the page's own
    arguments, without paging) or the search already saved; None for visitors."""
    if not getattr(current_user, "is_active", False) or not current_user.is_authenticated:
        return None
    args = MultiDict(request.args)
    for name in ("page", "lang", "sort"):
        args.poplist(name)
    existing = operations.find_saved(current_user, kind, args)
    form = SaveForm(formdata=None, kind=kind)
    form.query.data = urlencode(list(args.items(multi=True)))
    return {"form": form, "saved": existing}


def _back() -> str:
    return safe_next(request.form.get("next")) or url_for("alerts.index")


@bp.route("/alerts")
@login_required
def index() -> str:
    searches = operations.searches_of(current_user)
    return render_template(
        "alerts/index.html",
        searches=searches,
        counts=operations.recent_counts(current_user),
        forms={s.id: EditForm(formdata=None, obj=s, prefix=f"s{s.id}") for s in searches},
        delete_form=DeleteForm(),
        conditions=conditions,
        results=lambda s: results_path(s, url_for),
        offer=offer_context(),
    )


@bp.app_template_global("alert_offer")
def offer_context() -> dict[str, object] | None:
    """The alert offered to a focal point or provider who has not taken it (for templates)."""
    if not current_user.is_authenticated:
        return None
    kind = operations.offer_for(current_user)
    if kind is None:
        return None
    return {"kind": kind, "form": OfferForm(formdata=None, kind=kind)}


@bp.route("/alerts/save", methods=["POST"])
@login_required
def save() -> Response:
    form = SaveForm()
    back = _back()
    if not form.validate():
        flash(_("Choose how often to hear of new matches."), "error")
        return redirect(back)
    # the page's query string, bounded: what is kept is then cleaned by the operation
    args = MultiDict(parse_qsl((form.query.data or "")[:MAX_QUERY])[:MAX_FIELDS])
    try:
        with unit_of_work():
            saved = operations.save_search(
                current_user, form.kind.data or "", args, frequency=form.frequency.data
            )
    except DomainError as err:
        if err.status_code == 403:
            raise
        flash(_(err.message), "error")
        return redirect(back)
    flash(
        _(
            "Search saved as “%(name)s”. Rename it or change how you hear of new matches "
            "under “Saved searches”.",
            name=saved.name,
        ),
        "success",
    )
    return redirect(back)


@bp.route("/alerts/offer", methods=["POST"])
@login_required
def offer() -> Response:
    form = OfferForm()
    back = _back()
    if not form.validate():
        flash(_("Choose how often to hear of new matches."), "error")
        return redirect(back)
    try:
        with unit_of_work():
            saved = operations.accept_offer(
                current_user, form.kind.data or "", frequency=form.frequency.data
            )
    except DomainError as err:
        if err.status_code == 403:
            raise
        flash(_(err.message), "error")
        return redirect(back)
    flash(_("Alert set: “%(name)s”.", name=saved.name), "success")
    return redirect(back)


def _owned(saved_id: int):  # type: ignore[no-untyped-def]
    try:
        return operations.owned(current_user, saved_id)
    except NotFound:
        abort(404)


@bp.route("/alerts/<int:saved_id>", methods=["GET", "POST"])
@login_required
def detail(saved_id: int) -> str | Response:
    saved = _owned(saved_id)
    form = EditForm(obj=saved, prefix=f"s{saved.id}")
    if request.method == "POST" and form.validate():
        try:
            with unit_of_work():
                changed = operations.update_search(saved, form.name.data or "", form.frequency.data)
        except DomainError as err:
            copy_errors(form, err)
        else:
            flash(_("Saved.") if changed else _("Nothing changed."), "success")
            return redirect(_back() if request.form.get("next") else request.path)
    return render_template(
        "alerts/detail.html",
        saved=saved,
        form=form,
        delete_form=DeleteForm(),
        conditions=conditions(saved),
        results=results_path(saved, url_for),
        hits=operations.recent_hits(saved, current_user),
    )


@bp.route("/alerts/<int:saved_id>/delete", methods=["POST"])
@login_required
def delete(saved_id: int) -> Response:
    saved = _owned(saved_id)
    if not DeleteForm().validate():
        abort(400)
    name = saved.name
    with unit_of_work():
        operations.delete_search(saved)
    flash(_("Deleted the saved search “%(name)s”.", name=name), "success")
    return redirect(url_for("alerts.index"))


@bp.route("/alerts/unsubscribe/<token>", methods=["GET", "POST"])
@csrf.exempt  # the signed token is the proof; mail programs POST without a form (RFC 8058)
def unsubscribe(token: str) -> str | Response:
    """No sign-in needed. GET shows one button (mail scanners open links); POST stops the
    e-mails, from that button or from a mail program's one-click unsubscribe."""
    try:
        if request.method == "POST":
            with unit_of_work():
                user, searches = operations.unsubscribe(token, apply=True)
        else:
            user, searches = operations.unsubscribe(token, apply=False)
    except NotFound:
        return render_template("alerts/unsubscribe.html", invalid=True), 404  # type: ignore[return-value]
    return render_template(
        "alerts/unsubscribe.html",
        invalid=False,
        done=request.method == "POST",
        searches=searches,
        email=user.email,
        token=token,
    )
