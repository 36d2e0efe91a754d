"""The matching engine and the code suggestions on the judged set: floors, baselines, rules."""

from __future__ import annotations

import contextlib
import io
import json
from typing import Any

import pytest

from search import evaluate
from search.matching import judgements


@pytest.fixture(scope="module")
def figures() -> dict[str, Any]:
    """Run ``python -m search.evaluate`` in-process; its last line is the JSON figures."""
    out = io.StringIO()
    with contextlib.redirect_stdout(out):
        evaluate.main([])
    lines = out.getvalue().strip().splitlines()
    assert lines[0].startswith("run") and not any(x.startswith("JUDGEMENT") for x in lines)
    return json.loads(lines[-1])


def test_judged_set_is_as_documented(figures: dict[str, Any]) -> None:
    assert evaluate.check_judgements() == []
    size = figures["set"]
    assert size["requests"] >= 80 and size["fr_es"] >= 15
    assert size["prose_only"] >= 15 and size["unmet"] >= 8
    assert size["fit"] >= 30 and size["report"] >= 30


def test_split_is_fixed() -> None:
    assert [judgements.part_of(k) for k in ("req-001", "req-002", "eval-req-001")] == [
        judgements.part_of("req-001"),
        judgements.part_of("req-002"),
        judgements.part_of("eval-req-001"),
    ]
    assert {judgements.part_of(f"req-{i:03d}") for i in range(1, 51)} == set(judgements.PARTS)


@pytest.mark.parametrize("run", sorted(evaluate.FLOORS))
def test_engine_meets_floors(figures: dict[str, Any], run: str) -> None:
    got = figures["runs"][run]
    for metric, floor in evaluate.FLOORS[run].items():
        assert got[metric] >= floor, (run, metric, got[metric], floor)


@pytest.mark.parametrize("run", sorted(evaluate.MAX_NO_SHARED_LANGUAGE))
def test_ineligible_and_language(figures: dict[str, Any], run: str) -> None:
    got = figures["runs"][run]
    assert got["ineligible@10"] <= evaluate.MAX_INELIGIBLE, (run, got["ineligible@10"])
    assert got["no_shared_language@10"] <= evaluate.MAX_NO_SHARED_LANGUAGE[run], run


def test_text_only_matching_is_close_to_matching_with_codes(figures: dict[str, Any]) -> None:
    runs = figures["runs"]
    for suffix in ("", "_report"):
        for with_codes, without in (
            ("structured", "text_only"),
            ("prose_with_codes", "prose_only"),
        ):
            gap = runs[with_codes + suffix]["ndcg@10"] - runs[without + suffix]["ndcg@10"]
            assert gap <= evaluate.MAX_TEXT_ONLY_GAP, (with_codes + suffix, round(gap, 4))


def test_engine_beats_both_baselines(figures: dict[str, Any]) -> None:
    runs = figures["runs"]
    margin = evaluate.BASELINE_MARGIN
    assert runs["structured"]["ndcg@10"] >= runs["tfidf"]["ndcg@10"] + margin
    assert runs["structured"]["ndcg@10"] >= runs["facets_rules"]["ndcg@10"] + margin / 3
    assert runs["prose_only"]["ndcg@10"] >= runs["tfidf_prose_only"]["ndcg@10"] + margin
    assert runs["cross_language"]["ndcg@10"] >= runs["tfidf_cross_language"]["ndcg@10"] + margin
    assert runs["tfidf"]["ineligible@10"] > 0  # the baseline knows no rules
    assert runs["facets_rules"]["ineligible@10"] == 0  # the oracle's own rules


def test_calibrated_labels(figures: dict[str, Any]) -> None:
    quality = figures["quality"]
    assert quality["strong_precision"] >= evaluate.QUALITY_FLOORS["strong_precision"]
    assert quality["strong_precision"] > quality["good_precision"] > quality["weak_precision"]


def test_unmet_needs_on_the_report_part(figures: dict[str, Any]) -> None:
    for name, floor in evaluate.UNMET_FLOORS.items():
        got = figures["unmet"][f"{name}_report"]
        assert got["recall"] >= floor["recall"], (name, got)
        assert got["false_flag_rate"] <= floor["false_flag_rate"], (name, got)


def test_suggestions_on_the_report_part(figures: dict[str, Any]) -> None:
    got = figures["suggestions"]["report"]
    for metric, floor in evaluate.SUGGESTION_FLOORS.items():
        assert got[metric] >= floor, (metric, got[metric], floor)


def test_grades_are_held_to_the_written_rules() -> None:
    request = {"themes": ["cybercrime"], "support_types": ["training"], "languages": ["es"]}
    offer = {"themes": ["cybercrime"], "support_types": ["training"], "languages": ["en"]}
    assert judgements._grade_problems("r", "p", 3, offer, request)  # no shared language
    assert not judgements._grade_problems("r", "p", 2, offer, request)  # a 3 in English
    assert judgements._grade_problems("r", "p", 2, {**offer, "support_types": ["funding"]}, request)
    assert not judgements._grade_problems("r", "p", 3, {**offer, "languages": ["es"]}, request)
    assert judgements._grade_problems(
        "r", "p", 3, {**offer, "languages": ["es"], "themes": []}, request
    )


