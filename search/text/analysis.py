"""Text analysis shared by every backend, the thesaurus and the highlighter.

Pipeline: split into words (``search.text.segment.WORD_RE``: Unicode letters and digits,
Chinese cut into words by jieba), lowercase, fold accents (``Côte`` -> ``cote``; Arabic
vowel marks and the hamza on alef go too), drop the language's stop words, stem with the
Snowball stemmer of the record's language:

==========  ==============================================================================
``en`` ...  English, French, Spanish: whoosh's Snowball stemmers, after folding (so that a
            query typed without accents, ``cybercriminalite``, reaches the same stem)
``ar``      Arabic: PyStemmer's Snowball Arabic stemmer, always given the word with the
            article ``ال`` (``قدرات``, ``القدرات``, ``بالقدرات`` -> ``قدر``)
``ru``      Russian: PyStemmer's Snowball Russian stemmer on the lowercased word (``ё``
            without its dots), folded after stemming (folding first would turn ``й`` into
            ``и`` and hide the adjective endings from the stemmer); acronyms (``КИИ``) are
            only folded
``zh``      Chinese: jieba's words as they are (Chinese has no inflection)
``xx``      any other language: folded, not stemmed
==========  ==============================================================================

Results are memoised per raw token, which keeps indexing fast (the vocabulary of a
corpus is small compared to its token count).
"""

from __future__ import annotations

import json
import unicodedata
from collections.abc import Callable
from pathlib import Path

import Stemmer
from whoosh.lang import stemmer_for_language, stopwords_for_language
from whoosh.support.charset import accent_map

from search.text.segment import WORD_RE, word_spans

#: Languages with a Snowball stemmer (whoosh's for en/fr/es, PyStemmer's for ar/ru).
STEMMED_LANGUAGES: tuple[str, ...] = ("en", "fr", "es", "ar", "ru")
#: Languages with their own analysis and per-language index fields: the six UN languages.
ANALYSED_LANGUAGES: tuple[str, ...] = (*STEMMED_LANGUAGES, "zh")
#: Language key used for everything else (folded, not stemmed).
NEUTRAL = "xx"
#: All language keys, in field order.
LANGUAGE_KEYS: tuple[str, ...] = (*ANALYSED_LANGUAGES, NEUTRAL)
#: Stop words of Arabic and Chinese (whoosh ships none), hand-written.
STOPWORDS_FILE = Path(__file__).parents[1] / "data" / "stopwords.json"

_CACHE_LIMIT = 200_000


def fold(text: str) -> str:
    """Lowercase and strip accents: ``"Côte d'Ivoire"`` -> ``"cote d'ivoire"``."""
    out = text.lower().translate(accent_map)
    if not out.isascii():
        out = "".join(c for c in unicodedata.normalize("NFKD", out) if not unicodedata.combining(c))
    return out


def language_key(code: str | None) -> str:
    """Map an ISO 639-1 code to one of the six UN languages or the neutral key ``xx``."""
    code = (code or "").strip().lower()[:2]
    return code if code in ANALYSED_LANGUAGES else NEUTRAL


#: Gaps in whoosh's Snowball stop lists.
_EXTRA_STOPWORDS = {"fr": {"les", "d", "l", "qu", "s", "n", "c", "j", "m", "t"}, "en": {"s"}}


_OWN_LISTS: dict[str, list[str]] = json.loads(STOPWORDS_FILE.read_text(encoding="utf-8"))[
    "languages"
]


def _stopwords(lang: str) -> frozenset[str]:
    if lang == NEUTRAL:
        return frozenset()
    listed = _OWN_LISTS[lang] if lang in _OWN_LISTS else stopwords_for_language(lang)
    words = set(listed) | _EXTRA_STOPWORDS.get(lang, set())
    return frozenset(fold(w) for w in words)


STOPWORDS: dict[str, frozenset[str]] = {lang: _stopwords(lang) for lang in LANGUAGE_KEYS}
ALL_STOPWORDS: frozenset[str] = frozenset().union(*STOPWORDS.values())


def _identity(word: str) -> str:
    return word


_STEMMERS: dict[str, Callable[[str], str]] = {
    lang: stemmer_for_language(lang) for lang in ("en", "fr", "es")
}
_STEMMERS["ar"] = Stemmer.Stemmer("arabic").stemWord
_STEMMERS["ru"] = Stemmer.Stemmer("russian").stemWord
_STEMMERS["zh"] = _STEMMERS[NEUTRAL] = _identity
#: Arabic prefixes: the article, alone or after a conjunction or preposition.
_AR_PREFIXES = ("وال", "بال", "كال", "فال", "لل", "ال")
_AR_TATWEEL = "\u0640"
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
    result = None if folded in STOPWORDS[lang] else stem(token, lang, folded)
    cache[token] = result
    return result


def stem(token: str, lang: str, folded: str | None = None) -> str:
    """The stem of one raw token in language key ``lang`` (stop words are not looked at)."""
    if folded is None:
        folded = fold_token(token)
    if lang == "ru":
        if token.isupper() and len(token) <= 5:  # an acronym (КИИ, ГЧП): not an inflected word
            return folded
        return fold(_STEMMERS["ru"](token.lower().replace("ё", "е")))
    if lang == "ar":
        return _arabic(folded) if folded[:1] >= "\u0600" else folded
    if lang == "es" and folded.endswith("ciones"):
        folded = folded[:-2]  # the Snowball rule for -ación needs the accent
    result = _STEMMERS[lang](folded) or folded
    if not result.isascii():  # stemmer may not expect folded input; keep it ASCII
        result = fold(result)
    return result


def _arabic(folded: str) -> str:
    """Snowball Arabic, always given the word with its article: the stemmer strips noun
    suffixes best in that form, and ``قدرات`` / ``القدرات`` / ``بالقدرات`` then meet."""
    word = folded.replace(_AR_TATWEEL, "")
    for prefix in _AR_PREFIXES:
        if word.startswith(prefix) and len(word) - len(prefix) >= 2:
            word = word[len(prefix) :]
            break
    return _STEMMERS["ar"]("ال" + word) or word


def script_stem(token: str) -> str | None:
    """The stem of an Arabic or Cyrillic token in its own language, else None (the
    thesaurus keys such words by it, whatever the record's language)."""
    first = token[:1]
    if "\u0400" <= first <= "\u052f":
        return stem(token, "ru")
    if "\u0600" <= first <= "\u06ff":
        return stem(token, "ar")
    return None


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


def tokens(text: str) -> list[tuple[int, int, str]]:
    """``(start, end, raw_token)`` of each word of ``text``."""
    return word_spans(text)


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
