"""Records in Arabic, Chinese and Russian on every backend (postgres in the PostgreSQL pass)."""

from __future__ import annotations

import pytest
from conftest import PUBLIC, doc

from search import SearchQuery
from search.text.highlight import Marker

UN_RECORDS = [
    doc(
        "request:ar",
        "تعزيز قدرات الفريق الوطني للاستجابة للحوادث",
        "نطلب دورات تدريبية للمحللين في مجال التحليل الجنائي الرقمي ومكافحة الجرائم الإلكترونية.",
        text_language="ar",
    ),
    doc(
        "request:ru",
        "Защита критической информационной инфраструктуры",
        "Просим провести обучение операторов энергетических объектов и штабные учения.",
        text_language="ru",
    ),
    doc(
        "programme:zh",
        "计算机应急响应小组能力建设培训",
        "为发展中国家的网络安全人员提供事件响应和数字取证培训课程。",
        text_language="zh",
    ),
    # declared English (the form's default) but written in Russian: analysed as Russian
    doc(
        "programme:ru-declared-en",
        "Курсы по кибердипломатии",
        "Обучение дипломатов нормам ответственного поведения государств.",
        text_language="en",
    ),
]


@pytest.fixture
def un_search(backend):
    backend.upsert(UN_RECORDS)

    def run(text: str, **kw):
        return backend.search(SearchQuery(text=text, viewer_tokens=PUBLIC, **kw))

    return run


@pytest.mark.parametrize(
    ("query", "record"),
    [
        # inflected forms meet through the stemmers
        ("القدرات", "request:ar"),
        ("محللين", "request:ar"),
        ("инфраструктуры", "request:ru"),
        ("критическая инфраструктура", "request:ru"),
        ("дипломаты", "programme:ru-declared-en"),
        # Chinese: words of the query found inside the unspaced text
        ("培训", "programme:zh"),
        ("网络安全", "programme:zh"),
        ("数字取证", "programme:zh"),
        # the thesaurus bridges the six languages
        ("CSIRT", "request:ar"),
        ("CSIRT", "programme:zh"),
        ("cybercrime", "request:ar"),
        ("critical infrastructure", "request:ru"),
        ("infrastructures critiques", "request:ru"),
        ("关键基础设施", "request:ru"),
        ("группа реагирования на инциденты", "programme:zh"),
        ("tabletop exercise", "request:ru"),
        ("cyber diplomacy", "programme:ru-declared-en"),
        # prefix queries reach the Arabic, Russian and Chinese text too
        ("инфраструк*", "request:ru"),
        ("кибердипл*", "programme:ru-declared-en"),
        ("تدريب*", "request:ar"),
    ],
)
def test_found_in_every_language(un_search, query, record):
    assert record in un_search(query).ids, query


def test_unrelated_words_do_not_match(un_search):
    assert "programme:zh" not in un_search("犯罪").ids
    assert "request:ru" not in un_search("дипломаты").ids


def test_snippets_mark_arabic_russian_and_chinese_words(un_search):
    res = un_search("инфраструктуре", snippets=True)
    hit = next(h for h in res.hits if h.id == "request:ru")
    assert "<mark>инфраструктуры</mark>" in (hit.snippet or "")
    marker = Marker(words=["培训"])
    assert marker.spans("计算机应急响应小组能力建设培训", "zh") == [(13, 15)]
