"""The gazetteer's notes as messages of the catalogues.

A place's page says on what basis its members are listed, where the list comes from and what
to know about it (``basis``, ``source``, ``note`` of :class:`search.places.model.Place`). They are
written in English in ``search/data/places_groups.json`` (``search/`` knows nothing of Flask);
``make i18n`` extracts them from there with :func:`extract` (``babel.cfg``), so they are
translated in the six catalogues like any other message, and the place page words them with
:func:`place_text`.
"""

from __future__ import annotations

import json
from collections.abc import Iterator
from typing import IO, Any

from flask_babel import gettext

from kb.codes import N_

#: The fields of a place that are prose for readers, and the lists of the data file that have them.
FIELDS = ("basis", "source", "note")
LISTS = ("organisations", "groupings", "informal")

#: Sources that ``search/places/gazetteer.py`` itself gives (M49 areas, UN regional groups).
GAZETTEER_SOURCES = (N_("UN M49"), N_("UN DGACM"))


def texts(data: dict[str, Any]) -> Iterator[tuple[str, str, str]]:
    """``(code, field, text)`` for each basis, source and note in the places data."""
    for name in LISTS:
        for entry in data.get(name, []):
            for field in FIELDS:
                text = entry.get(field)
                if isinstance(text, str) and text:
                    yield entry["code"], field, text


def extract(
    fileobj: IO[bytes], keywords: Any, comment_tags: Any, options: Any
) -> Iterator[tuple[int, None, str, list[str]]]:
    """Babel extraction method (``babel.cfg``): each text with the place and field it is for."""
    for code, field, text in texts(json.load(fileobj)):
        yield 1, None, text, [f"{field} of the place {code}"]


def place_text(text: str, inside: bool = False) -> str:
    """A place's basis, source or note in the interface language; ``inside`` a sentence of
    the page ("Basis: %(basis)s."), without a full stop of its own."""
    worded = gettext(text) if text else ""
    return worded.rstrip(".。") if inside else worded
