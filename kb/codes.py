"""Canonical code lists of the domain (see ../shared/DOMAIN.md).

Codes are stored in data, API and imports exactly as written here; labels are for people.
"""

from __future__ import annotations

from typing import Any

from flask_babel import gettext, lazy_gettext, lazy_pgettext, pgettext


def N_(text: str) -> str:
    """Mark ``text`` for the message catalogues; it is translated when shown (``label``)."""
    return text


def C_(context: str, text: str) -> str:
    """Mark ``text`` for the message catalogues under ``context`` (a ``msgctxt``): the same
    English word is then translated once per context ("Submitted" of a request, "Soumise", and
    of a programme, "Soumis"). ``make i18n`` extracts it (keyword ``C_:1c,2``)."""
    return text


class CodeList(dict[str, str]):
    """A code table whose labels are translated under one message context.

    Statuses are adjectives or participles that agree with the record they describe (French
    "demande soumise", "programme soumis"; Russian "запрос отправлен", "программа отправлена"),
    so each kind of record has its own table and context; ``label``, ``labels`` and
    ``lazy_label`` translate them with ``pgettext``. Each entry is marked ``C_(context, …)``
    with the table's context (``tests/test_status_labels.py`` checks it).
    """

    def __init__(self, context: str, entries: dict[str, str]) -> None:
        super().__init__(entries)
        self.context = context


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

REQUEST_STATUSES = CodeList(
    "request status",
    {
        "draft": C_("request status", "Draft"),
        "submitted": C_("request status", "Submitted"),
        "open": C_("request status", "Open"),
        "matched": C_("request status", "Matched"),
        "in_progress": C_("request status", "In progress"),
        "fulfilled": C_("request status", "Fulfilled"),
        "withdrawn": C_("request status", "Withdrawn"),
        "closed": C_("request status", "Closed"),
    },
)
PROGRAMME_STATUSES = CodeList(
    "programme status",
    {
        "draft": C_("programme status", "Draft"),
        "submitted": C_("programme status", "Submitted"),
        "open": C_("programme status", "Open"),
        "closed": C_("programme status", "Closed"),
        "withdrawn": C_("programme status", "Withdrawn"),
    },
)
#: Statuses as read (lists, badges, filters, the API): an ``open`` programme past its end
#: date or application deadline reads as ``ended`` until the scheduled job closes it.
PROGRAMME_READ_STATUSES = CodeList(
    "programme status",
    {**PROGRAMME_STATUSES, "ended": C_("programme status", "Ended (closing)")},
)

ROLES: dict[str, str] = {
    "focal_point": N_("State focal point"),
    "provider": N_("Provider"),
    "secretariat": N_("Secretariat"),
}

#: An account's state (kb.models.user).
ACCOUNT_STATUSES = CodeList(
    "account status",
    {
        "pending": C_("account status", "Waiting for approval"),
        "active": C_("account status", "Active"),
        "disabled": C_("account status", "Disabled"),
    },
)


#: How well a programme fits a request (search.matching.config.QUALITIES).
MATCH_QUALITIES: dict[str, str] = {
    "strong": N_("Strong match"),
    "good": N_("Good match"),
    "weak": N_("Weak match"),
}


#: A match's lifecycle (DOMAIN.md).
MATCH_STATUSES = CodeList(
    "match status",
    {
        "suggested": C_("match status", "Suggested"),
        "proposed": C_("match status", "Proposed"),
        "accepted": C_("match status", "Accepted"),
        "declined": C_("match status", "Declined"),
        "in_progress": C_("match status", "In progress"),
        "completed": C_("match status", "Completed"),
    },
)

