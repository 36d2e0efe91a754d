"""The judged set of the matching evaluation, its written rules, and ranking metrics.

* ``search/data/match_judgements.json`` — per request key: programmes graded 3/2/1 and the
  topically related programmes that must ``never`` be offered; its ``about`` and
  ``grading`` fields are the rules the judge followed.
* ``search/data/match_eval_records.json`` — programmes and requests written for the
  evaluation (next to the seed records of ``seed_data/``). A request marked
  ``prose_only`` was posted with a title, a description, its country and languages
  only: its ``themes`` / ``support_types`` are the judge's labels, used for the
  suggestion metrics and for the "same request with its codes" run.

The eligibility and availability checks here are the rules as written in
``shared/DOMAIN.md`` (an oracle independent of the engine's implementation).
"""

from __future__ import annotations

import hashlib
import json
import math
from collections.abc import Callable, Mapping, Sequence
from datetime import date
from functools import lru_cache
from pathlib import Path
from typing import Any

from search.matching.seed_loader import (
    load_programmes,
    load_requests,
    programme_id,
    request_id,
)

DATA = Path(__file__).resolve().parents[1] / "data"
JUDGEMENTS = DATA / "match_judgements.json"
EVAL_RECORDS = DATA / "match_eval_records.json"
#: Requests in Arabic, Chinese and Russian written for the evaluation.
EVAL_RECORDS_LANGUAGES = DATA / "match_eval_records_ar_ru_zh.json"
#: Initiatives as matching history, with requests where history matters and their grades.
EVAL_HISTORY = DATA / "match_eval_history.json"
#: The day the judgements hold for (seed statuses and dates are fixed).
TODAY = date(2026, 11, 29)
K = 10
#: The two parts of the fixed split: thresholds are fitted on "fit", reported on "report".
PARTS = ("fit", "report")


def _hash(key: str) -> str:
    return hashlib.sha256(key.encode()).hexdigest()


def part_of(key: str) -> str:
    """The fixed, documented split of the judged requests (:func:`split`); a key outside
    the judged set: first hex digit of sha256(key) even -> "fit"."""
    found = split().get(key)
    return found or PARTS[int(_hash(key)[0], 16) % 2]


def kind_of(request: Mapping[str, Any], judgement: Mapping[str, Any]) -> tuple[bool, bool]:
    """The stratum of a judged request: whether it was posted as prose only, and whether
    nothing is graded 2 or more (the set's unmet rule before 3 Dec 2026, kept as the
    stratum so that no request changed part when the rule followed issue 11). Grades of
    programmes written in a later batch than the request (``added``) do not count: a
    request's stratum, and so its part, is fixed when it enters the set."""
    mine = request.get("added") or ""
    later = _programme_batches()
    grades = [g for p, g in judgement["relevant"].items() if later.get(p, "") <= mine]
    return bool(request.get("prose_only")), max(grades, default=0) < 2


@lru_cache(maxsize=1)
def _programme_batches() -> dict[str, str]:
    """``{programme id: batch}`` for the programmes written for the evaluation after the
    first batch (their ``added`` date); the others are of the first batch ("")."""
    return {
        programme_id(p["key"]): p["added"] for p in _eval_records()["programmes"] if p.get("added")
    }


def _language_group(request: Mapping[str, Any]) -> str:
    language = request.get("text_language") or "en"
    return language if language in ("en", "fr", "es") else "ar_ru_zh"


