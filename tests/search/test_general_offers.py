"""General offers (``general_offer``): listed for needs on their themes, after what fits."""

from __future__ import annotations

from datetime import date
from typing import Any

from search.matching import MatchConfig, MatchEngine
from tests.search.test_matching import programme, request

TODAY = date(2026, 11, 29)

CLEARING_HOUSE = programme(
    "ch",
    "Clearing house for capacity requests",
    "We circulate a country's request to our community, gather offers from implementers "
    "and organise a meeting where the country chooses its partners.",
    themes=["national_strategy", "incident_response", "cybercrime"],
    support_types=["policy_advice"],
    general_offer=True,
    languages=["en"],
)
ON_NEED = programme(
    "csirt",
    "National CSIRT establishment",
    "Help to set up a national incident response team (CSIRT): mandate, services, "
    "tooling and analyst training.",
    themes=["incident_response"],
    support_types=["technical_assistance", "training"],
)
# Shares one of the need's themes but is about something else: a weak match
# (under the least listed score) that outscores the clearing house on its own.
OTHER_SUBJECT = programme(
    "pki",
    "National team for PKI and digital signatures",
    "Public key infrastructure and digital signatures for e-government services.",
    themes=["standards"],
    support_types=["research"],
)
NEED = request(
    "need",
    "Setting up a national CSIRT",
    "We need help to set up a national incident response team and its procedures.",
    themes=["incident_response", "standards"],
    support_types=["technical_assistance"],
)


def fitted(*programmes: dict[str, Any], **config: Any) -> MatchEngine:
    return MatchEngine(MatchConfig(**config)).fit(list(programmes))


def order(engine: MatchEngine, need: dict[str, Any]) -> list[str]:
    return [m.programme_id for m in engine.match_request(need, 10, today=TODAY)]


def test_a_general_offer_on_the_needs_theme_ranks_after_the_fit_before_other_subjects() -> None:
    engine = fitted(CLEARING_HOUSE, ON_NEED, OTHER_SUBJECT)
    plain = fitted({**CLEARING_HOUSE, "general_offer": False}, ON_NEED, OTHER_SUBJECT)
    got = order(engine, NEED)
    assert got[0] == "programme:csirt"
    assert got.index("programme:ch") < got.index("programme:pki")
    # Without the flag the same programme ranks under the other subject.
    before = order(plain, NEED)
    assert before.index("programme:ch") > before.index("programme:pki")
    # Its score and label are its own: only the order moves.
    lifted = {m.programme_id: m for m in engine.match_request(NEED, 10, today=TODAY)}
    same = {m.programme_id: m for m in plain.match_request(NEED, 10, today=TODAY)}
    assert lifted["programme:ch"].score == same["programme:ch"].score
    assert lifted["programme:ch"].quality == same["programme:ch"].quality
    assert lifted["programme:ch"].general and not same["programme:ch"].general


def test_a_general_offer_is_listed_though_its_score_is_near_zero() -> None:
    cfg = MatchConfig()
    engine = fitted(CLEARING_HOUSE, ON_NEED, OTHER_SUBJECT)
    found = {m.programme_id: m for m in engine.match_request(NEED, 10, today=TODAY)}
    assert "programme:ch" in found
    assert found["programme:ch"].score < cfg.good_threshold  # listed, not called good


def test_no_lift_without_a_shared_theme_a_shared_language_or_when_turned_off() -> None:
    off_theme = {**NEED, "id": "request:awareness", "themes": ["awareness"]}
    audience_only = {**NEED, "id": "request:women", "themes": ["gender"]}
    spanish = {**NEED, "id": "request:es", "languages": ["es"]}
    gendered = {**CLEARING_HOUSE, "themes": ["gender", "national_strategy"]}
    for engine, need in (
        (fitted(CLEARING_HOUSE, ON_NEED, OTHER_SUBJECT), off_theme),
        (fitted(gendered, ON_NEED, OTHER_SUBJECT), audience_only),
        (fitted(CLEARING_HOUSE, ON_NEED, OTHER_SUBJECT), spanish),
        (fitted(CLEARING_HOUSE, ON_NEED, OTHER_SUBJECT, general_offers=False), NEED),
    ):
        for m in engine.match_request(need, 10, today=TODAY):
            assert not m.general, (need["id"], m.programme_id)


def test_a_general_offer_never_reaches_a_state_that_may_not_join() -> None:
    closed = {**CLEARING_HOUSE, "eligible_countries": ["FJI"]}
    engine = fitted(closed, ON_NEED, OTHER_SUBJECT)
    assert "programme:ch" not in order(engine, NEED)


def test_the_lift_is_a_requests_list_only() -> None:
    """A general offer's own list of requests stays by score (no ties at the floor)."""
    needs = [
        {**NEED, "id": f"request:{i}", "title": title}
        for i, title in enumerate(
            ["Setting up a national CSIRT", "Incident response for elections", "Cyber drills"]
        )
    ]
    engine = fitted(CLEARING_HOUSE, ON_NEED, OTHER_SUBJECT)
    mine = engine.match_programme(CLEARING_HOUSE, needs, 3, today=TODAY)
    assert [m.score for m in mine] == sorted((m.score for m in mine), reverse=True)
    assert not any(m.general for m in mine)
    by_request, by_programme = engine.match_both(needs, 10, 3, today=TODAY)
    assert [m.request_id for m in by_programme["programme:ch"]] == [m.request_id for m in mine]
    assert all(any(m.general for m in ms) for ms in by_request.values())
