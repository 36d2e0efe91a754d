"""A pseudo-locale: every catalogue message with its letters swapped for accented look-alikes.

Rendering a page through it shows at once which text never went through a translation call:
that text is still plain ASCII English ("Search" stays "Search", "Séářçĥ" was translated).
The tests use it (tests/test_i18n.py); ``write_pseudo_catalogue`` builds it from the sources.
"""

from __future__ import annotations

import re
from dataclasses import dataclass
from pathlib import Path

from babel.messages.catalog import Catalog
from babel.messages.extract import extract_from_dir
from babel.messages.mofile import write_mo

from kb import PROJECT_ROOT

_PLAIN = "abcdefghijklmnopqrstuvwxyzABCDEFGHIJKLMNOPQRSTUVWXYZ"
_ACCENTED = "áƀçďéƒĝĥíĵķĺɱñóþǫŕšţúṽŵẋýžÁßÇĎÉƑĜĤÍĴĶĹϺÑÓÞǪŔŠŢÚṼŴẊÝŽ"
_TABLE = str.maketrans(_PLAIN, _ACCENTED)
#: Kept as they are: placeholders, markup and entities inside messages.
_KEEP = re.compile(r"%\([a-z_]+\)[sd]|%[sd%]|<[^>]*>|&[a-z#0-9]+;")

#: Keyword arguments of the extraction, as in ``make i18n``.
KEYWORDS = {
    "_": None,
    "gettext": None,
    "ngettext": (1, 2),
    "lazy_gettext": None,
    "_l": None,
    "N_": None,
    "C_": ((1, "c"), 2),
    "pgettext": ((1, "c"), 2),
}
METHODS = [("**.py", "python"), ("**.html", "jinja2")]
#: The places data whose notes are messages too (``babel.cfg``, ``make i18n``).
PLACES_FILE = "search/data/places_groups.json"


@dataclass(frozen=True, order=True)
class InContext:
    """A message marked with a context (``C_``, ``pgettext``): its ``msgctxt`` and ``msgid``."""

    context: str
    id: str

    def __str__(self) -> str:
        return f"{self.id} [{self.context}]"


def pseudo(text: str) -> str:
    out, last = [], 0
    for match in _KEEP.finditer(text):
        out.append(text[last : match.start()].translate(_TABLE))
        out.append(match.group(0))
        last = match.end()
    out.append(text[last:].translate(_TABLE))
    return "".join(out)


def source_messages() -> set[str | tuple[str, ...] | InContext]:
    """Every message the sources mark for translation (kb/ and templates/), and the places'
    notes of ``search/data/places_groups.json`` (:mod:`kb.i18n_places`). A message with a
    context is an ``InContext`` (plurals are tuples, others strings)."""
    import json

    from kb.i18n_places import texts

    found: set[str | tuple[str, ...] | InContext] = set()
    data = json.loads((PROJECT_ROOT / PLACES_FILE).read_text(encoding="utf-8"))
    found.update(text for _code, _field, text in texts(data))
    for folder in ("kb", "templates"):
        for _file, _line, message, _comments, context in extract_from_dir(
            PROJECT_ROOT / folder,
            METHODS,
            keywords=KEYWORDS,
            options_map={"**.html": {"trimmed": "true"}},
        ):
            found.add(InContext(context, message) if context else message)
    return found


def write_pseudo_catalogue(root: Path, lang: str = "en") -> Path:
    """``root/<lang>/LC_MESSAGES/messages.mo`` with every source message pseudo-translated."""
    catalogue = Catalog(locale=lang)
    for message in source_messages():
        if isinstance(message, InContext):
            catalogue.add(message.id, pseudo(message.id), context=message.context)
        elif isinstance(message, tuple):
            singular, plural = message[0], message[1]
            catalogue.add((singular, plural), (pseudo(singular), pseudo(plural)))
        elif message:
            catalogue.add(message, pseudo(message))
    target = root / lang / "LC_MESSAGES"
    target.mkdir(parents=True, exist_ok=True)
    path = target / "messages.mo"
    with path.open("wb") as fh:
        write_mo(fh, catalogue)
    return path
