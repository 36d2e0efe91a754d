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


#: The same needs written in English, French and Spanish for this test, with the themes and
#: support types each should get: the suggestion cues and the thesaurus serve the three
#: languages alike (a French need about "systèmes de paiement" got no theme when the English
#: one about "payment systems" got critical infrastructure).
PARALLEL_NEEDS = [
    (
        ["critical_infrastructure", "standards"],
        ["research"],
        (
            (
                "Security review of mobile payment systems",
                (
                    "Mobile money has grown fast. We ask for a review of the payment "
                    "systems run by the operators and for minimum requirements they would "
                    "have to meet."
                ),
            ),
            (
                "Revue de sécurité des systèmes de paiement mobile",
                (
                    "Le paiement mobile s'est développé très vite. Nous demandons une revue"
                    " des systèmes de paiement gérés par les opérateurs et des exigences "
                    "minimales qu'ils devraient respecter."
                ),
            ),
            (
                "Revisión de seguridad de los sistemas de pago móvil",
                (
                    "El dinero móvil ha crecido rápidamente. Solicitamos una revisión de "
                    "los sistemas de pago que gestionan los operadores y requisitos mínimos"
                    " que deberían cumplir."
                ),
            ),
        ),
    ),
    (
        ["critical_infrastructure", "incident_response"],
        ["exercise"],
        (
            (
                "Simulation of an attack on the power grid",
                (
                    "The electricity regulator wants to run a simulation with the grid "
                    "operator and the distribution companies to test how they would restore"
                    " supply."
                ),
            ),
            (
                "Simulation d'une attaque contre le réseau électrique",
                (
                    "Le régulateur de l'électricité souhaite organiser une simulation avec "
                    "le gestionnaire du réseau et les distributeurs pour vérifier comment "
                    "ils rétabliraient l'alimentation."
                ),
            ),
            (
                "Simulación de un ataque contra la red eléctrica",
                (
                    "El regulador de electricidad quiere organizar una simulación con el "
                    "operador de la red y las distribuidoras para comprobar cómo "
                    "restablecerían el suministro."
                ),
            ),
        ),
    ),
    (
        ["awareness"],
        ["training"],
        (
            (
                "Online safety for parents and pupils",
                (
                    "Teachers report more phishing and online harassment among teenagers. "
                    "We would like to teach cyber hygiene in schools and to reach parents."
                ),
            ),
            (
                "Sécurité en ligne pour les parents et les élèves",
                (
                    "Les enseignants signalent davantage d'hameçonnage et de harcèlement en"
                    " ligne chez les adolescents. Nous aimerions enseigner l'hygiène "
                    "numérique dans les écoles et toucher les parents."
                ),
            ),
            (
                "Seguridad en línea para padres y alumnos",
                (
                    "Los docentes señalan más casos de phishing y de acoso en línea entre "
                    "adolescentes. Quisiéramos enseñar higiene digital en las escuelas y "
                    "llegar a los padres."
                ),
            ),
        ),
    ),
    (
        ["cybercrime", "international_law"],
        ["policy_advice"],
        (
            (
                "Extradition and digital evidence requests",
                (
                    "Our prosecutors handle more cases where the suspects and the data are "
                    "abroad. We need advice on extradition files and on requests for "
                    "digital evidence under the Malabo Convention."
                ),
            ),
            (
                "Demandes d'extradition et de preuve numérique",
                (
                    "Nos procureurs traitent davantage d'affaires dont les suspects et les "
                    "données sont à l'étranger. Nous avons besoin de conseils sur les "
                    "dossiers d'extradition et les demandes de preuve numérique au titre de"
                    " la convention de Malabo."
                ),
            ),
            (
                "Solicitudes de extradición y de evidencia digital",
                (
                    "Nuestros fiscales llevan más casos en los que los sospechosos y los "
                    "datos están en el extranjero. Necesitamos asesoría sobre los "
                    "expedientes de extradición y las solicitudes de evidencia digital en "
                    "el marco del Convenio de Malabo."
                ),
            ),
        ),
    ),
    (
        ["technical_skills"],
        ["training"],
        (
            (
                "Threat hunting for our security staff",
                (
                    "The ministry wants its security staff to move beyond alerts: log "
                    "analysis, threat hunting and detection engineering on our own "
                    "networks, taught through practical courses."
                ),
            ),
            (
                "Chasse aux menaces pour notre personnel de sécurité",
                (
                    "Le ministère veut que son personnel de sécurité aille au-delà des "
                    "alertes : analyse de journaux, chasse aux menaces et ingénierie de "
                    "détection sur nos propres réseaux, enseignées par des cours pratiques."
                ),
            ),
            (
                "Caza de amenazas para nuestro personal de seguridad",
                (
                    "El ministerio quiere que su personal de seguridad vaya más allá de las"
                    " alertas: análisis de registros, caza de amenazas e ingeniería de "
                    "detección en nuestras propias redes, enseñadas en cursos prácticos."
                ),
            ),
        ),
    ),
    (
        ["national_strategy"],
        ["policy_advice"],
        (
            (
                "Action plan and governance for cybersecurity",
                (
                    "A cybersecurity council was created last year. It asks for help "
                    "drafting a cybersecurity policy, a clear governance model and an "
                    "action plan with a budget."
                ),
            ),
            (
                "Plan d'action et gouvernance de la cybersécurité",
                (
                    "Un conseil de cybersécurité a été créé l'an dernier. Il demande un "
                    "appui pour la rédaction d'une politique de cybersécurité, d'un modèle "
                    "de gouvernance clair et d'un plan d'action budgété."
                ),
            ),
            (
                "Plan de acción y gobernanza de la ciberseguridad",
                (
                    "El año pasado se creó un consejo de ciberseguridad. Solicita apoyo "
                    "para la redacción de una política de ciberseguridad, un modelo de "
                    "gobernanza claro y un plan de acción con presupuesto."
                ),
            ),
        ),
    ),
    (
        ["diplomacy", "norms_implementation"],
        ["policy_advice"],
        (
            (
                "Putting the UN norms into practice",
                (
                    "Our foreign ministry wants to report on how we apply the eleven norms "
                    "and to prepare the national position for the next UN sessions."
                ),
            ),
            (
                "Mettre en pratique les normes des Nations Unies",
                (
                    "Notre ministère des affaires étrangères veut rendre compte de "
                    "l'application des onze normes et préparer la position nationale pour "
                    "les prochaines sessions des Nations Unies."
                ),
            ),
            (
                "Poner en práctica las normas de las Naciones Unidas",
                (
                    "Nuestra cancillería quiere informar sobre la aplicación de las once "
                    "normas y preparar la posición nacional para las próximas sesiones de "
                    "las Naciones Unidas."
                ),
            ),
        ),
    ),
]


