"""The six UN languages: detection, segmentation, stemming and thesaurus surfaces."""

from __future__ import annotations

import pytest

from search.text.analysis import analyze, language_key, query_terms, term
from search.text.detect import analysis_language, detect_language, script_language
from search.text.segment import WORD_RE
from search.text.thesaurus import Thesaurus, default_thesaurus


@pytest.mark.parametrize(
    ("text", "lang"),
    [
        ("The ministry would like to train the staff of its national team.", "en"),
        ("Le ministère souhaite former les équipes du centre national.", "fr"),
        ("El ministerio desea capacitar a los equipos de su centro nacional.", "es"),
        ("تطلب الوزارة تدريب موظفي الفريق الوطني للاستجابة للحوادث", "ar"),
        ("Министерство просит обучить сотрудников национального центра", "ru"),
        ("外交部希望培训国家计算机应急响应小组的工作人员", "zh"),
        # the script decides for one word
        ("киберпреступность", "ru"),
        ("网络犯罪", "zh"),
        ("الجرائم", "ar"),
    ],
)
def test_detect_language(text, lang):
    assert detect_language(text) == lang


def test_detect_language_declines_short_latin_texts():
    assert detect_language("CSIRT") is None
    assert detect_language("formation") is None
    assert detect_language("") is None
    assert detect_language("12345 !!") is None


def test_analysis_language_follows_the_script_not_a_wrong_declaration():
    assert analysis_language("en", "Создание национального центра реагирования") == "ru"
    assert analysis_language("fr", "打击网络犯罪") == "zh"
    assert analysis_language("en", "Training of judges") == "en"
    # the author's choice between Latin-script languages is kept
    assert analysis_language("es", "Formation des magistrats à la preuve électronique") == "es"
    assert analysis_language("zh", "Formation des magistrats à la preuve électronique") == "fr"
    assert analysis_language("", "Formation des magistrats à la preuve électronique") == "fr"
    assert analysis_language("pt", "Formação de magistrados") == "pt"
    assert script_language("CSIRT для Казахстана") == "ru"


def test_words_keep_arabic_marks_and_cut_chinese():
    assert WORD_RE.findall("الْأَمْنُ السِّيبَرَانِيُّ") == ["الْأَمْنُ", "السِّيبَرَانِيُّ"]
    assert WORD_RE.findall("打击网络犯罪的培训") == ["打击", "网络", "犯罪", "的", "培训"]
    # long dictionary words are cut into their parts, so that a part finds them
    assert WORD_RE.findall("网络安全") == ["网络", "安全"]
    assert WORD_RE.findall("5G网络 CSIRT") == ["5G", "网络", "CSIRT"]
    spans = [(m.start(), m.end(), m.group()) for m in WORD_RE.finditer("a 网络犯罪 b")]
    assert spans == [(0, 1, "a"), (2, 4, "网络"), (4, 6, "犯罪"), (7, 8, "b")]
    assert WORD_RE.fullmatch("theme") and not WORD_RE.fullmatch("网络犯罪")


def test_arabic_russian_and_chinese_analysis():
    assert language_key("ar") == "ar" and language_key("zh-Hans") == "zh"
    # Arabic: marks folded, article and inflection stemmed away
    assert analyze("القدرات", "ar") == analyze("قدرات", "ar") == analyze("بالقدرات", "ar")
    assert analyze("الْأَمْنُ", "ar") == analyze("أمن", "ar")
    assert analyze("السيبرانية", "ar") == analyze("السيبراني", "ar")
    assert analyze("من في على", "ar") == []
    # Russian: cases meet, й and ё are not folded away before stemming
    assert analyze("киберпреступности", "ru") == analyze("киберпреступность", "ru")
    assert analyze("критической", "ru") == analyze("критическая", "ru")
    assert analyze("новый", "ru") == analyze("новая", "ru")
    assert analyze("и в на", "ru") == []
    # Chinese: jieba's words, stop words dropped
    assert analyze("关键信息基础设施的保护", "zh") == ["关键", "信息", "基础", "设施", "保护"]
    assert query_terms("инцидентов")["ru"] == term("инциденты", "ru")


