"""Writing initiatives: by hand (the form and the API, with moderation as for programmes), the
IATI import (all-or-nothing, re-import updates by identifier) and the stored list of possible
overlaps with the Secretariat's verdicts. Operations flush; the caller's unit of work commits."""

from __future__ import annotations

from dataclasses import dataclass, field
from typing import Any

from flask_babel import gettext as _
from flask_babel import lazy_gettext as _l
from marshmallow import ValidationError
from sqlalchemy import func, select

from kb import access
from kb.catalogue.operations import OWNER, SECRETARIAT, Transition, field_messages
from kb.codes import N_
from kb.errors import Conflict, Forbidden, Invalid, NotFound
from kb.extensions import db
from kb.history import apply_changes, json_safe, record_revision
from kb.initiatives import queries
from kb.initiatives.iati import Activity, IatiError, ict_security, parse
from kb.initiatives.schemas import ROLE_OF, InitiativeInputSchema
from kb.models import Country, Organisation, Revision, User
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
    after_change(initiative, changes)


# --- written by hand: the form, the API and the CSV/XLSX template -------------------------

EITHER = "either"
#: Moderation as for programmes: partners write drafts and submit them, the Secretariat
#: publishes (or returns with a comment); either withdraws, the Secretariat reinstates.
TRANSITIONS: dict[str, Transition] = {
    "submit": Transition(
        frozenset({"draft"}), "submitted", OWNER, label=N_("Submit for publication")
    ),
    "publish": Transition(frozenset({"submitted"}), "published", SECRETARIAT, label=N_("Publish")),
    "return": Transition(
        frozenset({"submitted", "published"}), "draft", SECRETARIAT, True, N_("Return to owner")
    ),
    "withdraw": Transition(
        frozenset({"draft", "submitted", "published"}),
        "withdrawn",
        EITHER,
        label=N_("Withdraw"),
        confirm=N_(
            "Withdrawing hides this record from everyone but its owner and the Secretariat, and "
            "only the Secretariat can reinstate it."
        ),
    ),
    "reinstate": Transition(frozenset({"withdrawn"}), None, SECRETARIAT, label=N_("Reinstate")),
}
_SCHEMA = InitiativeInputSchema()
#: Fields of the input that are columns of the initiative (the rest are its partners).
COLUMNS = tuple(name for name in InitiativeInputSchema._declared_fields if name not in ROLE_OF)


def load_input(data: dict[str, Any]) -> dict[str, Any]:
    """``data`` checked by the one schema, with the references it names (organisations,
    states). :raise Invalid: with a message for each field at fault."""
    cleaned = {k: v.strip() if isinstance(v, str) else v for k, v in data.items()}
    for key in ("budget_amount", "budget_currency", "start_date", "end_date"):
        if cleaned.get(key) == "":
            cleaned[key] = None
    for key in ("description", "beneficiary_regions", "outputs"):
        if key in cleaned and cleaned[key] is None:
            cleaned[key] = ""
    if isinstance(cleaned.get("budget_currency"), str):
        cleaned["budget_currency"] = cleaned["budget_currency"].upper()
    if isinstance(cleaned.get("beneficiary_countries"), list):
        cleaned["beneficiary_countries"] = [
            str(c).strip().upper() for c in cleaned["beneficiary_countries"]
        ]
    problems: dict[str, list[str]] = {}
    try:
        values = _SCHEMA.load(cleaned)
    except ValidationError as err:
        messages = err.messages if isinstance(err.messages, dict) else {"_": err.messages}
        problems = field_messages(messages)
        values = err.valid_data if isinstance(err.valid_data, dict) else {}
    for name, messages in _reference_problems(values).items():
        problems.setdefault(name, messages)
    if problems:
        raise Invalid(_l("Please correct the fields marked."), problems)
    values["beneficiary_countries"] = sorted(set(values["beneficiary_countries"]))
    for name in ROLE_OF:
        values[name] = list(dict.fromkeys(values[name]))
    return values