#: Calls for views and their answers (kb.consultations).
CALL_STATUSES = CodeList(
    "call status",
    {
        "draft": C_("call status", "Draft"),
        "open": C_("call status", "Open for answers"),
        "closed": C_("call status", "Closed"),
    },
)
TRACKER_STATUSES = CodeList(
    "answer status",
    {
        "not_started": C_("answer status", "Not started"),
        "draft": C_("answer status", "Draft"),
        "submitted": C_("answer status", "Submitted"),
        "late": C_("answer status", "Submitted late"),
    },
)
#: An answer's own statuses (the tracker's, without "not started" and "late").
ANSWER_STATUSES = CodeList(
    "answer status", {c: TRACKER_STATUSES[c] for c in ("draft", "submitted")}
)
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
WORK_STATUSES = CodeList(
    "initiative work status",
    {
        "planned": C_("initiative work status", "Planned"),
        "ongoing": C_("initiative work status", "Ongoing"),
        "completed": C_("initiative work status", "Completed"),
        "cancelled": C_("initiative work status", "Cancelled"),
    },
)
#: The status facet and filter of lists mixing kinds of records (search, saved searches): a
#: value there describes records of several kinds at once ("submitted" requests and
#: programmes), so its labels are worded for a group of records (French "Soumis", Russian
#: "Отправленные") rather than agreeing with one kind.
MIXED_STATUSES = CodeList(
    "status of records of several kinds",
    {
        "draft": C_("status of records of several kinds", "Draft"),
        "submitted": C_("status of records of several kinds", "Submitted"),
        "open": C_("status of records of several kinds", "Open"),
        "matched": C_("status of records of several kinds", "Matched"),
        "in_progress": C_("status of records of several kinds", "In progress"),
        "fulfilled": C_("status of records of several kinds", "Fulfilled"),
        "ended": C_("status of records of several kinds", "Ended (closing)"),
        "closed": C_("status of records of several kinds", "Closed"),
        "withdrawn": C_("status of records of several kinds", "Withdrawn"),
        "planned": C_("status of records of several kinds", "Planned"),
        "ongoing": C_("status of records of several kinds", "Ongoing"),
        "completed": C_("status of records of several kinds", "Completed"),
        "cancelled": C_("status of records of several kinds", "Cancelled"),
    },
)
OVERLAP_VERDICTS = CodeList(
    "overlap verdict",
    {
        "open": C_("overlap verdict", "To be reviewed"),
        "coordinated": C_("overlap verdict", "Coordinated"),
        "not_overlap": C_("overlap verdict", "Not an overlap"),
    },
)
PARTNER_ROLES: dict[str, str] = {
    "funder": N_("Funder"),
    "implementer": N_("Implementer"),
    "partner": N_("Partner"),
}
#: Moderation of an initiative, as for programmes (kb.initiatives.operations.TRANSITIONS).
INITIATIVE_STATUSES = CodeList(
    "initiative status",
    {
        "draft": C_("initiative status", "Draft"),
        "submitted": C_("initiative status", "Submitted"),
        "published": C_("initiative status", "Published"),
        "withdrawn": C_("initiative status", "Withdrawn"),
    },
)

