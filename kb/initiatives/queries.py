"""Who may see which initiative and its budget (one rule, Python and SQL), and the lists."""

from __future__ import annotations

from dataclasses import dataclass
from typing import Any

from sqlalchemy import ColumnElement, Select, and_, func, or_, select, true
from sqlalchemy.orm import aliased

from kb import access
from kb.extensions import db
from kb.models.initiative import Initiative, InitiativeOverlap, InitiativePartner
from kb.models.types import has_code

PUBLISHED = "published"


def _shown(user: Any) -> tuple[str, ...]:
    signed_in = getattr(user, "is_authenticated", False) and getattr(user, "is_active", False)
    return ("public", "verified") if signed_in else ("public",)


def own_organisation(user: Any) -> int | None:
    """The organisation a signed-in, approved provider represents."""
    signed_in = getattr(user, "is_authenticated", False) and getattr(user, "is_active", False)
    if signed_in and getattr(user, "role", None) == "provider":
        return getattr(user, "organisation_id", None)
    return None


def owns(user: Any, initiative: Initiative) -> bool:
    """Its partners own an initiative: the providers of any organisation named in it (funder,
    implementer or partner)."""
    org = own_organisation(user)
    return org is not None and any(p.organisation_id == org for p in initiative.partners)


def can_view(user: Any, initiative: Initiative) -> bool:
    if access.is_secretariat(user) or owns(user, initiative):
        return True
    return initiative.status == PUBLISHED and initiative.visibility in _shown(user)


def visible_clause(user: Any) -> ColumnElement[bool]:
    """SQL twin of :func:`can_view`."""
    if access.is_secretariat(user):
        return true()
    clause = and_(Initiative.status == PUBLISHED, Initiative.visibility.in_(_shown(user)))
    org = own_organisation(user)
    if org is None:
        return clause
    partner = aliased(InitiativePartner)
    owned = Initiative.id.in_(select(partner.initiative_id).where(partner.organisation_id == org))
    return or_(clause, owned)


def budget_visible(user: Any, initiative: Initiative) -> bool:
    """The budget has its own visibility, never wider than the initiative's."""
    if access.is_secretariat(user) or owns(user, initiative):
        return True
    return can_view(user, initiative) and initiative.budget_visibility in _shown(user)


def can_create(user: Any) -> bool:
    """The Secretariat, and providers (for initiatives their organisation takes part in)."""
    return access.is_secretariat(user) or own_organisation(user) is not None


def can_edit(user: Any, initiative: Initiative) -> bool:
    """The Secretariat, and the partners' providers unless it was withdrawn (as programmes)."""
    if initiative.status == "withdrawn":
        return access.is_secretariat(user)
    return access.is_secretariat(user) or owns(user, initiative)


def access_tokens(initiative: Initiative) -> list[str]:
    """The search document's access tokens: the same rule as :func:`can_view` (the
    Secretariat; the partners' providers, ``owner:org:<id>`` as ``kb.access.viewer_tokens``
    gives them; everyone allowed by its visibility once published)."""
    tokens = ["secretariat", *(f"owner:org:{p.organisation_id}" for p in initiative.partners)]
    if initiative.status == PUBLISHED and initiative.visibility in ("public", "verified"):
        tokens.append(initiative.visibility)
    return list(dict.fromkeys(tokens))


def can_see_history(user: Any, initiative: Initiative) -> bool:
    return access.is_secretariat(user) or owns(user, initiative)


@dataclass(frozen=True)
class Filters:
    funder: int | None = None
    implementer: int | None = None
    partner: int | None = None
    beneficiary: str = ""
    theme: str = ""
    work_status: str = ""

    @classmethod
    def from_args(cls, args: Any) -> Filters:
        def number(name: str) -> int | None:
            value = args.get(name, "")
            return int(value) if value.isdigit() and len(value) < 10 else None

        return cls(
            funder=number("funder"),
            implementer=number("implementer"),
            partner=number("partner"),
            beneficiary=args.get("beneficiary", "").strip().upper()[:3],
            theme=args.get("theme", "").strip()[:40],
            work_status=args.get("work_status", "").strip()[:20],
        )


