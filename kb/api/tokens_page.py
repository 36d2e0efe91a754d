"""``/account/tokens``: create, list and revoke personal API tokens."""

from __future__ import annotations

from flask import Blueprint, abort, flash, redirect, render_template, url_for
from flask_babel import gettext as _
from flask_babel import lazy_gettext as _l
from flask_login import current_user, login_required
from flask_wtf import FlaskForm
from werkzeug.wrappers import Response
from wtforms import RadioField, SelectField, StringField
from wtforms.validators import DataRequired, Length

from kb.api import tokens
from kb.errors import Invalid
from kb.formfields import choices
from kb.models.token import SCOPES, WRITE
from kb.models.types import utcnow
from kb.uow import unit_of_work
from kb.views import copy_errors

bp = Blueprint("tokens", __name__)


class TokenForm(FlaskForm):
    name = StringField(
        _l("Name"),
        validators=[DataRequired(), Length(max=80)],
        description=_l("What or where it is used, e.g. “ministry dashboard”."),
    )
    scope = RadioField(
        _l("Scope"),
        choices=choices(SCOPES),
        default="read",
        description=_l("Read: GET only. Write: also create, edit and change status."),
    )
    expires_in_days = SelectField(
        _l("Expires after"),
        choices=choices([(days, _l(label)) for days, label in tokens.EXPIRY_DAYS.items()]),
        default="90",
        coerce=int,
    )


class RevokeForm(FlaskForm):
    pass


def _require_active() -> None:
    if not current_user.is_active:
        abort(403)


@bp.route("", methods=["GET", "POST"])
@login_required
def index() -> str | Response:
    _require_active()
    form = TokenForm()
    created = secret = None
    status = 200
    if form.validate_on_submit():
        try:
            with unit_of_work(index=False):
                created, secret = tokens.create_token(
                    current_user, form.name.data, form.scope.data, form.expires_in_days.data
                )
        except Invalid as err:
            copy_errors(form, err)
            status = 422
        else:
            form = TokenForm(formdata=None)
    elif form.is_submitted():
        status = 422
    return render_template(
        "accounts/tokens.html",
        form=form,
        revoke_form=RevokeForm(),
        tokens=tokens.tokens_of(current_user),
        created=created,
        secret=secret,
        now=utcnow(),
        write=WRITE,
    ), status


@bp.route("/<int:token_id>/revoke", methods=["POST"])
@login_required
def revoke(token_id: int) -> Response:
    _require_active()
    if not RevokeForm().validate_on_submit():
        abort(400)
    with unit_of_work(index=False):
        token = tokens.revoke_token(current_user, token_id)
    flash(_("Token “%(name)s” revoked: it no longer works.", name=token.name), "success")
    return redirect(url_for(".index"))
