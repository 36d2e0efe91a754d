"""Regenerate ``search/data/places_m49.json`` from the public UN M49 / UNTERM tables.

The states' UN M49 regions, sub-regions, LDC/LLDC/SIDS flags and their names, and the names
of the M49 regions and sub-regions, in the six UN languages come from the
``datasets/country-codes`` repository (UNSD M49 and UNTERM columns; its ``tmp/UNSD-xx.csv``
are the UNSD M49 page's downloads in Arabic, Chinese, English, French, Russian and Spanish);
the UN regional groups are kept in this file's ``UN_GROUPS`` table (source:
UN Department for General Assembly and Conference Management, "Regional groups of Member
States").  Common short forms that the tables lack ("Ivory Coast", "Costa de Marfil") are
the ``EXTRA_NAMES`` below.

    git -C /work/.mirror/datasets+country-codes/repo show HEAD:data/country-codes.csv > cc.csv
    for l in fr es ar cn ru; do git -C … show HEAD:tmp/UNSD-$l.csv > $l.csv; done
    python -m search.places.build_data cc.csv fr.csv es.csv ar.csv cn.csv ru.csv \
        > search/data/places_m49.json
"""

from __future__ import annotations

import csv
import json
import re
import sys
from pathlib import Path

SOURCE_REPO = "github.com/datasets/country-codes"
SOURCE_COMMIT = "caa72d1e0e5af8876c170bb36a9e4d64a01bba88"
SOURCE_DATE = "2026-05-15"

#: São Tomé and Príncipe left the LDC category on 2024-12-13 (UN CDP / OHRLLS); the
#: M49 table of the snapshot (2024-09) still flags it.
LDC_GRADUATED = {"STP": "graduated 2024-12-13 (UN-OHRLLS)"}