def _role(role: str, organisation_id: int) -> ColumnElement[bool]:
    partner = aliased(InitiativePartner)
    return Initiative.id.in_(
        select(partner.initiative_id).where(
            partner.role == role, partner.organisation_id == organisation_id
        )
    )


def initiative_query(user: Any, filters: Filters) -> Select[Any]:
    query = select(Initiative).where(visible_clause(user))
    if filters.funder:
        query = query.where(_role("funder", filters.funder))
    if filters.implementer:
        query = query.where(_role("implementer", filters.implementer))
    if filters.partner:
        query = query.where(_role("partner", filters.partner))
    if filters.beneficiary:
        query = query.where(has_code(Initiative.beneficiary_countries, filters.beneficiary))
    if filters.theme:
        query = query.where(has_code(Initiative.themes, filters.theme))
    if filters.work_status:
        query = query.where(Initiative.work_status == filters.work_status)
    return query.order_by(Initiative.start_date.desc().nulls_last(), Initiative.id)


def overlaps_query(
    user: Any,
    state: str = "",
    verdict: str = "open",
    *,
    states: frozenset[str] | None = None,
    organisation: int | None = None,
) -> Select[Any]:
    """Stored overlaps whose two initiatives the viewer may both see (an overlap touching an
    initiative hidden from the viewer is neither listed nor counted for them).

    ``state`` / ``states``: a beneficiary state of either initiative is the state or one of
    the states; ``organisation``: it funds or implements either initiative."""
    first, second = aliased(Initiative), aliased(Initiative)
    query = (
        select(InitiativeOverlap)
        .join(first, InitiativeOverlap.first_id == first.id)
        .join(second, InitiativeOverlap.second_id == second.id)
    )
    if not access.is_secretariat(user):
        shown = _shown(user)
        query = query.where(
            first.status == PUBLISHED,
            second.status == PUBLISHED,
            first.visibility.in_(shown),
            second.visibility.in_(shown),
        )
    if verdict:
        query = query.where(InitiativeOverlap.verdict == verdict)
    wanted = sorted({state} if state else set()) + sorted(states or ())
    if wanted:
        query = query.where(
            or_(
                *(
                    has_code(side.beneficiary_countries, code)
                    for code in wanted
                    for side in (first, second)
                )
            )
        )
    if organisation:
        partner = aliased(InitiativePartner)
        theirs = select(partner.initiative_id).where(
            partner.organisation_id == organisation,
            partner.role.in_(("funder", "implementer")),
        )
        query = query.where(
            or_(InitiativeOverlap.first_id.in_(theirs), InitiativeOverlap.second_id.in_(theirs))
        )
    return query.order_by(InitiativeOverlap.score.desc(), InitiativeOverlap.id)


def overlap_list(
    user: Any,
    limit: int,
    *,
    verdict: str = "",
    states: frozenset[str] | None = None,
    organisation: int | None = None,
) -> tuple[list[InitiativeOverlap], int]:
    """The best ``limit`` overlaps the viewer may see (highest score first) and how many
    there are in all, for reports, briefing packs, organisation pages and "My work"."""
    query = overlaps_query(user, "", verdict, states=states, organisation=organisation)
    total = db.session.scalar(select(func.count()).select_from(query.order_by(None).subquery()))
    return list(db.session.scalars(query.limit(limit))), total or 0


def reason_phrases(reasons: dict[str, Any]) -> list[str]:
    """Why a pair is listed, in the interface language (one rule for pages and .docx)."""
    from flask_babel import gettext as _

    from kb import codes
    from kb.i18n import country_list

    out = [_("In: %(states)s", states=country_list(reasons.get("states", [])))]
    themes = reasons.get("themes") or []
    if themes:
        labels = ", ".join(codes.label(codes.THEMES, t) for t in themes)
        out.append(_("Shared themes: %(themes)s", themes=labels))
    words = reasons.get("words") or []
    if words:
        out.append(_("Shared words: %(words)s", words=", ".join(str(w) for w in words)))
    period = reasons.get("period")
    if period == "unknown" or period is None:
        out.append(_("dates unknown"))
    else:
        out.append(
            _("%(share)s%% of the shorter period in common", share=round(float(period) * 100))
        )
    if reasons.get("different_funders"):
        out.append(_("different funders"))
    if reasons.get("different_implementers"):
        out.append(_("different implementers"))
    return out
