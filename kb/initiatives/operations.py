"""Writing initiatives: the IATI import (all-or-nothing, re-import updates by identifier) and
the stored list of possible overlaps with the Secretariat's verdicts."""

from __future__ import annotations

from dataclasses import dataclass, field
from typing import Any

from flask_babel import gettext as _
from sqlalchemy import func, select

from kb import access
from kb.codes import N_
from kb.errors import Forbidden, Invalid, NotFound
from kb.extensions import db
from kb.history import json_safe, record_revision
from kb.initiatives.iati import Activity, IatiError, ict_security, parse
from kb.models import Country, Organisation, User
from kb.models.initiative import Initiative, InitiativeOverlap, InitiativePartner
from kb.models.types import utcnow
from search.matching import overlaps as overlap_rule

#: IATI OrganisationType codes → our organisation types (for organisations we propose).
ORG_TYPES = {
    "10": "member_state",
    "11": "member_state",
    "15": "member_state",
    "21": "civil_society",
    "22": "civil_society",
    "23": "civil_society",
    "24": "civil_society",
    "30": "international_organisation",
    "40": "international_organisation",
    "60": "civil_society",
    "70": "private_sector",
    "71": "private_sector",
    "72": "private_sector",
    "73": "private_sector",
    "80": "academia",
    "90": "civil_society",
}


@dataclass
class IatiReport:
    kept: list[tuple[str, str, str]] = field(default_factory=list)  # id, title, why
    skipped: list[tuple[str, str]] = field(default_factory=list)  # id, title
    added: int = 0
    updated: int = 0
    matched_organisations: set[str] = field(default_factory=set)
    proposed_organisations: set[str] = field(default_factory=set)
    unknown_countries: set[str] = field(default_factory=set)
    dry_run: bool = False

    def summary(self) -> str:
        """One line for the command line (English, as its other output; the import page words
        the report itself)."""
        verb = "Would add" if self.dry_run else "Added"
        return (
            f"{len(self.kept)} ICT-security activities kept, {len(self.skipped)} skipped as "
            f"not about ICT security. {verb} {self.added}, "
            f"{'would update' if self.dry_run else 'updated'} {self.updated}. Organisations: "
            f"{len(self.matched_organisations)} matched, {len(self.proposed_organisations)} "
            f"{'to be created' if self.dry_run else 'created'}."
        )


def _alpha3() -> dict[str, str]:
    from kb.i18n import alpha2

    known = db.session.scalars(select(Country.iso3)).all()
    return {code: iso3 for iso3 in known if (code := alpha2(iso3))}


def _organisation(
    ref: str | None, name: str, type_code: str | None, report: IatiReport
) -> Organisation:
    if ref:
        found = db.session.scalar(
            select(Organisation).where(Organisation.external_key == f"iati:{ref}")
        )
        if found is not None:
            report.matched_organisations.add(found.name)
            return found
    lowered = name.casefold()
    found = db.session.scalar(
        select(Organisation).where(
            (func.lower(Organisation.name) == lowered)
            | (func.lower(Organisation.acronym) == lowered)
        )
    )
    if found is not None:
        report.matched_organisations.add(found.name)
        return found
    org = Organisation(
        name=name[:200],
        type=ORG_TYPES.get(type_code or "", "international_organisation"),
        external_key=f"iati:{ref}"[:80] if ref else None,
        description="",
    )
    db.session.add(org)
    db.session.flush()
    report.proposed_organisations.add(name)
    return org


def import_iati(data: bytes, actor: User | None, dry_run: bool = False) -> IatiReport:
    """Import the ICT-security activities of an IATI file (the caller's unit of work commits;
    a dry run must be rolled back by the caller). :raise Invalid: unreadable file.
    :raise Forbidden: not the Secretariat."""
    from search.matching.suggest import suggest_codes

    if actor is not None and not access.is_secretariat(actor):
        raise Forbidden(N_("Only the Secretariat imports initiatives."))
    try:
        activities = parse(data)
    except IatiError as err:
        raise Invalid(str(err), {"file": [str(err)]}) from err
    report = IatiReport(dry_run=dry_run)
    countries = _alpha3()
    for activity in activities:
        if not ict_security(activity):
            report.skipped.append((activity.identifier, activity.title))
            continue
        report.kept.append((activity.identifier, activity.title, activity.why_kept))
        _store(activity, actor, countries, report, suggest_codes)
    return report


