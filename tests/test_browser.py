"""End to end in headless Chromium: a focal point posts a need, the Secretariat publishes it,
an anonymous visitor finds it; a visitor searches from the header, refines with a facet, shares
the URL and follows "Did you mean", never seeing a confidential record.

Uses Debian's ``/usr/bin/chromium`` through Playwright (never ``playwright install``). Where it is
absent the test is skipped with the reason; ``.ci/run`` installs it and sets
``KB_REQUIRE_BROWSER=1`` so that CI fails instead of skipping.
"""

from __future__ import annotations

import os
from pathlib import Path

import pytest

CHROMIUM = Path("/usr/bin/chromium")
LAUNCH_ARGS = [
    "--no-sandbox",
    "--headless=new",
    "--disable-gpu",
    "--disable-background-networking",
    "--disable-component-update",
    "--no-first-run",
    "--disable-sync",
]

pytestmark = pytest.mark.browser


def _require_browser() -> None:
    if CHROMIUM.exists():
        return
    reason = "Debian's chromium is not installed (apt-get install chromium)"
    if os.environ.get("KB_REQUIRE_BROWSER") == "1":
        pytest.fail(reason)
    pytest.skip(reason)


@pytest.fixture
def page(live_server):
    _require_browser()
    from playwright.sync_api import sync_playwright

    with sync_playwright() as pw:
        browser = pw.chromium.launch(executable_path=str(CHROMIUM), args=LAUNCH_ARGS)
        context = browser.new_context(viewport={"width": 1200, "height": 900})
        page = context.new_page()
        errors: list[str] = []
        page.on("console", lambda m: errors.append(m.text) if m.type == "error" else None)
        yield page
        browser.close()
        assert not errors, f"console errors (e.g. CSP violations): {errors}"


def _login(page, base: str, email: str, lands_on: str = "/my") -> None:
    page.goto(f"{base}/account/login")
    page.get_by_label("Email").fill(email)
    page.get_by_label("Password").fill("password-123")
    page.get_by_role("button", name="Log in").click()
    page.wait_for_url(f"{base}{lands_on}")


def _logout(page) -> None:
    page.get_by_role("button", name="Log out").click()
    page.wait_for_load_state()


def test_need_goes_from_focal_point_to_public(page, live_server, make, tmp_path):
    base = live_server
    focal = make.user("focal_point", country="KEN", email="focal@example.org")
    make.user("secretariat", email="sec@example.org")
    assert focal.country_code == "KEN"

    _login(page, base, "focal@example.org")
    page.get_by_role("link", name="New request").click()
    page.get_by_label("Title").fill("Forensic lab set-up for the cybercrime unit")
    page.get_by_label("Description").fill(
        "The police cybercrime unit needs help to equip and accredit a digital forensics lab."
    )
    page.get_by_label("Cybercrime").check()
    page.get_by_label("Equipment").check()
    page.get_by_label("English").first.check()
    page.get_by_role("button", name="Save").click()
    page.get_by_text("Saved as a draft").wait_for()
    page.get_by_role("button", name="Submit for publication").click()
    page.get_by_text("Status is now: Submitted").wait_for()
    _logout(page)

    _login(page, base, "sec@example.org", lands_on="/secretariat/queue")
    page.get_by_role("link", name="Secretariat").click()
    page.get_by_role("link", name="Forensic lab set-up for the cybercrime unit").click()
    page.get_by_role("button", name="Publish").click()
    page.get_by_text("Status is now: Open").wait_for()
    _logout(page)

    page.goto(f"{base}/requests")
    page.get_by_role("link", name="Forensic lab set-up for the cybercrime unit").click()
    assert page.get_by_role("heading", level=1).inner_text() == (
        "Forensic lab set-up for the cybercrime unit"
    )
    assert page.get_by_text("Kenya").first.is_visible()
    page.set_viewport_size({"width": 390, "height": 844})  # a phone
    page.screenshot(path=str(tmp_path / "public-request-phone.png"), full_page=True)


def test_search_from_the_header_refines_with_facets_and_never_shows_confidential(
    page, live_server, make
):
    from kb.searching.service import search_service

    base = live_server
    make.country("SEN")
    make.request("KEN", title="Malware triage training for the national CERT")
    make.request(
        "SEN",
        title="Formation des analystes du CSIRT national",
        description="Le centre national souhaite former ses analystes à la réponse aux incidents.",
        text_language="fr",
        languages=["fr"],
    )
    make.request("KEN", title="Confidential CERT staffing plan", visibility="secretariat")
    search_service().reindex()

    page.goto(f"{base}/")
    page.get_by_role("searchbox").first.fill("CERT")
    page.get_by_role("searchbox").first.press("Enter")
    page.wait_for_url("**/search?**")
    results = page.locator("main")
    results.get_by_text("2 results").wait_for()
    assert results.get_by_role("link", name="Formation des analystes du CSIRT national").count()
    assert "Confidential CERT staffing plan" not in page.content()

    page.get_by_role("link", name="Senegal").click()  # the country facet, by name
    page.wait_for_url("**country=SEN**")
    results.get_by_text("1 result for").wait_for()
    shared = page.url
    page.goto(shared)  # the URL holds the whole query
    assert page.get_by_role("link", name="Formation des analystes du CSIRT national").count()

    page.goto(f"{base}/search?q=malwer+triage")
    page.get_by_text("No record contains “malwer”; showing results for").wait_for()
    page.get_by_role("link", name="malware triage", exact=True).click()
    page.wait_for_url("**q=malware+triage**")
    assert "Did you mean" not in page.content() and "No record contains" not in page.content()
    page.get_by_role("link", name="Malware triage training for the national CERT").wait_for()


def test_pages_fit_a_phone_screen(page, live_server, make):
    """At 390 px wide (a common phone), the header and /matches never widen the page."""
    from kb.matching.service import match_service
    from kb.uow import unit_of_work

    make.country("KEN")
    org = make.organisation(name="International Institute for Digital Forensics and Evidence")
    words = "Digital forensics laboratory accreditation and examiner training for police units"
    make.request("KEN", title=words, description=words + " in Kenya, with evidence handling.",
                 themes=["cybercrime"], support_types=["training"], status="open")  # fmt: skip
    make.programme(org, title=words, description=words + ", delivered in person or online.",
                   themes=["cybercrime"], support_types=["training"], status="open")  # fmt: skip
    with unit_of_work():
        match_service().refresh()
    page.set_viewport_size({"width": 390, "height": 844})
    for path in ("/", "/matches", "/requests", "/search?q=forensics"):
        page.goto(f"{live_server}{path}")
        if path == "/matches":
            assert page.locator("table.pairs tbody tr").count() >= 1
            cell = page.locator("table.pairs tbody td").first
            assert cell.evaluate("e => getComputedStyle(e).display") == "block"  # stacked
        width = page.evaluate("document.documentElement.scrollWidth")
        assert width <= 390, f"{path} is {width} px wide on a 390 px screen"
