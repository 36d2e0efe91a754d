"""The interface in Arabic and Chinese in headless Chromium: right to left, at desktop and phone
widths, and axe-core (axe-playwright-python ships it) finds no violation on the main pages.

Screenshots go to ``KB_SCREENSHOTS`` when it is set (a folder), else to the test's tmp folder.
"""

from __future__ import annotations

import os
from pathlib import Path

import pytest

from tests.test_browser import CHROMIUM, LAUNCH_ARGS, _require_browser

pytestmark = pytest.mark.browser

DESKTOP = {"width": 1200, "height": 900}
PHONE = {"width": 390, "height": 844}


@pytest.fixture
def browser(live_server):
    _require_browser()
    from playwright.sync_api import sync_playwright

    with sync_playwright() as pw:
        browser = pw.chromium.launch(executable_path=str(CHROMIUM), args=LAUNCH_ARGS)
        yield browser
        browser.close()


@pytest.fixture
def records(make):
    org = make.organisation(name="Global Forum on Cyber Expertise", acronym="GFCE")
    request = make.request(
        country="SEN",
        title="Formation des analystes du CSIRT national",
        description="Le CSIRT national souhaite former ses analystes à la réponse aux incidents.",
        text_language="fr",
        themes=["incident_response"],
        support_types=["training"],
    )
    programme = make.programme(
        organisation=org,
        title="CSIRT maturity training",
        description="Training for national CSIRT analysts on incident response and triage.",
        themes=["incident_response"],
        support_types=["training"],
    )
    return request, programme


def _shots(tmp_path: Path) -> Path:
    folder = Path(os.environ.get("KB_SCREENSHOTS") or tmp_path)
    folder.mkdir(parents=True, exist_ok=True)
    return folder


def _pages(request, programme) -> dict[str, str]:
    return {
        "home": "/",
        "requests": "/requests",
        "request": f"/requests/{request.id}",
        "programme": f"/programmes/{programme.id}",
        "search": "/search?q=csirt",
        "programmes": "/programmes",
        "countries": "/countries",
        "country": "/countries/SEN",
        "organisations": "/organisations",
        "matches": "/matches",
        "places": "/places",
        "place": "/places/m49:014",
        "organisation-place": "/places/org:ECOWAS",
        "initiatives": "/initiatives",
        "calendar": "/calendar",
        "search-place": "/search?q=training+ECOWAS",
        "landscape": "/reports/landscape",
        "briefing": "/reports/briefing",
        "login": "/account/login",
        "register": "/account/register",
    }


def test_arabic_reads_right_to_left_on_desktop_and_phone(browser, live_server, records, tmp_path):
    request, _programme = records
    shots = _shots(tmp_path)
    for label, viewport in (("desktop", DESKTOP), ("phone", PHONE)):
        context = browser.new_context(viewport=viewport)
        page = context.new_page()
        errors: list[str] = []
        page.on(
            "console", lambda m, errors=errors: errors.append(m.text) if m.type == "error" else None
        )
        page.goto(f"{live_server}/requests/{request.id}?lang=ar")
        assert page.locator("html").get_attribute("dir") == "rtl"
        assert page.locator("html").get_attribute("lang") == "ar"
        # the record keeps its own language and direction
        assert page.locator("h1").get_attribute("lang") == "fr"
        # mirrored: the brand sits on the right, the account links on the left
        brand = page.locator(".brand").bounding_box()
        assert brand and brand["x"] + brand["width"] > viewport["width"] * 0.6
        # the page does not scroll sideways at this width
        overflow = page.evaluate("document.documentElement.scrollWidth - window.innerWidth")
        assert overflow <= 1, f"{label}: {overflow}px wider than the window"
        page.screenshot(path=str(shots / f"ar-request-{label}.png"), full_page=True)
        page.goto(f"{live_server}/requests?lang=ar")
        facets = page.locator("form.filters").bounding_box()
        cards = page.locator("ul.cards").bounding_box()
        assert facets and cards
        if label == "desktop":  # side by side: filters on the right in Arabic
            assert facets["x"] > cards["x"]
        page.screenshot(path=str(shots / f"ar-requests-{label}.png"), full_page=True)
        context.close()
        assert not errors, errors


def _no_sideways_scroll(page, label: str) -> None:
    overflow = page.evaluate("document.documentElement.scrollWidth - window.innerWidth")
    assert overflow <= 1, f"{label}: {overflow}px wider than the window"


