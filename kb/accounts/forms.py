"""Account forms."""

from __future__ import annotations

from flask_wtf import FlaskForm
from wtforms import BooleanField, EmailField, PasswordField, SelectField, StringField, TextAreaField
from wtforms.validators import DataRequired, Email, EqualTo, Length, Optional

from kb import codes
from kb.formfields import choices


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
        validators=[DataRequired(), Length(min=10, max=200)],
        description="At least 10 characters.",
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
    password = PasswordField("New password", validators=[DataRequired(), Length(min=10, max=200)])
    confirm = PasswordField(
        "Repeat new password",
        validators=[DataRequired(), EqualTo("password", "Passwords differ.")],
    )


class ApproveForm(FlaskForm):
    role = SelectField("Role", choices=choices(codes.ROLES), validators=[DataRequired()])
    country_code = SelectField("State (for focal points)", choices=[], validators=[Optional()])
    organisation_id = SelectField(
        "Organisation (for providers)", choices=[], validators=[Optional()]
    )