def _store(
    activity: Activity,
    actor: User | None,
    countries: dict[str, str],
    report: IatiReport,
    suggest: Any,
) -> None:
    states = []
    for code in activity.countries:
        if code in countries:
            states.append(countries[code])
        else:
            report.unknown_countries.add(code)
    codes = suggest(activity.title, activity.description, activity.default_language)
    values = {
        "title": activity.title[:300],
        "description": activity.description[:20000],
        "text_language": activity.default_language,
        "translations": {
            lang: {
                "title": activity.titles.get(lang, ""),
                "description": activity.descriptions.get(lang, ""),
            }
            for lang in set(activity.titles) | set(activity.descriptions)
            if lang != activity.default_language
        },
        "themes": list(codes["themes"]),
        "support_types": list(codes["support_types"]),
        "beneficiary_countries": sorted(set(states)),
        "beneficiary_regions": "; ".join(r for r in activity.regions if r)[:300],
        "start_date": activity.start,
        "end_date": activity.end,
        "budget_amount": activity.budget,
        "budget_currency": (activity.currency or "")[:3] or None,
        "work_status": activity.status,
        "source": f"IATI activity {activity.identifier}"[:500],
    }
    initiative = db.session.scalar(
        select(Initiative).where(Initiative.iati_identifier == activity.identifier)
    )
    if initiative is None:
        initiative = Initiative(iati_identifier=activity.identifier, status="published", **values)
        db.session.add(initiative)
        db.session.flush()
        report.added += 1
        action = "imported"
        changes = {k: [None, json_safe(v)] for k, v in values.items() if k != "translations"}
    else:
        changes = {}
        for key, value in values.items():
            if getattr(initiative, key) != value:
                changes[key] = [json_safe(getattr(initiative, key)), json_safe(value)]
                setattr(initiative, key, value)
        initiative.updated_at = utcnow()
        report.updated += 1
        action = "edited"
        initiative.partners.clear()
        db.session.flush()
    seen = set()
    for role, ref, name in activity.participants:
        org = _organisation(ref, name, None, report)
        if (org.id, role) in seen:
            continue
        seen.add((org.id, role))
        initiative.partners.append(InitiativePartner(organisation_id=org.id, role=role))
    db.session.flush()
    changes.pop("translations", None)
    record_revision(
        initiative,
        actor,
        action,
        changes,
        comment=_("IATI import (%(id)s)", id=activity.identifier),
    )  # type: ignore[arg-type]


def works() -> list[overlap_rule.Work]:
    """Published initiatives as the overlap rule's plain values."""
    rows = db.session.scalars(select(Initiative).where(Initiative.status == "published"))
    return [
        overlap_rule.Work(
            id=i.id,
            title=i.title,
            text=i.description,
            states=frozenset(i.beneficiary_countries),
            themes=frozenset(i.themes),
            funders=frozenset(o.id for o in i.organisations("funder")),
            implementers=frozenset(o.id for o in i.organisations("implementer")),
            start=i.start_date,
            end=i.end_date,
        )
        for i in rows
    ]


def refresh_overlaps() -> int:
    """Recompute the stored overlaps, keeping the Secretariat's verdicts; return how many."""
    found = {(o.first, o.second): o for o in overlap_rule.overlaps(works())}
    stored = {(o.first_id, o.second_id): o for o in db.session.scalars(select(InitiativeOverlap))}
    for key, row in stored.items():
        if key not in found and row.verdict == "open":
            db.session.delete(row)
    for key, overlap in found.items():
        row = stored.get(key)
        if row is None:
            db.session.add(
                InitiativeOverlap(
                    first_id=key[0], second_id=key[1], score=overlap.score, reasons=overlap.reasons
                )
            )
        else:
            row.score, row.reasons = overlap.score, overlap.reasons
    db.session.flush()
    return len(found)


def decide_overlap(actor: User, overlap_id: int, verdict: str) -> InitiativeOverlap:
    if not access.is_secretariat(actor):
        raise Forbidden(N_("Only the Secretariat marks overlaps."))
    if verdict not in ("coordinated", "not_overlap", "open"):
        raise Invalid(
            N_("Unknown verdict."), {"verdict": [N_("Choose coordinated or not an overlap.")]}
        )
    row = db.session.get(InitiativeOverlap, overlap_id)
    if row is None:
        raise NotFound(N_("No such overlap."))
    row.verdict = verdict
    row.decided_at = utcnow()
    db.session.flush()
    return row
