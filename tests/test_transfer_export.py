"""Exports of filtered lists: only what the viewer may see, in the import format."""

from __future__ import annotations

import html
import io
import json
import re

import pytest
from openpyxl import load_workbook

from kb.transfer import export
from kb.transfer.formats import parse
from tests.factories import Factory, days_ago

FORMATS = ("csv", "xlsx", "json")


def keys(data: bytes, fmt: str) -> set[str]:
    text_or_bytes = data if fmt == "xlsx" else data.decode("utf-8-sig")
    return {row["key"] for _, row in parse(text_or_bytes, fmt)[1]}


@pytest.fixture
def records(make: Factory) -> dict[str, object]:
    org = make.organisation(external_key="org-x")
    return {
        "public": make.request("KEN", external_key="pub", title="Public request on CERT"),
        "verified": make.request("KEN", external_key="ver", visibility="verified"),
        "secret": make.request("KEN", external_key="sec", visibility="secretariat"),
        "draft": make.request("KEN", external_key="dra", status="draft"),
        "sen": make.request("SEN", external_key="sen", visibility="secretariat"),
        "prog_public": make.programme(org, external_key="pp"),
        "prog_secret": make.programme(org, external_key="ps", visibility="secretariat"),
    }


@pytest.mark.parametrize("fmt", FORMATS)
def test_confidential_records_never_exported_to_others(records, make, client, auth, fmt) -> None:
    response = client.get(f"/requests/export.{fmt}")
    assert response.status_code == 200
    assert "attachment" in response.headers["Content-Disposition"]
    assert keys(response.data, fmt) == {"pub"}
    assert keys(client.get(f"/programmes/export.{fmt}").data, fmt) == {"pp"}

    other_state = make.user("focal_point", country="SEN")
    auth.login(other_state.email)
    assert keys(client.get(f"/requests/export.{fmt}").data, fmt) == {"pub", "ver", "sen"}
    assert keys(client.get(f"/programmes/export.{fmt}").data, fmt) == {"pp"}
    auth.logout()

    owner = make.user("focal_point", country="KEN")
    auth.login(owner.email)
    exported = keys(client.get(f"/requests/export.{fmt}").data, fmt)
    assert exported == {"pub", "ver", "sec", "dra"}
    auth.logout()

    admin = make.user("secretariat")
    auth.login(admin.email)
    assert len(keys(client.get(f"/requests/export.{fmt}").data, fmt)) == 5
    assert keys(client.get(f"/programmes/export.{fmt}").data, fmt) == {"pp", "ps"}


def test_export_takes_the_list_filters(records, client) -> None:
    assert keys(client.get("/requests/export.json?q=CERT&country=KEN").data, "json") == {"pub"}
    assert keys(client.get("/requests/export.json?theme=cybercrime").data, "json") == set()


def test_export_is_in_the_import_format_and_neutralised(make, client) -> None:
    make.request("KEN", external_key="k", title="=cmd|' /C calc'!A0 training")
    data = client.get("/requests/export.xlsx?headings=codes").data
    sheet = load_workbook(io.BytesIO(data), read_only=True).worksheets[0]
    rows = list(sheet.iter_rows(values_only=True))
    assert rows[0][:3] == ("key", "country", "title")
    assert rows[1][2].startswith("'=cmd")
    document = json.loads(client.get("/requests/export.json").data)
    assert document["kind"] == "requests"
    assert document["records"][0]["themes"] == ["incident_response"]


def test_list_pages_link_to_exports(records, client) -> None:
    page = client.get("/requests?theme=incident_response").get_data(as_text=True)
    assert "/requests/export.csv?theme=incident_response" in page


def test_exports_are_in_the_list_pages_order(make, client) -> None:
    # Three requests whose order differs for each sort of the list page.
    when = {  # title: (created, updated) days ago
        "Alpha request on CERT": (3, 2),
        "Bravo request on CERT": (1, 3),
        "Charlie request on CERT": (2, 1),
    }
    for title, (created, updated) in when.items():
        make.request(
            "KEN",
            external_key=title.split()[0].lower(),
            title=title,
            created_at=days_ago(created),
            updated_at=days_ago(updated),
        )
    orders = set()
    for sort in ("", "updated", "newest", "title"):
        page = client.get(f"/requests?q=CERT&sort={sort}").get_data(as_text=True)
        listed = sorted(when, key=page.index)
        link = html.unescape(re.search(r'href="(/requests/export\.json[^"]*)"', page).group(1))
        exported = [row["key"] for _, row in parse(client.get(link).data.decode(), "json")[1]]
        assert exported == [title.split()[0].lower() for title in listed], sort
        orders.add(tuple(exported))
    assert orders == {
        ("charlie", "alpha", "bravo"),
        ("bravo", "charlie", "alpha"),
        ("alpha", "bravo", "charlie"),
    }


def test_a_list_too_long_to_download_is_refused_not_cut(make, client, monkeypatch) -> None:
    monkeypatch.setattr(export, "MAX_ROWS", 2)
    for n, status in enumerate(("open", "open", "closed")):
        make.request("KEN", external_key=f"r{n}", status=status)
    page = client.get("/requests").get_data(as_text=True)
    assert "/requests/export." not in page
    assert "3 requests match: more than the 2 a download holds." in page
    for fmt in FORMATS:
        response = client.get(f"/requests/export.{fmt}?sort=title")
        text = response.get_data(as_text=True)
        assert response.status_code == 400 and "Content-Disposition" not in response.headers
        assert "Too many requests to download" in text and "Narrow the filters" in text
        assert 'href="/requests?sort=title"' in text
    page = client.get("/requests?status=open").get_data(as_text=True)
    assert "/requests/export.csv?status=open" in page
    assert keys(client.get("/requests/export.json?status=open").data, "json") == {"r0", "r1"}
