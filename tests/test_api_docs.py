"""docs/API.md's curl examples run against a live server and answer the statuses they show."""

from __future__ import annotations

import re
import shutil
import subprocess
from pathlib import Path

import pytest

from kb import PROJECT_ROOT
from kb.api import tokens
from kb.uow import unit_of_work

API_MD = PROJECT_ROOT / "docs" / "API.md"
CHECKED = re.compile(r"^(curl .*?)\s+# → (\d{3})\s*$")
WRITE_STATUS = "-o /dev/null -w '%{http_code}\\n'"


def examples(text: str) -> tuple[str, list[int]]:
    """One script of every ```sh block that checks a status, and the statuses expected."""
    lines, expected = [], []
    for block in re.findall(r"```sh\n(.*?)```", text, flags=re.S):
        if "# → " not in block:
            continue  # e.g. the block that shows how to set the variables
        for line in block.splitlines():
            match = CHECKED.match(line.strip())
            if match:
                lines.append(f"{match.group(1)} {WRITE_STATUS}")
                expected.append(int(match.group(2)))
            elif line.strip():
                lines.append(line)
    return "set -eu\n" + "\n".join(lines) + "\n", expected


def test_examples_are_parsed():
    script, expected = examples(API_MD.read_text())
    assert len(expected) >= 20
    assert {200, 201, 304, 401, 403, 404, 409, 412, 422, 428} <= set(expected)
    assert "export BASE=" not in script


@pytest.mark.skipif(shutil.which("curl") is None, reason="curl is not installed")
def test_curl_examples_answer_as_documented(app, make, live_server, tmp_path: Path):
    make.country("FJI")
    focal = make.user("focal_point", country="KEN")
    org = make.organisation(type="academia")
    make.request("KEN", title="CSIRT training for analysts", themes=["incident_response"])
    draft = make.request("KEN", title="Our draft request", status="draft")
    programme = make.programme(org, support_types=["training"])
    with unit_of_work(index=False):
        _, write = tokens.create_token(focal, "docs", "write", 7)
        _, read = tokens.create_token(focal, "docs-read", "read", 7)
    script, expected = examples(API_MD.read_text())
    env = {
        "PATH": "/usr/bin:/bin",
        "BASE": live_server,
        "TOKEN": write,
        "READ_TOKEN": read,
        "REQUEST_ID": str(draft.id),
        "PROGRAMME_ID": str(programme.id),
        "ORG_ID": str(org.id),
    }
    (tmp_path / "examples.sh").write_text(script)
    result = subprocess.run(
        ["bash", str(tmp_path / "examples.sh")],
        env=env,
        capture_output=True,
        text=True,
        timeout=60,
        check=False,
    )
    assert result.returncode == 0, result.stderr
    statuses = [int(s) for s in result.stdout.split()]
    commands = [line for line in script.splitlines() if WRITE_STATUS in line]
    mismatches = [
        (cmd, want, got)
        for cmd, want, got in zip(commands, expected, statuses, strict=True)
        if want != got
    ]
    assert mismatches == []


@pytest.mark.browser
def test_docs_page_renders_under_the_csp(live_server):
    from tests.test_browser import CHROMIUM, LAUNCH_ARGS, _require_browser

    _require_browser()
    from playwright.sync_api import sync_playwright

    problems: list[str] = []
    with sync_playwright() as pw:
        browser = pw.chromium.launch(executable_path=str(CHROMIUM), args=LAUNCH_ARGS)
        try:
            page = browser.new_page()
            page.on("pageerror", lambda err: problems.append(str(err)))
            page.on(
                "console",
                lambda msg: problems.append(msg.text) if msg.type in ("error", "warning") else None,
            )
            page.goto(f"{live_server}/api/v1/docs")
            page.wait_for_selector(".opblock", timeout=15000)
            assert page.locator(".opblock").count() >= 20
            assert "Capacity Exchange API" in page.content()
        finally:
            browser.close()
    assert [p for p in problems if "Content Security Policy" in p or "Refused" in p] == []
    assert [p for p in problems if "sourcemap" not in p.lower()] == []


def test_concurrent_writers_with_one_etag_cannot_both_win(app, make, live_server):
    """Two clients PATCH the same version at once: one succeeds, the other gets 412."""
    import json as jsonlib
    import urllib.error
    import urllib.request
    from concurrent.futures import ThreadPoolExecutor

    focal = make.user("focal_point", country="KEN")
    record = make.request("KEN")
    with unit_of_work(index=False):
        _, secret = tokens.create_token(focal, "race", "write", 7)
    url = f"{live_server}/api/v1/requests/{record.id}"
    auth = {"Authorization": f"Bearer {secret}"}
    with urllib.request.urlopen(urllib.request.Request(url, headers=auth)) as response:
        etag = response.headers["ETag"]

    def patch(audience: str) -> int:
        body = jsonlib.dumps({"target_audience": audience}).encode()
        headers = {**auth, "If-Match": etag, "Content-Type": "application/json"}
        req = urllib.request.Request(url, data=body, headers=headers, method="PATCH")
        try:
            with urllib.request.urlopen(req) as response:
                return int(response.status)
        except urllib.error.HTTPError as err:
            err.close()
            return err.code

    for round_ in range(3):
        with ThreadPoolExecutor(2) as pool:
            statuses = sorted(pool.map(patch, [f"CERT staff {round_}", f"Diplomats {round_}"]))
        assert statuses == [200, 412]
        with urllib.request.urlopen(urllib.request.Request(url, headers=auth)) as response:
            etag = response.headers["ETag"]
