"""Country names: CLDR's (through Babel) wherever a state is shown, in the six languages, the
UN's short name where CLDR's would be wrong in a UN setting and on the country page's "Name
at the United Nations" line; every name of a state, CLDR's or the UN's, read back from a Word
form and from a query; lists of states in each language's alphabetical order."""

from __future__ import annotations

import pytest
from flask_babel import refresh

from kb import i18n
from kb.i18n import LANGUAGES, UN_NAMED_STATES, sort_key, state_codes, state_name, un_name
from search.places import default_gazetteer
from tests.test_word_languages import _fill
from tests.test_word_pages import form_values, upload

SIX = ("en", "fr", "es", "ru", "ar", "zh")

#: A few states in the six languages, as the pages show them (CLDR 47 through Babel 2.19, and
#: the UN's short name for the states of ``UN_NAMED_STATES``).
NAMES = {
    "KEN": ("Kenya", "Kenya", "Kenia", "Кения", "كينيا", "肯尼亚"),
    "ARE": (
        "United Arab Emirates",
        "Émirats arabes unis",
        "Emiratos Árabes Unidos",
        "Объединенные Арабские Эмираты",  # CLDR ru abbreviates: ОАЭ
        "الإمارات العربية المتحدة",
        "阿拉伯联合酋长国",
    ),
    "KOR": (
        "South Korea",
        "Corée du Sud",
        "Corea del Sur",
        "Республика Корея",
        "كوريا الجنوبية",
        "韩国",
    ),
    "CZE": ("Czechia", "Tchéquie", "Chequia", "Чехия", "التشيك", "捷克"),
    "MKD": (
        "North Macedonia",
        "Macédoine du Nord",
        "Macedonia del Norte",
        "Северная Македония",
        "مقدونيا الشمالية",
        "北马其顿",
    ),
    "TUR": ("Türkiye", "Türkiye", "Türkiye", "Турция", "تركيا", "土耳其"),
    "CIV": (
        "Côte d’Ivoire",
        "Côte d’Ivoire",
        "Côte d’Ivoire",
        "Кот-д’Ивуар",
        "كوت ديفوار",
        "科特迪瓦",
    ),
    "PSE": (
        "State of Palestine",
        "État de Palestine",
        "Estado de Palestina",
        "Государство Палестина",
        "دولة فلسطين",
        "巴勒斯坦国",
    ),
    "COD": (
        "Democratic Republic of the Congo",
        "République démocratique du Congo",
        "República Democrática del Congo",
        "Демократическая Республика Конго",
        "جمهورية الكونغو الديمقراطية",
        "刚果民主共和国",
    ),
}


@pytest.mark.parametrize("iso3", sorted(NAMES))
def test_names_of_a_few_states_in_the_six_languages(iso3) -> None:
    assert tuple(state_name(iso3, lang) for lang in SIX) == NAMES[iso3]


def test_every_state_has_a_name_in_each_language_and_no_abbreviation() -> None:
    codes = state_codes()
    assert len(codes) == 195 and {"PSE", "VAT"} <= set(codes)  # 193 members, 2 observers
    assert set(UN_NAMED_STATES) <= set(codes)
    for iso3 in codes:
        for lang in LANGUAGES:
            name = state_name(iso3, lang)
            assert name and name != iso3, (iso3, lang)
            assert not any(a in name for a in (" & ", "St. ", "о-ва")), (iso3, name)
            assert un_name(iso3, lang), (iso3, lang)
    assert "Kosovo" not in {state_name(c, "en") for c in codes}  # not a state the app lists


def test_the_un_name_stays_where_it_matters(client, make) -> None:
    make.country("KOR")
    assert un_name("KOR", "fr") == "République de Corée" and un_name("KOR", "zh") == "大韩民国"
    html = client.get("/countries/KOR?lang=fr").get_data(as_text=True)
    assert "<title>Corée du Sud" in html and "<h1>Corée du Sud" in html
    assert "Nom à l’ONU : République de Corée" in html
    # no line when the UN's name is the one shown
    make.country("KEN")
    html = client.get("/countries/KEN?lang=fr").get_data(as_text=True)
    assert "Nom à l’ONU" not in html


