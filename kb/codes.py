"""Canonical code lists of the domain (see ../shared/DOMAIN.md).

Codes are stored in data, API and imports exactly as written here; labels are for people.
"""

from __future__ import annotations

THEMES: dict[str, str] = {
    "national_strategy": "National strategy",
    "incident_response": "Incident response (CERT/CSIRT)",
    "critical_infrastructure": "Critical infrastructure",
    "cybercrime": "Cybercrime",
    "international_law": "International law",
    "norms_implementation": "Norms implementation",
    "confidence_building": "Confidence building",
    "diplomacy": "Cyber diplomacy",
    "technical_skills": "Technical skills",
    "awareness": "Awareness",
    "standards": "Standards",
    "data_protection": "Data protection",
    "gender": "Gender",
}

SUPPORT_TYPES: dict[str, str] = {
    "training": "Training",
    "technical_assistance": "Technical assistance",
    "policy_advice": "Policy advice",
    "equipment": "Equipment",
    "funding": "Funding",
    "expert_exchange": "Expert exchange",
    "exercise": "Exercise (drills, tabletop)",
    "research": "Research (assessments, studies)",
}

ORGANISATION_TYPES: dict[str, str] = {
    "member_state": "Member state",
    "international_organisation": "International organisation",
    "regional_organisation": "Regional organisation",
    "private_sector": "Private sector",
    "civil_society": "Civil society",
    "academia": "Academia",
    "technical_community": "Technical community",
}

REGIONS: dict[str, str] = {
    "Africa": "Africa",
    "Asia-Pacific": "Asia-Pacific",
    "Eastern Europe": "Eastern Europe",
    "Latin America and the Caribbean": "Latin America and the Caribbean",
    "Western Europe and Others": "Western Europe and Others",
}
#: Regions a programme may be open to: the five groups, or anywhere.
ELIGIBLE_REGIONS: dict[str, str] = {**REGIONS, "global": "Global (anywhere)"}

LANGUAGES: dict[str, str] = {
    "ar": "Arabic",
    "zh": "Chinese",
    "en": "English",
    "fr": "French",
    "ru": "Russian",
    "es": "Spanish",
    "pt": "Portuguese",
}

DELIVERY_MODES: dict[str, str] = {"in_person": "In person", "online": "Online", "hybrid": "Hybrid"}
URGENCIES: dict[str, str] = {"low": "Low", "medium": "Medium", "high": "High"}
COST_MODELS: dict[str, str] = {
    "free": "Free of charge",
    "cost_shared": "Cost shared",
    "fee_based": "Fee based",
}

VISIBILITIES: dict[str, str] = {
    "public": "Public: anyone",
    "verified": "Verified: approved users only",
    "secretariat": "Confidential: owner and Secretariat only",
}

REQUEST_STATUSES: dict[str, str] = {
    "draft": "Draft",
    "submitted": "Submitted",
    "open": "Open",
    "matched": "Matched",
    "in_progress": "In progress",
    "fulfilled": "Fulfilled",
    "withdrawn": "Withdrawn",
    "closed": "Closed",
}
PROGRAMME_STATUSES: dict[str, str] = {
    "draft": "Draft",
    "submitted": "Submitted",
    "open": "Open",
    "closed": "Closed",
    "withdrawn": "Withdrawn",
}

ROLES: dict[str, str] = {
    "focal_point": "State focal point",
    "provider": "Provider",
    "secretariat": "Secretariat",
}


def label(codes: dict[str, str], code: str | None) -> str:
    """The label of ``code``, or the code itself when it is unknown."""
    if code is None:
        return ""
    return codes.get(code, code)
