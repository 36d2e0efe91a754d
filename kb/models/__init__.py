"""The data model. Import models from here."""

from kb.models.alert import AlertHit, SavedSearch
from kb.models.catalogue import (
    CatalogueRecord,
    ListedCode,
    Programme,
    Request,
    Revision,
    SearchQueueEntry,
)
from kb.models.consultation import Call, CallAnswer, CallReminder, Event
from kb.models.country import Country, Organisation
from kb.models.job import ImportUpload, JobRecord
from kb.models.matching import (
    Match,
    MatchAggregate,
    MatchFact,
    MatchNeed,
    MatchPending,
    MatchSuggestion,
    Notification,
    StateAggregate,
    StateFact,
)
from kb.models.reporting import (
    DataGeneration,
    DerivedStamp,
    DirectoryCount,
    DirectoryFact,
    ReportCount,
    ReportFact,
)
from kb.models.session import OewgSession
from kb.models.token import ApiToken
from kb.models.user import LoginAttempt, PasswordReset, User

__all__ = [
    "AlertHit",
    "ApiToken",
    "Call",
    "CallAnswer",
    "CallReminder",
    "CatalogueRecord",
    "Country",
    "DataGeneration",
    "DerivedStamp",
    "DirectoryCount",
    "DirectoryFact",
    "Event",
    "ImportUpload",
    "Initiative",
    "InitiativeOverlap",
    "InitiativePartner",
    "JobRecord",
    "ListedCode",
    "LoginAttempt",
    "Match",
    "MatchAggregate",
    "MatchFact",
    "MatchNeed",
    "MatchPending",
    "MatchSuggestion",
    "Notification",
    "OewgSession",
    "Organisation",
    "PasswordReset",
    "Programme",
    "ReportCount",
    "ReportFact",
    "Request",
    "Revision",
    "SavedSearch",
    "SearchQueueEntry",
    "StateAggregate",
    "StateFact",
    "User",
]
