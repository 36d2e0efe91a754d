"""Canonical code lists of the domain (see ../shared/DOMAIN.md).

Codes are stored in data, API and imports exactly as written here; labels are for people.
"""

from __future__ import annotations

from flask_babel import gettext


def N_(text: str) -> str:
    """Mark ``text`` for the message catalogues; it is translated when shown (``label``)."""
    return text


THEMES: dict[str, str] = {
    "national_strategy": N_("National strategy"),
    "incident_response": N_("Incident response (CERT/CSIRT)"),
    "critical_infrastructure": N_("Critical infrastructure"),
    "cybercrime": N_("Cybercrime"),
    "international_law": N_("International law"),
    "norms_implementation": N_("Norms implementation"),
    "confidence_building": N_("Confidence building"),
    "diplomacy": N_("Cyber diplomacy"),
    "technical_skills": N_("Technical skills"),
    "awareness": N_("Awareness"),
    "standards": N_("Standards"),
    "data_protection": N_("Data protection"),
    "gender": N_("Gender"),
}

SUPPORT_TYPES: dict[str, str] = {
    "training": N_("Training"),
    "technical_assistance": N_("Technical assistance"),
    "policy_advice": N_("Policy advice"),
    "equipment": N_("Equipment"),
    "funding": N_("Funding"),
    "expert_exchange": N_("Expert exchange"),
    "exercise": N_("Exercise (drills, tabletop)"),
    "research": N_("Research (assessments, studies)"),
}

ORGANISATION_TYPES: dict[str, str] = {
    "member_state": N_("Member state"),
    "international_organisation": N_("International organisation"),
    "regional_organisation": N_("Regional organisation"),
    "private_sector": N_("Private sector"),
    "civil_society": N_("Civil society"),
    "academia": N_("Academia"),
    "technical_community": N_("Technical community"),
}

REGIONS: dict[str, str] = {
    "Africa": N_("Africa"),
    "Asia-Pacific": N_("Asia-Pacific"),
    "Eastern Europe": N_("Eastern Europe"),
    "Latin America and the Caribbean": N_("Latin America and the Caribbean"),
    "Western Europe and Others": N_("Western Europe and Others"),
}
#: Regions a programme may be open to: the five groups, or anywhere.
ELIGIBLE_REGIONS: dict[str, str] = {**REGIONS, "global": N_("Global (anywhere)")}

LANGUAGES: dict[str, str] = {
    "ar": N_("Arabic"),
    "zh": N_("Chinese"),
    "en": N_("English"),
    "fr": N_("French"),
    "ru": N_("Russian"),
    "es": N_("Spanish"),
    "pt": N_("Portuguese"),
}

DELIVERY_MODES: dict[str, str] = {
    "in_person": N_("In person"),
    "online": N_("Online"),
    "hybrid": N_("Hybrid"),
}
URGENCIES: dict[str, str] = {"low": N_("Low"), "medium": N_("Medium"), "high": N_("High")}
COST_MODELS: dict[str, str] = {
    "free": N_("Free of charge"),
    "cost_shared": N_("Cost shared"),
    "fee_based": N_("Fee based"),
}

VISIBILITIES: dict[str, str] = {
    "public": N_("Public: anyone"),
    "verified": N_("Verified: approved users only"),
    "secretariat": N_("Confidential: owner and Secretariat only"),
}

REQUEST_STATUSES: dict[str, str] = {
    "draft": N_("Draft"),
    "submitted": N_("Submitted"),
    "open": N_("Open"),
    "matched": N_("Matched"),
    "in_progress": N_("In progress"),
    "fulfilled": N_("Fulfilled"),
    "withdrawn": N_("Withdrawn"),
    "closed": N_("Closed"),
}
PROGRAMME_STATUSES: dict[str, str] = {
    "draft": N_("Draft"),
    "submitted": N_("Submitted"),
    "open": N_("Open"),
    "closed": N_("Closed"),
    "withdrawn": N_("Withdrawn"),
}
#: Statuses as read (lists, badges, filters, the API): an ``open`` programme past its end
#: date or application deadline reads as ``ended`` until the scheduled job closes it.
PROGRAMME_READ_STATUSES: dict[str, str] = {**PROGRAMME_STATUSES, "ended": N_("Ended (closing)")}

ROLES: dict[str, str] = {
    "focal_point": N_("State focal point"),
    "provider": N_("Provider"),
    "secretariat": N_("Secretariat"),
}

#: An account's state (kb.models.user).
ACCOUNT_STATUSES: dict[str, str] = {
    "pending": N_("Waiting for approval"),
    "active": N_("Active"),
    "disabled": N_("Disabled"),
}


#: How well a programme fits a request (search.matching.config.QUALITIES).
MATCH_QUALITIES: dict[str, str] = {
    "strong": N_("Strong match"),
    "good": N_("Good match"),
    "weak": N_("Weak match"),
}


#: A match's lifecycle (DOMAIN.md).
MATCH_STATUSES: dict[str, str] = {
    "suggested": N_("Suggested"),
    "proposed": N_("Proposed"),
    "accepted": N_("Accepted"),
    "declined": N_("Declined"),
    "in_progress": N_("In progress"),
    "completed": N_("Completed"),
}