@pytest.mark.parametrize(
    ("text", "concept"),
    [
        ("Создание национальной группы реагирования на компьютерные инциденты", "cert"),
        ("борьба с киберпреступностью", "cybercrime"),
        ("защита критической информационной инфраструктуры", "critical_infrastructure"),
        ("меры укрепления доверия между государствами", "confidence_building"),
        ("нормы ответственного поведения государств", "norms"),
        ("наращивание потенциала", "capacity_building"),
        ("تعزيز فريق الاستجابة لحوادث أمن الحاسوب", "cert"),
        ("مكافحة الجرائم الإلكترونية", "cybercrime"),
        ("الجريمة السيبرانية", "cybercrime"),
        ("حماية البنية التحتية الحيوية", "critical_infrastructure"),
        ("تدابير بناء الثقة", "confidence_building"),
        ("قواعد السلوك المسؤول للدول", "norms"),
        ("الدبلوماسية السيبرانية", "diplomacy"),
        ("加强国家计算机应急响应小组", "cert"),
        ("打击网络犯罪", "cybercrime"),
        ("保护关键信息基础设施", "critical_infrastructure"),
        ("建立信任措施", "confidence_building"),
        ("负责任国家行为规范", "norms"),
        ("网络外交", "diplomacy"),
        ("能力建设", "capacity_building"),
        ("事件响应", "incident_response"),
    ],
)
def test_thesaurus_surfaces_in_arabic_chinese_russian(text, concept):
    assert concept in default_thesaurus().concepts_in(text)


def test_every_concept_has_surfaces_in_the_six_languages():
    t = default_thesaurus()
    for concept in t.concepts.values():
        missing = {"ar", "ru", "zh"} - {lang for lang, terms in concept.terms.items() if terms}
        assert not missing, (concept.id, missing)


def test_extra_surfaces_must_name_known_concepts(tmp_path):
    main = tmp_path / "main.json"
    main.write_text('{"concepts": {"cert": {"en": ["CSIRT"], "themes": []}}}', "utf-8")
    extra = tmp_path / "extra.json"
    extra.write_text('{"concepts": {"cert": {"ru": ["ГРКИ"]}}}', "utf-8")
    t = Thesaurus.from_file(main, (extra,))
    assert t.lookup("ГРКИ") == {"cert"} and t.lookup("CSIRT") == {"cert"}
    extra.write_text('{"concepts": {"nothing": {"ru": ["ничто"]}}}', "utf-8")
    with pytest.raises(ValueError, match="nothing"):
        Thesaurus.from_file(main, (extra,))


def test_unspaced_chinese_query_is_read_as_words_not_a_phrase():
    from search.querylang.parser import And, Phrase, Word, parse

    node = parse("培训网络犯罪").node
    assert node == And((Word("培训"), Word("网络"), Word("犯罪")))
    # quotes still make a phrase
    assert parse('"网络犯罪"').node == Phrase(("网络", "犯罪"))


def test_arabic_proclitic_is_split_off_only_for_the_thesaurus_words():
    t = default_thesaurus()
    assert {"soc", "equipment"} <= t.concepts_in("معدات لمركز العمليات الأمنية")
    assert "critical_infrastructure" in t.concepts_in("وحماية البنية التحتية الحيوية")
    assert not t.concepts_in("وطنية")  # و is part of this word


@pytest.mark.parametrize(
    ("text", "code"),
    [
        ("طلبات دول الخليج", "informal:gulf"),
        ("تمرين سيبراني للدول العربية", "org:LAS"),
        ("مصر", "EGY"),
        ("программы для стран Центральной Азии", "m49:143"),
        ("малые островные развивающиеся государства", "grouping:SIDS"),
        ("в Мали", "MLI"),
        ("Кения", "KEN"),
        ("东盟网络规范", "org:ASEAN"),
        ("培训肯尼亚", "KEN"),
        ("萨赫勒地区", "informal:sahel"),
    ],
)
def test_places_named_in_arabic_chinese_russian(text, code):
    from search.places import default_gazetteer

    assert [m.place.code for m in default_gazetteer().find(text)] == [code]


@pytest.mark.parametrize(
    "text",
    [
        "كيفية حماية البنية التحتية الحيوية",  # البنية is not بنين (Benin)
        "поддержка малых предприятий",  # малых is not Мали
    ],
)
def test_no_place_in_ordinary_words(text):
    from search.places import default_gazetteer

    assert default_gazetteer().find(text) == []


@pytest.mark.parametrize(
    ("title", "description", "theme", "support"),
    [
        (
            "أمن أنظمة التحكم الصناعي",
            "نطلب دورات تدريبية لمهندسي محطات الكهرباء حول حماية أنظمة سكادا.",
            "critical_infrastructure",
            "training",
        ),
        (
            "Учения для банковского сектора",
            "Просим провести штабные учения по кибератаке на платежную систему.",
            "critical_infrastructure",
            "exercise",
        ),
        (
            "电子证据培训",
            "为检察官举办电子证据和跨境司法协助培训。",
            "cybercrime",
            "training",
        ),
    ],
)
def test_codes_suggested_from_arabic_chinese_russian_prose(title, description, theme, support):
    from search.matching.suggest import suggest_codes

    codes = suggest_codes(title, description, "xx")
    assert theme in codes["themes"] and support in codes["support_types"], codes
