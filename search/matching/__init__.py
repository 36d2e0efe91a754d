"""Request-to-programme matching for Capacity Exchange (framework-free; see docs/MATCHING.md).

Typical use::

    from search.matching import MatchConfig, MatchEngine

    engine = MatchEngine(MatchConfig()).fit(programme_dicts)
    matches = engine.match_request(request_dict, top_k=10, today=date.today())
    need = engine.best_match_quality(request_dict)      # need.unmet: "nothing fits"
    suggestions = engine.infer_codes(request_dict)      # themes / support types to offer

Requests may also carry ``country_name`` (shown in reasons) and ``delivery_mode`` (a
wish: ``online`` / ``in_person``; otherwise read from cue words in the text).
"""

from search.matching.config import QUALITIES, MatchConfig
from search.matching.engine import MatchEngine, need_status
from search.matching.model import Match, NeedStatus, Reason

__all__ = [
    "QUALITIES",
    "Match",
    "MatchConfig",
    "MatchEngine",
    "NeedStatus",
    "Reason",
    "need_status",
]
