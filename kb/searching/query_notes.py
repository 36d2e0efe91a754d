"""What the query parser said about the query text, in the reader's language.

``search/`` (framework-free) words its notes about the query text in English
(``SearchResult.query_messages``, also what the JSON endpoints return); the pages show them
translated. Each pattern below is one sentence of ``search/querylang/parser.py``; the test
``tests/test_search_app.py::test_query_notes_are_translated`` triggers every one of them, so a
sentence changed there without its pattern here fails the suite. An unknown sentence is shown
as it is.
"""

from __future__ import annotations

import re
from collections.abc import Callable

from flask_babel import gettext as _

_PATTERNS: list[tuple[re.Pattern[str], Callable[[re.Match[str]], str]]] = [
    (
        re.compile(r"The query was cut to its first (\d+) characters\.$"),
        lambda m: _("The query was cut to its first %(num)s characters.", num=m[1]),
    ),
    (
        re.compile(r"A phrase was cut to its first (\d+) words\.$"),
        lambda m: _("A phrase was cut to its first %(num)s words.", num=m[1]),
    ),
    (
        re.compile(r"An unclosed quote was closed at the end of the query\.$"),
        lambda m: _("An unclosed quote was closed at the end of the query."),
    ),
    (
        re.compile(r"The empty filter '(.*):' was ignored\.$"),
        lambda m: _("The empty filter “%(name)s:” was ignored.", name=m[1]),
    ),
    (
        re.compile(r"'(.*):' is not a known field; it was searched as text\.$"),
        lambda m: _("“%(name)s:” is not a known field; it was searched as text.", name=m[1]),
    ),
    (
        re.compile(
            r"Wildcards in '(.*)' were ignored \(use at least (\d+) letters followed by \*\)\.$"
        ),
        lambda m: _(
            "Wildcards in “%(text)s” were ignored (use at least %(num)s letters followed by *).",
            text=m[1],
            num=m[2],
        ),
    ),
    (
        re.compile(r"An unmatched '\)' was ignored\.$"),
        lambda m: _("An unmatched “)” was ignored."),
    ),
    (
        re.compile(r"Operators \(AND, OR, NOT\) without a term were ignored\.$"),
        lambda m: _("Operators (AND, OR, NOT) without a term were ignored."),
    ),
    (
        re.compile(r"An unclosed '\(' was closed at the end of the query\.$"),
        lambda m: _("An unclosed “(” was closed at the end of the query."),
    ),
    (
        re.compile(r"Only the first (\d+) terms were used\.$"),
        lambda m: _("Only the first %(num)s terms were used.", num=m[1]),
    ),
]


def translate(message: str) -> str:
    """``message`` (one sentence of the parser) in the reader's language."""
    for pattern, word in _PATTERNS:
        found = pattern.match(message)
        if found:
            return word(found)
    return message


def is_known(message: str) -> bool:
    return any(pattern.match(message) for pattern, _word in _PATTERNS)