#: Common short forms users write, by language (editorial; checked against UNTERM usage).
EXTRA_NAMES: dict[str, dict[str, list[str]]] = {
    "ARE": {"en": ["UAE", "Emirates"], "fr": ["EAU", "Émirats arabes unis"], "es": ["EAU"]},
    "BIH": {"en": ["Bosnia"], "fr": ["Bosnie"], "es": ["Bosnia"]},
    "BRN": {"en": ["Brunei"], "fr": ["Brunei", "Brunéi"], "es": ["Brunéi"]},
    "CAF": {"en": [], "fr": ["Centrafrique"], "es": []},
    "CHN": {"en": ["PRC"], "fr": [], "es": []},
    "CIV": {
        "en": ["Côte d'Ivoire", "Ivory Coast"],
        "fr": ["Côte d'Ivoire"],
        "es": ["Côte d'Ivoire", "Costa de Marfil"],
    },
    "COD": {
        "en": ["DRC", "DR Congo", "Congo-Kinshasa", "Congo Kinshasa"],
        "fr": ["RDC", "RD Congo", "Congo-Kinshasa"],
        "es": ["RDC", "RD del Congo", "Congo-Kinsasa"],
    },
    "COG": {
        "en": ["Republic of the Congo", "Congo-Brazzaville", "Congo Brazzaville"],
        "fr": ["Congo-Brazzaville"],
        "es": ["Congo-Brazzaville"],
    },
    "CPV": {"en": ["Cape Verde"], "fr": ["Cap-Vert"], "es": []},
    "CZE": {"en": ["Czech Republic"], "fr": ["République tchèque"], "es": ["República Checa"]},
    "FSM": {"en": ["Micronesia"], "fr": ["Micronésie"], "es": ["Micronesia"]},
    "GBR": {
        "en": ["United Kingdom", "UK", "U.K.", "Britain", "Great Britain"],
        "fr": ["Royaume-Uni"],
        "es": ["Reino Unido"],
    },
    "GMB": {"en": ["The Gambia"], "fr": [], "es": []},
    "IRN": {"en": ["Iran"], "fr": ["Iran"], "es": ["Irán"]},
    "KNA": {"en": ["St Kitts and Nevis", "Saint Kitts"], "fr": [], "es": []},
    "KOR": {"en": ["South Korea"], "fr": ["Corée du Sud"], "es": ["Corea del Sur"]},
    "LAO": {"en": ["Laos", "Lao PDR"], "fr": ["Laos"], "es": ["Laos"]},
    "LCA": {"en": ["St Lucia"], "fr": [], "es": []},
    "MDA": {"en": ["Moldova"], "fr": ["Moldavie", "Moldova"], "es": ["Moldavia", "Moldova"]},
    "MKD": {"en": ["Macedonia"], "fr": ["Macédoine"], "es": ["Macedonia"]},
    "MMR": {"en": ["Burma"], "fr": ["Birmanie"], "es": ["Birmania"]},
    "NLD": {"en": ["Holland"], "fr": ["Hollande"], "es": ["Holanda"]},
    "PRK": {"en": ["North Korea", "DPRK"], "fr": ["Corée du Nord"], "es": ["Corea del Norte"]},
    "RUS": {"en": ["Russia"], "fr": ["Russie"], "es": ["Rusia"]},
    "SAU": {"en": ["KSA"], "fr": [], "es": ["Arabia Saudí"]},
    "STP": {"en": ["São Tomé and Príncipe", "Sao Tome"], "fr": [], "es": []},
    "SWZ": {"en": ["Swaziland"], "fr": ["Swaziland"], "es": ["Esuatini", "Suazilandia"]},
    "SYR": {"en": ["Syria"], "fr": ["Syrie"], "es": ["Siria"]},
    "TLS": {"en": ["East Timor"], "fr": ["Timor oriental"], "es": ["Timor Oriental"]},
    "TUR": {
        "en": ["Türkiye", "Turkey", "Republic of Türkiye"],
        "fr": ["Türkiye", "Turquie"],
        "es": ["Türkiye", "Turquía"],
    },
    "TZA": {"en": ["Tanzania"], "fr": ["Tanzanie"], "es": ["Tanzania", "Tanzanía"]},
    "USA": {
        "en": ["United States", "USA", "U.S.", "U.S.A.", "US"],
        "fr": ["États-Unis"],
        "es": ["Estados Unidos", "EE. UU.", "EE.UU.", "EEUU"],
    },
    "VCT": {"en": ["St Vincent and the Grenadines", "Saint Vincent"], "fr": [], "es": []},
    "VEN": {"en": ["Venezuela"], "fr": ["Venezuela"], "es": ["Venezuela"]},
    "VNM": {"en": ["Vietnam"], "fr": ["Vietnam", "Viêt Nam"], "es": ["Vietnam"]},
    "BOL": {"en": ["Bolivia"], "fr": ["Bolivie"], "es": ["Bolivia"]},
}

_ARTICLE_SUFFIX = re.compile(r"\s*\((the|l'|le|la|les|el|los|las)\)\s*$", re.IGNORECASE)
_LEADING_ARTICLE = re.compile(r"^(the|l'|le|la|les|el|los|las)\s+|^l'", re.IGNORECASE)
#: Names whose leading article is part of the name, kept as written (the bare form is kept too).
ARTICLE_IN_NAME = frozenset({"el salvador"})
_QUALIFIER = re.compile(r"^(?P<base>[^(]+?)\s*\((?P<qual>[^)]+)\)\s*$")