#: What a revision records, as the history of a record says it ("Submitted by Kenya (…) on
#: 3 Dec 2026"): a participle agreeing with the record (French "demande soumise", "programme
#: soumis"), so one table per kind of record, each under its own message context.
HISTORY_ACTIONS: dict[str, CodeList] = {
    "request": CodeList(
        "request history",
        {
            "created": C_("request history", "Created"),
            "imported": C_("request history", "Imported"),
            "edited": C_("request history", "Edited"),
            "accepted_suggestions": C_(
                "request history", "Suggested themes and support types accepted"
            ),
            "confirmed": C_("request history", "Confirmed as still current"),
            "drafted_from_answer": C_(
                "request history", "Drafted from an answer to a call for views"
            ),
            "submit": C_("request history", "Submitted"),
            "publish": C_("request history", "Published"),
            "return": C_("request history", "Returned to the owner"),
            "reinstate": C_("request history", "Reinstated"),
            "withdraw": C_("request history", "Withdrawn"),
            "mark_matched": C_("request history", "Marked as matched"),
            "start": C_("request history", "Implementation started"),
            "fulfil": C_("request history", "Marked as fulfilled"),
            "close": C_("request history", "Closed"),
            "reopen": C_("request history", "Reopened"),
        },
    ),
    "programme": CodeList(
        "programme history",
        {
            "created": C_("programme history", "Created"),
            "imported": C_("programme history", "Imported"),
            "edited": C_("programme history", "Edited"),
            "confirmed": C_("programme history", "Confirmed as still current"),
            "drafted_from_answer": C_(
                "programme history", "Drafted from an answer to a call for views"
            ),
            "submit": C_("programme history", "Submitted"),
            "publish": C_("programme history", "Published"),
            "return": C_("programme history", "Returned to the owner"),
            "reinstate": C_("programme history", "Reinstated"),
            "withdraw": C_("programme history", "Withdrawn"),
            "close": C_("programme history", "Closed"),
            "reopen": C_("programme history", "Reopened"),
            "expired": C_("programme history", "Closed (end date passed)"),
        },
    ),
    "initiative": CodeList(
        "initiative history",
        {
            "created": C_("initiative history", "Created"),
            "imported": C_("initiative history", "Imported"),
            "edited": C_("initiative history", "Edited"),
            "submit": C_("initiative history", "Submitted"),
            "publish": C_("initiative history", "Published"),
            "return": C_("initiative history", "Returned to the owner"),
            "reinstate": C_("initiative history", "Reinstated"),
            "withdraw": C_("initiative history", "Withdrawn"),
        },
    ),
    "organisation": CodeList(
        "organisation history",
        {
            "created": C_("organisation history", "Created"),
            "imported": C_("organisation history", "Imported"),
            "edited": C_("organisation history", "Edited"),
        },
    ),
    "match": CodeList(
        "match history",
        {
            "proposed": C_("match history", "Proposed"),
            "accept": C_("match history", "Accepted"),
            "decline": C_("match history", "Declined"),
            "start": C_("match history", "Implementation started"),
            "complete": C_("match history", "Marked as completed"),
        },
    ),
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


#: Each kind of record's statuses (a record's ``kind``): its badge, filters and history.
STATUSES_BY_KIND: dict[str, CodeList] = {
    "request": REQUEST_STATUSES,
    "programme": PROGRAMME_READ_STATUSES,
    "initiative": INITIATIVE_STATUSES,
    "match": MATCH_STATUSES,
    "call": CALL_STATUSES,
    "answer": TRACKER_STATUSES,
}


def _translate(codes: dict[str, str], text: str) -> str:
    context = getattr(codes, "context", None)
    return pgettext(context, text) if context else gettext(text)


def label(codes: dict[str, str], code: str | None) -> str:
    """The label of ``code`` in the interface language, or the code itself when it is unknown
    (under the table's message context when it is a ``CodeList``)."""
    if code is None:
        return ""
    text = codes.get(code)
    return _translate(codes, text) if text else code


def lazy_label(codes: dict[str, str], code: str) -> Any:
    """``label``, worded when read (a domain error's message, a form's choice)."""
    text = codes.get(code)
    if not text:
        return code
    context = getattr(codes, "context", None)
    return lazy_pgettext(context, text) if context else lazy_gettext(text)


def labels(codes: dict[str, str]) -> dict[str, str]:
    """``codes`` with labels in the interface language, in their canonical order."""
    return {code: _translate(codes, text) for code, text in codes.items()}


def status_label(kind: str, code: str | None) -> str:
    """A status of a record of ``kind`` ("request", "programme" …), agreeing with it."""
    return label(STATUSES_BY_KIND.get(kind, MIXED_STATUSES), code)


def english(codes: dict[str, str], code: str | None) -> str:
    """The English label (data files and imports use English and the codes)."""
    return "" if code is None else codes.get(code, code)
