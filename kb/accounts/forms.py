"""Account forms."""

from __future__ import annotations

from flask_babel import lazy_gettext as _l
from flask_wtf import FlaskForm
from wtforms import (
    BooleanField,
    EmailField,
    Field,
    PasswordField,
    SelectField,
    StringField,
    TextAreaField,
)
from wtforms.validators import DataRequired, Email, EqualTo, Length, Optional, ValidationError

from kb import codes
from kb.accounts.passwords import check_password
from kb.errors import Invalid
from kb.formfields import choices


class StrongPassword:
    """Runs the password policy (kb.accounts.passwords) on the field, with the other fields'
    values that a guesser would try (name, email)."""

    def __init__(self, *personal_fields: str) -> None:
        self.personal_fields = personal_fields

    def __call__(self, form: FlaskForm, field: Field) -> None:
        personal = [str(form[name].data or "") for name in self.personal_fields if name in form]
        try:
            check_password(field.data or "", personal, field=field.name)
        except Invalid as err:
            raise ValidationError(" ".join(err.fields.get(field.name, [err.message]))) from err


class RegisterForm(FlaskForm):
    name = StringField(_l("Full name"), validators=[DataRequired(), Length(max=120)])
    email = EmailField(
        _l("Work email"),
        validators=[DataRequired(), Email(check_deliverability=False), Length(max=254)],
    )
    represents = StringField(
        _l("State or organisation you represent"),
        validators=[DataRequired(), Length(max=200)],
        description=_l("For example: Ministry of ICT, Kenya — or: Internet Society."),
    )
    note = TextAreaField(
        _l("Note for the Secretariat"),
        validators=[Optional(), Length(max=2000)],
        description=_l("Your position and how the Secretariat can verify it."),
    )
    password = PasswordField(
        _l("Password"),
        validators=[DataRequired(), StrongPassword("name", "email")],
        description=_l("At least 10 characters and hard to guess: a few unusual words work well."),
        render_kw={"autocomplete": "new-password"},
    )
    confirm = PasswordField(
        _l("Repeat password"),
        validators=[DataRequired(), EqualTo("password", _l("Passwords differ."))],
    )


class LoginForm(FlaskForm):
    email = EmailField(
        _l("Email"),
        validators=[DataRequired(), Length(max=254)],
        render_kw={"autocomplete": "username"},
    )
    password = PasswordField(
        _l("Password"),
        validators=[DataRequired(), Length(max=200)],
        render_kw={"autocomplete": "current-password"},
    )
    remember = BooleanField(_l("Keep me logged in on this device"))


class ChangePasswordForm(FlaskForm):
    current_password = PasswordField(
        _l("Current password"),
        validators=[DataRequired()],
        render_kw={"autocomplete": "current-password"},
    )
    password = PasswordField(
        _l("New password"),
        validators=[DataRequired(), StrongPassword()],
        description=_l("At least 10 characters and hard to guess: a few unusual words work well."),
        render_kw={"autocomplete": "new-password"},
    )
    confirm = PasswordField(
        _l("Repeat new password"),
        validators=[DataRequired(), EqualTo("password", _l("Passwords differ."))],
    )


class ResetRequestForm(FlaskForm):
    email = EmailField(
        _l("Email of your account"),
        validators=[DataRequired(), Length(max=254)],
        render_kw={"autocomplete": "username"},
    )


class ResetPasswordForm(FlaskForm):
    password = ChangePasswordForm.password
    confirm = ChangePasswordForm.confirm


class CodeForm(FlaskForm):
    code = StringField(
        _l("Code from your authenticator app"),
        validators=[DataRequired(), Length(max=12)],
        render_kw={"autocomplete": "one-time-code", "inputmode": "numeric"},
    )


class DisableTwoFactorForm(FlaskForm):
    password = PasswordField(
        _l("Password"), validators=[DataRequired()], render_kw={"autocomplete": "current-password"}
    )
    code = CodeForm.code


class ApproveForm(FlaskForm):
    role = SelectField(_l("Role"), choices=choices(codes.ROLES), validators=[DataRequired()])
    country_code = SelectField(_l("State (for focal points)"), choices=[], validators=[Optional()])
    organisation_id = SelectField(
        _l("Organisation (for providers)"), choices=[], validators=[Optional()]
    )