def _reference_problems(values: dict[str, Any]) -> dict[str, list[str]]:
    """Unknown states and organisations among the (otherwise valid) ``values``."""
    problems: dict[str, list[str]] = {}
    states = values.get("beneficiary_countries") or []
    known = set(db.session.scalars(select(Country.iso3).where(Country.iso3.in_(states))))
    unknown = [c for c in states if c not in known]
    if unknown:
        problems["beneficiary_countries"] = [
            str(_l("Unknown country code(s): %(codes)s.", codes=", ".join(unknown)))
        ]
    wanted = {i for name in ROLE_OF for i in values.get(name) or []}
    found = set(db.session.scalars(select(Organisation.id).where(Organisation.id.in_(wanted))))
    for name in ROLE_OF:
        if any(i not in found for i in values.get(name) or []):
            problems[name] = [str(_l("Unknown organisation."))]
    return problems


def _suggest_codes(values: dict[str, Any]) -> None:
    """Themes and support types left empty are suggested from the text (as for IATI)."""
    if values.get("themes") and values.get("support_types"):
        return
    from search.matching.suggest import suggest_codes

    guess = suggest_codes(values["title"], values["description"], values["text_language"])
    for name in ("themes", "support_types"):
        if not values.get(name):
            values[name] = list(guess[name])


def _check_own_organisation(actor: Any, values: dict[str, Any]) -> None:
    """A provider writes only initiatives its own organisation takes part in."""
    if access.is_secretariat(actor):
        return
    org = getattr(actor, "organisation_id", None)
    if not any(org in values[name] for name in ROLE_OF):
        message = _l("Name your own organisation as a funder, implementer or partner.")
        raise Invalid(message, {"funders": [str(message)]})


def _partner_names(initiative: Initiative, role: str) -> list[str]:
    return [o.display_name for o in initiative.organisations(role)]


def _set_partners(initiative: Initiative, values: dict[str, Any]) -> dict[str, list[Any]]:
    """Replace the partners when they differ; return the changes (names, for the history)."""
    changes: dict[str, list[Any]] = {}
    current = {
        name: [p.organisation_id for p in initiative.partners if p.role == role]
        for name, role in ROLE_OF.items()
    }
    if all(sorted(current[name]) == sorted(values[name]) for name in ROLE_OF):
        return changes
    before = {name: _partner_names(initiative, role) for name, role in ROLE_OF.items()}
    initiative.partners.clear()
    db.session.flush()
    for name, role in ROLE_OF.items():
        for org_id in values[name]:
            initiative.partners.append(InitiativePartner(organisation_id=org_id, role=role))
    db.session.flush()
    db.session.expire(initiative, ["partners"])
    for name, role in ROLE_OF.items():
        after = _partner_names(initiative, role)
        if after != before[name]:
            changes[name] = [before[name], after]
    return changes


def after_change(initiative: Initiative, changes: dict[str, list[Any]] | None = None) -> None:
    """Derived data catches up after the commit (``kb.uow.follow_up_jobs``: the
    ``initiatives.refresh`` job): the landscape report's stored counts of the changed
    initiatives and the stored overlaps (they compare every published initiative of the same
    states: not work for a page view), its search document (the search queue, in this
    transaction), and the stored matches of the requests its beneficiary states, before and
    after the change (``changes``), can move (``match.refresh`` with ``states``)."""
    from kb.history import queue_for_index, touch_match_states

    queue_for_index("initiative", initiative.id)
    before = ((changes or {}).get("beneficiary_countries") or [None])[0] or []
    touch_match_states([*initiative.beneficiary_countries, *before])


def changed_initiatives() -> list[int]:
    """The initiatives this unit of work changed (for imports that bring derived data up to
    date themselves, before their commit)."""
    refs = db.session.info.get("changed_refs", set())
    return sorted(record_id for kind, record_id in refs if kind == "initiative")


def refresh_derived(initiative_ids: list[int]) -> int:
    """The report counts of these initiatives, and the overlaps; return how many overlaps."""
    from kb.reports import counts

    counts.update_records((), (), initiative_ids)
    return refresh_overlaps()


