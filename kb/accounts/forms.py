"""Account forms."""

from __future__ import annotations

from flask_babel import lazy_gettext as _l
from flask_wtf import FlaskForm
from wtforms import BooleanField, EmailField, PasswordField, SelectField, StringField, TextAreaField
from wtforms.validators import DataRequired, Email, EqualTo, Length, Optional

from kb import codes
from kb.formfields import choices


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
        validators=[DataRequired(), Length(min=10, max=200)],
        description=_l("At least 10 characters."),
        render_kw={"autocomplete": "new-password"},
    )
    confirm = PasswordField(
        _l("Repeat password"), validators=[DataRequired(), EqualTo("password", "Passwords differ.")]
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
        _l("New password"), validators=[DataRequired(), Length(min=10, max=200)]
    )
    confirm = PasswordField(
        _l("Repeat new password"),
        validators=[DataRequired(), EqualTo("password", "Passwords differ.")],
    )


class ApproveForm(FlaskForm):
    role = SelectField(_l("Role"), choices=choices(codes.ROLES), validators=[DataRequired()])
    country_code = SelectField(_l("State (for focal points)"), choices=[], validators=[Optional()])
    organisation_id = SelectField(
        _l("Organisation (for providers)"), choices=[], validators=[Optional()]
    )