def test_the_gazetteer_reads_cldr_and_un_names_in_the_six_languages() -> None:
    g = default_gazetteer()
    for text in (
        "South Korea",
        "Republic of Korea",
        "Corée du Sud",
        "République de Corée",
        "Corea del Sur",
        "Республика Корея",
        "كوريا الجنوبية",
        "جمهورية كوريا",
        "韩国",
        "大韩民国",
    ):
        found = [m.place.code for m in g.find(f"training in {text} 2027")]
        assert found == ["KOR"], text
    assert [m.place.code for m in g.find("Чехия")] == ["CZE"]
    assert [m.place.code for m in g.find("ساحل العاج")] == ["CIV"]


# --- sorting -------------------------------------------------------------------------------


def _names_in(lang: str) -> list[str]:
    return [
        state_name(c, lang)
        for c in sorted(state_codes(), key=lambda c: sort_key(state_name(c, lang), lang))
    ]


def test_french_lists_put_emirats_arabes_unis_under_e() -> None:
    names = _names_in("fr")
    e = [n for n in names if n[:1] in "EÉÈ"]
    assert names.index("Égypte") < names.index("Émirats arabes unis") < names.index("Équateur")
    assert names.index("Émirats arabes unis") < names.index("Espagne") < names.index("Estonie")
    assert e == names[names.index(e[0]) : names.index(e[-1]) + 1]  # the E all together
    assert names[-1] == "Zimbabwe"


def test_arabic_and_chinese_lists_sort_by_their_collation() -> None:
    zh = _names_in("zh")
    assert zh.index("阿富汗") < zh.index("巴西") < zh.index("日本") < zh.index("中国")  # pinyin
    assert zh != sorted(zh)  # not by code point
    ar = _names_in("ar")
    assert ar[0].startswith(("أ", "ا", "إ", "آ"))
    assert ar.index("باكستان") < ar.index("تونس") < ar.index("مصر") < ar.index("هولندا")
    assert ar.index("البرازيل") < ar.index("باكستان")  # the article is read: under alif


def test_the_countries_page_and_the_requests_facet_sort_in_the_language(client, make) -> None:
    for iso3 in ("ARE", "EGY", "ESP", "ECU", "ZWE", "AFG"):
        make.request(country=iso3)
    html = client.get("/countries?lang=fr").get_data(as_text=True)
    order = [
        html.index(f">{n}<")
        for n in ("Afghanistan", "Égypte", "Émirats arabes unis", "Équateur", "Espagne", "Zimbabwe")
    ]
    assert order == sorted(order)
    html = client.get("/requests?lang=fr").get_data(as_text=True)
    select = html[html.index('name="country"') :]
    select = select[: select.index("</select>")]
    order = [select.index(n) for n in ("Égypte", "Émirats arabes unis", "Équateur", "Espagne")]
    assert order == sorted(order)


# --- the API -------------------------------------------------------------------------------


def test_the_api_code_list_of_countries_follows_accept_language(client, make) -> None:
    fr = client.get("/api/v1/codes/countries", headers={"Accept-Language": "fr"}).get_json()
    labels = {row["code"]: row["label"] for row in fr}
    assert labels["ARE"] == "Émirats arabes unis" and labels["PSE"] == "État de Palestine"
    order = [row["label"] for row in fr]
    assert order.index("Égypte") < order.index("Émirats arabes unis") < order.index("Équateur")
    en = client.get("/api/v1/codes/countries").get_json()
    assert {r["code"]: r["label"] for r in en}["KOR"] == "South Korea"
    zh = client.get("/api/v1/codes/countries", headers={"Accept-Language": "zh-CN"}).get_json()
    assert {r["code"]: r["label"] for r in zh}["KOR"] == "韩国"
    ar = client.get("/api/v1/codes/countries", headers={"Accept-Language": "ar"}).get_json()
    assert {r["code"]: r["label"] for r in ar}["CIV"] == "كوت ديفوار"
    make.country("KOR")
    one = client.get("/api/v1/countries/KOR", headers={"Accept-Language": "fr"}).get_json()
    assert one["name"] == "Corée du Sud" and one["un_name"] == "République de Corée"


# --- Word forms ------------------------------------------------------------------------------


