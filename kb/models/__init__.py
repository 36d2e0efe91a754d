"""The data model. Import models from here."""

from kb.models.catalogue import (
    CatalogueRecord,
    Programme,
    Request,
    Revision,
    SearchQueueEntry,
)
from kb.models.country import Country, Organisation
from kb.models.user import LoginAttempt, User

__all__ = [
    "CatalogueRecord",
    "Country",
    "LoginAttempt",
    "Organisation",
    "Programme",
    "Request",
    "Revision",
    "SearchQueueEntry",
    "User",
]