def test_places_and_their_chips_in_arabic_and_chinese_on_a_phone(
    browser, live_server, records, tmp_path
):
    """A place's page and the chip of a place read from a search, in Arabic (right to left)
    and Chinese, at 390 px: names, counts and states in the language, nothing off screen."""
    shots = _shots(tmp_path)
    context = browser.new_context(viewport=PHONE)
    page = context.new_page()
    page.goto(f"{live_server}/places/m49:014?lang=ar")
    assert page.locator("html").get_attribute("dir") == "rtl"
    assert page.locator("h1").inner_text().startswith("شرق أفريقيا")
    lead = page.locator("p.lead").inner_text()
    assert lead.startswith("شرق أفريقيا:") and "دولة عضوًا" in lead and "، " in lead
    _no_sideways_scroll(page, "ar place")
    page.screenshot(path=str(shots / "ar-place-phone.png"), full_page=True)
    page.goto(f"{live_server}/places?lang=zh")
    assert "东非" in page.locator("main").inner_text()
    _no_sideways_scroll(page, "zh places")
    for lang, name, count in (
        ("ar", "الجماعة الاقتصادية لدول غرب أفريقيا", "دولة عضوًا"),
        ("zh", "西非国家经济共同体：", "个会员国"),
    ):
        page.goto(f"{live_server}/search?q=training+ECOWAS&lang={lang}")
        chip = page.locator(".chips .chip").first
        text = chip.inner_text()
        assert name in text and count in text, text
        box = chip.bounding_box()
        assert box and box["x"] >= 0 and box["x"] + box["width"] <= PHONE["width"] + 1
        _no_sideways_scroll(page, f"{lang} search")
        page.screenshot(path=str(shots / f"{lang}-search-place-phone.png"), full_page=True)
    context.close()


@pytest.mark.parametrize(
    ("lang", "label", "viewport"),
    [("ar", "desktop", DESKTOP), ("ar", "phone", PHONE), ("zh", "desktop", DESKTOP)],
)
def test_every_main_page_fits_the_window(
    browser, live_server, records, lang, label, viewport, tmp_path
):
    """Each main page in Arabic (desktop and 390 px) and Chinese: no sideways scrolling, no
    script error; a full-page screenshot of each for a person to look at (KB_SCREENSHOTS)."""
    request, programme = records
    shots = _shots(tmp_path)
    context = browser.new_context(viewport=viewport)
    page = context.new_page()
    errors: list[str] = []
    page.on("console", lambda m: errors.append(m.text) if m.type == "error" else None)
    wide = {}
    for name, path in _pages(request, programme).items():
        joiner = "&" if "?" in path else "?"
        page.goto(f"{live_server}{path}{joiner}lang={lang}")
        assert page.locator("html").get_attribute("lang") == lang
        overflow = page.evaluate("document.documentElement.scrollWidth - window.innerWidth")
        if overflow > 1:
            wide[name] = overflow
        page.screenshot(path=str(shots / f"{lang}-{name}-{label}.png"), full_page=True)
    context.close()
    assert not wide, f"wider than the window ({lang}, {label}): {wide}"
    assert not errors, errors


@pytest.mark.parametrize("lang", ["ar", "zh", "en"])
def test_axe_finds_no_violation_on_the_main_pages(browser, live_server, records, lang, tmp_path):
    from axe_playwright_python.sync_playwright import Axe

    request, programme = records
    axe = Axe()
    context = browser.new_context(viewport=DESKTOP)
    page = context.new_page()
    found = {}
    for name, path in _pages(request, programme).items():
        joiner = "&" if "?" in path else "?"
        page.goto(f"{live_server}{path}{joiner}lang={lang}")
        results = axe.run(page)
        if results.violations_count:
            found[name] = [
                (v["id"], [n["target"] for n in v["nodes"]][:3])
                for v in results.response["violations"]
            ]
    if lang == "zh":
        page.goto(f"{live_server}/?lang=zh")
        page.screenshot(path=str(_shots(tmp_path) / "zh-home-desktop.png"), full_page=True)
    context.close()
    assert not found, found


def test_match_labels_read_as_translated(browser, live_server, records):
    """A match's label is a sentence of the catalogue: "Coincidencia sólida", not capitalised
    word by word ("Coincidencia Sólida") by the badge's style."""
    from kb.matching.service import match_service
    from kb.uow import unit_of_work

    request, _programme = records
    with unit_of_work():
        match_service().refresh()
    page = browser.new_page()
    page.goto(f"{live_server}/requests/{request.id}?lang=es")
    label = page.locator(".badge.quality-strong, .badge.quality-good").first
    assert label.inner_text() in ("Coincidencia sólida", "Buena coincidencia")
    page.goto(f"{live_server}/requests/{request.id}?lang=en")
    assert page.locator(".badge.quality-strong, .badge.quality-good").first.inner_text() in (
        "Strong match",
        "Good match",
    )
    page.close()
