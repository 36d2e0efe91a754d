"""Account pages: register, log in (with an optional second step), log out, password change
and reset, two-factor sign-in."""

from __future__ import annotations

from flask import (
    Blueprint,
    abort,
    current_app,
    flash,
    redirect,
    render_template,
    request,
    session,
    url_for,
)
from flask_babel import gettext as _
from flask_login import current_user, login_required, login_user, logout_user
from markupsafe import Markup
from werkzeug.wrappers import Response

from kb.accounts import operations, resets, twofactor
from kb.accounts.forms import (
    ChangePasswordForm,
    CodeForm,
    DisableTwoFactorForm,
    LoginForm,
    RegisterForm,
    ResetPasswordForm,
    ResetRequestForm,
)
from kb.accounts.throttle import Policy, record_failure, wait_seconds
from kb.errors import DomainError, Forbidden
from kb.models import User
from kb.uow import unit_of_work
from kb.views import copy_errors, safe_next

bp = Blueprint("accounts", __name__)


@bp.route("/register", methods=["GET", "POST"])
def register() -> str | Response:
    form = RegisterForm()
    if form.validate_on_submit():
        try:  # the same answer whether or not the address has an account (no enumeration)
            with unit_of_work():
                operations.register(
                    form.name.data,
                    form.email.data,
                    form.password.data,
                    form.represents.data,
                    form.note.data or "",
                )
        except DomainError as err:
            copy_errors(form, err)
        else:
            flash(
                _(
                    "Thank you. The Secretariat will check your account and bind it to the "
                    "state or organisation you represent; you can log in once it is approved."
                ),
                "success",
            )
            return redirect(url_for("main.home"))
    return render_template("accounts/register.html", form=form)


@bp.route("/login", methods=["GET", "POST"])
def login() -> str | Response:
    form = LoginForm()
    status = 200
    if form.validate_on_submit():
        addr = request.remote_addr or "unknown"
        if refused := _throttled(form.email.data, addr):
            return render_template("accounts/login.html", form=form), refused
        try:
            with unit_of_work():
                user = operations.authenticate(form.email.data, form.password.data, addr)
        except Forbidden as err:
            flash(err.message, "error")
            status = 403
        else:
            if user is None:
                flash(_("Wrong email or password."), "error")
                status = 401
            elif user.has_2fa:
                session[_PENDING_2FA] = {"id": user.get_id(), "remember": bool(form.remember.data)}
                return redirect(url_for(".login_code", next=request.args.get("next")))
            else:
                return _signed_in(user, bool(form.remember.data))
    return render_template("accounts/login.html", form=form), status


@bp.route("/login/code", methods=["GET", "POST"])
def login_code() -> str | Response:
    """The second step for accounts with two-factor sign-in: a code from the app."""
    pending = session.get(_PENDING_2FA) or {}
    user = operations.load_user(str(pending.get("id", "")))
    if user is None or not user.is_active:
        session.pop(_PENDING_2FA, None)
        flash(_("Log in first."), "info")
        return redirect(url_for(".login"))
    form = CodeForm()
    status = 200
    if form.validate_on_submit():
        addr = request.remote_addr or "unknown"
        if refused := _throttled(user.email, addr):
            return render_template("accounts/login_code.html", form=form), refused
        try:
            with unit_of_work():
                twofactor.verify(user, form.code.data)
        except DomainError as err:
            with unit_of_work():
                record_failure(user.email, addr)
            copy_errors(form, err)
            status = 401
        else:
            session.pop(_PENDING_2FA, None)
            return _signed_in(user, bool(pending.get("remember")))
    return render_template("accounts/login_code.html", form=form), status


_PENDING_2FA = "pending_2fa"


def _throttled(email: str, addr: str) -> int:
    """429 (with a message saying how long to wait) while sign-in is slowed down, else 0."""
    cfg = current_app.config
    policy = Policy(free=cfg["LOGIN_MAX_FAILURES"], window_minutes=cfg["LOGIN_WINDOW_MINUTES"])
    wait = wait_seconds(email, addr, policy)
    if not wait:
        return 0
    flash(
        _("Too many failed attempts. Wait %(seconds)s seconds and try again.", seconds=wait),
        "error",
    )
    return 429


