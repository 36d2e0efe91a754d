"""The status-change view shared by catalogue records and initiatives.

A POST applies a moderation action; a consequential one (withdraw, close …) first shows a
confirmation page, whose button posts back with ``confirmed=yes``.
"""

from __future__ import annotations

from collections.abc import Callable, Iterable, Mapping
from typing import Any, Protocol

from flask import abort, flash, redirect, render_template, request
from flask_babel import gettext as _
from flask_login import current_user
from werkzeug.wrappers import Response

from kb import codes
from kb.catalogue.forms import CommentForm
from kb.errors import DomainError
from kb.uow import unit_of_work


class Transition(Protocol):
    confirm: Any


def status_change(
    *,
    record: Any,
    action: str,
    transitions: Mapping[str, Transition],
    allowed_actions: Callable[[Any, Any], Iterable[tuple[str, Any]]],
    change_status: Callable[[Any, Any, str, str | None], str],
    statuses: Any,
    detail_url: str,
    action_url: str,
) -> str | Response:
    """Confirm (GET, or a POST without ``confirmed=yes`` for a consequential action) or apply."""
    transition = transitions.get(action)
    if transition is None:
        abort(404)
    form = CommentForm()
    needs_confirmation = bool(transition.confirm) and request.form.get("confirmed") != "yes"
    if request.method == "GET" or needs_confirmation:
        if action not in dict(allowed_actions(current_user, record)):
            abort(403)
        return render_template(
            "catalogue/confirm_status.html",
            record=record,
            detail_url=detail_url,
            action_url=action_url,
            action=action,
            transition=transition,
            form=form,
        )
    if not form.validate():
        abort(400)
    try:
        with unit_of_work():
            status = change_status(current_user, record, action, form.comment.data)
    except DomainError as err:
        if err.status_code == 403:
            raise
        flash(err.message, "error")
    else:
        flash(_("Status is now: %(status)s.", status=codes.label(statuses, status)), "success")
    return redirect(detail_url)