def create_initiative(
    actor: User | None,
    data: dict[str, Any],
    comment: str | None = None,
    action: str | None = None,
    **extra: Any,
) -> Initiative:
    """A new initiative, a draft (``actor`` None: the trusted loader). Imports pass
    ``action="imported"`` and ``extra`` columns (``status``, ``external_key``); a provider may
    only write drafts.

    :raise Invalid: bad fields. :raise Forbidden: neither the Secretariat nor a provider.
    """
    if actor is not None and not queries.can_create(actor):
        raise Forbidden(_l("Only the Secretariat and providers write initiatives."))
    values = load_input(data)
    if actor is not None:
        _check_own_organisation(actor, values)
        if not access.is_secretariat(actor):
            extra["status"] = "draft"
    _suggest_codes(values)
    columns = {k: values[k] for k in COLUMNS}
    initiative = Initiative(
        **columns,
        status=extra.get("status", "draft"),
        external_key=extra.get("external_key"),
        created_by_id=actor.id if actor is not None else None,
        source=extra.get("source", ""),
    )
    db.session.add(initiative)
    db.session.flush()
    for name, role in ROLE_OF.items():
        for org_id in values[name]:
            initiative.partners.append(InitiativePartner(organisation_id=org_id, role=role))
    db.session.flush()
    db.session.expire(initiative, ["partners"])
    changes = {k: [None, json_safe(v)] for k, v in columns.items() if v not in (None, "", [])}
    for name, role in ROLE_OF.items():
        if values[name]:
            changes[name] = [None, _partner_names(initiative, role)]
    changes["status"] = [None, initiative.status]
    action = action or ("created" if actor else "imported")
    record_revision(initiative, actor, action, changes, comment)
    after_change(initiative, changes)
    return initiative


def as_input(initiative: Initiative) -> dict[str, Any]:
    """The stored initiative in the input's shape (a patch or a template row that leaves out
    some columns is merged into it, then checked whole)."""
    data: dict[str, Any] = {name: getattr(initiative, name) for name in COLUMNS}
    for key in ("start_date", "end_date"):
        data[key] = data[key].isoformat() if data[key] else None
    amount = initiative.budget_amount
    data["budget_amount"] = None if amount is None else f"{amount:f}"
    for name, role in ROLE_OF.items():
        data[name] = [o.id for o in initiative.organisations(role)]
    return data


def update_initiative(
    actor: Any, initiative: Initiative, data: dict[str, Any], comment: str | None = None
) -> dict[str, list[Any]]:
    """Apply an edit (every field: the form and the template send the whole initiative, the
    API merges its patch first); return the changes (none: no revision).

    :raise Forbidden: may not edit. :raise Invalid: bad fields, or a provider leaving its own
        organisation out.
    """
    if not queries.can_edit(actor, initiative):
        raise Forbidden(_l("You may not edit this record."))
    values = load_input(data)
    _check_own_organisation(actor, values)
    _suggest_codes(values)
    changes = apply_changes(initiative, {k: values[k] for k in COLUMNS})  # type: ignore[arg-type]
    changes.update(_set_partners(initiative, values))
    if changes:
        initiative.updated_at = utcnow()
        db.session.flush()
        user = actor if isinstance(actor, User) else None
        record_revision(initiative, user, "edited", changes, comment)
        after_change(initiative, changes)
    return changes


def _may(actor: Any, initiative: Initiative, transition: Transition) -> bool:
    if access.is_secretariat(actor):
        return True
    return transition.who in (OWNER, EITHER) and queries.owns(actor, initiative)


def allowed_actions(actor: Any, initiative: Initiative) -> list[tuple[str, Transition]]:
    """The moderation actions ``actor`` may apply now (for buttons and the API)."""
    return [
        (name, t)
        for name, t in TRANSITIONS.items()
        if initiative.status in t.sources and _may(actor, initiative, t)
    ]