def _signed_in(user: User, remember: bool) -> Response:
    login_user(user, remember=remember)
    flash(_("Welcome, %(name)s.", name=user.name), "success")
    if current_app.config.get("REQUIRE_2FA") and user.is_secretariat and not user.has_2fa:
        flash(_("Secretariat accounts must use two-factor sign-in: set it up now."), "info")
        return redirect(url_for(".two_factor"))
    home = url_for("admin.queue") if user.is_secretariat else url_for("main.my_work")
    return redirect(safe_next(request.args.get("next")) or home)


@bp.route("/logout", methods=["POST"])
def logout() -> Response:
    logout_user()
    flash(_("You are logged out."), "info")
    return redirect(url_for("main.home"))


@bp.route("/password", methods=["GET", "POST"])
@login_required
def change_password() -> str | Response:
    form = ChangePasswordForm()
    if form.validate_on_submit():
        try:
            with unit_of_work():
                operations.change_password(
                    current_user, form.current_password.data, form.password.data
                )
        except DomainError as err:
            copy_errors(form, err)
        else:
            login_user(current_user._get_current_object())  # new session token: stay logged in
            flash(_("Password changed. Other sessions were logged out."), "success")
            return redirect(url_for("main.my_work"))
    return render_template("accounts/password.html", form=form)


@bp.route("/reset", methods=["GET", "POST"])
def reset_request() -> str | Response:
    form = ResetRequestForm()
    if form.validate_on_submit():
        with unit_of_work():
            resets.request_reset(
                form.email.data,
                lambda token: url_for(".reset_password", token=token, _external=True),
            )
        flash(
            _(
                "If an account uses this address, we have sent it a link to choose a new "
                "password. The link works once, for one hour."
            ),
            "info",
        )
        return redirect(url_for(".login"))
    return render_template("accounts/reset_request.html", form=form)


@bp.route("/reset/<token>", methods=["GET", "POST"])
def reset_password(token: str) -> str | Response:
    try:
        resets.user_for_token(token)
    except DomainError as err:
        flash(err.message, "error")
        return redirect(url_for(".reset_request"))
    form = ResetPasswordForm()
    if form.validate_on_submit():
        try:
            with unit_of_work():
                resets.reset_password(token, form.password.data)
        except DomainError as err:
            copy_errors(form, err)
        else:
            logout_user()
            flash(_("Your password was changed. Log in with the new one."), "success")
            return redirect(url_for(".login"))
    return render_template("accounts/reset_password.html", form=form)


@bp.route("/two-factor", methods=["GET", "POST"])
@login_required
def two_factor() -> str | Response:
    """Set up (or turn off) two-factor sign-in for the current account."""
    user = current_user._get_current_object()
    if user.has_2fa:
        form = DisableTwoFactorForm()
        if form.validate_on_submit():
            if current_app.config.get("REQUIRE_2FA") and user.is_secretariat:
                flash(_("Secretariat accounts must keep two-factor sign-in."), "error")
                return redirect(url_for(".two_factor"))
            try:
                with unit_of_work():
                    twofactor.disable(user, form.password.data, form.code.data)
            except DomainError as err:
                copy_errors(form, err)
            else:
                flash(_("Two-factor sign-in is off."), "success")
                return redirect(url_for(".change_password"))
        return render_template("accounts/two_factor.html", form=form, enabled=True)
    secret = session.get("new_totp_secret") or twofactor.new_secret()
    session["new_totp_secret"] = secret
    form = CodeForm()
    if form.validate_on_submit():
        try:
            with unit_of_work():
                twofactor.enable(user, secret, form.code.data)
        except DomainError as err:
            copy_errors(form, err)
        else:
            session.pop("new_totp_secret", None)
            flash(
                _("Two-factor sign-in is on. You will be asked for a code at each login."),
                "success",
            )
            return redirect(url_for("main.my_work"))
    uri = twofactor.provisioning_uri(user, secret)
    return render_template(
        "accounts/two_factor.html",
        form=form,
        enabled=False,
        secret=secret,
        qr=Markup(twofactor.qr_svg(uri)),
    )


@bp.before_app_request
def require_two_factor() -> Response | None:
    """With ``KB_REQUIRE_2FA=1``, a signed-in Secretariat account without two-factor sign-in
    can only reach the set-up page (and log out) until it has it."""
    if not current_app.config.get("REQUIRE_2FA") or not current_user.is_authenticated:
        return None
    if not current_user.is_secretariat or current_user.has_2fa:
        return None
    if request.endpoint in {"accounts.two_factor", "accounts.logout", "static"}:
        return None
    if request.blueprint and request.blueprint.startswith("api"):
        abort(403)
    return redirect(url_for("accounts.two_factor"))
