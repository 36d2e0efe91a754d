"""Reading IATI activity files (IATI standard 2.0x XML) into initiatives.

Parsed with defusedxml (no entities, no DTDs, no external references). Only activities about
ICT security are kept: a keyword in a title or description narrative (any language) or a DAC
sector code of the filter; the dry run shows which activities were kept and why.
"""

from __future__ import annotations

import re
from dataclasses import dataclass, field
from datetime import date
from decimal import Decimal, InvalidOperation
from typing import Any

from defusedxml import ElementTree
from defusedxml.common import DefusedXmlException
from flask_babel import lazy_gettext as _l

XML_LANG = "{http://www.w3.org/XML/1998/namespace}lang"
#: participating-org/@role (IATI OrganisationRole codelist) → our roles.
ROLE_CODES = {"1": "funder", "2": "partner", "3": "partner", "4": "implementer"}
#: activity-status (IATI ActivityStatus codelist) → work status.
STATUS_CODES = {
    "1": "planned",
    "2": "ongoing",
    "3": "ongoing",
    "4": "completed",
    "5": "cancelled",
    "6": "ongoing",
}
#: DAC 5-digit purpose codes that together mark ICT-security work without a keyword:
#: 22040 ICT and 15210 security system management and reform.
SECTOR_CODES = {"22040": "ICT", "15210": "Security system management and reform"}
KEYWORDS = re.compile(
    r"\w*(?:cyber|csirt|\bcert\b|ict security|information security|cybercrime|cybercriminalit|"
    r"ciberseguridad|cibercrimen|кибер|информационн\w* безопасност|网络安全|信息安全|"
    r"الأمن السيبراني|السيبراني|digital forensics|incident response|"
    r"critical information infrastructure)\w*",
    re.IGNORECASE,
)


class IatiError(ValueError):
    """The file is not IATI activity XML we can read (the message says why)."""


@dataclass
class Activity:
    identifier: str
    titles: dict[str, str]
    descriptions: dict[str, str]
    default_language: str
    participants: list[tuple[str, str | None, str]] = field(default_factory=list)
    countries: list[str] = field(default_factory=list)  # ISO 3166-1 alpha-2
    regions: list[str] = field(default_factory=list)
    start: date | None = None
    end: date | None = None
    status: str = "ongoing"
    budget: Decimal | None = None
    currency: str | None = None
    sectors: list[str] = field(default_factory=list)
    why_kept: str = ""

    @property
    def title(self) -> str:
        return self.titles.get(self.default_language) or next(iter(self.titles.values()), "")

    @property
    def description(self) -> str:
        texts = self.descriptions
        return texts.get(self.default_language) or next(iter(texts.values()), "")


def _narratives(element: Any, default: str) -> dict[str, str]:
    found: dict[str, str] = {}
    if element is None:
        return found
    for narrative in element.findall("narrative"):
        text = " ".join((narrative.text or "").split())
        if text:
            found.setdefault(narrative.get(XML_LANG, default)[:2].lower(), text)
    if not found and (element.text or "").strip():  # 1.0x style: text in the element
        found[default] = " ".join(element.text.split())
    return found


def _day(value: str | None) -> date | None:
    try:
        return date.fromisoformat((value or "")[:10])
    except ValueError:
        return None


def parse(data: bytes) -> list[Activity]:
    """Every activity of an ``iati-activities`` document. :raise IatiError: not readable."""
    try:
        root = ElementTree.fromstring(data)
    except DefusedXmlException as exc:
        raise IatiError(_l("The XML declares entities or a DTD, which is not allowed.")) from exc
    except ElementTree.ParseError as exc:
        raise IatiError(_l("The file is not well-formed XML (%(error)s).", error=exc)) from exc
    if root.tag == "iati-activity":
        elements = [root]
    elif root.tag == "iati-activities":
        elements = root.findall("iati-activity")
    else:
        raise IatiError(_l("Expected <iati-activities>, found <%(tag)s>.", tag=root.tag))
    return [_activity(e, n) for n, e in enumerate(elements, start=1)]


def _activity(element: Any, number: int) -> Activity:
    default = (element.get(XML_LANG) or "en")[:2].lower()
    identifier = " ".join((element.findtext("iati-identifier") or "").split())
    if not identifier:
        raise IatiError(_l("Activity %(num)s: <iati-identifier> is missing.", num=number))
    activity = Activity(
        identifier=identifier,
        titles=_narratives(element.find("title"), default),
        descriptions={},
        default_language=default,
    )
    for description in element.findall("description"):
        for lang, text in _narratives(description, default).items():
            activity.descriptions[lang] = (
                activity.descriptions.get(lang, "") + "\n\n" + text
            ).strip()
    if not activity.titles:
        raise IatiError(_l("Activity %(id)s: it has no title.", id=identifier))
    for org in element.findall("participating-org"):
        names = _narratives(org, default)
        name = names.get(default) or next(iter(names.values()), "")
        role = ROLE_CODES.get(org.get("role", ""), "")
        if name and role:
            activity.participants.append((role, org.get("ref"), name))
    activity.countries = [c.get("code", "").upper() for c in element.findall("recipient-country")]
    activity.regions = [
        next(iter(_narratives(r, default).values()), r.get("code", ""))
        for r in element.findall("recipient-region")
    ]
    dates = {d.get("type"): _day(d.get("iso-date")) for d in element.findall("activity-date")}
    activity.start = dates.get("2") or dates.get("1") or dates.get("start-actual")
    activity.end = dates.get("4") or dates.get("3") or dates.get("end-actual")
    status = element.find("activity-status")
    if status is not None:
        activity.status = STATUS_CODES.get(status.get("code", ""), "ongoing")
    default_currency = element.get("default-currency")
    total = Decimal(0)
    for value in element.findall("budget/value"):
        try:
            total += Decimal((value.text or "").strip())
        except InvalidOperation:
            continue
        activity.currency = value.get("currency") or activity.currency or default_currency
    if total:
        activity.budget = total
        activity.currency = activity.currency or default_currency
    activity.sectors = [s.get("code", "") for s in element.findall("sector")]
    return activity


def ict_security(activity: Activity) -> bool:
    """Keep the activity? A keyword in any narrative, or both the ICT (22040) and the security
    system (15210) sectors. Sets ``why_kept`` ("keyword: cyber", "sectors 22040 + 15210")."""
    for text in (*activity.titles.values(), *activity.descriptions.values()):
        found = KEYWORDS.search(text)
        if found:
            activity.why_kept = f"keyword: {found.group(0).lower()}"
            return True
    if set(SECTOR_CODES) <= set(activity.sectors):
        activity.why_kept = "sectors 22040 + 15210"
        return True
    return False
