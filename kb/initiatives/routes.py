"""Initiative pages: the list with facets, one initiative, possible overlaps, IATI import."""

from __future__ import annotations

from typing import Any

from flask import Blueprint, abort, flash, redirect, render_template, request, url_for
from flask_babel import gettext as _
from flask_login import current_user
from sqlalchemy import func, select

from kb import access, codes
from kb.admin.routes import secretariat_required
from kb.errors import Invalid
from kb.extensions import db
from kb.initiatives import operations, queries
from kb.models import Country, Organisation
from kb.models.initiative import Initiative, InitiativeOverlap, InitiativePartner
from kb.uow import unit_of_work
from kb.uploads.safety import UnsafeFile, check_size, upload_limit

bp = Blueprint("initiatives", __name__, url_prefix="/initiatives")
PER_PAGE = 50


def _facet(role: str, base: Any) -> list[tuple[Organisation, int]]:
    ids = base.with_only_columns(Initiative.id).order_by(None).subquery()
    rows = db.session.execute(
        select(Organisation, func.count())
        .join(InitiativePartner, InitiativePartner.organisation_id == Organisation.id)
        .where(InitiativePartner.role == role, InitiativePartner.initiative_id.in_(select(ids)))
        .group_by(Organisation.id)
        .order_by(func.count().desc(), Organisation.name)
        .limit(30)
    )
    return [(org, count) for org, count in rows]


@bp.route("")
def index() -> str:
    filters = queries.Filters.from_args(request.args)
    base = queries.initiative_query(current_user, filters)
    total = db.session.scalar(select(func.count()).select_from(base.order_by(None).subquery())) or 0
    page = max(
        int(request.args.get("page", "1")) if request.args.get("page", "1").isdigit() else 1, 1
    )
    items = db.session.scalars(base.limit(PER_PAGE).offset((page - 1) * PER_PAGE)).all()
    countries = {c.iso3: c for c in db.session.scalars(select(Country))}
    return render_template(
        "initiatives/index.html",
        items=items,
        total=total,
        page=page,
        pages=max((total + PER_PAGE - 1) // PER_PAGE, 1),
        filters=filters,
        funders=_facet("funder", base),
        implementers=_facet("implementer", base),
        countries=countries,
        work_statuses=codes.labels(codes.WORK_STATUSES),
        args={k: v for k, v in request.args.items() if k != "page"},
    )


@bp.route("/<int:initiative_id>")
def detail(initiative_id: int) -> str:
    item = db.session.get(Initiative, initiative_id)
    if item is None or not queries.can_view(current_user, item):
        abort(404)
    overlaps = db.session.scalars(
        queries.overlaps_query(current_user, verdict="").where(
            (InitiativeOverlap.first_id == item.id) | (InitiativeOverlap.second_id == item.id)
        )
    ).all()
    countries = {c.iso3: c for c in db.session.scalars(select(Country))}
    return render_template(
        "initiatives/detail.html",
        item=item,
        budget=queries.budget_visible(current_user, item),
        overlaps=overlaps,
        countries=countries,
    )


@bp.route("/overlaps", methods=["GET", "POST"])
def overlaps() -> Any:
    if request.method == "POST":
        if not access.is_secretariat(current_user):
            abort(403)
        try:
            overlap_id = int(request.form.get("overlap", ""))
        except ValueError:
            abort(400)
        with unit_of_work():
            operations.decide_overlap(current_user, overlap_id, request.form.get("verdict", ""))
        flash(_("Verdict saved."), "success")
        return redirect(url_for(".overlaps", **request.args))
    state = request.args.get("state", "").strip().upper()[:3]
    verdict = request.args.get("verdict", "open")
    if verdict not in ("open", "coordinated", "not_overlap", ""):
        verdict = "open"
    rows = db.session.scalars(queries.overlaps_query(current_user, state, verdict).limit(200)).all()
    countries = {c.iso3: c for c in db.session.scalars(select(Country))}
    return render_template(
        "initiatives/overlaps.html", rows=rows, state=state, verdict=verdict, countries=countries
    )


@bp.route("/import", methods=["GET", "POST"])
@secretariat_required
def import_page() -> Any:
    if request.method == "GET":
        return render_template("initiatives/import.html", report=None, error=None)
    upload = request.files.get("file")
    dry_run = request.form.get("dry_run") == "1"
    if upload is None or not upload.filename:
        return render_template(
            "initiatives/import.html", report=None, error=_("Choose a file.")
        ), 400
    data = upload.read(upload_limit() + 1)
    try:
        check_size(data)
        with unit_of_work():
            report = operations.import_iati(data, current_user, dry_run=dry_run)
            if dry_run:
                raise _DryRun(report)
            operations.refresh_overlaps()
    except _DryRun as done:
        return render_template("initiatives/import.html", report=done.report, error=None)
    except (Invalid, UnsafeFile) as err:
        return render_template("initiatives/import.html", report=None, error=err.message), 400
    # the page words the report (what was kept, added, updated)
    return render_template("initiatives/import.html", report=report, error=None)


class _DryRun(Exception):
    """Raised inside the unit of work so that a dry run writes nothing."""

    def __init__(self, report: operations.IatiReport) -> None:
        super().__init__("dry run")
        self.report = report


@bp.app_template_global()
def initiatives_in(iso3: str, limit: int = 20) -> list[Initiative]:
    """Initiatives the viewer may see that take place in ``iso3`` (country pages)."""
    query = queries.initiative_query(current_user, queries.Filters(beneficiary=iso3))
    return list(db.session.scalars(query.limit(limit)))


@bp.app_template_global()
def initiatives_of(org_id: int, role: str, limit: int = 20) -> list[Initiative]:
    """Initiatives the viewer may see that ``org_id`` funds or implements (organisation pages)."""
    filters = (
        queries.Filters(funder=org_id) if role == "funder" else queries.Filters(implementer=org_id)
    )
    return list(db.session.scalars(queries.initiative_query(current_user, filters).limit(limit)))
