"""The message catalogues: completeness checks and compilation (``make i18n``, the tests).

``python -m kb.i18n_catalogues`` fills the English catalogue from the source texts (English is the
source language, so its translation is the text itself), compiles the six catalogues and prints,
per language, how many messages are untranslated or fuzzy. It exits non-zero when any are.
"""

from __future__ import annotations

import sys
from dataclasses import dataclass, field
from pathlib import Path

from babel.messages.catalog import Catalog
from babel.messages.mofile import write_mo
from babel.messages.pofile import read_po, write_po

from kb.i18n import DEFAULT, LANGUAGES, TRANSLATIONS
from kb.i18n_pseudo import InContext


def po_path(lang: str, root: Path = TRANSLATIONS) -> Path:
    return root / lang / "LC_MESSAGES" / "messages.po"


def read_catalogue(path: Path) -> Catalog:
    with path.open("rb") as fh:
        return read_po(fh)


def _translated(message: object) -> bool:
    text = message.string  # type: ignore[attr-defined]
    if isinstance(text, (tuple, list)):
        return all(text)
    return bool(text)


@dataclass
class Problems:
    lang: str
    missing: list[str | InContext] = field(default_factory=list)
    untranslated: list[str | InContext] = field(default_factory=list)
    fuzzy: list[str | InContext] = field(default_factory=list)

    def __bool__(self) -> bool:
        return bool(self.missing or self.untranslated or self.fuzzy)


def _msgid(message: object) -> str | InContext:
    """The message's key as ``source_messages`` gives it (with its context, if any)."""
    ident = message.id  # type: ignore[attr-defined]
    ident = ident[0] if isinstance(ident, (tuple, list)) else ident
    context = message.context  # type: ignore[attr-defined]
    return InContext(context, ident) if context else ident


def problems(
    lang: str, wanted: set[str | InContext] | None = None, root: Path = TRANSLATIONS
) -> Problems:
    """What is wrong with ``lang``'s catalogue: messages absent, untranslated or fuzzy."""
    found = Problems(lang)
    path = po_path(lang, root)
    if not path.exists():
        found.missing = sorted(wanted or {"<the whole catalogue>"}, key=str)
        return found
    catalogue = read_catalogue(path)
    have = {_msgid(m) for m in catalogue if m.id}
    found.missing = sorted((wanted or set()) - have, key=str)
    for message in catalogue:
        if not message.id:
            continue
        if message.fuzzy:
            found.fuzzy.append(_msgid(message))
        elif not _translated(message):
            found.untranslated.append(_msgid(message))
    return found


def fill_source_language(root: Path = TRANSLATIONS) -> None:
    """English is the source: its catalogue translates each message to itself."""
    path = po_path(DEFAULT, root)
    catalogue = read_catalogue(path)
    for message in catalogue:
        if not message.id:
            continue
        if isinstance(message.id, (tuple, list)):
            message.string = tuple(message.id[i if i < 2 else 1] for i in range(2))
        else:
            message.string = message.id
        message.flags.discard("fuzzy")
    with path.open("wb") as fh:
        write_po(fh, catalogue, omit_header=False, sort_output=True, no_location=True, width=100)


def compile_stale(root: Path = TRANSLATIONS, force: bool = False) -> list[str]:
    """Compile every catalogue whose ``.mo`` is missing or older than its ``.po``."""
    compiled = []
    for lang in LANGUAGES:
        po = po_path(lang, root)
        mo = po.with_suffix(".mo")
        stale = not mo.exists() or mo.stat().st_mtime < po.stat().st_mtime
        if po.exists() and (force or stale):
            catalogue = read_catalogue(po)
            with mo.open("wb") as fh:
                write_mo(fh, catalogue)
            compiled.append(lang)
    return compiled


def main() -> int:
    fill_source_language()
    compile_stale(force=True)
    bad = 0
    for lang in LANGUAGES:
        found = problems(lang)
        total = len(read_catalogue(po_path(lang))) - 1
        print(
            f"{lang}: {total} messages, {len(found.untranslated)} untranslated, "
            f"{len(found.fuzzy)} fuzzy"
        )
        bad += len(found.untranslated) + len(found.fuzzy)
    return 1 if bad else 0


if __name__ == "__main__":
    sys.exit(main())
