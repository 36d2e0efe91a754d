"""The Secretariat's pages: the queue of accounts and records awaiting it, and accounts."""

from __future__ import annotations

from functools import wraps
from typing import Any

from flask import Blueprint, abort, flash, redirect, render_template, url_for
from flask_babel import gettext as _
from flask_login import current_user, login_required
from sqlalchemy import select
from werkzeug.wrappers import Response

from kb import access
from kb.accounts import operations as accounts
from kb.accounts.forms import ApproveForm
from kb.admin import queries
from kb.catalogue.forms import CommentForm
from kb.errors import DomainError
from kb.extensions import db
from kb.formfields import choices
from kb.i18n import country_choices
from kb.models import Country, Organisation, Programme, Request, User
from kb.models.initiative import Initiative
from kb.uow import unit_of_work

bp = Blueprint("admin", __name__)


def secretariat_required(view: Any) -> Any:
    @wraps(view)
    @login_required
    def wrapped(*args: Any, **kwargs: Any) -> Any:
        if not access.is_secretariat(current_user):
            abort(403)
        return view(*args, **kwargs)

    return wrapped


def _approve_choices() -> tuple[list[tuple[str, str]], list[tuple[str, str]]]:
    """The state and organisation choices of the approval form."""
    countries = db.session.scalars(select(Country).order_by(Country.name))
    orgs = db.session.scalars(select(Organisation).order_by(Organisation.name))
    return (
        choices([("", "—"), *country_choices(countries)]),
        choices([("", "—")] + [(str(o.id), o.display_name) for o in orgs]),
    )


def _approve_form(
    suggest_for: User | None = None,
    options: tuple[list[tuple[str, str]], list[tuple[str, str]]] | None = None,
) -> ApproveForm:
    """The approval form; for ``suggest_for`` (a pending account, on the queue page) it comes
    preselected with the binding suggested from what they wrote."""
    form = ApproveForm() if suggest_for is None else ApproveForm(formdata=None)
    form.country_code.choices, form.organisation_id.choices = options or _approve_choices()
    suggested = accounts.suggested_binding(suggest_for) if suggest_for is not None else None
    if suggested is not None:
        role, country_code, organisation_id = suggested
        form.role.data = role
        form.country_code.data = country_code or ""
        form.organisation_id.data = str(organisation_id) if organisation_id else ""
    return form


@bp.route("/queue")
@secretariat_required
def queue() -> str:
    pending = db.session.scalars(queries.pending_accounts()).all()
    waiting = [
        *db.session.scalars(queries.to_publish(Request)),
        *db.session.scalars(queries.to_publish(Programme)),
    ]
    waiting.sort(key=lambda r: r.updated_at)
    options = _approve_choices()
    return render_template(
        "admin/queue.html",
        pending=pending,
        waiting=waiting,
        initiatives=db.session.scalars(queries.to_publish(Initiative)).all(),
        open_overlaps=queries.count(queries.open_overlaps()),
        forms={u.id: _approve_form(u, options) for u in pending},
        comment_form=CommentForm(),
    )


@bp.route("/accounts")
@secretariat_required
def accounts_list() -> str:
    users = db.session.scalars(select(User).order_by(User.status, User.name)).all()
    return render_template("admin/accounts.html", users=users, comment_form=CommentForm())


@bp.route("/accounts/<int:user_id>/approve", methods=["POST"])
@secretariat_required
def approve(user_id: int) -> Response:
    form = _approve_form()
    user = accounts.get_user(user_id)
    if not form.validate():
        flash(_("Choose a role, and the state or organisation it applies to."), "error")
        return redirect(url_for(".queue"))
    org_id = int(form.organisation_id.data) if form.organisation_id.data else None
    try:
        with unit_of_work():
            accounts.approve(
                current_user, user, form.role.data, form.country_code.data or None, org_id
            )
    except DomainError as err:
        flash(_("%(email)s: %(message)s", email=user.email, message=err.message), "error")
    else:
        flash(_("%(name)s is approved.", name=user.name), "success")
    return redirect(url_for(".queue"))


@bp.route("/accounts/<int:user_id>/<any(disable,enable):action>", methods=["POST"])
@secretariat_required
def set_disabled(user_id: int, action: str) -> Response:
    if not CommentForm().validate():
        abort(400)
    user = accounts.get_user(user_id)
    try:
        with unit_of_work():
            accounts.set_disabled(current_user, user, action == "disable")
    except DomainError as err:
        flash(err.message, "error")
    else:
        done = _("%(name)s: disabled.") if action == "disable" else _("%(name)s: enabled.")
        flash(done % {"name": user.name}, "success")
    return redirect(url_for(".accounts_list"))


@bp.route("/jobs")
@secretariat_required
def jobs() -> str:
    from kb.jobs.queue import get_queue
    from kb.jobs.records import failed_jobs

    return render_template(
        "admin/jobs.html",
        failed=failed_jobs(),
        queue_kind=get_queue().kind,
        comment_form=CommentForm(),
    )


@bp.route("/jobs/<int:job_id>/retry", methods=["POST"])
@secretariat_required
def retry_job(job_id: int) -> Response:
    from kb.jobs.records import retry_failed

    if not CommentForm().validate():
        abort(400)
    try:
        retry_failed(job_id)
    except LookupError:
        flash(_("That job is no longer waiting for a retry."), "error")
    else:
        flash(_("Job %(id)s queued again.", id=job_id), "success")
    return redirect(url_for(".jobs"))
