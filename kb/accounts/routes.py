"""Account pages: register, log in, log out, change password."""

from __future__ import annotations

from flask import Blueprint, current_app, flash, redirect, render_template, request, url_for
from flask_login import current_user, login_required, login_user, logout_user
from werkzeug.wrappers import Response

from kb.accounts import operations
from kb.accounts.forms import ChangePasswordForm, LoginForm, RegisterForm
from kb.errors import DomainError, Forbidden
from kb.uow import unit_of_work
from kb.views import copy_errors, safe_next

bp = Blueprint("accounts", __name__)


@bp.route("/register", methods=["GET", "POST"])
def register() -> str | Response:
    form = RegisterForm()
    if form.validate_on_submit():
        try:
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
                "Thank you. The Secretariat will check your account and bind it to the state or "
                "organisation you represent; you can log in once it is approved.",
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
        cfg = current_app.config
        if operations.throttled(
            form.email.data, addr, cfg["LOGIN_MAX_FAILURES"], cfg["LOGIN_WINDOW_MINUTES"]
        ):
            flash(
                f"Too many failed attempts. Wait {cfg['LOGIN_WINDOW_MINUTES']} minutes "
                "and try again.",
                "error",
            )
            return render_template("accounts/login.html", form=form), 429
        try:
            with unit_of_work():
                user = operations.authenticate(form.email.data, form.password.data, addr)
        except Forbidden as err:
            flash(err.message, "error")
            status = 403
        else:
            if user is None:
                flash("Wrong email or password.", "error")
                status = 401
            else:
                login_user(user, remember=form.remember.data)
                flash(f"Welcome, {user.name}.", "success")
                return redirect(safe_next(request.args.get("next")) or url_for("main.my_work"))
    return render_template("accounts/login.html", form=form), status


@bp.route("/logout", methods=["POST"])
def logout() -> Response:
    logout_user()
    flash("You are logged out.", "info")
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
            flash("Password changed. Other sessions were logged out.", "success")
            return redirect(url_for("main.my_work"))
    return render_template("accounts/password.html", form=form)
