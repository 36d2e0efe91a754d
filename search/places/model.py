"""What the gazetteer knows: places and mentions of them in text."""

from __future__ import annotations

from dataclasses import dataclass, field
from typing import Literal

Kind = Literal["state", "un_group", "region", "subregion", "organisation", "grouping", "informal"]

#: Which place a name means when several share it ("Africa": the UN group, not M49 002;
#: "Micronesia": the state, not the M49 sub-region).  Lower wins.
KIND_PRIORITY: dict[str, int] = {
    "state": 0,
    "un_group": 1,
    "organisation": 2,
    "informal": 3,
    "subregion": 4,
    "region": 5,
    "grouping": 6,
}

#: How each kind is called in sentences ("an organisation", "a UN M49 sub-region").
KIND_LABELS: dict[str, str] = {
    "state": "UN member state",
    "un_group": "UN regional group",
    "region": "UN M49 region",
    "subregion": "UN M49 sub-region",
    "organisation": "organisation",
    "grouping": "UN grouping",
    "informal": "informal name",
}


@dataclass(frozen=True)
class Place:
    """A state, a group of states, or a name for a set of states.

    ``members`` are ISO 3166-1 alpha-3 codes of UN member states (a state's members are
    itself).  ``names`` maps each of the six UN languages (``ar``, ``en``, ``es``, ``fr``,
    ``ru``, ``zh``) to the names users write, the name to show first (acronyms in
    ``acronyms``).  ``source``/``as_of``/``basis``/``note`` say where the facts come from.
    """

    code: str
    kind: Kind
    name: str
    members: frozenset[str] = field(repr=False)
    names: dict[str, list[str]] = field(default_factory=dict, hash=False, compare=False, repr=False)
    acronyms: tuple[str, ...] = ()
    parent: str | None = None
    source: str = ""
    as_of: str = ""
    basis: str = ""
    note: str = ""

    @property
    def kind_label(self) -> str:
        return KIND_LABELS[self.kind]

    def all_names(self) -> list[str]:
        """Every name and acronym, the English name first, without repeats."""
        out = [self.name]
        for names in self.names.values():
            out.extend(names)
        out.extend(self.acronyms)
        return list(dict.fromkeys(n for n in out if n))


@dataclass(frozen=True)
class PlaceMention:
    """``text[start:end]`` (``surface``) names ``place``."""

    start: int
    end: int
    surface: str
    place: Place
