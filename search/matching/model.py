"""Result types of the matching engine: :class:`Match`, :class:`Reason`, :class:`NeedStatus`."""

from __future__ import annotations

from dataclasses import dataclass, field
from typing import Any


@dataclass(slots=True)
class Reason:
    """One part of a match score.

    ``kind`` is the component (``text``, ``themes``, ``support``, ``language``, ``region``,
    ``delivery``, ``freshness``); ``contribution`` is its share of the match's ``score``
    (contributions of a match add up to its score); ``items`` are the codes or terms behind
    ``text`` for programmatic use.
    """

    kind: str
    text: str
    contribution: float
    items: tuple[str, ...] = ()
    order: int = field(default=0, repr=False, compare=False)

    def as_dict(self) -> dict[str, Any]:
        return {
            "kind": self.kind,
            "text": self.text,
            "contribution": round(self.contribution, 4),
            "items": list(self.items),
        }


@dataclass(slots=True)
class Match:
    """A scored request-programme pair; ``score`` is calibrated to ``[0, 1]``."""

    request_id: str
    programme_id: str
    score: float
    quality: str
    reasons: list[Reason] = field(default_factory=list)
    raw: float = 0.0
    #: The programme is offered in one of the requester's languages (or either states none).
    shared_language: bool = True
    #: The programme covers the need (see ``MatchConfig.cover_*``); unmet needs have none.
    covers: bool = False
    #: It is on the need's main theme and support (``engine.covers_need``), languages and
    #: the concepts of the request's title apart: lists put these first.
    fits_need: bool = False
    #: Its main (first) theme is one the request asks for, and it offers one of the support
    #: types asked for (if any): offered in none of the requester's languages, it is not
    #: penalised for it in the ranking, and when nothing covers the need in a shared
    #: language it ranks with the programmes in a shared language (``engine.list_order``).
    on_subject: bool = False
    #: Its title names the main subject of the request's title (``engine.names_main_need``):
    #: with ``fits_need`` it would cover the need in a shared language; offered in none of
    #: the requester's languages, it ranks among programmes in a shared language only then
    #: (``engine.list_order``).
    names_need: bool = False
    #: Its main (first) theme is one the request asks for (any support): offered in none
    #: of the requester's languages, a programme is listed only then, or when it fits the
    #: need (``engine.worth_listing``).
    on_theme: bool = False
    #: A general offer (``general_offer``) on one of the need's themes in a shared
    #: language: it ranks at least with ``rank_floor`` (``MatchConfig.general_offers``).
    general: bool = False
    rank_floor: float = float("-inf")

    def as_dict(self) -> dict[str, Any]:
        return {
            "request_id": self.request_id,
            "programme_id": self.programme_id,
            "score": round(self.score, 4),
            "quality": self.quality,
            "covers": self.covers,
            "shared_language": self.shared_language,
            "reasons": [r.as_dict() for r in self.reasons],
        }


@dataclass(frozen=True)
class NeedStatus:
    """How well a request's needs are met by the catalogue.

    ``quality`` is the label of the best match, or ``"none"`` when nothing is eligible;
    ``unmet`` is true when no eligible, available programme covers the need (its themes
    and the support it asks for, in a shared language: ``Match.covers``);
    ``programme_id`` is the best covering programme (else the best match).
    """

    request_id: str
    best_score: float
    quality: str
    unmet: bool
    programme_id: str | None = None

    def as_dict(self) -> dict[str, Any]:
        return {
            "request_id": self.request_id,
            "best_score": round(self.best_score, 4),
            "quality": self.quality,
            "unmet": self.unmet,
            "programme_id": self.programme_id,
        }
