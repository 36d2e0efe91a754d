"""Text analysis shared by every backend, the thesaurus and the highlighter.

Pipeline: split on ``[^\\W_]+`` (Unicode letters and digits), lowercase, fold accents
(``Côte`` -> ``cote``), drop the language's stop words, stem with the Snowball stemmer of
the record's language (``en``, ``fr``, ``es``).  Other languages are folded but not
stemmed (language key ``xx``).  Folding happens *before* stemming so that a query typed
without accents (``cybercriminalite``) reaches the same stem as the accented text.

Results are memoised per raw token, which keeps indexing fast (the vocabulary of a
corpus is small compared to its token count).
"""

from __future__ import annotations

import re
import unicodedata
from collections.abc import Callable, Iterator

from whoosh.lang import stemmer_for_language, stopwords_for_language
from whoosh.support.charset import accent_map

#: Languages with a dedicated stemmer and per-language index fields.
STEMMED_LANGUAGES: tuple[str, ...] = ("en", "fr", "es")
#: Language key used for everything else (folded, not stemmed).
NEUTRAL = "xx"
#: All language keys, in field order.
LANGUAGE_KEYS: tuple[str, ...] = (*STEMMED_LANGUAGES, NEUTRAL)

WORD_RE = re.compile(r"[^\W_]+")
_CACHE_LIMIT = 200_000


def fold(text: str) -> str:
    """Lowercase and strip accents: ``"Côte d'Ivoire"`` -> ``"cote d'ivoire"``."""
    out = text.lower().translate(accent_map)
    if not out.isascii():
        out = "".join(c for c in unicodedata.normalize("NFKD", out) if not unicodedata.combining(c))
    return out


def language_key(code: str | None) -> str:
    """Map an ISO 639-1 code to ``en``/``fr``/``es`` or the neutral key ``xx``."""
    code = (code or "").strip().lower()[:2]
    return code if code in STEMMED_LANGUAGES else NEUTRAL


#: Gaps in whoosh's Snowball stop lists.
_EXTRA_STOPWORDS = {"fr": {"les", "d", "l", "qu", "s", "n", "c", "j", "m", "t"}, "en": {"s"}}


def _stopwords(lang: str) -> frozenset[str]:
    if lang == NEUTRAL:
        return frozenset()
    words = set(stopwords_for_language(lang)) | _EXTRA_STOPWORDS.get(lang, set())
    return frozenset(fold(w) for w in words)


STOPWORDS: dict[str, frozenset[str]] = {lang: _stopwords(lang) for lang in LANGUAGE_KEYS}
ALL_STOPWORDS: frozenset[str] = frozenset().union(*STOPWORDS.values())


def _identity(word: str) -> str:
    return word


_STEMMERS: dict[str, Callable[[str], str]] = {
    lang: stemmer_for_language(lang) for lang in STEMMED_LANGUAGES
}
_STEMMERS[NEUTRAL] = _identity
_TERM_CACHE: dict[str, dict[str, str | None]] = {lang: {} for lang in LANGUAGE_KEYS}
_FOLD_CACHE: dict[str, str] = {}


def fold_token(token: str) -> str:
    """Fold one token (memoised)."""
    folded = _FOLD_CACHE.get(token)
    if folded is None:
        if len(_FOLD_CACHE) > _CACHE_LIMIT:
            _FOLD_CACHE.clear()
        folded = _FOLD_CACHE[token] = fold(token)
    return folded


def term(token: str, lang: str) -> str | None:
    """The index term for one raw token in language key ``lang``; None for a stop word."""
    cache = _TERM_CACHE[lang]
    try:
        return cache[token]
    except KeyError:
        pass
    if len(cache) > _CACHE_LIMIT:
        cache.clear()
    folded = fold_token(token)
    result: str | None
    if folded in STOPWORDS[lang]:
        result = None
    else:
        if lang == "es" and folded.endswith("ciones"):
            folded = folded[:-2]  # the Snowball rule for -ación needs the accent
        result = _STEMMERS[lang](folded) or folded
        if not result.isascii():  # stemmer may not expect folded input; keep it ASCII
            result = fold(result)
    cache[token] = result
    return result


def analyze(text: str, lang: str) -> list[str]:
    """Index terms of ``text`` for language key ``lang``, stop words removed, in order."""
    cache = _TERM_CACHE[lang]
    out: list[str] = []
    append = out.append
    for token in WORD_RE.findall(text):
        t = cache.get(token, "") if token in cache else term(token, lang)
        if t:
            append(t)
    return out


def tokens(text: str) -> Iterator[tuple[int, int, str]]:
    """Yield ``(start, end, raw_token)`` for each word of ``text``."""
    for m in WORD_RE.finditer(text):
        yield m.start(), m.end(), m.group()


def words(text: str) -> list[str]:
    """Folded (unstemmed) words of ``text``; used for names and spelling."""
    return [fold_token(t) for t in WORD_RE.findall(text)]


def spell_words(text: str) -> set[str]:
    """Distinct folded words worth offering as spelling corrections."""
    return {w for w in words(text) if len(w) >= 3 and w.isalpha() and w not in ALL_STOPWORDS}


def query_terms(word: str) -> dict[str, str]:
    """Terms a query word becomes in each language field (stop words omitted)."""
    out: dict[str, str] = {}
    for lang in LANGUAGE_KEYS:
        t = term(word, lang)
        if t:
            out[lang] = t
    return out


#: Stop words that belong to one stemmed language only (``de``, ``en``, ``a``... are shared).
_OWN_STOPWORDS: dict[str, frozenset[str]] = {
    lang: STOPWORDS[lang].difference(*(STOPWORDS[o] for o in STEMMED_LANGUAGES if o != lang))
    for lang in STEMMED_LANGUAGES
}
#: ``guess_language`` answers only with this many telling words, ...
GUESS_MIN_WORDS = 3
#: ... and only when the best language has this many times the runner-up's count.
GUESS_MARGIN = 2.0


def guess_language(text: str) -> str | None:
    """``en``, ``fr`` or ``es`` for a text clearly written in one of them, else None.

    Counts the stop words that belong to one language only ("the", "les", "los"): cheap,
    and reliable on the paragraphs of a request or programme description."""
    counts = dict.fromkeys(STEMMED_LANGUAGES, 0)
    for token in WORD_RE.findall(text[:20_000]):
        word = fold_token(token)
        for lang, own in _OWN_STOPWORDS.items():
            if word in own:
                counts[lang] += 1
    ranked = sorted(counts.items(), key=lambda kv: -kv[1])
    (best, top), (_, second) = ranked[0], ranked[1]
    if top >= GUESS_MIN_WORDS and top >= GUESS_MARGIN * second:
        return best
    return None