#: Calls for views and their answers (kb.consultations).
CALL_STATUSES: dict[str, str] = {
    "draft": N_("Draft"),
    "open": N_("Open for answers"),
    "closed": N_("Closed"),
}
ANSWER_STATUSES: dict[str, str] = {"draft": N_("Draft"), "submitted": N_("Submitted")}
TRACKER_STATUSES: dict[str, str] = {
    "not_started": N_("Not started"),
    "draft": N_("Draft"),
    "submitted": N_("Submitted"),
    "late": N_("Submitted late"),
}
CALL_FORMATS: dict[str, str] = {"web": N_("Web form"), "docx": N_("Word document (.docx)")}
#: Calendar entries (kb.calendar).
EVENT_CATEGORIES: dict[str, str] = {
    "session": N_("Session"),
    "informal": N_("Informal meeting"),
    "stakeholder": N_("Stakeholder meeting"),
    "training": N_("Training"),
    "exercise": N_("Exercise"),
    "deadline": N_("Deadline"),
    "other": N_("Other event"),
}

#: Initiatives (kb.initiatives): the work's status and the partners' roles.
WORK_STATUSES: dict[str, str] = {
    "planned": N_("Planned"),
    "ongoing": N_("Ongoing"),
    "completed": N_("Completed"),
    "cancelled": N_("Cancelled"),
}
OVERLAP_VERDICTS: dict[str, str] = {
    "open": N_("To be reviewed"),
    "coordinated": N_("Coordinated"),
    "not_overlap": N_("Not an overlap"),
}
PARTNER_ROLES: dict[str, str] = {
    "funder": N_("Funder"),
    "implementer": N_("Implementer"),
    "partner": N_("Partner"),
}
#: Moderation of an initiative, as for programmes (kb.initiatives.operations.TRANSITIONS).
INITIATIVE_STATUSES: dict[str, str] = {
    "draft": N_("Draft"),
    "submitted": N_("Submitted"),
    "published": N_("Published"),
    "withdrawn": N_("Withdrawn"),
}

#: What a revision (the history of a record) records.
REVISION_ACTIONS: dict[str, str] = {
    "created": N_("Created"),
    "imported": N_("Imported"),
    "edited": N_("Edited"),
    "confirmed": N_("Confirmed as current"),
    "submit": N_("Submitted"),
    "publish": N_("Published"),
    "return": N_("Returned to owner"),
    "reinstate": N_("Reinstated"),
    "mark_matched": N_("Marked matched"),
    "start": N_("Implementation started"),
    "fulfil": N_("Marked fulfilled"),
    "close": N_("Closed"),
    "reopen": N_("Reopened"),
    "withdraw": N_("Withdrawn"),
    "proposed": N_("Proposed"),
    "accept": N_("Accepted"),
    "decline": N_("Declined"),
    "complete": N_("Completed"),
    "drafted_from_answer": N_("Drafted from an answer to a call for views"),
    "call_published": N_("Call published"),
    "call_closed": N_("Call closed"),
    "answer_saved": N_("Answer saved as a draft"),
    "answer_submitted": N_("Answer submitted"),
}

#: Record fields as named in the history of changes.
FIELD_NAMES: dict[str, str] = {
    "title": N_("Title"),
    "description": N_("Description"),
    "text_language": N_("Language of this text"),
    "themes": N_("Themes"),
    "support_types": N_("Support types"),
    "languages": N_("Working languages"),
    "urgency": N_("Urgency"),
    "target_audience": N_("Target audience"),
    "timeframe": N_("Timeframe"),
    "visibility": N_("Visibility"),
    "status": N_("Status"),
    "eligible_regions": N_("Open to regions"),
    "eligible_countries": N_("Open to these states only"),
    "delivery_mode": N_("Delivery"),
    "cost_model": N_("Cost"),
    "start_date": N_("Starts"),
    "end_date": N_("Ends"),
    "application_deadline": N_("Apply by"),
    "url": N_("Web page"),
    "contact_email": N_("Contact email"),
    "general_offer": N_("Standing general offer"),
    "last_confirmed_at": N_("Last confirmed current"),
    "country_code": N_("Requesting state"),
    "organisation_id": N_("Provider"),
    "name": N_("Name"),
    "acronym": N_("Acronym"),
    "type": N_("Type"),
    "website": N_("Website"),
    "funders": N_("Funders"),
    "implementers": N_("Implementers"),
    "partners": N_("Other partners"),
    "beneficiary_countries": N_("Beneficiary states"),
    "beneficiary_regions": N_("Regions named by the source"),
    "budget_amount": N_("Budget"),
    "budget_currency": N_("Currency"),
    "budget_visibility": N_("Who may see the budget"),
    "work_status": N_("Work status"),
    "outputs": N_("Outputs"),
}


#: Kinds of places (search.places), as headings of lists of places.
PLACE_KINDS: dict[str, str] = {
    "state": N_("UN member states"),
    "un_group": N_("UN regional groups"),
    "region": N_("UN M49 regions"),
    "subregion": N_("UN M49 sub-regions"),
    "organisation": N_("Organisations"),
    "grouping": N_("UN groupings"),
    "informal": N_("Informal names"),
}


def label(codes: dict[str, str], code: str | None) -> str:
    """The label of ``code`` in the interface language, or the code itself when it is unknown."""
    if code is None:
        return ""
    text = codes.get(code)
    return gettext(text) if text else code


def labels(codes: dict[str, str]) -> dict[str, str]:
    """``codes`` with labels in the interface language, in their canonical order."""
    return {code: gettext(text) for code, text in codes.items()}


def english(codes: dict[str, str], code: str | None) -> str:
    """The English label (data files and imports use English and the codes)."""
    return "" if code is None else codes.get(code, code)