@pytest.mark.parametrize(
    ("lang", "written", "iso3"),
    [
        ("fr", "Corée du Sud", "KOR"),  # CLDR's name, as the French pages show it
        ("en", "Republic of Korea", "KOR"),  # the UN's short name
        ("zh", "韩国", "KOR"),
        ("ru", "Республика Корея", "KOR"),
        ("ar", "كوريا الجنوبية", "KOR"),
        ("es", "Costa de Marfil", "CIV"),  # a common short form
        ("en", "Côte d’Ivoire", "CIV"),  # CLDR's apostrophe
        ("ar", "ساحل العاج", "CIV"),  # CLDR's Arabic name, not shown but read
        ("fr", "Emirats arabes unis", "ARE"),  # without the accent
        ("es", "Estado de Palestina", "PSE"),  # an observer State
        ("en", "kor", "KOR"),
    ],
)
def test_a_word_form_naming_a_state_in_any_language_is_read_back(
    client, auth, make, lang, written, iso3
):
    make.country(iso3)
    auth.login(make.user("secretariat").email)
    blank = client.get(f"/word/templates/{lang}/request.docx").data
    filled = _fill(blank, lang, {"Requesting state": written, "Title": "Forensics"}, {})
    html = upload(client, filled).get_data(as_text=True)
    assert form_values(html)["country_code"] == [iso3], html
    assert "is not a known state" not in html


def test_the_names_shown_in_each_language_are_read_back() -> None:
    """Whatever name a page shows, a form writing it reads the same state."""
    from kb.directory.lookup import _states_by_name, name_key

    index = _states_by_name()
    for iso3 in state_codes():
        for lang in LANGUAGES:
            assert index.get(name_key(state_name(iso3, lang))) == iso3, (iso3, lang)
            assert index.get(name_key(un_name(iso3, lang) or "")) == iso3, (iso3, lang)


def test_sort_key_is_the_one_behind_country_choices(app) -> None:
    with app.test_request_context("/?lang=fr"):

        class C:
            def __init__(self, iso3: str) -> None:
                self.iso3 = iso3

        names = [n for _, n in i18n.country_choices([C("ESP"), C("ARE"), C("EGY"), C("ECU")])]
        assert names == ["Égypte", "Émirats arabes unis", "Équateur", "Espagne"]


def test_a_message_worded_for_its_recipient_names_the_state_in_their_language(app) -> None:
    """E-mails and notifications are worded under ``force_locale`` (in a page or a job): the
    state is named in the recipient's language, not the page's."""
    from flask_babel import force_locale

    with app.app_context(), force_locale("ru"):
        assert i18n.country_name("ARE") == "Объединенные Арабские Эмираты"
    with app.test_request_context("/?lang=ar"), force_locale("fr"):
        assert i18n.country_name("KOR") == "Corée du Sud"
        assert sort_key("Émirats") < sort_key("Espagne")


def test_lists_of_states_in_a_sentence_sort_and_separate_as_the_language_does(app) -> None:
    with app.test_request_context("/?lang=fr"):
        assert i18n.country_list(["ESP", "ARE", "EGY"]) == "Égypte, Émirats arabes unis, Espagne"
    with app.test_request_context("/?lang=zh"):
        refresh()  # the test's app context is shared by the two requests: forget fr
        assert i18n.country_list(["JPN", "CHN", "AFG"]) == "阿富汗、日本、中国"


@pytest.mark.parametrize(
    ("lang", "written"),
    [
        ("zh", "韩国、肯尼亚"),  # the Chinese enumeration comma
        ("ar", "كوريا الجنوبية، كينيا"),  # the Arabic comma
        ("fr", "République de Corée; Kenya"),
        ("ru", "Южная Корея, Кения"),  # CLDR ru is Республика Корея; this one is not read
    ],
)
def test_eligible_states_named_in_a_language_are_read_back(client, auth, make, lang, written):
    make.country("KOR"), make.country("KEN")
    provider = make.user("provider")
    auth.login(provider.email)
    blank = client.get(f"/word/templates/{lang}/programme.docx").data
    filled = _fill(blank, lang, {"Eligible states": written, "Title": "Course"}, {})
    html = upload(client, filled, "programme").get_data(as_text=True)
    if lang == "ru":
        assert form_values(html)["eligible_countries"] == ["KEN"]
        assert "Южная Корея" in html  # named in the problem, not guessed
    else:
        assert sorted(form_values(html)["eligible_countries"]) == ["KEN", "KOR"], html


def test_el_salvador_keeps_its_article_at_the_un() -> None:
    from search.places.build_data import clean

    assert clean("Salvador (El)") == clean("El Salvador") == ["El Salvador", "Salvador"]
    assert [un_name("SLV", lang) for lang in ("en", "fr", "es")] == ["El Salvador"] * 3
    assert [m.place.code for m in default_gazetteer().find("El Salvador")] == ["SLV"]