def change_status(
    actor: User, initiative: Initiative, action: str, comment: str | None = None
) -> str:
    """Apply a moderation ``action``; return the new status.

    :raise Invalid: unknown action or missing comment. :raise Forbidden: not allowed to.
    :raise Conflict: not from the current status.
    """
    transition = TRANSITIONS.get(action)
    if transition is None:
        raise Invalid(_l("Unknown action."), {"action": [str(_l("Unknown action."))]})
    if not (queries.can_view(actor, initiative) and _may(actor, initiative, transition)):
        raise Forbidden(_l("You may not do this to this record."))
    if initiative.status not in transition.sources:
        raise Conflict(_l("This initiative cannot be changed this way now."))
    comment = (comment or "").strip() or None
    if transition.needs_comment and not comment:
        raise Invalid(
            _l("Say why, for the owner."), {"comment": [str(_l("A comment is required."))]}
        )
    old = initiative.status
    target = transition.target or _status_before_withdrawal(initiative)
    initiative.status = target
    initiative.updated_at = utcnow()
    initiative.return_comment = comment if action == "return" else None
    db.session.flush()
    record_revision(initiative, actor, action, {"status": [old, target]}, comment)
    after_change(initiative)
    return target


def _status_before_withdrawal(initiative: Initiative) -> str:
    last = db.session.scalars(
        select(Revision)
        .where(
            Revision.record_kind == initiative.kind,
            Revision.record_id == initiative.id,
            Revision.action == "withdraw",
        )
        .order_by(Revision.id.desc())
    ).first()
    return str(last.changes["status"][0]) if last else "draft"


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
    """Recompute the stored overlaps, keeping the Secretariat's verdicts; return how many.

    Called after initiatives change. After the commit, the partners of each pair listed for
    the first time are told (the ``overlaps.notify`` job). (The stored matches the changed
    initiatives can move are refreshed by ``match.refresh``: see :func:`after_change`.)"""
    from kb.jobs import enqueue_after_commit

    found = {(o.first, o.second): o for o in overlap_rule.overlaps(works())}
    stored = {(o.first_id, o.second_id): o for o in db.session.scalars(select(InitiativeOverlap))}
    for key, row in stored.items():
        if key not in found and row.verdict == "open":
            db.session.delete(row)
    added = []
    for key, overlap in found.items():
        row = stored.get(key)
        if row is None:
            row = InitiativeOverlap(
                first_id=key[0], second_id=key[1], score=overlap.score, reasons=overlap.reasons
            )
            db.session.add(row)
            added.append(row)
        else:
            row.score, row.reasons = overlap.score, overlap.reasons
    db.session.flush()
    if added:
        enqueue_after_commit("overlaps.notify", ids=sorted(row.id for row in added))
    return len(found)


def partners_to_tell(overlap: InitiativeOverlap) -> list[tuple[User, Initiative]]:
    """Active users acting for a funder or implementer of either initiative who may see both,
    each with the initiative of theirs (the page the notification links to)."""
    from kb.initiatives.queries import can_view

    pair = (overlap.first, overlap.second)
    theirs: dict[int, Initiative] = {}
    for initiative in pair:
        for partner in initiative.partners:
            if partner.role in ("funder", "implementer"):
                theirs.setdefault(partner.organisation_id, initiative)
    if not theirs:
        return []
    users = db.session.scalars(
        select(User)
        .where(User.status == "active", User.organisation_id.in_(sorted(theirs)))
        .order_by(User.id)
    )
    return [
        (user, theirs[user.organisation_id])
        for user in users
        if all(can_view(user, initiative) for initiative in pair)
    ]


def notify_overlaps(ids: list[int]) -> int:
    """Tell the partners concerned about these newly listed overlaps (in-app notification,
    and email when configured); return how many notifications were added."""
    from flask_babel import gettext as _

    from kb.notifications.operations import notify

    sent = 0
    for overlap in db.session.scalars(
        select(InitiativeOverlap)
        .where(InitiativeOverlap.id.in_(ids))
        .order_by(InitiativeOverlap.id)
    ):
        if overlap.verdict != "open":
            continue
        first, second = overlap.first.title, overlap.second.title
        for user, initiative in partners_to_tell(overlap):
            notify(
                [user],
                lambda a=first, b=second: _(
                    "Possible overlap between initiatives: %(first)s and %(second)s",
                    first=a,
                    second=b,
                ),
                f"/initiatives/{initiative.id}",
            )
            sent += 1
    return sent


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