def clean(name: str) -> list[str]:
    """Usable forms of one UNTERM name: without the trailing article or ``*``, and for
    ``Bolivia (Plurinational State of)`` both ``Bolivia`` and the reordered formal form."""
    name = name.replace("’", "'").replace("*", "").strip()
    if not name:
        return []
    suffix = _ARTICLE_SUFFIX.search(name)
    name = _ARTICLE_SUFFIX.sub("", name)
    if suffix and f"{suffix.group(1)} {name}".casefold() in ARTICLE_IN_NAME:
        name = f"{suffix.group(1)} {name}"  # "Salvador (El)" -> "El Salvador"
    if name.casefold() in ARTICLE_IN_NAME:
        return [name, _LEADING_ARTICLE.sub("", name).strip()]
    name = _LEADING_ARTICLE.sub("", name).strip()
    m = _QUALIFIER.match(name)
    if m:
        base, qual = m.group("base").strip(), m.group("qual").strip()
        return [base, f"{qual} {base}"]
    return [name]


def _names(*values: str) -> list[str]:
    out: list[str] = []
    for v in values:
        for n in clean(v):
            if n and n not in out:
                out.append(n)
    return out


def plain(name: str, lang: str) -> list[str]:
    """Usable forms of one UNSD name in Arabic, Chinese or Russian: as written or, for
    ``Боливия (Многонациональное Государство)``, the base and the formal form
    (``Многонациональное Государство Боливия``; Arabic puts the base at the dash:
    ``بوليفيا (دولة - المتعددة القوميات)`` -> ``دولة بوليفيا المتعددة القوميات``)."""
    name = name.replace("*", "").strip()
    m = _QUALIFIER.match(name)
    if not m:
        return [name] if name else []
    base, qual = m.group("base").strip(), m.group("qual").strip()
    formal = " ".join(qual.replace("-", f" {base} ").split()) if lang == "ar" else f"{qual} {base}"
    return [base, formal]


#: The UNSD files' language codes (``cn`` is the file's name for Chinese).
UNSD_LANGUAGES = ("ar", "zh", "ru")


def _read(path: Path) -> dict[str, dict[str, str]]:
    return {r["ISO-alpha3 Code"]: r for r in csv.DictReader(path.open(encoding="utf-8"))}