def test_split_is_stratified_by_kind() -> None:
    """Each kind of judged request (prose-only or not, anything graded 2 or more or not) is
    split evenly within the batch it was added in, and an edition in another language sits
    in its original's part."""
    marks = judgements.load_judgements()
    requests = [r for r in judgements.all_requests() if r["key"] in marks]
    counts: dict[tuple[str, bool, bool], list[int]] = {}
    for r in requests:
        if r.get("edition_of"):
            assert judgements.part_of(r["key"]) == judgements.part_of(r["edition_of"])
            continue
        kind = (r.get("added") or "", *judgements.kind_of(r, marks[r["key"]]))
        parts = counts.setdefault(kind, [0, 0])
        parts[judgements.PARTS.index(judgements.part_of(r["key"]))] += 1
    assert len([kind for kind in counts if not kind[0]]) == 4
    assert all(abs(fit - report) <= 1 for fit, report in counts.values()), counts


def test_requests_added_later_do_not_move_the_judged_ones() -> None:
    """A request's stratum counts only the programmes of its own batch (``added``): grading
    an older request against a programme written later does not move it to another part,
    and the later requests are split among themselves."""
    marks = judgements.load_judgements()
    requests = {r["key"]: r for r in judgements.all_requests() if r["key"] in marks}
    # req-005 got a 2 from eval-prog-012 (added 2026-12-03); it stays in "nothing graded 2"
    assert marks["req-005"]["relevant"]["programme:eval-prog-012"] == 2
    assert judgements.kind_of(requests["req-005"], marks["req-005"]) == (False, True)
    added = [k for k, r in requests.items() if r.get("added") and not r.get("edition_of")]
    parts = [judgements.part_of(k) for k in added]
    assert added and abs(parts.count("fit") - parts.count("report")) <= 1


def test_suggestion_model_is_the_stored_fit() -> None:
    """The stored suggestion model is what ``python -m search.matching.suggest_model``
    learns from the seed records outside the judged set (refit it after editing the
    thesaurus or the cues)."""
    from search.matching import suggest_model

    records = suggest_model.training_records()
    judged = set(judgements.load_judgements())
    assert records and not judged & {r["key"] for r in records}
    stored = json.loads(suggest_model.MODEL_FILE.read_text(encoding="utf-8"))["models"]
    refit = suggest_model.fit(records)["models"]
    assert stored.keys() == refit.keys()
    for field, codes in refit.items():
        assert stored[field].keys() == codes.keys()
        for code, model in codes.items():
            assert model["intercept"] == pytest.approx(stored[field][code]["intercept"], abs=1e-3)
            assert model["coef"] == pytest.approx(stored[field][code]["coef"], abs=1e-3)


def test_history_helps_where_it_matters(figures: dict[str, Any]) -> None:
    """Issue 16 point 5: on the requests of match_eval_history.json the engine fed with the
    initiatives proposes nothing the state already receives and ranks better than the one
    that knows none (the other runs' floors hold with the history fed in)."""
    for part in judgements.PARTS:
        with_history = figures["runs"][f"history_{part}"]
        without = figures["runs"][f"history_{part}_without_history"]
        assert with_history["ineligible@10"] == 0 < without["ineligible@10"], part
        assert with_history["ndcg@10"] > without["ndcg@10"], part


def test_a_second_theme_the_text_names_is_added_when_the_model_finds_it_likely() -> None:
    """A theme under the share of the best one (women and girls, named once in an awareness
    campaign) is suggested when the text names it and the model finds it likely
    (``suggest.ADD_PROBABILITY``); a theme the text does not name is never added."""
    from search.matching.suggest import suggest_codes

    title = "National cyber hygiene awareness campaign"
    text = (
        "A public awareness campaign on online safety for families, schools and small "
        "businesses, with messages for women and girls."
    )
    assert suggest_codes(title, text)["themes"] == ["awareness", "gender"]
    never = {"themes": 1.0, "support_types": 1.0}
    assert suggest_codes(title, text, add_probability=never)["themes"] == ["awareness"]
    plain = suggest_codes(title, "A public awareness campaign on online safety for families.")
    assert plain["themes"] == ["awareness"]


@pytest.mark.parametrize("lang", [lang for lang in evaluate.LANGUAGES if lang != "en"])
def test_each_request_language_is_within_the_gap_of_english(
    figures: dict[str, Any], lang: str
) -> None:
    """Issue 13 point 6: requests in each language are matched within 0.10 nDCG@10 of English
    requests, on the reporting part (the other part is the one fitted on)."""
    runs = figures["runs"]
    english = runs["lang_en_report"]["ndcg@10"]
    got = runs[f"lang_{lang}_report"]["ndcg@10"]
    assert english - got <= 0.10, (lang, got, english)


def test_the_fit_part_alone(figures: dict[str, Any]) -> None:
    """``--part fit`` gives the fit part's figures of the full run and nothing of "report";
    ``--misses`` (each request's nDCG@10 and top 10) reads the fit part only."""
    out = io.StringIO()
    with contextlib.redirect_stdout(out):
        evaluate.main(["--part", "fit", "--misses"])
    lines = out.getvalue().strip().splitlines()
    fit = json.loads(lines[-1])
    assert fit["set"]["report"] == 0 and fit["set"]["fit"] == figures["set"]["fit"]
    for name in ("structured_fit", "text_only_fit", "prose_only_fit", "history_fit"):
        assert fit["runs"][name] == figures["runs"][name], name
    assert not any(name.endswith("_report") for name in fit["runs"])
    assert fit["unmet"]["structured_fit"] == figures["unmet"]["structured_fit"]
    assert fit["suggestions"]["fit"] == figures["suggestions"]["fit"]
    keys = {line.split()[0] for line in lines if line.startswith(("req-", "eval-req-"))}
    assert keys and all(judgements.part_of(k) == "fit" for k in keys)
    with pytest.raises(ValueError):
        evaluate.misses(evaluate.MatchConfig(), "report")
    with pytest.raises(SystemExit), contextlib.redirect_stderr(io.StringIO()):
        evaluate.main(["--misses"])