@lru_cache(maxsize=1)
def split() -> dict[str, str]:
    """``{request key: part}``, stratified by kind (:func:`kind_of`): within each kind,
    requests ordered by text language (English, French, Spanish, then the newer ones) and
    by sha256(key) go to "fit" and "report" in turn, the turn carrying over from one kind
    to the next — so each kind, and each language within it, is split evenly (the parts
    differ by at most one request per kind). An edition of a judged request in another
    language (``edition_of``) goes to its original's part, so that no need is fitted in
    one part and reported in the other."""
    judgements = load_judgements()
    requests = [r for r in all_requests() if r["key"] in judgements]
    originals = {r["key"]: r["edition_of"] for r in requests if r.get("edition_of")}
    # requests added later (``added``) are split by the same rule among themselves, the
    # turn carrying on, so that adding requests never moves one already in the set
    strata: dict[tuple[str, bool, bool], list[Mapping[str, Any]]] = {}
    for r in requests:
        if r["key"] not in originals:
            kind = kind_of(r, judgements[r["key"]])
            strata.setdefault((r.get("added") or "", *kind), []).append(r)
    order = {"en": 0, "fr": 1, "es": 2}
    out: dict[str, str] = {}
    turn = 0
    for kind in sorted(strata):
        ranked = sorted(
            strata[kind], key=lambda r: (order.get(_language_group(r), 3), _hash(r["key"]))
        )
        for r in ranked:
            out[r["key"]] = PARTS[turn % 2]
            turn += 1
    for key, original in originals.items():
        out[key] = out.get(original) or PARTS[int(_hash(key)[0], 16) % 2]
    return out


def load_judgements(path: Path = JUDGEMENTS, field: str = "requests") -> dict[str, dict[str, Any]]:
    """``{request key: {"relevant": {programme id: grade}, "never": {programme ids}}}``."""
    raw = json.loads(path.read_text(encoding="utf-8"))[field]
    return {
        key: {
            "relevant": {programme_id(p): int(g) for p, g in v["relevant"].items()},
            "never": {programme_id(p) for p in v["never"]},
        }
        for key, v in raw.items()
    }


def _eval_records(path: Path = EVAL_RECORDS) -> dict[str, list[dict[str, Any]]]:
    return json.loads(path.read_text(encoding="utf-8"))


def all_programmes() -> list[dict[str, Any]]:
    """Seed programmes plus those written for the evaluation, as engine input dicts; the
    organisation's name stands for its id (``organisation_id``, as the history names it)."""
    out = load_programmes()
    for p in _eval_records()["programmes"]:
        out.append(
            {
                **{k: v for k, v in p.items() if k not in ("key", "created", "last_confirmed")},
                "id": programme_id(p["key"]),
                "key": p["key"],
                "organisation_type": p.get("organisation_type"),
                "created_at": p.get("created"),
                "updated_at": p.get("last_confirmed") or p.get("created"),
            }
        )
    for p in out:
        p.setdefault("organisation_id", p.get("organisation_name"))
    return out


def history() -> list[dict[str, Any]]:
    """The initiatives of the history set, with their states' UN regional groups."""
    from search.matching.seed_loader import country_regions

    regions = country_regions()
    out = []
    for i in _eval_records(EVAL_HISTORY)["initiatives"]:
        out.append({**i, "regions": sorted({regions[c] for c in i["states"] if c in regions})})
    return out


def history_judgements() -> dict[str, dict[str, Any]]:
    """The history set's grades, as :func:`load_judgements`."""
    return load_judgements(EVAL_HISTORY, "judgements")


def all_requests() -> list[dict[str, Any]]:
    """Seed requests plus those written for the evaluation, with their labelled codes
    (``prose_only`` says whether the record was posted without codes)."""
    from search.matching.seed_loader import SEED_DIR

    countries = json.loads((SEED_DIR / "countries.json").read_text(encoding="utf-8"))
    regions = {c["iso3"]: c["region"] for c in countries}
    names = {c["iso3"]: c["name"] for c in countries}
    out = [{**r, "prose_only": False} for r in load_requests()]
    written = [
        *_eval_records()["requests"],
        *_eval_records(EVAL_RECORDS_LANGUAGES)["requests"],
        *_eval_records(EVAL_HISTORY)["requests"],
    ]
    for r in written:
        out.append(
            {
                "id": request_id(r["key"]),
                "key": r["key"],
                "title": r["title"],
                "description": r["description"],
                "text_language": r.get("text_language") or "en",
                "themes": list(r["themes"]),
                "support_types": list(r["support_types"]),
                "languages": list(r["languages"]),
                "country": r["country"],
                "country_name": names.get(r["country"]),
                "region": regions.get(r["country"]),
                "status": r.get("status"),
                "urgency": r.get("urgency"),
                "created_at": r.get("created"),
                "updated_at": r.get("last_confirmed") or r.get("created"),
                "prose_only": bool(r.get("prose_only")),
                "edition_of": r.get("edition_of"),
                "added": r.get("added"),
            }
        )
    return out