def build(
    cc_path: Path,
    fr_path: Path,
    es_path: Path,
    seed_path: Path,
    more: dict[str, Path] | None = None,
) -> dict:
    """``more`` maps ``ar``/``zh``/``ru`` to the UNSD file in that language."""
    rows = {r["ISO3166-1-Alpha-3"]: r for r in csv.DictReader(cc_path.open(encoding="utf-8"))}
    fr = _read(fr_path)
    es = _read(es_path)
    other = {lang: _read(path) for lang, path in (more or {}).items()}
    seed = json.loads(seed_path.read_text(encoding="utf-8"))
    states = []
    areas: dict[str, dict] = {}

    def area(code: str, kind: str, en: str, iso3: str, level: str, parent: str | None) -> None:
        if not code:
            return
        key = f"m49:{int(code):03d}"
        entry = areas.setdefault(
            key,
            {
                "code": key,
                "kind": kind,
                "name": en,
                "names": {
                    "en": [en],
                    "fr": [fr[iso3][f"{level} Name"]],
                    "es": [es[iso3][f"{level} Name"]],
                    **{lang: [t[iso3][f"{level} Name"]] for lang, t in other.items()},
                },
                "parent": parent,
            },
        )
        assert entry["name"] == en

    for c in seed:
        iso3 = c["iso3"]
        r = rows[iso3]
        region = f"m49:{int(r['Region Code']):03d}"
        sub = f"m49:{int(r['Sub-region Code']):03d}"
        inter = (
            f"m49:{int(r['Intermediate Region Code']):03d}"
            if r["Intermediate Region Code"]
            else None
        )
        area(r["Region Code"], "region", r["Region Name"], iso3, "Region", None)
        area(r["Sub-region Code"], "subregion", r["Sub-region Name"], iso3, "Sub-region", region)
        area(
            r["Intermediate Region Code"], "subregion", r["Intermediate Region Name"], iso3,
            "Intermediate Region", sub,
        )  # fmt: skip
        extra = EXTRA_NAMES.get(iso3, {})
        names = {
            "en": _names(c["name"], r["UNTERM English Short"], r["official_name_en"],
                         r["UNTERM English Formal"], r["CLDR display name"], *extra.get("en", [])),
            "fr": _names(r["UNTERM French Short"], r["official_name_fr"], r["UNTERM French Formal"],
                         fr[iso3]["Country or Area"], *extra.get("fr", [])),
            "es": _names(r["UNTERM Spanish Short"], r["official_name_es"],
                         r["UNTERM Spanish Formal"], es[iso3]["Country or Area"],
                         *extra.get("es", [])),
        }  # fmt: skip
        for lang, t in other.items():
            names[lang] = list(dict.fromkeys(plain(t[iso3]["Country or Area"], lang)))
        groupings = []
        if r["Least Developed Countries (LDC)"] and iso3 not in LDC_GRADUATED:
            groupings.append("grouping:LDC")
        if r["Land Locked Developing Countries (LLDC)"]:
            groupings.append("grouping:LLDC")
        if r["Small Island Developing States (SIDS)"]:
            groupings.append("grouping:SIDS")
        states.append(
            {
                "iso3": iso3,
                "m49": f"{int(r['M49']):03d}",
                "name": c["name"],
                "un_group": c["region"],
                "region": region,
                "subregion": inter or sub,
                "groupings": groupings,
                "names": names,
            }
        )
    return {
        "_about": (
            "The 193 UN member states with their UN regional group, UN M49 region and "
            "(finest) sub-region, LDC/LLDC/SIDS flags and names in the six UN languages "
            "(Arabic, Chinese, English, French, Russian, Spanish); and the M49 regions and "
            "sub-regions with their names in the six. Generated by "
            "`python -m search.places.build_data` (see that module)."
        ),
        "_sources": [
            {
                "facts": "M49 codes, regions, sub-regions, intermediate regions, LDC/LLDC/SIDS "
                "flags; UNTERM short and formal names (en, fr, es); CLDR English display names; "
                "M49 names of states, regions and sub-regions in ar, zh, ru",
                "source": f"{SOURCE_REPO} data/country-codes.csv, tmp/UNSD-fr.csv, "
                "tmp/UNSD-es.csv, tmp/UNSD-ar.csv, tmp/UNSD-cn.csv, tmp/UNSD-ru.csv (UN "
                "Statistics Division M49 'Standard country or area codes for statistical use', "
                "as downloaded from its page in each language, files of 2024-09-25; UNTERM)",
                "commit": SOURCE_COMMIT,
                "date": SOURCE_DATE,
            },
            {
                "facts": "UN regional groups (un_group)",
                "source": "UN Department for General Assembly and Conference Management, "
                "'United Nations Regional Groups of Member States' (un.org/dgacm); the same "
                "table as seed_data/countries.json (tests/test_places.py checks they agree)",
                "date": "2025-06-01",
            },
            {
                "facts": "LDC corrections",
                "source": "UN-OHRLLS / UN CDP list of LDCs",
                "date": "2024-12-13",
                "corrections": LDC_GRADUATED,
            },
            {
                "facts": "common short names (Ivory Coast, Costa de Marfil, UK, DRC …)",
                "source": "editorial, from usage in UN documents and the press",
                "date": "2026-12-03",
            },
        ],
        "states": states,
        "areas": sorted(areas.values(), key=lambda a: a["code"]),
    }


def main(argv: list[str]) -> None:
    cc, fr, es = (Path(a) for a in argv[:3])
    more = dict(zip(UNSD_LANGUAGES, (Path(a) for a in argv[3:6]), strict=False))
    seed = Path(__file__).resolve().parents[2] / "seed_data" / "countries.json"
    json.dump(build(cc, fr, es, seed, more), sys.stdout, ensure_ascii=False, indent=1)
    sys.stdout.write("\n")


if __name__ == "__main__":
    main(sys.argv[1:])
