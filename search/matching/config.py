"""Tunable settings of the matching engine, with documented defaults.

Every field can be overridden from the app's configuration (``MatchConfig(**overrides)``).
Weights are relative: the raw score is the weighted mean of the components, each in
``[0, 1]``; the calibration (``calibration_a``, ``calibration_b``) then maps the raw score
to ``score`` = estimated probability that a reviewer would call the match good (Platt
scaling fitted on ``search/data/match_judgements.json`` by ``python -m search.evaluate
--calibrate``; see docs/MATCHING.md).
"""

from __future__ import annotations

from dataclasses import asdict, dataclass, fields
from typing import Any

#: Quality labels, best first.
QUALITIES: tuple[str, ...] = ("strong", "good", "weak")


@dataclass(frozen=True)
class MatchConfig:
    """Weights, thresholds and text-model settings of :class:`MatchEngine`."""

    #: Text relevance: TF-IDF cosines over words and over thesaurus concepts.
    weight_text: float = 0.40
    #: Share of the request's themes the programme covers (plus a little precision).
    weight_themes: float = 0.25
    #: Share of the requested support types the programme offers.
    weight_support: float = 0.12
    #: Share of the requester's languages the programme is offered in (0.5 if unstated).
    weight_language: float = 0.10
    #: Raw score added to the text part of a programme whose title names a group the request
    #: names (``search.matching.audiences``: schools, SMEs, hospitals, the energy sector,
    #: prosecutors ...), and taken from it (not below 0) when its title names groups and the
    #: request names none of them. Chosen on the "fit" part of the judged set.
    audience_bonus: float = 0.05
    audience_penalty: float = 0.05
    #: Taken from the text part (not below 0) of a programme whose title names subjects
    #: (``search.matching.subjects``: PKI, routing security, elections, norms ...) of
    #: which the request's text names none and none is of a theme it asks for: its shared
    #: words are about something else. Chosen on the "fit" part of the judged set.
    subject_penalty: float = 0.1
    #: 1 when targeted at the request's country, ``region_specificity`` for its region.
    weight_region: float = 0.05
    #: Fit between the delivery mode and the one the request asks for (or hybrid).
    weight_delivery: float = 0.03
    #: Added to the region part of a programme that lists the request's state among the only
    #: states it is open to (targeted at a few states), outside the weighted mean of
    #: :meth:`weights` (no other score moves). Chosen on the "fit" part of the judged set.
    weight_targeted: float = 0.1
    #: Recency of the programme's last update (half-life ``freshness_half_life_days``).
    weight_freshness: float = 0.05

    #: Score above which a match is "strong", and above which it is "good".
    strong_threshold: float = 0.6
    good_threshold: float = 0.22
    #: Lists show this label and better; weaker matches are folded ("Show N weaker matches").
    shown_quality: str = "good"
    #: Matches scoring under this are never listed, not even folded (near-zero matches).
    list_min_score: float = 0.05
    #: A programme *covers* a need (docs/MATCHING.md, "Unmet needs"; issue 11 point 4: its
    #: concepts/themes and the support it asks for) when it is eligible and available,
    #: shares a language with the requester (or either side states none), scores at least
    #: ``cover_min_score``, one of the request's themes is among the programme's first
    #: ``cover_theme_rank + 1`` themes (its main ones), — if ``cover_needs_support`` — it
    #: offers one of the support types asked for, and its title is about the main need
    #: (``engine.names_main_need``): it names ``cover_title_concepts`` of the main concepts
    #: of the request's title (its subjects, none of ``cover_broad_concepts``; else the
    #: kinds of support it names), or the theme of one, and any kind of support its title
    #: names is one the request asks for (0 turns the title rules off). A need is unmet when
    #: no programme covers it. Requests whose themes are inferred from text use the
    #: ``*_inferred`` values. Chosen on the "fit" part of the judged set (``python -m
    #: search.evaluate --calibrate`` refits the scores).
    cover_min_score: float = 0.14
    #: 1 (the programme's first or second theme) flags 5 % of answerable requests of "fit"
    #: instead of 10 % at the same recall, but moves programmes listing the need's theme
    #: second among those *on the need* (``Match.fits_need``), which the list order reads.
    cover_theme_rank: int = 0
    cover_needs_support: bool = True
    cover_min_score_inferred: float = 0.24
    #: Themes suggested from text are fewer than an owner's (one or two of them): one of them
    #: may be the programme's second theme (a cloud advisory listing standards, then data
    #: protection, for a need suggested data protection). Chosen on "fit" (3 Dec 2026):
    #: unmet recall 0.65 -> 0.74 at 10 % of answerable text-only requests flagged.
    cover_theme_rank_inferred: int = 1
    #: Suggested support types miss about one in four: required, they flag answerable needs.
    cover_needs_support_inferred: bool = False
    cover_title_concepts: int = 1
    #: Thesaurus concepts too broad to say what a need is about ("Sécurité informatique de
    #: l'élection": the election is the subject, not "cybersecurity").
    cover_broad_concepts: tuple[str, ...] = (
        "cybersecurity", "cyberspace", "capacity_building", "cyber_resilience",
    )  # fmt: skip
    #: Themes that say whom a programme is for, not what it is about: for the cover rule a
    #: programme's main themes are its themes without these (``engine.subject_themes``; all
    #: of them when it has no other), so a fellowship for women diplomats coded gender,
    #: diplomacy is on diplomacy, not on a need for scholarships for women engineers.
    cover_audience_themes: tuple[str, ...] = ("gender",)
    #: A programme whose title names a group the need's title names (who it is for:
    #: ``search.matching.audiences``) is about the need though its title words differ
    #: (``engine.names_main_need``). Chosen on "fit" (4 Dec 2026): answerable needs flagged
    #: 10 % -> 5 % with codes, 15 % -> 5 % text only, at the same recall.
    cover_same_group: bool = True
    #: Stored needs keep the best score of a *covering* programme (0 when none): a need is
    #: unmet when it is below this (any covering programme scores at least
    #: ``cover_min_score_inferred``, far above it).
    unmet_threshold: float = 0.01
    #: A programme offered in none of the requester's languages scores at most this share
    #: of ``good_threshold`` (so it is always "weak") and ranks after every programme in a
    #: shared language.
    no_shared_language_cap: float = 0.9
    #: A *general offer* (``general_offer`` on the programme: a clearing house, a help desk,
    #: an open online course, free curricula; docs/MATCHING.md, "General offers") offered in
    #: one of the requester's languages and sharing one of the need's themes (audience
    #: themes apart) ranks at least as a match scoring ``list_min_score`` would: it is
    #: always listed, after what fits the need and before programmes on other subjects. It
    #: keeps its own score and label, and covers a need by the same rules as any programme
    #: ("never covers" was tried on "fit": no figure moved, one correct "good" label lost).
    general_offers: bool = True
    #: Platt scaling of the raw score: ``score = 1 / (1 + exp(-(a * raw + b)))``.
    calibration_a: float = 17.26
    calibration_b: float = -9.91

    #: Weight of the word space in text relevance when both texts share a language ...
    word_share_same_language: float = 0.7
    #: ... and when they do not (the concept space then carries the match).
    word_share_cross_language: float = 0.15
    #: Weight of a theme implied by a concept, next to the concept itself, in concept space.
    implied_theme_weight: float = 0.5
    #: Weight of a concept with no theme or support type ("cybersecurity", "resilience").
    generic_concept_weight: float = 0.3
    #: Weight of codes inferred from text when a record has none of its own. Suggested
    #: codes are right about 9 times in 10 (docs/MATCHING.md), so they count like the
    #: owner's: a need in prose then scores on the same scale as one with codes, and one
    #: unmet rule serves both (0.6 flagged 39 % of answerable text-only requests).
    inferred_code_weight: float = 1.0
    #: Share of the theme / support score given to precision (the rest is coverage).
    precision_share: float = 0.25
    #: Value of the region component for a programme targeted at the request's region.
    region_specificity: float = 0.6
    #: Title words count this many times the description words.
    title_boost: int = 2
    #: Keep at most this many (the heaviest) terms of each request's word vector.
    max_query_terms: int = 16
    #: Leave out of the word vectors the words found in more than this share of programmes.
    max_df: float = 0.2
    freshness_half_life_days: float = 365.0
    #: Requests in these states are not offered to providers by ``match_programme``.
    inactive_request_statuses: tuple[str, ...] = ("draft", "withdrawn", "closed", "fulfilled")
    #: Rows per chunk in ``match_all`` (memory ~ 30 bytes x chunk x programmes).
    chunk_size: int = 256
    #: Boost of a provider that has implemented work on the request's theme in its UN
    #: regional group (ongoing or completed initiatives; ``search.matching.history``), on the
    #: raw score and outside the weighted mean of :meth:`weights` (no other score moves).
    weight_track_record: float = 0.02

    def weights(self) -> dict[str, float]:
        """Component weights keyed by reason kind."""
        return {
            "text": self.weight_text,
            "themes": self.weight_themes,
            "support": self.weight_support,
            "language": self.weight_language,
            "region": self.weight_region,
            "delivery": self.weight_delivery,
            "freshness": self.weight_freshness,
        }

    def quality(self, score: float) -> str:
        """The quality label of a calibrated score."""
        if score >= self.strong_threshold:
            return "strong"
        return "good" if score >= self.good_threshold else "weak"

    def shown(self, quality: str) -> bool:
        """Whether a match of this label is listed (others are folded away)."""
        order = {q: i for i, q in enumerate(QUALITIES)}
        return order.get(quality, len(order)) <= order[self.shown_quality]

    def listed(self, score: float) -> bool:
        """Whether a match is listed at all (shown, or folded among weaker matches)."""
        return score >= self.list_min_score

    def as_dict(self) -> dict[str, Any]:
        return asdict(self)

    @classmethod
    def from_mapping(cls, values: dict[str, Any]) -> MatchConfig:
        """Build from a mapping, ignoring unknown keys (e.g. a Flask config section)."""
        known = {f.name for f in fields(cls)}
        return cls(**{k: v for k, v in values.items() if k in known})