def as_posted(request: Mapping[str, Any]) -> dict[str, Any]:
    """The request as its owner posted it: a prose-only request has no codes."""
    if request.get("prose_only"):
        return without_codes(request)
    return dict(request)


def without_codes(request: Mapping[str, Any]) -> dict[str, Any]:
    return {**request, "themes": [], "support_types": []}


# -- the rules as written (oracle) ---------------------------------------------------------


def available(programme: Mapping[str, Any], today: date = TODAY) -> bool:
    """Open, and neither its end date nor its application deadline has passed."""
    if programme.get("status") != "open":
        return False
    for field in ("end_date", "application_deadline"):
        value = programme.get(field)
        if value and date.fromisoformat(str(value)[:10]) < today:
            return False
    return True


def eligible(programme: Mapping[str, Any], request: Mapping[str, Any]) -> bool:
    """Listed states: those only. Else listed regions: their states. Else (or global): all."""
    countries = programme.get("eligible_countries") or []
    if countries:
        return request.get("country") in countries
    regions = programme.get("eligible_regions") or []
    if not regions or "global" in regions:
        return True
    return request.get("region") in regions


def shares_language(programme: Mapping[str, Any], request: Mapping[str, Any]) -> bool:
    """True when the programme is offered in one of the requester's languages, or when
    either side states none."""
    mine, theirs = set(request.get("languages") or []), set(programme.get("languages") or [])
    return not mine or not theirs or bool(mine & theirs)


def check_judgements(today: date = TODAY) -> list[str]:
    """Judgements that contradict the written rules (should be empty)."""
    judgements = load_judgements()
    by_id = {p["id"]: p for p in all_programmes()}
    requests = {r["key"]: r for r in all_requests()}
    problems = []
    for key, j in judgements.items():
        r = requests.get(key)
        if r is None:
            problems.append(f"{key}: no such request")
            continue
        for pid in j["never"]:
            if pid not in by_id:
                problems.append(f"{key}: {pid} does not exist")
            elif available(by_id[pid], today) and eligible(by_id[pid], r):
                problems.append(f"{key}: {pid} is listed as never but is eligible")
        for pid in j["relevant"]:
            if pid not in by_id:
                problems.append(f"{key}: {pid} does not exist")
            elif not (available(by_id[pid], today) and eligible(by_id[pid], r)):
                problems.append(f"{key}: {pid} is graded but not eligible")
            else:
                problems.extend(_grade_problems(key, pid, j["relevant"][pid], by_id[pid], r))
    return problems + _history_problems(by_id, requests, today)


def _history_problems(
    by_id: Mapping[str, Mapping[str, Any]], requests: Mapping[str, Mapping[str, Any]], today: date
) -> list[str]:
    """The history set's grades against its two written rules (header of
    ``match_eval_history.json``), on top of the set's own."""
    works = [w for w in history() if w["work_status"] in ("ongoing", "completed")]

    def received(programme: Mapping[str, Any], state: str) -> bool:
        themes, support = programme.get("themes") or [], set(programme.get("support_types") or [])
        return any(
            state in w["states"]
            and programme.get("organisation_id") in {*w["funders"], *w["implementers"]}
            and themes
            and themes[0] in w["themes"]
            and (not support or not w["support_types"] or support & set(w["support_types"]))
            for w in works
        )

    def track_record(programme: Mapping[str, Any], request: Mapping[str, Any]) -> bool:
        main = (request.get("themes") or [None])[0]
        return main in (programme.get("themes") or []) and any(
            request.get("region") in w["regions"]
            and programme.get("organisation_id") in w["implementers"]
            and main in w["themes"]
            for w in works
        )

    problems = []
    for key, j in history_judgements().items():
        r = requests.get(key)
        if r is None:
            problems.append(f"{key}: no such request")
            continue
        for pid in j["never"]:
            p = by_id.get(pid)
            if p is None:
                problems.append(f"{key}: {pid} does not exist")
            elif available(p, today) and eligible(p, r) and not received(p, r["country"]):
                problems.append(f"{key}: {pid} is listed as never but is offered and not received")
        for pid, grade in j["relevant"].items():
            p = by_id.get(pid)
            if p is None:
                problems.append(f"{key}: {pid} does not exist")
            elif not (available(p, today) and eligible(p, r)) or received(p, r["country"]):
                problems.append(f"{key}: {pid} is graded but not eligible or already received")
            else:
                raised = grade == 3 and track_record(p, r)
                problems.extend(_grade_problems(key, pid, 2 if raised else grade, p, r))
    return problems


