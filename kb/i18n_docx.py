"""Word documents in the interface language: the language tags and, in Arabic, right to left.

python-docx has no switch for either, so this sets them on the styles (every paragraph and run
inherits them) and on each table (``w:bidiVisual``: columns run right to left). Elements are
inserted in the order the WordprocessingML schema requires, which Word checks.
"""

from __future__ import annotations

from typing import Any

from docx.document import Document as DocumentType
from docx.enum.style import WD_STYLE_TYPE
from docx.oxml import OxmlElement
from docx.oxml.ns import qn

from kb.i18n import RTL, current_language

#: The language tags Word uses for spelling and fonts.
WORD_TAGS = {
    "ar": "ar-SA",
    "zh": "zh-CN",
    "en": "en-GB",
    "fr": "fr-FR",
    "ru": "ru-RU",
    "es": "es-ES",
}

# The schema's order of the children we touch and of those that may follow them.
_STYLE_ORDER = ("w:name", "w:aliases", "w:basedOn", "w:next", "w:link", "w:autoRedefine",
                "w:hidden", "w:uiPriority", "w:semiHidden", "w:unhideWhenUsed", "w:qFormat",
                "w:locked", "w:personal", "w:personalCompose", "w:personalReply", "w:rsid",
                "w:pPr", "w:rPr", "w:tblPr", "w:trPr", "w:tcPr", "w:tblStylePr")  # fmt: skip
_PPR_ORDER = ("w:pStyle", "w:keepNext", "w:keepLines", "w:pageBreakBefore", "w:framePr",
              "w:widowControl", "w:numPr", "w:suppressLineNumbers", "w:pBdr", "w:shd", "w:tabs",
              "w:suppressAutoHyphens", "w:kinsoku", "w:wordWrap", "w:overflowPunct",
              "w:topLinePunct", "w:autoSpaceDE", "w:autoSpaceDN", "w:bidi", "w:adjustRightInd",
              "w:snapToGrid", "w:spacing", "w:ind", "w:contextualSpacing", "w:mirrorIndents",
              "w:suppressOverlap", "w:jc", "w:textDirection", "w:textAlignment",
              "w:textboxTightWrap", "w:outlineLvl", "w:divId", "w:cnfStyle", "w:rPr",
              "w:sectPr", "w:pPrChange")  # fmt: skip
_RPR_ORDER = ("w:rStyle", "w:rFonts", "w:b", "w:bCs", "w:i", "w:iCs", "w:caps", "w:smallCaps",
              "w:strike", "w:dstrike", "w:outline", "w:shadow", "w:emboss", "w:imprint",
              "w:noProof", "w:snapToGrid", "w:vanish", "w:webHidden", "w:color", "w:spacing",
              "w:w", "w:kern", "w:position", "w:sz", "w:szCs", "w:highlight", "w:u", "w:effect",
              "w:bdr", "w:shd", "w:fitText", "w:vertAlign", "w:rtl", "w:cs", "w:em", "w:lang",
              "w:eastAsianLayout", "w:specVanish", "w:oMath")  # fmt: skip
_TBLPR_ORDER = ("w:tblStyle", "w:tblpPr", "w:tblOverlap", "w:bidiVisual", "w:tblStyleRowBandSize",
                "w:tblStyleColBandSize", "w:tblW", "w:jc", "w:tblCellSpacing", "w:tblInd",
                "w:tblBorders", "w:shd", "w:tblLayout", "w:tblCellMar", "w:tblLook",
                "w:tblCaption", "w:tblDescription", "w:tblPrChange")  # fmt: skip


def _child(parent: Any, tag: str, order: tuple[str, ...]) -> Any:
    """``parent``'s ``tag`` child, created at its place in the schema's ``order``."""
    found = parent.find(qn(tag))
    if found is not None:
        return found
    element = OxmlElement(tag)
    later = {qn(t) for t in order[order.index(tag) + 1 :]}
    for index, existing in enumerate(parent):
        if existing.tag in later:
            parent.insert(index, element)
            return element
    parent.append(element)
    return element


def localise(doc: DocumentType, lang: str | None = None) -> str:
    """Tag ``doc``'s paragraph styles with ``lang`` (default: the interface language); in a
    right-to-left language, make their paragraphs and runs right to left. Returns ``lang``."""
    lang = lang or current_language()
    tag = WORD_TAGS.get(lang, WORD_TAGS["en"])
    rtl = lang in RTL
    for style in doc.styles:
        if style.type != WD_STYLE_TYPE.PARAGRAPH:
            continue
        element = style.element
        if rtl:
            _child(_child(element, "w:pPr", _STYLE_ORDER), "w:bidi", _PPR_ORDER)
        r_pr = _child(element, "w:rPr", _STYLE_ORDER)
        if rtl:
            _child(r_pr, "w:rtl", _RPR_ORDER)
        lang_el = _child(r_pr, "w:lang", _RPR_ORDER)
        lang_el.set(qn("w:val"), tag if lang not in ("ar", "zh") else WORD_TAGS["en"])
        lang_el.set(qn("w:eastAsia"), WORD_TAGS["zh"])
        lang_el.set(qn("w:bidi"), WORD_TAGS["ar"])
    return lang


def right_to_left_table(table: Any, lang: str | None = None) -> None:
    """In a right-to-left language, the first column of ``table`` is on the right."""
    if (lang or current_language()) in RTL:
        _child(table._tbl.tblPr, "w:bidiVisual", _TBLPR_ORDER)