@pytest.mark.parametrize(
    ("themes", "support_types", "versions"),
    PARALLEL_NEEDS,
    ids=["payments", "grid", "parents", "extradition", "hunting", "council", "norms"],
)
def test_codes_suggested_alike_in_english_french_spanish(themes, support_types, versions):
    from search.matching.suggest import suggest_codes

    for (title, description), lang in zip(versions, ("en", "fr", "es"), strict=True):
        codes = suggest_codes(title, description, lang)
        assert sorted(codes["themes"]) == themes, (lang, title, codes)
        assert sorted(codes["support_types"]) == support_types, (lang, title, codes)


def test_every_suggestion_cue_speaks_the_six_languages():
    """Each cue has phrases in the six UN languages, none listed twice in one language."""
    import json

    from search.matching.suggest import CUES_FILE, MORE_CUES_FILE

    cues = json.loads(CUES_FILE.read_text(encoding="utf-8"))["cues"]
    more = json.loads(MORE_CUES_FILE.read_text(encoding="utf-8"))["cues"]
    assert set(more) == set(cues)
    for cid, cue in cues.items():
        for lang in ("en", "fr", "es", "ar", "ru", "zh"):
            phrases = cue.get(lang) or more[cid].get(lang) or []
            assert phrases, (cid, lang)
            assert len(phrases) == len(set(phrases)), (cid, lang)