def _grade_problems(
    key: str, pid: str, grade: int, programme: Mapping[str, Any], request: Mapping[str, Any]
) -> list[str]:
    """Grades the written rules forbid: a 3 must be offered in a language the requester
    listed, and so cover the need's subject and kind of support (one of its themes and one
    of its support types); a 2 offered in no shared language must be such a 3."""
    covers = bool(set(request["themes"]) & set(programme.get("themes") or [])) and bool(
        set(request["support_types"]) & set(programme.get("support_types") or [])
    )
    language = shares_language(programme, request)
    if grade == 3 and not language:
        return [f"{key}: {pid} is graded 3 but offered in none of the requester's languages"]
    if grade == 3 and not covers:
        return [f"{key}: {pid} is graded 3 but shares no theme or no support type"]
    if grade == 2 and not language and not covers:
        return [f"{key}: {pid} is graded 2 in no shared language but would not be a 3"]
    return []


def expected_unmet(judgement: Mapping[str, Any]) -> bool:
    """A request is an expected unmet need when no programme is graded 3: none covers its
    main need (its subject and the kind of support asked for) in a language the requester
    listed — issue 11 point 4, written as rule "unmet" in the set's header. A 2 (another
    kind of support, a narrower or wider scope, or a 3 in no shared language) is useful
    but does not meet the need."""
    return max(judgement["relevant"].values(), default=0) < 3


# -- metrics ---------------------------------------------------------------------------------


def ndcg(ranked: Sequence[str], grades: Mapping[str, int], k: int = K) -> float:
    gain = sum((2 ** grades.get(p, 0) - 1) / math.log2(i + 2) for i, p in enumerate(ranked[:k]))
    ideal = sorted(grades.values(), reverse=True)[:k]
    best = sum((2**g - 1) / math.log2(i + 2) for i, g in enumerate(ideal))
    return gain / best if best else 0.0


def recall(ranked: Sequence[str], grades: Mapping[str, int], k: int = K) -> float:
    relevant = {p for p, g in grades.items() if g >= 1}
    return len(relevant & set(ranked[:k])) / len(relevant) if relevant else 0.0


def reciprocal_rank(ranked: Sequence[str], grades: Mapping[str, int]) -> float:
    floor = 2 if max(grades.values(), default=0) >= 2 else 1
    return next((1 / (i + 1) for i, p in enumerate(ranked) if grades.get(p, 0) >= floor), 0.0)


def precision_recall(pairs: Sequence[tuple[set[str], set[str]]]) -> tuple[float, float]:
    """Micro precision and recall of ``(truth, guess)`` code sets."""
    tp = sum(len(t & g) for t, g in pairs)
    fp = sum(len(g - t) for t, g in pairs)
    fn = sum(len(t - g) for t, g in pairs)
    return (tp / (tp + fp) if tp + fp else 1.0), (tp / (tp + fn) if tp + fn else 1.0)


Suggester = Callable[[Mapping[str, Any]], Mapping[str, Sequence[str]]]


def suggestion_figures(
    requests: Sequence[Mapping[str, Any]], suggest: Suggester
) -> dict[str, float]:
    """Precision / recall of suggested codes against the labels, per list."""
    out: dict[str, float] = {"requests": len(requests)}
    guesses = [suggest(without_codes(r)) for r in requests]
    for field in ("themes", "support_types"):
        pairs = [
            (set(r[field]), set(g.get(field, []))) for r, g in zip(requests, guesses, strict=True)
        ]
        p, rc = precision_recall(pairs)
        out[f"{field}_precision"] = round(p, 4)
        out[f"{field}_recall"] = round(rc, 4)
    return out
