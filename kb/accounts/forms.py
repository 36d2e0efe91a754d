"""Account forms."""

from __future__ import annotations

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
    name = StringField("Full name", validators=[DataRequired(), Length(max=120)])
    email = EmailField(
        "Work email",
        validators=[DataRequired(), Email(check_deliverability=False), Length(max=254)],
    )
    represents = StringField(
        "State or organisation you represent",
        validators=[DataRequired(), Length(max=200)],
        description="For example: Ministry of ICT, Kenya — or: Internet Society.",
    )
    note = TextAreaField(
        "Note for the Secretariat",
        validators=[Optional(), Length(max=2000)],
        description="Your position and how the Secretariat can verify it.",
    )
    password = PasswordField(
        "Password",
        validators=[DataRequired(), StrongPassword("name", "email")],
        description="At least 10 characters and hard to guess: a few unusual words work well.",
        render_kw={"autocomplete": "new-password"},
    )
    confirm = PasswordField(
        "Repeat password", validators=[DataRequired(), EqualTo("password", "Passwords differ.")]
    )


class LoginForm(FlaskForm):
    email = EmailField(
        "Email",
        validators=[DataRequired(), Length(max=254)],
        render_kw={"autocomplete": "username"},
    )
    password = PasswordField(
        "Password",
        validators=[DataRequired(), Length(max=200)],
        render_kw={"autocomplete": "current-password"},
    )
    remember = BooleanField("Keep me logged in on this device")


class ChangePasswordForm(FlaskForm):
    current_password = PasswordField(
        "Current password",
        validators=[DataRequired()],
        render_kw={"autocomplete": "current-password"},
    )
    password = PasswordField(
        "New password",
        validators=[DataRequired(), StrongPassword()],
        description="At least 10 characters and hard to guess: a few unusual words work well.",
        render_kw={"autocomplete": "new-password"},
    )
    confirm = PasswordField(
        "Repeat new password",
        validators=[DataRequired(), EqualTo("password", "Passwords differ.")],
    )


class ResetRequestForm(FlaskForm):
    email = EmailField(
        "Email of your account",
        validators=[DataRequired(), Length(max=254)],
        render_kw={"autocomplete": "username"},
    )


class ResetPasswordForm(FlaskForm):
    password = ChangePasswordForm.password
    confirm = ChangePasswordForm.confirm


class CodeForm(FlaskForm):
    code = StringField(
        "Code from your authenticator app",
        validators=[DataRequired(), Length(max=12)],
        render_kw={"autocomplete": "one-time-code", "inputmode": "numeric"},
    )


class DisableTwoFactorForm(FlaskForm):
    password = PasswordField(
        "Password", validators=[DataRequired()], render_kw={"autocomplete": "current-password"}
    )
    code = CodeForm.code


class ApproveForm(FlaskForm):
    role = SelectField("Role", choices=choices(codes.ROLES), validators=[DataRequired()])
    country_code = SelectField("State (for focal points)", choices=[], validators=[Optional()])
    organisation_id = SelectField(
        "Organisation (for providers)", choices=[], validators=[Optional()]
    )
